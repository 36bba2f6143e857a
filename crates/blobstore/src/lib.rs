//! Object storage for ferry: one small type, [`BlobStore`], over every store a snapshot
//! repository lives in — a local folder, S3 and S3-compatible servers, Alibaba OSS, Tencent COS,
//! Google Cloud Storage and Azure Blob Storage — built on [opendal].
//!
//! A store is opened from a repository URL (see [`StoreUrl`] for the accepted forms) plus
//! [`Options`] from the command line. Paths given to the methods are relative to the URL's prefix.
//! Every error names the object (`s3://bucket/prefix/index-3`) or the host it concerns, never a
//! secret.
//!
//! ```no_run
//! # async fn demo() -> Result<(), blobstore::Error> {
//! let store = blobstore::BlobStore::open("s3://backups/es?region=eu-west-1", &Default::default())?;
//! let latest = store.read("index.latest").await?;
//! let names = store.list("indices/").await?;
//! # Ok(()) }
//! ```

mod s3conf;
mod uploads;
mod url;

use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Once};
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use opendal::layers::{RetryLayer, TimeoutLayer};
use opendal::{services, ErrorKind, Operator};

pub use crate::uploads::{PendingUpload, PendingUploads};
pub use crate::url::{Backend, StoreUrl};

/// Settings that apply to a store when its URL does not say otherwise (typically command-line
/// flags). Precedence, highest first: URL query parameter, these options, environment variables.
#[derive(Clone, Default)]
pub struct Options {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// `Some(true)`: path-style addressing; `Some(false)`: virtual-hosted style.
    pub path_style: Option<bool>,
    /// Send unsigned requests (public buckets).
    pub anonymous: bool,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hand-written so a secret can never reach a log through `{:?}`.
        f.debug_struct("Options")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("profile", &self.profile)
            .field("access_key_id", &self.access_key_id.as_ref().map(|_| "<set>"))
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "<redacted>"))
            .field("session_token", &self.session_token.as_ref().map(|_| "<redacted>"))
            .field("path_style", &self.path_style)
            .field("anonymous", &self.anonymous)
            .finish()
    }
}

/// What went wrong, with the object or host it concerns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid location `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("{location}: not found")]
    NotFound { location: String },
    #[error("{location}: access denied ({detail}); check the credentials (access key, secret, session token or profile) and that they may read this bucket")]
    PermissionDenied { location: String, detail: String },
    #[error("{location}: cannot reach {host} ({detail}); check the endpoint and that the server is running")]
    Unreachable { location: String, host: String, detail: String },
    #[error("{location}: {detail}")]
    Other { location: String, detail: String },
}

impl Error {
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }
}

/// One object found by [`BlobStore::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the store root, e.g. `indices/abc/0/__1`; directories end in `/`.
    pub path: String,
    /// Last path component (without a trailing `/`).
    pub name: String,
    pub is_dir: bool,
    /// Size in bytes, when the listing reports it.
    pub size: Option<u64>,
    /// The object's ETag (quotes removed), when the listing reports one.
    pub etag: Option<String>,
}

impl Entry {
    /// The ETag when it is derived from the content alone, as S3 and OSS make them: the MD5 of
    /// the object (32 hex digits), or for a multipart upload the MD5 of its parts' MD5s followed
    /// by `-<parts>`. Two equal ones mean equal content. Weak or opaque ETags (GCS generations,
    /// Azure's `0x…`) give `None`; so do S3 ETags of KMS-encrypted objects in effect, since
    /// those never match another object's.
    pub fn content_etag(&self) -> Option<&str> {
        self.etag.as_deref().filter(|e| is_content_etag(e))
    }
}

impl ObjectMeta {
    /// As [`Entry::content_etag`].
    pub fn content_etag(&self) -> Option<&str> {
        self.etag.as_deref().filter(|e| is_content_etag(e))
    }
}

