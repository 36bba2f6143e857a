//! Index lifecycle APIs (facts §4): create, exists, get / `_settings` / `_mapping`, delete,
//! `_refresh`, `_cluster/health`.
//!
//! Mapping forms on create (facts §4.1): 5.6 typed with any number of types (names must not
//! start with `_`); 6.8 typed with one type (`include_type_name=false` for typeless bodies);
//! 7.x and OpenSearch 1.3 typeless unless `include_type_name=true`, a body nested under `_doc`
//! otherwise is rejected; ES 8/9 and OpenSearch 2/3 typeless only, where `include_type_name` is
//! an unrecognized parameter and a typed body fails as an unsupported root parameter
//! (UNCONFIRMED text). Settings are echoed as strings like the real `GET /{index}/_settings`.

use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, EsError};
use crate::personality::Personality;
use crate::routes::{reject_params, Reply, Request};
use crate::store::Index;
use crate::Shared;

/// Root mapping parameters (anything else is "unsupported").
const ROOT_MAPPING_KEYS: &[&str] = &[
    "properties",
    "dynamic",
    "_source",
    "_routing",
    "_meta",
    "dynamic_templates",
    "date_detection",
    "numeric_detection",
    "dynamic_date_formats",
    "_field_names",
    "enabled",
    "runtime",
    "_data_stream_timestamp",
    "subobjects",
    "_size",
    "_all",
    "_parent",
    "include_in_all",
    "_timestamp",
    "_ttl",
];

pub(crate) fn create(shared: &Shared, req: &Request, name: &str) -> Reply {
    let p = shared.personality;
    if !p.has_include_type_name() {
        if let Err(r) = reject_params(req, &["include_type_name"]) {
            return r;
        }
    }
    match create_inner(shared, req, name) {
        Ok(v) => Reply::json(200, v),
        Err(e) => Reply::es_error(p, &e),
    }
}

fn create_inner(shared: &Shared, req: &Request, name: &str) -> Result<Value, EsError> {
    let p = shared.personality;
    let body = req.json_body()?.unwrap_or_else(|| json!({}));
    let obj = body.as_object().ok_or_else(|| EsError::new(400, "parse_exception", "Failed to parse content to map"))?;
    let mut settings = Map::new();
    let mut mappings_raw = None;
    for (k, v) in obj {
        match k.as_str() {
            "settings" => {
                settings = v.as_object().cloned().ok_or_else(|| EsError::new(400, "settings_exception", "Failed to load settings from [\"settings\"]"))?
            }
            "mappings" => mappings_raw = Some(v),
            "aliases" => {}
            other => return Err(EsError::new(400, "parse_exception", format!("unknown key [{other}] for create index"))),
        }
    }
    let shards = int_setting(&settings, "number_of_shards", 1, 1024)?.unwrap_or(p.default_shards());
    let replicas = int_setting(&settings, "number_of_replicas", 0, u32::MAX)?.unwrap_or(1);
    let include_type_name = match req.param("include_type_name") {
        None => None,
        Some(v) => Some(parse_bool(v)?),
    };
    let mappings = match mappings_raw {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => validate_mappings(p, name, m, include_type_name)?,
        Some(other) => {
            return Err(EsError::new(400, "mapper_parsing_exception", format!("Failed to parse mapping: {}", java_string(other))))
        }
    };
    let mut cluster = shared.cluster();
    cluster.create_index(name, shards, replicas, mappings)?;
    Ok(json!({"acknowledged": true, "shards_acknowledged": true, "index": name}))
}

fn parse_bool(v: &str) -> Result<bool, EsError> {
    match v {
        "" | "true" => Ok(true),
        "false" => Ok(false),
        other => Err(illegal_argument(format!(
            "Failed to parse value [{other}] as only [true] or [false] are allowed."
        ))),
    }
}

