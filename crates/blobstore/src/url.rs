//! Repository URLs: which backend, which bucket, which prefix, and per-URL settings.
//!
//! Accepted forms:
//! - a plain path or `file:///abs/path` — a local folder;
//! - `s3://bucket[/prefix][?endpoint=URL&region=R&path_style=true|false&profile=P&anonymous=true]`;
//! - `oss://bucket[/prefix]?endpoint=oss-cn-hangzhou.aliyuncs.com` (Alibaba Cloud OSS);
//! - `cos://bucket[/prefix]?endpoint=cos.ap-guangzhou.myqcloud.com` (Tencent COS);
//! - `gs://bucket[/prefix]` or `gcs://…` (`credential_path=`, `endpoint=`);
//! - `azblob://container[/prefix]?account=NAME[&endpoint=URL]`;
//! - `memory://` — an in-process store, for tests.
//!
//! Query parameters override the environment and command-line flags for that one URL, so a copy's
//! source and destination can point at different endpoints and regions. Secrets are never taken
//! from a URL: a URL ends up in shell history, process listings and logs. Credentials come from the
//! standard environment variables, profiles, or flags.

use std::collections::BTreeMap;
use std::fmt;

use crate::Error;

/// The storage service behind a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Fs,
    S3,
    Oss,
    Cos,
    Gcs,
    Azblob,
    Memory,
}

impl Backend {
    pub fn scheme(self) -> &'static str {
        match self {
            Backend::Fs => "file",
            Backend::S3 => "s3",
            Backend::Oss => "oss",
            Backend::Cos => "cos",
            Backend::Gcs => "gs",
            Backend::Azblob => "azblob",
            Backend::Memory => "memory",
        }
    }

    /// Query parameters this backend understands; anything else is a usage error, so a typo such
    /// as `?regoin=` is reported instead of silently ignored.
    fn known_params(self) -> &'static [&'static str] {
        match self {
            Backend::Fs | Backend::Memory => &[],
            Backend::S3 => &["endpoint", "region", "path_style", "profile", "anonymous", "role_arn"],
            Backend::Oss => &["endpoint", "anonymous"],
            Backend::Cos => &["endpoint"],
            Backend::Gcs => &["endpoint", "credential_path", "anonymous"],
            Backend::Azblob => &["endpoint", "account"],
        }
    }
}

/// A parsed repository URL. `Display` shows it without its query string, which is how every error
/// and progress line names a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreUrl {
    pub backend: Backend,
    /// Bucket or container; empty for local and memory stores.
    pub bucket: String,
    /// Path inside the bucket (object stores, no leading or trailing `/`), or the local folder.
    pub root: String,
    pub params: BTreeMap<String, String>,
}

impl StoreUrl {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidUrl { url: redact(input), reason };
        let Some((scheme, rest)) = input.split_once("://") else {
            if input.is_empty() {
                return Err(invalid("empty location".into()));
            }
            return Ok(StoreUrl::local(input));
        };
        let backend = match scheme.to_ascii_lowercase().as_str() {
            "file" => Backend::Fs,
            "s3" => Backend::S3,
            "oss" => Backend::Oss,
            "cos" => Backend::Cos,
            "gs" | "gcs" => Backend::Gcs,
            "azblob" | "az" => Backend::Azblob,
            "memory" => Backend::Memory,
            other => {
                return Err(invalid(format!(
                    "unknown scheme `{other}`; use a path, file://, s3://, oss://, cos://, gs://, azblob:// or memory://"
                )))
            }
        };
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let mut params = BTreeMap::new();
        if let Some(q) = query {
            for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                let k = k.into_owned();
                if !backend.known_params().contains(&k.as_str()) {
                    let known = backend.known_params().join(", ");
                    return Err(invalid(format!(
                        "unknown parameter `{k}` for {}:// (known: {})",
                        backend.scheme(),
                        if known.is_empty() { "none" } else { &known }
                    )));
                }
                params.insert(k, v.into_owned());
            }
        }
        match backend {
            Backend::Fs => {
                if path.is_empty() {
                    return Err(invalid("file:// needs a path".into()));
                }
                Ok(StoreUrl { backend, bucket: String::new(), root: path.to_string(), params })
            }
            Backend::Memory => Ok(StoreUrl {
                backend,
                bucket: String::new(),
                root: path.trim_matches('/').to_string(),
                params,
            }),
            _ => {
                let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
                if bucket.is_empty() {
                    return Err(invalid(format!("{}:// needs a bucket name", backend.scheme())));
                }
                Ok(StoreUrl {
                    backend,
                    bucket: bucket.to_string(),
                    root: prefix.trim_matches('/').to_string(),
                    params,
                })
            }
        }
    }

    fn local(path: &str) -> Self {
        StoreUrl { backend: Backend::Fs, bucket: String::new(), root: path.to_string(), params: BTreeMap::new() }
    }

    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(String::as_str)
    }

    /// Boolean query parameter: `true/false/1/0/yes/no`.
    pub fn flag(&self, key: &str) -> Result<Option<bool>, Error> {
        match self.param(key) {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "" => Ok(Some(true)),
                "false" | "0" | "no" => Ok(Some(false)),
                other => Err(Error::InvalidUrl {
                    url: self.to_string(),
                    reason: format!("`{key}` must be true or false, not `{other}`"),
                }),
            },
        }
    }

    /// The display name of an object under this URL.
    pub fn location_of(&self, path: &str) -> String {
        let base = self.to_string();
        if path.is_empty() {
            base
        } else if base.ends_with('/') {
            format!("{base}{path}")
        } else {
            format!("{base}/{path}")
        }
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.backend {
            Backend::Fs => f.write_str(&self.root),
            _ => {
                write!(f, "{}://{}", self.backend.scheme(), self.bucket)?;
                if !self.root.is_empty() {
                    write!(f, "/{}", self.root)?;
                }
                Ok(())
            }
        }
    }
}

