//! In-memory indices and documents with Elasticsearch's write semantics: per-document
//! `_version`, per-shard `_seq_no` counters, `_primary_term` 1, delete tombstones (so versions
//! keep counting after a delete, as within `index.gc_deletes`), and the refresh model — writes
//! are visible to `_count`/`_search` only after a refresh, while `GET` is realtime.
//!
//! Version-conflict reasons follow facts §2.3(3) (type prefix up to 6.8); document-missing on
//! update carries `[type][id]` wherever responses still have `_type`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use base64::Engine;
use serde_json::{Map, Value};

use crate::errors::{self, EsError};
use crate::faults::Stream;
use crate::personality::Personality;

/// One revision of a document.
#[derive(Clone, Debug)]
pub(crate) struct Rev {
    pub version: u64,
    pub seq_no: u64,
    pub deleted: bool,
    pub routing: Option<Box<str>>,
    /// `None` when written by a count-only bulk (the source was never parsed).
    pub source: Option<Arc<Value>>,
}

#[derive(Debug)]
struct Entry {
    cur: Rev,
    /// As of the last refresh; `None` = not searchable.
    vis: Option<Rev>,
    dirty: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpKind {
    Index,
    Create,
    Delete,
    Update,
}

impl OpKind {
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Index => "index",
            OpKind::Create => "create",
            OpKind::Delete => "delete",
            OpKind::Update => "update",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VersionType {
    Internal,
    External,
    ExternalGte,
}

impl VersionType {
    /// The Java enum name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            VersionType::Internal => "INTERNAL",
            VersionType::External => "EXTERNAL",
            VersionType::ExternalGte => "EXTERNAL_GTE",
        }
    }

    pub fn parse(s: &str) -> Option<VersionType> {
        match s {
            "internal" => Some(VersionType::Internal),
            "external" => Some(VersionType::External),
            "external_gte" => Some(VersionType::ExternalGte),
            _ => None,
        }
    }
}

/// Partial-update request (`{"doc":…, "upsert":…, "doc_as_upsert":…}`).
#[derive(Clone, Debug, Default)]
pub(crate) struct UpdateSpec {
    pub doc: Option<Value>,
    pub upsert: Option<Value>,
    pub doc_as_upsert: bool,
    pub detect_noop: bool,
}

pub(crate) struct WriteOp<'a> {
    pub kind: OpKind,
    /// Resolved mapping type (`_doc` for typeless personalities).
    pub doc_type: &'a str,
    pub id: &'a str,
    pub routing: Option<&'a str>,
    pub source: Option<Arc<Value>>,
    pub if_seq_no: Option<i64>,
    pub if_primary_term: Option<i64>,
    pub version: Option<i64>,
    pub version_type: VersionType,
    pub update: Option<UpdateSpec>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WriteResult {
    Created,
    Updated,
    Deleted,
    NotFound,
    Noop,
}

