//! `ferry backfill` end to end against the cluster emulator: every fixture into every
//! personality (documents compared exactly with ../shared/fixtures/expected), faults that must
//! not lose or add a document, a worker killed with SIGKILL and its shard resumed from the
//! checkpoint, processes sharing one ledger, and the one-line errors for bad credentials, TLS
//! failures and unreachable hosts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use emulator::{Auth, Config, Emulator, Faults, Personality};
use serde_json::{json, Value};

mod common;
use common::{ferry, json_ok, one_error_line, stderr};

/// One expected document: (index, id) → (type, routing, source).
type Docs = BTreeMap<(String, String), (Option<String>, Option<String>, Value)>;

struct Fixture {
    repo: PathBuf,
    snapshot: String,
    docs: Docs,
    /// Per index: mapping types and shard count, from the facts file.
    indices: BTreeMap<String, (Vec<String>, u64)>,
}

fn fixture(repo: &Path) -> Fixture {
    let name = repo.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(testkit::shared_dir().join(format!("fixtures/expected/{name}.ndjson"))).unwrap();
    let mut docs = Docs::new();
    let mut snapshot = String::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        snapshot = v["snapshot"].as_str().unwrap().to_owned();
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        docs.insert((s("index").unwrap(), s("id").unwrap()), (s("type"), s("routing"), v["source"].clone()));
    }
    let facts: Value = serde_json::from_str(&std::fs::read_to_string(testkit::facts_path(repo)).unwrap()).unwrap();
    let snap = facts["snapshots"].as_array().unwrap().iter().find(|s| s["name"] == snapshot.as_str()).unwrap();
    let indices = snap["indices"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let types = v["mapping_types"].as_array().map(|a| a.iter().map(|t| t.as_str().unwrap().to_owned()).collect()).unwrap_or_default();
            (k.clone(), (types, v["number_of_shards"].as_u64().unwrap()))
        })
        .collect();
    Fixture { repo: repo.to_owned(), snapshot, docs, indices }
}

/// The type a typed target must hold for a document (the rules `ferry backfill --help` states).
fn expected_type(p: Personality, doc_type: Option<&str>, index_types: &[String]) -> Option<String> {
    let single = match index_types {
        [one] => Some(one.as_str()),
        _ => None,
    };
    match p {
        Personality::Es5_6 => Some(doc_type.filter(|t| !t.starts_with('_')).or(single.filter(|t| !t.starts_with('_'))).unwrap_or("doc").to_owned()),
        Personality::Es6_8 => Some(single.unwrap_or("_doc").to_owned()),
        _ => None,
    }
}

fn typed(p: Personality) -> bool {
    matches!(p, Personality::Es5_6 | Personality::Es6_8)
}

/// Everything the emulator holds for these indices, in the same shape as the expectations.
fn held(emu: &Emulator, indices: impl Iterator<Item = String>, p: Personality) -> Docs {
    let mut out = Docs::new();
    for index in indices {
        for d in emu.documents(&index) {
            let t = if typed(p) { d.doc_type.clone() } else { None };
            assert!(out.insert((d.index.clone(), d.id.clone()), (t, d.routing.clone(), d.source.clone())).is_none(), "{index}/{} twice", d.id);
        }
    }
    out
}

fn ledger_in(dir: &tempfile::TempDir) -> String {
    dir.path().join("ledger.sqlite").display().to_string()
}

fn backfill(repo: &Path, url: &str, ledger: &str, extra: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut args = vec!["backfill", repo.to_str().unwrap(), "--target", url, "--ledger", ledger, "-o", "json", "-q", "--dead-letter"];
    let dl = format!("{ledger}.dead-letter.ndjson");
    args.push(&dl);
    args.extend_from_slice(extra);
    ferry(&args, env)
}

