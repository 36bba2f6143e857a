//! Talking to an Elasticsearch or OpenSearch cluster.
//!
//! - [`Target`]: where the cluster is and how to authenticate, parsed from
//!   `https://user:pass@host:9200` or flags, with secrets that never print.
//! - [`Client`]: one HTTP client per cluster (TLS with a custom CA or client certificate, basic /
//!   API key / bearer / AWS SigV4 authentication) whose errors name the host, the request, the
//!   status and the cluster's own error type and reason.
//! - [`ClusterInfo`]: what `GET /` says the cluster is — product, version — and the request rules
//!   that follow from it (mapping types and the routing key in bulk action lines).
//! - [`bulk`]: bulk request bodies built for the target's version, responses read item by item,
//!   and which failures are worth retrying.
//!
//! ```no_run
//! # async fn demo() -> Result<(), cluster::Error> {
//! let target = cluster::Target::parse("https://elastic:secret@localhost:9200", &Default::default())?;
//! let client = cluster::Client::new(target, &cluster::ClientOptions::default())?;
//! let info = client.info().await?;
//! println!("{}", info.describe());
//! # Ok(()) }
//! ```

pub mod bulk;
mod client;
mod error;
mod info;
mod retry;
mod target;

pub use client::{encode_segment, Body, Client, ClientOptions, Response, TlsOptions};
pub use reqwest::Method;
pub use error::{Error, ErrorBody};
pub use info::{ClusterInfo, Product};
pub use retry::Backoff;
pub use target::{Auth, AuthFlags, AwsKeys, Secret, SigV4Service, Target};
