//! The `ferry-emulator` binary: one "listening on" line, then it serves until killed.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_prints_url_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferry-emulator"))
        .args(["--personality", "es-6.8", "--port", "0", "--store", "count-only", "--user", "u", "--password", "p", "--reject-429", "0.5", "--seed", "7"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ferry-emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").expect("listening line").to_string();
    let port: u16 = url.strip_prefix("http://127.0.0.1:").unwrap().parse().unwrap();

    let r = common::get(port, "/");
    assert_eq!(r.status, 401, "basic auth configured");
    let auth = "Basic dTpw"; // u:p
    let r = common::req(port, "GET", "/", &[("authorization", auth)], b"");
    assert_eq!(r.json()["version"]["number"], serde_json::json!("6.8.23"));
    let body: String = (0..200).map(|i| format!("{{\"index\":{{\"_index\":\"b\",\"_type\":\"_doc\",\"_id\":\"{i}\"}}}}\nnot-json\n")).collect();
    let r = common::req(port, "POST", "/_bulk", &[("authorization", auth), ("content-type", "application/x-ndjson")], body.as_bytes());
    assert_eq!(r.status, 200);
    let stats = common::get(port, "/_emulator/stats").json();
    let rejected = stats["items_rejected_429"].as_u64().unwrap();
    assert!((60..=140).contains(&rejected), "{rejected}");
    assert_eq!(stats["items_applied"].as_u64().unwrap(), 200 - rejected);

    child.kill().unwrap();
    child.wait().unwrap();
}
