//! One shard, from its Lucene segments to acknowledged bulk items.
//!
//! A reader thread decodes the shard's live documents in commit order (segment by segment, doc
//! id by doc id) into bulk bodies of at most `batch_bytes`/`batch_docs`. The async side sends up to
//! `connections` bodies at once and takes their answers back *in order*, so "every document up to
//! the last document of the newest answered batch is acknowledged" holds, and that position —
//! `<segment name>:<doc id>` — is the checkpoint. Refused documents are acknowledged too: they
//! are in the dead-letter file. A restart resumes after the checkpoint, so at most the batches
//! that were in flight are sent twice, and `index` operations make that harmless.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use cluster::bulk::{self, Action, ActionStyle, BulkBody, BulkOptions, BulkOutcome, SealedBody};
use cluster::Client;
use futures::stream::FuturesOrdered;
use futures::StreamExt;
use ledger::{Checkpoint, Lease};

use super::ledger::Ledger;
pub use crate::pace::Pacer;
use crate::source::{source_of, to_lucene};

/// Which mapping type goes into action lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypePolicy {
    /// Typeless targets.
    None,
    /// One type for every document (Elasticsearch 6.x targets).
    Fixed(String),
    /// Each document's own type, or `fallback` for typeless or `_`-prefixed ones (5.x targets).
    PerDocument { fallback: String },
}

impl TypePolicy {
    fn type_for<'a>(&'a self, doc_type: Option<&'a str>) -> Option<&'a str> {
        match self {
            TypePolicy::None => None,
            TypePolicy::Fixed(t) => Some(t),
            TypePolicy::PerDocument { fallback } => Some(doc_type.filter(|t| !t.starts_with('_')).unwrap_or(fallback)),
        }
    }
}

/// Which documents of a shard a work item takes, by mapping type (--type-mapping splits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeFilter {
    All,
    Only(Vec<String>),
    Except(Vec<String>),
}

impl TypeFilter {
    fn admits(&self, doc_type: Option<&str>) -> bool {
        match (self, doc_type) {
            (TypeFilter::All, _) => true,
            (TypeFilter::Only(types), Some(t)) => types.iter().any(|x| x == t),
            (TypeFilter::Except(types), Some(t)) => !types.iter().any(|x| x == t),
            // A typeless document cannot belong to a split-off type.
            (TypeFilter::Only(_), None) => false,
            (TypeFilter::Except(_), None) => true,
        }
    }
}

/// What every shard of this process shares.
pub struct ShardContext {
    pub client: Arc<Client>,
    pub style: ActionStyle,
    pub bulk: BulkOptions,
    pub batch_bytes: usize,
    pub batch_docs: usize,
    /// Bulk requests in flight, across shards.
    pub connections: Arc<tokio::sync::Semaphore>,
    pub pacer: Pacer,
    pub dead_letters: DeadLetters,
    pub ledger: Ledger,
    pub lease_ttl: Duration,
    pub checkpoint_every: Duration,
    pub allow_missing_source: bool,
    pub progress: Progress,
    pub counters: Arc<Counters>,
}

pub struct ShardTask {
    pub label: String,
    pub target_index: String,
    pub types: TypePolicy,
    pub filter: TypeFilter,
    pub dir: Arc<dyn lucene::Directory>,
    pub weight: u64,
}

#[derive(Default)]
pub struct Counters {
    pub docs_sent: AtomicU64,
    pub bytes_sent: AtomicU64,
    pub failed: AtomicU64,
    pub request_retries: AtomicU64,
    pub item_retries: AtomicU64,
    pub shards_done: AtomicU64,
}

/// The last acknowledged document: `<segment name>:<doc id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Position {
    segment: String,
    doc: u32,
}

impl Position {
    fn parse(s: &str) -> Result<Position> {
        let (segment, doc) = s.rsplit_once(':').ok_or_else(|| anyhow!("checkpoint `{s}` is not <segment>:<doc>"))?;
        Ok(Position { segment: segment.to_owned(), doc: doc.parse().map_err(|_| anyhow!("checkpoint `{s}` is not <segment>:<doc>"))? })
    }

    fn render(&self) -> String {
        format!("{}:{}", self.segment, self.doc)
    }
}

/// A bulk body and the position of its last document.
struct Batch {
    body: SealedBody,
    last: Position,
}

