//! Request pipeline and routing.
//!
//! Order, as in Elasticsearch's `RestController`: resolve the handler (unknown path → "no
//! handler found", known path with the wrong method → 405 from 6.x), check `Content-Type` (6.0+:
//! 406, facts §6.2), authenticate (security runs inside the handler chain, facts §3), decode a
//! `Content-Encoding: gzip|deflate` body (all versions, facts §6.1), run the handler, then
//! apply `filter_path` (never to error bodies — ES renders errors with an unfiltered builder)
//! and `pretty`. SigV4 (an AWS gateway in front of the domain) is checked first of all.
//!
//! "No handler" bodies (facts §3 and elastic/elasticsearch#30383, 6.4+): 5.6 answers plain text
//! `No handler found for uri [/x?q] and method [GET]`; ES 6.8–9.1 `{"error":"no handler found
//! for uri [/x?q] and method [GET]"}`; OpenSearch the same JSON with the query string stripped
//! (its `handleBadRequest` runs the uri through `URI.getPath()`; from which release is
//! UNCONFIRMED).
//!
//! Control endpoints under `/_emulator/` need no auth and work for every personality.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, Method};
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

use crate::auth::{self, AuthRequest};
use crate::bulk::{self, BulkRequest, Refresh};
use crate::errors::{self, illegal_argument, simple_error, EsError};
use crate::filter_path::FilterPath;
use crate::json;
use crate::personality::Personality;
use crate::{docs, index_admin, indices, search, snapshots, Counters, Faults, Shared};

/// Largest accepted body (`http.max_content_length` default, 100 MB).
pub(crate) const MAX_CONTENT_LENGTH: usize = 100 * 1024 * 1024;

/// A request as the handlers see it.
pub(crate) struct Request {
    pub method: Method,
    pub raw_path: String,
    pub raw_query: Option<String>,
    pub headers: HeaderMap,
    /// Decoded body (after `Content-Encoding`).
    pub body: Bytes,
    pub params: Vec<(String, String)>,
    pub started: Instant,
}

impl Request {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn has_param(&self, name: &str) -> bool {
        self.params.iter().any(|(k, _)| k == name)
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.param(name), Some("") | Some("true"))
    }

    /// `request.uri()`: path plus query as sent.
    pub fn uri(&self) -> String {
        match &self.raw_query {
            Some(q) => format!("{}?{q}", self.raw_path),
            None => self.raw_path.clone(),
        }
    }

    /// The body as JSON; empty bodies are `None`.
    pub fn json_body(&self) -> Result<Option<Value>, EsError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice::<Value>(&self.body).map(Some).map_err(|e| {
            EsError::new(400, "parse_exception", "Failed to parse content to map")
                .caused_by(EsError::new(400, "json_parse_exception", e.to_string()))
        })
    }
}

/// Query string → decoded pairs (`+` is a space, as in ES's `RestUtils.decodeComponent`).
pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
            (dec(k), dec(v))
        })
        .collect()
}

/// What a handler answers.
pub(crate) enum Body {
    Empty,
    Json(Value),
    /// Already serialized (and filtered) JSON.
    Raw(Vec<u8>),
    Text(String),
}

pub(crate) struct Reply {
    pub status: u16,
    pub body: Body,
    pub headers: Vec<(String, String)>,
    /// Overrides the personality's JSON content type.
    pub content_type: Option<&'static str>,
    /// 401/403 before authentication: no `X-elastic-product` (facts §3.3).
    pub unauthenticated: bool,
    /// Close the connection after part of the body (fault injection).
    pub truncate: bool,
    /// `filter_path` applies (not to errors).
    pub filterable: bool,
    /// Pretty unless `?pretty` says otherwise (`GET /`, facts §1.1).
    pub pretty_by_default: bool,
    /// Close the connection after this response.
    pub close: bool,
}

impl Reply {
    fn new(status: u16, body: Body) -> Reply {
        Reply {
            status,
            body,
            headers: Vec::new(),
            content_type: None,
            unauthenticated: false,
            truncate: false,
            filterable: true,
            pretty_by_default: false,
            close: false,
        }
    }

    pub fn json(status: u16, v: Value) -> Reply {
        Reply::new(status, Body::Json(v))
    }

    pub fn raw_json(status: u16, bytes: Vec<u8>) -> Reply {
        Reply::new(status, Body::Raw(bytes))
    }

    pub fn text(status: u16, s: String) -> Reply {
        let mut r = Reply::new(status, Body::Text(s));
        r.content_type = Some("text/plain; charset=UTF-8");
        r
    }

