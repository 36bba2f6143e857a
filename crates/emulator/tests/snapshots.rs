//! Snapshot / restore per personality, against docs/snapshot-facts.md (sections cited per test).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{bulk, compact, get, json_req, req, Resp};
use emulator::{Config, Emulator, Personality};
use serde_json::{json, Value};

const ALL: [Personality; 9] = Personality::ALL;

fn config(p: Personality, root: &Path) -> Config {
    let mut c = Config::new(p);
    c.path_repo = vec![root.to_path_buf()];
    c.snapshot_duration = Duration::from_millis(150);
    c.restore_duration = Duration::from_millis(150);
    c
}

fn start(p: Personality, root: &Path) -> Emulator {
    Emulator::start(config(p, root)).expect("emulator starts")
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().expect("an object").keys().map(String::as_str).collect()
}

fn doc_path(p: Personality, index: &str, id: &str) -> String {
    match p {
        Personality::Es5_6 => format!("/{index}/doc/{id}"),
        _ => format!("/{index}/_doc/{id}"),
    }
}

fn action(p: Personality, index: &str, id: &str) -> String {
    match p {
        Personality::Es5_6 => format!(r#"{{"index":{{"_index":"{index}","_type":"doc","_id":"{id}"}}}}"#),
        Personality::Es6_8 => format!(r#"{{"index":{{"_index":"{index}","_type":"_doc","_id":"{id}"}}}}"#),
        _ => format!(r#"{{"index":{{"_index":"{index}","_id":"{id}"}}}}"#),
    }
}

/// An index with `shards` primaries, no replicas, and documents `1..=n` (`{"n":i}`).
fn seed_index(port: u16, p: Personality, index: &str, shards: u32, n: u32) {
    let r = json_req(port, "PUT", &format!("/{index}"), &format!(r#"{{"settings":{{"number_of_shards":{shards},"number_of_replicas":0}}}}"#));
    assert_eq!(r.status, 200, "{p}: {}", r.text());
    let mut body = String::new();
    for i in 1..=n {
        body.push_str(&action(p, index, &i.to_string()));
        body.push('\n');
        body.push_str(&format!("{{\"n\":{i}}}\n"));
    }
    let r = bulk(port, "/_bulk?refresh=true", &body);
    assert_eq!(r.json()["errors"], json!(false), "{p}: {}", r.text());
}

fn put_fs_repo(port: u16, name: &str, location: &str) -> Resp {
    json_req(port, "PUT", &format!("/_snapshot/{name}"), &format!(r#"{{"type":"fs","settings":{{"location":"{location}"}}}}"#))
}

fn post(port: u16, path: &str, body: &str) -> Resp {
    json_req(port, "POST", path, body)
}

/// Poll `GET _snapshot/{repo}/{snap}` until it is no longer IN_PROGRESS.
fn finished(port: u16, repo: &str, snap: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = get(port, &format!("/_snapshot/{repo}/{snap}"));
        assert_eq!(r.status, 200, "{}", r.text());
        let s = r.json()["snapshots"][0].clone();
        if s["state"] != json!("IN_PROGRESS") {
            return s;
        }
        assert!(Instant::now() < deadline, "snapshot {snap} never finished");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn snapshot_and_wait(port: u16, repo: &str, snap: &str, body: &str) -> Value {
    let r = json_req(port, "PUT", &format!("/_snapshot/{repo}/{snap}"), body);
    assert_eq!((r.status, r.compact()), (200, r#"{"accepted":true}"#.to_string()), "{}", r.text());
    finished(port, repo, snap)
}

/// Plain recursive copy, as an operator would move a repository folder.
fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// Documents without what a restore legitimately changes (seq_no; `_type` across versions).
fn strip(docs: Vec<emulator::Doc>) -> Vec<(String, Option<String>, Value, u64)> {
    docs.into_iter().map(|d| (d.id, d.routing, d.source, d.version)).collect()
}

fn files(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = testkit::files_under(root).into_iter().map(|(p, _)| p).collect();
    v.sort();
    v
}

fn error_body(kind: &str, reason: &str, status: u16) -> String {
    compact(&json!({"error":{"root_cause":[{"type":kind,"reason":reason}],"type":kind,"reason":reason},"status":status}).to_string())
}

fn version_of(p: Personality) -> (u64, &'static str) {
    match p {
        Personality::Es5_6 => (5_061_699, "5.6.16"),
        Personality::Es6_8 => (6_082_399, "6.8.23"),
        Personality::Es7_10 => (7_100_299, "7.10.2"),
        Personality::Es7_17 => (7_170_099, "7.17.0"),
        Personality::Es8 => (8_512_000, "8.15.0"),
        Personality::Es9 => (9_033_000, "9.1.0"),
        Personality::Os1_3 => (135_249_827, "1.3.20"),
        Personality::Os2 => (136_387_927, "2.17.1"),
        Personality::Os3 => (137_227_827, "3.1.0"),
    }
}

/// §2.4 key order table (GET answers).
fn info_keys(p: Personality) -> Vec<&'static str> {
    let times = ["state", "start_time", "start_time_in_millis", "end_time", "end_time_in_millis", "duration_in_millis", "failures", "shards"];
    let head: Vec<&str> = match p {
        Personality::Es5_6 => vec!["snapshot", "uuid", "version_id", "version", "indices"],
        Personality::Es6_8 => vec!["snapshot", "uuid", "version_id", "version", "indices", "include_global_state"],
        Personality::Es7_10 | Personality::Os1_3 => vec!["snapshot", "uuid", "version_id", "version", "indices", "data_streams", "include_global_state"],
        Personality::Es7_17 | Personality::Es8 | Personality::Es9 => {
            vec!["snapshot", "uuid", "repository", "version_id", "version", "indices", "data_streams", "include_global_state"]
        }
        Personality::Os2 | Personality::Os3 => {
            vec!["snapshot", "uuid", "version_id", "version", "remote_store_index_shallow_copy", "indices", "data_streams", "include_global_state"]
        }
    };
    let mut out: Vec<&str> = head.into_iter().chain(times).collect();
    if matches!(p, Personality::Es7_17 | Personality::Es8 | Personality::Es9) {
        out.push("feature_states");
    }
    out
}

/// §1.1–§1.4: registration, listing, verification and refusals, every personality.
#[test]
fn fs_repositories_per_personality() {
    for p in ALL {
        let dir = tempfile::tempdir().unwrap();
        let emu = start(p, dir.path());
        let port = emu.port();
        let r = json_req(port, "PUT", "/_snapshot/backup", r#"{"type":"fs","settings":{"location":"backup","compress":true}}"#);
        assert_eq!((r.status, r.compact()), (200, r#"{"acknowledged":true}"#.to_string()), "{p}");
        assert!(dir.path().join("backup").is_dir());
        assert_eq!(files(&dir.path().join("backup")), Vec::<String>::new(), "{p}: verification cleans up");
        assert_eq!(get(port, "/_snapshot").compact(), r#"{"backup":{"type":"fs","settings":{"compress":"true","location":"backup"}}}"#, "{p}");
        assert_eq!(get(port, "/_snapshot/backup,b*").compact(), get(port, "/_snapshot/_all").compact());
        let v = req(port, "POST", "/_snapshot/backup/_verify", &[], b"").json();
        let nodes = v["nodes"].as_object().unwrap();
        assert_eq!(nodes.len(), 1);
        let (id, node) = nodes.iter().next().unwrap();
        assert_eq!(id.len(), 22);
        assert_eq!(node["name"], get(port, "/").json()["name"], "{p}");

        let r = put_fs_repo(port, "other", "/definitely/elsewhere");
        let inner = "[other] location [/definitely/elsewhere] doesn't match any of the locations specified by path.repo";
        let expected = json!({"error":{"root_cause":[{"type":"repository_exception","reason":inner}],"type":"repository_exception","reason":"[other] failed to create repository","caused_by":{"type":"repository_exception","reason":inner}},"status":500});
        assert_eq!((r.status, r.compact()), (500, expected.to_string()), "{p}");
        let r = put_fs_repo(port, "other", "../escape");
        assert_eq!(r.status, 500, "{p}: relative locations may not leave path.repo");
        let r = get(port, "/_snapshot/nope");
        assert_eq!((r.status, r.compact()), (404, error_body("repository_missing_exception", "[nope] missing", 404)), "{p}");
        assert_eq!(req(port, "DELETE", "/_snapshot/nope", &[], b"").status, 404);
        assert_eq!(get(port, "/_snapshot/nope/_all").status, 404);
        let r = json_req(port, "PUT", "/_snapshot/h", r#"{"type":"hdfs","settings":{"uri":"hdfs://x/"}}"#);
        assert_eq!((r.status, r.compact()), (500, error_body("repository_exception", "[h] repository type [hdfs] does not exist", 500)), "{p}");
        let r = json_req(port, "PUT", "/_snapshot/h", r#"{"settings":{}}"#);
        assert_eq!(r.compact(), error_body("action_request_validation_exception", "Validation Failed: 1: type is missing;", 400));
        assert_eq!(emu.repositories(), ["backup"], "{p}");
        assert_eq!(req(port, "DELETE", "/_snapshot/backup", &[], b"").compact(), r#"{"acknowledged":true}"#);
        assert_eq!(get(port, "/_snapshot").compact(), "{}");
    }

    // Copy-ready §1.4 answer when path.repo is not set at all.
    let emu = Emulator::start(Config::new(Personality::Es7_10)).unwrap();
    let r = put_fs_repo(emu.port(), "my_backup", "/data");
    assert_eq!(
        (r.status, r.compact()),
        (500, compact(r#"{"error":{"root_cause":[{"type":"repository_exception","reason":"[my_backup] location [/data] doesn't match any of the locations specified by path.repo because this setting is empty"}],"type":"repository_exception","reason":"[my_backup] failed to create repository","caused_by":{"type":"repository_exception","reason":"[my_backup] location [/data] doesn't match any of the locations specified by path.repo because this setting is empty"}},"status":500}"#))
    );

    // ES 8 bundles the gcs module: registration stays, verification fails (§1.3).
    let dir = tempfile::tempdir().unwrap();
    let emu = start(Personality::Es8, dir.path());
    let r = json_req(emu.port(), "PUT", "/_snapshot/g", r#"{"type":"gcs","settings":{"bucket":"b","base_path":"x/y"}}"#);
    assert_eq!(r.status, 500);
    let e = r.json();
    assert_eq!(e["error"]["type"], json!("repository_verification_exception"));
    assert_eq!(e["error"]["reason"], json!("[g] path [x/y] is not accessible on master node"));
    assert_eq!(e["error"]["root_cause"][0]["type"], json!("repository_verification_exception"));
    assert_eq!(emu.repositories(), ["g"]);
    assert_eq!(json_req(emu.port(), "PUT", "/_snapshot/g2?verify=false", r#"{"type":"gcs","settings":{"bucket":"b"}}"#).status, 200);
    let r = get(emu.port(), "/_snapshot/g2/_all");
    assert_eq!(r.json()["error"]["reason"], json!("[g2] could not read repository data from index blob"));
    // ES 7.10 lacks the plugin.
    let emu = start(Personality::Es7_10, dir.path());
    let r = json_req(emu.port(), "PUT", "/_snapshot/g", r#"{"type":"gcs","settings":{"bucket":"b"}}"#);
    assert_eq!(r.compact(), error_body("repository_exception", "[g] repository type [gcs] does not exist", 500));
}

/// §2.3–§2.6: a snapshot without waiting, `_status` while it runs and after, the GET envelope
/// and SnapshotInfo key order, every personality.
#[test]
fn snapshot_lifecycle_per_personality() {
    for p in ALL {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(p, dir.path());
        c.snapshot_duration = Duration::from_millis(1000);
        let emu = Emulator::start(c).unwrap();
        let port = emu.port();
        seed_index(port, p, "books", 2, 20);
        assert_eq!(put_fs_repo(port, "backup", "backup").status, 200);
        let started = Instant::now();
        let r = json_req(port, "PUT", "/_snapshot/backup/s1", r#"{"indices":"books","include_global_state":false}"#);
        assert_eq!((r.status, r.compact()), (200, r#"{"accepted":true}"#.to_string()), "{p}");

        // Running (§2.6: STARTED, processed < incremental; §2.4: IN_PROGRESS).
        let st = get(port, "/_snapshot/backup/s1/_status").json();
        assert!(started.elapsed() < Duration::from_millis(800), "{p}: too slow to observe the running state");
        let s = &st["snapshots"][0];
        let mut want = vec!["snapshot", "repository", "uuid", "state", "include_global_state", "shards_stats", "stats", "indices"];
        if p == Personality::Es5_6 {
            want.retain(|k| *k != "include_global_state");
        }
        assert_eq!(keys(s), want, "{p}");
        assert_eq!((s["snapshot"].clone(), s["repository"].clone(), s["state"].clone()), (json!("s1"), json!("backup"), json!("STARTED")), "{p}");
        assert_eq!(s["shards_stats"]["total"], json!(2));
        let stats_keys: Vec<&str> = match p {
            Personality::Es5_6 => vec!["number_of_files", "processed_files", "total_size_in_bytes", "processed_size_in_bytes", "start_time_in_millis", "time_in_millis"],
            Personality::Es6_8 => vec![
                "number_of_files",
                "processed_files",
                "total_size_in_bytes",
                "processed_size_in_bytes",
                "incremental",
                "processed",
                "total",
                "start_time_in_millis",
                "time_in_millis",
            ],
            _ => vec!["incremental", "processed", "total", "start_time_in_millis", "time_in_millis"],
        };
        assert_eq!(keys(&s["stats"]), stats_keys, "{p}");
        let shard0 = &s["indices"]["books"]["shards"]["0"];
        assert_eq!(shard0["stage"], json!("STARTED"), "{p}");
        assert_eq!(shard0["node"].as_str().unwrap().len(), 22);
        let current = get(port, "/_snapshot/backup/_status").json();
        assert_eq!(current["snapshots"][0]["uuid"], s["uuid"]);
        assert_eq!(get(port, "/_snapshot/_status").json()["snapshots"].as_array().unwrap().len(), 1);
        let running = get(port, "/_snapshot/backup/s1").json();
        let info = &running["snapshots"][0];
        assert_eq!(keys(info), info_keys(p), "{p}");
        assert_eq!((info["state"].clone(), info["end_time_in_millis"].clone()), (json!("IN_PROGRESS"), json!(0)));
        assert_eq!(info["shards"], json!({"total":0,"failed":0,"successful":0}));
        assert_eq!(get(port, "/_snapshot/backup/_current").json()["snapshots"][0]["snapshot"], json!("s1"));

        // Finished.
        let info = finished(port, "backup", "s1");
        assert!(started.elapsed() >= Duration::from_millis(1000), "{p}: ended before snapshot_duration");
        assert_eq!(keys(&info), info_keys(p), "{p}");
        let (id, text) = version_of(p);
        assert_eq!((info["version_id"].clone(), info["version"].clone()), (json!(id), json!(text)), "{p}");
        assert_eq!((info["state"].clone(), info["indices"].clone()), (json!("SUCCESS"), json!(["books"])));
        assert_eq!(info["shards"], json!({"total":2,"failed":0,"successful":2}));
        assert_eq!(info["failures"], json!([]));
        let start = info["start_time_in_millis"].as_u64().unwrap();
        let end = info["end_time_in_millis"].as_u64().unwrap();
        assert_eq!(info["duration_in_millis"], json!(end - start));
        assert!(info["start_time"].as_str().unwrap().ends_with('Z'));
        if p != Personality::Es5_6 {
            assert_eq!(info["include_global_state"], json!(false));
        }
        let list = get(port, "/_snapshot/backup/_all").json();
        let envelope = if matches!(p, Personality::Es7_17 | Personality::Es8 | Personality::Es9) {
            vec!["snapshots", "total", "remaining"]
        } else {
            vec!["snapshots"]
        };
        assert_eq!(keys(&list), envelope, "{p}");
        if envelope.len() == 3 {
            assert_eq!((list["total"].clone(), list["remaining"].clone()), (json!(1), json!(0)));
            assert_eq!(list["snapshots"][0]["repository"], json!("backup"));
            assert_eq!(list["snapshots"][0]["feature_states"], json!([]));
        }
        if matches!(p, Personality::Os2 | Personality::Os3) {
            assert_eq!(list["snapshots"][0]["remote_store_index_shallow_copy"], json!(false));
        }
        let st = get(port, "/_snapshot/backup/s1/_status").json();
        let s = &st["snapshots"][0];
        assert_eq!(s["state"], json!("SUCCESS"), "{p}");
        assert_eq!(s["shards_stats"], json!({"initializing":0,"started":0,"finalizing":0,"done":2,"failed":0,"total":2}));
        if p == Personality::Es5_6 {
            assert_eq!((s["stats"]["number_of_files"].clone(), s["stats"]["processed_files"].clone()), (json!(2), json!(2)));
        } else {
            assert!(s["stats"].get("processed").is_none(), "{p}: processed only while running");
            assert_eq!(s["stats"]["incremental"]["file_count"], json!(2));
            assert_eq!(s["stats"]["total"]["file_count"], json!(2));
            assert_eq!(s["stats"]["incremental"]["size_in_bytes"], s["stats"]["total"]["size_in_bytes"]);
        }
        assert_eq!(s["indices"]["books"]["shards"]["1"]["stage"], json!("DONE"));
        assert!(s["indices"]["books"]["shards"]["1"].get("node").is_none());
        assert_eq!(get(port, "/_snapshot/backup/_status").json(), json!({"snapshots":[]}));
        let summary = emu.snapshots("backup").unwrap();
        assert_eq!((summary.len(), summary[0].state.as_str(), summary[0].version_id), (1, "SUCCESS", id));

        // §2.5, §2.7: missing snapshot, ignore_unavailable, invalid and duplicate names.
        let r = get(port, "/_snapshot/backup/nope");
        assert_eq!((r.status, r.compact()), (404, error_body("snapshot_missing_exception", "[backup:nope] is missing", 404)), "{p}");
        assert_eq!(get(port, "/_snapshot/backup/nope?ignore_unavailable=true").json()["snapshots"], json!([]));
        let r = get(port, "/_snapshot/backup/nope/_status");
        assert_eq!(r.status, 404);
        let r = json_req(port, "PUT", "/_snapshot/backup/s1", "{}");
        assert_eq!(
            (r.status, r.compact()),
            (400, error_body("invalid_snapshot_name_exception", "[backup:s1] Invalid snapshot name [s1], snapshot with the same name already exists", 400))
        );
        let r = json_req(port, "PUT", "/_snapshot/backup/Snap1", "{}");
        assert_eq!(r.compact(), error_body("invalid_snapshot_name_exception", "[backup:Snap1] Invalid snapshot name [Snap1], must be lowercase", 400));
        let r = json_req(port, "PUT", "/_snapshot/missing/s", "{}");
        assert_eq!(r.compact(), error_body("repository_missing_exception", "[missing] missing", 404));
        let r = json_req(port, "PUT", "/_snapshot/backup/s9", r#"{"indices":"nope"}"#);
        assert_eq!((r.status, r.json()["error"]["type"].clone()), (404, json!("index_not_found_exception")));
    }
}

/// §2.3: `wait_for_completion=true` answers `{"snapshot":{…}}` — without `repository` in 7.17,
/// with it in 8.x.
#[test]
fn create_with_wait_for_completion() {
    for (p, with_repo) in [(Personality::Es6_8, false), (Personality::Es7_17, false), (Personality::Es8, true), (Personality::Os2, false)] {
        let dir = tempfile::tempdir().unwrap();
        let emu = start(p, dir.path());
        let port = emu.port();
        seed_index(port, p, "books", 1, 3);
        put_fs_repo(port, "r", "r");
        let started = Instant::now();
        let r = json_req(port, "PUT", "/_snapshot/r/s1?wait_for_completion=true", r#"{"indices":["books"],"metadata":{"taken_by":"test"}}"#);
        assert!(started.elapsed() >= Duration::from_millis(150));
        assert_eq!(r.status, 200);
        let v = r.json();
        assert_eq!(keys(&v), ["snapshot"]);
        let info = &v["snapshot"];
        assert_eq!(info.get("repository").is_some(), with_repo, "{p}");
        assert_eq!(info["state"], json!("SUCCESS"));
        assert_eq!(info["shards"], json!({"total":1,"failed":0,"successful":1}));
        // `metadata` from 7.3 (§2.2), after include_global_state.
        let ks = keys(info);
        if p == Personality::Es6_8 {
            assert!(info.get("metadata").is_none());
        } else {
            let at = ks.iter().position(|k| *k == "metadata").unwrap();
            assert_eq!(ks[at - 1], "include_global_state", "{p}");
            assert_eq!(info["metadata"], json!({"taken_by":"test"}));
        }
    }
}

/// §2.7: one snapshot at a time up to 6.8, concurrent ones from 7.9.
#[test]
fn concurrent_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(Personality::Es6_8, dir.path());
    c.snapshot_duration = Duration::from_millis(1000);
    let emu = Emulator::start(c).unwrap();
    let port = emu.port();
    seed_index(port, Personality::Es6_8, "books", 1, 2);
    put_fs_repo(port, "r", "r");
    assert_eq!(json_req(port, "PUT", "/_snapshot/r/s1", "{}").status, 200);
    let r = json_req(port, "PUT", "/_snapshot/r/s2", "{}");
    assert_eq!(
        (r.status, r.compact()),
        (503, error_body("concurrent_snapshot_execution_exception", "[r:s2] a snapshot is already running", 503))
    );
    finished(port, "r", "s1");
    assert_eq!(snapshot_and_wait(port, "r", "s2", "{}")["state"], json!("SUCCESS"));

    for p in [Personality::Es7_10, Personality::Es7_17] {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(p, dir.path());
        c.snapshot_duration = Duration::from_millis(1000);
        let emu = Emulator::start(c).unwrap();
        let port = emu.port();
        seed_index(port, p, "books", 1, 2);
        put_fs_repo(port, "r", "r");
        assert_eq!(json_req(port, "PUT", "/_snapshot/r/s1", "{}").status, 200);
        assert_eq!(json_req(port, "PUT", "/_snapshot/r/s2", "{}").compact(), r#"{"accepted":true}"#, "{p}");
        let r = json_req(port, "PUT", "/_snapshot/r/s1", "{}");
        assert_eq!(
            r.compact(),
            error_body("invalid_snapshot_name_exception", "[r:s1] Invalid snapshot name [s1], snapshot with the same name is already in-progress", 400)
        );
        let status = get(port, "/_snapshot/r/_status").json();
        assert_eq!(status["snapshots"].as_array().unwrap().len(), 2, "{p}");
        assert_eq!(finished(port, "r", "s1")["state"], json!("SUCCESS"));
        assert_eq!(finished(port, "r", "s2")["state"], json!("SUCCESS"));
        let names: Vec<String> = emu.snapshots("r").unwrap().into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["s1", "s2"]);
    }
}

/// §2.4, §2.6, §2.8: shards that fail — PARTIAL with `partial`, else FAILED (≤ 6.8) or refused
/// (7.9+); `_status` says SUCCESS for a finished PARTIAL snapshot; restoring needs `partial`.
#[test]
fn partial_and_failed_snapshots() {
    let failure = |shard: u32| json!({"index":"bad","index_uuid":"bad","shard_id":shard,"reason":"primary shard is not allocated","status":"INTERNAL_SERVER_ERROR"});
    for p in [Personality::Es5_6, Personality::Es6_8] {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(p, dir.path());
        c.snapshot_failures = vec!["bad".into()];
        let emu = Emulator::start(c).unwrap();
        let port = emu.port();
        seed_index(port, p, "good", 1, 2);
        seed_index(port, p, "bad", 2, 2);
        put_fs_repo(port, "r", "r");
        let info = snapshot_and_wait(port, "r", "s1", "{}");
        assert_eq!(info["state"], json!("FAILED"), "{p}");
        assert_eq!(info["reason"], json!("Indices don't have primary shards [bad]"));
        assert_eq!(info["indices"], json!(["bad", "good"]));
        assert_eq!(info["failures"], json!([failure(0), failure(1)]));
        assert_eq!(info["shards"], json!({"total":3,"failed":3,"successful":0}));
        let ks = keys(&info);
        let at = ks.iter().position(|k| *k == "reason").unwrap();
        assert_eq!(ks[at - 1], "state");
        let st = get(port, "/_snapshot/r/s1/_status").json();
        assert_eq!(st["snapshots"][0]["state"], json!("FAILED"));
        assert_eq!(st["snapshots"][0]["shards_stats"]["failed"], json!(3));
        let r = post(port, "/_snapshot/r/s1/_restore", r#"{"indices":"good","rename_pattern":"good","rename_replacement":"copy"}"#);
        assert_eq!(r.json()["error"]["reason"], json!(format!("[r:s1/{}] unsupported snapshot state [FAILED]", info["uuid"].as_str().unwrap())));
    }
    for p in [Personality::Es7_10, Personality::Es7_17, Personality::Os2] {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(p, dir.path());
        c.snapshot_failures = vec!["bad".into()];
        let emu = Emulator::start(c).unwrap();
        let port = emu.port();
        seed_index(port, p, "good", 1, 2);
        seed_index(port, p, "bad", 2, 2);
        put_fs_repo(port, "r", "r");
        let r = json_req(port, "PUT", "/_snapshot/r/s1", "{}");
        assert_eq!(r.status, 500, "{p}");
        let e = r.json();
        assert_eq!(e["error"]["type"], json!("snapshot_exception"));
        let reason = e["error"]["reason"].as_str().unwrap();
        assert!(reason.starts_with("[r:s1/") && reason.ends_with("] Indices don't have primary shards [bad]"), "{reason}");
        assert_eq!(emu.snapshots("r").unwrap(), vec![]);

        let info = snapshot_and_wait(port, "r", "s2", r#"{"partial":true}"#);
        assert_eq!(info["state"], json!("PARTIAL"), "{p}");
        assert!(info.get("reason").is_none());
        assert_eq!(info["failures"], json!([failure(0), failure(1)]));
        assert_eq!(info["shards"], json!({"total":3,"failed":2,"successful":1}));
        let st = get(port, "/_snapshot/r/s2/_status").json();
        let s = &st["snapshots"][0];
        assert_eq!(s["state"], json!("SUCCESS"), "{p}: PARTIAL reads as SUCCESS in _status");
        assert_eq!(s["shards_stats"], json!({"initializing":0,"started":0,"finalizing":0,"done":1,"failed":2,"total":3}));
        assert_eq!(s["indices"]["bad"]["shards"]["0"], json!({"stage":"FAILURE","stats":s["indices"]["bad"]["shards"]["0"]["stats"],"reason":"primary shard is not allocated"}));

        // §3.3: restoring a partially snapshotted index needs `partial`.
        let uuid = info["uuid"].as_str().unwrap();
        let r = post(port, "/_snapshot/r/s2/_restore", r#"{"indices":"bad","rename_pattern":"(.+)","rename_replacement":"r-$1"}"#);
        assert_eq!(r.compact(), error_body("snapshot_restore_exception", &format!("[r:s2/{uuid}] index [bad] wasn't fully snapshotted - cannot restore"), 500));
        let r = post(port, "/_snapshot/r/s2/_restore?wait_for_completion=true", r#"{"indices":"bad","partial":true,"rename_pattern":"(.+)","rename_replacement":"r-$1"}"#);
        assert_eq!(r.compact(), compact(r#"{"snapshot":{"snapshot":"s2","indices":["r-bad"],"shards":{"total":2,"failed":2,"successful":0}}}"#), "{p}");
        let r = post(port, "/_snapshot/r/s2/_restore?wait_for_completion=true", r#"{"indices":"good","rename_pattern":"(.+)","rename_replacement":"r-$1"}"#);
        assert_eq!(r.compact(), compact(r#"{"snapshot":{"snapshot":"s2","indices":["r-good"],"shards":{"total":1,"failed":0,"successful":1}}}"#));
        assert_eq!(emu.documents("r-good").len(), 2);
    }
}

fn index_closed_body(p: Personality, uuid: &str) -> String {
    let status = if p == Personality::Es5_6 { 403 } else { 400 };
    compact(
        &json!({"error":{"root_cause":[{"type":"index_closed_exception","reason":"closed","index_uuid":uuid,"index":"books"}],"type":"index_closed_exception","reason":"closed","index_uuid":uuid,"index":"books"},"status":status})
            .to_string(),
    )
}

/// §3.2, §3.3, §4.1, §4.3, §4.4, §4.7: restore refused into an open index; close (answers
/// per version, closed indices refuse reads and writes); restore replaces the documents,
/// reopens the index, recovers its shards from the snapshot; health waits for it.
#[test]
fn close_restore_recover_per_personality() {
    for p in ALL {
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(p, dir.path());
        c.restore_duration = Duration::from_millis(1000);
        let emu = Emulator::start(c).unwrap();
        let port = emu.port();
        seed_index(port, p, "books", 2, 3);
        put_fs_repo(port, "r", "r");
        let info = snapshot_and_wait(port, "r", "s1", r#"{"indices":"books"}"#);
        let snap_uuid = info["uuid"].as_str().unwrap().to_string();
        let before = strip(emu.documents("books"));
        let r = json_req(port, "PUT", &format!("{}?refresh=true", doc_path(p, "books", "1")), r#"{"n":100}"#);
        assert_eq!(r.status, 200);
        json_req(port, "PUT", &format!("{}?refresh=true", doc_path(p, "books", "4")), r#"{"n":4}"#);
        assert_ne!(strip(emu.documents("books")), before);

        let r = post(port, "/_snapshot/r/s1/_restore", "{}");
        let msg = format!("[r:s1/{snap_uuid}] cannot restore index [books] because an open index with same name already exists in the cluster. Either close or delete the existing index or restore the index under a different name by providing a rename pattern and replacement name");
        assert_eq!((r.status, r.compact()), (500, error_body("snapshot_restore_exception", &msg, 500)), "{p}");

        // §4.1
        let r = post(port, "/books/_close", "");
        let close = match p {
            Personality::Es5_6 | Personality::Es6_8 => r#"{"acknowledged":true}"#,
            _ => r#"{"acknowledged":true,"shards_acknowledged":true,"indices":{"books":{"closed":true}}}"#,
        };
        assert_eq!((r.status, r.compact()), (200, close.to_string()), "{p}");
        let uuid = get(port, "/books/_settings").json()["books"]["settings"]["index"]["uuid"].as_str().unwrap().to_string();
        let closed = index_closed_body(p, &uuid);
        let r = json_req(port, "PUT", &doc_path(p, "books", "9"), r#"{"n":9}"#);
        assert_eq!(r.compact(), closed, "{p}");
        assert_eq!(get(port, "/books/_search").compact(), closed);
        assert_eq!(get(port, "/books/_count").compact(), closed);
        assert_eq!(get(port, &doc_path(p, "books", "1")).compact(), closed);
        let r = bulk(port, "/_bulk", &format!("{}\n{{\"n\":9}}\n", action(p, "books", "9")));
        let item = &r.json()["items"][0]["index"];
        assert_eq!((item["status"].clone(), item["error"]["type"].clone()), (json!(if p == Personality::Es5_6 { 403 } else { 400 }), json!("index_closed_exception")));
        // Wildcards skip closed indices for search; `_cat/indices` lists them (§4.7).
        assert_eq!(get(port, "/b*/_count").json()["count"], json!(0));
        let cat = get(port, "/_cat/indices/books?format=json&h=index,status,health,docs.count").json();
        let health = if matches!(p, Personality::Es5_6 | Personality::Es6_8) { "" } else { "green" };
        assert_eq!(cat, json!([{"index":"books","status":"close","health":health,"docs.count":null}]), "{p}");
        assert_eq!(get(port, "/_cat/indices?format=json&h=index&expand_wildcards=open").json(), json!([]));

        // Restore over the closed index.
        let r = post(port, "/_snapshot/r/s1/_restore", r#"{"indices":"books"}"#);
        assert_eq!((r.status, r.compact()), (200, r#"{"accepted":true}"#.to_string()), "{p}");
        let rec = get(port, "/books/_recovery").json();
        let shard = &rec["books"]["shards"][0];
        assert_eq!((shard["type"].clone(), shard["primary"].clone()), (json!("SNAPSHOT"), json!(true)));
        assert_ne!(shard["stage"], json!("DONE"), "{p}");
        assert!(shard.get("stop_time_in_millis").is_none());
        assert_eq!(get(port, "/_recovery?active_only=true").json()["books"]["shards"].as_array().unwrap().len(), 2);
        let h = get(port, "/_cluster/health/books?wait_for_status=green&timeout=1ms");
        assert_eq!((h.status, h.json()["timed_out"].clone(), h.json()["status"].clone()), (408, json!(true), json!("red")), "{p}");
        assert_eq!(h.json()["initializing_shards"], json!(2));
        let h = get(port, "/_cluster/health/books?wait_for_status=green&timeout=10s");
        assert_eq!((h.status, h.json()["timed_out"].clone(), h.json()["status"].clone()), (200, json!(false), json!("green")), "{p}");
        assert_eq!(h.json()["active_primary_shards"], json!(2));

        // Documents, state, recovery after.
        assert_eq!(strip(emu.documents("books")), before, "{p}");
        assert_eq!(get(port, "/books/_count").json()["count"], json!(3));
        let cat = get(port, "/_cat/indices/books?format=json&h=index,status,health,docs.count").json();
        assert_eq!(cat, json!([{"index":"books","status":"open","health":"green","docs.count":"3"}]));
        let rec = get(port, "/books/_recovery").json();
        let shard = &rec["books"]["shards"][1];
        let mut want = vec!["id", "type", "stage", "primary", "start_time_in_millis", "stop_time_in_millis", "total_time_in_millis", "source", "target", "index", "translog", "verify_index"];
        assert_eq!(keys(shard), want, "{p}");
        want.clear();
        assert_eq!((shard["id"].clone(), shard["stage"].clone()), (json!(1), json!("DONE")));
        let (_, version) = version_of(p);
        let restore_uuid = shard["source"]["restoreUUID"].clone();
        let source = match p {
            Personality::Es5_6 | Personality::Es6_8 => json!({"repository":"r","snapshot":"s1","version":version,"index":"books"}),
            Personality::Os2 | Personality::Os3 => json!({"repository":"r","snapshot":"s1","version":version,"index":"books","restoreUUID":restore_uuid,"isSearchableSnapshot":false,"remoteStoreIndexShallowCopy":false,"sourceRemoteStoreRepository":null,"sourceRemoteTranslogRepository":null}),
            _ => json!({"repository":"r","snapshot":"s1","version":version,"index":"books","restoreUUID":restore_uuid}),
        };
        assert_eq!(compact(&shard["source"].to_string()), compact(&source.to_string()), "{p}");
        let size = &shard["index"]["size"];
        assert_eq!(size["recovered_in_bytes"], size["total_in_bytes"]);
        assert!(size["total_in_bytes"].as_u64().unwrap() > 0);
        assert_eq!(size["percent"], json!("100.0%"));
        assert_eq!(shard["index"]["files"]["percent"], json!("100.0%"));
        assert_eq!(shard["translog"], json!({"recovered":0,"total":0,"percent":"100.0%","total_on_start":0,"total_time_in_millis":0}));
        assert_eq!(get(port, "/_recovery?active_only=true").json(), json!({}));
        // §4.1 open answers; a reopened index recovers from its own store.
        post(port, "/books/_close", "");
        let r = post(port, "/books/_open", "");
        let open = if p == Personality::Es5_6 { r#"{"acknowledged":true}"# } else { r#"{"acknowledged":true,"shards_acknowledged":true}"# };
        assert_eq!(r.compact(), open, "{p}");
        assert_eq!(get(port, "/books/_recovery").json()["books"]["shards"][0]["type"], json!("EXISTING_STORE"));
        assert_eq!(strip(emu.documents("books")), before);
    }
}

/// §3.1–§3.3: rename with Java-style groups, aliases restored by default, renamed collisions,
/// settings that cannot change, closed index with another shard count, missing snapshot.
#[test]
fn rename_restore_and_restore_errors() {
    let p = Personality::Es7_17;
    let dir = tempfile::tempdir().unwrap();
    let emu = start(p, dir.path());
    let port = emu.port();
    seed_index(port, p, "logs-1", 2, 4);
    seed_index(port, p, "logs-2", 1, 1);
    assert_eq!(post(port, "/_aliases", r#"{"actions":[{"add":{"index":"logs-1","alias":"current"}}]}"#).compact(), r#"{"acknowledged":true}"#);
    put_fs_repo(port, "r", "r");
    let info = snapshot_and_wait(port, "r", "s1", r#"{"indices":"logs-*"}"#);
    let uuid = info["uuid"].as_str().unwrap();

    let r = post(port, "/_snapshot/r/s1/_restore?wait_for_completion=true", r#"{"indices":"logs-1","rename_pattern":"logs-(\\d+)","rename_replacement":"restored-$1a"}"#);
    assert_eq!(r.compact(), compact(r#"{"snapshot":{"snapshot":"s1","indices":["restored-1a"],"shards":{"total":2,"failed":0,"successful":2}}}"#));
    assert_eq!(emu.documents("restored-1a").len(), 4);
    assert_eq!(get(port, "/restored-1a/_alias").json(), json!({"restored-1a":{"aliases":{"current":{}}}}));
    let r = post(port, "/_snapshot/r/s1/_restore", r#"{"indices":"logs-1","include_aliases":false,"rename_pattern":"logs","rename_replacement":"plain","index_settings":{"index.number_of_replicas":0},"ignore_index_settings":["index.refresh_interval"]}"#);
    assert_eq!(r.status, 200);
    assert_eq!(get(port, "/plain-1/_alias").json(), json!({"plain-1":{"aliases":{}}}));
    assert_eq!(get(port, "/plain-1/_settings").json()["plain-1"]["settings"]["index"]["number_of_replicas"], json!("0"));

    let e = |r: Resp| r.json()["error"]["reason"].as_str().unwrap().to_string();
    let prefix = format!("[r:s1/{uuid}]");
    assert_eq!(
        e(post(port, "/_snapshot/r/s1/_restore", r#"{"rename_pattern":".+","rename_replacement":"same"}"#)),
        format!("{prefix} indices [logs-1] and [logs-2] are renamed into the same index [same]")
    );
    assert_eq!(
        e(post(port, "/_snapshot/r/s1/_restore", r#"{"indices":"logs-2","rename_pattern":"logs-2","rename_replacement":"x","index_settings":{"index.number_of_shards":3}}"#)),
        format!("{prefix} cannot modify setting [index.number_of_shards] on restore")
    );
    assert_eq!(
        e(post(port, "/_snapshot/r/s1/_restore", r#"{"indices":"logs-2","rename_pattern":"logs-2","rename_replacement":"x","ignore_index_settings":["index.number_of_replicas"]}"#)),
        format!("{prefix} cannot remove setting [index.number_of_replicas] on restore")
    );
    // A closed index with another shard count is not replaced.
    post(port, "/logs-2/_close", "");
    assert_eq!(
        e(post(port, "/_snapshot/r/s1/_restore", r#"{"indices":"logs-1","rename_pattern":"logs-1","rename_replacement":"logs-2"}"#)),
        format!("{prefix} cannot restore index [logs-2] with [1] shards from a snapshot of index [logs-1] with [2] shards")
    );
    let r = post(port, "/_snapshot/r/nope/_restore", "{}");
    assert_eq!((r.status, r.compact()), (404, error_body("snapshot_missing_exception", "[r:nope] is missing", 404)));
    let r = post(port, "/_snapshot/r/s1/_restore", r#"{"indices":"nope"}"#);
    assert_eq!((r.status, r.json()["error"]["type"].clone()), (404, json!("index_not_found_exception")));
    assert_eq!(post(port, "/_snapshot/r/s1/_restore", r#"{"indices":"nope","ignore_unavailable":true}"#).status, 200);
}

/// Repository format: content-addressed shard blobs are reused by the next snapshot; `_status`
/// counts only new blobs as incremental; deleting a snapshot removes what only it referenced.
#[test]
fn incremental_snapshots_reuse_unchanged_shards() {
    let p = Personality::Es7_10;
    let dir = tempfile::tempdir().unwrap();
    let emu = start(p, dir.path());
    let port = emu.port();
    seed_index(port, p, "books", 2, 12);
    put_fs_repo(port, "r", "r");
    let repo = dir.path().join("r");
    let blobs = |root: &Path| files(root).into_iter().filter(|f| f.rsplit('/').next().unwrap().starts_with("__")).count();
    snapshot_and_wait(port, "r", "s1", "{}");
    assert_eq!(blobs(&repo), 2);
    let top: Vec<String> = files(&repo).into_iter().filter(|f| !f.starts_with("indices/")).collect();
    let s1 = emu.snapshots("r").unwrap()[0].uuid.clone();
    assert_eq!(top, ["index-0".to_string(), "index.latest".into(), format!("meta-{s1}.dat"), format!("snap-{s1}.dat")]);
    assert_eq!(std::fs::read(repo.join("index.latest")).unwrap(), 0u64.to_be_bytes());
    // Metadata blobs carry the real checksummed-blob envelope and codec names (formats.md §1).
    let snap_blob = std::fs::read(repo.join(format!("snap-{s1}.dat"))).unwrap();
    assert_eq!(&snap_blob[..4], &[0x3f, 0xd7, 0x6c, 0x17]);
    assert_eq!(&snap_blob[4..13], b"\x08snapshot");
    assert_eq!(&snap_blob[snap_blob.len() - 16..snap_blob.len() - 8], &[0xc0, 0x28, 0x93, 0xe8, 0, 0, 0, 0]);
    let meta_blob = files(&repo).into_iter().find(|f| f.starts_with("indices/") && f.contains("/meta-")).unwrap();
    assert_eq!(&std::fs::read(repo.join(meta_blob)).unwrap()[4..19], b"\x0eindex-metadata");
    let data: Value = serde_json::from_slice(&std::fs::read(repo.join("index-0")).unwrap()).unwrap();
    let index_id = data["indices"]["books"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        serde_json::to_string(&data).unwrap(),
        format!(r#"{{"snapshots":[{{"name":"s1","uuid":"{s1}","state":1,"version":"7.10.2"}}],"indices":{{"books":{{"id":"{index_id}","snapshots":["{s1}"]}}}},"min_version":"7.9.0"}}"#)
    );

    // Change one document: only its shard gets a new blob.
    json_req(port, "PUT", "/books/_doc/1?refresh=true", r#"{"n":1000}"#);
    snapshot_and_wait(port, "r", "s2", "{}");
    assert_eq!(blobs(&repo), 3);
    assert!(!repo.join("index-0").exists() && repo.join("index-1").exists());
    assert_eq!(std::fs::read(repo.join("index.latest")).unwrap(), 1u64.to_be_bytes());
    let st = get(port, "/_snapshot/r/s2/_status").json();
    let stats = &st["snapshots"][0]["stats"];
    assert_eq!((stats["incremental"]["file_count"].clone(), stats["total"]["file_count"].clone()), (json!(1), json!(2)));
    assert!(stats["incremental"]["size_in_bytes"].as_u64().unwrap() < stats["total"]["size_in_bytes"].as_u64().unwrap());
    // Nothing changed: nothing new.
    snapshot_and_wait(port, "r", "s3", "{}");
    assert_eq!(blobs(&repo), 3);
    let st = get(port, "/_snapshot/r/s3/_status").json();
    assert_eq!(st["snapshots"][0]["stats"]["incremental"], json!({"file_count":0,"size_in_bytes":0}));

    // Deleting s1 drops the blob only it used; s2/s3 still restore.
    assert_eq!(req(port, "DELETE", "/_snapshot/r/s1", &[], b"").compact(), r#"{"acknowledged":true}"#);
    assert_eq!(blobs(&repo), 2);
    assert!(!repo.join(format!("snap-{s1}.dat")).exists());
    assert!(!repo.join(format!("indices/{index_id}/meta-{s1}.dat")).exists());
    let r = req(port, "DELETE", "/_snapshot/r/s1", &[], b"");
    assert_eq!((r.status, r.compact()), (404, error_body("snapshot_missing_exception", "[r:s1] is missing", 404)));
    // 7.8+: several at once; then the index folder goes.
    assert_eq!(req(port, "DELETE", "/_snapshot/r/s2,s3", &[], b"").status, 200);
    assert_eq!(files(&repo), ["index-4", "index.latest"]);
    assert_eq!(get(port, "/_snapshot/r/_all").json(), json!({"snapshots":[]}));

    // A running snapshot is aborted by a delete (§2.7).
    let mut c = config(p, dir.path());
    c.snapshot_duration = Duration::from_secs(30);
    let emu2 = Emulator::start(c).unwrap();
    seed_index(emu2.port(), p, "x", 1, 1);
    put_fs_repo(emu2.port(), "r2", "r2");
    assert_eq!(json_req(emu2.port(), "PUT", "/_snapshot/r2/long", "{}").status, 200);
    assert_eq!(emu2.snapshots("r2").unwrap()[0].state, "IN_PROGRESS");
    assert_eq!(req(emu2.port(), "DELETE", "/_snapshot/r2/long", &[], b"").compact(), r#"{"acknowledged":true}"#);
    assert_eq!(emu2.snapshots("r2").unwrap(), vec![]);
    assert_eq!(get(emu2.port(), "/_snapshot/r2/_status").json(), json!({"snapshots":[]}));
}

/// One emulator snapshots, the folder is copied, another (another personality) restores.
fn across(src: Personality, dst: Personality, seed: impl Fn(u16, Personality)) -> (tempfile::TempDir, tempfile::TempDir, Emulator, Emulator) {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let source = start(src, a.path());
    seed(source.port(), src);
    put_fs_repo(source.port(), "r", "r");
    assert_eq!(snapshot_and_wait(source.port(), "r", "s1", "{}")["state"], json!("SUCCESS"));
    copy_dir(&a.path().join("r"), &b.path().join("copy"));
    let target = start(dst, b.path());
    assert_eq!(put_fs_repo(target.port(), "r", "copy").status, 200, "{dst}");
    (a, b, source, target)
}

/// §3.3, §5: restores across personalities through a copied repository folder.
#[test]
fn restores_across_versions() {
    let books = |port: u16, p: Personality| seed_index(port, p, "books", 2, 5);

    // ES 6.8 → ES 7.10: restorable; `index.version.created` stays 6.8's.
    let (_a, b, source, target) = across(Personality::Es6_8, Personality::Es7_10, books);
    let listed = get(target.port(), "/_snapshot/r/_all").json();
    assert_eq!((listed["snapshots"][0]["version"].clone(), listed["snapshots"][0]["version_id"].clone()), (json!("6.8.23"), json!(6_082_399)));
    let r = post(target.port(), "/_snapshot/r/s1/_restore?wait_for_completion=true", "{}");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(strip(target.documents("books")), strip(source.documents("books")));
    let s = get(target.port(), "/books/_settings?flat_settings=true").json();
    assert_eq!(s["books"]["settings"]["index.version.created"], json!("6082399"));
    assert_eq!(get(target.port(), "/books/_settings").json()["books"]["settings"]["index"]["version"], json!({"created":"6082399"}));
    // …and snapshotted again by 7.10, then refused by 8.15 (a 6.x index; §5.1).
    assert_eq!(snapshot_and_wait(target.port(), "r", "s2", r#"{"indices":"books"}"#)["state"], json!("SUCCESS"));
    let c = tempfile::tempdir().unwrap();
    copy_dir(&b.path().join("copy"), &c.path().join("again"));
    let es8 = start(Personality::Es8, c.path());
    put_fs_repo(es8.port(), "r", "again");
    let s2 = es8.snapshots("r").unwrap().into_iter().find(|s| s.name == "s2").unwrap();
    assert_eq!(s2.version_id, 7_100_299);
    let r = post(es8.port(), "/_snapshot/r/s2/_restore", "{}");
    let e = r.json();
    let index_id = {
        let data: Value = serde_json::from_slice(&std::fs::read(c.path().join("again/index.latest")).map(|n| {
            let gen = u64::from_be_bytes(n.try_into().unwrap());
            std::fs::read(c.path().join(format!("again/index-{gen}"))).unwrap()
        }).unwrap()).unwrap();
        data["indices"]["books"]["id"].as_str().unwrap().to_string()
    };
    // The uuid of the index as 7.10 restored it (a new index gets a new uuid).
    let restored_uuid = get(target.port(), "/books/_settings").json()["books"]["settings"]["index"]["uuid"].as_str().unwrap().to_string();
    assert_eq!(e["error"]["reason"], json!(format!("[r:s2/{}] cannot restore index [[books/{index_id}]] because it cannot be upgraded", s2.uuid)));
    assert_eq!(
        e["error"]["caused_by"],
        json!({"type":"illegal_state_exception","reason":format!("The index [books/{restored_uuid}] has current compatibility version [6.8.23] but the minimum compatible version is [7.0.0]. It should be re-indexed in Elasticsearch 7.x before upgrading to 8.15.0.")})
    );
    assert_eq!(e["error"]["root_cause"][0]["type"], json!("snapshot_restore_exception"));
    // The 6.8 snapshot itself is below 8.15's minimum index compatibility (§3.3).
    let r = post(es8.port(), "/_snapshot/r/s1/_restore", "{}");
    let s1 = es8.snapshots("r").unwrap().into_iter().find(|s| s.name == "s1").unwrap();
    assert_eq!(
        r.compact(),
        error_body("snapshot_restore_exception", &format!("[r:s1/{}] the snapshot was created with Elasticsearch version [6.8.23] which is below the current versions minimum index compatibility version [7.0.0]", s1.uuid), 500)
    );

    // ES 7.10 → OpenSearch 2.17: restorable.
    let (_a, _b, source, target) = across(Personality::Es7_10, Personality::Os2, books);
    assert_eq!(post(target.port(), "/_snapshot/r/s1/_restore?wait_for_completion=true", "{}").status, 200);
    assert_eq!(strip(target.documents("books")), strip(source.documents("books")));
    assert_eq!(get(target.port(), "/books/_settings?flat_settings=true").json()["books"]["settings"]["index.version.created"], json!("7100299"));

    // ES 7.17 → OpenSearch 2.17: the 7.12+ repository data does not parse (§3.3, copy-ready).
    let (_a, _b, _source, target) = across(Personality::Es7_17, Personality::Os2, books);
    let expected = compact(r#"{"error":{"root_cause":[{"type":"parsing_exception","reason":"Failed to parse object: unknown field [uuid] found","line":1,"col":25}],"type":"repository_exception","reason":"[r] Unexpected exception when loading repository data","caused_by":{"type":"parsing_exception","reason":"Failed to parse object: unknown field [uuid] found","line":1,"col":25}},"status":500}"#);
    let r = get(target.port(), "/_snapshot/r/_all");
    assert_eq!((r.status, r.compact()), (500, expected.clone()));
    assert_eq!(post(target.port(), "/_snapshot/r/s1/_restore", "{}").compact(), expected);
    assert!(target.snapshots("r").is_err());

    // OpenSearch 2.17 → ES 7.17: an OpenSearch id reads as a newer Elasticsearch (§5.2).
    let (_a, _b, _source, target) = across(Personality::Os2, Personality::Es7_17, books);
    let uuid = target.snapshots("r").unwrap()[0].uuid.clone();
    assert_eq!(
        post(target.port(), "/_snapshot/r/s1/_restore", "{}").compact(),
        error_body("snapshot_restore_exception", &format!("[r:s1/{uuid}] the snapshot was created with Elasticsearch version [136.38.79-beta2] which is higher than the version of this node [7.17.0]"), 500)
    );

    // ES 7.17 → ES 7.10: newer snapshot.
    let (_a, _b, _source, target) = across(Personality::Es7_17, Personality::Es7_10, books);
    let uuid = target.snapshots("r").unwrap()[0].uuid.clone();
    assert_eq!(
        post(target.port(), "/_snapshot/r/s1/_restore", "{}").json()["error"]["reason"],
        json!(format!("[r:s1/{uuid}] the snapshot was created with Elasticsearch version [7.17.0] which is higher than the version of this node [7.10.2]"))
    );

    // ES 5.6 → ES 7.10: the 5.x index cannot be upgraded (ES ≤ 7 wording, double brackets).
    let (_a, _b, source, target) = across(Personality::Es5_6, Personality::Es7_10, books);
    let uuid = target.snapshots("r").unwrap()[0].uuid.clone();
    let source_uuid = get(source.port(), "/books/_settings").json()["books"]["settings"]["index"]["uuid"].as_str().unwrap().to_string();
    let r = post(target.port(), "/_snapshot/r/s1/_restore", "{}");
    assert_eq!(
        r.compact(),
        compact(&json!({"error":{"root_cause":[{"type":"snapshot_restore_exception","reason":format!("[r:s1/{uuid}] cannot restore index [books] because it cannot be upgraded")}],"type":"snapshot_restore_exception","reason":format!("[r:s1/{uuid}] cannot restore index [books] because it cannot be upgraded"),"caused_by":{"type":"illegal_state_exception","reason":format!("The index [[books/{source_uuid}]] was created with version [5.6.16] but the minimum compatible version is [6.0.0-beta1]. It should be re-indexed in Elasticsearch 6.x before upgrading to 7.10.2.")}},"status":500}).to_string())
    );

    // ES 6.8 → OpenSearch 2.17 (OBS wording of opensearch-project/OpenSearch#11737).
    let (_a, _b, source, target) = across(Personality::Es6_8, Personality::Os2, books);
    let source_uuid = get(source.port(), "/books/_settings").json()["books"]["settings"]["index"]["uuid"].as_str().unwrap().to_string();
    let r = post(target.port(), "/_snapshot/r/s1/_restore", "{}");
    assert_eq!(
        r.json()["error"]["caused_by"]["reason"],
        json!(format!("The index [[books/{source_uuid}]] was created with version [6.8.23] but the minimum compatible version is OpenSearch 1.0.0 (or Elasticsearch 7.0.0). It should be re-indexed in OpenSearch 1.x (or Elasticsearch 7.x) before upgrading to 2.17.1."))
    );
    assert!(r.json()["error"]["reason"].as_str().unwrap().ends_with("] cannot restore index [books] because it cannot be upgraded"));

    // ES 6.8 → OpenSearch 1.3 restores; ES 5.6 → 6.8 restores.
    let (_a, _b, _source, target) = across(Personality::Es6_8, Personality::Os1_3, books);
    assert_eq!(post(target.port(), "/_snapshot/r/s1/_restore?wait_for_completion=true", "{}").status, 200);
    let (_a, _b, source, target) = across(Personality::Es5_6, Personality::Es6_8, books);
    assert_eq!(post(target.port(), "/_snapshot/r/s1/_restore?wait_for_completion=true", "{}").status, 200);
    assert_eq!(target.documents("books").len(), source.documents("books").len());
}

/// §4.2: a write block refuses writes with the version's `cluster_block_exception`.
#[test]
fn write_block() {
    for p in [Personality::Es6_8, Personality::Es7_10, Personality::Os3] {
        let dir = tempfile::tempdir().unwrap();
        let emu = start(p, dir.path());
        let port = emu.port();
        seed_index(port, p, "books", 1, 1);
        assert_eq!(json_req(port, "PUT", "/books/_settings", r#"{"index":{"blocks":{"write":true}}}"#).compact(), r#"{"acknowledged":true}"#);
        let reason = if p == Personality::Es6_8 { "blocked by: [FORBIDDEN/8/index write (api)];" } else { "index [books] blocked by: [FORBIDDEN/8/index write (api)];" };
        let r = json_req(port, "PUT", &doc_path(p, "books", "2"), r#"{"n":2}"#);
        assert_eq!((r.status, r.compact()), (403, error_body("cluster_block_exception", reason, 403)), "{p}");
        let r = bulk(port, "/_bulk", &format!("{}\n{{\"n\":2}}\n", action(p, "books", "2")));
        let item = &r.json()["items"][0]["index"];
        assert_eq!((item["status"].clone(), item["error"]["reason"].clone()), (json!(403), json!(reason)));
        assert_eq!(req(port, "DELETE", &doc_path(p, "books", "1"), &[], b"").status, 403);
        let s = get(port, "/books/_settings").json();
        let idx = &s["books"]["settings"]["index"];
        assert_eq!(idx["blocks"], json!({"write":"true"}));
        assert_eq!(keys(idx), ["creation_date", "number_of_shards", "blocks", "number_of_replicas", "uuid", "version", "provided_name"]);
        let flat = get(port, "/books/_settings?flat_settings=true").json();
        let fs = &flat["books"]["settings"];
        assert_eq!(
            keys(fs),
            ["index.blocks.write", "index.creation_date", "index.number_of_replicas", "index.number_of_shards", "index.provided_name", "index.uuid", "index.version.created"]
        );
        assert_eq!(fs["index.version.created"], json!(version_of(p).0.to_string()));
        assert!(emu.indices()[0].write_blocked);
        // Reads still work; lifting the block (flat key, null) allows writes again.
        assert_eq!(get(port, "/books/_count").json()["count"], json!(1));
        assert_eq!(json_req(port, "PUT", "/books/_settings", r#"{"index.blocks.write":null}"#).status, 200);
        assert_eq!(json_req(port, "PUT", &doc_path(p, "books", "2"), r#"{"n":2}"#).status, 201);
        // The block travels through a snapshot.
        json_req(port, "PUT", "/books/_settings", r#"{"blocks.write":"true"}"#);
        put_fs_repo(port, "r", "r");
        snapshot_and_wait(port, "r", "s", "{}");
        post(port, "/_snapshot/r/s/_restore?wait_for_completion=true", r#"{"rename_pattern":"books","rename_replacement":"copy"}"#);
        assert_eq!(json_req(port, "PUT", &doc_path(p, "copy", "3"), r#"{"n":3}"#).status, 403);
    }
}

/// §4.5, §4.7: aliases and `_cat/indices`.
#[test]
fn aliases_and_cat_indices() {
    for p in [Personality::Es7_10, Personality::Es8] {
        let dir = tempfile::tempdir().unwrap();
        let emu = start(p, dir.path());
        let port = emu.port();
        seed_index(port, p, "a", 1, 2);
        seed_index(port, p, "b", 1, 1);
        let ack = if p == Personality::Es8 { r#"{"acknowledged":true,"errors":false}"# } else { r#"{"acknowledged":true}"# };
        let r = post(port, "/_aliases", r#"{"actions":[{"add":{"indices":["a","b"],"alias":"all"}},{"add":{"index":"a","alias":"w","is_write_index":true,"routing":"1"}}]}"#);
        assert_eq!(r.compact(), ack, "{p}");
        assert_eq!(
            get(port, "/_alias").compact(),
            compact(r#"{"a":{"aliases":{"all":{},"w":{"index_routing":"1","search_routing":"1","is_write_index":true}}},"b":{"aliases":{"all":{}}}}"#)
        );
        assert_eq!(get(port, "/_alias/w").compact(), compact(r#"{"a":{"aliases":{"w":{"index_routing":"1","search_routing":"1","is_write_index":true}}}}"#));
        assert_eq!(get(port, "/all/_count").json()["count"], json!(3), "aliases resolve in searches");
        let r = get(port, "/_alias/nope");
        assert_eq!((r.status, r.compact()), (404, r#"{"error":"alias [nope] missing","status":404}"#.to_string()));
        let r = get(port, "/_alias/w,nope");
        assert_eq!(r.compact(), compact(r#"{"error":"alias [nope] missing","status":404,"a":{"aliases":{"w":{"index_routing":"1","search_routing":"1","is_write_index":true}}}}"#));
        let r = post(port, "/_aliases", r#"{"actions":[{"remove":{"index":"a","alias":"nope"}}]}"#);
        assert_eq!(
            (r.status, r.compact()),
            (404, compact(r#"{"error":{"root_cause":[{"type":"aliases_not_found_exception","reason":"aliases [nope] missing","resource.type":"aliases","resource.id":"nope"}],"type":"aliases_not_found_exception","reason":"aliases [nope] missing","resource.type":"aliases","resource.id":"nope"},"status":404}"#))
        );
        assert_eq!(post(port, "/_aliases", r#"{"actions":[{"remove":{"index":"*","alias":"all"}}]}"#).status, 200);
        assert_eq!(get(port, "/_alias").compact(), compact(r#"{"a":{"aliases":{"w":{"index_routing":"1","search_routing":"1","is_write_index":true}}},"b":{"aliases":{}}}"#));
        assert_eq!(emu.indices()[0].aliases, ["w"]);

        post(port, "/b/_close", "");
        let uuid_a = get(port, "/a/_settings").json()["a"]["settings"]["index"]["uuid"].as_str().unwrap().to_string();
        let rows = get(port, "/_cat/indices?format=json").json();
        let row_a = &rows[0];
        assert_eq!(keys(row_a), ["health", "status", "index", "uuid", "pri", "rep", "docs.count", "docs.deleted", "store.size", "pri.store.size"]);
        assert_eq!((row_a["health"].clone(), row_a["uuid"].clone(), row_a["pri"].clone(), row_a["rep"].clone(), row_a["docs.count"].clone()), (json!("green"), json!(uuid_a), json!("1"), json!("0"), json!("2")));
        assert_eq!(rows[1]["status"], json!("close"));
        assert_eq!((rows[1]["docs.count"].clone(), rows[1]["store.size"].clone()), (Value::Null, Value::Null));
        let text = get(port, "/_cat/indices?v&h=i,s,dc").text();
        assert_eq!(text, "i s     dc\na open  2\nb close\n");
        assert_eq!(get(port, "/_cat/indices/z*?format=json").json(), json!([]));
        assert_eq!(get(port, "/_cat/indices/zzz?format=json").status, 404);
        // `remove_index` deletes.
        assert_eq!(post(port, "/_aliases", r#"{"actions":[{"remove_index":{"index":"b"}}]}"#).status, 200);
        assert_eq!(emu.indices().len(), 1);
    }
}

fn sign(method: &str, path: &str, query: Option<&str>, body: &[u8]) -> Vec<(String, String)> {
    use sha2::{Digest, Sha256};
    let creds = emulator::sigv4::SigV4Credentials {
        access_key_id: "AKIDFERRY".into(),
        secret_access_key: "secret/key".into(),
        session_token: None,
        region: "eu-west-1".into(),
        service: "es".into(),
    };
    let mut h = http::HeaderMap::new();
    h.insert("host", "127.0.0.1".parse().unwrap());
    h.insert("x-amz-date", emulator::sigv4::amz_date(std::time::SystemTime::now()).parse().unwrap());
    h.insert("content-type", "application/json".parse().unwrap());
    let names = ["content-type", "host", "x-amz-date"];
    let probe = emulator::sigv4::SignedRequest { method, raw_path: path, raw_query: query, headers: &h, body };
    let auth = emulator::sigv4::authorization(&probe, &creds, &names, &hex::encode(Sha256::digest(body))).unwrap();
    let mut out: Vec<(String, String)> = h.iter().filter(|(k, _)| k.as_str() != "host").map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string())).collect();
    out.push(("authorization".into(), auth));
    out
}

fn signed(port: u16, method: &str, path: &str, body: &str) -> Resp {
    let (p, q) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
    let h = sign(method, p, q, body.as_bytes());
    let refs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    req(port, method, path, &refs, body.as_bytes())
}

fn s3_client(server: &testkit::S3Server) -> emulator::S3Client {
    emulator::S3Client { endpoint: server.endpoint(), region: "us-east-1".into(), access_key: server.access_key.into(), secret_key: server.secret_key.into() }
}

/// §1.3–§1.5: `s3` repositories through a real S3 server, readable by another personality;
/// without a client the bucket cannot be reached.
#[test]
fn s3_repository_round_trip() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("snaps")).unwrap();
    let server = testkit::S3Server::start(root.path());

    let mut c = config(Personality::Es7_17, root.path());
    c.s3 = Some(s3_client(&server));
    let writer = Emulator::start(c).unwrap();
    let port = writer.port();
    seed_index(port, Personality::Es7_17, "books", 2, 6);
    let body = r#"{"type":"s3","settings":{"bucket":"snaps","base_path":"prod/es"}}"#;
    assert_eq!(json_req(port, "PUT", "/_snapshot/cloud", body).compact(), r#"{"acknowledged":true}"#);
    assert_eq!(get(port, "/_snapshot/cloud").compact(), r#"{"cloud":{"type":"s3","settings":{"base_path":"prod/es","bucket":"snaps"}}}"#);
    assert_eq!(snapshot_and_wait(port, "cloud", "s1", "{}")["state"], json!("SUCCESS"));
    let on_disk = files(&root.path().join("snaps/prod/es"));
    assert!(on_disk.contains(&"index.latest".to_string()) && on_disk.contains(&"index-0".to_string()), "{on_disk:?}");
    // ES 7.12+ print the repository UUID once known (§1.2).
    let listed = get(port, "/_snapshot/cloud").json();
    assert_eq!(keys(&listed["cloud"]), ["type", "uuid", "settings"]);
    let st = get(port, "/_snapshot/cloud/s1/_status").json();
    assert_eq!(st["snapshots"][0]["stats"]["total"]["file_count"], json!(2));

    let mut c = config(Personality::Es8, root.path());
    c.s3 = Some(s3_client(&server));
    let reader = Emulator::start(c).unwrap();
    assert_eq!(json_req(reader.port(), "PUT", "/_snapshot/cloud", body).status, 200);
    let r = post(reader.port(), "/_snapshot/cloud/s1/_restore?wait_for_completion=true", "{}");
    assert_eq!(r.compact(), compact(r#"{"snapshot":{"snapshot":"s1","indices":["books"],"shards":{"total":2,"failed":0,"successful":2}}}"#));
    assert_eq!(reader.documents("books").len(), 6);
    assert_eq!(req(reader.port(), "DELETE", "/_snapshot/cloud/s1", &[], b"").status, 200);
    assert_eq!(files(&root.path().join("snaps/prod/es")), ["index-1", "index.latest"]);

    // No S3 client: verification fails like an unreachable bucket; the repository stays.
    let nowhere = start(Personality::Es7_17, root.path());
    let r = json_req(nowhere.port(), "PUT", "/_snapshot/cloud", body);
    assert_eq!(r.status, 500);
    let e = r.json();
    assert_eq!(e["error"]["reason"], json!("[cloud] path [prod/es] is not accessible on master node"));
    assert_eq!(e["error"]["caused_by"]["type"], json!("i_o_exception"));
    assert_eq!(nowhere.repositories(), ["cloud"]);
    let r = json_req(nowhere.port(), "PUT", "/_snapshot/cloud/s", "{}");
    assert_eq!(r.json()["error"]["reason"], json!("[cloud] could not read repository data from index blob"));
    let r = json_req(nowhere.port(), "PUT", "/_snapshot/none", r#"{"type":"s3","settings":{}}"#);
    assert_eq!(r.json()["error"]["caused_by"], json!({"type":"illegal_argument_exception","reason":"No bucket defined for s3 repository"}));
}

/// §1.5: an Amazon-managed domain signs every request, has no `fs`, and needs `role_arn`.
#[test]
fn aws_managed_domain() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("aws-snapshots")).unwrap();
    let server = testkit::S3Server::start(root.path());
    let mut c = Config::new(Personality::Os2);
    c.aws_managed = true;
    c.s3 = Some(s3_client(&server));
    c.snapshot_duration = Duration::from_millis(100);
    c.auth = emulator::Auth::SigV4 { access_key_id: "AKIDFERRY".into(), secret_access_key: "secret/key".into(), session_token: None, region: "eu-west-1".into(), service: "es".into() };
    let emu = Emulator::start(c).unwrap();
    let port = emu.port();
    let body = r#"{"type":"s3","settings":{"bucket":"aws-snapshots","region":"us-east-1","role_arn":"arn:aws:iam::123456789012:role/TheSnapshotRole"}}"#;
    let r = json_req(port, "PUT", "/_snapshot/m", body);
    assert_eq!((r.status, r.compact()), (403, r#"{"message":"Missing Authentication Token"}"#.to_string()));
    let r = signed(port, "PUT", "/_snapshot/fs", r#"{"type":"fs","settings":{"location":"/mnt/x"}}"#);
    assert_eq!(r.json()["error"]["caused_by"]["reason"], json!("[fs] location [/mnt/x] doesn't match any of the locations specified by path.repo because this setting is empty"));
    let r = signed(port, "PUT", "/_snapshot/m", r#"{"type":"s3","settings":{"bucket":"aws-snapshots"}}"#);
    assert_eq!(
        (r.status, r.compact()),
        (500, compact(r#"{"error":{"root_cause":[{"type":"repository_exception","reason":"[m] failed to create repository"}],"type":"repository_exception","reason":"[m] failed to create repository","caused_by":{"type":"illegal_argument_exception","reason":"[role_arn] is required to register an s3 repository on Amazon OpenSearch Service"}},"status":500}"#))
    );
    let r = signed(port, "PUT", "/_snapshot/u", r#"{"type":"url","settings":{"url":"file:/x"}}"#);
    assert_eq!(r.compact(), error_body("repository_exception", "[u] repository type [url] does not exist", 500));
    assert_eq!(signed(port, "PUT", "/_snapshot/m", body).compact(), r#"{"acknowledged":true}"#);
    let r = signed(port, "PUT", "/_snapshot/m/s1?wait_for_completion=true", "{}");
    assert_eq!(r.json()["snapshot"]["state"], json!("SUCCESS"));
    assert!(root.path().join("aws-snapshots/index.latest").is_file());
}

/// Corrupt or foreign repositories never panic: the answer is the repository or snapshot
/// exception, naming the blob.
#[test]
fn corrupt_and_foreign_repositories() {
    let p = Personality::Es7_10;
    let dir = tempfile::tempdir().unwrap();
    let emu = start(p, dir.path());
    let port = emu.port();
    seed_index(port, p, "books", 1, 3);
    put_fs_repo(port, "r", "r");
    let uuid = snapshot_and_wait(port, "r", "s1", "{}")["uuid"].as_str().unwrap().to_string();
    let repo = dir.path().join("r");
    let data: Value = serde_json::from_slice(&std::fs::read(repo.join("index-0")).unwrap()).unwrap();
    let id = data["indices"]["books"]["id"].as_str().unwrap().to_string();

    // A shard's data blob altered: the restore names it.
    let blob = files(&repo).into_iter().find(|f| f.contains("/0/__")).unwrap();
    std::fs::write(repo.join(&blob), b"{\"id\":\"x\"}\n").unwrap();
    let r = post(port, "/_snapshot/r/s1/_restore", r#"{"rename_pattern":"books","rename_replacement":"copy"}"#);
    assert_eq!(r.status, 500);
    let reason = r.json()["error"]["reason"].as_str().unwrap().to_string();
    assert_eq!(reason, format!("[r:s1/{uuid}] shard data [{}] is corrupt (checksum mismatch)", repo.join(&blob).display()));
    std::fs::remove_file(repo.join(&blob)).unwrap();
    let r = post(port, "/_snapshot/r/s1/_restore", r#"{"rename_pattern":"books","rename_replacement":"copy"}"#);
    assert_eq!(r.json()["error"]["caused_by"], json!({"type":"no_such_file_exception","reason":repo.join(&blob).display().to_string()}));
    assert!(emu.indices().iter().all(|i| i.name != "copy"));

    // Index metadata and SnapshotInfo blobs that are not JSON.
    std::fs::write(repo.join(format!("indices/{id}/meta-{uuid}.dat")), b"\x00garbage").unwrap();
    let r = post(port, "/_snapshot/r/s1/_restore", r#"{"rename_pattern":"books","rename_replacement":"copy"}"#);
    let e = r.json();
    assert_eq!(e["error"]["reason"], json!(format!("[r:s1/{uuid}] Snapshot could not be read")));
    assert!(e["error"]["caused_by"]["reason"].as_str().unwrap().ends_with(&format!("in [{}]", repo.join(format!("indices/{id}/meta-{uuid}.dat")).display())));
    std::fs::write(repo.join(format!("snap-{uuid}.dat")), b"not json").unwrap();
    let r = get(port, "/_snapshot/r/_all");
    assert_eq!((r.status, r.json()["error"]["type"].clone()), (500, json!("snapshot_exception")));
    assert!(r.json()["error"]["caused_by"]["reason"].as_str().unwrap().contains(&format!("snap-{uuid}.dat")));
    // Listing from index-N alone still works.
    assert_eq!(get(port, "/_snapshot/r/_all?verbose=false").compact(), compact(&format!(r#"{{"snapshots":[{{"snapshot":"s1","uuid":"{uuid}","indices":["books"],"data_streams":[],"state":"SUCCESS"}}]}}"#)));

    // index-N itself.
    std::fs::write(repo.join("index-0"), b"{\"snapshots\":[{\"name\":1}]}").unwrap();
    let r = get(port, "/_snapshot/r/_all");
    assert_eq!((r.status, r.json()["error"]["reason"].clone()), (500, json!("[r] Unexpected exception when loading repository data")));
    assert_eq!(r.json()["error"]["caused_by"]["type"], json!("parsing_exception"));
    std::fs::write(repo.join("index.latest"), b"\x01").unwrap();
    let r = get(port, "/_snapshot/r/_all");
    assert!(r.json()["error"]["caused_by"]["reason"].as_str().unwrap().ends_with("index.latest: expected 8 bytes, found 1"));
    std::fs::write(repo.join("index.latest"), 7u64.to_be_bytes()).unwrap();
    let r = get(port, "/_snapshot/r/_all");
    assert_eq!(r.json()["error"]["reason"], json!("[r] could not read repository data from index blob"));
    assert_eq!(r.json()["error"]["caused_by"]["reason"], json!(repo.join("index-7").display().to_string()));

    // A real Elasticsearch 7.10 repository (SMILE blobs): index-N lists, blobs are foreign.
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/repo");
    copy_dir(&real, &dir.path().join("real"));
    for reader in [Personality::Es7_10, Personality::Os2] {
        let emu = start(reader, dir.path());
        assert_eq!(put_fs_repo(emu.port(), "real", "real").status, 200);
        let listed = get(emu.port(), "/_snapshot/real/_all?verbose=false").json();
        let names: Vec<&str> = listed["snapshots"].as_array().unwrap().iter().map(|s| s["snapshot"].as_str().unwrap()).collect();
        assert_eq!(names, ["full-1", "incremental-2"], "{reader}");
        assert_eq!(listed["snapshots"][0]["indices"], json!(["articles", "logs-2024.03.22"]));
        let r = get(emu.port(), "/_snapshot/real/full-1");
        assert_eq!(r.json()["error"]["reason"], json!("[real:full-1/H5QCcXaEU6vvjQIRmIoyhw] Snapshot could not be read"));
        assert_eq!(post(emu.port(), "/_snapshot/real/full-1/_restore", "{}").status, 500);
    }
}
