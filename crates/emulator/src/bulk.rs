//! The `_bulk` API (facts §2).
//!
//! Like `BulkRequestParser`, the whole body is parsed and validated before anything runs, so
//! syntax and validation errors fail the whole request (400) and nothing is applied. Per-version
//! rules (facts §2.2): `_type` is required in 5.6/6.8 (`type is missing` validation error),
//! optional with `_doc` default in 7.x and OpenSearch 1.3, an unknown parameter in ES 8/9 and
//! OpenSearch 2/3; `_routing`/`_version`/`_version_type`/`_retry_on_conflict` aliases only in
//! 5.6/6.8; `if_seq_no`/`if_primary_term` from 6.8. Item responses follow facts §2.3 (key order,
//! `_seq_no` from 6.x, `created`/`found` in 5.6, `errors`-first top level in ES 8/9, OpenSearch
//! 3.x repeating ids inside `error`).
//!
//! In [`Store::CountOnly`](crate::Store::CountOnly) mode source lines are only located (memchr)
//! and never parsed, except for `update` sources, which carry the update instructions.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use memchr::memchr;
use serde_json::Value;

use crate::action_line::{self, ParamValue};
use crate::errors::{self, illegal_argument, validation_failed, EsError};
use crate::filter_path::FilterPath;
use crate::json::JsonOut;
use crate::personality::{Personality, TypeRule};
use crate::store::{self, Cluster, Index, OpKind, UpdateSpec, VersionType, WriteOp, WriteOutcome, WriteResult};
use crate::{Counters, Shared, Store};

/// The `refresh` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refresh {
    No,
    Immediate,
    WaitFor,
}

impl Refresh {
    pub fn parse(v: Option<&str>) -> Result<Refresh, EsError> {
        match v {
            None | Some("false") => Ok(Refresh::No),
            Some("") | Some("true") => Ok(Refresh::Immediate),
            Some("wait_for") => Ok(Refresh::WaitFor),
            Some(other) => Err(illegal_argument(format!("Unknown value for refresh: [{other}]."))),
        }
    }
}

/// URL-level defaults and options of one bulk request.
pub(crate) struct BulkRequest<'a> {
    pub body: &'a [u8],
    pub default_index: Option<&'a str>,
    pub default_type: Option<&'a str>,
    pub routing: Option<&'a str>,
    pub refresh: Refresh,
    pub filter: Option<&'a FilterPath>,
    pub started: Instant,
}

/// The parsed form of one action (+ source) pair.
struct Item<'a> {
    kind: OpKind,
    index: Option<Cow<'a, str>>,
    doc_type: Option<Cow<'a, str>>,
    id: Option<Cow<'a, str>>,
    routing: Option<Cow<'a, str>>,
    version: Option<i64>,
    version_type: VersionType,
    if_seq_no: Option<i64>,
    if_primary_term: Option<i64>,
    require_alias: bool,
    source: &'a [u8],
}

/// What happened to one item.
struct Outcome {
    kind: OpKind,
    index: String,
    doc_type: String,
    id: Option<String>,
    result: Result<WriteOutcome, EsError>,
    shards_total: u32,
    forced_refresh: bool,
}

/// Result of a bulk call: the serialized body and whether a deprecation warning applies.
pub(crate) struct BulkResponse {
    pub body: Vec<u8>,
    pub typed: bool,
}

