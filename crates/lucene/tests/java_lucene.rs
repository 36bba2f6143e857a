//! Real Lucene 8, 9 and 10 indexes, written during the test by real Java Lucene (tests/java), read
//! by this crate: every live document's stored fields must equal what Java Lucene itself reads —
//! same fields, same order, same types, same values to the bit — across both stored-field modes,
//! compound and plain segments, several segments, hard deletes, soft deletes (in base doc values
//! and in update generations), sliced chunks (a 2 MB document), unicode and every value type.
//!
//! tests/java/install.sh installs the Java side (idempotent; `.ci/run` calls it first).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use lucene::{Compression, FsDirectory, Index, Value};
use serde_json::{json, Value as Json};

const SCENARIOS: [&str; 5] = ["speed-compound", "speed-plain", "compression-compound", "compression-plain", "soft-deletes"];

/// Java and classpath per Lucene major version, from the installer's env.sh.
fn java_env() -> &'static BTreeMap<String, String> {
    static ENV: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java");
        let out = Command::new("bash").arg(here.join("install.sh")).output().expect("run tests/java/install.sh");
        assert!(out.status.success(), "tests/java/install.sh failed:\n{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let cache = std::env::var("FERRY_LUCENE_CACHE").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/ferry-lucene"));
        let text = std::fs::read_to_string(cache.join("env.sh")).expect("env.sh written by install.sh");
        text.lines()
            .filter_map(|l| l.split_once("='"))
            .map(|(k, v)| (k.to_owned(), v.trim_end_matches('\'').to_owned()))
            .collect()
    })
}

