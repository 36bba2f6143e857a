//! `ferry inspect`: what a repository holds.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use clap::Args;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use snapshot::{model::state_name, Repository, SnapshotEntry};

use crate::output::{self, Format};
use crate::StoreArgs;

/// How many metadata blobs are fetched at once; object stores reward parallel requests.
const CONCURRENCY: usize = 32;

#[derive(Args)]
pub struct InspectArgs {
    /// Repository location: a path, file://, s3://, oss://, cos://, gs:// or azblob:// URL.
    #[arg(value_name = "REPO")]
    repo: String,
    /// Only this snapshot (name or uuid).
    #[arg(long, short = 's')]
    snapshot: Option<String>,
    /// Print this index's settings, mappings and aliases (needs --snapshot).
    #[arg(long, short = 'i', requires = "snapshot")]
    index: Option<String>,
    /// Print the templates saved with the snapshot (--snapshot, else the newest snapshot).
    #[arg(long, conflicts_with = "index")]
    templates: bool,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
    #[command(flatten)]
    store: StoreArgs,
}

pub async fn run(args: InspectArgs) -> Result<()> {
    let store = blobstore::BlobStore::open(&args.repo, &args.store.options())?;
    let repo = Repository::open(store).await?;
    if let Some(index) = &args.index {
        let snap = repo.snapshot(args.snapshot.as_deref().expect("clap requires --snapshot with --index"))?;
        return index_details(&repo, snap, index, args.output).await;
    }
    if args.templates {
        let snap = match &args.snapshot {
            Some(s) => repo.snapshot(s)?,
            None => repo.snapshots().last().context("the repository holds no snapshots, so no templates")?,
        };
        return templates(&repo, snap, args.output).await;
    }
    let snaps: Vec<&SnapshotEntry> = match &args.snapshot {
        Some(s) => vec![repo.snapshot(s)?],
        None => repo.snapshots().iter().collect(),
    };
    let report = RepositoryReport::build(&repo, &snaps).await?;
    match args.output {
        Format::Json => output::print_json(&report),
        Format::Text => {
            print!("{}", report.to_text());
            Ok(())
        }
    }
}

/// The whole tree, in the shape `--output json` prints.
#[derive(Serialize)]
pub struct RepositoryReport {
    repository: String,
    generation: u64,
    /// What `index.latest` says; differs from `generation` only in a repository being written.
    index_latest: Option<u64>,
    snapshots: Vec<SnapshotReport>,
}

#[derive(Serialize)]
struct SnapshotReport {
    name: String,
    uuid: String,
    /// From SnapshotInfo (`SUCCESS`, `PARTIAL`, …).
    state: Option<String>,
    /// The `index-N` state code.
    repository_state: Option<u8>,
    /// The `index-N` version, where recorded.
    repository_version: Option<snapshot::model::VersionField>,
    version_id: Option<i64>,
    version: Option<String>,
    distribution: Option<snapshot::Distribution>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    include_global_state: Option<bool>,
    indices: BTreeMap<String, IndexReport>,
    /// Template names by kind; null when the snapshot has no global metadata blob.
    templates: Option<TemplateNames>,
}

#[derive(Serialize)]
struct IndexReport {
    id: String,
    number_of_shards: u32,
    number_of_replicas: Option<u32>,
    version_created: Option<String>,
    mapping_types: Vec<String>,
    aliases: Vec<String>,
    shards: Vec<ShardReport>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ShardReport {
    Present {
        shard: u32,
        /// Every Lucene file of the shard, reused and virtual ones included.
        number_of_files: usize,
        total_bytes: u64,
        files: Vec<String>,
    },
    /// The snapshot has no file list for this shard (a partial or failed snapshot).
    Missing { shard: u32, missing: bool },
}

#[derive(Serialize)]
struct TemplateNames {
    legacy: Vec<String>,
    composable: Vec<String>,
    component: Vec<String>,
}

impl RepositoryReport {
    async fn build(repo: &Repository, snaps: &[&SnapshotEntry]) -> Result<Self> {
        let mut snapshots = Vec::with_capacity(snaps.len());
        for snap in snaps {
            snapshots.push(snapshot_report(repo, snap).await?);
        }
        Ok(RepositoryReport {
            repository: repo.store().location(""),
            generation: repo.generation(),
            index_latest: repo.index_latest(),
            snapshots,
        })
    }

    fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = write!(out, "Repository {}  (generation {}", self.repository, self.generation);
        if let Some(latest) = self.index_latest.filter(|l| *l != self.generation) {
            let _ = write!(out, "; index.latest says {latest}");
        }
        let _ = writeln!(out, ", {})", output::plural(self.snapshots.len(), "snapshot", "snapshots"));
        for (si, s) in self.snapshots.iter().enumerate() {
            let last_snap = si + 1 == self.snapshots.len();
            let (branch, stem) = if last_snap { ("└─", "   ") } else { ("├─", "│  ") };
            let state = s.state.as_deref().unwrap_or("UNKNOWN");
            let product = match (s.distribution, &s.version) {
                (Some(snapshot::Distribution::OpenSearch), Some(v)) => format!("OpenSearch {v}"),
                (_, Some(v)) => format!("Elasticsearch {v}"),
                _ => "unknown version".into(),
            };
            let _ = write!(out, "{branch} snapshot {}  {}  {state}  {product}", s.name, s.uuid);
            if let Some(start) = s.start_time {
                let _ = write!(out, "  {}", output::millis(start));
                if let Some(end) = s.end_time {
                    let _ = write!(out, " ({:.1} s)", (end - start) as f64 / 1000.0);
                }
            }
            let _ = writeln!(out);
            let count = s.indices.len();
            for (ii, (name, idx)) in s.indices.iter().enumerate() {
                let last_idx = ii + 1 == count && s.templates.is_none();
                let (b2, s2) = if last_idx { ("└─", "   ") } else { ("├─", "│  ") };
                let mut line = format!(
                    "{stem}{b2} index {name}  {}  {}",
                    idx.id,
                    output::plural(idx.number_of_shards as usize, "shard", "shards")
                );
                if let Some(r) = idx.number_of_replicas {
                    line += &format!(", {}", output::plural(r as usize, "replica", "replicas"));
                }
                if let Some(v) = &idx.version_created {
                    let created = v.parse::<i64>().map(|id| snapshot::Version::from_id(id).to_string()).unwrap_or_else(|_| v.clone());
                    line += &format!(", created {created}");
                }
                if !idx.mapping_types.is_empty() {
                    line += &format!(", types {}", idx.mapping_types.join(" "));
                }
                if !idx.aliases.is_empty() {
                    line += &format!(", aliases {}", idx.aliases.join(" "));
                }
                let _ = writeln!(out, "{line}");
                for (hi, shard) in idx.shards.iter().enumerate() {
                    let b3 = if hi + 1 == idx.shards.len() { "└─" } else { "├─" };
                    match shard {
                        ShardReport::Present { shard, number_of_files, total_bytes, .. } => {
                            let _ = writeln!(
                                out,
                                "{stem}{s2}{b3} shard {shard}: {}, {}",
                                output::plural(*number_of_files, "file", "files"),
                                output::bytes(*total_bytes)
                            );
                        }
                        ShardReport::Missing { shard, .. } => {
                            let _ = writeln!(out, "{stem}{s2}{b3} shard {shard}: MISSING (no shard snapshot blob)");
                        }
                    }
                }
            }
            if let Some(t) = &s.templates {
                let _ = writeln!(
                    out,
                    "{stem}└─ templates: {} legacy, {} composable, {} component",
                    t.legacy.len(),
                    t.composable.len(),
                    t.component.len()
                );
            }
        }
        out
    }
}

async fn snapshot_report(repo: &Repository, snap: &SnapshotEntry) -> Result<SnapshotReport> {
    let info = repo.snapshot_info(snap).await?;
    let global = match repo.global_metadata(snap).await {
        Ok(g) => Some(g),
        Err(snapshot::Error::Store(e)) if e.is_not_found() => None,
        Err(e) => return Err(e.into()),
    };
    let index_names: Vec<&str> = repo.indices_of(snap).map(|(n, _)| n).collect();
    let indices: Vec<(String, IndexReport)> = futures::stream::iter(index_names)
        .map(|name| index_report(repo, snap, name))
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    let version = info.version();
    Ok(SnapshotReport {
        name: snap.name.clone(),
        uuid: snap.uuid.clone(),
        state: info.state.clone(),
        repository_state: snap.state,
        repository_version: snap.version.clone(),
        version_id: info.version_id,
        version: version.map(|v| v.to_string()),
        distribution: version.map(|v| v.distribution),
        start_time: info.start_time,
        end_time: info.end_time,
        include_global_state: info.include_global_state,
        indices: indices.into_iter().collect(),
        templates: global.map(|g| TemplateNames {
            legacy: sorted_keys(&g.legacy_templates),
            composable: sorted_keys(&g.index_templates),
            component: sorted_keys(&g.component_templates),
        }),
    })
}

