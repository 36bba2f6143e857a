//! The two encodings of a chunk's per-document counts and lengths.

use crate::error::Result;
use crate::input::Input;

/// Lucene 5.0–8.x (`CompressingStoredFieldsReader`): VInt bits per value; 0 = one VInt shared by
/// all; else `PackedInts.Format.PACKED`, values packed most-significant-bit first.
pub fn read_packed(input: &mut Input<'_>, n: usize, packed_ints_version: u32, out: &mut Vec<u32>) -> Result<()> {
    out.clear();
    let bpv = input.vint()?;
    if bpv == 0 {
        let v = input.vint()?;
        out.resize(n, v);
        return Ok(());
    }
    if bpv > 32 {
        return Err(input.corrupt(format!("invalid bits per value {bpv}")));
    }
    let bits = n as u64 * u64::from(bpv);
    // Version 0 of PackedInts padded to whole longs; later versions to whole bytes.
    let byte_count = if packed_ints_version == 0 { bits.div_ceil(64) * 8 } else { bits.div_ceil(8) } as usize;
    let bytes = input.bytes(byte_count)?;
    let mut acc: u64 = 0;
    let mut acc_bits = 0u32;
    let mut idx = 0usize;
    let mask = if bpv == 32 { u64::from(u32::MAX) } else { (1u64 << bpv) - 1 };
    for _ in 0..n {
        while acc_bits < bpv {
            acc = acc << 8 | u64::from(bytes[idx]);
            idx += 1;
            acc_bits += 8;
        }
        acc_bits -= bpv;
        out.push(((acc >> acc_bits) & mask) as u32);
    }
    Ok(())
}

/// Lucene 9+ (`StoredFieldsInts`): a byte of bits per value in {0, 8, 16, 32}; 0 = one VInt for all;
/// else blocks of 128 values in little-endian longs, where word `j` of a block holds values
/// `j, j+W, j+2W, …` from its most significant end (W = words per block), then the leftovers one by one.
pub fn read_stored_fields_ints(input: &mut Input<'_>, n: usize, out: &mut Vec<u32>) -> Result<()> {
    out.clear();
    let bpv = input.u8()?;
    match bpv {
        0 => {
            let v = input.vint()?;
            out.resize(n, v);
            return Ok(());
        }
        8 | 16 | 32 => {}
        _ => return Err(input.corrupt(format!("invalid bits per value {bpv}"))),
    }
    out.resize(n, 0);
    let bpv = u32::from(bpv);
    let per_word = 64 / bpv as usize;
    let words = 128 / per_word;
    let mask = if bpv == 32 { u64::from(u32::MAX) } else { (1u64 << bpv) - 1 };
    let mut k = 0usize;
    while k + 128 <= n {
        let block = input.bytes(words * 8)?;
        for (j, w) in block.chunks_exact(8).enumerate() {
            let l = u64::from_le_bytes(w.try_into().expect("8"));
            for p in 0..per_word {
                out[k + j + p * words] = ((l >> (64 - bpv * (p as u32 + 1))) & mask) as u32;
            }
        }
        k += 128;
    }
    for v in &mut out[k..] {
        *v = match bpv {
            8 => u32::from(input.u8()?),
            16 => u32::from(u16::from_le_bytes(input.array()?)),
            _ => u32::from_le_bytes(input.array()?),
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Endian;

    #[test]
    fn packed_msb_first() {
        // 3 values of 5 bits: 1, 2, 31 → 00001 00010 11111 (+1 pad bit) = 0x08 0xBE
        let data = [5, 0x08, 0xBE];
        let mut input = Input::new(&data, "t", Endian::Big);
        let mut out = Vec::new();
        read_packed(&mut input, 3, 2, &mut out).unwrap();
        assert_eq!(out, [1, 2, 31]);
        assert_eq!(input.remaining(), 0);
    }

    #[test]
    fn stored_fields_ints_blocks() {
        // 130 values of 16 bits: a block of 128 (32 words of 4) and 2 leftovers.
        let values: Vec<u32> = (0..130).map(|i| i * 300 + 7).collect();
        let mut data = vec![16u8];
        for j in 0..32 {
            let mut l = 0u64;
            for p in 0..4 {
                l |= u64::from(values[j + p * 32]) << (48 - 16 * p);
            }
            data.extend_from_slice(&l.to_le_bytes());
        }
        for v in &values[128..] {
            data.extend_from_slice(&(*v as u16).to_le_bytes());
        }
        let mut input = Input::new(&data, "t", Endian::Little);
        let mut out = Vec::new();
        read_stored_fields_ints(&mut input, 130, &mut out).unwrap();
        assert_eq!(out, values);
        assert_eq!(input.remaining(), 0);
    }
}