impl WriteResult {
    pub fn name(self) -> &'static str {
        match self {
            WriteResult::Created => "created",
            WriteResult::Updated => "updated",
            WriteResult::Deleted => "deleted",
            WriteResult::NotFound => "not_found",
            WriteResult::Noop => "noop",
        }
    }

    /// HTTP-equivalent status of a successful item.
    pub fn status(self) -> u16 {
        match self {
            WriteResult::Created => 201,
            WriteResult::NotFound => 404,
            _ => 200,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct WriteOutcome {
    pub result: WriteResult,
    pub version: u64,
    pub seq_no: u64,
}

/// A document as `GET` sees it.
pub(crate) struct DocView<'a> {
    pub doc_type: &'a str,
    pub id: &'a str,
    pub rev: &'a Rev,
}

pub(crate) struct Index {
    pub name: String,
    pub uuid: String,
    pub shards: u32,
    pub replicas: u32,
    pub creation_date: u64,
    /// `index.version.created`: the version id of the cluster that created the index, kept
    /// across snapshot and restore (snapshot-facts §5).
    pub version_created: String,
    /// Closed with `POST /{index}/_close` (snapshot-facts §4.1).
    pub closed: bool,
    /// `index.blocks.write` (snapshot-facts §4.2).
    pub blocks_write: bool,
    /// Alias name → alias body (`filter`, `index_routing`, … when set; snapshot-facts §4.5).
    pub aliases: Map<String, Value>,
    /// Further settings by flat key (`index.refresh_interval` → `1s`), as strings.
    pub extra_settings: BTreeMap<String, String>,
    /// How the primaries were last recovered (snapshot-facts §4.3).
    pub recovery: Recovery,
    /// Mapping per type (`_doc` for typeless personalities), as given at creation.
    pub mappings: Map<String, Value>,
    /// Mapping types documents were written with, in order of first use.
    pub types: Vec<String>,
    /// `id`, or `type\0id` when an index may hold several types (ES 5.6).
    docs: HashMap<String, Entry>,
    next_seq: Vec<u64>,
    dirty: bool,
    visible: u64,
    live: u64,
    multi_type: bool,
}

/// Key separator for multi-type indices; never valid inside a type name.
const TYPE_SEP: char = '\0';

/// Where a shard copy's data came from (`RecoveryState.type`, snapshot-facts §4.3).
#[derive(Clone, Debug)]
pub(crate) enum RecoveryKind {
    EmptyStore,
    ExistingStore,
    Snapshot {
        repository: String,
        snapshot: String,
        /// The snapshot's version as this node prints it.
        version: String,
        /// The index name inside the snapshot.
        index: String,
        restore_uuid: String,
    },
}

/// The last recovery of an index's primaries: when it started and how long it takes, with the
/// bytes and files each shard copies (zero for store recoveries).
#[derive(Clone, Debug)]
pub(crate) struct Recovery {
    pub kind: RecoveryKind,
    pub start_millis: u64,
    pub started: std::time::Instant,
    pub duration: std::time::Duration,
    pub shard_bytes: Vec<u64>,
    pub shard_files: Vec<u64>,
}

impl Recovery {
    pub fn store(kind: RecoveryKind, start_millis: u64, shards: u32) -> Recovery {
        Recovery {
            kind,
            start_millis,
            started: std::time::Instant::now(),
            duration: std::time::Duration::ZERO,
            shard_bytes: vec![0; shards as usize],
            shard_files: vec![0; shards as usize],
        }
    }

    /// Fraction done in [0, 1].
    pub fn progress(&self) -> f64 {
        if self.duration.is_zero() {
            return 1.0;
        }
        (self.started.elapsed().as_secs_f64() / self.duration.as_secs_f64()).min(1.0)
    }

    pub fn done(&self) -> bool {
        self.progress() >= 1.0
    }
}

/// Which index states a wildcard expands to (`expand_wildcards`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Expand {
    pub open: bool,
    pub closed: bool,
}

impl Expand {
    pub const ALL: Expand = Expand { open: true, closed: true };
    pub const OPEN: Expand = Expand { open: true, closed: false };
    pub const CLOSED: Expand = Expand { open: false, closed: true };

    /// `expand_wildcards=open,closed|all|none|hidden…`, else `default`.
    pub fn param(v: Option<&str>, default: Expand) -> Expand {
        let Some(v) = v else { return default };
        let mut e = Expand { open: false, closed: false };
        for part in v.split(',').map(str::trim) {
            match part {
                "all" => e = Expand::ALL,
                "open" => e.open = true,
                "closed" => e.closed = true,
                _ => {}
            }
        }
        e
    }
}

/// A document as stored in (and restored from) a snapshot.
pub(crate) struct PlainDoc {
    pub doc_type: String,
    pub id: String,
    pub routing: Option<String>,
    pub source: Option<Value>,
    pub version: u64,
}

impl Index {
    fn key(&self, doc_type: &str, id: &str) -> String {
        if self.multi_type {
            format!("{doc_type}{TYPE_SEP}{id}")
        } else {
            id.to_string()
        }
    }

