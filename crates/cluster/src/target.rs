//! A cluster's address and credentials.

use std::fmt;

use percent_encoding::percent_decode_str;
use url::Url;

use crate::Error;

/// A credential that never appears in `Debug` or `Display` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for building the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigV4Service {
    /// Amazon OpenSearch Service / Elasticsearch Service domains.
    Es,
    /// Amazon OpenSearch Serverless collections.
    Aoss,
}

impl SigV4Service {
    /// The name requests are signed for.
    pub fn signing_name(self) -> &'static str {
        match self {
            SigV4Service::Es => "es",
            SigV4Service::Aoss => "aoss",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    Basic { user: String, password: Secret },
    /// `Authorization: ApiKey <base64(id:key)>` — the encoded form Elasticsearch hands out.
    ApiKey(Secret),
    Bearer(Secret),
    /// AWS Signature V4 with `keys`, else credentials from the standard AWS chain (`profile`: a
    /// named profile of the shared config files instead of AWS_PROFILE).
    SigV4 { region: Option<String>, service: SigV4Service, profile: Option<String>, keys: Option<AwsKeys> },
}

/// Fixed AWS keys for SigV4 (a configuration file's, where the standard chain is not wanted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsKeys {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// Authentication given as flags (or their environment variables).
#[derive(Debug, Clone, Default)]
pub struct AuthFlags {
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub api_key: Option<Secret>,
    pub bearer: Option<Secret>,
    pub aws_sigv4: bool,
    pub region: Option<String>,
    pub service: Option<SigV4Service>,
    /// SigV4: a named AWS profile (default: AWS_PROFILE, then `default`).
    pub profile: Option<String>,
    /// SigV4: fixed keys instead of the credential chain.
    pub aws_keys: Option<AwsKeys>,
}

/// A cluster to talk to: its base URL (credentials removed) and how to authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    base: Url,
    pub auth: Auth,
}

impl Target {
    /// Parse `http(s)://[user:pass@]host[:port][/prefix]` and the auth flags. Credentials may come
    /// from the URL or from flags, not both; exactly one authentication scheme may be chosen.
    pub fn parse(input: &str, flags: &AuthFlags) -> Result<Target, Error> {
        let invalid = |reason: &str| Error::InvalidUrl { url: redact(input), reason: reason.to_owned() };
        let mut base = Url::parse(input).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        if base.host_str().is_none_or(str::is_empty) {
            return Err(invalid("no host"));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(invalid("query strings and fragments are not allowed"));
        }
        let url_user = (!base.username().is_empty()).then(|| decode(base.username()));
        let url_password = base.password().map(|p| Secret::new(decode(p)));
        base.set_username("").map_err(|_| invalid("cannot remove the user name"))?;
        base.set_password(None).map_err(|_| invalid("cannot remove the password"))?;
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }

        let mut schemes = Vec::new();
        if url_user.is_some() || flags.user.is_some() {
            schemes.push("basic");
        }
        if flags.api_key.is_some() {
            schemes.push("api key");
        }
        if flags.bearer.is_some() {
            schemes.push("bearer token");
        }
        if flags.aws_sigv4 {
            schemes.push("AWS SigV4");
        }
        if schemes.len() > 1 {
            return Err(invalid(&format!("choose one way to authenticate, not {}", schemes.join(" and "))));
        }
        if url_user.is_some() && flags.user.is_some() {
            return Err(invalid("the user is given both in the URL and as a flag"));
        }
        if !flags.aws_sigv4 && (flags.region.is_some() || flags.service.is_some()) {
            return Err(invalid("--region and --service apply to --aws-sigv4 only"));
        }
        let auth = if let Some(user) = url_user.or(flags.user.clone()) {
            let password = url_password.or(flags.password.clone()).ok_or_else(|| invalid(&format!("user `{user}` has no password (give it in the URL or as a flag)")))?;
            Auth::Basic { user, password }
        } else if let Some(k) = &flags.api_key {
            Auth::ApiKey(k.clone())
        } else if let Some(t) = &flags.bearer {
            Auth::Bearer(t.clone())
        } else if flags.aws_sigv4 {
            Auth::SigV4 { region: flags.region.clone(), service: flags.service.unwrap_or(SigV4Service::Es), profile: flags.profile.clone(), keys: flags.aws_keys.clone() }
        } else {
            if url_password.is_some() || flags.password.is_some() {
                return Err(invalid("a password without a user"));
            }
            Auth::None
        };
        Ok(Target { base, auth })
    }

    /// The URL of `path` (no leading slash) on this cluster.
    pub fn url(&self, path: &str) -> Url {
        self.base.join(path.trim_start_matches('/')).expect("a relative path joins onto an http URL")
    }

    /// `host:port`, for messages.
    pub fn host(&self) -> String {
        let host = self.base.host_str().unwrap_or_default();
        match self.base.port_or_known_default() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_owned(),
        }
    }
}

