//! Index APIs around snapshot and restore (`docs/snapshot-facts.md` §4): `_close` / `_open`
//! (§4.1), `_cat/indices` (§4.7), `_recovery` (§4.3), `_aliases` and `_alias` (§4.5).

use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, EsError};
use crate::indices::shard_counts;
use crate::personality::Personality;
use crate::routes::{Reply, Request};
use crate::store::{Expand, Index, Recovery, RecoveryKind};
use crate::Shared;

/// `POST /{index}/_close` (§4.1): wildcards expand to open indices; 7.3+ list the indices.
pub(crate) fn close(shared: &Shared, req: &Request, expr: &str) -> Reply {
    let p = shared.personality;
    let mut cluster = shared.cluster();
    let expand = Expand::param(req.param("expand_wildcards"), Expand::OPEN);
    let names = match cluster.resolve_with(expr, "index_or_alias", expand, false, req.flag("ignore_unavailable")) {
        Ok(n) => n,
        Err(e) => return Reply::es_error(p, &e),
    };
    for n in &names {
        if let Some(idx) = cluster.indices.get_mut(n) {
            idx.closed = true;
        }
    }
    let body = match p {
        Personality::Es5_6 | Personality::Es6_8 => json!({"acknowledged": true}),
        _ => {
            let indices: Map<String, Value> = names.iter().map(|n| (n.clone(), json!({"closed": true}))).collect();
            json!({"acknowledged": true, "shards_acknowledged": true, "indices": indices})
        }
    };
    Reply::json(200, body)
}

/// `POST /{index}/_open` (§4.1): wildcards expand to closed indices; the primaries recover
/// from their existing store.
pub(crate) fn open(shared: &Shared, req: &Request, expr: &str) -> Reply {
    let p = shared.personality;
    let mut cluster = shared.cluster();
    let expand = Expand::param(req.param("expand_wildcards"), Expand::CLOSED);
    let names = match cluster.resolve_with(expr, "index_or_alias", expand, false, req.flag("ignore_unavailable")) {
        Ok(n) => n,
        Err(e) => return Reply::es_error(p, &e),
    };
    for n in &names {
        if let Some(idx) = cluster.indices.get_mut(n) {
            if idx.closed {
                idx.closed = false;
                idx.recovery = Recovery::store(RecoveryKind::ExistingStore, crate::clock::now_millis(), idx.shards);
            }
        }
    }
    let body = match p {
        Personality::Es5_6 => json!({"acknowledged": true}),
        _ => json!({"acknowledged": true, "shards_acknowledged": true}),
    };
    Reply::json(200, body)
}

// ---------------------------------------------------------------------------------------------
// `_cat/indices` (§4.7)

/// Column names and their aliases (`RestIndicesAction.getTableWithHeader`).
const COLUMNS: &[(&str, &[&str])] = &[
    ("health", &["h"]),
    ("status", &["s"]),
    ("index", &["i", "idx"]),
    ("uuid", &["id"]),
    ("pri", &["p", "shards.primary", "shardsPrimary"]),
    ("rep", &["r", "shards.replica", "shardsReplica"]),
    ("docs.count", &["dc", "docsCount"]),
    ("docs.deleted", &["dd", "docsDeleted"]),
    ("creation.date", &["cd"]),
    ("creation.date.string", &["cds"]),
    ("store.size", &["ss", "storeSize"]),
    ("pri.store.size", &[]),
];
const DEFAULT_COLUMNS: &[&str] = &["health", "status", "index", "uuid", "pri", "rep", "docs.count", "docs.deleted", "store.size", "pri.store.size"];

