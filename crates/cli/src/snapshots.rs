//! `ferry snapshot create|status|list|delete`: snapshots taken by a cluster, followed to the end.

use anyhow::Result;
use clap::{Args, Subcommand};
use orchestrate::api::{CreateSnapshot, SnapshotInfo, SnapshotProgress};
use orchestrate::flow::{self, Polling};
use orchestrate::Api;
use serde::Serialize;

use crate::connect::ClusterArgs;
use crate::output::{self, Format, ReportArgs};

#[derive(Args)]
pub struct SnapshotArgs {
    #[command(subcommand)]
    command: SnapshotCommand,
}

#[derive(Subcommand)]
enum SnapshotCommand {
    /// Take a snapshot and follow it to the end (shards, bytes, ETA).
    Create(CreateArgs),
    /// Progress of a snapshot; --wait follows a running one to the end.
    Status(StatusArgs),
    /// The snapshots in a repository: state, version, indices, shards, times.
    List(ListArgs),
    /// Delete a snapshot (the repository keeps the files other snapshots share).
    Delete(DeleteArgs),
}

#[derive(Args)]
struct CreateArgs {
    /// Repository name on the cluster.
    repo: String,
    /// Snapshot name. Default: snapshot-<UTC time>, e.g. snapshot-2026.11.21-21.30.05.
    name: Option<String>,
    /// Indices to include (patterns, `-` excludes; comma-separate or repeat). Default: all.
    #[arg(long, short = 'i', value_delimiter = ',')]
    index: Vec<String>,
    /// Also save the cluster state: templates, persistent settings, (7.12+) feature states.
    #[arg(long)]
    include_global_state: bool,
    /// Keep the snapshot even if some shards fail (state PARTIAL); otherwise that is a failure.
    #[arg(long)]
    partial: bool,
    /// Skip missing or closed indices instead of failing.
    #[arg(long)]
    ignore_unavailable: bool,
    /// Start the snapshot and return (`ferry snapshot status --wait` follows it).
    #[arg(long)]
    no_wait: bool,
    #[command(flatten)]
    poll: PollArgs,
    #[command(flatten)]
    cluster: ClusterArgs,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Args)]
struct StatusArgs {
    repo: String,
    name: String,
    /// Follow a running snapshot until it ends.
    #[arg(long)]
    wait: bool,
    #[command(flatten)]
    poll: PollArgs,
    #[command(flatten)]
    cluster: ClusterArgs,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Args)]
