//! A test-only Elasticsearch / OpenSearch REST emulator for ferry's integration tests and
//! benchmarks.
//!
//! One [`Emulator`] serves one single-node "cluster" on `127.0.0.1` over HTTP/1.1 (optionally
//! HTTPS, optionally requiring client certificates) and answers as one [`Personality`]:
//! Elasticsearch 5.6, 6.8, 7.10, 7.17, 8.15, 9.1 or OpenSearch 1.3, 2.17, 3.1. Response bodies,
//! key order, status codes, error types and headers follow the researched facts in
//! `docs/emulator-facts.md` (section numbers are cited in each module).
//!
//! The server runs on its own two-thread tokio runtime, so tests stay synchronous:
//!
//! ```no_run
//! use emulator::{Config, Emulator, Personality};
//! let emu = Emulator::start(Config::new(Personality::Es7_10)).unwrap();
//! println!("{}", emu.url()); // run the code under test against this URL
//! assert!(emu.indices().is_empty());
//! emu.stop();
//! ```
//!
//! Besides the REST surface (see `routes.rs`), the emulator can inject faults on `_bulk`
//! ([`Faults`]), "die and restart" ([`Emulator::restart`]), and run in a count-only mode for
//! throughput benchmarks ([`Store::CountOnly`]).
//!
//! Snapshot and restore (`snapshots.rs`, facts in `docs/snapshot-facts.md`) write real
//! repository layouts to folders under [`Config::path_repo`] or to S3 ([`Config::s3`]), so a
//! repository copied between emulators of different personalities can be listed and restored.

pub mod pki;
pub mod sigv4;

mod action_line;
mod auth;
mod bulk;
mod clock;
mod docs;
mod errors;
mod faults;
mod filter_path;
mod index_admin;
mod indices;
mod json;
mod personality;
mod repository;
mod routes;
mod search;
mod server;
mod snapshots;
mod store;
mod versions;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use faults::Faults;
pub use personality::{Personality, UnknownPersonality};
pub use snapshots::SnapshotSummary;

/// Who may talk to the emulator.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Auth {
    /// No security (like a cluster without x-pack security / the security plugin).
    #[default]
    None,
    /// HTTP Basic with one user.
    Basic { user: String, password: String },
    /// `Authorization: ApiKey base64(id:key)` (Elasticsearch personalities only).
    ApiKey { id: String, key: String },
    /// `Authorization: Bearer <token>` (Elasticsearch personalities only).
    Bearer { token: String },
    /// AWS Signature Version 4, as an Amazon OpenSearch Service domain with IAM auth.
    SigV4 { access_key_id: String, secret_access_key: String, session_token: Option<String>, region: String, service: String },
}

/// How much of each bulk document is kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Store {
    /// Parse and keep every source.
    #[default]
    Full,
    /// Benchmark mode: `_bulk` parses only action lines (source lines are skipped by finding line
    /// ends), keeping ids, versions and routing but no sources. Single-document APIs still store
    /// sources (the work ledger relies on them).
    CountOnly,
}

/// Certificate and key the emulator serves HTTPS with.
#[derive(Clone, Debug)]
pub struct TlsIdentity {
    /// Server certificate followed by any intermediates, PEM.
    pub cert_chain_pem: String,
    /// PKCS#8 / SEC1 / PKCS#1 private key, PEM.
    pub key_pem: String,
    /// When set, clients must present a certificate signed by this CA.
    pub client_ca_pem: Option<String>,
}

/// The node's default S3 client (`s3.client.default.endpoint`, `.region`, and the keystore's
/// `access_key` / `secret_key`): where `s3` repositories are read and written.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Client {
    /// e.g. `http://127.0.0.1:9000` (path-style addressing is used).
    pub endpoint: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
}

impl std::fmt::Debug for S3Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Client").field("endpoint", &self.endpoint).field("region", &self.region).field("access_key", &"<set>").finish()
    }
}

