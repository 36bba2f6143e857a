//! The `_bulk` API: bodies written for the target's version, answers read item by item, and
//! retries that repeat only what is worth repeating.
//!
//! A body is NDJSON: one action line (`{"index":{"_index":..,"_id":..}}`) and one source line per
//! document. Elasticsearch 5.x/6.x require `_type` in the action line, 7.x accepts it deprecated
//! and 8.x/OpenSearch 2.x reject it, so whether to write one is the caller's per-document choice
//! ([`ClusterInfo::bulk_needs_type`]); the routing key is `_routing` on 5.x and `routing` after.
//!
//! [`execute`] sends a body until every item has an answer that is final:
//! - the whole request fails with 429/502/503/504, a dropped connection or a timeout → the same
//!   body again after a backoff;
//! - some items fail with a retryable status (429 `es_rejected_execution_exception`, 503
//!   unavailable shards) → only those items again;
//! - other item failures (mapping errors, conflicts) are final and come back in
//!   [`BulkOutcome::failed`] for the caller's dead-letter file.
//!
//! Answers are asked for with `filter_path=errors,items.*.status,items.*.error`, which keeps a
//! 10 000-item answer to a few hundred kilobytes; items answer in request order.

use std::io::Write;

use bytes::Bytes;

use reqwest::Method;
use serde::Deserialize;

use crate::error::{is_retryable_status, ErrorBody};
use crate::retry::Backoff;
use crate::{Body, Client, ClusterInfo, Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpType {
    /// Insert or overwrite by `_id`: idempotent, so resending after a lost answer is harmless.
    Index,
    /// Insert only; an existing `_id` is a conflict.
    Create,
}

impl OpType {
    fn action(self) -> &'static [u8] {
        match self {
            OpType::Index => b"{\"index\":{",
            OpType::Create => b"{\"create\":{",
        }
    }
}

/// The metadata of one document's action line.
#[derive(Debug, Clone, Copy)]
pub struct Action<'a> {
    pub index: &'a str,
    /// Written as `_type` when `Some` (Elasticsearch 5.x/6.x targets).
    pub doc_type: Option<&'a str>,
    pub id: &'a str,
    pub routing: Option<&'a str>,
}

/// Version-dependent spelling of action lines.
#[derive(Debug, Clone, Copy)]
pub struct ActionStyle {
    pub op: OpType,
    pub routing_key: &'static str,
}

impl ActionStyle {
    pub fn for_target(info: &ClusterInfo, op: OpType) -> ActionStyle {
        ActionStyle { op, routing_key: info.bulk_routing_key() }
    }
}

#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

/// A bulk request body and where each item's two lines are in it.
#[derive(Debug, Default, Clone)]
pub struct BulkBody {
    buf: Vec<u8>,
    items: Vec<Span>,
}

impl BulkBody {
    pub fn with_capacity(bytes: usize) -> BulkBody {
        BulkBody { buf: Vec::with_capacity(bytes), items: Vec::new() }
    }

