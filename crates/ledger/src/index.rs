//! The ledger kept in a cluster index, for backfill processes on many machines.
//!
//! One index per backfill, `ferry-ledger-<namespace>`, one document per work item (id: a hash
//! of the item key, so keys need no escaping in URLs). Every change is a
//! compare-and-set: read the item (realtime GET, which sees the latest write without a refresh),
//! decide, and write it back with `if_seq_no`/`if_primary_term` of what was read. A concurrent
//! change makes the write fail with 409 and the decision is taken again on fresh state — no
//! scripts, nothing that depends on refresh timing. Fencing works as in the local ledger: each
//! claim bumps `token`, and a holder whose token is no longer current is refused.
//!
//! Needs `if_seq_no` (Elasticsearch 6.7+, every OpenSearch). Listing uses `_search` (near real
//! time): a stale listing only costs a failed compare-and-set.

use cluster::{Body, Client, Error as ClusterError, Method};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{now_ms, Checkpoint, Error, ItemState, Lease, NewItem, Result};

/// Items of one backfill at most (one `_search` page).
const MAX_ITEMS: usize = 10_000;

pub struct IndexLedger {
    client: Client,
    index: String,
}

/// The stored document.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Doc {
    key: String,
    weight: u64,
    done: bool,
    holder: Option<String>,
    token: i64,
    lease_until: i64,
    position: Option<String>,
    docs: u64,
    failed: u64,
    started: Option<i64>,
    updated: i64,
}

/// A document and the version it was read at.
struct Versioned {
    doc: Doc,
    seq_no: u64,
    primary_term: u64,
}

fn cluster_err(e: ClusterError) -> Error {
    Error::Coordinator(e.to_string())
}

