//! `ferry inspect` end to end: the fixture repositories read from a folder and from a real S3
//! server, compared exactly with the facts in ../shared/fixtures/expected; and every kind of bad
//! input giving one named error line and a non-zero exit.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{ferry, json_ok, one_error_line, stderr};
use snapshot::framing::{self, Codec};

/// Every fact the fixtures README lists must equal what ferry reports under the same key.
fn assert_matches_facts(report: &Value, repo: &Path) {
    let facts: Value = serde_json::from_slice(&std::fs::read(testkit::facts_path(repo)).unwrap()).unwrap();
    let label = repo.file_name().unwrap().to_string_lossy();
    assert_eq!(report["generation"], facts["generation"], "{label}: generation");
    let want = facts["snapshots"].as_array().unwrap();
    let got = report["snapshots"].as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{label}: snapshot count");
    for (g, w) in got.iter().zip(want) {
        let w = w.as_object().unwrap();
        assert!(w.len() >= 12, "{label}: facts file has fewer fields than expected");
        for (key, expected) in w {
            assert_eq!(&g[key], expected, "{label}: snapshot {} field `{key}`", w["name"]);
        }
    }
}

#[test]
fn every_fixture_matches_its_facts() {
    for repo in testkit::fixture_repos() {
        let out = ferry(&["inspect", repo.to_str().unwrap(), "--output", "json"], &[]);
        let report = json_ok(&out);
        assert_matches_facts(&report, &repo);
    }
}

#[test]
fn every_fixture_served_by_s3_matches_its_facts() {
    let root = tempfile::tempdir().unwrap();
    for repo in testkit::fixture_repos() {
        let name = repo.file_name().unwrap().to_string_lossy().into_owned();
        testkit::write_files(&root.path().join("fixtures").join(&name), &testkit::files_under(&repo));
    }
    let server = testkit::S3Server::start(root.path());
    let endpoint = server.endpoint();
    for (i, repo) in testkit::fixture_repos().iter().enumerate() {
        let name = repo.file_name().unwrap().to_string_lossy().into_owned();
        let url = format!("s3://fixtures/{name}?endpoint={endpoint}&region=us-east-1");
        // Credentials from the environment for some, from flags for others.
        let out = if i % 2 == 0 {
            ferry(&["inspect", &url, "-o", "json"], &[("AWS_ACCESS_KEY_ID", server.access_key), ("AWS_SECRET_ACCESS_KEY", server.secret_key)])
        } else {
            ferry(&["inspect", &url, "-o", "json", "--access-key-id", server.access_key, "--secret-access-key", server.secret_key], &[])
        };
        let report = json_ok(&out);
        assert_eq!(report["repository"], format!("s3://fixtures/{name}"), "no query string (or secret) in the location");
        assert_matches_facts(&report, repo);
    }

    // The endpoint may also come from AWS_ENDPOINT_URL.
    let out = ferry(
        &["inspect", "s3://fixtures/ES_7_10_Single", "-o", "json"],
        &[("AWS_ENDPOINT_URL", &endpoint), ("AWS_ACCESS_KEY_ID", server.access_key), ("AWS_SECRET_ACCESS_KEY", server.secret_key)],
    );
    assert_matches_facts(&json_ok(&out), &testkit::shared_dir().join("fixtures/snapshots/ES_7_10_Single"));

    // A wrong secret: a clear authentication error naming the blob, never the secret.
    let wrong = "definitely-not-the-secret";
    let out = ferry(
        &["inspect", &format!("s3://fixtures/ES_7_10_Single?endpoint={endpoint}"), "-o", "json"],
        &[("AWS_ACCESS_KEY_ID", server.access_key), ("AWS_SECRET_ACCESS_KEY", wrong)],
    );
    let line = one_error_line(&out);
    assert!(line.contains("access denied"), "{line}");
    assert!(line.contains("SignatureDoesNotMatch"), "{line}");
    assert!(line.contains("s3://fixtures/ES_7_10_Single/index.latest"), "{line}");
    assert!(line.contains("check the credentials"), "{line}");
    assert!(!line.contains("headers"), "no response dump: {line}");
    assert!(!line.contains(wrong) && !line.contains(server.secret_key), "{line}");

    // A bucket that does not exist.
    let out = ferry(
        &["inspect", &format!("s3://no-such-bucket/x?endpoint={endpoint}")],
        &[("AWS_ACCESS_KEY_ID", server.access_key), ("AWS_SECRET_ACCESS_KEY", server.secret_key)],
    );
    let line = one_error_line(&out);
    assert!(line.contains("s3://no-such-bucket/x") && line.contains("bucket `no-such-bucket` does not exist"), "{line}");
}

