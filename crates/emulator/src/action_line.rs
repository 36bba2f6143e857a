//! A small hand-written parser for bulk action/metadata lines (`{"index":{"_id":"1"}}`).
//!
//! Action lines are tiny and there is one per document, so they are lexed in place: strings
//! without escapes are borrowed, nested objects (`_source`, `dynamic_templates`) are kept as raw
//! slices. Error messages follow `BulkRequestParser` (ES 7.x wording, used for every
//! personality): `Malformed action/metadata line [N], expected START_OBJECT but found [X]`.

use std::borrow::Cow;

use crate::errors::{illegal_argument, EsError};
use crate::personality::Personality;

/// A scalar or nested value of an action-line parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ParamValue<'a> {
    Str(Cow<'a, str>),
    /// Number, kept as its text.
    Num(&'a str),
    Bool(bool),
    Null,
    /// `{…}`, raw bytes.
    Object(&'a [u8]),
    /// `[…]`, raw bytes.
    Array(&'a [u8]),
}

impl<'a> ParamValue<'a> {
    /// `parser.text()`: strings, numbers and booleans all have a text form.
    pub fn text(&self) -> Option<Cow<'a, str>> {
        match self {
            ParamValue::Str(s) => Some(s.clone()),
            ParamValue::Num(n) => Some(Cow::Borrowed(n)),
            ParamValue::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            _ => None,
        }
    }

    pub fn token_name(&self) -> &'static str {
        match self {
            ParamValue::Str(_) => "VALUE_STRING",
            ParamValue::Num(_) => "VALUE_NUMBER",
            ParamValue::Bool(_) => "VALUE_BOOLEAN",
            ParamValue::Null => "VALUE_NULL",
            ParamValue::Object(_) => "START_OBJECT",
            ParamValue::Array(_) => "START_ARRAY",
        }
    }
}

/// `{ "<op>": { params… } }`.
#[derive(Debug)]
pub(crate) struct RawAction<'a> {
    pub op: Cow<'a, str>,
    pub params: Vec<(Cow<'a, str>, ParamValue<'a>)>,
}

struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
}

enum LexError {
    /// A token of the wrong kind: "expected X but found [Y]".
    Unexpected(String),
    /// Not JSON at all.
    Syntax(usize),
}

impl<'a> Lexer<'a> {
    fn ws(&mut self) {
        while let Some(c) = self.b.get(self.pos) {
            if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.pos).copied()
    }

    /// Jackson's name for the token starting at the cursor.
    fn token_name(&mut self) -> &'static str {
        match self.peek() {
            None => "null",
            Some(b'{') => "START_OBJECT",
            Some(b'}') => "END_OBJECT",
            Some(b'[') => "START_ARRAY",
            Some(b']') => "END_ARRAY",
            Some(b'"') => "VALUE_STRING",
            Some(b't') | Some(b'f') => "VALUE_BOOLEAN",
            Some(b'n') => "VALUE_NULL",
            Some(b'-' | b'0'..=b'9') => "VALUE_NUMBER",
            Some(_) => "null",
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), LexError> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(LexError::Syntax(self.pos))
        }
    }

    fn string(&mut self) -> Result<Cow<'a, str>, LexError> {
        self.expect(b'"')?;
        let start = self.pos;
        let b = self.b;
        let mut i = start;
        let mut escaped = false;
        loop {
            match b.get(i) {
                None => return Err(LexError::Syntax(i)),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                Some(c) if *c < 0x20 => return Err(LexError::Syntax(i)),
                Some(_) => i += 1,
            }
        }
        let raw = &b[start..i.min(b.len())];
        self.pos = i + 1;
        if !escaped {
            return std::str::from_utf8(raw).map(Cow::Borrowed).map_err(|_| LexError::Syntax(start));
        }
        // Escapes are rare in action lines: let serde_json decode the literal.
        let literal = &b[start - 1..i + 1];
        serde_json::from_slice::<String>(literal).map(Cow::Owned).map_err(|_| LexError::Syntax(start))
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), LexError> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(LexError::Syntax(self.pos))
        }
    }

    fn number(&mut self) -> Result<&'a str, LexError> {
        let start = self.pos;
        while let Some(c) = self.b.get(self.pos) {
            if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E') {
                self.pos += 1;
            } else {
                break;
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.pos]).map_err(|_| LexError::Syntax(start))?;
        if text.parse::<f64>().is_err() {
            return Err(LexError::Syntax(start));
        }
        Ok(text)
    }

    /// Skip a nested object/array, returning its raw bytes.
    fn container(&mut self) -> Result<&'a [u8], LexError> {
        let start = self.pos;
        let mut depth = 0usize;
        while self.pos < self.b.len() {
            match self.b[self.pos] {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        let raw = &self.b[start..self.pos];
                        // Validate it really is JSON.
                        serde_json::from_slice::<serde::de::IgnoredAny>(raw).map_err(|_| LexError::Syntax(start))?;
                        return Ok(raw);
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        Err(LexError::Syntax(self.pos))
    }

    fn value(&mut self) -> Result<ParamValue<'a>, LexError> {
        match self.peek() {
            Some(b'"') => Ok(ParamValue::Str(self.string()?)),
            Some(b't') => self.literal(b"true").map(|_| ParamValue::Bool(true)),
            Some(b'f') => self.literal(b"false").map(|_| ParamValue::Bool(false)),
            Some(b'n') => self.literal(b"null").map(|_| ParamValue::Null),
            Some(b'-' | b'0'..=b'9') => Ok(ParamValue::Num(self.number()?)),
            Some(b'{') => Ok(ParamValue::Object(self.container()?)),
            Some(b'[') => Ok(ParamValue::Array(self.container()?)),
            _ => Err(LexError::Syntax(self.pos)),
        }
    }
}

