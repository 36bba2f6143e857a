//! `_source` bytes → one line of JSON.
//!
//! JSON (nearly every document) is passed through untouched except for line breaks: a raw CR or LF
//! can only be whitespace between tokens in JSON that Elasticsearch accepted (its parser rejects
//! unescaped control characters inside strings), so turning them into spaces keeps the value
//! identical and the line single. SMILE, CBOR and YAML bodies are converted the way Jackson would
//! print them as JSON: binary as base64, non-finite floats as strings, big numbers exact.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_smile::value::Value as Smile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Json,
    Smile,
    Cbor,
    Yaml,
}

/// Which XContent a body is, by ES's own rules (`XContentFactory.xContentType`).
pub fn detect(b: &[u8]) -> Option<SourceFormat> {
    let first = *b.first()?;
    if first == b'{' {
        return Some(SourceFormat::Json);
    }
    if b.len() > 2 && b.starts_with(b":)\n") {
        return Some(SourceFormat::Smile);
    }
    if b.len() > 2 && b.starts_with(b"---") {
        return Some(SourceFormat::Yaml);
    }
    if first == 0xBF && b.len() > 1 {
        return Some(SourceFormat::Cbor);
    }
    if b.len() > 2 && b.starts_with(&[0xD9, 0xD9, 0xF7]) {
        return Some(SourceFormat::Cbor);
    }
    if first >> 5 == 5 {
        return Some(SourceFormat::Cbor);
    }
    let rest = b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b);
    match rest.iter().find(|c| !c.is_ascii_whitespace()) {
        Some(b'{') => Some(SourceFormat::Json),
        _ => None,
    }
}

/// Append `raw` to `out` as single-line JSON.
pub fn append_json(raw: &[u8], out: &mut Vec<u8>) -> Result<SourceFormat, String> {
    let format = detect(raw).ok_or_else(|| format!("_source is not JSON, SMILE, CBOR or YAML (starts with {:02x?})", &raw[..raw.len().min(8)]))?;
    match format {
        SourceFormat::Json => append_json_text(raw, out)?,
        SourceFormat::Smile => {
            let v: Smile = serde_smile::from_slice(raw).map_err(|e| format!("invalid SMILE _source: {e}"))?;
            write_smile(&v, out)?;
        }
        SourceFormat::Cbor => {
            let v: ciborium::Value = ciborium::from_reader(raw).map_err(|e| format!("invalid CBOR _source: {e}"))?;
            write_cbor(&v, out)?;
        }
        SourceFormat::Yaml => {
            let v: serde_yaml::Value = serde_yaml::from_slice(raw).map_err(|e| format!("invalid YAML _source: {e}"))?;
            write_yaml(&v, out)?;
        }
    }
    Ok(format)
}

fn append_json_text(raw: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let raw = raw.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(raw);
    let body = raw.trim_ascii();
    if body.last() != Some(&b'}') {
        // Trailing content after the object (older ES versions did not reject it): keep the object.
        let mut stream = serde_json::Deserializer::from_slice(body).into_iter::<serde_json::Value>();
        let v = stream.next().ok_or("empty _source")?.map_err(|e| format!("invalid JSON _source: {e}"))?;
        serde_json::to_writer(&mut *out, &v).map_err(|e| e.to_string())?;
        return Ok(());
    }
    if memchr::memchr2(b'\n', b'\r', body).is_none() {
        out.extend_from_slice(body);
    } else {
        out.extend(body.iter().map(|&c| if c == b'\n' || c == b'\r' { b' ' } else { c }));
    }
    Ok(())
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
}

/// Jackson prints NaN and infinities as quoted strings.
fn write_f64(f: f64, out: &mut Vec<u8>) {
    if f.is_finite() {
        serde_json::to_writer(&mut *out, &f).expect("vec");
    } else if f.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if f > 0.0 {
        out.extend_from_slice(b"\"Infinity\"");
    } else {
        out.extend_from_slice(b"\"-Infinity\"");
    }
}

fn write_f32(f: f32, out: &mut Vec<u8>) {
    if f.is_finite() {
        // The shortest text that reads back as the same f32, as Jackson prints floats.
        serde_json::to_writer(&mut *out, &f).expect("vec");
    } else {
        write_f64(f64::from(f), out);
    }
}

