//! Where an S3 store is and how its requests are signed, resolved once from the URL's query
//! parameters, [`Options`] and the standard AWS environment variables. The opendal operator and
//! the multipart-upload requests opendal cannot make ([`crate::uploads`]) are both built from one
//! [`S3Settings`], so they always address the same bucket with the same credentials.

use opendal::{services, Operator};

use crate::{host_of, pick, Options, StoreUrl};

/// Environment variables naming the endpoint, in the order they are looked at (the last two are
/// the ones opendal itself would fall back to).
const ENDPOINT_ENVS: &[&str] = &["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT", "AWS_S3_ENDPOINT"];

#[derive(Clone)]
pub(crate) struct S3Settings {
    pub bucket: String,
    /// The store's prefix inside the bucket: no leading or trailing `/`, `""` for the whole bucket.
    pub root: String,
    /// `?region=`, `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1` (S3-compatible
    /// servers ignore it, and AWS answers a wrong one with an error naming the right one).
    pub region: String,
    pub endpoint: Option<String>,
    /// `?profile=` or `--profile`; else the chain reads `AWS_PROFILE` itself.
    pub profile: Option<String>,
    /// `?role_arn=`: assume this role with the other credentials as the source.
    pub role_arn: Option<String>,
    /// `--access-key-id`/`--secret-access-key`/`--session-token`; else the standard chain
    /// (which reads `AWS_ACCESS_KEY_ID`... itself).
    pub keys: Option<(String, String, Option<String>)>,
    pub path_style: bool,
    /// Unsigned requests (public buckets).
    pub anonymous: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("root", &self.root)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("profile", &self.profile)
            .field("role_arn", &self.role_arn)
            .field("keys", &self.keys.as_ref().map(|_| "<set>"))
            .field("path_style", &self.path_style)
            .field("anonymous", &self.anonymous)
            .finish()
    }
}

impl S3Settings {
    pub fn resolve(url: &StoreUrl, o: &Options) -> S3Settings {
        let region = pick(url, "region", &o.region, &["AWS_REGION", "AWS_DEFAULT_REGION"]).unwrap_or_else(|| "us-east-1".into());
        let keys = match (&o.access_key_id, &o.secret_access_key) {
            (Some(ak), Some(sk)) => Some((ak.clone(), sk.clone(), o.session_token.clone())),
            _ => None,
        };
        S3Settings {
            bucket: url.bucket.clone(),
            root: url.root.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/"),
            region,
            endpoint: pick(url, "endpoint", &o.endpoint, ENDPOINT_ENVS).map(|e| e.trim_end_matches('/').to_string()),
            profile: url.param("profile").map(str::to_string).or_else(|| o.profile.clone()).filter(|p| !p.is_empty()),
            role_arn: url.param("role_arn").map(str::to_string).filter(|a| !a.is_empty()),
            keys,
            path_style: url.flag("path_style").unwrap_or(None).or(o.path_style).unwrap_or(true),
            anonymous: url.flag("anonymous").unwrap_or(None).unwrap_or(o.anonymous),
        }
    }

    pub fn operator(&self) -> Result<Operator, opendal::Error> {
        let mut b = services::S3::default().bucket(&self.bucket).root(&format!("/{}", self.root)).region(&self.region);
        if let Some(ep) = &self.endpoint {
            b = b.endpoint(ep);
        }
        if let Some(p) = &self.profile {
            b = b.profile(p);
        }
        if let Some(arn) = &self.role_arn {
            b = b.role_arn(arn);
        }
        if let Some((ak, sk, token)) = &self.keys {
            b = b.access_key_id(ak).secret_access_key(sk);
            if let Some(t) = token {
                b = b.session_token(t);
            }
        }
        if !self.path_style {
            b = b.enable_virtual_host_style();
        }
        if self.anonymous {
            b = b.skip_signature();
        }
        Operator::new(b)
    }

    /// The host named in messages.
    pub fn host(&self) -> String {
        match &self.endpoint {
            Some(e) => host_of(e),
            None => format!("s3.{}.amazonaws.com", self.region),
        }
    }