    pub fn empty(status: u16) -> Reply {
        Reply::new(status, Body::Empty)
    }

    /// A top-level exception body (facts §3).
    pub fn error(e: &EsError) -> Reply {
        let mut r = Reply::json(e.status, e.body());
        r.filterable = false;
        r
    }

    /// [`Reply::error`] plus 5.x's `es.*` metadata headers (facts §3.1).
    pub fn es_error(p: Personality, e: &EsError) -> Reply {
        let mut r = Reply::error(e);
        if p.metadata_headers() {
            for (k, v) in &e.meta {
                if let Some(s) = v.as_str() {
                    r.headers.push((format!("es.{k}"), s.to_string()));
                }
            }
        }
        r
    }

    pub fn simple(message: &str, status: u16) -> Reply {
        let mut r = Reply::json(status, simple_error(message, status));
        r.filterable = false;
        r
    }
}

/// A response ready for the wire.
pub(crate) struct Finished {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub truncate: bool,
    pub close: bool,
}

/// Matched endpoint.
enum Route {
    Root,
    ScrollNext(Option<String>),
    ScrollClear(Option<String>),
    Control(Vec<String>),
    Bulk { index: Option<String>, doc_type: Option<String> },
    Refresh(Option<String>),
    Count(Option<String>),
    Search(Option<String>),
    Health(Option<String>),
    IndexCreate(String),
    IndexExists(String),
    IndexGet(String),
    IndexDelete(String),
    Settings(String),
    Mapping(String),
    PutSettings(String),
    PutMapping { index: String, doc_type: Option<String> },
    DocIndex { index: String, doc_type: Option<String>, id: Option<String>, create: bool },
    DocGet { index: String, doc_type: Option<String>, id: String, head: bool },
    DocDelete { index: String, doc_type: Option<String>, id: String },
    DocUpdate { index: String, doc_type: Option<String>, id: String },
    // Snapshot / restore (snapshot-facts §1–§3).
    RepoPut(String),
    RepoGet(Option<String>),
    RepoDelete(String),
    RepoVerify(String),
    SnapshotCreate { repo: String, snap: String },
    SnapshotGet { repo: String, snap: String },
    SnapshotDelete { repo: String, snap: String },
    SnapshotStatus { repo: Option<String>, snap: Option<String> },
    SnapshotRestore { repo: String, snap: String },
    // Index APIs around them (snapshot-facts §4).
    Close(String),
    Open(String),
    CatIndices(Option<String>),
    Recovery(Option<String>),
    UpdateAliases,
    GetAliases { index: Option<String>, name: Option<String> },
    PutAlias { index: String, name: String, delete: bool },
}

enum Resolved {
    Found(Route),
    /// Path known, method not: the allowed methods in ES's (hash-set) order.
    WrongMethod(&'static [&'static str]),
    NotFound,
}

const INDEX_METHODS: &[&str] = &["HEAD", "DELETE", "PUT", "GET"];
const WRITE_METHODS: &[&str] = &["PUT", "POST"];
const READ_METHODS: &[&str] = &["GET", "POST"];
const DOC_METHODS: &[&str] = &["HEAD", "DELETE", "PUT", "POST", "GET"];

