//! `ferry backfill`: every live document of a snapshot, read straight from the repository, bulk
//! indexed into a cluster of any version — shard by shard, under leases, with checkpoints so a
//! killed run resumes where its acknowledged documents end.
//!
//! The flow: select the snapshot's indices → connect to the target (`GET /` decides the bulk
//! dialect) → create missing target indices with the source's shard and replica counts →
//! register one work item per shard in the ledger → workers claim items and stream them
//! ([`shard`]) → once every item is done, refresh each target index and compare its `_count`
//! with the documents read.

mod ledger;
mod shard;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use cluster::bulk::OpType;
use cluster::{Client, ClusterInfo, Product};
use serde::Serialize;
use sha2::{Digest, Sha256};

use self::ledger::Ledger;
use self::shard::{DeadLetters, Pacer, ShardContext, ShardTask, TypeFilter, TypePolicy};
use crate::connect::ConnectArgs;
use crate::output::{self, Format};
use crate::source;
use crate::StoreArgs;

/// Exit code when the run finished but documents were refused or counts differ.
pub const EXIT_INCOMPLETE: u8 = 3;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BackfillArgs {
    #[command(subcommand)]
    command: Option<BackfillCommand>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum BackfillCommand {
    /// Where a backfill stands: shards total/done/in progress/unclaimed, documents, rate, ETA.
    Status(StatusArgs),
}

/// Which cluster, and how to reach it.
#[derive(Args, Clone)]
pub struct TargetArgs {
    /// Target cluster URL: http(s)://[user:password@]host:port[/prefix].
    #[arg(long, short = 't', value_name = "URL", env = "FERRY_TARGET", hide_env_values = true, required = true)]
    target: Option<String>,
    /// SigV4 region. Default: --region, AWS_REGION, or the region in the endpoint's host name.
    #[arg(long, value_name = "REGION")]
    target_region: Option<String>,
    #[command(flatten)]
    connect: ConnectArgs,
}

impl TargetArgs {
    pub fn connect(&self, store_region: Option<&str>) -> Result<Client> {
        let region = if self.connect.aws_sigv4 { self.target_region.as_deref().or(store_region) } else { self.target_region.as_deref() };
        self.connect.connect(self.target.as_deref().unwrap_or_default(), region)
    }

    /// Another cluster (a coordinator), with the credentials in its URL and these TLS options.
    pub fn connect_other(&self, url: &str) -> Result<Client> {
        self.connect.connect_plain(url)
    }
}

#[derive(Args)]
struct RunArgs {
    /// Repository location (path, file://, s3://, oss://, cos://, gs://, azblob://).
    #[arg(value_name = "REPO", required = true)]
    repo: Option<String>,
    /// Snapshot to read (name or uuid). Default: the newest.
    #[arg(long, short = 's')]
    snapshot: Option<String>,
    /// Indices: names or wildcards, comma-separated or repeated; a leading `-` excludes.
    #[arg(long, short = 'i', value_name = "PATTERN", value_delimiter = ',')]
    index: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    rename: crate::rename::RenameArgs,
    /// Split a multi-type (Elasticsearch 5.x) index: documents of mapping type TYPE go to index
    /// INDEX (`{index}` stands for the source index's target name), e.g.
    /// `--type-mapping 'tweet={index}-tweets,user=users'`. Other types stay in the target index.
    #[arg(long, value_name = "TYPE=INDEX", value_delimiter = ',')]
    type_mapping: Vec<String>,
    /// Shards read at the same time by this process. Default: the number of CPUs.
    #[arg(long, short = 'w', value_name = "N")]
    workers: Option<usize>,
    /// Bulk requests in flight at the same time.
    #[arg(long, value_name = "N", default_value_t = 4)]
    connections: usize,
    /// Bulk body size limit (bytes; K/M/G suffixes).
    #[arg(long, value_name = "SIZE", default_value = "10M", value_parser = parse_size)]
    batch_bytes: u64,
    /// Documents per bulk request at most.
    #[arg(long, value_name = "N", default_value_t = 5000)]
    batch_docs: usize,
    /// `index` overwrites documents with the same _id (safe to repeat); `create` refuses them.
    #[arg(long, value_enum, default_value_t = OpArg::Index)]
    op: OpArg,
    /// Compress bulk bodies. `auto`: gzip, except to a loopback address where it only costs CPU.
    #[arg(long, value_enum, default_value_t = CompressArg::Auto)]
    compress: CompressArg,
    /// At most this many documents per second (all workers of this process together).
    #[arg(long, value_name = "N")]
    max_docs_per_sec: Option<f64>,
    /// At most this many bulk-body bytes per second (K/M/G suffixes).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_bytes_per_sec: Option<u64>,
    /// Documents the target refuses for good (mapping errors, conflicts) are appended here, one
    /// JSON line each with the error, the action line and the source.
    #[arg(long, value_name = "FILE", default_value = "ferry-dead-letter.ndjson")]
    dead_letter: PathBuf,
    /// Ledger file (SQLite) shared by every process working on this backfill. Default: one per
    /// repository and target under $XDG_STATE_HOME/ferry (~/.local/state/ferry).
    #[arg(long, value_name = "FILE", conflicts_with = "coordinator")]
    ledger: Option<PathBuf>,
    /// Keep the ledger in an index (`ferry-ledger-<id>`) on this cluster instead of a local file,
    /// so `ferry backfill` processes on many machines share the work. `target` means the target
    /// cluster; any other URL is used with its own credentials (user:password@) and the target's
    /// TLS options. Needs Elasticsearch 6.7+ or OpenSearch (if_seq_no/if_primary_term).
    #[arg(long, value_name = "URL|target")]
    coordinator: Option<String>,
    /// How long a shard stays claimed without a renewal; a crashed worker's shards are taken
    /// over after this.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    lease_seconds: u64,
    /// Checkpoint interval: the acknowledged position is recorded at least this often (≤ 30).
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=30))]
    checkpoint_seconds: u64,
    /// Give up on a bulk request that keeps failing with 429/5xx/connection errors after this long.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    retry_seconds: u64,
    /// Skip (and count) documents without a stored `_source` instead of failing.
    #[arg(long)]
    allow_missing_source: bool,
    /// Name of this worker in the ledger. Default: host name and process id.
    #[arg(long, value_name = "NAME")]
    worker_id: Option<String>,
    #[command(flatten)]
    report: output::ReportArgs,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
