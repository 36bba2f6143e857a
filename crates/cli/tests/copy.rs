//! `ferry copy` end to end: every fixture repository round-trips folder → S3 → S3 → folder
//! byte-identically through two real S3 servers (s3s-fs, which verifies SigV4, and moto); a
//! second run copies nothing; a changed `index.latest` (same 8-byte size) is found and copied; a dry run says what
//! it would copy and why, and copies nothing.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{ferry, json_ok};

fn copy(src: &str, dst: &str, extra: &[&str], env: &[(&str, &str)]) -> Value {
    let mut args = vec!["copy", src, dst, "-o", "json", "-q"];
    args.extend_from_slice(extra);
    json_ok(&ferry(&args, env))
}

fn phase<'a>(summary: &'a Value, name: &str) -> &'a Value {
    summary["phases"].as_array().unwrap().iter().find(|p| p["phase"] == name).unwrap()
}

#[test]
fn every_fixture_round_trips_through_two_buckets_byte_identically() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("first")).unwrap();
    std::fs::create_dir_all(root.path().join("second")).unwrap();
    let server = testkit::S3Server::start(root.path());
    let moto = testkit::MotoServer::start();
    moto.create_bucket("moto");
    moto.create_bucket("moto2");
    let env = [("AWS_ACCESS_KEY_ID", server.access_key), ("AWS_SECRET_ACCESS_KEY", server.secret_key)];
    let out = tempfile::tempdir().unwrap();
    for repo in testkit::fixture_repos() {
        let name = repo.file_name().unwrap().to_string_lossy().into_owned();
        let files = testkit::files_under(&repo);
        let bytes: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
        let s3 = |bucket: &str| format!("s3://{bucket}/{name}?endpoint={}&region=us-east-1", server.endpoint());
        let back = out.path().join(&name);
        let first = copy(repo.to_str().unwrap(), &s3("first"), &[], &env);
        assert_eq!((first["copied"].as_u64(), first["copied_bytes"].as_u64()), (Some(files.len() as u64), Some(bytes)), "{name}: {first}");
        copy(&s3("first"), &s3("second"), &["--transfers", "3"], &env);
        let at_moto = format!("s3://moto/{name}?endpoint={}&region=us-east-1", moto.endpoint());
        let at_moto2 = format!("s3://moto2/{name}?endpoint={}&region=us-east-1", moto.endpoint());
        copy(&s3("second"), &at_moto, &[], &env);
        copy(&at_moto, &at_moto2, &[], &env);
        copy(&at_moto2, back.to_str().unwrap(), &[], &env);
        assert_eq!(testkit::files_under(&back), files, "{name}: the round trip changed the repository");

        // Nothing moves the second time, between any two of the stores. Roots are always compared
        // byte for byte; moto lists MD5 ETags, so between its buckets nothing else is read; s3s-fs
        // and folders list none, so data blobs are compared by their Lucene footers.
        let roots = files.iter().filter(|(p, _)| p == "index.latest" || (p.starts_with("index-") && !p.contains('/'))).count() as u64;
        let footers = files.iter().filter(|(p, b)| p.rsplit('/').next().unwrap().starts_with("__") && b.len() > 16).count() as u64;
        let n = files.len() as u64;
        for (from, to, by) in [
            (s3("first"), s3("second"), serde_json::json!({"footer": footers, "bytes": n - footers})),
            (s3("second"), at_moto.clone(), serde_json::json!({"footer": footers, "bytes": n - footers})),
            (at_moto.clone(), at_moto2.clone(), serde_json::json!({"etag": n - roots, "bytes": roots})),
            (at_moto2.clone(), back.display().to_string(), serde_json::json!({"footer": footers, "bytes": n - footers})),
        ] {
            let again = copy(&from, &to, &[], &env);
            assert_eq!((again["copied"].as_u64(), again["skipped"].as_u64()), (Some(0), Some(n)), "{name} {from} → {to}: {again}");
            assert_eq!(again["skipped_by"], by, "{name} {from} → {to}");
        }
        let again = copy(repo.to_str().unwrap(), &s3("first"), &["--checksum"], &env);
        assert_eq!(again["copied_bytes"], 0, "{name}: {again}");
    }
}

