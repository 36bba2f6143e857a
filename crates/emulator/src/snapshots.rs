//! Snapshot / restore: repositories, snapshots and their state machine, restore
//! (`docs/snapshot-facts.md`, cited by section).
//!
//! Routes: `PUT|POST /_snapshot/{repo}` (§1.1, §1.4), `GET /_snapshot[/{repo}]` (§1.2),
//! `DELETE /_snapshot/{repo}`, `POST /_snapshot/{repo}/_verify` (§1.3),
//! `PUT|POST /_snapshot/{repo}/{snap}` (§2.1–§2.3, §2.7), `GET /_snapshot/{repo}/{snaps}` (§2.4,
//! §2.5), `GET /_snapshot[/{repo}[/{snaps}]]/_status` (§2.6), `DELETE /_snapshot/{repo}/{snaps}`
//! (§2.7), `POST /_snapshot/{repo}/{snap}/_restore` (§3, §5).
//!
//! State machine. A snapshot captures its indices' documents when it starts, stays
//! `IN_PROGRESS` (`_status`: `STARTED`, processed files and bytes growing shard by shard) for
//! `Config::snapshot_duration`, then is written to the repository (format: `repository.rs`) and
//! ends `SUCCESS`, or `PARTIAL` when shards of `Config::snapshot_failures` indices failed and
//! `partial` was asked. Without `partial`, such a snapshot is refused up front with
//! `Indices don't have primary shards [..]` from 7.9 on (SnapshotsService.createSnapshot), and
//! ends `FAILED` with that reason in 5.6 / 6.8 (§2.8). Completion happens on a timer thread and,
//! so answers never lag, whenever a snapshot API is called after the deadline. 5.6 / 6.8 run one
//! snapshot (and one restore) at a time; later versions run them concurrently (§2.7).
//!
//! A restore reads everything it needs up front, then installs the index at once with its
//! shards `SNAPSHOT`-recovering over `Config::restore_duration` (`_recovery` stages, health red
//! until done; `index_admin.rs`). Documents are searchable from the start (a real index is not
//! until its primaries start; deviation).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::errors::{illegal_argument, index_not_found, validation_failed, EsError};
use crate::faults::Stream;
use crate::personality::Personality;
use crate::repository::{self, Backing, Codec, IoError, RepoData, SnapEntry};
use crate::routes::{Reply, Request};
use crate::store::{Expand, Index, PlainDoc, Recovery, RecoveryKind};
use crate::{versions, S3Client, Shared};

/// The node settings that shape snapshots (from [`crate::Config`]).
#[derive(Clone, Debug)]
pub(crate) struct SnapConfig {
    pub path_repo: Vec<PathBuf>,
    pub s3: Option<S3Client>,
    pub snapshot_duration: Duration,
    pub restore_duration: Duration,
    pub snapshot_failures: Vec<String>,
    pub aws_managed: bool,
}

/// A registered repository.
#[derive(Clone, Debug)]
pub(crate) struct Repo {
    pub name: String,
    pub kind: String,
    /// As registered (rendered as strings by `GET _snapshot`).
    pub settings: Map<String, Value>,
    /// `None` when the storage cannot be reached (an `s3` repository without
    /// `Config::s3`, `gcs`/`azure` without clients).
    pub backing: Option<Backing>,
    pub readonly: bool,
    /// Repository UUID once read from or written to `index-N` (printed by ES 7.12+, §1.2).
    pub uuid: Option<String>,
}

/// One shard of a running snapshot, captured when it started.
#[derive(Clone, Debug)]
struct CapShard {
    blob: String,
    bytes: Arc<Vec<u8>>,
    docs: u64,
    /// The blob was not in the repository yet.
    incremental: bool,
}

#[derive(Clone, Debug)]
struct CapIndex {
    name: String,
    index_id: String,
    meta: Value,
    shards: Vec<CapShard>,
    failed: bool,
}

#[derive(Clone, Debug)]
struct Running {
    repo: String,
    name: String,
    uuid: String,
    started: Instant,
    start_ms: u64,
    duration: Duration,
    include_global_state: bool,
    metadata: Option<Value>,
    indices: Vec<CapIndex>,
    /// 5.6 / 6.8: the snapshot failed before any shard started (§2.8).
    failed_upfront: Option<String>,
}

/// Snapshot state shared by the handlers.
pub(crate) struct State {
    repos: Vec<Repo>,
    running: Vec<Running>,
    /// Snapshots whose finalization failed (kept in memory, shown `FAILED`).
    lost: Vec<(String, Info)>,
    ids: Stream,
    cluster_uuid: String,
    node_id: String,
    node_name: String,
}

impl State {
    pub fn new(seed: u64, cluster_uuid: String, node_id: String, node_name: String) -> State {
        // Mixed with the clock: two emulators with the same seed must not mint the same
        // snapshot UUIDs into one (copied) repository.
        let salt = crate::clock::now_millis() ^ (std::process::id() as u64) << 32;
        State { repos: Vec::new(), running: Vec::new(), lost: Vec::new(), ids: Stream::new(seed ^ salt, 0x5a9), cluster_uuid, node_id, node_name }
    }