    fn split_key<'k>(&'k self, key: &'k str) -> (&'k str, &'k str) {
        if self.multi_type {
            key.split_once(TYPE_SEP).unwrap_or(("", key))
        } else {
            (self.types.first().map(String::as_str).unwrap_or("_doc"), key)
        }
    }

    /// Elasticsearch's routing: Murmur3 (x86, 32-bit, seed 0) over the UTF-16LE code units of
    /// the routing value (or the id), `floorMod` the number of primaries.
    pub fn shard_of(&self, routing_or_id: &str) -> u32 {
        let mut bytes = Vec::with_capacity(routing_or_id.len() * 2);
        for unit in routing_or_id.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let h = murmur3_x86_32(&bytes, 0) as i32;
        h.rem_euclid(self.shards as i32) as u32
    }

    pub fn live_docs(&self) -> u64 {
        self.live
    }

    /// Several mapping types per index (5.x-created indices).
    pub fn is_multi_type(&self) -> bool {
        self.multi_type
    }

    /// The live documents of each shard, sorted by (type, id).
    pub fn docs_by_shard(&self) -> Vec<Vec<PlainDoc>> {
        let mut out: Vec<Vec<PlainDoc>> = (0..self.shards).map(|_| Vec::new()).collect();
        for d in self.current() {
            let shard = self.shard_of(d.rev.routing.as_deref().unwrap_or(d.id));
            out[shard as usize].push(PlainDoc {
                doc_type: d.doc_type.to_string(),
                id: d.id.to_string(),
                routing: d.rev.routing.as_deref().map(str::to_string),
                source: d.rev.source.as_deref().cloned(),
                version: d.rev.version,
            });
        }
        for shard in &mut out {
            shard.sort_by(|a, b| (&a.doc_type, &a.id).cmp(&(&b.doc_type, &b.id)));
        }
        out
    }

    /// Load one document from a snapshot (version kept, a new per-shard seq_no); call
    /// [`Index::refresh`] afterwards.
    pub fn restore_doc(&mut self, doc: PlainDoc) {
        let key = self.key(&doc.doc_type, &doc.id);
        let shard = self.shard_of(doc.routing.as_deref().unwrap_or(&doc.id)) as usize;
        let seq_no = self.next_seq[shard];
        self.next_seq[shard] += 1;
        let rev = Rev { version: doc.version, seq_no, deleted: false, routing: doc.routing.map(Into::into), source: doc.source.map(Arc::new) };
        if self.docs.insert(key, Entry { cur: rev, vis: None, dirty: true }).is_none() {
            self.live += 1;
        }
        self.dirty = true;
        if !self.types.contains(&doc.doc_type) {
            self.types.push(doc.doc_type);
        }
    }

    pub fn visible_docs(&self) -> u64 {
        self.visible
    }

    /// Apply one write. The caller has validated names and types.
    pub fn apply(&mut self, p: Personality, op: &WriteOp<'_>) -> Result<WriteOutcome, EsError> {
        // Closed indices and write blocks refuse every write (snapshot-facts §4.1, §4.2).
        if self.closed {
            return Err(errors::index_closed(p, &self.name, &self.uuid));
        }
        if self.blocks_write {
            return Err(errors::write_blocked(p, &self.name));
        }
        let key = self.key(op.doc_type, op.id);
        let shard = self.shard_of(op.routing.unwrap_or(op.id));
        let prefix = p.conflict_prefix(op.doc_type, op.id);
        let current = self.docs.get(&key).map(|e| &e.cur);
        let live = current.filter(|r| !r.deleted);

        // Optimistic concurrency checks (facts §5.1, §2.3(3)).
        if let (Some(s), Some(t)) = (op.if_seq_no, op.if_primary_term) {
            match live {
                None => {
                    return Err(self.conflict(format!(
                        "{prefix}: version conflict, required seqNo [{s}], primary term [{t}]. but no document was found"
                    ), shard))
                }
                Some(r) if r.seq_no as i64 != s || t != 1 => {
                    return Err(self.conflict(format!(
                        "{prefix}: version conflict, required seqNo [{s}], primary term [{t}]. current document has seqNo [{}] and primary term [1]",
                        r.seq_no
                    ), shard))
                }
                _ => {}
            }
        }
        let current_version = current.map(|r| r.version);
        if let Some(v) = op.version {
            let cur = live.map(|r| r.version as i64).unwrap_or(-1);
            let conflict = match op.version_type {
                VersionType::Internal => cur != v,
                VersionType::External => cur >= v,
                VersionType::ExternalGte => cur > v,
            };
            if conflict && !(op.kind == OpKind::Delete && op.version_type == VersionType::Internal && live.is_none()) {
                let detail = match (op.version_type, live) {
                    (VersionType::Internal, None) => format!("document does not exist (expected version [{v}])"),
                    (VersionType::Internal, Some(_)) => format!("current version [{cur}] is different than the one provided [{v}]"),
                    (VersionType::External, _) => format!("current version [{cur}] is higher or equal to the one provided [{v}]"),
                    (VersionType::ExternalGte, _) => format!("current version [{cur}] is higher than the one provided [{v}]"),
                };
                return Err(self.conflict(format!("{prefix}: version conflict, {detail}"), shard));
            }
        }
        let next_version = |external: Option<i64>| -> u64 {
            match (external, op.version_type) {
                (Some(v), VersionType::External | VersionType::ExternalGte) => v as u64,
                _ => current_version.map_or(1, |v| v + 1),
            }
        };

        let (result, source) = match op.kind {
            OpKind::Create if live.is_some() => {
                let v = live.map(|r| r.version).unwrap_or(0);
                return Err(self.conflict(format!("{prefix}: version conflict, document already exists (current version [{v}])"), shard));
            }
            OpKind::Index | OpKind::Create => {
                (if live.is_some() { WriteResult::Updated } else { WriteResult::Created }, op.source.clone())
            }
            OpKind::Delete => (if live.is_some() { WriteResult::Deleted } else { WriteResult::NotFound }, None),
            OpKind::Update => {
                let spec = op.update.clone().unwrap_or_default();
                match live {
                    None => {
                        let initial = spec.upsert.clone().or_else(|| if spec.doc_as_upsert { spec.doc.clone() } else { None });
                        match initial {
                            Some(v) => (WriteResult::Created, Some(Arc::new(v))),
                            None => {
                                let missing_prefix = if p.responses_have_type() { format!("[{}][{}]", op.doc_type, op.id) } else { format!("[{}]", op.id) };
                                return Err(EsError::new(404, "document_missing_exception", format!("{missing_prefix}: document missing"))
                                    .meta("index_uuid", self.uuid.clone())
                                    .meta("shard", shard.to_string())
                                    .meta("index", self.name.clone()));
                            }
                        }
                    }
                    Some(r) => {
                        let mut merged = r.source.as_deref().cloned().unwrap_or_else(|| Value::Object(Map::new()));
                        let changed = match &spec.doc {
                            Some(doc) => merge(&mut merged, doc),
                            None => false,
                        };
                        if !changed && spec.detect_noop && r.source.is_some() {
                            return Ok(WriteOutcome { result: WriteResult::Noop, version: r.version, seq_no: r.seq_no });
                        }
                        (WriteResult::Updated, Some(Arc::new(merged)))
                    }
                }
            }
        };

        let version = next_version(op.version);
        let shard_idx = shard as usize;
        let seq_no = self.next_seq[shard_idx];
        self.next_seq[shard_idx] += 1;
        let deleted = matches!(result, WriteResult::Deleted | WriteResult::NotFound);
        let rev = Rev { version, seq_no, deleted, routing: op.routing.map(Into::into), source };
        let was_live = live.is_some();
        match self.docs.get_mut(&key) {
            Some(e) => {
                e.cur = rev;
                e.dirty = true;
            }
            None => {
                self.docs.insert(key, Entry { cur: rev, vis: None, dirty: true });
            }
        }
        self.dirty = true;
        match (was_live, deleted) {
            (false, false) => self.live += 1,
            (true, true) => self.live -= 1,
            _ => {}
        }
        if !self.types.iter().any(|t| t == op.doc_type) && !deleted {
            self.types.push(op.doc_type.to_string());
        }
        Ok(WriteOutcome { result, version, seq_no })
    }

    fn conflict(&self, reason: String, shard: u32) -> EsError {
        errors::version_conflict(reason, &self.uuid, shard, &self.name)
    }

    /// Make every write so far searchable.
    pub fn refresh(&mut self) {
        if !self.dirty {
            return;
        }
        let mut visible = 0;
        for e in self.docs.values_mut() {
            if e.dirty {
                e.vis = if e.cur.deleted { None } else { Some(e.cur.clone()) };
                e.dirty = false;
            }
            if e.vis.is_some() {
                visible += 1;
            }
        }
        self.visible = visible;
        self.dirty = false;
    }

    /// Realtime get.
    pub fn get(&self, doc_type: &str, id: &str) -> Option<DocView<'_>> {
        let key = self.key(doc_type, id);
        let (k, e) = self.docs.get_key_value(&key)?;
        if e.cur.deleted {
            return None;
        }
        let (t, i) = self.split_key(k);
        Some(DocView { doc_type: t, id: i, rev: &e.cur })
    }

    /// Searchable documents (as of the last refresh), unordered.
    pub fn searchable(&self) -> impl Iterator<Item = DocView<'_>> {
        self.docs.iter().filter_map(move |(k, e)| {
            let rev = e.vis.as_ref()?;
            let (t, i) = self.split_key(k);
            Some(DocView { doc_type: t, id: i, rev })
        })
    }

    /// Current (realtime) live documents, unordered.
    pub fn current(&self) -> impl Iterator<Item = DocView<'_>> {
        self.docs.iter().filter(|(_, e)| !e.cur.deleted).map(move |(k, e)| {
            let (t, i) = self.split_key(k);
            DocView { doc_type: t, id: i, rev: &e.cur }
        })
    }
}