fn resolve(p: Personality, method: &Method, segs: &[String]) -> Resolved {
    use Resolved::*;
    let m = method.as_str();
    let is = |allowed: &'static [&'static str], route: Route| -> Resolved {
        if allowed.contains(&m) {
            Found(route)
        } else {
            WrongMethod(allowed)
        }
    };
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let typed = p.has_typed_routes();
    let typeless_doc_routes = !matches!(p, Personality::Es5_6 | Personality::Es6_8);
    let own = |x: &str| x.to_string();
    match s.as_slice() {
        [] => is(&["GET", "HEAD"], Route::Root),
        ["_emulator", ..] => Found(Route::Control(segs[1..].to_vec())),
        ["_bulk"] => is(WRITE_METHODS, Route::Bulk { index: None, doc_type: None }),
        ["_refresh"] => is(READ_METHODS, Route::Refresh(None)),
        ["_count"] => is(READ_METHODS, Route::Count(None)),
        ["_search"] => is(READ_METHODS, Route::Search(None)),
        ["_search", "scroll"] => scroll_route(m, None),
        ["_search", "scroll", id] => scroll_route(m, Some(own(id))),
        ["_cluster", "health"] => is(&["GET"], Route::Health(None)),
        ["_cluster", "health", idx] => is(&["GET"], Route::Health(Some(own(idx)))),
        ["_snapshot"] => is(&["GET"], Route::RepoGet(None)),
        ["_snapshot", "_status"] => is(&["GET"], Route::SnapshotStatus { repo: None, snap: None }),
        ["_snapshot", repo] => match m {
            "PUT" | "POST" => Found(Route::RepoPut(own(repo))),
            "GET" => Found(Route::RepoGet(Some(own(repo)))),
            "DELETE" => Found(Route::RepoDelete(own(repo))),
            _ => WrongMethod(&["DELETE", "POST", "PUT", "GET"]),
        },
        ["_snapshot", repo, "_verify"] => is(&["POST"], Route::RepoVerify(own(repo))),
        ["_snapshot", repo, "_status"] => is(&["GET"], Route::SnapshotStatus { repo: Some(own(repo)), snap: None }),
        ["_snapshot", repo, snap] => match m {
            "PUT" | "POST" => Found(Route::SnapshotCreate { repo: own(repo), snap: own(snap) }),
            "GET" => Found(Route::SnapshotGet { repo: own(repo), snap: own(snap) }),
            "DELETE" => Found(Route::SnapshotDelete { repo: own(repo), snap: own(snap) }),
            _ => WrongMethod(&["DELETE", "POST", "PUT", "GET"]),
        },
        ["_snapshot", repo, snap, "_status"] => is(&["GET"], Route::SnapshotStatus { repo: Some(own(repo)), snap: Some(own(snap)) }),
        ["_snapshot", repo, snap, "_restore"] => is(&["POST"], Route::SnapshotRestore { repo: own(repo), snap: own(snap) }),
        ["_cat", "indices"] => is(&["GET"], Route::CatIndices(None)),
        ["_cat", "indices", idx] => is(&["GET"], Route::CatIndices(Some(own(idx)))),
        ["_recovery"] => is(&["GET"], Route::Recovery(None)),
        ["_aliases"] => match m {
            "POST" => Found(Route::UpdateAliases),
            "GET" => Found(Route::GetAliases { index: None, name: None }),
            _ => WrongMethod(&["POST", "GET"]),
        },
        ["_alias"] => is(&["GET"], Route::GetAliases { index: None, name: None }),
        ["_alias", name] => is(&["GET"], Route::GetAliases { index: None, name: Some(own(name)) }),
        [first, ..] if first.starts_with('_') && !matches!(*first, "_all") => NotFound,
        [idx] => match m {
            "PUT" => Found(Route::IndexCreate(own(idx))),
            "HEAD" => Found(Route::IndexExists(own(idx))),
            "GET" => Found(Route::IndexGet(own(idx))),
            "DELETE" => Found(Route::IndexDelete(own(idx))),
            _ => WrongMethod(INDEX_METHODS),
        },
        [idx, "_bulk"] => is(WRITE_METHODS, Route::Bulk { index: Some(own(idx)), doc_type: None }),
        [idx, "_refresh"] => is(READ_METHODS, Route::Refresh(Some(own(idx)))),
        [idx, "_close"] => is(&["POST"], Route::Close(own(idx))),
        [idx, "_open"] => is(&["POST"], Route::Open(own(idx))),
        [idx, "_recovery"] => is(&["GET"], Route::Recovery(Some(own(idx)))),
        [idx, "_alias"] | [idx, "_aliases"] => is(&["GET"], Route::GetAliases { index: Some(own(idx)), name: None }),
        [idx, "_alias", name] | [idx, "_aliases", name] => match m {
            "GET" => Found(Route::GetAliases { index: Some(own(idx)), name: Some(own(name)) }),
            "PUT" | "POST" => Found(Route::PutAlias { index: own(idx), name: own(name), delete: false }),
            "DELETE" => Found(Route::PutAlias { index: own(idx), name: own(name), delete: true }),
            _ => WrongMethod(&["HEAD", "DELETE", "POST", "PUT", "GET"]),
        },
        [idx, "_count"] => is(READ_METHODS, Route::Count(Some(own(idx)))),
        [idx, "_search"] => is(READ_METHODS, Route::Search(Some(own(idx)))),
        [idx, "_settings"] => match m {
            "GET" => Found(Route::Settings(own(idx))),
            "PUT" => Found(Route::PutSettings(own(idx))),
            _ => WrongMethod(&["PUT", "GET"]),
        },
        [idx, "_mapping"] => match m {
            "GET" => Found(Route::Mapping(own(idx))),
            "PUT" | "POST" => Found(Route::PutMapping { index: own(idx), doc_type: None }),
            _ => WrongMethod(&["POST", "PUT", "GET"]),
        },
        [idx, "_mapping", ty] if typed => is(WRITE_METHODS, Route::PutMapping { index: own(idx), doc_type: Some(own(ty)) }),
        [idx, "_doc"] if typeless_doc_routes => is(&["POST"], Route::DocIndex { index: own(idx), doc_type: None, id: None, create: false }),
        [idx, "_create", id] if typeless_doc_routes => {
            is(WRITE_METHODS, Route::DocIndex { index: own(idx), doc_type: None, id: Some(own(id)), create: true })
        }
        [idx, "_update", id] if typeless_doc_routes => is(&["POST"], Route::DocUpdate { index: own(idx), doc_type: None, id: own(id) }),
        [idx, "_doc", id] if typeless_doc_routes => doc_route(m, own(idx), None, own(id)),
        [_, ty, ..] if ty.starts_with('_') && !typed => NotFound,
        [idx, ty, "_bulk"] if typed => is(WRITE_METHODS, Route::Bulk { index: Some(own(idx)), doc_type: Some(own(ty)) }),
        [idx, ty] if typed => is(&["POST"], Route::DocIndex { index: own(idx), doc_type: Some(own(ty)), id: None, create: false }),
        [idx, ty, id] if typed => doc_route(m, own(idx), Some(own(ty)), own(id)),
        [idx, ty, id, "_create"] if typed => {
            is(WRITE_METHODS, Route::DocIndex { index: own(idx), doc_type: Some(own(ty)), id: Some(own(id)), create: true })
        }
        [idx, ty, id, "_update"] if typed => is(&["POST"], Route::DocUpdate { index: own(idx), doc_type: Some(own(ty)), id: own(id) }),
        _ => NotFound,
    }
}

