//! Streaming JSON output with `filter_path` applied while writing, and the Jackson-style pretty
//! printer Elasticsearch uses for `?pretty` (and by default for `GET /`, facts §1.1).
//!
//! Responses are written field by field in the documented order, so key order never depends on
//! a map implementation. Filtering happens at write time (parents are emitted lazily, only once
//! something below them survives) so a 4 000-item bulk response is never built as a tree.

use serde_json::Value;

use crate::filter_path::{FilterPath, MatchState};

struct Frame {
    is_array: bool,
    /// The opening bracket (and key) is already in the buffer.
    emitted: bool,
    /// A child has been written (a comma is needed before the next one).
    has_children: bool,
    state: MatchState,
    /// Key under which this container sits in its parent object; kept only while not emitted.
    key: Option<String>,
}

/// What to do with the value that follows a key.
enum Pending {
    /// Not inside an object or no key given yet.
    Nothing,
    /// Key already written; write the value.
    Direct,
    /// Drop the value (and everything inside it).
    Skip,
    /// Partially matched key, written only if something below matches.
    Lazy(String, MatchState),
}

/// A JSON writer whose output is already filtered by an optional `filter_path`.
pub(crate) struct JsonOut<'f> {
    buf: Vec<u8>,
    filter: Option<&'f FilterPath>,
    stack: Vec<Frame>,
    pending: Pending,
}

impl<'f> JsonOut<'f> {
    pub fn new(filter: Option<&'f FilterPath>) -> Self {
        Self::with_capacity(filter, 256)
    }

    pub fn with_capacity(filter: Option<&'f FilterPath>, cap: usize) -> Self {
        JsonOut { buf: Vec::with_capacity(cap), filter, stack: Vec::new(), pending: Pending::Nothing }
    }

    pub fn finish(self) -> Vec<u8> {
        self.buf
    }

    fn parent_state(&self) -> MatchState {
        match self.stack.last() {
            Some(f) => f.state.clone(),
            None => match self.filter {
                Some(f) => f.root_state(),
                None => MatchState::All,
            },
        }
    }

    /// Emit all not-yet-written ancestors (outermost first).
    fn materialize(&mut self) {
        let first = match self.stack.iter().position(|f| !f.emitted) {
            Some(i) => i,
            None => return,
        };
        for i in first..self.stack.len() {
            if i > 0 {
                let parent = &mut self.stack[i - 1];
                if parent.has_children {
                    self.buf.push(b',');
                }
                parent.has_children = true;
            }
            if let Some(key) = self.stack[i].key.take() {
                write_str(&mut self.buf, &key);
                self.buf.push(b':');
            }
            self.buf.push(if self.stack[i].is_array { b'[' } else { b'{' });
            self.stack[i].emitted = true;
        }
    }

    /// Write a separator before a direct child of the innermost (emitted) container.
    fn comma(&mut self) {
        if let Some(top) = self.stack.last_mut() {
            if top.has_children {
                self.buf.push(b',');
            }
            top.has_children = true;
        }
    }

    pub fn key(&mut self, key: &str) {
        let (state, parent_emitted) = match self.stack.last() {
            Some(top) => (top.state.clone(), top.emitted),
            None => {
                self.pending = Pending::Nothing;
                return;
            }
        };
        self.pending = match state {
            MatchState::All => {
                self.comma();
                write_str(&mut self.buf, key);
                self.buf.push(b':');
                Pending::Direct
            }
            MatchState::None => Pending::Skip,
            MatchState::Partial(_) => {
                let filter = self.filter.expect("partial state implies a filter");
                match filter.advance(&state, key) {
                    MatchState::All => {
                        if !parent_emitted {
                            self.materialize();
                        }
                        self.comma();
                        write_str(&mut self.buf, key);
                        self.buf.push(b':');
                        Pending::Direct
                    }
                    MatchState::None => Pending::Skip,
                    partial => Pending::Lazy(key.to_string(), partial),
                }
            }
        }
    }