async fn index_report(repo: &Repository, snap: &SnapshotEntry, name: &str) -> Result<(String, IndexReport)> {
    let entry = repo.index_of(snap, name)?;
    let meta = repo.index_metadata(snap, name).await?;
    let shards: Vec<ShardReport> = futures::stream::iter(0..meta.number_of_shards)
        .map(|shard| async move {
            match repo.shard_snapshot(snap, entry, shard).await {
                Ok(s) => {
                    let mut files: Vec<String> = s.files.iter().map(|f| f.physical_name.clone()).collect();
                    files.sort();
                    Ok(ShardReport::Present {
                        shard,
                        number_of_files: s.files.len(),
                        total_bytes: s.files.iter().map(|f| f.length).sum(),
                        files,
                    })
                }
                Err(snapshot::Error::Store(e)) if e.is_not_found() => Ok(ShardReport::Missing { shard, missing: true }),
                Err(e) => Err(anyhow::Error::from(e)),
            }
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let mut aliases: Vec<String> = meta.aliases.keys().cloned().collect();
    aliases.sort();
    Ok((
        name.to_string(),
        IndexReport {
            id: entry.id.clone(),
            number_of_shards: meta.number_of_shards,
            number_of_replicas: meta.number_of_replicas,
            version_created: meta.version_created.clone(),
            mapping_types: meta.mapping_types(),
            aliases,
            shards,
        },
    ))
}

fn sorted_keys(m: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    let mut v: Vec<String> = m.keys().cloned().collect();
    v.sort();
    v
}

async fn index_details(repo: &Repository, snap: &SnapshotEntry, index: &str, format: Format) -> Result<()> {
    let meta = repo.index_metadata(snap, index).await?;
    match format {
        Format::Json => output::print_json(&meta),
        Format::Text => {
            println!("Index {} in snapshot {} ({})", meta.name, snap.name, state_name(snap.state.unwrap_or(1)));
            println!("\nSettings:");
            for (k, v) in &meta.settings {
                println!("  {k} = {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
            }
            println!("\nMappings:");
            if meta.mappings.is_empty() {
                println!("  (none)");
            }
            for m in &meta.mappings {
                println!("  type {}:", m.type_name);
                println!("{}", indent(&serde_json::to_string_pretty(&m.mapping)?, 4));
            }
            println!("\nAliases:");
            if meta.aliases.is_empty() {
                println!("  (none)");
            }
            for (name, body) in &meta.aliases {
                let is_plain = body.as_object().is_some_and(|o| o.is_empty());
                if is_plain {
                    println!("  {name}");
                } else {
                    println!("  {name}: {}", serde_json::to_string(body)?);
                }
            }
            Ok(())
        }
    }
}

async fn templates(repo: &Repository, snap: &SnapshotEntry, format: Format) -> Result<()> {
    let global = repo.global_metadata(snap).await.with_context(|| format!("templates of snapshot `{}`", snap.name))?;
    match format {
        Format::Json => output::print_json(&serde_json::json!({
            "snapshot": snap.name,
            "legacy": global.legacy_templates,
            "composable": global.index_templates,
            "component": global.component_templates,
        })),
        Format::Text => {
            println!("Templates saved with snapshot {}", snap.name);
            for (title, set) in [
                ("Legacy templates (_template)", &global.legacy_templates),
                ("Composable index templates (_index_template)", &global.index_templates),
                ("Component templates (_component_template)", &global.component_templates),
            ] {
                println!("\n{title}: {}", set.len());
                for (name, body) in set {
                    let patterns = body
                        .get("index_patterns")
                        .and_then(|p| p.as_array())
                        .map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "));
                    match patterns {
                        Some(p) => println!("  {name}  (patterns: {p})"),
                        None => println!("  {name}"),
                    }
                    println!("{}", indent(&serde_json::to_string_pretty(body)?, 4));
                }
            }
            Ok(())
        }
    }
}

fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.lines().map(|l| format!("{pad}{l}")).collect::<Vec<_>>().join("\n")
}
