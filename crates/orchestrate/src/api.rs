//! The snapshot, restore and index-state REST calls, typed, for every supported version.
//!
//! Answers are read leniently where versions differ in shape (5.x/6.x status stats, 8.x's
//! `total`/`remaining` in listings) and strictly where ferry acts on a field (states, shard
//! counts): a missing field there is a [`cluster::Error::BadResponse`], never a guess.

use std::collections::BTreeMap;

use cluster::{encode_segment, Body, Client, Method};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::Result;

/// A registered repository: `{"type": …, "settings": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepositoryDef {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub settings: Map<String, Value>,
}

/// A snapshot's state as clusters report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SnapshotState {
    InProgress,
    /// `_status` says STARTED while shards are being written.
    Started,
    Success,
    Partial,
    Failed,
    Aborted,
    /// (`_status`, 7.x+) `INIT` before any shard started.
    Init,
}

impl SnapshotState {
    pub fn is_running(self) -> bool {
        matches!(self, SnapshotState::InProgress | SnapshotState::Started | SnapshotState::Init)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardCounts {
    pub total: u64,
    pub failed: u64,
    pub successful: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFailure {
    #[serde(default)]
    pub index: Option<String>,
    #[serde(default)]
    pub shard_id: Option<u64>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// `GET _snapshot/{repo}/{snapshot}`'s entries (SnapshotInfo).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub snapshot: String,
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub version_id: Option<u64>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub indices: Vec<String>,
    #[serde(default)]
    pub include_global_state: Option<bool>,
    pub state: SnapshotState,
    #[serde(default)]
    pub start_time_in_millis: Option<u64>,
    #[serde(default)]
    pub end_time_in_millis: Option<u64>,
    #[serde(default)]
    pub failures: Vec<ShardFailure>,
    #[serde(default)]
    pub shards: ShardCounts,
}

impl SnapshotInfo {
    /// Who took the snapshot. The product comes from the version id (OpenSearch's carry its
    /// marker bit), the numbers from the `version` string: since 8.10 Elasticsearch records an
    /// index-format number as `version_id`, no longer the release.
    pub fn taken_by(&self) -> Option<crate::Version> {
        let from_id = self.version_id.map(crate::Version::from_id);
        let parsed = self.version.as_deref().and_then(|v| {
            let mut n = v.split(['-', '+']).next()?.split('.').map(|p| p.parse::<u32>().ok());
            Some((n.next()??, n.next()??, n.next().flatten().unwrap_or(0)))
        });
        match (from_id, parsed) {
            (Some(id), Some((major, minor, patch))) => Some(crate::Version { product: id.product, major, minor, patch }),
            (None, Some((major, minor, patch))) => Some(crate::Version::es(major, minor, patch)),
            (id, None) => id,
        }
    }
}

/// Progress of one snapshot from `_status`, the same for every version.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SnapshotProgress {
    pub state: Option<SnapshotState>,
    pub shards_total: u64,
    pub shards_done: u64,
    pub shards_failed: u64,
    /// Bytes this snapshot uploads (new files only: incremental) and has uploaded so far.
    pub bytes_total: u64,
    pub bytes_done: u64,
    pub files_total: u64,
    pub files_done: u64,
}

/// Body of a snapshot creation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CreateSnapshot {
    /// Index patterns (comma-joined on the wire); empty = all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indices: Option<String>,
    pub ignore_unavailable: bool,
    pub include_global_state: bool,
    pub partial: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// Body of a restore.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Restore {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indices: Option<String>,
    pub ignore_unavailable: bool,
    pub include_global_state: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rename_pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rename_replacement: Option<String>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub index_settings: Map<String, Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore_index_settings: Vec<String>,
    pub include_aliases: bool,
    pub partial: bool,
}

/// One shard's recovery, from `_recovery`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShardRecovery {
    pub index: String,
    pub shard: u64,
    pub kind: String,
    pub stage: String,
    pub primary: bool,
    pub bytes_total: u64,
    pub bytes_recovered: u64,
}

/// `_cluster/health`'s parts ferry acts on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    #[serde(default)]
    pub timed_out: bool,
    #[serde(default)]
    pub number_of_nodes: u64,
    #[serde(default)]
    pub active_shards: u64,
    #[serde(default)]
    pub relocating_shards: u64,
    #[serde(default)]
    pub initializing_shards: u64,
    #[serde(default)]
    pub unassigned_shards: u64,
}

fn repo_path(repo: &str) -> String {
    format!("_snapshot/{}", encode_segment(repo))
}

