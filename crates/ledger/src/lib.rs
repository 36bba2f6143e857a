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

mod index;

pub use index::IndexLedger;

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
    #[error("coordinator ledger: {0}")]
    Coordinator(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// How far an item got: an opaque position (the reader's resume point), documents acknowledged
/// up to it, and how many of those the target refused for good (written to a dead-letter file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    pub position: String,
    pub docs: u64,
    pub failed: u64,
}

/// A work item to register: its key and its size (any unit; used for progress and ETA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    pub key: String,
    pub weight: u64,
}

/// One item as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemState {
    pub key: String,
    pub weight: u64,
    pub done: bool,
    /// The current or last lease holder (cleared when done).
    pub holder: Option<String>,
    pub lease_until_ms: i64,
    /// Claims so far.
    pub attempts: i64,
    pub position: Option<String>,
    pub docs: u64,
    pub failed: u64,
    /// When the item was first claimed.
    pub started_ms: Option<i64>,
    pub updated_ms: i64,
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
    /// Of those, refused by the target for good.
    pub failed: u64,
    pub weight_total: u64,
    pub weight_done: u64,
    /// The first claim of any item, and the last change.
    pub started_ms: Option<i64>,
    pub updated_ms: i64,
    /// The earliest expiry among live leases: when a waiting worker may find work again.
    pub next_expiry_ms: Option<i64>,
}

impl Status {
    /// Summarise item states as of `now_ms` (shared by every ledger kind).
    pub fn of(items: &[ItemState], now_ms: i64) -> Status {
        let mut st = Status { total: items.len() as u64, ..Status::default() };
        for i in items {
            st.docs += i.docs;
            st.failed += i.failed;
            st.weight_total += i.weight;
            st.updated_ms = st.updated_ms.max(i.updated_ms);
            if let Some(s) = i.started_ms {
                st.started_ms = Some(st.started_ms.map_or(s, |m: i64| m.min(s)));
            }
            if i.done {
                st.done += 1;
                st.weight_done += i.weight;
            } else if i.holder.is_some() && i.lease_until_ms >= now_ms {
                st.in_progress += 1;
                st.next_expiry_ms = Some(st.next_expiry_ms.map_or(i.lease_until_ms, |m: i64| m.min(i.lease_until_ms)));
            } else {
                st.unclaimed += 1;
            }
        }
        st
    }
}

pub struct LocalLedger {
    conn: Connection,
    path: String,
}

