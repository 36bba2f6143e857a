//! LZ4 block decoding as Lucene frames it.
//!
//! Hand-written rather than taken from a crate because Lucene's plain LZ4 mode stores no compressed
//! length: the block ends when the expected number of bytes has been produced, and the caller needs
//! to know how many input bytes that took. The decoder also takes an external dictionary (the
//! preset-dictionary modes of Lucene 8.7+, where each block may copy from the chunk's dictionary).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lz4Error {
    Truncated,
    BadOffset { offset: usize, available: usize },
    Overrun { at: usize, len: usize },
}

impl fmt::Display for Lz4Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lz4Error::Truncated => write!(f, "LZ4 data ends early"),
            Lz4Error::BadOffset { offset, available } => write!(f, "LZ4 match offset {offset} reaches before the start of the data ({available} bytes available)"),
            Lz4Error::Overrun { at, len } => write!(f, "LZ4 sequence at output byte {at} overruns the expected length {len}"),
        }
    }
}

/// Decode into `out` (its whole length is the expected decompressed size), with `dict` logically
/// preceding `out`. Returns the number of input bytes consumed. Like Lucene, at least one sequence
/// token is read even when `out` is empty.
pub fn decompress(input: &[u8], out: &mut [u8], dict: &[u8]) -> Result<usize, Lz4Error> {
    let end = out.len();
    decompress_with_slack(input, out, end, dict)
}

/// As [`decompress`], producing `out[..end]`; bytes of `out` past `end` are scratch space that
/// short copies may overwrite, which lets them move 16 bytes at a time instead of calling memmove
/// for every literal run and match (most are shorter than 16 bytes in JSON).
pub fn decompress_with_slack(input: &[u8], out: &mut [u8], end: usize, dict: &[u8]) -> Result<usize, Lz4Error> {
    assert!(end <= out.len(), "end within the buffer");
    let cap = out.len();
    let mut ip = 0usize;
    let mut op = 0usize;
    let byte = |ip: &mut usize| -> Result<u8, Lz4Error> {
        let b = *input.get(*ip).ok_or(Lz4Error::Truncated)?;
        *ip += 1;
        Ok(b)
    };
    loop {
        let token = byte(&mut ip)?;
        let mut literal_len = (token >> 4) as usize;
        if literal_len == 0x0F {
            loop {
                let b = byte(&mut ip)?;
                literal_len += b as usize;
                if b != 0xFF {
                    break;
                }
            }
        }
        if literal_len > 0 {
            if op + literal_len > end {
                return Err(Lz4Error::Overrun { at: op, len: end });
            }
            if literal_len <= 16 && ip + 16 <= input.len() && op + 16 <= cap {
                copy16(&input[ip..ip + 16], &mut out[op..op + 16]);
            } else {
                let src = input.get(ip..ip + literal_len).ok_or(Lz4Error::Truncated)?;
                out[op..op + literal_len].copy_from_slice(src);
            }
            if ip + literal_len > input.len() {
                return Err(Lz4Error::Truncated);
            }
            ip += literal_len;
            op += literal_len;
        }
        if op >= end {
            return Ok(ip);
        }
        let lo = byte(&mut ip)? as usize;
        let hi = byte(&mut ip)? as usize;
        let offset = lo | hi << 8;
        let mut match_len = (token & 0x0F) as usize;
        if match_len == 0x0F {
            loop {
                let b = byte(&mut ip)?;
                match_len += b as usize;
                if b != 0xFF {
                    break;
                }
            }
        }
        match_len += 4;
        if op + match_len > end {
            return Err(Lz4Error::Overrun { at: op, len: end });
        }
        if offset == 0 || offset > op + dict.len() {
            return Err(Lz4Error::BadOffset { offset, available: op + dict.len() });
        }
        if offset > op {
            // Starts in the dictionary; may continue into the output.
            let from_dict = (offset - op).min(match_len);
            let start = dict.len() - (offset - op);
            out[op..op + from_dict].copy_from_slice(&dict[start..start + from_dict]);
            op += from_dict;
            match_len -= from_dict;
            if match_len > 0 {
                // The rest copies from the start of `out` onward.
                copy_match(out, op, op, match_len);
                op += match_len;
            }
        } else if offset >= 16 && op + match_len + 16 <= cap {
            // Non-overlapping 16-byte steps; may write up to 15 bytes of scratch past the match.
            let mut src = op - offset;
            let stop = op + match_len;
            let mut dst = op;
            while dst < stop {
                let (head, tail) = out.split_at_mut(dst);
                copy16(&head[src..src + 16], &mut tail[..16]);
                src += 16;
                dst += 16;
            }
            op = stop;
        } else {
            copy_match(out, op, offset, match_len);
            op += match_len;
        }
        if op >= end {
            // A match cannot end a block in valid LZ4, but Lucene stops here too.
            return Ok(ip);
        }
    }
}

