//! Pieces shared by the example packers (`make_sample_repo`, `pack_repo`) that write Lucene
//! files into an Elasticsearch 7.10-layout snapshot repository.
#![allow(dead_code)]

use std::path::Path;

use serde_smile::value::Value as Smile;
use snapshot::framing;

/// The layout imitated: ES 7.10.2.
pub const VERSION_ID: i64 = 7100299;

/// A 22-character URL-safe id derived from `seed` (ES uses random UUIDs of this shape).
pub fn uuid(seed: &[u8]) -> String {
    use base64::Engine;
    let a = crc32fast::hash(seed).to_be_bytes();
    let b = crc32fast::hash(&[seed, b"#1"].concat()).to_be_bytes();
    let c = crc32fast::hash(&[seed, b"#2"].concat()).to_be_bytes();
    let d = crc32fast::hash(&[seed, b"#3"].concat()).to_be_bytes();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([a, b, c, d].concat())
}

/// A Lucene footer checksum (the file's last 8 bytes, big-endian) in base 36, as ES records it.
pub fn base36(mut n: u64) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut s = Vec::new();
    loop {
        s.push(digits[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

/// One Lucene file's entry in a shard snapshot (`BlobStoreIndexShardSnapshot.FileInfo`).
/// `meta_hash`: the content of a virtual file (`.si`, `segments_N`: never uploaded, ES ≥ 7.7).
pub fn file_info(blob: &str, name: &str, length: u64, checksum: &str, written_by: &str, meta_hash: Option<&[u8]>) -> Smile {
    let mut fields = vec![
        ("name", Smile::String(blob.to_owned())),
        ("physical_name", Smile::String(name.to_owned())),
        ("length", Smile::Long(length as i64)),
        ("checksum", Smile::String(checksum.to_owned())),
        ("part_size", Smile::Long(i64::MAX)),
        ("written_by", Smile::String(written_by.to_owned())),
    ];
    if let Some(bytes) = meta_hash {
        fields.push(("meta_hash", Smile::Binary(bytes.to_vec())));
    }
    object(fields)
}

/// An index metadata blob's body (`indices/<id>/meta-*.dat`, before framing).
pub fn index_metadata(index: &str, settings: &serde_json::Value, mapping: &serde_json::Value, aliases: &serde_json::Value, routing_num_shards: u32) -> Vec<u8> {
    // ES stores each mapping as compressed binary XContent.
    let compressed_mapping = Smile::Binary(framing::deflate(serde_json::to_string(mapping).unwrap().as_bytes()));
    let body = object(vec![
        ("version", Smile::Long(5)),
        ("mapping_version", Smile::Long(1)),
        ("settings_version", Smile::Long(1)),
        ("aliases_version", Smile::Long(1)),
        ("routing_num_shards", Smile::Integer(routing_num_shards as i32)),
        ("state", Smile::String("open".into())),
        ("settings", from_json(settings)),
        ("mappings", Smile::Array(vec![compressed_mapping])),
        ("aliases", from_json(aliases)),
    ]);
    smile(&object(vec![(index, body)]))
}

pub fn object(fields: Vec<(&str, Smile)>) -> Smile {
    Smile::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

pub fn from_json(v: &serde_json::Value) -> Smile {
    serde_smile::from_slice(&serde_smile::to_vec(v).unwrap()).unwrap()
}

pub fn smile(v: &Smile) -> Vec<u8> {
    serde_smile::to_vec(v).unwrap()
}

pub fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}
