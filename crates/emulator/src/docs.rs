//! Single-document APIs with optimistic concurrency (facts §5): index (`PUT|POST
//! /{index}/_doc/{id}`, typed `/{index}/{type}/{id}` up to 7.x, `_create`, `op_type=create`),
//! `GET`/`HEAD`, `DELETE`, and `_update` with a partial `doc`.
//!
//! Responses are the bulk item object without `status` (facts §5.2); a 201 carries `Location`.
//! `if_seq_no`/`if_primary_term` exist from 6.x; ES 5.6 rejects them as unrecognized
//! parameters. Conflicts are 409 `version_conflict_engine_exception` bodies (facts §2.3(3)).
//! These APIs always keep sources, also in count-only mode (the work ledger reads them back).

use std::sync::Arc;

use serde_json::Value;

use crate::bulk::{self, check_doc_type, response_type, write_doc_write_fields, Refresh};
use crate::errors::{self, illegal_argument, validation_failed, EsError};
use crate::filter_path::FilterPath;
use crate::json::JsonOut;
use crate::personality::{Personality, TypeRule};
use crate::routes::{get_resource_type, reject_params, warning, Reply, Request};
use crate::store::{Index, OpKind, UpdateSpec, VersionType, WriteOp, WriteOutcome};
use crate::Shared;

/// 7.x deprecation warnings for typed document endpoints (`RestIndexAction`, `RestGetAction`,
/// `RestDeleteAction`).
const TYPED_INDEX_WARNING: &str = "[types removal] Specifying types in document index requests is deprecated, use the typeless endpoints instead (/{index}/_doc/{id}, /{index}/_doc, or /{index}/_create/{id}).";
const TYPED_GET_WARNING: &str = "[types removal] Specifying types in document get requests is deprecated, use the /{index}/_doc/{id} endpoint instead.";
const TYPED_DELETE_WARNING: &str = "[types removal] Specifying types in document index requests is deprecated, use the /{index}/_doc/{id} endpoint instead.";

fn with_type_warning(p: Personality, typed: bool, message: &str, mut reply: Reply) -> Reply {
    if typed && p.type_rule() == TypeRule::Optional {
        reply.headers.push(("Warning".into(), warning(p, message)));
    }
    reply
}

/// Parameters shared by index / delete / update.
struct WriteParams {
    refresh: Refresh,
    if_seq_no: Option<i64>,
    if_primary_term: Option<i64>,
    version: Option<i64>,
    version_type: VersionType,
}

fn write_params(p: Personality, req: &Request) -> Result<WriteParams, Reply> {
    if !p.has_if_seq_no() {
        reject_params(req, &["if_seq_no", "if_primary_term"])?;
    }
    let num = |name: &str| -> Result<Option<i64>, Reply> {
        match req.param(name) {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| Reply::es_error(p, &illegal_argument(format!("Failed to parse long parameter [{name}] with value [{v}]")))),
        }
    };
    let version_type = match req.param("version_type") {
        None => VersionType::Internal,
        Some(v) => VersionType::parse(v).ok_or_else(|| Reply::es_error(p, &illegal_argument(format!("No version type match [{v}]"))))?,
    };
    Ok(WriteParams {
        refresh: Refresh::parse(req.param("refresh")).map_err(|e| Reply::es_error(p, &e))?,
        if_seq_no: num("if_seq_no")?,
        if_primary_term: num("if_primary_term")?,
        version: num("version")?,
        version_type,
    })
}

/// Request validation of the document APIs (`ActionRequestValidationException`).
fn validate(p: Personality, kind: OpKind, w: &WriteParams) -> Result<(), EsError> {
    let mut problems = Vec::new();
    concurrency_problems(p, kind, w.if_seq_no, w.if_primary_term, w.version, w.version_type, false, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(validation_failed(&problems))
    }
}