    fn new_uuid(&self) -> String {
        use base64::Engine;
        let mut bytes = Vec::with_capacity(16);
        bytes.extend_from_slice(&self.ids.next_u64().to_le_bytes());
        bytes.extend_from_slice(&self.ids.next_u64().to_le_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn repo(&self, name: &str) -> Result<&Repo, EsError> {
        self.repos.iter().find(|r| r.name == name).ok_or_else(|| repository_missing(name))
    }

    fn repo_mut(&mut self, name: &str) -> Option<&mut Repo> {
        self.repos.iter_mut().find(|r| r.name == name)
    }

    pub fn repository_names(&self) -> Vec<String> {
        self.repos.iter().map(|r| r.name.clone()).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Exceptions (snapshot-facts, table at the top)

fn repository_missing(repo: &str) -> EsError {
    EsError::new(404, "repository_missing_exception", format!("[{repo}] missing"))
}

fn repository_exception(repo: &str, msg: impl std::fmt::Display) -> EsError {
    EsError::new(500, "repository_exception", format!("[{repo}] {msg}"))
}

fn snapshot_missing(repo: &str, snap: &str) -> EsError {
    EsError::new(404, "snapshot_missing_exception", format!("[{repo}:{snap}] is missing"))
}

fn invalid_name(repo: &str, snap: &str, desc: &str) -> EsError {
    EsError::new(400, "invalid_snapshot_name_exception", format!("[{repo}:{snap}] Invalid snapshot name [{snap}], {desc}"))
}

fn restore_error(snapshot: &str, msg: impl std::fmt::Display) -> EsError {
    EsError::new(500, "snapshot_restore_exception", format!("{snapshot} {msg}"))
}

/// The read failure a node reports when it cannot get at a repository's blobs.
fn read_failure(repo: &Repo) -> EsError {
    let host = match repo.settings.get("bucket").and_then(Value::as_str) {
        Some(bucket) => format!("{bucket}.s3.amazonaws.com"),
        None => repo.kind.clone(),
    };
    repository_exception(&repo.name, "could not read repository data from index blob")
        .caused_by(EsError::new(500, "sdk_client_exception", format!("Unable to execute HTTP request: {host}")))
}

fn backing(repo: &Repo) -> Result<&Backing, EsError> {
    repo.backing.as_ref().ok_or_else(|| read_failure(repo))
}

fn io_failure(repo: &str, what: &str, e: IoError) -> EsError {
    repository_exception(repo, what).caused_by(e.to_es())
}

// ---------------------------------------------------------------------------------------------
// Repositories (§1)

fn parse_body(req: &Request) -> Result<Map<String, Value>, EsError> {
    match req.json_body()? {
        None => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(EsError::new(400, "parse_exception", "Failed to parse content to map")),
    }
}

fn setting_str(settings: &Map<String, Value>, key: &str) -> Option<String> {
    match settings.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn flag(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true))) || matches!(v, Some(Value::String(s)) if s == "true")
}

/// `RepositoriesService.validate` (texts UNCONFIRMED; the rules mirror snapshot names).
fn validate_repo_name(name: &str) -> Result<(), EsError> {
    if name.is_empty() {
        return Err(repository_exception(name, "cannot be empty"));
    }
    if name.contains('#') {
        return Err(repository_exception(name, "must not contain '#'"));
    }
    if name.contains(['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',']) {
        return Err(repository_exception(name, "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]"));
    }
    Ok(())
}

/// Lexically normalised absolute path (`..` and `.` removed), like `Path.normalize()`.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `Environment.resolveRepoFile`: a location under one of `path.repo` (relative ones against
/// the first), else the §1.4 error.
fn resolve_location(cfg: &SnapConfig, repo: &str, location: &str) -> Result<PathBuf, EsError> {
    let fail = |suffix: &str| {
        let inner = repository_exception(
            repo,
            format!("location [{location}] doesn't match any of the locations specified by path.repo{suffix}"),
        );
        repository_exception(repo, "failed to create repository").caused_by(inner)
    };
    if cfg.path_repo.is_empty() {
        return Err(fail(" because this setting is empty"));
    }
    let loc = Path::new(location);
    let candidate = if loc.is_absolute() { normalize(loc) } else { normalize(&cfg.path_repo[0].join(loc)) };
    if cfg.path_repo.iter().any(|root| candidate.starts_with(normalize(root))) {
        Ok(candidate)
    } else {
        Err(fail(""))
    }
}

fn creation_failed(repo: &str, cause: EsError) -> EsError {
    repository_exception(repo, "failed to create repository").caused_by(cause)
}

/// Build a repository from its registration (§1.4, §1.5).
fn build_repo(shared: &Shared, name: &str, kind: &str, settings: Map<String, Value>) -> Result<Repo, EsError> {
    let p = shared.personality;
    let cfg = &shared.snap_config;
    let does_not_exist = || repository_exception(name, format!("repository type [{kind}] does not exist"));
    let mut repo = Repo { name: name.to_string(), kind: kind.to_string(), settings: settings.clone(), backing: None, readonly: false, uuid: None };
    repo.readonly = flag(settings.get("readonly")) || flag(settings.get("read_only"));
    if cfg.aws_managed && kind != "s3" {
        // A managed domain has no path.repo and only the s3 plugin (§1.5).
        return match kind {
            "fs" => Err(resolve_location(&SnapConfig { path_repo: Vec::new(), ..cfg.clone() }, name, &setting_str(&settings, "location").unwrap_or_default())
                .unwrap_err()),
            _ => Err(does_not_exist()),
        };
    }
    match kind {
        "fs" => {
            let Some(location) = setting_str(&settings, "location").filter(|l| !l.is_empty()) else {
                return Err(creation_failed(name, repository_exception(name, "missing location")));
            };
            let dir = resolve_location(cfg, name, &location)?;
            if !repo.readonly {
                std::fs::create_dir_all(&dir).map_err(|e| {
                    creation_failed(name, EsError::new(500, "i_o_exception", format!("{}: {e}", dir.display())))
                })?;
            }
            repo.backing = Some(Backing::Fs(dir));
        }
        "url" => {
            // Read-only; a `file:` URL must lie under path.repo (the `repositories.url.allowed_urls`
            // alternative is not emulated; wording UNCONFIRMED).
            let url = setting_str(&settings, "url").unwrap_or_default();
            repo.readonly = true;
            let path = url.strip_prefix("file://").or_else(|| url.strip_prefix("file:"));
            match path.map(|p| resolve_location(cfg, name, p)) {
                Some(Ok(dir)) => repo.backing = Some(Backing::Fs(dir)),
                _ => {
                    return Err(creation_failed(
                        name,
                        repository_exception(name, format!("file url [{url}] doesn't match any of the locations specified by path.repo or repositories.url.allowed_urls")),
                    ))
                }
            }
        }
        "s3" => {
            let Some(bucket) = setting_str(&settings, "bucket").filter(|b| !b.is_empty()) else {
                return Err(creation_failed(name, illegal_argument("No bucket defined for s3 repository")));
            };
            if cfg.aws_managed && setting_str(&settings, "role_arn").is_none_or(|r| r.is_empty()) {
                // UNCONFIRMED: no source shows Amazon's answer to a registration without
                // `role_arn` (§1.5); the repository-creation failure shape of §1.4 is used.
                return Err(creation_failed(name, illegal_argument("[role_arn] is required to register an s3 repository on Amazon OpenSearch Service")));
            }
            if let Some(client) = &cfg.s3 {
                let base = setting_str(&settings, "base_path").unwrap_or_default();
                let base = base.trim_matches('/');
                let url = if base.is_empty() { format!("s3://{bucket}") } else { format!("s3://{bucket}/{base}") };
                let options = blobstore::Options {
                    endpoint: Some(client.endpoint.clone()),
                    region: Some(client.region.clone()),
                    access_key_id: Some(client.access_key.clone()),
                    secret_access_key: Some(client.secret_key.clone()),
                    path_style: Some(true),
                    ..Default::default()
                };
                let store = blobstore::BlobStore::open(&url, &options)
                    .map_err(|e| creation_failed(name, EsError::new(500, "i_o_exception", e.to_string())))?;
                let io = shared.io_runtime().map_err(|e| creation_failed(name, EsError::new(500, "i_o_exception", e.to_string())))?;
                repo.backing = Some(Backing::S3 { store: Box::new(store), io, display: url });
            }
        }
        // Bundled modules in ES 8 / 9; plugins elsewhere (§1.4).
        "gcs" | "azure" if matches!(p, Personality::Es8 | Personality::Es9) => {}
        _ => return Err(does_not_exist()),
    }
    Ok(repo)
}

/// `startVerification`: the master writes a test blob, the data node another, both are deleted
/// (§1.3). Failure: `repository_verification_exception` with the I/O error as cause.
fn verify(repo: &Repo, node_id: &str, seed: &str) -> Result<(), EsError> {
    let base = repo.settings.get("base_path").and_then(Value::as_str).unwrap_or("").trim_matches('/').to_string();
    let fail = |cause: EsError| {
        EsError::new(500, "repository_verification_exception", format!("[{}] path [{base}] is not accessible on master node", repo.name))
            .caused_by(cause)
    };
    let prefix = format!("tests-{seed}");
    let Some(b) = &repo.backing else {
        let master = if base.is_empty() { format!("{prefix}/master.dat") } else { format!("{base}/{prefix}/master.dat") };
        let host = match repo.settings.get("bucket").and_then(Value::as_str) {
            Some(bucket) => format!("{bucket}.s3.amazonaws.com"),
            None => format!("{} storage", repo.kind),
        };
        // UNCONFIRMED exact AWS SDK wording (§1.3 shows only the outer exception).
        return Err(fail(
            EsError::new(500, "i_o_exception", format!("Unable to upload object [{master}] using a single upload"))
                .caused_by(EsError::new(500, "sdk_client_exception", format!("Unable to execute HTTP request: {host}"))),
        ));
    };
    let master = format!("{prefix}/master.dat");
    let data = format!("{prefix}/data-{node_id}.dat");
    b.write(&master, seed.as_bytes()).map_err(|e| fail(e.to_es()))?;
    b.write(&data, seed.as_bytes()).map_err(|e| fail(e.to_es()))?;
    b.delete(&data).map_err(|e| fail(e.to_es()))?;
    b.delete(&master).map_err(|e| fail(e.to_es()))?;
    Ok(())
}

pub(crate) fn put_repository(shared: &Shared, req: &Request, name: &str) -> Reply {
    let p = shared.personality;
    match put_repository_inner(shared, req, name) {
        Ok(()) => Reply::json(200, json!({"acknowledged": true})),
        Err(e) => Reply::es_error(p, &e),
    }
}

fn put_repository_inner(shared: &Shared, req: &Request, name: &str) -> Result<(), EsError> {
    let body = parse_body(req)?;
    let Some(kind) = body.get("type").and_then(Value::as_str).map(str::to_string) else {
        return Err(validation_failed(&["type is missing"]));
    };
    validate_repo_name(name)?;
    let settings = body.get("settings").and_then(Value::as_object).cloned().unwrap_or_default();
    let repo = build_repo(shared, name, &kind, settings)?;
    let verify_it = req.param("verify") != Some("false") && !repo.readonly;
    let mut st = shared.snaps();
    let (node_id, seed) = (st.node_id.clone(), st.new_uuid());
    // Registered first, verified after: a failed verification leaves it registered (§1.3).
    match st.repos.iter_mut().find(|r| r.name == name) {
        Some(slot) => *slot = repo.clone(),
        None => st.repos.push(repo.clone()),
    }
    if verify_it {
        verify(&repo, &node_id, &seed)?;
    }
    Ok(())
}

/// `GET /_snapshot[/{repos}]`: keyed by name in registration order; `uuid` from 7.12 once
/// known (§1.2). Setting values are strings.
pub(crate) fn get_repositories(shared: &Shared, expr: Option<&str>) -> Reply {
    let p = shared.personality;
    let st = shared.snaps();
    let selected: Vec<&Repo> = match expr {
        None | Some("_all") | Some("*") => st.repos.iter().collect(),
        Some(list) => {
            let mut out: Vec<&Repo> = Vec::new();
            for part in list.split(',').filter(|s| !s.is_empty()) {
                if part.contains('*') {
                    out.extend(st.repos.iter().filter(|r| crate::filter_path::glob_match(part, &r.name)));
                } else {
                    match st.repos.iter().find(|r| r.name == part) {
                        Some(r) => out.push(r),
                        None => return Reply::es_error(p, &repository_missing(part)),
                    }
                }
            }
            let mut seen = BTreeSet::new();
            out.retain(|r| seen.insert(r.name.clone()));
            out
        }
    };
    let mut top = Map::new();
    for r in selected {
        let mut m = Map::new();
        m.insert("type".into(), json!(r.kind));
        if matches!(p, Personality::Es7_17 | Personality::Es8 | Personality::Es9) {
            if let Some(u) = &r.uuid {
                m.insert("uuid".into(), json!(u));
            }
        }
        m.insert("settings".into(), Value::Object(string_settings(&r.settings)));
        top.insert(r.name.clone(), Value::Object(m));
    }
    Reply::json(200, Value::Object(top))
}

/// Settings as a node stores them: flat keys sorted, every value a string; nested objects are
/// rendered nested again.
fn string_settings(settings: &Map<String, Value>) -> Map<String, Value> {
    let mut flat = BTreeMap::new();
    fn walk(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    walk(&if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, v, out);
                }
            }
            Value::String(s) => {
                out.insert(prefix.to_string(), s.clone());
            }
            Value::Null => {}
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    for (k, v) in settings {
        walk(k, v, &mut flat);
    }
    let mut out = Map::new();
    for (k, v) in flat {
        out.insert(k, json!(v));
    }
    out
}

pub(crate) fn delete_repository(shared: &Shared, expr: &str) -> Reply {
    let p = shared.personality;
    let mut st = shared.snaps();
    let mut doomed = BTreeSet::new();
    for part in expr.split(',').filter(|s| !s.is_empty()) {
        if part.contains('*') || part == "_all" {
            doomed.extend(st.repos.iter().filter(|r| part == "_all" || crate::filter_path::glob_match(part, &r.name)).map(|r| r.name.clone()));
        } else if st.repos.iter().any(|r| r.name == part) {
            doomed.insert(part.to_string());
        } else {
            return Reply::es_error(p, &repository_missing(part));
        }
    }
    st.repos.retain(|r| !doomed.contains(&r.name));
    Reply::json(200, json!({"acknowledged": true}))
}

pub(crate) fn verify_repository(shared: &Shared, name: &str) -> Reply {
    let p = shared.personality;
    let st = shared.snaps();
    let repo = match st.repo(name) {
        Ok(r) => r.clone(),
        Err(e) => return Reply::es_error(p, &e),
    };
    let seed = st.new_uuid();
    let (node_id, node_name) = (st.node_id.clone(), st.node_name.clone());
    drop(st);
    if !repo.readonly {
        if let Err(e) = verify(&repo, &node_id, &seed) {
            return Reply::es_error(p, &e);
        }
    }
    Reply::json(200, json!({"nodes": {node_id: {"name": node_name}}}))
}

// ---------------------------------------------------------------------------------------------
// Snapshot information (§2.4) and its repository blob

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Failure {
    index: String,
    index_uuid: String,
    shard: u32,
    reason: String,
    node_id: Option<String>,
    status: String,
}

/// A SnapshotInfo, version independent.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Info {
    name: String,
    uuid: String,
    version_id: u64,
    indices: Vec<String>,
    include_global_state: bool,
    metadata: Option<Value>,
    state: String,
    reason: Option<String>,
    start: u64,
    end: u64,
    failures: Vec<Failure>,
    total_shards: u32,
    successful_shards: u32,
}

impl Info {
    fn to_blob(&self, version_text: &str) -> Vec<u8> {
        let failures: Vec<Value> = self
            .failures
            .iter()
            .map(|f| {
                let mut m = Map::new();
                m.insert("index".into(), json!(f.index));
                m.insert("index_uuid".into(), json!(f.index_uuid));
                m.insert("shard_id".into(), json!(f.shard));
                m.insert("reason".into(), json!(f.reason));
                if let Some(n) = &f.node_id {
                    m.insert("node_id".into(), json!(n));
                }
                m.insert("status".into(), json!(f.status));
                Value::Object(m)
            })
            .collect();
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("uuid".into(), json!(self.uuid));
        m.insert("version_id".into(), json!(self.version_id));
        m.insert("version".into(), json!(version_text));
        m.insert("indices".into(), json!(self.indices));
        m.insert("data_streams".into(), json!([]));
        m.insert("state".into(), json!(self.state));
        if let Some(r) = &self.reason {
            m.insert("reason".into(), json!(r));
        }
        m.insert("include_global_state".into(), json!(self.include_global_state));
        if let Some(md) = &self.metadata {
            m.insert("metadata".into(), md.clone());
        }
        m.insert("start_time".into(), json!(self.start));
        m.insert("end_time".into(), json!(self.end));
        m.insert("total_shards".into(), json!(self.total_shards));
        m.insert("successful_shards".into(), json!(self.successful_shards));
        m.insert("failures".into(), Value::Array(failures));
        serde_json::to_vec(&json!({ "snapshot": Value::Object(m) })).unwrap_or_default()
    }