/// `/_search/scroll[/{id}]`: GET/POST continue a scroll, DELETE clears it.
fn scroll_route(m: &str, id: Option<String>) -> Resolved {
    match m {
        "GET" | "POST" => Resolved::Found(Route::ScrollNext(id)),
        "DELETE" => Resolved::Found(Route::ScrollClear(id)),
        _ => Resolved::WrongMethod(&["POST", "GET", "DELETE"]),
    }
}

fn doc_route(m: &str, index: String, doc_type: Option<String>, id: String) -> Resolved {
    match m {
        "PUT" | "POST" => Resolved::Found(Route::DocIndex { index, doc_type, id: Some(id), create: false }),
        "GET" => Resolved::Found(Route::DocGet { index, doc_type, id, head: false }),
        "HEAD" => Resolved::Found(Route::DocGet { index, doc_type, id, head: true }),
        "DELETE" => Resolved::Found(Route::DocDelete { index, doc_type, id }),
        _ => Resolved::WrongMethod(DOC_METHODS),
    }
}

/// Everything between the wire and the handlers.
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    method: Method,
    raw_path: String,
    raw_query: Option<String>,
    headers: HeaderMap,
    raw_body: Bytes,
) -> Finished {
    let p = shared.personality;
    let started = Instant::now();
    let params = raw_query.as_deref().map(parse_query).unwrap_or_default();
    let segs: Vec<String> = raw_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let control = segs.first().map(String::as_str) == Some("_emulator");
    if !control {
        Counters::add(&shared.counters.requests, 1);
        Counters::add(&shared.counters.bytes_received, raw_body.len() as u64);
    }
    let mut req = Request { method, raw_path, raw_query, headers, body: raw_body, params, started };
    let reply = pipeline(shared, &mut req, &segs).await;
    finish(p, &req, reply)
}

