//! The documents a repository holds, as ferry uses them.
//!
//! Root `index-N` (RepositoryData) is plain JSON; everything else is XContent inside a checksummed
//! blob. Field names follow ES `RepositoryData`, `SnapshotInfo`, `IndexMetadata`, `Metadata` and
//! `BlobStoreIndexShardSnapshot`. Unknown fields are ignored: newer versions add fields, and a
//! reader that refused them would refuse every future repository.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::version::Version;

/// `index-N`: the repository's table of contents.
#[derive(Debug, Clone, Deserialize)]
pub struct RepositoryData {
    #[serde(default)]
    pub snapshots: Vec<SnapshotEntry>,
    #[serde(default)]
    pub indices: BTreeMap<String, IndexEntry>,
    #[serde(default)]
    pub min_version: Option<String>,
    /// Identifier (from `index_metadata_lookup`) → blob id of the index `meta-<id>.dat`.
    #[serde(default)]
    pub index_metadata_identifiers: BTreeMap<String, String>,
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub cluster_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SnapshotEntry {
    pub name: String,
    pub uuid: String,
    /// 0 in progress, 1 success, 2 failed, 3 partial, 4 incompatible. Absent before ES 5.4.1.
    #[serde(default)]
    pub state: Option<u8>,
    /// A version string up to ES 8.9, a numeric id after.
    #[serde(default)]
    pub version: Option<VersionField>,
    /// Index id → metadata identifier (ES ≥ 7.9).
    #[serde(default)]
    pub index_metadata_lookup: BTreeMap<String, String>,
    #[serde(default)]
    pub start_time_millis: Option<i64>,
    #[serde(default)]
    pub end_time_millis: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum VersionField {
    Text(String),
    Id(i64),
}

impl std::fmt::Display for VersionField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VersionField::Text(s) => f.write_str(s),
            VersionField::Id(i) => write!(f, "{i}"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct IndexEntry {
    pub id: String,
    #[serde(default)]
    pub snapshots: Vec<SnapshotRef>,
    /// Per shard, the generation naming its `index-<gen>` blob (ES ≥ 7.6); `null` for none.
    #[serde(default)]
    pub shard_generations: Vec<Option<String>>,
    /// OpenSearch ≥ 2.17: 0 fixed paths, 1/2 hashed prefixes.
    #[serde(default)]
    pub shard_path_type: Option<u8>,
}

/// How an index lists its snapshots: uuids, or `{name, uuid}` objects before ES 5.4.1.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SnapshotRef {
    Uuid(String),
    Object { uuid: String },
}

impl SnapshotRef {
    pub fn uuid(&self) -> &str {
        match self {
            SnapshotRef::Uuid(u) | SnapshotRef::Object { uuid: u } => u,
        }
    }
}

/// The repository's snapshot state codes (ES `SnapshotState`).
pub fn state_name(code: u8) -> &'static str {
    match code {
        0 => "IN_PROGRESS",
        1 => "SUCCESS",
        2 => "FAILED",
        3 => "PARTIAL",
        4 => "INCOMPATIBLE",
        _ => "UNKNOWN",
    }
}

/// Root `snap-<uuid>.dat`: `{"snapshot": {...}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct SnapshotInfoBlob {
    pub snapshot: SnapshotInfo,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub name: String,
    pub uuid: String,
    #[serde(default)]
    pub version_id: Option<i64>,
    #[serde(default)]
    pub indices: Vec<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub include_global_state: Option<bool>,
    #[serde(default)]
    pub start_time: Option<i64>,
    #[serde(default)]
    pub end_time: Option<i64>,
    #[serde(default)]
    pub total_shards: Option<u32>,
    #[serde(default)]
    pub successful_shards: Option<u32>,
    #[serde(default)]
    pub data_streams: Vec<String>,
}

impl SnapshotInfo {
    pub fn version(&self) -> Option<Version> {
        self.version_id.map(Version::from_id)
    }
}

