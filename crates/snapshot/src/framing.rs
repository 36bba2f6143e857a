//! The checksummed blob format Elasticsearch 5+ and OpenSearch use for every metadata blob except
//! the root `index-N` (ES `ChecksumBlobStoreFormat`):
//!
//! ```text
//! header  BE u32 0x3FD76C17 | VInt len + codec name (UTF-8) | BE u32 format version (1)
//! body    [marker] payload
//! footer  BE u32 0xC02893E8 | BE u32 0 (algorithm) | BE u64 CRC-32 of every byte before it
//! ```
//!
//! The codec name says what the blob holds: `snapshot` (root and shard `snap-*.dat`), `metadata`
//! (root `meta-*.dat`), `index-metadata` (index `meta-*.dat`), `snapshots` (shard `index-<gen>`).
//! Compression is announced by a marker at the start of the body, never by repository settings:
//! `DFL\0` = raw DEFLATE (no zlib wrapper), `ZSTD\0` = one zstd frame (OpenSearch ≥ 2.10); no marker
//! = the XContent itself (SMILE, starting `:)\n`).
//!
//! Every check here names what it expected, so a flipped byte anywhere in a blob is reported as a
//! checksum or framing error rather than as a confusing parse failure further on.

use std::io::Read;

pub const CODEC_MAGIC: u32 = 0x3FD7_6C17;
pub const FOOTER_MAGIC: u32 = 0xC028_93E8;
const FOOTER_LEN: usize = 16;
/// ES `ChecksumBlobStoreFormat.VERSION`; the format has never had another version.
const FORMAT_VERSION: u32 = 1;

const DEFLATE_MARKER: &[u8] = b"DFL\0";
const ZSTD_MARKER: &[u8] = b"ZSTD\0";
/// Decompressed metadata over this size is refused: a corrupt length must not exhaust memory.
const MAX_INFLATED: u64 = 2 << 30;

/// Which codec name a blob must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Root and shard `snap-<uuid>.dat`.
    Snapshot,
    /// Root `meta-<uuid>.dat` (global metadata).
    Metadata,
    /// `indices/<id>/meta-<id>.dat`.
    IndexMetadata,
    /// Shard `index-<gen>` (all snapshots of one shard).
    ShardSnapshots,
}

impl Codec {
    pub fn name(self) -> &'static str {
        match self {
            Codec::Snapshot => "snapshot",
            Codec::Metadata => "metadata",
            Codec::IndexMetadata => "index-metadata",
            Codec::ShardSnapshots => "snapshots",
        }
    }
}