async fn pipeline(shared: &Arc<Shared>, req: &mut Request, segs: &[String]) -> Reply {
    let p = shared.personality;
    // An AWS gateway authenticates before the domain sees anything.
    let sigv4 = matches!(shared.auth, crate::Auth::SigV4 { .. });
    let control = segs.first().map(String::as_str) == Some("_emulator");
    if sigv4 && !control {
        if let Err(reply) = authenticate(shared, req) {
            return reply;
        }
    }
    let route = match resolve(p, &req.method, segs) {
        Resolved::Found(r) => r,
        Resolved::WrongMethod(allowed) if p != Personality::Es5_6 => {
            let mut r = Reply::simple(
                &format!("Incorrect HTTP method for uri [{}] and method [{}], allowed: [{}]", req.uri(), req.method, allowed.join(", ")),
                405,
            );
            r.headers.push(("Allow".into(), allowed.join(",")));
            return r;
        }
        _ => return no_handler(p, req),
    };
    if let Route::Control(rest) = &route {
        return decode_body(shared, req).map_or_else(|r| r, |_| control_endpoint(shared, req, rest));
    }
    let mut warnings = Vec::new();
    if let Err(reply) = check_content_type(p, req, matches!(route, Route::Bulk { .. }), &mut warnings) {
        return reply;
    }
    if !sigv4 {
        if let Err(reply) = authenticate(shared, req) {
            return reply;
        }
    }
    if let Err(reply) = decode_body(shared, req) {
        return reply;
    }
    let mut reply = match route {
        Route::Root => root(shared, req),
        Route::Bulk { index, doc_type } => bulk_endpoint(shared, req, index, doc_type).await,
        Route::Refresh(idx) => indices::refresh(shared, req, idx.as_deref()),
        Route::Count(idx) => search::count(shared, req, idx.as_deref()),
        Route::Search(idx) => search::search(shared, req, idx.as_deref()),
        Route::ScrollNext(id) => search::scroll_next(shared, req, id.as_deref()),
        Route::ScrollClear(id) => search::scroll_clear(shared, req, id.as_deref()),
        Route::Health(idx) => indices::health(shared, req, idx.as_deref()).await,
        Route::IndexCreate(idx) => indices::create(shared, req, &idx),
        Route::IndexExists(idx) => indices::exists(shared, &idx),
        Route::IndexGet(idx) => indices::get(shared, req, &idx, indices::GetPart::All),
        Route::Settings(idx) => indices::get(shared, req, &idx, indices::GetPart::Settings),
        Route::Mapping(idx) => indices::get(shared, req, &idx, indices::GetPart::Mappings),
        Route::PutSettings(idx) => indices::put_settings(shared, req, &idx),
        Route::PutMapping { index, doc_type } => indices::put_mapping(shared, req, &index, doc_type.as_deref()),
        Route::IndexDelete(idx) => indices::delete(shared, req, &idx),
        Route::DocIndex { index, doc_type, id, create } => docs::index(shared, req, &index, doc_type.as_deref(), id, create),
        Route::DocGet { index, doc_type, id, head } => docs::get(shared, req, &index, doc_type.as_deref(), &id, head),
        Route::DocDelete { index, doc_type, id } => docs::delete(shared, req, &index, doc_type.as_deref(), &id),
        Route::DocUpdate { index, doc_type, id } => docs::update(shared, req, &index, doc_type.as_deref(), &id),
        Route::RepoPut(repo) => snapshots::put_repository(shared, req, &repo),
        Route::RepoGet(repo) => snapshots::get_repositories(shared, repo.as_deref()),
        Route::RepoDelete(repo) => snapshots::delete_repository(shared, &repo),
        Route::RepoVerify(repo) => snapshots::verify_repository(shared, &repo),
        Route::SnapshotCreate { repo, snap } => snapshots::create(shared, req, &repo, &snap).await,
        Route::SnapshotGet { repo, snap } => snapshots::get_snapshots(shared, req, &repo, &snap),
        Route::SnapshotDelete { repo, snap } => snapshots::delete_snapshot(shared, &repo, &snap),
        Route::SnapshotStatus { repo, snap } => snapshots::status(shared, req, repo.as_deref(), snap.as_deref()),
        Route::SnapshotRestore { repo, snap } => snapshots::restore(shared, req, &repo, &snap).await,
        Route::Close(idx) => index_admin::close(shared, req, &idx),
        Route::Open(idx) => index_admin::open(shared, req, &idx),
        Route::CatIndices(idx) => index_admin::cat_indices(shared, req, idx.as_deref()),
        Route::Recovery(idx) => index_admin::recovery(shared, req, idx.as_deref()),
        Route::UpdateAliases => index_admin::update_aliases(shared, req),
        Route::GetAliases { index, name } => index_admin::get_aliases(shared, req, index.as_deref(), name.as_deref()),
        Route::PutAlias { index, name, delete } => index_admin::put_alias(shared, req, &index, &name, delete),
        Route::Control(_) => unreachable!("handled above"),
    };
    reply.headers.extend(warnings.into_iter().map(|w| ("Warning".to_string(), w)));
    reply
}

fn authenticate(shared: &Shared, req: &Request) -> Result<(), Reply> {
    auth::check(
        shared,
        &AuthRequest {
            method: req.method.as_str(),
            raw_path: &req.raw_path,
            raw_query: req.raw_query.as_deref(),
            headers: &req.headers,
            raw_body: &req.body,
        },
    )
}

