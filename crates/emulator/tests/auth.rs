//! Authentication: ES security 401s (facts §3.3), OpenSearch security plugin 401s (§3.4),
//! API keys / bearer tokens, and SigV4 over the wire.

mod common;

use base64::Engine;
use common::{compact, req};
use emulator::sigv4::{self, SigV4Credentials, SignedRequest};
use emulator::{Auth, Config, Emulator, Personality};
use serde_json::json;
use sha2::{Digest, Sha256};

fn basic(user: &str, pw: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}")))
}

fn start_basic(p: Personality) -> Emulator {
    let mut c = Config::new(p);
    c.auth = Auth::Basic { user: "elastic".into(), password: "changeme".into() };
    Emulator::start(c).unwrap()
}

#[test]
fn elasticsearch_basic_auth_bodies() {
    // 6.8: "token" wording, single challenge string.
    let emu = start_basic(Personality::Es6_8);
    let r = req(emu.port(), "GET", "/_cluster/health?pretty=false", &[], b"");
    assert_eq!(r.status, 401);
    assert_eq!(
        r.compact(),
        compact(r#"{"error":{"root_cause":[{"type":"security_exception","reason":"missing authentication token for REST request [/_cluster/health?pretty=false]","header":{"WWW-Authenticate":"Basic realm=\"security\" charset=\"UTF-8\""}}],"type":"security_exception","reason":"missing authentication token for REST request [/_cluster/health?pretty=false]","header":{"WWW-Authenticate":"Basic realm=\"security\" charset=\"UTF-8\""}},"status":401}"#)
    );
    assert_eq!(r.headers_named("www-authenticate"), ["Basic realm=\"security\" charset=\"UTF-8\""]);

    // 7.x: "credentials" wording; wrong password names the user.
    let emu = start_basic(Personality::Es7_10);
    let r = req(emu.port(), "GET", "/", &[], b"");
    assert_eq!(r.json()["error"]["reason"], json!("missing authentication credentials for REST request [/]"));
    let r = req(emu.port(), "GET", "/", &[("authorization", &basic("elastic", "wrong"))], b"");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["reason"], json!("unable to authenticate user [elastic] for REST request [/]"));
    let r = req(emu.port(), "GET", "/", &[("authorization", &basic("elastic", "changeme"))], b"");
    assert_eq!(r.status, 200);
    assert_eq!(emu.stats().auth_failures, 2);
    // Unknown routes are rejected before authentication.
    assert_eq!(req(emu.port(), "GET", "/_nope", &[], b"").status, 400);
    // Control endpoints need no credentials.
    assert_eq!(req(emu.port(), "GET", "/_emulator/stats", &[], b"").status, 200);

    // 8.15: three challenges, the comma form, no X-elastic-product on the 401.
    let emu = start_basic(Personality::Es8);
    let r = req(emu.port(), "GET", "/", &[], b"");
    assert_eq!(
        r.compact(),
        compact(r#"{"error":{"root_cause":[{"type":"security_exception","reason":"missing authentication credentials for REST request [/]","header":{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","Bearer realm=\"security\"","ApiKey"]}}],"type":"security_exception","reason":"missing authentication credentials for REST request [/]","header":{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","Bearer realm=\"security\"","ApiKey"]}},"status":401}"#)
    );
    assert_eq!(r.headers_named("www-authenticate"), ["Basic realm=\"security\", charset=\"UTF-8\"", "Bearer realm=\"security\"", "ApiKey"]);
    assert_eq!(r.header("x-elastic-product"), None);
    let ok = req(emu.port(), "GET", "/", &[("authorization", &basic("elastic", "changeme"))], b"");
    assert_eq!(ok.header("x-elastic-product"), Some("Elasticsearch"));
}

#[test]
fn opensearch_security_plugin_401() {
    let emu = start_basic(Personality::Os1_3);
    let r = req(emu.port(), "GET", "/", &[], b"");
    assert_eq!((r.status, r.text()), (401, "Unauthorized".to_string()));
    assert_eq!(r.header("www-authenticate"), Some("Basic realm=\"OpenSearch Security\""));
    let emu = start_basic(Personality::Os2);
    let r = req(emu.port(), "GET", "/", &[], b"");
    assert_eq!((r.status, r.text()), (401, String::new()));
    assert_eq!(r.header("www-authenticate"), Some("Basic realm=\"OpenSearch Security\""));
    assert_eq!(req(emu.port(), "GET", "/", &[("authorization", &basic("elastic", "changeme"))], b"").status, 200);
}

#[test]
fn api_keys_and_bearer_tokens() {
    let mut c = Config::new(Personality::Es8);
    c.auth = Auth::ApiKey { id: "VuaCfGcBCdbkQm-e5aOx".into(), key: "ui2lp2axTNmsyakw9tvNnw".into() };
    let emu = Emulator::start(c.clone()).unwrap();
    let good = format!("ApiKey {}", base64::engine::general_purpose::STANDARD.encode("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw"));
    assert_eq!(req(emu.port(), "GET", "/", &[("authorization", &good)], b"").status, 200);
    let r = req(emu.port(), "GET", "/", &[("authorization", "ApiKey bm9wZTpub3Bl")], b"");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["type"], json!("security_exception"));
    // OpenSearch has no API keys.
    c.personality = Personality::Os2;
    let emu = Emulator::start(c).unwrap();
    assert_eq!(req(emu.port(), "GET", "/", &[("authorization", &good)], b"").status, 401);

    let mut c = Config::new(Personality::Es9);
    c.auth = Auth::Bearer { token: "dGhpcyBpcyBub3Q".into() };
    let emu = Emulator::start(c).unwrap();
    assert_eq!(req(emu.port(), "GET", "/", &[("authorization", "Bearer dGhpcyBpcyBub3Q")], b"").status, 200);
    assert_eq!(req(emu.port(), "GET", "/", &[("authorization", "Bearer other")], b"").status, 401);
}