struct StatusArgs {
    /// The backfill's repository (with --target, finds the default ledger).
    #[arg(value_name = "REPO", required_unless_present = "ledger")]
    repo: Option<String>,
    /// The backfill's target URL.
    #[arg(long, short = 't', value_name = "URL", env = "FERRY_TARGET", hide_env_values = true, required_unless_present = "ledger")]
    target: Option<String>,
    /// Ledger file, if the backfill was given one.
    #[arg(long, value_name = "FILE", conflicts_with = "coordinator")]
    ledger: Option<PathBuf>,
    /// The backfill's --coordinator (`target` or a URL with credentials).
    #[arg(long, value_name = "URL|target", requires = "target")]
    coordinator: Option<String>,
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum OpArg {
    Index,
    Create,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CompressArg {
    Auto,
    Gzip,
    None,
}

pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => {
            let mult = match s[i..].to_ascii_lowercase().trim_end_matches("ib").trim_end_matches('b') {
                "" => 1,
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                other => return Err(format!("unknown size unit `{other}` (use K, M or G)")),
            };
            (&s[..i], mult)
        }
        None => (s, 1),
    };
    let n: f64 = num.trim().parse().map_err(|_| format!("`{s}` is not a size"))?;
    if n <= 0.0 {
        return Err("the size must be positive".into());
    }
    Ok((n * mult as f64) as u64)
}

pub async fn run(args: BackfillArgs) -> Result<u8> {
    match args.command {
        Some(BackfillCommand::Status(s)) => status(s).await.map(|()| 0),
        None => backfill(args.run).await,
    }
}

/// One source index (or, split by --type-mapping, some of its mapping types) and where its
/// documents go.
struct IndexPlan {
    /// Position in the selection's indices.
    source_index: usize,
    source: String,
    target: String,
    types: TypePolicy,
    filter: TypeFilter,
}

