//! `ferry restore REPO SNAPSHOT --cluster URL`: a restore the target can actually do, checked
//! against the version rules first, then followed until every shard has recovered.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use orchestrate::api::Restore;
use orchestrate::flow;
use orchestrate::{Api, Version};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::connect::ClusterArgs;
use crate::output::{self, Format, ReportArgs};
use crate::rename::RenameArgs;
use crate::source::Patterns;
use crate::UsageError;

#[derive(Args)]
pub struct RestoreArgs {
    /// Repository name on the cluster (with --config: the snapshot name, optional).
    repo: Option<String>,
    /// Snapshot name.
    snapshot: Option<String>,
    /// Restore as configured in an es-s3-snapshot-style file (see `ferry backup --help`): the first
    /// reachable destination host, the repository registered read-only if missing, the named
    /// snapshot (or the file's, or the newest successful one).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["rename_pattern", "source", "index"])]
    config: Option<std::path::PathBuf>,
    /// Indices to restore (patterns, `-` excludes; comma-separate or repeat). Default: all.
    #[arg(long, short = 'i', value_delimiter = ',')]
    index: Vec<String>,
    #[command(flatten)]
    rename: RenameArgs,
    /// Override an index setting on the restored indices, KEY=VALUE (repeat), e.g.
    /// index.number_of_replicas=0.
    #[arg(long = "index-setting", value_name = "KEY=VALUE")]
    index_settings: Vec<String>,
    /// Drop an index setting from the restored indices (repeat), e.g. index.routing.allocation.require.box.
    #[arg(long = "ignore-index-setting", value_name = "KEY")]
    ignore_index_settings: Vec<String>,
    /// Do not restore the indices' aliases.
    #[arg(long)]
    no_aliases: bool,
    /// Also restore the cluster state saved with the snapshot (templates, persistent settings).
    #[arg(long)]
    include_global_state: bool,
    /// Restore what can be restored of a partial snapshot.
    #[arg(long)]
    partial: bool,
    /// Replace existing target indices: close them, restore over them (which reopens them), wait
    /// for recovery. This is how repeated snapshots of a live source are applied to a target.
    #[arg(long)]
    incremental: bool,
    /// Health to wait for once every shard has recovered.
    #[arg(long, value_enum, default_value_t = WaitFor::Yellow)]
    wait_for: WaitFor,
    /// The source cluster, to read which version created each index (checked against the
    /// target's version before anything is sent). Without it only the snapshot's own version is
    /// checked and the target cluster has the last word.
    #[arg(long, value_name = "URL")]
    source: Option<String>,
    #[command(flatten)]
    poll: crate::snapshots::PollArgs,
    #[command(flatten)]
    cluster: ClusterArgs,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum WaitFor {
    Yellow,
    Green,
}

#[derive(Serialize)]
struct Summary {
    cluster: String,
    repository: String,
    snapshot: String,
    taken_by: Option<String>,
    target_version: String,
    #[serde(flatten)]
    restored: flow::Restored,
    elapsed_seconds: f64,
}

pub async fn run(a: RestoreArgs) -> Result<u8> {
    if let Some(config) = &a.config {
        if a.snapshot.is_some() {
            return Err(UsageError("with --config give at most one name: the snapshot".into()).into());
        }
        return crate::backup::restore(config, a.repo.as_deref(), a.incremental, a.poll.polling(), &a.report).await;
    }
    let (Some(repo), Some(snapshot)) = (a.repo.clone(), a.snapshot.clone()) else {
        return Err(UsageError("give the repository and the snapshot: ferry restore REPO SNAPSHOT --cluster URL (or --config FILE)".into()).into());
    };
    let started = std::time::Instant::now();
    let rename = a.rename.renamer()?;
    let index_settings = settings_map(&a.index_settings)?;
    let client = a.cluster.client()?;
    let api = Api::new(&client);
    let target = Version::of(&client.info().await?);
    // The cluster that took the snapshot describes it best (a target of another version may not
    // even be able to read the repository); the target must then find it too.
    let source = a.source.as_deref().map(|url| a.cluster.connect.connect_plain(url)).transpose()?;
    let from_source = match &source {
        Some(s) => Api::new(s).snapshot(&repo, &snapshot).await.with_context(|| format!("describing snapshot {repo}/{snapshot} on the source {}", s.host()))?,
        None => None,
    };
    let info = match from_source {
        Some(info) => info,
        None => target_snapshot(&api, &repo, &snapshot).await?,
    };
    let patterns = Patterns::new(&a.index);
    let chosen: Vec<String> = info.indices.iter().filter(|i| patterns.matches(i)).cloned().collect();
    anyhow::ensure!(!chosen.is_empty(), "snapshot {snapshot} holds no index matching {}", a.index.join(","));
    let created = match &source {
        Some(s) => Api::new(s).created_versions(&chosen).await.with_context(|| format!("reading the source indices' versions on {}", s.host()))?,
        None => Vec::new(),
    };
    flow::check_restorable(&info, &created, target)?;
    if source.is_some() {
        target_snapshot(&api, &repo, &snapshot).await?;
    }
    let targets: Vec<String> = chosen.iter().map(|i| rename.target(i)).collect();
    let body = Restore {
        indices: Some(chosen.join(",")),
        ignore_unavailable: false,
        include_global_state: a.include_global_state,
        rename_pattern: a.rename.rename_pattern.clone(),
        rename_replacement: a.rename.rename_replacement.clone(),
        index_settings,
        ignore_index_settings: a.ignore_index_settings.clone(),
        include_aliases: !a.no_aliases,
        partial: a.partial,
    };
    let wait_for = match a.wait_for {
        WaitFor::Yellow => "yellow",
        WaitFor::Green => "green",
    };
    let bar = if a.report.show_progress() { indicatif::ProgressBar::new(0) } else { indicatif::ProgressBar::hidden() };
    bar.set_style(indicatif::ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes}  {bytes_per_sec}  recovering  ETA {eta}").expect("valid template").progress_chars("=> "));
    let poll = a.poll.polling();
    let restored = flow::restore(&api, &flow::RestoreJob { repo: &repo, snapshot: &snapshot, body: &body, targets: &targets, incremental: a.incremental, wait_for }, poll, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    let restored = restored?;
    let summary = Summary {
        cluster: client.host().to_owned(),
        repository: repo.clone(),
        snapshot: snapshot.clone(),
        taken_by: info.taken_by().map(|v| v.to_string()),
        target_version: target.to_string(),
        restored,
        elapsed_seconds: started.elapsed().as_secs_f64(),
    };
    match a.report.output {
        Format::Json => output::print_json(&summary)?,
        Format::Text => {
            let r = &summary.restored;
            println!(
                "{}: restored {} from {}/{} ({} shards, {}) in {:.1}s; health {}",
                summary.cluster,
                r.indices.join(", "),
                summary.repository,
                summary.snapshot,
                r.shards,
                output::bytes(r.bytes),
                summary.elapsed_seconds,
                r.health
            );
            if !r.closed_first.is_empty() {
                println!("  replaced (closed, restored, reopened): {}", r.closed_first.join(", "));
            }
        }
    }
    Ok(0)
}

/// The snapshot as the target sees it; an unreadable repository is explained.
async fn target_snapshot(api: &Api<'_>, repo: &str, snapshot: &str) -> Result<orchestrate::api::SnapshotInfo> {
    let host = api.client.host();
    match api.snapshot(repo, snapshot).await {
        Ok(Some(info)) => Ok(info),
        Ok(None) => anyhow::bail!("{host}: repository {repo} has no snapshot {snapshot} (`ferry snapshot list {repo} --cluster …` lists them)"),
        Err(orchestrate::Error::Cluster(e)) if orchestrate::api::error_type(&e) == Some("repository_exception") && e.to_string().contains("unknown field") => Err(anyhow::Error::new(e).context(format!(
            "{host} cannot read repository {repo}: a newer version wrote it (Elasticsearch 7.12+ repositories carry fields OpenSearch does not know). `ferry backfill` moves the documents regardless"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `KEY=VALUE` flags as a settings object; `true`/`false`/integers become JSON scalars.
pub fn settings_map(pairs: &[String]) -> Result<Map<String, Value>> {
    let mut m = Map::new();
    for kv in pairs {
        let (k, v) = kv.split_once('=').filter(|(k, _)| !k.is_empty()).ok_or_else(|| UsageError(format!("`{kv}`: expected KEY=VALUE")))?;
        let v = match v {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => v.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(v.to_owned())),
        };
        m.insert(k.to_owned(), v);
    }
    Ok(m)
}