/// Everything an emulator is started with.
#[derive(Clone, Debug)]
pub struct Config {
    pub personality: Personality,
    pub auth: Auth,
    pub store: Store,
    pub faults: Faults,
    /// Seeds fault sampling, UUIDs and auto-generated ids.
    pub seed: u64,
    /// Serve HTTPS with this identity.
    pub tls: Option<TlsIdentity>,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// `path.repo`: an `fs` repository's `location` must lie under one of these (relative
    /// locations resolve against the first). Empty: no `fs` repository can be registered.
    pub path_repo: Vec<PathBuf>,
    /// The node's S3 client. Without it an `s3` repository cannot reach its bucket
    /// (registration fails verification; `verify=false` registers it anyway).
    pub s3: Option<S3Client>,
    /// How long a snapshot stays `IN_PROGRESS` before it is written and ends.
    pub snapshot_duration: Duration,
    /// How long a restored index's shard recoveries take (INIT → … → DONE).
    pub restore_duration: Duration,
    /// Indices whose shards fail when snapshotted: the snapshot ends `PARTIAL` with
    /// `partial: true`, else fails (5.6/6.8: ends `FAILED`; 7.x+: refused up front).
    pub snapshot_failures: Vec<String>,
    /// Behave as an Amazon OpenSearch Service domain: only `s3` repositories, and they need
    /// `settings.role_arn`. Combine with [`Auth::SigV4`].
    pub aws_managed: bool,
}

impl Config {
    /// No auth, [`Store::Full`], no faults, seed 1, plain HTTP, any free port, no `path.repo`,
    /// no S3 client, 300 ms snapshots and restores.
    pub fn new(personality: Personality) -> Self {
        Config {
            personality,
            auth: Auth::None,
            store: Store::Full,
            faults: Faults::default(),
            seed: 1,
            tls: None,
            port: 0,
            path_repo: Vec::new(),
            s3: None,
            snapshot_duration: Duration::from_millis(300),
            restore_duration: Duration::from_millis(300),
            snapshot_failures: Vec::new(),
            aws_managed: false,
        }
    }
}

/// One stored document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    pub index: String,
    /// The mapping type for ES 5.6 / 6.8; `None` for later versions.
    pub doc_type: Option<String>,
    pub id: String,
    pub routing: Option<String>,
    /// `Value::Null` for documents written by a [`Store::CountOnly`] bulk.
    pub source: serde_json::Value,
    pub version: u64,
    pub seq_no: u64,
}

/// One index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexInfo {
    pub name: String,
    pub number_of_shards: u32,
    pub number_of_replicas: u32,
    /// Live documents (realtime, regardless of refresh).
    pub docs: u64,
    /// Closed with `_close`.
    #[serde(default)]
    pub closed: bool,
    /// `index.blocks.write`.
    #[serde(default)]
    pub write_blocked: bool,
    /// `index.version.created` (the creating cluster's version id, kept by restores).
    #[serde(default)]
    pub version_created: String,
    /// Alias names, sorted.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// Counters since start (control endpoints are not counted).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub requests: u64,
    pub bulk_requests: u64,
    pub bulk_items: u64,
    pub items_applied: u64,
    pub items_rejected_429: u64,
    pub responses_503: u64,
    pub connections_dropped: u64,
    pub auth_failures: u64,
    pub gzip_requests: u64,
    pub bytes_received: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub bulk_requests: AtomicU64,
    pub bulk_items: AtomicU64,
    pub items_applied: AtomicU64,
    pub items_rejected_429: AtomicU64,
    pub responses_503: AtomicU64,
    pub connections_dropped: AtomicU64,
    pub auth_failures: AtomicU64,
    pub gzip_requests: AtomicU64,
    pub bytes_received: AtomicU64,
}

