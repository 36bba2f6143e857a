//! `.fnm`: the segment's fields — number, name, doc-values type and generation, attributes.
//!
//! The stored-fields reader needs only numbers → names; soft deletes need the field flagged as
//! the soft-deletes field and where its doc values live.

use crate::codec::{self, ID_LEN};
use crate::directory::{self, Directory};
use crate::error::{Error, Result};
use crate::input::{Endian, Input};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocValuesType {
    None,
    Numeric,
    Binary,
    Sorted,
    SortedSet,
    SortedNumeric,
}

impl DocValuesType {
    fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            0 => DocValuesType::None,
            1 => DocValuesType::Numeric,
            2 => DocValuesType::Binary,
            3 => DocValuesType::Sorted,
            4 => DocValuesType::SortedSet,
            5 => DocValuesType::SortedNumeric,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct FieldInfo {
    pub name: String,
    pub number: u32,
    pub soft_deletes: bool,
    pub doc_values: DocValuesType,
    /// Generation of the doc-values update holding this field's values; -1 = the segment's own.
    pub dv_gen: i64,
    /// Lucene 10 doc-values skip index (its doc-values metadata entry then carries a skipper).
    pub dv_skip_index: bool,
    pub attributes: Vec<(String, String)>,
}

impl FieldInfo {
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Default)]
pub struct FieldInfos {
    /// Indexed by field number; numbers are dense in practice but not guaranteed.
    by_number: Vec<Option<FieldInfo>>,
}

impl FieldInfos {
    pub fn by_number(&self, number: u32) -> Option<&FieldInfo> {
        self.by_number.get(number as usize).and_then(Option::as_ref)
    }

    pub fn by_name(&self, name: &str) -> Option<&FieldInfo> {
        self.iter().find(|f| f.name == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldInfo> {
        self.by_number.iter().flatten()
    }

    pub fn soft_deletes_field(&self) -> Option<&FieldInfo> {
        self.iter().find(|f| f.soft_deletes)
    }

    /// Read the segment's field infos: `<seg>_<gen>.fnm` in `outer` when the commit names a
    /// generation, else `<seg>.fnm` in `inner` (the compound file, if any).
    pub fn read(outer: &dyn Directory, inner: &dyn Directory, segment: &str, id: &[u8; ID_LEN], gen: i64) -> Result<FieldInfos> {
        let (dir, name, suffix) = if gen >= 0 {
            let g = crate::input::base36(gen as u64);
            (outer, format!("{segment}_{g}.fnm"), g)
        } else {
            (inner, format!("{segment}.fnm"), String::new())
        };
        let source = dir.open(&name)?;
        let data = directory::read_all(source.as_ref())?;
        parse(&data, source.name(), id, &suffix)
    }
}

pub fn parse(data: &[u8], file: &str, id: &[u8; ID_LEN], suffix: &str) -> Result<FieldInfos> {
    let body = codec::verify_checksum(data, file)?;
    let mut input = Input::new(body, file, Endian::Big);
    let header = codec::read_index_header(&mut input)?;
    let (format, versions) = match header.codec.as_str() {
        "Lucene50FieldInfos" => (Format::L50, 0..=1),
        "Lucene60FieldInfos" => (Format::L60, 0..=2),
        "Lucene90FieldInfos" => (Format::L90, 0..=0),
        "Lucene94FieldInfos" => (Format::L94, 0..=2),
        other => return Err(Error::unsupported(file, format!("field infos format `{other}`"))),
    };
    header.expect(file, &[header.codec.as_str()], versions, Some(id), Some(suffix))?;
    let version = header.version;
    input.endian = if matches!(format, Format::L90 | Format::L94) { Endian::Little } else { Endian::Big };
    let n = input.vlen("field count")?;
    let mut by_number: Vec<Option<FieldInfo>> = Vec::new();
    for _ in 0..n {
        let name = input.string()?.to_owned();
        let number = input.vint()?;
        if number > i32::MAX as u32 || number as usize > 1 << 20 {
            return Err(input.corrupt(format!("invalid field number {number} for {name}")));
        }
        let bits = input.u8()?;
        let _index_options = input.u8()?;
        let dv_byte = input.u8()?;
        let doc_values = DocValuesType::from_byte(dv_byte).ok_or_else(|| input.corrupt(format!("invalid doc-values type {dv_byte} for {name}")))?;
        let dv_skip_index = if matches!(format, Format::L94) && version >= 2 { input.u8()? != 0 } else { false };
        let dv_gen = input.i64()?;
        let attributes = if matches!(format, Format::L50) && version < 1 { input.legacy_string_map()? } else { input.string_map()? };
        match format {
            Format::L50 => {}
            Format::L60 => {
                if input.vint()? != 0 {
                    if version >= 2 {
                        input.vint()?;
                    }
                    input.vint()?;
                }
            }
            Format::L90 | Format::L94 => {
                if input.vint()? != 0 {
                    input.vint()?;
                    input.vint()?;
                }
                let _vector_dim = input.vint()?;
                if matches!(format, Format::L94) {
                    let _vector_encoding = input.u8()?;
                }
                let _similarity = input.u8()?;
            }
        }
        // Bit 8 marks the soft-deletes field from Lucene60FieldInfos version 1 (Lucene 7.4) on.
        let soft_deletes = bits & 0x08 != 0 && !(matches!(format, Format::L50) || matches!(format, Format::L60) && version < 1);
        let slot = number as usize;
        if by_number.len() <= slot {
            by_number.resize(slot + 1, None);
        }
        if by_number[slot].is_some() {
            return Err(input.corrupt(format!("field number {number} used twice")));
        }
        by_number[slot] = Some(FieldInfo { name, number, soft_deletes, doc_values, dv_gen, dv_skip_index, attributes });
    }
    if input.remaining() != 0 {
        return Err(input.corrupt(format!("{} unexpected bytes after the fields", input.remaining())));
    }
    Ok(FieldInfos { by_number })
}

#[derive(Clone, Copy)]
enum Format {
    L50,
    L60,
    L90,
    L94,
}
