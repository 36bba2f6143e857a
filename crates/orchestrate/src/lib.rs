//! Snapshot orchestration over a cluster's REST API.
//!
//! - [`api`]: the repository, snapshot, restore, index-state, recovery and health calls, typed,
//!   read the same way for Elasticsearch 5.x–9.x and OpenSearch 1–3.
//! - [`compat`]: which snapshots and indices a cluster can restore (Elastic's and OpenSearch's
//!   documented version rules), so a doomed restore is refused before it is sent.

pub mod api;
pub mod compat;
pub mod flow;
pub mod verify;

pub use api::Api;
pub use compat::Version;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Cluster(#[from] cluster::Error),
    /// The request would fail on the cluster, for the reason given; nothing was sent.
    #[error("{0}")]
    Refused(String),
    /// The cluster did the work and reported a failure.
    #[error("{0}")]
    Failed(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
