//! Pack Lucene shards written by `samples/src/WriteShards.java` into a snapshot repository in the
//! Elasticsearch 7.10 layout: two snapshots (the second incremental: unchanged files are shared,
//! not uploaded again), SMILE metadata in checksummed blobs (global metadata DEFLATE-compressed,
//! as `compress: true` repositories do), `.si`/`segments_N` as virtual `v__` files.
//!
//! `cargo run -p snapshot --example make_sample_repo -- LUCENE_OUT REPO_DIR [SNAPSHOTS]` (see
//! samples/make.sh). SNAPSHOTS (default 2) = 1 writes the repository as it was after the first
//! snapshot (`index-0`, its own shard generations), for staging a repository in two steps.
//! Identifiers are derived from content hashes and timestamps are fixed, so the metadata is a
//! function of the Lucene files alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::json;
use serde_smile::value::Value as Smile;
use snapshot::framing::{self, Codec};

#[path = "pack/mod.rs"]
mod pack;
use pack::{from_json, object, smile, uuid, write, VERSION_ID};

const SNAPSHOTS: [(&str, &str, i64); 2] = [("full-1", "commit1", 1_711_000_000_000), ("incremental-2", "commit2", 1_711_086_400_000)];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (lucene, out, count) = match args.as_slice() {
        [_, lucene, out] => (lucene, out, SNAPSHOTS.len()),
        [_, lucene, out, n] if matches!(n.parse::<usize>(), Ok(1..=2)) => (lucene, out, n.parse().unwrap()),
        _ => {
            eprintln!("usage: make_sample_repo LUCENE_OUT REPO_DIR [SNAPSHOTS (1 or 2)]");
            std::process::exit(2);
        }
    };
    let (lucene, out) = (PathBuf::from(lucene), PathBuf::from(out));
    let taken = &SNAPSHOTS[..count];
    // The repository generation after `count` snapshots.
    let generation = count as i64 - 1;
    if out.exists() {
        std::fs::remove_dir_all(&out).expect("clear output folder");
    }
    std::fs::create_dir_all(&out).expect("create output folder");

    let indices: Vec<(String, u32)> = vec![("articles".into(), 2), ("logs-2024.03.22".into(), 1)];
    let snap_uuids: Vec<String> = taken.iter().map(|(name, _, _)| uuid(name.as_bytes())).collect();
    let mut index_entries = serde_json::Map::new();
    let mut lookup_per_snapshot: Vec<serde_json::Map<String, serde_json::Value>> = vec![Default::default(); taken.len()];
    let mut identifiers = serde_json::Map::new();

    for (index, shards) in &indices {
        let index_id = uuid(format!("index:{index}").as_bytes());
        let meta_blob = uuid(format!("meta:{index}").as_bytes());
        let identifier = format!("{}-_na_-1-1-1", uuid(format!("iuuid:{index}").as_bytes()));
        write(&out, &format!("indices/{index_id}/meta-{meta_blob}.dat"), &framing::encode(Codec::IndexMetadata, &index_metadata(index, *shards)));
        identifiers.insert(identifier.clone(), json!(meta_blob));
        for lookup in &mut lookup_per_snapshot {
            lookup.insert(index_id.clone(), json!(identifier));
        }
        let mut generations = Vec::new();
        for shard in 0..*shards {
            let dir = format!("indices/{index_id}/{shard}");
            // Blob per distinct file content: a file unchanged between commits is uploaded once.
            let mut blobs: BTreeMap<(String, String), Blob> = BTreeMap::new();
            let mut per_snapshot = serde_json::Map::new();
            for (si, (snap_name, commit, start)) in taken.iter().enumerate() {
                let files = lucene_files(&lucene.join(index).join(shard.to_string()).join(commit));
                let mut infos = Vec::new();
                let mut uploaded = (0u64, 0u64);
                for (name, bytes) in &files {
                    let checksum = lucene_checksum(bytes);
                    let key = (name.clone(), checksum.clone());
                    let blob = blobs.entry(key).or_insert_with(|| {
                        let virtual_file = name.ends_with(".si") || name.starts_with("segments_");
                        let blob = format!("{}{}", if virtual_file { "v__" } else { "__" }, uuid(bytes));
                        if !virtual_file {
                            write(&out, &format!("{dir}/{blob}"), bytes);
                        }
                        uploaded = (uploaded.0 + 1, uploaded.1 + bytes.len() as u64);
                        Blob { blob, name: name.clone(), bytes: bytes.clone(), checksum: checksum.clone(), virtual_file }
                    });
                    infos.push(blob.clone());
                }
                let blob_names: Vec<_> = infos.iter().map(|b| b.blob.clone()).collect();
                per_snapshot.insert(snap_name.to_string(), json!({"files": blob_names}));
                let shard_snap = object(vec![
                    ("name", Smile::String(snap_name.to_string())),
                    ("index_version", Smile::Long(si as i64 + 1)),
                    ("start_time", Smile::Long(*start)),
                    ("time", Smile::Long(250)),
                    ("number_of_files", Smile::Integer(uploaded.0 as i32)),
                    ("total_size", Smile::Long(uploaded.1 as i64)),
                    ("files", Smile::Array(infos.iter().map(Blob::file_info).collect())),
                ]);
                write(&out, &format!("{dir}/snap-{}.dat", snap_uuids[si]), &framing::encode(Codec::Snapshot, &smile(&shard_snap)));
            }
            // The shard's index-<gen>: every file, and which snapshot uses which.
            let all_files: Vec<Smile> = blobs.values().map(Blob::file_info).collect();
            // Each repository generation has its own shard generation blob.
            let seed = if count == SNAPSHOTS.len() { format!("gen:{index}:{shard}") } else { format!("gen:{index}:{shard}:{count}") };
            let gen = uuid(seed.as_bytes());
            let shard_index = object(vec![("files", Smile::Array(all_files)), ("snapshots", from_json(&json!(per_snapshot)))]);
            write(&out, &format!("{dir}/index-{gen}"), &framing::encode(Codec::ShardSnapshots, &smile(&shard_index)));
            generations.push(gen);
        }
        index_entries.insert(index.clone(), json!({"id": index_id, "snapshots": snap_uuids, "shard_generations": generations}));
    }

    let mut snapshots = Vec::new();
    for (si, (name, _, start)) in taken.iter().enumerate() {
        let end = start + 1_250;
        let info = json!({"snapshot": {
            "name": name, "uuid": snap_uuids[si], "version_id": VERSION_ID,
            "indices": indices.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(), "data_streams": [],
            "state": "SUCCESS", "include_global_state": true, "metadata": {}, "start_time": start, "end_time": end,
            "total_shards": 3, "successful_shards": 3, "failures": []
        }});
        write(&out, &format!("snap-{}.dat", snap_uuids[si]), &framing::encode(Codec::Snapshot, &smile(&from_json(&info))));
        write(&out, &format!("meta-{}.dat", snap_uuids[si]), &framing::encode(Codec::Metadata, &framing::deflate(&smile(&global_metadata()))));
        snapshots.push(json!({"name": name, "uuid": snap_uuids[si], "state": 1, "index_metadata_lookup": lookup_per_snapshot[si],
            "version": "7.10.2", "start_time_millis": start, "end_time_millis": end}));
    }
    let repository_data = json!({"snapshots": snapshots, "indices": index_entries, "min_version": "7.9.0", "index_metadata_identifiers": identifiers});
    write(&out, &format!("index-{generation}"), serde_json::to_string(&repository_data).unwrap().as_bytes());
    write(&out, "index.latest", &generation.to_be_bytes());
    println!("wrote sample repository to {}", out.display());
}

