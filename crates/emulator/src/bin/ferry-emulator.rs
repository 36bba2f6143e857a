//! `ferry-emulator`: run one Elasticsearch/OpenSearch emulator for benchmarks and manual tests.
//!
//! Prints exactly one line, `listening on http://127.0.0.1:PORT`, then serves until killed.
//! Control endpoints: `GET /_emulator/stats`, `GET /_emulator/docs/{index}` (NDJSON),
//! `GET|POST /_emulator/faults` (`{"item_429_fraction":…, "request_503_fraction":…,
//! "drop_connection_fraction":…, "delay_ms":…}`).

use std::io::Write;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use emulator::{Auth, Config, Emulator, Faults, Personality, Store};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum StoreArg {
    /// Parse and keep every document.
    Full,
    /// Benchmark mode: only action lines are parsed, sources are skipped.
    CountOnly,
}

#[derive(Parser, Debug)]
#[command(name = "ferry-emulator", version, about = "Elasticsearch/OpenSearch REST emulator for ferry's tests and benchmarks")]
struct Args {
    /// es-5.6, es-6.8, es-7.10, es-7.17, es-8, es-9, os-1.3, os-2 or os-3.
    #[arg(long, default_value = "es-7.10")]
    personality: Personality,
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    #[arg(long, value_enum, default_value = "full")]
    store: StoreArg,
    /// Require HTTP Basic auth with this user (needs --password).
    #[arg(long, requires = "password")]
    user: Option<String>,
    #[arg(long, requires = "user")]
    password: Option<String>,
    /// Fraction of bulk items rejected with a per-item 429.
    #[arg(long = "reject-429", default_value_t = 0.0)]
    reject_429: f64,
    /// Fraction of _bulk requests answered with a whole-request 503.
    #[arg(long = "fail-503", default_value_t = 0.0)]
    fail_503: f64,
    /// Fraction of _bulk requests whose connection is dropped mid-response (items applied).
    #[arg(long, default_value_t = 0.0)]
    drop: f64,
    /// Delay added before answering each _bulk, in milliseconds.
    #[arg(long = "delay-ms", default_value_t = 0)]
    delay_ms: u64,
    /// Seed for fault sampling and generated ids.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// `path.repo`: folders `fs` snapshot repositories may live in (repeatable).
    #[arg(long = "path-repo")]
    path_repo: Vec<std::path::PathBuf>,
}

fn fraction(name: &str, v: f64) -> f64 {
    if !(0.0..=1.0).contains(&v) {
        eprintln!("ferry-emulator: --{name} must be between 0 and 1, got {v}");
        std::process::exit(2);
    }
    v
}

fn main() {
    let args = Args::parse();
    let mut config = Config::new(args.personality);
    config.port = args.port;
    config.seed = args.seed;
    config.path_repo = args.path_repo;
    config.store = match args.store {
        StoreArg::Full => Store::Full,
        StoreArg::CountOnly => Store::CountOnly,
    };
    if let (Some(user), Some(password)) = (args.user, args.password) {
        config.auth = Auth::Basic { user, password };
    }
    config.faults = Faults {
        item_429_fraction: fraction("reject-429", args.reject_429),
        request_503_fraction: fraction("fail-503", args.fail_503),
        drop_connection_fraction: fraction("drop", args.drop),
        delay: Duration::from_millis(args.delay_ms),
    };
    let emulator = match Emulator::start(config) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("ferry-emulator: cannot start: {e}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", emulator.url());
    let _ = out.flush();
    drop(out);
    loop {
        std::thread::park();
    }
}
