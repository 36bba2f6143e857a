//! Pack Java-written Lucene shards into a one-snapshot repository in the Elasticsearch 7.10 layout
//! (the same blob framing, SMILE metadata and `v__` virtual files as `make_sample_repo`), for
//! benchmarks and experiments with corpora of any size.
//!
//! ```text
//! cargo run --release -p snapshot --example pack_repo -- [--copy] OUT_REPO INDEX=LUCENE_DIR[,LUCENE_DIR...] [INDEX=...]
//! ```
//!
//! Each `LUCENE_DIR` is one shard of `INDEX` (shard number = position in the list). The repository
//! gets one snapshot, `bench-1`, of every index; index metadata carries `index.number_of_shards` =
//! the number of dirs, `index.number_of_replicas` = 0, `routing_num_shards` as Elasticsearch 7
//! computes it, and a minimal mapping (`@timestamp` as a date). Only the files of each directory's
//! latest commit (`segments_N` and the files it references) are packed; `write.lock` and leftovers
//! are not. `.si` and `segments_N` become virtual files (bytes in the shard's file list); every
//! other file is hard-linked into the repository when OUT_REPO is on the same file system (the
//! blobs are then the Lucene files themselves, so don't modify the sources), else copied; `--copy`
//! always copies. Identifiers derive from index names and file checksums, timestamps are fixed:
//! the same input gives the same repository.
//!
//! OUT_REPO must not exist, be empty, or be a repository (it holds `index.latest`), which is
//! replaced.

use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use lucene::{Commit, FsDirectory, SegmentInfo};
use serde_json::json;
use serde_smile::value::Value as Smile;
use snapshot::framing::{self, Codec};

#[path = "pack/mod.rs"]
mod pack;
use pack::{base36, from_json, object, smile, uuid, write, VERSION_ID};

const SNAPSHOT: &str = "bench-1";
const START: i64 = 1_711_000_000_000;
const END: i64 = START + 60_000;

struct Args {
    out: PathBuf,
    indices: Vec<(String, Vec<PathBuf>)>,
    copy: bool,
}

fn usage() -> ! {
    eprintln!("usage: pack_repo [--copy] OUT_REPO INDEX=LUCENE_DIR[,LUCENE_DIR...] [INDEX=...]");
    std::process::exit(2);
}

fn parse_args() -> Args {
    let mut copy = false;
    let mut rest = Vec::new();
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--copy" => copy = true,
            "-h" | "--help" => usage(),
            _ => rest.push(a),
        }
    }
    if rest.len() < 2 {
        usage();
    }
    let out = PathBuf::from(&rest[0]);
    let mut indices: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for spec in &rest[1..] {
        let Some((name, dirs)) = spec.split_once('=') else { usage() };
        let dirs: Vec<PathBuf> = dirs.split(',').filter(|d| !d.is_empty()).map(PathBuf::from).collect();
        if name.is_empty() || dirs.is_empty() {
            usage();
        }
        if indices.iter().any(|(n, _)| n == name) {
            eprintln!("pack_repo: index {name} given twice");
            std::process::exit(2);
        }
        indices.push((name.to_string(), dirs));
    }
    Args { out, indices, copy }
}