async fn backfill(args: RunArgs) -> Result<u8> {
    let started = Instant::now();
    let repo_location = args.repo.clone().expect("clap requires REPO");
    // Flags first: a usage error should not wait for a network round trip.
    let rename = args.rename.renamer()?;
    let rules = parse_type_mappings(&args.type_mapping)?;
    let client = Arc::new(args.target.connect(args.store.region.as_deref())?);
    let info = client.info().await?;
    let selection = source::select(&repo_location, &args.store.options(), args.snapshot.as_deref(), &args.index).await?;
    let mut plans: Vec<IndexPlan> = Vec::new();
    for (i, sel) in selection.indices.iter().enumerate() {
        let target = rename.target(&sel.name);
        let types: Vec<String> = sel.meta.mapping_types().into_iter().filter(|t| t != "_default_").collect();
        let split: Vec<(&String, &String)> = rules.iter().filter(|(t, _)| types.contains(t)).map(|(t, i)| (t, i)).collect();
        for (t, rule) in &split {
            let part = rule.replace("{index}", &target);
            plans.push(IndexPlan { source_index: i, source: format!("{}/{t}", sel.name), target: part, types: TypePolicy::for_target(&info, std::slice::from_ref(t)), filter: TypeFilter::Only(vec![(*t).clone()]) });
        }
        if split.is_empty() {
            plans.push(IndexPlan { source_index: i, source: sel.name.clone(), target, types: TypePolicy::for_target(&info, &types), filter: TypeFilter::All });
        } else if split.len() < types.len() {
            let rest: Vec<String> = types.iter().filter(|t| !split.iter().any(|(s, _)| s == t)).cloned().collect();
            let excluded = split.iter().map(|(t, _)| (*t).clone()).collect();
            plans.push(IndexPlan { source_index: i, source: sel.name.clone(), target, types: TypePolicy::for_target(&info, &rest), filter: TypeFilter::Except(excluded) });
        }
    }
    let mut seen = std::collections::BTreeMap::new();
    for p in &plans {
        if let Some(other) = seen.insert(p.target.clone(), p.source.clone()) {
            bail!("`{other}` and `{}` would both go to index `{}`: adjust --rename-pattern/--rename-replacement or --type-mapping", p.source, p.target);
        }
    }
    let shards = selection.shards(tokio::runtime::Handle::current()).await?;

    // Target indices: the source's shard and replica counts; anything more is metadata migration.
    for p in &plans {
        let sel = &selection.indices[p.source_index];
        if !client.index_exists(&p.target).await? {
            let mut settings = serde_json::Map::new();
            settings.insert("number_of_shards".into(), sel.meta.number_of_shards.into());
            if let Some(r) = sel.meta.number_of_replicas {
                settings.insert("number_of_replicas".into(), r.into());
            }
            let body = serde_json::json!({ "settings": { "index": settings } });
            if client.create_index(&p.target, &body).await? {
                tracing::info!("created index {} on {}", p.target, client.host());
            }
        }
    }

    let snapshot_uuid = selection.snapshot.uuid.clone();
    // A work item: one shard of one plan.
    let units: Vec<(usize, usize)> = plans.iter().enumerate().flat_map(|(p, plan)| shards.iter().enumerate().filter(move |(_, s)| s.index == plan.source_index).map(move |(s, _)| (p, s))).collect();
    let key_of = |plan: usize, shard: u32| format!("{}/{}/{}/{}", snapshot_uuid, plans[plan].target, plans[plan].source, shard);
    let ledger_path = match &args.ledger {
        Some(p) => p.clone(),
        None => default_ledger_path(&repo_location, client.target())?,
    };
    let ledger = match &args.coordinator {
        None => Ledger::open_local(&ledger_path).await?,
        Some(c) => {
            let coordinator = if c == "target" { args.target.connect(args.store.region.as_deref())? } else { args.target.connect_other(c)? };
            Ledger::open_index(coordinator, &namespace(&repo_location, client.target())).await?
        }
    };
    let unit_keys: Vec<String> = units.iter().map(|&(p, s)| key_of(p, shards[s].shard)).collect();
    let items: Vec<::ledger::NewItem> = units.iter().zip(&unit_keys).map(|(&(_, s), key)| ::ledger::NewItem { key: key.clone(), weight: shards[s].weight.max(1) }).collect();
    let my_keys: ledger::Keys = Arc::new(items.iter().map(|i| i.key.clone()).collect());
    ledger.register(items).await?;

    let gzip = match args.compress {
        CompressArg::Gzip => true,
        CompressArg::None => false,
        CompressArg::Auto => !is_loopback(client.target()),
    };
    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)).max(1);
    let holder = args.worker_id.clone().unwrap_or_else(default_worker_id);
    let show_progress = args.report.show_progress();
    let total_weight: u64 = units.iter().map(|&(_, s)| shards[s].weight.max(1)).sum();
    let progress = shard::Progress::new(show_progress, total_weight);
    let ctx = Arc::new(ShardContext {
        client: client.clone(),
        style: cluster::bulk::ActionStyle::for_target(&info, match args.op {
            OpArg::Index => OpType::Index,
            OpArg::Create => OpType::Create,
        }),
        bulk: cluster::bulk::BulkOptions { gzip, backoff: cluster::Backoff { budget: Duration::from_secs(args.retry_seconds), ..Default::default() }, query: None },
        batch_bytes: args.batch_bytes as usize,
        batch_docs: args.batch_docs.max(1),
        connections: Arc::new(tokio::sync::Semaphore::new(args.connections.max(1))),
        pacer: Pacer::new(args.max_docs_per_sec, args.max_bytes_per_sec.map(|b| b as f64)),
        dead_letters: DeadLetters::new(args.dead_letter.clone()),
        ledger: ledger.clone(),
        lease_ttl: Duration::from_secs(args.lease_seconds.max(2)),
        checkpoint_every: Duration::from_secs(args.checkpoint_seconds),
        allow_missing_source: args.allow_missing_source,
        progress: progress.clone(),
        counters: Arc::new(shard::Counters::default()),
    });
    let shards = Arc::new(shards);
    let plans = Arc::new(plans);
    let by_key: Arc<std::collections::HashMap<String, (usize, usize)>> = Arc::new(unit_keys.iter().cloned().zip(units.iter().copied()).collect());

    // Workers claim shards until none is left anywhere; a shard held by another process is
    // waited for, since its holder may die and leave it to us.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..workers {
        let (ctx, ledger, shards, plans, by_key, stop) = (ctx.clone(), ledger.clone(), shards.clone(), plans.clone(), by_key.clone(), stop.clone());
        let own_prefix = format!("{holder}/");
        let holder = format!("{holder}/{w}");
        let my_keys = my_keys.clone();
        tasks.spawn(async move {
            loop {
                if stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                match ledger.claim(&holder, ctx.lease_ttl, my_keys.clone()).await? {
                    Some(lease) => {
                        let Some(&(p, i)) = by_key.get(&lease.key) else {
                            bail!("ledger item `{}` is not part of this backfill", lease.key);
                        };
                        let (s, plan) = (&shards[i], &plans[p]);
                        let task = ShardTask {
                            label: format!("{}[{}]", plan.source, s.shard),
                            target_index: plan.target.clone(),
                            types: plan.types.clone(),
                            filter: plan.filter.clone(),
                            dir: s.dir.clone(),
                            weight: s.weight.max(1),
                        };
                        if let Err(e) = shard::run(&ctx, task, lease).await {
                            stop.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                    None => {
                        // Nothing claimable: done if every unfinished shard is in this process's
                        // hands; otherwise wait, since another process's lease may expire.
                        let items = ledger.items(my_keys.clone()).await?;
                        let now = ::ledger::now_ms();
                        let others: Vec<_> = items.iter().filter(|i| !i.done && !i.holder.as_deref().is_some_and(|h| h.starts_with(&own_prefix) && i.lease_until_ms >= now)).collect();
                        if others.is_empty() {
                            return Ok(());
                        }
                        let wait = others.iter().map(|i| i.lease_until_ms).min().map_or(1000, |t| (t - now).clamp(50, 2000));
                        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
                    }
                }
            }
        });
    }
    let ticker = {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                ctx.progress.draw(&ctx.counters, started);
            }
        })
    };
    let mut first_error = None;
    while let Some(r) = tasks.join_next().await {
        let r = r.map_err(|e| anyhow::anyhow!("a worker panicked: {e}")).and_then(|r| r);
        if let Err(e) = r {
            first_error.get_or_insert(e);
        }
    }
    ticker.abort();
    progress.finish();
    ctx.dead_letters.flush()?;
    if let Some(e) = first_error {
        return Err(e);
    }

    // Every shard is done (by us or by others): compare what the target holds.
    let states = ledger.items(my_keys.clone()).await?;
    let mut indices = Vec::new();
    for (idx, p) in plans.iter().enumerate() {
        let keys: std::collections::HashSet<&str> = units.iter().zip(&unit_keys).filter(|(u, _)| u.0 == idx).map(|(_, k)| k.as_str()).collect();
        let mine: Vec<_> = states.iter().filter(|s| keys.contains(s.key.as_str())).collect();
        let read: u64 = mine.iter().map(|s| s.docs).sum();
        let failed: u64 = mine.iter().map(|s| s.failed).sum();
        client.refresh(&p.target).await?;
        let count = client.count(&p.target).await?;
        let expected = read - failed;
        indices.push(IndexSummary {
            source: p.source.clone(),
            target: p.target.clone(),
            shards: mine.len() as u64,
            docs_read: read,
            failed,
            target_count: count,
            ok: count == expected && failed == 0,
        });
    }
    let c = &ctx.counters;
    let elapsed = started.elapsed().as_secs_f64();
    let sent = c.docs_sent.load(Ordering::Relaxed);
    let summary = Summary {
        snapshot: selection.snapshot.name.clone(),
        target: client.target().to_string(),
        target_version: info.describe(),
        ledger: ledger.describe(&ledger_path),
        docs_sent: sent,
        bytes_sent: c.bytes_sent.load(Ordering::Relaxed),
        request_retries: c.request_retries.load(Ordering::Relaxed),
        item_retries: c.item_retries.load(Ordering::Relaxed),
        failed: indices.iter().map(|i| i.failed).sum(),
        dead_letter: ctx.dead_letters.written().then(|| args.dead_letter.display().to_string()),
        elapsed_seconds: elapsed,
        docs_per_second: sent as f64 / elapsed.max(1e-9),
        indices,
    };
    let ok = summary.indices.iter().all(|i| i.ok);
    match args.report.output {
        Format::Json => output::print_json(&summary)?,
        Format::Text => print!("{}", summary.to_text()),
    }
    if !ok {
        let failed = summary.failed;
        if failed > 0 {
            eprintln!("ferry: error: {failed} document(s) refused by the target; they are in {}", args.dead_letter.display());
        }
        for i in summary.indices.iter().filter(|i| i.target_count != i.docs_read - i.failed) {
            eprintln!(
                "ferry: error: {} holds {} documents, expected {} ({} read, {} refused){}",
                i.target,
                i.target_count,
                i.docs_read - i.failed,
                i.docs_read,
                i.failed,
                if i.target_count > i.docs_read - i.failed { " — did it hold documents before the backfill?" } else { "" }
            );
        }
        return Ok(EXIT_INCOMPLETE);
    }
    Ok(0)
}

