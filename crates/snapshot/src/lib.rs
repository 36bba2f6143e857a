//! Reading Elasticsearch and OpenSearch snapshot repositories.
//!
//! A repository is read top-down: [`Repository::open`] finds the current `index-N` (the table of
//! contents), then each snapshot's [`SnapshotInfo`], global and per-index metadata, and per-shard
//! file lists are read on demand. Every metadata blob is verified (codec header, footer, CRC-32)
//! before it is parsed, and every error names the blob it concerns.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let store = blobstore::BlobStore::open("../shared/fixtures/snapshots/ES_7_10_Single", &Default::default())?;
//! let repo = snapshot::Repository::open(store).await?;
//! for snap in repo.snapshots() {
//!     let info = repo.snapshot_info(snap).await?;
//!     println!("{} {:?} {:?}", info.name, info.state, info.version());
//! }
//! # Ok(()) }
//! ```
//!
//! Supported: the ES 5.x–9.x / OpenSearch 1.x–3.x layout; plain, `DFL\0` and `ZSTD\0` bodies;
//! SMILE and JSON XContent. Recognised and refused: ES 1.x/2.x layouts, OpenSearch hashed shard
//! paths, remote-store shallow snapshots.

pub mod framing;
pub mod model;
mod references;
mod repository;
pub mod shard_dir;
pub mod version;
pub mod xcontent;

pub use model::{
    FileInfo, GlobalMetadata, IndexEntry, IndexMetadata, RepositoryData, ShardIndex, ShardSnapshot, SnapshotEntry, SnapshotInfo,
};
pub use references::{BlobKind, BlobRef};
pub use repository::{Error, Repository, Result};
pub use shard_dir::ShardDirectory;
pub use version::{Distribution, Version};