/// One index's metadata as it was when the snapshot was taken (`indices/<id>/meta-*.dat`).
#[derive(Debug, Clone, Serialize)]
pub struct IndexMetadata {
    pub name: String,
    /// Flat settings (`index.number_of_shards` → `"1"`), exactly as stored.
    pub settings: Map<String, Value>,
    /// One entry per mapping type (ES 5/6 may have several; 7+ has `_doc` or a custom type).
    pub mappings: Vec<TypedMapping>,
    pub aliases: Map<String, Value>,
    pub number_of_shards: u32,
    pub number_of_replicas: Option<u32>,
    /// `index.version.created`, as stored.
    pub version_created: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TypedMapping {
    #[serde(rename = "type")]
    pub type_name: String,
    pub mapping: Value,
}

impl IndexMetadata {
    /// Build from the blob's JSON: `{indexName: {settings, mappings, aliases, ...}}`.
    pub fn from_json(v: Value) -> Result<Self, String> {
        let Value::Object(outer) = v else { return Err("index metadata is not an object".into()) };
        let mut it = outer.into_iter();
        let (name, body) = match (it.next(), it.next()) {
            (Some(entry), None) => entry,
            _ => return Err("index metadata must hold exactly one index".into()),
        };
        let Value::Object(mut body) = body else { return Err(format!("metadata of `{name}` is not an object")) };
        let mut settings = Map::new();
        if let Some(s) = body.remove("settings") {
            flatten("", s, &mut settings);
        }
        let mappings = parse_mappings(body.remove("mappings").unwrap_or(Value::Null))
            .map_err(|e| format!("mappings of `{name}`: {e}"))?;
        let aliases = match body.remove("aliases") {
            Some(Value::Object(m)) => m,
            // Some versions write aliases as a list of single-key objects.
            Some(Value::Array(items)) => items.into_iter().filter_map(|i| match i { Value::Object(m) => Some(m), _ => None }).flatten().collect(),
            _ => Map::new(),
        };
        let setting = |k: &str| settings.get(k).and_then(setting_text);
        let number_of_shards = setting("index.number_of_shards")
            .ok_or_else(|| format!("index `{name}` has no index.number_of_shards setting"))?
            .parse::<u32>()
            .map_err(|e| format!("index `{name}`: bad index.number_of_shards: {e}"))?;
        let number_of_replicas = setting("index.number_of_replicas").and_then(|s| s.parse().ok());
        let version_created = setting("index.version.created");
        let state = body.get("state").and_then(Value::as_str).map(str::to_string);
        Ok(IndexMetadata { name, settings, mappings, aliases, number_of_shards, number_of_replicas, version_created, state })
    }

    pub fn mapping_types(&self) -> Vec<String> {
        let mut t: Vec<_> = self.mappings.iter().map(|m| m.type_name.clone()).collect();
        t.sort();
        t
    }
}

fn setting_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Settings may be stored nested (`{"index":{"number_of_shards":"1"}}`) or flat; make them flat.
fn flatten(prefix: &str, v: Value, out: &mut Map<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() { k } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other);
        }
    }
}

/// Mappings appear as a list of `{type: mapping}` objects (ES 5–7 snapshots; compressed entries
/// are already decoded by the XContent layer), or as one `{type: mapping}` object.
fn parse_mappings(v: Value) -> Result<Vec<TypedMapping>, String> {
    let mut out = Vec::new();
    let mut push_object = |m: Map<String, Value>| {
        for (type_name, mapping) in m {
            out.push(TypedMapping { type_name, mapping });
        }
    };
    match v {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(m) => push_object(m),
                    Value::String(s) => {
                        // JSON-encoded metadata carries binary mappings as base64.
                        use base64::Engine;
                        let bytes = base64::engine::general_purpose::STANDARD
                            .decode(&s)
                            .map_err(|_| "a mapping entry is neither an object nor base64".to_string())?;
                        match crate::xcontent::embedded_to_json(&bytes) {
                            Some(Value::Object(m)) => push_object(m),
                            _ => return Err("cannot decode a compressed mapping entry".into()),
                        }
                    }
                    other => return Err(format!("unexpected mapping entry {other}")),
                }
            }
        }
        Value::Object(m) => push_object(m),
        other => return Err(format!("unexpected mappings value {other}")),
    }
    Ok(out)
}

/// Global metadata (root `meta-<uuid>.dat`): the templates are what ferry needs from it.
#[derive(Debug, Clone, Serialize)]
pub struct GlobalMetadata {
    /// Legacy templates (`_template`), by name.
    pub legacy_templates: Map<String, Value>,
    /// Composable index templates (`_index_template`, ES ≥ 7.8 / OpenSearch).
    pub index_templates: Map<String, Value>,
    /// Component templates (`_component_template`).
    pub component_templates: Map<String, Value>,
}

impl GlobalMetadata {
    /// Build from the blob's JSON: `{"meta-data": {...}}`.
    pub fn from_json(v: Value) -> Result<Self, String> {
        let Some(Value::Object(meta)) = v.get("meta-data").cloned() else {
            return Err("global metadata has no `meta-data` object".into());
        };
        let object = |v: Option<&Value>| match v {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        // Custom metadata sections nest their payload under their own name.
        let nested = |section: &str| object(meta.get(section).and_then(|s| s.get(section)));
        Ok(GlobalMetadata {
            legacy_templates: object(meta.get("templates")),
            index_templates: nested("index_template"),
            component_templates: nested("component_template"),
        })
    }
}

/// A shard's file list for one snapshot (`indices/<id>/<shard>/snap-<uuid>.dat`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardSnapshot {
    pub name: String,
    #[serde(default)]
    pub index_version: Option<i64>,
    #[serde(default)]
    pub start_time: Option<i64>,
    #[serde(default)]
    pub time: Option<i64>,
    /// Files this snapshot uploaded (not those reused from earlier snapshots).
    #[serde(default)]
    pub number_of_files: Option<u64>,
    #[serde(default)]
    pub total_size: Option<u64>,
    #[serde(default)]
    pub files: Vec<FileInfo>,
}