#[test]
fn every_fixture_into_every_personality() {
    for repo in testkit::fixture_repos() {
        let fx = fixture(&repo);
        for p in Personality::ALL {
            let emu = Emulator::start(Config::new(p)).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let out = backfill(&fx.repo, &emu.url(), &ledger_in(&dir), &["--snapshot", &fx.snapshot], &[]);
            let what = format!("{} → {p}", repo.display());
            let summary = json_ok(&out);
            let expected: Docs = fx
                .docs
                .iter()
                .map(|((index, id), (t, r, s))| ((index.clone(), id.clone()), (expected_type(p, t.as_deref(), &fx.indices[index].0), r.clone(), s.clone())))
                .collect();
            assert_eq!(held(&emu, fx.indices.keys().cloned(), p), expected, "{what}");
            assert_eq!(summary["docs_sent"], expected.len() as u64, "{what}");
            for i in summary["indices"].as_array().unwrap() {
                assert_eq!(i["ok"], true, "{what}: {i}");
            }
            // Missing indices were created with the source's shard count (and 0 replicas as stored).
            for info in emu.indices() {
                let (_, shards) = &fx.indices[&info.name];
                assert_eq!(u64::from(info.number_of_shards), *shards, "{what}: {}", info.name);
            }
            emu.stop();
        }
    }
}

/// The sample repository (21 documents in 3 shards) as the emulator must end up holding it.
fn sample_repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/repo")
}