#[inline(always)]
fn copy16(src: &[u8], dst: &mut [u8]) {
    let block: [u8; 16] = src[..16].try_into().expect("16 bytes");
    dst[..16].copy_from_slice(&block);
}

/// Copy `len` bytes from `op - offset` to `op`, where the ranges may overlap (offset < len repeats
/// the pattern).
#[inline]
fn copy_match(out: &mut [u8], op: usize, offset: usize, len: usize) {
    let src = op - offset;
    if offset >= len {
        out.copy_within(src..src + len, op);
    } else {
        for i in 0..len {
            out[op + i] = out[src + i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_overlapping_match() {
        // "abc" then match offset 3 len 9 → "abcabcabcabc", then literal "Z".
        let data = [0x35, b'a', b'b', b'c', 3, 0, 0x10, b'Z'];
        let mut out = vec![0u8; 13];
        let used = decompress(&data, &mut out, &[]).unwrap();
        assert_eq!(&out, b"abcabcabcabcZ");
        assert_eq!(used, data.len());
    }

    #[test]
    fn dictionary_matches() {
        // Copy 6 bytes starting 4 back into the dictionary "wxyz": "wxyz" from the dict, then "wx"
        // from the output itself.
        let data = [0x02, 4, 0, 0x10, b'!'];
        let mut out = vec![0u8; 7];
        let used = decompress(&data, &mut out, b"wxyz").unwrap();
        assert_eq!(&out, b"wxyzwx!");
        assert_eq!(used, 5);
    }

    #[test]
    fn slack_gives_the_same_output() {
        // Long literals, long and overlapping matches, checked with and without scratch space.
        let mut data = vec![0xFF, 0x01];
        data.extend((0..16).map(|i| b'a' + i));
        data.extend_from_slice(&[16, 0, 20, 0xFF, 0x00]);
        data.extend((0..15).map(|i| b'A' + i));
        data.extend_from_slice(&[1, 0, 10, 0x20, b'x', b'y']);
        let end = 16 + 39 + 15 + 29 + 2;
        let mut plain = vec![0u8; end];
        let used = decompress(&data, &mut plain, &[]).unwrap();
        assert_eq!(used, data.len());
        let mut padded = vec![0u8; end + 64];
        assert_eq!(decompress_with_slack(&data, &mut padded, end, &[]).unwrap(), used);
        assert_eq!(&padded[..end], &plain[..]);
        assert_eq!(&plain[16..32], &plain[..16], "the first match repeats the literals");
    }

    #[test]
    fn empty_block_reads_one_token() {
        let mut out = [];
        assert_eq!(decompress(&[0x00, 0xAA], &mut out, &[]).unwrap(), 1);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let mut out = vec![0u8; 8];
        assert_eq!(decompress(&[0x40, b'a'], &mut out, &[]), Err(Lz4Error::Truncated));
        assert!(matches!(decompress(&[0x10, b'a', 5, 0], &mut out, &[]), Err(Lz4Error::BadOffset { .. })));
        assert!(matches!(decompress(&[0x1F, b'a', 1, 0, 0x10], &mut out, &[]), Err(Lz4Error::Overrun { .. })));
    }
}
