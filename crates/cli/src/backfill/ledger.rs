//! The backfill's view of the work ledger — a local SQLite file or an index on a coordinator
//! cluster — restricted to the items of this run (a ledger may also hold items of other
//! snapshots or index selections).

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use ledger::{Checkpoint, IndexLedger, ItemState, Lease, LocalLedger, NewItem};

#[derive(Clone)]
pub enum Ledger {
    Local(Arc<Mutex<LocalLedger>>),
    Index(Arc<IndexLedger>),
}

/// The keys of one run; an empty set means every item.
pub type Keys = Arc<HashSet<String>>;

impl Ledger {
    pub async fn open_local(path: &Path) -> Result<Ledger> {
        let p = path.to_owned();
        let local = tokio::task::spawn_blocking(move || LocalLedger::open(&p)).await?.with_context(|| format!("opening the ledger {}", path.display()))?;
        Ok(Ledger::Local(Arc::new(Mutex::new(local))))
    }

    pub async fn open_index(client: cluster::Client, namespace: &str) -> Result<Ledger> {
        let host = client.host().to_owned();
        let l = IndexLedger::open(client, namespace).await.with_context(|| format!("opening the coordinator ledger on {host}"))?;
        Ok(Ledger::Index(Arc::new(l)))
    }

    /// Where the ledger is, for messages.
    pub fn describe(&self, local_path: &Path) -> String {
        match self {
            Ledger::Local(_) => local_path.display().to_string(),
            Ledger::Index(l) => l.location(),
        }
    }

    /// Run `f` on the ledger off the async threads (SQLite calls block, and may wait for another
    /// process's write lock).
    async fn with<T: Send + 'static>(local: &Arc<Mutex<LocalLedger>>, f: impl FnOnce(&mut LocalLedger) -> ledger::Result<T> + Send + 'static) -> Result<T> {
        let local = local.clone();
        Ok(tokio::task::spawn_blocking(move || f(&mut local.lock().expect("ledger lock"))).await??)
    }

    pub async fn register(&self, items: Vec<NewItem>) -> Result<()> {
        match self {
            Ledger::Local(l) => Self::with(l, move |l| l.register(&items)).await,
            Ledger::Index(l) => Ok(l.register(&items).await?),
        }
    }

    pub async fn claim(&self, holder: &str, ttl: Duration, keys: Keys) -> Result<Option<Lease>> {
        let accept = move |k: &str| keys.is_empty() || keys.contains(k);
        match self {
            Ledger::Local(l) => {
                let holder = holder.to_owned();
                Self::with(l, move |l| l.claim_where(&holder, ttl, accept)).await
            }
            Ledger::Index(l) => Ok(l.claim_where(holder, ttl, accept).await?),
        }
    }

    /// Renew the lease and record a checkpoint in one go (both are fenced by the lease token).
    pub async fn checkpoint(&self, lease: &mut Lease, ttl: Duration, checkpoint: Checkpoint) -> Result<()> {
        match self {
            Ledger::Local(l) => {
                let mut l2 = lease.clone();
                let renewed = Self::with(l, move |l| {
                    l.renew(&mut l2, ttl)?;
                    l.checkpoint(&l2, &checkpoint)?;
                    Ok(l2)
                })
                .await?;
                *lease = renewed;
                Ok(())
            }
            Ledger::Index(l) => Ok(l.renew_and_checkpoint(lease, ttl, &checkpoint).await?),
        }
    }

    pub async fn complete(&self, lease: &Lease, docs: u64, failed: u64) -> Result<()> {
        match self {
            Ledger::Local(l) => {
                let lease = lease.clone();
                Self::with(l, move |l| l.complete(&lease, docs, failed)).await
            }
            Ledger::Index(l) => Ok(l.complete(lease, docs, failed).await?),
        }
    }

    pub async fn release(&self, lease: &Lease) -> Result<()> {
        match self {
            Ledger::Local(l) => {
                let lease = lease.clone();
                Self::with(l, move |l| l.release(&lease)).await
            }
            Ledger::Index(l) => Ok(l.release(lease).await?),
        }
    }

    pub async fn items(&self, keys: Keys) -> Result<Vec<ItemState>> {
        let mut all = match self {
            Ledger::Local(l) => Self::with(l, |l| l.items()).await?,
            Ledger::Index(l) => l.items().await?,
        };
        all.retain(|i| keys.is_empty() || keys.contains(&i.key));
        Ok(all)
    }
}
