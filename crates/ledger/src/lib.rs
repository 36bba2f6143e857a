//! Who works on which shard, and how far they got.
//!
//! A backfill is a set of work items (one per shard). A worker *claims* an item and holds a
//! *lease* on it until an expiry time; it *renews* the lease while it works, writes *checkpoints*
//! (the position up to which every document is acknowledged by the target), and finally marks
//! the item *done*. A worker that dies stops renewing; once its lease expires another worker
//! claims the item and resumes from the last checkpoint.
//!
//! Every claim bumps the item's *token*. Renewals, checkpoints and completion carry the token they
//! were granted, and are refused once it is stale — a worker that was paused past its expiry and
//! wakes up after another took over can no longer move the item (fencing).
//!
//! [`LocalLedger`] keeps the ledger in one SQLite file: many processes on one machine share it
//! safely (SQLite's locking, immediate transactions). A ledger kept in a cluster index, for many
//! machines, implements the same operations with optimistic concurrency.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("ledger {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("lease on `{key}` was lost (token {token} is no longer current): another worker took the item over after the lease expired")]
    LeaseLost { key: String, token: i64 },
    #[error("work item `{key}` is already done")]
    AlreadyDone { key: String },
    #[error("ledger {path}: no work item `{key}`")]
    NoSuchItem { path: String, key: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// How far an item got: an opaque position (the reader's resume point) and documents done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub position: String,
    pub docs: u64,
}

/// A granted lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub key: String,
    pub holder: String,
    pub token: i64,
    pub expires_at_ms: i64,
    /// Where the previous holder stopped, if it wrote a checkpoint.
    pub resume_from: Option<Checkpoint>,
    /// How many times the item has been claimed (1 = first attempt).
    pub attempt: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Status {
    pub total: u64,
    pub done: u64,
    /// Held under a lease that has not expired.
    pub in_progress: u64,
    /// Never claimed, or whose lease expired.
    pub unclaimed: u64,
    /// Documents acknowledged: done items' totals plus in-flight checkpoints.
    pub docs: u64,
}

pub struct LocalLedger {
    conn: Connection,
    path: String,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl LocalLedger {
    /// Open (creating if needed) the ledger at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let display = path.display().to_string();
        let err = |source| Error::Sqlite { path: display.clone(), source };
        let conn = Connection::open(path).map_err(err)?;
        // Other processes may hold the write lock briefly; wait rather than fail.
        conn.busy_timeout(Duration::from_secs(30)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS items (
                key TEXT PRIMARY KEY,
                done INTEGER NOT NULL DEFAULT 0,
                holder TEXT,
                token INTEGER NOT NULL DEFAULT 0,
                lease_until INTEGER NOT NULL DEFAULT 0,
                position TEXT,
                docs INTEGER NOT NULL DEFAULT 0,
                updated INTEGER NOT NULL DEFAULT 0
            );",
        )
        .map_err(err)?;
        Ok(LocalLedger { conn, path: display })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |source| Error::Sqlite { path: self.path.clone(), source }
    }