async fn open_existing(path: &Path) -> Result<Ledger> {
    if !path.exists() {
        bail!("no backfill ledger at {} (has a backfill of this repository into this target started?)", path.display());
    }
    Ledger::open_local(path).await
}

/// A bad flag value found after parsing (exit code 2, like clap's own).
fn usage(message: String) -> anyhow::Error {
    anyhow::Error::new(crate::UsageError(message))
}

/// `TYPE=INDEX` rules, in order.
fn parse_type_mappings(raw: &[String]) -> Result<Vec<(String, String)>> {
    raw.iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| match r.split_once('=') {
            Some((t, i)) if !t.trim().is_empty() && !i.trim().is_empty() => Ok((t.trim().to_owned(), i.trim().to_owned())),
            _ => Err(usage(format!("--type-mapping `{r}` is not TYPE=INDEX"))),
        })
        .collect()
}

/// `~/.local/state/ferry/backfill-<namespace>.sqlite`.
fn default_ledger_path(repo: &str, target: &cluster::Target) -> Result<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .context("neither XDG_STATE_HOME nor HOME is set: pass --ledger FILE")?
        .join("ferry");
    std::fs::create_dir_all(&base).with_context(|| format!("cannot create {}", base.display()))?;
    Ok(base.join(format!("backfill-{}.sqlite", namespace(repo, target))))
}

