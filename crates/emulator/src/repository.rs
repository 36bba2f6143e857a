//! Snapshot repository storage and the emulator's repository format.
//!
//! A repository is a local folder (`fs`, and read-only `url` with a `file:` URL) or an S3
//! prefix (`s3`, through [`blobstore::BlobStore`] and the node's `s3.client.default.*`
//! settings, [`crate::S3Client`]). The layout is the real one (docs `shared/docs/formats.md`
//! §1, snapshot-facts §3.3 for what other versions choke on); the blob *contents* are JSON in an
//! emulator-private shape, so that one emulator can restore what another (another personality)
//! wrote after a plain file copy, and ferry's repository reader can list the snapshots:
//!
//! Every blob except `index-N`, `index.latest` and the shard data is wrapped like
//! Elasticsearch's `ChecksumBlobStoreFormat` (codec header `0x3FD76C17`, codec name, version 1;
//! footer `0xC02893E8`, 0, CRC-32), with a JSON body where Elasticsearch writes SMILE; the codec
//! names are the real ones (`snapshot`, `metadata`, `index-metadata`).
//!
//! | blob | content |
//! |---|---|
//! | `index-N` | RepositoryData, written per personality (below) |
//! | `index.latest` | N as 8 bytes, big-endian |
//! | `snap-<uuid>.dat` | `{"snapshot":{name, uuid, version_id, version, indices, data_streams, state, [reason], include_global_state, [metadata], start_time, end_time, total_shards, successful_shards, failures}}` |
//! | `meta-<uuid>.dat` | global state `{"meta-data":{"cluster_uuid":…}}` |
//! | `indices/<index-id>/meta-<uuid>.dat` | `{"<name>":{"state", "settings":{flat strings: index.number_of_shards, index.number_of_replicas, index.uuid, index.creation_date, index.provided_name, index.version.created (the creating cluster's id, kept across restores), [index.blocks.write], …}, "mappings":{type: mapping}, "aliases":{…}, "types":[…], "multi_type":bool}}` |
//! | `indices/<index-id>/<shard>/__<sha256>` | the shard's documents, NDJSON lines `{"id","type","routing","source","version"}` sorted by (type, id); content-addressed, so an unchanged shard reuses its blob in the next snapshot |
//! | `indices/<index-id>/<shard>/snap-<uuid>.dat` | `{name, index_version, start_time, time, incremental_file_count, incremental_size, files:[{name, physical_name, length, checksum (sha256 hex), docs}]}` |
//!
//! `index-N` per writer (field order as the real `RepositoryData.snapshotsToXContent`):
//! - ES 5.6 / 6.8: `{"snapshots":[{name, uuid, state}],"indices":{name:{id, snapshots:[uuid]}}}`;
//! - ES 7.10, OpenSearch: `{"snapshots":[{name, uuid, state, version}],"indices":…,"min_version":"7.9.0"}`;
//! - ES 7.17: `{"min_version":"7.12.0","uuid","cluster_id","snapshots":[{name, uuid, state, version, start_time_millis, end_time_millis}],"indices":…}`
//!   (the `uuid`/`cluster_id` fields OpenSearch cannot parse, snapshot-facts §3.3);
//! - ES 8.15 / 9.1: as 7.17 with `version` the numeric id (formats.md §1: a string up to 8.9).
//!
//! `state` is the numeric `SnapshotState` (0 in progress, 1 success, 2 failed, 3 partial).
//! Every change writes data blobs first, then shard `snap-*`, index `meta-*`, root `snap-*` /
//! `meta-*`, `index-(N+1)` and `index.latest` last; older `index-*` are removed afterwards. A
//! blob that is missing or unreadable is reported as the repository / snapshot exception naming
//! it, never a panic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::errors::EsError;
use crate::personality::Personality;

/// Storage failures, with the blob's location.
#[derive(Debug, Clone)]
pub(crate) enum IoError {
    NotFound(String),
    Other { location: String, detail: String },
}

impl std::fmt::Display for IoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IoError::NotFound(l) => write!(f, "{l}"),
            IoError::Other { location, detail } => write!(f, "{location}: {detail}"),
        }
    }
}

impl IoError {
    /// The Java exception a node would have seen.
    pub fn to_es(&self) -> EsError {
        match self {
            IoError::NotFound(l) => EsError::new(500, "no_such_file_exception", l.clone()),
            IoError::Other { location, detail } => EsError::new(500, "i_o_exception", format!("{location}: {detail}")),
        }
    }
}