/// The concurrency-control checks of a write's validation, shared by the document APIs and bulk
/// items (`IndexRequest`/`DeleteRequest.validate`), in ES's order. `create_version_check`: bulk
/// items also refuse `create` with external versioning.
#[allow(clippy::too_many_arguments)]
pub(crate) fn concurrency_problems(
    p: Personality,
    kind: OpKind,
    if_seq_no: Option<i64>,
    if_primary_term: Option<i64>,
    version: Option<i64>,
    version_type: VersionType,
    create_version_check: bool,
    problems: &mut Vec<String>,
) {
    if if_seq_no.is_some() && if_primary_term.is_none_or(|t| t <= 0) {
        problems.push(format!("ifSeqNo is set, but primary term is [{}]", if_primary_term.unwrap_or(0)));
    }
    if kind == OpKind::Create && if_seq_no.is_some() {
        problems.push("create operations do not support compare and set. use index instead".to_string());
    }
    if let (Some(v), VersionType::External | VersionType::ExternalGte) = (version, version_type) {
        if v < 0 {
            problems.push(format!("illegal version value [{v}] for version type [{}]", version_type.name()));
        }
    }
    if create_version_check && kind == OpKind::Create && version_type != VersionType::Internal {
        problems.push("create operations only support internal versioning. use index instead".into());
    }
    // 7.0 removed internal-version OCC in favour of seq_no (facts §5.1).
    if version.is_some() && version_type == VersionType::Internal && !matches!(p, Personality::Es5_6 | Personality::Es6_8) {
        problems.push(
            "internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead"
                .to_string(),
        );
    }
}

/// `DocWriteResponse.getLocation`: `/{index}/{type}/{id}[?routing=r]`, URL-form encoded.
fn location(index: &str, doc_type: &str, id: &str, routing: Option<&str>) -> String {
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
            .to_string()
            .replace("%2D", "-")
            .replace("%2E", ".")
            .replace("%5F", "_")
            .replace("%2A", "*")
            .replace("%20", "+")
    };
    let mut uri = format!("/{}/{}/{}", enc(index), enc(doc_type), enc(id));
    if let Some(r) = routing {
        uri.push_str(&format!("?routing={}", enc(r)));
    }
    uri
}

#[allow(clippy::too_many_arguments)]
fn write_reply(
    p: Personality,
    req: &Request,
    index: &str,
    doc_type: &str,
    id: &str,
    w: &WriteOutcome,
    kind: OpKind,
    shards_total: u32,
    refresh: Refresh,
) -> Reply {
    let filter = req.param("filter_path").and_then(FilterPath::parse);
    let mut out = JsonOut::new(filter.as_ref());
    out.begin_object();
    write_doc_write_fields(&mut out, p, index, doc_type, id, w, kind, shards_total, refresh == Refresh::Immediate);
    out.end();
    let status = w.result.status();
    let mut reply = Reply::raw_json(status, out.finish());
    reply.filterable = false;
    if status == 201 {
        let loc_type = if p.responses_have_type() { doc_type } else { "_doc" };
        reply.headers.push(("Location".into(), location(index, loc_type, id, req.param("routing"))));
    }
    reply
}

/// Index or create one document.
pub(crate) fn index(shared: &Shared, req: &Request, index: &str, doc_type: Option<&str>, id: Option<String>, create_route: bool) -> Reply {
    let reply = index_inner(shared, req, index, doc_type, id, create_route);
    with_type_warning(shared.personality, doc_type.is_some(), TYPED_INDEX_WARNING, reply)
}