impl Counters {
    pub fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Stats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            requests: g(&self.requests),
            bulk_requests: g(&self.bulk_requests),
            bulk_items: g(&self.bulk_items),
            items_applied: g(&self.items_applied),
            items_rejected_429: g(&self.items_rejected_429),
            responses_503: g(&self.responses_503),
            connections_dropped: g(&self.connections_dropped),
            auth_failures: g(&self.auth_failures),
            gzip_requests: g(&self.gzip_requests),
            bytes_received: g(&self.bytes_received),
        }
    }
}

/// Fault sampling streams, one per kind of fault.
pub(crate) struct FaultStreams {
    pub item_429: faults::Stream,
    pub request_503: faults::Stream,
    pub drop: faults::Stream,
    /// Request ids and other cosmetic randomness, kept apart from the fault streams.
    pub misc: faults::Stream,
}

/// State shared by every connection.
pub(crate) struct Shared {
    pub personality: Personality,
    pub auth: Auth,
    pub store_mode: Store,
    pub cluster: Mutex<store::Cluster>,
    pub faults: RwLock<Faults>,
    pub streams: FaultStreams,
    pub counters: Counters,
    pub snap_config: snapshots::SnapConfig,
    pub snaps: Mutex<snapshots::State>,
    pub scrolls: Mutex<search::Scrolls>,
    /// Runs S3 repository I/O; created with the first `s3` repository.
    io: OnceLock<Arc<repository::IoRuntime>>,
}

impl Shared {
    fn new(config: &Config) -> Shared {
        let cluster = store::Cluster::new(config.personality, config.seed);
        let snaps = snapshots::State::new(config.seed, cluster.cluster_uuid.clone(), cluster.node_id.clone(), cluster.node_name.clone());
        Shared {
            snap_config: snapshots::SnapConfig {
                path_repo: config.path_repo.clone(),
                s3: config.s3.clone(),
                snapshot_duration: config.snapshot_duration,
                restore_duration: config.restore_duration,
                snapshot_failures: config.snapshot_failures.clone(),
                aws_managed: config.aws_managed,
            },
            snaps: Mutex::new(snaps),
            scrolls: Mutex::new(search::Scrolls::default()),
            io: OnceLock::new(),
            personality: config.personality,
            auth: config.auth.clone(),
            store_mode: config.store,
            cluster: Mutex::new(cluster),
            faults: RwLock::new(config.faults.clone()),
            streams: FaultStreams {
                item_429: faults::Stream::new(config.seed, 429),
                request_503: faults::Stream::new(config.seed, 503),
                drop: faults::Stream::new(config.seed, 0xd0),
                misc: faults::Stream::new(config.seed, 0x315c),
            },
            counters: Counters::default(),
        }
    }

    /// The cluster state; a panic while it was held cannot leave it half-written in a way that
    /// matters for a test double, so poisoning is ignored.
    pub fn cluster(&self) -> std::sync::MutexGuard<'_, store::Cluster> {
        self.cluster.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Snapshot state. Lock order: take this before [`Shared::cluster`], never after.
    pub fn snaps(&self) -> std::sync::MutexGuard<'_, snapshots::State> {
        self.snaps.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn io_runtime(&self) -> std::io::Result<Arc<repository::IoRuntime>> {
        if let Some(rt) = self.io.get() {
            return Ok(rt.clone());
        }
        let rt = Arc::new(repository::IoRuntime::new()?);
        Ok(self.io.get_or_init(|| rt).clone())
    }

