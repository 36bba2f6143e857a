//! A snapshotted shard seen as a Lucene directory, read in place.
//!
//! Each Lucene file of the shard is one blob, several `.partN` blobs (files larger than the
//! repository's chunk size), or — for small `v__` files such as `.si` and `segments_N` — nothing at
//! all: its bytes are the `meta_hash` kept in the shard's file list. Reads become ranged requests
//! on the blobs, so no shard is ever staged on local disk.

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

use blobstore::BlobStore;
use lucene::{Directory, FileSource, MemoryFile};
use tokio::runtime::Handle;

use crate::model::{FileInfo, ShardSnapshot};

/// Object stores answer a few large range requests far faster than many small ones.
const OBJECT_STORE_READ: usize = 8 << 20;

#[derive(Debug)]
pub struct ShardDirectory {
    name: String,
    store: BlobStore,
    /// `indices/<id>/<shard>/`
    path: String,
    files: BTreeMap<String, FileInfo>,
    runtime: Handle,
}

impl ShardDirectory {
    /// `path` is the shard folder (`Repository::shard_path`). Reads run on `runtime`; the directory
    /// must be used from outside it (a worker thread), because Lucene decoding is synchronous.
    pub fn new(store: BlobStore, path: String, snapshot: &ShardSnapshot, runtime: Handle) -> Result<Self, String> {
        let mut files = BTreeMap::new();
        for f in &snapshot.files {
            if files.insert(f.physical_name.clone(), f.clone()).is_some() {
                return Err(format!("{}: file {} is listed twice", store.location(&path), f.physical_name));
            }
        }
        Ok(ShardDirectory { name: store.location(&path), store, path, files, runtime })
    }

    /// Total bytes of the shard's files.
    pub fn total_bytes(&self) -> u64 {
        self.files.values().map(|f| f.length).sum()
    }
}

impl Directory for ShardDirectory {
    fn name(&self) -> &str {
        &self.name
    }

    fn list(&self) -> lucene::Result<Vec<String>> {
        Ok(self.files.keys().cloned().collect())
    }

    fn open(&self, file: &str) -> lucene::Result<Arc<dyn FileSource>> {
        let info = self.files.get(file).ok_or_else(|| lucene::Error::Missing { file: format!("{}{file}", self.name), by: "the segment (not in the shard's snapshot file list)".into() })?;
        let display = format!("{} ({})", self.store.location(&format!("{}{}", self.path, info.name)), info.physical_name);
        if info.is_virtual() {
            let bytes = info.meta_hash.clone().unwrap_or_default();
            if bytes.len() as u64 != info.length {
                return Err(lucene::Error::corrupt(display, format!("virtual file holds {} bytes, its length is {}", bytes.len(), info.length)));
            }
            return Ok(Arc::new(MemoryFile::new(display, bytes)));
        }
        let parts = info.blob_names().into_iter().map(|b| format!("{}{b}", self.path)).collect();
        Ok(Arc::new(BlobFile {
            store: self.store.clone(),
            parts,
            part_size: info.part_size.filter(|&p| p > 0).unwrap_or(u64::MAX),
            len: info.length,
            name: display,
            runtime: self.runtime.clone(),
        }))
    }
}

#[derive(Debug)]
struct BlobFile {
    store: BlobStore,
    parts: Vec<String>,
    part_size: u64,
    len: u64,
    name: String,
    runtime: Handle,
}

impl FileSource for BlobFile {
    fn name(&self) -> &str {
        &self.name
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn read_hint(&self) -> usize {
        if matches!(self.store.url().backend, blobstore::Backend::Fs | blobstore::Backend::Memory) {
            1 << 20
        } else {
            OBJECT_STORE_READ
        }
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset.checked_add(buf.len() as u64).filter(|&e| e <= self.len).ok_or(io::ErrorKind::UnexpectedEof)?;
        let mut pos = offset;
        let mut done = 0usize;
        while pos < end {
            let part = (pos / self.part_size) as usize;
            let part_start = part as u64 * self.part_size;
            let in_part = pos - part_start;
            let n = (end - pos).min(self.part_size - in_part);
            let path = self.parts.get(part).ok_or(io::ErrorKind::UnexpectedEof)?;
            let bytes = self.runtime.block_on(self.store.read_range(path, in_part..in_part + n)).map_err(|e| io::Error::other(e.to_string()))?;
            buf[done..done + n as usize].copy_from_slice(&bytes);
            done += n as usize;
            pos += n;
        }
        Ok(())
    }
}