fn sample_expected() -> BTreeMap<(String, String), Value> {
    let dir = tempfile::tempdir().unwrap();
    let out = ferry(&["export", sample_repo().to_str().unwrap(), "--out", dir.path().to_str().unwrap(), "-q"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut docs = BTreeMap::new();
    for e in std::fs::read_dir(dir.path()).unwrap() {
        for line in std::fs::read_to_string(e.unwrap().path()).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            docs.insert((v["_index"].as_str().unwrap().to_owned(), v["_id"].as_str().unwrap().to_owned()), json!({"routing": v.get("_routing"), "source": v["_source"]}));
        }
    }
    assert_eq!(docs.len(), 21);
    docs
}

fn sample_held(emu: &Emulator) -> BTreeMap<(String, String), Value> {
    let mut docs = BTreeMap::new();
    for index in ["articles", "logs-2024.03.22"] {
        for d in emu.documents(index) {
            docs.insert((d.index.clone(), d.id.clone()), json!({"routing": d.routing, "source": d.source}));
        }
    }
    docs
}

/// 10 % of items rejected with 429, 20 % of requests answered 503, 15 % of connections dropped
/// after the items were applied. One shard and one request at a time, one document per request,
/// so the emulator's seeded fault sequence meets the same requests on every run and the counts
/// below are exact.
#[test]
fn faults_lose_nothing_and_add_nothing() {
    let expected = sample_expected();
    let mut config = Config::new(Personality::Es7_10);
    config.faults = Faults { item_429_fraction: 0.1, request_503_fraction: 0.2, drop_connection_fraction: 0.15, delay: Duration::from_millis(5) };
    config.seed = 4;
    let emu = Emulator::start(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = backfill(&sample_repo(), &emu.url(), &ledger_in(&dir), &["--batch-docs", "1", "--connections", "1", "--workers", "1"], &[]);
    let summary = json_ok(&out);
    assert_eq!(sample_held(&emu), expected, "nothing lost, nothing extra");
    assert_eq!(summary["docs_sent"], 21);
    assert_eq!(summary["failed"], 0);
    let stats = emu.stats();
    assert_eq!((stats.items_rejected_429, stats.responses_503, stats.connections_dropped), (5, 11, 7), "{stats:?}");
    // Each 503 and each dropped answer made ferry resend the request (18). Of the 5 rejected
    // items, 4 came back in answers ferry read and were resent alone; the fifth was in an answer
    // that was cut off, so it went again with its request.
    assert_eq!(summary["request_retries"], 11 + 7, "{summary}");
    assert_eq!(summary["item_retries"], 4, "{summary}");
    // Dropped answers came after their items were applied: 6 documents were written twice (same
    // _id, same source — `index` is idempotent), the rejected one of the seventh not at all.
    assert_eq!(stats.items_applied, 21 + 6);
}

/// The cluster dies in the middle of the backfill (every connection closed, the port refusing
/// connections for two seconds) and comes back: ferry waits and finishes, losing nothing.
#[test]
fn a_cluster_restart_mid_run_is_waited_out() {
    let mut config = Config::new(Personality::Os1_3);
    config.faults.delay = Duration::from_millis(100);
    let emu = Emulator::start(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_in(&dir);
    let child = spawn_backfill(&emu.url(), Mode::Local, &ledger, &["--batch-docs", "1", "--connections", "2"]);
    let started = Instant::now();
    while emu.stats().items_applied < 3 {
        assert!(started.elapsed() < Duration::from_secs(30), "ferry never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    let applied_before = emu.stats().items_applied;
    emu.restart(Duration::from_secs(2));
    let summary = json_ok(&child.wait_with_output().unwrap());
    assert!(applied_before > 0 && applied_before < 21, "the restart came mid-run ({applied_before} applied before)");
    assert!(summary["request_retries"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(sample_held(&emu), sample_expected());
}

#[test]
fn refused_documents_go_to_the_dead_letter_file_and_the_exit_code() {
    // ES 6.8 holds one mapping type per index: pre-create `articles` with another type, so every
    // `articles` document is refused with a 400 and nothing is retried.
    let emu = Emulator::start(Config::new(Personality::Es6_8)).unwrap();
    let put = ureq_put(&format!("{}/articles/other/seed?refresh=true", emu.url()), r#"{"x":1}"#);
    assert_eq!(put, 201);
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_in(&dir);
    let out = backfill(&sample_repo(), &emu.url(), &ledger, &[], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["failed"], 14);
    let dead = std::fs::read_to_string(format!("{ledger}.dead-letter.ndjson")).unwrap();
    let lines: Vec<Value> = dead.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 14);
    for l in &lines {
        assert_eq!(l["status"], 400);
        assert_eq!(l["error"]["type"], "illegal_argument_exception");
        assert_eq!(l["action"]["index"]["_index"], "articles");
        assert!(l["source"].is_object());
    }
    assert!(stderr(&out).contains("14 document(s) refused by the target"), "{}", stderr(&out));
}

/// A tiny blocking HTTP PUT (the emulator speaks HTTP/1.1), returning the status.
fn ureq_put(url: &str, body: &str) -> u16 {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(s, "PUT /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn bad_credentials_tls_failures_and_unreachable_hosts_are_one_line() {
    let mut config = Config::new(Personality::Es8);
    config.auth = Auth::Basic { user: "elastic".into(), password: "s3cret".into() };
    let emu = Emulator::start(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_in(&dir);
    let repo = sample_repo();
    let host = format!("127.0.0.1:{}", emu.port());

    let line = one_error_line(&backfill(&repo, &emu.url(), &ledger, &[], &[]));
    assert!(line.contains(&host) && line.contains("401") && line.contains("security_exception"), "{line}");
    let wrong = format!("http://elastic:nope@{host}");
    let line = one_error_line(&backfill(&repo, &wrong, &ledger, &[], &[]));
    assert!(line.contains("401") && !line.contains("nope"), "{line}");
    let line = one_error_line(&backfill(&repo, &emu.url(), &ledger, &["--user", "elastic"], &[("FERRY_PASSWORD", "wrong-pw")]));
    assert!(line.contains("401") && !line.contains("wrong-pw"), "{line}");
    let good = format!("http://elastic:s3cret@{host}");
    json_ok(&backfill(&repo, &good, &ledger, &[], &[]));
    assert_eq!(emu.documents("articles").len(), 14);

    // https to a plain-HTTP port: the handshake fails.
    let line = one_error_line(&backfill(&repo, &format!("https://{host}"), &ledger, &[], &[]));
    assert!(line.contains("TLS") && line.contains(&host), "{line}");

    // Nothing listening.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let line = one_error_line(&backfill(&repo, &format!("http://{free}"), &ledger, &[], &[]));
    assert!(line.contains(&format!("cannot connect to {free}")), "{line}");
}

#[test]
fn tls_with_a_private_ca_and_sigv4() {
    let pki = emulator::pki::generate();
    let mut config = Config::new(Personality::Os2);
    config.tls = Some(pki.server.clone());
    config.auth = Auth::SigV4 { access_key_id: "AKIDFERRYTEST".into(), secret_access_key: "ferry/secret/key".into(), session_token: None, region: "eu-west-1".into(), service: "es".into() };
    let emu = Emulator::start(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let ledger = ledger_in(&dir);
    let repo = sample_repo();
    let url = format!("https://localhost:{}", emu.port());
    let creds = [("AWS_ACCESS_KEY_ID", "AKIDFERRYTEST"), ("AWS_SECRET_ACCESS_KEY", "ferry/secret/key")];

    // The CA is private: without --ca-cert the certificate is not trusted.
    let line = one_error_line(&backfill(&repo, &url, &ledger, &["--aws-sigv4", "--target-region", "eu-west-1"], &creds));
    assert!(line.contains("TLS handshake with localhost") && line.contains("--ca-cert"), "{line}");
    // A wrong secret: AWS's signature mismatch message.
    let bad = [("AWS_ACCESS_KEY_ID", "AKIDFERRYTEST"), ("AWS_SECRET_ACCESS_KEY", "not-the-key")];
    let line = one_error_line(&backfill(&repo, &url, &ledger, &["--aws-sigv4", "--target-region", "eu-west-1", "--ca-cert", ca.to_str().unwrap()], &bad));
    assert!(line.contains("403") && line.contains("signature") && !line.contains("not-the-key"), "{line}");
    let summary = json_ok(&backfill(&repo, &url, &ledger, &["--aws-sigv4", "--target-region", "eu-west-1", "--ca-cert", ca.to_str().unwrap()], &creds));
    assert_eq!(summary["docs_sent"], 21);
    assert_eq!(sample_held(&emu), sample_expected());
    // Credentials from a named profile of the shared credentials file; the region from AWS_REGION.
    let shared = dir.path().join("credentials");
    std::fs::write(&shared, "[default]\naws_access_key_id = AKIDWRONG\naws_secret_access_key = wrong\n\n[migration]\naws_access_key_id = AKIDFERRYTEST\naws_secret_access_key = ferry/secret/key\n").unwrap();
    let profile = [("AWS_SHARED_CREDENTIALS_FILE", shared.to_str().unwrap()), ("AWS_PROFILE", "migration"), ("AWS_REGION", "eu-west-1")];
    let ledger2 = dir.path().join("ledger2.sqlite");
    let summary = json_ok(&backfill(&repo, &url, ledger2.to_str().unwrap(), &["--aws-sigv4", "--ca-cert", ca.to_str().unwrap()], &profile));
    assert_eq!(summary["docs_sent"], 21);
}

/// Where processes of one backfill keep their shared ledger.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// A SQLite file.
    Local,
    /// An index on the target cluster (`--coordinator target`).
    Coordinator,
}

impl Mode {
    fn args(self, ledger: &str) -> Vec<String> {
        match self {
            Mode::Local => vec!["--ledger".into(), ledger.into()],
            Mode::Coordinator => vec!["--coordinator".into(), "target".into()],
        }
    }
}

fn status(mode: Mode, ledger: &str, url: &str) -> Value {
    let mut args: Vec<String> = ["backfill", "status", "-o", "json"].iter().map(|s| s.to_string()).collect();
    match mode {
        Mode::Local => args.extend(["--ledger".into(), ledger.into()]),
        Mode::Coordinator => args.extend([sample_repo().display().to_string(), "--target".into(), url.into(), "--coordinator".into(), "target".into()]),
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    json_ok(&ferry(&args, &[]))
}

/// Run `ferry backfill` on the sample repository in the background with `extra` flags.
fn spawn_backfill(url: &str, mode: Mode, ledger: &str, extra: &[&str]) -> std::process::Child {
    let repo = sample_repo();
    let mut args: Vec<String> = vec!["backfill".into(), repo.display().to_string(), "--target".into(), url.into(), "-o".into(), "json".into(), "-q".into()];
    args.extend(mode.args(ledger));
    args.extend(["--dead-letter".into(), format!("{ledger}.dead-letter.ndjson")]);
    args.extend(extra.iter().map(|s| s.to_string()));
    Command::new(env!("CARGO_BIN_EXE_ferry")).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Two workers share a ledger; one is killed with SIGKILL in the middle of a shard and started
/// again. Everything arrives exactly, and the shard it held is resent only from its checkpoint.
fn killed_worker_resumes_from_its_checkpoint(mode: Mode) {
    let expected = sample_expected();
    let mut config = Config::new(Personality::Es7_17);
    // Slow enough that a shard (7 documents, one per request) takes ~2 s. Leases of 10 s: a
    // loaded machine (parallel tests) must not let a live worker's lease lapse between renewals.
    config.faults.delay = Duration::from_millis(300);
    let emu = Emulator::start(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_in(&dir);
    let url = emu.url();
    let flags = |id: &'static str| ["--workers", "1", "--connections", "1", "--batch-docs", "1", "--lease-seconds", "10", "--checkpoint-seconds", "1", "--worker-id", id];
    let mut a = spawn_backfill(&url, mode, &ledger, &flags("A"));
    let b = spawn_backfill(&url, mode, &ledger, &flags("B"));
    // Wait until A has checkpointed part of its shard, then kill it.
    let started = Instant::now();
    let held = loop {
        assert!(started.elapsed() < Duration::from_secs(20), "A never checkpointed");
        std::thread::sleep(Duration::from_millis(100));
        let st = status(mode, &ledger, &url);
        let a_shard = st["shards"].as_array().unwrap().iter().find(|s| s["holder"].as_str().is_some_and(|h| h.starts_with("A/")) && s["docs"].as_u64() > Some(0) && s["state"] == "in progress").cloned();
        if let Some(s) = a_shard {
            break s["shard"].as_str().unwrap().to_owned();
        }
    };
    a.kill().unwrap(); // SIGKILL
    a.wait().unwrap();
    let st = status(mode, &ledger, &url);
    let at_kill = st["shards"].as_array().unwrap().iter().find(|s| s["shard"] == held.as_str()).unwrap().clone();
    let checkpoint_docs = at_kill["docs"].as_u64().unwrap();
    assert!(checkpoint_docs > 0 && checkpoint_docs < 7, "{at_kill}");
    let a2 = spawn_backfill(&url, mode, &ledger, &flags("A2"));
    let (b, a2) = (b.wait_with_output().unwrap(), a2.wait_with_output().unwrap());
    let (sb, sa2) = (json_ok(&b), json_ok(&a2));
    assert_eq!(sample_held(&emu), expected, "{mode:?}: nothing lost, nothing extra");
    // B sent its own shards whole; the survivors together sent everything but what A had
    // checkpointed — the resumed shard restarted exactly after its checkpoint.
    let sent = sb["docs_sent"].as_u64().unwrap() + sa2["docs_sent"].as_u64().unwrap();
    assert_eq!(sent, 21 - checkpoint_docs, "{mode:?}\nB: {sb}\nA2: {sa2}");
    let st = status(mode, &ledger, &url);
    assert_eq!((st["shards_done"].as_u64(), st["docs"].as_u64()), (Some(3), Some(21)), "{st}");
    let resumed = st["shards"].as_array().unwrap().iter().find(|s| s["shard"] == held.as_str()).unwrap().clone();
    assert_eq!(resumed["attempts"], 2, "{resumed}");
}

#[test]
fn a_killed_worker_resumes_from_its_checkpoint_local_ledger() {
    killed_worker_resumes_from_its_checkpoint(Mode::Local);
}

#[test]
fn a_killed_worker_resumes_from_its_checkpoint_coordinator_ledger() {
    killed_worker_resumes_from_its_checkpoint(Mode::Coordinator);
}

/// Four processes with two workers each share one ledger: every shard is claimed once (no
/// crash, so no second attempt) and every document is sent exactly once overall.
fn four_processes_share_one_ledger(mode: Mode, p: Personality) {
    let mut config = Config::new(p);
    config.faults.delay = Duration::from_millis(20);
    let emu = Emulator::start(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_in(&dir);
    let url = emu.url();
    let ids = ["p0", "p1", "p2", "p3"];
    let children: Vec<_> = ids.iter().map(|id| spawn_backfill(&url, mode, &ledger, &["--workers", "2", "--batch-docs", "2", "--worker-id", id])).collect();
    let mut sent = 0;
    for c in children {
        let s = json_ok(&c.wait_with_output().unwrap());
        sent += s["docs_sent"].as_u64().unwrap();
    }
    assert_eq!(sent, 21, "{mode:?}: each document sent once");
    assert_eq!(sample_held(&emu), sample_expected());
    let st = status(mode, &ledger, &url);
    for s in st["shards"].as_array().unwrap() {
        assert_eq!((s["state"].as_str(), s["attempts"].as_i64()), (Some("done"), Some(1)), "{mode:?}: {s}");
    }
}

#[test]
fn four_processes_share_a_local_ledger() {
    four_processes_share_one_ledger(Mode::Local, Personality::Os3);
}

#[test]
fn four_processes_share_a_coordinator_ledger() {
    four_processes_share_one_ledger(Mode::Coordinator, Personality::Es6_8);
}

/// The 5.6 fixture's index holds two mapping types; `--type-mapping` sends one of them to its
/// own index, the other stays.
#[test]
fn type_mapping_splits_a_multi_type_index() {
    let repo = testkit::fixture_repos().into_iter().find(|r| r.ends_with("ES_5_6_Updates_Deletes")).unwrap();
    let fx = fixture(&repo);
    let emu = Emulator::start(Config::new(Personality::Es7_10)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = json_ok(&backfill(&repo, &emu.url(), &ledger_in(&dir), &["--type-mapping", "type2={index}-type2"], &[]));
    let mut want: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for ((index, id), (t, _, source)) in &fx.docs {
        let target = if t.as_deref() == Some("type2") { format!("{index}-type2") } else { index.clone() };
        want.entry(target).or_default().insert(id.clone(), source.clone());
    }
    assert_eq!(want.len(), 2, "the fixture has documents of both types");
    for (index, docs) in &want {
        let got: BTreeMap<String, Value> = emu.documents(index).into_iter().map(|d| (d.id, d.source)).collect();
        assert_eq!(&got, docs, "{index}");
    }
    let targets: Vec<&str> = summary["indices"].as_array().unwrap().iter().map(|i| i["target"].as_str().unwrap()).collect();
    assert_eq!(targets, ["test_updates_deletes-type2", "test_updates_deletes"]);
}

#[test]
fn usage_errors_exit_2_before_any_network_call() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger_in(&dir);
    let repo = sample_repo();
    // Port 1: nothing listens; a usage error must come first anyway.
    for (args, says) in [
        (&["--type-mapping", "type1"][..], "--type-mapping `type1` is not TYPE=INDEX"),
        (&["--rename-pattern", "(", "--rename-replacement", "x"][..], "--rename-pattern `(`: unclosed group"),
    ] {
        let out = backfill(&repo, "http://127.0.0.1:1", &ledger, args, &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert_eq!(stderr(&out).trim_end(), format!("ferry: error: {says}"));
    }
    let out = backfill(&repo, "ftp://127.0.0.1:1", &ledger, &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the scheme must be http or https"), "{}", stderr(&out));
}
