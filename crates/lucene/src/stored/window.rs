//! A forward-only window over a large file: reads it in big sequential requests (one round trip
//! per several MiB on object storage), exposes the bytes not yet consumed, and hashes everything it
//! reads so the footer's CRC-32 is checked when the scan ends.

use std::sync::Arc;

use crate::codec::{self, FOOTER_LEN};
use crate::directory::FileSource;
use crate::error::{Error, Result};

pub struct Window {
    source: Arc<dyn FileSource>,
    len: u64,
    /// End of the data region: the footer is never handed to a parser.
    data_end: u64,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    buf_start: u64,
    pos: usize,
    crc: crc32fast::Hasher,
    read_size: usize,
}

impl Window {
    pub fn new(source: Arc<dyn FileSource>, start: u64) -> Result<Self> {
        let len = source.len();
        if len < FOOTER_LEN as u64 || start > len - FOOTER_LEN as u64 {
            return Err(Error::corrupt(source.name(), format!("truncated: {len} bytes")));
        }
        let read_size = source.read_hint().max(64 * 1024);
        let mut w = Window { data_end: len - FOOTER_LEN as u64, len, buf: Vec::new(), buf_start: 0, pos: 0, crc: crc32fast::Hasher::new(), read_size, source };
        // Load from the start of the file so the checksum covers the header too.
        w.load(start as usize)?;
        w.pos = start as usize;
        Ok(w)
    }

    /// File offset of the next unconsumed byte.
    pub fn position(&self) -> u64 {
        self.buf_start + self.pos as u64
    }

    /// Unconsumed bytes in memory, never past the footer.
    pub fn available(&self) -> &[u8] {
        let loaded_end = self.buf_start + self.buf.len() as u64;
        let end = (loaded_end.min(self.data_end) - self.buf_start) as usize;
        &self.buf[self.pos.min(end)..end]
    }

    pub fn advance(&mut self, n: usize) {
        self.pos += n;
    }

    /// Make at least `n` bytes available, or all that remain before the footer.
    pub fn ensure(&mut self, n: usize) -> Result<()> {
        if self.available().len() >= n || self.buf_start + self.buf.len() as u64 >= self.len {
            return Ok(());
        }
        self.load(n)
    }

    fn load(&mut self, n: usize) -> Result<()> {
        // Drop consumed bytes, keep the rest at the front.
        self.buf.drain(..self.pos.min(self.buf.len()));
        self.buf_start += self.pos as u64;
        self.pos = 0;
        let loaded_end = self.buf_start + self.buf.len() as u64;
        let want = n.saturating_sub(self.buf.len()).max(self.read_size) as u64;
        let take = want.min(self.len - loaded_end) as usize;
        if take == 0 {
            return Ok(());
        }
        let old = self.buf.len();
        self.buf.resize(old + take, 0);
        self.source.read_at(loaded_end, &mut self.buf[old..]).map_err(|e| Error::Io { file: self.source.name().to_owned(), source: e })?;
        // Hash what was just read, up to the checksum itself (the last 8 bytes).
        let hash_end = (self.len - 8).saturating_sub(loaded_end).min(take as u64) as usize;
        self.crc.update(&self.buf[old..old + hash_end]);
        Ok(())
    }

    /// Read to the end of the file and check its CRC-32 against the footer.
    pub fn finish(mut self) -> Result<()> {
        while self.buf_start + (self.buf.len() as u64) < self.len {
            let rest = (self.len - self.buf_start) as usize;
            self.load(rest)?;
        }
        let footer = &self.buf[self.buf.len() - FOOTER_LEN..];
        let expected = codec::footer_checksum(footer, self.source.name())?;
        let actual = u64::from(self.crc.finalize());
        if expected != actual {
            return Err(Error::Checksum { file: self.source.name().to_owned(), expected, actual });
        }
        Ok(())
    }
}