/// `number_of_shards` as given flat, under `index`, or as `index.number_of_shards`; numbers or
/// strings.
fn int_setting(settings: &Map<String, Value>, key: &str, min: u32, max: u32) -> Result<Option<u32>, EsError> {
    let full = format!("index.{key}");
    let v = settings
        .get(key)
        .or_else(|| settings.get(&full))
        .or_else(|| settings.get("index").and_then(|i| i.get(key)));
    let Some(v) = v else { return Ok(None) };
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    let n: i64 = text
        .parse()
        .map_err(|_| illegal_argument(format!("Failed to parse value [{text}] for setting [{full}]")))?;
    if n < min as i64 {
        return Err(illegal_argument(format!("Failed to parse value [{n}] for setting [{full}] must be >= {min}")));
    }
    if n > max as i64 {
        return Err(illegal_argument(format!("Failed to parse value [{n}] for setting [{full}] must be <= {max}")));
    }
    Ok(Some(n as u32))
}

/// Validate a `mappings` object per version and return it keyed by type (`_doc` when typeless).
fn validate_mappings(
    p: Personality,
    index: &str,
    m: &Map<String, Value>,
    include_type_name: Option<bool>,
) -> Result<Map<String, Value>, EsError> {
    let typed = match p {
        Personality::Es5_6 => true,
        Personality::Es6_8 => include_type_name.unwrap_or(true),
        Personality::Es7_10 | Personality::Es7_17 | Personality::Os1_3 => include_type_name.unwrap_or(false),
        _ => false,
    };
    if typed {
        for (ty, body) in m {
            if ty.starts_with('_') {
                let reason = if p == Personality::Es5_6 {
                    format!("mapping type name [{ty}] can't start with '_'")
                } else if ty != "_doc" {
                    format!("mapping type name [{ty}] can't start with '_' unless it is called [_doc]")
                } else {
                    String::new()
                };
                if !reason.is_empty() {
                    return Err(EsError::new(400, "invalid_type_name_exception", reason));
                }
            }
            if let Value::Object(inner) = body {
                check_root_keys(p, ty, inner)?;
            } else {
                return Err(EsError::new(400, "mapper_parsing_exception", format!("Failed to parse mapping [{ty}]: {}", java_string(body))));
            }
        }
        if p != Personality::Es5_6 && m.len() > 1 {
            let names: Vec<&str> = m.keys().map(String::as_str).collect();
            return Err(illegal_argument(format!(
                "Rejecting mapping update to [{index}] as the final mapping would have more than 1 type: [{}]",
                names.join(", ")
            )));
        }
        return Ok(m.clone());
    }
    if p.has_include_type_name() && m.len() == 1 && m.contains_key("_doc") && m["_doc"].is_object() {
        return Err(illegal_argument(
            "The mapping definition cannot be nested under a type [_doc] unless include_type_name is set to true.",
        ));
    }
    check_root_keys(p, "_doc", m)?;
    let mut out = Map::new();
    out.insert("_doc".into(), Value::Object(m.clone()));
    Ok(out)
}

/// "Root mapping definition has unsupported parameters:  [k : v]" — note ES's double space.
fn check_root_keys(p: Personality, ty: &str, m: &Map<String, Value>) -> Result<(), EsError> {
    let unknown: Vec<String> =
        m.iter().filter(|(k, _)| !ROOT_MAPPING_KEYS.contains(&k.as_str())).map(|(k, v)| format!(" [{k} : {}]", java_string(v))).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let inner = format!("Root mapping definition has unsupported parameters: {}", unknown.join(""));
    let outer = match p {
        Personality::Es8 | Personality::Es9 => format!("Failed to parse mapping: {inner}"),
        _ => format!("Failed to parse mapping [{ty}]: {inner}"),
    };
    Err(EsError::new(400, "mapper_parsing_exception", outer).caused_by(EsError::new(400, "mapper_parsing_exception", inner)))
}