/// Why a blob was rejected; the caller adds the blob's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    #[error("too short to be a checksummed blob ({0} bytes; truncated?)")]
    TooShort(usize),
    #[error("bad codec header magic {0:#010x} (expected {CODEC_MAGIC:#010x}); not a checksummed blob or corrupt")]
    HeaderMagic(u32),
    #[error("bad footer magic {0:#010x} (expected {FOOTER_MAGIC:#010x}); blob truncated or corrupt")]
    FooterMagic(u32),
    #[error("unknown checksum algorithm {0} in footer (expected 0); corrupt")]
    FooterAlgorithm(u32),
    #[error("checksum mismatch: footer says {expected:#010x}, content has {actual:#010x}; blob corrupt")]
    Checksum { expected: u64, actual: u32 },
    #[error("codec header is cut short; corrupt")]
    HeaderTruncated,
    #[error("codec name is not UTF-8; corrupt")]
    CodecNameEncoding,
    #[error("unknown codec `{found}` (expected `{expected}`); wrong blob kind or corrupt")]
    CodecName { found: String, expected: &'static str },
    #[error("unsupported blob format version {0} (expected {FORMAT_VERSION})")]
    Version(u32),
    #[error("cannot decompress {algorithm} body: {detail}")]
    Decompress { algorithm: &'static str, detail: String },
}

/// Verify header and footer of `blob`, and return its decompressed body.
pub fn decode(blob: &[u8], codec: Codec) -> Result<Vec<u8>, FramingError> {
    let body = unframe(blob, codec)?;
    decompress(body)
}

/// Verify header and footer; return the (possibly compressed) body slice.
pub fn unframe(blob: &[u8], codec: Codec) -> Result<&[u8], FramingError> {
    // Smallest possible: 4 magic + 1 len + 0 name + 4 version + 16 footer.
    if blob.len() < 9 + FOOTER_LEN {
        return Err(FramingError::TooShort(blob.len()));
    }
    // Check the footer first: it covers every byte, so any corruption is found here, and a
    // truncated blob fails on its footer magic rather than somewhere in the middle.
    let (content, footer) = blob.split_at(blob.len() - FOOTER_LEN);
    let magic = be_u32(&footer[0..4]);
    if magic != FOOTER_MAGIC {
        return Err(FramingError::FooterMagic(magic));
    }
    let algorithm = be_u32(&footer[4..8]);
    if algorithm != 0 {
        return Err(FramingError::FooterAlgorithm(algorithm));
    }
    let expected = u64::from_be_bytes(footer[8..16].try_into().expect("8 bytes"));
    let actual = crc32fast::hash(&blob[..blob.len() - 8]);
    if expected != u64::from(actual) {
        return Err(FramingError::Checksum { expected, actual });
    }

    let magic = be_u32(&content[0..4]);
    if magic != CODEC_MAGIC {
        return Err(FramingError::HeaderMagic(magic));
    }
    let (name_len, vint_len) = read_vint(&content[4..]).ok_or(FramingError::HeaderTruncated)?;
    let name_start = 4 + vint_len;
    let name_end = name_start.checked_add(name_len as usize).ok_or(FramingError::HeaderTruncated)?;
    if name_end + 4 > content.len() {
        return Err(FramingError::HeaderTruncated);
    }
    let name = std::str::from_utf8(&content[name_start..name_end]).map_err(|_| FramingError::CodecNameEncoding)?;
    if name != codec.name() {
        return Err(FramingError::CodecName { found: name.to_string(), expected: codec.name() });
    }
    let version = be_u32(&content[name_end..name_end + 4]);
    if version != FORMAT_VERSION {
        return Err(FramingError::Version(version));
    }
    Ok(&content[name_end + 4..])
}

/// Undo the body compression announced by its marker, if any.
pub fn decompress(body: &[u8]) -> Result<Vec<u8>, FramingError> {
    if let Some(deflated) = body.strip_prefix(DEFLATE_MARKER) {
        inflate_raw(deflated).map_err(|detail| FramingError::Decompress { algorithm: "DEFLATE", detail })
    } else if let Some(frame) = body.strip_prefix(ZSTD_MARKER) {
        let mut out = Vec::new();
        zstd::stream::read::Decoder::new(frame)
            .and_then(|d| d.take(MAX_INFLATED).read_to_end(&mut out))
            .map_err(|e| FramingError::Decompress { algorithm: "zstd", detail: e.to_string() })?;
        Ok(out)
    } else {
        Ok(body.to_vec())
    }
}

/// Whether `bytes` begin with a compression marker (used for compressed mappings too).
pub fn is_compressed(bytes: &[u8]) -> bool {
    bytes.starts_with(DEFLATE_MARKER) || bytes.starts_with(ZSTD_MARKER)
}

fn inflate_raw(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut decoder = flate2::read::DeflateDecoder::new(data).take(MAX_INFLATED);
    decoder.read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

fn be_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes(b[..4].try_into().expect("4 bytes"))
}

/// Lucene VInt: 7 bits per byte, low groups first, high bit = more. Returns (value, bytes used).
fn read_vint(b: &[u8]) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for (i, &byte) in b.iter().take(5).enumerate() {
        value |= u32::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Build a framed blob (the inverse of [`decode`]); used by tests to make synthetic repositories
/// with compressed or multi-part content the fixtures lack.
pub fn encode(codec: Codec, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 32);
    out.extend_from_slice(&CODEC_MAGIC.to_be_bytes());
    let name = codec.name().as_bytes();
    out.push(name.len() as u8); // every codec name is < 128 bytes: a one-byte VInt
    out.extend_from_slice(name);
    out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&FOOTER_MAGIC.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&u64::from(crc).to_be_bytes());
    out
}

/// `DFL\0` + raw DEFLATE of `data`, as ES writes compressed blobs and mappings.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::DeflateEncoder::new(DEFLATE_MARKER.to_vec(), flate2::Compression::default());
    enc.write_all(data).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// `ZSTD\0` + one zstd frame of `data`, as OpenSearch ≥ 2.10 writes with `compression_type: zstd`.
pub fn zstd_compress(data: &[u8]) -> Vec<u8> {
    let mut out = ZSTD_MARKER.to_vec();
    out.extend_from_slice(&zstd::bulk::compress(data, 3).expect("zstd compression of memory cannot fail"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_plain_deflate_zstd() {
        let body = b":)\n\x05payload";
        for framed in [encode(Codec::Snapshot, body), encode(Codec::Snapshot, &deflate(body)), encode(Codec::Snapshot, &zstd_compress(body))] {
            assert_eq!(decode(&framed, Codec::Snapshot).unwrap(), body);
        }
    }

    #[test]
    fn wrong_codec_is_named() {
        let framed = encode(Codec::Metadata, b"x");
        assert_eq!(
            decode(&framed, Codec::Snapshot).unwrap_err(),
            FramingError::CodecName { found: "metadata".into(), expected: "snapshot" }
        );
    }

    #[test]
    fn every_single_byte_flip_is_caught() {
        let framed = encode(Codec::IndexMetadata, &deflate(b"{\"a\":1}"));
        for i in 0..framed.len() {
            for bit in 0..8 {
                let mut b = framed.clone();
                b[i] ^= 1 << bit;
                assert!(decode(&b, Codec::IndexMetadata).is_err(), "flip at {i} bit {bit} went unnoticed");
            }
        }
    }

    #[test]
    fn every_truncation_is_caught() {
        let framed = encode(Codec::ShardSnapshots, b"{\"files\":[]}");
        for len in 0..framed.len() {
            assert!(decode(&framed[..len], Codec::ShardSnapshots).is_err(), "truncation to {len} went unnoticed");
        }
    }

    #[test]
    fn corrupt_deflate_body_with_valid_crc_is_reported() {
        let framed = encode(Codec::Snapshot, b"DFL\0\xff\xff\xff\xff");
        let e = decode(&framed, Codec::Snapshot).unwrap_err();
        assert!(matches!(e, FramingError::Decompress { algorithm: "DEFLATE", .. }), "{e}");
    }
}