fn no_handler(p: Personality, req: &Request) -> Reply {
    match p {
        Personality::Es5_6 => Reply::text(400, format!("No handler found for uri [{}] and method [{}]", req.uri(), req.method)),
        _ => {
            let uri = if p.is_opensearch() { req.raw_path.clone() } else { req.uri() };
            let mut r = Reply::json(400, json!({ "error": format!("no handler found for uri [{uri}] and method [{}]", req.method) }));
            r.filterable = false;
            r
        }
    }
}

/// Facts §6.2. Returns deprecation warnings to attach (5.6 content-type detection).
fn check_content_type(p: Personality, req: &Request, bulk: bool, warnings: &mut Vec<String>) -> Result<(), Reply> {
    if req.body.is_empty() {
        return Ok(());
    }
    let values: Vec<&str> = req.headers.get_all(http::header::CONTENT_TYPE).iter().filter_map(|v| v.to_str().ok()).collect();
    if values.is_empty() {
        if p.strict_content_type() {
            return Err(Reply::simple("Content-Type header is missing", 406));
        }
        warnings.push(warning(
            p,
            "Content type detection for rest requests is deprecated. Specify the content type using the [Content-Type] header.",
        ));
        return Ok(());
    }
    if !p.strict_content_type() {
        return Ok(());
    }
    let full = values.join(",");
    let media = full.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let compat = full.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("compatible-with")).then(|| v.trim().to_string())
    });
    let ok = match media.as_str() {
        "application/json" | "application/x-ndjson" => true,
        "application/vnd.elasticsearch+json" | "application/vnd.elasticsearch+x-ndjson" => match (p.compatible_with(), &compat) {
            (Some(allowed), Some(n)) => {
                if !allowed.iter().any(|a| a.to_string() == *n) {
                    return Err(Reply::error(&EsError::new(
                        400,
                        "media_type_header_exception",
                        format!(
                            "Content-Type version must be either version {} or {}, but found {n}. Content-Type={full}",
                            allowed[1], allowed[0]
                        ),
                    )));
                }
                true
            }
            _ => false,
        },
        _ => false,
    };
    if ok {
        Ok(())
    } else if bulk && matches!(media.as_str(), "application/yaml" | "application/cbor") {
        Err(Reply::simple(&format!("Content-Type [{}] does not support stream parsing. Use JSON or SMILE instead", &media[12..]), 406))
    } else {
        Err(Reply::simple(&format!("Content-Type header [{full}] is not supported"), 406))
    }
}

/// `Warning: 299 Elasticsearch-<version>-<hash> "<text>" ["<date>"]` (date up to 6.x).
pub(crate) fn warning(p: Personality, text: &str) -> String {
    let b = p.build();
    let product = if p.is_opensearch() { "OpenSearch" } else { "Elasticsearch" };
    let base = format!("299 {product}-{}-{} \"{text}\"", b.number, b.build_hash);
    match p {
        Personality::Es5_6 | Personality::Es6_8 => {
            format!("{base} \"{}\"", crate::clock::http_date(crate::clock::unix_secs(std::time::SystemTime::now())))
        }
        _ => base,
    }
}

/// Facts §6.1: gzip / deflate request bodies are decoded for every personality.
fn decode_body(shared: &Shared, req: &mut Request) -> Result<(), Reply> {
    use std::io::Read;
    let encoding = match req.headers.get(http::header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()) {
        Some(e) => e.trim().to_ascii_lowercase(),
        None => return Ok(()),
    };
    if req.body.is_empty() || encoding == "identity" {
        return Ok(());
    }
    let limit = MAX_CONTENT_LENGTH as u64 + 1;
    let mut out = Vec::with_capacity(req.body.len() * 4);
    let result = match encoding.as_str() {
        "gzip" | "x-gzip" => flate2::read::MultiGzDecoder::new(&req.body[..]).take(limit).read_to_end(&mut out),
        "deflate" => flate2::read::ZlibDecoder::new(&req.body[..]).take(limit).read_to_end(&mut out),
        other => {
            return Err(Reply::error(&illegal_argument(format!("unsupported Content-Encoding [{other}]"))));
        }
    };
    if let Err(e) = result {
        return Err(Reply::error(&illegal_argument(format!("failed to decompress the request body: {e}"))));
    }
    if out.len() > MAX_CONTENT_LENGTH {
        let mut r = Reply::empty(413);
        r.close = true;
        return Err(r);
    }
    if matches!(encoding.as_str(), "gzip" | "x-gzip") {
        Counters::add(&shared.counters.gzip_requests, 1);
    }
    req.body = Bytes::from(out);
    Ok(())
}

