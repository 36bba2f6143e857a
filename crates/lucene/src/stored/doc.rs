//! One document's stored fields, decoded lazily from the decompressed chunk.

use crate::error::{Error, Result};
use crate::input::{Endian, Input};

const STRING: u64 = 0;
const BYTES: u64 = 1;
const INT: u64 = 2;
const FLOAT: u64 = 3;
const LONG: u64 = 4;
const DOUBLE: u64 = 5;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    String(&'a str),
    Bytes(&'a [u8]),
    Int(i32),
    Long(i64),
    Float(f32),
    Double(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field<'a> {
    pub number: u32,
    pub value: Value<'a>,
}

#[derive(Clone, Copy)]
pub struct StoredDoc<'a> {
    data: &'a [u8],
    num_fields: u32,
    endian: Endian,
    file: &'a str,
    doc: u32,
    position: u64,
}

impl<'a> StoredDoc<'a> {
    pub(crate) fn new(data: &'a [u8], num_fields: u32, endian: Endian, file: &'a str, doc: u32) -> Self {
        StoredDoc { data, num_fields, endian, file, doc, position: 0 }
    }

    pub(crate) fn at(mut self, position: u64) -> Self {
        self.position = position;
        self
    }

    /// How far into the stored-fields file the scan has read (the end of this document's chunk):
    /// progress for long scans.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The encoded size of the document's stored fields.
    pub fn encoded_len(&self) -> usize {
        self.data.len()
    }

    pub fn num_fields(&self) -> u32 {
        self.num_fields
    }

    /// Segment-local document id.
    pub fn doc(&self) -> u32 {
        self.doc
    }

    pub fn file(&self) -> &'a str {
        self.file
    }

    pub fn fields(&self) -> FieldIter<'a> {
        FieldIter { input: Input::new(self.data, self.file, self.endian), left: self.num_fields, doc: self.doc }
    }
}

pub struct FieldIter<'a> {
    input: Input<'a>,
    left: u32,
    doc: u32,
}

impl<'a> FieldIter<'a> {
    fn next_field(&mut self) -> Result<Field<'a>> {
        let info = self.input.vlong()?;
        let number = u32::try_from(info >> 3).map_err(|_| self.input.corrupt("field number out of range"))?;
        let i = &mut self.input;
        let value = match info & 7 {
            STRING => Value::String(i.string()?),
            BYTES => {
                let n = i.vlen("value length")?;
                Value::Bytes(i.bytes(n)?)
            }
            INT => Value::Int(i.zint()?),
            FLOAT => Value::Float(read_zfloat(i)?),
            LONG => Value::Long(read_tlong(i)?),
            DOUBLE => Value::Double(read_zdouble(i)?),
            t => return Err(i.corrupt(format!("unknown stored value type {t}"))),
        };
        Ok(Field { number, value })
    }
}

impl<'a> Iterator for FieldIter<'a> {
    type Item = Result<Field<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            if self.input.remaining() != 0 {
                let doc = self.doc;
                let n = self.input.remaining();
                self.input.seek(self.input.len()).ok()?;
                return Some(Err(Error::corrupt(self.input.file(), format!("document {doc}: {n} bytes left after its last stored field"))));
            }
            return None;
        }
        self.left -= 1;
        let r = self.next_field().map_err(|e| match e {
            Error::Corrupt { file, detail } => Error::Corrupt { file, detail: format!("document {}: {detail}", self.doc) },
            e => e,
        });
        if r.is_err() {
            self.left = 0;
            let end = self.input.len();
            let _ = self.input.seek(end);
        }
        Some(r)
    }
}

fn read_zfloat(i: &mut Input<'_>) -> Result<f32> {
    let b = i.u8()?;
    Ok(if b == 0xFF {
        f32::from_bits(i.i32()? as u32)
    } else if b & 0x80 != 0 {
        (i32::from(b & 0x7F) - 1) as f32
    } else {
        let s = i.i16()? as u16;
        let last = i.u8()?;
        f32::from_bits(u32::from(b) << 24 | u32::from(s) << 8 | u32::from(last))
    })
}