/// Write `scenario` with Lucene `major` into a fresh folder; returns (folder, Java's dump lines, summary).
fn write_index(major: u32, scenario: &str, root: &Path) -> (PathBuf, Vec<String>, Json) {
    let env = java_env();
    let (java, cp) = match major {
        8 => (&env["JAVA17"], &env["LUCENE8_CP"]),
        9 => (&env["JAVA17"], &env["LUCENE9_CP"]),
        10 => (&env["JAVA25"], &env["LUCENE10_CP"]),
        _ => unreachable!(),
    };
    let dir = root.join(format!("lucene{major}-{scenario}"));
    let out = Command::new(java).args(["-cp", cp, "Writer"]).arg(&dir).arg(scenario).output().expect("run the Java writer");
    assert!(out.status.success(), "Lucene {major} {scenario}: writer failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let expected = std::fs::read_to_string(format!("{}.expected.ndjson", dir.display())).unwrap();
    let summary: Json = serde_json::from_str(&std::fs::read_to_string(format!("{}.summary.json", dir.display())).unwrap()).unwrap();
    (dir, expected.lines().map(str::to_owned).collect(), summary)
}

/// This crate's view of every live document, in the dump's format.
fn read_with_ferry(dir: &Path) -> (Vec<String>, BTreeMap<String, u32>, Vec<Compression>, Vec<String>) {
    let index = Index::open(Arc::new(FsDirectory::open(dir).unwrap())).unwrap_or_else(|e| panic!("{e}"));
    let mut lines = Vec::new();
    let mut live = BTreeMap::new();
    let mut modes = Vec::new();
    let mut es_ids = Vec::new();
    for i in 0..index.segments().len() {
        let seg = index.open_segment(i).unwrap_or_else(|e| panic!("{e}"));
        let es_fields = esdoc::EsFields::of(&seg.fields);
        live.insert(seg.info.name.clone(), seg.num_live());
        modes.push(seg.stored_fields().compression());
        let mut seen = 0;
        let mut by_doc = Vec::new();
        let full = seg.scan(0, |doc_id, doc| {
            let mut fields = Vec::new();
            for f in doc.fields() {
                let f = f?;
                let name = &seg.fields.by_number(f.number).expect("field number in .fnm").name;
                fields.push(match f.value {
                    Value::String(s) => json!([name, "string", s]),
                    Value::Bytes(b) => json!([name, "bytes", STANDARD.encode(b)]),
                    Value::Int(v) => json!([name, "int", v]),
                    Value::Long(v) => json!([name, "long", v.to_string()]),
                    Value::Float(v) => json!([name, "float", format!("{:08x}", v.to_bits())]),
                    Value::Double(v) => json!([name, "double", format!("{:016x}", v.to_bits())]),
                });
            }
            lines.push(json!({ "fields": fields }).to_string());
            by_doc.push((doc_id, doc.encoded_len()));
            seen += 1;
            // The Elasticsearch view of the same document: id-less ones are nested children.
            if let Some(d) = esdoc::decode(&doc, &es_fields).unwrap_or_else(|e| panic!("{e}")) {
                let mut line = Vec::new();
                esdoc::append_json(d.source.expect("every document with an _id has a _source"), &mut line).unwrap();
                let v: Json = serde_json::from_slice(&line).expect("_source becomes one valid JSON document");
                assert!(v.is_object() && !line.contains(&b'\n'));
                es_ids.push(d.id);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        // Resuming mid-segment (as a restarted backfill does) yields exactly the later documents;
        // earlier chunks are passed over by their stored lengths.
        let from = seg.max_doc() / 2;
        let mut resumed = Vec::new();
        let stats = seg.scan(from, |doc_id, doc| {
            resumed.push((doc_id, doc.encoded_len()));
            Ok(())
        })
        .unwrap();
        let want: Vec<(u32, usize)> = by_doc.iter().copied().filter(|(d, _)| *d >= from).collect();
        assert_eq!(resumed, want, "{}: scan from document {from}", seg.info.name);
        if full.chunks >= 4 {
            assert!(stats.decompressed_bytes < full.decompressed_bytes, "{}: chunks before the resume point were decompressed", seg.info.name);
        }
        assert_eq!(stats.chunks, full.chunks);
        assert_eq!(seen, seg.num_live(), "{}: scanned documents vs live count", seg.info.name);
    }
    (lines, live, modes, es_ids)
}

fn check_version(major: u32) {
    let root = tempfile::tempdir().unwrap();
    for scenario in SCENARIOS {
        let (dir, want, summary) = write_index(major, scenario, root.path());
        let (got, live, modes, mut es_ids) = read_with_ferry(&dir);
        let label = format!("Lucene {major} {scenario}");
        assert_eq!(got.len(), want.len(), "{label}: live document count");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            let (g, w): (Json, Json) = (serde_json::from_str(g).unwrap(), serde_json::from_str(w).unwrap());
            assert_eq!(g, w, "{label}: live document #{i} differs from Java Lucene's");
        }
        // Per-segment live counts agree with Java's (which lists every segment, even empty ones).
        for s in summary["segments"].as_array().unwrap() {
            let name = s["name"].as_str().unwrap();
            assert_eq!(u64::from(live[name]), s["live_docs"].as_u64().unwrap(), "{label}: live docs of {name}");
        }
        let want_mode = if scenario.starts_with("compression") { Compression::DeflateWithDict } else { Compression::Lz4WithDict };
        assert!(modes.iter().all(|&m| m == want_mode), "{label}: modes {modes:?}");
        assert!(live.len() >= 3, "{label}: several segments");
        // Every live document with an `_id` decodes (all four ES id encodings occur) to a unique id.
        assert_eq!(es_ids.len() as u64, summary["live_docs_with_id"].as_u64().unwrap(), "{label}: documents with an _id");
        assert!(es_ids.len() < got.len(), "{label}: some id-less (nested-like) documents");
        let n = es_ids.len();
        es_ids.sort();
        es_ids.dedup();
        assert_eq!(es_ids.len(), n, "{label}: ids are unique among live documents");
        assert!(summary["hard_deleted_docs"].as_u64().unwrap() > 0, "{label}: the scenario hard-deletes documents");
        if scenario == "soft-deletes" {
            assert!(summary["soft_deleted_docs"].as_u64().unwrap() > 100, "{label}: the scenario soft-deletes documents");
        }
    }
}

#[test]
fn lucene8_indexes_read_exactly_as_java_reads_them() {
    check_version(8);
}

#[test]
fn lucene9_indexes_read_exactly_as_java_reads_them() {
    check_version(9);
}

#[test]
fn lucene10_indexes_read_exactly_as_java_reads_them() {
    check_version(10);
}