#[test]
fn unreachable_endpoint_names_the_host() {
    let port = testkit::free_port();
    let out = ferry(
        &["inspect", &format!("s3://bucket/repo?endpoint=http://127.0.0.1:{port}")],
        &[("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "SK")],
    );
    let line = one_error_line(&out);
    assert!(line.contains(&format!("cannot reach 127.0.0.1:{port}")), "{line}");
    assert!(line.contains("check the endpoint"), "{line}");
}

#[test]
fn missing_path_and_non_repositories() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let line = one_error_line(&ferry(&["inspect", missing.to_str().unwrap()], &[]));
    assert!(line.contains(missing.to_str().unwrap()) && line.contains("not found"), "{line}");
    assert!(!missing.exists(), "inspect must not create the folder");

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let line = one_error_line(&ferry(&["inspect", empty.to_str().unwrap()], &[]));
    assert!(line.contains("not a snapshot repository"), "{line}");

    // An ES 1.x/2.x layout: root `index` listing snapshot names.
    let old = dir.path().join("es1");
    std::fs::create_dir(&old).unwrap();
    std::fs::write(old.join("index"), br#"{"snapshots":["s1"]}"#).unwrap();
    std::fs::write(old.join("snapshot-s1"), b"{}").unwrap();
    let line = one_error_line(&ferry(&["inspect", old.to_str().unwrap()], &[]));
    assert!(line.contains("Elasticsearch 1.x/2.x") && line.contains("not supported yet"), "{line}");

    // index.latest that is not 8 bytes.
    let bad = dir.path().join("badlatest");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("index.latest"), b"1").unwrap();
    let line = one_error_line(&ferry(&["inspect", bad.to_str().unwrap()], &[]));
    assert!(line.contains("index.latest") && line.contains("expected 8 bytes"), "{line}");
}

/// A copy of a fixture in a temp folder, with `edit` applied to one of its files.
fn edited_copy(fixture: &str, file: &str, edit: impl FnOnce(&mut Vec<u8>)) -> (tempfile::TempDir, String) {
    let src = testkit::shared_dir().join("fixtures/snapshots").join(fixture);
    let mut files = testkit::files_under(&src);
    let entry = files.iter_mut().find(|(p, _)| p == file).unwrap_or_else(|| panic!("{fixture} has no {file}"));
    edit(&mut entry.1);
    let dir = tempfile::tempdir().unwrap();
    testkit::write_files(dir.path(), &files);
    let root = dir.path().to_str().unwrap().to_string();
    (dir, root)
}

#[test]
fn corrupt_and_truncated_blobs_are_named_by_the_cli() {
    let cases: [(&str, &str, fn(&mut Vec<u8>), &str); 5] = [
        ("ES_7_10_Single", "snap-7_1RHMshSc6c0cuzX1NCDg.dat", |b| b[40] ^= 0x20, "checksum mismatch"),
        ("ES_7_10_Single", "meta-7_1RHMshSc6c0cuzX1NCDg.dat", |b| b.truncate(b.len() / 2), "bad footer magic"),
        (
            "ES_6_8_Single",
            "indices/d3oMxx4IROOWpmPdoY9f_Q/0/snap-5imyqv54TKyHTPTCOAOt2g.dat",
            |b| {
                let n = b.len();
                b[n - 1] ^= 1
            },
            "checksum mismatch",
        ),
        // A valid footer over a different codec name: the framing rejects it.
        (
            "ES_5_6_Updates_Deletes",
            "snap-FGgvQ_1CTymrGgoBFrwNTg.dat",
            |b| *b = framing::encode(Codec::Metadata, &framing::unframe(b, Codec::Snapshot).unwrap().to_vec()),
            "unknown codec `metadata`",
        ),
        // A valid footer around a body that is not XContent.
        ("ES_7_10_BWC_Check", "snap-KhcpVj8aRMek0oLMUSPHeg.dat", |b| *b = framing::encode(Codec::Snapshot, b"\x00garbage"), "neither SMILE nor JSON"),
    ];
    for (fixture, file, edit, expect) in cases {
        let (_dir, root) = edited_copy(fixture, file, edit);
        let line = one_error_line(&ferry(&["inspect", &root], &[]));
        assert!(line.contains(&format!("{root}/{file}")), "{fixture}/{file}: error does not name the blob: {line}");
        assert!(line.contains(expect), "{fixture}/{file}: expected `{expect}`: {line}");
    }
}

#[test]
fn deflate_and_zstd_compressed_metadata_read_the_same() {
    for repo in testkit::fixture_repos() {
        let want = json_ok(&ferry(&["inspect", repo.to_str().unwrap(), "-o", "json"], &[]));
        for compress in [framing::deflate as fn(&[u8]) -> Vec<u8>, framing::zstd_compress] {
            let mut files = testkit::files_under(&repo);
            let mut recompressed = 0;
            for (path, bytes) in files.iter_mut() {
                let name = path.rsplit('/').next().unwrap();
                let codec = match () {
                    _ if name.starts_with("snap-") => Codec::Snapshot,
                    _ if name.starts_with("meta-") && !path.contains('/') => Codec::Metadata,
                    _ if name.starts_with("meta-") => Codec::IndexMetadata,
                    _ if name.starts_with("index-") && path.contains('/') => Codec::ShardSnapshots,
                    _ => continue,
                };
                let body = framing::unframe(bytes, codec).unwrap().to_vec();
                *bytes = framing::encode(codec, &compress(&body));
                recompressed += 1;
            }
            assert!(recompressed >= 4, "{}", repo.display());
            let dir = tempfile::tempdir().unwrap();
            testkit::write_files(dir.path(), &files);
            let mut got = json_ok(&ferry(&["inspect", dir.path().to_str().unwrap(), "-o", "json"], &[]));
            got["repository"] = want["repository"].clone();
            assert_eq!(got, want, "{}", repo.display());
        }
    }
}

#[test]
fn index_details_and_templates() {
    let repo = testkit::shared_dir().join("fixtures/snapshots/ES_6_8_Single");
    let facts: Value = serde_json::from_slice(&std::fs::read(testkit::facts_path(&repo)).unwrap()).unwrap();
    let snap = &facts["snapshots"][0];
    let snap_name = snap["name"].as_str().unwrap();
    for (index, index_facts) in snap["indices"].as_object().unwrap() {
        let meta = json_ok(&ferry(&["inspect", repo.to_str().unwrap(), "--snapshot", snap_name, "--index", index, "-o", "json"], &[]));
        assert_eq!(meta["name"], index.as_str());
        assert_eq!(meta["number_of_shards"], index_facts["number_of_shards"]);
        assert_eq!(meta["settings"]["index.version.created"], index_facts["version_created"]);
        let types: Vec<&str> = meta["mappings"].as_array().unwrap().iter().map(|m| m["type"].as_str().unwrap()).collect();
        assert_eq!(Value::from(types), index_facts["mapping_types"]);
        let mut aliases: Vec<&String> = meta["aliases"].as_object().unwrap().keys().collect();
        aliases.sort();
        assert_eq!(serde_json::to_value(aliases).unwrap(), index_facts["aliases"]);
        assert!(meta["mappings"][0]["mapping"]["properties"].is_object(), "mapping body decoded: {}", meta["mappings"]);
    }
    // The README documents alias2's routing on this fixture.
    let meta = json_ok(&ferry(&["inspect", repo.to_str().unwrap(), "-s", snap_name, "-i", "posts_2024_01_01", "-o", "json"], &[]));
    assert_eq!(meta["aliases"]["alias2"]["index_routing"], "kimchy");
    assert_eq!(meta["aliases"]["another_alias"]["index_routing"], "user123");

    for repo in testkit::fixture_repos() {
        let facts: Value = serde_json::from_slice(&std::fs::read(testkit::facts_path(&repo)).unwrap()).unwrap();
        let t = json_ok(&ferry(&["inspect", repo.to_str().unwrap(), "--templates", "-o", "json"], &[]));
        for (kind, key) in [("legacy", "legacy"), ("composable", "composable"), ("component", "component")] {
            let names: Vec<&String> = t[kind].as_object().unwrap().keys().collect();
            let mut names = names;
            names.sort();
            assert_eq!(serde_json::to_value(names).unwrap(), facts["snapshots"][0]["templates"][key], "{} {kind}", repo.display());
        }
    }

    let text = ferry(&["inspect", repo.to_str().unwrap(), "-s", snap_name, "-i", "nope"], &[]);
    let line = one_error_line(&text);
    assert!(line.contains("has no index `nope`") && line.contains("posts_2023_02_25"), "{line}");
    let line = one_error_line(&ferry(&["inspect", repo.to_str().unwrap(), "-s", "nope"], &[]));
    assert!(line.contains("no snapshot named `nope`") && line.contains(snap_name), "{line}");
}

#[test]
fn text_tree_lists_snapshots_indices_and_shards() {
    let repo = testkit::shared_dir().join("fixtures/snapshots/ES_7_10_BWC_Check");
    let out = ferry(&["inspect", repo.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let facts: Value = serde_json::from_slice(&std::fs::read(testkit::facts_path(&repo)).unwrap()).unwrap();
    let snap = &facts["snapshots"][0];
    assert!(text.contains(&format!("snapshot {}  {}  SUCCESS  Elasticsearch {}", snap["name"].as_str().unwrap(), snap["uuid"].as_str().unwrap(), snap["version"].as_str().unwrap())), "{text}");
    for (name, idx) in snap["indices"].as_object().unwrap() {
        assert!(text.contains(&format!("index {name}  {}", idx["id"].as_str().unwrap())), "{name}: {text}");
    }
    assert!(text.contains("shard 0: 1 file, 208 B"), "{text}");
    assert!(text.contains("templates: 1 legacy, 1 composable, 2 component"), "{text}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(ferry(&["inspect"], &[]).status.code(), Some(2));
    assert_eq!(ferry(&["inspect", ".", "--index", "x"], &[]).status.code(), Some(2));
    assert_eq!(ferry(&["inspect", "s3://b/p?regoin=x"], &[]).status.code(), Some(2));
    let help = ferry(&["inspect", "--help"], &[]);
    assert!(help.status.success());
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("--snapshot") && help.contains("Examples:"), "{help}");
}

/// The README's quick start runs `ferry inspect samples/repo`; samples/make.sh defines its content.
#[test]
fn shipped_sample_repository() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/repo");
    let r = json_ok(&ferry(&["inspect", repo.to_str().unwrap(), "-o", "json"], &[]));
    assert_eq!(r["generation"], 1);
    assert_eq!(r["index_latest"], 1);
    let names: Vec<&str> = r["snapshots"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["full-1", "incremental-2"]);
    for s in r["snapshots"].as_array().unwrap() {
        assert_eq!(s["state"], "SUCCESS");
        assert_eq!(s["version"], "7.10.2");
        assert_eq!(s["indices"]["articles"]["number_of_shards"], 2);
        assert_eq!(s["indices"]["articles"]["aliases"], serde_json::json!(["articles-current", "user0-articles"]));
        assert_eq!(s["indices"]["logs-2024.03.22"]["number_of_shards"], 1);
        assert_eq!(s["templates"], serde_json::json!({"legacy": ["logs-template"], "composable": ["articles-template"], "component": ["article-mappings"]}));
    }
    // The first commit is one compound segment; the second adds a segment and a deletion file.
    let first = &r["snapshots"][0]["indices"]["articles"]["shards"][0];
    let second = &r["snapshots"][1]["indices"]["articles"]["shards"][0];
    assert_eq!(first["files"], serde_json::json!(["_0.cfe", "_0.cfs", "_0.si", "segments_1"]));
    assert_eq!(second["files"], serde_json::json!(["_0.cfe", "_0.cfs", "_0.si", "_0_1.liv", "_1.cfe", "_1.cfs", "_1.si", "segments_2"]));
}
