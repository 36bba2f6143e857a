//! `ferry export` end to end: every fixture repository's live documents, compared exactly with
//! ../shared/fixtures/expected/<name>.ndjson (written by real Java Lucene with soft deletes
//! applied), from folders, from a real S3 server, in every output format, from a plain Lucene
//! folder; and damaged data blobs reported by name.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde_json::{json, Value};

mod common;
use common::{ferry, json_ok, one_error_line};

/// A document reduced to what the expectations hold, as one canonical JSON string (sortable).
fn key(index: &Value, id: &Value, doc_type: &Value, routing: &Value, source: &Value) -> String {
    json!({"index": index, "id": id, "type": doc_type, "routing": routing, "source": source}).to_string()
}

fn expected_docs(repo: &Path) -> (String, Vec<String>) {
    let name = repo.file_name().unwrap().to_string_lossy();
    let text = std::fs::read_to_string(testkit::shared_dir().join(format!("fixtures/expected/{name}.ndjson"))).unwrap();
    let mut snapshot = String::new();
    let mut docs: Vec<String> = text
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            snapshot = v["snapshot"].as_str().unwrap().to_owned();
            let doc_type = v.get("type").cloned().unwrap_or(Value::Null);
            key(&v["index"], &v["id"], &doc_type, &v["routing"], &v["source"])
        })
        .collect();
    docs.sort();
    (snapshot, docs)
}

fn decompress(path: &Path) -> String {
    let raw = std::fs::read(path).unwrap();
    let name = path.to_string_lossy();
    let mut out = String::new();
    if name.ends_with(".gz") {
        flate2::read::MultiGzDecoder::new(&raw[..]).read_to_string(&mut out).unwrap();
    } else if name.ends_with(".zst") {
        zstd::stream::read::Decoder::new(&raw[..]).unwrap().read_to_string(&mut out).unwrap();
    } else {
        out = String::from_utf8(raw).unwrap();
    }
    out
}

/// Every document in an export folder, whatever the line format; checks each line is one JSON
/// document and each file is named for the index its documents carry.
fn exported_docs(dir: &Path, bulk: bool) -> Vec<String> {
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!file.starts_with('.'), "temporary file left behind: {file}");
        let index = file.split(".ndjson").next().unwrap().to_owned();
        let text = decompress(&path);
        let lines: Vec<&str> = text.lines().collect();
        assert!(text.is_empty() || text.ends_with('\n'), "{file}: last line not terminated");
        if bulk {
            assert_eq!(lines.len() % 2, 0, "{file}: bulk bodies come in action/source pairs");
            for pair in lines.chunks(2) {
                let action: Value = serde_json::from_str(pair[0]).unwrap();
                let meta = &action["index"];
                assert_eq!(meta["_index"], index.as_str());
                let source: Value = serde_json::from_str(pair[1]).unwrap();
                let doc_type = meta.get("_type").cloned().unwrap_or(Value::Null);
                let routing = meta.get("routing").cloned().unwrap_or(Value::Null);
                docs.push(key(&meta["_index"], &meta["_id"], &doc_type, &routing, &source));
            }
        } else {
            for line in lines {
                let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{file}: not one JSON document per line ({e}): {line}"));
                assert_eq!(v["_index"], index.as_str());
                let doc_type = v.get("_type").cloned().unwrap_or(Value::Null);
                let routing = v.get("_routing").cloned().unwrap_or(Value::Null);
                docs.push(key(&v["_index"], &v["_id"], &doc_type, &routing, &v["_source"]));
            }
        }
    }
    docs.sort();
    docs
}

#[test]
fn every_fixture_exports_exactly_its_live_documents() {
    let mut total = 0;
    for repo in testkit::fixture_repos() {
        let label = repo.file_name().unwrap().to_string_lossy().into_owned();
        let (snapshot, want) = expected_docs(&repo);
        let out = tempfile::tempdir().unwrap();
        let summary = json_ok(&ferry(&["export", repo.to_str().unwrap(), "--out", out.path().to_str().unwrap(), "-o", "json"], &[]));
        assert_eq!(summary["snapshot"], snapshot.as_str(), "{label}: the newest snapshot is the default");
        assert_eq!(summary["docs"], want.len(), "{label}: document count");
        let got = exported_docs(out.path(), false);
        assert_eq!(got, want, "{label}: exported documents differ from the Java Lucene oracle");
        total += want.len();
    }
    // The six fixtures hold 19 live documents between them; a reader that ignored soft deletes
    // would emit stale versions and tombstones too.
    assert_eq!(total, 19);
}