/// Stream one claimed shard into the target; complete its ledger item. A lease lost to another
/// worker ends the shard quietly (the other worker carries on from the checkpoint).
pub async fn run(ctx: &Arc<ShardContext>, task: ShardTask, mut lease: Lease) -> Result<()> {
    let resume = lease.resume_from.clone();
    let start = match &resume {
        Some(c) => Some(Position::parse(&c.position).with_context(|| format!("{}: ledger item `{}`", task.label, lease.key))?),
        None => None,
    };
    let mut acked = Checkpoint { position: resume.as_ref().map(|c| c.position.clone()).unwrap_or_default(), docs: resume.as_ref().map_or(0, |c| c.docs), failed: resume.as_ref().map_or(0, |c| c.failed) };
    if let Some(p) = &start {
        tracing::info!("{}: resuming after {} ({} documents acknowledged before)", task.label, p.render(), acked.docs);
    }
    let label = task.label.clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(1);
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let ctx = ctx.clone();
        let stop = stop.clone();
        tokio::task::spawn_blocking(move || read_shard(&ctx, &task, start, &tx, &stop))
    };
    let mut inflight = FuturesOrdered::new();
    let mut eof = false;
    let mut last_checkpoint = Instant::now();
    let mut checkpointed = acked.clone();
    let mut ticker = tokio::time::interval(ctx.checkpoint_every.min(ctx.lease_ttl / 3));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // A connection permit is taken before a batch is pulled from the reader, so bodies waiting
    // for a connection stay unbuilt: memory is bounded by connections + two bodies per shard.
    let mut permit: Option<tokio::sync::OwnedSemaphorePermit> = None;
    let outcome: Result<()> = async {
        loop {
            if eof && inflight.is_empty() {
                return Ok(());
            }
            tokio::select! {
                p = ctx.connections.clone().acquire_owned(), if !eof && permit.is_none() => {
                    permit = Some(p.expect("the semaphore is never closed"));
                }
                b = rx.recv(), if !eof && permit.is_some() => match b {
                    Some(b) => inflight.push_back(send(ctx.clone(), b, permit.take().expect("checked above"))),
                    None => {
                        eof = true;
                        permit = None;
                    }
                },
                Some((batch, result)) = inflight.next(), if !inflight.is_empty() => {
                    let result: Result<BulkOutcome, cluster::Error> = result;
                    let out = result.with_context(|| format!("{label}: bulk request"))?;
                    acknowledge(ctx, &batch, &out, &mut acked)?;
                }
                _ = ticker.tick() => {
                    if acked != checkpointed || last_checkpoint.elapsed() >= ctx.lease_ttl / 3 {
                        ctx.ledger.checkpoint(&mut lease, ctx.lease_ttl, acked.clone()).await?;
                        checkpointed = acked.clone();
                        last_checkpoint = Instant::now();
                    }
                }
            }
        }
    }
    .await;
    // Stop the reader (it may be blocked handing us a batch) and collect its verdict.
    stop.store(true, Ordering::Relaxed);
    drop(rx);
    let read = reader.await.map_err(|e| anyhow!("{label}: the reader panicked: {e}"))?;
    let result = outcome.and_then(|()| read);
    let result = match result {
        Ok(()) => ctx.ledger.complete(&lease, acked.docs, acked.failed).await.map(|()| {
            ctx.counters.shards_done.fetch_add(1, Ordering::Relaxed);
        }),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) if is_lease_lost(&e) => {
            tracing::warn!("{label}: {e:#}; leaving the shard to its new holder");
            Ok(())
        }
        Err(e) => {
            // Keep what was acknowledged, and let a rerun claim the shard at once.
            if acked != checkpointed {
                let _ = ctx.ledger.checkpoint(&mut lease, ctx.lease_ttl, acked).await;
            }
            let _ = ctx.ledger.release(&lease).await;
            Err(e)
        }
    }
}

fn is_lease_lost(e: &anyhow::Error) -> bool {
    e.chain().any(|c| matches!(c.downcast_ref::<ledger::Error>(), Some(ledger::Error::LeaseLost { .. })))
}

async fn send(ctx: Arc<ShardContext>, batch: Batch, permit: tokio::sync::OwnedSemaphorePermit) -> (Batch, Result<BulkOutcome, cluster::Error>) {
    let _permit = permit;
    ctx.pacer.pace(batch.body.len() as f64, batch.body.byte_len() as f64).await;
    let r = bulk::execute(&ctx.client, "_bulk", ctx.style, &batch.body, &ctx.bulk).await;
    (batch, r)
}