impl fmt::Display for Target {
    /// The URL without credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base.as_str().trim_end_matches('/'))
    }
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The input with any `user:password@` removed, for error messages.
fn redact(input: &str) -> String {
    match (input.find("://"), input.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &input[..s], &input[at + 1..]),
        _ => input.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_out_of_the_url() {
        let t = Target::parse("https://elastic:p%40ss@search.example.com:9200", &AuthFlags::default()).unwrap();
        assert_eq!(t.auth, Auth::Basic { user: "elastic".into(), password: Secret::new("p@ss") });
        assert_eq!(t.to_string(), "https://search.example.com:9200");
        assert_eq!(t.url("_bulk").as_str(), "https://search.example.com:9200/_bulk");
        assert_eq!(t.host(), "search.example.com:9200");
        assert!(!format!("{t:?}").contains("p@ss"), "secrets never print");
        let t = Target::parse("http://127.0.0.1:9200/proxy/es", &AuthFlags::default()).unwrap();
        assert_eq!(t.url("/idx/_count").as_str(), "http://127.0.0.1:9200/proxy/es/idx/_count");
        assert_eq!(Target::parse("https://vpc-x.us-east-1.es.amazonaws.com", &AuthFlags::default()).unwrap().host(), "vpc-x.us-east-1.es.amazonaws.com:443");
    }

    #[test]
    fn flags_choose_one_scheme() {
        let flags = AuthFlags { aws_sigv4: true, region: Some("eu-west-1".into()), service: Some(SigV4Service::Aoss), ..Default::default() };
        let t = Target::parse("https://abc.eu-west-1.aoss.amazonaws.com", &flags).unwrap();
        assert_eq!(t.auth, Auth::SigV4 { region: Some("eu-west-1".into()), service: SigV4Service::Aoss, profile: None, keys: None });
        let flags = AuthFlags { user: Some("u".into()), password: Some(Secret::new("pw")), ..Default::default() };
        assert!(matches!(Target::parse("http://h:9200", &flags).unwrap().auth, Auth::Basic { .. }));
        let flags = AuthFlags { api_key: Some(Secret::new("k")), aws_sigv4: true, ..Default::default() };
        let e = Target::parse("http://user:secretpw@h:9200", &flags).unwrap_err().to_string();
        assert!(e.contains("choose one way to authenticate"), "{e}");
        assert!(!e.contains("secretpw"), "the password is redacted from errors: {e}");
    }

    #[test]
    fn bad_targets_are_usage_errors() {
        for (url, why) in [
            ("ftp://h", "scheme"),
            ("not a url", "relative URL"),
            ("http://user@h:9200", "has no password"),
            ("http://h:9200/?x=1", "query strings"),
        ] {
            let e = Target::parse(url, &AuthFlags::default()).unwrap_err().to_string();
            assert!(e.contains(why), "{url}: {e}");
        }
        let flags = AuthFlags { region: Some("r".into()), ..Default::default() };
        assert!(Target::parse("http://h", &flags).unwrap_err().to_string().contains("--aws-sigv4 only"));
    }
}