fn write_smile(v: &Smile, out: &mut Vec<u8>) -> Result<(), String> {
    match v {
        Smile::Null => out.extend_from_slice(b"null"),
        Smile::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Smile::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Smile::Long(l) => out.extend_from_slice(l.to_string().as_bytes()),
        Smile::BigInteger(b) => out.extend_from_slice(signed_be_to_decimal(b.as_be_bytes()).as_bytes()),
        Smile::BigDecimal(d) => out.extend_from_slice(decimal_text(&signed_be_to_decimal(d.unscaled_value().as_be_bytes()), d.scale()).as_bytes()),
        Smile::Float(f) => write_f32(*f, out),
        Smile::Double(d) => write_f64(*d, out),
        Smile::String(s) => write_str(s, out),
        Smile::Binary(b) => write_str(&STANDARD.encode(b), out),
        Smile::Array(items) => write_array(items, out, write_smile)?,
        Smile::Object(map) => write_object(
            map,
            out,
            |k, out| {
                write_str(k, out);
                Ok(())
            },
            write_smile,
        )?,
    }
    Ok(())
}

fn write_cbor(v: &ciborium::Value, out: &mut Vec<u8>) -> Result<(), String> {
    use ciborium::Value as C;
    match v {
        C::Null => out.extend_from_slice(b"null"),
        C::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        C::Integer(i) => out.extend_from_slice(i128::from(*i).to_string().as_bytes()),
        C::Float(f) => write_f64(*f, out),
        C::Text(s) => write_str(s, out),
        C::Bytes(b) => write_str(&STANDARD.encode(b), out),
        // Bignums (tags 2 and 3) are numbers; other tags annotate their content.
        C::Tag(2, inner) => match inner.as_ref() {
            C::Bytes(b) => out.extend_from_slice(unsigned_be_to_decimal(b).as_bytes()),
            other => write_cbor(other, out)?,
        },
        C::Tag(3, inner) => match inner.as_ref() {
            C::Bytes(b) => {
                // -1 - n
                let n = unsigned_be_to_decimal(&add_one(b));
                out.push(b'-');
                out.extend_from_slice(n.as_bytes());
            }
            other => write_cbor(other, out)?,
        },
        C::Tag(_, inner) => write_cbor(inner, out)?,
        C::Array(items) => write_array(items, out, write_cbor)?,
        C::Map(entries) => write_object(
            entries.iter().map(|(k, v)| (k, v)),
            out,
            |k, out| {
                match k {
                    C::Text(s) => write_str(s, out),
                    other => {
                        let mut key = Vec::new();
                        write_cbor(other, &mut key)?;
                        write_str(&String::from_utf8_lossy(&key), out);
                    }
                }
                Ok(())
            },
            write_cbor,
        )?,
        other => return Err(format!("unsupported CBOR value {other:?} in _source")),
    }
    Ok(())
}

fn write_yaml(v: &serde_yaml::Value, out: &mut Vec<u8>) -> Result<(), String> {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => out.extend_from_slice(b"null"),
        Y::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                write_f64(n.as_f64().unwrap_or(f64::NAN), out);
            }
        }
        Y::String(s) => write_str(s, out),
        Y::Sequence(items) => write_array(items, out, write_yaml)?,
        Y::Mapping(m) => write_object(
            m,
            out,
            |k, out| {
                match k {
                    Y::String(s) => write_str(s, out),
                    other => {
                        let mut key = Vec::new();
                        write_yaml(other, &mut key)?;
                        write_str(String::from_utf8_lossy(&key).trim_matches('"'), out);
                    }
                }
                Ok(())
            },
            write_yaml,
        )?,
        Y::Tagged(t) => write_yaml(&t.value, out)?,
    }
    Ok(())
}

/// `[a,b,…]`, each item written by `item`.
fn write_array<T>(items: impl IntoIterator<Item = T>, out: &mut Vec<u8>, mut item: impl FnMut(T, &mut Vec<u8>) -> Result<(), String>) -> Result<(), String> {
    out.push(b'[');
    for (i, v) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(v, out)?;
    }
    out.push(b']');
    Ok(())
}

/// `{k:v,…}`, keys written by `key` (as JSON strings), values by `value`.
fn write_object<K, V>(
    entries: impl IntoIterator<Item = (K, V)>,
    out: &mut Vec<u8>,
    mut key: impl FnMut(K, &mut Vec<u8>) -> Result<(), String>,
    mut value: impl FnMut(V, &mut Vec<u8>) -> Result<(), String>,
) -> Result<(), String> {
    out.push(b'{');
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        key(k, out)?;
        out.push(b':');
        value(v, out)?;
    }
    out.push(b'}');
    Ok(())
}