fn creds() -> SigV4Credentials {
    SigV4Credentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        session_token: Some("session-token".into()),
        region: "eu-west-1".into(),
        service: "es".into(),
    }
}

/// Sign like an AWS SDK would: host, x-amz-date, x-amz-content-sha256, x-amz-security-token.
fn signed_headers(method: &str, path: &str, query: Option<&str>, body: &[u8], content_type: Option<&str>) -> Vec<(String, String)> {
    let mut h = http::HeaderMap::new();
    h.insert("host", "127.0.0.1".parse().unwrap());
    h.insert("x-amz-date", sigv4::amz_date(std::time::SystemTime::now()).parse().unwrap());
    h.insert("x-amz-content-sha256", hex::encode(Sha256::digest(body)).parse().unwrap());
    h.insert("x-amz-security-token", "session-token".parse().unwrap());
    let mut names = vec!["host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"];
    if let Some(ct) = content_type {
        h.insert("content-type", ct.parse().unwrap());
        names.insert(0, "content-type");
    }
    let probe = SignedRequest { method, raw_path: path, raw_query: query, headers: &h, body };
    let auth = sigv4::authorization(&probe, &creds(), &names, &hex::encode(Sha256::digest(body))).unwrap();
    let mut out: Vec<(String, String)> =
        h.iter().filter(|(k, _)| k.as_str() != "host").map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string())).collect();
    out.push(("authorization".into(), auth));
    out
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn sigv4_over_http() {
    let c = creds();
    let mut config = Config::new(Personality::Os2);
    config.auth = Auth::SigV4 {
        access_key_id: c.access_key_id,
        secret_access_key: c.secret_access_key,
        session_token: c.session_token,
        region: c.region,
        service: c.service,
    };
    let emu = Emulator::start(config).unwrap();
    let p = emu.port();

    let h = signed_headers("GET", "/", None, b"", None);
    assert_eq!(req(p, "GET", "/", &as_refs(&h), b"").status, 200);

    let body = b"{\"index\":{\"_index\":\"s\",\"_id\":\"1\"}}\n{\"a\":1}\n";
    let h = signed_headers("POST", "/_bulk", Some("refresh=true&filter_path=errors"), body, Some("application/x-ndjson"));
    let r = req(p, "POST", "/_bulk?refresh=true&filter_path=errors", &as_refs(&h), body);
    assert_eq!((r.status, r.text()), (200, r#"{"errors":false}"#.to_string()));

    // Tampered body (signed hash no longer matches) and tampered query.
    let tampered = b"{\"index\":{\"_index\":\"s\",\"_id\":\"2\"}}\n{\"a\":1}\n";
    let r = req(p, "POST", "/_bulk?refresh=true&filter_path=errors", &as_refs(&h), tampered);
    assert_eq!(r.status, 403);
    assert_eq!(
        r.compact(),
        compact(r#"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}"#)
    );
    assert_eq!(r.header("x-amzn-errortype"), Some("InvalidSignatureException"));
    let r = req(p, "POST", "/_bulk?refresh=false&filter_path=errors", &as_refs(&h), body);
    assert_eq!(r.status, 403);
    assert_eq!(emu.documents("s").len(), 1);

    let r = req(p, "GET", "/", &[], b"");
    assert_eq!((r.status, r.compact()), (403, compact(r#"{"message":"Missing Authentication Token"}"#)));
    let mut h = signed_headers("GET", "/", None, b"", None);
    for (k, v) in h.iter_mut() {
        if k == "authorization" {
            *v = v.replace("AKIDEXAMPLE", "AKIDOTHER");
        }
    }
    let r = req(p, "GET", "/", &as_refs(&h), b"");
    assert_eq!((r.status, r.compact()), (403, compact(r#"{"message":"The security token included in the request is invalid."}"#)));

    // A path with a percent-escape is double-encoded in the canonical URI (non-S3 rule).
    let h = signed_headers("PUT", "/s/_doc/a%2Fb", None, b"{}", Some("application/json"));
    let r = req(p, "PUT", "/s/_doc/a%2Fb", &as_refs(&h), b"{}");
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(emu.documents("s").iter().any(|d| d.id == "a/b"));

    // The payload hash is over the gzip bytes as sent.
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(b"{\"index\":{\"_index\":\"s\",\"_id\":\"3\"}}\n{}\n").unwrap();
    let gz = enc.finish().unwrap();
    let mut h = signed_headers("POST", "/_bulk", None, &gz, Some("application/x-ndjson"));
    h.push(("content-encoding".into(), "gzip".into()));
    assert_eq!(req(p, "POST", "/_bulk", &as_refs(&h), &gz).status, 200);
    assert_eq!(emu.stats().gzip_requests, 1);
}