/// A shard's `index-<gen>` blob: every file any snapshot of the shard references, and which
/// snapshot uses which blobs (ES `BlobStoreIndexShardSnapshots`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardIndex {
    #[serde(default)]
    pub files: Vec<FileInfo>,
    /// Snapshot name → its blob names.
    #[serde(default)]
    pub snapshots: BTreeMap<String, ShardIndexSnapshot>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardIndexSnapshot {
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub shard_state_id: Option<String>,
}

/// One Lucene file of a shard and the blob(s) holding it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileInfo {
    /// Blob name: `__<id>` for uploaded files, `v__<id>` for virtual ones.
    pub name: String,
    /// Lucene file name (`_0.cfs`, `segments_3`).
    pub physical_name: String,
    pub length: u64,
    /// Lucene footer CRC32 in base 36.
    #[serde(default)]
    pub checksum: Option<String>,
    #[serde(default)]
    pub part_size: Option<u64>,
    #[serde(default)]
    pub written_by: Option<String>,
    /// For small files (`.si`, `segments_N`) the whole content; virtual files are only this.
    #[serde(default, deserialize_with = "crate::xcontent::bytes_or_base64", skip_serializing)]
    pub meta_hash: Option<Vec<u8>>,
}

impl FileInfo {
    /// A virtual file was never uploaded: its bytes are `meta_hash`.
    pub fn is_virtual(&self) -> bool {
        self.name.starts_with("v__")
    }

    /// How many blobs hold the file (ES `FileInfo.numberOfParts`).
    pub fn number_of_parts(&self) -> u64 {
        match self.part_size {
            Some(p) if p > 0 => (self.length / p + u64::from(self.length % p > 0)).max(1),
            _ => 1,
        }
    }

    /// The blob names holding the file, in order: `name` alone, or `name.part0`, `name.part1`, …
    pub fn blob_names(&self) -> Vec<String> {
        let n = self.number_of_parts();
        if n == 1 {
            vec![self.name.clone()]
        } else {
            (0..n).map(|i| format!("{}.part{i}", self.name)).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(length: u64, part_size: Option<u64>) -> FileInfo {
        FileInfo {
            name: "__abc".into(),
            physical_name: "_0.cfs".into(),
            length,
            checksum: None,
            part_size,
            written_by: None,
            meta_hash: None,
        }
    }

    #[test]
    fn parts_follow_es_rules() {
        assert_eq!(file(10, Some(i64::MAX as u64)).blob_names(), vec!["__abc"]);
        assert_eq!(file(0, Some(4)).blob_names(), vec!["__abc"]);
        assert_eq!(file(8, Some(4)).blob_names(), vec!["__abc.part0", "__abc.part1"]);
        assert_eq!(file(9, Some(4)).number_of_parts(), 3);
        assert_eq!(file(9, None).number_of_parts(), 1);
    }

    #[test]
    fn nested_settings_are_flattened_and_mappings_typed() {
        let v = serde_json::json!({"idx": {
            "settings": {"index": {"number_of_shards": "3", "number_of_replicas": "1", "version": {"created": "6082499"}}},
            "mappings": {"_doc": {"properties": {}}},
            "aliases": {"a": {}}
        }});
        let m = IndexMetadata::from_json(v).unwrap();
        assert_eq!(m.name, "idx");
        assert_eq!(m.number_of_shards, 3);
        assert_eq!(m.number_of_replicas, Some(1));
        assert_eq!(m.version_created.as_deref(), Some("6082499"));
        assert_eq!(m.mapping_types(), vec!["_doc"]);
        assert_eq!(m.aliases.keys().collect::<Vec<_>>(), vec!["a"]);
    }

    #[test]
    fn base64_compressed_mapping_in_json_metadata() {
        use base64::Engine;
        let compressed = crate::framing::deflate(br#"{"t1":{"properties":{"f":{"type":"keyword"}}}}"#);
        let b64 = base64::engine::general_purpose::STANDARD.encode(compressed);
        let v = serde_json::json!({"idx": {"settings": {"index.number_of_shards": "1"}, "mappings": [b64]}});
        let m = IndexMetadata::from_json(v).unwrap();
        assert_eq!(m.mappings[0].type_name, "t1");
        assert_eq!(m.mappings[0].mapping["properties"]["f"]["type"], "keyword");
    }

    #[test]
    fn index_metadata_without_shard_count_is_refused() {
        let e = IndexMetadata::from_json(serde_json::json!({"idx": {"settings": {}}})).unwrap_err();
        assert!(e.contains("number_of_shards"), "{e}");
    }
}