fn finish(p: Personality, req: &Request, reply: Reply) -> Finished {
    let filter = if reply.filterable { req.param("filter_path").and_then(FilterPath::parse) } else { None };
    let pretty = match req.param("pretty") {
        Some(v) => v != "false",
        None => reply.pretty_by_default,
    };
    let mut headers = reply.headers;
    // ES 8/9 answer a REST-compatibility request in the vendor media type (facts §6.3;
    // exact spacing UNCONFIRMED).
    let compat_type = compat_version(p, &req.headers).map(|n| format!("application/vnd.elasticsearch+json;compatible-with={n}"));
    let json_type = if reply.content_type.is_none() { compat_type.as_deref() } else { None };
    let (body, content_type): (Vec<u8>, Option<&str>) = match reply.body {
        Body::Empty => (Vec::new(), reply.content_type.or(json_type).or(Some(p.json_content_type()))),
        Body::Text(t) => (t.into_bytes(), reply.content_type.or(Some("text/plain; charset=UTF-8"))),
        Body::Json(v) => {
            let bytes = if pretty {
                let filtered = json::to_bytes(&v, filter.as_ref());
                match serde_json::from_slice::<Value>(&filtered) {
                    Ok(v) => json::pretty(&v),
                    Err(_) => filtered,
                }
            } else {
                json::to_bytes(&v, filter.as_ref())
            };
            (bytes, reply.content_type.or(json_type).or(Some(p.json_content_type())))
        }
        Body::Raw(bytes) => {
            let bytes = if pretty { serde_json::from_slice::<Value>(&bytes).map(|v| json::pretty(&v)).unwrap_or(bytes) } else { bytes };
            (bytes, reply.content_type.or(json_type).or(Some(p.json_content_type())))
        }
    };
    if let Some(ct) = content_type {
        headers.insert(0, ("content-type".to_string(), ct.to_string()));
    }
    if p.sends_product_header() && !reply.unauthenticated {
        headers.push(("X-elastic-product".to_string(), "Elasticsearch".to_string()));
    }
    Finished { status: reply.status, headers, body: Bytes::from(body), truncate: reply.truncate, close: reply.close }
}

/// `compatible-with=N` from `Accept` or `Content-Type` when the personality supports N.
fn compat_version(p: Personality, headers: &HeaderMap) -> Option<u8> {
    let allowed = p.compatible_with()?;
    [http::header::ACCEPT, http::header::CONTENT_TYPE].iter().find_map(|name| {
        let value = headers.get(name)?.to_str().ok()?;
        if !value.trim_start().to_ascii_lowercase().starts_with("application/vnd.elasticsearch+") {
            return None;
        }
        let n: u8 = value.split(';').skip(1).find_map(|param| {
            let (k, v) = param.split_once('=')?;
            k.trim().eq_ignore_ascii_case("compatible-with").then(|| v.trim().parse().ok())?
        })?;
        allowed.contains(&n).then_some(n)
    })
}

/// Facts §1.
fn root(shared: &Shared, _req: &Request) -> Reply {
    let p = shared.personality;
    let b = p.build();
    let (node, cluster_uuid) = {
        let c = shared.cluster();
        (c.node_name.clone(), c.cluster_uuid.clone())
    };
    let mut version = Map::new();
    if p.is_opensearch() {
        version.insert("distribution".into(), json!("opensearch"));
    }
    version.insert("number".into(), json!(b.number));
    if let Some(flavor) = b.build_flavor {
        version.insert("build_flavor".into(), json!(flavor));
    }
    if p != Personality::Es5_6 {
        version.insert("build_type".into(), json!(b.build_type));
    }
    version.insert("build_hash".into(), json!(b.build_hash));
    version.insert("build_date".into(), json!(b.build_date));
    version.insert("build_snapshot".into(), json!(false));
    version.insert("lucene_version".into(), json!(b.lucene_version));
    if let (Some(w), Some(i)) = (b.min_wire, b.min_index) {
        version.insert("minimum_wire_compatibility_version".into(), json!(w));
        version.insert("minimum_index_compatibility_version".into(), json!(i));
    }
    let mut top = Map::new();
    top.insert("name".into(), json!(node));
    top.insert("cluster_name".into(), json!(p.default_cluster_name()));
    top.insert("cluster_uuid".into(), json!(cluster_uuid));
    top.insert("version".into(), Value::Object(version));
    top.insert("tagline".into(), json!(p.tagline()));
    let mut r = Reply::json(200, Value::Object(top));
    r.pretty_by_default = true;
    r
}