/// A backfill's identity: a hash of the repository (without query-string settings, which may
/// hold credentials) and the target URL (without credentials). 16 lowercase hex digits.
fn namespace(repo: &str, target: &cluster::Target) -> String {
    let mut h = Sha256::new();
    h.update(redact_location(repo).as_bytes());
    h.update(b"\n");
    h.update(target.to_string().as_bytes());
    hex::encode(h.finalize())[..16].to_owned()
}

/// A repository location without credentials that may sit in its query string.
fn redact_location(repo: &str) -> String {
    repo.split('?').next().unwrap_or(repo).to_owned()
}

fn is_loopback(target: &cluster::Target) -> bool {
    let host = target.host();
    let name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    name == "localhost" || name.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn default_worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "host".into());
    format!("{host}:{}", std::process::id())
}

#[derive(Serialize)]
struct Summary {
    snapshot: String,
    target: String,
    target_version: String,
    ledger: String,
    docs_sent: u64,
    bytes_sent: u64,
    request_retries: u64,
    item_retries: u64,
    failed: u64,
    dead_letter: Option<String>,
    elapsed_seconds: f64,
    docs_per_second: f64,
    indices: Vec<IndexSummary>,
}

#[derive(Serialize)]
struct IndexSummary {
    source: String,
    target: String,
    shards: u64,
    docs_read: u64,
    failed: u64,
    target_count: u64,
    ok: bool,
}

