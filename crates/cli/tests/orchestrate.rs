//! `ferry repo`, `ferry snapshot`, `ferry restore` and `ferry verify` end to end against the
//! emulator, per personality: repositories registered on two clusters sharing a folder, three
//! snapshot → (incremental) restore cycles with documents added, updated and deleted between
//! them, identical content at the end, verification that notices a difference, refused restores
//! across incompatible versions (refused by ferry, before anything is sent), failed and partial
//! snapshots.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{ferry, json_ok, one_error_line, stderr};
use emulator::{Config, Emulator, Personality};
use serde_json::{json, Value};
use testkit::http::{bulk, json_req};

fn config(p: Personality, root: &Path) -> Config {
    let mut c = Config::new(p);
    c.path_repo = vec![root.to_path_buf()];
    c.snapshot_duration = Duration::from_millis(100);
    c.restore_duration = Duration::from_millis(100);
    c
}

fn run(args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    if matches!(args, ["restore", ..] | ["snapshot", "create" | "status", ..]) {
        all.extend_from_slice(&["--poll-seconds", "0.05"]);
    }
    ferry(&all, &[])
}

fn ok(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend_from_slice(&["-o", "json"]);
    json_ok(&run(&all))
}

/// Index, update or delete documents with one bulk request (typed action lines for 5.x/6.x).
fn write(emu: &Emulator, index: &str, upserts: &[(u32, &str)], deletes: &[u32]) {
    let p = emu.personality();
    let meta = |id: u32| match p {
        Personality::Es5_6 => format!(r#""_index":"{index}","_type":"doc","_id":"{id}""#),
        Personality::Es6_8 => format!(r#""_index":"{index}","_type":"_doc","_id":"{id}""#),
        _ => format!(r#""_index":"{index}","_id":"{id}""#),
    };
    let mut body = String::new();
    for (id, tag) in upserts {
        body.push_str(&format!("{{\"index\":{{{}}}}}\n{{\"n\":{id},\"tag\":\"{tag}\"}}\n", meta(*id)));
    }
    for id in deletes {
        body.push_str(&format!("{{\"delete\":{{{}}}}}\n", meta(*id)));
    }
    let r = bulk(emu.port(), "/_bulk?refresh=true", &body);
    assert_eq!(r.json()["errors"], json!(false), "{p}: {}", r.text());
}

/// `(id, source)` of every document, sorted.
fn contents(emu: &Emulator, index: &str) -> Vec<(String, Value)> {
    let mut docs: Vec<(String, Value)> = emu.documents(index).into_iter().map(|d| (d.id, d.source)).collect();
    docs.sort_by(|a, b| a.0.cmp(&b.0));
    docs
}

#[test]
fn three_incremental_cycles_end_identical_in_every_personality() {
    for p in Personality::ALL {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path().join("repo");
        let location = location.to_str().unwrap();
        let (source, target) = (Emulator::start(config(p, dir.path())).unwrap(), Emulator::start(config(p, dir.path())).unwrap());
        let (src, dst) = (source.url(), target.url());

        let reg = ok(&["repo", "register", "migration", "--type", "fs", "--location", location, "--cluster", &src]);
        assert_eq!(reg["definition"], json!({"type": "fs", "settings": {"location": location}}), "{p}");
        ok(&["repo", "register", "migration", "--type", "fs", "--location", location, "--readonly", "--cluster", &dst]);
        let listed = ok(&["repo", "list", "--cluster", &dst]);
        assert_eq!(listed["migration"]["type"], "fs", "{p}: {listed}");
        assert_eq!(listed["migration"]["settings"]["location"], location, "{p}: {listed}");
        let verified = ok(&["repo", "verify", "migration", "--cluster", &src]);
        assert_eq!(verified["nodes"].as_array().map(Vec::len), Some(1), "{p}: {verified}");

        let r = json_req(source.port(), "PUT", "/logs", r#"{"settings":{"number_of_shards":2,"number_of_replicas":0}}"#);
        assert_eq!(r.status, 200, "{p}: {}", r.text());
        write(&source, "logs", &(1..=20).map(|i| (i, "v1")).collect::<Vec<_>>(), &[]);

        // Cycle 1: a full restore into an empty target.
        let s1 = ok(&["snapshot", "create", "migration", "s1", "--index", "logs", "--cluster", &src]);
        assert_eq!((s1["snapshot"]["state"].as_str(), s1["snapshot"]["indices"].clone()), (Some("SUCCESS"), json!(["logs"])), "{p}: {s1}");
        assert_eq!(s1["snapshot"]["shards"], json!({"total": 2, "failed": 0, "successful": 2}), "{p}");
        let r1 = ok(&["restore", "migration", "s1", "--cluster", &dst]);
        assert_eq!((r1["indices"].clone(), r1["closed_first"].clone(), r1["shards"].as_u64()), (json!(["logs"]), json!([]), Some(2)), "{p}: {r1}");
        assert_eq!(contents(&target, "logs"), contents(&source, "logs"), "{p}: cycle 1");
        assert_eq!(contents(&target, "logs").len(), 20);

        // Cycles 2 and 3: added, updated and deleted documents arrive through incremental restores.
        for (cycle, adds, updates, deletes) in [(2, 21..=25, [3u32, 4], [1u32, 2]), (3, 26..=30, [5, 21], [6, 22])] {
            let upserts: Vec<(u32, &str)> = adds.map(|i| (i, "new")).chain(updates.iter().map(|&i| (i, "updated"))).collect();
            write(&source, "logs", &upserts, &deletes);
            let name = format!("s{cycle}");
            ok(&["snapshot", "create", "migration", &name, "--cluster", &src]);
            // Without --incremental the open index blocks the restore, and ferry says how to proceed.
            let refused = one_error_line(&run(&["restore", "migration", &name, "--cluster", &dst]));
            assert!(refused.contains("open indices with the target names exist: logs") && refused.contains("--incremental"), "{p}: {refused}");
            let r = ok(&["restore", "migration", &name, "--incremental", "--cluster", &dst]);
            assert_eq!((r["indices"].clone(), r["closed_first"].clone()), (json!(["logs"]), json!(["logs"])), "{p} cycle {cycle}: {r}");
            assert_eq!(contents(&target, "logs"), contents(&source, "logs"), "{p}: cycle {cycle}");
        }
        let docs = contents(&target, "logs");
        assert_eq!(docs.len(), 26, "{p}: 20 + 10 added − 4 deleted");
        assert_eq!(docs.iter().filter(|(_, s)| s["tag"] == "updated").count(), 4, "{p}: 3, 4, 5 and 21");
        assert!(!target.indices().iter().any(|i| i.closed), "{p}: every restored index is open again");

        let list = ok(&["snapshot", "list", "migration", "--cluster", &dst]);
        let names: Vec<&str> = list.as_array().unwrap().iter().map(|s| s["snapshot"].as_str().unwrap()).collect();
        assert_eq!(names, ["s1", "s2", "s3"], "{p}");
        let status = ok(&["snapshot", "status", "migration", "s3", "--cluster", &src]);
        assert_eq!((status["snapshot"]["state"].as_str(), status["progress"]["shards_done"].as_u64()), (Some("SUCCESS"), Some(2)), "{p}: {status}");
        ok(&["snapshot", "delete", "migration", "s1", "--cluster", &src]);
        let list = ok(&["snapshot", "list", "migration", "--cluster", &src]);
        assert_eq!(list.as_array().unwrap().len(), 2, "{p}: {list}");
        // Both sides hold the same documents: verify agrees, in every personality.
        let v = ok(&["verify", "--source", &src, "--target", &dst, "--full", "--sample", "5"]);
        assert_eq!((v["ok"].as_bool(), v["indices"][0]["full"][0].as_u64(), v["indices"][0]["sampled"].as_u64()), (Some(true), Some(26), Some(5)), "{p}: {v}");
        let gone = ok(&["repo", "unregister", "migration", "--cluster", &dst]);
        assert_eq!(gone["unregistered"], true);
        assert_eq!(ok(&["repo", "list", "--cluster", &dst]), json!({}), "{p}");
    }
}

#[test]
fn restores_the_version_rules_forbid_are_refused_before_anything_is_sent() {
    use Personality::*;
    for (from, to, why) in [
        (Es7_17, Os2, "OpenSearch restores snapshots taken by Elasticsearch 6.0–7.10 only"),
        (Os2, Es8, "cannot restore snapshots taken by OpenSearch"),
        (Es8, Es7_17, "is older than Elasticsearch 8.15"),
        (Es5_6, Es7_10, "index logs: an index created in Elasticsearch 5.6.16 restores into Elasticsearch 6.x"),
        (Es6_8, Os2, "index logs: an index created in Elasticsearch 6.8"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path().join("repo");
        let location = location.to_str().unwrap();
        let (source, target) = (Emulator::start(config(from, dir.path())).unwrap(), Emulator::start(config(to, dir.path())).unwrap());
        let (src, dst) = (source.url(), target.url());
        ok(&["repo", "register", "r", "--type", "fs", "--location", location, "--cluster", &src]);
        json_req(source.port(), "PUT", "/logs", r#"{"settings":{"number_of_shards":1,"number_of_replicas":0}}"#);
        write(&source, "logs", &[(1, "a")], &[]);
        ok(&["snapshot", "create", "r", "s", "--cluster", &src]);
        ok(&["repo", "register", "r", "--type", "fs", "--location", location, "--readonly", "--no-verify", "--cluster", &dst]);
        let before = target.stats().requests;
        let out = run(&["restore", "r", "s", "--source", &src, "--cluster", &dst]);
        let line = one_error_line(&out);
        assert!(line.contains(why) && line.contains("`ferry backfill`"), "{from} → {to}: {line}");
        // With --source the snapshot is described by the cluster that took it: the target only
        // answered GET / (no restore, no index).
        assert_eq!(target.stats().requests - before, 1, "{from} → {to}: only GET / was sent");
        assert!(target.indices().is_empty(), "{from} → {to}");
        if (from, to) == (Es7_17, Os2) {
            // Without --source the target is asked, and it cannot read a 7.17 repository at all.
            let line = one_error_line(&run(&["restore", "r", "s", "--cluster", &dst]));
            assert!(line.contains("cannot read repository r: a newer version wrote it") && line.contains("unknown field [uuid]"), "{line}");
        }
    }
}

#[test]
fn failed_and_partial_snapshots_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("repo");
    let location = location.to_str().unwrap();
    let mut c = config(Personality::Es6_8, dir.path());
    c.snapshot_failures = vec!["broken".into()];
    let emu = Emulator::start(c).unwrap();
    let url = emu.url();
    ok(&["repo", "register", "r", "--type", "fs", "--location", location, "--cluster", &url]);
    for index in ["fine", "broken"] {
        json_req(emu.port(), "PUT", &format!("/{index}"), r#"{"settings":{"number_of_shards":1,"number_of_replicas":0}}"#);
        write(&emu, index, &[(1, "a")], &[]);
    }
    // Without --partial a failed shard fails the snapshot (6.8 ends it FAILED).
    let line = one_error_line(&run(&["snapshot", "create", "r", "whole", "--cluster", &url]));
    assert!(line.contains("snapshot r/whole ended Failed") && line.contains("[broken][0] primary shard is not allocated"), "{line}");
    // With --partial the rest is kept.
    let partial = ok(&["snapshot", "create", "r", "some", "--partial", "--cluster", &url]);
    assert_eq!((partial["snapshot"]["state"].as_str(), partial["snapshot"]["shards"]["failed"].as_u64()), (Some("PARTIAL"), Some(1)), "{partial}");
    let status = run(&["snapshot", "status", "r", "some", "--cluster", &url]);
    assert_eq!(status.status.code(), Some(3), "a PARTIAL snapshot: {}", stderr(&status));
    // A missing snapshot and a missing repository: the cluster's own error, on one line.
    let line = one_error_line(&run(&["snapshot", "status", "r", "nope", "--cluster", &url]));
    assert!(line.contains("snapshot_missing_exception"), "{line}");
    let line = one_error_line(&run(&["snapshot", "list", "nothere", "--cluster", &url]));
    assert!(line.contains("repository_missing_exception") && line.contains("[nothere] missing"), "{line}");
}

#[test]
fn verify_compares_counts_samples_and_every_document() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("repo");
    let location = location.to_str().unwrap();
    let (source, target) = (Emulator::start(config(Personality::Es7_10, dir.path())).unwrap(), Emulator::start(config(Personality::Os2, dir.path())).unwrap());
    let (src, dst) = (source.url(), target.url());
    json_req(source.port(), "PUT", "/logs", r#"{"settings":{"number_of_shards":2,"number_of_replicas":0}}"#);
    write(&source, "logs", &(1..=1500).map(|i| (i, "v")).collect::<Vec<_>>(), &[]);
    ok(&["repo", "register", "r", "--type", "fs", "--location", location, "--cluster", &src]);
    ok(&["snapshot", "create", "r", "s", "--cluster", &src]);
    ok(&["repo", "register", "r", "--type", "fs", "--location", location, "--readonly", "--cluster", &dst]);
    ok(&["restore", "r", "s", "--cluster", &dst, "--source", &src]);

    let same = ok(&["verify", "--source", &src, "--target", &dst, "--full", "--sample", "50"]);
    let i = &same["indices"][0];
    assert_eq!((same["ok"].as_bool(), i["source_count"].as_u64(), i["target_count"].as_u64(), i["sampled"].as_u64()), (Some(true), Some(1500), Some(1500), Some(50)), "{same}");
    assert_eq!(i["full"][0], 1500, "{same}");

    // One document changed, one missing, one extra on the target.
    write(&target, "logs", &[(7, "changed"), (9999, "extra")], &[8]);
    let out = run(&["verify", "--source", &src, "--target", &dst, "--full", "--sample", "0", "-o", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    let full = &diff["indices"][0]["full"][1];
    assert_eq!((full["missing_ids"].clone(), full["extra_ids"].clone(), full["differing_ids"].clone()), (json!(["8"]), json!(["9999"]), json!(["7"])), "{diff}");
    assert_eq!(diff["ok"], false);
}

/// `[(method, path)]` of the requests a dry run printed.
fn requests(v: &Value) -> Vec<(String, String)> {
    v["requests"].as_array().unwrap().iter().map(|r| (r["method"].as_str().unwrap().to_owned(), r["path"].as_str().unwrap().to_owned())).collect()
}

#[test]
fn a_migration_plan_runs_full_incremental_and_cutover_phases_and_resumes_after_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let (src_repo, dst_repo) = (dir.path().join("src-repo"), dir.path().join("dst-repo"));
    let mut slow = config(Personality::Es6_8, dir.path());
    // Long enough to kill a run while its snapshot is in progress.
    slow.snapshot_duration = Duration::from_millis(1500);
    let source = Emulator::start(slow).unwrap();
    let target = Emulator::start(config(Personality::Es7_10, dir.path())).unwrap();
    json_req(source.port(), "PUT", "/logs", r#"{"settings":{"number_of_shards":2,"number_of_replicas":0}}"#);
    json_req(source.port(), "PUT", "/other", r#"{"settings":{"number_of_shards":1,"number_of_replicas":0}}"#);
    write(&source, "logs", &(1..=40).map(|i| (i, "v1")).collect::<Vec<_>>(), &[]);
    let plan = dir.path().join("move.toml");
    std::fs::write(
        &plan,
        format!(
            r#"name = "move"
indices = ["logs"]

[source]
url = "{}"
repository = "m"
register = {{ type = "fs", settings = {{ location = "{}" }} }}

[target]
url = "{}"
repository = "m"
register = {{ type = "fs", settings = {{ location = "{}", readonly = true }} }}

[copy]
from = "{}"
to = "{}"

[verify]
sample = 10
full = true

[cutover]
aliases = [{{ alias = "logs-live", indices = ["logs"] }}]
"#,
            source.url(),
            src_repo.display(),
            target.url(),
            dst_repo.display(),
            src_repo.display(),
            dst_repo.display()
        ),
    )
    .unwrap();
    let plan = plan.to_str().unwrap();
    let state = format!("{plan}.state.json");
    let migrate = |extra: &[&str]| {
        let mut args = vec!["migrate", "--plan", plan, "--poll-seconds", "0.05", "-o", "json"];
        args.extend_from_slice(extra);
        ferry(&args, &[])
    };

    // A dry run sends nothing that changes a cluster and writes no state.
    let dry = json_ok(&migrate(&["--dry-run"]));
    let copy_line = format!("{} → {}", src_repo.display(), dst_repo.display());
    assert_eq!(
        requests(&dry),
        [
            ("PUT", "_snapshot/m"),
            ("PUT", "_snapshot/m"),
            ("PUT", "_snapshot/m/move-1-full"),
            ("COPY", copy_line.as_str()),
            ("POST", "_snapshot/m/move-1-full/_restore"),
        ]
        .map(|(m, p)| (m.to_owned(), p.to_owned())),
        "{dry}"
    );
    assert_eq!(dry["requests"][4]["body"]["indices"], "logs", "{dry}");
    assert!(!Path::new(&state).exists(), "a dry run keeps no state");
    assert!(source.repositories().is_empty() && target.indices().is_empty());

    // Phase 1: full.
    let full = json_ok(&migrate(&[]));
    assert_eq!((full["phase"]["number"].as_u64(), full["phase"]["kind"].as_str()), (Some(1), Some("full")), "{full}");
    assert_eq!(full["phase"]["results"]["verify"]["ok"], true, "{full}");
    assert_eq!(contents(&target, "logs"), contents(&source, "logs"));
    assert!(target.indices().iter().all(|i| i.name == "logs"), "only the planned index moves");

    // Phase 2: incremental.
    write(&source, "logs", &[(41, "new"), (2, "updated")], &[3]);
    let inc = json_ok(&migrate(&[]));
    assert_eq!((inc["phase"]["kind"].as_str(), inc["phase"]["results"]["restore"]["closed_first"].clone()), (Some("incremental"), json!(["logs"])), "{inc}");
    assert_eq!(contents(&target, "logs"), contents(&source, "logs"));

    // Phase 3, killed while its snapshot runs; the rerun waits for that snapshot instead of taking another.
    write(&source, "logs", &[(42, "new")], &[4]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ferry")).args(["migrate", "--plan", plan, "--poll-seconds", "0.05", "-q"]).spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let s: Value = std::fs::read(&state).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null);
        if s["phases"][2]["snapshot_requested"] == true {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "phase 3 never requested its snapshot");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();
    let st = json_ok(&ferry(&["migrate", "status", "--plan", plan, "-o", "json"], &[]));
    assert_eq!((st["phases"][2]["finished"].as_bool(), st["phases"][2]["done"].clone()), (Some(false), json!(["register"])), "{st}");
    assert!(st["next"].as_str().unwrap().contains("unfinished"), "{st}");
    let resumed = json_ok(&migrate(&[]));
    assert_eq!((resumed["phase"]["number"].as_u64(), resumed["phase"]["finished"].as_bool()), (Some(3), Some(true)), "{resumed}");
    let names: Vec<String> = source.snapshots("m").unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["move-1-full", "move-2-incremental", "move-3-incremental"], "one snapshot per phase");
    assert_eq!(contents(&target, "logs"), contents(&source, "logs"));

    // Cutover: writes blocked on the source, a last snapshot, strict verification, the alias switched.
    let cut = json_ok(&migrate(&["--cutover"]));
    assert_eq!((cut["phase"]["kind"].as_str(), cut["phase"]["results"]["verify"]["ok"].as_bool()), (Some("cutover"), Some(true)), "{cut}");
    assert!(source.indices().iter().find(|i| i.name == "logs").unwrap().write_blocked);
    assert!(!source.indices().iter().find(|i| i.name == "other").unwrap().write_blocked, "only planned indices are blocked");
    assert_eq!(target.indices().iter().find(|i| i.name == "logs").unwrap().aliases, ["logs-live"]);
    assert_eq!(contents(&target, "logs"), contents(&source, "logs"));
    let st = json_ok(&ferry(&["migrate", "status", "--plan", plan, "-o", "json"], &[]));
    assert_eq!(st["phases"].as_array().unwrap().iter().map(|p| p["finished"].as_bool().unwrap()).collect::<Vec<_>>(), [true; 4]);
    assert_eq!(st["next"], "done: the migration is cut over");
    let line = one_error_line(&migrate(&[]));
    assert!(line.contains("already cut over"), "{line}");
}

#[test]
fn backup_and_restore_from_a_config_file_with_host_failover() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("backups");
    let (source, target) = (Emulator::start(config(Personality::Es7_10, dir.path())).unwrap(), Emulator::start(config(Personality::Es7_17, dir.path())).unwrap());
    json_req(source.port(), "PUT", "/orders", r#"{"settings":{"number_of_shards":1,"number_of_replicas":0}}"#);
    write(&source, "orders", &[(1, "a"), (2, "b")], &[]);
    let file = dir.path().join("backup.toml");
    std::fs::write(
        &file,
        format!(
            "[repository]\nname = \"nightly\"\ntype = \"fs\"\nlocation = \"{}\"\n\n[elasticsearch]\nsource_hosts = [\"http://127.0.0.1:1\", \"{}\"]\ndestination_hosts = [\"{}\"]\nindices = [\"orders\"]\n",
            location.display(),
            source.url(),
            target.url()
        ),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    // The first source host is down: the second one takes the snapshot.
    let b = json_ok(&ferry(&["backup", "--config", file, "--snapshot", "first", "--poll-seconds", "0.05", "-o", "json"], &[]));
    assert_eq!((b["snapshot"]["snapshot"].as_str(), b["snapshot"]["state"].as_str()), (Some("first"), Some("SUCCESS")), "{b}");
    write(&source, "orders", &[(3, "c")], &[]);
    let b2 = json_ok(&ferry(&["backup", "--config", file, "--poll-seconds", "0.05", "-o", "json"], &[]));
    let second = b2["snapshot"]["snapshot"].as_str().unwrap().to_owned();
    assert!(second.starts_with("snapshot-"), "named by the time: {second}");
    // Restore picks the newest successful snapshot and registers the repository read-only.
    let r = json_ok(&ferry(&["restore", "--config", file, "--poll-seconds", "0.05", "-o", "json"], &[]));
    assert_eq!((r["snapshot"].as_str(), r["restored"]["indices"].clone()), (Some(second.as_str()), json!(["orders"])), "{r}");
    assert_eq!(contents(&target, "orders"), contents(&source, "orders"));
    let repo = testkit::http::get(target.port(), "/_snapshot/nightly").json();
    assert_eq!(repo["nightly"]["settings"]["readonly"], "true", "{repo}");
    // A named snapshot, restored over the existing index.
    let r = json_ok(&ferry(&["restore", "--config", file, "first", "--incremental", "--poll-seconds", "0.05", "-o", "json"], &[]));
    assert_eq!(r["snapshot"], "first");
    assert_eq!(contents(&target, "orders").len(), 2);
}

#[test]
fn an_aws_managed_domain_takes_a_signed_s3_registration_with_a_role() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("aws-snapshots")).unwrap();
    let server = testkit::S3Server::start(root.path());
    let mut c = Config::new(Personality::Os2);
    c.aws_managed = true;
    c.s3 = Some(emulator::S3Client { endpoint: server.endpoint(), region: "us-east-1".into(), access_key: server.access_key.into(), secret_key: server.secret_key.into() });
    c.snapshot_duration = Duration::from_millis(100);
    c.auth = emulator::Auth::SigV4 { access_key_id: "AKIDFERRY".into(), secret_access_key: "secret/key".into(), session_token: None, region: "eu-west-1".into(), service: "es".into() };
    let emu = Emulator::start(c).unwrap();
    let url = emu.url();
    let aws = [("AWS_ACCESS_KEY_ID", "AKIDFERRY"), ("AWS_SECRET_ACCESS_KEY", "secret/key")];
    let register = |extra: &[&str]| {
        let mut args = vec!["repo", "register", "m", "--type", "s3", "--bucket", "aws-snapshots", "--region", "us-east-1", "--cluster", &url, "--aws-sigv4", "--cluster-region", "eu-west-1", "-o", "json"];
        args.extend_from_slice(extra);
        ferry(&args, &aws)
    };
    // Without the role the domain refuses, and ferry passes its reason on.
    let line = one_error_line(&register(&[]));
    assert!(line.contains("[role_arn] is required"), "{line}");
    let done = json_ok(&register(&["--role-arn", "arn:aws:iam::123456789012:role/TheSnapshotRole"]));
    assert_eq!(done["definition"]["settings"]["role_arn"], "arn:aws:iam::123456789012:role/TheSnapshotRole", "{done}");
    let snap = json_ok(&ferry(&["snapshot", "create", "m", "s1", "--cluster", &url, "--aws-sigv4", "--cluster-region", "eu-west-1", "--poll-seconds", "0.05", "-o", "json"], &aws));
    assert_eq!(snap["snapshot"]["state"], "SUCCESS", "{snap}");
    assert!(root.path().join("aws-snapshots/index.latest").is_file(), "the snapshot went to the bucket");
    // Unsigned: the domain's own refusal.
    let line = one_error_line(&ferry(&["repo", "list", "--cluster", &url], &[]));
    assert!(line.contains("403") && line.contains("Missing Authentication Token"), "{line}");
}

#[test]
fn verify_compares_a_target_with_the_snapshot_itself() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/repo");
    let sample = sample.to_str().unwrap();
    let emu = Emulator::start(Config::new(Personality::Es8)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite");
    let dead = dir.path().join("dead.ndjson");
    json_ok(&ferry(&["backfill", sample, "--target", &emu.url(), "--ledger", ledger.to_str().unwrap(), "--dead-letter", dead.to_str().unwrap(), "-q", "-o", "json"], &[]));

    let same = ok(&["verify", "--source-repo", sample, "--target", &emu.url()]);
    assert_eq!(same["ok"], true, "{same}");
    let indices = same["indices"].as_array().unwrap();
    assert!(!indices.is_empty());
    for i in indices {
        let name = i["source_index"].as_str().unwrap();
        let n = emu.documents(name).len() as u64;
        assert_eq!((i["source_count"].as_u64(), i["target_count"].as_u64(), i["full"][0].as_u64()), (Some(n), Some(n), Some(n)), "{i}");
    }

    // One document changed in the target: named, exit 3.
    let index = indices[0]["source_index"].as_str().unwrap().to_owned();
    let doc = emu.documents(&index).into_iter().next().unwrap();
    let r = bulk(emu.port(), "/_bulk?refresh=true", &format!("{{\"index\":{{\"_index\":\"{index}\",\"_id\":\"{}\"}}}}\n{{\"changed\":true}}\n", doc.id));
    assert_eq!(r.json()["errors"], json!(false), "{}", r.text());
    let out = run(&["verify", "--source-repo", sample, "--target", &emu.url(), "--index", &index, "-o", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diff["indices"][0]["full"][1]["differing_ids"], json!([doc.id]), "{diff}");
}

#[test]
fn a_backup_config_signs_with_its_own_keys_whose_secret_stays_in_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(Personality::Os2, dir.path());
    c.auth = emulator::Auth::SigV4 { access_key_id: "AKIDCONFIG".into(), secret_access_key: "config/secret".into(), session_token: None, region: "eu-west-1".into(), service: "es".into() };
    let emu = Emulator::start(c).unwrap();
    let file = dir.path().join("backup.toml");
    std::fs::write(
        &file,
        format!(
            "[aws]\nregion = \"eu-west-1\"\nsigv4 = true\naccess_key_id = \"AKIDCONFIG\"\nsecret_access_key_env = \"BACKUP_SECRET\"\n\n[repository]\nname = \"r\"\ntype = \"fs\"\nlocation = \"{}\"\n\n[elasticsearch]\nsource_hosts = [\"{}\"]\n",
            dir.path().join("r").display(),
            emu.url()
        ),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let args = ["backup", "--config", file, "--snapshot", "s", "--poll-seconds", "0.05", "-o", "json"];
    // The chain's keys (here: none, the tests are hermetic) are not used: the file's are.
    let done = json_ok(&ferry(&args, &[("BACKUP_SECRET", "config/secret")]));
    assert_eq!(done["snapshot"]["state"], "SUCCESS", "{done}");
    let missing = ferry(&args, &[]);
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("the variable BACKUP_SECRET is not set"), "{}", stderr(&missing));
    // A wrong secret: no source host answers, and the secret is not printed.
    let wrong = ferry(&args, &[("BACKUP_SECRET", "not-the-secret")]);
    let line = one_error_line(&wrong);
    assert!(line.contains("no source host answered") && line.contains("403") && !line.contains("not-the-secret"), "{line}");
}