    /// Decide what happens to the next value: `Some(true)` write now, `Some(false)` open lazily
    /// (containers only), `None` skip. Returns the child's match state.
    fn value_slot(&mut self) -> (Option<bool>, MatchState, Option<String>) {
        let in_array = self.stack.last().map(|f| f.is_array);
        match in_array {
            None => {
                // Root value.
                let st = self.parent_state();
                (Some(true), st, None)
            }
            Some(true) => {
                let st = self.parent_state();
                match st {
                    MatchState::All => {
                        self.comma();
                        (Some(true), MatchState::All, None)
                    }
                    MatchState::None => (None, MatchState::None, None),
                    partial => (Some(false), partial, None),
                }
            }
            Some(false) => match std::mem::replace(&mut self.pending, Pending::Nothing) {
                Pending::Direct => (Some(true), MatchState::All, None),
                Pending::Skip | Pending::Nothing => (None, MatchState::None, None),
                Pending::Lazy(key, st) => (Some(false), st, Some(key)),
            },
        }
    }

    fn open(&mut self, is_array: bool) {
        let (slot, state, key) = self.value_slot();
        match slot {
            Some(true) => {
                self.buf.push(if is_array { b'[' } else { b'{' });
                // The root object is always emitted, whatever the filter.
                self.stack.push(Frame { is_array, emitted: true, has_children: false, state, key: None });
            }
            Some(false) => {
                self.stack.push(Frame { is_array, emitted: false, has_children: false, state, key });
            }
            None => {
                self.stack.push(Frame { is_array, emitted: false, has_children: false, state: MatchState::None, key: None });
            }
        }
    }

    pub fn begin_object(&mut self) {
        self.open(false);
    }

    pub fn begin_array(&mut self) {
        self.open(true);
    }

    pub fn end(&mut self) {
        if let Some(frame) = self.stack.pop() {
            if frame.emitted {
                self.buf.push(if frame.is_array { b']' } else { b'}' });
            }
        }
        self.pending = Pending::Nothing;
    }

    /// Write a scalar that is already valid JSON text.
    fn scalar(&mut self, raw: impl FnOnce(&mut Vec<u8>)) {
        let (slot, state, _) = self.value_slot();
        // Scalars only survive a complete match; a partial match needs deeper keys.
        if slot == Some(true) && state == MatchState::All {
            raw(&mut self.buf);
        }
    }

    pub fn str(&mut self, v: &str) {
        self.scalar(|b| write_str(b, v));
    }

    pub fn u64(&mut self, v: u64) {
        self.scalar(|b| b.extend_from_slice(v.to_string().as_bytes()));
    }

    pub fn bool(&mut self, v: bool) {
        self.scalar(|b| b.extend_from_slice(if v { b"true" } else { b"false" }));
    }

    pub fn null(&mut self) {
        self.scalar(|b| b.extend_from_slice(b"null"));
    }

    pub fn field_str(&mut self, k: &str, v: &str) {
        self.key(k);
        self.str(v);
    }

    pub fn field_u64(&mut self, k: &str, v: u64) {
        self.key(k);
        self.u64(v);
    }

    pub fn field_bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.bool(v);
    }

    /// Write any `serde_json::Value`, in its own key order.
    pub fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.null(),
            Value::Bool(b) => self.bool(*b),
            Value::Number(n) => {
                let text = n.to_string();
                self.scalar(|b| b.extend_from_slice(text.as_bytes()));
            }
            Value::String(s) => self.str(s),
            Value::Array(items) => {
                self.begin_array();
                for item in items {
                    self.value(item);
                }
                self.end();
            }
            Value::Object(map) => {
                self.begin_object();
                for (k, v) in map {
                    self.key(k);
                    self.value(v);
                }
                self.end();
            }
        }
    }
}

