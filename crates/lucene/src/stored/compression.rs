//! The compression modes of stored-field chunks, chosen by the `.fdt` format name.

use flate2::{Decompress, FlushDecompress, Status};

use super::lz4;
use crate::input::{Endian, Input};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Lucene 5.0–8.6 BEST_SPEED: one LZ4 block, no length stored.
    Lz4,
    /// Lucene 5.0–8.6 BEST_COMPRESSION: VInt length + raw DEFLATE.
    Deflate,
    /// Lucene 8.7+ BEST_SPEED: a dictionary and ten LZ4 blocks that may copy from it.
    Lz4WithDict,
    /// Lucene 8.7+ BEST_COMPRESSION: a dictionary and ten DEFLATE blocks using it as preset dictionary.
    DeflateWithDict,
    /// Elasticsearch 8.14+ `Zstd814StoredFieldsFormat`: VInt length + one zstd frame.
    Zstd,
    /// OpenSearch custom-codecs `ZSTD`: a dictionary frame and blocks compressed against it.
    ZstdWithDict,
    /// OpenSearch custom-codecs `ZSTD_NO_DICT`: blocks of independent zstd frames.
    ZstdNoDict,
}

impl Compression {
    /// The mode named by an `.fdt` header, and whether the file uses the Lucene 9 chunk framing.
    pub fn from_format(codec: &str) -> Option<(Compression, bool)> {
        Some(match codec {
            "Lucene50StoredFieldsFastData" => (Compression::Lz4, false),
            "Lucene50StoredFieldsHighData" => (Compression::Deflate, false),
            "Lucene87StoredFieldsFastData" => (Compression::Lz4WithDict, false),
            "Lucene87StoredFieldsHighData" => (Compression::DeflateWithDict, false),
            "Lucene90StoredFieldsFastData" => (Compression::Lz4WithDict, true),
            "Lucene90StoredFieldsHighData" => (Compression::DeflateWithDict, true),
            // Formats built on Lucene90CompressingStoredFieldsFormat write their format name as is.
            "ZstdStoredFields814" => (Compression::Zstd, true),
            "CustomStoredFieldsZstd" => (Compression::ZstdWithDict, true),
            "CustomStoredFieldsZstdNoDict" => (Compression::ZstdNoDict, true),
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Lz4 => "LZ4",
            Compression::Deflate => "DEFLATE",
            Compression::Lz4WithDict => "LZ4 with preset dictionary",
            Compression::DeflateWithDict => "DEFLATE with preset dictionary",
            Compression::Zstd => "zstd",
            Compression::ZstdWithDict => "zstd with dictionary",
            Compression::ZstdNoDict => "zstd without dictionary",
        }
    }
}

/// Decompression state reused across chunks.
pub struct Decoder {
    mode: Compression,
    inflate: Decompress,
    zstd: Option<zstd::bulk::Decompressor<'static>>,
}

impl Decoder {
    pub fn new(mode: Compression) -> Self {
        Decoder { mode, inflate: Decompress::new(false), zstd: None }
    }

