//! The blocking HTTP/1.1 test client lives in testkit (the CLI tests use it too).
#![allow(unused_imports)]

pub use testkit::http::*;
