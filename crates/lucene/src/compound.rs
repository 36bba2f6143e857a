//! Compound files: `<segment>.cfe` lists `(name, offset, length)` entries of sub-files packed whole
//! (each with its own header and footer) into `<segment>.cfs`.

use std::collections::HashMap;
use std::sync::Arc;

use crate::codec::{self, ID_LEN};
use crate::directory::{self, Directory, FileSource, SliceFile};
use crate::error::{Error, Result};
use crate::input::{Endian, Input};

#[derive(Debug)]
pub struct CompoundDirectory {
    name: String,
    segment: String,
    data: Arc<dyn FileSource>,
    entries: HashMap<String, (u64, u64)>,
}

impl CompoundDirectory {
    pub fn open(dir: &dyn Directory, segment: &str, id: &[u8; ID_LEN]) -> Result<Self> {
        let cfe = dir.open(&format!("{segment}.cfe"))?;
        let bytes = directory::read_all(cfe.as_ref())?;
        let file = cfe.name();
        let body = codec::verify_checksum(&bytes, file)?;
        let mut input = Input::new(body, file, Endian::Big);
        let header = codec::read_index_header(&mut input)?;
        let (data_codec, endian) = match header.codec.as_str() {
            "Lucene50CompoundEntries" => ("Lucene50CompoundData", Endian::Big),
            "Lucene90CompoundEntries" => ("Lucene90CompoundData", Endian::Little),
            other => return Err(Error::unsupported(file, format!("compound format `{other}`"))),
        };
        header.expect(file, &[header.codec.as_str()], 0..=0, Some(id), Some(""))?;
        input.endian = endian;
        let n = input.vlen("entry count")?;
        let data = dir.open(&format!("{segment}.cfs"))?;
        let mut entries = HashMap::with_capacity(n);
        for _ in 0..n {
            let name = input.string()?.to_owned();
            let offset = input.i64()?;
            let length = input.i64()?;
            let fits = offset >= 0 && length >= 0 && (offset as u64).checked_add(length as u64).is_some_and(|end| end <= data.len());
            if !fits {
                return Err(input.corrupt(format!(
                    "entry {name} at offset {offset} length {length} lies outside {} ({} bytes)",
                    data.name(),
                    data.len()
                )));
            }
            if entries.insert(name.clone(), (offset as u64, length as u64)).is_some() {
                return Err(input.corrupt(format!("duplicate entry {name}")));
            }
        }
        if input.remaining() != 0 {
            return Err(input.corrupt("unexpected bytes after the entries"));
        }
        // The data file ends with the last entry and its own footer (Lucene checks the same).
        let end = entries.values().map(|&(o, l)| o + l).max().unwrap_or(0);
        if end + codec::FOOTER_LEN as u64 != data.len() {
            return Err(Error::corrupt(data.name(), format!("{} bytes long, its entries end at {end} (truncated or extended?)", data.len())));
        }
        codec::footer_checksum_of(data.as_ref())?;
        // The data file's own header must belong to this segment too.
        let head_len = (data.len()).min(64) as usize;
        let mut head = vec![0u8; head_len];
        data.read_at(0, &mut head).map_err(|e| Error::Io { file: data.name().to_owned(), source: e })?;
        let mut hin = Input::new(&head, data.name(), Endian::Big);
        codec::read_index_header(&mut hin)?.expect(data.name(), &[data_codec], 0..=0, Some(id), Some(""))?;
        Ok(CompoundDirectory { name: data.name().to_owned(), segment: segment.to_owned(), data, entries })
    }
}

impl Directory for CompoundDirectory {
    fn name(&self) -> &str {
        &self.name
    }

    fn list(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self.entries.keys().map(|k| format!("{}{k}", self.segment)).collect();
        names.sort();
        Ok(names)
    }

    fn open(&self, file: &str) -> Result<Arc<dyn FileSource>> {
        let key = file.strip_prefix(&self.segment).unwrap_or(file);
        let &(offset, len) = self.entries.get(key).ok_or_else(|| Error::Missing { file: file.to_owned(), by: self.name.clone() })?;
        Ok(Arc::new(SliceFile::new(self.data.clone(), offset, len, format!("{} ({file})", self.name))))
    }
}
