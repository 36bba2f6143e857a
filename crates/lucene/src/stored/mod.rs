//! Stored fields (`.fdt`, with `.fdm` for the chunk size in Lucene 8.6+): documents packed into
//! compressed chunks. A full scan walks the chunks in order and never needs the `.fdx` index.
//!
//! One reader decodes every version: the chunk framing comes in two families (Lucene 5.0–8.x,
//! big-endian with packed ints; Lucene 9+, little-endian with `StoredFieldsInts`), and the
//! compression is picked by the `.fdt` format name, never by guessing from bytes.

mod compression;
mod doc;
mod ints;
pub mod lz4;
mod window;

use std::sync::Arc;

pub use compression::Compression;
pub use doc::{Field, FieldIter, StoredDoc, Value};

use crate::codec::{self, ID_LEN};
use crate::directory::{self, Directory, FileSource};
use crate::error::{Error, Result};
use crate::input::{Endian, Input};
use crate::live_docs::Bits;
use window::Window;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// `CompressingStoredFieldsReader` (Lucene 5.0–8.x).
    Legacy { version: i32, packed_ints_version: u32 },
    /// `Lucene90CompressingStoredFieldsReader` (Lucene 9+, and ES/OpenSearch zstd formats built on it).
    Lucene90 { version: i32 },
}

#[derive(Debug)]
pub struct StoredFieldsReader {
    fdt: Arc<dyn FileSource>,
    family: Family,
    compression: Compression,
    /// Uncompressed bytes per slice of a sliced chunk.
    chunk_size: u32,
    max_doc: u32,
    /// Where the first chunk starts.
    data_start: u64,
}

/// What one scan read.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScanStats {
    pub chunks: u64,
    /// Documents passed to the visitor.
    pub docs: u64,
    /// Compressed bytes read from `.fdt`.
    pub compressed_bytes: u64,
    /// Bytes after decompression.
    pub decompressed_bytes: u64,
}

/// Scratch bytes after a chunk's data, for the LZ4 decoder's 16-byte copies.
const SLACK: usize = 64;

const LEGACY_VERSIONS: std::ops::RangeInclusive<i32> = 0..=4;
const LUCENE90_VERSIONS: std::ops::RangeInclusive<i32> = 0..=1;

impl StoredFieldsReader {
    pub fn open(dir: &dyn Directory, segment: &str, id: &[u8; ID_LEN], max_doc: u32) -> Result<Self> {
        let fdt = dir.open(&format!("{segment}.fdt"))?;
        let head = read_head(fdt.as_ref())?;
        let file = fdt.name().to_owned();
        let mut input = Input::new(&head, &file, Endian::Big);
        let header = codec::read_index_header(&mut input)?;
        let (compression, lucene90) = Compression::from_format(&header.codec).ok_or_else(|| Error::unsupported(&file, format!("stored fields format `{}`", header.codec)))?;
        let versions = if lucene90 { LUCENE90_VERSIONS } else { LEGACY_VERSIONS };
        header.expect(&file, &[header.codec.as_str()], versions, Some(id), Some(""))?;
        let version = header.version;
        let (family, chunk_size) = if lucene90 || version >= 3 {
            // Lucene 8.6+ moved the chunk size (and packed-ints version) into `.fdm`.
            let (meta_file, bytes, pos) = meta_bytes(dir, segment, id)?;
            let mut meta = Input::new(&bytes, &meta_file, Endian::Big);
            meta.seek(pos)?;
            let chunk_size = meta.vint()?;
            if lucene90 {
                (Family::Lucene90 { version }, chunk_size)
            } else {
                (Family::Legacy { version, packed_ints_version: meta.vint()? }, chunk_size)
            }
        } else {
            let chunk_size = input.vint()?;
            let piv = input.vint()?;
            (Family::Legacy { version, packed_ints_version: piv }, chunk_size)
        };
        if let Family::Legacy { packed_ints_version, .. } = family {
            if packed_ints_version > 2 {
                return Err(Error::unsupported(&file, format!("packed ints version {packed_ints_version}")));
            }
        }
        codec::footer_checksum_of(fdt.as_ref())?;
        Ok(StoredFieldsReader { data_start: input.pos() as u64, fdt, family, compression, chunk_size, max_doc })
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }

