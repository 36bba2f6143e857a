//! One HTTP client per cluster: TLS, authentication, and errors that name the request.
//!
//! Every method sends exactly one request; retrying is the caller's decision (see
//! [`Error::is_retryable`] and [`crate::Backoff`]), because only the caller knows whether a
//! request is safe to repeat and how long it may wait.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::Method;
use serde_json::Value;

use crate::error::ErrorBody;
use crate::{Auth, ClusterInfo, Error, Target};

#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// PEM file with the CA certificate(s) to trust in addition to the system's.
    pub ca_cert: Option<PathBuf>,
    /// PEM client certificate (chain) and its PKCS#8/RSA/EC private key, for mutual TLS.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Accept any server certificate. Only when the user asks for it.
    pub insecure: bool,
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub tls: TlsOptions,
    pub connect_timeout: Duration,
    /// Per request, from sending to the last byte of the answer.
    pub request_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions { tls: TlsOptions::default(), connect_timeout: Duration::from_secs(10), request_timeout: Duration::from_secs(120) }
    }
}

/// A request body: the bytes as they go on the wire.
#[derive(Debug, Clone)]
pub struct Body {
    pub bytes: Bytes,
    pub content_type: &'static str,
    /// `bytes` are gzip-compressed (`Content-Encoding: gzip`).
    pub gzip: bool,
}