/// Run a bulk request. `Err` is a whole-request failure (nothing applied).
pub(crate) fn execute(shared: &Shared, req: &BulkRequest<'_>) -> Result<BulkResponse, EsError> {
    let p = shared.personality;
    let (items, typed) = parse(p, req)?;
    validate(p, &items)?;

    // Parse sources outside the lock: it is the expensive part in full mode.
    let full = shared.store_mode == Store::Full;
    let sources: Vec<Option<Result<Value, EsError>>> = items
        .iter()
        .map(|it| match it.kind {
            OpKind::Index | OpKind::Create if full => Some(parse_source(p, it.source)),
            OpKind::Update => Some(parse_update(p, it.source)),
            _ => None,
        })
        .collect();

    let faults = shared.current_faults();
    let mut outcomes = Vec::with_capacity(items.len());
    let mut applied = 0u64;
    let mut rejected = 0u64;
    {
        let mut cluster = shared.cluster();
        let mut touched: Vec<String> = Vec::new();
        for (item, source) in items.iter().zip(sources) {
            let rejected_now = shared.streams.item_429.hit(faults.item_429_fraction);
            let outcome = apply_item(&mut cluster, p, req, item, source, rejected_now);
            if rejected_now {
                rejected += 1;
            } else if outcome.result.is_ok() {
                applied += 1;
            }
            if req.refresh != Refresh::No && !touched.contains(&outcome.index) {
                touched.push(outcome.index.clone());
            }
            outcomes.push(outcome);
        }
        for name in &touched {
            if let Some(idx) = cluster.indices.get_mut(name) {
                idx.refresh();
            }
        }
    }
    Counters::add(&shared.counters.bulk_items, items.len() as u64);
    Counters::add(&shared.counters.items_applied, applied);
    Counters::add(&shared.counters.items_rejected_429, rejected);

    let took = req.started.elapsed().as_millis() as u64;
    Ok(BulkResponse { body: write_response(p, &outcomes, took, req.filter), typed })
}

fn parse<'a>(p: Personality, req: &BulkRequest<'a>) -> Result<(Vec<Item<'a>>, bool), EsError> {
    let body = req.body;
    let mut items = Vec::new();
    let mut typed = req.default_type.is_some();
    let mut line = 0usize;
    let mut from = 0usize;
    let terminated = || illegal_argument("The bulk request must be terminated by a newline [\\n]");
    while from < body.len() {
        let Some(nl) = memchr(b'\n', &body[from..]) else {
            return Err(terminated());
        };
        line += 1;
        let action_line_no = line;
        let raw = &body[from..from + nl];
        from += nl + 1;
        let Some(action) = action_line::parse(p, raw, action_line_no)? else {
            continue;
        };
        let kind = match action.op.as_ref() {
            "index" => OpKind::Index,
            "create" => OpKind::Create,
            "delete" => OpKind::Delete,
            "update" => OpKind::Update,
            other => {
                return Err(illegal_argument(format!(
                    "Malformed action/metadata line [{action_line_no}], expected one of [create, delete, index, update] but found [{other}]"
                )))
            }
        };
        let mut item = Item {
            kind,
            index: req.default_index.map(Cow::Borrowed),
            doc_type: req.default_type.map(Cow::Borrowed),
            id: None,
            routing: req.routing.map(Cow::Borrowed),
            version: None,
            version_type: VersionType::Internal,
            if_seq_no: None,
            if_primary_term: None,
            require_alias: false,
            source: &[],
        };
        let mut parent = None;
        for (key, value) in action.params {
            let unknown = || illegal_argument(format!("Action/metadata line [{action_line_no}] contains an unknown parameter [{key}]"));
            let simple = |v: &ParamValue<'a>| -> Result<Option<Cow<'a, str>>, EsError> {
                match v {
                    ParamValue::Null => Ok(None),
                    ParamValue::Object(_) | ParamValue::Array(_) => Err(illegal_argument(format!(
                        "Malformed action/metadata line [{action_line_no}], expected a simple value for field [{key}] but found [{}]",
                        v.token_name()
                    ))),
                    other => Ok(other.text()),
                }
            };
            let number = |v: &ParamValue<'a>| -> Result<Option<i64>, EsError> {
                match simple(v)? {
                    None => Ok(None),
                    Some(t) => t
                        .parse::<i64>()
                        .map(Some)
                        .map_err(|_| illegal_argument(format!("For input string: \"{t}\""))),
                }
            };
            let aliases = p.accepts_underscore_aliases();
            match key.as_ref() {
                "_index" => item.index = simple(&value)?,
                "_type" => match p.type_rule() {
                    TypeRule::Rejected => return Err(unknown()),
                    _ => {
                        item.doc_type = simple(&value)?;
                        typed = true;
                    }
                },
                "_id" => item.id = simple(&value)?,
                "routing" => item.routing = simple(&value)?,
                "_routing" if aliases => item.routing = simple(&value)?,
                "parent" | "_parent" if aliases => parent = simple(&value)?,
                "version" => item.version = number(&value)?,
                "_version" if aliases => item.version = number(&value)?,
                "version_type" | "_version_type" | "_versionType" if key == "version_type" || aliases => {
                    if let Some(t) = simple(&value)? {
                        item.version_type = VersionType::parse(&t)
                            .ok_or_else(|| illegal_argument(format!("No version type match [{t}]")))?;
                    }
                }
                "if_seq_no" if p.has_if_seq_no() => item.if_seq_no = number(&value)?,
                "if_primary_term" if p.has_if_seq_no() => item.if_primary_term = number(&value)?,
                "retry_on_conflict" => {
                    number(&value)?;
                }
                "_retry_on_conflict" | "_retryOnConflict" if aliases => {
                    number(&value)?;
                }
                "op_type" => {
                    if let Some(t) = simple(&value)? {
                        match (t.as_ref(), item.kind) {
                            ("create", OpKind::Index) => item.kind = OpKind::Create,
                            ("index", _) | ("create", _) => {}
                            (other, _) => return Err(illegal_argument(format!("opType must be 'create' or 'index', found: [{other}]"))),
                        }
                    }
                }
                "pipeline" => {
                    simple(&value)?;
                }
                "_source" => {}
                "require_alias" if p.accepts_require_alias() => {
                    item.require_alias = simple(&value)?.as_deref() == Some("true");
                }
                "dynamic_templates" if p.accepts_dynamic_templates() => {}
                "require_data_stream" | "list_executed_pipelines" if matches!(p, Personality::Es8 | Personality::Es9) => {
                    simple(&value)?;
                }
                _ => return Err(unknown()),
            }
        }
        if item.routing.is_none() {
            item.routing = parent;
        }
        if item.kind == OpKind::Update && item.version.is_some() {
            return Err(illegal_argument(
                "Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead",
            ));
        }
        if item.kind != OpKind::Delete {
            // An action line that ends the body has no source: ES stops parsing there.
            if from >= body.len() {
                break;
            }
            let Some(nl) = memchr(b'\n', &body[from..]) else {
                return Err(terminated());
            };
            line += 1;
            item.source = &body[from..from + nl];
            from += nl + 1;
        }
        items.push(item);
    }
    Ok((items, typed))
}