/// Count an answered batch, write its refused documents to the dead-letter file, and move the
/// acknowledged position to its last document.
fn acknowledge(ctx: &ShardContext, batch: &Batch, out: &BulkOutcome, acked: &mut Checkpoint) -> Result<()> {
    let c = &ctx.counters;
    c.docs_sent.fetch_add(batch.body.len() as u64, Ordering::Relaxed);
    c.bytes_sent.fetch_add(batch.body.byte_len() as u64, Ordering::Relaxed);
    c.request_retries.fetch_add(u64::from(out.request_retries), Ordering::Relaxed);
    c.item_retries.fetch_add(out.item_retries as u64, Ordering::Relaxed);
    if !out.failed.is_empty() {
        c.failed.fetch_add(out.failed.len() as u64, Ordering::Relaxed);
        ctx.dead_letters.write(batch, out)?;
    }
    acked.docs += batch.body.len() as u64;
    acked.failed += out.failed.len() as u64;
    acked.position = batch.last.render();
    Ok(())
}

/// Decode the shard's live documents after `start` into bulk bodies (blocking: runs on its own
/// thread; snapshot blobs are fetched through the runtime).
fn read_shard(ctx: &ShardContext, task: &ShardTask, start: Option<Position>, tx: &tokio::sync::mpsc::Sender<Batch>, stop: &AtomicBool) -> Result<()> {
    let index = lucene::Index::open(task.dir.clone()).with_context(|| format!("{}: opening the shard", task.label))?;
    let segments = index.segments();
    let (first, from_doc) = match &start {
        None => (0, 0),
        Some(p) => {
            let i = segments.iter().position(|s| s.name == p.segment).ok_or_else(|| {
                anyhow!("{}: the checkpoint names segment {} which this snapshot's shard does not have (was the ledger made for another snapshot?)", task.label, p.segment)
            })?;
            (i, p.doc + 1)
        }
    };
    let mut body = BulkBody::with_capacity(ctx.batch_bytes + (64 << 10));
    let mut last = None;
    let mut reported = 0u64;
    let mut weight_seen = 0u64;
    let stopped = || anyhow!("{}: stopped", task.label);
    for s in first..segments.len() {
        let segment = index.open_segment(s).with_context(|| format!("{}: segment {}", task.label, segments[s].name))?;
        let fields = esdoc::EsFields::of(&segment.fields);
        let from = if s == first { from_doc } else { 0 };
        let (mut emitted, mut nested, mut missing, mut other_types) = (0u64, 0u64, 0u64, 0u64);
        let name = segment.info.name.clone();
        segment
            .scan(from, |doc_id, doc| {
                let Some(d) = esdoc::decode(&doc, &fields).map_err(to_lucene)? else {
                    nested += 1;
                    return Ok(());
                };
                if !task.filter.admits(d.doc_type) {
                    other_types += 1;
                    return Ok(());
                }
                let Some(source) = source_of(&d, &doc, ctx.allow_missing_source)? else {
                    missing += 1;
                    return Ok(());
                };
                let action = Action { index: &task.target_index, doc_type: task.types.type_for(d.doc_type), id: &d.id, routing: d.routing };
                body.push_with(ctx.style, action, |buf| esdoc::append_json(source, buf).map(|_| ())).map_err(|e| lucene::Error::corrupt(doc.file(), format!("document `{}`: {e}", d.id)))?;
                emitted += 1;
                last = Some(Position { segment: name.clone(), doc: doc_id });
                if body.byte_len() >= ctx.batch_bytes || body.len() >= ctx.batch_docs {
                    let full = std::mem::replace(&mut body, BulkBody::with_capacity(ctx.batch_bytes + (64 << 10)));
                    let pos = doc.position();
                    ctx.progress.add(pos.saturating_sub(reported));
                    weight_seen += pos.saturating_sub(reported);
                    reported = pos;
                    if stop.load(Ordering::Relaxed) || tx.blocking_send(Batch { body: full.seal(), last: last.clone().expect("a document was added") }).is_err() {
                        return Err(lucene::Error::Io { file: task.label.clone(), source: std::io::Error::other("stopped") });
                    }
                }
                Ok(())
            })
            .map_err(|e| if stop.load(Ordering::Relaxed) { stopped() } else { anyhow::Error::from(e).context(task.label.clone()) })?;
        reported = 0;
        // Every live document is accounted for: sent, a nested child, skipped on request, or
        // another work item's (a split-off mapping type).
        if from == 0 {
            let live = u64::from(segment.num_live());
            if emitted + nested + missing + other_types != live {
                bail!("{}: segment {name}: {live} live documents but {emitted} read, {nested} nested, {missing} without _source, {other_types} of other types", task.label);
            }
        }
    }
    if !body.is_empty() && tx.blocking_send(Batch { body: body.seal(), last: last.expect("a non-empty body has a last document") }).is_err() {
        return Err(stopped());
    }
    ctx.progress.add(task.weight.saturating_sub(weight_seen));
    Ok(())
}

