//! AWS Signature Version 4 signing with the standard credential chain, for any AWS service:
//! Amazon OpenSearch Service (`es`), OpenSearch Serverless (`aoss`), S3 and S3-compatible
//! servers (`s3`).
//!
//! Credentials are either fixed keys ([`Credentials::Static`]) or the standard AWS chain
//! ([`Credentials::Chain`], reqsign's default provider): the `AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` variables, the shared config and credentials
//! files (`AWS_PROFILE` or a named profile, including `role_arn` + `source_profile` assume-role
//! profiles and SSO), web identity, ECS and EC2 instance roles. With [`Config::role_arn`] the
//! role is assumed through STS with those credentials as the source. The region comes from
//! [`Config::region`], then `AWS_REGION` / `AWS_DEFAULT_REGION`, then the endpoint's own name
//! (`search-x.eu-west-1.es.amazonaws.com`, `x.eu-west-1.aoss.amazonaws.com`,
//! `s3.eu-west-1.amazonaws.com`).
//!
//! The payload is always hashed into `x-amz-content-sha256`: Serverless and S3 require the
//! header, and a signed hash stops a proxy from swapping the body.
//!
//! Paths: S3 signs the object key URI-encoded once; every other service signs each path segment
//! of the (already encoded) request path encoded once more. [`Signer::sign`] applies the rule of
//! its service to the URL exactly as it goes on the wire.
//!
//! Secrets never appear in errors or `Debug` output.

use bytes::Bytes;
use reqsign_aws_v4::{AssumeRoleCredentialProvider, Credential, DefaultCredentialProvider, RequestSigner, StaticCredentialProvider};
use reqsign_core::{Context, OsEnv, ProvideCredentialChain};
use sha2::{Digest, Sha256};

/// Where the credentials come from.
#[derive(Clone)]
pub enum Credentials {
    /// The standard AWS chain (environment, shared files, SSO, web identity, ECS, EC2), with the
    /// shared files' `profile` when given (else `AWS_PROFILE`, else `default`).
    Chain { profile: Option<String> },
    /// Fixed keys, with a session token for temporary ones.
    Static { access_key_id: String, secret_access_key: String, session_token: Option<String> },
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials::Chain { profile: None }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hand-written so a secret can never reach a log through `{:?}`.
        match self {
            Credentials::Chain { profile } => f.debug_struct("Chain").field("profile", profile).finish(),
            Credentials::Static { access_key_id, session_token, .. } => f
                .debug_struct("Static")
                .field("access_key_id", access_key_id)
                .field("secret_access_key", &"<redacted>")
                .field("session_token", &session_token.as_ref().map(|_| "<redacted>"))
                .finish(),
        }
    }
}

/// What to sign for and with what.
#[derive(Clone, Debug)]
pub struct Config {
    /// The signing name of the service: `es`, `aoss`, `s3`, ...
    pub service: String,
    /// `None`: `AWS_REGION`, `AWS_DEFAULT_REGION`, else the endpoint's host name.
    pub region: Option<String>,
    pub credentials: Credentials,
    /// Assume this role (STS `AssumeRole`, regional endpoint) with `credentials` as the source.
    pub role_arn: Option<String>,
}