/// `BulkRequest.validate()`: every item's validation errors, collected in order.
fn validate(p: Personality, items: &[Item<'_>]) -> Result<(), EsError> {
    let mut problems: Vec<String> = Vec::new();
    if items.is_empty() {
        problems.push("no requests added".into());
    }
    for it in items {
        if it.index.as_deref().is_none_or(str::is_empty) {
            problems.push("index is missing".into());
        }
        if p.type_rule() == TypeRule::Required && it.doc_type.as_deref().is_none_or(str::is_empty) {
            problems.push("type is missing".into());
        }
        match it.kind {
            OpKind::Index | OpKind::Create if it.source.iter().all(u8::is_ascii_whitespace) => problems.push("source is missing".into()),
            OpKind::Delete | OpKind::Update if it.id.is_none() => problems.push("id is missing".into()),
            _ => {}
        }
        if let Some(id) = &it.id {
            if id.len() > 512 {
                problems.push(format!("id [{id}] is too long, must be no longer than 512 bytes but was: {}", id.len()));
            }
        }
        crate::docs::concurrency_problems(p, it.kind, it.if_seq_no, it.if_primary_term, it.version, it.version_type, true, &mut problems);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(validation_failed(&problems))
    }
}

/// Full-mode source parsing (facts §2.3(2)): documents must be JSON objects.
pub(crate) fn parse_source(p: Personality, raw: &[u8]) -> Result<Value, EsError> {
    let location = |e: &serde_json::Error| if matches!(p, Personality::Es8 | Personality::Es9) { format!("[{}:{}] ", e.line(), e.column()) } else { String::new() };
    match serde_json::from_slice::<Value>(raw) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => {
            let prefix = if matches!(p, Personality::Es8 | Personality::Es9) { "[1:1] " } else { "" };
            Err(EsError::new(400, p.parse_error_type(), format!("{prefix}Malformed content, must start with an object")))
        }
        Err(e) => Err(EsError::new(400, p.parse_error_type(), format!("{}failed to parse", location(&e)))
            .caused_by(EsError::new(400, "json_parse_exception", e.to_string()))),
    }
}