/// Parse one action line. `Ok(None)` for a blank line (ES skips lines with no token).
pub(crate) fn parse(p: Personality, line: &[u8], line_no: usize) -> Result<Option<RawAction<'_>>, EsError> {
    let mut lx = Lexer { b: line, pos: 0 };
    match run(&mut lx) {
        Ok(a) => Ok(a),
        Err(LexError::Unexpected(msg)) => Err(illegal_argument(format!("Malformed action/metadata line [{line_no}], {msg}"))),
        Err(LexError::Syntax(at)) => Err(syntax_error(p, line, line_no, at)),
    }
}

fn run<'a>(lx: &mut Lexer<'a>) -> Result<Option<RawAction<'a>>, LexError> {
    if lx.peek().is_none() {
        return Ok(None);
    }
    if lx.peek() != Some(b'{') {
        return Err(unexpected("START_OBJECT", lx.token_name()));
    }
    lx.pos += 1;
    if lx.peek() != Some(b'"') {
        return Err(unexpected("FIELD_NAME", lx.token_name()));
    }
    let op = lx.string()?;
    lx.expect(b':')?;
    let mut params = Vec::new();
    match lx.peek() {
        Some(b'{') => {
            lx.pos += 1;
            if lx.peek() == Some(b'}') {
                lx.pos += 1;
            } else {
                loop {
                    let key = lx.string()?;
                    lx.expect(b':')?;
                    let value = lx.value()?;
                    params.push((key, value));
                    match lx.peek() {
                        Some(b',') => lx.pos += 1,
                        Some(b'}') => {
                            lx.pos += 1;
                            break;
                        }
                        _ => return Err(LexError::Syntax(lx.pos)),
                    }
                }
            }
        }
        Some(b'}') => {}
        _ => return Err(unexpected("START_OBJECT or END_OBJECT", lx.token_name())),
    }
    // Trailing content after the action object is ignored by ES's parser, but the closing
    // brace must be there for the line to be JSON.
    lx.expect(b'}')?;
    Ok(Some(RawAction { op, params }))
}

fn unexpected(expected: &str, found: &str) -> LexError {
    LexError::Unexpected(format!("expected {expected} but found [{found}]"))
}

/// JSON syntax errors surface as Jackson's exception (`json_parse_exception` up to 7.x and in
/// OpenSearch, `x_content_parse_exception` with a `[line:col]` prefix in 8.x/9.x — UNCONFIRMED
/// exact wording beyond the type).
fn syntax_error(p: Personality, line: &[u8], line_no: usize, at: usize) -> EsError {
    let found = line.get(at).map(|c| *c as char);
    let what = match found {
        Some(c) => format!("Unexpected character ('{c}' (code {}))", c as u32),
        None => "Unexpected end-of-input".to_string(),
    };
    match p {
        Personality::Es8 | Personality::Es9 => {
            EsError::new(400, "x_content_parse_exception", format!("[1:{}] {what}", at + 1))
        }
        _ => EsError::new(
            400,
            "json_parse_exception",
            format!("{what}\n at [Source: (byte[])\"{}\"; line: 1, column: {}] (bulk line {line_no})", String::from_utf8_lossy(line), at + 1),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_lines() {
        let p = Personality::Es7_10;
        let a = parse(p, br#"{"index":{"_index":"a","_id":"1","routing":"r"}}"#, 1).unwrap().unwrap();
        assert_eq!(a.op, "index");
        assert_eq!(a.params.len(), 3);
        assert_eq!(a.params[1].1.text().unwrap(), "1");
        let a = parse(p, br#" { "delete" : { "_id" : 42 } } "#, 1).unwrap().unwrap();
        assert_eq!(a.params[0].1, ParamValue::Num("42"));
        let a = parse(p, br#"{"update":{"_id":"a\"b","_source":{"includes":["x"]}}}"#, 1).unwrap().unwrap();
        assert_eq!(a.params[0].1.text().unwrap(), "a\"b");
        assert!(matches!(a.params[1].1, ParamValue::Object(_)));
        assert!(parse(p, b"   ", 1).unwrap().is_none());
        let a = parse(p, br#"{"index":{}}"#, 1).unwrap().unwrap();
        assert!(a.params.is_empty());
    }

    #[test]
    fn malformed() {
        let p = Personality::Es7_10;
        let e = parse(p, br#"["index"]"#, 3).unwrap_err();
        assert_eq!(e.reason, "Malformed action/metadata line [3], expected START_OBJECT but found [START_ARRAY]");
        let e = parse(p, br#"{"index":"x"}"#, 1).unwrap_err();
        assert_eq!(e.reason, "Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]");
        assert_eq!(parse(p, br#"{"index":{"_id":}}"#, 1).unwrap_err().kind, "json_parse_exception");
        assert_eq!(parse(p, b"\xff\xfe", 1).unwrap_err().kind, "illegal_argument_exception");
    }
}
