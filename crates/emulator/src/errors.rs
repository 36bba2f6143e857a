//! Elasticsearch exception rendering (facts §3).
//!
//! Top-level: `{"error":{"root_cause":[{type, reason, metadata…, header}], "type", "reason",
//! metadata…, caused_by, header},"status":N}` — `ElasticsearchException.innerToXContent` order:
//! type, reason, metadata, `caused_by`, `header`. Root causes are rendered without `caused_by`.
//! Bulk item errors use the same inner object without `root_cause` (facts §2.3).

use serde_json::{Map, Value};

use crate::json::JsonOut;
use crate::personality::Personality;

/// One exception as Elasticsearch renders it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EsError {
    pub status: u16,
    pub kind: String,
    pub reason: String,
    /// Exception metadata in output order (`resource.type`, `index_uuid`, `shard`, `index`…).
    pub meta: Vec<(&'static str, Value)>,
    pub caused_by: Option<Box<EsError>>,
    /// `header` object (security challenges).
    pub header: Option<Box<Value>>,
}

impl EsError {
    pub fn new(status: u16, kind: impl Into<String>, reason: impl Into<String>) -> Self {
        EsError { status, kind: kind.into(), reason: reason.into(), meta: Vec::new(), caused_by: None, header: None }
    }

    pub fn meta(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.meta.push((key, value.into()));
        self
    }

    pub fn caused_by(mut self, cause: EsError) -> Self {
        self.caused_by = Some(Box::new(cause));
        self
    }

    /// The inner object (`type`, `reason`, metadata, `caused_by`, `header`).
    pub fn write_inner(&self, out: &mut JsonOut<'_>, with_cause: bool) {
        out.field_str("type", &self.kind);
        out.field_str("reason", &self.reason);
        for (k, v) in &self.meta {
            out.key(k);
            out.value(v);
        }
        if with_cause {
            if let Some(cause) = &self.caused_by {
                out.key("caused_by");
                out.begin_object();
                cause.write_inner(out, true);
                out.end();
            }
        }
        if let Some(h) = &self.header {
            out.key("header");
            out.value(h);
        }
    }

    pub fn inner_value(&self, with_cause: bool) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), Value::String(self.kind.clone()));
        m.insert("reason".into(), Value::String(self.reason.clone()));
        for (k, v) in &self.meta {
            m.insert((*k).to_string(), v.clone());
        }
        if with_cause {
            if let Some(cause) = &self.caused_by {
                m.insert("caused_by".into(), cause.inner_value(true));
            }
        }
        if let Some(h) = &self.header {
            m.insert("header".into(), (**h).clone());
        }
        Value::Object(m)
    }

    /// `ElasticsearchException.guessRootCauses`: the deepest cause that is itself an
    /// Elasticsearch exception (Java/Jackson causes such as `json_parse_exception` stop the walk).
    fn root_cause(&self) -> &EsError {
        match &self.caused_by {
            Some(cause) if is_es_exception(&cause.kind) => cause.root_cause(),
            _ => self,
        }
    }

    /// The full top-level error body.
    pub fn body(&self) -> Value {
        let mut inner = Map::new();
        inner.insert("root_cause".into(), Value::Array(vec![self.root_cause().inner_value(false)]));
        if let Value::Object(rest) = self.inner_value(true) {
            inner.extend(rest);
        }
        let mut top = Map::new();
        top.insert("error".into(), Value::Object(inner));
        top.insert("status".into(), Value::from(self.status));
        Value::Object(top)
    }
}

/// Exception types that render from plain Java / Jackson exceptions rather than
/// `ElasticsearchException` subclasses.
fn is_es_exception(kind: &str) -> bool {
    !matches!(
        kind,
        "json_parse_exception"
            | "illegal_argument_exception"
            | "number_format_exception"
            | "illegal_state_exception"
            | "x_content_parse_exception"
            | "not_x_content_exception"
            // Java I/O and AWS SDK exceptions seen as `caused_by` of repository errors
            // (snapshot-facts §1.3).
            | "i_o_exception"
            | "no_such_file_exception"
            | "access_denied_exception"
            | "file_system_exception"
            | "sdk_client_exception"
            | "amazon_s3_exception"
            | "corrupt_state_exception"
    )
}

/// `{"error":"…","status":N}` — RestController's simple error form (406, 405…).
pub(crate) fn simple_error(message: &str, status: u16) -> Value {
    let mut top = Map::new();
    top.insert("error".into(), Value::String(message.to_string()));
    top.insert("status".into(), Value::from(status));
    Value::Object(top)
}

