//! Just enough of the doc-values formats to learn which documents have a value for one numeric
//! field — the soft-deletes field. A document with a value there is soft-deleted.
//!
//! The metadata file (`.dvm`) is a sequence of per-field entries with no index, so reaching one
//! field means parsing every entry before it (the other numeric, binary, sorted, sorted-set and
//! sorted-numeric fields). The documents that have a value are stored as an `IndexedDISI` in the
//! data file (`.dvd`), or summarised as "none" / "all".

use crate::codec::{self, ID_LEN};
use crate::directory::{self, Directory};
use crate::error::{Error, Result};
use crate::field_infos::{DocValuesType, FieldInfo, FieldInfos};
use crate::input::{base36, Endian, Input};
use crate::segment_info::SegmentInfo;

const VERIFY_WHOLE_DATA_FILE: u64 = 64 << 20;

/// The documents with a value.
pub enum DocSet {
    All(u32, String),
    Disi { data: Vec<u8>, file: String, endian: Endian, dense_rank_power: Option<u8> },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    /// Lucene 7.x
    L70,
    /// Lucene 8.x
    L80 { version: i32 },
    /// Lucene 9.x and 10.x
    L90 { version: i32 },
}

/// Which documents of the segment have a value for `field` (a numeric doc-values field); `None`
/// when none do.
pub fn docs_with_field(outer: &dyn Directory, inner: &dyn Directory, info: &SegmentInfo, id: &[u8; ID_LEN], fields: &FieldInfos, field: &FieldInfo) -> Result<Option<DocSet>> {
    if field.doc_values == DocValuesType::None {
        return Ok(None);
    }
    if field.doc_values != DocValuesType::Numeric {
        return Err(Error::unsupported(&info.name, format!("soft-deletes field `{}` with {:?} doc values", field.name, field.doc_values)));
    }
    let format = field.attribute("PerFieldDocValuesFormat.format").ok_or_else(|| Error::corrupt(&info.name, format!("field `{}` has doc values but no PerFieldDocValuesFormat.format attribute", field.name)))?;
    let suffix = field.attribute("PerFieldDocValuesFormat.suffix").unwrap_or("0");
    let (dir, segment_suffix) = if field.dv_gen >= 0 { (outer, format!("{}_{format}_{suffix}", base36(field.dv_gen as u64))) } else { (inner, format!("{format}_{suffix}")) };
    let meta_src = dir.open(&format!("{}_{segment_suffix}.dvm", info.name))?;
    let meta_bytes = directory::read_all(meta_src.as_ref())?;
    let meta_file = meta_src.name().to_owned();
    let body = codec::verify_checksum(&meta_bytes, &meta_file)?;
    let mut meta = Input::new(body, &meta_file, Endian::Big);
    let header = codec::read_index_header(&mut meta)?;
    let (fmt, data_codec) = match header.codec.as_str() {
        "Lucene70DocValuesMetadata" => (Format::L70, "Lucene70DocValuesData"),
        "Lucene80DocValuesMetadata" => (Format::L80 { version: header.version }, "Lucene80DocValuesData"),
        "Lucene90DocValuesMetadata" => (Format::L90 { version: header.version }, "Lucene90DocValuesData"),
        other => return Err(Error::unsupported(&meta_file, format!("doc-values format `{other}`"))),
    };
    let versions = match fmt {
        Format::L70 => 0..=1,
        Format::L80 { .. } => 0..=2,
        Format::L90 { .. } => 0..=2,
    };
    header.expect(&meta_file, &[header.codec.as_str()], versions.clone(), Some(id), Some(&segment_suffix))?;
    meta.endian = if matches!(fmt, Format::L90 { .. }) { Endian::Little } else { Endian::Big };
    let entry = find_numeric(&mut meta, fmt, fields, field.number)?;
    // The data file is checked (header, footer) even when the entry needs none of it, as Lucene
    // does when it opens the producer: a damaged file is reported, not ignored.
    let data_src = dir.open(&format!("{}_{segment_suffix}.dvd", info.name))?;
    let data_file = data_src.name().to_owned();
    // Up to this size the whole data file is read and its CRC-32 checked: a flipped bit in the
    // doc set would otherwise move a soft delete from one document to another unnoticed. Doc-values
    // update files (where soft deletes usually live) are small; a large segment's base file is
    // only checked for structure, as Lucene does when it opens one.
    let whole = if data_src.len() <= VERIFY_WHOLE_DATA_FILE {
        let bytes = directory::read_all(data_src.as_ref())?;
        codec::verify_checksum(&bytes, &data_file)?;
        Some(bytes)
    } else {
        codec::footer_checksum_of(data_src.as_ref())?;
        None
    };
    let head = match &whole {
        Some(b) => b[..b.len().min(256)].to_vec(),
        None => directory::read_range(data_src.as_ref(), 0, data_src.len().min(256))?,
    };
    let mut hin = Input::new(&head, &data_file, Endian::Big);
    codec::read_index_header(&mut hin)?.expect(&data_file, &[data_codec], versions, Some(id), Some(&segment_suffix))?;
    if entry.docs_with_field_offset == -2 {
        return Ok(None);
    }
    if entry.docs_with_field_offset == -1 {
        return Ok(Some(DocSet::All(info.max_doc, meta_file)));
    }
    let (off, len) = (entry.docs_with_field_offset, entry.docs_with_field_length);
    if off < 0 || len < 0 || (off as u64).saturating_add(len as u64) > data_src.len() {
        return Err(Error::corrupt(&meta_file, format!("field `{}`: doc set at {off}+{len} lies outside {data_file}", field.name)));
    }
    let data = match &whole {
        Some(b) => b[off as usize..(off + len) as usize].to_vec(),
        None => directory::read_range(data_src.as_ref(), off as u64, len as u64)?,
    };
    Ok(Some(DocSet::Disi { data, file: data_file, endian: meta.endian, dense_rank_power: entry.dense_rank_power }))
}