/// Two's-complement big-endian bytes (Java `BigInteger.toByteArray`) → decimal text.
fn signed_be_to_decimal(b: &[u8]) -> String {
    if b.first().is_some_and(|&x| x & 0x80 != 0) {
        // Negate: invert and add one.
        let inv: Vec<u8> = b.iter().map(|x| !x).collect();
        format!("-{}", unsigned_be_to_decimal(&add_one(&inv)))
    } else {
        unsigned_be_to_decimal(b)
    }
}

fn add_one(b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    for x in v.iter_mut().rev() {
        let (s, carry) = x.overflowing_add(1);
        *x = s;
        if !carry {
            return v;
        }
    }
    v.insert(0, 1);
    v
}

fn unsigned_be_to_decimal(b: &[u8]) -> String {
    let mut n: Vec<u8> = b.iter().copied().skip_while(|&x| x == 0).collect();
    if n.is_empty() {
        return "0".into();
    }
    let mut digits = Vec::new();
    while !n.is_empty() {
        let mut rem = 0u32;
        for x in n.iter_mut() {
            let cur = rem << 8 | u32::from(*x);
            *x = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
        let zeros = n.iter().take_while(|&&x| x == 0).count();
        n.drain(..zeros);
    }
    digits.reverse();
    String::from_utf8(digits).expect("ascii digits")
}

/// unscaled × 10^-scale as plain decimal text.
fn decimal_text(unscaled: &str, scale: i32) -> String {
    let (sign, digits) = match unscaled.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", unscaled),
    };
    if scale <= 0 {
        return format!("{sign}{digits}{}", "0".repeat((-scale) as usize));
    }
    let scale = scale as usize;
    if digits.len() > scale {
        format!("{sign}{}.{}", &digits[..digits.len() - scale], &digits[digits.len() - scale..])
    } else {
        format!("{sign}0.{}{digits}", "0".repeat(scale - digits.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(raw: &[u8]) -> (SourceFormat, String) {
        let mut out = Vec::new();
        let f = append_json(raw, &mut out).unwrap();
        (f, String::from_utf8(out).unwrap())
    }

    #[test]
    fn json_is_passed_through_on_one_line() {
        assert_eq!(json(br#"{"a":1}"#), (SourceFormat::Json, r#"{"a":1}"#.into()));
        let (f, s) = json(b"\n\n\n{\n  \"content\": \"x\\ny\"\r\n}\n\n");
        assert_eq!(f, SourceFormat::Json);
        assert_eq!(s, "{   \"content\": \"x\\ny\"  }");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap()["content"], "x\ny");
        // Trailing garbage after the object is dropped, as ES's parser ignored it.
        assert_eq!(json(b"{\"a\":1} x").1, r#"{"a":1}"#);
    }

    #[test]
    fn smile_cbor_yaml_become_json() {
        let v = serde_json::json!({"t": "héllo", "n": [1, -2, 3.5], "o": {"b": true, "z": null}});
        let smile = serde_smile::to_vec(&v).unwrap();
        let (f, s) = json(&smile);
        assert_eq!(f, SourceFormat::Smile);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);

        let mut cbor = Vec::new();
        ciborium::into_writer(&v, &mut cbor).unwrap();
        let (f, s) = json(&cbor);
        assert_eq!(f, SourceFormat::Cbor);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);

        let (f, s) = json(b"---\nt: h\xc3\xa9llo\nn: [1, -2, 3.5]\no:\n  b: true\n  z: null\n");
        assert_eq!(f, SourceFormat::Yaml);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
    }

    #[test]
    fn big_numbers_and_binary() {
        assert_eq!(signed_be_to_decimal(&[0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]), "18446744073709551616");
        assert_eq!(signed_be_to_decimal(&[0xFF]), "-1");
        assert_eq!(signed_be_to_decimal(&[0xFF, 0x00]), "-256");
        assert_eq!(decimal_text("-12345", 2), "-123.45");
        assert_eq!(decimal_text("5", 3), "0.005");
        let mut out = Vec::new();
        write_smile(&Smile::Binary(vec![1, 2, 3]), &mut out).unwrap();
        assert_eq!(out, b"\"AQID\"");
        let mut out = Vec::new();
        write_f64(f64::NAN, &mut out);
        assert_eq!(out, b"\"NaN\"");
    }

    #[test]
    fn unknown_bytes_are_refused() {
        let e = append_json(b"\x00\x01", &mut Vec::new()).unwrap_err();
        assert!(e.contains("not JSON, SMILE, CBOR or YAML"), "{e}");
    }
}
