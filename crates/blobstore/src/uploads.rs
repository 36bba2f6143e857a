//! Uploads a killed writer left behind: multipart uploads on S3 that were never completed nor
//! aborted (their parts are stored, and billed, until someone aborts them), and `.ferry-part`
//! files in a local folder. A re-run of a copy lists them with [`BlobStore::pending_uploads`] and
//! removes them with [`BlobStore::abort_upload`].
//!
//! opendal cannot list multipart uploads, so on S3 this module sends `ListMultipartUploads` and
//! `AbortMultipartUpload` itself, to the bucket and with the credentials the store was opened with
//! (one [`S3Settings`] serves both), signed by [`awsauth`].

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::TryStreamExt;
use reqwest::Method;

use crate::s3conf::S3Settings;
use crate::{Backend, BlobStore, Error, PARTIAL};

/// An upload that was started and never completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    /// The object being written, relative to the store root like [`crate::Entry::path`]. For a
    /// local folder this is the finished file's name; the file on disk is `<path>.ferry-part`.
    pub path: String,
    /// The multipart upload's id; `None` for a local `.ferry-part` file.
    pub upload_id: Option<String>,
    /// When the upload was started (S3), or the partial file last written (local folder).
    pub initiated: Option<SystemTime>,
}

/// What [`BlobStore::pending_uploads`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingUploads {
    /// Every pending upload under the store's root, sorted by path (then upload id).
    Listed(Vec<PendingUpload>),
    /// This store cannot list them; the text says why and what to do instead.
    Unsupported(String),
}

/// Uploads asked for per `ListMultipartUploads` request (the service maximum).
const PAGE_SIZE: u32 = 1000;

const LIFECYCLE: &str = "add a lifecycle rule to the bucket that aborts incomplete multipart uploads (e.g. after 1 day)";

impl BlobStore {
    /// Uploads under the store's root that were started and never completed: S3 multipart
    /// uploads, or `.ferry-part` files in a local folder. A memory store has none. Other
    /// services answer [`PendingUploads::Unsupported`] with the remedy.
    pub async fn pending_uploads(&self) -> Result<PendingUploads, Error> {
        self.pending_uploads_paged(PAGE_SIZE).await
    }

    /// [`pending_uploads`](Self::pending_uploads) asking for `page_size` uploads per request (tests
    /// use small pages to exercise pagination).
    #[doc(hidden)]
    pub async fn pending_uploads_paged(&self, page_size: u32) -> Result<PendingUploads, Error> {
        match self.url.backend {
            Backend::S3 => match &self.s3 {
                Some(remote) => remote.list(self, page_size.clamp(1, PAGE_SIZE)).await,
                None => Ok(PendingUploads::Unsupported("S3: this store was not opened from its URL, so its settings are unknown".into())),
            },
            Backend::Fs => self.partial_files().await.map(PendingUploads::Listed),
            Backend::Memory => Ok(PendingUploads::Listed(Vec::new())),
            Backend::Oss => Ok(PendingUploads::Unsupported(format!("Alibaba OSS: listing incomplete multipart uploads is not implemented; {LIFECYCLE}"))),
            Backend::Cos => Ok(PendingUploads::Unsupported(format!("Tencent COS: listing incomplete multipart uploads is not implemented; {LIFECYCLE}"))),
            Backend::Gcs => Ok(PendingUploads::Unsupported(
                "Google Cloud Storage: listing incomplete multipart uploads is not implemented; add a lifecycle rule to the bucket with the AbortIncompleteMultipartUpload action".into(),
            )),
            Backend::Azblob => Ok(PendingUploads::Unsupported(
                "Azure Blob Storage: the uncommitted blocks of an interrupted upload cannot be listed; Azure discards them after 7 days, and they never show as blobs".into(),
            )),
        }
    }

    /// Abort one upload found by [`pending_uploads`](Self::pending_uploads): its parts are
    /// deleted (S3), or the partial file is (local folder). An upload that is already gone is
    /// not an error.
    pub async fn abort_upload(&self, u: &PendingUpload) -> Result<(), Error> {
        match (self.url.backend, &u.upload_id) {
            (Backend::S3, Some(id)) => match &self.s3 {
                Some(remote) => remote.abort(self, &u.path, id).await,
                None => Err(Error::Other { location: self.location(&u.path), detail: "cannot abort the upload: this store was not opened from its URL".into() }),
            },
            (Backend::Fs, None) => {
                // Only ever the partial file: a finished object of the same name stays.
                let partial = format!("{}{PARTIAL}", u.path);
                self.op.delete(&partial).await.map_err(|e| self.error(&partial, e))
            }
            (Backend::Memory, None) => Ok(()),
            (_, id) => Err(Error::Other {
                location: self.location(&u.path),
                detail: format!(
                    "cannot abort {}: {} stores have no such uploads",
                    if id.is_some() { "a multipart upload" } else { "a partial file" },
                    self.url.backend.scheme()
                ),
            }),
        }
    }