/// Java `Map.toString()` rendering used inside ES messages: `{a={b=c}, d=[1, 2]}`.
fn java_string(v: &Value) -> String {
    match v {
        Value::Object(m) => format!("{{{}}}", m.iter().map(|(k, v)| format!("{k}={}", java_string(v))).collect::<Vec<_>>().join(", ")),
        Value::Array(a) => format!("[{}]", a.iter().map(java_string).collect::<Vec<_>>().join(", ")),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `PUT /{index}/_settings`: replicas are dynamic; the shard count is not; `index.blocks.write`
/// (nested, flat or without the `index.` prefix) sets the write block (snapshot-facts §4.2);
/// other settings are kept as strings.
pub(crate) fn put_settings(shared: &Shared, req: &Request, expr: &str) -> Reply {
    let p = shared.personality;
    let result = (|| -> Result<Value, EsError> {
        let body = req.json_body()?.unwrap_or_else(|| json!({}));
        let obj = body.as_object().cloned().unwrap_or_default();
        // Both `{"settings":{…}}` and the bare settings object are accepted.
        let settings = match obj.get("settings").and_then(Value::as_object) {
            Some(s) => s.clone(),
            None => obj,
        };
        let mut cluster = shared.cluster();
        let expand = crate::store::Expand::param(req.param("expand_wildcards"), crate::store::Expand::ALL);
        let names = cluster.resolve_with(expr, "index_or_alias", expand, false, false)?;
        if int_setting(&settings, "number_of_shards", 1, 1024)?.is_some() {
            let list: Vec<String> = names.iter().map(|n| format!("[{n}/{}]", cluster.indices[n].uuid)).collect();
            return Err(illegal_argument(format!(
                "Can't update non dynamic settings [[index.number_of_shards]] for open indices [{}]",
                list.join(", ")
            )));
        }
        let replicas = int_setting(&settings, "number_of_replicas", 0, u32::MAX)?;
        let mut flat = std::collections::BTreeMap::new();
        flatten("", &Value::Object(settings.clone()), &mut flat);
        for n in &names {
            if let Some(idx) = cluster.indices.get_mut(n) {
                if let Some(r) = replicas {
                    idx.replicas = r;
                }
                for (k, v) in &flat {
                    match k.as_str() {
                        "index.number_of_replicas" | "index.number_of_shards" => {}
                        "index.blocks.write" => idx.blocks_write = matches!(v, Some(x) if x == "true"),
                        _ => match v {
                            Some(v) => {
                                idx.extra_settings.insert(k.clone(), v.clone());
                            }
                            None => {
                                idx.extra_settings.remove(k);
                            }
                        },
                    }
                }
            }
        }
        Ok(json!({"acknowledged": true}))
    })();
    match result {
        Ok(v) => Reply::json(200, v),
        Err(e) => Reply::es_error(p, &e),
    }
}

/// `PUT /{index}/_mapping` (typed `/{index}/_mapping/{type}` up to 7.x): validated like the
/// mappings of index creation and merged into the stored mapping.
pub(crate) fn put_mapping(shared: &Shared, req: &Request, expr: &str, doc_type: Option<&str>) -> Reply {
    let p = shared.personality;
    let result = (|| -> Result<Value, EsError> {
        let body = req.json_body()?.unwrap_or_else(|| json!({}));
        let Value::Object(m) = body else {
            return Err(EsError::new(400, "parse_exception", "Failed to parse content to map"));
        };
        let mut cluster = shared.cluster();
        let names = cluster.resolve(expr, "index_or_alias")?;
        let (ty, mapping) = match doc_type {
            Some(t) => {
                let wrapped: Map<String, Value> = [(t.to_string(), Value::Object(m))].into_iter().collect();
                let checked = validate_mappings(p, expr, &wrapped, Some(true))?;
                (t.to_string(), checked.into_iter().next().map(|(_, v)| v).unwrap_or_default())
            }
            None => {
                let include = req.param("include_type_name").map(parse_bool).transpose()?;
                let checked = validate_mappings(p, expr, &m, include)?;
                checked.into_iter().next().unwrap_or_else(|| ("_doc".to_string(), json!({})))
            }
        };
        for n in &names {
            let idx = cluster.indices.get_mut(n).expect("resolved");
            if !p.multiple_types() && p.has_typed_routes() && ty != "_doc" {
                if let Some(existing) = idx.mappings.keys().next().filter(|k| *k != &ty) {
                    return Err(illegal_argument(format!(
                        "Rejecting mapping update to [{n}] as the final mapping would have more than 1 type: [{existing}, {ty}]"
                    )));
                }
            }
            let slot = idx.mappings.entry(ty.clone()).or_insert_with(|| json!({}));
            crate::store::merge(slot, &mapping);
        }
        Ok(json!({"acknowledged": true}))
    })();
    match result {
        Ok(v) => Reply::json(200, v),
        Err(e) => Reply::es_error(p, &e),
    }
}

pub(crate) fn exists(shared: &Shared, name: &str) -> Reply {
    let found = shared.cluster().resolve(name, "index_or_alias").map(|v| !v.is_empty()).unwrap_or(false);
    Reply::empty(if found { 200 } else { 404 })
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum GetPart {
    All,
    Settings,
    Mappings,
}

/// Flat `index.*` keys of a settings object, values as strings (`None` for `null`, which
/// resets a setting).
fn flatten(prefix: &str, v: &Value, out: &mut std::collections::BTreeMap<String, Option<String>>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                flatten(&if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, v, out);
            }
        }
        other => {
            let key = if prefix.starts_with("index.") { prefix.to_string() } else { format!("index.{prefix}") };
            let text = match other {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                v => Some(v.to_string()),
            };
            out.insert(key, text);
        }
    }
}