fn index_metadata(index: &str, shards: u32) -> Vec<u8> {
    let settings = json!({
        "index.creation_date": "1710900000000", "index.number_of_replicas": "1", "index.number_of_shards": shards.to_string(),
        "index.provided_name": index, "index.uuid": uuid(format!("iuuid:{index}").as_bytes()), "index.version.created": VERSION_ID.to_string()
    });
    let mapping = json!({"_doc": {"properties": {"title": {"type": "text"}, "shard": {"type": "integer"}, "n": {"type": "long"},
        "version": {"type": "integer"}, "tags": {"type": "keyword"}}}});
    let aliases = if index == "articles" {
        json!({"articles-current": {}, "user0-articles": {"filter": {"term": {"tags": "t0"}}, "index_routing": "user0", "search_routing": "user0"}})
    } else {
        json!({})
    };
    pack::index_metadata(index, &settings, &mapping, &aliases, shards)
}

fn global_metadata() -> Smile {
    let legacy_mapping = Smile::Binary(framing::deflate(br#"{"_doc":{"properties":{"message":{"type":"text"}}}}"#));
    let legacy = object(vec![
        ("order", Smile::Integer(0)),
        ("index_patterns", from_json(&json!(["logs-*"]))),
        ("settings", from_json(&json!({"index": {"number_of_shards": "1"}}))),
        ("mappings", Smile::Array(vec![legacy_mapping])),
        ("aliases", from_json(&json!({"logs": {}}))),
    ]);
    let composable = json!({"index_patterns": ["articles*"], "template": {"aliases": {"articles-current": {}}}, "composed_of": ["article-mappings"], "priority": 100});
    let component = json!({"template": {"mappings": {"properties": {"title": {"type": "text"}}}}});
    object(vec![(
        "meta-data",
        object(vec![
            ("version", Smile::Long(42)),
            ("cluster_uuid", Smile::String(uuid(b"cluster"))),
            ("templates", object(vec![("logs-template", legacy)])),
            ("index_template", from_json(&json!({"index_template": {"articles-template": composable}}))),
            ("component_template", from_json(&json!({"component_template": {"article-mappings": component}}))),
        ]),
    )])
}

/// One Lucene file as the repository records it.
#[derive(Clone)]
struct Blob {
    blob: String,
    name: String,
    bytes: Vec<u8>,
    checksum: String,
    /// `.si` and `segments_N`: never uploaded, content kept in `meta_hash` (ES ≥ 7.7 behaviour).
    virtual_file: bool,
}

impl Blob {
    fn file_info(&self) -> Smile {
        pack::file_info(&self.blob, &self.name, self.bytes.len() as u64, &self.checksum, "8.8.1", self.virtual_file.then_some(&self.bytes[..]))
    }
}

/// The Lucene footer checksum (last 8 bytes, big-endian) in base 36, as ES records it.
fn lucene_checksum(bytes: &[u8]) -> String {
    pack::base36(u64::from_be_bytes(bytes[bytes.len() - 8..].try_into().unwrap()))
}

fn lucene_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}