impl Summary {
    fn to_text(&self) -> String {
        let mut s = format!("snapshot {} → {} ({})\n", self.snapshot, self.target, self.target_version);
        let w1 = self.indices.iter().map(|i| i.source.len()).max().unwrap_or(6).max(6);
        let w2 = self.indices.iter().map(|i| i.target.len()).max().unwrap_or(6).max(6);
        s.push_str(&format!("{:<w1$}  {:<w2$}  {:>6}  {:>12}  {:>8}  {:>12}  check\n", "source", "target", "shards", "docs read", "refused", "target count"));
        for i in &self.indices {
            s.push_str(&format!(
                "{:<w1$}  {:<w2$}  {:>6}  {:>12}  {:>8}  {:>12}  {}\n",
                i.source,
                i.target,
                i.shards,
                i.docs_read,
                i.failed,
                i.target_count,
                if i.ok { "ok" } else { "MISMATCH" }
            ));
        }
        s.push_str(&format!(
            "this process sent {} docs ({}) in {:.2}s ({:.0} docs/s); {} request and {} item retries\n",
            self.docs_sent,
            output::bytes(self.bytes_sent),
            self.elapsed_seconds,
            self.docs_per_second,
            self.request_retries,
            self.item_retries
        ));
        if let Some(d) = &self.dead_letter {
            s.push_str(&format!("refused documents: {d}\n"));
        }
        s
    }
}