    fn from_blob(bytes: &[u8]) -> Result<Info, String> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not a snapshot info blob ({e})"))?;
        let s = v.get("snapshot").ok_or("no [snapshot] object")?;
        let text = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_string);
        let num = |k: &str| s.get(k).and_then(Value::as_u64);
        let failures = s
            .get("failures")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|f| Failure {
                index: f.get("index").and_then(Value::as_str).unwrap_or_default().to_string(),
                index_uuid: f.get("index_uuid").and_then(Value::as_str).unwrap_or_default().to_string(),
                shard: f.get("shard_id").and_then(Value::as_u64).unwrap_or(0) as u32,
                reason: f.get("reason").and_then(Value::as_str).unwrap_or_default().to_string(),
                node_id: f.get("node_id").and_then(Value::as_str).map(str::to_string),
                status: f.get("status").and_then(Value::as_str).unwrap_or("INTERNAL_SERVER_ERROR").to_string(),
            })
            .collect();
        Ok(Info {
            name: text("name").ok_or("no [name]")?,
            uuid: text("uuid").ok_or("no [uuid]")?,
            version_id: num("version_id").ok_or("no [version_id]")?,
            indices: s.get("indices").and_then(Value::as_array).into_iter().flatten().filter_map(|i| i.as_str().map(str::to_string)).collect(),
            include_global_state: s.get("include_global_state").and_then(Value::as_bool).unwrap_or(true),
            metadata: s.get("metadata").cloned().filter(|m| !m.is_null()),
            state: text("state").ok_or("no [state]")?,
            reason: text("reason"),
            start: num("start_time").unwrap_or(0),
            end: num("end_time").unwrap_or(0),
            failures,
            total_shards: num("total_shards").unwrap_or(0) as u32,
            successful_shards: num("successful_shards").unwrap_or(0) as u32,
        })
    }
}

/// `strict_date_optional_time` in UTC with milliseconds.
pub(crate) fn iso_millis(ms: u64) -> String {
    let secs = (ms / 1000) as i64;
    let (y, m, d) = crate::clock::civil_from_days(secs.div_euclid(86_400));
    let r = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", r / 3600, r / 60 % 60, r % 60, ms % 1000)
}

/// SnapshotInfo as `p` prints it (§2.4 key-order table).
fn render_info(p: Personality, repo: &str, i: &Info, with_repository: bool, verbose: bool) -> Value {
    let ds = !matches!(p, Personality::Es5_6 | Personality::Es6_8);
    let mut m = Map::new();
    m.insert("snapshot".into(), json!(i.name));
    m.insert("uuid".into(), json!(i.uuid));
    if with_repository {
        m.insert("repository".into(), json!(repo));
    }
    if !verbose {
        // `verbose=false`: only what index-N holds (§2.1; key order UNCONFIRMED).
        m.insert("indices".into(), json!(i.indices));
        if ds {
            m.insert("data_streams".into(), json!([]));
        }
        m.insert("state".into(), json!(i.state));
        return Value::Object(m);
    }
    m.insert("version_id".into(), json!(i.version_id));
    m.insert("version".into(), json!(versions::text(p, i.version_id)));
    if matches!(p, Personality::Os2 | Personality::Os3) {
        m.insert("remote_store_index_shallow_copy".into(), json!(false));
    }
    m.insert("indices".into(), json!(i.indices));
    if ds {
        m.insert("data_streams".into(), json!([]));
    }
    if p != Personality::Es5_6 {
        m.insert("include_global_state".into(), json!(i.include_global_state));
    }
    if ds {
        if let Some(md) = &i.metadata {
            m.insert("metadata".into(), md.clone());
        }
    }
    m.insert("state".into(), json!(i.state));
    if let Some(r) = &i.reason {
        m.insert("reason".into(), json!(r));
    }
    m.insert("start_time".into(), json!(iso_millis(i.start)));
    m.insert("start_time_in_millis".into(), json!(i.start));
    // In progress: `end_time_in_millis` 0 (§2.4; the epoch string is UNCONFIRMED).
    m.insert("end_time".into(), json!(iso_millis(i.end)));
    m.insert("end_time_in_millis".into(), json!(i.end));
    m.insert("duration_in_millis".into(), json!(if i.end == 0 { 0 } else { i.end.saturating_sub(i.start) }));
    let failures: Vec<Value> = i
        .failures
        .iter()
        .map(|f| {
            let mut fm = Map::new();
            fm.insert("index".into(), json!(f.index));
            fm.insert("index_uuid".into(), json!(f.index_uuid));
            fm.insert("shard_id".into(), json!(f.shard));
            fm.insert("reason".into(), json!(f.reason));
            if let Some(n) = &f.node_id {
                fm.insert("node_id".into(), json!(n));
            }
            fm.insert("status".into(), json!(f.status));
            Value::Object(fm)
        })
        .collect();
    m.insert("failures".into(), Value::Array(failures));
    m.insert(
        "shards".into(),
        json!({"total": i.total_shards, "failed": i.total_shards.saturating_sub(i.successful_shards), "successful": i.successful_shards}),
    );
    if matches!(p, Personality::Es7_17 | Personality::Es8 | Personality::Es9) {
        m.insert("feature_states".into(), json!([]));
    }
    Value::Object(m)
}

/// `repository` inside GET answers: ES 7.14+ (§2.4).
fn get_has_repository(p: Personality) -> bool {
    matches!(p, Personality::Es7_17 | Personality::Es8 | Personality::Es9)
}

impl Running {
    fn info(&self, version_id: u64) -> Info {
        Info {
            name: self.name.clone(),
            uuid: self.uuid.clone(),
            version_id,
            indices: self.indices.iter().map(|i| i.name.clone()).collect(),
            include_global_state: self.include_global_state,
            metadata: self.metadata.clone(),
            state: "IN_PROGRESS".into(),
            reason: None,
            start: self.start_ms,
            end: 0,
            failures: Vec::new(),
            total_shards: 0,
            successful_shards: 0,
        }
    }

    fn due(&self, now: Instant) -> bool {
        now >= self.started + self.duration
    }
}

// ---------------------------------------------------------------------------------------------
// Creating snapshots (§2.2, §2.3, §2.7)

/// `SnapshotsService.validate` (§2.7).
fn validate_snapshot_name(repo: &str, name: &str) -> Result<(), EsError> {
    let bad = |desc: &str| Err(invalid_name(repo, name, desc));
    if name.is_empty() {
        return bad("cannot be empty");
    }
    if name.contains(' ') {
        return bad("must not contain whitespace");
    }
    if name.contains(',') {
        return bad("must not contain ','");
    }
    if name.contains('#') {
        return bad("must not contain '#'");
    }
    if name.starts_with('_') {
        return bad("must not start with '_'");
    }
    if name.to_lowercase() != name {
        return bad("must be lowercase");
    }
    if name.contains(['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',']) {
        return bad("must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]");
    }
    Ok(())
}

/// `indices` as a string (`a,b`) or an array.
fn indices_expr(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
        _ => "_all".to_string(),
    }
}

fn body_flag(body: &Map<String, Value>, key: &str, default: bool) -> bool {
    match body.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => default,
    }
}

/// The index metadata blob content (module docs of `repository.rs`).
fn index_meta(p: Personality, idx: &Index) -> Value {
    let mut settings = Map::new();
    for (k, v) in crate::indices::flat_settings(p, idx) {
        settings.insert(k, json!(v));
    }
    json!({ idx.name.clone(): {
        "state": if idx.closed { "close" } else { "open" },
        "settings": settings,
        "mappings": idx.mappings,
        "aliases": idx.aliases,
        "types": idx.types,
        "multi_type": idx.is_multi_type(),
    }})
}

fn shard_ndjson(docs: &[PlainDoc]) -> Vec<u8> {
    let mut out = Vec::new();
    for d in docs {
        let line = json!({
            "id": d.id,
            "type": d.doc_type,
            "routing": d.routing,
            "source": d.source.clone().unwrap_or(Value::Null),
            "version": d.version,
        });
        if serde_json::to_writer(&mut out, &line).is_ok() {
            out.push(b'\n');
        }
    }
    out
}

