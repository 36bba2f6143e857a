//! `_count` and `_search` over refreshed documents (facts §4.3, §5.4).
//!
//! Supported queries: `match_all`, `match_none`, `ids`, `term`, `terms`, `exists`, `bool` over
//! those, and `function_score` with `random_score` (hits ordered by a hash of seed and id, the
//! way a seeded random score is stable for a given seed); anything else is refused with a 400 that names the emulator (a test double
//! must not silently answer a query it cannot evaluate). `hits.total` is a number in 5.6/6.8
//! and `{value, relation}` from 7.0 (capped at 10 000 with `gte` unless `track_total_hits`);
//! `_shards.skipped` appears from 6.x. Hits are ordered by `_id` unless `sort` says otherwise;
//! sorted hits have `_score: null` and a `sort` array. `term` compares exact JSON values
//! (keyword semantics — text analysis is not emulated).
//!
//! Scroll (`?scroll=` on a search, `POST /_search/scroll`, `DELETE /_search/scroll`): the whole
//! ordered result is captured when the scroll opens and handed out page by page; keep-alive
//! expiry is not emulated (a cleared or exhausted scroll id answers 404
//! `search_context_missing_exception`).

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, EsError};
use crate::personality::Personality;
use crate::routes::{Reply, Request};
use crate::store::{DocView, Expand};
use crate::Shared;

enum Query {
    All,
    None,
    Ids(Vec<String>),
    Term(String, Value),
    Terms(String, Vec<Value>),
    Exists(String),
    Bool { must: Vec<Query>, should: Vec<Query>, must_not: Vec<Query>, minimum_should_match: usize },
    /// `function_score` with `random_score`: matches what `inner` matches, scored by `seed`.
    Random { inner: Box<Query>, seed: u64 },
}

fn parse_query(v: &Value) -> Result<Query, EsError> {
    let obj = v.as_object().filter(|o| o.len() == 1).ok_or_else(|| {
        EsError::new(400, "parsing_exception", "[_na] query malformed, must start with start_object")
    })?;
    let (name, body) = obj.iter().next().expect("one entry");
    let field_and_value = |body: &Value| -> Result<(String, Value), EsError> {
        let (f, v) = body
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| *k != "boost" && *k != "_name"))
            .ok_or_else(|| EsError::new(400, "parsing_exception", format!("[{name}] query malformed, no start_object after query name")))?;
        let v = match v {
            Value::Object(o) => o.get("value").cloned().unwrap_or(Value::Null),
            other => other.clone(),
        };
        Ok((f.clone(), v))
    };
    match name.as_str() {
        "match_all" => Ok(Query::All),
        "match_none" => Ok(Query::None),
        "ids" => {
            let values = body.get("values").and_then(Value::as_array).cloned().unwrap_or_default();
            Ok(Query::Ids(values.iter().map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).collect()))
        }
        "term" => field_and_value(body).map(|(f, v)| Query::Term(f, v)),
        "terms" => {
            let (f, v) = field_and_value(body)?;
            Ok(Query::Terms(f, v.as_array().cloned().unwrap_or_default()))
        }
        "exists" => Ok(Query::Exists(body.get("field").and_then(Value::as_str).unwrap_or_default().to_string())),
        "bool" => {
            let clauses = |key: &str| -> Result<Vec<Query>, EsError> {
                match body.get(key) {
                    None => Ok(Vec::new()),
                    Some(Value::Array(a)) => a.iter().map(parse_query).collect(),
                    Some(one) => Ok(vec![parse_query(one)?]),
                }
            };
            let mut must = clauses("must")?;
            must.extend(clauses("filter")?);
            let should = clauses("should")?;
            let default_msm = if must.is_empty() && !should.is_empty() { 1 } else { 0 };
            let minimum_should_match = body.get("minimum_should_match").and_then(Value::as_u64).map_or(default_msm, |n| n as usize);
            Ok(Query::Bool { must, should, must_not: clauses("must_not")?, minimum_should_match })
        }
        "function_score" => {
            let inner = match body.get("query") {
                Some(q) => parse_query(q)?,
                None => Query::All,
            };
            let Some(random) = body.get("random_score") else {
                return Err(illegal_argument("[emulator] function_score is supported with random_score only"));
            };
            // A missing seed is random per request in a real cluster; 0 keeps tests reproducible.
            let seed = match random.get("seed") {
                None => 0,
                Some(Value::Number(n)) => n.as_u64().or_else(|| n.as_i64().map(|i| i as u64)).unwrap_or(0),
                Some(Value::String(s)) => s.parse().map_err(|_| illegal_argument(format!("[random_score] seed [{s}] is not a number")))?,
                Some(_) => return Err(illegal_argument("[random_score] seed must be a number")),
            };
            Ok(Query::Random { inner: Box::new(inner), seed })
        }
        other => Err(illegal_argument(format!("[emulator] query [{other}] is not supported"))),
    }
}