    /// Decompress one piece (a chunk, or one slice of a sliced chunk) from the front of `input`
    /// into all of `out`; returns the input bytes used.
    #[cfg(test)]
    pub fn decompress(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, String> {
        let len = out.len();
        self.decompress_into(input, out, len)
    }

    /// Decompress one piece (a chunk, or one slice of a sliced chunk) from the front of `input`
    /// into `padded[..len]`; the rest of `padded` is scratch space. Returns the input bytes used.
    pub fn decompress_into(&mut self, input: &[u8], padded: &mut [u8], len: usize) -> Result<usize, String> {
        match self.mode {
            Compression::Lz4 => lz4::decompress_with_slack(input, padded, len, &[]).map_err(|e| e.to_string()),
            Compression::Deflate => {
                let out = &mut padded[..len];
                let mut i = Input::new(input, "", Endian::Big);
                // Lucene writes nothing but a zero length for empty input.
                let n = i.vint().map_err(|_| "truncated DEFLATE length".to_owned())? as usize;
                let data = i.bytes(n).map_err(|_| format!("DEFLATE data of {n} bytes runs past the end of the file"))?;
                if n == 0 && out.is_empty() {
                    return Ok(i.pos());
                }
                inflate(&mut self.inflate, data, out, None)?;
                Ok(i.pos())
            }
            Compression::Lz4WithDict => {
                let mut i = Input::new(input, "", Endian::Big);
                let (dict_len, block_len, blocks) = dict_layout(&mut i, len)?;
                let mut lengths = Vec::with_capacity(blocks + 1);
                for _ in 0..=blocks {
                    lengths.push(i.vint().map_err(|_| "truncated LZ4 block lengths".to_owned())? as usize);
                }
                let mut pos = i.pos();
                let take = |pos: &mut usize, n: usize| -> Result<&[u8], String> {
                    let s = input.get(*pos..*pos + n).ok_or_else(|| format!("LZ4 block of {n} bytes runs past the end of the file"))?;
                    *pos += n;
                    Ok(s)
                };
                let src = take(&mut pos, lengths[0])?;
                // Scratch writes past each part land on parts decoded later, or on the padding.
                let used = lz4::decompress_with_slack(src, padded, dict_len, &[]).map_err(|e| format!("dictionary: {e}"))?;
                if used != src.len() {
                    return Err(format!("dictionary: {} of {} compressed bytes used", used, src.len()));
                }
                let (dict, rest) = padded.split_at_mut(dict_len);
                let rest_len = len - dict_len;
                for (b, &n) in lengths[1..].iter().enumerate() {
                    let src = take(&mut pos, n)?;
                    let start = b * block_len;
                    let end = (start + block_len).min(rest_len);
                    // Exact compressed and decompressed lengths are known here, which is what
                    // lz4_flex's (faster) decoder needs.
                    let made = lz4_flex::block::decompress_into_with_dict(src, &mut rest[start..end], dict).map_err(|e| format!("block {b}: LZ4: {e}"))?;
                    if made != end - start {
                        return Err(format!("block {b}: LZ4 data holds {made} bytes, expected {}", end - start));
                    }
                }
                Ok(pos)
            }
            Compression::DeflateWithDict => {
                let out = &mut padded[..len];
                let mut i = Input::new(input, "", Endian::Big);
                let (dict_len, block_len, blocks) = dict_layout(&mut i, out.len())?;
                let (dict, rest) = out.split_at_mut(dict_len);
                let n = i.vint().map_err(|_| "truncated dictionary length".to_owned())? as usize;
                let data = i.bytes(n).map_err(|_| format!("dictionary of {n} compressed bytes runs past the end of the file"))?;
                if n == 0 {
                    if dict_len != 0 {
                        return Err(format!("empty dictionary, expected {dict_len} bytes"));
                    }
                } else {
                    inflate(&mut self.inflate, data, dict, None).map_err(|e| format!("dictionary: {e}"))?;
                }
                for b in 0..blocks {
                    let n = i.vint().map_err(|_| "truncated block length".to_owned())? as usize;
                    let data = i.bytes(n).map_err(|_| format!("block {b} of {n} compressed bytes runs past the end of the file"))?;
                    let start = b * block_len;
                    let end = (start + block_len).min(rest.len());
                    inflate(&mut self.inflate, data, &mut rest[start..end], Some(dict)).map_err(|e| format!("block {b}: {e}"))?;
                }
                Ok(i.pos())
            }
            Compression::Zstd => {
                let out = &mut padded[..len];
                // Zstd814 writes nothing at all for an empty chunk.
                if out.is_empty() {
                    return Ok(0);
                }
                let mut i = Input::new(input, "", Endian::Big);
                let n = i.vint().map_err(|_| "truncated zstd length".to_owned())? as usize;
                let data = i.bytes(n).map_err(|_| format!("zstd frame of {n} bytes runs past the end of the file"))?;
                if n == 0 {
                    return if out.is_empty() { Ok(i.pos()) } else { Err(format!("empty zstd frame, expected {} bytes", out.len())) };
                }
                self.unzstd(data, out, None)?;
                Ok(i.pos())
            }
            Compression::ZstdWithDict | Compression::ZstdNoDict => {
                let out = &mut padded[..len];
                let with_dict = self.mode == Compression::ZstdWithDict;
                let mut i = Input::new(input, "", Endian::Big);
                let dict_len = if with_dict { i.vint().map_err(|_| "truncated dictionary length".to_owned())? as usize } else { 0 };
                let block_len = i.vint().map_err(|_| "truncated block length".to_owned())? as usize;
                if dict_len > out.len() {
                    return Err(format!("dictionary of {dict_len} bytes is larger than the {} bytes of the chunk", out.len()));
                }
                let (dict, rest) = out.split_at_mut(dict_len);
                if with_dict {
                    let n = i.vint().map_err(|_| "truncated dictionary length".to_owned())? as usize;
                    let data = i.bytes(n).map_err(|_| "dictionary runs past the end of the file".to_owned())?;
                    if dict_len > 0 {
                        self.unzstd(data, dict, None).map_err(|e| format!("dictionary: {e}"))?;
                    }
                }
                if !rest.is_empty() && block_len == 0 {
                    return Err("block length 0".into());
                }
                let mut start = 0;
                let mut b = 0;
                while start < rest.len() {
                    let end = (start + block_len).min(rest.len());
                    let n = i.vint().map_err(|_| "truncated block length".to_owned())? as usize;
                    let data = i.bytes(n).map_err(|_| format!("block {b} runs past the end of the file"))?;
                    let d: &[u8] = dict;
                    self.unzstd(data, &mut rest[start..end], if with_dict { Some(d) } else { None }).map_err(|e| format!("block {b}: {e}"))?;
                    start = end;
                    b += 1;
                }
                Ok(i.pos())
            }
        }
    }

    /// The input bytes of one piece of `len` decompressed bytes, found from the stored lengths
    /// alone — `None` for plain LZ4, which stores none (the piece must be decompressed to find
    /// its end). Lets a scan that resumes mid-segment pass over earlier chunks cheaply.
    pub fn skip(&self, input: &[u8], len: usize) -> Result<Option<usize>, String> {
        let mut i = Input::new(input, "", Endian::Big);
        let truncated = |_| "chunk runs past the end of the file".to_owned();
        let skip_framed = |i: &mut Input<'_>| -> Result<(), String> {
            let n = i.vint().map_err(truncated)? as usize;
            i.bytes(n).map_err(truncated)?;
            Ok(())
        };
        match self.mode {
            Compression::Lz4 => return Ok(None),
            Compression::Deflate => skip_framed(&mut i)?,
            Compression::Zstd => {
                if len > 0 {
                    skip_framed(&mut i)?;
                }
            }
            Compression::Lz4WithDict => {
                let (_, _, blocks) = dict_layout(&mut i, len)?;
                let mut total = 0usize;
                for _ in 0..=blocks {
                    total += i.vint().map_err(truncated)? as usize;
                }
                i.bytes(total).map_err(truncated)?;
            }
            Compression::DeflateWithDict => {
                let (_, _, blocks) = dict_layout(&mut i, len)?;
                for _ in 0..=blocks {
                    skip_framed(&mut i)?;
                }
            }
            Compression::ZstdWithDict | Compression::ZstdNoDict => {
                let dict_len = if self.mode == Compression::ZstdWithDict { i.vint().map_err(truncated)? as usize } else { 0 };
                let block_len = i.vint().map_err(truncated)? as usize;
                if self.mode == Compression::ZstdWithDict {
                    skip_framed(&mut i)?;
                }
                let rest = len.checked_sub(dict_len).ok_or("dictionary larger than the chunk")?;
                if rest > 0 {
                    if block_len == 0 {
                        return Err("block length 0".into());
                    }
                    for _ in 0..rest.div_ceil(block_len) {
                        skip_framed(&mut i)?;
                    }
                }
            }
        }
        Ok(Some(i.pos()))
    }