pub fn now_ms() -> i64 {
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
                weight INTEGER NOT NULL DEFAULT 0,
                done INTEGER NOT NULL DEFAULT 0,
                holder TEXT,
                token INTEGER NOT NULL DEFAULT 0,
                lease_until INTEGER NOT NULL DEFAULT 0,
                position TEXT,
                docs INTEGER NOT NULL DEFAULT 0,
                failed INTEGER NOT NULL DEFAULT 0,
                started INTEGER,
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
    pub fn register(&mut self, items: &[NewItem]) -> Result<()> {
        let path = self.path.clone();
        let err = |source| Error::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        for i in items {
            tx.execute("INSERT OR IGNORE INTO items (key, weight) VALUES (?1, ?2)", params![i.key, i.weight as i64]).map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Claim an item that is not done and not under a live lease, for `ttl`. `None`: nothing to do
    /// now (all done, or all held by others).
    pub fn claim(&mut self, holder: &str, ttl: Duration) -> Result<Option<Lease>> {
        self.claim_where(holder, ttl, |_| true)
    }

    /// Like [`claim`](Self::claim), among the items whose key `accept` takes (a ledger may hold
    /// items of other runs, e.g. other index selections).
    pub fn claim_where(&mut self, holder: &str, ttl: Duration, accept: impl Fn(&str) -> bool) -> Result<Option<Lease>> {
        let path = self.path.clone();
        let err = |source| Error::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let now = now_ms();
        // Biggest first, so the last shard to finish is a small one.
        let row: Option<(String, i64, Option<String>, i64, i64)> = {
            let mut stmt = tx
                .prepare("SELECT key, token, position, docs, failed FROM items WHERE done = 0 AND (holder IS NULL OR lease_until < ?1) ORDER BY weight DESC, key")
                .map_err(err)?;
            let mut rows = stmt.query(params![now]).map_err(err)?;
            let mut found = None;
            while let Some(r) = rows.next().map_err(err)? {
                let key: String = r.get(0).map_err(err)?;
                if accept(&key) {
                    found = Some((key, r.get(1).map_err(err)?, r.get(2).map_err(err)?, r.get(3).map_err(err)?, r.get(4).map_err(err)?));
                    break;
                }
            }
            found
        };
        let Some((key, token, position, docs, failed)) = row else {
            return Ok(None);
        };
        let token = token + 1;
        let expires = now + ttl.as_millis() as i64;
        tx.execute(
            "UPDATE items SET holder = ?1, token = ?2, lease_until = ?3, updated = ?4, started = COALESCE(started, ?4) WHERE key = ?5",
            params![holder, token, expires, now, key],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Some(Lease {
            key,
            holder: holder.to_owned(),
            token,
            expires_at_ms: expires,
            resume_from: position.map(|position| Checkpoint { position, docs: docs as u64, failed: failed as u64 }),
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
                "UPDATE items SET position = ?3, docs = ?4, failed = ?5, updated = ?6 WHERE key = ?1 AND token = ?2 AND done = 0",
                params![lease.key, lease.token, checkpoint.position, checkpoint.docs as i64, checkpoint.failed as i64, now_ms()],
            )
            .map_err(self.err())?;
        self.fenced(lease, n)
    }

    /// Mark the item done with its final counts, releasing the lease.
    pub fn complete(&mut self, lease: &Lease, docs: u64, failed: u64) -> Result<()> {
        let n = self
            .conn
            .execute(
                "UPDATE items SET done = 1, holder = NULL, lease_until = 0, position = 'done', docs = ?3, failed = ?4, updated = ?5 WHERE key = ?1 AND token = ?2 AND done = 0",
                params![lease.key, lease.token, docs as i64, failed as i64, now_ms()],
            )
            .map_err(self.err())?;
        self.fenced(lease, n)
    }

    /// Give the item back before the lease expires (the holder stopped on an error), keeping its
    /// checkpoint, so another worker or a rerun can claim it at once.
    pub fn release(&mut self, lease: &Lease) -> Result<()> {
        let n = self
            .conn
            .execute("UPDATE items SET lease_until = 0, updated = ?3 WHERE key = ?1 AND token = ?2 AND done = 0", params![lease.key, lease.token, now_ms()])
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

    /// Every item, by key.
    pub fn items(&self) -> Result<Vec<ItemState>> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, weight, done, holder, lease_until, token, position, docs, failed, started, updated FROM items ORDER BY key")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ItemState {
                    key: r.get(0)?,
                    weight: r.get::<_, i64>(1)? as u64,
                    done: r.get::<_, i64>(2)? != 0,
                    holder: r.get(3)?,
                    lease_until_ms: r.get(4)?,
                    attempts: r.get(5)?,
                    position: r.get(6)?,
                    docs: r.get::<_, i64>(7)? as u64,
                    failed: r.get::<_, i64>(8)? as u64,
                    started_ms: r.get(9)?,
                    updated_ms: r.get(10)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(self.err())
    }

    pub fn status(&self) -> Result<Status> {
        Ok(Status::of(&self.items()?, now_ms()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("idx/{i}")).collect()
    }

    fn items(n: usize) -> Vec<NewItem> {
        keys(n).into_iter().map(|key| NewItem { key, weight: 10 }).collect()
    }

    /// The counting part of a status, which is what these tests check.
    fn counts(s: Status) -> (u64, u64, u64, u64, u64, u64) {
        (s.total, s.done, s.in_progress, s.unclaimed, s.docs, s.failed)
    }

    #[test]
    fn claim_checkpoint_expire_resume_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let mut a = LocalLedger::open(&path).unwrap();
        let mut b = LocalLedger::open(&path).unwrap();
        a.register(&items(2)).unwrap();
        b.register(&items(2)).unwrap(); // idempotent
        assert_eq!(counts(a.status().unwrap()), (2, 0, 0, 2, 0, 0));

        let la = a.claim("A", Duration::from_secs(2)).unwrap().unwrap();
        assert_eq!((la.key.as_str(), la.token, la.resume_from.clone()), ("idx/0", 1, None));
        a.checkpoint(&la, &Checkpoint { position: "seg 0 doc 500".into(), docs: 500, failed: 3 }).unwrap();
        let lb = b.claim("B", Duration::from_secs(60)).unwrap().unwrap();
        assert_eq!(lb.key, "idx/1", "a live lease is not handed out twice");
        assert!(b.claim("B", Duration::from_secs(60)).unwrap().is_none());
        let st = a.status().unwrap();
        assert_eq!(counts(st), (2, 0, 2, 0, 500, 3));
        assert_eq!((st.weight_total, st.weight_done), (20, 0));
        assert!(st.started_ms.is_some() && st.next_expiry_ms == Some(la.expires_at_ms));

        // A dies; its lease expires; B takes over from the checkpoint.
        std::thread::sleep(Duration::from_millis(2100));
        let lb2 = b.claim("B", Duration::from_secs(60)).unwrap().unwrap();
        assert_eq!(lb2.key, "idx/0");
        assert_eq!(lb2.token, 2);
        assert_eq!(lb2.resume_from, Some(Checkpoint { position: "seg 0 doc 500".into(), docs: 500, failed: 3 }));
        assert_eq!(lb2.attempt, 2);

        // A wakes up: every write with its stale token is refused.
        let mut stale = la.clone();
        assert!(matches!(a.renew(&mut stale, Duration::from_secs(1)), Err(Error::LeaseLost { .. })));
        assert!(matches!(a.checkpoint(&la, &Checkpoint { position: "x".into(), docs: 9, failed: 0 }), Err(Error::LeaseLost { .. })));
        assert!(matches!(a.complete(&la, 9, 0), Err(Error::LeaseLost { .. })));

        b.complete(&lb2, 1000, 3).unwrap();
        b.complete(&lb, 7, 0).unwrap();
        assert!(matches!(b.complete(&lb, 7, 0), Err(Error::AlreadyDone { .. })), "completing twice is refused");
        assert!(matches!(a.complete(&la, 7, 0), Err(Error::LeaseLost { .. })), "a stale holder of a finished item");
        let st = a.status().unwrap();
        assert_eq!(counts(st), (2, 2, 0, 0, 1007, 3));
        assert_eq!((st.weight_done, st.next_expiry_ms), (20, None));
        let all = a.items().unwrap();
        assert_eq!((all[0].key.as_str(), all[0].done, all[0].docs, all[0].failed, all[0].attempts), ("idx/0", true, 1000, 3, 2));
        assert!(a.claim("A", Duration::from_secs(1)).unwrap().is_none());
    }

    /// Four threads with their own connections race for 50 items: each is completed exactly once,
    /// by the holder of its only lease.
    #[test]
    fn concurrent_workers_complete_every_item_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        LocalLedger::open(&path).unwrap().register(&items(50)).unwrap();
        let done: Vec<Vec<String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|w| {
                    let path = path.clone();
                    s.spawn(move || {
                        let mut l = LocalLedger::open(&path).unwrap();
                        let mut mine = Vec::new();
                        while let Some(lease) = l.claim(&format!("w{w}"), Duration::from_secs(60)).unwrap() {
                            l.checkpoint(&lease, &Checkpoint { position: "half".into(), docs: 1, failed: 0 }).unwrap();
                            l.complete(&lease, 2, 0).unwrap();
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
        assert_eq!(counts(st), (50, 50, 0, 0, 100, 0));
    }
}
