//! Authentication (facts §3.3, §3.4).
//!
//! Elasticsearch security answers 401 `security_exception` with the challenge both in the body
//! (`header.WWW-Authenticate`) and as HTTP headers: 5.x–7.x send one Basic challenge
//! (`Basic realm="security" charset="UTF-8"`), 8.x/9.x three (Basic with the 8.15+ comma,
//! Bearer, ApiKey). Missing credentials read "missing authentication token" up to 6.8 and
//! "missing authentication credentials" from 7.0. The OpenSearch security plugin answers a
//! plain-text 401 with `WWW-Authenticate: Basic realm="OpenSearch Security"` — body
//! `Unauthorized` in the 1.x plugin, empty in the refactored 2.x+ plugin (switch-over minor
//! UNCONFIRMED; 2.17 and 3.1 get the empty body). API keys and bearer tokens are an
//! Elasticsearch feature: OpenSearch personalities refuse them.
//!
//! SigV4 (Amazon-managed domains) is verified in [`crate::sigv4`] and answers 403.

use base64::Engine;
use serde_json::{json, Value};

use crate::errors::EsError;
use crate::personality::Personality;
use crate::routes::Reply;
use crate::sigv4::{self, SigV4Credentials, SignedRequest};
use crate::{Auth, Counters, Shared};

/// Credentials as presented by the client.
enum Presented {
    None,
    Basic(String, String),
    ApiKey(String),
    Bearer(String),
    /// Some other scheme, or undecodable.
    Other,
}

fn presented(headers: &http::HeaderMap) -> Presented {
    let Some(value) = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Presented::None;
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(rest) else {
            return Presented::Other;
        };
        let text = String::from_utf8_lossy(&raw).into_owned();
        match text.split_once(':') {
            Some((u, p)) => Presented::Basic(u.to_string(), p.to_string()),
            None => Presented::Other,
        }
    } else if scheme.eq_ignore_ascii_case("apikey") {
        Presented::ApiKey(rest.to_string())
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Presented::Bearer(rest.to_string())
    } else {
        Presented::Other
    }
}

/// The pieces of a request authentication looks at.
pub(crate) struct AuthRequest<'a> {
    pub method: &'a str,
    pub raw_path: &'a str,
    pub raw_query: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
    /// The body as received (before gzip decoding).
    pub raw_body: &'a [u8],
}

/// `Ok(())` when the request may proceed, else the refusal to send.
pub(crate) fn check(shared: &Shared, req: &AuthRequest<'_>) -> Result<(), Reply> {
    let result = match &shared.auth {
        Auth::None => Ok(()),
        Auth::SigV4 { access_key_id, secret_access_key, session_token, region, service } => {
            let creds = SigV4Credentials {
                access_key_id: access_key_id.clone(),
                secret_access_key: secret_access_key.clone(),
                session_token: session_token.clone(),
                region: region.clone(),
                service: service.clone(),
            };
            let signed = SignedRequest {
                method: req.method,
                raw_path: req.raw_path,
                raw_query: req.raw_query,
                headers: req.headers,
                body: req.raw_body,
            };
            sigv4::verify(&signed, &creds, std::time::SystemTime::now()).map_err(|failure| {
                let (kind, body) = failure.response();
                let mut reply = Reply::json(403, body);
                // The AWS gateway answers; `filter_path` and `pretty` never reach the domain.
                reply.filterable = false;
                reply.unauthenticated = true;
                reply.content_type = Some("application/json");
                reply.headers.push(("x-amzn-ErrorType".into(), kind.into()));
                reply.headers.push(("x-amzn-RequestId".into(), request_id(shared)));
                reply
            })
        }
        configured => {
            let uri = match req.raw_query {
                Some(q) => format!("{}?{q}", req.raw_path),
                None => req.raw_path.to_string(),
            };
            match verdict(shared.personality, configured, presented(req.headers), &uri) {
                Ok(()) => Ok(()),
                Err(reply) => Err(reply),
            }
        }
    };
    if result.is_err() {
        Counters::add(&shared.counters.auth_failures, 1);
    }
    result
}

fn verdict(p: Personality, configured: &Auth, presented: Presented, uri: &str) -> Result<(), Reply> {
    let ok = match (configured, &presented) {
        (Auth::Basic { user, password }, Presented::Basic(u, pw)) => u == user && pw == password,
        (Auth::ApiKey { id, key }, Presented::ApiKey(v)) if p.is_elasticsearch() => {
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{key}")) == *v
        }
        (Auth::Bearer { token }, Presented::Bearer(v)) if p.is_elasticsearch() => token == v,
        _ => false,
    };
    if ok {
        return Ok(());
    }
    if p.is_opensearch() {
        let body = if p == Personality::Os1_3 { "Unauthorized" } else { "" };
        let mut reply = Reply::text(401, body.to_string());
        reply.unauthenticated = true;
        reply.headers.push(("WWW-Authenticate".into(), "Basic realm=\"OpenSearch Security\"".into()));
        return Err(reply);
    }
    let reason = match presented {
        Presented::None => match p {
            Personality::Es5_6 | Personality::Es6_8 => format!("missing authentication token for REST request [{uri}]"),
            _ => format!("missing authentication credentials for REST request [{uri}]"),
        },
        Presented::Basic(user, _) => format!("unable to authenticate user [{user}] for REST request [{uri}]"),
        // UNCONFIRMED wording for rejected API keys / tokens (ES's generic failure message).
        _ => "unable to authenticate with provided credentials and anonymous access is not allowed for this request".to_string(),
    };
    let challenges: Vec<&str> = match p {
        Personality::Es8 | Personality::Es9 => vec!["Basic realm=\"security\", charset=\"UTF-8\"", "Bearer realm=\"security\"", "ApiKey"],
        _ => vec!["Basic realm=\"security\" charset=\"UTF-8\""],
    };
    let header_value: Value = if challenges.len() == 1 { json!(challenges[0]) } else { json!(challenges) };
    let mut err = EsError::new(401, "security_exception", reason);
    err.header = Some(Box::new(json!({ "WWW-Authenticate": header_value })));
    let mut reply = Reply::error(&err);
    reply.unauthenticated = true;
    for c in challenges {
        reply.headers.push(("WWW-Authenticate".into(), c.into()));
    }
    Err(reply)
}

/// An AWS-style request id (UUID form).
fn request_id(shared: &Shared) -> String {
    let a = shared.streams.misc.next_u64();
    let b = shared.streams.misc.next_u64();
    let h = format!("{a:016x}{b:016x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}