/// What `start_snapshot` hands back: the snapshot UUID and when it ends.
struct Started {
    uuid: String,
    finish: Instant,
}

pub(crate) async fn create(shared: &Arc<Shared>, req: &Request, repo: &str, name: &str) -> Reply {
    let p = shared.personality;
    let started = match start_snapshot(shared, req, repo, name) {
        Ok(s) => s,
        Err(e) => return Reply::es_error(p, &e),
    };
    if !req.flag("wait_for_completion") {
        return Reply::json(200, json!({"accepted": true}));
    }
    let now = Instant::now();
    if started.finish > now {
        tokio::time::sleep(started.finish - now).await;
    }
    tick(shared);
    match find_info(shared, repo, &started.uuid) {
        // 7.14–7.17 print no `repository` here; 8.9+ do (§2.3).
        Ok(Some(info)) => Reply::json(200, json!({"snapshot": render_info(p, repo, &info, matches!(p, Personality::Es8 | Personality::Es9), true)})),
        Ok(None) => Reply::es_error(p, &snapshot_missing(repo, name)),
        Err(e) => Reply::es_error(p, &e),
    }
}

fn start_snapshot(shared: &Arc<Shared>, req: &Request, repo_name: &str, name: &str) -> Result<Started, EsError> {
    let p = shared.personality;
    tick(shared);
    validate_snapshot_name(repo_name, name)?;
    let body = parse_body(req)?;
    let mut st = shared.snaps();
    let repo = st.repo(repo_name)?.clone();
    if repo.readonly {
        return Err(repository_exception(repo_name, "cannot create snapshot in a readonly repository"));
    }
    let b = backing(&repo)?.clone();
    let data = repository::load(&b, repo_name, p)?;
    if let (Some(u), Some(r)) = (data.uuid.clone(), st.repo_mut(repo_name)) {
        r.uuid = Some(u);
    }
    if data.snapshots.iter().any(|s| s.name == name) {
        return Err(invalid_name(repo_name, name, "snapshot with the same name already exists"));
    }
    let legacy = matches!(p, Personality::Es5_6 | Personality::Es6_8);
    if legacy && !st.running.is_empty() {
        return Err(EsError::new(503, "concurrent_snapshot_execution_exception", format!("[{repo_name}:{name}] a snapshot is already running")));
    }
    if st.running.iter().any(|r| r.repo == repo_name && r.name == name) {
        return Err(invalid_name(repo_name, name, "snapshot with the same name is already in-progress"));
    }
    let uuid = st.new_uuid();
    let partial = body_flag(&body, "partial", false);
    let include_global_state = body_flag(&body, "include_global_state", true);
    let metadata = if legacy { None } else { body.get("metadata").cloned().filter(|m| !m.is_null()) };
    let ignore_unavailable = body_flag(&body, "ignore_unavailable", false);
    // 7.2+ snapshot closed (replicated) indices too; 6.x only open ones.
    let default_expand = if legacy { Expand::OPEN } else { Expand::ALL };
    let expand = Expand::param(body.get("expand_wildcards").and_then(Value::as_str), default_expand);
    let expr = indices_expr(body.get("indices"));
    let failing = &shared.snap_config.snapshot_failures;
    let mut captured = Vec::new();
    {
        let cluster = shared.cluster();
        let names = cluster.resolve_with(&expr, "index_or_alias", expand, false, ignore_unavailable)?;
        for n in names {
            let idx = &cluster.indices[&n];
            let index_id = data.indices.get(&n).map(|e| e.id.clone()).unwrap_or_else(|| st.new_uuid());
            let shards = idx
                .docs_by_shard()
                .iter()
                .map(|docs| {
                    let bytes = shard_ndjson(docs);
                    CapShard { blob: repository::content_name(&bytes), docs: docs.len() as u64, bytes: Arc::new(bytes), incremental: true }
                })
                .collect();
            captured.push(CapIndex { name: n.clone(), index_id, meta: index_meta(p, idx), shards, failed: failing.contains(&n) });
        }
    }
    for ci in &mut captured {
        let existing: BTreeSet<String> = b
            .list(&format!("indices/{}/", ci.index_id))
            .map_err(|e| io_failure(repo_name, "could not list the repository", e))?
            .into_iter()
            .collect();
        for (i, s) in ci.shards.iter_mut().enumerate() {
            s.incremental = !existing.contains(&repository::data_blob(&ci.index_id, i as u32, &s.blob));
        }
    }
    let missing: Vec<String> = captured.iter().filter(|c| c.failed).map(|c| c.name.clone()).collect();
    let mut failed_upfront = None;
    if !missing.is_empty() && !partial {
        let reason = format!("Indices don't have primary shards [{}]", missing.join(", "));
        if !legacy {
            // 7.9+: refused before it starts (§2.8).
            return Err(EsError::new(500, "snapshot_exception", format!("[{repo_name}:{name}/{uuid}] {reason}")));
        }
        failed_upfront = Some(reason);
    }
    let duration = if failed_upfront.is_some() { Duration::ZERO } else { shared.snap_config.snapshot_duration };
    let now = Instant::now();
    st.running.push(Running {
        repo: repo_name.to_string(),
        name: name.to_string(),
        uuid: uuid.clone(),
        started: now,
        start_ms: crate::clock::now_millis(),
        duration,
        include_global_state,
        metadata,
        indices: captured,
        failed_upfront,
    });
    drop(st);
    schedule_tick(shared, duration);
    Ok(Started { uuid, finish: now + duration })
}

/// Finish due snapshots on a timer thread (holding only a weak reference).
fn schedule_tick(shared: &Arc<Shared>, after: Duration) {
    let weak: Weak<Shared> = Arc::downgrade(shared);
    let _ = std::thread::Builder::new().name("emulator-snapshot".into()).spawn(move || {
        std::thread::sleep(after + Duration::from_millis(5));
        if let Some(s) = weak.upgrade() {
            tick(&s);
        }
    });
}

/// Finalize every running snapshot whose time is up.
pub(crate) fn tick(shared: &Shared) {
    let p = shared.personality;
    let mut st = shared.snaps();
    let now = Instant::now();
    if !st.running.iter().any(|r| r.due(now)) {
        return;
    }
    let (due, rest): (Vec<Running>, Vec<Running>) = std::mem::take(&mut st.running).into_iter().partition(|r| r.due(now));
    st.running = rest;
    for r in due {
        if let Err(reason) = finalize(p, &mut st, &r) {
            let mut info = r.info(versions::own_id(p));
            info.state = "FAILED".into();
            info.reason = Some(reason);
            info.end = crate::clock::now_millis();
            st.lost.push((r.repo.clone(), info));
        }
    }
}

/// Write a finished snapshot into its repository, in the order of the module docs.
fn finalize(p: Personality, st: &mut State, r: &Running) -> Result<(), String> {
    let Some(repo) = st.repos.iter().find(|x| x.name == r.repo).cloned() else {
        return Err(format!("repository [{}] was unregistered", r.repo));
    };
    let b = repo.backing.clone().ok_or("repository unreachable")?;
    let mut data = repository::load(&b, &r.repo, p).map_err(|e| e.reason)?;
    let io = |e: IoError| e.to_string();
    let end = crate::clock::now_millis();
    let mut failures = Vec::new();
    let (mut total, mut ok) = (0u32, 0u32);
    for ci in &r.indices {
        let id = data.indices.get(&ci.name).map(|e| e.id.clone()).unwrap_or_else(|| ci.index_id.clone());
        for (i, s) in ci.shards.iter().enumerate() {
            let shard = i as u32;
            total += 1;
            if ci.failed {
                failures.push(Failure {
                    index: ci.name.clone(),
                    index_uuid: ci.name.clone(),
                    shard,
                    reason: "primary shard is not allocated".into(),
                    node_id: None,
                    status: "INTERNAL_SERVER_ERROR".into(),
                });
                continue;
            }
            if r.failed_upfront.is_some() {
                continue;
            }
            let path = repository::data_blob(&id, shard, &s.blob);
            if !b.exists(&path).map_err(io)? {
                b.write(&path, &s.bytes).map_err(io)?;
            }
            let (inc_files, inc_size) = if s.incremental { (1, s.bytes.len()) } else { (0, 0) };
            let shard_snap = json!({
                "name": r.name,
                "index_version": 0,
                "start_time": r.start_ms,
                "time": end.saturating_sub(r.start_ms),
                "incremental_file_count": inc_files,
                "incremental_size": inc_size,
                "files": [{"name": s.blob, "physical_name": "documents.ndjson", "length": s.bytes.len(), "checksum": &s.blob[2..], "docs": s.docs}],
            });
            let framed = repository::frame(Codec::Snapshot, &serde_json::to_vec(&shard_snap).unwrap_or_default());
            b.write(&repository::shard_snap_blob(&id, shard, &r.uuid), &framed).map_err(io)?;
            ok += 1;
        }
        let framed = repository::frame(Codec::IndexMetadata, &serde_json::to_vec(&ci.meta).unwrap_or_default());
        b.write(&repository::index_meta_blob(&id, &r.uuid), &framed).map_err(io)?;
        let entry = data.indices.entry(ci.name.clone()).or_insert_with(|| repository::IndexEntry { id: id.clone(), snapshots: Vec::new() });
        entry.snapshots.push(r.uuid.clone());
    }
    let (state, reason) = match &r.failed_upfront {
        Some(reason) => ("FAILED", Some(reason.clone())),
        None if failures.is_empty() => ("SUCCESS", None),
        None => ("PARTIAL", None),
    };
    let info = Info {
        name: r.name.clone(),
        uuid: r.uuid.clone(),
        version_id: versions::own_id(p),
        indices: r.indices.iter().map(|i| i.name.clone()).collect(),
        include_global_state: r.include_global_state,
        metadata: r.metadata.clone(),
        state: state.into(),
        reason,
        start: r.start_ms,
        end,
        failures,
        total_shards: total,
        successful_shards: if r.failed_upfront.is_some() { 0 } else { ok },
    };
    b.write(&repository::snap_blob(&r.uuid), &repository::frame(Codec::Snapshot, &info.to_blob(p.version_number()))).map_err(io)?;
    let global = serde_json::to_vec(&json!({"meta-data": {"cluster_uuid": st.cluster_uuid}})).unwrap_or_default();
    b.write(&repository::global_meta_blob(&r.uuid), &repository::frame(Codec::Metadata, &global)).map_err(io)?;
    data.snapshots.push(SnapEntry {
        name: r.name.clone(),
        uuid: r.uuid.clone(),
        state: repository::state_code(state),
        version: Some(repository::own_version_field(p)),
        start_time_millis: Some(r.start_ms),
        end_time_millis: Some(end),
    });
    if matches!(p, Personality::Es7_17 | Personality::Es8 | Personality::Es9) {
        if data.uuid.as_deref().is_none_or(str::is_empty) {
            data.uuid = Some(st.new_uuid());
        }
        data.cluster_id = Some(st.cluster_uuid.clone());
    }
    repository::publish(&b, &data, p).map_err(io)?;
    if let Some(x) = st.repo_mut(&r.repo) {
        x.uuid = data.uuid.clone().or(x.uuid.take());
    }
    Ok(())
}