/// Deep-merge `patch` into `target` the way `XContentHelper.update` does (objects merge,
/// everything else replaces). Returns whether anything changed.
pub(crate) fn merge(target: &mut Value, patch: &Value) -> bool {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            let mut changed = false;
            for (k, v) in p {
                match t.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => changed |= merge(existing, v),
                    Some(existing) => {
                        if existing != v {
                            *existing = v.clone();
                            changed = true;
                        }
                    }
                    None => {
                        t.insert(k.clone(), v.clone());
                        changed = true;
                    }
                }
            }
            changed
        }
        (t, p) => {
            let changed = t != p;
            *t = p.clone();
            changed
        }
    }
}

/// All indices of one emulator.
pub(crate) struct Cluster {
    pub personality: Personality,
    pub indices: BTreeMap<String, Index>,
    ids: Stream,
    pub cluster_uuid: String,
    pub node_name: String,
    /// The node's id (`_verify`, `_recovery` targets, snapshot shard failures).
    pub node_id: String,
}

impl Cluster {
    pub fn new(personality: Personality, seed: u64) -> Cluster {
        let ids = Stream::new(seed, 0x1d5);
        let cluster_uuid = random_b64(&ids, 16);
        // 5.x named nodes with 7 random characters; later versions use the host name.
        let node_name = if personality == Personality::Es5_6 { random_b64(&ids, 6)[..7].to_string() } else { "emulator-node".to_string() };
        // A separate stream, so index UUIDs stay what they were before node ids existed.
        let node_id = random_b64(&Stream::new(seed, 0x40de), 16);
        Cluster { personality, indices: BTreeMap::new(), ids, cluster_uuid, node_name, node_id }
    }