fn snap_path(repo: &str, snapshot: &str) -> String {
    format!("_snapshot/{}/{}", encode_segment(repo), encode_segment(snapshot))
}

/// Index names for a path: each name encoded, commas kept as separators.
fn indices_path(indices: &[String]) -> String {
    indices.iter().map(|i| encode_segment(i)).collect::<Vec<_>>().join(",")
}

/// Typed snapshot/restore calls on one cluster.
pub struct Api<'a> {
    pub client: &'a Client,
    /// Dry run: requests that change something are written here instead of sent.
    recorder: Option<&'a Recorder>,
}

/// The requests a dry run would have sent, in order.
#[derive(Debug, Default)]
pub struct Recorder(std::sync::Mutex<Vec<Recorded>>);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    pub host: String,
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl Recorder {
    /// Note something a dry run would do that is not a cluster request (a repository copy).
    pub fn push(&self, r: Recorded) {
        self.0.lock().expect("recorder lock").push(r);
    }

    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.0.lock().expect("recorder lock"))
    }
}

impl<'a> Api<'a> {
    pub fn new(client: &'a Client) -> Api<'a> {
        Api { client, recorder: None }
    }

    /// An Api that reads for real but records, instead of sending, every request that would
    /// change the cluster (`ferry migrate --dry-run`).
    pub fn dry_run(client: &'a Client, recorder: &'a Recorder) -> Api<'a> {
        Api { client, recorder: Some(recorder) }
    }

    pub fn is_dry_run(&self) -> bool {
        self.recorder.is_some()
    }