/// An ETag derived from the content alone (see [`Entry::content_etag`]).
fn is_content_etag(e: &str) -> bool {
    let (md5, parts) = match e.split_once('-') {
        Some((m, n)) => (m, Some(n)),
        None => (e, None),
    };
    let md5_ok = md5.len() == 32 && md5.bytes().all(|b| b.is_ascii_hexdigit());
    md5_ok && parts.is_none_or(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// What a store says about one object: its size and, where the service gives them, its ETag
/// (quotes removed) and Content-MD5 (base64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub size: u64,
    pub etag: Option<String>,
    pub content_md5: Option<String>,
}

/// Folders an object-store walk lists at the same time.
const WALK_CONCURRENCY: usize = 16;

/// Suffix of a local file being written (renamed away when complete).
const PARTIAL: &str = ".ferry-part";

/// How large objects are written: in parts of `part_size` bytes (multipart uploads on object
/// stores), up to `concurrency` parts in flight.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    pub part_size: usize,
    pub concurrency: usize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { part_size: 16 << 20, concurrency: 4 }
    }
}

/// A store opened from a repository URL.
#[derive(Clone)]
pub struct BlobStore {
    op: Operator,
    url: StoreUrl,
    /// Host shown when the store cannot be reached.
    host: String,
    /// S3 only: the resolved settings (shared with the operator) and a client for the
    /// multipart-upload requests opendal cannot make.
    s3: Option<Arc<uploads::S3Remote>>,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlobStore({})", self.url)
    }
}

impl BlobStore {
    /// Open the store a URL names. Local folders must exist: a reader never creates one.
    pub fn open(location: &str, options: &Options) -> Result<Self, Error> {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(opendal::install_default);

        let url = StoreUrl::parse(location)?;
        let invalid = |e: opendal::Error| Error::InvalidUrl { url: url.to_string(), reason: e.to_string() };
        let mut s3 = None;
        let (op, host) = match url.backend {
            Backend::Fs => {
                let path = Path::new(&url.root);
                if !path.exists() {
                    return Err(Error::NotFound { location: url.to_string() });
                }
                if !path.is_dir() {
                    return Err(Error::InvalidUrl { url: url.to_string(), reason: "not a directory".into() });
                }
                let root = std::fs::canonicalize(path)
                    .map_err(|e| Error::Other { location: url.to_string(), detail: e.to_string() })?;
                let b = services::Fs::default().root(&root.to_string_lossy());
                (Operator::new(b).map_err(invalid)?, "local disk".to_string())
            }
            Backend::Memory => {
                (Operator::new(services::Memory::default()).map_err(invalid)?, "memory".to_string())
            }
            Backend::S3 => {
                let settings = s3conf::S3Settings::resolve(&url, options);
                let op = settings.operator().map_err(invalid)?;
                let host = settings.host();
                s3 = Some(Arc::new(uploads::S3Remote::new(settings)));
                (op, host)
            }
            Backend::Oss => oss(&url, options)?,
            Backend::Cos => cos(&url, options)?,
            Backend::Gcs => gcs(&url, options).map_err(invalid)?,
            Backend::Azblob => azblob(&url, options)?,
        };
        let op = if matches!(url.backend, Backend::Fs | Backend::Memory) {
            op
        } else {
            // Transient network faults are retried a few times, quickly: an unreachable endpoint
            // should fail within seconds, not minutes.
            op.layer(
                RetryLayer::new()
                    .with_max_times(3)
                    .with_min_delay(Duration::from_millis(100))
                    .with_max_delay(Duration::from_secs(2))
                    .with_jitter(),
            )
            .layer(TimeoutLayer::new().with_timeout(Duration::from_secs(120)).with_io_timeout(Duration::from_secs(30)))
        };
        Ok(BlobStore { op, url, host, s3 })
    }

    /// Open a store to write into: like [`open`](Self::open), but a local folder is created
    /// when missing (a copy's destination).
    pub fn open_for_writing(location: &str, options: &Options) -> Result<Self, Error> {
        let url = StoreUrl::parse(location)?;
        if url.backend == Backend::Fs {
            std::fs::create_dir_all(&url.root).map_err(|e| Error::Other { location: url.to_string(), detail: format!("cannot create the folder: {e}") })?;
        }
        Self::open(location, options)
    }

