//! The multi-request procedures: take a snapshot and wait for it, restore (closing the indices an
//! incremental restore replaces) and wait for recovery.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::api::{Api, CreateSnapshot, Restore, SnapshotInfo, SnapshotProgress, SnapshotState};
use crate::compat::{index_refusal, snapshot_refusal};
use crate::{Error, Result, Version};

/// How often a running snapshot or restore is polled.
#[derive(Debug, Clone, Copy)]
pub struct Polling {
    pub interval: Duration,
    /// Give up (with an error that says the work goes on in the cluster) after this long.
    pub timeout: Duration,
}

impl Polling {
    /// Poll every `seconds` (kept within 0.05–600 s), with the default timeout.
    pub fn every(seconds: f64) -> Polling {
        Polling { interval: Duration::from_secs_f64(seconds.clamp(0.05, 600.0)), ..Polling::default() }
    }
}

impl Default for Polling {
    fn default() -> Self {
        Polling { interval: Duration::from_secs(2), timeout: Duration::from_secs(24 * 3600) }
    }
}

/// Take `snapshot` in `repo` and wait until it ends. A FAILED snapshot, or a PARTIAL one unless
/// `body.partial`, is an [`Error::Failed`] that lists the shard failures.
pub async fn take_snapshot(api: &Api<'_>, repo: &str, snapshot: &str, body: &CreateSnapshot, poll: Polling, mut progress: impl FnMut(&SnapshotProgress)) -> Result<SnapshotInfo> {
    api.create_snapshot(repo, snapshot, body).await?;
    if api.is_dry_run() {
        return Ok(SnapshotInfo {
            snapshot: snapshot.to_owned(),
            uuid: None,
            version_id: None,
            version: None,
            indices: Vec::new(),
            include_global_state: Some(body.include_global_state),
            state: SnapshotState::Success,
            start_time_in_millis: None,
            end_time_in_millis: None,
            failures: Vec::new(),
            shards: Default::default(),
        });
    }
    wait_for_snapshot(api, repo, snapshot, body.partial, poll, &mut progress).await
}

/// Wait for a running snapshot (taken by ferry or anyone) to end; see [`take_snapshot`].
pub async fn wait_for_snapshot(api: &Api<'_>, repo: &str, snapshot: &str, partial_ok: bool, poll: Polling, progress: &mut impl FnMut(&SnapshotProgress)) -> Result<SnapshotInfo> {
    let started = Instant::now();
    loop {
        let p = api.snapshot_progress(repo, snapshot).await?;
        progress(&p);
        if !p.state.is_some_and(SnapshotState::is_running) {
            break;
        }
        if started.elapsed() > poll.timeout {
            return Err(Error::Failed(format!(
                "snapshot {repo}/{snapshot} is still running after {}s; it goes on in the cluster: `ferry snapshot status` follows it",
                poll.timeout.as_secs()
            )));
        }
        tokio::time::sleep(poll.interval).await;
    }
    let info = api.snapshot(repo, snapshot).await?.ok_or_else(|| Error::Failed(format!("snapshot {repo}/{snapshot} disappeared while it ran (deleted?)")))?;
    match info.state {
        SnapshotState::Success => Ok(info),
        SnapshotState::Partial if partial_ok => Ok(info),
        state => Err(Error::Failed(format!(
            "snapshot {repo}/{snapshot} ended {state:?}: {} of {} shards failed{}",
            info.shards.failed,
            info.shards.total,
            failures_text(&info)
        ))),
    }
}

fn failures_text(info: &SnapshotInfo) -> String {
    info.failures
        .iter()
        .take(10)
        .map(|f| format!("; [{}][{}] {}", f.index.as_deref().unwrap_or("?"), f.shard_id.map_or("?".into(), |s| s.to_string()), f.reason.as_deref().unwrap_or("no reason given")))
        .collect()
}