/// `{"doc":…,"upsert":…,"doc_as_upsert":…,"detect_noop":…}`. Scripts are not run.
fn parse_update(p: Personality, raw: &[u8]) -> Result<Value, EsError> {
    let v = parse_source(p, raw)?;
    if v.get("script").is_some() {
        return Err(illegal_argument("[emulator] scripted updates are not supported"));
    }
    Ok(v)
}

fn update_spec(v: &Value) -> UpdateSpec {
    UpdateSpec {
        doc: v.get("doc").cloned(),
        upsert: v.get("upsert").cloned(),
        doc_as_upsert: v.get("doc_as_upsert").and_then(Value::as_bool).unwrap_or(false),
        detect_noop: v.get("detect_noop").and_then(Value::as_bool).unwrap_or(true),
    }
}

/// Mapping-type checks shared with the single-document APIs (facts §2.2 "Type names in 5.6",
/// 6.x single-type rule).
pub(crate) fn check_doc_type(p: Personality, index: &Index, doc_type: &str, writes_mapping: bool) -> Result<(), EsError> {
    match p {
        Personality::Es5_6 if doc_type.starts_with('_') => {
            return Err(EsError::new(
                400,
                "invalid_type_name_exception",
                format!("Document mapping type name can't start with '_', found: [{doc_type}]"),
            ))
        }
        Personality::Es5_6 => return Ok(()),
        _ if doc_type.starts_with('_') && doc_type != "_doc" => {
            return Err(EsError::new(
                400,
                "invalid_type_name_exception",
                format!("mapping type name [{doc_type}] can't start with '_' unless it is called [_doc]"),
            ))
        }
        _ => {}
    }
    if writes_mapping {
        if let Some(existing) = index.types.first() {
            if existing != doc_type && !(p.type_rule() == TypeRule::Optional && doc_type == "_doc") {
                return Err(illegal_argument(format!(
                    "Rejecting mapping update to [{}] as the final mapping would have more than 1 type: [{existing}, {doc_type}]",
                    index.name
                )));
            }
        }
    }
    Ok(())
}

/// The `_type` a response shows for a write that used `doc_type` (7.x: the index's custom type
/// when the request was typeless).
pub(crate) fn response_type(p: Personality, index: Option<&Index>, doc_type: &str) -> String {
    if p.type_rule() == TypeRule::Optional && doc_type == "_doc" {
        if let Some(t) = index.and_then(|i| i.types.first()) {
            return t.clone();
        }
    }
    doc_type.to_string()
}