async fn status(args: StatusArgs) -> Result<()> {
    let (ledger, location) = match (&args.ledger, &args.repo, &args.target, &args.coordinator) {
        (Some(p), _, _, _) => (open_existing(p).await?, p.display().to_string()),
        (None, Some(repo), Some(target), None) => {
            let t = cluster::Target::parse(target, &Default::default())?;
            let p = default_ledger_path(repo, &t)?;
            (open_existing(&p).await?, p.display().to_string())
        }
        (None, Some(repo), Some(target), Some(c)) => {
            let t = cluster::Target::parse(target, &Default::default())?;
            let url = if c == "target" { target } else { c };
            let client = Client::new(cluster::Target::parse(url, &Default::default())?, &Default::default())?;
            let l = Ledger::open_index(client, &namespace(repo, &t)).await?;
            let d = l.describe(Path::new(""));
            (l, d)
        }
        _ => bail!("give REPO and --target, or --ledger"),
    };
    let items = ledger.items(Default::default()).await?;
    let st = ::ledger::Status::of(&items, ::ledger::now_ms());
    let now = ::ledger::now_ms();
    let elapsed_s = st.started_ms.map(|s| ((st.updated_ms.max(s) - s) as f64 / 1000.0).max(0.001));
    let rate = elapsed_s.map(|e| st.docs as f64 / e);
    let eta = match (elapsed_s, st.weight_done) {
        (Some(e), d) if d > 0 && st.done < st.total => Some(e * (st.weight_total - d) as f64 / d as f64),
        _ => None,
    };
    let report = StatusReport {
        ledger: location,
        shards_total: st.total,
        shards_done: st.done,
        shards_in_progress: st.in_progress,
        shards_unclaimed: st.unclaimed,
        docs: st.docs,
        refused: st.failed,
        docs_per_second: rate,
        eta_seconds: eta,
        shards: items
            .iter()
            .map(|i| ShardState {
                shard: i.key.clone(),
                state: if i.done {
                    "done"
                } else if i.holder.is_some() && i.lease_until_ms >= now {
                    "in progress"
                } else if i.attempts > 0 {
                    "waiting (lease expired or released)"
                } else {
                    "unclaimed"
                },
                holder: i.holder.clone(),
                docs: i.docs,
                refused: i.failed,
                checkpoint: i.position.clone(),
                attempts: i.attempts,
            })
            .collect(),
    };
    match args.output {
        Format::Json => output::print_json(&report)?,
        Format::Text => {
            println!("ledger {}", report.ledger);
            println!(
                "shards: {} total, {} done, {} in progress, {} unclaimed",
                report.shards_total, report.shards_done, report.shards_in_progress, report.shards_unclaimed
            );
            println!(
                "documents: {} acknowledged, {} refused{}",
                report.docs,
                report.refused,
                rate.map(|r| format!(", {r:.0} docs/s")).unwrap_or_default()
            );
            match (report.shards_done == report.shards_total, eta) {
                (true, _) => println!("complete"),
                (false, Some(e)) => println!("ETA {} (from the shards finished so far)", humantime(e)),
                (false, None) => println!("ETA unknown until a shard finishes"),
            }
            for p in report.shards.iter().filter(|p| p.state != "done" && p.attempts > 0) {
                println!("  {}  {}{}  {} docs acknowledged  attempt {}", p.shard, p.state, p.holder.as_ref().map(|h| format!(" by {h}")).unwrap_or_default(), p.docs, p.attempts);
            }
        }
    }
    Ok(())
}

fn humantime(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

#[derive(Serialize)]
struct StatusReport {
    ledger: String,
    shards_total: u64,
    shards_done: u64,
    shards_in_progress: u64,
    shards_unclaimed: u64,
    docs: u64,
    refused: u64,
    docs_per_second: Option<f64>,
    eta_seconds: Option<f64>,
    shards: Vec<ShardState>,
}

#[derive(Serialize)]
struct ShardState {
    /// `<snapshot uuid>/<target index>/<source index>/<shard>`.
    shard: String,
    state: &'static str,
    holder: Option<String>,
    /// Documents acknowledged (up to the checkpoint, or all when done).
    docs: u64,
    refused: u64,
    checkpoint: Option<String>,
    attempts: i64,
}

impl TypePolicy {
    /// Mapping types in bulk action lines, for this target and source index: none from
    /// Elasticsearch 7 and OpenSearch on; 6.x indices hold one type (the source's single type, or
    /// `_doc` when the source had several or none); 5.x keeps each document's own type (`_doc`
    /// is not a legal name there: typeless documents get the index's single type, else `doc`).
    fn for_target(info: &ClusterInfo, types: &[String]) -> TypePolicy {
        if !info.bulk_needs_type() || info.product != Product::Elasticsearch {
            return TypePolicy::None;
        }
        if info.major <= 5 {
            let fallback = match types {
                [one] if !one.starts_with('_') => one.clone(),
                _ => "doc".into(),
            };
            return TypePolicy::PerDocument { fallback };
        }
        let underscore_ok = info.major > 6 || info.minor >= 2;
        match types {
            [one] if !one.starts_with('_') || (one == "_doc" && underscore_ok) => TypePolicy::Fixed(one.clone()),
            _ => TypePolicy::Fixed(if underscore_ok { "_doc" } else { "doc" }.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("3 parsecs").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn loopback_targets() {
        let t = |u: &str| cluster::Target::parse(u, &Default::default()).unwrap();
        assert!(is_loopback(&t("http://127.0.0.1:9200")));
        assert!(is_loopback(&t("http://localhost:9200")));
        assert!(is_loopback(&t("http://[::1]:9200")));
        assert!(!is_loopback(&t("https://search.example.com")));
    }
}
