//! XContent bodies: the SMILE or JSON inside a blob, into typed structs or JSON values.
//!
//! Elasticsearch writes metadata blobs as SMILE (binary JSON, header `:)\n`). Values are typed the
//! way ES's parsers accept them; binary values (a shard file's `meta_hash`, compressed mappings)
//! exist in SMILE but not in JSON, where ES writes them base64-encoded.

use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};
use serde_smile::value::Value as Smile;

const SMILE_HEADER: &[u8] = b":)\n";

/// Parse a SMILE or JSON body into `T`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    if body.starts_with(SMILE_HEADER) {
        serde_smile::from_slice(body).map_err(|e| format!("invalid SMILE: {e}"))
    } else if first_non_space(body) == Some(b'{') {
        serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))
    } else {
        Err(format!("body is neither SMILE nor JSON (starts with {:02x?})", &body[..body.len().min(4)]))
    }
}

/// Parse a SMILE or JSON body into a JSON value. Binary values become JSON when they hold
/// (possibly compressed) XContent, as mappings do, and base64 strings otherwise.
pub fn to_json(body: &[u8]) -> Result<Value, String> {
    if body.starts_with(SMILE_HEADER) {
        let v: Smile = serde_smile::from_slice(body).map_err(|e| format!("invalid SMILE: {e}"))?;
        Ok(smile_to_json(v))
    } else {
        parse(body)
    }
}

/// Decode an embedded XContent document such as a compressed mapping: optional `DFL\0`/`ZSTD\0`
/// compression around SMILE or JSON.
pub fn embedded_to_json(bytes: &[u8]) -> Option<Value> {
    let plain = if crate::framing::is_compressed(bytes) {
        crate::framing::decompress(bytes).ok()?
    } else {
        bytes.to_vec()
    };
    if plain.starts_with(SMILE_HEADER) || first_non_space(&plain) == Some(b'{') {
        to_json(&plain).ok()
    } else {
        None
    }
}

fn smile_to_json(v: Smile) -> Value {
    match v {
        Smile::Null => Value::Null,
        Smile::Boolean(b) => Value::Bool(b),
        Smile::Integer(i) => Value::from(i),
        Smile::Long(l) => Value::from(l),
        Smile::Float(f) => Number::from_f64(f64::from(f)).map(Value::Number).unwrap_or(Value::Null),
        Smile::Double(d) => Number::from_f64(d).map(Value::Number).unwrap_or(Value::Null),
        Smile::BigInteger(b) => Value::String(format!("{b:?}")),
        Smile::BigDecimal(b) => Value::String(format!("{b:?}")),
        Smile::String(s) => Value::String(s),
        Smile::Binary(bytes) => embedded_to_json(&bytes)
            .unwrap_or_else(|| Value::String(base64::engine::general_purpose::STANDARD.encode(&bytes))),
        Smile::Array(items) => Value::Array(items.into_iter().map(smile_to_json).collect()),
        Smile::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, smile_to_json(v))).collect::<Map<_, _>>()),
    }
}

fn first_non_space(b: &[u8]) -> Option<u8> {
    b.iter().copied().find(|c| !c.is_ascii_whitespace())
}

/// Serde helper for optional binary fields: SMILE gives raw bytes, JSON gives base64 text.
pub fn bytes_or_base64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    use serde::de::{self, Visitor};
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Vec<u8>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("binary data or a base64 string")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            Ok(Some(v.to_vec()))
        }
        fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            base64::engine::general_purpose::STANDARD.decode(v).map(Some).map_err(E::custom)
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_smile_agree() {
        let json = br#"{"a":1,"b":[true,null,"x"],"c":{"d":2.5}}"#;
        let v: Value = serde_json::from_slice(json).unwrap();
        let smile = serde_smile::to_vec(&v).unwrap();
        assert_eq!(to_json(&smile).unwrap(), v);
        assert_eq!(to_json(json).unwrap(), v);
    }

    #[test]
    fn compressed_embedded_mapping() {
        let mapping = br#"{"_doc":{"properties":{"title":{"type":"text"}}}}"#;
        let v = embedded_to_json(&crate::framing::deflate(mapping)).unwrap();
        assert_eq!(v["_doc"]["properties"]["title"]["type"], "text");
    }

    #[test]
    fn garbage_is_refused() {
        assert!(parse::<Value>(b"\x00\x01garbage").unwrap_err().contains("neither SMILE nor JSON"));
    }
}