/// A finished snapshot's info by UUID (from the repository, or the lost ones).
fn find_info(shared: &Shared, repo: &str, uuid: &str) -> Result<Option<Info>, EsError> {
    let st = shared.snaps();
    if let Some((_, i)) = st.lost.iter().find(|(r, i)| r == repo && i.uuid == uuid) {
        return Ok(Some(i.clone()));
    }
    let r = st.repo(repo)?.clone();
    drop(st);
    let b = backing(&r)?;
    let data = repository::load(b, repo, shared.personality)?;
    match data.snapshots.iter().find(|s| s.uuid == uuid) {
        Some(e) => read_info(b, repo, e).map(Some),
        None => Ok(None),
    }
}

fn read_info(b: &Backing, repo: &str, e: &SnapEntry) -> Result<Info, EsError> {
    let path = repository::snap_blob(&e.uuid);
    let bytes = b.read(&path).map_err(|err| match err {
        IoError::NotFound(l) => snapshot_missing(repo, &e.name).caused_by(EsError::new(404, "no_such_file_exception", l)),
        other => EsError::new(500, "snapshot_exception", format!("[{repo}:{}/{}] Snapshot could not be read", e.name, e.uuid)).caused_by(other.to_es()),
    })?;
    repository::unframe(Codec::Snapshot, &bytes).and_then(Info::from_blob).map_err(|detail| blob_corrupt(b, repo, &e.name, &e.uuid, &path, &detail))
}

// ---------------------------------------------------------------------------------------------
// Listing (§2.5), status (§2.6), deleting (§2.7)

/// Names matching a comma list with wildcards; `Err(name)` for a missing concrete one.
fn select<'a>(all: impl Iterator<Item = &'a str> + Clone, expr: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for (i, part) in expr.split(',').map(str::trim).filter(|s| !s.is_empty()).enumerate() {
        if part == "_all" || part == "*" {
            out.extend(all.clone().map(str::to_string));
        } else if let Some(ex) = part.strip_prefix('-').filter(|_| part.len() > 1) {
            if i == 0 {
                out.extend(all.clone().map(str::to_string));
            }
            out.retain(|n| !crate::filter_path::glob_match(ex, n));
        } else if part.contains('*') {
            out.extend(all.clone().filter(|n| crate::filter_path::glob_match(part, n)).map(str::to_string));
        } else if all.clone().any(|n| n == part) {
            out.push(part.to_string());
        } else {
            return Err(part.to_string());
        }
    }
    let mut seen = BTreeSet::new();
    out.retain(|n| seen.insert(n.clone()));
    Ok(out)
}

pub(crate) fn get_snapshots(shared: &Shared, req: &Request, repo_name: &str, expr: &str) -> Reply {
    let p = shared.personality;
    tick(shared);
    match list_infos(shared, repo_name, expr, req.flag("ignore_unavailable"), req.param("verbose") != Some("false")) {
        Ok(infos) => {
            let verbose = req.param("verbose") != Some("false");
            let with_repo = get_has_repository(p) && req.param("include_repository") != Some("false");
            let list: Vec<Value> = infos.iter().map(|i| render_info(p, repo_name, i, with_repo, verbose)).collect();
            let n = list.len();
            let mut top = Map::new();
            top.insert("snapshots".into(), Value::Array(list));
            if matches!(p, Personality::Es7_17 | Personality::Es8 | Personality::Es9) {
                top.insert("total".into(), json!(n));
                top.insert("remaining".into(), json!(0));
            }
            Reply::json(200, Value::Object(top))
        }
        Err(e) => Reply::es_error(p, &e),
    }
}

/// Completed and running snapshots of a repository matching `expr`, by start time then name.
fn list_infos(shared: &Shared, repo_name: &str, expr: &str, ignore_unavailable: bool, verbose: bool) -> Result<Vec<Info>, EsError> {
    let p = shared.personality;
    let st = shared.snaps();
    let repo = st.repo(repo_name)?.clone();
    let running: Vec<Info> = st.running.iter().filter(|r| r.repo == repo_name).map(|r| r.info(versions::own_id(p))).collect();
    let lost: Vec<Info> = st.lost.iter().filter(|(r, _)| r == repo_name).map(|(_, i)| i.clone()).collect();
    drop(st);
    let b = backing(&repo)?;
    let data = repository::load(b, repo_name, p)?;
    if let Some(u) = &data.uuid {
        if let Some(r) = shared.snaps().repo_mut(repo_name) {
            r.uuid = Some(u.clone());
        }
    }
    let mut names: Vec<&str> = data.snapshots.iter().map(|s| s.name.as_str()).collect();
    names.extend(running.iter().map(|r| r.name.as_str()));
    names.extend(lost.iter().map(|r| r.name.as_str()));
    let wanted: Vec<String> = if expr == "_current" {
        running.iter().map(|r| r.name.clone()).collect()
    } else {
        let mut out = Vec::new();
        for part in expr.split(',').filter(|s| !s.is_empty()) {
            match select(names.iter().copied(), part) {
                Ok(found) => out.extend(found),
                Err(_) if ignore_unavailable => {}
                Err(missing) => return Err(snapshot_missing(repo_name, &missing)),
            }
        }
        out
    };
    let mut infos = Vec::new();
    for name in wanted {
        if infos.iter().any(|i: &Info| i.name == name) {
            continue;
        }
        if let Some(r) = running.iter().find(|r| r.name == name) {
            infos.push(r.clone());
        } else if let Some(l) = lost.iter().find(|r| r.name == name) {
            infos.push(l.clone());
        } else if let Some(e) = data.snapshots.iter().find(|s| s.name == name) {
            if verbose {
                infos.push(read_info(b, repo_name, e)?);
            } else {
                let indices = data.indices.iter().filter(|(_, ie)| ie.snapshots.contains(&e.uuid)).map(|(n, _)| n.clone()).collect();
                infos.push(Info {
                    name: e.name.clone(),
                    uuid: e.uuid.clone(),
                    version_id: 0,
                    indices,
                    include_global_state: true,
                    metadata: None,
                    state: repository::state_name(e.state).into(),
                    reason: None,
                    start: e.start_time_millis.unwrap_or(0),
                    end: e.end_time_millis.unwrap_or(0),
                    failures: Vec::new(),
                    total_shards: 0,
                    successful_shards: 0,
                });
            }
        }
    }
    infos.sort_by(|a, b| (a.start, &a.name).cmp(&(b.start, &b.name)));
    Ok(infos)
}

/// One shard's line in `_status`.
struct ShardStat {
    stage: &'static str,
    inc: (u64, u64),
    total: (u64, u64),
    processed: (u64, u64),
    start: u64,
    time: u64,
    node: Option<String>,
    reason: Option<String>,
}

/// `stats` per version (§2.6): 5.6 flat, 6.8 flat + structured (order UNCONFIRMED), 7.0+
/// structured; `processed` only while it differs from `incremental`.
fn stats_value(p: Personality, inc: (u64, u64), processed: (u64, u64), total: (u64, u64), start: u64, time: u64) -> Value {
    let mut m = Map::new();
    if matches!(p, Personality::Es5_6 | Personality::Es6_8) {
        m.insert("number_of_files".into(), json!(inc.0));
        m.insert("processed_files".into(), json!(processed.0));
        m.insert("total_size_in_bytes".into(), json!(inc.1));
        m.insert("processed_size_in_bytes".into(), json!(processed.1));
    }
    if p != Personality::Es5_6 {
        m.insert("incremental".into(), json!({"file_count": inc.0, "size_in_bytes": inc.1}));
        if processed != inc {
            m.insert("processed".into(), json!({"file_count": processed.0, "size_in_bytes": processed.1}));
        }
        m.insert("total".into(), json!({"file_count": total.0, "size_in_bytes": total.1}));
    }
    m.insert("start_time_in_millis".into(), json!(start));
    m.insert("time_in_millis".into(), json!(time));
    Value::Object(m)
}

fn shards_stats(stages: &[&str]) -> Value {
    let count = |s: &str| stages.iter().filter(|x| **x == s).count();
    json!({
        "initializing": count("INIT"),
        "started": count("STARTED"),
        "finalizing": count("FINALIZE"),
        "done": count("DONE"),
        "failed": count("FAILURE"),
        "total": stages.len(),
    })
}

fn add(a: (u64, u64), b: (u64, u64)) -> (u64, u64) {
    (a.0 + b.0, a.1 + b.1)
}