    /// `*.ferry-part` files anywhere under a local store's root.
    async fn partial_files(&self) -> Result<Vec<PendingUpload>, Error> {
        let mut out = Vec::new();
        let mut lister = self.op.lister_with("").recursive(true).await.map_err(|e| self.error("", e))?;
        while let Some(item) = lister.try_next().await.map_err(|e| self.error("", e))? {
            let Some(target) = item.path().strip_suffix(PARTIAL) else { continue };
            if item.path().ends_with('/') || target.is_empty() || target.ends_with('/') {
                continue;
            }
            let initiated = match self.op.stat(item.path()).await {
                Ok(m) => m.last_modified().map(SystemTime::from),
                // Renamed or removed since it was listed: it is no longer pending.
                Err(e) if e.kind() == opendal::ErrorKind::NotFound => continue,
                Err(e) => return Err(self.error(item.path(), e)),
            };
            out.push(PendingUpload { path: target.to_owned(), upload_id: None, initiated });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }
}

/// What an S3 store needs for the requests opendal cannot make: its settings, and (built on first
/// use, then kept so credentials are loaded once) an HTTP client and signer.
pub(crate) struct S3Remote {
    settings: S3Settings,
    api: OnceLock<S3Api>,
}

struct S3Api {
    http: reqwest::Client,
    /// `None`: anonymous access.
    signer: Option<awsauth::Signer>,
    /// `https://s3.<region>.amazonaws.com/<bucket>`, `http://127.0.0.1:9000/<bucket>`, ...
    bucket_url: String,
}

/// Why a request failed, before it is named for the user.
enum Failure {
    Transport { detail: String, unreachable: bool },
    Credentials(String),
    Status { status: u16, code: String, message: String },
}

impl S3Remote {
    pub(crate) fn new(settings: S3Settings) -> S3Remote {
        S3Remote { settings, api: OnceLock::new() }
    }

    fn api(&self, store: &BlobStore) -> Result<&S3Api, Error> {
        if let Some(api) = self.api.get() {
            return Ok(api);
        }
        let other = |detail: String| Error::Other { location: store.location(""), detail };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("ferry/", env!("CARGO_PKG_VERSION")))
            // A redirect goes to another host, which the signature does not cover: report it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| other(format!("cannot set up an HTTP client: {e}")))?;
        let signer = match self.settings.auth() {
            Some(config) => Some(awsauth::Signer::new(&config, &store.host, http.clone()).map_err(|e| other(e.to_string()))?),
            None => None,
        };
        Ok(self.api.get_or_init(|| S3Api { http, signer, bucket_url: self.settings.bucket_url() }))
    }

