//! Fault injection on `_bulk`, "die and restart", and count-only mode.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{bulk, compact, connect, exchange, get, req};
use emulator::{Config, Emulator, Faults, Personality, Store};
use serde_json::json;

fn thousand_items(index: &str) -> String {
    (0..1000).map(|i| format!("{{\"index\":{{\"_index\":\"{index}\",\"_id\":\"{i}\"}}}}\n{{\"n\":{i}}}\n")).collect()
}

fn rejected_ids(emu: &Emulator) -> BTreeSet<String> {
    let r = bulk(emu.port(), "/_bulk", &thousand_items("q"));
    let v = r.json();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["index"]["status"] == json!(429))
        .map(|i| i["index"]["_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn item_429_fraction_is_close_and_seeded() {
    let mut c = Config::new(Personality::Es7_10);
    c.faults = Faults { item_429_fraction: 0.1, ..Faults::default() };
    c.seed = 42;
    let a = Emulator::start(c.clone()).unwrap();
    let b = Emulator::start(c.clone()).unwrap();
    let ra = rejected_ids(&a);
    let rb = rejected_ids(&b);
    assert!((60..=140).contains(&ra.len()), "{} rejections", ra.len());
    assert_eq!(ra, rb, "same seed, same rejections");
    c.seed = 43;
    assert_ne!(rejected_ids(&Emulator::start(c).unwrap()), ra, "another seed differs");
    assert_eq!(a.documents("q").len(), 1000 - ra.len(), "rejected items are not applied");
    let s = a.stats();
    assert_eq!((s.bulk_items, s.items_rejected_429, s.items_applied), (1000, ra.len() as u64, 1000 - ra.len() as u64));

    // Shape of a rejected item (facts §2.3(1)): ES keeps the `es_` prefix, OpenSearch does not.
    a.set_faults(Faults { item_429_fraction: 1.0, ..Faults::default() });
    let v = bulk(a.port(), "/_bulk", "{\"index\":{\"_index\":\"q\",\"_id\":\"x\"}}\n{}\n").json();
    assert_eq!(v["errors"], json!(true));
    let item = &v["items"][0]["index"];
    let keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["_index", "_type", "_id", "status", "error"]);
    assert_eq!(item["error"]["type"], json!("es_rejected_execution_exception"));
    assert!(item["error"]["reason"].as_str().unwrap().starts_with("rejected execution of primary operation [coordinating_and_primary_bytes="));
    let mut c = Config::new(Personality::Os2);
    c.faults.item_429_fraction = 1.0;
    let os = Emulator::start(c).unwrap();
    let v = bulk(os.port(), "/_bulk", "{\"index\":{\"_index\":\"q\",\"_id\":\"x\"}}\n{}\n").json();
    assert_eq!(v["items"][0]["index"]["error"]["type"], json!("rejected_execution_exception"));
    assert!(os.documents("q").is_empty());
}