    /// The bucket's URL, exactly as opendal forms it: `https://s3.<region>.amazonaws.com/<bucket>`
    /// by default, the endpoint plus `/<bucket>` (path style), or `<bucket>.` before the
    /// endpoint's host (virtual-hosted style). No trailing `/`.
    pub fn bucket_url(&self) -> String {
        let mut ep = match &self.endpoint {
            Some(e) if e.starts_with("http") => e.clone(),
            Some(e) => format!("https://{e}"),
            None => "https://s3.amazonaws.com".to_string(),
        };
        ep = ep.replace(&format!("//{}.", self.bucket), "//");
        if let Ok(u) = url::Url::parse(&ep) {
            ep = u.to_string().trim_end_matches('/').to_string();
        }
        if ep == "https://s3.amazonaws.com" {
            ep = format!("https://s3.{}.amazonaws.com", self.region);
        }
        if self.path_style {
            format!("{ep}/{}", self.bucket)
        } else {
            ep.replacen("//", &format!("//{}.", self.bucket), 1)
        }
    }

    /// Keys of the store's objects start with this: `<root>/`, or `""` for a whole bucket.
    pub fn key_prefix(&self) -> String {
        if self.root.is_empty() {
            String::new()
        } else {
            format!("{}/", self.root)
        }
    }

    /// How requests are signed; `None` for anonymous access.
    pub fn auth(&self) -> Option<awsauth::Config> {
        if self.anonymous {
            return None;
        }
        let credentials = match &self.keys {
            Some((ak, sk, token)) => {
                awsauth::Credentials::Static { access_key_id: ak.clone(), secret_access_key: sk.clone(), session_token: token.clone() }
            }
            None => awsauth::Credentials::Chain { profile: self.profile.clone() },
        };
        Some(awsauth::Config { service: "s3".into(), region: Some(self.region.clone()), credentials, role_arn: self.role_arn.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str, o: &Options) -> S3Settings {
        S3Settings::resolve(&StoreUrl::parse(url).unwrap(), o)
    }

    #[test]
    fn url_beats_options_and_bucket_urls_follow_opendal() {
        let o = Options {
            endpoint: Some("http://opt:1".into()),
            region: Some("eu-west-1".into()),
            profile: Some("p1".into()),
            access_key_id: Some("AK".into()),
            secret_access_key: Some("s3cr3t-value".into()),
            ..Default::default()
        };
        let s = settings("s3://b/a//repo/?endpoint=http://127.0.0.1:9000/&region=us-west-2&profile=p2&role_arn=arn:aws:iam::1:role/r", &o);
        assert_eq!((s.root.as_str(), s.key_prefix().as_str()), ("a/repo", "a/repo/"));
        assert_eq!(s.region, "us-west-2");
        assert_eq!(s.profile.as_deref(), Some("p2"));
        assert_eq!(s.role_arn.as_deref(), Some("arn:aws:iam::1:role/r"));
        assert_eq!(s.bucket_url(), "http://127.0.0.1:9000/b");
        assert_eq!(s.host(), "127.0.0.1:9000");
        let auth = s.auth().unwrap();
        assert_eq!((auth.service.as_str(), auth.region.as_deref()), ("s3", Some("us-west-2")));
        assert!(matches!(auth.credentials, awsauth::Credentials::Static { ref access_key_id, .. } if access_key_id == "AK"));
        assert!(!format!("{s:?}").contains("s3cr3t"), "{s:?}");

        let s = settings("s3://b?path_style=false&anonymous=true", &o);
        assert_eq!(s.bucket_url(), "http://b.opt:1");
        assert_eq!(s.key_prefix(), "");
        assert!(s.auth().is_none());
        let s = settings("s3://b/r?endpoint=https://b.minio.example.com/", &Options::default());
        assert_eq!(s.bucket_url(), "https://minio.example.com/b");
        let s = settings("s3://b/r?endpoint=https://s3.amazonaws.com&region=ap-south-1&path_style=false", &Options::default());
        assert_eq!(s.bucket_url(), "https://b.s3.ap-south-1.amazonaws.com");
        assert_eq!(s.host(), "s3.amazonaws.com");
        assert!(matches!(s.auth().unwrap().credentials, awsauth::Credentials::Chain { profile: None }));
    }
}