#[test]
fn a_changed_index_latest_of_the_same_size_is_copied_and_a_dry_run_copies_nothing() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/repo");
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let dst = dir.path().join("dst");
    testkit::write_files(&src, &testkit::files_under(&sample));
    let (src_s, dst_s) = (src.to_str().unwrap(), dst.to_str().unwrap());

    let dry = copy(src_s, dst_s, &["--dry-run"], &[]);
    assert!(!dst.exists(), "a dry run creates nothing");
    assert_eq!(dry["would_copy"].as_array().unwrap().len(), 32);
    assert!(dry["would_copy"].as_array().unwrap().iter().all(|p| p["why"] == "missing"));
    copy(src_s, dst_s, &[], &[]);

    // Another generation: index.latest keeps its 8 bytes, only their value changes.
    let latest = src.join("index.latest");
    let mut bytes = std::fs::read(&latest).unwrap();
    assert_eq!(bytes.len(), 8);
    bytes[7] ^= 1;
    std::fs::write(&latest, &bytes).unwrap();
    for extra in [&[][..], &["--size-only"][..]] {
        let dry = copy(src_s, dst_s, &[&["--dry-run"], extra].concat(), &[]);
        let planned: Vec<(&str, &str)> = dry["would_copy"].as_array().unwrap().iter().map(|p| (p["path"].as_str().unwrap(), p["why"].as_str().unwrap())).collect();
        assert_eq!(planned, [("index.latest", "content-differs")], "{extra:?}");
    }
    let done = copy(src_s, dst_s, &[], &[]);
    assert_eq!((done["copied"].as_u64(), done["copied_bytes"].as_u64()), (Some(1), Some(8)));
    assert_eq!(phase(&done, "index-latest")["copied"], 1);
    assert_eq!(std::fs::read(dst.join("index.latest")).unwrap(), bytes);
    assert_eq!(testkit::files_under(&dst), testkit::files_under(&src));
}

/// Damage in a destination: a flipped byte inside a data blob is invisible to the quick check
/// (same length) and found by `--deep`, named with the Lucene file; a truncated blob and a
/// missing one are found by both.
#[test]
fn verify_repo_finds_missing_truncated_and_corrupt_blobs() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/repo");
    let dir = tempfile::tempdir().unwrap();
    let dst = dir.path().join("dst");
    let done = copy(sample.to_str().unwrap(), dst.to_str().unwrap(), &["--verify"], &[]);
    assert_eq!(done["verify"]["problems"], serde_json::json!([]), "{done}");
    assert_eq!(done["verify"]["blobs"], 32);

    let verify = |deep: bool| {
        let mut args = vec!["verify-repo", dst.to_str().unwrap(), "-o", "json"];
        if deep {
            args.push("--deep");
        }
        let out = ferry(&args, &[]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), report)
    };
    let data: Vec<(String, Vec<u8>)> = testkit::files_under(&dst).into_iter().filter(|(p, b)| p.contains("/__") && b.len() > 100).collect();
    let (flipped, truncated, removed) = (&data[0].0, &data[1].0, &data[2].0);
    let mut bytes = data[0].1.clone();
    bytes[40] ^= 0x10;
    std::fs::write(dst.join(flipped), &bytes).unwrap();
    std::fs::write(dst.join(truncated), &data[1].1[..data[1].1.len() - 1]).unwrap();
    std::fs::remove_file(dst.join(removed)).unwrap();

    let problems = |report: &Value| -> Vec<(String, String)> {
        report["problems"].as_array().unwrap().iter().map(|p| (p["blob"].as_str().unwrap().to_owned(), p["problem"].as_str().unwrap().to_owned())).collect()
    };
    let named = |path: &str| dst.join(path).display().to_string();
    let (code, quick) = verify(false);
    assert_eq!(code, Some(3));
    let quick = problems(&quick);
    assert_eq!(quick.len(), 2, "{quick:?}");
    assert!(quick.iter().any(|(b, p)| *b == named(removed) && p == "missing"), "{quick:?}");
    assert!(quick.iter().any(|(b, p)| *b == named(truncated) && p.contains("bytes, the shard snapshot records")), "{quick:?}");

    let (code, deep) = verify(true);
    assert_eq!(code, Some(3));
    let deep = problems(&deep);
    assert_eq!(deep.len(), 3, "{deep:?}");
    assert!(deep.iter().any(|(b, p)| *b == named(flipped) && p.contains("CRC-32") && p.contains("corrupt")), "{deep:?}");

    // A rerun repairs the truncated and the missing blob; a flipped byte inside an immutable data
    // blob is beyond what size and footer comparison sees, and --verify says so (exit 3)…
    let out = ferry(&["copy", sample.to_str().unwrap(), dst.to_str().unwrap(), "--verify", "-o", "json", "-q"], &[]);
    assert_eq!(out.status.code(), Some(3));
    let rerun: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rerun["copied"], 2, "{rerun}");
    assert_eq!(problems(&rerun["verify"]).len(), 1);
    assert_eq!(problems(&rerun["verify"])[0].0, named(flipped));
    // …and --checksum, which compares whole contents, repairs it.
    let repaired = copy(sample.to_str().unwrap(), dst.to_str().unwrap(), &["--checksum", "--verify"], &[]);
    assert_eq!(repaired["copied"], 1, "{repaired}");
    assert_eq!(repaired["verify"]["problems"], serde_json::json!([]));
    assert_eq!(testkit::files_under(&dst), testkit::files_under(&sample));
}

