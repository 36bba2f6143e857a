//! Print a checksummed metadata blob as JSON: `cargo run -p snapshot --example dump_blob -- FILE`.
use snapshot::framing::{self, Codec};

fn main() {
    let path = std::env::args().nth(1).expect("usage: dump_blob FILE");
    let bytes = std::fs::read(&path).expect("read");
    for codec in [Codec::Snapshot, Codec::Metadata, Codec::IndexMetadata, Codec::ShardSnapshots] {
        if let Ok(body) = framing::decode(&bytes, codec) {
            let v = snapshot::xcontent::to_json(&body).expect("xcontent");
            println!("{}", serde_json::to_string_pretty(&v).unwrap());
            return;
        }
    }
    eprintln!("{path}: {}", framing::decode(&bytes, Codec::Snapshot).unwrap_err());
}
