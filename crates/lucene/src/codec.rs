//! Codec headers and footers (`CodecUtil`): every Lucene file since 4.x starts with a header naming
//! its format and version and ends with a 16-byte footer carrying a CRC-32 of everything before it.

use crate::error::{Error, Result};
use crate::input::Input;

pub const CODEC_MAGIC: u32 = 0x3FD7_6C17;
pub const FOOTER_MAGIC: u32 = !CODEC_MAGIC;
pub const FOOTER_LEN: usize = 16;
pub const ID_LEN: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub codec: String,
    pub version: i32,
    /// Index headers only: the segment or commit id and the file-name suffix.
    pub id: Option<[u8; ID_LEN]>,
    pub suffix: Option<String>,
}

/// Read a plain header (`CodecUtil.writeHeader`).
pub fn read_header(input: &mut Input<'_>) -> Result<Header> {
    let magic = input.be_u32()?;
    if magic != CODEC_MAGIC {
        return Err(input.corrupt(format!("not a Lucene file: header magic {magic:#010x}, expected {CODEC_MAGIC:#010x}")));
    }
    let codec = input.string()?.to_owned();
    let version = input.be_i32()?;
    Ok(Header { codec, version, id: None, suffix: None })
}

/// Read an index header (`CodecUtil.writeIndexHeader`): a plain header plus id and suffix.
pub fn read_index_header(input: &mut Input<'_>) -> Result<Header> {
    let mut h = read_header(input)?;
    h.id = Some(input.array()?);
    let n = input.u8()? as usize;
    let suffix = input.bytes(n)?;
    h.suffix = Some(String::from_utf8(suffix.to_vec()).map_err(|_| input.corrupt("header suffix is not UTF-8"))?);
    Ok(h)
}

impl Header {
    /// Check the format name (one of `codecs`), version range, and, for index headers, that the file
    /// belongs to this segment (`id`) and generation (`suffix`): a file from another segment or
    /// commit that happens to sit under this name must not be read as this one.
    pub fn expect(&self, file: &str, codecs: &[&str], versions: std::ops::RangeInclusive<i32>, id: Option<&[u8; ID_LEN]>, suffix: Option<&str>) -> Result<()> {
        if !codecs.contains(&self.codec.as_str()) {
            return Err(Error::corrupt(file, format!("format `{}`, expected {}", self.codec, codecs.join(" or "))));
        }
        if !versions.contains(&self.version) {
            return Err(Error::unsupported(file, format!("`{}` format version {} (this reader knows {}–{})", self.codec, self.version, versions.start(), versions.end())));
        }
        if let (Some(want), Some(got)) = (id, &self.id) {
            if want != got {
                return Err(Error::corrupt(file, format!("belongs to another segment (id {} in the file, {} expected)", hex(got), hex(want))));
            }
        }
        if let (Some(want), Some(got)) = (suffix, &self.suffix) {
            if want != got {
                return Err(Error::corrupt(file, format!("header suffix `{got}`, expected `{want}`")));
            }
        }
        Ok(())
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parse the footer of a whole file in `data` and return the stored checksum.
pub fn footer_checksum(data: &[u8], file: &str) -> Result<u64> {
    if data.len() < FOOTER_LEN {
        return Err(Error::corrupt(file, format!("truncated: {} bytes is shorter than the 16-byte footer", data.len())));
    }
    let footer = &data[data.len() - FOOTER_LEN..];
    let magic = u32::from_be_bytes(footer[0..4].try_into().expect("4"));
    let algorithm = u32::from_be_bytes(footer[4..8].try_into().expect("4"));
    let checksum = u64::from_be_bytes(footer[8..16].try_into().expect("8"));
    if magic != FOOTER_MAGIC {
        return Err(Error::corrupt(file, format!("footer magic {magic:#010x}, expected {FOOTER_MAGIC:#010x} (truncated or overwritten?)")));
    }
    if algorithm != 0 {
        return Err(Error::corrupt(file, format!("unknown checksum algorithm {algorithm} in footer")));
    }
    if checksum >> 32 != 0 {
        return Err(Error::corrupt(file, format!("illegal checksum {checksum:#x} in footer")));
    }
    Ok(checksum)
}

/// Check the footer of a file without reading it all (Lucene's `retrieveChecksum`): catches
/// truncation and overwritten tails before a long scan starts.
pub fn footer_checksum_of(source: &dyn crate::directory::FileSource) -> Result<u64> {
    let len = source.len();
    if len < FOOTER_LEN as u64 {
        return Err(Error::corrupt(source.name(), format!("truncated: {len} bytes is shorter than the 16-byte footer")));
    }
    let tail = crate::directory::read_range(source, len - FOOTER_LEN as u64, FOOTER_LEN as u64)?;
    footer_checksum(&tail, source.name())
}

/// Verify the CRC-32 of a whole file held in memory; returns the body (without footer).
pub fn verify_checksum<'a>(data: &'a [u8], file: &str) -> Result<&'a [u8]> {
    let expected = footer_checksum(data, file)?;
    let actual = u64::from(crc32fast::hash(&data[..data.len() - 8]));
    if actual != expected {
        return Err(Error::Checksum { file: file.to_owned(), expected, actual });
    }
    Ok(&data[..data.len() - FOOTER_LEN])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::input::Endian;

    /// Build a file the way `CodecUtil` writes one (for unit tests).
    pub fn file_with(codec: &str, version: i32, id: Option<[u8; 16]>, suffix: &str, body: &[u8]) -> Vec<u8> {
        let mut out = CODEC_MAGIC.to_be_bytes().to_vec();
        out.push(codec.len() as u8);
        out.extend_from_slice(codec.as_bytes());
        out.extend_from_slice(&version.to_be_bytes());
        if let Some(id) = id {
            out.extend_from_slice(&id);
            out.push(suffix.len() as u8);
            out.extend_from_slice(suffix.as_bytes());
        }
        out.extend_from_slice(body);
        out.extend_from_slice(&FOOTER_MAGIC.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&u64::from(crc).to_be_bytes());
        out
    }

    #[test]
    fn header_and_footer_round_trip() {
        let data = file_with("Lucene90CompoundEntries", 0, Some([7; 16]), "1", b"xyz");
        let body = verify_checksum(&data, "_0.cfe").unwrap();
        let mut input = Input::new(body, "_0.cfe", Endian::Little);
        let h = read_index_header(&mut input).unwrap();
        h.expect("_0.cfe", &["Lucene90CompoundEntries"], 0..=0, Some(&[7; 16]), Some("1")).unwrap();
        assert_eq!(input.bytes(3).unwrap(), b"xyz");
        let e = h.expect("_0.cfe", &["Lucene90CompoundEntries"], 0..=0, Some(&[8; 16]), None).unwrap_err();
        assert!(e.to_string().contains("belongs to another segment"), "{e}");

        let mut bad = data.clone();
        bad[30] ^= 1;
        assert!(matches!(verify_checksum(&bad, "_0.cfe"), Err(Error::Checksum { .. })));
        assert!(verify_checksum(&data[..10], "_0.cfe").unwrap_err().to_string().contains("truncated"));
    }
}
