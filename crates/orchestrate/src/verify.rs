//! Does the target hold what the source holds? Per index: document counts, health, recoveries
//! still running, a random sample of documents compared by `_source`, and (full mode) every
//! document's `_source` digest from both sides, naming the missing, extra and differing ids.
//!
//! Full mode reads both indices with scroll sorted by `_doc` — the one way to read a whole
//! index that every version from 5.x to 9.x and OpenSearch supports without extra settings
//! (sorting on `_id` needs fielddata that 8.x disables). The order is arbitrary, so the source's
//! digests are held in memory by id (about 60 bytes per document plus the id) and the target is
//! streamed against them.

use std::collections::HashMap;

use cluster::{encode_segment, Body, Method};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::api::Api;
use crate::Result;

/// How thoroughly to compare.
#[derive(Debug, Clone, Copy)]
pub struct Depth {
    /// Documents sampled per index (0: none).
    pub sample: usize,
    /// Compare every document.
    pub full: bool,
    /// Seed of the sample, so a rerun compares the same documents.
    pub seed: u64,
}

/// Ids listed per category in a report (the counts are always exact).
const LISTED: usize = 100;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Differences {
    pub missing: u64,
    pub extra: u64,
    pub differing: u64,
    /// Up to 100 ids of each kind.
    pub missing_ids: Vec<String>,
    pub extra_ids: Vec<String>,
    pub differing_ids: Vec<String>,
}

impl Differences {
    pub fn is_empty(&self) -> bool {
        self.missing == 0 && self.extra == 0 && self.differing == 0
    }