/// The random score of a document: a hash of seed and id mapped to [0, 1).
fn random_score(seed: u64, id: &str) -> f64 {
    // FNV-1a over seed and id: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// The seed when the query ranks hits by a random score.
fn random_seed(q: &Query) -> Option<u64> {
    match q {
        Query::Random { seed, .. } => Some(*seed),
        _ => None,
    }
}

/// A field of a document: `_id`, `_routing`, or a dotted path into the source.
fn field<'a>(doc: &'a DocView<'_>, path: &str) -> Option<Value> {
    match path {
        "_id" => Some(Value::String(doc.id.to_string())),
        "_routing" => doc.rev.routing.as_deref().map(|r| Value::String(r.to_string())),
        _ => {
            let mut cur: &'a Value = doc.rev.source.as_deref()?;
            if let Some(v) = cur.get(path) {
                return Some(v.clone());
            }
            for part in path.split('.') {
                cur = cur.get(part)?;
            }
            Some(cur.clone())
        }
    }
}

fn value_matches(doc_value: &Value, wanted: &Value) -> bool {
    match doc_value {
        Value::Array(items) => items.iter().any(|v| value_matches(v, wanted)),
        Value::Number(a) => match wanted {
            Value::Number(b) => a.as_f64() == b.as_f64(),
            Value::String(s) => s.parse::<f64>().ok() == a.as_f64(),
            _ => false,
        },
        Value::Bool(b) => match wanted {
            Value::Bool(w) => b == w,
            Value::String(s) => s == if *b { "true" } else { "false" },
            _ => false,
        },
        Value::String(s) => match wanted {
            Value::String(w) => s == w,
            Value::Number(n) => n.as_f64().is_some_and(|n| s.parse::<f64>().ok() == Some(n)),
            Value::Bool(w) => s == if *w { "true" } else { "false" },
            _ => false,
        },
        _ => false,
    }
}

fn matches(q: &Query, doc: &DocView<'_>) -> bool {
    match q {
        Query::All => true,
        Query::None => false,
        Query::Ids(ids) => ids.iter().any(|i| i == doc.id),
        Query::Term(f, v) => field(doc, f).is_some_and(|dv| value_matches(&dv, v)),
        Query::Terms(f, vs) => field(doc, f).is_some_and(|dv| vs.iter().any(|v| value_matches(&dv, v))),
        Query::Exists(f) => field(doc, f).is_some_and(|v| !v.is_null()),
        Query::Bool { must, should, must_not, minimum_should_match } => {
            must.iter().all(|q| matches(q, doc))
                && !must_not.iter().any(|q| matches(q, doc))
                && should.iter().filter(|q| matches(q, doc)).count() >= *minimum_should_match
        }
        Query::Random { inner, .. } => matches(inner, doc),
    }
}

/// Body + URL parameters of a search or count.
struct SearchSpec {
    query: Query,
    from: usize,
    size: usize,
    sort: Vec<(String, bool)>,
    seq_no_primary_term: bool,
    version: bool,
    source: bool,
    track_total_hits: Option<u64>,
}