fn apply_item(
    cluster: &mut Cluster,
    p: Personality,
    req: &BulkRequest<'_>,
    item: &Item<'_>,
    source: Option<Result<Value, EsError>>,
    rejected: bool,
) -> Outcome {
    let index_name = item.index.as_deref().unwrap_or_default().to_string();
    let raw_type = item.doc_type.as_deref().unwrap_or("_doc");
    let mut out = Outcome {
        kind: item.kind,
        index: index_name.clone(),
        doc_type: raw_type.to_string(),
        id: item.id.as_deref().map(str::to_string),
        result: Ok(WriteOutcome { result: WriteResult::Noop, version: 0, seq_no: 0 }),
        shards_total: 2,
        forced_refresh: req.refresh == Refresh::Immediate,
    };
    if item.require_alias {
        let mut e = errors::index_not_found(p, &index_name, "index_or_alias");
        e.reason = format!("no such index [{index_name}] and [require_alias] request flag is [true] and [{index_name}] is not an alias");
        out.result = Err(e);
        return out;
    }
    // Deletes never auto-create an index (TransportBulkAction only creates for the other ops).
    if item.kind == OpKind::Delete {
        if !cluster.indices.contains_key(&index_name) {
            let err = store::validate_index_name(p, &index_name)
                .err()
                .unwrap_or_else(|| errors::index_not_found(p, &index_name, "index_or_alias"));
            out.result = Err(err);
            return out;
        }
    } else if let Err(e) = cluster.ensure_index(&index_name) {
        out.result = Err(e);
        return out;
    }
    // Ids are generated only once the index resolved, as TransportBulkAction does.
    let id = match &item.id {
        Some(id) => id.to_string(),
        None => cluster.new_doc_id(),
    };
    out.id = Some(id.clone());
    let index = cluster.indices.get_mut(&index_name).expect("resolved above");
    out.shards_total = index.replicas.saturating_add(1);
    out.doc_type = response_type(p, Some(index), raw_type);
    if rejected {
        let bytes = (item.source.len() as u64).max(64);
        out.result = Err(EsError::new(429, p.rejected_execution_type(), p.rejected_execution_reason(bytes)));
        return out;
    }
    if let Err(e) = check_doc_type(p, index, raw_type, item.kind != OpKind::Delete) {
        out.result = Err(e);
        return out;
    }
    let (doc_source, update) = match source {
        Some(Err(e)) => {
            out.result = Err(e);
            return out;
        }
        Some(Ok(v)) if item.kind == OpKind::Update => (None, Some(update_spec(&v))),
        Some(Ok(v)) => (Some(Arc::new(v)), None),
        None => (None, None),
    };
    let op = WriteOp {
        kind: item.kind,
        doc_type: raw_type,
        id: &id,
        routing: item.routing.as_deref(),
        source: doc_source,
        if_seq_no: item.if_seq_no,
        if_primary_term: item.if_primary_term,
        version: item.version,
        version_type: item.version_type,
        update,
    };
    out.result = index.apply(p, &op);
    out.doc_type = response_type(p, Some(index), raw_type);
    out
}

/// Write the response (facts §2.3) through the filter.
fn write_response(p: Personality, outcomes: &[Outcome], took: u64, filter: Option<&FilterPath>) -> Vec<u8> {
    let errors = outcomes.iter().any(|o| o.result.is_err());
    let mut out = JsonOut::with_capacity(filter, 64 + outcomes.len() * 200);
    out.begin_object();
    if p.bulk_errors_first() {
        out.field_bool("errors", errors);
        out.field_u64("took", took);
    } else {
        out.field_u64("took", took);
        out.field_bool("errors", errors);
    }
    out.key("items");
    out.begin_array();
    for o in outcomes {
        write_item(&mut out, p, o);
    }
    out.end();
    out.end();
    out.finish()
}

fn write_item(out: &mut JsonOut<'_>, p: Personality, o: &Outcome) {
    out.begin_object();
    out.key(o.kind.name());
    out.begin_object();
    match &o.result {
        Ok(w) => {
            write_doc_write_fields(out, p, &o.index, &o.doc_type, o.id.as_deref().unwrap_or(""), w, o.kind, o.shards_total, o.forced_refresh);
            out.field_u64("status", w.result.status() as u64);
        }
        Err(e) => {
            out.field_str("_index", &o.index);
            if p.responses_have_type() {
                out.field_str("_type", &o.doc_type);
            }
            out.key("_id");
            match &o.id {
                Some(id) => out.str(id),
                None => out.null(),
            }
            out.field_u64("status", e.status as u64);
            out.key("error");
            out.begin_object();
            if p.item_error_repeats_ids() {
                out.field_str("_index", &o.index);
                out.key("_id");
                match &o.id {
                    Some(id) => out.str(id),
                    None => out.null(),
                }
                out.field_u64("status", e.status as u64);
            }
            e.write_inner(out, true);
            out.end();
        }
    }
    out.end();
    out.end();
}