    /// A 22-character URL-safe index UUID, like `cQuhNzeqRruFBr6RMEmCyQ`.
    pub fn new_uuid(&self) -> String {
        random_b64(&self.ids, 16)
    }

    /// A 20-character auto-generated document id, like `H5LZjIsBvLYfrFx0tRmW`.
    pub fn new_doc_id(&self) -> String {
        random_b64(&self.ids, 15)
    }

    pub fn create_index(
        &mut self,
        name: &str,
        shards: u32,
        replicas: u32,
        mappings: Map<String, Value>,
    ) -> Result<&mut Index, EsError> {
        validate_index_name(self.personality, name)?;
        if let Some(existing) = self.indices.get(name) {
            return Err(errors::index_already_exists(self.personality, name, &existing.uuid));
        }
        let uuid = self.new_uuid();
        let shards = shards.max(1);
        let creation_date = crate::clock::now_millis();
        let types: Vec<String> = if self.personality.has_typed_routes() && self.personality.type_rule() == crate::personality::TypeRule::Required {
            mappings.keys().cloned().collect()
        } else {
            Vec::new()
        };
        let index = Index {
            name: name.to_string(),
            uuid,
            shards,
            replicas,
            creation_date,
            version_created: self.personality.version_created(),
            closed: false,
            blocks_write: false,
            aliases: Map::new(),
            extra_settings: BTreeMap::new(),
            recovery: Recovery::store(RecoveryKind::EmptyStore, creation_date, shards),
            mappings,
            types,
            docs: HashMap::new(),
            next_seq: vec![0; shards as usize],
            dirty: false,
            visible: 0,
            live: 0,
            multi_type: self.personality.multiple_types(),
        };
        Ok(self.indices.entry(name.to_string()).or_insert(index))
    }

