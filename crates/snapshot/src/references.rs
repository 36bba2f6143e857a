//! Which blobs a snapshot needs: everything a cluster reads to restore it, from the root
//! `index-N` down to every part of every uploaded Lucene file. Used to copy exactly a snapshot's
//! blobs and to verify that a repository holds them.

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};

use crate::model::{FileInfo, SnapshotEntry};
use crate::repository::{Repository, Result};

/// What a referenced blob is.
#[derive(Debug, Clone)]
pub enum BlobKind {
    /// Root `index-N`, `index.latest`, root and index metadata, shard `snap-*`/`index-*`.
    Metadata,
    /// Part `part` of an uploaded Lucene file (`last`: the part that ends with its footer).
    Data { file: FileInfo, part: u64, last: bool },
}

#[derive(Debug, Clone)]
pub struct BlobRef {
    /// Path from the repository root.
    pub path: String,
    /// The exact length, where the repository records it (data blobs).
    pub length: Option<u64>,
    pub kind: BlobKind,
}

impl Repository {
    /// Every blob `snapshots` need, by path (a blob shared by several snapshots appears once):
    /// the root `index-N` and `index.latest`, each snapshot's root `snap-`/`meta-` blobs, its
    /// indices' metadata, each shard's `snap-` blob and current `index-<gen>`, and every part of
    /// every uploaded file. Shard file lists are fetched `concurrency` at a time.
    pub async fn referenced_blobs(&self, snapshots: &[SnapshotEntry], concurrency: usize) -> Result<BTreeMap<String, BlobRef>> {
        let mut out = BTreeMap::new();
        let mut meta = |path: String| {
            out.entry(path.clone()).or_insert(BlobRef { path, length: None, kind: BlobKind::Metadata });
        };
        meta(format!("index-{}", self.generation()));
        if self.index_latest().is_some() {
            meta("index.latest".into());
        }
        let mut shards = Vec::new();
        for snap in snapshots {
            meta(format!("snap-{}.dat", snap.uuid));
            meta(format!("meta-{}.dat", snap.uuid));
            for (name, index) in self.indices_of(snap) {
                meta(self.index_metadata_path(snap, index));
                // Repositories before ES 7.6 record no shard generations: ask the index metadata.
                let shard_count = if index.shard_generations.is_empty() { self.index_metadata(snap, name).await?.number_of_shards as usize } else { index.shard_generations.len() };
                for shard in 0..shard_count as u32 {
                    let dir = self.shard_path(index, shard)?;
                    meta(format!("{dir}snap-{}.dat", snap.uuid));
                    if let Some(Some(g)) = index.shard_generations.get(shard as usize) {
                        meta(format!("{dir}index-{g}"));
                    }
                    shards.push((snap, index, shard, dir));
                }
            }
        }
        let lists: Vec<(String, crate::model::ShardSnapshot)> = futures::stream::iter(shards)
            .map(|(snap, index, shard, dir)| async move { Ok::<_, crate::Error>((dir, self.shard_snapshot(snap, index, shard).await?)) })
            .buffered(concurrency.max(1))
            .try_collect()
            .await?;
        for (dir, list) in lists {
            for f in list.files.iter().filter(|f| !f.is_virtual()) {
                let parts = f.blob_names();
                let n = parts.len() as u64;
                for (i, name) in parts.into_iter().enumerate() {
                    let i = i as u64;
                    let length = match f.part_size {
                        Some(p) if n > 1 => if i + 1 < n { p } else { f.length - p * (n - 1) },
                        _ => f.length,
                    };
                    let path = format!("{dir}{name}");
                    out.entry(path.clone()).or_insert(BlobRef { path, length: Some(length), kind: BlobKind::Data { file: f.clone(), part: i, last: i + 1 == n } });
                }
            }
        }
        Ok(out)
    }
}