/// `DocWriteResponse.innerToXContent` (facts §2.3, §5.2): `_index, [_type], _id, _version,
/// result, [forced_refresh], _shards, _seq_no, _primary_term` or, in 5.6, `…, _shards,
/// created|found`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_doc_write_fields(
    out: &mut JsonOut<'_>,
    p: Personality,
    index: &str,
    doc_type: &str,
    id: &str,
    w: &WriteOutcome,
    kind: OpKind,
    shards_total: u32,
    forced_refresh: bool,
) {
    out.field_str("_index", index);
    if p.responses_have_type() {
        out.field_str("_type", doc_type);
    }
    out.field_str("_id", id);
    out.field_u64("_version", w.version);
    out.field_str("result", w.result.name());
    if forced_refresh && w.result != WriteResult::Noop {
        out.field_bool("forced_refresh", true);
    }
    out.key("_shards");
    out.begin_object();
    let (total, ok) = if w.result == WriteResult::Noop { (0, 0) } else { (shards_total as u64, 1) };
    out.field_u64("total", total);
    out.field_u64("successful", ok);
    out.field_u64("failed", 0);
    out.end();
    if p.has_seq_no() {
        out.field_u64("_seq_no", w.seq_no);
        out.field_u64("_primary_term", 1);
    }
    if p.has_created_found() {
        match kind {
            OpKind::Index | OpKind::Create => out.field_bool("created", w.result == WriteResult::Created),
            OpKind::Delete => out.field_bool("found", w.result == WriteResult::Deleted),
            OpKind::Update => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_only(p: Personality, body: &[u8]) -> Result<usize, EsError> {
        let req = BulkRequest {
            body,
            default_index: Some("i"),
            default_type: None,
            routing: None,
            refresh: Refresh::No,
            filter: None,
            started: Instant::now(),
        };
        let (items, _) = parse(p, &req)?;
        validate(p, &items)?;
        Ok(items.len())
    }

    #[test]
    fn parse_rules_per_version() {
        let body = b"{\"index\":{\"_id\":\"1\"}}\n{\"a\":1}\n{\"delete\":{\"_id\":\"2\"}}\n";
        assert_eq!(parse_only(Personality::Es7_10, body).unwrap(), 2);
        assert_eq!(parse_only(Personality::Es5_6, body).unwrap_err().reason, "Validation Failed: 1: type is missing;2: type is missing;");
        let typed = b"{\"index\":{\"_type\":\"doc\",\"_id\":\"1\"}}\n{\"a\":1}\n";
        assert_eq!(parse_only(Personality::Es6_8, typed).unwrap(), 1);
        assert_eq!(
            parse_only(Personality::Es8, typed).unwrap_err().reason,
            "Action/metadata line [1] contains an unknown parameter [_type]"
        );
        let routing = b"{\"index\":{\"_routing\":\"r\"}}\n{\"a\":1}\n";
        assert!(parse_only(Personality::Es6_8, b"{\"index\":{\"_type\":\"d\",\"_routing\":\"r\"}}\n{\"a\":1}\n").is_ok());
        assert_eq!(parse_only(Personality::Es7_17, routing).unwrap_err().reason, "Action/metadata line [1] contains an unknown parameter [_routing]");
        assert_eq!(
            parse_only(Personality::Es7_10, b"{\"index\":{}}\n{\"a\":1}").unwrap_err().reason,
            "The bulk request must be terminated by a newline [\\n]"
        );
        assert_eq!(
            parse_only(Personality::Es7_10, b"{\"upsert\":{}}\n{}\n").unwrap_err().reason,
            "Malformed action/metadata line [1], expected one of [create, delete, index, update] but found [upsert]"
        );
        assert_eq!(parse_only(Personality::Es7_10, b"\n").unwrap_err().reason, "Validation Failed: 1: no requests added;");
    }
}