    /// Wrap an operator built elsewhere (tests use `memory://` this way).
    pub fn from_operator(op: Operator, display: &str) -> Self {
        let url = StoreUrl::parse(display).unwrap_or(StoreUrl {
            backend: Backend::Memory,
            bucket: String::new(),
            root: display.to_string(),
            params: Default::default(),
        });
        BlobStore { op, url, host: display.to_string(), s3: None }
    }

    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// The underlying operator, for callers that need streaming writes or other opendal features.
    pub fn operator(&self) -> &Operator {
        &self.op
    }

    /// How an object is named in messages: the URL without its query, plus the path.
    pub fn location(&self, path: &str) -> String {
        self.url.location_of(path)
    }

    /// Read a whole object.
    pub async fn read(&self, path: &str) -> Result<Bytes, Error> {
        let buf = self.op.read(path).await.map_err(|e| self.error(path, e))?;
        Ok(buf.to_bytes())
    }

    /// Read `range` of an object. Fails if the object is shorter than `range.end`.
    pub async fn read_range(&self, path: &str, range: Range<u64>) -> Result<Bytes, Error> {
        let want = range.end.saturating_sub(range.start);
        let buf = self.op.read_with(path).range(range.clone()).await.map_err(|e| self.error(path, e))?;
        if buf.len() as u64 != want {
            return Err(Error::Other {
                location: self.location(path),
                detail: format!(
                    "short read: asked for bytes {}..{} and got {} bytes (object truncated?)",
                    range.start,
                    range.end,
                    buf.len()
                ),
            });
        }
        Ok(buf.to_bytes())
    }