/// `GET /{index}`, `/_settings` (with `flat_settings`), `/_mapping`; wildcards expand to open
/// and closed indices unless `expand_wildcards` says otherwise.
pub(crate) fn get(shared: &Shared, req: &Request, expr: &str, part: GetPart) -> Reply {
    let p = shared.personality;
    let cluster = shared.cluster();
    let expand = crate::store::Expand::param(req.param("expand_wildcards"), crate::store::Expand::ALL);
    let names = match cluster.resolve_with(expr, "index_or_alias", expand, false, req.flag("ignore_unavailable")) {
        Ok(n) => n,
        Err(e) => return Reply::es_error(p, &e),
    };
    let flat = req.flag("flat_settings");
    let mut top = Map::new();
    for name in names {
        let idx = &cluster.indices[&name];
        let mut entry = Map::new();
        if part == GetPart::All {
            entry.insert("aliases".into(), Value::Object(idx.aliases.clone()));
        }
        if part != GetPart::Settings {
            entry.insert("mappings".into(), mappings_value(p, idx));
        }
        if part != GetPart::Mappings {
            let settings = if flat {
                Value::Object(flat_settings(p, idx).into_iter().map(|(k, v)| (k, Value::String(v))).collect())
            } else {
                settings_value(p, idx)
            };
            entry.insert("settings".into(), settings);
        }
        top.insert(name, Value::Object(entry));
    }
    Reply::json(200, Value::Object(top))
}

/// Every setting by flat key, sorted (the `flat_settings=true` form and the snapshot's index
/// metadata).
pub(crate) fn flat_settings(_p: Personality, idx: &Index) -> std::collections::BTreeMap<String, String> {
    let mut m = std::collections::BTreeMap::new();
    m.insert("index.creation_date".to_string(), idx.creation_date.to_string());
    m.insert("index.number_of_shards".to_string(), idx.shards.to_string());
    m.insert("index.number_of_replicas".to_string(), idx.replicas.to_string());
    m.insert("index.uuid".to_string(), idx.uuid.clone());
    m.insert("index.version.created".to_string(), idx.version_created.clone());
    m.insert("index.provided_name".to_string(), idx.name.clone());
    if idx.blocks_write {
        m.insert("index.blocks.write".to_string(), "true".to_string());
    }
    for (k, v) in &idx.extra_settings {
        m.insert(k.clone(), v.clone());
    }
    m
}

/// Typed (`{type: mapping}`) up to 6.8, the bare mapping from 7.0.
fn mappings_value(p: Personality, idx: &Index) -> Value {
    match p {
        Personality::Es5_6 | Personality::Es6_8 => {
            let mut m = idx.mappings.clone();
            for t in &idx.types {
                m.entry(t.clone()).or_insert_with(|| json!({}));
            }
            Value::Object(m)
        }
        _ => idx.mappings.values().next().cloned().unwrap_or_else(|| json!({})),
    }
}