    pub fn file_len(&self) -> u64 {
        self.fdt.len()
    }

    /// Visit every document from `from_doc` on that `live` allows (all when `None`), in doc-id order.
    /// The whole `.fdt` is read sequentially and its CRC-32 checked at the end, so a damaged file
    /// is reported even when every chunk happened to decode.
    pub fn scan<F>(&self, from_doc: u32, live: Option<&Bits>, mut visit: F) -> Result<ScanStats>
    where
        F: FnMut(u32, StoredDoc<'_>) -> Result<()>,
    {
        let file = self.fdt.name().to_owned();
        let endian = match self.family {
            Family::Legacy { .. } => Endian::Big,
            Family::Lucene90 { .. } => Endian::Little,
        };
        let mut window = Window::new(self.fdt.clone(), self.data_start)?;
        let mut stats = ScanStats::default();
        let mut num_fields: Vec<u32> = Vec::new();
        let mut lengths: Vec<u32> = Vec::new();
        let mut offsets: Vec<usize> = Vec::new();
        let mut data: Vec<u8> = Vec::new();
        let mut decoder = compression::Decoder::new(self.compression);
        let mut next_doc = 0u32;
        while next_doc < self.max_doc {
            let chunk_start = window.position();
            // docBase and token: at most two 5-byte VInts.
            window.ensure(10)?;
            let (doc_base, token, used) = {
                let mut input = Input::new(window.available(), &file, endian);
                (input.vint()?, input.vint()?, input.pos())
            };
            if doc_base != next_doc {
                return Err(Error::corrupt(&file, format!("chunk at offset {chunk_start} starts at document {doc_base}, expected {next_doc}")));
            }
            let shift = match self.family {
                Family::Legacy { version, .. } if version < 4 => 1,
                _ => 2,
            };
            let num_docs = token >> shift;
            let sliced = token & 1 != 0;
            if num_docs == 0 || u64::from(doc_base) + u64::from(num_docs) > u64::from(self.max_doc) {
                return Err(Error::corrupt(&file, format!("chunk at offset {chunk_start} holds {num_docs} documents from {doc_base}; the segment has {}", self.max_doc)));
            }
            // Counts and lengths: at most 4 bytes per value each, plus their headers.
            window.ensure(used + 32 + num_docs as usize * 8)?;
            let header_len;
            {
                let mut input = Input::new(window.available(), &file, endian);
                input.seek(used)?;
                if num_docs == 1 {
                    num_fields.clear();
                    num_fields.push(input.vint()?);
                    lengths.clear();
                    lengths.push(input.vint()?);
                } else {
                    match self.family {
                        Family::Legacy { packed_ints_version, .. } => {
                            ints::read_packed(&mut input, num_docs as usize, packed_ints_version, &mut num_fields)?;
                            ints::read_packed(&mut input, num_docs as usize, packed_ints_version, &mut lengths)?;
                        }
                        Family::Lucene90 { .. } => {
                            ints::read_stored_fields_ints(&mut input, num_docs as usize, &mut num_fields)?;
                            ints::read_stored_fields_ints(&mut input, num_docs as usize, &mut lengths)?;
                        }
                    }
                }
                header_len = input.pos();
            }
            offsets.clear();
            offsets.push(0);
            let mut total = 0usize;
            for &l in &lengths {
                total = total.checked_add(l as usize).filter(|&t| t <= i32::MAX as usize).ok_or_else(|| Error::corrupt(&file, format!("chunk at offset {chunk_start} is larger than 2 GiB")))?;
                offsets.push(total);
            }
            window.advance(header_len);
            if sliced && self.chunk_size == 0 {
                return Err(Error::corrupt(&file, "sliced chunk with a chunk size of 0"));
            }
            let pieces = pieces(total, if sliced { self.chunk_size as usize } else { total });
            // No compressed length is stored; every supported codec expands by well under 1/64.
            window.ensure(total + total / 64 + pieces.len() * 1024 + 4096)?;
            // A chunk wholly before `from_doc` is passed over by its stored lengths when the mode
            // has them (everything but plain LZ4), without decompressing.
            if doc_base + num_docs <= from_doc {
                let input = window.available();
                let mut used = Some(0usize);
                for &(start, end) in &pieces {
                    let Some(u) = used else { break };
                    used = decoder
                        .skip(&input[u..], end - start)
                        .map_err(|detail| Error::corrupt(&file, format!("chunk at offset {chunk_start}: {detail}")))?
                        .map(|n| u + n);
                }
                if let Some(consumed) = used {
                    window.advance(consumed);
                    stats.chunks += 1;
                    stats.compressed_bytes += window.position() - chunk_start;
                    next_doc = doc_base + num_docs;
                    continue;
                }
            }
            data.clear();
            data.resize(total + SLACK, 0);
            let input = window.available();
            let mut consumed = 0usize;
            for &(start, end) in &pieces {
                consumed += decoder
                    .decompress_into(&input[consumed..], &mut data[start..], end - start)
                    .map_err(|detail| Error::corrupt(&file, format!("chunk at offset {chunk_start} (documents {doc_base}–{}): {detail}", doc_base + num_docs - 1)))?;
            }
            window.advance(consumed);
            stats.chunks += 1;
            stats.compressed_bytes += window.position() - chunk_start;
            stats.decompressed_bytes += total as u64;
            for i in 0..num_docs as usize {
                let doc = doc_base + i as u32;
                if doc < from_doc || live.is_some_and(|l| !l.get(doc)) {
                    continue;
                }
                let body = &data[offsets[i]..offsets[i + 1]];
                stats.docs += 1;
                visit(doc, StoredDoc::new(body, num_fields[i], endian, &file, doc).at(window.position()))?;
            }
            next_doc = doc_base + num_docs;
        }
        window.finish()?;
        Ok(stats)
    }
}

/// The uncompressed ranges of a chunk's independently compressed pieces: `piece_len`-byte slices
/// of a sliced chunk, else the whole chunk. Always at least one, even for an empty chunk (whose
/// compressor still wrote a frame).
fn pieces(total: usize, piece_len: usize) -> Vec<(usize, usize)> {
    let step = piece_len.max(1);
    let mut out: Vec<(usize, usize)> = (0..total).step_by(step).map(|start| (start, (start + step).min(total))).collect();
    if out.is_empty() {
        out.push((0, 0));
    }
    out
}

/// The first bytes of a file: enough for any header plus two VInts.
fn read_head(source: &dyn FileSource) -> Result<Vec<u8>> {
    let n = source.len().min(512);
    directory::read_range(source, 0, n)
}

/// `.fdm`: (file name, bytes, position after the header). Small; its checksum is verified.
fn meta_bytes(dir: &dyn Directory, segment: &str, id: &[u8; ID_LEN]) -> Result<(String, Vec<u8>, usize)> {
    let fdm = dir.open(&format!("{segment}.fdm"))?;
    let bytes = directory::read_all(fdm.as_ref())?;
    let file = fdm.name().to_owned();
    codec::verify_checksum(&bytes, &file)?;
    let mut input = Input::new(&bytes, &file, Endian::Big);
    let header = codec::read_index_header(&mut input)?;
    if !header.codec.ends_with("Meta") {
        return Err(Error::corrupt(&file, format!("format `{}`, expected a stored-fields index meta format", header.codec)));
    }
    header.expect(&file, &[header.codec.as_str()], 0..=4, Some(id), Some(""))?;
    let pos = input.pos();
    Ok((file, bytes, pos))
}