struct NumericEntry {
    docs_with_field_offset: i64,
    docs_with_field_length: i64,
    dense_rank_power: Option<u8>,
    num_values: i64,
}

/// Walk the entries of a `.dvm` until `target`'s. Entry type codes here are 0 numeric, 1 binary,
/// 2 sorted, 3 sorted set, 4 sorted numeric (not the `.fnm` numbering).
fn find_numeric(meta: &mut Input<'_>, fmt: Format, fields: &FieldInfos, target: u32) -> Result<NumericEntry> {
    loop {
        let number = meta.i32()?;
        if number == -1 {
            return Err(meta.corrupt(format!("no doc-values entry for field number {target}")));
        }
        let kind = meta.u8()?;
        let info = u32::try_from(number).ok().and_then(|n| fields.by_number(n)).ok_or_else(|| meta.corrupt(format!("doc-values entry for unknown field number {number}")))?;
        if matches!(fmt, Format::L90 { .. }) && info.dv_skip_index {
            // Skipper: offset, length, max value, min value (longs), doc count, max doc (ints),
            // and from version 2 the max value count.
            let n = if matches!(fmt, Format::L90 { version } if version >= 2) { 44 } else { 40 };
            meta.bytes(n)?;
        }
        if number as u32 == target {
            if kind != 0 {
                return Err(meta.corrupt(format!("field {target}: doc-values entry type {kind}, expected numeric (0)")));
            }
            return read_numeric(meta, fmt);
        }
        match kind {
            0 => {
                read_numeric(meta, fmt)?;
            }
            1 => {
                let compressed = match fmt {
                    Format::L80 { version } if version >= 2 => info.attribute("Lucene80DocValuesFormat.mode") == Some("BEST_COMPRESSION"),
                    Format::L80 { version } => version >= 1,
                    _ => false,
                };
                skip_binary(meta, fmt, compressed)?
            }
            2 => skip_sorted(meta, fmt)?,
            3 => skip_sorted_set(meta, fmt)?,
            4 => skip_sorted_numeric(meta, fmt)?,
            k => return Err(meta.corrupt(format!("invalid doc-values entry type {k} for field {number}"))),
        }
    }
}