/// A SnapshotStatus object (§2.6 key order).
#[allow(clippy::too_many_arguments)]
fn render_status(
    p: Personality,
    repo: &str,
    name: &str,
    uuid: &str,
    state: &str,
    include_global_state: bool,
    start: u64,
    time: u64,
    indices: &[(String, Vec<ShardStat>)],
) -> Value {
    let mut all_stages = Vec::new();
    let (mut inc, mut processed, mut total) = ((0, 0), (0, 0), (0, 0));
    let mut idx_out = Map::new();
    for (index, shards) in indices {
        let stages: Vec<&str> = shards.iter().map(|s| s.stage).collect();
        all_stages.extend(stages.iter().copied());
        let (mut i_inc, mut i_proc, mut i_total) = ((0, 0), (0, 0), (0, 0));
        let mut shard_out = Map::new();
        for (n, s) in shards.iter().enumerate() {
            i_inc = add(i_inc, s.inc);
            i_proc = add(i_proc, s.processed);
            i_total = add(i_total, s.total);
            let mut sm = Map::new();
            sm.insert("stage".into(), json!(s.stage));
            sm.insert("stats".into(), stats_value(p, s.inc, s.processed, s.total, s.start, s.time));
            if let Some(node) = &s.node {
                sm.insert("node".into(), json!(node));
            }
            if let Some(r) = &s.reason {
                sm.insert("reason".into(), json!(r));
            }
            shard_out.insert(n.to_string(), Value::Object(sm));
        }
        inc = add(inc, i_inc);
        processed = add(processed, i_proc);
        total = add(total, i_total);
        idx_out.insert(
            index.clone(),
            json!({
                "shards_stats": shards_stats(&stages),
                "stats": stats_value(p, i_inc, i_proc, i_total, start, time),
                "shards": Value::Object(shard_out),
            }),
        );
    }
    let mut m = Map::new();
    m.insert("snapshot".into(), json!(name));
    m.insert("repository".into(), json!(repo));
    m.insert("uuid".into(), json!(uuid));
    m.insert("state".into(), json!(state));
    // 6.2+ (UNCONFIRMED for 6.x, §2.6).
    if p != Personality::Es5_6 {
        m.insert("include_global_state".into(), json!(include_global_state));
    }
    m.insert("shards_stats".into(), shards_stats(&all_stages));
    m.insert("stats".into(), stats_value(p, inc, processed, total, start, time));
    m.insert("indices".into(), Value::Object(idx_out));
    Value::Object(m)
}

/// A running snapshot's status: shards finish one after another over the duration.
fn running_status(p: Personality, r: &Running, node_id: &str) -> Value {
    let f = if r.duration.is_zero() { 1.0 } else { (r.started.elapsed().as_secs_f64() / r.duration.as_secs_f64()).min(1.0) };
    let n = r.indices.iter().map(|i| i.shards.len()).sum::<usize>().max(1) as f64;
    let elapsed = r.started.elapsed().as_millis() as u64;
    let mut k = 0usize;
    let mut indices = Vec::new();
    for ci in &r.indices {
        let mut shards = Vec::new();
        for s in &ci.shards {
            let size = s.bytes.len() as u64;
            let inc = if s.incremental { (1, size) } else { (0, 0) };
            let share = ((f * n) - k as f64).clamp(0.0, 1.0);
            k += 1;
            let (stage, processed) = if share >= 1.0 && !ci.failed {
                ("DONE", inc)
            } else {
                ("STARTED", ((inc.0 as f64 * share).floor() as u64, (inc.1 as f64 * share) as u64))
            };
            shards.push(ShardStat {
                stage,
                inc,
                total: (1, size),
                processed,
                start: r.start_ms,
                time: elapsed,
                node: Some(node_id.to_string()),
                reason: None,
            });
        }
        indices.push((ci.name.clone(), shards));
    }
    render_status(p, &r.repo, &r.name, &r.uuid, "STARTED", r.include_global_state, r.start_ms, elapsed, &indices)
}

/// A finished snapshot's status from the repository: `SUCCESS` also for `PARTIAL` (§2.6).
fn stored_status(p: Personality, b: &Backing, repo: &str, data: &RepoData, info: &Info) -> Result<Value, EsError> {
    let state = if info.state == "FAILED" { "FAILED" } else { "SUCCESS" };
    let time = info.end.saturating_sub(info.start);
    let mut indices = Vec::new();
    for name in &info.indices {
        let Some(entry) = data.indices.get(name) else { continue };
        let meta_path = repository::index_meta_blob(&entry.id, &info.uuid);
        let meta = read_json(b, Codec::IndexMetadata, repo, &info.name, &info.uuid, &meta_path)?;
        let shards_n = meta
            .get(name)
            .and_then(|m| m.pointer("/settings/index.number_of_shards"))
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(1);
        let mut shards = Vec::new();
        for shard in 0..shards_n {
            if let Some(f) = info.failures.iter().find(|f| &f.index == name && f.shard == shard) {
                shards.push(ShardStat { stage: "FAILURE", inc: (0, 0), total: (0, 0), processed: (0, 0), start: info.start, time: 0, node: None, reason: Some(f.reason.clone()) });
                continue;
            }
            let path = repository::shard_snap_blob(&entry.id, shard, &info.uuid);
            match b.read_opt(&path).map_err(|e| io_failure(repo, "could not read shard snapshot", e))? {
                None => shards.push(ShardStat {
                    stage: "FAILURE",
                    inc: (0, 0),
                    total: (0, 0),
                    processed: (0, 0),
                    start: info.start,
                    time: 0,
                    node: None,
                    reason: info.reason.clone(),
                }),
                Some(bytes) => {
                    let v = decode_blob(Codec::Snapshot, &bytes).map_err(|e| blob_corrupt(b, repo, &info.name, &info.uuid, &path, &e))?;
                    let files = v.get("files").and_then(Value::as_array).cloned().unwrap_or_default();
                    let total = (files.len() as u64, files.iter().filter_map(|f| f.get("length").and_then(Value::as_u64)).sum());
                    let inc = (
                        v.get("incremental_file_count").and_then(Value::as_u64).unwrap_or(0),
                        v.get("incremental_size").and_then(Value::as_u64).unwrap_or(0),
                    );
                    shards.push(ShardStat { stage: "DONE", inc, total, processed: inc, start: info.start, time, node: None, reason: None });
                }
            }
        }
        indices.push((name.clone(), shards));
    }
    Ok(render_status(p, repo, &info.name, &info.uuid, state, info.include_global_state, info.start, time, &indices))
}

fn blob_corrupt(b: &Backing, repo: &str, snap: &str, uuid: &str, path: &str, detail: &str) -> EsError {
    EsError::new(500, "snapshot_exception", format!("[{repo}:{snap}/{uuid}] Snapshot could not be read"))
        .caused_by(EsError::new(500, "corrupt_state_exception", format!("{detail} in [{}]", b.location(path))))
}