/// `settings.index` as `GET /{index}/_settings` shows it: every value a string (key order
/// from real 6.x/7.x outputs; UNCONFIRMED for 8.x/9.x, which add data-tier routing).
/// `version.created` is the creating cluster's (kept by restores, snapshot-facts §5); a write
/// block shows as `blocks.write` (§4.2); other settings follow, nested.
fn settings_value(_p: Personality, idx: &Index) -> Value {
    let mut m = Map::new();
    m.insert("creation_date".into(), json!(idx.creation_date.to_string()));
    m.insert("number_of_shards".into(), json!(idx.shards.to_string()));
    if idx.blocks_write {
        m.insert("blocks".into(), json!({"write": "true"}));
    }
    m.insert("number_of_replicas".into(), json!(idx.replicas.to_string()));
    m.insert("uuid".into(), json!(idx.uuid));
    m.insert("version".into(), json!({ "created": idx.version_created }));
    let provided = idx.extra_settings.get("index.provided_name").cloned().unwrap_or_else(|| idx.name.clone());
    m.insert("provided_name".into(), json!(provided));
    let mut rest = Value::Object(Map::new());
    for (k, v) in &idx.extra_settings {
        let Some(path) = k.strip_prefix("index.") else { continue };
        if path == "provided_name" {
            continue;
        }
        let mut patch = json!(v);
        for part in path.split('.').rev() {
            patch = json!({ part: patch });
        }
        crate::store::merge(&mut rest, &patch);
    }
    if let Value::Object(rest) = rest {
        for (k, v) in rest {
            m.entry(k).or_insert(v);
        }
    }
    json!({ "index": Value::Object(m) })
}

pub(crate) fn delete(shared: &Shared, _req: &Request, expr: &str) -> Reply {
    let p = shared.personality;
    let mut cluster = shared.cluster();
    match cluster.resolve(expr, "index_or_alias") {
        Ok(names) => {
            for n in names {
                cluster.indices.remove(&n);
            }
            Reply::json(200, json!({"acknowledged": true}))
        }
        Err(e) => Reply::es_error(p, &e),
    }
}

/// `{"_shards":{"total":T,"successful":S,"failed":0}}` — total counts replica copies too,
/// successful only the (assigned) primaries on this single node (facts §4.2).
pub(crate) fn refresh(shared: &Shared, req: &Request, expr: Option<&str>) -> Reply {
    let p = shared.personality;
    let mut cluster = shared.cluster();
    let open = crate::store::Expand::OPEN;
    let names = match cluster.resolve_with(expr.unwrap_or("_all"), "index_or_alias", open, true, req.flag("ignore_unavailable")) {
        Ok(n) => n,
        Err(e) => return Reply::es_error(p, &e),
    };
    let (mut total, mut ok) = (0u64, 0u64);
    for n in names {
        if let Some(idx) = cluster.indices.get_mut(&n) {
            idx.refresh();
            total += idx.shards as u64 * (1 + idx.replicas as u64);
            ok += idx.shards as u64;
        }
    }
    Reply::json(200, json!({"_shards": {"total": total, "successful": ok, "failed": 0}}))
}

/// Shard counts of one index for health (emulator-facts §4.5, snapshot-facts §4.4): primaries
/// are initializing while a restore recovers them; replicas never assign on this single node;
/// closed indices count from 7.2 (replicated closed indices), not before.
pub(crate) struct ShardCounts {
    pub primaries: u64,
    pub initializing: u64,
    pub unassigned: u64,
}

impl ShardCounts {
    pub fn status(&self) -> &'static str {
        if self.initializing > 0 {
            "red"
        } else if self.unassigned > 0 {
            "yellow"
        } else {
            "green"
        }
    }
}

pub(crate) fn shard_counts(p: Personality, idx: &Index) -> Option<ShardCounts> {
    if idx.closed && matches!(p, Personality::Es5_6 | Personality::Es6_8) {
        return None;
    }
    let shards = idx.shards as u64;
    let initializing = if idx.recovery.done() { 0 } else { shards };
    Some(ShardCounts { primaries: shards - initializing, initializing, unassigned: shards * idx.replicas as u64 })
}

fn rank(status: &str) -> u8 {
    match status {
        "green" => 0,
        "yellow" => 1,
        _ => 2,
    }
}