    pub fn current_faults(&self) -> Faults {
        self.faults.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_faults(&self, f: Faults) {
        *self.faults.write().unwrap_or_else(|e| e.into_inner()) = f;
    }

    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    pub fn documents(&self, index: &str) -> Vec<Doc> {
        let cluster = self.cluster();
        let Some(idx) = cluster.indices.get(index) else {
            return Vec::new();
        };
        let typed = matches!(self.personality, Personality::Es5_6 | Personality::Es6_8);
        let mut docs: Vec<Doc> = idx
            .current()
            .map(|d| Doc {
                index: index.to_string(),
                doc_type: typed.then(|| d.doc_type.to_string()),
                id: d.id.to_string(),
                routing: d.rev.routing.as_deref().map(str::to_string),
                source: d.rev.source.as_deref().cloned().unwrap_or(serde_json::Value::Null),
                version: d.rev.version,
                seq_no: d.rev.seq_no,
            })
            .collect();
        docs.sort_by(|a, b| (&a.doc_type, &a.id).cmp(&(&b.doc_type, &b.id)));
        docs
    }

    pub fn indices(&self) -> Vec<IndexInfo> {
        self.cluster()
            .indices
            .values()
            .map(|i| IndexInfo {
                name: i.name.clone(),
                number_of_shards: i.shards,
                number_of_replicas: i.replicas,
                docs: i.live_docs(),
                closed: i.closed,
                write_blocked: i.blocks_write,
                version_created: i.version_created.clone(),
                aliases: i.aliases.keys().cloned().collect(),
            })
            .collect()
    }
}

/// A running emulator. Dropping it stops it.
pub struct Emulator {
    shared: Arc<Shared>,
    server: server::Server,
}

impl Emulator {
    /// Bind `127.0.0.1:port` and start serving on a private two-worker tokio runtime. Returns
    /// once the listener is bound.
    pub fn start(config: Config) -> std::io::Result<Emulator> {
        let shared = Arc::new(Shared::new(&config));
        let server = server::Server::start(shared.clone(), config.port, config.tls.as_ref())?;
        Ok(Emulator { shared, server })
    }

    /// `http://127.0.0.1:PORT` (or `https://…` with TLS).
    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}", if self.server.is_tls() { "https" } else { "http" }, self.server.port())
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    pub fn personality(&self) -> Personality {
        self.shared.personality
    }

    /// Replace the fault configuration (takes effect for the next request).
    pub fn set_faults(&self, f: Faults) {
        self.shared.set_faults(f);
    }

    /// "Die and restart": the listener and every open connection are closed before this
    /// returns; the same port is bound again after `down_for`, with all data kept. Does not
    /// wait for the re-bind.
    pub fn restart(&self, down_for: Duration) {
        self.server.restart(down_for);
    }

    /// Documents of one index as of now (refresh not needed), sorted by (type, id).
    pub fn documents(&self, index: &str) -> Vec<Doc> {
        self.shared.documents(index)
    }

    /// All indices, sorted by name.
    pub fn indices(&self) -> Vec<IndexInfo> {
        self.shared.indices()
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Registered snapshot repositories, in registration order.
    pub fn repositories(&self) -> Vec<String> {
        self.shared.snaps().repository_names()
    }

    /// The snapshots of a repository (finished ones from its storage, running ones from
    /// memory), by start time. `Err` carries the reason a node would give (missing repository,
    /// unreadable repository data).
    pub fn snapshots(&self, repo: &str) -> Result<Vec<SnapshotSummary>, String> {
        snapshots::summaries(&self.shared, repo)
    }

    /// Stop serving and shut the runtime down.
    pub fn stop(self) {
        drop(self);
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator").field("personality", &self.shared.personality).field("url", &self.url()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_cross_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Emulator>();
        assert_send_sync::<Config>();
        assert_send_sync::<Stats>();
    }

    #[test]
    fn config_defaults() {
        let c = Config::new(Personality::Os3);
        assert_eq!((c.auth, c.store, c.seed, c.port, c.tls.is_none()), (Auth::None, Store::Full, 1, 0, true));
        assert_eq!(c.faults, Faults::default());
        assert_eq!((c.path_repo.len(), c.s3.is_none(), c.snapshot_failures.len(), c.aws_managed), (0, true, 0, false));
        assert_eq!((c.snapshot_duration, c.restore_duration), (Duration::from_millis(300), Duration::from_millis(300)));
    }
}