/// `docsWithField*` then, from Lucene 8, the jump-table count and rank power.
fn read_docs_with_field(meta: &mut Input<'_>, fmt: Format) -> Result<(i64, i64, Option<u8>)> {
    let offset = meta.i64()?;
    let length = meta.i64()?;
    let dense_rank_power = if matches!(fmt, Format::L70) {
        None
    } else {
        let _jump_table_entries = meta.i16()?;
        match meta.u8()? {
            0xFF => None,
            p @ 7..=15 => Some(p),
            p => return Err(meta.corrupt(format!("invalid dense rank power {p}"))),
        }
    };
    Ok((offset, length, dense_rank_power))
}

fn read_numeric(meta: &mut Input<'_>, fmt: Format) -> Result<NumericEntry> {
    let (docs_with_field_offset, docs_with_field_length, dense_rank_power) = read_docs_with_field(meta, fmt)?;
    let num_values = meta.i64()?;
    let table_size = meta.i32()?;
    if table_size > 256 {
        return Err(meta.corrupt(format!("invalid numeric table size {table_size}")));
    }
    for _ in 0..table_size.max(0) {
        meta.i64()?;
    }
    let _bits_per_value = meta.u8()?;
    let _min_value = meta.i64()?;
    let _gcd = meta.i64()?;
    let _values_offset = meta.i64()?;
    let _values_length = meta.i64()?;
    if !matches!(fmt, Format::L70) {
        let _value_jump_table_offset = meta.i64()?;
    }
    Ok(NumericEntry { docs_with_field_offset, docs_with_field_length, dense_rank_power, num_values })
}

fn skip_binary(meta: &mut Input<'_>, fmt: Format, compressed: bool) -> Result<()> {
    let _data_offset = meta.i64()?;
    let _data_length = meta.i64()?;
    read_docs_with_field(meta, fmt)?;
    let num_docs_with_field = meta.i32()?;
    let min_length = meta.i32()?;
    let max_length = meta.i32()?;
    if (compressed && num_docs_with_field > 0) || min_length < max_length {
        let _addresses_offset = meta.i64()?;
        let mut num_addresses = i64::from(num_docs_with_field) + 1;
        if compressed {
            num_addresses = i64::from(meta.vint()?);
            let _docs_per_chunk_shift = meta.vint()?;
            let _max_uncompressed_chunk = meta.vint()?;
        }
        skip_addresses(meta, num_addresses)?;
    }
    Ok(())
}

fn skip_sorted(meta: &mut Input<'_>, fmt: Format) -> Result<()> {
    if matches!(fmt, Format::L90 { .. }) {
        // Lucene 9 stores the ordinals as a numeric entry.
        read_numeric(meta, fmt)?;
    } else {
        read_docs_with_field(meta, fmt)?;
        let _num_docs_with_field = meta.i32()?;
        let _bits_per_value = meta.u8()?;
        let _ords_offset = meta.i64()?;
        let _ords_length = meta.i64()?;
    }
    skip_terms_dict(meta, fmt)
}

fn skip_sorted_set(meta: &mut Input<'_>, fmt: Format) -> Result<()> {
    match meta.u8()? {
        0 => return skip_sorted(meta, fmt),
        1 => {}
        b => return Err(meta.corrupt(format!("invalid sorted-set multi-valued flag {b}"))),
    }
    if matches!(fmt, Format::L90 { .. }) {
        skip_sorted_numeric(meta, fmt)?;
    } else {
        read_docs_with_field(meta, fmt)?;
        let _bits_per_value = meta.u8()?;
        let _ords_offset = meta.i64()?;
        let _ords_length = meta.i64()?;
        let num_docs_with_field = meta.i32()?;
        let _addresses_offset = meta.i64()?;
        skip_addresses(meta, i64::from(num_docs_with_field) + 1)?;
    }
    skip_terms_dict(meta, fmt)
}

fn skip_sorted_numeric(meta: &mut Input<'_>, fmt: Format) -> Result<()> {
    let entry = read_numeric(meta, fmt)?;
    let num_docs_with_field = meta.i32()?;
    if i64::from(num_docs_with_field) != entry.num_values {
        let _addresses_offset = meta.i64()?;
        skip_addresses(meta, i64::from(num_docs_with_field) + 1)?;
    }
    Ok(())
}