    async fn list(&self, store: &BlobStore, page_size: u32) -> Result<PendingUploads, Error> {
        const OP: &str = "ListMultipartUploads";
        let api = self.api(store)?;
        let prefix = self.settings.key_prefix();
        let mut out = Vec::new();
        let mut markers: Option<(String, String)> = None;
        loop {
            let mut query = Vec::new();
            if let Some((key, _)) = &markers {
                query.push(("key-marker", key.as_str()));
            }
            let max = page_size.to_string();
            query.push(("max-uploads", &max));
            if !prefix.is_empty() {
                query.push(("prefix", &prefix));
            }
            if let Some((_, id)) = &markers {
                query.push(("upload-id-marker", id.as_str()));
            }
            let url = format!("{}?{}&uploads", api.bucket_url, encode_query(&query));
            let body = match api.send(Method::GET, &url).await {
                Ok(body) => body,
                Err(Failure::Status { status, code, .. }) if status == 501 || code == "NotImplemented" => {
                    return Ok(PendingUploads::Unsupported("the server does not implement ListMultipartUploads".into()));
                }
                Err(f) => return Err(self.failure(store, "", OP, f)),
            };
            let page = match parse_list(&body) {
                Ok(page) => page,
                Err(ListError::OtherDocument(root)) => {
                    // Some servers ignore `?uploads` and answer with an object listing.
                    return Ok(PendingUploads::Unsupported(format!(
                        "the server does not implement ListMultipartUploads (it answered with <{root}>)"
                    )));
                }
                Err(ListError::Malformed(e)) => {
                    return Err(Error::Other { location: store.location(""), detail: format!("{OP} at {}: unreadable answer ({e})", store.host) })
                }
            };
            let last = page.uploads.last().map(|u| (u.key.clone(), u.upload_id.clone()));
            for u in page.uploads {
                if let Some(path) = u.key.strip_prefix(&prefix).filter(|p| !p.is_empty()) {
                    out.push(PendingUpload { path: path.to_owned(), upload_id: Some(u.upload_id), initiated: u.initiated.as_deref().and_then(parse_time) });
                }
            }
            if !page.truncated {
                break;
            }
            let next = match (page.next_key_marker, page.next_upload_id_marker) {
                (Some(k), id) if !k.is_empty() => Some((k, id.unwrap_or_default())),
                _ => last,
            };
            if next.is_none() || next == markers {
                return Err(Error::Other {
                    location: store.location(""),
                    detail: format!("{OP} at {}: the listing says it is truncated but gives no next marker", store.host),
                });
            }
            markers = next;
        }
        out.sort_by(|a, b| (&a.path, &a.upload_id).cmp(&(&b.path, &b.upload_id)));
        Ok(PendingUploads::Listed(out))
    }

    async fn abort(&self, store: &BlobStore, path: &str, upload_id: &str) -> Result<(), Error> {
        const OP: &str = "AbortMultipartUpload";
        let api = self.api(store)?;
        let key = format!("{}{path}", self.settings.key_prefix());
        let url = format!("{}/{}?{}", api.bucket_url, encode_path(&key), encode_query(&[("uploadId", upload_id)]));
        match api.send(Method::DELETE, &url).await {
            Ok(_) => Ok(()),
            Err(Failure::Status { status: 404, code, .. }) if code == "NoSuchUpload" => Ok(()),
            Err(f) => Err(self.failure(store, path, OP, f)),
        }
    }

    /// Name a failure the way [`BlobStore::error`] does, plus the request and the host.
    fn failure(&self, store: &BlobStore, path: &str, op: &str, f: Failure) -> Error {
        let location = store.location(path);
        let host = store.host.clone();
        match f {
            Failure::Transport { detail, unreachable: true } => Error::Unreachable { location, host, detail },
            Failure::Transport { detail, unreachable: false } => Error::Other { location, detail: format!("{op} at {host}: the connection failed: {detail}") },
            Failure::Credentials(detail) => Error::PermissionDenied { location, detail: format!("{op} at {host}: AWS credentials: {detail}") },
            Failure::Status { status, code, message } => {
                let said = if message.is_empty() { code.clone() } else { format!("{code}: {message}") };
                let detail = format!("{op} at {host} → {status} {said}");
                match code.as_str() {
                    "NoSuchBucket" => Error::Other {
                        location,
                        detail: format!("bucket `{}` does not exist ({detail}); check the bucket name and region", self.settings.bucket),
                    },
                    "PermanentRedirect" | "TemporaryRedirect" | "AuthorizationHeaderMalformed" | "IllegalLocationConstraintException" => Error::Other {
                        location,
                        detail: format!("{detail}; check the region (`?region=` or --region; now {})", self.settings.region),
                    },
                    _ if status == 401 || status == 403 => Error::PermissionDenied { location, detail },
                    _ => Error::Other { location, detail },
                }
            }
        }
    }
}

impl S3Api {
    /// Send one signed request with an empty body; a 2xx answer's body comes back. Busy answers
    /// and broken connections are tried again a few times (both requests are idempotent).
    async fn send(&self, method: Method, url: &str) -> Result<Bytes, Failure> {
        let url = reqwest::Url::parse(url).map_err(|e| Failure::Transport { detail: format!("bad URL: {e}"), unreachable: false })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.send_once(&method, &url).await;
            let retry = match &result {
                Err(Failure::Transport { .. }) => true,
                Err(Failure::Status { status, .. }) => matches!(status, 500 | 502 | 503 | 504),
                _ => false,
            };
            if !retry || attempt == 3 {
                return result;
            }
            tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
        }
    }

    async fn send_once(&self, method: &Method, url: &reqwest::Url) -> Result<Bytes, Failure> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(signer) = &self.signer {
            signer.sign(method, url, &mut headers, b"").await.map_err(|e| Failure::Credentials(e.to_string()))?;
        }
        let transport = |e: reqwest::Error| Failure::Transport { unreachable: e.is_connect() || e.is_timeout(), detail: chain(&e) };
        let resp = self.http.request(method.clone(), url.clone()).headers(headers).send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(transport)?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let (code, message) = parse_error(&body).unwrap_or_else(|| {
            let text = String::from_utf8_lossy(&body);
            let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").chars().take(200).collect();
            (String::new(), line)
        });
        let code = if code.is_empty() { reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("").replace(' ', "") } else { code };
        Err(Failure::Status { status, code, message })
    }
}