/// A small private tokio runtime for S3 I/O, driven from plain threads so the emulator's own
/// (two-worker) runtime never blocks on itself.
pub(crate) struct IoRuntime(Option<tokio::runtime::Runtime>);

impl IoRuntime {
    pub fn new() -> std::io::Result<IoRuntime> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).thread_name("emulator-s3").enable_all().build()?;
        Ok(IoRuntime(Some(rt)))
    }

    fn run<F>(&self, fut: F) -> Result<F::Output, IoError>
    where
        F: std::future::Future + Send,
        F::Output: Send,
    {
        let rt = self.0.as_ref().expect("runtime lives until drop");
        std::thread::scope(|s| s.spawn(|| rt.block_on(fut)).join())
            .map_err(|_| IoError::Other { location: "s3".into(), detail: "the I/O thread panicked".into() })
    }
}

impl Drop for IoRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Where a repository's blobs are.
#[derive(Clone)]
pub(crate) enum Backing {
    Fs(PathBuf),
    S3 { store: Box<blobstore::BlobStore>, io: Arc<IoRuntime>, display: String },
}

impl std::fmt::Debug for Backing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Backing({})", self.location(""))
    }
}

fn s3_error(e: blobstore::Error, location: String) -> IoError {
    if e.is_not_found() {
        return IoError::NotFound(location);
    }
    // blobstore's messages already start with the object's location.
    let text = e.to_string();
    let detail = text.split_once(": ").filter(|(head, _)| head.starts_with("s3://")).map_or(text.clone(), |(_, rest)| rest.to_string());
    IoError::Other { location, detail }
}

impl Backing {
    /// How a blob is named in messages: the folder path or `s3://bucket/base_path/…`.
    pub fn location(&self, path: &str) -> String {
        match self {
            Backing::Fs(root) => root.join(path).to_string_lossy().into_owned(),
            Backing::S3 { display, .. } => {
                if path.is_empty() {
                    display.clone()
                } else {
                    format!("{}/{path}", display.trim_end_matches('/'))
                }
            }
        }
    }

    pub fn read(&self, path: &str) -> Result<Vec<u8>, IoError> {
        match self {
            Backing::Fs(root) => std::fs::read(root.join(path)).map_err(|e| fs_error(e, self.location(path))),
            Backing::S3 { store, io, .. } => {
                io.run(store.read(path))?.map(|b| b.to_vec()).map_err(|e| s3_error(e, self.location(path)))
            }
        }
    }