fn main() {
    let args = parse_args();
    let out = &args.out;
    if out.exists() {
        let empty = std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty {
            if !out.join("index.latest").is_file() {
                eprintln!("pack_repo: {} exists and is not a repository (no index.latest); not touching it", out.display());
                std::process::exit(2);
            }
            std::fs::remove_dir_all(out).expect("clear output folder");
        }
    }
    std::fs::create_dir_all(out).expect("create output folder");

    let snap_uuid = uuid(SNAPSHOT.as_bytes());
    let mut index_entries = serde_json::Map::new();
    let mut lookup = serde_json::Map::new();
    let mut identifiers = serde_json::Map::new();
    let mut total_shards = 0usize;
    let (mut linked, mut copied, mut bytes_total) = (0u64, 0u64, 0u64);

    for (index, dirs) in &args.indices {
        let shards = dirs.len() as u32;
        let index_id = uuid(format!("index:{index}").as_bytes());
        let meta_blob = uuid(format!("meta:{index}").as_bytes());
        let identifier = format!("{}-_na_-1-1-1", uuid(format!("iuuid:{index}").as_bytes()));
        write(out, &format!("indices/{index_id}/meta-{meta_blob}.dat"), &framing::encode(Codec::IndexMetadata, &index_metadata(index, shards)));
        identifiers.insert(identifier.clone(), json!(meta_blob));
        lookup.insert(index_id.clone(), json!(identifier));
        let mut generations = Vec::new();
        for (shard, lucene_dir) in dirs.iter().enumerate() {
            let dir = format!("indices/{index_id}/{shard}");
            std::fs::create_dir_all(out.join(&dir)).unwrap();
            let mut infos = Vec::new();
            let mut size = 0u64;
            for name in commit_files(lucene_dir) {
                let path = lucene_dir.join(&name);
                let length = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).len();
                let checksum = lucene_checksum(&path, length);
                let virtual_file = name.ends_with(".si") || name.starts_with("segments_");
                let id = uuid(format!("{index}/{shard}/{name}/{length}/{checksum}").as_bytes());
                let blob = format!("{}{id}", if virtual_file { "v__" } else { "__" });
                let meta_hash = if virtual_file {
                    Some(std::fs::read(&path).unwrap())
                } else {
                    let target = out.join(&dir).join(&blob);
                    if !args.copy && std::fs::hard_link(&path, &target).is_ok() {
                        linked += 1;
                    } else {
                        std::fs::copy(&path, &target).unwrap_or_else(|e| panic!("copy {} to {}: {e}", path.display(), target.display()));
                        copied += 1;
                    }
                    None
                };
                size += length;
                infos.push(Blob { blob, name, length, checksum, meta_hash });
            }
            bytes_total += size;
            let shard_snap = object(vec![
                ("name", Smile::String(SNAPSHOT.to_string())),
                ("index_version", Smile::Long(1)),
                ("start_time", Smile::Long(START)),
                ("time", Smile::Long(END - START)),
                ("number_of_files", Smile::Integer(infos.len() as i32)),
                ("total_size", Smile::Long(size as i64)),
                ("files", Smile::Array(infos.iter().map(Blob::file_info).collect())),
            ]);
            write(out, &format!("{dir}/snap-{snap_uuid}.dat"), &framing::encode(Codec::Snapshot, &smile(&shard_snap)));
            let blob_names: Vec<_> = infos.iter().map(|b| b.blob.clone()).collect();
            let gen = uuid(format!("gen:{index}:{shard}").as_bytes());
            let shard_index = object(vec![
                ("files", Smile::Array(infos.iter().map(Blob::file_info).collect())),
                ("snapshots", from_json(&json!({SNAPSHOT: {"files": blob_names}}))),
            ]);
            write(out, &format!("{dir}/index-{gen}"), &framing::encode(Codec::ShardSnapshots, &smile(&shard_index)));
            generations.push(gen);
            println!("{index}[{shard}] <- {}: {} files, {size} bytes", lucene_dir.display(), infos.len());
        }
        total_shards += dirs.len();
        index_entries.insert(index.clone(), json!({"id": index_id, "snapshots": [snap_uuid], "shard_generations": generations}));
    }

    let names: Vec<&String> = args.indices.iter().map(|(n, _)| n).collect();
    let info = json!({"snapshot": {
        "name": SNAPSHOT, "uuid": snap_uuid, "version_id": VERSION_ID,
        "indices": names, "data_streams": [],
        "state": "SUCCESS", "include_global_state": true, "metadata": {}, "start_time": START, "end_time": END,
        "total_shards": total_shards, "successful_shards": total_shards, "failures": []
    }});
    write(out, &format!("snap-{snap_uuid}.dat"), &framing::encode(Codec::Snapshot, &smile(&from_json(&info))));
    write(out, &format!("meta-{snap_uuid}.dat"), &framing::encode(Codec::Metadata, &framing::deflate(&smile(&global_metadata()))));
    let snapshots = json!([{"name": SNAPSHOT, "uuid": snap_uuid, "state": 1, "index_metadata_lookup": lookup,
        "version": "7.10.2", "start_time_millis": START, "end_time_millis": END}]);
    let repository_data = json!({"snapshots": snapshots, "indices": index_entries, "min_version": "7.9.0", "index_metadata_identifiers": identifiers});
    write(out, "index-1", serde_json::to_string(&repository_data).unwrap().as_bytes());
    write(out, "index.latest", &1i64.to_be_bytes());
    println!(
        "wrote snapshot {SNAPSHOT} ({} indices, {total_shards} shards, {bytes_total} bytes; {linked} files hard-linked, {copied} copied) to {}",
        args.indices.len(),
        out.display()
    );
}

