//! `_id` bytes → the id string (ES `Uid.decodeId`).
//!
//! ES packs ids to save space: auto-generated base64 ids as their decoded bytes, numeric ids as
//! packed decimal digits, anything else as UTF-8 behind a marker byte.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

const NUMERIC: u8 = 0xFE;
const UTF8: u8 = 0xFF;
const BASE64_ESCAPE: u8 = 0xFD;

pub fn decode_id(bytes: &[u8]) -> Result<String, String> {
    match bytes.first() {
        None => Err("empty _id".into()),
        Some(&NUMERIC) => {
            let mut s = String::with_capacity(bytes.len() * 2);
            for (i, &b) in bytes[1..].iter().enumerate() {
                let (hi, lo) = (b >> 4, b & 0x0F);
                if hi > 9 {
                    return Err(format!("numeric _id has an invalid digit in byte {}", i + 1));
                }
                s.push((b'0' + hi) as char);
                if lo == 0x0F {
                    if i + 2 != bytes.len() {
                        return Err("numeric _id has padding before its end".into());
                    }
                    break;
                }
                if lo > 9 {
                    return Err(format!("numeric _id has an invalid digit in byte {}", i + 1));
                }
                s.push((b'0' + lo) as char);
            }
            Ok(s)
        }
        Some(&UTF8) => String::from_utf8(bytes[1..].to_vec()).map_err(|_| "_id is not valid UTF-8".into()),
        Some(&BASE64_ESCAPE) => Ok(URL_SAFE_NO_PAD.encode(&bytes[1..])),
        Some(_) => Ok(URL_SAFE_NO_PAD.encode(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_encodings() {
        assert_eq!(decode_id(&[0xFF, b'a', b'b']).unwrap(), "ab");
        assert_eq!(decode_id(&[0xFE, 0x12, 0x3F]).unwrap(), "123");
        assert_eq!(decode_id(&[0xFE, 0x12, 0x34]).unwrap(), "1234");
        // An auto-generated id decodes back to its base64url text.
        let raw = URL_SAFE_NO_PAD.decode("d0O8Zo4B5P7rRiUe4VRD").unwrap();
        assert_eq!(decode_id(&raw).unwrap(), "d0O8Zo4B5P7rRiUe4VRD");
        let mut escaped = vec![0xFD];
        escaped.extend_from_slice(&URL_SAFE_NO_PAD.decode("_w").unwrap());
        assert_eq!(decode_id(&escaped).unwrap(), "_w");
        assert!(decode_id(&[]).is_err());
        assert!(decode_id(&[0xFE, 0xA1]).is_err());
        assert!(decode_id(&[0xFF, 0xC0]).is_err());
    }
}