fn index_inner(shared: &Shared, req: &Request, index: &str, doc_type: Option<&str>, id: Option<String>, create_route: bool) -> Reply {
    let p = shared.personality;
    let params = match write_params(p, req) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let kind = match (create_route, req.param("op_type")) {
        (true, _) | (false, Some("create")) => OpKind::Create,
        (false, None | Some("index")) => OpKind::Index,
        (false, Some(other)) => return Reply::es_error(p, &illegal_argument(format!("opType must be 'create' or 'index', found: [{other}]"))),
    };
    if let Err(e) = validate(p, kind, &params) {
        return Reply::es_error(p, &e);
    }
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Reply::es_error(p, &EsError::new(400, "parse_exception", "request body is required"));
    }
    let source = match bulk::parse_source(p, &req.body) {
        Ok(v) => v,
        Err(e) => return Reply::es_error(p, &e),
    };
    let raw_type = doc_type.unwrap_or("_doc");
    let mut cluster = shared.cluster();
    if let Err(e) = cluster.ensure_index(index) {
        return Reply::es_error(p, &e);
    }
    let id = id.unwrap_or_else(|| cluster.new_doc_id());
    let idx = cluster.indices.get_mut(index).expect("ensured");
    if let Err(e) = check_doc_type(p, idx, raw_type, true) {
        return Reply::es_error(p, &e);
    }
    let op = WriteOp {
        kind,
        doc_type: raw_type,
        id: &id,
        routing: req.param("routing"),
        source: Some(Arc::new(source)),
        if_seq_no: params.if_seq_no,
        if_primary_term: params.if_primary_term,
        version: params.version,
        version_type: params.version_type,
        update: None,
    };
    apply_and_reply(p, req, index, idx, &op, params.refresh)
}

/// Whether a typed lookup may see a document of the index's (single) type.
fn type_visible(p: Personality, index_type: Option<&str>, requested: &str) -> bool {
    match p.type_rule() {
        TypeRule::Required if p != Personality::Es5_6 => requested == "_all" || index_type.is_none_or(|t| t == requested),
        TypeRule::Optional => requested == "_doc" || requested == "_all" || index_type.is_none_or(|t| t == requested),
        _ => true,
    }
}

/// Facts §5.3.
pub(crate) fn get(shared: &Shared, req: &Request, index: &str, doc_type: Option<&str>, id: &str, head: bool) -> Reply {
    let reply = get_inner(shared, req, index, doc_type, id, head);
    with_type_warning(shared.personality, doc_type.is_some(), TYPED_GET_WARNING, reply)
}

fn get_inner(shared: &Shared, req: &Request, index: &str, doc_type: Option<&str>, id: &str, head: bool) -> Reply {
    let p = shared.personality;
    let cluster = shared.cluster();
    let Some(idx) = cluster.indices.get(index) else {
        if head {
            return Reply::empty(404);
        }
        return Reply::es_error(p, &errors::index_not_found(p, index, get_resource_type(p)));
    };
    if idx.closed {
        if head {
            return Reply::empty(errors::index_closed(p, index, &idx.uuid).status);
        }
        return Reply::es_error(p, &errors::index_closed(p, index, &idx.uuid));
    }
    let requested = doc_type.unwrap_or("_doc");
    let lookup_type = if p == Personality::Es5_6 { requested } else { "_doc" };
    let found = idx.get(lookup_type, id).filter(|_| type_visible(p, idx.types.first().map(String::as_str), requested));
    if head {
        return Reply::empty(if found.is_some() { 200 } else { 404 });
    }
    let shown_type = match &found {
        Some(d) if p != Personality::Es5_6 && requested == "_all" => d.doc_type.to_string(),
        _ => response_type(p, Some(idx), requested),
    };
    let filter = req.param("filter_path").and_then(FilterPath::parse);
    let mut out = JsonOut::new(filter.as_ref());
    out.begin_object();
    out.field_str("_index", index);
    if p.responses_have_type() {
        out.field_str("_type", &shown_type);
    }
    out.field_str("_id", id);
    let status = match found {
        None => {
            out.field_bool("found", false);
            404
        }
        Some(doc) => {
            out.field_u64("_version", doc.rev.version);
            if p.has_seq_no() {
                out.field_u64("_seq_no", doc.rev.seq_no);
                out.field_u64("_primary_term", 1);
            }
            out.field_bool("found", true);
            if let Some(r) = &doc.rev.routing {
                out.field_str("_routing", r);
            }
            if req.param("_source") != Some("false") {
                out.key("_source");
                match &doc.rev.source {
                    Some(s) => out.value(s),
                    None => out.value(&Value::Object(Default::default())),
                }
            }
            200
        }
    };
    out.end();
    let mut reply = Reply::raw_json(status, out.finish());
    reply.filterable = false;
    reply
}

