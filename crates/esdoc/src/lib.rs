//! Elasticsearch documents inside Lucene segments.
//!
//! ES stores a document as a handful of stored fields: `_id` (ES ≥ 6, bytes from `Uid.encodeId`),
//! or `_uid` (`type#id`, ES ≤ 5 and indices created there), `_routing`, and `_source` — the
//! request body as sent, usually JSON but possibly SMILE, CBOR or YAML. Nested documents carry
//! none of these and belong to their parent; delete tombstones carry an `_id` but no `_source` and
//! are always soft-deleted, so they never reach this crate from a correct reader.

mod id;
mod source;

use lucene::{FieldInfos, StoredDoc, Value};

pub use id::decode_id;
pub use source::{append_json, SourceFormat};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Lucene(#[from] lucene::Error),
    #[error("{file}: document {doc} (_id {id}): {detail}")]
    Document { file: String, doc: u32, id: String, detail: String },
}

/// The field numbers of the ES metadata fields in one segment.
#[derive(Debug, Clone, Copy, Default)]
pub struct EsFields {
    id: Option<u32>,
    uid: Option<u32>,
    routing: Option<u32>,
    source: Option<u32>,
    recovery_source: Option<u32>,
}

impl EsFields {
    pub fn of(fields: &FieldInfos) -> Self {
        let n = |name| fields.by_name(name).map(|f| f.number);
        EsFields { id: n("_id"), uid: n("_uid"), routing: n("_routing"), source: n("_source"), recovery_source: n("_recovery_source") }
    }
}

/// One document, borrowing from the decompressed chunk.
#[derive(Debug, Clone, PartialEq)]
pub struct EsDoc<'a> {
    pub id: String,
    /// The mapping type, for indices that still have one in `_uid` (ES ≤ 5).
    pub doc_type: Option<&'a str>,
    pub routing: Option<&'a str>,
    /// The stored `_source` bytes, exactly as stored.
    pub source: Option<&'a [u8]>,
}

/// Decode one stored document. `Ok(None)`: not a top-level document (a nested child: no id).
pub fn decode<'a>(doc: &StoredDoc<'a>, f: &EsFields) -> Result<Option<EsDoc<'a>>, Error> {
    let mut id_bytes: Option<&[u8]> = None;
    let mut id_string: Option<&str> = None;
    let mut uid: Option<&str> = None;
    let mut routing = None;
    let mut source = None;
    let mut recovery_source = None;
    for field in doc.fields() {
        let field = field?;
        let n = Some(field.number);
        match field.value {
            Value::Bytes(b) if n == f.id => id_bytes = Some(b),
            Value::String(s) if n == f.id => id_string = Some(s),
            Value::String(s) if n == f.uid => uid = Some(s),
            Value::Bytes(b) if n == f.uid => uid = std::str::from_utf8(b).ok(),
            Value::String(s) if n == f.routing => routing = Some(s),
            Value::Bytes(b) if n == f.source => source = Some(b),
            Value::Bytes(b) if n == f.recovery_source => recovery_source = Some(b),
            _ => {}
        }
    }
    let bad = |id: &str, detail: String| Error::Document { file: doc.file().to_owned(), doc: doc.doc(), id: id.to_owned(), detail };
    let (id, doc_type) = if let Some(b) = id_bytes {
        (decode_id(b).map_err(|e| bad("?", e))?, None)
    } else if let Some(s) = id_string {
        (s.to_owned(), None)
    } else if let Some(u) = uid {
        let (t, i) = u.split_once('#').ok_or_else(|| bad(u, format!("_uid `{u}` is not `type#id`")))?;
        (i.to_owned(), Some(t))
    } else {
        return Ok(None);
    };
    // `_recovery_source` holds the full original when `_source` was disabled or filtered away.
    Ok(Some(EsDoc { id, doc_type, routing, source: source.or(recovery_source) }))
}
