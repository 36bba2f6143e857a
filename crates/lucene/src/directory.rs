//! Where index files come from.
//!
//! The reader sees files only through these two small traits, so the same decoding reads a local
//! folder, a compound file's sub-files, or a snapshot's blobs fetched by range from object storage
//! — nothing is staged on local disk.

use std::fmt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};

/// A readable file of known length.
pub trait FileSource: Send + Sync + fmt::Debug {
    /// The name used in errors (a path, or `blob (physical name)`).
    fn name(&self) -> &str;
    fn len(&self) -> u64;
    /// Fill `buf` from `offset`. Reading past the end is an error.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many bytes a sequential reader should request at a time: local files like ~1 MiB,
    /// object stores several MiB per request.
    fn read_hint(&self) -> usize {
        1 << 20
    }
}

/// A set of named files.
pub trait Directory: Send + Sync + fmt::Debug {
    /// The name used in errors.
    fn name(&self) -> &str;
    /// File names (no sub-folders).
    fn list(&self) -> Result<Vec<String>>;
    fn open(&self, file: &str) -> Result<Arc<dyn FileSource>>;
}

/// Read a whole file (small files: commits, segment infos, field infos, compound entries).
pub fn read_all(source: &dyn FileSource) -> Result<Vec<u8>> {
    read_range(source, 0, source.len())
}

pub fn read_range(source: &dyn FileSource, offset: u64, len: u64) -> Result<Vec<u8>> {
    let end = offset.checked_add(len).filter(|&e| e <= source.len());
    if end.is_none() {
        return Err(Error::corrupt(
            source.name(),
            format!("read of {len} bytes at offset {offset} runs past the end of the file ({} bytes)", source.len()),
        ));
    }
    let len = usize::try_from(len).map_err(|_| Error::corrupt(source.name(), "region too large"))?;
    let mut buf = vec![0u8; len];
    source.read_at(offset, &mut buf).map_err(|e| Error::Io { file: source.name().to_owned(), source: e })?;
    Ok(buf)
}

/// A folder on local disk.
#[derive(Debug, Clone)]
pub struct FsDirectory {
    path: PathBuf,
    display: String,
}

impl FsDirectory {
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let display = path.display().to_string();
        let meta = std::fs::metadata(&path).map_err(|e| Error::Io { file: display.clone(), source: e })?;
        if !meta.is_dir() {
            return Err(Error::Io { file: display, source: io::Error::new(io::ErrorKind::NotADirectory, "not a directory") });
        }
        Ok(FsDirectory { path, display })
    }
}

impl Directory for FsDirectory {
    fn name(&self) -> &str {
        &self.display
    }

    fn list(&self) -> Result<Vec<String>> {
        let io = |e| Error::Io { file: self.display.clone(), source: e };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&self.path).map_err(io)? {
            let entry = entry.map_err(io)?;
            if entry.file_type().map_err(io)?.is_file() {
                if let Ok(name) = entry.file_name().into_string() {
                    names.push(name);
                }
            }
        }
        names.sort();
        Ok(names)
    }

    fn open(&self, file: &str) -> Result<Arc<dyn FileSource>> {
        let path = self.path.join(file);
        let name = path.display().to_string();
        let f = File::open(&path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                Error::Missing { file: name.clone(), by: "the segment".into() }
            } else {
                Error::Io { file: name.clone(), source: e }
            }
        })?;
        let len = f.metadata().map_err(|e| Error::Io { file: name.clone(), source: e })?.len();
        Ok(Arc::new(LocalFile { file: f, len, name }))
    }
}

#[derive(Debug)]
struct LocalFile {
    file: File,
    len: u64,
    name: String,
}

impl FileSource for LocalFile {
    fn name(&self) -> &str {
        &self.name
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.file.read_exact_at(buf, offset)
        }
        #[cfg(windows)]
        {
            use std::os::windows::fs::FileExt;
            let mut done = 0;
            while done < buf.len() {
                let n = self.file.seek_read(&mut buf[done..], offset + done as u64)?;
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                done += n;
            }
            Ok(())
        }
    }
}

/// Bytes held in memory (snapshot `v__` files whose content is stored in the metadata, tests).
#[derive(Debug, Clone)]
pub struct MemoryFile {
    name: String,
    data: Arc<[u8]>,
}

impl MemoryFile {
    pub fn new(name: impl Into<String>, data: impl Into<Arc<[u8]>>) -> Self {
        MemoryFile { name: name.into(), data: data.into() }
    }
}

impl FileSource for MemoryFile {
    fn name(&self) -> &str {
        &self.name
    }

    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let src = start.checked_add(buf.len()).and_then(|end| self.data.get(start..end)).ok_or(io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

/// A region of another file (a compound file's sub-file).
#[derive(Debug)]
pub struct SliceFile {
    parent: Arc<dyn FileSource>,
    offset: u64,
    len: u64,
    name: String,
}

impl SliceFile {
    pub fn new(parent: Arc<dyn FileSource>, offset: u64, len: u64, name: String) -> Self {
        SliceFile { parent, offset, len, name }
    }
}

impl FileSource for SliceFile {
    fn name(&self) -> &str {
        &self.name
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        if offset.checked_add(buf.len() as u64).is_none_or(|end| end > self.len) {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.parent.read_at(self.offset + offset, buf)
    }

    fn read_hint(&self) -> usize {
        self.parent.read_hint()
    }
}

/// Files held in memory, by name.
#[derive(Debug, Clone, Default)]
pub struct MemoryDirectory {
    name: String,
    files: std::collections::BTreeMap<String, Arc<[u8]>>,
}

impl MemoryDirectory {
    pub fn new(name: impl Into<String>) -> Self {
        MemoryDirectory { name: name.into(), files: Default::default() }
    }

    pub fn insert(&mut self, file: impl Into<String>, data: impl Into<Arc<[u8]>>) {
        self.files.insert(file.into(), data.into());
    }
}

impl Directory for MemoryDirectory {
    fn name(&self) -> &str {
        &self.name
    }

    fn list(&self) -> Result<Vec<String>> {
        Ok(self.files.keys().cloned().collect())
    }

    fn open(&self, file: &str) -> Result<Arc<dyn FileSource>> {
        let data = self.files.get(file).ok_or_else(|| Error::Missing { file: file.to_owned(), by: "the segment".into() })?;
        Ok(Arc::new(MemoryFile::new(file, data.clone())))
    }
}