impl Config {
    /// The standard chain and the default region rules for `service`.
    pub fn new(service: &str) -> Config {
        Config { service: service.to_owned(), region: None, credentials: Credentials::default(), role_arn: None }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no region for {host}: pass --region or set AWS_REGION")]
    NoRegion { host: String },
    /// Loading the credentials (or signing with them) failed.
    #[error("{0}")]
    Credentials(String),
    #[error("cannot sign a request to {host}: {detail}")]
    InvalidRequest { host: String, detail: String },
}

/// Signs requests for one service and region; credentials are loaded on first use and cached
/// (refreshed before they expire).
pub struct Signer {
    signer: reqsign_core::Signer<Credential>,
    region: String,
    service: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("service", &self.service).field("region", &self.region).finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for requests to `host` (used to find the region when none is configured).
    /// `http` carries the credential requests (instance metadata, containers, STS, SSO).
    pub fn new(config: &Config, host: &str, http: reqwest::Client) -> Result<Signer, Error> {
        let region = config
            .region
            .clone()
            .filter(|r| !r.is_empty())
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| region_from_host(host))
            .ok_or_else(|| Error::NoRegion { host: host.to_owned() })?;
        let ctx = Context::new().with_file_read(reqsign_file_read_tokio::TokioFileRead).with_http_send(HttpSend(http)).with_env(OsEnv);
        let mut provider = match &config.credentials {
            Credentials::Chain { profile } => {
                let mut b = DefaultCredentialProvider::builder();
                if let Some(p) = profile.as_deref().filter(|p| !p.is_empty()) {
                    b = b.with_profile(p);
                }
                ProvideCredentialChain::new().push(b.build())
            }
            Credentials::Static { access_key_id, secret_access_key, session_token } => {
                let mut p = StaticCredentialProvider::new(access_key_id, secret_access_key);
                if let Some(t) = session_token {
                    p = p.with_session_token(t);
                }
                ProvideCredentialChain::new().push(p)
            }
        };
        if let Some(arn) = config.role_arn.as_deref().filter(|a| !a.is_empty()) {
            let sts = reqsign_core::Signer::new(ctx.clone(), provider, RequestSigner::new("sts", &region));
            let assume = AssumeRoleCredentialProvider::new(arn.to_owned(), sts).with_region(region.clone()).with_regional_sts_endpoint();
            provider = ProvideCredentialChain::new().push(assume);
        }
        let signer = reqsign_core::Signer::new(ctx, provider, RequestSigner::new(&config.service, &region));
        Ok(Signer { signer, region, service: config.service.clone() })
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// Add `x-amz-date`, `x-amz-content-sha256`, the session token and `Authorization` to the
    /// headers of a request to `url` (exactly as it goes on the wire: path and query
    /// percent-encoded once) whose body is `body` (exactly the bytes that will be sent).
    pub async fn sign(&self, method: &http::Method, url: &url::Url, headers: &mut http::HeaderMap, body: &[u8]) -> Result<(), Error> {
        let mut signed_url = url.clone();
        if self.service != "s3" {
            // AWS services other than S3 sign each path segment URI-encoded twice; reqsign
            // applies the S3 rule (decode, encode once), so it is handed the path encoded once more.
            let twice: Vec<String> = url.path().split('/').map(encode_segment).collect();
            signed_url.set_path(&twice.join("/"));
        }
        let host = url.host_str().unwrap_or_default().to_owned();
        let mut parts = http::Request::builder()
            .method(method.clone())
            .uri(signed_url.as_str())
            .body(())
            .map_err(|e| Error::InvalidRequest { host: host.clone(), detail: e.to_string() })?
            .into_parts()
            .0;
        parts.headers = std::mem::take(headers);
        let hash = hex::encode(Sha256::digest(body));
        parts.headers.insert("x-amz-content-sha256", http::HeaderValue::from_str(&hash).expect("hex is a valid header value"));
        let result = self.signer.sign(&mut parts, None).await.map_err(|e| Error::Credentials(e.to_string()));
        *headers = parts.headers;
        result
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// One path segment, every byte but the unreserved ones percent-encoded.
fn encode_segment(s: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// `…​.<region>.es.amazonaws.com`, `…​.<region>.aoss.amazonaws.com`, `[bucket.]s3.<region>.amazonaws.com`.
pub fn region_from_host(host: &str) -> Option<String> {
    let host = host.split(':').next()?;
    let labels: Vec<&str> = host.split('.').collect();
    let aws = labels.iter().position(|l| *l == "amazonaws")?;
    match aws.checked_sub(2).map(|i| (labels[i], labels[i + 1])) {
        Some((region, "es" | "aoss")) => Some(region.to_owned()),
        Some(("s3", region)) if region != "dualstack" => Some(region.to_owned()),
        _ => None,
    }
}

/// reqsign fetches instance, container and STS credentials through this.
#[derive(Debug)]
struct HttpSend(reqwest::Client);

impl reqsign_core::HttpSend for HttpSend {
    async fn http_send(&self, req: http::Request<Bytes>) -> reqsign_core::Result<http::Response<Bytes>> {
        let (parts, body) = req.into_parts();
        let url = parts.uri.to_string();
        let resp = self
            .0
            .request(parts.method, &url)
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            .map_err(|e| reqsign_core::Error::unexpected(format!("credential request to {} failed", host_of(&url))).with_source(e))?;
        let mut out = http::Response::builder().status(resp.status());
        for (k, v) in resp.headers() {
            out = out.header(k, v);
        }
        let body = resp.bytes().await.map_err(|e| reqsign_core::Error::unexpected("credential response body").with_source(e))?;
        out.body(body).map_err(|e| reqsign_core::Error::unexpected("credential response").with_source(e))
    }
}

/// The host of a URL, for messages that must not carry query strings (they can hold tokens).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn static_config(service: &str) -> Config {
        Config {
            service: service.into(),
            region: Some("us-east-1".into()),
            credentials: Credentials::Static {
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
                session_token: Some("tok3n-secret".into()),
            },
            role_arn: None,
        }
    }

    #[test]
    fn regions_from_aws_endpoints() {
        assert_eq!(region_from_host("search-logs-abc.eu-west-1.es.amazonaws.com:443").as_deref(), Some("eu-west-1"));
        assert_eq!(region_from_host("abc123.us-east-2.aoss.amazonaws.com").as_deref(), Some("us-east-2"));
        assert_eq!(region_from_host("s3.ap-south-1.amazonaws.com").as_deref(), Some("ap-south-1"));
        assert_eq!(region_from_host("bucket.s3.ap-south-1.amazonaws.com").as_deref(), Some("ap-south-1"));
        assert_eq!(region_from_host("s3.amazonaws.com"), None);
        assert_eq!(region_from_host("localhost:9200"), None);
        assert_eq!(host_of("http://169.254.169.254/latest/api/token?x=1"), "169.254.169.254");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = static_config("s3");
        let d = format!("{c:?}");
        assert!(d.contains("AKIDEXAMPLE") && !d.contains("wJalr") && !d.contains("tok3n"), "{d}");
        let s = Signer::new(&c, "h", reqwest::Client::new()).unwrap();
        let d = format!("{s:?}");
        assert!(d.contains("us-east-1") && d.contains("s3") && !d.contains("wJalr") && !d.contains("tok3n"), "{d}");
    }

    /// The canonical path each service signs, read back from a signature computed here by hand.
    #[tokio::test]
    async fn s3_signs_the_path_once_other_services_twice() {
        let url = url::Url::parse("http://127.0.0.1:9000/bucket/a%20b/c%2Fd?uploads&prefix=repo%2F").unwrap();
        for (service, path) in [("s3", "/bucket/a%20b/c%2Fd"), ("es", "/bucket/a%2520b/c%252Fd")] {
            let signer = Signer::new(&static_config(service), "127.0.0.1", reqwest::Client::new()).unwrap();
            let mut headers = http::HeaderMap::new();
            signer.sign(&http::Method::GET, &url, &mut headers, b"").await.unwrap();
            let date = headers["x-amz-date"].to_str().unwrap().to_owned();
            let auth = headers["authorization"].to_str().unwrap().to_owned();
            assert_eq!(headers["x-amz-content-sha256"], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
            assert_eq!(headers["x-amz-security-token"], "tok3n-secret");
            assert!(auth.contains(&format!("/us-east-1/{service}/aws4_request")), "{auth}");
            let signed = auth.split("SignedHeaders=").nth(1).unwrap().split(',').next().unwrap();
            assert_eq!(signed, "host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
            let canonical = format!(
                "GET\n{path}\nprefix=repo%2F&uploads=\nhost:127.0.0.1:9000\nx-amz-content-sha256:{}\nx-amz-date:{date}\nx-amz-security-token:tok3n-secret\n\n{signed}\n{}",
                headers["x-amz-content-sha256"].to_str().unwrap(),
                headers["x-amz-content-sha256"].to_str().unwrap()
            );
            let expected = signature(&canonical, &date, service);
            assert!(auth.ends_with(&format!("Signature={expected}")), "{service}: {auth}");
        }
    }

    fn signature(canonical: &str, date: &str, service: &str) -> String {
        use reqsign_core::hash::{hex_hmac_sha256, hex_sha256, hmac_sha256};
        let day = &date[..8];
        let scope = format!("{day}/us-east-1/{service}/aws4_request");
        let to_sign = format!("AWS4-HMAC-SHA256\n{date}\n{scope}\n{}", hex_sha256(canonical.as_bytes()));
        let mut key = hmac_sha256(b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", day.as_bytes());
        for part in ["us-east-1", service, "aws4_request"] {
            key = hmac_sha256(&key, part.as_bytes());
        }
        hex_hmac_sha256(&key, to_sign.as_bytes())
    }
}
