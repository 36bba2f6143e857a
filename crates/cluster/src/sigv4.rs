//! AWS Signature Version 4 for Amazon OpenSearch Service (`es`) and Serverless (`aoss`).
//!
//! Credentials come from the standard AWS chain (reqsign's default provider): the
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` variables, `AWS_PROFILE` and
//! the shared config/credentials files (including `role_arn` + `source_profile` assume-role
//! profiles and SSO), web identity, ECS and EC2 instance roles. The region comes from `--region`,
//! then `AWS_REGION`/`AWS_DEFAULT_REGION`, then the endpoint's own name
//! (`search-x.eu-west-1.es.amazonaws.com`).
//!
//! The payload is always hashed into `x-amz-content-sha256`: Serverless requires the header, and
//! a signed hash stops a proxy from swapping the body.

use bytes::Bytes;
use http::request::Parts;
use reqsign_aws_v4::{Credential, DefaultCredentialProvider, RequestSigner};
use reqsign_core::{Context, OsEnv, Signer};
use sha2::{Digest, Sha256};

use crate::{Error, SigV4Service};

pub(crate) struct AwsSigner {
    signer: Signer<Credential>,
    pub region: String,
}

impl std::fmt::Debug for AwsSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsSigner").field("region", &self.region).finish_non_exhaustive()
    }
}

impl AwsSigner {
    pub fn new(region: Option<&str>, service: SigV4Service, host: &str, http: reqwest::Client) -> Result<AwsSigner, Error> {
        let region = region
            .map(str::to_owned)
            .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok().filter(|r| !r.is_empty()))
            .or_else(|| region_from_host(host))
            .ok_or_else(|| Error::Credentials(format!("no region for {host}: pass --region or set AWS_REGION")))?;
        let service = match service {
            SigV4Service::Es => "es",
            SigV4Service::Aoss => "aoss",
        };
        let ctx = Context::new().with_file_read(reqsign_file_read_tokio::TokioFileRead).with_http_send(HttpSend(http)).with_env(OsEnv);
        let signer = Signer::new(ctx, DefaultCredentialProvider::new(), RequestSigner::new(service, &region));
        Ok(AwsSigner { signer, region })
    }

    /// Add `x-amz-date`, `x-amz-content-sha256`, the session token and `Authorization` to a
    /// request head whose body is `body` (exactly the bytes that will be sent).
    pub async fn sign(&self, parts: &mut Parts, body: &[u8]) -> Result<(), Error> {
        let hash = hex::encode(Sha256::digest(body));
        parts.headers.insert("x-amz-content-sha256", http::HeaderValue::from_str(&hash).expect("hex is a valid header value"));
        self.signer.sign(parts, None).await.map_err(|e| Error::Credentials(e.to_string()))
    }
}

/// `…​.<region>.es.amazonaws.com` / `…​.<region>.aoss.amazonaws.com`.
fn region_from_host(host: &str) -> Option<String> {
    let host = host.split(':').next()?;
    let labels: Vec<&str> = host.split('.').collect();
    let i = labels.iter().position(|l| *l == "es" || *l == "aoss")?;
    (i >= 1 && labels.get(i + 1) == Some(&"amazonaws")).then(|| labels[i - 1].to_owned())
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

    #[test]
    fn regions_from_aws_endpoints() {
        assert_eq!(region_from_host("search-logs-abc.eu-west-1.es.amazonaws.com:443").as_deref(), Some("eu-west-1"));
        assert_eq!(region_from_host("abc123.us-east-2.aoss.amazonaws.com").as_deref(), Some("us-east-2"));
        assert_eq!(region_from_host("localhost:9200"), None);
        assert_eq!(host_of("http://169.254.169.254/latest/api/token?x=1"), "169.254.169.254");
    }
}