/// A repository staged in two steps (samples/repo-step1 is samples/repo after its first
/// snapshot): the second copy moves exactly the new blobs and the changed roots, `index.latest`
/// included. Copies killed (SIGKILL) at several moments leave a destination that `inspect` and
/// `verify-repo` accept — at the old state or the new one, never in between — and a rerun
/// completes it.
#[test]
fn a_second_snapshot_moves_exactly_its_blobs_and_killed_copies_leave_a_readable_repository() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
    let (step1, full) = (samples.join("repo-step1"), samples.join("repo"));
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("dst")).unwrap();
    let server = testkit::S3Server::start(root.path());
    let env = [("AWS_ACCESS_KEY_ID", server.access_key), ("AWS_SECRET_ACCESS_KEY", server.secret_key)];
    let dst = format!("s3://dst/repo?endpoint={}&region=us-east-1", server.endpoint());
    let on_disk = root.path().join("dst/repo");
    let snapshots = || -> Vec<String> {
        let v = json_ok(&ferry(&["inspect", &dst, "-o", "json"], &env));
        v["snapshots"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect()
    };
    let verified = || {
        let out = ferry(&["verify-repo", &dst, "-o", "json"], &env);
        assert_eq!(out.status.code(), Some(0), "verify-repo: {}", String::from_utf8_lossy(&out.stdout));
    };

    copy(step1.to_str().unwrap(), &dst, &[], &env);
    assert_eq!(testkit::files_under(&on_disk), testkit::files_under(&step1));
    assert_eq!(snapshots(), ["full-1"]);

    // What the second step must move: new paths, and paths whose content changed.
    let before: std::collections::BTreeMap<String, Vec<u8>> = testkit::files_under(&step1).into_iter().collect();
    let mut expected: Vec<String> = testkit::files_under(&full).into_iter().filter(|(p, b)| before.get(p) != Some(b)).map(|(p, _)| p).collect();
    expected.sort();
    assert!(expected.contains(&"index.latest".to_owned()) && expected.contains(&"index-1".to_owned()), "{expected:?}");
    let dry = copy(full.to_str().unwrap(), &dst, &["--dry-run"], &env);
    let mut planned: Vec<String> = dry["would_copy"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap().to_owned()).collect();
    planned.sort();
    assert_eq!(planned, expected);

    // Kill copies part-way: 30 KiB at 12 KiB/s takes ~2.5 s; kill at several moments.
    for after_ms in [100, 400, 800, 1300, 1900] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(["copy", full.to_str().unwrap(), &dst, "--bwlimit", "12K", "--transfers", "2", "-q"])
            .envs(env)
            .env("AWS_CONFIG_FILE", "/nonexistent/ferry-test")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ferry-test")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(after_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        verified();
        let now = snapshots();
        assert!(now == ["full-1"] || now == ["full-1", "incremental-2"], "after {after_ms} ms: {now:?}");
    }
    let done = copy(full.to_str().unwrap(), &dst, &["--verify"], &env);
    assert!(done["copied"].as_u64().unwrap() <= expected.len() as u64, "{done}");
    assert_eq!(snapshots(), ["full-1", "incremental-2"]);
    // Everything of the full repository is there, byte for byte (plus step 1's superseded
    // generation blobs, which a copy never deletes on its own).
    let there: std::collections::BTreeMap<String, Vec<u8>> = testkit::files_under(&on_disk).into_iter().collect();
    for (path, bytes) in testkit::files_under(&full) {
        assert_eq!(there.get(&path), Some(&bytes), "{path}");
    }
    let again = copy(full.to_str().unwrap(), &dst, &[], &env);
    assert_eq!(again["copied"], 0);
}

