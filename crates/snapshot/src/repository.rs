//! Reading a snapshot repository (ES 5.x–9.x, OpenSearch 1.x–3.x layout).
//!
//! ```text
//! index-N, index.latest            RepositoryData (plain JSON) and the 8-byte BE pointer to N
//! snap-<snapUUID>.dat              SnapshotInfo                      codec `snapshot`
//! meta-<snapUUID>.dat              global metadata (templates)       codec `metadata`
//! indices/<indexId>/meta-<id>.dat  index metadata                    codec `index-metadata`
//! indices/<indexId>/<shard>/snap-<snapUUID>.dat   shard file list    codec `snapshot`
//! indices/<indexId>/<shard>/index-<gen>           all snapshots of the shard   codec `snapshots`
//! indices/<indexId>/<shard>/__<id>[.partN]        Lucene file contents
//! ```
//!
//! The current generation is the highest `index-N` in a listing, as Elasticsearch itself decides
//! (`index.latest` is rewritten in place and may lag); `index.latest` is the fallback where listing
//! is not allowed. ES 1.x/2.x repositories (a root `index` file listing names) are recognised and
//! refused until a reader for them exists.

use blobstore::BlobStore;
use serde_json::Value;

use crate::framing::{self, Codec, FramingError};
use crate::model::{
    GlobalMetadata, IndexEntry, IndexMetadata, RepositoryData, ShardIndex, ShardSnapshot, SnapshotEntry, SnapshotInfo, SnapshotInfoBlob,
};
use crate::xcontent;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] blobstore::Error),
    #[error("{blob}: {source}")]
    Corrupt {
        blob: String,
        #[source]
        source: FramingError,
    },
    #[error("{blob}: {detail}")]
    Invalid { blob: String, detail: String },
    #[error("{location}: not a snapshot repository (no index-N or index.latest blob); check the path, bucket and base path")]
    NotARepository { location: String },
    #[error("{location}: {what} is not supported yet")]
    Unsupported { location: String, what: String },
    #[error("no snapshot named `{name}` in {location}; it has: {available}")]
    NoSuchSnapshot { location: String, name: String, available: String },
    #[error("snapshot `{snapshot}` has no index `{index}`; it has: {available}")]
    NoSuchIndex { snapshot: String, index: String, available: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// An open repository at its current generation.
#[derive(Debug)]
pub struct Repository {
    store: BlobStore,
    generation: u64,
    /// What `index.latest` said, when it exists.
    index_latest: Option<u64>,
    data: RepositoryData,
}

impl Repository {
    /// Find the current generation and read its `index-N`.
    pub async fn open(store: BlobStore) -> Result<Self> {
        let index_latest = read_index_latest(&store).await?;
        let listed = match store.list("").await {
            Ok(entries) => Some(entries),
            // Read-only credentials sometimes may read objects but not list them.
            Err(blobstore::Error::PermissionDenied { .. }) if index_latest.is_some() => None,
            Err(e) => return Err(e.into()),
        };
        let highest_listed = listed.as_ref().and_then(|entries| {
            entries.iter().filter(|e| !e.is_dir).filter_map(|e| e.name.strip_prefix("index-")?.parse::<u64>().ok()).max()
        });
        let generation = match (highest_listed, index_latest) {
            (Some(n), _) => n,
            (None, Some(n)) => n,
            (None, None) => {
                let entries = listed.unwrap_or_default();
                if entries.iter().any(|e| e.name == "index" && !e.is_dir) {
                    return Err(Error::Unsupported {
                        location: store.location(""),
                        what: "an Elasticsearch 1.x/2.x snapshot repository (root `index` file)".into(),
                    });
                }
                return Err(Error::NotARepository { location: store.location("") });
            }
        };
        let path = format!("index-{generation}");
        let raw = store.read(&path).await?;
        let data: RepositoryData = serde_json::from_slice(&raw)
            .map_err(|e| Error::Invalid { blob: store.location(&path), detail: format!("invalid repository data: {e}") })?;
        let repo = Repository { store, generation, index_latest, data };
        repo.validate(&path)?;
        Ok(repo)
    }

    /// Cheap consistency checks: `index-N` carries no checksum, so catch what can be caught.
    fn validate(&self, path: &str) -> Result<()> {
        let invalid = |detail: String| Error::Invalid { blob: self.store.location(path), detail };
        for s in &self.data.snapshots {
            if s.name.is_empty() || s.uuid.is_empty() {
                return Err(invalid("a snapshot entry has an empty name or uuid".into()));
            }
        }
        for (name, index) in &self.data.indices {
            for r in &index.snapshots {
                if !self.data.snapshots.iter().any(|s| s.uuid == r.uuid()) {
                    return Err(invalid(format!("index `{name}` refers to unknown snapshot uuid `{}`", r.uuid())));
                }
            }
        }
        Ok(())
    }

    pub fn store(&self) -> &BlobStore {
        &self.store
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn index_latest(&self) -> Option<u64> {
        self.index_latest
    }

    pub fn data(&self) -> &RepositoryData {
        &self.data
    }

    pub fn snapshots(&self) -> &[SnapshotEntry] {
        &self.data.snapshots
    }

    /// A snapshot by name (or uuid).
    pub fn snapshot(&self, name: &str) -> Result<&SnapshotEntry> {
        self.data.snapshots.iter().find(|s| s.name == name).or_else(|| self.data.snapshots.iter().find(|s| s.uuid == name)).ok_or_else(|| {
            Error::NoSuchSnapshot {
                location: self.store.location(""),
                name: name.to_string(),
                available: list_or_none(self.data.snapshots.iter().map(|s| s.name.as_str())),
            }
        })
    }

    /// The indices a snapshot holds, by name, sorted.
    pub fn indices_of<'a>(&'a self, snapshot: &'a SnapshotEntry) -> impl Iterator<Item = (&'a str, &'a IndexEntry)> + 'a {
        self.data
            .indices
            .iter()
            .filter(move |(_, i)| i.snapshots.iter().any(|r| r.uuid() == snapshot.uuid))
            .map(|(n, i)| (n.as_str(), i))
    }

    pub fn index_of<'a>(&'a self, snapshot: &'a SnapshotEntry, index: &str) -> Result<&'a IndexEntry> {
        self.indices_of(snapshot).find(|(n, _)| *n == index).map(|(_, i)| i).ok_or_else(|| Error::NoSuchIndex {
            snapshot: snapshot.name.clone(),
            index: index.to_string(),
            available: list_or_none(self.indices_of(snapshot).map(|(n, _)| n)),
        })
    }

    /// Root `snap-<uuid>.dat`, checked against the `index-N` entry that pointed to it.
    pub async fn snapshot_info(&self, snapshot: &SnapshotEntry) -> Result<SnapshotInfo> {
        let path = format!("snap-{}.dat", snapshot.uuid);
        let info: SnapshotInfoBlob = self.read_typed(&path, Codec::Snapshot).await?;
        let info = info.snapshot;
        if info.uuid != snapshot.uuid || info.name != snapshot.name {
            return Err(Error::Invalid {
                blob: self.store.location(&path),
                detail: format!(
                    "describes snapshot `{}` ({}) but index-{} lists `{}` ({})",
                    info.name, info.uuid, self.generation, snapshot.name, snapshot.uuid
                ),
            });
        }
        Ok(info)
    }

    /// Root `meta-<uuid>.dat`: the cluster's templates when the snapshot was taken.
    pub async fn global_metadata(&self, snapshot: &SnapshotEntry) -> Result<GlobalMetadata> {
        let path = format!("meta-{}.dat", snapshot.uuid);
        let json = self.read_json(&path, Codec::Metadata).await?;
        GlobalMetadata::from_json(json).map_err(|detail| Error::Invalid { blob: self.store.location(&path), detail })
    }

    /// Where an index's metadata blob is: through `index_metadata_lookup` (ES ≥ 7.9), else named by
    /// the snapshot uuid.
    pub fn index_metadata_path(&self, snapshot: &SnapshotEntry, index: &IndexEntry) -> String {
        let blob_id = snapshot
            .index_metadata_lookup
            .get(&index.id)
            .and_then(|identifier| self.data.index_metadata_identifiers.get(identifier))
            .unwrap_or(&snapshot.uuid);
        format!("indices/{}/meta-{blob_id}.dat", index.id)
    }

    pub async fn index_metadata(&self, snapshot: &SnapshotEntry, index_name: &str) -> Result<IndexMetadata> {
        let index = self.index_of(snapshot, index_name)?;
        let path = self.index_metadata_path(snapshot, index);
        let json = self.read_json(&path, Codec::IndexMetadata).await?;
        let meta = IndexMetadata::from_json(json).map_err(|detail| Error::Invalid { blob: self.store.location(&path), detail })?;
        if meta.name != index_name {
            return Err(Error::Invalid {
                blob: self.store.location(&path),
                detail: format!("holds index `{}` where `{index_name}` was expected", meta.name),
            });
        }
        Ok(meta)
    }

    /// The folder holding one shard's blobs.
    pub fn shard_path(&self, index: &IndexEntry, shard: u32) -> Result<String> {
        match index.shard_path_type {
            None | Some(0) => Ok(format!("indices/{}/{shard}/", index.id)),
            Some(t) => Err(Error::Unsupported {
                location: self.store.location(&format!("indices/{}", index.id)),
                what: format!("OpenSearch hashed shard paths (shard_path_type {t})"),
            }),
        }
    }

    /// One shard's file list for a snapshot.
    pub async fn shard_snapshot(&self, snapshot: &SnapshotEntry, index: &IndexEntry, shard: u32) -> Result<ShardSnapshot> {
        let dir = self.shard_path(index, shard)?;
        let path = format!("{dir}snap-{}.dat", snapshot.uuid);
        match self.read_typed::<ShardSnapshot>(&path, Codec::Snapshot).await {
            Err(Error::Store(e)) if e.is_not_found() => {
                let shallow = format!("{dir}shallow-snap-{}.dat", snapshot.uuid);
                if self.store.size(&shallow).await?.is_some() {
                    return Err(Error::Unsupported {
                        location: self.store.location(&shallow),
                        what: "an OpenSearch remote-store shallow snapshot (its segments live in the remote store, not in this repository)".into(),
                    });
                }
                Err(Error::Store(e))
            }
            other => other,
        }
    }

    /// A shard's current `index-<gen>`: named by `shard_generations` (ES ≥ 7.6), else the highest
    /// numeric generation in the shard folder. Returns the blob's path with its content.
    pub async fn shard_index(&self, index: &IndexEntry, shard: u32) -> Result<(String, ShardIndex)> {
        let dir = self.shard_path(index, shard)?;
        let generation = match index.shard_generations.get(shard as usize) {
            Some(Some(g)) => g.clone(),
            _ => self
                .store
                .list(&dir)
                .await?
                .iter()
                .filter_map(|e| e.name.strip_prefix("index-")?.parse::<u64>().ok())
                .max()
                .map(|n| n.to_string())
                .ok_or_else(|| blobstore::Error::NotFound { location: self.store.location(&format!("{dir}index-*")) })?,
        };
        let path = format!("{dir}index-{generation}");
        let content = self.read_typed(&path, Codec::ShardSnapshots).await?;
        Ok((path, content))
    }

    /// Read a checksummed blob and return its verified, decompressed body.
    pub async fn read_checksummed(&self, path: &str, codec: Codec) -> Result<Vec<u8>> {
        let bytes = self.store.read(path).await?;
        framing::decode(&bytes, codec).map_err(|source| Error::Corrupt { blob: self.store.location(path), source })
    }

    async fn read_typed<T: serde::de::DeserializeOwned>(&self, path: &str, codec: Codec) -> Result<T> {
        let body = self.read_checksummed(path, codec).await?;
        xcontent::parse(&body).map_err(|detail| Error::Invalid { blob: self.store.location(path), detail })
    }

    async fn read_json(&self, path: &str, codec: Codec) -> Result<Value> {
        let body = self.read_checksummed(path, codec).await?;
        xcontent::to_json(&body).map_err(|detail| Error::Invalid { blob: self.store.location(path), detail })
    }
}

async fn read_index_latest(store: &BlobStore) -> Result<Option<u64>> {
    match store.read("index.latest").await {
        Ok(b) => {
            let bytes: [u8; 8] = b.as_ref().try_into().map_err(|_| Error::Invalid {
                blob: store.location("index.latest"),
                detail: format!("expected 8 bytes (a big-endian generation), found {}", b.len()),
            })?;
            let n = i64::from_be_bytes(bytes);
            u64::try_from(n).map(Some).map_err(|_| Error::Invalid {
                blob: store.location("index.latest"),
                detail: format!("negative generation {n}"),
            })
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn list_or_none<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<_> = names.collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}