    /// An empty index as a restore builds it (name already validated, no name clash checks:
    /// a closed index of that name is replaced).
    pub fn restored_index(&self, name: &str, uuid: String, shards: u32, replicas: u32, multi_type: bool) -> Index {
        let shards = shards.max(1);
        Index {
            name: name.to_string(),
            uuid,
            shards,
            replicas,
            creation_date: crate::clock::now_millis(),
            version_created: self.personality.version_created(),
            closed: false,
            blocks_write: false,
            aliases: Map::new(),
            extra_settings: BTreeMap::new(),
            recovery: Recovery::store(RecoveryKind::EmptyStore, crate::clock::now_millis(), shards),
            mappings: Map::new(),
            types: Vec::new(),
            docs: HashMap::new(),
            next_seq: vec![0; shards as usize],
            dirty: false,
            visible: 0,
            live: 0,
            multi_type,
        }
    }

    /// The index, created with default settings if missing (auto-create on write).
    pub fn ensure_index(&mut self, name: &str) -> Result<&mut Index, EsError> {
        if self.indices.contains_key(name) {
            return Ok(self.indices.get_mut(name).expect("checked"));
        }
        let shards = self.personality.default_shards();
        self.create_index(name, shards, 1, Map::new())
    }

    /// Resolve an index expression (`a,b`, `logs-*`, `_all`, `*`) to concrete names, open or
    /// closed. Missing concrete names are an `index_not_found_exception`; wildcards may match
    /// nothing.
    pub fn resolve(&self, expr: &str, resource_type: &str) -> Result<Vec<String>, EsError> {
        self.resolve_with(expr, resource_type, Expand::ALL, false, false)
    }