/// A checksummed JSON blob of this emulator (SMILE bodies of real clusters are not read).
fn decode_blob(codec: Codec, bytes: &[u8]) -> Result<Value, String> {
    let body = repository::unframe(codec, bytes)?;
    if body.starts_with(b":)\n") || body.starts_with(b"DFL\0") || body.starts_with(b"ZSTD\0") {
        return Err("SMILE or compressed body; the emulator reads only its own JSON blobs".into());
    }
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

fn read_json(b: &Backing, codec: Codec, repo: &str, snap: &str, uuid: &str, path: &str) -> Result<Value, EsError> {
    let bytes = b.read(path).map_err(|e| {
        EsError::new(500, "snapshot_exception", format!("[{repo}:{snap}/{uuid}] Snapshot could not be read")).caused_by(e.to_es())
    })?;
    decode_blob(codec, &bytes).map_err(|detail| blob_corrupt(b, repo, snap, uuid, path, &detail))
}

/// `GET /_snapshot[/{repo}[/{snaps}]]/_status`.
pub(crate) fn status(shared: &Shared, req: &Request, repo: Option<&str>, snaps: Option<&str>) -> Reply {
    let p = shared.personality;
    tick(shared);
    match status_inner(shared, repo, snaps, req.flag("ignore_unavailable")) {
        Ok(list) => Reply::json(200, json!({"snapshots": list})),
        Err(e) => Reply::es_error(p, &e),
    }
}

fn status_inner(shared: &Shared, repo: Option<&str>, snaps: Option<&str>, ignore_unavailable: bool) -> Result<Vec<Value>, EsError> {
    let p = shared.personality;
    let st = shared.snaps();
    if let Some(r) = repo {
        st.repo(r)?;
    }
    let node_id = st.node_id.clone();
    let mut out = Vec::new();
    let Some(snaps) = snaps else {
        // Only what is running (§2.1).
        for r in st.running.iter().filter(|r| repo.is_none_or(|x| x == r.repo)) {
            out.push(running_status(p, r, &node_id));
        }
        return Ok(out);
    };
    let repo = repo.unwrap_or_default();
    let running: Vec<Running> = st.running.iter().filter(|r| r.repo == repo).cloned().collect();
    let r = st.repo(repo)?.clone();
    drop(st);
    let b = backing(&r)?;
    let data = repository::load(b, repo, p)?;
    let names: Vec<&str> = data.snapshots.iter().map(|s| s.name.as_str()).chain(running.iter().map(|r| r.name.as_str())).collect();
    for part in snaps.split(',').filter(|s| !s.is_empty()) {
        let found = match select(names.iter().copied(), part) {
            Ok(f) => f,
            Err(_) if ignore_unavailable => continue,
            Err(missing) => return Err(snapshot_missing(repo, &missing)),
        };
        for name in found {
            if let Some(r) = running.iter().find(|r| r.name == name) {
                out.push(running_status(p, r, &node_id));
            } else if let Some(e) = data.snapshots.iter().find(|s| s.name == name) {
                let info = read_info(b, repo, e)?;
                out.push(stored_status(p, b, repo, &data, &info)?);
            }
        }
    }
    Ok(out)
}

pub(crate) fn delete_snapshot(shared: &Shared, repo_name: &str, expr: &str) -> Reply {
    let p = shared.personality;
    tick(shared);
    match delete_inner(shared, repo_name, expr) {
        Ok(()) => Reply::json(200, json!({"acknowledged": true})),
        Err(e) => Reply::es_error(p, &e),
    }
}

fn delete_inner(shared: &Shared, repo_name: &str, expr: &str) -> Result<(), EsError> {
    let p = shared.personality;
    let mut st = shared.snaps();
    let repo = st.repo(repo_name)?.clone();
    let b = backing(&repo)?.clone();
    let mut data = repository::load(&b, repo_name, p)?;
    // Comma lists and wildcards from 7.8 (§2.1); before, the whole string is one name.
    let parts: Vec<&str> = if matches!(p, Personality::Es5_6 | Personality::Es6_8) { vec![expr] } else { expr.split(',').collect() };
    let names: Vec<String> = data.snapshots.iter().map(|s| s.name.clone()).chain(st.running.iter().filter(|r| r.repo == repo_name).map(|r| r.name.clone())).collect();
    let mut doomed = Vec::new();
    for part in parts.iter().filter(|s| !s.is_empty()) {
        let found = if parts.len() == 1 && !part.contains('*') {
            if names.iter().any(|n| n == part) {
                vec![part.to_string()]
            } else {
                return Err(snapshot_missing(repo_name, part));
            }
        } else {
            select(names.iter().map(String::as_str), part).map_err(|m| snapshot_missing(repo_name, &m))?
        };
        doomed.extend(found);
    }
    // A running snapshot is aborted (§2.7).
    st.running.retain(|r| !(r.repo == repo_name && doomed.contains(&r.name)));
    st.lost.retain(|(r, i)| !(r == repo_name && doomed.contains(&i.name)));
    let removed: Vec<SnapEntry> = data.snapshots.iter().filter(|s| doomed.contains(&s.name)).cloned().collect();
    if removed.is_empty() {
        return Ok(());
    }
    let fail = |e: IoError| io_failure(repo_name, "failed to delete snapshot", e);
    let before = data.indices.clone();
    data.snapshots.retain(|s| !doomed.contains(&s.name));
    for e in data.indices.values_mut() {
        e.snapshots.retain(|u| !removed.iter().any(|r| &r.uuid == u));
    }
    data.indices.retain(|_, e| !e.snapshots.is_empty());
    repository::publish(&b, &data, p).map_err(fail)?;
    for r in &removed {
        b.delete(&repository::snap_blob(&r.uuid)).map_err(fail)?;
        b.delete(&repository::global_meta_blob(&r.uuid)).map_err(fail)?;
    }
    for (name, old) in &before {
        if !removed.iter().any(|r| old.snapshots.contains(&r.uuid)) {
            continue;
        }
        let prefix = format!("indices/{}/", old.id);
        let files = b.list(&prefix).map_err(fail)?;
        if !data.indices.contains_key(name) {
            for f in files {
                b.delete(&f).map_err(fail)?;
            }
            continue;
        }
        for r in &removed {
            b.delete(&repository::index_meta_blob(&old.id, &r.uuid)).map_err(fail)?;
        }
        // Per shard: drop the deleted snapshots' lists, then blobs nothing lists any more.
        let mut shard_dirs: BTreeSet<String> = BTreeSet::new();
        for f in &files {
            if let Some(rest) = f.strip_prefix(&prefix) {
                if let Some((shard, _)) = rest.split_once('/') {
                    shard_dirs.insert(format!("{prefix}{shard}/"));
                }
            }
        }
        for dir in shard_dirs {
            for r in &removed {
                b.delete(&format!("{dir}snap-{}.dat", r.uuid)).map_err(fail)?;
            }
            let left = b.list(&dir).map_err(fail)?;
            let mut referenced = BTreeSet::new();
            let mut readable = true;
            for f in left.iter().filter(|f| f.rsplit('/').next().is_some_and(|n| n.starts_with("snap-"))) {
                let bytes = b.read(f).map_err(fail)?;
                let Ok(v) = decode_blob(Codec::Snapshot, &bytes) else {
                    // Unknown references: keep every blob rather than lose data.
                    readable = false;
                    break;
                };
                for file in v.get("files").and_then(Value::as_array).into_iter().flatten() {
                    if let Some(n) = file.get("name").and_then(Value::as_str) {
                        referenced.insert(format!("{dir}{n}"));
                    }
                }
            }
            if !readable {
                continue;
            }
            for f in left.iter().filter(|f| f.rsplit('/').next().is_some_and(|n| n.starts_with("__"))) {
                if !referenced.contains(f) {
                    b.delete(f).map_err(fail)?;
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Restore (§3, §5)

/// Java `Matcher.replaceAll` replacement → regex crate syntax (`$1` → `${1}`, `\$` → `$$`).
fn java_replacement(r: &str) -> String {
    let mut out = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(other) => out.push(other),
                None => {}
            },
            '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    out.push_str("$$");
                } else {
                    out.push_str(&format!("${{{digits}}}"));
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Flat `index.*` keys of a settings object (`{"index":{"number_of_replicas":0}}`,
/// `{"number_of_replicas":0}`, `{"index.blocks.write":true}` all name the same setting).
fn flat_index_settings(v: Option<&Value>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    fn walk(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    walk(&if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, v, out);
                }
            }
            other => {
                let key = if prefix.starts_with("index.") { prefix.to_string() } else { format!("index.{prefix}") };
                out.insert(key, other.clone());
            }
        }
    }
    if let Some(v) = v {
        walk("", v, &mut out);
    }
    out
}

fn setting_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One index to restore, read from the repository.
struct Planned {
    snapshot_name: String,
    target: String,
    meta: Map<String, Value>,
    settings: BTreeMap<String, String>,
    shards: u32,
    docs: Vec<Vec<PlainDoc>>,
    shard_bytes: Vec<u64>,
    shard_files: Vec<u64>,
    failed_shards: u32,
}

pub(crate) async fn restore(shared: &Arc<Shared>, req: &Request, repo: &str, snap: &str) -> Reply {
    let p = shared.personality;
    let (answer, finish) = match start_restore(shared, req, repo, snap) {
        Ok(x) => x,
        Err(e) => return Reply::es_error(p, &e),
    };
    if !req.flag("wait_for_completion") {
        return Reply::json(200, json!({"accepted": true}));
    }
    let now = Instant::now();
    if finish > now {
        tokio::time::sleep(finish - now).await;
    }
    Reply::json(200, json!({ "snapshot": answer }))
}

fn start_restore(shared: &Arc<Shared>, req: &Request, repo_name: &str, snap: &str) -> Result<(Value, Instant), EsError> {
    let p = shared.personality;
    tick(shared);
    let body = parse_body(req)?;
    let st = shared.snaps();
    let repo = st.repo(repo_name)?.clone();
    drop(st);
    let b = backing(&repo)?.clone();
    let data = repository::load(&b, repo_name, p)?;
    let Some(entry) = data.snapshots.iter().find(|s| s.name == snap).cloned() else {
        return Err(snapshot_missing(repo_name, snap));
    };
    let info = read_info(&b, repo_name, &entry)?;
    let snap_ref = format!("[{repo_name}:{snap}/{}]", info.uuid);
    if matches!(info.state.as_str(), "FAILED" | "INCOMPATIBLE" | "IN_PROGRESS") {
        return Err(restore_error(&snap_ref, format!("unsupported snapshot state [{}]", info.state)));
    }
    if let Some(msg) = versions::snapshot_newer(p, info.version_id) {
        return Err(restore_error(&snap_ref, msg));
    }
    if let Some(msg) = versions::snapshot_too_old(p, info.version_id) {
        return Err(restore_error(&snap_ref, msg));
    }
    if matches!(p, Personality::Es5_6 | Personality::Es6_8) {
        let busy = shared.cluster().indices.values().any(|i| matches!(i.recovery.kind, RecoveryKind::Snapshot { .. }) && !i.recovery.done());
        if busy {
            return Err(EsError::new(503, "concurrent_snapshot_execution_exception", format!("{snap_ref} Restore process is already running in this cluster")));
        }
    }
    let ignore_unavailable = body_flag(&body, "ignore_unavailable", false);
    let partial = body_flag(&body, "partial", false);
    let include_aliases = body_flag(&body, "include_aliases", true);
    let expr = indices_expr(body.get("indices"));
    let mut selected = Vec::new();
    for part in expr.split(',').filter(|s| !s.is_empty()) {
        match select(info.indices.iter().map(String::as_str), part) {
            Ok(f) => selected.extend(f),
            Err(_) if ignore_unavailable => {}
            Err(missing) => return Err(index_not_found(p, &missing, "index_or_alias")),
        }
    }
    let mut seen = BTreeSet::new();
    selected.retain(|n| seen.insert(n.clone()));
    // Rename (Java regex semantics, `$1` groups).
    let rename = match (body.get("rename_pattern").and_then(Value::as_str), body.get("rename_replacement").and_then(Value::as_str)) {
        (Some(pat), Some(rep)) => {
            let re = regex::Regex::new(pat).map_err(|e| illegal_argument(format!("invalid rename_pattern [{pat}]: {e}")))?;
            Some((re, java_replacement(rep)))
        }
        _ => None,
    };
    let mut targets: Vec<(String, String)> = Vec::new();
    for n in &selected {
        let t = match &rename {
            Some((re, rep)) => re.replace_all(n, rep.as_str()).into_owned(),
            None => n.clone(),
        };
        if let Some((other, _)) = targets.iter().find(|(_, x)| *x == t) {
            return Err(restore_error(&snap_ref, format!("indices [{other}] and [{n}] are renamed into the same index [{t}]")));
        }
        targets.push((n.clone(), t));
    }
    let index_settings = flat_index_settings(body.get("index_settings"));
    let ignore_settings: Vec<String> = match body.get("ignore_index_settings") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(s)) => s.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    };
    const UNMODIFIABLE: &[&str] = &["index.number_of_shards", "index.version.created", "index.uuid", "index.creation_date", "index.history.uuid"];
    const UNREMOVABLE_EXTRA: &[&str] = &["index.number_of_replicas", "index.auto_expand_replicas", "index.version.upgraded"];
    for k in index_settings.keys() {
        if UNMODIFIABLE.contains(&k.as_str()) {
            return Err(restore_error(&snap_ref, format!("cannot modify setting [{k}] on restore")));
        }
    }
    for k in &ignore_settings {
        let k = if k.starts_with("index.") { k.clone() } else { format!("index.{k}") };
        if UNMODIFIABLE.contains(&k.as_str()) || UNREMOVABLE_EXTRA.contains(&k.as_str()) {
            return Err(restore_error(&snap_ref, format!("cannot remove setting [{k}] on restore")));
        }
    }
    // Read every index's metadata and shard data (the repository is the slow part).
    let mut plan = Vec::new();
    for (source, target) in &targets {
        let Some(ie) = data.indices.get(source) else {
            return Err(restore_error(&snap_ref, format!("index [{source}] is missing from the repository data")));
        };
        let meta_path = repository::index_meta_blob(&ie.id, &info.uuid);
        let meta_doc = read_json(&b, Codec::IndexMetadata, repo_name, snap, &info.uuid, &meta_path)?;
        let Some(meta) = meta_doc.get(source).and_then(Value::as_object).cloned() else {
            return Err(blob_corrupt(&b, repo_name, snap, &info.uuid, &meta_path, &format!("no metadata for index [{source}]")));
        };
        let mut settings: BTreeMap<String, String> =
            meta.get("settings").and_then(Value::as_object).into_iter().flatten().map(|(k, v)| (k.clone(), setting_text(v))).collect();
        let shards: u32 = settings.get("index.number_of_shards").and_then(|s| s.parse().ok()).unwrap_or(1);
        let failed: Vec<u32> = info.failures.iter().filter(|f| &f.index == source).map(|f| f.shard).collect();
        if !failed.is_empty() && !partial {
            return Err(restore_error(&snap_ref, format!("index [{source}] wasn't fully snapshotted - cannot restore")));
        }
        for k in &ignore_settings {
            let pat = if k.starts_with("index.") { k.clone() } else { format!("index.{k}") };
            settings.retain(|key, _| !crate::filter_path::glob_match(&pat, key));
        }
        for (k, v) in &index_settings {
            if v.is_null() {
                settings.remove(k);
            } else {
                settings.insert(k.clone(), setting_text(v));
            }
        }
        let created: u64 = settings.get("index.version.created").and_then(|s| s.parse().ok()).unwrap_or(0);
        if !versions::index_compatible(p, created) {
            let uuid = settings.get("index.uuid").cloned().unwrap_or_else(|| "_na_".into());
            // ES 7.16+ print the IndexId here, OpenSearch and 7.10 the name (§3.3; 7.17/8.x
            // rendering UNCONFIRMED).
            let shown = if matches!(p, Personality::Es7_17 | Personality::Es8 | Personality::Es9) { format!("[{source}/{}]", ie.id) } else { source.clone() };
            return Err(restore_error(&snap_ref, format!("cannot restore index [{shown}] because it cannot be upgraded"))
                .caused_by(versions::upgrade_failure(p, source, &uuid, created)));
        }
        let mut docs = Vec::new();
        let (mut shard_bytes, mut shard_files) = (Vec::new(), Vec::new());
        for shard in 0..shards {
            let mut shard_docs = Vec::new();
            let (mut bytes_n, mut files_n) = (0u64, 0u64);
            if !failed.contains(&shard) {
                let path = repository::shard_snap_blob(&ie.id, shard, &info.uuid);
                let list = read_json(&b, Codec::Snapshot, repo_name, snap, &info.uuid, &path)?;
                for f in list.get("files").and_then(Value::as_array).into_iter().flatten() {
                    let Some(name) = f.get("name").and_then(Value::as_str) else { continue };
                    let blob = repository::data_blob(&ie.id, shard, name);
                    let content = b.read(&blob).map_err(|e| {
                        restore_error(&snap_ref, format!("failed to read shard data [{}]", b.location(&blob))).caused_by(e.to_es())
                    })?;
                    if repository::content_name(&content) != name {
                        return Err(restore_error(&snap_ref, format!("shard data [{}] is corrupt (checksum mismatch)", b.location(&blob))));
                    }
                    bytes_n += content.len() as u64;
                    files_n += 1;
                    for line in content.split(|c| *c == b'\n').filter(|l| !l.is_empty()) {
                        let d: Value = serde_json::from_slice(line)
                            .map_err(|e| restore_error(&snap_ref, format!("shard data [{}] is corrupt ({e})", b.location(&blob))))?;
                        shard_docs.push(PlainDoc {
                            doc_type: d.get("type").and_then(Value::as_str).unwrap_or("_doc").to_string(),
                            id: d.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
                            routing: d.get("routing").and_then(Value::as_str).map(str::to_string),
                            source: d.get("source").cloned().filter(|s| !s.is_null()),
                            version: d.get("version").and_then(Value::as_u64).unwrap_or(1),
                        });
                    }
                }
            }
            docs.push(shard_docs);
            shard_bytes.push(bytes_n);
            shard_files.push(files_n);
        }
        plan.push(Planned {
            snapshot_name: source.clone(),
            target: target.clone(),
            meta,
            settings,
            shards,
            docs,
            shard_bytes,
            shard_files,
            failed_shards: failed.len() as u32,
        });
    }
    if include_aliases {
        for pl in &plan {
            for other in &plan {
                if other.meta.get("aliases").and_then(Value::as_object).is_some_and(|a| a.contains_key(&pl.target)) {
                    let id = data.indices.get(&pl.snapshot_name).map(|e| e.id.clone()).unwrap_or_default();
                    return Err(restore_error(
                        &snap_ref,
                        format!("cannot rename index [[{}/{id}]] into [{}] because of conflict with an alias with the same name", pl.snapshot_name, pl.target),
                    ));
                }
            }
        }
    }
    // Install.
    let restore_uuid = shared.snaps().new_uuid();
    let version_text = versions::text(p, info.version_id);
    let duration = shared.snap_config.restore_duration;
    let mut cluster = shared.cluster();
    for pl in &plan {
        if let Some(existing) = cluster.indices.get(&pl.target) {
            if !existing.closed {
                return Err(restore_error(&snap_ref, format!("cannot restore index [{}] because an open index with same name already exists in the cluster. Either close or delete the existing index or restore the index under a different name by providing a rename pattern and replacement name", pl.target)));
            }
            if pl.failed_shards > 0 {
                return Err(restore_error(&snap_ref, format!("cannot restore partial index [{}] because such index already exists", pl.target)));
            }
            if existing.shards != pl.shards {
                return Err(restore_error(
                    &snap_ref,
                    format!("cannot restore index [{}] with [{}] shards from a snapshot of index [{}] with [{}] shards", pl.target, existing.shards, pl.snapshot_name, pl.shards),
                ));
            }
        } else {
            crate::store::validate_index_name(p, &pl.target)?;
        }
    }
    let (mut total_shards, mut failed_shards) = (0u32, 0u32);
    let mut restored = Vec::new();
    for pl in plan {
        let uuid = match cluster.indices.get(&pl.target) {
            Some(existing) => existing.uuid.clone(),
            None => cluster.new_uuid(),
        };
        let mut settings = pl.settings;
        let replicas = settings.remove("index.number_of_replicas").and_then(|s| s.parse().ok()).unwrap_or(1);
        let multi_type = pl.meta.get("multi_type").and_then(Value::as_bool).unwrap_or(false);
        let mut idx = cluster.restored_index(&pl.target, uuid, pl.shards, replicas, multi_type);
        if let Some(v) = settings.remove("index.version.created") {
            idx.version_created = v;
        }
        if let Some(c) = settings.remove("index.creation_date").and_then(|s| s.parse().ok()) {
            idx.creation_date = c;
        }
        idx.blocks_write = settings.remove("index.blocks.write").as_deref() == Some("true");
        for k in ["index.number_of_shards", "index.uuid"] {
            settings.remove(k);
        }
        idx.extra_settings = settings;
        idx.mappings = pl.meta.get("mappings").and_then(Value::as_object).cloned().unwrap_or_default();
        if include_aliases {
            idx.aliases = pl.meta.get("aliases").and_then(Value::as_object).cloned().unwrap_or_default();
        }
        for t in pl.meta.get("types").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            idx.types.push(t.to_string());
        }
        for shard in pl.docs {
            for d in shard {
                idx.restore_doc(d);
            }
        }
        idx.refresh();
        idx.recovery = Recovery {
            kind: RecoveryKind::Snapshot {
                repository: repo_name.to_string(),
                snapshot: snap.to_string(),
                version: version_text.clone(),
                index: pl.snapshot_name.clone(),
                restore_uuid: restore_uuid.clone(),
            },
            start_millis: crate::clock::now_millis(),
            started: Instant::now(),
            duration,
            shard_bytes: pl.shard_bytes,
            shard_files: pl.shard_files,
        };
        total_shards += pl.shards;
        failed_shards += pl.failed_shards;
        restored.push(pl.target.clone());
        cluster.indices.insert(pl.target, idx);
    }
    let answer = json!({
        "snapshot": snap,
        "indices": restored,
        "shards": {"total": total_shards, "failed": failed_shards, "successful": total_shards.saturating_sub(failed_shards)},
    });
    Ok((answer, Instant::now() + duration))
}

// ---------------------------------------------------------------------------------------------
// Rust API for tests

/// One snapshot of a repository, as [`crate::Emulator::snapshots`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotSummary {
    pub name: String,
    pub uuid: String,
    /// `IN_PROGRESS`, `SUCCESS`, `PARTIAL` or `FAILED`.
    pub state: String,
    pub indices: Vec<String>,
    /// The version id that took it.
    pub version_id: u64,
}