    /// Append one document. `source` must be a single line of JSON (no `\n`).
    pub fn push(&mut self, style: ActionStyle, action: Action<'_>, source: &[u8]) {
        debug_assert!(!source.contains(&b'\n'), "bulk sources are single lines");
        self.push_with(style, action, |b| {
            b.extend_from_slice(source);
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_or_else(|never| match never {});
    }

    /// Append one document whose source line `write_source` appends (single-line JSON, no
    /// newline) — converting straight into the body saves a copy. On error nothing is appended.
    pub fn push_with<E>(&mut self, style: ActionStyle, action: Action<'_>, write_source: impl FnOnce(&mut Vec<u8>) -> Result<(), E>) -> Result<(), E> {
        let start = self.buf.len();
        let b = &mut self.buf;
        b.extend_from_slice(style.op.action());
        b.extend_from_slice(b"\"_index\":");
        write_json_str(b, action.index);
        if let Some(t) = action.doc_type {
            b.extend_from_slice(b",\"_type\":");
            write_json_str(b, t);
        }
        b.extend_from_slice(b",\"_id\":");
        write_json_str(b, action.id);
        if let Some(r) = action.routing {
            b.push(b',');
            write_json_str(b, style.routing_key);
            b.push(b':');
            write_json_str(b, r);
        }
        b.extend_from_slice(b"}}\n");
        if let Err(e) = write_source(b) {
            self.buf.truncate(start);
            return Err(e);
        }
        self.buf.push(b'\n');
        self.items.push(Span { start: start as u32, end: self.buf.len() as u32 });
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn byte_len(&self) -> usize {
        self.buf.len()
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Done adding: the body becomes shareable bytes (no copy), for sending and resending.
    pub fn seal(self) -> SealedBody {
        SealedBody { bytes: Bytes::from(self.buf), items: self.items }
    }
}

/// A finished bulk body. Cloning the bytes for each attempt is a reference count, not a copy.
#[derive(Debug, Clone)]
pub struct SealedBody {
    bytes: Bytes,
    items: Vec<Span>,
}

impl SealedBody {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Item `i`'s action line and source line (without their newlines).
    pub fn item_lines(&self, i: usize) -> (&[u8], &[u8]) {
        let s = self.items[i];
        let item = &self.bytes[s.start as usize..s.end as usize - 1];
        let nl = item.iter().position(|&c| c == b'\n').expect("an item has two lines");
        (&item[..nl], &item[nl + 1..])
    }

    /// A body with only the items at `indices` (in that order).
    fn subset(&self, indices: &[usize]) -> SealedBody {
        let mut out = BulkBody::with_capacity(indices.iter().map(|&i| (self.items[i].end - self.items[i].start) as usize).sum());
        for &i in indices {
            let s = self.items[i];
            let start = out.buf.len() as u32;
            out.buf.extend_from_slice(&self.bytes[s.start as usize..s.end as usize]);
            out.items.push(Span { start, end: out.buf.len() as u32 });
        }
        out.seal()
    }

    /// The body as sent: gzip level 1 when asked (fast, and JSON still shrinks 4–8×).
    pub fn to_wire(&self, gzip: bool) -> Body {
        let bytes = if gzip {
            let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(self.bytes.len() / 4), flate2::Compression::fast());
            enc.write_all(&self.bytes).expect("writing to a Vec cannot fail");
            Bytes::from(enc.finish().expect("writing to a Vec cannot fail"))
        } else {
            self.bytes.clone()
        };
        Body { bytes, content_type: "application/x-ndjson", gzip }
    }
}

fn write_json_str(buf: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *buf, s).expect("a string serialises into a Vec");
}

#[derive(Debug, Clone)]
pub struct BulkOptions {
    pub gzip: bool,
    pub backoff: Backoff,
    /// Extra query parameters, e.g. `refresh=wait_for` (without `?`).
    pub query: Option<String>,
}

/// An item the cluster refused for good.
#[derive(Debug, Clone)]
pub struct FailedItem {
    /// Its position in the body given to [`execute`].
    pub item: usize,
    pub status: u16,
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Default)]
pub struct BulkOutcome {
    pub succeeded: usize,
    pub failed: Vec<FailedItem>,
    /// Whole-request resends (after 429/5xx/connection failures).
    pub request_retries: u32,
    /// Item resends (after per-item 429/503).
    pub item_retries: usize,
}

#[derive(Deserialize)]
struct BulkResponse {
    #[serde(default)]
    errors: bool,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Item {
    Index(ItemResult),
    Create(ItemResult),
    Update(ItemResult),
    Delete(ItemResult),
}

#[derive(Deserialize)]
struct ItemResult {
    status: u16,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

impl Item {
    fn result(&self) -> &ItemResult {
        match self {
            Item::Index(r) | Item::Create(r) | Item::Update(r) | Item::Delete(r) => r,
        }
    }
}

/// Send `body` to `POST {path}` (e.g. `_bulk`) until every item is acknowledged or failed for
/// good. `Err` only when the request itself cannot succeed (a non-retryable status, or the
/// retry budget is spent).
pub async fn execute(client: &Client, path: &str, style: ActionStyle, body: &SealedBody, options: &BulkOptions) -> Result<BulkOutcome, Error> {
    let mut query = String::from("filter_path=errors,items.*.status,items.*.error");
    if let Some(q) = &options.query {
        query.push('&');
        query.push_str(q);
    }
    let path = format!("{path}?{query}");
    let mut outcome = BulkOutcome::default();
    let mut attempts = options.backoff.start();
    // Positions (in `body`) still waiting for a final answer.
    let mut pending: Vec<usize> = (0..body.len()).collect();
    // Items whose earlier request may have been applied although its answer was lost.
    let mut maybe_applied = vec![false; body.len()];
    let mut first = true;
    while !pending.is_empty() {
        let wire = if first { body.to_wire(options.gzip) } else { body.subset(&pending).to_wire(options.gzip) };
        first = false;
        let response = match client.send(Method::POST, &path, Some(&wire)).await {
            Ok(r) if r.is_success() => r,
            Ok(r) if is_retryable_status(r.status) => {
                let err = client.status_error(&Method::POST, &path, &r);
                wait(&mut attempts, err).await?;
                outcome.request_retries += 1;
                continue;
            }
            Ok(r) => {
                let mut err = client.status_error(&Method::POST, &path, &r);
                if r.status == 413 {
                    if let Error::Status { hint, .. } = &mut err {
                        *hint = " (the bulk body is larger than the cluster accepts: lower --batch-bytes)";
                    }
                }
                return Err(err);
            }
            Err(e) if e.is_retryable() => {
                for &i in &pending {
                    maybe_applied[i] = true;
                }
                wait(&mut attempts, e).await?;
                outcome.request_retries += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        let parsed: BulkResponse = serde_json::from_slice(&response.body).map_err(|e| client.bad_response(&Method::POST, &path, format!("not a bulk answer ({e})")))?;
        if parsed.items.len() != pending.len() {
            return Err(client.bad_response(&Method::POST, &path, format!("{} items answered for {} sent", parsed.items.len(), pending.len())));
        }
        if !parsed.errors {
            outcome.succeeded += pending.len();
            break;
        }
        let mut again = Vec::new();
        for (item, &pos) in parsed.items.iter().zip(&pending) {
            let r = item.result();
            if (200..300).contains(&r.status) {
                outcome.succeeded += 1;
            } else if is_retryable_status(r.status) {
                again.push(pos);
            } else if r.status == 409 && style.op == OpType::Create && maybe_applied[pos] {
                // Our own earlier request created it; its answer was lost on the way back.
                outcome.succeeded += 1;
            } else {
                let error = r.error.as_ref().map(ErrorBody::from_error_value).unwrap_or(ErrorBody { error_type: None, reason: format!("status {}", r.status) });
                outcome.failed.push(FailedItem { item: pos, status: r.status, error });
            }
        }
        if !again.is_empty() {
            outcome.item_retries += again.len();
            let status = parsed.items.iter().map(|i| i.result().status).find(|s| is_retryable_status(*s)).unwrap_or(429);
            let why = Error::Status {
                host: client.host().to_owned(),
                method: "POST".into(),
                path: format!("/{}", path.split('?').next().unwrap_or_default()),
                status,
                body: ErrorBody { error_type: None, reason: format!("{} of {} items rejected", again.len(), pending.len()) },
                hint: "",
            };
            wait(&mut attempts, why).await?;
        }
        pending = again;
    }
    Ok(outcome)
}

async fn wait(attempts: &mut crate::retry::Attempts, last: Error) -> Result<(), Error> {
    match attempts.next_delay() {
        Some(d) => {
            tracing::debug!("retrying in {d:?} after: {last}");
            tokio::time::sleep(d).await;
            Ok(())
        }
        None => {
            tracing::warn!("giving up after {} attempts", attempts.failures());
            Err(last)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(op: OpType, routing_key: &'static str) -> ActionStyle {
        ActionStyle { op, routing_key }
    }

    #[test]
    fn action_lines_per_version() {
        let mut b = BulkBody::default();
        b.push(style(OpType::Index, "routing"), Action { index: "logs", doc_type: None, id: "a\"1", routing: Some("r1") }, br#"{"x":1}"#);
        b.push(style(OpType::Create, "_routing"), Action { index: "logs", doc_type: Some("doc"), id: "2", routing: None }, br#"{}"#);
        assert_eq!(
            std::str::from_utf8(b.as_bytes()).unwrap(),
            "{\"index\":{\"_index\":\"logs\",\"_id\":\"a\\\"1\",\"routing\":\"r1\"}}\n{\"x\":1}\n{\"create\":{\"_index\":\"logs\",\"_type\":\"doc\",\"_id\":\"2\"}}\n{}\n"
        );
        assert_eq!(b.len(), 2);
        let b = b.seal();
        assert_eq!(b.item_lines(1), (&br#"{"create":{"_index":"logs","_type":"doc","_id":"2"}}"#[..], &b"{}"[..]));
        let sub = b.subset(&[1]);
        assert_eq!(&sub.bytes[..], b"{\"create\":{\"_index\":\"logs\",\"_type\":\"doc\",\"_id\":\"2\"}}\n{}\n");
        let wire = b.to_wire(true);
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&wire.bytes[..]), &mut plain).unwrap();
        assert_eq!(plain, &b.bytes[..]);
    }

    #[test]
    fn bulk_answers_parse_with_and_without_errors() {
        let ok: BulkResponse = serde_json::from_str(r#"{"errors":false,"items":[{"index":{"status":201}},{"index":{"status":200}}]}"#).unwrap();
        assert_eq!(ok.items.len(), 2);
        let bad: BulkResponse = serde_json::from_str(r#"{"errors":true,"items":[{"create":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected"}}}]}"#).unwrap();
        assert_eq!(bad.items[0].result().status, 429);
        assert_eq!(ErrorBody::from_error_value(bad.items[0].result().error.as_ref().unwrap()).to_string(), "es_rejected_execution_exception: rejected");
        let empty: BulkResponse = serde_json::from_str(r#"{"errors":false}"#).unwrap();
        assert!(empty.items.is_empty());
    }
}