pub(crate) fn delete(shared: &Shared, req: &Request, index: &str, doc_type: Option<&str>, id: &str) -> Reply {
    let reply = delete_inner(shared, req, index, doc_type, id);
    with_type_warning(shared.personality, doc_type.is_some(), TYPED_DELETE_WARNING, reply)
}

fn delete_inner(shared: &Shared, req: &Request, index: &str, doc_type: Option<&str>, id: &str) -> Reply {
    let p = shared.personality;
    let params = match write_params(p, req) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Err(e) = validate(p, OpKind::Delete, &params) {
        return Reply::es_error(p, &e);
    }
    let mut cluster = shared.cluster();
    let Some(idx) = cluster.indices.get_mut(index) else {
        return Reply::es_error(p, &errors::index_not_found(p, index, "index_or_alias"));
    };
    let raw_type = doc_type.unwrap_or("_doc");
    if let Err(e) = check_doc_type(p, idx, raw_type, false) {
        return Reply::es_error(p, &e);
    }
    let op = WriteOp {
        kind: OpKind::Delete,
        doc_type: raw_type,
        id,
        routing: req.param("routing"),
        source: None,
        if_seq_no: params.if_seq_no,
        if_primary_term: params.if_primary_term,
        version: params.version,
        version_type: params.version_type,
        update: None,
    };
    apply_and_reply(p, req, index, idx, &op, params.refresh)
}

/// Apply one single-document write and answer as the document APIs do (refreshing first when
/// the request asked for it).
fn apply_and_reply(p: Personality, req: &Request, index: &str, idx: &mut Index, op: &WriteOp<'_>, refresh: Refresh) -> Reply {
    match idx.apply(p, op) {
        Ok(w) => {
            if refresh != Refresh::No {
                idx.refresh();
            }
            let shown_type = response_type(p, Some(idx), op.doc_type);
            write_reply(p, req, index, &shown_type, op.id, &w, op.kind, idx.replicas.saturating_add(1), refresh)
        }
        Err(e) => Reply::es_error(p, &e),
    }
}

/// `_update` with `doc` / `upsert` / `doc_as_upsert` (no scripts).
pub(crate) fn update(shared: &Shared, req: &Request, index: &str, doc_type: Option<&str>, id: &str) -> Reply {
    let p = shared.personality;
    let params = match write_params(p, req) {
        Ok(w) => w,
        Err(r) => return r,
    };
    if params.version.is_some() {
        return Reply::es_error(
            p,
            &validation_failed(&["can't provide version in update request, use if_seq_no and if_primary_term instead"]),
        );
    }
    let body = match bulk::parse_source(p, &req.body) {
        Ok(v) => v,
        Err(e) => return Reply::es_error(p, &e),
    };
    if body.get("script").is_some() {
        return Reply::es_error(p, &illegal_argument("[emulator] scripted updates are not supported"));
    }
    let spec = UpdateSpec {
        doc: body.get("doc").cloned(),
        upsert: body.get("upsert").cloned(),
        doc_as_upsert: body.get("doc_as_upsert").and_then(Value::as_bool).unwrap_or(false),
        detect_noop: body.get("detect_noop").and_then(Value::as_bool).unwrap_or(true),
    };
    let raw_type = doc_type.unwrap_or("_doc");
    let mut cluster = shared.cluster();
    if let Err(e) = cluster.ensure_index(index) {
        return Reply::es_error(p, &e);
    }
    let idx = cluster.indices.get_mut(index).expect("ensured");
    if let Err(e) = check_doc_type(p, idx, raw_type, true) {
        return Reply::es_error(p, &e);
    }
    let op = WriteOp {
        kind: OpKind::Update,
        doc_type: raw_type,
        id,
        routing: req.param("routing"),
        source: None,
        if_seq_no: params.if_seq_no,
        if_primary_term: params.if_primary_term,
        version: None,
        version_type: VersionType::Internal,
        update: Some(spec),
    };
    apply_and_reply(p, req, index, idx, &op, params.refresh)
}
