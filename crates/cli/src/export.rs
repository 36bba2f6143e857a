//! `ferry export`: every live document of a snapshot (or of a plain Lucene folder) to NDJSON files,
//! one per index, read straight from the repository with no cluster involved.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use lucene::Directory;
use serde::Serialize;

use crate::output::{self, Format};
use crate::source::{self, is_stored_or_compound, source_of, to_lucene};
use crate::StoreArgs;

/// Lines are gathered into batches of about this size before they are compressed and written.
const BATCH_BYTES: usize = 1 << 20;

#[derive(Args)]
pub struct ExportArgs {
    /// Repository location (path, file://, s3://, oss://, cos://, gs://, azblob://).
    #[arg(value_name = "REPO", required_unless_present = "lucene_dir", conflicts_with = "lucene_dir")]
    repo: Option<String>,
    /// Snapshot to export (name or uuid). Default: the newest snapshot in the repository.
    #[arg(long, short = 's')]
    snapshot: Option<String>,
    /// Indices to export: names or wildcards (`logs-*`), comma-separated or repeated; a leading `-`
    /// excludes (`*,-.kibana*`). Default: every index of the snapshot.
    #[arg(long, short = 'i', value_name = "PATTERN", value_delimiter = ',')]
    index: Vec<String>,
    /// Read a plain Lucene index folder instead of a repository, e.g. a stopped node's
    /// `nodes/0/indices/<uuid>/<shard>/index` or `indices/<uuid>/<shard>/index`.
    #[arg(long, value_name = "PATH")]
    lucene_dir: Option<PathBuf>,
    /// Index name written into the documents with --lucene-dir. Default: the index uuid from the
    /// folder path (`…/<uuid>/<shard>/index`), else the folder's name.
    #[arg(long, requires = "lucene_dir")]
    index_name: Option<String>,
    /// Output folder (created if missing). One file per index: `<index>.ndjson[.gz|.zst]`.
    /// `-` writes every line to stdout (and the summary to stderr).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Line format: `ndjson` (one document per line) or `bulk` (action + source lines, ready for `_bulk`).
    #[arg(long, value_enum, default_value_t = LineFormat::Ndjson)]
    format: LineFormat,
    /// Compress the output files.
    #[arg(long, value_enum, default_value_t = Compress::None)]
    compress: Compress,
    /// Segments read in parallel (across shards and within one). Default: the number of CPUs.
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// Skip (and count) documents without a stored `_source` instead of failing: their content
    /// cannot be exported (`_source` disabled in the mapping, or ES 8 synthetic source).
    #[arg(long)]
    allow_missing_source: bool,
    #[command(flatten)]
    report: output::ReportArgs,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineFormat {
    /// `{"_index","_id","_type"?,"_routing"?,"_source"}` per line.
    Ndjson,
    /// `{"index":{"_index","_id","_type"?,"routing"?}}` then the source, per document.
    Bulk,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compress {
    None,
    Gzip,
    Zstd,
}

impl Compress {
    fn extension(self) -> &'static str {
        match self {
            Compress::None => "",
            Compress::Gzip => ".gz",
            Compress::Zstd => ".zst",
        }
    }
}

enum Destination {
    /// One file per index in this folder.
    Dir(PathBuf),
    /// Every line to standard output (`--out -`), for piping.
    Stdout,
}

/// One shard (or one Lucene folder) to read.
struct Unit {
    /// Position of the index in `Plan::indices`.
    index: usize,
    label: String,
    dir: Arc<dyn Directory>,
    /// Bytes of stored-field data (or compound files) to scan, for progress.
    weight: u64,
}

struct Plan {
    snapshot: Option<String>,
    indices: Vec<String>,
    units: Vec<Unit>,
}

pub async fn run(args: ExportArgs) -> Result<()> {
    let runtime = tokio::runtime::Handle::current();
    let plan = match (&args.repo, &args.lucene_dir) {
        (_, Some(path)) => plan_lucene_dir(path, args.index_name.as_deref())?,
        (Some(repo), None) => plan_snapshot(repo, &args, runtime).await?,
        (None, None) => unreachable!("clap requires REPO or --lucene-dir"),
    };
    let out = if args.out.as_os_str() == "-" {
        Destination::Stdout
    } else {
        std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create the output folder {}", args.out.display()))?;
        Destination::Dir(args.out.clone())
    };
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)).max(1);
    let settings = Settings { format: args.format, compress: args.compress, allow_missing_source: args.allow_missing_source };
    let show_progress = args.report.show_progress();
    let to_stdout = matches!(out, Destination::Stdout);
    let summary = tokio::task::spawn_blocking(move || execute(plan, &out, jobs, settings, show_progress)).await??;
    // With the documents on stdout, the summary goes to stderr.
    match (args.report.output, to_stdout) {
        (Format::Json, false) => output::print_json(&summary)?,
        (Format::Json, true) => eprintln!("{}", serde_json::to_string_pretty(&summary)?),
        (Format::Text, false) => print!("{}", summary.to_text()),
        (Format::Text, true) => eprint!("{}", summary.to_text()),
    }
    if summary.missing_source > 0 {
        eprintln!("ferry: warning: {} document(s) had no _source and were skipped", summary.missing_source);
    }
    Ok(())
}