#[test]
fn bulk_format_and_compressed_outputs_hold_the_same_documents() {
    let repo = testkit::shared_dir().join("fixtures/snapshots/ES_5_6_Updates_Deletes");
    let (_, want) = expected_docs(&repo);
    for (format, compress, ext) in [("bulk", "none", ""), ("ndjson", "gzip", ".gz"), ("bulk", "zstd", ".zst")] {
        let out = tempfile::tempdir().unwrap();
        let o = ferry(&["export", repo.to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--format", format, "--compress", compress, "--jobs", "3"], &[]);
        assert!(o.status.success(), "{}", common::stderr(&o));
        assert!(out.path().join(format!("test_updates_deletes.ndjson{ext}")).is_file());
        assert_eq!(exported_docs(out.path(), format == "bulk"), want, "{format}/{compress}");
    }
    // `--out -`: every line on stdout, the summary on stderr.
    let o = ferry(&["export", repo.to_str().unwrap(), "--out", "-", "-o", "json"], &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let stdout = tempfile::tempdir().unwrap();
    std::fs::write(stdout.path().join("test_updates_deletes.ndjson"), &o.stdout).unwrap();
    assert_eq!(exported_docs(stdout.path(), false), want, "stdout");
    let summary: Value = serde_json::from_slice(&o.stderr).expect("the JSON summary on stderr");
    assert_eq!(summary["docs"], 3);
    assert_eq!(summary["indices"][0]["file"], "-");

    // The text summary names the index and its count.
    let out = tempfile::tempdir().unwrap();
    let o = ferry(&["export", repo.to_str().unwrap(), "--out", out.path().to_str().unwrap()], &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.lines().any(|l| l.starts_with("test_updates_deletes") && l.split_whitespace().nth(2) == Some("3")), "{text}");
}

#[test]
fn index_patterns_select_and_exclude() {
    let repo = testkit::shared_dir().join("fixtures/snapshots/ES_7_10_BWC_Check");
    let out = tempfile::tempdir().unwrap();
    let s = json_ok(&ferry(&["export", repo.to_str().unwrap(), "--out", out.path().to_str().unwrap(), "-o", "json", "--index", "*wc_index*,-fwc*"], &[]));
    let names: Vec<&str> = s["indices"].as_array().unwrap().iter().map(|i| i["index"].as_str().unwrap()).collect();
    assert_eq!(names, ["bwc_index_1"]);
    let o = ferry(&["export", repo.to_str().unwrap(), "--out", out.path().to_str().unwrap(), "--index", "nope*"], &[]);
    let line = one_error_line(&o);
    assert!(line.contains("no index of snapshot `rfs-snapshot` matches nope*"), "{line}");
}

#[test]
fn every_fixture_exports_the_same_from_s3() {
    let root = tempfile::tempdir().unwrap();
    for repo in testkit::fixture_repos() {
        let name = repo.file_name().unwrap().to_string_lossy().into_owned();
        testkit::write_files(&root.path().join("fixtures").join(&name), &testkit::files_under(&repo));
    }
    let server = testkit::S3Server::start(root.path());
    for repo in testkit::fixture_repos() {
        let name = repo.file_name().unwrap().to_string_lossy().into_owned();
        let (_, want) = expected_docs(&repo);
        let url = format!("s3://fixtures/{name}?endpoint={}&region=us-east-1", server.endpoint());
        let out = tempfile::tempdir().unwrap();
        let o = ferry(
            &["export", &url, "--out", out.path().to_str().unwrap()],
            &[("AWS_ACCESS_KEY_ID", server.access_key), ("AWS_SECRET_ACCESS_KEY", server.secret_key)],
        );
        assert!(o.status.success(), "{name}: {}", common::stderr(&o));
        assert_eq!(exported_docs(out.path(), false), want, "{name} over S3");
    }
}

/// Write a snapshotted shard out as the plain Lucene folder it was taken from.
fn unpack_shard(repo: &Path, index: &str, dest: &Path) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = blobstore::BlobStore::open(repo.to_str().unwrap(), &Default::default()).unwrap();
        let r = snapshot::Repository::open(store.clone()).await.unwrap();
        let snap = r.snapshots().last().unwrap().clone();
        let entry = r.index_of(&snap, index).unwrap().clone();
        let files = r.shard_snapshot(&snap, &entry, 0).await.unwrap();
        let dir = r.shard_path(&entry, 0).unwrap();
        std::fs::create_dir_all(dest).unwrap();
        for f in &files.files {
            let bytes = if f.is_virtual() { f.meta_hash.clone().unwrap() } else { store.read(&format!("{dir}{}", f.name)).await.unwrap().to_vec() };
            std::fs::write(dest.join(&f.physical_name), bytes).unwrap();
        }
    });
}