/// Serialise a value through an optional filter.
pub(crate) fn to_bytes(v: &Value, filter: Option<&FilterPath>) -> Vec<u8> {
    let mut out = JsonOut::new(filter);
    out.value(v);
    out.finish()
}

/// JSON string literal with the escapes Jackson uses (control characters as `\uXXXX` except the
/// short forms).
pub(crate) fn write_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => {
                buf.extend_from_slice(&bytes[start..i]);
                buf.extend_from_slice(format!("\\u{c:04x}").as_bytes());
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        buf.extend_from_slice(esc);
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

/// Jackson `DefaultPrettyPrinter` as configured by Elasticsearch: two-space indent for objects
/// and arrays, `" : "` separators, `{ }` / `[ ]` for empty containers, trailing newline.
pub(crate) fn pretty(v: &Value) -> Vec<u8> {
    fn go(v: &Value, depth: usize, out: &mut Vec<u8>) {
        let indent = |out: &mut Vec<u8>, d: usize| {
            out.push(b'\n');
            out.extend(std::iter::repeat_n(b' ', d * 2));
        };
        match v {
            Value::Object(map) if map.is_empty() => out.extend_from_slice(b"{ }"),
            Value::Array(items) if items.is_empty() => out.extend_from_slice(b"[ ]"),
            Value::Object(map) => {
                out.push(b'{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    indent(out, depth + 1);
                    write_str(out, k);
                    out.extend_from_slice(b" : ");
                    go(v, depth + 1, out);
                }
                indent(out, depth);
                out.push(b'}');
            }
            Value::Array(items) => {
                out.push(b'[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    indent(out, depth + 1);
                    go(v, depth + 1, out);
                }
                indent(out, depth);
                out.push(b']');
            }
            Value::String(s) => write_str(out, s),
            other => out.extend_from_slice(other.to_string().as_bytes()),
        }
    }
    let mut out = Vec::new();
    go(v, 0, &mut out);
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn filtered(v: &Value, f: &str) -> String {
        let fp = FilterPath::parse(f);
        String::from_utf8(to_bytes(v, fp.as_ref())).unwrap()
    }

    #[test]
    fn unfiltered_keeps_order() {
        let v = json!({"took": 3, "errors": false, "items": [{"index": {"_id": "1", "status": 201}}], "x": 1.0, "s": "a\"b\n"});
        assert_eq!(
            String::from_utf8(to_bytes(&v, None)).unwrap(),
            r#"{"took":3,"errors":false,"items":[{"index":{"_id":"1","status":201}}],"x":1.0,"s":"a\"b\n"}"#
        );
    }

    #[test]
    fn bulk_filter() {
        let v = json!({"took": 3, "errors": true, "items": [
            {"index": {"_id": "1", "status": 201}},
            {"index": {"_id": "2", "status": 429, "error": {"type": "x", "reason": "y"}}}
        ]});
        assert_eq!(
            filtered(&v, "errors,items.*.status,items.*.error"),
            r#"{"errors":true,"items":[{"index":{"status":201}},{"index":{"status":429,"error":{"type":"x","reason":"y"}}}]}"#
        );
        assert_eq!(filtered(&v, "items.*.error.type"), r#"{"items":[{"index":{"error":{"type":"x"}}}]}"#);
        assert_eq!(filtered(&v, "nothing"), "{}");
        assert_eq!(filtered(&v, "**.reason"), r#"{"items":[{"index":{"error":{"reason":"y"}}}]}"#);
        assert_eq!(filtered(&v, "items"), filtered(&v, "items.**"));
    }

    #[test]
    fn pretty_matches_jackson() {
        let v = json!({"a": 1, "b": {"c": [1, 2]}, "e": {}, "f": []});
        assert_eq!(
            String::from_utf8(pretty(&v)).unwrap(),
            "{\n  \"a\" : 1,\n  \"b\" : {\n    \"c\" : [\n      1,\n      2\n    ]\n  },\n  \"e\" : { },\n  \"f\" : [ ]\n}\n"
        );
    }
}
