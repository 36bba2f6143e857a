//! `<segment>.si`: the segment's Lucene version, document count, compound flag, files and codec
//! attributes.

use crate::codec::{self, ID_LEN};
use crate::commit::LuceneVersion;
use crate::directory::{self, Directory};
use crate::error::{Error, Result};
use crate::input::{Endian, Input};

#[derive(Debug, Clone)]
pub struct SegmentInfo {
    pub name: String,
    pub version: LuceneVersion,
    pub max_doc: u32,
    pub is_compound: bool,
    pub diagnostics: Vec<(String, String)>,
    pub files: Vec<String>,
    pub attributes: Vec<(String, String)>,
    /// Byte order of the segment's own files: Lucene 9+ writes little-endian.
    pub endian: Endian,
}

impl SegmentInfo {
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Read `<name>.si` from the segment's directory (never inside the compound file).
    pub fn read(dir: &dyn Directory, name: &str, id: &[u8; ID_LEN]) -> Result<SegmentInfo> {
        let source = dir.open(&format!("{name}.si"))?;
        let data = directory::read_all(source.as_ref())?;
        parse(&data, source.name(), name, id)
    }
}

pub fn parse(data: &[u8], file: &str, name: &str, id: &[u8; ID_LEN]) -> Result<SegmentInfo> {
    let body = codec::verify_checksum(data, file)?;
    let mut input = Input::new(body, file, Endian::Big);
    let header = codec::read_index_header(&mut input)?;
    let layout = match header.codec.as_str() {
        "Lucene50SegmentInfo" => Layout { endian: Endian::Big, min_version: false, legacy_maps: header.version < 1 },
        "Lucene62SegmentInfo" => Layout { endian: Endian::Big, min_version: false, legacy_maps: false },
        "Lucene70SegmentInfo" | "Lucene86SegmentInfo" => Layout { endian: Endian::Big, min_version: true, legacy_maps: false },
        "Lucene90SegmentInfo" => Layout { endian: Endian::Little, min_version: true, legacy_maps: false },
        other => return Err(Error::unsupported(file, format!("segment info format `{other}`"))),
    };
    let versions = match header.codec.as_str() {
        "Lucene50SegmentInfo" | "Lucene62SegmentInfo" => 0..=1,
        _ => 0..=0,
    };
    header.expect(file, &[header.codec.as_str()], versions, Some(id), Some(""))?;
    input.endian = layout.endian;
    let start = input.pos();
    if header.codec != "Lucene90SegmentInfo" {
        return read_body(&mut input, name, layout, false);
    }
    // Lucene 9.9 (`Lucene99SegmentInfoFormat`) kept the `Lucene90SegmentInfo` header and version but
    // added a `hasBlocks` byte. Try the layout the writer's version implies first, then the other;
    // only one of them parses into a file list that names this segment.
    let version = {
        let mut probe = input.clone();
        read_lucene_version(&mut probe)?
    };
    let first = version >= LuceneVersion { major: 9, minor: 9, bugfix: 0 };
    let mut last_err = None;
    for has_blocks in [first, !first] {
        input.seek(start)?;
        match read_body(&mut input, name, layout, has_blocks) {
            Ok(si) => return Ok(si),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.expect("two attempts"))
}

#[derive(Clone, Copy)]
struct Layout {
    endian: Endian,
    min_version: bool,
    legacy_maps: bool,
}

fn read_lucene_version(input: &mut Input<'_>) -> Result<LuceneVersion> {
    let mut part = || -> Result<u32> {
        let v = input.i32()?;
        u32::try_from(v).map_err(|_| input.corrupt(format!("invalid version number {v}")))
    };
    Ok(LuceneVersion { major: part()?, minor: part()?, bugfix: part()? })
}

fn read_body(input: &mut Input<'_>, name: &str, layout: Layout, has_blocks: bool) -> Result<SegmentInfo> {
    let version = read_lucene_version(input)?;
    if layout.min_version {
        match input.u8()? {
            0 => {}
            1 => {
                read_lucene_version(input)?;
            }
            b => return Err(input.corrupt(format!("invalid min-version marker {b}"))),
        }
    }
    let max_doc = input.i32()?;
    let max_doc = u32::try_from(max_doc).map_err(|_| input.corrupt(format!("invalid document count {max_doc}")))?;
    let is_compound = match input.u8()? {
        1 => true,
        0xFF => false,
        b => return Err(input.corrupt(format!("invalid compound flag {b}"))),
    };
    // Written like the compound flag: 1 = yes, -1 = no.
    if has_blocks && !matches!(input.u8()?, 1 | 0xFF) {
        return Err(input.corrupt("invalid has-blocks flag"));
    }
    let (diagnostics, files, attributes) = if layout.legacy_maps {
        let diagnostics = input.legacy_string_map()?;
        let n = input.i32()?;
        if n < 0 || n as usize > input.remaining() {
            return Err(input.corrupt(format!("invalid file count {n}")));
        }
        let files = (0..n).map(|_| input.string().map(str::to_owned)).collect::<Result<Vec<_>>>()?;
        (diagnostics, files, input.legacy_string_map()?)
    } else {
        (input.string_map()?, input.string_set()?, input.string_map()?)
    };
    if let Some(stray) = files.iter().find(|f| !belongs_to(f, name)) {
        return Err(input.corrupt(format!("file list names `{stray}`, which is not a file of segment {name}")));
    }
    // What follows (the index sort, Lucene 6.2+) does not affect reading stored fields.
    Ok(SegmentInfo { name: name.to_owned(), version, max_doc, is_compound, diagnostics, files, attributes, endian: layout.endian })
}

/// `_0.cfs`, `_0_Lucene80_0.dvd` and `_0.si` belong to `_0`; `_01.cfs` does not.
fn belongs_to(file: &str, segment: &str) -> bool {
    file.strip_prefix(segment).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('_'))
}