    /// Missing blobs are `None`.
    pub fn read_opt(&self, path: &str) -> Result<Option<Vec<u8>>, IoError> {
        match self.read(path) {
            Ok(b) => Ok(Some(b)),
            Err(IoError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn write(&self, path: &str, bytes: &[u8]) -> Result<(), IoError> {
        match self {
            Backing::Fs(root) => {
                let full = root.join(path);
                let io = |e: std::io::Error| IoError::Other { location: self.location(path), detail: e.to_string() };
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                // Write aside and rename, so a reader never sees half a blob.
                let tmp = full.with_file_name(format!(".{}.emulator-part", full.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()));
                std::fs::write(&tmp, bytes).map_err(io)?;
                std::fs::rename(&tmp, &full).map_err(io)
            }
            Backing::S3 { store, io, .. } => {
                let data = bytes::Bytes::copy_from_slice(bytes);
                io.run(store.write(path, data))?.map_err(|e| s3_error(e, self.location(path)))
            }
        }
    }

    /// Deleting a missing blob is not an error.
    pub fn delete(&self, path: &str) -> Result<(), IoError> {
        match self {
            Backing::Fs(root) => match std::fs::remove_file(root.join(path)) {
                Ok(()) => {
                    prune_empty_dirs(root, root.join(path).parent());
                    Ok(())
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(IoError::Other { location: self.location(path), detail: e.to_string() }),
            },
            Backing::S3 { store, io, .. } => io.run(store.delete(path))?.map_err(|e| s3_error(e, self.location(path))),
        }
    }

    /// Every blob under `prefix` (a folder path ending in `/`, or `""`), at any depth, relative
    /// to the repository root, sorted.
    pub fn list(&self, prefix: &str) -> Result<Vec<String>, IoError> {
        match self {
            Backing::Fs(root) => {
                let mut out = Vec::new();
                let start = root.join(prefix);
                if !start.exists() {
                    return Ok(out);
                }
                walk(root, &start, &mut out).map_err(|e| IoError::Other { location: self.location(prefix), detail: e.to_string() })?;
                out.sort();
                Ok(out)
            }
            Backing::S3 { store, io, .. } => match io.run(store.list_recursive(prefix))? {
                Ok(entries) => Ok(entries.into_iter().map(|e| e.path).collect()),
                Err(e) if e.is_not_found() => Ok(Vec::new()),
                Err(e) => Err(s3_error(e, self.location(prefix))),
            },
        }
    }

    pub fn exists(&self, path: &str) -> Result<bool, IoError> {
        match self {
            Backing::Fs(root) => Ok(root.join(path).is_file()),
            Backing::S3 { store, io, .. } => {
                io.run(store.stat(path))?.map(|m| m.is_some()).map_err(|e| s3_error(e, self.location(path)))
            }
        }
    }
}

fn fs_error(e: std::io::Error, location: String) -> IoError {
    if e.kind() == std::io::ErrorKind::NotFound {
        IoError::NotFound(location)
    } else {
        IoError::Other { location, detail: e.to_string() }
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            walk(root, &path, out)?;
        } else if !name.ends_with(".emulator-part") {
            if let Ok(rel) = path.strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    Ok(())
}

/// Remove folders left empty by deletes (local repositories only; object stores have none).
fn prune_empty_dirs(root: &Path, mut dir: Option<&Path>) {
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

// ---------------------------------------------------------------------------------------------
// Repository data (`index-N`)

/// One snapshot as `index-N` lists it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SnapEntry {
    pub name: String,
    pub uuid: String,
    /// `SnapshotState` byte: 0 in progress, 1 success, 2 failed, 3 partial, 4 incompatible.
    pub state: u8,
    /// As written: a release string or a numeric id; absent before 7.6.
    pub version: Option<Value>,
    pub start_time_millis: Option<u64>,
    pub end_time_millis: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct IndexEntry {
    pub id: String,
    pub snapshots: Vec<String>,
}

/// The repository's table of contents.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct RepoData {
    /// N of the `index-N` read; `None` for an empty repository.
    pub generation: Option<u64>,
    pub uuid: Option<String>,
    pub cluster_id: Option<String>,
    pub snapshots: Vec<SnapEntry>,
    pub indices: BTreeMap<String, IndexEntry>,
}

pub(crate) fn state_code(state: &str) -> u8 {
    match state {
        "IN_PROGRESS" => 0,
        "SUCCESS" => 1,
        "FAILED" => 2,
        "PARTIAL" => 3,
        _ => 4,
    }
}

pub(crate) fn state_name(code: u8) -> &'static str {
    match code {
        0 => "IN_PROGRESS",
        1 => "SUCCESS",
        2 => "FAILED",
        3 => "PARTIAL",
        _ => "INCOMPATIBLE",
    }
}

/// Why `index-N` could not be used: the exception ES/OpenSearch answer (snapshot-facts §3.3).
fn load_error(repo: &str, cause: EsError) -> EsError {
    EsError::new(500, "repository_exception", format!("[{repo}] Unexpected exception when loading repository data")).caused_by(cause)
}

/// Top-level `index-N` fields OpenSearch's parser knows (it forked from 7.10, before ES 7.12
/// added `uuid` and `cluster_id`; snapshot-facts §3.3).
const OPENSEARCH_KNOWN_FIELDS: &[&str] = &["snapshots", "indices", "min_version", "index_metadata_identifiers", "incompatible-snapshots"];

/// Read the current `index-N` (from `index.latest`, else the highest listed). A repository with
/// neither is empty.
pub(crate) fn load(backing: &Backing, repo: &str, reader: Personality) -> Result<RepoData, EsError> {
    let read_failed = |e: IoError| {
        EsError::new(500, "repository_exception", format!("[{repo}] could not read repository data from index blob")).caused_by(e.to_es())
    };
    let latest = match backing.read_opt("index.latest").map_err(read_failed)? {
        Some(bytes) => match <[u8; 8]>::try_from(bytes.as_slice()) {
            Ok(b) => Some(u64::from_be_bytes(b)),
            Err(_) => {
                return Err(load_error(
                    repo,
                    EsError::new(500, "i_o_exception", format!("{}: expected 8 bytes, found {}", backing.location("index.latest"), bytes.len())),
                ))
            }
        },
        None => None,
    };
    let generation = match latest {
        Some(n) => Some(n),
        None => {
            let names = backing.list("").map_err(read_failed)?;
            names.iter().filter(|n| !n.contains('/')).filter_map(|n| n.strip_prefix("index-")?.parse::<u64>().ok()).max()
        }
    };
    let Some(generation) = generation else {
        return Ok(RepoData::default());
    };
    let path = format!("index-{generation}");
    let raw = backing.read(&path).map_err(read_failed)?;
    parse(&raw, generation, repo, reader, &backing.location(&path))
}

fn parse(raw: &[u8], generation: u64, repo: &str, reader: Personality, location: &str) -> Result<RepoData, EsError> {
    let corrupt = |detail: String| load_error(repo, EsError::new(500, "parsing_exception", format!("{detail} in [{location}]")));
    let v: Value = serde_json::from_slice(raw).map_err(|e| corrupt(format!("Failed to parse repository data: {e}")))?;
    let Value::Object(top) = v else { return Err(corrupt("Failed to parse repository data: not an object".into())) };
    if reader.is_opensearch() {
        if let Some(unknown) = top.keys().find(|k| !OPENSEARCH_KNOWN_FIELDS.contains(&k.as_str())) {
            // Jackson reports the 1-based column of the field name's opening quote.
            let needle = format!("\"{unknown}\"");
            let text = String::from_utf8_lossy(raw);
            let (line, col) = match text.find(&needle) {
                Some(at) => {
                    let before = &text[..at];
                    let line = before.matches('\n').count() + 1;
                    let col = at - before.rfind('\n').map_or(0, |p| p + 1) + 1;
                    (line, col)
                }
                None => (1, 1),
            };
            return Err(load_error(
                repo,
                EsError::new(500, "parsing_exception", format!("Failed to parse object: unknown field [{unknown}] found"))
                    .meta("line", line as u64)
                    .meta("col", col as u64),
            ));
        }
    }
    let mut data = RepoData {
        generation: Some(generation),
        uuid: top.get("uuid").and_then(Value::as_str).map(str::to_string),
        cluster_id: top.get("cluster_id").and_then(Value::as_str).map(str::to_string),
        ..RepoData::default()
    };
    for s in top.get("snapshots").and_then(Value::as_array).into_iter().flatten() {
        let name = s.get("name").and_then(Value::as_str);
        let uuid = s.get("uuid").and_then(Value::as_str);
        let (Some(name), Some(uuid)) = (name, uuid) else {
            return Err(corrupt("Failed to parse repository data: a snapshot entry without name or uuid".into()));
        };
        data.snapshots.push(SnapEntry {
            name: name.to_string(),
            uuid: uuid.to_string(),
            state: s.get("state").and_then(Value::as_u64).map_or(1, |n| n.min(255) as u8),
            version: s.get("version").cloned(),
            start_time_millis: s.get("start_time_millis").and_then(Value::as_u64),
            end_time_millis: s.get("end_time_millis").and_then(Value::as_u64),
        });
    }
    for (name, entry) in top.get("indices").and_then(Value::as_object).into_iter().flatten() {
        let Some(id) = entry.get("id").and_then(Value::as_str) else {
            return Err(corrupt(format!("Failed to parse repository data: index [{name}] has no id")));
        };
        let snapshots = entry
            .get("snapshots")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().or_else(|| s.get("uuid").and_then(Value::as_str)).map(str::to_string))
            .collect();
        data.indices.insert(name.clone(), IndexEntry { id: id.to_string(), snapshots });
    }
    Ok(data)
}

/// `index-N` as `writer` lays it out (module docs).
pub(crate) fn serialize(data: &RepoData, writer: Personality) -> Vec<u8> {
    let mut top = Map::new();
    let with_uuids = matches!(writer, Personality::Es7_17 | Personality::Es8 | Personality::Es9);
    let with_version = !matches!(writer, Personality::Es5_6 | Personality::Es6_8);
    // 7.12+ lead with `min_version`, `uuid`, `cluster_id`; 7.6–7.11 (and OpenSearch) write
    // `min_version` after `indices`.
    if with_uuids {
        top.insert("min_version".into(), json!("7.12.0"));
        top.insert("uuid".into(), json!(data.uuid.clone().unwrap_or_default()));
        top.insert("cluster_id".into(), json!(data.cluster_id.clone().unwrap_or_default()));
    }
    let snapshots: Vec<Value> = data
        .snapshots
        .iter()
        .map(|s| {
            let mut m = Map::new();
            m.insert("name".into(), json!(s.name));
            m.insert("uuid".into(), json!(s.uuid));
            m.insert("state".into(), json!(s.state));
            if with_version {
                if let Some(v) = &s.version {
                    m.insert("version".into(), v.clone());
                }
            }
            if with_uuids {
                if let (Some(a), Some(b)) = (s.start_time_millis, s.end_time_millis) {
                    m.insert("start_time_millis".into(), json!(a));
                    m.insert("end_time_millis".into(), json!(b));
                }
            }
            Value::Object(m)
        })
        .collect();
    top.insert("snapshots".into(), Value::Array(snapshots));
    let mut indices = Map::new();
    for (name, e) in &data.indices {
        indices.insert(name.clone(), json!({"id": e.id, "snapshots": e.snapshots}));
    }
    top.insert("indices".into(), Value::Object(indices));
    if with_version && !with_uuids {
        top.insert("min_version".into(), json!("7.9.0"));
    }
    serde_json::to_vec(&Value::Object(top)).unwrap_or_default()
}

/// The `version` a writer records for its own snapshots in `index-N`.
pub(crate) fn own_version_field(p: Personality) -> Value {
    match p {
        Personality::Es8 | Personality::Es9 => json!(p.version_created().parse::<u64>().unwrap_or(0)),
        _ => json!(p.version_number()),
    }
}

/// Write `index-(N+1)` and `index.latest`, then drop older generations. Returns N+1.
pub(crate) fn publish(backing: &Backing, data: &RepoData, writer: Personality) -> Result<u64, IoError> {
    let next = data.generation.map_or(0, |g| g + 1);
    backing.write(&format!("index-{next}"), &serialize(data, writer))?;
    backing.write("index.latest", &next.to_be_bytes())?;
    for name in backing.list("")? {
        if let Some(n) = name.strip_prefix("index-").and_then(|n| n.parse::<u64>().ok()) {
            if n < next && !name.contains('/') {
                backing.delete(&name)?;
            }
        }
    }
    Ok(next)
}

/// Blob paths.
pub(crate) fn snap_blob(uuid: &str) -> String {
    format!("snap-{uuid}.dat")
}

pub(crate) fn global_meta_blob(uuid: &str) -> String {
    format!("meta-{uuid}.dat")
}

pub(crate) fn index_meta_blob(index_id: &str, uuid: &str) -> String {
    format!("indices/{index_id}/meta-{uuid}.dat")
}

pub(crate) fn shard_snap_blob(index_id: &str, shard: u32, uuid: &str) -> String {
    format!("indices/{index_id}/{shard}/snap-{uuid}.dat")
}

pub(crate) fn data_blob(index_id: &str, shard: u32, name: &str) -> String {
    format!("indices/{index_id}/{shard}/{name}")
}

/// Codec names of checksummed blobs (formats.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Codec {
    /// Root and shard `snap-*.dat`.
    Snapshot,
    /// Root `meta-*.dat`.
    Metadata,
    /// `indices/<id>/meta-*.dat`.
    IndexMetadata,
}

impl Codec {
    fn name(self) -> &'static str {
        match self {
            Codec::Snapshot => "snapshot",
            Codec::Metadata => "metadata",
            Codec::IndexMetadata => "index-metadata",
        }
    }
}

const CODEC_MAGIC: u32 = 0x3FD7_6C17;
const FOOTER_MAGIC: u32 = 0xC028_93E8;

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(bytes);
    c.sum()
}