/// Every distinct message down an error's source chain (reqwest's own says little).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let msg = err.to_string();
        if !msg.is_empty() && !parts.iter().any(|p| p.contains(&msg)) && !msg.starts_with("error sending request for url") {
            parts.push(msg);
        }
        cur = err.source();
    }
    if parts.is_empty() {
        "error sending request".into()
    } else {
        parts.join(": ")
    }
}

/// Characters S3 leaves as they are in a path or query (RFC 3986 unreserved); everything else is
/// percent-encoded, exactly as SigV4's canonical form wants it, so the request on the wire and
/// the request signed are the same bytes.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn encode_path(key: &str) -> String {
    key.split('/').map(|s| percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()).collect::<Vec<_>>().join("/")
}

fn encode_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encoding::utf8_percent_encode(k, UNRESERVED), percent_encoding::utf8_percent_encode(v, UNRESERVED)))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Debug, Default)]
struct ListPage {
    uploads: Vec<ListedUpload>,
    truncated: bool,
    next_key_marker: Option<String>,
    next_upload_id_marker: Option<String>,
}

#[derive(Debug, Default)]
struct ListedUpload {
    key: String,
    upload_id: String,
    initiated: Option<String>,
}

#[derive(Debug)]
enum ListError {
    /// Well-formed XML, but not a `ListMultipartUploadsResult`: the root element's name.
    OtherDocument(String),
    Malformed(String),
}

/// A `ListMultipartUploadsResult` document.
fn parse_list(body: &[u8]) -> Result<ListPage, ListError> {
    let mut page = ListPage::default();
    let mut current: Option<ListedUpload> = None;
    let mut root = None;
    walk_xml(body, |path, text| {
        if root.is_none() {
            root = path.first().cloned();
        }
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        match names[..] {
            ["ListMultipartUploadsResult", "Upload"] if text.is_none() => current = Some(ListedUpload::default()),
            ["ListMultipartUploadsResult", "Upload"] => page.uploads.extend(current.take()),
            ["ListMultipartUploadsResult", "Upload", field] => {
                if let (Some(u), Some(text)) = (current.as_mut(), text) {
                    match field {
                        "Key" => u.key = text.to_owned(),
                        "UploadId" => u.upload_id = text.to_owned(),
                        "Initiated" => u.initiated = Some(text.trim().to_owned()),
                        _ => {}
                    }
                }
            }
            ["ListMultipartUploadsResult", field] => match (field, text) {
                ("IsTruncated", Some(t)) => page.truncated = t.trim().eq_ignore_ascii_case("true"),
                ("NextKeyMarker", Some(t)) => page.next_key_marker = Some(t.to_owned()),
                ("NextUploadIdMarker", Some(t)) => page.next_upload_id_marker = Some(t.to_owned()),
                _ => {}
            },
            _ => {}
        }
    })
    .map_err(ListError::Malformed)?;
    match root {
        Some(r) if r == "ListMultipartUploadsResult" => {}
        Some(r) => return Err(ListError::OtherDocument(r)),
        None => return Err(ListError::Malformed("no XML document".into())),
    }
    if let Some(u) = page.uploads.iter().find(|u| u.key.is_empty() || u.upload_id.is_empty()) {
        return Err(ListError::Malformed(format!("an <Upload> without a key or upload id ({u:?})")));
    }
    Ok(page)
}

/// `<Error><Code>…</Code><Message>…</Message></Error>`.
fn parse_error(body: &[u8]) -> Option<(String, String)> {
    let (mut code, mut message) = (None, String::new());
    walk_xml(body, |path, text| {
        let names: Vec<&str> = path.iter().map(String::as_str).collect();
        match (&names[..], text) {
            (["Error", "Code"], Some(t)) => code = Some(t.trim().to_owned()),
            (["Error", "Message"], Some(t)) => message = t.trim().to_owned(),
            _ => {}
        }
    })
    .ok()?;
    code.filter(|c| !c.is_empty()).map(|c| (c, message))
}