async fn plan_snapshot(location: &str, args: &ExportArgs, runtime: tokio::runtime::Handle) -> Result<Plan> {
    let sel = source::select(location, &args.store.options(), args.snapshot.as_deref(), &args.index).await?;
    let shards = sel.shards(runtime).await?;
    let units = shards
        .into_iter()
        .map(|s| Unit { index: s.index, label: format!("{}[{}]", sel.indices[s.index].name, s.shard), dir: s.dir, weight: s.weight })
        .collect();
    Ok(Plan { snapshot: Some(sel.snapshot.name.clone()), indices: sel.indices.iter().map(|i| i.name.clone()).collect(), units })
}

fn plan_lucene_dir(path: &Path, index_name: Option<&str>) -> Result<Plan> {
    let dir = lucene::FsDirectory::open(path)?;
    let name = match index_name {
        Some(n) => n.to_owned(),
        None => default_index_name(path),
    };
    let weight = dir
        .list()?
        .iter()
        .filter(|f| is_stored_or_compound(f))
        .filter_map(|f| std::fs::metadata(path.join(f)).ok())
        .map(|m| m.len())
        .sum();
    Ok(Plan { snapshot: None, indices: vec![name.clone()], units: vec![Unit { index: 0, label: name, dir: Arc::new(dir), weight }] })
}

/// `…/indices/<uuid>/<shard>/index` → `<uuid>`; otherwise the folder's own name.
fn default_index_name(path: &Path) -> String {
    let parts: Vec<String> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let n = parts.len();
    if n >= 3 && parts[n - 1] == "index" && parts[n - 2].chars().all(|c| c.is_ascii_digit()) {
        return parts[n - 3].clone();
    }
    parts.last().cloned().filter(|s| !s.is_empty() && s != "." && s != "/").unwrap_or_else(|| "index".into())
}

#[derive(Clone, Copy)]
struct Settings {
    format: LineFormat,
    compress: Compress,
    allow_missing_source: bool,
}

/// Where one index's lines go, and what was written there. Workers compress their own batches
/// (complete gzip members / zstd frames, which concatenate into a valid file) and hand them to
/// one writer thread, so decoding never waits for the disk and compression runs in parallel.
struct Output {
    /// Which of the writer's sinks (one per file; stdout is a single sink for every index).
    sink: usize,
    /// Written under a temporary name and renamed into place only when the export succeeded.
    tmp: Option<PathBuf>,
    path: Option<PathBuf>,
    docs: AtomicU64,
    source_bytes: AtomicU64,
    shards: AtomicU64,
}

/// A worker's side of the writer thread.
struct Writer {
    tx: std::sync::mpsc::SyncSender<(usize, Vec<u8>)>,
    /// Buffers the writer has emptied, for reuse.
    recycled: Arc<Mutex<std::sync::mpsc::Receiver<Vec<u8>>>>,
}

impl Writer {
    fn send(&self, sink: usize, batch: &mut Vec<u8>) -> std::io::Result<()> {
        let fresh = self.recycled.lock().expect("lock").try_recv().unwrap_or_else(|_| Vec::with_capacity(BATCH_BYTES + (64 << 10)));
        let full = std::mem::replace(batch, fresh);
        self.tx.send((sink, full)).map_err(|_| std::io::Error::other("the output writer stopped"))
    }
}