fn read_zdouble(i: &mut Input<'_>) -> Result<f64> {
    let b = i.u8()?;
    Ok(if b == 0xFF {
        f64::from_bits(i.i64()? as u64)
    } else if b == 0xFE {
        f64::from(f32::from_bits(i.i32()? as u32))
    } else if b & 0x80 != 0 {
        f64::from(i32::from(b & 0x7F) - 1)
    } else {
        let hi = i.i32()? as u32;
        let s = i.i16()? as u16;
        let last = i.u8()?;
        f64::from_bits(u64::from(b) << 56 | u64::from(hi) << 24 | u64::from(s) << 8 | u64::from(last))
    })
}

/// Timestamps are common in stored longs, so Lucene factors out whole seconds, hours and days.
fn read_tlong(i: &mut Input<'_>) -> Result<i64> {
    const SECOND: i64 = 1000;
    const HOUR: i64 = 60 * 60 * SECOND;
    const DAY: i64 = 24 * HOUR;
    let header = u64::from(i.u8()?);
    let mut bits = header & 0x1F;
    if header & 0x20 != 0 {
        bits |= i.vlong()? << 5;
    }
    let l = ((bits >> 1) as i64) ^ -((bits & 1) as i64);
    Ok(match header & 0xC0 {
        0x40 => l.wrapping_mul(SECOND),
        0x80 => l.wrapping_mul(HOUR),
        0xC0 => l.wrapping_mul(DAY),
        _ => l,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(data: &[u8], n: u32, endian: Endian) -> Vec<Value<'_>> {
        StoredDoc::new(data, n, endian, "t", 0).fields().map(|f| f.unwrap().value).collect()
    }

    #[test]
    fn compact_numbers() {
        // field 1 INT zigzag(-3)=5; field 2 LONG 3 hours (0x80 | zigzag(3)=6); field 3 FLOAT small int 7 (0x80|8);
        // field 4 DOUBLE -1 (0x80|0); field 5 LONG with VLong continuation: 1000 = zigzag 2000 → low5=16, rest 62.
        let data = [
            (1 << 3) | 2,
            5,
            (2 << 3) | 4,
            0x86,
            (3 << 3) | 3,
            0x88,
            (4 << 3) | 5,
            0x80,
            (5 << 3) | 4,
            0x20 | 16,
            62,
        ];
        assert_eq!(
            fields(&data, 5, Endian::Big),
            [Value::Int(-3), Value::Long(3 * 3_600_000), Value::Float(7.0), Value::Double(-1.0), Value::Long(1000)]
        );
    }

    #[test]
    fn floats_in_file_byte_order() {
        let f = 1.5f32.to_bits(); // 0x3FC00000: positive, encoded as b, short, byte
        let be = [(1 << 3) | 3, (f >> 24) as u8, (f >> 16) as u8, (f >> 8) as u8, f as u8];
        assert_eq!(fields(&be, 1, Endian::Big), [Value::Float(1.5)]);
        let le = [(1 << 3) | 3, (f >> 24) as u8, (f >> 8) as u8, (f >> 16) as u8, f as u8];
        assert_eq!(fields(&le, 1, Endian::Little), [Value::Float(1.5)]);
        let neg = (-2.25f64).to_bits().to_le_bytes();
        let mut d = vec![(1 << 3) | 5, 0xFF];
        d.extend_from_slice(&neg);
        assert_eq!(fields(&d, 1, Endian::Little), [Value::Double(-2.25)]);
    }

    #[test]
    fn leftover_bytes_are_corruption() {
        let data = [(1 << 3) | 2, 5, 9];
        let mut it = StoredDoc::new(&data, 1, Endian::Big, "_0.fdt", 4).fields();
        assert!(it.next().unwrap().is_ok());
        let e = it.next().unwrap().unwrap_err().to_string();
        assert!(e.contains("document 4: 1 bytes left"), "{e}");
        assert!(it.next().is_none());
    }
}