impl IndexLedger {
    /// Use (creating if needed) the ledger index of backfill `namespace` (lowercase letters,
    /// digits, `-`) on `client`'s cluster.
    pub async fn open(client: Client, namespace: &str) -> Result<IndexLedger> {
        let index = format!("ferry-ledger-{namespace}");
        let info = client.info().await.map_err(cluster_err)?;
        let occ = info.product == cluster::Product::OpenSearch || info.major > 6 || (info.major == 6 && info.minor >= 7);
        if !occ {
            return Err(Error::Coordinator(format!(
                "{} at {} has no if_seq_no/if_primary_term (Elasticsearch 6.7+ or OpenSearch needed): use a newer cluster as --coordinator, or the local ledger",
                info.describe(),
                client.host()
            )));
        }
        if !client.index_exists(&index).await.map_err(cluster_err)? {
            // One shard, and replicas auto-expanded so the ledger survives a node loss.
            let body = json!({"settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}}});
            client.create_index(&index, &body).await.map_err(cluster_err)?;
        }
        Ok(IndexLedger { client, index })
    }

    /// `host/index`, for messages.
    pub fn location(&self) -> String {
        format!("{}/{}", self.client.target(), self.index)
    }

    fn id(&self, key: &str) -> String {
        hex::encode(&Sha256::digest(key.as_bytes())[..20])
    }

    fn path(&self, id: &str) -> String {
        format!("{}/_doc/{id}", self.index)
    }

    pub async fn register(&self, items: &[NewItem]) -> Result<()> {
        for item in items {
            let doc = Doc {
                key: item.key.clone(),
                weight: item.weight,
                done: false,
                holder: None,
                token: 0,
                lease_until: 0,
                position: None,
                docs: 0,
                failed: 0,
                started: None,
                updated: now_ms(),
            };
            let path = format!("{}?op_type=create", self.path(&self.id(&item.key)));
            let resp = self.client.send(Method::PUT, &path, Some(&Body::json(&serde_json::to_value(&doc).expect("serialisable")))).await.map_err(cluster_err)?;
            // 409: registered before (by us or another process) — its state is kept.
            if !resp.is_success() && resp.status != 409 {
                return Err(cluster_err(self.client.status_error(&Method::PUT, &path, &resp)));
            }
        }
        self.client.refresh(&self.index).await.map_err(cluster_err)
    }

    async fn get(&self, key: &str) -> Result<Versioned> {
        let path = self.path(&self.id(key));
        let resp = self.client.send(Method::GET, &path, None).await.map_err(cluster_err)?;
        if resp.status == 404 {
            return Err(Error::NoSuchItem { path: self.location(), key: key.to_owned() });
        }
        if !resp.is_success() {
            return Err(cluster_err(self.client.status_error(&Method::GET, &path, &resp)));
        }
        let v: Value = serde_json::from_slice(&resp.body).map_err(|e| Error::Coordinator(format!("{}: GET /{path}: not JSON ({e})", self.client.host())))?;
        versioned(&v).ok_or_else(|| Error::Coordinator(format!("{}: GET /{path}: no _source/_seq_no/_primary_term", self.client.host())))
    }

    /// Write `doc` if the stored item is still at `seq_no`/`primary_term`. `Ok(None)`: it changed.
    async fn put_if(&self, doc: &Doc, seq_no: u64, primary_term: u64) -> Result<Option<Versioned>> {
        let path = format!("{}?if_seq_no={seq_no}&if_primary_term={primary_term}", self.path(&self.id(&doc.key)));
        let resp = self.client.send(Method::PUT, &path, Some(&Body::json(&serde_json::to_value(doc).expect("serialisable")))).await.map_err(cluster_err)?;
        if resp.status == 409 {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(cluster_err(self.client.status_error(&Method::PUT, &path, &resp)));
        }
        let v: Value = serde_json::from_slice(&resp.body).map_err(|e| Error::Coordinator(format!("PUT /{path}: not JSON ({e})")))?;
        let seq_no = v.get("_seq_no").and_then(Value::as_u64).ok_or_else(|| Error::Coordinator(format!("PUT /{path}: no _seq_no in the answer")))?;
        let primary_term = v.get("_primary_term").and_then(Value::as_u64).ok_or_else(|| Error::Coordinator(format!("PUT /{path}: no _primary_term in the answer")))?;
        Ok(Some(Versioned { doc: doc.clone(), seq_no, primary_term }))
    }

    /// Every item of this namespace (near real time).
    async fn list(&self) -> Result<Vec<Doc>> {
        let path = format!("{}/_search", self.index);
        let body = json!({"size": MAX_ITEMS, "query": {"match_all": {}}});
        let v = self.client.call_json(Method::POST, &path, Some(&Body::json(&body))).await.map_err(cluster_err)?;
        let hits = v.pointer("/hits/hits").and_then(Value::as_array).cloned().unwrap_or_default();
        let docs: Vec<Doc> = hits.iter().filter_map(|h| h.get("_source").and_then(|s| serde_json::from_value(s.clone()).ok())).collect();
        if docs.len() >= MAX_ITEMS {
            return Err(Error::Coordinator(format!("more than {MAX_ITEMS} work items in one backfill are not supported by the coordinator ledger yet")));
        }
        Ok(docs)
    }

    /// Claim a free item. `None` when none is free now (the caller waits and asks again): one
    /// pass over a freshly refreshed listing, each candidate re-read in real time before the
    /// compare-and-set, so a stale listing or a lost race never loops here.
    pub async fn claim_where(&self, holder: &str, ttl: std::time::Duration, accept: impl Fn(&str) -> bool) -> Result<Option<Lease>> {
        self.client.refresh(&self.index).await.map_err(cluster_err)?;
        let now = now_ms();
        let mut candidates: Vec<Doc> = self.list().await?.into_iter().filter(|d| !d.done && (d.holder.is_none() || d.lease_until < now) && accept(&d.key)).collect();
        candidates.sort_by(|a, b| b.weight.cmp(&a.weight).then_with(|| a.key.cmp(&b.key)));
        for c in candidates {
            let cur = self.get(&c.key).await?;
            let now = now_ms();
            if cur.doc.done || (cur.doc.holder.is_some() && cur.doc.lease_until >= now) {
                continue;
            }
            let mut doc = cur.doc.clone();
            doc.holder = Some(holder.to_owned());
            doc.token += 1;
            doc.lease_until = now + ttl.as_millis() as i64;
            doc.started.get_or_insert(now);
            doc.updated = now;
            if self.put_if(&doc, cur.seq_no, cur.primary_term).await?.is_some() {
                return Ok(Some(Lease {
                    key: doc.key.clone(),
                    holder: holder.to_owned(),
                    token: doc.token,
                    expires_at_ms: doc.lease_until,
                    resume_from: doc.position.clone().map(|position| Checkpoint { position, docs: doc.docs, failed: doc.failed }),
                    attempt: doc.token,
                }));
            }
        }
        Ok(None)
    }

    /// Read-check-write an item held under `lease`, retrying when another write slipped in.
    async fn update(&self, lease: &Lease, change: impl Fn(&mut Doc)) -> Result<Doc> {
        loop {
            let cur = self.get(&lease.key).await?;
            if cur.doc.token != lease.token {
                return Err(Error::LeaseLost { key: lease.key.clone(), token: lease.token });
            }
            if cur.doc.done {
                return Err(Error::AlreadyDone { key: lease.key.clone() });
            }
            let mut doc = cur.doc.clone();
            change(&mut doc);
            doc.updated = now_ms();
            if let Some(w) = self.put_if(&doc, cur.seq_no, cur.primary_term).await? {
                return Ok(w.doc);
            }
        }
    }

    pub async fn renew(&self, lease: &mut Lease, ttl: std::time::Duration) -> Result<()> {
        let until = now_ms() + ttl.as_millis() as i64;
        self.update(lease, |d| d.lease_until = until).await?;
        lease.expires_at_ms = until;
        Ok(())
    }

    pub async fn checkpoint(&self, lease: &Lease, c: &Checkpoint) -> Result<()> {
        self.update(lease, |d| {
            d.position = Some(c.position.clone());
            d.docs = c.docs;
            d.failed = c.failed;
        })
        .await
        .map(drop)
    }

    /// Renew and checkpoint in one write.
    pub async fn renew_and_checkpoint(&self, lease: &mut Lease, ttl: std::time::Duration, c: &Checkpoint) -> Result<()> {
        let until = now_ms() + ttl.as_millis() as i64;
        self.update(lease, |d| {
            d.lease_until = until;
            d.position = Some(c.position.clone());
            d.docs = c.docs;
            d.failed = c.failed;
        })
        .await?;
        lease.expires_at_ms = until;
        Ok(())
    }

    pub async fn complete(&self, lease: &Lease, docs: u64, failed: u64) -> Result<()> {
        self.update(lease, |d| {
            d.done = true;
            d.holder = None;
            d.lease_until = 0;
            d.position = Some("done".into());
            d.docs = docs;
            d.failed = failed;
        })
        .await
        .map(drop)
    }

    pub async fn release(&self, lease: &Lease) -> Result<()> {
        self.update(lease, |d| d.lease_until = 0).await.map(drop)
    }

    /// Every item, by key. Refreshes the ledger index first so the listing is current.
    pub async fn items(&self) -> Result<Vec<ItemState>> {
        self.client.refresh(&self.index).await.map_err(cluster_err)?;
        let mut docs = self.list().await?;
        docs.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(docs
            .into_iter()
            .map(|d| ItemState {
                key: d.key,
                weight: d.weight,
                done: d.done,
                holder: d.holder,
                lease_until_ms: d.lease_until,
                attempts: d.token,
                position: d.position,
                docs: d.docs,
                failed: d.failed,
                started_ms: d.started,
                updated_ms: d.updated,
            })
            .collect())
    }
}

fn versioned(v: &Value) -> Option<Versioned> {
    Some(Versioned {
        doc: serde_json::from_value(v.get("_source")?.clone()).ok()?,
        seq_no: v.get("_seq_no")?.as_u64()?,
        primary_term: v.get("_primary_term")?.as_u64()?,
    })
}