/// Append batches to their sinks until every worker is done; return emptied buffers.
fn run_writer(mut sinks: Vec<Box<dyn Write + Send>>, rx: std::sync::mpsc::Receiver<(usize, Vec<u8>)>, recycle: std::sync::mpsc::Sender<Vec<u8>>) -> std::io::Result<()> {
    for (sink, mut buf) in rx {
        sinks[sink].write_all(&buf)?;
        buf.clear();
        let _ = recycle.send(buf);
    }
    for s in &mut sinks {
        s.flush()?;
    }
    Ok(())
}

enum Task {
    Shard(usize),
    Segment { unit: usize, index: Arc<lucene::Index>, segment: usize },
}

/// Work for the export threads. A worker leaves when nothing is queued and nothing is running
/// (a running shard task may still add segment tasks), or as soon as any task failed.
struct Queue {
    state: Mutex<QueueState>,
    wake: std::sync::Condvar,
}

struct QueueState {
    queued: std::collections::VecDeque<Task>,
    running: usize,
    failed: bool,
}

impl Queue {
    fn new(tasks: impl Iterator<Item = Task>) -> Self {
        Queue { state: Mutex::new(QueueState { queued: tasks.collect(), running: 0, failed: false }), wake: std::sync::Condvar::new() }
    }

    /// The next task, marked running; `None` when all work is done or a task failed.
    fn next(&self) -> Option<Task> {
        let mut st = self.state.lock().expect("lock");
        loop {
            if st.failed {
                return None;
            }
            if let Some(t) = st.queued.pop_front() {
                st.running += 1;
                return Some(t);
            }
            if st.running == 0 {
                return None;
            }
            st = self.wake.wait(st).expect("lock");
        }
    }

    /// Queue tasks ahead of the others (a shard's segments right after it was opened).
    fn push_front(&self, tasks: impl DoubleEndedIterator<Item = Task>) {
        let mut st = self.state.lock().expect("lock");
        for t in tasks.rev() {
            st.queued.push_front(t);
        }
        self.wake.notify_all();
    }

    /// A task taken with `next` has finished.
    fn done(&self) {
        self.state.lock().expect("lock").running -= 1;
        self.wake.notify_all();
    }

    fn fail(&self) {
        self.state.lock().expect("lock").failed = true;
        self.wake.notify_all();
    }
}

#[derive(Default)]
struct Counters {
    docs: AtomicU64,
    source_bytes: AtomicU64,
    scanned: AtomicU64,
    missing_source: AtomicU64,
    nested: AtomicU64,
}