#[test]
fn a_plain_lucene_folder_exports_like_its_snapshot() {
    let repo = testkit::shared_dir().join("fixtures/snapshots/ES_7_10_Updates_Deletes_w_Soft");
    let (_, want) = expected_docs(&repo);
    let tmp = tempfile::tempdir().unwrap();
    let lucene = tmp.path().join("indices/ADqaSwRmQGeZpfc8raDTtA/0/index");
    unpack_shard(&repo, "test_updates_deletes", &lucene);
    let out = tmp.path().join("out");
    // Named from the folder path (the index uuid), then explicitly.
    let s = json_ok(&ferry(&["export", "--lucene-dir", lucene.to_str().unwrap(), "--out", out.to_str().unwrap(), "-o", "json", "--jobs", "1"], &[]));
    assert_eq!(s["indices"][0]["index"], "ADqaSwRmQGeZpfc8raDTtA");
    assert!(s["snapshot"].is_null());
    std::fs::remove_dir_all(&out).unwrap();
    let o = ferry(&["export", "--lucene-dir", lucene.to_str().unwrap(), "--index-name", "test_updates_deletes", "--out", out.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(exported_docs(&out, false), want);

    // Not a Lucene folder: one clear error.
    let o = ferry(&["export", "--lucene-dir", tmp.path().to_str().unwrap(), "--out", out.to_str().unwrap()], &[]);
    let line = one_error_line(&o);
    assert!(line.contains("no segments_N file; this is not a Lucene index folder"), "{line}");
}

/// Flip one byte inside each data blob of a fixture in turn: ferry must fail naming the blob and
/// the Lucene file, or (where the byte is outside anything a scan reads) still export exactly the
/// expected documents — never different documents.
#[test]
fn damaged_data_blobs_are_named_never_silently_misread() {
    let repo = testkit::shared_dir().join("fixtures/snapshots/ES_7_10_Updates_Deletes_w_Soft");
    let (_, want) = expected_docs(&repo);
    let files = testkit::files_under(&repo);
    let data: Vec<usize> = files.iter().enumerate().filter(|(_, (n, _))| n.contains("/__")).map(|(i, _)| i).collect();
    assert!(data.len() >= 6);
    let mut failures = BTreeMap::new();
    for &i in &data {
        let (name, bytes) = &files[i];
        // A few offsets across each blob: header, middle, footer.
        for at in [3, bytes.len() / 2, bytes.len() - 5] {
            let mut damaged = files.clone();
            damaged[i].1[at] ^= 0x40;
            let tmp = tempfile::tempdir().unwrap();
            testkit::write_files(tmp.path(), &damaged);
            let out = tmp.path().join("out");
            let o = ferry(&["export", tmp.path().to_str().unwrap(), "--out", out.to_str().unwrap()], &[]);
            if o.status.success() {
                assert_eq!(exported_docs(&out, false), want, "{name} flipped at {at}: exported different documents");
            } else {
                let line = one_error_line(&o);
                let blob = name.rsplit('/').next().unwrap();
                assert!(line.contains(blob), "{name} flipped at {at}: error does not name the blob: {line}");
                *failures.entry(name.clone()).or_insert(0) += 1;
            }
        }
    }
    // Every blob the scan reads in full is checksummed, so most flips must be caught.
    assert!(failures.values().sum::<i32>() >= 12, "{failures:?}");
}

#[test]
fn the_shipped_sample_exports() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/repo");
    let out = tempfile::tempdir().unwrap();
    let s = json_ok(&ferry(&["export", sample.to_str().unwrap(), "--out", out.path().to_str().unwrap(), "-o", "json"], &[]));
    assert_eq!(s["snapshot"], "incremental-2");
    let counts: BTreeMap<&str, u64> = s["indices"].as_array().unwrap().iter().map(|i| (i["index"].as_str().unwrap(), i["docs"].as_u64().unwrap())).collect();
    // articles: 2 shards × (5 + 3 new − 1 deleted) documents; logs: 1 shard × 7.
    assert_eq!(counts, BTreeMap::from([("articles", 14), ("logs-2024.03.22", 7)]));
    let docs = exported_docs(out.path(), false);
    let has = |needle: &str| docs.iter().any(|d| d.contains(needle));
    assert!(has(r#""id":"articles.0.1""#));
    assert!(!has(r#""id":"articles.0.2""#), "the document deleted before the second snapshot is gone");
}

/// Files larger than the repository's chunk size are stored as `name.part0`, `name.part1`, …:
/// re-pack the sample that way (parts of 700 bytes, so every segment file spans several blobs and
/// reads cross part boundaries) and the export must not change by a byte.
#[test]
fn multi_part_blobs_export_like_whole_ones() {
    use snapshot::framing::{self, Codec};
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/repo");
    let baseline = tempfile::tempdir().unwrap();
    json_ok(&ferry(&["export", sample.to_str().unwrap(), "--out", baseline.path().to_str().unwrap(), "-o", "json"], &[]));

    const PART: u64 = 700;
    let mut files: BTreeMap<String, Vec<u8>> = testkit::files_under(&sample).into_iter().collect();
    let mut split = std::collections::BTreeSet::new();
    let snaps: Vec<String> = files.keys().filter(|p| p.starts_with("indices/") && p.split('/').count() == 4 && p.rsplit('/').next().unwrap().starts_with("snap-")).cloned().collect();
    assert!(snaps.len() >= 6);
    for path in snaps {
        let body = framing::decode(&files[&path], Codec::Snapshot).unwrap();
        let mut v = snapshot::xcontent::to_json(&body).unwrap();
        let dir = &path[..path.rfind('/').unwrap() + 1];
        for f in v["files"].as_array_mut().unwrap() {
            let (name, len) = (f["name"].as_str().unwrap().to_owned(), f["length"].as_u64().unwrap());
            if name.starts_with("__") && len > PART {
                f["part_size"] = json!(PART);
                split.insert((format!("{dir}{name}"), len));
            }
        }
        files.insert(path, framing::encode(Codec::Snapshot, &serde_json::to_vec(&v).unwrap()));
    }
    assert!(split.len() >= 5, "{split:?}");
    let mut parts_written = 0;
    for (blob, len) in split {
        let data = files.remove(&blob).unwrap();
        assert_eq!(data.len() as u64, len);
        for (i, part) in data.chunks(PART as usize).enumerate() {
            files.insert(format!("{blob}.part{i}"), part.to_vec());
            parts_written += 1;
        }
    }
    assert!(parts_written >= 15);
    let repo = tempfile::tempdir().unwrap();
    testkit::write_files(repo.path(), &files.into_iter().collect::<Vec<_>>());
    let out = tempfile::tempdir().unwrap();
    json_ok(&ferry(&["export", repo.path().to_str().unwrap(), "--out", out.path().to_str().unwrap(), "-o", "json"], &[]));
    for name in ["articles.ndjson", "logs-2024.03.22.ndjson"] {
        assert_eq!(std::fs::read(out.path().join(name)).unwrap().len(), std::fs::read(baseline.path().join(name)).unwrap().len(), "{name}");
    }
    assert_eq!(exported_docs(out.path(), false), exported_docs(baseline.path(), false));
}