pub(crate) fn illegal_argument(reason: impl Into<String>) -> EsError {
    EsError::new(400, "illegal_argument_exception", reason)
}

/// `ActionRequestValidationException`: `Validation Failed: 1: a;2: b;`.
pub(crate) fn validation_failed<S: AsRef<str>>(errors: &[S]) -> EsError {
    let mut reason = String::from("Validation Failed: ");
    for (i, e) in errors.iter().enumerate() {
        reason.push_str(&format!("{}: {};", i + 1, e.as_ref()));
    }
    EsError::new(400, "action_request_validation_exception", reason)
}

/// Facts §3.1. `resource_type` is `index_or_alias` for most APIs, `index_expression` for some.
pub(crate) fn index_not_found(p: Personality, index: &str, resource_type: &str) -> EsError {
    EsError::new(404, "index_not_found_exception", p.index_not_found_reason(index))
        .meta("resource.type", resource_type)
        .meta("resource.id", index)
        .meta("index_uuid", "_na_")
        .meta("index", index)
}

/// Facts §3.2.
pub(crate) fn index_already_exists(p: Personality, index: &str, uuid: &str) -> EsError {
    EsError::new(400, p.already_exists_type(), format!("index [{index}/{uuid}] already exists"))
        .meta("index_uuid", uuid)
        .meta("index", index)
}

pub(crate) fn invalid_index_name(index: &str, why: &str) -> EsError {
    EsError::new(400, "invalid_index_name_exception", format!("Invalid index name [{index}], {why}"))
        .meta("index_uuid", "_na_")
        .meta("index", index)
}

/// Facts §2.3(3): `version_conflict_engine_exception` with shard metadata.
pub(crate) fn version_conflict(reason: String, uuid: &str, shard: u32, index: &str) -> EsError {
    EsError::new(409, "version_conflict_engine_exception", reason)
        .meta("index_uuid", uuid)
        .meta("shard", shard.to_string())
        .meta("index", index)
}

/// `IndexClosedException`: reason `closed` with the index metadata; 400 from 6.0
/// (elastic/elasticsearch#25752, July 2017), 403 before (snapshot-facts §4.6).
pub(crate) fn index_closed(p: Personality, index: &str, uuid: &str) -> EsError {
    let status = if p == Personality::Es5_6 { 403 } else { 400 };
    EsError::new(status, "index_closed_exception", "closed").meta("index_uuid", uuid).meta("index", index)
}

/// A write to an index with `index.blocks.write: true` (snapshot-facts §4.2): 7.x+/OpenSearch
/// name the index, ≤ 6.x do not (boundary UNCONFIRMED, 7.0 assumed).
pub(crate) fn write_blocked(p: Personality, index: &str) -> EsError {
    let reason = match p {
        Personality::Es5_6 | Personality::Es6_8 => "blocked by: [FORBIDDEN/8/index write (api)];".to_string(),
        _ => format!("index [{index}] blocked by: [FORBIDDEN/8/index write (api)];"),
    };
    EsError::new(403, "cluster_block_exception", reason)
}

/// `BaseRestHandler.unrecognized`: `request [/path] contains unrecognized parameter: [x]`.
pub(crate) fn unrecognized_params(path: &str, params: &[&str]) -> EsError {
    let mut sorted: Vec<&str> = params.to_vec();
    sorted.sort_unstable();
    let list: Vec<String> = sorted.iter().map(|p| format!("[{p}]")).collect();
    let noun = if sorted.len() == 1 { "parameter" } else { "parameters" };
    illegal_argument(format!("request [{path}] contains unrecognized {noun}: {}", list.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_shape() {
        let e = index_already_exists(Personality::Es7_10, "ind-1", "cQuhNzeqRruFBr6RMEmCyQ");
        assert_eq!(
            serde_json::to_string(&e.body()).unwrap(),
            r#"{"error":{"root_cause":[{"type":"resource_already_exists_exception","reason":"index [ind-1/cQuhNzeqRruFBr6RMEmCyQ] already exists","index_uuid":"cQuhNzeqRruFBr6RMEmCyQ","index":"ind-1"}],"type":"resource_already_exists_exception","reason":"index [ind-1/cQuhNzeqRruFBr6RMEmCyQ] already exists","index_uuid":"cQuhNzeqRruFBr6RMEmCyQ","index":"ind-1"},"status":400}"#
        );
    }

    #[test]
    fn validation_reason() {
        assert_eq!(validation_failed(&["type is missing", "type is missing"]).reason, "Validation Failed: 1: type is missing;2: type is missing;");
    }
}