fn execute(plan: Plan, out: &Destination, jobs: usize, settings: Settings, show_progress: bool) -> Result<Summary> {
    let started = Instant::now();
    let mut outputs = Vec::new();
    let mut sinks: Vec<Box<dyn Write + Send>> = Vec::new();
    let new_output = |sink, tmp, path| Output { sink, tmp, path, docs: AtomicU64::new(0), source_bytes: AtomicU64::new(0), shards: AtomicU64::new(0) };
    match out {
        Destination::Stdout => {
            sinks.push(Box::new(std::io::BufWriter::with_capacity(BATCH_BYTES, std::io::stdout())));
            outputs.extend(plan.indices.iter().map(|_| new_output(0, None, None)));
        }
        Destination::Dir(dir) => {
            for name in &plan.indices {
                let file_name = format!("{}.ndjson{}", name.replace(['/', '\\'], "_"), settings.compress.extension());
                let tmp = dir.join(format!(".{file_name}.part"));
                let file = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
                sinks.push(Box::new(file));
                outputs.push(new_output(sinks.len() - 1, Some(tmp), Some(dir.join(&file_name))));
            }
        }
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Vec<u8>)>(4 * jobs.max(1));
    let (recycle_tx, recycle_rx) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || run_writer(sinks, rx, recycle_tx));
    let recycled = Arc::new(Mutex::new(recycle_rx));
    let total_weight: u64 = plan.units.iter().map(|u| u.weight).sum();
    let counters = Counters::default();
    let progress = Progress::new(show_progress, total_weight);
    // Biggest shards first, so the last worker is not left with a giant one.
    let mut order: Vec<usize> = (0..plan.units.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(plan.units[i].weight));
    let queue = Queue::new(order.into_iter().map(Task::Shard));
    // Per shard: segments still to read, and stored-field bytes scanned (for progress).
    let remaining: Vec<AtomicUsize> = plan.units.iter().map(|_| AtomicUsize::new(0)).collect();
    let scanned: Vec<AtomicU64> = plan.units.iter().map(|_| AtomicU64::new(0)).collect();
    let errors: Mutex<Vec<anyhow::Error>> = Mutex::new(Vec::new());
    let workers = jobs.max(1);
    let workers_left = AtomicUsize::new(workers);
    let finish_shard = |u: usize| {
        let unit = &plan.units[u];
        // The rest of the shard's weight: compound-file bytes that are not stored fields.
        progress.add(&counters.scanned, unit.weight.saturating_sub(scanned[u].load(Ordering::Relaxed)));
        outputs[unit.index].shards.fetch_add(1, Ordering::Relaxed);
    };
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let w = Writer { tx: tx.clone(), recycled: recycled.clone() };
                while let Some(task) = queue.next() {
                    let (u, result) = match task {
                        // Opening a shard reads its commit; its segments become tasks of their own,
                        // so one large shard still keeps every worker busy.
                        Task::Shard(u) => (u, lucene::Index::open(plan.units[u].dir.clone()).map_err(anyhow::Error::from).map(|index| {
                            let index = Arc::new(index);
                            let n = index.segments().len();
                            remaining[u].store(n, Ordering::Relaxed);
                            if n == 0 {
                                finish_shard(u);
                            }
                            queue.push_front((0..n).map(|s| Task::Segment { unit: u, index: index.clone(), segment: s }));
                        })),
                        Task::Segment { unit: u, index, segment } => {
                            let unit = &plan.units[u];
                            let r = export_segment(&index, segment, &plan.indices[unit.index], &outputs[unit.index], &w, settings, &counters, &progress).map(|fdt| {
                                scanned[u].fetch_add(fdt, Ordering::Relaxed);
                                if remaining[u].fetch_sub(1, Ordering::Relaxed) == 1 {
                                    finish_shard(u);
                                }
                            });
                            (u, r)
                        }
                    };
                    if let Err(e) = result {
                        queue.fail();
                        errors.lock().expect("lock").push(e.context(format!("exporting {}", plan.units[u].label)));
                    }
                    queue.done();
                }
                workers_left.fetch_sub(1, Ordering::Relaxed);
            });
        }
        if show_progress {
            scope.spawn(|| {
                for tick in 0u64.. {
                    if workers_left.load(Ordering::Relaxed) == 0 {
                        break;
                    }
                    if tick % 5 == 0 {
                        progress.draw(&counters, started);
                    }
                    std::thread::sleep(Duration::from_millis(40));
                }
            });
        }
    });
    progress.finish();
    drop(tx);
    let written = writer.join().map_err(|_| anyhow::anyhow!("the output writer panicked"))?;
    let mut errors = errors.into_inner().expect("lock");
    if let Err(e) = written {
        errors.push(anyhow::Error::new(e).context(match out {
            Destination::Stdout => "writing to stdout".to_owned(),
            Destination::Dir(d) => format!("writing into {}", d.display()),
        }));
    }
    if let Some(e) = errors.pop() {
        for tmp in outputs.iter().filter_map(|o| o.tmp.as_ref()) {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    let mut indices = Vec::new();
    for (name, o) in plan.indices.iter().zip(outputs) {
        // Complete files only ever appear under their final name. Like cp and tar, no fsync: the
        // export deletes nothing, so a machine crash costs a rerun, not data.
        if let (Some(tmp), Some(path)) = (&o.tmp, &o.path) {
            std::fs::rename(tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
        }
        indices.push(IndexSummary {
            index: name.clone(),
            shards: o.shards.load(Ordering::Relaxed),
            docs: o.docs.load(Ordering::Relaxed),
            source_bytes: o.source_bytes.load(Ordering::Relaxed),
            file: o.path.as_ref().map_or_else(|| "-".to_owned(), |p| p.display().to_string()),
        });
    }
    let elapsed = started.elapsed().as_secs_f64();
    let docs = counters.docs.load(Ordering::Relaxed);
    let source_bytes = counters.source_bytes.load(Ordering::Relaxed);
    Ok(Summary {
        snapshot: plan.snapshot,
        format: settings.format,
        compress: settings.compress,
        docs,
        source_bytes,
        missing_source: counters.missing_source.load(Ordering::Relaxed),
        nested_skipped: counters.nested.load(Ordering::Relaxed),
        elapsed_seconds: elapsed,
        docs_per_second: docs as f64 / elapsed.max(1e-9),
        source_mb_per_second: source_bytes as f64 / 1e6 / elapsed.max(1e-9),
        indices,
    })
}

/// Read one segment and hand its documents to the writer. Returns the stored-fields bytes scanned.
fn export_segment(lucene: &lucene::Index, s: usize, index: &str, out: &Output, writer: &Writer, settings: Settings, counters: &Counters, progress: &Progress) -> Result<u64> {
    let index_json = serde_json::to_string(index)?;
    let mut batch: Vec<u8> = Vec::with_capacity(BATCH_BYTES + (64 << 10));
    let mut compressed = Vec::new();
    let segment = lucene.open_segment(s)?;
    let fields = esdoc::EsFields::of(&segment.fields);
    let (mut emitted, mut nested, mut missing) = (0u64, 0u64, 0u64);
    let mut source_bytes = 0u64;
    let mut reported = 0u64;
    let mut since_flush = 0u32;
    segment.scan(0, |_, doc| {
        let Some(d) = esdoc::decode(&doc, &fields).map_err(to_lucene)? else {
            nested += 1;
            return Ok(());
        };
        let Some(source) = source_of(&d, &doc, settings.allow_missing_source)? else {
            missing += 1;
            return Ok(());
        };
        write_line(&mut batch, &index_json, &d, source, settings.format).map_err(|e| lucene::Error::corrupt(doc.file(), format!("document `{}`: {e}", d.id)))?;
        emitted += 1;
        source_bytes += source.len() as u64;
        since_flush += 1;
        if batch.len() >= BATCH_BYTES {
            flush(out, writer, &mut batch, &mut compressed, settings.compress).map_err(|e| lucene::Error::Io { file: "output".into(), source: e })?;
            counters.docs.fetch_add(u64::from(since_flush), Ordering::Relaxed);
            since_flush = 0;
            progress.add(&counters.scanned, doc.position() - reported);
            reported = doc.position();
        }
        Ok(())
    })?;
    flush(out, writer, &mut batch, &mut compressed, settings.compress).context("writing output")?;
    counters.docs.fetch_add(u64::from(since_flush), Ordering::Relaxed);
    // Every live document must be accounted for: exported, nested child, or skipped on request.
    let live = u64::from(segment.num_live());
    if emitted + nested + missing != live {
        bail!("segment {}: {live} live documents but {emitted} exported, {nested} nested, {missing} without _source", segment.info.name);
    }
    counters.source_bytes.fetch_add(source_bytes, Ordering::Relaxed);
    counters.nested.fetch_add(nested, Ordering::Relaxed);
    counters.missing_source.fetch_add(missing, Ordering::Relaxed);
    out.docs.fetch_add(emitted, Ordering::Relaxed);
    out.source_bytes.fetch_add(source_bytes, Ordering::Relaxed);
    let fdt_len = segment.stored_fields().file_len();
    progress.add(&counters.scanned, fdt_len.saturating_sub(reported));
    Ok(fdt_len)
}

fn write_line(out: &mut Vec<u8>, index_json: &str, d: &esdoc::EsDoc<'_>, source: &[u8], format: LineFormat) -> Result<(), String> {
    // The metadata is the same in both formats; only its wrapping and the routing key differ.
    let (open, routing_key, close): (&[u8], &[u8], &[u8]) = match format {
        LineFormat::Ndjson => (b"{\"_index\":", b",\"_routing\":", b",\"_source\":"),
        LineFormat::Bulk => (b"{\"index\":{\"_index\":", b",\"routing\":", b"}}\n"),
    };
    let str_field = |out: &mut Vec<u8>, key: &[u8], v: &str| {
        out.extend_from_slice(key);
        serde_json::to_writer(&mut *out, v).expect("vec");
    };
    out.extend_from_slice(open);
    out.extend_from_slice(index_json.as_bytes());
    str_field(out, b",\"_id\":", &d.id);
    if let Some(t) = d.doc_type {
        str_field(out, b",\"_type\":", t);
    }
    if let Some(r) = d.routing {
        str_field(out, routing_key, r);
    }
    out.extend_from_slice(close);
    esdoc::append_json(source, out)?;
    out.extend_from_slice(match format {
        LineFormat::Ndjson => b"}\n",
        LineFormat::Bulk => b"\n",
    });
    Ok(())
}

fn flush(out: &Output, writer: &Writer, batch: &mut Vec<u8>, scratch: &mut Vec<u8>, compress: Compress) -> std::io::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    match compress {
        Compress::None => return writer.send(out.sink, batch),
        Compress::Gzip => {
            scratch.clear();
            let mut enc = flate2::write::GzEncoder::new(&mut *scratch, flate2::Compression::new(6));
            enc.write_all(batch)?;
            enc.finish()?;
        }
        Compress::Zstd => *scratch = zstd::bulk::compress(batch, 3)?,
    }
    batch.clear();
    writer.send(out.sink, scratch)
}

/// Progress on stderr (only on a terminal): bytes of stored fields scanned out of the total, with
/// rate, ETA and documents per second.
struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    fn new(enabled: bool, total: u64) -> Self {
        let bar = if enabled { indicatif::ProgressBar::new(total) } else { indicatif::ProgressBar::hidden() };
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {percent:>3}%  {bytes}/{total_bytes}  {bytes_per_sec}  {msg}  ETA {eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        Progress { bar }
    }

    fn add(&self, counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
        self.bar.inc(n);
    }

    fn draw(&self, c: &Counters, started: Instant) {
        let docs = c.docs.load(Ordering::Relaxed);
        let secs = started.elapsed().as_secs_f64().max(1e-3);
        self.bar.set_message(format!("{docs} docs  {:.0} docs/s", docs as f64 / secs));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[derive(Serialize)]
struct Summary {
    snapshot: Option<String>,
    format: LineFormat,
    compress: Compress,
    docs: u64,
    source_bytes: u64,
    missing_source: u64,
    nested_skipped: u64,
    elapsed_seconds: f64,
    docs_per_second: f64,
    source_mb_per_second: f64,
    indices: Vec<IndexSummary>,
}

#[derive(Serialize)]
struct IndexSummary {
    index: String,
    shards: u64,
    docs: u64,
    source_bytes: u64,
    file: String,
}

impl Summary {
    fn to_text(&self) -> String {
        let mut s = String::new();
        if let Some(snap) = &self.snapshot {
            s.push_str(&format!("snapshot {snap}\n"));
        }
        let width = self.indices.iter().map(|i| i.index.len()).max().unwrap_or(5).max(5);
        s.push_str(&format!("{:<width$}  {:>6}  {:>12}  {:>10}  file\n", "index", "shards", "docs", "source"));
        for i in &self.indices {
            s.push_str(&format!("{:<width$}  {:>6}  {:>12}  {:>10}  {}\n", i.index, i.shards, i.docs, output::bytes(i.source_bytes), i.file));
        }
        s.push_str(&format!(
            "{} docs, {} of _source in {:.2}s ({:.0} docs/s, {:.1} MB/s)\n",
            self.docs,
            output::bytes(self.source_bytes),
            self.elapsed_seconds,
            self.docs_per_second,
            self.source_mb_per_second
        ));
        if self.nested_skipped > 0 {
            s.push_str(&format!("{} nested child documents are part of their parents' _source and were not exported separately\n", self.nested_skipped));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lucene_dir_names() {
        assert_eq!(default_index_name(Path::new("/data/nodes/0/indices/Ab12x/3/index")), "Ab12x");
        assert_eq!(default_index_name(Path::new("/tmp/myindex")), "myindex");
    }
}
