//! Lucene's `DataInput` primitives over a byte slice.
//!
//! VInts, strings and codec headers are the same in every version; fixed-width ints are big-endian
//! in files written by Lucene ≤ 8 and little-endian from Lucene 9, so the cursor carries the byte
//! order of the file it reads. Every read is bounds-checked and a short read is reported as
//! truncation of the named file.

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    Big,
    Little,
}

#[derive(Clone)]
pub struct Input<'a> {
    buf: &'a [u8],
    pos: usize,
    file: &'a str,
    pub endian: Endian,
}

impl<'a> Input<'a> {
    pub fn new(buf: &'a [u8], file: &'a str, endian: Endian) -> Self {
        Input { buf, pos: 0, file, endian }
    }

    pub fn file(&self) -> &'a str {
        self.file
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn seek(&mut self, pos: usize) -> Result<()> {
        if pos > self.buf.len() {
            return Err(self.truncated(pos - self.buf.len()));
        }
        self.pos = pos;
        Ok(())
    }

    pub fn corrupt(&self, detail: impl std::fmt::Display) -> Error {
        Error::corrupt(self.file, format!("{detail} (at offset {})", self.pos))
    }

    pub fn truncated(&self, missing: usize) -> Error {
        Error::corrupt(self.file, format!("truncated: {missing} more byte(s) needed at offset {}", self.pos))
    }

    #[inline]
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len()).ok_or_else(|| self.truncated(n - self.remaining().min(n)))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        Ok(self.bytes(N)?.try_into().expect("length checked"))
    }

    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.truncated(1)),
        }
    }

    pub fn be_u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub fn be_u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    pub fn be_i32(&mut self) -> Result<i32> {
        Ok(self.be_u32()? as i32)
    }

    pub fn be_i64(&mut self) -> Result<i64> {
        Ok(self.be_u64()? as i64)
    }

    /// A fixed-width int in the file's byte order.
    pub fn i16(&mut self) -> Result<i16> {
        let b = self.array()?;
        Ok(match self.endian {
            Endian::Big => i16::from_be_bytes(b),
            Endian::Little => i16::from_le_bytes(b),
        })
    }

    pub fn i32(&mut self) -> Result<i32> {
        let b = self.array()?;
        Ok(match self.endian {
            Endian::Big => i32::from_be_bytes(b),
            Endian::Little => i32::from_le_bytes(b),
        })
    }

    pub fn i64(&mut self) -> Result<i64> {
        let b = self.array()?;
        Ok(match self.endian {
            Endian::Big => i64::from_be_bytes(b),
            Endian::Little => i64::from_le_bytes(b),
        })
    }

    #[inline]
    pub fn vint(&mut self) -> Result<u32> {
        // Fast path: one byte.
        if let Some(&b) = self.buf.get(self.pos) {
            if b < 0x80 {
                self.pos += 1;
                return Ok(u32::from(b));
            }
        }
        let mut value: u32 = 0;
        for shift in (0..35).step_by(7) {
            let b = self.u8()?;
            if shift == 28 && b & 0xF0 != 0 {
                return Err(self.corrupt("invalid vInt (more than 32 bits)"));
            }
            value |= u32::from(b & 0x7F) << shift;
            if b < 0x80 {
                return Ok(value);
            }
        }
        unreachable!("the loop returns on the fifth byte")
    }

    #[inline]
    pub fn vlong(&mut self) -> Result<u64> {
        let mut value: u64 = 0;
        for shift in (0..63).step_by(7) {
            let b = self.u8()?;
            value |= u64::from(b & 0x7F) << shift;
            if b < 0x80 {
                return Ok(value);
            }
        }
        Err(self.corrupt("invalid vLong (more than 9 bytes)"))
    }

    /// A VInt that must be a non-negative length or count that fits in the remaining input, so a
    /// corrupt count can never make the reader allocate more than the file holds.
    pub fn vlen(&mut self, what: &str) -> Result<usize> {
        let n = self.vint()? as usize;
        if n > self.remaining() {
            return Err(self.corrupt(format!("{what} {n} exceeds the {} bytes left", self.remaining())));
        }
        Ok(n)
    }

    pub fn zint(&mut self) -> Result<i32> {
        let v = self.vint()?;
        Ok(((v >> 1) as i32) ^ -((v & 1) as i32))
    }

    pub fn string(&mut self) -> Result<&'a str> {
        let n = self.vlen("string length")?;
        let b = self.bytes(n)?;
        std::str::from_utf8(b).map_err(|_| self.corrupt("string is not valid UTF-8"))
    }

    pub fn string_set(&mut self) -> Result<Vec<String>> {
        let n = self.vlen("set size")?;
        (0..n).map(|_| self.string().map(str::to_owned)).collect()
    }

    pub fn string_map(&mut self) -> Result<Vec<(String, String)>> {
        let n = self.vlen("map size")?;
        (0..n).map(|_| Ok((self.string()?.to_owned(), self.string()?.to_owned()))).collect()
    }

    /// Lucene 5.0's `readStringStringMap`: an int count, then pairs.
    pub fn legacy_string_map(&mut self) -> Result<Vec<(String, String)>> {
        let n = self.i32()?;
        if n < 0 || n as usize > self.remaining() {
            return Err(self.corrupt(format!("invalid map size {n}")));
        }
        (0..n).map(|_| Ok((self.string()?.to_owned(), self.string()?.to_owned()))).collect()
    }
}

/// Base 36, as Lucene names generations (`segments_a`, `_0_1.liv`).
pub fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

pub fn parse_base36(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 13 {
        return None;
    }
    u64::from_str_radix(s, 36).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vints() {
        let data = [0x7F, 0x80, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F];
        let mut i = Input::new(&data, "t", Endian::Big);
        assert_eq!(i.vint().unwrap(), 127);
        assert_eq!(i.vint().unwrap(), 128);
        assert_eq!(i.vint().unwrap(), u32::MAX);
        let e = i.vint().unwrap_err().to_string();
        assert!(e.starts_with("t: corrupt: invalid vInt"), "{e}");
    }

    #[test]
    fn truncation_names_file() {
        let mut i = Input::new(&[1, 2], "_0.fdt", Endian::Little);
        let e = i.i32().unwrap_err().to_string();
        assert_eq!(e, "_0.fdt: corrupt: truncated: 2 more byte(s) needed at offset 0");
    }

    #[test]
    fn zigzag_and_base36() {
        let mut i = Input::new(&[0x03, 0x04], "t", Endian::Big);
        assert_eq!(i.zint().unwrap(), -2);
        assert_eq!(i.zint().unwrap(), 2);
        assert_eq!(base36(0), "0");
        assert_eq!(base36(10), "a");
        assert_eq!(base36(36 * 36 + 35), "10z");
        assert_eq!(parse_base36("10z"), Some(36 * 36 + 35));
    }
}
