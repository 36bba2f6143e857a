//! The backfill's view of the work ledger: async calls over the ledger crate, restricted to the
//! items of this run (a ledger may also hold items of other snapshots or index selections).

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use ledger::{Checkpoint, ItemState, Lease, LocalLedger, NewItem};

#[derive(Clone)]
pub struct Ledger {
    local: Arc<Mutex<LocalLedger>>,
}

/// The keys of one run; an empty set means every item.
pub type Keys = Arc<HashSet<String>>;

impl Ledger {
    pub async fn open_local(path: &Path) -> Result<Ledger> {
        let p = path.to_owned();
        let local = tokio::task::spawn_blocking(move || LocalLedger::open(&p)).await?.with_context(|| format!("opening the ledger {}", path.display()))?;
        Ok(Ledger { local: Arc::new(Mutex::new(local)) })
    }

    /// Run `f` on the ledger off the async threads (SQLite calls block, and may wait for another
    /// process's write lock).
    async fn with<T: Send + 'static>(&self, f: impl FnOnce(&mut LocalLedger) -> ledger::Result<T> + Send + 'static) -> Result<T> {
        let local = self.local.clone();
        Ok(tokio::task::spawn_blocking(move || f(&mut local.lock().expect("ledger lock"))).await??)
    }

    pub async fn register(&self, items: Vec<NewItem>) -> Result<()> {
        self.with(move |l| l.register(&items)).await
    }

    pub async fn claim(&self, holder: &str, ttl: Duration, keys: Keys) -> Result<Option<Lease>> {
        let holder = holder.to_owned();
        self.with(move |l| l.claim_where(&holder, ttl, |k| keys.is_empty() || keys.contains(k))).await
    }

    /// Renew the lease and record a checkpoint in one go (both are fenced by the lease token).
    pub async fn checkpoint(&self, lease: &mut Lease, ttl: Duration, checkpoint: Checkpoint) -> Result<()> {
        let mut l2 = lease.clone();
        let renewed = self
            .with(move |l| {
                l.renew(&mut l2, ttl)?;
                l.checkpoint(&l2, &checkpoint)?;
                Ok(l2)
            })
            .await?;
        *lease = renewed;
        Ok(())
    }

    pub async fn complete(&self, lease: &Lease, docs: u64, failed: u64) -> Result<()> {
        let lease = lease.clone();
        self.with(move |l| l.complete(&lease, docs, failed)).await
    }

    pub async fn release(&self, lease: &Lease) -> Result<()> {
        let lease = lease.clone();
        self.with(move |l| l.release(&lease)).await
    }

    pub async fn items(&self, keys: Keys) -> Result<Vec<ItemState>> {
        let mut all = self.with(|l| l.items()).await?;
        all.retain(|i| keys.is_empty() || keys.contains(&i.key));
        Ok(all)
    }
}