/// Call `visit(path, None)` when an element opens and `visit(path, Some(text))` when it closes,
/// with its local name last in `path` and its own text (entities resolved, CDATA included).
fn walk_xml(body: &[u8], mut visit: impl FnMut(&[String], Option<&str>)) -> Result<(), String> {
    use quick_xml::events::Event;
    let text = std::str::from_utf8(body).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                path.push(e.local_name().into_inner().to_owned());
                texts.push(String::new());
                visit(&path, None);
            }
            Event::Empty(e) => {
                path.push(e.local_name().into_inner().to_owned());
                visit(&path, None);
                visit(&path, Some(""));
                path.pop();
            }
            Event::End(_) => {
                let own = texts.pop().unwrap_or_default();
                visit(&path, Some(&own));
                path.pop();
            }
            Event::Text(t) => {
                if let Some(cur) = texts.last_mut() {
                    cur.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(cur) = texts.last_mut() {
                    cur.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r).ok_or_else(|| format!("unknown entity &{};", &*r))?.to_owned(),
                };
                if let Some(cur) = texts.last_mut() {
                    cur.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if path.is_empty() {
        Ok(())
    } else {
        Err(format!("the document ends inside <{}>", path.join("><")))
    }
}

/// `2024-03-22T10:20:30.123Z` (ISO 8601 in UTC, as S3 writes it).
fn parse_time(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let rest = &s[19..];
    let (frac, zone) = match rest.strip_prefix('.') {
        Some(r) => {
            let digits = r.bytes().take_while(u8::is_ascii_digit).count();
            (&r[..digits], &r[digits..])
        }
        None => ("", rest),
    };
    if !matches!(zone, "Z" | "z" | "+00:00") || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    // Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * (mo + if mo > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = u64::try_from(days * 86_400 + h * 3600 + mi * 60 + sec).ok()?;
    let nanos = if frac.is_empty() { 0 } else { format!("{frac:0<9}")[..9].parse::<u32>().ok()? };
    Some(SystemTime::UNIX_EPOCH + Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Callers spawn these on a multi-threaded runtime.
    #[allow(dead_code)]
    fn futures_are_send(store: &BlobStore, u: &PendingUpload) {
        fn send<T: Send>(_: T) {}
        send(store.pending_uploads());
        send(store.abort_upload(u));
    }

    #[test]
    fn times_in_s3_format() {
        assert_eq!(parse_time("2010-11-10T20:48:33.000Z"), Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_289_422_113)));
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(SystemTime::UNIX_EPOCH));
        assert_eq!(parse_time("2024-02-29T23:59:59.5Z"), Some(SystemTime::UNIX_EPOCH + Duration::new(1_709_251_199, 500_000_000)));
        assert_eq!(parse_time("2024-02-29 23:59:59Z"), None);
        assert_eq!(parse_time("2024-02-29T23:59:59+02:00"), None);
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn list_and_error_documents() {
        // The example answer of the S3 API reference (ListMultipartUploads), plus entities.
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>bucket</Bucket>
  <KeyMarker></KeyMarker>
  <UploadIdMarker></UploadIdMarker>
  <NextKeyMarker>my-movie.m2ts</NextKeyMarker>
  <NextUploadIdMarker>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</NextUploadIdMarker>
  <MaxUploads>3</MaxUploads>
  <IsTruncated>true</IsTruncated>
  <Upload>
    <Key>my-divisor</Key>
    <UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw</UploadId>
    <Initiator><ID>arn:aws:iam::111122223333:user/user1</ID><DisplayName>user1</DisplayName></Initiator>
    <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID><DisplayName>OwnerDisplayName</DisplayName></Owner>
    <StorageClass>STANDARD</StorageClass>
    <Initiated>2010-11-10T20:48:33.000Z</Initiated>
  </Upload>
  <Upload>
    <Key>a &amp; b&#x2F;&lt;c&gt;</Key>
    <UploadId><![CDATA[id-2]]></UploadId>
    <Initiated>2010-11-10T20:49:33.000Z</Initiated>
  </Upload>
  <CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes>
</ListMultipartUploadsResult>"#;
        let page = parse_list(xml).unwrap();
        assert!(page.truncated);
        assert_eq!(page.next_key_marker.as_deref(), Some("my-movie.m2ts"));
        assert_eq!(page.next_upload_id_marker.as_deref(), Some("YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ"));
        let got: Vec<(&str, &str, Option<&str>)> = page.uploads.iter().map(|u| (u.key.as_str(), u.upload_id.as_str(), u.initiated.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                ("my-divisor", "XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw", Some("2010-11-10T20:48:33.000Z")),
                ("a & b/<c>", "id-2", Some("2010-11-10T20:49:33.000Z")),
            ]
        );
        let empty = parse_list(b"<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><NextKeyMarker/></ListMultipartUploadsResult>").unwrap();
        assert!(!empty.truncated && empty.uploads.is_empty() && empty.next_key_marker.as_deref() == Some(""));
        assert!(matches!(parse_list(b"<ListBucketResult><Contents/></ListBucketResult>"), Err(ListError::OtherDocument(r)) if r == "ListBucketResult"));
        assert!(matches!(parse_list(b"<ListMultipartUploadsResult><Upload><Key>k</Key>"), Err(ListError::Malformed(_))));
        assert!(matches!(parse_list(b"<ListMultipartUploadsResult><Upload><Key>k</Key></Upload></ListMultipartUploadsResult>"), Err(ListError::Malformed(_))));
        assert!(matches!(parse_list(b"not xml at all"), Err(ListError::Malformed(_))));

        let err = br#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message><RequestId>1</RequestId></Error>"#;
        assert_eq!(parse_error(err), Some(("NotImplemented".into(), "A header you provided implies functionality that is not implemented".into())));
        assert_eq!(parse_error(b"<html>Bad Gateway</html>"), None);
    }

    #[test]
    fn keys_and_queries_are_encoded_as_signed() {
        assert_eq!(encode_path("repo/indices/a b/__x+(1)"), "repo/indices/a%20b/__x%2B%281%29");
        assert_eq!(encode_query(&[("key-marker", "repo/a b"), ("uploadId", "x~y=z")]), "key-marker=repo%2Fa%20b&uploadId=x~y%3Dz");
    }

    #[tokio::test]
    async fn local_partial_files_are_listed_and_only_they_are_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("indices/x/0")).unwrap();
        for (name, body) in [
            ("index-3", &b"done"[..]),
            ("index-3.ferry-part", b"half"),
            ("indices/x/0/__abc", b"done"),
            ("indices/x/0/__def.ferry-part", b"half"),
            ("indices/x/0/snap-1.dat.ferry-part", b""),
            ("notes.ferry-part.txt", b"keep"),
        ] {
            std::fs::write(root.join(name), body).unwrap();
        }
        let store = BlobStore::open(root.to_str().unwrap(), &Options::default()).unwrap();
        let PendingUploads::Listed(found) = store.pending_uploads().await.unwrap() else { panic!("a local folder lists its partial files") };
        let paths: Vec<(&str, Option<&str>)> = found.iter().map(|u| (u.path.as_str(), u.upload_id.as_deref())).collect();
        assert_eq!(paths, vec![("index-3", None), ("indices/x/0/__def", None), ("indices/x/0/snap-1.dat", None)]);
        let mtime = std::fs::metadata(root.join("indices/x/0/__def.ferry-part")).unwrap().modified().unwrap();
        assert_eq!(found[1].initiated, Some(mtime));
        for u in &found {
            store.abort_upload(u).await.unwrap();
        }
        // Aborting again: already gone, not an error.
        store.abort_upload(&found[0]).await.unwrap();
        let left: Vec<String> = files(root);
        assert_eq!(left, vec!["index-3", "indices/x/0/__abc", "notes.ferry-part.txt"]);
        assert_eq!(std::fs::read(root.join("index-3")).unwrap(), b"done");
        assert_eq!(store.pending_uploads().await.unwrap(), PendingUploads::Listed(vec![]));
    }

    /// Every file under `root`, relative, sorted.
    fn files(root: &std::path::Path) -> Vec<String> {
        fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    out.push(p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let mut out = Vec::new();
        walk(root, root, &mut out);
        out.sort();
        out
    }

    #[tokio::test]
    async fn memory_has_none_and_other_services_say_what_to_do() {
        let mem = BlobStore::open("memory://", &Options::default()).unwrap();
        assert_eq!(mem.pending_uploads().await.unwrap(), PendingUploads::Listed(vec![]));
        let o = Options { access_key_id: Some("AK".into()), secret_access_key: Some("U0s=".into()), ..Default::default() };
        for (url, says) in [
            ("oss://bucket/p?endpoint=oss-cn-hangzhou.aliyuncs.com", "Alibaba OSS: listing incomplete multipart uploads is not implemented; add a lifecycle rule to the bucket that aborts incomplete multipart uploads (e.g. after 1 day)"),
            ("cos://bucket-125/p?endpoint=cos.ap-guangzhou.myqcloud.com", "Tencent COS: listing incomplete multipart uploads is not implemented; add a lifecycle rule to the bucket that aborts incomplete multipart uploads (e.g. after 1 day)"),
            ("gs://bucket/p?anonymous=true", "Google Cloud Storage: listing incomplete multipart uploads is not implemented; add a lifecycle rule to the bucket with the AbortIncompleteMultipartUpload action"),
            ("azblob://container/p?account=acct", "Azure Blob Storage: the uncommitted blocks of an interrupted upload cannot be listed; Azure discards them after 7 days, and they never show as blobs"),
        ] {
            let store = BlobStore::open(url, &o).unwrap();
            assert_eq!(store.pending_uploads().await.unwrap(), PendingUploads::Unsupported(says.into()), "{url}");
        }
    }

    /// A ListMultipartUploads / AbortMultipartUpload server that follows the S3 API reference:
    /// uploads sorted by key then upload id, `max-uploads` per page, `key-marker` +
    /// `upload-id-marker` to continue, `prefix` honoured. moto (the real server in the testkit
    /// tests) ignores `max-uploads`, so pagination is proven here. Records every request line and
    /// whether it was signed.
    struct FakeS3 {
        port: u16,
        requests: Arc<Mutex<Vec<(String, bool)>>>,
    }

    impl FakeS3 {
        async fn start(uploads: Vec<(&'static str, &'static str)>) -> FakeS3 {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let requests = Arc::new(Mutex::new(Vec::new()));
            let log = requests.clone();
            let uploads = Arc::new(Mutex::new(uploads));
            tokio::spawn(async move {
                loop {
                    let (mut sock, _) = listener.accept().await.unwrap();
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        let n = sock.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        head.extend_from_slice(&buf[..n]);
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let line = head.lines().next().unwrap_or("").to_owned();
                    let signed = head.lines().any(|l| l.to_ascii_lowercase().starts_with("authorization: aws4-hmac-sha256 credential=ak/") && l.contains("/us-east-1/s3/aws4_request"));
                    log.lock().unwrap().push((line.clone(), signed));
                    let (status, body) = answer(&line, &mut uploads.lock().unwrap());
                    let resp = format!("HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                    sock.write_all(resp.as_bytes()).await.unwrap();
                    let _ = sock.shutdown().await;
                }
            });
            FakeS3 { port, requests }
        }

        fn requests(&self) -> Vec<(String, bool)> {
            self.requests.lock().unwrap().clone()
        }
    }

    fn answer(line: &str, uploads: &mut Vec<(&'static str, &'static str)>) -> (&'static str, String) {
        let target = line.split(' ').nth(1).unwrap_or("");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let params: std::collections::HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8().unwrap().into_owned();
        if line.starts_with("DELETE ") {
            let key = decode(path.strip_prefix("/bucket/").unwrap());
            let id = params["uploadId"].clone();
            let before = uploads.len();
            uploads.retain(|(k, i)| !(*k == key && *i == id));
            return if uploads.len() < before {
                ("204 No Content", String::new())
            } else {
                ("404 Not Found", "<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>".into())
            };
        }
        assert_eq!(path, "/bucket", "{line}");
        assert!(params.contains_key("uploads"), "{line}");
        let max: usize = params["max-uploads"].parse().unwrap();
        let prefix = params.get("prefix").cloned().unwrap_or_default();
        let after = (params.get("key-marker").cloned().unwrap_or_default(), params.get("upload-id-marker").cloned().unwrap_or_default());
        let mut all: Vec<(String, String)> = uploads.iter().map(|(k, i)| (k.to_string(), i.to_string())).filter(|(k, _)| k.starts_with(&prefix)).collect();
        all.sort();
        let rest: Vec<&(String, String)> = all.iter().filter(|u| after.0.is_empty() || **u > after).collect();
        let page = &rest[..rest.len().min(max)];
        let truncated = rest.len() > max;
        let mut xml = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>bucket</Bucket><MaxUploads>{max}</MaxUploads><IsTruncated>{truncated}</IsTruncated>");
        if truncated {
            let (k, i) = page.last().unwrap();
            xml += &format!("<NextKeyMarker>{k}</NextKeyMarker><NextUploadIdMarker>{i}</NextUploadIdMarker>");
        }
        for (k, i) in page {
            xml += &format!("<Upload><Key>{k}</Key><UploadId>{i}</UploadId><Initiated>2024-03-22T10:20:30.000Z</Initiated></Upload>");
        }
        xml += "</ListMultipartUploadsResult>";
        ("200 OK", xml)
    }

    #[tokio::test]
    async fn pages_are_followed_with_both_markers_and_aborts_are_signed() {
        let fake = FakeS3::start(vec![
            ("repo/indices/x/0/__b", "id-3"),
            ("repo/index-5", "id-1"),
            ("repo/indices/x/0/__b", "id-2"),
            ("repo2/index-0", "id-9"),
            ("repo/indices/y/1/__c", "id-4"),
            ("root-object", "id-0"),
            ("repo/segments/zz", "id-5"),
        ])
        .await;
        let o = Options { access_key_id: Some("AK".into()), secret_access_key: Some("SK".into()), ..Default::default() };
        let store = BlobStore::open(&format!("s3://bucket/repo?endpoint=http://127.0.0.1:{}&region=us-east-1", fake.port), &o).unwrap();
        let PendingUploads::Listed(found) = store.pending_uploads_paged(2).await.unwrap() else { panic!("the fake lists uploads") };
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_711_102_830);
        let expected: Vec<PendingUpload> = [("index-5", "id-1"), ("indices/x/0/__b", "id-2"), ("indices/x/0/__b", "id-3"), ("indices/y/1/__c", "id-4"), ("segments/zz", "id-5")]
            .into_iter()
            .map(|(p, i)| PendingUpload { path: p.into(), upload_id: Some(i.into()), initiated: Some(at) })
            .collect();
        assert_eq!(found, expected);
        let lines: Vec<String> = fake.requests().into_iter().map(|(line, signed)| { assert!(signed, "{line}"); line }).collect();
        assert_eq!(
            lines,
            vec![
                "GET /bucket?max-uploads=2&prefix=repo%2F&uploads HTTP/1.1",
                "GET /bucket?key-marker=repo%2Findices%2Fx%2F0%2F__b&max-uploads=2&prefix=repo%2F&upload-id-marker=id-2&uploads HTTP/1.1",
                "GET /bucket?key-marker=repo%2Findices%2Fy%2F1%2F__c&max-uploads=2&prefix=repo%2F&upload-id-marker=id-4&uploads HTTP/1.1",
            ]
        );
        store.abort_upload(&found[2]).await.unwrap();
        store.abort_upload(&found[2]).await.unwrap(); // NoSuchUpload: already gone
        let PendingUploads::Listed(left) = store.pending_uploads().await.unwrap() else { panic!() };
        assert_eq!(left, vec![expected[0].clone(), expected[1].clone(), expected[3].clone(), expected[4].clone()]);
        let lines: Vec<String> = fake.requests().into_iter().skip(3).map(|(line, signed)| { assert!(signed, "{line}"); line }).collect();
        assert_eq!(lines[..2], ["DELETE /bucket/repo/indices/x/0/__b?uploadId=id-3 HTTP/1.1", "DELETE /bucket/repo/indices/x/0/__b?uploadId=id-3 HTTP/1.1"]);

        // Anonymous access sends no signature; a whole-bucket store lists every key.
        let anon = BlobStore::open(&format!("s3://bucket?endpoint=http://127.0.0.1:{}&anonymous=true", fake.port), &Options::default()).unwrap();
        let PendingUploads::Listed(all) = anon.pending_uploads().await.unwrap() else { panic!() };
        let paths: Vec<&str> = all.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(paths, ["repo/index-5", "repo/indices/x/0/__b", "repo/indices/y/1/__c", "repo/segments/zz", "repo2/index-0", "root-object"]);
        let (line, signed) = fake.requests().pop().unwrap();
        assert_eq!((line.as_str(), signed), ("GET /bucket?max-uploads=1000&uploads HTTP/1.1", false));
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_names_the_host() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let o = Options { access_key_id: Some("AK".into()), secret_access_key: Some("s3cr3t-value".into()), ..Default::default() };
        let store = BlobStore::open(&format!("s3://bucket/repo?endpoint=http://127.0.0.1:{port}"), &o).unwrap();
        let e = store.pending_uploads().await.unwrap_err();
        assert!(matches!(e, Error::Unreachable { .. }), "{e}");
        let text = e.to_string();
        assert!(text.starts_with(&format!("s3://bucket/repo: cannot reach 127.0.0.1:{port} (")), "{text}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}