fn skip_terms_dict(meta: &mut Input<'_>, fmt: Format) -> Result<()> {
    let size = meta.vlong()?;
    if size > i64::MAX as u64 / 2 {
        return Err(meta.corrupt(format!("invalid terms dictionary size {size}")));
    }
    let size = size as i64;
    let shift_of = |meta: &Input<'_>, v: i32| -> Result<u32> {
        u32::try_from(v).ok().filter(|s| *s < 31).ok_or_else(|| meta.corrupt(format!("invalid terms dictionary shift {v}")))
    };
    let (dict_shift, compressed) = match fmt {
        Format::L70 => (shift_of(meta, meta.clone().i32()?)?, false),
        Format::L80 { .. } => {
            let code = meta.clone().i32()?;
            if code == 6 << 16 | 1 {
                (6, true)
            } else {
                (shift_of(meta, code)?, false)
            }
        }
        Format::L90 { .. } => (6, true),
    };
    if !matches!(fmt, Format::L90 { .. }) {
        meta.i32()?; // the block shift (or code) peeked above
    }
    let block_shift = meta.i32()?;
    let block_shift = u32::try_from(block_shift).map_err(|_| meta.corrupt(format!("invalid block shift {block_shift}")))?;
    skip_monotonic_meta(meta, (size + (1i64 << dict_shift) - 1) >> dict_shift, block_shift)?;
    let _max_term_length = meta.i32()?;
    if compressed {
        let _max_block_length = meta.i32()?;
    }
    for _ in 0..4 {
        meta.i64()?;
    }
    let index_shift = meta.i32()?;
    let index_shift = shift_of(meta, index_shift)?;
    skip_monotonic_meta(meta, 1 + ((size + (1i64 << index_shift) - 1) >> index_shift), block_shift)?;
    for _ in 0..4 {
        meta.i64()?;
    }
    Ok(())
}

/// The tail of an addresses block: block shift (VInt), monotonic meta, length (long).
fn skip_addresses(meta: &mut Input<'_>, num_addresses: i64) -> Result<()> {
    let block_shift = meta.vint()?;
    skip_monotonic_meta(meta, num_addresses, block_shift)?;
    let _addresses_length = meta.i64()?;
    Ok(())
}

/// `DirectMonotonicReader.loadMeta`: per block of 2^blockShift values, min (long), average (float
/// bits, int), offset (long), bits per value (byte).
fn skip_monotonic_meta(meta: &mut Input<'_>, num_values: i64, block_shift: u32) -> Result<()> {
    if num_values == 0 {
        return Ok(());
    }
    if !(2..=30).contains(&block_shift) || num_values < 0 {
        return Err(meta.corrupt(format!("invalid monotonic block shift {block_shift} for {num_values} values")));
    }
    let blocks = (num_values + (1i64 << block_shift) - 1) >> block_shift;
    let bytes = blocks as usize * 21;
    meta.bytes(bytes)?;
    Ok(())
}

impl DocSet {
    /// The file the set was read from.
    pub fn file(&self) -> &str {
        match self {
            DocSet::All(_, f) | DocSet::Disi { file: f, .. } => f,
        }
    }

