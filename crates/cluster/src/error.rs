//! Errors that say which cluster, which request, and what the cluster itself said.

use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid cluster URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("{host}: `GET /` did not answer like Elasticsearch or OpenSearch: {reason}")]
    NotACluster { host: String, reason: String },
    #[error("TLS settings: {0}")]
    TlsConfig(String),
    #[error("cannot connect to {host}: {detail}")]
    Connect { host: String, detail: String },
    #[error("TLS handshake with {host} failed: {detail} (use --ca-cert to trust a private CA, or --insecure to skip verification)")]
    Tls { host: String, detail: String },
    #[error("{host}: {method} {path}: no answer within {secs} s")]
    Timeout { host: String, method: String, path: String, secs: u64 },
    #[error("{host}: {method} {path}: the connection failed: {detail}")]
    Transport { host: String, method: String, path: String, detail: String },
    #[error("{host}: {method} {path} → {status}: {body}{hint}")]
    Status { host: String, method: String, path: String, status: u16, body: ErrorBody, hint: &'static str },
    #[error("{host}: {method} {path}: unexpected response: {detail}")]
    BadResponse { host: String, method: String, path: String, detail: String },
    #[error("AWS credentials for SigV4: {0}")]
    Credentials(String),
}

impl Error {
    /// Worth trying again later: the cluster is busy or briefly unreachable (429, 502–504, a
    /// refused or dropped connection, a timeout) — not a refusal that would repeat.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::Status { status, .. } => is_retryable_status(*status),
            _ => false,
        }
    }

    /// The HTTP status, when the cluster answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Statuses a bulk request or item may be retried on: too many requests, and the gateway /
/// unavailable family a restarting node or a proxy in front of it answers with.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// What an error response said, in the cluster's own terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    /// `error.type` (`index_not_found_exception`, `security_exception`, ...), when the body has one.
    pub error_type: Option<String>,
    /// `error.reason`, an AWS `message`, or the body's first line.
    pub reason: String,
}

impl ErrorBody {
    /// Read the error shapes clusters and their proxies answer with: Elasticsearch's
    /// `{"error":{"type","reason",..},"status"}` and the older `{"error":"text"}`, AWS's
    /// `{"message":"..."}` / `{"Message":"..."}`, or plain text.
    pub fn parse(body: &[u8]) -> ErrorBody {
        if let Ok(v) = serde_json::from_slice::<Value>(body) {
            if let Some(e) = v.get("error") {
                return Self::from_error_value(e);
            }
            for key in ["message", "Message"] {
                if let Some(m) = v.get(key).and_then(Value::as_str) {
                    return ErrorBody { error_type: None, reason: m.to_owned() };
                }
            }
        }
        let text = String::from_utf8_lossy(body);
        let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("(empty body)");
        ErrorBody { error_type: None, reason: truncate(line, 300) }
    }

    /// An `error` value: an object with `type`/`reason` (and maybe `caused_by`), or a string.
    pub fn from_error_value(e: &Value) -> ErrorBody {
        match e {
            Value::String(s) => ErrorBody { error_type: None, reason: truncate(s, 300) },
            Value::Object(o) => {
                let error_type = o.get("type").and_then(Value::as_str).map(str::to_owned);
                let mut reason = o.get("reason").and_then(Value::as_str).unwrap_or("(no reason given)").to_owned();
                if let Some(c) = o.get("caused_by") {
                    let inner = ErrorBody::from_error_value(c);
                    reason = format!("{reason} (caused by {inner})");
                }
                ErrorBody { error_type, reason: truncate(&reason, 600) }
            }
            other => ErrorBody { error_type: None, reason: truncate(&other.to_string(), 300) },
        }
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.error_type {
            Some(t) => write!(f, "{t}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_of_each_kind() {
        let es = br#"{"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [x]"}],"type":"index_not_found_exception","reason":"no such index [x]","resource.type":"index_or_alias","index":"x"},"status":404}"#;
        assert_eq!(ErrorBody::parse(es).to_string(), "index_not_found_exception: no such index [x]");
        let nested = br#"{"error":{"type":"mapper_parsing_exception","reason":"failed to parse","caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"abc\""}},"status":400}"#;
        assert_eq!(ErrorBody::parse(nested).to_string(), "mapper_parsing_exception: failed to parse (caused by illegal_argument_exception: For input string: \"abc\")");
        assert_eq!(ErrorBody::parse(br#"{"error":"Content-Type header [text/plain] is not supported","status":406}"#).to_string(), "Content-Type header [text/plain] is not supported");
        assert_eq!(ErrorBody::parse(br#"{"message":"The security token included in the request is invalid."}"#).reason, "The security token included in the request is invalid.");
        assert_eq!(ErrorBody::parse(b"\n<html>Bad Gateway</html>\n").reason, "<html>Bad Gateway</html>");
        assert_eq!(ErrorBody::parse(b"").reason, "(empty body)");
    }
}