    fn unzstd(&mut self, data: &[u8], out: &mut [u8], dict: Option<&[u8]>) -> Result<(), String> {
        let n = match dict {
            Some(d) => zstd::bulk::Decompressor::with_dictionary(d).and_then(|mut z| z.decompress_to_buffer(data, out)),
            None => {
                if self.zstd.is_none() {
                    self.zstd = Some(zstd::bulk::Decompressor::new().map_err(|e| e.to_string())?);
                }
                self.zstd.as_mut().expect("set").decompress_to_buffer(data, out)
            }
        }
        .map_err(|e| format!("zstd: {e}"))?;
        if n != out.len() {
            return Err(format!("zstd frame holds {n} bytes, expected {}", out.len()));
        }
        Ok(())
    }
}

/// `dictLength`, `blockLength` and the number of blocks after the dictionary (8.7+ dictionary modes).
fn dict_layout(i: &mut Input<'_>, total: usize) -> Result<(usize, usize, usize), String> {
    let dict_len = i.vint().map_err(|_| "truncated dictionary length".to_owned())? as usize;
    let block_len = i.vint().map_err(|_| "truncated block length".to_owned())? as usize;
    if dict_len > total {
        return Err(format!("dictionary of {dict_len} bytes is larger than the {total} bytes of the chunk"));
    }
    let rest = total - dict_len;
    if rest > 0 && block_len == 0 {
        return Err("block length 0".into());
    }
    let blocks = if rest == 0 { 0 } else { rest.div_ceil(block_len) };
    if blocks > 1 << 20 {
        return Err(format!("{blocks} blocks in one chunk"));
    }
    Ok((dict_len, block_len, blocks))
}

/// Inflate raw DEFLATE `data` into exactly `out`.
fn inflate(z: &mut Decompress, data: &[u8], out: &mut [u8], dict: Option<&[u8]>) -> Result<(), String> {
    z.reset(false);
    if let Some(d) = dict {
        if !d.is_empty() {
            z.set_dictionary(d).map_err(|e| format!("DEFLATE dictionary: {e}"))?;
        }
    }
    let status = z.decompress(data, out, FlushDecompress::Finish).map_err(|e| format!("DEFLATE: {e}"))?;
    let produced = z.total_out() as usize;
    if produced != out.len() || status != Status::StreamEnd {
        return Err(format!("DEFLATE stream holds {}{} bytes, expected {}", produced, if status == Status::StreamEnd { "" } else { "+" }, out.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vint(out: &mut Vec<u8>, mut v: usize) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// A VInt length and the bytes, as every mode frames its compressed parts.
    fn push_frame(out: &mut Vec<u8>, z: &[u8]) {
        vint(out, z.len());
        out.extend_from_slice(z);
    }

    fn raw_deflate(data: &[u8], dict: Option<&[u8]>) -> Vec<u8> {
        let mut c = flate2::Compress::new(flate2::Compression::new(6), false);
        if let Some(d) = dict {
            c.set_dictionary(d).unwrap();
        }
        let mut out = Vec::with_capacity(data.len() + 64);
        c.compress_vec(data, &mut out, flate2::FlushCompress::Finish).unwrap();
        out
    }

    fn sample(n: usize) -> Vec<u8> {
        (0..n).map(|i| b"{\"msg\":\"hello world\",\"n\":12345}"[i % 31].wrapping_add((i / 997) as u8)).collect()
    }

    /// Decode `framed` (followed by trailing bytes that must not be consumed) into `len` bytes;
    /// skipping it must consume the same bytes.
    fn decode(mode: Compression, framed: &[u8], len: usize) -> Vec<u8> {
        let mut input = framed.to_vec();
        input.extend_from_slice(b"NEXT");
        let mut out = vec![0u8; len];
        let used = Decoder::new(mode).decompress(&input, &mut out).unwrap();
        assert_eq!(used, framed.len(), "{mode:?}: consumed bytes");
        assert_eq!(Decoder::new(mode).skip(&input, len).unwrap(), Some(used), "{mode:?}: skipped bytes");
        out
    }

    #[test]
    fn plain_deflate() {
        let data = sample(5000);
        let mut framed = Vec::new();
        let z = raw_deflate(&data, None);
        push_frame(&mut framed, &z);
        assert_eq!(decode(Compression::Deflate, &framed, data.len()), data);
        // Lucene writes a lone zero length for an empty chunk.
        assert_eq!(decode(Compression::Deflate, &[0], 0), b"");
    }

    #[test]
    fn zstd_814() {
        let data = sample(20000);
        let z = zstd::bulk::compress(&data, 3).unwrap();
        let mut framed = Vec::new();
        push_frame(&mut framed, &z);
        assert_eq!(decode(Compression::Zstd, &framed, data.len()), data);
        assert_eq!(decode(Compression::Zstd, &[], 0), b"", "an empty chunk is written as nothing");
    }

    /// OpenSearch custom-codecs layout: dictLength, blockLength, the dictionary as its own frame,
    /// then each block compressed against the raw dictionary.
    #[test]
    fn opensearch_zstd_with_and_without_dictionary() {
        let data = sample(60_000);
        let dict_len = data.len() / 60;
        let block_len = (data.len() - dict_len).div_ceil(10);
        let (dict, rest) = data.split_at(dict_len);
        let mut framed = Vec::new();
        vint(&mut framed, dict_len);
        vint(&mut framed, block_len);
        let z = zstd::bulk::compress(dict, 3).unwrap();
        push_frame(&mut framed, &z);
        let mut c = zstd::bulk::Compressor::with_dictionary(3, dict).unwrap();
        for block in rest.chunks(block_len) {
            let z = c.compress(block).unwrap();
            push_frame(&mut framed, &z);
        }
        assert_eq!(decode(Compression::ZstdWithDict, &framed, data.len()), data);
        assert_eq!(decode(Compression::ZstdWithDict, &[0, 0, 0], 0), b"");

        let mut framed = Vec::new();
        let block_len = data.len().div_ceil(10);
        vint(&mut framed, block_len);
        for block in data.chunks(block_len) {
            let z = zstd::bulk::compress(block, 3).unwrap();
            push_frame(&mut framed, &z);
        }
        assert_eq!(decode(Compression::ZstdNoDict, &framed, data.len()), data);
        assert_eq!(decode(Compression::ZstdNoDict, &[0], 0), b"");
    }

    #[test]
    fn deflate_with_preset_dictionary() {
        let data = sample(30_000);
        let dict_len = data.len() / 60;
        let block_len = (data.len() - dict_len).div_ceil(10);
        let (dict, rest) = data.split_at(dict_len);
        let mut framed = Vec::new();
        vint(&mut framed, dict_len);
        vint(&mut framed, block_len);
        let z = raw_deflate(dict, None);
        push_frame(&mut framed, &z);
        for block in rest.chunks(block_len) {
            let z = raw_deflate(block, Some(dict));
            push_frame(&mut framed, &z);
        }
        assert_eq!(decode(Compression::DeflateWithDict, &framed, data.len()), data);
    }

    #[test]
    fn damaged_frames_are_errors() {
        let data = sample(20000);
        let z = zstd::bulk::compress(&data, 3).unwrap();
        let mut framed = Vec::new();
        push_frame(&mut framed, &z);
        let mut out = vec![0u8; data.len() + 1];
        let e = Decoder::new(Compression::Zstd).decompress(&framed, &mut out).unwrap_err();
        assert!(e.contains("zstd"), "{e}");
        let mut out = vec![0u8; data.len()];
        assert!(Decoder::new(Compression::Zstd).decompress(&framed[..framed.len() - 3], &mut out).is_err());
    }
}