/// `ByteSizeValue.toString()`: `230b`, `4.9kb`, `1.2mb`.
fn byte_size(n: u64) -> String {
    const UNITS: &[(&str, u64)] = &[("pb", 1 << 50), ("tb", 1 << 40), ("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10)];
    for (unit, size) in UNITS {
        if n >= *size {
            let v = n as f64 / *size as f64;
            let text = format!("{v:.1}");
            return format!("{}{unit}", text.strip_suffix(".0").unwrap_or(&text));
        }
    }
    format!("{n}b")
}

fn store_bytes(idx: &Index) -> u64 {
    idx.current().map(|d| d.rev.source.as_deref().map(|s| s.to_string().len() as u64).unwrap_or(0) + d.id.len() as u64 + 64).sum()
}

/// One row, every cell a string or null (`RestTable` renders values with `toString()`).
fn row(p: Personality, idx: &Index, bytes_unit: Option<&str>) -> Vec<(&'static str, Value)> {
    let counts = shard_counts(p, idx);
    // Closed indices have no stats; before 7.2 no health either (UNCONFIRMED for 5.6/6.8:
    // empty health and null shard counts).
    let health = counts.as_ref().map_or(String::new(), |c| c.status().to_string());
    let open = !idx.closed;
    let docs = open.then(|| idx.visible_docs());
    let size = store_bytes(idx);
    let size_text = |n: u64| match bytes_unit {
        Some("b") => n.to_string(),
        _ => byte_size(n),
    };
    vec![
        ("health", json!(health)),
        ("status", json!(if open { "open" } else { "close" })),
        ("index", json!(idx.name)),
        ("uuid", json!(idx.uuid)),
        ("pri", counts.as_ref().map_or(Value::Null, |_| json!(idx.shards.to_string()))),
        ("rep", counts.as_ref().map_or(Value::Null, |_| json!(idx.replicas.to_string()))),
        ("docs.count", docs.map_or(Value::Null, |d| json!(d.to_string()))),
        ("docs.deleted", docs.map_or(Value::Null, |_| json!("0"))),
        ("creation.date", json!(idx.creation_date.to_string())),
        ("creation.date.string", json!(crate::snapshots::iso_millis(idx.creation_date))),
        // Replicas never assign on this single node: total = primaries.
        ("store.size", if open { json!(size_text(size)) } else { Value::Null }),
        ("pri.store.size", if open { json!(size_text(size)) } else { Value::Null }),
    ]
}

/// `GET /_cat/indices[/{pattern}]`: `format=json` rows of strings, else an aligned text table
/// (`v` adds the header); `h` picks columns (aliases allowed, keys as requested),
/// `expand_wildcards` defaults to open and closed, `health` filters. Rows are sorted by index
/// name (a real node's order is its map order).
pub(crate) fn cat_indices(shared: &Shared, req: &Request, expr: Option<&str>) -> Reply {
    let p = shared.personality;
    let cluster = shared.cluster();
    let expand = Expand::param(req.param("expand_wildcards"), Expand::ALL);
    let names = match cluster.resolve_with(expr.unwrap_or("_all"), "index_or_alias", expand, false, false) {
        Ok(n) => n,
        Err(e) => return Reply::es_error(p, &e),
    };
    let wanted: Vec<(String, &'static str)> = match req.param("h") {
        Some(h) => {
            let mut out = Vec::new();
            for token in h.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let found = COLUMNS.iter().find(|(name, aliases)| *name == token || aliases.contains(&token));
                match found {
                    Some((name, _)) => out.push((token.to_string(), *name)),
                    None => {
                        if !token.contains('*') {
                            return Reply::es_error(p, &illegal_argument(format!("header [{token}] is not supported")));
                        }
                        for (name, _) in COLUMNS.iter().filter(|(n, _)| crate::filter_path::glob_match(token, n)) {
                            out.push((name.to_string(), *name));
                        }
                    }
                }
            }
            out
        }
        None => DEFAULT_COLUMNS.iter().map(|c| (c.to_string(), *c)).collect(),
    };
    let health_filter = req.param("health");
    let mut rows: Vec<Vec<(String, Value)>> = Vec::new();
    for n in &names {
        let idx = &cluster.indices[n];
        let cells = row(p, idx, req.param("bytes"));
        if let Some(h) = health_filter {
            if cells[0].1 != json!(h) {
                continue;
            }
        }
        rows.push(wanted.iter().map(|(shown, col)| (shown.clone(), cells.iter().find(|(c, _)| c == col).map(|(_, v)| v.clone()).unwrap_or(Value::Null))).collect());
    }
    if req.param("format") == Some("json") {
        let list: Vec<Value> = rows.into_iter().map(|r| Value::Object(r.into_iter().collect())).collect();
        return Reply::json(200, Value::Array(list));
    }
    let text_of = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut table: Vec<Vec<String>> = Vec::new();
    if req.flag("v") {
        table.push(wanted.iter().map(|(shown, _)| shown.clone()).collect());
    }
    for r in &rows {
        table.push(r.iter().map(|(_, v)| text_of(v)).collect());
    }
    let widths: Vec<usize> = (0..wanted.len()).map(|c| table.iter().map(|r| r[c].len()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in &table {
        let line: Vec<String> = r.iter().enumerate().map(|(c, v)| format!("{v:<w$}", w = widths[c])).collect();
        out.push_str(line.join(" ").trim_end());
        out.push('\n');
    }
    Reply::text(200, out)
}

// ---------------------------------------------------------------------------------------------
// `_recovery` (§4.3)

/// Stage of a snapshot recovery at progress `f` (INIT → INDEX → VERIFY_INDEX → TRANSLOG →
/// FINALIZE → DONE), and the fraction of the files copied.
fn stage(f: f64) -> (&'static str, f64) {
    match f {
        f if f >= 1.0 => ("DONE", 1.0),
        f if f < 0.1 => ("INIT", 0.0),
        f if f < 0.8 => ("INDEX", (f - 0.1) / 0.7),
        f if f < 0.85 => ("VERIFY_INDEX", 1.0),
        f if f < 0.9 => ("TRANSLOG", 1.0),
        _ => ("FINALIZE", 1.0),
    }
}

fn percent(done: u64, total: u64) -> String {
    let pct = if total == 0 { 0.0 } else { done as f64 * 100.0 / total as f64 };
    format!("{pct:.1}%")
}

fn recovery_state(p: Personality, shard: u32, idx: &Index, node_id: &str, node_name: &str) -> Value {
    let r = &idx.recovery;
    let f = r.progress();
    let (stage_name, copied) = stage(f);
    let elapsed = (r.duration.as_secs_f64() * f * 1000.0) as u64;
    let total_bytes = r.shard_bytes.get(shard as usize).copied().unwrap_or(0);
    let total_files = r.shard_files.get(shard as usize).copied().unwrap_or(0);
    let bytes = (total_bytes as f64 * copied) as u64;
    let files = (total_files as f64 * copied).floor() as u64;
    let (kind, source) = match &r.kind {
        RecoveryKind::EmptyStore => ("EMPTY_STORE", json!({})),
        RecoveryKind::ExistingStore => ("EXISTING_STORE", json!({})),
        RecoveryKind::Snapshot { repository, snapshot, version, index, restore_uuid } => {
            let mut s = Map::new();
            s.insert("repository".into(), json!(repository));
            s.insert("snapshot".into(), json!(snapshot));
            s.insert("version".into(), json!(version));
            s.insert("index".into(), json!(index));
            // restoreUUID 7.x+ (6.8 UNCONFIRMED, left out); OpenSearch 2.x extras (§4.3).
            if !matches!(p, Personality::Es5_6 | Personality::Es6_8) {
                s.insert("restoreUUID".into(), json!(restore_uuid));
            }
            if matches!(p, Personality::Os2 | Personality::Os3) {
                s.insert("isSearchableSnapshot".into(), json!(false));
                s.insert("remoteStoreIndexShallowCopy".into(), json!(false));
                s.insert("sourceRemoteStoreRepository".into(), Value::Null);
                s.insert("sourceRemoteTranslogRepository".into(), Value::Null);
            }
            ("SNAPSHOT", Value::Object(s))
        }
    };
    let mut size = Map::new();
    size.insert("total_in_bytes".into(), json!(total_bytes));
    size.insert("reused_in_bytes".into(), json!(0));
    size.insert("recovered_in_bytes".into(), json!(bytes));
    // ES 7.15+ (minor UNCONFIRMED).
    if matches!(p, Personality::Es7_17 | Personality::Es8 | Personality::Es9) {
        size.insert("recovered_from_snapshot_in_bytes".into(), json!(0));
    }
    size.insert("percent".into(), json!(percent(bytes, total_bytes)));
    let mut m = Map::new();
    m.insert("id".into(), json!(shard));
    m.insert("type".into(), json!(kind));
    m.insert("stage".into(), json!(stage_name));
    m.insert("primary".into(), json!(true));
    m.insert("start_time_in_millis".into(), json!(r.start_millis));
    if stage_name == "DONE" {
        m.insert("stop_time_in_millis".into(), json!(r.start_millis + r.duration.as_millis() as u64));
    }
    m.insert("total_time_in_millis".into(), json!(elapsed));
    m.insert("source".into(), source);
    m.insert("target".into(), json!({"id": node_id, "host": "127.0.0.1", "transport_address": "127.0.0.1:9300", "ip": "127.0.0.1", "name": node_name}));
    m.insert(
        "index".into(),
        json!({
            "size": Value::Object(size),
            "files": {"total": total_files, "reused": 0, "recovered": files, "percent": percent(files, total_files)},
            "total_time_in_millis": elapsed,
            "source_throttle_time_in_millis": 0,
            "target_throttle_time_in_millis": 0,
        }),
    );
    m.insert("translog".into(), json!({"recovered": 0, "total": 0, "percent": "100.0%", "total_on_start": 0, "total_time_in_millis": 0}));
    m.insert("verify_index".into(), json!({"check_index_time_in_millis": 0, "total_time_in_millis": 0}));
    Value::Object(m)
}

/// `GET [/{index}]/_recovery` (`active_only`): every primary's latest recovery; replicas are
/// never assigned here. Closed indices are skipped behind wildcards and refused by name.
pub(crate) fn recovery(shared: &Shared, req: &Request, expr: Option<&str>) -> Reply {
    let p = shared.personality;
    let cluster = shared.cluster();
    let names = match cluster.resolve_with(expr.unwrap_or("_all"), "index_or_alias", Expand::OPEN, true, req.flag("ignore_unavailable")) {
        Ok(n) => n,
        Err(e) => return Reply::es_error(p, &e),
    };
    let active_only = req.flag("active_only");
    let mut top = Map::new();
    for n in names {
        let idx = &cluster.indices[&n];
        if active_only && idx.recovery.done() {
            continue;
        }
        let shards: Vec<Value> = (0..idx.shards).map(|s| recovery_state(p, s, idx, &cluster.node_id, &cluster.node_name)).collect();
        top.insert(n, json!({ "shards": shards }));
    }
    Reply::json(200, Value::Object(top))
}

// ---------------------------------------------------------------------------------------------
// Aliases (§4.5)

fn names_of(v: &Map<String, Value>, one: &str, many: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = v.get(one).and_then(Value::as_str) {
        out.push(s.to_string());
    }
    for s in v.get(many).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        out.push(s.to_string());
    }
    if let Some(s) = v.get(many).and_then(Value::as_str) {
        out.push(s.to_string());
    }
    out
}

/// The alias body as `GET _alias` prints it: only what was set.
fn alias_body(spec: &Map<String, Value>) -> Value {
    let mut m = Map::new();
    if let Some(f) = spec.get("filter") {
        m.insert("filter".into(), f.clone());
    }
    let routing = spec.get("routing").map(|r| json!(r.as_str().map(str::to_string).unwrap_or_else(|| r.to_string())));
    if let Some(r) = spec.get("index_routing").cloned().or_else(|| routing.clone()) {
        m.insert("index_routing".into(), r);
    }
    if let Some(r) = spec.get("search_routing").cloned().or(routing) {
        m.insert("search_routing".into(), r);
    }
    if let Some(w) = spec.get("is_write_index") {
        m.insert("is_write_index".into(), w.clone());
    }
    if let Some(h) = spec.get("is_hidden") {
        m.insert("is_hidden".into(), h.clone());
    }
    Value::Object(m)
}

fn aliases_ack(p: Personality) -> Value {
    // ES 8.14+ add `errors` (PR #106514; success rendering UNCONFIRMED).
    if matches!(p, Personality::Es8 | Personality::Es9) {
        json!({"acknowledged": true, "errors": false})
    } else {
        json!({"acknowledged": true})
    }
}

/// `POST /_aliases` with `add`, `remove`, `remove_index` actions, applied all or nothing.
pub(crate) fn update_aliases(shared: &Shared, req: &Request) -> Reply {
    let p = shared.personality;
    let result = (|| -> Result<(), EsError> {
        let body = req.json_body()?.unwrap_or(Value::Null);
        let Some(actions) = body.get("actions").and_then(Value::as_array) else {
            return Err(crate::errors::validation_failed(&["no action specified"]));
        };
        let mut cluster = shared.cluster();
        let mut work = cluster.indices.iter().map(|(k, v)| (k.clone(), v.aliases.clone())).collect::<std::collections::BTreeMap<_, _>>();
        let mut drop_indices = Vec::new();
        let mut missing_aliases: Vec<String> = Vec::new();
        let mut removed_any = false;
        let mut removes = 0;
        for action in actions {
            let Some((kind, spec)) = action.as_object().and_then(|o| o.iter().next()) else {
                return Err(illegal_argument("[aliases] failed to parse field [actions]"));
            };
            let spec = spec.as_object().cloned().unwrap_or_default();
            let mut indices = Vec::new();
            for expr in names_of(&spec, "index", "indices") {
                indices.extend(cluster.resolve(&expr, "index_or_alias")?);
            }
            if indices.is_empty() {
                return Err(crate::errors::validation_failed(&["One of [index] or [indices] is required"]));
            }
            match kind.as_str() {
                "add" => {
                    let aliases = names_of(&spec, "alias", "aliases");
                    if aliases.is_empty() {
                        return Err(crate::errors::validation_failed(&["One of [alias] or [aliases] is required"]));
                    }
                    for a in &aliases {
                        crate::store::validate_index_name(p, a).map_err(|mut e| {
                            e.kind = "invalid_alias_name_exception".into();
                            e.reason = e.reason.replacen("Invalid index name", "Invalid alias name", 1);
                            e
                        })?;
                        for i in &indices {
                            work.entry(i.clone()).or_default().insert(a.clone(), alias_body(&spec));
                        }
                    }
                }
                "remove" => {
                    removes += 1;
                    let aliases = names_of(&spec, "alias", "aliases");
                    for a in &aliases {
                        let mut hit = false;
                        for i in &indices {
                            if let Some(m) = work.get_mut(i) {
                                let before = m.len();
                                m.retain(|name, _| !crate::filter_path::glob_match(a, name));
                                hit |= m.len() != before;
                            }
                        }
                        if hit {
                            removed_any = true;
                        } else {
                            missing_aliases.push(a.clone());
                        }
                    }
                }
                "remove_index" => drop_indices.extend(indices),
                other => return Err(illegal_argument(format!("[aliases] unknown field [{other}]"))),
            }
        }
        if removes > 0 && !removed_any && !missing_aliases.is_empty() && removes == actions.len() {
            let list = missing_aliases.join(",");
            return Err(EsError::new(404, "aliases_not_found_exception", format!("aliases [{list}] missing"))
                .meta("resource.type", "aliases")
                .meta("resource.id", list));
        }
        for (name, aliases) in work {
            if let Some(idx) = cluster.indices.get_mut(&name) {
                idx.aliases = aliases;
            }
        }
        for i in drop_indices {
            cluster.indices.remove(&i);
        }
        Ok(())
    })();
    match result {
        Ok(()) => Reply::json(200, aliases_ack(p)),
        Err(e) => Reply::es_error(p, &e),
    }
}

/// `PUT /{index}/_alias/{name}` (body: filter, routing, …) and `DELETE` of the same path.
pub(crate) fn put_alias(shared: &Shared, req: &Request, expr: &str, alias: &str, delete: bool) -> Reply {
    let p = shared.personality;
    let spec = match req.json_body() {
        Ok(v) => v.and_then(|v| v.as_object().cloned()).unwrap_or_default(),
        Err(e) => return Reply::es_error(p, &e),
    };
    let mut cluster = shared.cluster();
    let names = match cluster.resolve(expr, "index_or_alias") {
        Ok(n) => n,
        Err(e) => return Reply::es_error(p, &e),
    };
    if delete {
        let mut hit = false;
        for n in &names {
            if let Some(idx) = cluster.indices.get_mut(n) {
                let before = idx.aliases.len();
                idx.aliases.retain(|a, _| !crate::filter_path::glob_match(alias, a));
                hit |= before != idx.aliases.len();
            }
        }
        if !hit {
            return Reply::es_error(
                p,
                &EsError::new(404, "aliases_not_found_exception", format!("aliases [{alias}] missing")).meta("resource.type", "aliases").meta("resource.id", alias),
            );
        }
    } else {
        for n in &names {
            if let Some(idx) = cluster.indices.get_mut(n) {
                idx.aliases.insert(alias.to_string(), alias_body(&spec));
            }
        }
    }
    Reply::json(200, aliases_ack(p))
}

/// `GET /_alias[/{name}]`, `GET /{index}/_alias[/{name}]` (§4.5): `{"<index>":{"aliases":{…}}}`;
/// without a name every index is listed; a missing alias is 404 with whatever was found.
pub(crate) fn get_aliases(shared: &Shared, req: &Request, expr: Option<&str>, names: Option<&str>) -> Reply {
    let p = shared.personality;
    let cluster = shared.cluster();
    let expand = Expand::param(req.param("expand_wildcards"), Expand::ALL);
    let indices = match cluster.resolve_with(expr.unwrap_or("_all"), "index_or_alias", expand, false, false) {
        Ok(n) => n,
        Err(e) => return Reply::es_error(p, &e),
    };
    let patterns: Vec<&str> = names.map(|n| n.split(',').filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let wanted = |a: &str| patterns.is_empty() || patterns.iter().any(|pat| *pat == "_all" || crate::filter_path::glob_match(pat, a));
    let mut top = Map::new();
    let mut seen = std::collections::BTreeSet::new();
    for n in &indices {
        let idx = &cluster.indices[n];
        let aliases: Map<String, Value> = idx.aliases.iter().filter(|(a, _)| wanted(a)).map(|(a, b)| (a.clone(), b.clone())).collect();
        seen.extend(aliases.keys().cloned());
        if patterns.is_empty() || !aliases.is_empty() {
            top.insert(n.clone(), json!({ "aliases": aliases }));
        }
    }
    let missing: Vec<&str> = patterns.iter().copied().filter(|p| !p.contains('*') && *p != "_all" && !seen.contains(*p)).collect();
    if !missing.is_empty() {
        let noun = if missing.len() == 1 { "alias" } else { "aliases" };
        let mut body = Map::new();
        body.insert("error".into(), json!(format!("{noun} [{}] missing", missing.join(","))));
        body.insert("status".into(), json!(404));
        body.extend(top);
        let mut r = Reply::json(404, Value::Object(body));
        r.filterable = false;
        return r;
    }
    Reply::json(200, Value::Object(top))
}
