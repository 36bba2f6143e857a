//! Talking to an Elasticsearch or OpenSearch cluster.
//!
//! [`Target`]: where the cluster is and how to authenticate, parsed from
//! `https://user:pass@host:9200` or flags, with secrets that never print. [`ClusterInfo`]: what
//! `GET /` says the cluster is — product, version — and the request rules that follow from it
//! (mapping types in bulk actions, typeless APIs).

mod info;
mod target;

pub use info::{ClusterInfo, Product};
pub use target::{Auth, AuthFlags, Secret, SigV4Service, Target};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid cluster URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("{host}: `GET /` did not answer like Elasticsearch or OpenSearch: {reason}")]
    NotACluster { host: String, reason: String },
}