impl Body {
    pub fn json(v: &Value) -> Body {
        Body { bytes: Bytes::from(serde_json::to_vec(v).expect("a JSON value serialises")), content_type: "application/json", gzip: false }
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Bytes,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    target: Target,
    signer: Option<awsauth::Signer>,
    host: String,
    timeout: Duration,
}

impl Client {
    pub fn new(target: Target, options: &ClientOptions) -> Result<Client, Error> {
        let tls = &options.tls;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .pool_idle_timeout(Duration::from_secs(50))
            .tcp_nodelay(true)
            .user_agent(concat!("ferry/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &tls.ca_cert {
            let pem = std::fs::read(path).map_err(|e| Error::TlsConfig(format!("cannot read --ca-cert {}: {e}", path.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| Error::TlsConfig(format!("--ca-cert {}: not a PEM certificate bundle ({e})", path.display())))?;
            if certs.is_empty() {
                return Err(Error::TlsConfig(format!("--ca-cert {}: no certificate in the file", path.display())));
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        match (&tls.client_cert, &tls.client_key) {
            (Some(cert), Some(key)) => {
                let read = |p: &PathBuf, what: &str| std::fs::read(p).map_err(|e| Error::TlsConfig(format!("cannot read {what} {}: {e}", p.display())));
                let mut pem = read(cert, "--client-cert")?;
                pem.push(b'\n');
                pem.extend(read(key, "--client-key")?);
                let id = reqwest::Identity::from_pem(&pem).map_err(|e| Error::TlsConfig(format!("--client-cert {} / --client-key {}: {e}", cert.display(), key.display())))?;
                builder = builder.identity(id);
            }
            (None, None) => {}
            _ => return Err(Error::TlsConfig("--client-cert and --client-key go together".into())),
        }
        if tls.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        let http = builder.build().map_err(|e| Error::TlsConfig(chain(&e)))?;
        let host = target.host();
        let signer = match &target.auth {
            Auth::SigV4 { region, service, profile, keys } => {
                let credentials = match keys {
                    Some(k) => awsauth::Credentials::Static {
                        access_key_id: k.access_key_id.clone(),
                        secret_access_key: k.secret_access_key.expose().to_owned(),
                        session_token: k.session_token.as_ref().map(|t| t.expose().to_owned()),
                    },
                    None => awsauth::Credentials::Chain { profile: profile.clone() },
                };
                let config = awsauth::Config {
                    region: region.clone(),
                    credentials,
                    ..awsauth::Config::new(service.signing_name())
                };
                Some(awsauth::Signer::new(&config, &host, http.clone()).map_err(|e| Error::Credentials(e.to_string()))?)
            }
            _ => None,
        };
        Ok(Client { http, target, signer, host, timeout: options.request_timeout })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// `host:port`, for messages.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Send one request; any HTTP status comes back as a [`Response`]. `path_and_query` is relative
    /// to the target URL (which may carry a path prefix), e.g. `idx/_bulk?filter_path=errors`.
    pub async fn send(&self, method: Method, path_and_query: &str, body: Option<&Body>) -> Result<Response, Error> {
        let url = self.target.url(path_and_query);
        let mut headers = HeaderMap::new();
        if let Some(b) = body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(b.content_type));
            if b.gzip {
                headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
        }
        match &self.target.auth {
            Auth::None | Auth::SigV4 { .. } => {}
            Auth::Basic { user, password } => {
                let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", password.expose()));
                headers.insert(AUTHORIZATION, sensitive(&format!("Basic {token}"))?);
            }
            Auth::ApiKey(k) => {
                headers.insert(AUTHORIZATION, sensitive(&format!("ApiKey {}", k.expose()))?);
            }
            Auth::Bearer(t) => {
                headers.insert(AUTHORIZATION, sensitive(&format!("Bearer {}", t.expose()))?);
            }
        }
        if let Some(signer) = &self.signer {
            // awsauth applies the service's path-encoding rule (each segment encoded twice for
            // `es` and `aoss`) to the URL as it goes on the wire.
            signer.sign(&method, &url, &mut headers, body.map_or(&[][..], |b| &b.bytes[..])).await.map_err(|e| Error::Credentials(e.to_string()))?;
        }
        let mut req = self.http.request(method.clone(), url.clone()).headers(headers);
        if let Some(b) = body {
            req = req.body(b.bytes.clone());
        }
        let what = |detail: String| (method.to_string(), display_path(path_and_query), detail);
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Err(self.transport_error(&e, what(chain(&e)))),
        };
        let status = resp.status().as_u16();
        match resp.bytes().await {
            Ok(body) => Ok(Response { status, body }),
            Err(e) => Err(self.transport_error(&e, what(format!("the answer ({status}) broke off: {}", chain(&e))))),
        }
    }

    /// Send, and turn a non-2xx answer into [`Error::Status`].
    pub async fn call(&self, method: Method, path_and_query: &str, body: Option<&Body>) -> Result<Response, Error> {
        let resp = self.send(method.clone(), path_and_query, body).await?;
        if resp.is_success() {
            Ok(resp)
        } else {
            Err(self.status_error(&method, path_and_query, &resp))
        }
    }

    /// Send and parse a JSON answer.
    pub async fn call_json(&self, method: Method, path_and_query: &str, body: Option<&Body>) -> Result<Value, Error> {
        let resp = self.call(method.clone(), path_and_query, body).await?;
        serde_json::from_slice(&resp.body).map_err(|e| self.bad_response(&method, path_and_query, format!("not JSON ({e})")))
    }

    pub fn status_error(&self, method: &Method, path_and_query: &str, resp: &Response) -> Error {
        let hint = match (resp.status, &self.target.auth) {
            (401, Auth::None) => " (the cluster wants credentials: put user:password in the URL, or use --user/--api-key/--bearer/--aws-sigv4)",
            (401, _) => " (check the credentials)",
            (403, Auth::SigV4 { .. }) => " (check the AWS credentials, --region and --service, and the domain's access policy)",
            (403, _) => " (the credentials lack a privilege this request needs)",
            _ => "",
        };
        Error::Status {
            host: self.host.clone(),
            method: method.to_string(),
            path: display_path(path_and_query),
            status: resp.status,
            body: ErrorBody::parse(&resp.body),
            hint,
        }
    }

    pub fn bad_response(&self, method: &Method, path_and_query: &str, detail: String) -> Error {
        Error::BadResponse { host: self.host.clone(), method: method.to_string(), path: display_path(path_and_query), detail }
    }

    fn transport_error(&self, e: &reqwest::Error, (method, path, detail): (String, String, String)) -> Error {
        let host = self.host.clone();
        if is_tls_failure(e) {
            Error::Tls { host, detail: tls_detail(e) }
        } else if e.is_timeout() {
            Error::Timeout { host, method, path, secs: self.timeout.as_secs() }
        } else if e.is_connect() {
            Error::Connect { host, detail }
        } else {
            Error::Transport { host, method, path, detail }
        }
    }

    /// `GET /`: which product and version the cluster is.
    pub async fn info(&self) -> Result<ClusterInfo, Error> {
        let resp = self.call(Method::GET, "", None).await?;
        ClusterInfo::from_root(&self.host, &resp.body)
    }

    /// `HEAD /{index}`.
    pub async fn index_exists(&self, index: &str) -> Result<bool, Error> {
        let path = encode_segment(index);
        let resp = self.send(Method::HEAD, &path, None).await?;
        match resp.status {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(self.status_error(&Method::HEAD, &path, &resp)),
        }
    }

    /// `PUT /{index}` with `body`. `Ok(false)` when it already exists (another worker was first).
    pub async fn create_index(&self, index: &str, body: &Value) -> Result<bool, Error> {
        let path = encode_segment(index);
        let resp = self.send(Method::PUT, &path, Some(&Body::json(body))).await?;
        if resp.is_success() {
            return Ok(true);
        }
        let err = ErrorBody::parse(&resp.body);
        if resp.status == 400 && matches!(err.error_type.as_deref(), Some("resource_already_exists_exception" | "index_already_exists_exception")) {
            return Ok(false);
        }
        Err(self.status_error(&Method::PUT, &path, &resp))
    }

    /// `POST /{index}/_refresh`.
    pub async fn refresh(&self, index: &str) -> Result<(), Error> {
        self.call(Method::POST, &format!("{}/_refresh", encode_segment(index)), None).await.map(|_| ())
    }

    /// `GET /{index}/_count`: documents searchable now (top-level documents only).
    pub async fn count(&self, index: &str) -> Result<u64, Error> {
        let path = format!("{}/_count", encode_segment(index));
        let v = self.call_json(Method::GET, &path, None).await?;
        v.get("count").and_then(Value::as_u64).ok_or_else(|| self.bad_response(&Method::GET, &path, "no `count` in the answer".into()))
    }
}

/// An index name or document id as one URL path segment.
pub fn encode_segment(s: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// `/path` without the query string (which may carry ids or filters that are noise in a message).
fn display_path(path_and_query: &str) -> String {
    let p = path_and_query.split('?').next().unwrap_or_default();
    format!("/{}", p.trim_start_matches('/'))
}

fn sensitive(v: &str) -> Result<HeaderValue, Error> {
    let mut h = HeaderValue::from_str(v).map_err(|_| Error::Credentials("the credentials contain characters that cannot go in an HTTP header".into()))?;
    h.set_sensitive(true);
    Ok(h)
}

/// Every distinct message down the error's source chain, joined: reqwest's top-level message
/// alone ("error sending request") says nothing useful.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let msg = err.to_string();
        if !msg.is_empty() && !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        cur = err.source();
    }
    // Drop reqwest's URL-bearing wrapper text: the URL is in the message already (host, path).
    parts.retain(|p| !p.starts_with("error sending request for url") && !p.starts_with("client error (Connect)"));
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}

fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(r) = e.downcast_ref::<rustls::Error>() {
        return Some(r);
    }
    // I/O errors carry the TLS error as their payload, not always as their source.
    if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
        if let Some(r) = rustls_error(inner) {
            return Some(r);
        }
    }
    e.source().and_then(rustls_error)
}

fn is_tls_failure(e: &reqwest::Error) -> bool {
    if rustls_error(e).is_some() {
        return true;
    }
    // Last resort, by rustls's own wording (a plain-HTTP server answering a TLS hello).
    let text = chain(e).to_ascii_lowercase();
    ["tls handshake", "received corrupt message", "invalid peer certificate", "handshakefailure"].iter().any(|w| text.contains(w))
}

fn tls_detail(e: &reqwest::Error) -> String {
    match rustls_error(e) {
        Some(r) => r.to_string(),
        None => chain(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_messages_and_urls() {
        assert_eq!(display_path("idx/_bulk?filter_path=errors"), "/idx/_bulk");
        assert_eq!(display_path(""), "/");
        assert_eq!(encode_segment("logs-2024.01/x y"), "logs-2024.01%2Fx%20y");
    }
}