    /// A streaming reader for large objects: chunks arrive as they are downloaded.
    pub async fn stream(
        &self,
        path: &str,
    ) -> Result<impl futures::Stream<Item = Result<Bytes, Error>> + Send + Unpin + 'static, Error> {
        self.stream_range(path, ..).await
    }

    /// Like [`stream`](Self::stream) for an object whose size is known (from a listing): the
    /// bounded range spares the service a metadata request before the download.
    pub async fn stream_sized(
        &self,
        path: &str,
        size: u64,
    ) -> Result<impl futures::Stream<Item = Result<Bytes, Error>> + Send + Unpin + 'static, Error> {
        self.stream_range(path, 0..size).await
    }

    async fn stream_range(
        &self,
        path: &str,
        range: impl std::ops::RangeBounds<u64>,
    ) -> Result<impl futures::Stream<Item = Result<Bytes, Error>> + Send + Unpin + 'static, Error> {
        let reader = self.op.reader_with(path).chunk(8 << 20).await.map_err(|e| self.error(path, e))?;
        let s = reader.into_bytes_stream(range).await.map_err(|e| self.error(path, e))?;
        let location = self.location(path);
        Ok(s.map_err(move |e| Error::Other { location: location.clone(), detail: e.to_string() }))
    }

    /// Size of an object, or `None` when it does not exist.
    pub async fn size(&self, path: &str) -> Result<Option<u64>, Error> {
        match self.op.stat(path).await {
            Ok(m) => Ok(Some(m.content_length())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.error(path, e)),
        }
    }

    /// Size and fingerprints of an object, or `None` when it does not exist.
    pub async fn stat(&self, path: &str) -> Result<Option<ObjectMeta>, Error> {
        match self.op.stat(path).await {
            Ok(m) => Ok(Some(ObjectMeta {
                size: m.content_length(),
                etag: clean_etag(m.etag()),
                content_md5: m.content_md5().map(str::to_owned).filter(|e| !e.is_empty()),
            })),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.error(path, e)),
        }
    }

    /// Write a whole (small) object, replacing any object of that name.
    pub async fn write(&self, path: &str, bytes: Bytes) -> Result<(), Error> {
        let chunks = futures::stream::iter([Ok(bytes)]);
        self.write_stream(path, chunks, WriteOptions::default()).await.map(drop)
    }

    /// Write an object from a stream of chunks, in parts (multipart upload on object stores). The
    /// object appears under its name only when complete — an object store publishes a PUT or a
    /// completed multipart upload at once; a local file is written as `<name>.ferry-part` and
    /// renamed — so a reader never sees half an object. On an error the upload is aborted (no
    /// abandoned parts) and the partial file removed; a crash can leave a `.ferry-part` file,
    /// which [`list_recursive`](Self::list_recursive) does not report.
    pub async fn write_stream<S>(&self, path: &str, mut chunks: S, options: WriteOptions) -> Result<u64, Error>
    where
        S: futures::Stream<Item = Result<Bytes, Error>> + Unpin,
    {
        let local = self.url.backend == Backend::Fs;
        let target = if local { format!("{path}{PARTIAL}") } else { path.to_owned() };
        let mut w = self
            .op
            .writer_with(&target)
            .chunk(options.part_size.max(5 << 20))
            .concurrent(options.concurrency.max(1))
            .await
            .map_err(|e| self.error(path, e))?;
        let mut written = 0u64;
        let result: Result<(), Error> = async {
            while let Some(chunk) = chunks.try_next().await? {
                written += chunk.len() as u64;
                w.write(chunk).await.map_err(|e| self.error(path, e))?;
            }
            w.close().await.map(drop).map_err(|e| self.error(path, e))?;
            if local {
                self.op.rename(&target, path).await.map_err(|e| self.error(path, e))?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            let _ = w.abort().await;
            if local {
                let _ = self.op.delete(&target).await;
            }
            return Err(e);
        }
        Ok(written)
    }

    /// Delete an object (deleting a missing one is not an error).
    pub async fn delete(&self, path: &str) -> Result<(), Error> {
        self.op.delete(path).await.map_err(|e| self.error(path, e))
    }

    /// Every object under `dir` (`""` for the whole store), at any depth, with sizes. Sorted by path.
    ///
    /// Object stores are walked folder by folder, [`WALK_CONCURRENCY`] folders at a time: a
    /// repository is a shallow tree of many folders (index → shard), and a flat listing is a chain
    /// of 1,000-key pages each waiting for the previous page's continuation token (some
    /// S3-compatible servers even walk the whole bucket for every page).
    pub async fn list_recursive(&self, dir: &str) -> Result<Vec<Entry>, Error> {
        if matches!(self.url.backend, Backend::Fs | Backend::Memory) {
            return self.list_flat(dir).await;
        }
        let mut out = Vec::new();
        let mut pending = vec![dir.to_owned()];
        let mut running = futures::stream::FuturesUnordered::new();
        loop {
            while running.len() < WALK_CONCURRENCY {
                let Some(d) = pending.pop() else { break };
                running.push(self.list_owned(d));
            }
            let Some(listed) = futures::StreamExt::next(&mut running).await else { break };
            for e in listed? {
                if e.is_dir {
                    pending.push(e.path);
                } else if !e.path.ends_with(PARTIAL) {
                    out.push(e);
                }
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    async fn list_owned(&self, dir: String) -> Result<Vec<Entry>, Error> {
        self.list(&dir).await
    }

    /// [`list_recursive`](Self::list_recursive) as one recursive listing (local folders).
    async fn list_flat(&self, dir: &str) -> Result<Vec<Entry>, Error> {
        let mut out = Vec::new();
        let mut lister = self.op.lister_with(dir).recursive(true).await.map_err(|e| self.error(dir, e))?;
        while let Some(item) = lister.try_next().await.map_err(|e| self.error(dir, e))? {
            let path = item.path().to_string();
            if path.ends_with('/') || path.is_empty() || path.ends_with(PARTIAL) {
                continue;
            }
            let name = path.rsplit('/').next().unwrap_or("").to_string();
            let meta = item.metadata();
            out.push(Entry { name, size: Some(meta.content_length()), etag: clean_etag(meta.etag()), path, is_dir: false });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Everything directly under `dir` (`""` for the root, else a path ending in `/`), following
    /// the service's pagination to the end. Sorted by name.
    pub async fn list(&self, dir: &str) -> Result<Vec<Entry>, Error> {
        let mut out = Vec::new();
        let mut lister = self.op.lister(dir).await.map_err(|e| self.error(dir, e))?;
        while let Some(item) = lister.try_next().await.map_err(|e| self.error(dir, e))? {
            let path = item.path().to_string();
            // Some services list the directory itself.
            if path == dir || path.is_empty() || path == "/" {
                continue;
            }
            let is_dir = path.ends_with('/');
            let name = path.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_string();
            let size = if is_dir { None } else { Some(item.metadata().content_length()) };
            let etag = if is_dir { None } else { clean_etag(item.metadata().etag()) };
            out.push(Entry { path, name, is_dir, size, etag });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Translate an opendal error into one that names the object and says what to do.
    fn error(&self, path: &str, e: opendal::Error) -> Error {
        let location = self.location(path);
        let detail = describe(&e);
        match e.kind() {
            ErrorKind::NotFound => Error::NotFound { location },
            ErrorKind::PermissionDenied => Error::PermissionDenied { location, detail },
            ErrorKind::RangeNotSatisfied => {
                Error::Other { location, detail: format!("short read: object shorter than the requested range (truncated?): {detail}") }
            }
            _ if detail.starts_with("NoSuchBucket") => Error::Other {
                location,
                detail: format!("bucket `{}` does not exist ({detail}); check the bucket name and region", self.url.bucket),
            },
            _ if is_connect_failure(&e) => Error::Unreachable { location, host: self.host.clone(), detail },
            _ => Error::Other { location, detail },
        }
    }
}

/// The most useful part of an opendal error: the service's own error code and message when the
/// response carried one, else the innermost cause, else opendal's message without its context dump.
/// An ETag without its quotes; weak ETags (`W/"…"`) keep their prefix, so they never pass
/// [`Entry::content_etag`].
fn clean_etag(e: Option<&str>) -> Option<String> {
    e.map(|e| e.trim_matches('"').to_owned()).filter(|e| !e.is_empty())
}

fn describe(e: &opendal::Error) -> String {
    let text = e.to_string();
    let code = between(&text, "<Code>", "</Code>").or_else(|| between(&text, "code: \"", "\""));
    if let Some(code) = code.filter(|c| !c.is_empty()) {
        let msg = between(&text, "<Message>", "</Message>").or_else(|| between(&text, "message: \"", "\"")).unwrap_or_default();
        return if msg.is_empty() { code.to_string() } else { format!("{code}: {msg}") };
    }
    let mut innermost = None;
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        innermost = Some(c.to_string());
        cause = c.source();
    }
    let message = innermost.filter(|t| !t.is_empty()).unwrap_or_else(|| match text.rsplit_once(" => ") {
        Some((_, m)) => m.to_string(),
        None => text.clone(),
    });
    format!("{}: {}", e.kind(), first_line(&message))
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let end = s[start..].find(close)? + start;
    Some(&s[start..end])
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

fn is_connect_failure(e: &opendal::Error) -> bool {
    let mut chain = e.to_string();
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        chain.push_str(&next.to_string());
        cause = next;
    }
    let chain = chain.to_ascii_lowercase();
    ["connection refused", "dns error", "tcp connect", "error sending request", "failed to lookup", "connect error", "timed out"]
        .iter()
        .any(|needle| chain.contains(needle))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `param` beats `option` beats the first environment variable that is set.
fn pick(url: &StoreUrl, param: &str, option: &Option<String>, envs: &[&str]) -> Option<String> {
    url.param(param)
        .map(str::to_string)
        .or_else(|| option.clone())
        .or_else(|| envs.iter().find_map(|n| env(n)))
}

fn host_of(endpoint: &str) -> String {
    let rest = endpoint.split_once("://").map(|(_, r)| r).unwrap_or(endpoint);
    rest.split('/').next().unwrap_or(rest).to_string()
}

fn oss(url: &StoreUrl, o: &Options) -> Result<(Operator, String), Error> {
    let Some(endpoint) = pick(url, "endpoint", &o.endpoint, &["ALIBABA_CLOUD_OSS_ENDPOINT", "OSS_ENDPOINT"]) else {
        return Err(Error::InvalidUrl {
            url: url.to_string(),
            reason: "OSS needs an endpoint: add ?endpoint=oss-<region>.aliyuncs.com, --endpoint, or ALIBABA_CLOUD_OSS_ENDPOINT".into(),
        });
    };
    let endpoint = with_scheme(&endpoint);
    let mut b = services::Oss::default().bucket(&url.bucket).root(&format!("/{}", url.root)).endpoint(&endpoint);
    let ak = o.access_key_id.clone().or_else(|| env("ALIBABA_CLOUD_ACCESS_KEY_ID"));
    let sk = o.secret_access_key.clone().or_else(|| env("ALIBABA_CLOUD_ACCESS_KEY_SECRET"));
    if let (Some(ak), Some(sk)) = (ak, sk) {
        b = b.access_key_id(&ak).access_key_secret(&sk);
    }
    if let Some(t) = o.session_token.clone().or_else(|| env("ALIBABA_CLOUD_SECURITY_TOKEN")) {
        b = b.security_token(&t);
    }
    if url.flag("anonymous")?.unwrap_or(o.anonymous) {
        b = b.skip_signature();
    }
    let op = Operator::new(b).map_err(|e| Error::InvalidUrl { url: url.to_string(), reason: e.to_string() })?;
    Ok((op, host_of(&endpoint)))
}

fn cos(url: &StoreUrl, o: &Options) -> Result<(Operator, String), Error> {
    let Some(endpoint) = pick(url, "endpoint", &o.endpoint, &["TENCENTCLOUD_COS_ENDPOINT", "COS_ENDPOINT"]) else {
        return Err(Error::InvalidUrl {
            url: url.to_string(),
            reason: "COS needs an endpoint: add ?endpoint=cos.<region>.myqcloud.com or --endpoint".into(),
        });
    };
    let endpoint = with_scheme(&endpoint);
    let mut b = services::Cos::default().bucket(&url.bucket).root(&format!("/{}", url.root)).endpoint(&endpoint);
    let id = o.access_key_id.clone().or_else(|| env("TENCENTCLOUD_SECRET_ID"));
    let key = o.secret_access_key.clone().or_else(|| env("TENCENTCLOUD_SECRET_KEY"));
    if let (Some(id), Some(key)) = (id, key) {
        b = b.secret_id(&id).secret_key(&key);
    }
    let op = Operator::new(b).map_err(|e| Error::InvalidUrl { url: url.to_string(), reason: e.to_string() })?;
    Ok((op, host_of(&endpoint)))
}

fn gcs(url: &StoreUrl, o: &Options) -> Result<(Operator, String), opendal::Error> {
    let mut b = services::Gcs::default().bucket(&url.bucket).root(&format!("/{}", url.root));
    let endpoint = pick(url, "endpoint", &o.endpoint, &["GCS_ENDPOINT"]);
    if let Some(ep) = &endpoint {
        b = b.endpoint(ep);
    }
    if let Some(p) = pick(url, "credential_path", &None, &["GOOGLE_APPLICATION_CREDENTIALS"]) {
        b = b.credential_path(&p);
    }
    if url.flag("anonymous").unwrap_or(None).unwrap_or(o.anonymous) {
        b = b.skip_signature().disable_vm_metadata();
    }
    let host = endpoint.map(|e| host_of(&e)).unwrap_or_else(|| "storage.googleapis.com".into());
    Ok((Operator::new(b)?, host))
}

fn azblob(url: &StoreUrl, o: &Options) -> Result<(Operator, String), Error> {
    let account = url.param("account").map(str::to_string).or_else(|| env("AZURE_STORAGE_ACCOUNT"));
    let endpoint = pick(url, "endpoint", &o.endpoint, &["AZURE_STORAGE_ENDPOINT"])
        .or_else(|| account.as_ref().map(|a| format!("https://{a}.blob.core.windows.net")));
    let Some(endpoint) = endpoint else {
        return Err(Error::InvalidUrl {
            url: url.to_string(),
            reason: "Azure needs a storage account: add ?account=NAME, or set AZURE_STORAGE_ACCOUNT".into(),
        });
    };
    let mut b = services::Azblob::default().container(&url.bucket).root(&format!("/{}", url.root)).endpoint(&endpoint);
    if let Some(a) = &account {
        b = b.account_name(a);
    }
    if let Some(k) = o.secret_access_key.clone().or_else(|| env("AZURE_STORAGE_KEY")).or_else(|| env("AZURE_STORAGE_ACCESS_KEY")) {
        b = b.account_key(&k);
    }
    if let Some(sas) = env("AZURE_STORAGE_SAS_TOKEN") {
        b = b.sas_token(&sas);
    }
    let op = Operator::new(b).map_err(|e| Error::InvalidUrl { url: url.to_string(), reason: e.to_string() })?;
    Ok((op, host_of(&endpoint)))
}

fn with_scheme(endpoint: &str) -> String {
    if endpoint.contains("://") {
        endpoint.to_string()
    } else {
        format!("https://{endpoint}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_etags_are_md5_shaped() {
        let entry = |etag: &str| Entry { path: "a".into(), name: "a".into(), is_dir: false, size: Some(1), etag: clean_etag(Some(etag)) };
        for (etag, content) in [
            ("\"9e107d9d372bb6826bd81d3542a419d6\"", Some("9e107d9d372bb6826bd81d3542a419d6")),
            ("9E107D9D372BB6826BD81D3542A419D6", Some("9E107D9D372BB6826BD81D3542A419D6")),
            ("\"d41d8cd98f00b204e9800998ecf8427e-12\"", Some("d41d8cd98f00b204e9800998ecf8427e-12")),
            ("d41d8cd98f00b204e9800998ecf8427e-", None),
            ("W/\"9e107d9d372bb6826bd81d3542a419d6\"", None),
            ("0x8DC1E5C3E4F6A2B", None),
            ("CJ+Ym4zZ+YkDEAE=", None),
            ("\"\"", None),
        ] {
            assert_eq!(entry(etag).content_etag(), content, "{etag}");
        }
    }

    #[tokio::test]
    async fn local_folder_read_range_list() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("indices/abc")).unwrap();
        std::fs::write(dir.path().join("index-0"), b"0123456789").unwrap();
        std::fs::write(dir.path().join("indices/abc/meta-1.dat"), b"m").unwrap();
        let store = BlobStore::open(dir.path().to_str().unwrap(), &Options::default()).unwrap();

        assert_eq!(&store.read("index-0").await.unwrap()[..], b"0123456789");
        assert_eq!(&store.read_range("index-0", 2..5).await.unwrap()[..], b"234");
        assert_eq!(store.size("index-0").await.unwrap(), Some(10));
        assert_eq!(store.size("nope").await.unwrap(), None);

        let root = store.list("").await.unwrap();
        let names: Vec<_> = root.iter().map(|e| (e.name.as_str(), e.is_dir)).collect();
        assert_eq!(names, vec![("index-0", false), ("indices", true)]);
        let sub = store.list("indices/abc/").await.unwrap();
        assert_eq!(sub.len(), 1);
        assert_eq!(sub[0].path, "indices/abc/meta-1.dat");
        assert_eq!(sub[0].size, Some(1));

        let mut s = store.stream("index-0").await.unwrap();
        let mut all = Vec::new();
        while let Some(chunk) = s.try_next().await.unwrap() {
            all.extend_from_slice(&chunk);
        }
        assert_eq!(all, b"0123456789");
    }

    #[tokio::test]
    async fn short_range_and_missing_object_are_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("blob"), b"abc").unwrap();
        let store = BlobStore::open(dir.path().to_str().unwrap(), &Options::default()).unwrap();
        let e = store.read_range("blob", 0..10).await.unwrap_err().to_string();
        assert!(e.contains("blob") && e.contains("short read"), "{e}");
        let e = store.read("missing").await.unwrap_err();
        assert!(e.is_not_found());
        assert!(e.to_string().ends_with("/missing: not found"), "{e}");
    }

    #[tokio::test]
    async fn write_stat_stream_list_delete_in_a_new_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("new/repo");
        let store = BlobStore::open_for_writing(root.to_str().unwrap(), &Options::default()).unwrap();
        store.write("index.latest", Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 7])).await.unwrap();
        // 12 MiB in uneven chunks, written in 5 MiB parts.
        let data: Vec<u8> = (0..12u32 << 20).map(|i| (i * 7 % 251) as u8).collect();
        let chunks: Vec<Result<Bytes, Error>> = data.chunks(3 << 20 | 17).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let n = store.write_stream("indices/x/0/__a", futures::stream::iter(chunks), WriteOptions { part_size: 5 << 20, concurrency: 2 }).await.unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(std::fs::read(root.join("indices/x/0/__a")).unwrap(), data);
        assert_eq!(store.stat("index.latest").await.unwrap().map(|m| m.size), Some(8));
        assert_eq!(store.stat("missing").await.unwrap(), None);
        let all: Vec<(String, Option<u64>)> = store.list_recursive("").await.unwrap().into_iter().map(|e| (e.path, e.size)).collect();
        assert_eq!(all, vec![("index.latest".to_owned(), Some(8)), ("indices/x/0/__a".to_owned(), Some(12 << 20))]);
        store.delete("index.latest").await.unwrap();
        store.delete("index.latest").await.unwrap();
        assert_eq!(store.stat("index.latest").await.unwrap(), None);
        // A failing source stream leaves no object behind.
        let failing = futures::stream::iter(vec![Ok(Bytes::from_static(b"part")), Err(Error::Other { location: "src".into(), detail: "boom".into() })]);
        let e = store.write_stream("indices/x/0/__b", failing, WriteOptions::default()).await.unwrap_err();
        assert!(e.to_string().contains("boom"), "{e}");
        assert_eq!(store.stat("indices/x/0/__b").await.unwrap(), None);
    }

    #[test]
    fn missing_local_folder_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/repo");
        let e = BlobStore::open(missing.to_str().unwrap(), &Options::default()).unwrap_err();
        assert!(e.is_not_found(), "{e}");
        assert!(!missing.exists());
    }

    #[test]
    fn every_backend_builds_from_its_url() {
        // Azure account keys are base64; the others take any string.
        let o = Options { access_key_id: Some("AK".into()), secret_access_key: Some("U0s=".into()), ..Default::default() };
        for url in [
            "s3://bucket/prefix?endpoint=http://127.0.0.1:1&region=us-west-2",
            "s3://bucket?path_style=false&region=eu-west-1",
            "oss://bucket/p?endpoint=oss-cn-hangzhou.aliyuncs.com",
            "cos://bucket-125/p?endpoint=cos.ap-guangzhou.myqcloud.com",
            "gs://bucket/p?anonymous=true",
            "azblob://container/p?account=acct",
            "memory://",
        ] {
            let s = BlobStore::open(url, &o).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(!s.location("x").contains('?'), "{url}");
        }
    }

    #[test]
    fn missing_endpoints_are_explained() {
        let e = BlobStore::open("oss://bucket/p", &Options::default()).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("OSS needs an endpoint"), "{e}");
        let e = BlobStore::open("cos://bucket/p", &Options::default()).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("COS needs an endpoint"), "{e}");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let o = Options { secret_access_key: Some("hunter2".into()), session_token: Some("tok3n".into()), ..Default::default() };
        let d = format!("{o:?}");
        assert!(!d.contains("hunter2") && !d.contains("tok3n"), "{d}");
    }
}