/// Wrap a body in the checksummed-blob envelope.
pub(crate) fn frame(codec: Codec, body: &[u8]) -> Vec<u8> {
    let name = codec.name().as_bytes();
    let mut out = Vec::with_capacity(body.len() + 32);
    out.extend_from_slice(&CODEC_MAGIC.to_be_bytes());
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.extend_from_slice(&1u32.to_be_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&FOOTER_MAGIC.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    let crc = crc32(&out);
    out.extend_from_slice(&u64::from(crc).to_be_bytes());
    out
}

/// Check the envelope and return the body, or say what is wrong with it.
pub(crate) fn unframe(codec: Codec, blob: &[u8]) -> Result<&[u8], String> {
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    if blob.len() < 25 {
        return Err(format!("too short to be a checksummed blob ({} bytes)", blob.len()));
    }
    let (content, footer) = blob.split_at(blob.len() - 16);
    if be(&footer[0..4]) != FOOTER_MAGIC || be(&footer[4..8]) != 0 {
        return Err("codec footer mismatch".into());
    }
    let stored = u64::from_be_bytes(footer[8..16].try_into().unwrap_or([0; 8]));
    let actual = crc32(&blob[..blob.len() - 8]);
    if stored != u64::from(actual) {
        return Err(format!("checksum failed (hardware problem?) : expected={stored:x} actual={actual:x}"));
    }
    if be(&content[0..4]) != CODEC_MAGIC {
        return Err("codec header mismatch".into());
    }
    let len = content[4] as usize;
    if len >= 128 || 5 + len + 4 > content.len() {
        return Err("codec header mismatch".into());
    }
    let name = &content[5..5 + len];
    if name != codec.name().as_bytes() {
        return Err(format!("codec mismatch: actual codec={} vs expected codec={}", String::from_utf8_lossy(name), codec.name()));
    }
    if be(&content[5 + len..9 + len]) != 1 {
        return Err("format version mismatch".into());
    }
    Ok(&content[9 + len..])
}

/// `__<sha256 hex>` of a shard's documents.
pub(crate) fn content_name(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("__{}", hex::encode(sha2::Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_round_trip_and_corruption() {
        let blob = frame(Codec::Snapshot, b"{\"a\":1}");
        assert_eq!(&blob[..4], &[0x3f, 0xd7, 0x6c, 0x17]);
        assert_eq!(unframe(Codec::Snapshot, &blob).unwrap(), b"{\"a\":1}");
        assert!(unframe(Codec::Metadata, &blob).unwrap_err().starts_with("codec mismatch"));
        for i in 0..blob.len() {
            let mut bad = blob.clone();
            bad[i] ^= 0x40;
            assert!(unframe(Codec::Snapshot, &bad).is_err(), "flip at {i}");
        }
        assert!(unframe(Codec::Snapshot, &blob[..blob.len() - 1]).is_err());
        assert!(unframe(Codec::Snapshot, b"").is_err());
    }

    #[test]
    fn index_n_layouts_and_opensearch_strictness() {
        let mut data = RepoData { generation: Some(0), uuid: Some("RU".into()), cluster_id: Some("CU".into()), ..Default::default() };
        data.snapshots.push(SnapEntry {
            name: "s".into(),
            uuid: "u".into(),
            state: 1,
            version: Some(json!("7.17.0")),
            start_time_millis: Some(1),
            end_time_millis: Some(2),
        });
        data.indices.insert("i".into(), IndexEntry { id: "x".into(), snapshots: vec!["u".into()] });
        let es717 = String::from_utf8(serialize(&data, Personality::Es7_17)).unwrap();
        assert_eq!(
            es717,
            r#"{"min_version":"7.12.0","uuid":"RU","cluster_id":"CU","snapshots":[{"name":"s","uuid":"u","state":1,"version":"7.17.0","start_time_millis":1,"end_time_millis":2}],"indices":{"i":{"id":"x","snapshots":["u"]}}}"#
        );
        let e = parse(es717.as_bytes(), 0, "r", Personality::Os2, "loc").unwrap_err();
        assert_eq!(
            serde_json::to_string(&e.body()).unwrap(),
            r#"{"error":{"root_cause":[{"type":"parsing_exception","reason":"Failed to parse object: unknown field [uuid] found","line":1,"col":25}],"type":"repository_exception","reason":"[r] Unexpected exception when loading repository data","caused_by":{"type":"parsing_exception","reason":"Failed to parse object: unknown field [uuid] found","line":1,"col":25}},"status":500}"#
        );
        let es68 = serialize(&data, Personality::Es6_8);
        assert_eq!(String::from_utf8_lossy(&es68), r#"{"snapshots":[{"name":"s","uuid":"u","state":1}],"indices":{"i":{"id":"x","snapshots":["u"]}}}"#);
        let back = parse(&es68, 3, "r", Personality::Os1_3, "loc").unwrap();
        assert_eq!((back.generation, back.snapshots[0].version.clone(), back.indices["i"].id.as_str()), (Some(3), None, "x"));
        assert!(parse(b"{not json", 0, "r", Personality::Es7_10, "loc").is_err());
    }
}