fn spec(req: &Request, count: bool) -> Result<SearchSpec, EsError> {
    if req.has_param("q") {
        return Err(illegal_argument("[emulator] the q parameter is not supported"));
    }
    let body = req.json_body()?.unwrap_or_else(|| json!({}));
    let obj = body.as_object().cloned().unwrap_or_default();
    let query = match obj.get("query") {
        Some(q) => parse_query(q)?,
        None => Query::All,
    };
    let num = |key: &str, default: usize| -> Result<usize, EsError> {
        if let Some(v) = req.param(key) {
            return v.parse().map_err(|_| illegal_argument(format!("Failed to parse int parameter [{key}] with value [{v}]")));
        }
        Ok(obj.get(key).and_then(Value::as_u64).map_or(default, |n| n as usize))
    };
    let flag = |key: &str| -> bool { req.flag(key) || obj.get(key).and_then(Value::as_bool).unwrap_or(false) };
    let mut sort = Vec::new();
    if let Some(s) = req.param("sort") {
        for part in s.split(',').filter(|p| !p.is_empty()) {
            let (f, dir) = part.split_once(':').unwrap_or((part, "asc"));
            sort.push((f.to_string(), dir != "desc"));
        }
    } else if let Some(s) = obj.get("sort") {
        let entries = match s {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        for e in entries {
            match e {
                Value::String(f) => {
                    let asc = f != "_score";
                    sort.push((f, asc));
                }
                Value::Object(o) => {
                    for (f, spec) in o {
                        let order = match &spec {
                            Value::String(s) => s.as_str(),
                            Value::Object(so) => so.get("order").and_then(Value::as_str).unwrap_or("asc"),
                            _ => "asc",
                        };
                        sort.push((f.clone(), order != "desc"));
                    }
                }
                _ => return Err(illegal_argument("[emulator] unsupported sort specification")),
            }
        }
    }
    let track_total_hits = match req.param("track_total_hits").map(|s| Value::String(s.to_string())).or_else(|| obj.get("track_total_hits").cloned()) {
        None => Some(10_000),
        Some(Value::Bool(true)) => None,
        Some(Value::Bool(false)) => Some(0),
        Some(Value::Number(n)) => n.as_u64().map(Some).unwrap_or(None),
        Some(Value::String(s)) => match s.as_str() {
            "true" | "" => None,
            "false" => Some(0),
            n => Some(n.parse().map_err(|_| illegal_argument(format!("Failed to parse track_total_hits [{n}]")))?),
        },
        Some(_) => None,
    };
    Ok(SearchSpec {
        query,
        from: if count { 0 } else { num("from", 0)? },
        size: if count { 0 } else { num("size", 10)? },
        sort,
        seq_no_primary_term: flag("seq_no_primary_term"),
        version: flag("version"),
        source: !(req.param("_source") == Some("false") || obj.get("_source") == Some(&Value::Bool(false))),
        track_total_hits,
    })
}

fn shards_object(p: Personality, total: u64) -> Value {
    let mut m = Map::new();
    m.insert("total".into(), json!(total));
    m.insert("successful".into(), json!(total));
    if p.shards_have_skipped() {
        m.insert("skipped".into(), json!(0));
    }
    m.insert("failed".into(), json!(0));
    Value::Object(m)
}

pub(crate) fn count(shared: &Shared, req: &Request, expr: Option<&str>) -> Reply {
    let p = shared.personality;
    let spec = match spec(req, true) {
        Ok(s) => s,
        Err(e) => return Reply::es_error(p, &e),
    };
    let cluster = shared.cluster();
    // Search and count skip closed indices behind wildcards and refuse named ones
    // (`strictExpandOpenAndForbidClosed`, snapshot-facts §4.6).
    let names = match cluster.resolve_with(expr.unwrap_or("_all"), "index_or_alias", Expand::OPEN, true, req.flag("ignore_unavailable")) {
        Ok(n) => n,
        Err(e) => return Reply::es_error(p, &e),
    };
    let (mut n, mut shards) = (0u64, 0u64);
    for name in &names {
        let idx = &cluster.indices[name];
        shards += idx.shards as u64;
        n += match spec.query {
            Query::All => idx.visible_docs(),
            ref q => idx.searchable().filter(|d| matches(q, d)).count() as u64,
        };
    }
    Reply::json(200, json!({"count": n, "_shards": shards_object(p, shards)}))
}

pub(crate) fn search(shared: &Shared, req: &Request, expr: Option<&str>) -> Reply {
    let p = shared.personality;
    let spec = match spec(req, false) {
        Ok(s) => s,
        Err(e) => return Reply::es_error(p, &e),
    };
    let cluster = shared.cluster();
    // Search and count skip closed indices behind wildcards and refuse named ones
    // (`strictExpandOpenAndForbidClosed`, snapshot-facts §4.6).
    let names = match cluster.resolve_with(expr.unwrap_or("_all"), "index_or_alias", Expand::OPEN, true, req.flag("ignore_unavailable")) {
        Ok(n) => n,
        Err(e) => return Reply::es_error(p, &e),
    };
    let mut shards = 0u64;
    let mut hits: Vec<(&str, DocView<'_>)> = Vec::new();
    for name in &names {
        let idx = &cluster.indices[name];
        shards += idx.shards as u64;
        hits.extend(idx.searchable().filter(|d| matches(&spec.query, d)).map(|d| (name.as_str(), d)));
    }
    let total = hits.len() as u64;
    // Sorting on `_score` alone is the default relevance order.
    let sorted = !spec.sort.is_empty() && (spec.sort.len() != 1 || spec.sort[0].0 != "_score");
    if sorted {
        hits.sort_by(|a, b| {
            for (f, asc) in &spec.sort {
                let ord = compare(sort_value(&a.1, f).as_ref(), sort_value(&b.1, f).as_ref());
                let ord = if *asc { ord } else { ord.reverse() };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
    } else if let Some(seed) = random_seed(&spec.query) {
        hits.sort_by(|a, b| random_score(seed, b.1.id).total_cmp(&random_score(seed, a.1.id)).then(a.1.id.cmp(b.1.id)).then(a.0.cmp(b.0)));
    } else {
        hits.sort_by(|a, b| a.1.id.cmp(b.1.id).then(a.0.cmp(b.0)));
    }
    let scroll = req.param("scroll").map(str::to_owned);
    let mut all: Vec<Value> = hits.iter().skip(spec.from).take(if scroll.is_some() { usize::MAX } else { spec.size }).map(|(index, d)| hit(p, &spec, index, d, sorted)).collect();
    let rest = if scroll.is_some() && all.len() > spec.size { all.split_off(spec.size) } else { Vec::new() };
    let page = all;
    let total_value = if p.hits_total_is_object() && !req.flag("rest_total_hits_as_int") {
        match spec.track_total_hits {
            Some(limit) if total > limit => json!({"value": limit, "relation": "gte"}),
            _ => json!({"value": total, "relation": "eq"}),
        }
    } else {
        json!(total)
    };
    let max_score = if sorted || total == 0 {
        Value::Null
    } else {
        page.first().and_then(|h| h.get("_score").cloned()).unwrap_or(json!(1.0))
    };
    let took = req.started.elapsed().as_millis() as u64;
    let mut body = Map::new();
    if scroll.is_some() {
        let id = shared.scrolls.lock().expect("scroll registry").open(rest, spec.size.max(1), total_value.clone(), shards_object(p, shards));
        body.insert("_scroll_id".into(), json!(id));
    }
    body.insert("took".into(), json!(took));
    body.insert("timed_out".into(), json!(false));
    body.insert("_shards".into(), shards_object(p, shards));
    body.insert("hits".into(), json!({"total": total_value, "max_score": max_score, "hits": page}));
    Reply::json(200, Value::Object(body))
}

/// Open scrolls: what each still has to hand out.
#[derive(Default)]
pub(crate) struct Scrolls {
    next: u64,
    open: std::collections::HashMap<String, Scroll>,
}

struct Scroll {
    rest: std::collections::VecDeque<Value>,
    size: usize,
    total: Value,
    shards: Value,
}

impl Scrolls {
    fn open(&mut self, rest: Vec<Value>, size: usize, total: Value, shards: Value) -> String {
        self.next += 1;
        // Opaque and base64-looking, like a real scroll id.
        let id = format!("FGluY2x1ZGVfY29udGV4dF91dWlkDXF1ZXJ5QW5kRmV0Y2gBFm{:016x}", self.next);
        self.open.insert(id.clone(), Scroll { rest: rest.into(), size, total, shards });
        id
    }
}

/// `GET|POST /_search/scroll[/{id}]` (body `{"scroll", "scroll_id"}` or parameters): the next page.
pub(crate) fn scroll_next(shared: &Shared, req: &Request, path_id: Option<&str>) -> Reply {
    let p = shared.personality;
    let body = match req.json_body() {
        Ok(b) => b.unwrap_or_else(|| json!({})),
        Err(e) => return Reply::es_error(p, &e),
    };
    let id = path_id.map(str::to_owned).or_else(|| req.param("scroll_id").map(str::to_owned)).or_else(|| body.get("scroll_id").and_then(Value::as_str).map(str::to_owned));
    let Some(id) = id else {
        return Reply::es_error(p, &crate::errors::validation_failed(&["scroll_id is missing"]));
    };
    let mut scrolls = shared.scrolls.lock().expect("scroll registry");
    let Some(s) = scrolls.open.get_mut(&id) else {
        return Reply::es_error(p, &EsError::new(404, "search_context_missing_exception", format!("No search context found for id [{}]", id.len())));
    };
    let n = s.size.min(s.rest.len());
    let page: Vec<Value> = s.rest.drain(..n).collect();
    let max_score = page.first().and_then(|h| h.get("_score").cloned()).unwrap_or(Value::Null);
    Reply::json(
        200,
        json!({
            "_scroll_id": id,
            "took": req.started.elapsed().as_millis() as u64,
            "timed_out": false,
            "_shards": s.shards,
            "hits": {"total": s.total, "max_score": max_score, "hits": page},
        }),
    )
}

/// `DELETE /_search/scroll[/{id|_all}]` (body `{"scroll_id": [..]}` or a string).
pub(crate) fn scroll_clear(shared: &Shared, req: &Request, path_id: Option<&str>) -> Reply {
    let p = shared.personality;
    let body = match req.json_body() {
        Ok(b) => b.unwrap_or_else(|| json!({})),
        Err(e) => return Reply::es_error(p, &e),
    };
    let ids: Vec<String> = match (path_id, body.get("scroll_id")) {
        (Some(id), _) => id.split(',').map(str::to_owned).collect(),
        (None, Some(Value::String(s))) => vec![s.clone()],
        (None, Some(Value::Array(a))) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    let mut scrolls = shared.scrolls.lock().expect("scroll registry");
    let freed = if ids.iter().any(|i| i == "_all") {
        let n = scrolls.open.len();
        scrolls.open.clear();
        n
    } else {
        ids.iter().filter(|i| scrolls.open.remove(*i).is_some()).count()
    };
    Reply::json(if freed == 0 && !ids.is_empty() { 404 } else { 200 }, json!({"succeeded": true, "num_freed": freed}))
}

fn sort_value(d: &DocView<'_>, f: &str) -> Option<Value> {
    match f {
        "_doc" | "_seq_no" => Some(json!(d.rev.seq_no)),
        "_score" => Some(json!(1.0)),
        other => field(d, other),
    }
}

/// Missing values sort last; numbers before strings before the rest.
fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Greater,
        (_, None) => Ordering::Less,
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
    }
}

/// Hit key order (facts §5.4): `_index, [_type], _id, [_version], [_seq_no, _primary_term],
/// _score, [_routing], _source, [sort]`.
fn hit(p: Personality, spec: &SearchSpec, index: &str, d: &DocView<'_>, sorted: bool) -> Value {
    let mut m = Map::new();
    m.insert("_index".into(), json!(index));
    if p.responses_have_type() {
        m.insert("_type".into(), json!(d.doc_type));
    }
    m.insert("_id".into(), json!(d.id));
    if spec.version {
        m.insert("_version".into(), json!(d.rev.version));
    }
    if spec.seq_no_primary_term && p.has_seq_no() {
        m.insert("_seq_no".into(), json!(d.rev.seq_no));
        m.insert("_primary_term".into(), json!(1));
    }
    let score = match random_seed(&spec.query) {
        Some(seed) => json!(random_score(seed, d.id)),
        None => json!(1.0),
    };
    m.insert("_score".into(), if sorted { Value::Null } else { score });
    if let Some(r) = &d.rev.routing {
        m.insert("_routing".into(), json!(r));
    }
    if spec.source {
        m.insert("_source".into(), d.rev.source.as_deref().cloned().unwrap_or_else(|| json!({})));
    }
    if sorted {
        let values: Vec<Value> = spec.sort.iter().map(|(f, _)| sort_value(d, f).unwrap_or(Value::Null)).collect();
        m.insert("sort".into(), Value::Array(values));
    }
    Value::Object(m)
}