    /// Where a dry run records its requests.
    pub fn recorder(&self) -> Option<&'a Recorder> {
        self.recorder
    }

    /// `GET /`: the cluster's product and version.
    pub async fn version(&self) -> Result<crate::Version> {
        Ok(crate::Version::of(&self.client.info().await?))
    }

    async fn json(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        if let (Some(r), false) = (self.recorder, matches!(method, Method::GET | Method::HEAD)) {
            let host = self.client.host().to_owned();
            r.0.lock().expect("recorder lock").push(Recorded { host, method: method.to_string(), path: path.to_owned(), body: body.cloned() });
            return Ok(json!({"acknowledged": true, "accepted": true}));
        }
        let body = body.map(Body::json);
        Ok(self.client.call_json(method, path, body.as_ref()).await?)
    }

    fn bad(&self, method: Method, path: &str, detail: impl Into<String>) -> crate::Error {
        self.client.bad_response(&method, path, detail.into()).into()
    }

    /// `PUT _snapshot/{repo}` (`verify=false` skips the cluster's own write check).
    pub async fn put_repository(&self, repo: &str, def: &RepositoryDef, verify: bool) -> Result<()> {
        let path = format!("{}{}", repo_path(repo), if verify { "" } else { "?verify=false" });
        self.json(Method::PUT, &path, Some(&serde_json::to_value(def).expect("a repository definition is JSON"))).await?;
        Ok(())
    }

    /// `GET _snapshot` (all) or `GET _snapshot/{repo}`; a missing repository is an error.
    pub async fn repositories(&self, repo: Option<&str>) -> Result<BTreeMap<String, RepositoryDef>> {
        let path = repo.map_or_else(|| "_snapshot".to_owned(), repo_path);
        let v = self.json(Method::GET, &path, None).await?;
        serde_json::from_value(v).map_err(|e| self.bad(Method::GET, &path, format!("not a repository listing ({e})")))
    }

    /// `POST _snapshot/{repo}/_verify`: the nodes that could write to the repository.
    pub async fn verify_repository(&self, repo: &str) -> Result<Vec<String>> {
        let path = format!("{}/_verify", repo_path(repo));
        let v = self.json(Method::POST, &path, None).await?;
        let nodes = v.get("nodes").and_then(Value::as_object).ok_or_else(|| self.bad(Method::POST, &path, "no `nodes` in the answer"))?;
        Ok(nodes.iter().map(|(id, n)| n.get("name").and_then(Value::as_str).unwrap_or(id).to_owned()).collect())
    }

    pub async fn delete_repository(&self, repo: &str) -> Result<()> {
        self.json(Method::DELETE, &repo_path(repo), None).await?;
        Ok(())
    }

    /// Start a snapshot (`wait_for_completion=false`); follow it with [`snapshot_progress`].
    pub async fn create_snapshot(&self, repo: &str, snapshot: &str, body: &CreateSnapshot) -> Result<()> {
        let path = snap_path(repo, snapshot);
        let body = serde_json::to_value(body).expect("a snapshot request is JSON");
        let v = self.json(Method::PUT, &path, Some(&body)).await?;
        if v.get("accepted").and_then(Value::as_bool) == Some(true) || v.get("snapshot").is_some() {
            Ok(())
        } else {
            Err(self.bad(Method::PUT, &path, format!("the snapshot was not accepted: {v}")))
        }
    }

    /// `GET _snapshot/{repo}/{pattern}` (`_all` for every snapshot), in the repository's order.
    pub async fn snapshots(&self, repo: &str, pattern: &str) -> Result<Vec<SnapshotInfo>> {
        let path = snap_path(repo, pattern);
        let v = self.json(Method::GET, &path, None).await?;
        // 5.x–7.x: {"snapshots":[…]}; 7.x with several repositories: {"responses":[{"snapshots"}]}.
        let list = v
            .get("snapshots")
            .cloned()
            .or_else(|| v.pointer("/responses/0/snapshots").cloned())
            .ok_or_else(|| self.bad(Method::GET, &path, "no `snapshots` in the answer"))?;
        serde_json::from_value(list).map_err(|e| self.bad(Method::GET, &path, format!("unreadable snapshot entry ({e})")))
    }

    /// One snapshot, or `None` if the repository has no snapshot of that name.
    pub async fn snapshot(&self, repo: &str, snapshot: &str) -> Result<Option<SnapshotInfo>> {
        match self.snapshots(repo, snapshot).await {
            Ok(mut list) => Ok(list.pop()),
            Err(crate::Error::Cluster(e)) if e.status() == Some(404) && error_type(&e) == Some("snapshot_missing_exception") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET _snapshot/{repo}/{snapshot}/_status`, summed over the snapshot's shards.
    pub async fn snapshot_progress(&self, repo: &str, snapshot: &str) -> Result<SnapshotProgress> {
        let path = format!("{}/_status", snap_path(repo, snapshot));
        let v = self.json(Method::GET, &path, None).await?;
        let s = v.pointer("/snapshots/0").ok_or_else(|| self.bad(Method::GET, &path, "no `snapshots` in the answer"))?;
        let state = s.get("state").cloned().and_then(|st| serde_json::from_value(st).ok());
        let n = |p: &str| s.pointer(p).and_then(Value::as_u64).unwrap_or(0);
        let stats = s.get("stats").cloned().unwrap_or(Value::Null);
        let m = |p: &str| stats.pointer(p).and_then(Value::as_u64);
        // 6.4+: incremental {file_count, size_in_bytes} and processed {…}; before: flat counters.
        let (bytes_total, bytes_done, files_total, files_done) = match m("/incremental/size_in_bytes") {
            Some(total) => {
                let done_state = state.is_some_and(|st: SnapshotState| !st.is_running());
                let done = m("/processed/size_in_bytes").unwrap_or(if done_state { total } else { 0 });
                let files = m("/incremental/file_count").unwrap_or(0);
                (total, done, files, m("/processed/file_count").unwrap_or(if done_state { files } else { 0 }))
            }
            None => (
                m("/total_size_in_bytes").unwrap_or(0),
                m("/processed_size_in_bytes").unwrap_or(0),
                m("/number_of_files").unwrap_or(0),
                m("/processed_files").unwrap_or(0),
            ),
        };
        Ok(SnapshotProgress {
            state,
            shards_total: n("/shards_stats/total"),
            shards_done: n("/shards_stats/done"),
            shards_failed: n("/shards_stats/failed"),
            bytes_total,
            bytes_done,
            files_total,
            files_done,
        })
    }

    pub async fn delete_snapshot(&self, repo: &str, snapshot: &str) -> Result<()> {
        self.json(Method::DELETE, &snap_path(repo, snapshot), None).await?;
        Ok(())
    }

    /// Start a restore (`wait_for_completion=false`); follow it with [`recovery`](Self::recovery).
    pub async fn restore(&self, repo: &str, snapshot: &str, body: &Restore) -> Result<()> {
        let path = format!("{}/_restore", snap_path(repo, snapshot));
        let body = serde_json::to_value(body).expect("a restore request is JSON");
        self.json(Method::POST, &path, Some(&body)).await?;
        Ok(())
    }

    /// `POST {indices}/_close`.
    pub async fn close(&self, indices: &[String]) -> Result<()> {
        self.json(Method::POST, &format!("{}/_close", indices_path(indices)), None).await?;
        Ok(())
    }

    /// `POST {indices}/_open`.
    pub async fn open(&self, indices: &[String]) -> Result<()> {
        self.json(Method::POST, &format!("{}/_open", indices_path(indices)), None).await?;
        Ok(())
    }

    /// The indices `pattern` matches, open or closed, and whether each is closed
    /// (`_cat/indices`). Empty when nothing matches.
    pub async fn index_states(&self, pattern: &str) -> Result<BTreeMap<String, IndexState>> {
        let cat = format!("_cat/indices/{}?format=json&h=index,status&expand_wildcards=all", encode_segment(pattern));
        let rows = match self.json(Method::GET, &cat, None).await {
            Ok(v) => v,
            Err(crate::Error::Cluster(e)) if e.status() == Some(404) => return Ok(BTreeMap::new()),
            Err(e) => return Err(e),
        };
        let mut out = BTreeMap::new();
        for row in rows.as_array().into_iter().flatten() {
            let name = row.get("index").and_then(Value::as_str).ok_or_else(|| self.bad(Method::GET, &cat, "a row without `index`"))?;
            out.insert(name.to_owned(), IndexState { closed: row.get("status").and_then(Value::as_str) == Some("close") });
        }
        Ok(out)
    }

    /// Which version created each of `indices` (`index.version.created`), in one `_settings`
    /// request; indices that no longer exist are left out.
    pub async fn created_versions(&self, indices: &[String]) -> Result<Vec<(String, crate::Version)>> {
        if indices.is_empty() {
            return Ok(Vec::new());
        }
        let path = format!("{}/_settings?expand_wildcards=all&flat_settings=true&ignore_unavailable=true", indices_path(indices));
        let v = self.json(Method::GET, &path, None).await?;
        Ok(indices
            .iter()
            .filter_map(|name| {
                let id = v.get(name)?.get("settings")?.get("index.version.created")?.as_str()?.parse().ok()?;
                Some((name.clone(), crate::Version::from_id(id)))
            })
            .collect())
    }

    /// `PUT {indices}/_settings`.
    pub async fn put_settings(&self, indices: &[String], settings: &Value) -> Result<()> {
        self.json(Method::PUT, &format!("{}/_settings", indices_path(indices)), Some(settings)).await?;
        Ok(())
    }

    /// `GET {indices}/_recovery` (`active_only=false`): every shard's latest recovery.
    pub async fn recovery(&self, indices: &[String]) -> Result<Vec<ShardRecovery>> {
        let path = format!("{}/_recovery", indices_path(indices));
        let v = self.json(Method::GET, &path, None).await?;
        let mut out = Vec::new();
        for (index, body) in v.as_object().into_iter().flatten() {
            for s in body.get("shards").and_then(Value::as_array).into_iter().flatten() {
                let u = |p: &str| s.pointer(p).and_then(Value::as_u64).unwrap_or(0);
                out.push(ShardRecovery {
                    index: index.clone(),
                    shard: u("/id"),
                    kind: s.get("type").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    stage: s.get("stage").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    primary: s.get("primary").and_then(Value::as_bool).unwrap_or(false),
                    bytes_total: u("/index/size/total_in_bytes"),
                    bytes_recovered: u("/index/size/recovered_in_bytes"),
                });
            }
        }
        Ok(out)
    }

    /// `GET _cluster/health/{indices}?wait_for_status=…&timeout=…s`.
    pub async fn health(&self, indices: &[String], wait_for: Option<&str>, timeout_secs: u64) -> Result<Health> {
        let mut path = "_cluster/health".to_owned();
        if !indices.is_empty() {
            path = format!("{path}/{}", indices_path(indices));
        }
        path.push_str(&format!("?timeout={timeout_secs}s"));
        if let Some(w) = wait_for {
            path.push_str(&format!("&wait_for_status={w}"));
        }
        let resp = self.client.send(Method::GET, &path, None).await?;
        // A timed-out wait answers 408 with the same body.
        if !(resp.is_success() || resp.status == 408) {
            return Err(self.client.status_error(&Method::GET, &path, &resp).into());
        }
        serde_json::from_slice(&resp.body).map_err(|e| self.bad(Method::GET, &path, format!("not a health answer ({e})")))
    }

    /// `POST _aliases` with `actions`.
    pub async fn update_aliases(&self, actions: Vec<Value>) -> Result<()> {
        self.json(Method::POST, "_aliases", Some(&json!({ "actions": actions }))).await?;
        Ok(())
    }
}

/// What ferry needs to know about an existing index before restoring over it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexState {
    pub closed: bool,
}

/// The cluster's `error.type`, when it answered with one.
pub fn error_type(e: &cluster::Error) -> Option<&str> {
    match e {
        cluster::Error::Status { body, .. } => body.error_type.as_deref(),
        _ => None,
    }
}
