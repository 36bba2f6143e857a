//! A read-only reader for Lucene indexes written by Lucene 6.x–10.x (and the 5.x segments a 6.x
//! index may still hold), built for one job: reading every live document's stored fields, fast,
//! from wherever the files are.
//!
//! Layering, bottom up: [`directory`] (where bytes come from) → [`input`]/[`codec`] (primitives,
//! headers, footers, checksums) → per-file formats ([`commit`], [`segment_info`], [`compound`],
//! [`field_infos`], [`live_docs`], [`doc_values`], [`stored`]) → [`Index`]/[`Segment`]. Each format
//! is decoded by the version that wrote it, read from its own header, never assumed from the
//! index's age. This crate knows nothing about Elasticsearch.

pub mod codec;
pub mod commit;
pub mod compound;
pub mod directory;
pub mod doc_values;
mod error;
pub mod field_infos;
pub mod input;
pub mod live_docs;
pub mod segment_info;
pub mod stored;

use std::sync::Arc;

pub use commit::{Commit, LuceneVersion, SegmentCommit};
pub use directory::{Directory, FileSource, FsDirectory, MemoryDirectory, MemoryFile};
pub use error::{Error, Result};
pub use field_infos::{FieldInfo, FieldInfos};
pub use live_docs::Bits;
pub use segment_info::SegmentInfo;
pub use stored::{Compression, Field, ScanStats, StoredDoc, StoredFieldsReader, Value};

/// An index at its newest commit.
#[derive(Debug)]
pub struct Index {
    dir: Arc<dyn Directory>,
    commit: Commit,
}

impl Index {
    /// Open the newest commit (`segments_N` with the highest N) in `dir`.
    pub fn open(dir: Arc<dyn Directory>) -> Result<Index> {
        let commit = Commit::read_latest(dir.as_ref())?;
        Ok(Index { dir, commit })
    }

    pub fn commit(&self) -> &Commit {
        &self.commit
    }

    pub fn directory(&self) -> &Arc<dyn Directory> {
        &self.dir
    }

    pub fn segments(&self) -> &[SegmentCommit] {
        &self.commit.segments
    }

    pub fn open_segment(&self, i: usize) -> Result<Segment> {
        Segment::open(self.dir.clone(), &self.commit.segments[i])
    }
}

/// One segment, ready to scan: its live documents decided, its stored fields open.
#[derive(Debug)]
pub struct Segment {
    pub commit: SegmentCommit,
    pub info: SegmentInfo,
    pub fields: FieldInfos,
    /// `None` when every document is live.
    live: Option<Bits>,
    num_live: u32,
    stored: StoredFieldsReader,
}

impl Segment {
    pub fn open(dir: Arc<dyn Directory>, sc: &SegmentCommit) -> Result<Segment> {
        let info = SegmentInfo::read(dir.as_ref(), &sc.name, &sc.id)?;
        let inner: Arc<dyn Directory> = if info.is_compound { Arc::new(compound::CompoundDirectory::open(dir.as_ref(), &sc.name, &sc.id)?) } else { dir.clone() };
        let fields = FieldInfos::read(dir.as_ref(), inner.as_ref(), &sc.name, &sc.id, sc.field_infos_gen)?;
        let max_doc = info.max_doc;
        if sc.del_count > max_doc {
            return Err(Error::corrupt(&sc.name, format!("deletion count {} exceeds the {max_doc} documents of the segment", sc.del_count)));
        }
        let mut live = if sc.del_gen >= 0 {
            Some(live_docs::read_liv(dir.as_ref(), &sc.name, &sc.id, sc.del_gen, max_doc, sc.del_count)?)
        } else if sc.del_count != 0 {
            return Err(Error::corrupt(&sc.name, format!("the commit counts {} deletions but names no .liv file", sc.del_count)));
        } else {
            None
        };
        let mut soft_deleted = 0;
        let mut soft_file = sc.name.clone();
        if let Some(field) = fields.soft_deletes_field() {
            if let Some(docs) = doc_values::docs_with_field(dir.as_ref(), inner.as_ref(), &info, &sc.id, &fields, field)? {
                soft_file = docs.file().to_owned();
                let bits = live.get_or_insert_with(|| Bits::all_set(max_doc));
                docs.for_each(|doc| {
                    if bits.get(doc) {
                        bits.clear(doc);
                        soft_deleted += 1;
                    }
                })?;
            }
        }
        if soft_deleted != sc.soft_del_count {
            return Err(Error::corrupt(
                &soft_file,
                format!("segment {}: the soft-deletes doc values mark {soft_deleted} live documents deleted, the commit says {}", sc.name, sc.soft_del_count),
            ));
        }
        let num_live = max_doc - sc.del_count - soft_deleted;
        let stored = StoredFieldsReader::open(inner.as_ref(), &sc.name, &sc.id, max_doc)?;
        Ok(Segment { commit: sc.clone(), info, fields, live, num_live, stored })
    }

    pub fn max_doc(&self) -> u32 {
        self.info.max_doc
    }

    pub fn num_live(&self) -> u32 {
        self.num_live
    }

    pub fn live_docs(&self) -> Option<&Bits> {
        self.live.as_ref()
    }

    pub fn stored_fields(&self) -> &StoredFieldsReader {
        &self.stored
    }

    /// Visit every live document from `from_doc` on, in doc-id order.
    pub fn scan<F>(&self, from_doc: u32, visit: F) -> Result<ScanStats>
    where
        F: FnMut(u32, StoredDoc<'_>) -> Result<()>,
    {
        self.stored.scan(from_doc, self.live.as_ref(), visit)
    }
}