/// `--snapshot` copies exactly what a snapshot needs and refuses when the copied root would name
/// snapshots the destination lacks; `--delete` then removes exactly the superseded blobs.
#[test]
fn snapshot_selection_and_delete() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
    let (step1, full) = (samples.join("repo-step1"), samples.join("repo"));
    let dir = tempfile::tempdir().unwrap();
    let dst = dir.path().join("dst");
    let (full_s, dst_s) = (full.to_str().unwrap(), dst.to_str().unwrap());

    let refused = ferry(&["copy", full_s, dst_s, "--snapshot", "incremental-2"], &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(common::stderr(&refused).contains("lists snapshot(s) full-1 which the destination does not hold yet"), "{}", common::stderr(&refused));

    copy(step1.to_str().unwrap(), dst_s, &[], &[]);
    let before: std::collections::BTreeMap<String, Vec<u8>> = testkit::files_under(&step1).into_iter().collect();
    let after: std::collections::BTreeMap<String, Vec<u8>> = testkit::files_under(&full).into_iter().collect();
    let mut new_or_changed: Vec<&String> = after.iter().filter(|(p, b)| before.get(*p) != Some(b)).map(|(p, _)| p).collect();
    new_or_changed.sort();
    let done = copy(full_s, dst_s, &["--snapshot", "incremental-2", "--dry-run"], &[]);
    let mut moved: Vec<String> = done["would_copy"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap().to_owned()).collect();
    moved.sort();
    assert_eq!(moved.iter().collect::<Vec<_>>(), new_or_changed);
    copy(full_s, dst_s, &["--snapshot", "incremental-2"], &[]);

    // Superseded: step 1's root and shard generations.
    let mut superseded: Vec<&String> = before.keys().filter(|p| !after.contains_key(*p)).collect();
    superseded.sort();
    assert!(superseded.contains(&&"index-0".to_owned()), "{superseded:?}");
    let dry = copy(full_s, dst_s, &["--delete", "--dry-run"], &[]);
    let mut doomed: Vec<String> = dry["deleted"].as_array().unwrap().iter().map(|p| p["path"].as_str().unwrap().to_owned()).collect();
    doomed.sort();
    assert_eq!(doomed.iter().collect::<Vec<_>>(), superseded);
    assert!(dst.join("index-0").exists(), "a dry run deletes nothing");
    let done = copy(full_s, dst_s, &["--delete", "--verify"], &[]);
    assert_eq!(done["deleted"].as_array().unwrap().len(), superseded.len());
    assert_eq!(done["verify"]["problems"], serde_json::json!([]));
    assert_eq!(testkit::files_under(&dst), testkit::files_under(&full));
}

#[test]
fn abandoned_uploads_in_the_destination_are_aborted_before_copying() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/repo");
    let moto = testkit::MotoServer::start();
    moto.create_bucket("dst");
    // Two uploads a killed copy left in the repository, one of another repository's.
    let left = moto.start_uploads("dst", &["repo/indices/x/0/__abc:1", "repo/index-2:0"]);
    let other = moto.start_uploads("dst", &["repo-b/indices/y/0/__def:1"]);
    let dst = format!("s3://dst/repo?endpoint={}&region=us-east-1", moto.endpoint());
    let env = [("AWS_ACCESS_KEY_ID", "AKIDTEST"), ("AWS_SECRET_ACCESS_KEY", "test-secret")];

    let dry = copy(sample.to_str().unwrap(), &dst, &["--dry-run"], &env);
    assert_eq!(dry["aborted_uploads"], serde_json::json!(["index-2", "indices/x/0/__abc"]), "{dry}");
    assert_eq!(moto.uploads("dst").len(), 3, "a dry run aborts nothing");

    let done = copy(sample.to_str().unwrap(), &dst, &[], &env);
    assert_eq!(done["aborted_uploads"], serde_json::json!(["index-2", "indices/x/0/__abc"]), "{done}");
    assert_eq!(moto.uploads("dst"), other, "only the other repository's upload is left");
    assert_eq!(left.len(), 2);

    // A folder: a `.ferry-part` file is a local copy's unfinished object.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("copy");
    copy(sample.to_str().unwrap(), out.to_str().unwrap(), &[], &env);
    let files = testkit::files_under(&out);
    let (blob, _) = files.iter().find(|(p, _)| p.rsplit('/').next().unwrap().starts_with("__")).unwrap();
    std::fs::write(out.join(format!("{blob}.ferry-part")), b"half a blob").unwrap();
    let again = copy(sample.to_str().unwrap(), out.to_str().unwrap(), &[], &env);
    assert_eq!(again["aborted_uploads"], serde_json::json!([blob]), "{again}");
    assert_eq!(again["copied"], 0);
    assert_eq!(testkit::files_under(&out), files, "the part file is gone, the finished blob kept");
    assert!(again.get("uploads_unchecked").is_none(), "{again}");
}
