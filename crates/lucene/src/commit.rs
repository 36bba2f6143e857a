//! `segments_N`: a commit point, listing the segments of the index and each one's deletion and
//! update generations (`SegmentInfos.readCommit`).

use crate::codec::{self, ID_LEN};
use crate::directory::{self, Directory};
use crate::error::{Error, Result};
use crate::input::{self, Endian, Input};

/// Format 6 = Lucene 5.3–6.x, 7 = 7.0, 8 = 7.2, 9 = 7.4 (soft deletes), 10 = 8.6 (commit-info ids).
const FORMATS: std::ops::RangeInclusive<i32> = 6..=10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LuceneVersion {
    pub major: u32,
    pub minor: u32,
    pub bugfix: u32,
}

impl std::fmt::Display for LuceneVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.bugfix)
    }
}

#[derive(Debug, Clone)]
pub struct Commit {
    pub file: String,
    pub generation: u64,
    pub format: i32,
    pub id: [u8; ID_LEN],
    /// Lucene that wrote the commit (format ≥ 6).
    pub lucene_version: LuceneVersion,
    /// Major version that created the index (format ≥ 7).
    pub created_major: Option<u32>,
    pub version: i64,
    pub segments: Vec<SegmentCommit>,
    pub user_data: Vec<(String, String)>,
}

/// A segment as the commit sees it: its name, codec and the generations of its per-commit files.
#[derive(Debug, Clone)]
pub struct SegmentCommit {
    pub name: String,
    pub id: [u8; ID_LEN],
    pub codec: String,
    /// Generation of the `.liv` file; -1 = no hard deletes.
    pub del_gen: i64,
    pub del_count: u32,
    /// Generation of the `.fnm` that replaces the segment's own; -1 = none.
    pub field_infos_gen: i64,
    pub dv_gen: i64,
    pub soft_del_count: u32,
    pub field_infos_files: Vec<String>,
    pub dv_update_files: Vec<(i32, Vec<String>)>,
}

impl Commit {
    /// Find the newest commit (highest `segments_N`) in `dir` and read it.
    pub fn read_latest(dir: &dyn Directory) -> Result<Commit> {
        let names = dir.list()?;
        let latest = names
            .iter()
            .filter_map(|n| Some((generation_of(n)?, n)))
            .max_by_key(|(g, _)| *g)
            .ok_or_else(|| Error::NoCommit { dir: dir.name().to_owned() })?;
        Self::read(dir, latest.1)
    }

    pub fn read(dir: &dyn Directory, file_name: &str) -> Result<Commit> {
        let generation = generation_of(file_name).ok_or_else(|| Error::corrupt(file_name, "not a segments_N file name"))?;
        let source = dir.open(file_name)?;
        let data = directory::read_all(source.as_ref())?;
        let name = source.name().to_owned();
        parse(&data, &name, generation)
    }
}

/// `segments_N` → N (`segments` alone is generation 0; `segments.gen` is not a commit).
pub fn generation_of(name: &str) -> Option<u64> {
    match name.strip_prefix("segments") {
        Some("") => Some(0),
        Some(rest) => input::parse_base36(rest.strip_prefix('_')?),
        None => None,
    }
}

pub fn parse(data: &[u8], file: &str, generation: u64) -> Result<Commit> {
    // Lucene < 5 wrote a different magic; say so rather than "corrupt".
    if data.len() >= 4 && u32::from_be_bytes(data[0..4].try_into().expect("4")) != codec::CODEC_MAGIC {
        return Err(Error::unsupported(file, "a commit written by Lucene 4 or older (Elasticsearch 1.x)"));
    }
    let body = codec::verify_checksum(data, file)?;
    let mut input = Input::new(body, file, Endian::Big);
    let header = codec::read_index_header(&mut input)?;
    if header.codec != "segments" {
        return Err(input.corrupt(format!("format `{}`, expected `segments`", header.codec)));
    }
    let format = header.version;
    if !FORMATS.contains(&format) {
        let what = if format < *FORMATS.start() { "written by Lucene 5.2 or older" } else { "newer than Lucene 10.5" };
        return Err(Error::unsupported(file, format!("segments format {format} ({what})")));
    }
    let suffix = header.suffix.clone().unwrap_or_default();
    if input::parse_base36(&suffix) != Some(generation) {
        return Err(input.corrupt(format!("header generation `{suffix}` does not match the file name")));
    }
    let lucene_version = read_version(&mut input)?;
    let created_major = if format >= 7 { Some(input.vint()?) } else { None };
    let version = input.be_i64()?;
    let _counter = if format >= 8 { input.vlong()? } else { u64::from(input.be_u32()?) };
    let num_segments = input.be_i32()?;
    if num_segments < 0 || num_segments as usize > input.remaining() {
        return Err(input.corrupt(format!("invalid segment count {num_segments}")));
    }
    if num_segments > 0 {
        let _min_segment_version = read_version(&mut input)?;
    }
    let mut segments = Vec::with_capacity(num_segments as usize);
    for _ in 0..num_segments {
        let name = input.string()?.to_owned();
        if format < 7 {
            let has_id = input.u8()?;
            if has_id != 1 {
                return Err(Error::unsupported(file, format!("segment {name} without an id (written by Lucene 4)")));
            }
        }
        let id: [u8; ID_LEN] = input.array()?;
        let codec = input.string()?.to_owned();
        let del_gen = input.be_i64()?;
        let del_count = count(&mut input, "deletion count")?;
        let field_infos_gen = input.be_i64()?;
        let dv_gen = input.be_i64()?;
        let soft_del_count = if format >= 9 { count(&mut input, "soft-deletion count")? } else { 0 };
        if format >= 10 {
            match input.u8()? {
                0 => {}
                1 => {
                    let _commit_info_id: [u8; ID_LEN] = input.array()?;
                }
                m => return Err(input.corrupt(format!("invalid segment-commit id marker {m}"))),
            }
        }
        let field_infos_files = input.string_set()?;
        let num_dv = input.be_i32()?;
        if num_dv < 0 || num_dv as usize > input.remaining() {
            return Err(input.corrupt(format!("invalid doc-values update count {num_dv}")));
        }
        let mut dv_update_files = Vec::with_capacity(num_dv as usize);
        for _ in 0..num_dv {
            let field = input.be_i32()?;
            dv_update_files.push((field, input.string_set()?));
        }
        segments.push(SegmentCommit { name, id, codec, del_gen, del_count, field_infos_gen, dv_gen, soft_del_count, field_infos_files, dv_update_files });
    }
    let user_data = input.string_map()?;
    if input.remaining() != 0 {
        return Err(input.corrupt(format!("{} unexpected bytes before the footer", input.remaining())));
    }
    Ok(Commit {
        file: file.to_owned(),
        generation,
        format,
        id: header.id.unwrap_or_default(),
        lucene_version,
        created_major,
        version,
        segments,
        user_data,
    })
}

fn read_version(input: &mut Input<'_>) -> Result<LuceneVersion> {
    Ok(LuceneVersion { major: input.vint()?, minor: input.vint()?, bugfix: input.vint()? })
}

fn count(input: &mut Input<'_>, what: &str) -> Result<u32> {
    let n = input.be_i32()?;
    u32::try_from(n).map_err(|_| input.corrupt(format!("negative {what} {n}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_from_names() {
        assert_eq!(generation_of("segments_a"), Some(10));
        assert_eq!(generation_of("segments_1"), Some(1));
        assert_eq!(generation_of("segments"), Some(0));
        assert_eq!(generation_of("segments.gen"), None);
        assert_eq!(generation_of("_0.si"), None);
    }
}