async fn bulk_endpoint(shared: &Arc<Shared>, req: &Request, index: Option<String>, doc_type: Option<String>) -> Reply {
    let p = shared.personality;
    Counters::add(&shared.counters.bulk_requests, 1);
    let faults = shared.current_faults();
    if !faults.delay.is_zero() {
        tokio::time::sleep(faults.delay).await;
    }
    if shared.streams.request_503.hit(faults.request_503_fraction) {
        Counters::add(&shared.counters.responses_503, 1);
        // A whole-request 503 as a node without a recovered cluster state answers (UNCONFIRMED
        // choice: the facts file documents no specific 503 body for bulk).
        let reason = "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];";
        return Reply::es_error(p, &EsError::new(503, "cluster_block_exception", reason));
    }
    let refresh = match Refresh::parse(req.param("refresh")) {
        Ok(r) => r,
        Err(e) => return Reply::es_error(p, &e),
    };
    let filter = req.param("filter_path").and_then(FilterPath::parse);
    let default_type = doc_type.or_else(|| if p.has_typed_routes() { req.param("type").map(str::to_string) } else { None });
    let bulk_req = BulkRequest {
        body: &req.body,
        default_index: index.as_deref(),
        default_type: default_type.as_deref(),
        routing: req.param("routing"),
        refresh,
        filter: filter.as_ref(),
        started: req.started,
    };
    // Bulk bodies can be large: run the CPU-bound part off the async workers' fast path.
    let result = tokio::task::block_in_place(|| bulk::execute(shared, &bulk_req));
    match result {
        Err(e) => Reply::es_error(p, &e),
        Ok(resp) => {
            let mut reply = Reply::raw_json(200, resp.body);
            reply.filterable = false; // already filtered while writing
            if resp.typed && p.type_rule() == crate::personality::TypeRule::Optional {
                reply.headers.push(("Warning".into(), warning(p, "[types removal] Specifying types in bulk requests is deprecated.")));
            }
            if shared.streams.drop.hit(faults.drop_connection_fraction) {
                Counters::add(&shared.counters.connections_dropped, 1);
                reply.truncate = true;
            }
            reply
        }
    }
}

fn control_endpoint(shared: &Arc<Shared>, req: &Request, rest: &[String]) -> Reply {
    let parts: Vec<&str> = rest.iter().map(String::as_str).collect();
    let mut reply = match (req.method.as_str(), parts.as_slice()) {
        ("GET", ["stats"]) => Reply::json(200, serde_json::to_value(shared.stats()).unwrap_or(Value::Null)),
        ("GET", ["docs", index]) => {
            let mut out = Vec::new();
            for d in shared.documents(index) {
                if serde_json::to_writer(&mut out, &d).is_ok() {
                    out.push(b'\n');
                }
            }
            let mut r = Reply::raw_json(200, out);
            r.content_type = Some("application/x-ndjson");
            r
        }
        ("GET", ["faults"]) => Reply::json(200, shared.current_faults().to_json()),
        ("POST" | "PUT", ["faults"]) => {
            let parsed = serde_json::from_slice::<Value>(&req.body).map_err(|e| e.to_string()).and_then(|v| Faults::from_json(&v));
            match parsed {
                Ok(f) => {
                    shared.set_faults(f);
                    Reply::json(200, json!({"acknowledged": true}))
                }
                Err(e) => Reply::simple(&format!("bad faults: {e}"), 400),
            }
        }
        _ => Reply::simple(&format!("no emulator control endpoint for uri [{}] and method [{}]", req.uri(), req.method), 404),
    };
    reply.content_type = reply.content_type.or(Some("application/json"));
    reply
}

/// Resource-type used in `index_not_found_exception` for doc GETs (facts §3.1).
pub(crate) fn get_resource_type(p: Personality) -> &'static str {
    match p {
        Personality::Es5_6 | Personality::Es6_8 => "index_or_alias",
        _ => "index_expression",
    }
}

/// Query parameters a personality does not know, reported like `BaseRestHandler` does.
pub(crate) fn reject_params(req: &Request, unknown: &[&str]) -> Result<(), Reply> {
    let present: Vec<&str> = unknown.iter().copied().filter(|k| req.has_param(k)).collect();
    if present.is_empty() {
        Ok(())
    } else {
        Err(Reply::error(&errors::unrecognized_params(&req.raw_path, &present)))
    }
}