    /// Call `f` for every document in the set, in order.
    pub fn for_each(&self, mut f: impl FnMut(u32)) -> Result<()> {
        match self {
            DocSet::All(n, _) => {
                (0..*n).for_each(f);
                Ok(())
            }
            DocSet::Disi { data, file, endian, dense_rank_power } => {
                let mut input = Input::new(data, file, *endian);
                let mut last_block: i32 = -1;
                loop {
                    let block = input.i16()? as u16 as u32;
                    let count = input.i16()? as u16 as u32 + 1;
                    if block as i32 <= last_block {
                        return Err(input.corrupt(format!("doc-set block {block} after block {last_block}")));
                    }
                    last_block = block as i32;
                    let base = block << 16;
                    // ALL; SPARSE up to MAX_ARRAY_LENGTH (4095) documents; DENSE in between.
                    if count == 65536 {
                        (base..base + 65536).for_each(&mut f);
                    } else if count <= 4095 {
                        for _ in 0..count {
                            let low = input.i16()? as u16 as u32;
                            if block == 32767 && low == 0xFFFF {
                                return Ok(());
                            }
                            f(base | low);
                        }
                    } else {
                        if let Some(p) = dense_rank_power {
                            input.bytes(1usize << (17 - p))?;
                        }
                        let mut seen = 0;
                        for w in 0..1024u32 {
                            let mut word = input.i64()? as u64;
                            seen += word.count_ones();
                            while word != 0 {
                                let bit = word.trailing_zeros();
                                f(base + w * 64 + bit);
                                word &= word - 1;
                            }
                        }
                        if seen != count {
                            return Err(input.corrupt(format!("dense doc-set block {block} holds {seen} documents, its header says {count}")));
                        }
                    }
                    if block == 32767 {
                        return Err(input.corrupt("doc set does not end with the end-of-set marker"));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disi(blocks: &[(u16, Vec<u32>)], endian: Endian, rank_power: Option<u8>) -> DocSet {
        let mut out = Vec::new();
        let short = |out: &mut Vec<u8>, v: u16| match endian {
            Endian::Big => out.extend_from_slice(&v.to_be_bytes()),
            Endian::Little => out.extend_from_slice(&v.to_le_bytes()),
        };
        for (block, docs) in blocks {
            short(&mut out, *block);
            short(&mut out, (docs.len() - 1) as u16);
            if docs.len() == 65536 {
            } else if docs.len() <= 4095 {
                for d in docs {
                    short(&mut out, (*d & 0xFFFF) as u16);
                }
            } else {
                if let Some(p) = rank_power {
                    out.extend(std::iter::repeat_n(0u8, 1 << (17 - p)));
                }
                let mut words = [0u64; 1024];
                for d in docs {
                    let low = d & 0xFFFF;
                    words[(low / 64) as usize] |= 1 << (low % 64);
                }
                for w in words {
                    match endian {
                        Endian::Big => out.extend_from_slice(&w.to_be_bytes()),
                        Endian::Little => out.extend_from_slice(&w.to_le_bytes()),
                    }
                }
            }
        }
        short(&mut out, 32767);
        short(&mut out, 0);
        short(&mut out, 0xFFFF);
        // A jump table may follow; it is never read.
        out.extend_from_slice(&[0xAB; 16]);
        DocSet::Disi { data: out, file: "t.dvd".into(), endian, dense_rank_power: rank_power }
    }

    #[test]
    fn sparse_dense_and_all_blocks() {
        let sparse: Vec<u32> = vec![3, 77, 65535];
        let dense: Vec<u32> = (0..4096).map(|i| (1 << 16) + i * 16).collect();
        let all: Vec<u32> = (0..65536).map(|i| (2 << 16) + i).collect();
        let edge: Vec<u32> = (0..4095).map(|i| (3 << 16) + i * 3).collect();
        let want: Vec<u32> = [&sparse[..], &dense, &all, &edge].concat();
        for (endian, rank) in [(Endian::Big, None), (Endian::Little, Some(9))] {
            let set = disi(&[(0, sparse.clone()), (1, dense.clone()), (2, all.clone()), (3, edge.clone())], endian, rank);
            let mut got = Vec::new();
            set.for_each(|d| got.push(d)).unwrap();
            assert_eq!(got, want, "{endian:?}");
        }
    }

    #[test]
    fn malformed_sets_are_errors() {
        let DocSet::Disi { mut data, .. } = disi(&[(0, vec![1, 2])], Endian::Big, None) else { unreachable!() };
        data.truncate(8);
        let set = DocSet::Disi { data, file: "t.dvd".into(), endian: Endian::Big, dense_rank_power: None };
        assert!(set.for_each(|_| {}).unwrap_err().to_string().starts_with("t.dvd: corrupt"));
        let set = disi(&[(5, vec![1]), (5, vec![2])], Endian::Big, None);
        assert!(set.for_each(|_| {}).unwrap_err().to_string().contains("after block 5"));
    }
}
