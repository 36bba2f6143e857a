//! Which documents of a segment are live: hard deletes from `<seg>_<delGen>.liv`, and soft deletes
//! from the soft-deletes field's doc values.

use crate::codec::{self, ID_LEN};
use crate::directory::{self, Directory};
use crate::error::{Error, Result};
use crate::input::{base36, Endian, Input};

/// A bit per document; set = live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bits {
    words: Vec<u64>,
    len: u32,
}

impl Bits {
    pub fn all_set(len: u32) -> Self {
        let mut words = vec![u64::MAX; words_for(len)];
        if len % 64 != 0 {
            if let Some(last) = words.last_mut() {
                *last = (1u64 << (len % 64)) - 1;
            }
        }
        Bits { words, len }
    }

    pub fn from_words(words: Vec<u64>, len: u32) -> Self {
        Bits { words, len }
    }

    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub fn get(&self, i: u32) -> bool {
        self.words.get((i / 64) as usize).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    pub fn clear(&mut self, i: u32) {
        if let Some(w) = self.words.get_mut((i / 64) as usize) {
            *w &= !(1u64 << (i % 64));
        }
    }

    pub fn count_ones(&self) -> u32 {
        self.words.iter().map(|w| w.count_ones()).sum()
    }
}

pub(crate) fn words_for(len: u32) -> usize {
    (len as usize).div_ceil(64)
}

/// Read `<segment>_<delGen>.liv` (hard deletes).
pub fn read_liv(dir: &dyn Directory, segment: &str, id: &[u8; ID_LEN], del_gen: i64, max_doc: u32, del_count: u32) -> Result<Bits> {
    let gen = base36(del_gen as u64);
    let source = dir.open(&format!("{segment}_{gen}.liv"))?;
    let data = directory::read_all(source.as_ref())?;
    let file = source.name();
    let body = codec::verify_checksum(&data, file)?;
    let mut input = Input::new(body, file, Endian::Big);
    let header = codec::read_index_header(&mut input)?;
    input.endian = match header.codec.as_str() {
        "Lucene50LiveDocs" => Endian::Big,
        "Lucene90LiveDocs" => Endian::Little,
        other => return Err(Error::unsupported(file, format!("live-docs format `{other}`"))),
    };
    header.expect(file, &[header.codec.as_str()], 0..=0, Some(id), Some(&gen))?;
    let n = words_for(max_doc);
    if input.remaining() != n * 8 {
        return Err(input.corrupt(format!("holds {} bytes of bits, {} expected for {max_doc} documents", input.remaining(), n * 8)));
    }
    let words = (0..n).map(|_| input.i64().map(|w| w as u64)).collect::<Result<Vec<_>>>()?;
    let bits = Bits::from_words(words, max_doc);
    let live = bits.count_ones();
    if max_doc - live.min(max_doc) != del_count || live > max_doc {
        return Err(Error::corrupt(file, format!("marks {} of {max_doc} documents deleted, the commit says {del_count}", max_doc.saturating_sub(live))));
    }
    Ok(bits)
}