    fn note(list: &mut Vec<String>, count: &mut u64, id: &str) {
        *count += 1;
        if list.len() < LISTED {
            list.push(id.to_owned());
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexReport {
    pub source_index: String,
    pub target_index: String,
    pub source_count: u64,
    pub target_count: u64,
    /// `green`/`yellow`/`red` of the target index.
    pub target_health: String,
    /// Target shards whose recovery has not reached DONE (unknown where `_recovery` is refused).
    pub recovering_shards: Option<u64>,
    /// Sampled documents compared, and what differed among them.
    pub sampled: u64,
    pub sample: Differences,
    /// Full comparison (documents compared, differences), when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full: Option<(u64, Differences)>,
}

impl IndexReport {
    /// Everything matched: counts, health not red, no recovery running, no differing document.
    pub fn ok(&self) -> bool {
        self.source_count == self.target_count
            && self.target_health != "red"
            && self.recovering_shards.unwrap_or(0) == 0
            && self.sample.is_empty()
            && self.full.as_ref().is_none_or(|(_, d)| d.is_empty())
    }
}

/// Compare `source_index` on `source` with `target_index` on `target`.
pub async fn verify_index(source: &Api<'_>, target: &Api<'_>, source_index: &str, target_index: &str, depth: Depth) -> Result<IndexReport> {
    let source_count = source.client.count(source_index).await?;
    let (target_count, health, recovering_shards) = target_state(target, target_index).await?;
    let (sampled, sample) = if depth.sample > 0 { compare_sample(source, target, source_index, target_index, depth).await? } else { (0, Differences::default()) };
    let full = if depth.full { Some(compare_all(source, target, source_index, target_index).await?) } else { None };
    Ok(IndexReport {
        source_index: source_index.to_owned(),
        target_index: target_index.to_owned(),
        source_count,
        target_count,
        target_health: health,
        recovering_shards,
        sampled,
        sample,
        full,
    })
}

/// The target index's document count, health, and shards still recovering (`None` where
/// `_recovery` is refused, as Amazon OpenSearch Service does).
async fn target_state(target: &Api<'_>, index: &str) -> Result<(u64, String, Option<u64>)> {
    let count = target.client.count(index).await?;
    let health = target.health(&[index.to_owned()], None, 30).await?;
    let recovering = match target.recovery(&[index.to_owned()]).await {
        Ok(r) => Some(r.iter().filter(|s| s.stage != "DONE").count() as u64),
        Err(crate::Error::Cluster(e)) if matches!(e.status(), Some(401..=405)) => None,
        Err(e) => return Err(e),
    };
    Ok((count, health.status, recovering))
}

/// `depth.sample` random source documents (seeded), looked up by id in the target.
async fn compare_sample(source: &Api<'_>, target: &Api<'_>, source_index: &str, target_index: &str, depth: Depth) -> Result<(u64, Differences)> {
    let query = json!({
        "size": depth.sample,
        "query": {"function_score": {"query": {"match_all": {}}, "random_score": {"seed": depth.seed, "field": "_seq_no"}, "boost_mode": "replace"}}
    });
    // 5.x and 6.x take a seed without a field (the field arrived in 7.0 and became required).
    let v = source.version().await?;
    let query = if v.product == cluster::Product::Elasticsearch && v.major < 7 {
        let mut q = query;
        q["query"]["function_score"]["random_score"] = json!({"seed": depth.seed});
        q
    } else {
        query
    };
    let picked = search(source, source_index, &query).await?;
    let ids: Vec<&str> = picked.iter().map(|(id, _)| id.as_str()).collect();
    let found: HashMap<String, Value> = search(target, target_index, &json!({"size": ids.len().max(1), "query": {"ids": {"values": ids}}})).await?.into_iter().collect();
    let mut d = Differences::default();
    for (id, src) in &picked {
        match found.get(id) {
            None => Differences::note(&mut d.missing_ids, &mut d.missing, id),
            Some(t) if digest(t) != digest(src) => Differences::note(&mut d.differing_ids, &mut d.differing, id),
            Some(_) => {}
        }
    }
    Ok((picked.len() as u64, d))
}

/// Every document of both sides, by `_source` digest.
async fn compare_all(source: &Api<'_>, target: &Api<'_>, source_index: &str, target_index: &str) -> Result<(u64, Differences)> {
    let mut expected: HashMap<String, [u8; 16]> = HashMap::new();
    scroll(source, source_index, |id, src| {
        expected.insert(id, digest(&src));
    })
    .await?;
    compare_expected(target, target_index, expected).await
}

/// Compare `target_index` with documents known by id and [`digest`] (read from a snapshot, say):
/// counts, health, recoveries, and every document.
pub async fn verify_against(target: &Api<'_>, source_name: &str, target_index: &str, expected: HashMap<String, [u8; 16]>) -> Result<IndexReport> {
    let source_count = expected.len() as u64;
    let (target_count, health, recovering_shards) = target_state(target, target_index).await?;
    let full = compare_expected(target, target_index, expected).await?;
    Ok(IndexReport {
        source_index: source_name.to_owned(),
        target_index: target_index.to_owned(),
        source_count,
        target_count,
        target_health: health,
        recovering_shards,
        sampled: 0,
        sample: Differences::default(),
        full: Some(full),
    })
}

async fn compare_expected(target: &Api<'_>, target_index: &str, mut expected: HashMap<String, [u8; 16]>) -> Result<(u64, Differences)> {
    let compared = expected.len() as u64;
    let mut d = Differences::default();
    scroll(target, target_index, |id, src| match expected.remove(&id) {
        None => Differences::note(&mut d.extra_ids, &mut d.extra, &id),
        Some(want) if want != digest(&src) => Differences::note(&mut d.differing_ids, &mut d.differing, &id),
        Some(_) => {}
    })
    .await?;
    let mut missing: Vec<String> = expected.into_keys().collect();
    missing.sort();
    for id in missing {
        Differences::note(&mut d.missing_ids, &mut d.missing, &id);
    }
    Ok((compared, d))
}

/// One `_search`, as (id, _source) pairs.
async fn search(api: &Api<'_>, index: &str, body: &Value) -> Result<Vec<(String, Value)>> {
    let path = format!("{}/_search", encode_segment(index));
    let v = api.client.call_json(Method::POST, &path, Some(&Body::json(body))).await?;
    Ok(hits(&v))
}

fn hits(v: &Value) -> Vec<(String, Value)> {
    v.pointer("/hits/hits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|h| Some((h.get("_id")?.as_str()?.to_owned(), h.get("_source").cloned().unwrap_or(Value::Null))))
        .collect()
}

/// Every document of `index` through a scroll (sorted by `_doc`), cleared at the end.
async fn scroll(api: &Api<'_>, index: &str, mut each: impl FnMut(String, Value)) -> Result<()> {
    let path = format!("{}/_search?scroll=2m", encode_segment(index));
    let mut page = api.client.call_json(Method::POST, &path, Some(&Body::json(&json!({"size": 1000, "sort": ["_doc"]})))).await?;
    let mut scroll_id = page.get("_scroll_id").and_then(Value::as_str).map(str::to_owned);
    loop {
        let batch = hits(&page);
        if batch.is_empty() {
            break;
        }
        for (id, src) in batch {
            each(id, src);
        }
        let Some(sid) = &scroll_id else { break };
        page = api.client.call_json(Method::POST, "_search/scroll", Some(&Body::json(&json!({"scroll": "2m", "scroll_id": sid})))).await?;
        scroll_id = page.get("_scroll_id").and_then(Value::as_str).map(str::to_owned).or(scroll_id);
    }
    if let Some(sid) = scroll_id {
        // Best effort: an expired scroll frees itself.
        let _ = api.client.send(Method::DELETE, "_search/scroll", Some(&Body::json(&json!({"scroll_id": [sid]})))).await;
    }
    Ok(())
}

/// Digest of a `_source` independent of key order (objects are compared as sets of fields).
pub fn digest(v: &Value) -> [u8; 16] {
    let mut h = Sha256::new();
    feed(&mut h, v);
    let full = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

fn feed(h: &mut Sha256, v: &Value) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            h.update(b"{");
            for k in keys {
                h.update(serde_json::to_string(k).expect("a string serializes").as_bytes());
                h.update(b":");
                feed(h, &m[k]);
                h.update(b",");
            }
            h.update(b"}");
        }
        Value::Array(a) => {
            h.update(b"[");
            for x in a {
                feed(h, x);
                h.update(b",");
            }
            h.update(b"]");
        }
        other => h.update(other.to_string().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_ignore_key_order_but_not_values() {
        let a = json!({"a": 1, "b": {"x": [1, 2], "y": "s"}});
        let b: Value = serde_json::from_str(r#"{"b": {"y": "s", "x": [1, 2]}, "a": 1}"#).unwrap();
        assert_eq!(digest(&a), digest(&b));
        assert_ne!(digest(&a), digest(&json!({"a": 1, "b": {"x": [2, 1], "y": "s"}})));
        assert_ne!(digest(&json!({"a": "1"})), digest(&json!({"a": 1})));
    }
}
