//! A tiny blocking HTTP/1.1 client for tests that talk to the emulator: exact bytes in, exact
//! bytes out, and visibility into truncated responses (which a full client would hide behind an
//! error).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body had fewer bytes than `Content-Length` promised (connection closed early).
    pub truncated: bool,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// The body re-serialized compactly (key order kept), with `took` zeroed.
    pub fn compact(&self) -> String {
        let mut v = self.json();
        if let Some(t) = v.get_mut("took") {
            *t = Value::from(0);
        }
        serde_json::to_string(&v).unwrap()
    }
}

/// Write a request, read one response.
pub fn exchange<S: Read + Write>(stream: &mut S, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<Resp> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT") {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    read_response(stream, method == "HEAD")
}

pub fn read_response<S: Read>(stream: &mut S, head_request: bool) -> std::io::Result<Resp> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed before the response head"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status code");
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let mut body = buf[header_end + 4..].to_vec();
    let length = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.parse::<usize>().ok());
    let mut truncated = false;
    if !head_request {
        match length {
            Some(len) => {
                while body.len() < len {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => {
                            truncated = true;
                            break;
                        }
                        Ok(n) => body.extend_from_slice(&chunk[..n]),
                    }
                }
            }
            None => {
                let _ = stream.read_to_end(&mut body);
            }
        }
    } else {
        body.clear();
    }
    Ok(Resp { status, headers, body, truncated })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect to emulator");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// One request on a fresh connection.
pub fn req(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    exchange(&mut connect(port), method, path, headers, body).expect("HTTP exchange")
}

pub fn get(port: u16, path: &str) -> Resp {
    req(port, "GET", path, &[], b"")
}

pub fn json_req(port: u16, method: &str, path: &str, body: &str) -> Resp {
    req(port, method, path, &[("content-type", "application/json")], body.as_bytes())
}

pub fn bulk(port: u16, path: &str, body: &str) -> Resp {
    req(port, "POST", path, &[("content-type", "application/x-ndjson")], body.as_bytes())
}

/// Compact JSON of a literal, for comparing key order.
pub fn compact(s: &str) -> String {
    serde_json::to_string(&serde_json::from_str::<Value>(s).expect("expected JSON literal")).unwrap()
}