    /// Index expression resolution with indices options: wildcards (and `_all`) expand to the
    /// states in `expand`; a concrete closed index is an `index_closed_exception` when
    /// `forbid_closed`; `-pattern` removes earlier matches (a leading one starts from every
    /// index); alias names resolve to their indices; missing names are skipped when
    /// `ignore_unavailable`.
    pub fn resolve_with(
        &self,
        expr: &str,
        resource_type: &str,
        expand: Expand,
        forbid_closed: bool,
        ignore_unavailable: bool,
    ) -> Result<Vec<String>, EsError> {
        let state_ok = |idx: &Index| if idx.closed { expand.closed } else { expand.open };
        let mut out: Vec<String> = Vec::new();
        if expr.is_empty() || expr == "_all" {
            out.extend(self.indices.values().filter(|i| !i.name.starts_with('.') && state_ok(i)).map(|i| i.name.clone()));
            return Ok(out);
        }
        let concrete = |name: &str, out: &mut Vec<String>| -> Result<(), EsError> {
            let idx = &self.indices[name];
            if idx.closed && forbid_closed {
                if ignore_unavailable {
                    return Ok(());
                }
                return Err(errors::index_closed(self.personality, name, &idx.uuid));
            }
            if !out.iter().any(|n| n == name) {
                out.push(name.to_string());
            }
            Ok(())
        };
        for (i, part) in expr.split(',').map(str::trim).filter(|s| !s.is_empty()).enumerate() {
            if let Some(excluded) = part.strip_prefix('-').filter(|_| part.len() > 1) {
                if i == 0 {
                    out.extend(self.indices.values().filter(|i| !i.name.starts_with('.') && state_ok(i)).map(|i| i.name.clone()));
                }
                out.retain(|n| !crate::filter_path::glob_match(excluded, n));
                continue;
            }
            if part.contains('*') {
                for idx in self.indices.values() {
                    let hidden = idx.name.starts_with('.') && !part.starts_with('.');
                    if !hidden && state_ok(idx) && crate::filter_path::glob_match(part, &idx.name) && !out.contains(&idx.name) {
                        out.push(idx.name.clone());
                    }
                }
            } else if self.indices.contains_key(part) {
                concrete(part, &mut out)?;
            } else {
                let holders: Vec<String> = self.indices.values().filter(|i| i.aliases.contains_key(part)).map(|i| i.name.clone()).collect();
                if holders.is_empty() {
                    if ignore_unavailable {
                        continue;
                    }
                    return Err(errors::index_not_found(self.personality, part, resource_type));
                }
                for h in holders {
                    concrete(&h, &mut out)?;
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

fn random_b64(ids: &Stream, n: usize) -> String {
    let mut bytes = Vec::with_capacity(n + 8);
    while bytes.len() < n {
        bytes.extend_from_slice(&ids.next_u64().to_le_bytes());
    }
    bytes.truncate(n);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `MetadataCreateIndexService.validateIndexOrAliasName` + lowercase check, in ES's order.
pub(crate) fn validate_index_name(p: Personality, name: &str) -> Result<(), EsError> {
    const INVALID: &[char] = &['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ','];
    if name.contains(INVALID) {
        return Err(errors::invalid_index_name(name, "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]"));
    }
    if name.is_empty() {
        return Err(errors::invalid_index_name(name, "must not be empty"));
    }
    if name.contains('#') {
        return Err(errors::invalid_index_name(name, "must not contain '#'"));
    }
    if p != Personality::Es5_6 && p != Personality::Es6_8 && name.contains(':') {
        return Err(errors::invalid_index_name(name, "must not contain ':'"));
    }
    if name.starts_with(['_', '-', '+']) {
        return Err(errors::invalid_index_name(name, "must not start with '_', '-', or '+'"));
    }
    if name.len() > 255 {
        return Err(errors::invalid_index_name(name, &format!("index name is too long, ({} > 255)", name.len())));
    }
    if name == "." || name == ".." {
        return Err(errors::invalid_index_name(name, "must not be '.' or '..'"));
    }
    if name.to_lowercase() != name {
        return Err(errors::invalid_index_name(name, "must be lowercase"));
    }
    Ok(())
}

/// MurmurHash3 x86 32-bit (Lucene `StringHelper.murmurhash3_x86_32`).
pub(crate) fn murmur3_x86_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let chunks = data.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let mut k = 0u32;
    for (i, b) in tail.iter().enumerate() {
        k |= (*b as u32) << (8 * i);
    }
    if !tail.is_empty() {
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op<'a>(kind: OpKind, id: &'a str) -> WriteOp<'a> {
        WriteOp {
            kind,
            doc_type: "_doc",
            id,
            routing: None,
            source: Some(Arc::new(serde_json::json!({"a": 1}))),
            if_seq_no: None,
            if_primary_term: None,
            version: None,
            version_type: VersionType::Internal,
            update: None,
        }
    }

    #[test]
    fn murmur_matches_lucene() {
        // Reference MurmurHash3_x86_32 vectors (seed 0).
        assert_eq!(murmur3_x86_32(b"", 0), 0);
        assert_eq!(murmur3_x86_32(b"hello", 0), 0x248b_fa47);
        assert_eq!(murmur3_x86_32(b"The quick brown fox jumps over the lazy dog", 0), 0x2e4f_f723);
    }

    #[test]
    fn versions_seq_nos_and_refresh() {
        let p = Personality::Es7_10;
        let mut store = Cluster::new(p, 1);
        let idx = store.ensure_index("t").unwrap();
        let a = idx.apply(p, &op(OpKind::Index, "1")).unwrap();
        assert_eq!((a.result, a.version, a.seq_no), (WriteResult::Created, 1, 0));
        let b = idx.apply(p, &op(OpKind::Index, "1")).unwrap();
        assert_eq!((b.result, b.version, b.seq_no), (WriteResult::Updated, 2, 1));
        assert_eq!(idx.visible_docs(), 0);
        idx.refresh();
        assert_eq!(idx.visible_docs(), 1);
        let c = idx.apply(p, &op(OpKind::Create, "1")).unwrap_err();
        assert_eq!(c.reason, "[1]: version conflict, document already exists (current version [2])");
        let d = idx.apply(p, &op(OpKind::Delete, "1")).unwrap();
        assert_eq!((d.result, d.version), (WriteResult::Deleted, 3));
        let e = idx.apply(p, &op(OpKind::Delete, "1")).unwrap();
        assert_eq!((e.result, e.version), (WriteResult::NotFound, 4));
        let f = idx.apply(p, &op(OpKind::Create, "1")).unwrap();
        assert_eq!((f.result, f.version), (WriteResult::Created, 5));
    }

    #[test]
    fn index_names() {
        let p = Personality::Es7_10;
        assert!(validate_index_name(p, "ok-index.1").is_ok());
        assert_eq!(validate_index_name(p, "Foo").unwrap_err().reason, "Invalid index name [Foo], must be lowercase");
        assert_eq!(validate_index_name(p, "_x").unwrap_err().reason, "Invalid index name [_x], must not start with '_', '-', or '+'");
        assert!(validate_index_name(p, "a b").is_err());
        assert!(validate_index_name(p, "a#b").is_err());
    }
}
