//! `ferry verify --source URL --target URL`: the target holds what the source holds.

use std::collections::HashMap;

use anyhow::Result;
use clap::Args;
use orchestrate::verify::{self, Depth, IndexReport};
use orchestrate::Api;
use serde::Serialize;

use crate::connect::ConnectArgs;
use crate::output::{self, Format};
use crate::source;

/// Exit code when a difference was found.
pub const EXIT_DIFFERENT: u8 = 3;

#[derive(Args)]
pub struct CompareArgs {
    /// Source cluster URL (credentials in the URL, or the flags below, which apply to both sides).
    #[arg(long, value_name = "URL", env = "FERRY_SOURCE", hide_env_values = true, required_unless_present = "source_repo")]
    source: Option<String>,
    /// Compare with a snapshot instead of a cluster: every live document of the snapshot's indices
    /// is read from the repository (path, s3://, oss://, …; no source cluster needed) — implies --full.
    #[arg(long, value_name = "REPO", conflicts_with = "source")]
    source_repo: Option<String>,
    /// With --source-repo: the snapshot (default: the newest).
    #[arg(long, requires = "source_repo")]
    snapshot: Option<String>,
    /// Target cluster URL.
    #[arg(long, value_name = "URL", env = "FERRY_TARGET", hide_env_values = true)]
    target: String,
    /// Indices to compare (patterns, `-` excludes; comma-separate or repeat). Default: every
    /// source index whose name does not start with `.`.
    #[arg(long, short = 'i', value_delimiter = ',')]
    index: Vec<String>,
    /// Target names differ from the source's: as a restore or backfill renamed them.
    #[command(flatten)]
    rename: crate::rename::RenameArgs,
    /// Random documents per index compared by `_source` (0: none).
    #[arg(long, value_name = "N", default_value_t = 100)]
    sample: usize,
    /// Seed of the sample (the same seed compares the same documents).
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
    /// Compare every document: each side's `_source` digests by id; names missing, extra and
    /// differing ids. Reads both indices whole.
    #[arg(long)]
    full: bool,
    #[command(flatten)]
    connect: ConnectArgs,
    #[command(flatten)]
    store: crate::StoreArgs,
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

#[derive(Serialize)]
struct Report {
    source: String,
    target: String,
    ok: bool,
    indices: Vec<IndexReport>,
}

pub async fn run(a: CompareArgs) -> Result<u8> {
    let rename = a.rename.renamer()?;
    let target = a.connect.connect(&a.target, None)?;
    let dst = Api::new(&target);
    if let Some(repo) = &a.source_repo {
        let mut indices = Vec::new();
        for (name, expected) in snapshot_digests(repo, &a.store.options(), a.snapshot.as_deref(), &a.index).await? {
            indices.push(verify::verify_against(&dst, &name, &rename.target(&name), expected).await?);
        }
        return report(Report { source: repo.clone(), target: target.host().to_owned(), ok: indices.iter().all(IndexReport::ok), indices }, a.output);
    }
    let source = a.connect.connect(a.source.as_deref().expect("clap requires --source or --source-repo"), None)?;
    let src = Api::new(&source);
    let names = source::cluster_indices(&src, &a.index).await?;
    let depth = Depth { sample: a.sample, full: a.full, seed: a.seed };
    let mut indices = Vec::new();
    for name in &names {
        let to = rename.target(name);
        indices.push(verify::verify_index(&src, &dst, name, &to, depth).await?);
    }
    report(Report { source: source.host().to_owned(), target: target.host().to_owned(), ok: indices.iter().all(IndexReport::ok), indices }, a.output)
}

fn report(report: Report, format: Format) -> Result<u8> {
    match format {
        Format::Json => output::print_json(&report)?,
        Format::Text => print!("{}", text(&report)),
    }
    Ok(if report.ok { 0 } else { EXIT_DIFFERENT })
}

/// Every live document of the snapshot's selected indices, by id: the digest of its `_source`
/// (as JSON, whatever it was stored as). Nested children travel inside their parents.
async fn snapshot_digests(location: &str, options: &blobstore::Options, snapshot: Option<&str>, patterns: &[String]) -> Result<Vec<(String, HashMap<String, [u8; 16]>)>> {
    let selection = source::select(location, options, snapshot, patterns).await?;
    let shards = selection.shards(tokio::runtime::Handle::current()).await?;
    let names: Vec<String> = selection.indices.iter().map(|i| i.name.clone()).collect();
    let digests = tokio::task::spawn_blocking(move || -> Result<Vec<HashMap<String, [u8; 16]>>> {
        let mut out = vec![HashMap::new(); names.len()];
        let mut json = Vec::new();
        for shard in shards {
            let index = lucene::Index::open(shard.dir.clone())?;
            for s in 0..index.segments().len() {
                let segment = index.open_segment(s)?;
                let fields = esdoc::EsFields::of(&segment.fields);
                segment.scan(0, |_, doc| {
                    let Some(d) = esdoc::decode(&doc, &fields).map_err(source::to_lucene)? else { return Ok(()) };
                    let Some(raw) = source::source_of(&d, &doc, false)? else { return Ok(()) };
                    json.clear();
                    esdoc::append_json(raw, &mut json).map_err(|e| lucene::Error::corrupt(doc.file(), format!("document `{}`: {e}", d.id)))?;
                    let value: serde_json::Value = serde_json::from_slice(&json).map_err(|e| lucene::Error::corrupt(doc.file(), format!("document `{}`: _source is not JSON ({e})", d.id)))?;
                    out[shard.index].insert(d.id, verify::digest(&value));
                    Ok(())
                })?;
            }
        }
        Ok(out)
    })
    .await??;
    let names: Vec<String> = selection.indices.into_iter().map(|i| i.name).collect();
    Ok(names.into_iter().zip(digests).collect())
}

fn text(r: &Report) -> String {
    let mut s = format!("{} → {}\n", r.source, r.target);
    s.push_str(&format!("{:<30} {:>12} {:>12} {:<7} {:>10} {:>8} {}\n", "index", "source docs", "target docs", "health", "recovering", "sampled", "result"));
    for i in &r.indices {
        let name = if i.source_index == i.target_index { i.source_index.clone() } else { format!("{} → {}", i.source_index, i.target_index) };
        s.push_str(&format!(
            "{name:<30} {:>12} {:>12} {:<7} {:>10} {:>8} {}\n",
            i.source_count,
            i.target_count,
            i.target_health,
            i.recovering_shards.map_or("?".into(), |n| n.to_string()),
            i.sampled,
            if i.ok() { "ok" } else { "DIFFERENT" }
        ));
        let diffs = [Some(("sample", &i.sample)), i.full.as_ref().map(|(_, d)| ("full", d))];
        for (what, d) in diffs.into_iter().flatten() {
            for (kind, n, ids) in [("missing", d.missing, &d.missing_ids), ("extra", d.extra, &d.extra_ids), ("differing", d.differing, &d.differing_ids)] {
                if n > 0 {
                    s.push_str(&format!("  {what}: {n} {kind}: {}{}\n", ids.join(", "), if n as usize > ids.len() { ", …" } else { "" }));
                }
            }
        }
        if let Some((n, _)) = &i.full {
            s.push_str(&format!("  full: {n} source documents compared\n"));
        }
    }
    s.push_str(if r.ok { "the target matches the source\n" } else { "the target differs from the source\n" });
    s
}
