//! Count-only throughput check (ignored by default; run in release):
//! `cargo test -p emulator --release --test throughput -- --ignored --nocapture`

mod common;

use std::time::{Duration, Instant};

use emulator::{Config, Emulator, Personality, Store};

fn body(docs: usize, doc_size: usize, offset: usize) -> Vec<u8> {
    let filler = "x".repeat(doc_size - 40);
    let mut out = Vec::with_capacity(docs * (doc_size + 60));
    for i in 0..docs {
        out.extend_from_slice(format!("{{\"index\":{{\"_index\":\"bench\",\"_id\":\"{}\"}}}}\n", offset + i).as_bytes());
        out.extend_from_slice(format!("{{\"n\":{i},\"payload\":\"{filler}\"}}\n").as_bytes());
    }
    out
}

#[test]
#[ignore]
fn count_only_throughput() {
    for filter in ["", "?filter_path=errors,items.*.error"] {
        let mut c = Config::new(Personality::Es7_10);
        c.store = Store::CountOnly;
        let emu = Emulator::start(c).unwrap();
        let port = emu.port();
        let per_body = 10 * 1024 * 1024 / 2450;
        let clients = 4;
        let rounds = 12;
        let bodies: Vec<Vec<u8>> = (0..clients).map(|c| body(per_body, 2400, c * 1_000_000)).collect();
        let t = Instant::now();
        std::thread::scope(|s| {
            for b in &bodies {
                s.spawn(move || {
                    let mut conn = common::connect(port);
                    for _ in 0..rounds {
                        let r = common::exchange(&mut conn, "POST", &format!("/_bulk{filter}"), &[("content-type", "application/x-ndjson")], b)
                            .unwrap();
                        assert_eq!(r.status, 200);
                    }
                });
            }
        });
        let elapsed = t.elapsed();
        let docs = (per_body * clients * rounds) as f64;
        println!(
            "filter [{filter}]: {docs} docs in {elapsed:?} = {:.0} docs/s, {:.0} MiB/s",
            docs / elapsed.as_secs_f64(),
            docs * 2450.0 / elapsed.as_secs_f64() / 1048576.0
        );
        assert!(elapsed < Duration::from_secs(120));
    }
}