    /// Add work items; items already present keep their state (re-running a backfill resumes it).
    pub fn register(&mut self, keys: &[String]) -> Result<()> {
        let path = self.path.clone();
        let err = |source| Error::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        for k in keys {
            tx.execute("INSERT OR IGNORE INTO items (key) VALUES (?1)", params![k]).map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Claim an item that is not done and not under a live lease, for `ttl`. `None`: nothing to do
    /// now (all done, or all held by others).
    pub fn claim(&mut self, holder: &str, ttl: Duration) -> Result<Option<Lease>> {
        let path = self.path.clone();
        let err = |source| Error::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let now = now_ms();
        let row: Option<(String, i64, Option<String>, i64)> = tx
            .query_row(
                "SELECT key, token, position, docs FROM items WHERE done = 0 AND (holder IS NULL OR lease_until < ?1) ORDER BY key LIMIT 1",
                params![now],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(err)?;
        let Some((key, token, position, docs)) = row else {
            return Ok(None);
        };
        let token = token + 1;
        let expires = now + ttl.as_millis() as i64;
        tx.execute("UPDATE items SET holder = ?1, token = ?2, lease_until = ?3, updated = ?4 WHERE key = ?5", params![holder, token, expires, now, key]).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Some(Lease {
            key,
            holder: holder.to_owned(),
            token,
            expires_at_ms: expires,
            resume_from: position.map(|position| Checkpoint { position, docs: docs as u64 }),
            attempt: token,
        }))
    }

    /// Extend a lease. Fails with [`Error::LeaseLost`] if another worker took the item over.
    pub fn renew(&mut self, lease: &mut Lease, ttl: Duration) -> Result<()> {
        let now = now_ms();
        let expires = now + ttl.as_millis() as i64;
        let n = self
            .conn
            .execute("UPDATE items SET lease_until = ?3, updated = ?4 WHERE key = ?1 AND token = ?2 AND done = 0", params![lease.key, lease.token, expires, now])
            .map_err(self.err())?;
        self.fenced(lease, n)?;
        lease.expires_at_ms = expires;
        Ok(())
    }

    /// Record that every document before `checkpoint.position` is acknowledged.
    pub fn checkpoint(&mut self, lease: &Lease, checkpoint: &Checkpoint) -> Result<()> {
        let n = self
            .conn
            .execute(
                "UPDATE items SET position = ?3, docs = ?4, updated = ?5 WHERE key = ?1 AND token = ?2 AND done = 0",
                params![lease.key, lease.token, checkpoint.position, checkpoint.docs as i64, now_ms()],
            )
            .map_err(self.err())?;
        self.fenced(lease, n)
    }

    /// Mark the item done with its final document count, releasing the lease.
    pub fn complete(&mut self, lease: &Lease, docs: u64) -> Result<()> {
        let n = self
            .conn
            .execute(
                "UPDATE items SET done = 1, holder = NULL, lease_until = 0, position = 'done', docs = ?3, updated = ?4 WHERE key = ?1 AND token = ?2 AND done = 0",
                params![lease.key, lease.token, docs as i64, now_ms()],
            )
            .map_err(self.err())?;
        self.fenced(lease, n)
    }

    /// No row changed: the item is gone, done, or held under a newer token.
    fn fenced(&self, lease: &Lease, changed: usize) -> Result<()> {
        if changed > 0 {
            return Ok(());
        }
        let row: Option<(i64, i64)> = self
            .conn
            .query_row("SELECT done, token FROM items WHERE key = ?1", params![lease.key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(self.err())?;
        match row {
            None => Err(Error::NoSuchItem { path: self.path.clone(), key: lease.key.clone() }),
            Some((1, token)) if token == lease.token => Err(Error::AlreadyDone { key: lease.key.clone() }),
            Some(_) => Err(Error::LeaseLost { key: lease.key.clone(), token: lease.token }),
        }
    }

    pub fn status(&self) -> Result<Status> {
        let now = now_ms();
        self.conn
            .query_row(
                "SELECT COUNT(*),
                        COALESCE(SUM(done), 0),
                        COALESCE(SUM(CASE WHEN done = 0 AND holder IS NOT NULL AND lease_until >= ?1 THEN 1 ELSE 0 END), 0),
                        COALESCE(SUM(docs), 0)
                 FROM items",
                params![now],
                |r| {
                    let (total, done, in_progress, docs): (i64, i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                    Ok(Status {
                        total: total as u64,
                        done: done as u64,
                        in_progress: in_progress as u64,
                        unclaimed: (total - done - in_progress) as u64,
                        docs: docs as u64,
                    })
                },
            )
            .map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("idx/{i}")).collect()
    }

    #[test]
    fn claim_checkpoint_expire_resume_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let mut a = LocalLedger::open(&path).unwrap();
        let mut b = LocalLedger::open(&path).unwrap();
        a.register(&keys(2)).unwrap();
        b.register(&keys(2)).unwrap(); // idempotent
        assert_eq!(a.status().unwrap(), Status { total: 2, done: 0, in_progress: 0, unclaimed: 2, docs: 0 });

        let la = a.claim("A", Duration::from_millis(150)).unwrap().unwrap();
        assert_eq!((la.key.as_str(), la.token, la.resume_from.clone()), ("idx/0", 1, None));
        a.checkpoint(&la, &Checkpoint { position: "seg 0 doc 500".into(), docs: 500 }).unwrap();
        let lb = b.claim("B", Duration::from_secs(60)).unwrap().unwrap();
        assert_eq!(lb.key, "idx/1", "a live lease is not handed out twice");
        assert!(b.claim("B", Duration::from_secs(60)).unwrap().is_none());
        assert_eq!(a.status().unwrap(), Status { total: 2, done: 0, in_progress: 2, unclaimed: 0, docs: 500 });

        // A dies; its lease expires; B takes over from the checkpoint.
        std::thread::sleep(Duration::from_millis(200));
        let lb2 = b.claim("B", Duration::from_secs(60)).unwrap().unwrap();
        assert_eq!(lb2.key, "idx/0");
        assert_eq!(lb2.token, 2);
        assert_eq!(lb2.resume_from, Some(Checkpoint { position: "seg 0 doc 500".into(), docs: 500 }));
        assert_eq!(lb2.attempt, 2);

        // A wakes up: every write with its stale token is refused.
        let mut stale = la.clone();
        assert!(matches!(a.renew(&mut stale, Duration::from_secs(1)), Err(Error::LeaseLost { .. })));
        assert!(matches!(a.checkpoint(&la, &Checkpoint { position: "x".into(), docs: 9 }), Err(Error::LeaseLost { .. })));
        assert!(matches!(a.complete(&la, 9), Err(Error::LeaseLost { .. })));

        b.complete(&lb2, 1000).unwrap();
        b.complete(&lb, 7).unwrap();
        assert!(matches!(b.complete(&lb, 7), Err(Error::AlreadyDone { .. })), "completing twice is refused");
        assert!(matches!(a.complete(&la, 7), Err(Error::LeaseLost { .. })), "a stale holder of a finished item");
        assert_eq!(a.status().unwrap(), Status { total: 2, done: 2, in_progress: 0, unclaimed: 0, docs: 1007 });
        assert!(a.claim("A", Duration::from_secs(1)).unwrap().is_none());
    }

    /// Four threads with their own connections race for 50 items: each is completed exactly once,
    /// by the holder of its only lease.
    #[test]
    fn concurrent_workers_complete_every_item_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        LocalLedger::open(&path).unwrap().register(&keys(50)).unwrap();
        let done: Vec<Vec<String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|w| {
                    let path = path.clone();
                    s.spawn(move || {
                        let mut l = LocalLedger::open(&path).unwrap();
                        let mut mine = Vec::new();
                        while let Some(lease) = l.claim(&format!("w{w}"), Duration::from_secs(60)).unwrap() {
                            l.checkpoint(&lease, &Checkpoint { position: "half".into(), docs: 1 }).unwrap();
                            l.complete(&lease, 2).unwrap();
                            mine.push(lease.key);
                        }
                        mine
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut all: Vec<String> = done.into_iter().flatten().collect();
        all.sort();
        assert_eq!(all, { let mut k = keys(50); k.sort(); k });
        let st = LocalLedger::open(&path).unwrap().status().unwrap();
        assert_eq!(st, Status { total: 50, done: 50, in_progress: 0, unclaimed: 0, docs: 100 });
    }
}