/// `30s`, `500ms`, `1m` → duration (`TimeValue` units).
pub(crate) fn parse_time(v: &str) -> Option<std::time::Duration> {
    let v = v.trim();
    let split = v.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f64 = num.parse().ok()?;
    let ms = match unit {
        "nanos" => n / 1e6,
        "micros" => n / 1e3,
        "ms" => n,
        "s" | "" => n * 1e3,
        "m" => n * 60e3,
        "h" => n * 3600e3,
        "d" => n * 86_400e3,
        _ => return None,
    };
    Some(std::time::Duration::from_micros((ms * 1000.0) as u64))
}

/// Facts §4.5: yellow while replicas cannot be assigned on the single node; red while a
/// restore recovers primaries. `wait_for_status` waits up to `timeout` (default 30s) and
/// answers 408 with `timed_out: true` when the status is not reached (snapshot-facts §4.4).
pub(crate) async fn health(shared: &Shared, req: &Request, expr: Option<&str>) -> Reply {
    let wanted = req.param("wait_for_status").map(str::to_string);
    if let Some(w) = &wanted {
        if !matches!(w.as_str(), "green" | "yellow" | "red") {
            return Reply::es_error(shared.personality, &illegal_argument(format!("unknown cluster health status [{w}]")));
        }
    }
    let timeout = req.param("timeout").and_then(parse_time).unwrap_or(std::time::Duration::from_secs(30));
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let (value, status, missing) = health_now(shared, expr);
        let reached = wanted.as_deref().is_none_or(|w| rank(status) <= rank(w));
        // A health request for a missing index waits for it and times out with 408 (facts
        // §4.5); the emulator answers at once instead of after `timeout`.
        if missing || reached || std::time::Instant::now() >= deadline {
            let timed_out = missing || !reached;
            let mut value = value;
            value["timed_out"] = json!(timed_out);
            return Reply::json(if timed_out { 408 } else { 200 }, value);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20).min(deadline - std::time::Instant::now())).await;
    }
}

fn health_now(shared: &Shared, expr: Option<&str>) -> (Value, &'static str, bool) {
    let p = shared.personality;
    let cluster = shared.cluster();
    let resolved = cluster.resolve(expr.unwrap_or("_all"), "index_or_alias");
    let (mut primaries, mut initializing, mut unassigned) = (0u64, 0u64, 0u64);
    let missing = resolved.is_err();
    if let Ok(names) = &resolved {
        for n in names {
            if let Some(c) = shard_counts(p, &cluster.indices[n]) {
                primaries += c.primaries;
                initializing += c.initializing;
                unassigned += c.unassigned;
            }
        }
    }
    let status = if missing || initializing > 0 {
        "red"
    } else if unassigned > 0 {
        "yellow"
    } else {
        "green"
    };
    let all = primaries + initializing + unassigned;
    let percent = if all == 0 { 100.0 } else { primaries as f64 * 100.0 / all as f64 };
    let mut m = Map::new();
    m.insert("cluster_name".into(), json!(p.default_cluster_name()));
    m.insert("status".into(), json!(status));
    m.insert("timed_out".into(), json!(missing));
    m.insert("number_of_nodes".into(), json!(1));
    m.insert("number_of_data_nodes".into(), json!(1));
    for k in p.health_discovered_keys() {
        m.insert((*k).into(), json!(true));
    }
    m.insert("active_primary_shards".into(), json!(primaries));
    m.insert("active_shards".into(), json!(primaries));
    m.insert("relocating_shards".into(), json!(0));
    m.insert("initializing_shards".into(), json!(initializing));
    m.insert("unassigned_shards".into(), json!(unassigned));
    if p.health_unassigned_primary() {
        m.insert("unassigned_primary_shards".into(), json!(0));
    }
    m.insert("delayed_unassigned_shards".into(), json!(0));
    m.insert("number_of_pending_tasks".into(), json!(0));
    m.insert("number_of_in_flight_fetch".into(), json!(0));
    m.insert("task_max_waiting_in_queue_millis".into(), json!(0));
    m.insert("active_shards_percent_as_number".into(), json!(percent));
    (Value::Object(m), status, missing)
}