struct ListArgs {
    repo: String,
    #[command(flatten)]
    cluster: ClusterArgs,
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

#[derive(Args)]
struct DeleteArgs {
    repo: String,
    name: String,
    #[command(flatten)]
    cluster: ClusterArgs,
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

/// How often a running snapshot or restore is asked for its progress.
#[derive(Args, Clone, Copy, Debug)]
pub struct PollArgs {
    /// Seconds between progress polls.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub poll_seconds: f64,
}

impl PollArgs {
    pub fn polling(self) -> Polling {
        Polling::every(self.poll_seconds)
    }
}

/// Exit code of `snapshot status` when the snapshot ended FAILED or PARTIAL.
pub const EXIT_NOT_SUCCESS: u8 = 3;

pub async fn run(args: SnapshotArgs) -> Result<u8> {
    match args.command {
        SnapshotCommand::Create(a) => create(a).await,
        SnapshotCommand::Status(a) => status(a).await,
        SnapshotCommand::List(a) => {
            let client = a.cluster.client()?;
            let list = Api::new(&client).snapshots(&a.repo, "_all").await?;
            match a.output {
                Format::Json => output::print_json(&list)?,
                Format::Text if list.is_empty() => println!("{}: repository {} holds no snapshots", client.host(), a.repo),
                Format::Text => {
                    for s in &list {
                        println!("{}", line(s));
                    }
                }
            }
            Ok(0)
        }
        SnapshotCommand::Delete(a) => {
            let client = a.cluster.client()?;
            Api::new(&client).delete_snapshot(&a.repo, &a.name).await?;
            match a.output {
                Format::Json => output::print_json(&serde_json::json!({ "repository": a.repo, "snapshot": a.name, "deleted": true }))?,
                Format::Text => println!("{}: snapshot {}/{} deleted", client.host(), a.repo, a.name),
            }
            Ok(0)
        }
    }
}

/// `nightly-1  SUCCESS  Elasticsearch 7.10.2  3 indices  6/6 shards  2024-03-22 15:18:47 UTC  4.2s`.
fn line(s: &SnapshotInfo) -> String {
    let took = match (s.start_time_in_millis, s.end_time_in_millis) {
        (Some(a), Some(b)) if b >= a => format!("  {:.1}s", (b - a) as f64 / 1000.0),
        _ => String::new(),
    };
    format!(
        "{}  {:?}  {}  {}  {}/{} shards{}{}",
        s.snapshot,
        s.state,
        s.taken_by().map_or_else(|| s.version.clone().unwrap_or_default(), |v| v.to_string()),
        output::plural(s.indices.len(), "index", "indices"),
        s.shards.successful,
        s.shards.total,
        s.start_time_in_millis.map_or(String::new(), |t| format!("  {}", output::millis(t as i64))),
        took
    )
}

#[derive(Serialize)]
struct Outcome<'a> {
    repository: &'a str,
    snapshot: &'a SnapshotInfo,
    progress: &'a SnapshotProgress,
}

async fn create(a: CreateArgs) -> Result<u8> {
    let name = a.name.clone().unwrap_or_else(default_name);
    let client = a.cluster.client()?;
    let api = Api::new(&client);
    let body = CreateSnapshot {
        indices: (!a.index.is_empty()).then(|| a.index.join(",")),
        ignore_unavailable: a.ignore_unavailable,
        include_global_state: a.include_global_state,
        partial: a.partial,
        metadata: Some(serde_json::json!({ "taken_by": "ferry" })),
    };
    if a.no_wait {
        api.create_snapshot(&a.repo, &name, &body).await?;
        match a.report.output {
            Format::Json => output::print_json(&serde_json::json!({ "repository": a.repo, "snapshot": name, "started": true }))?,
            Format::Text => println!("{}: snapshot {}/{name} started; follow it with `ferry snapshot status {} {name} --wait`", client.host(), a.repo, a.repo),
        }
        return Ok(0);
    }
    let bar = ProgressBar::new(&a.report);
    let mut last = SnapshotProgress::default();
    let info = flow::take_snapshot(&api, &a.repo, &name, &body, a.poll.polling(), |p| {
        bar.show(p);
        last = p.clone();
    })
    .await;
    bar.finish();
    let info = info?;
    report(&a.report.output, &a.repo, &info, &last)?;
    Ok(0)
}

async fn status(a: StatusArgs) -> Result<u8> {
    let client = a.cluster.client()?;
    let api = Api::new(&client);
    let mut last = api.snapshot_progress(&a.repo, &a.name).await?;
    if a.wait && last.state.is_some_and(|s| s.is_running()) {
        let bar = ProgressBar::new(&a.report);
        let r = flow::wait_for_snapshot(&api, &a.repo, &a.name, true, a.poll.polling(), &mut |p: &SnapshotProgress| {
            bar.show(p);
            last = p.clone();
        })
        .await;
        bar.finish();
        r?;
    }
    let info = api.snapshot(&a.repo, &a.name).await?.ok_or_else(|| anyhow::anyhow!("{}: no snapshot {} in repository {}", client.host(), a.name, a.repo))?;
    report(&a.report.output, &a.repo, &info, &last)?;
    Ok(match info.state {
        orchestrate::api::SnapshotState::Failed | orchestrate::api::SnapshotState::Partial => EXIT_NOT_SUCCESS,
        _ => 0,
    })
}

fn report(format: &Format, repo: &str, info: &SnapshotInfo, progress: &SnapshotProgress) -> Result<()> {
    match format {
        Format::Json => output::print_json(&Outcome { repository: repo, snapshot: info, progress }),
        Format::Text => {
            println!("{}", line(info));
            if progress.bytes_total > 0 || progress.files_total > 0 {
                println!("  uploaded {} in {} (new in this snapshot)", output::bytes(progress.bytes_done), output::plural(progress.files_done as usize, "file", "files"));
            }
            for f in &info.failures {
                println!("  failed: [{}][{}] {}", f.index.as_deref().unwrap_or("?"), f.shard_id.map_or("?".into(), |s| s.to_string()), f.reason.as_deref().unwrap_or(""));
            }
            Ok(())
        }
    }
}


/// `snapshot-2026.11.21-21.30.05` (UTC): sortable, and valid as a snapshot name (lowercase, no spaces).
pub fn default_name() -> String {
    format!("snapshot-{}", chrono::Utc::now().format("%Y.%m.%d-%H.%M.%S"))
}

/// Bytes uploaded / to upload, shards done, on a terminal only.
struct ProgressBar(indicatif::ProgressBar);

impl ProgressBar {
    fn new(report: &ReportArgs) -> ProgressBar {
        let bar = if report.show_progress() { indicatif::ProgressBar::new(0) } else { indicatif::ProgressBar::hidden() };
        bar.set_style(indicatif::ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes}  {bytes_per_sec}  {msg}  ETA {eta}").expect("valid template").progress_chars("=> "));
        ProgressBar(bar)
    }

    fn show(&self, p: &SnapshotProgress) {
        self.0.set_length(p.bytes_total);
        self.0.set_position(p.bytes_done);
        self.0.set_message(format!("{}/{} shards", p.shards_done, p.shards_total));
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
