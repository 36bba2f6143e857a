//! Every error names the file it came from: a Lucene index is dozens of files, and "corrupt" alone
//! tells nobody which one to restore.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
    #[error("{file}: corrupt: {detail}")]
    Corrupt { file: String, detail: String },
    #[error("{file}: checksum mismatch (footer {expected:08x}, contents {actual:08x}); the file is damaged, restore it from another copy")]
    Checksum { file: String, expected: u64, actual: u64 },
    #[error("{file}: {what} is not supported")]
    Unsupported { file: String, what: String },
    #[error("{dir}: no segments_N file; this is not a Lucene index folder (expected e.g. indices/<uuid>/<shard>/index)")]
    NoCommit { dir: String },
    #[error("{file}: not found in the index (referenced by {by})")]
    Missing { file: String, by: String },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn corrupt(file: impl Into<String>, detail: impl Into<String>) -> Self {
        Error::Corrupt { file: file.into(), detail: detail.into() }
    }

    pub fn unsupported(file: impl Into<String>, what: impl Into<String>) -> Self {
        Error::Unsupported { file: file.into(), what: what.into() }
    }

    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            Error::Io { file, .. }
            | Error::Corrupt { file, .. }
            | Error::Checksum { file, .. }
            | Error::Unsupported { file, .. }
            | Error::Missing { file, .. } => file,
            Error::NoCommit { dir } => dir,
        }
    }
}