#[test]
fn whole_request_503() {
    let mut c = Config::new(Personality::Es7_17);
    c.faults.request_503_fraction = 1.0;
    let emu = Emulator::start(c).unwrap();
    let r = bulk(emu.port(), "/_bulk", "{\"index\":{\"_index\":\"q\",\"_id\":\"x\"}}\n{}\n");
    assert_eq!(r.status, 503);
    assert_eq!(
        r.compact(),
        compact(r#"{"error":{"root_cause":[{"type":"cluster_block_exception","reason":"blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];"}],"type":"cluster_block_exception","reason":"blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];"},"status":503}"#)
    );
    assert!(emu.indices().is_empty(), "nothing applied");
    assert_eq!(emu.stats().responses_503, 1);
    // Other APIs are unaffected.
    assert_eq!(get(emu.port(), "/").status, 200);
    emu.set_faults(Faults::default());
    assert_eq!(bulk(emu.port(), "/_bulk", "{\"index\":{\"_index\":\"q\",\"_id\":\"x\"}}\n{}\n").status, 200);
}

#[test]
fn dropped_connection_mid_response() {
    let mut c = Config::new(Personality::Es8);
    c.faults.drop_connection_fraction = 1.0;
    let emu = Emulator::start(c).unwrap();
    let mut s = connect(emu.port());
    let body = thousand_items("d");
    let r = exchange(&mut s, "POST", "/_bulk", &[("content-type", "application/x-ndjson")], body.as_bytes()).unwrap();
    assert_eq!(r.status, 200);
    assert!(r.truncated, "the client sees a short body");
    let declared: usize = r.header("content-length").unwrap().parse().unwrap();
    assert!(!r.body.is_empty() && r.body.len() < declared, "{} of {declared} bytes", r.body.len());
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    // The socket is closed.
    let mut rest = Vec::new();
    assert_eq!(s.read_to_end(&mut rest).unwrap_or(0), 0);
    // …but the items were applied.
    assert_eq!(emu.documents("d").len(), 1000);
    assert_eq!(emu.stats().connections_dropped, 1);
}

#[test]
fn delay_before_bulk() {
    let mut c = Config::new(Personality::Es7_10);
    c.faults.delay = Duration::from_millis(300);
    let emu = Emulator::start(c).unwrap();
    let t = Instant::now();
    assert_eq!(bulk(emu.port(), "/_bulk", "{\"index\":{\"_index\":\"q\"}}\n{}\n").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    get(emu.port(), "/");
    assert!(t.elapsed() < Duration::from_millis(300), "only _bulk is delayed");
}

#[test]
fn faults_via_control_endpoint() {
    let emu = Emulator::start(Config::new(Personality::Os3)).unwrap();
    let r = req(emu.port(), "POST", "/_emulator/faults", &[("content-type", "application/json")], br#"{"request_503_fraction":1,"delay_ms":5}"#);
    assert_eq!(r.status, 200);
    assert_eq!(bulk(emu.port(), "/_bulk", "{\"index\":{\"_index\":\"q\"}}\n{}\n").status, 503);
    assert_eq!(get(emu.port(), "/_emulator/faults").json()["request_503_fraction"], json!(1.0));
    assert_eq!(req(emu.port(), "POST", "/_emulator/faults", &[], br#"{"bogus":1}"#).status, 400);
}

#[test]
fn restart_closes_everything_and_keeps_state() {
    let emu = Emulator::start(Config::new(Personality::Es7_10)).unwrap();
    let port = emu.port();
    bulk(port, "/_bulk?refresh=true", "{\"index\":{\"_index\":\"keep\",\"_id\":\"1\"}}\n{\"a\":1}\n");
    // A keep-alive connection that is idle when the node dies.
    let mut idle = connect(port);
    assert_eq!(exchange(&mut idle, "GET", "/", &[], b"").unwrap().status, 200);

    let t = Instant::now();
    emu.restart(Duration::from_millis(1500));
    assert!(t.elapsed() < Duration::from_millis(1000), "restart does not wait for the re-bind");
    let refused = TcpStream::connect(("127.0.0.1", port));
    assert!(refused.is_err(), "connection refused while down");
    let mut buf = [0u8; 16];
    assert_eq!(idle.read(&mut buf).unwrap_or(0), 0, "open connections are closed");

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "listener never came back");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(t.elapsed() >= Duration::from_millis(1400));
    assert_eq!(get(port, "/keep/_count").json()["count"], json!(1), "state kept");
    assert_eq!(emu.port(), port);
    // And again, back to back.
    emu.restart(Duration::from_millis(100));
    emu.restart(Duration::from_millis(100));
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "listener never came back");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(get(port, "/").status, 200);
}

#[test]
fn count_only_mode() {
    let mut c = Config::new(Personality::Es7_10);
    c.store = Store::CountOnly;
    let emu = Emulator::start(c).unwrap();
    // Sources are never parsed: even garbage is accepted.
    let mut body = String::new();
    for i in 0..2000 {
        body.push_str(&format!("{{\"index\":{{\"_index\":\"c\",\"_id\":\"{i}\",\"routing\":\"r{}\"}}}}\n", i % 7));
        body.push_str(if i % 2 == 0 { "{\"x\":1}\n" } else { "not json at all\n" });
    }
    body.push_str("{\"delete\":{\"_index\":\"c\",\"_id\":\"0\"}}\n{\"create\":{\"_index\":\"c\",\"_id\":\"1\"}}\n{}\n");
    let r = bulk(emu.port(), "/_bulk?filter_path=errors,items.*.error", &body);
    let v = r.json();
    assert_eq!(v["errors"], json!(true), "the duplicate create conflicts");
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(get(emu.port(), "/c/_count").json()["count"], json!(0));
    req(emu.port(), "POST", "/_refresh", &[], b"");
    assert_eq!(get(emu.port(), "/c/_count").json()["count"], json!(1999));
    let docs = emu.documents("c");
    assert_eq!(docs.len(), 1999);
    assert!(docs.iter().all(|d| d.source.is_null()));
    assert_eq!(docs.iter().find(|d| d.id == "8").unwrap().routing.as_deref(), Some("r1"));
    assert_eq!(emu.indices()[0].docs, 1999);
    let s = emu.stats();
    assert_eq!((s.bulk_items, s.items_applied), (2002, 2001), "all but the conflicting create");
    // Single-document APIs keep sources even in count-only mode (the work ledger needs them).
    common::json_req(emu.port(), "PUT", "/ledger/_doc/1", r#"{"state":"x"}"#);
    assert_eq!(get(emu.port(), "/ledger/_doc/1").json()["_source"], json!({"state":"x"}));
}