/// The dead-letter file: one JSON line per refused document, `{"status","error","action","source"}`
/// — the action and source lines can be fed back to `_bulk` as they are. Opened on first use in
/// append mode, and every line is one `write`, so processes sharing the file do not interleave.
pub struct DeadLetters {
    path: PathBuf,
    file: Mutex<Option<std::fs::File>>,
}

impl DeadLetters {
    pub fn new(path: PathBuf) -> DeadLetters {
        DeadLetters { path, file: Mutex::new(None) }
    }

    fn write(&self, batch: &Batch, out: &BulkOutcome) -> Result<()> {
        let mut guard = self.file.lock().expect("dead-letter lock");
        if guard.is_none() {
            let f = std::fs::OpenOptions::new().create(true).append(true).open(&self.path).with_context(|| format!("cannot open the dead-letter file {}", self.path.display()))?;
            *guard = Some(f);
        }
        let file = guard.as_mut().expect("opened above");
        for f in &out.failed {
            let (action, source) = batch.body.item_lines(f.item);
            let mut line = Vec::with_capacity(action.len() + source.len() + 200);
            line.extend_from_slice(b"{\"status\":");
            line.extend_from_slice(f.status.to_string().as_bytes());
            line.extend_from_slice(b",\"error\":");
            serde_json::to_writer(&mut line, &serde_json::json!({"type": f.error.error_type, "reason": f.error.reason}))?;
            line.extend_from_slice(b",\"action\":");
            line.extend_from_slice(action);
            line.extend_from_slice(b",\"source\":");
            line.extend_from_slice(source);
            line.extend_from_slice(b"}\n");
            file.write_all(&line).with_context(|| format!("writing the dead-letter file {}", self.path.display()))?;
        }
        Ok(())
    }

    pub fn written(&self) -> bool {
        self.file.lock().expect("dead-letter lock").is_some()
    }

    pub fn flush(&self) -> Result<()> {
        if let Some(f) = self.file.lock().expect("dead-letter lock").as_mut() {
            f.sync_all().with_context(|| format!("syncing the dead-letter file {}", self.path.display()))?;
        }
        Ok(())
    }
}

/// Progress on stderr (only on a terminal): stored-field bytes read out of the total, documents
/// acknowledged, rate, retries and refusals.
#[derive(Clone)]
pub struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    pub fn new(enabled: bool, total: u64) -> Progress {
        let bar = if enabled { indicatif::ProgressBar::new(total) } else { indicatif::ProgressBar::hidden() };
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {percent:>3}%  {msg}  ETA {eta}").expect("valid template").progress_chars("=> "),
        );
        Progress { bar }
    }

    fn add(&self, n: u64) {
        self.bar.inc(n);
    }

    pub fn draw(&self, c: &Counters, started: Instant) {
        let docs = c.docs_sent.load(Ordering::Relaxed);
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        let mb = c.bytes_sent.load(Ordering::Relaxed) as f64 / 1e6;
        self.bar.set_message(format!(
            "{docs} docs  {:.0} docs/s  {:.1} MB/s  {} shards done  {} retries  {} refused",
            docs as f64 / secs,
            mb / secs,
            c.shards_done.load(Ordering::Relaxed),
            c.request_retries.load(Ordering::Relaxed) + c.item_retries.load(Ordering::Relaxed),
            c.failed.load(Ordering::Relaxed)
        ));
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip() {
        let p = Position { segment: "_1a".into(), doc: 4095 };
        assert_eq!(Position::parse(&p.render()).unwrap(), p);
        assert!(Position::parse("nonsense").is_err());
        assert!(Position::parse("_1:x").is_err());
    }

    #[test]
    fn type_filters() {
        let only = TypeFilter::Only(vec!["tweet".into()]);
        let except = TypeFilter::Except(vec!["tweet".into()]);
        assert!(only.admits(Some("tweet")) && !only.admits(Some("user")) && !only.admits(None));
        assert!(!except.admits(Some("tweet")) && except.admits(Some("user")) && except.admits(None));
        assert!(TypeFilter::All.admits(None));
    }

    #[test]
    fn types_per_target() {
        assert_eq!(TypePolicy::None.type_for(Some("type1")), None);
        assert_eq!(TypePolicy::Fixed("_doc".into()).type_for(Some("type1")), Some("_doc"));
        let per = TypePolicy::PerDocument { fallback: "doc".into() };
        assert_eq!(per.type_for(Some("type1")), Some("type1"));
        assert_eq!(per.type_for(Some("_doc")), Some("doc"));
        assert_eq!(per.type_for(None), Some("doc"));
    }

}