/// Why the target cannot restore this snapshot or some of its indices; `created` gives the
/// version that created each source index, where known (from the source cluster or the
/// repository). Every refusal points to `ferry backfill`, which has no version limits.
pub fn check_restorable(info: &SnapshotInfo, created: &[(String, Version)], target: Version) -> Result<()> {
    let mut reasons = Vec::new();
    if let Some(by) = info.taken_by() {
        reasons.extend(snapshot_refusal(by, target));
    }
    for (index, v) in created {
        if let Some(r) = index_refusal(*v, target) {
            reasons.push(format!("index {index}: {r}"));
        }
    }
    if reasons.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "{target} cannot restore snapshot {}: {}. `ferry backfill` reads the snapshot's documents and indexes them into any version instead",
        info.snapshot,
        reasons.join("; ")
    )))
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    /// Target index names.
    pub indices: Vec<String>,
    /// Existing target indices that were closed first (incremental mode).
    pub closed_first: Vec<String>,
    pub shards: u64,
    pub bytes: u64,
    pub health: String,
}

/// One restore: `body` from `repo`/`snapshot` into target indices `targets` (the names after
/// renaming).
pub struct RestoreJob<'a> {
    pub repo: &'a str,
    pub snapshot: &'a str,
    pub body: &'a Restore,
    pub targets: &'a [String],
    /// Close existing open targets first (a restore replaces a closed index and opens it);
    /// without it they are refused.
    pub incremental: bool,
    /// `yellow` or `green`: the health to wait for once every shard has recovered.
    pub wait_for: &'a str,
}

/// Run `job` and wait until every shard's recovery is DONE and the indices are at least
/// `job.wait_for`; `progress(recovered, total)` bytes.
pub async fn restore(api: &Api<'_>, job: &RestoreJob<'_>, poll: Polling, mut progress: impl FnMut(u64, u64)) -> Result<Restored> {
    let RestoreJob { repo, snapshot, body, targets, incremental, wait_for } = *job;
    let mut closed_first = Vec::new();
    let mut open = Vec::new();
    for t in targets {
        for (name, state) in api.index_states(t).await? {
            if &name == t && !state.closed {
                open.push(name);
            }
        }
    }
    if !open.is_empty() && !incremental {
        return Err(Error::Refused(format!(
            "open indices with the target names exist: {}. A restore replaces only closed indices: add --incremental to close, restore and reopen them, or restore under other names with --rename-pattern/--rename-replacement",
            open.join(", ")
        )));
    }
    if !open.is_empty() {
        api.close(&open).await?;
        closed_first = open;
    }
    if let Err(e) = api.restore(repo, snapshot, body).await {
        // Leave the cluster as it was: what ferry closed is opened again.
        if !closed_first.is_empty() {
            if let Err(reopen) = api.open(&closed_first).await {
                tracing::warn!("could not reopen {} after the failed restore: {reopen}", closed_first.join(", "));
            }
        }
        return Err(e);
    }
    if api.is_dry_run() {
        return Ok(Restored { indices: targets.to_vec(), closed_first, shards: 0, bytes: 0, health: "(dry run)".into() });
    }
    let started = Instant::now();
    let (mut shards, mut bytes);
    loop {
        let rec = match api.recovery(targets).await {
            Ok(rec) => rec,
            // Amazon OpenSearch Service refuses `_recovery` ("Your request: '/_recovery' is not
            // allowed"): health alone then says when the restore is done.
            Err(Error::Cluster(e)) if matches!(e.status(), Some(401..=405)) => {
                tracing::debug!("no recovery details ({e}); waiting on health alone");
                (shards, bytes) = (0, 0);
                break;
            }
            Err(e) => return Err(e),
        };
        let rec: Vec<_> = rec.into_iter().filter(|r| r.primary).collect();
        shards = rec.len() as u64;
        bytes = rec.iter().map(|r| r.bytes_total).sum::<u64>();
        progress(rec.iter().map(|r| r.bytes_recovered).sum(), bytes);
        if !rec.is_empty() && rec.iter().all(|r| r.stage == "DONE") {
            break;
        }
        if started.elapsed() > poll.timeout {
            return Err(Error::Failed(format!("the restore of {} is still recovering after {}s; it goes on in the cluster", targets.join(", "), poll.timeout.as_secs())));
        }
        tokio::time::sleep(poll.interval).await;
    }
    let health = api.health(targets, Some(wait_for), poll.timeout.as_secs().clamp(1, 3600)).await?;
    if health.timed_out || health.status == "red" {
        return Err(Error::Failed(format!("after the restore {} are {} (wanted {wait_for}); see GET _cluster/allocation/explain", targets.join(", "), health.status)));
    }
    Ok(Restored { indices: targets.to_vec(), closed_first, shards, bytes, health: health.status })
}