pub(crate) fn summaries(shared: &Shared, repo: &str) -> Result<Vec<SnapshotSummary>, String> {
    tick(shared);
    let infos = list_infos(shared, repo, "_all", false, true).map_err(|e| e.reason)?;
    Ok(infos
        .into_iter()
        .map(|i| SnapshotSummary { name: i.name, uuid: i.uuid, state: i.state, indices: i.indices, version_id: i.version_id })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_replacements() {
        let re = regex::Regex::new("(.+)-(\\d+)").unwrap();
        assert_eq!(re.replace_all("logs-1", java_replacement("restored-$1a$2").as_str()), "restored-logsa1");
        assert_eq!(java_replacement("a\\$b$"), "a$$b$$");
    }

    #[test]
    fn dates_and_names() {
        assert_eq!(iso_millis(1_593_093_628_850), "2020-06-25T14:00:28.850Z");
        assert_eq!(validate_snapshot_name("r", "Snap1").unwrap_err().reason, "[r:Snap1] Invalid snapshot name [Snap1], must be lowercase");
        assert_eq!(validate_snapshot_name("r", "_x").unwrap_err().reason, "[r:_x] Invalid snapshot name [_x], must not start with '_'");
        assert!(validate_snapshot_name("r", "ok-1").is_ok());
        assert_eq!(select(["a", "b", "c"].into_iter(), "-b").unwrap(), ["a", "c"]);
        assert_eq!(select(["a", "b"].into_iter(), "x").unwrap_err(), "x");
    }
}