/// Strip a query string and any `user:pass@` from a URL before it is shown anywhere.
pub(crate) fn redact(input: &str) -> String {
    let no_query = input.split('?').next().unwrap_or(input);
    let Some((scheme, rest)) = no_query.split_once("://") else { return no_query.to_string() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => no_query.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_path_is_local() {
        let u = StoreUrl::parse("../shared/fixtures/snapshots/ES_7_10_Single").unwrap();
        assert_eq!(u.backend, Backend::Fs);
        assert_eq!(u.root, "../shared/fixtures/snapshots/ES_7_10_Single");
        assert_eq!(u.to_string(), "../shared/fixtures/snapshots/ES_7_10_Single");
    }

    #[test]
    fn file_url() {
        let u = StoreUrl::parse("file:///var/backups/es").unwrap();
        assert_eq!(u.backend, Backend::Fs);
        assert_eq!(u.root, "/var/backups/es");
    }

    #[test]
    fn s3_with_query() {
        let u = StoreUrl::parse("s3://my-bucket/es/repo/?endpoint=http://127.0.0.1:9000&region=eu-west-1&path_style=true")
            .unwrap();
        assert_eq!(u.backend, Backend::S3);
        assert_eq!(u.bucket, "my-bucket");
        assert_eq!(u.root, "es/repo");
        assert_eq!(u.param("endpoint"), Some("http://127.0.0.1:9000"));
        assert_eq!(u.param("region"), Some("eu-west-1"));
        assert_eq!(u.flag("path_style").unwrap(), Some(true));
        assert_eq!(u.to_string(), "s3://my-bucket/es/repo");
        assert_eq!(u.location_of("index-3"), "s3://my-bucket/es/repo/index-3");
    }

    #[test]
    fn bucket_only() {
        let u = StoreUrl::parse("oss://snapshots?endpoint=oss-cn-hangzhou.aliyuncs.com").unwrap();
        assert_eq!(u.backend, Backend::Oss);
        assert_eq!(u.bucket, "snapshots");
        assert_eq!(u.root, "");
        assert_eq!(u.location_of("index.latest"), "oss://snapshots/index.latest");
    }

    #[test]
    fn every_scheme_parses() {
        for (url, backend) in [
            ("cos://b-1250000000/p", Backend::Cos),
            ("gs://b/p", Backend::Gcs),
            ("gcs://b/p", Backend::Gcs),
            ("azblob://container/p?account=acct", Backend::Azblob),
            ("memory://", Backend::Memory),
        ] {
            assert_eq!(StoreUrl::parse(url).unwrap().backend, backend, "{url}");
        }
    }

    #[test]
    fn rejects_unknown_scheme_param_and_missing_bucket() {
        let e = StoreUrl::parse("ftp://host/x").unwrap_err().to_string();
        assert!(e.contains("unknown scheme `ftp`"), "{e}");
        let e = StoreUrl::parse("s3://b/p?regoin=x").unwrap_err().to_string();
        assert!(e.contains("unknown parameter `regoin`"), "{e}");
        let e = StoreUrl::parse("s3:///p").unwrap_err().to_string();
        assert!(e.contains("needs a bucket"), "{e}");
        let e = StoreUrl::parse("s3://b?path_style=maybe").unwrap().flag("path_style").unwrap_err().to_string();
        assert!(e.contains("must be true or false"), "{e}");
    }

    #[test]
    fn secrets_are_not_accepted_in_urls() {
        let e = StoreUrl::parse("s3://b/p?secret_access_key=hunter2").unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("unknown parameter `secret_access_key`"), "{e}");
    }

    #[test]
    fn redact_strips_userinfo_and_query() {
        assert_eq!(redact("s3://AK:SK@b/p?x=1"), "s3://b/p");
        assert_eq!(redact("s3://b/p?secret=1"), "s3://b/p");
    }
}