/// The files of the directory's latest commit: `segments_N`, and per segment its files (`.si`
/// included), live-docs generation, field-infos and doc-values update files.
fn commit_files(dir: &Path) -> Vec<String> {
    let fs = FsDirectory::open(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let commit = Commit::read_latest(&fs).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    // `commit.file` is the directory's display name of the file: keep the file name.
    let segments_n = Path::new(&commit.file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| commit.file.clone());
    let mut files = BTreeSet::new();
    files.insert(segments_n.clone());
    for sc in &commit.segments {
        let si = SegmentInfo::read(&fs, &sc.name, &sc.id).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        files.insert(format!("{}.si", sc.name));
        files.extend(si.files.iter().cloned());
        if sc.del_gen > 0 {
            files.insert(format!("{}_{}.liv", sc.name, base36(sc.del_gen as u64)));
        }
        files.extend(sc.field_infos_files.iter().cloned());
        for (_, f) in &sc.dv_update_files {
            files.extend(f.iter().cloned());
        }
    }
    // What else lies there is not part of the commit (write.lock, older commits' files).
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if !files.contains(&n) && n != "write.lock" {
                eprintln!("pack_repo: {}: skipping {n} (not in {segments_n})", dir.display());
            }
        }
    }
    files.into_iter().collect()
}

fn index_metadata(index: &str, shards: u32) -> Vec<u8> {
    let settings = json!({
        "index.creation_date": "1710900000000", "index.number_of_replicas": "0", "index.number_of_shards": shards.to_string(),
        "index.provided_name": index, "index.uuid": uuid(format!("iuuid:{index}").as_bytes()), "index.version.created": VERSION_ID.to_string()
    });
    let mapping = json!({"_doc": {"properties": {"@timestamp": {"type": "date"}}}});
    pack::index_metadata(index, &settings, &mapping, &json!({}), routing_num_shards(shards))
}

/// ES 7 `MetadataCreateIndexService.calculateNumRoutingShards` (indices created on 7.0+).
fn routing_num_shards(shards: u32) -> u32 {
    let log2 = 32 - (shards.max(1) - 1).leading_zeros();
    shards << 10u32.saturating_sub(log2).max(1)
}

fn global_metadata() -> Smile {
    object(vec![(
        "meta-data",
        object(vec![
            ("version", Smile::Long(1)),
            ("cluster_uuid", Smile::String(uuid(b"bench-cluster"))),
            ("templates", object(vec![])),
        ]),
    )])
}

/// One Lucene file as the repository records it.
struct Blob {
    blob: String,
    name: String,
    length: u64,
    checksum: String,
    /// `.si` and `segments_N`: never uploaded, content kept in `meta_hash` (ES ≥ 7.7 behaviour).
    meta_hash: Option<Vec<u8>>,
}

impl Blob {
    fn file_info(&self) -> Smile {
        pack::file_info(&self.blob, &self.name, self.length, &self.checksum, "8.7.0", self.meta_hash.as_deref())
    }
}

/// The Lucene footer checksum (last 8 bytes, big-endian) in base 36, as ES records it.
fn lucene_checksum(path: &Path, length: u64) -> String {
    assert!(length >= 16, "{}: too short for a Lucene file", path.display());
    let mut f = std::fs::File::open(path).unwrap();
    f.seek(SeekFrom::End(-8)).unwrap();
    let mut b = [0u8; 8];
    f.read_exact(&mut b).unwrap();
    base36(u64::from_be_bytes(b))
}






