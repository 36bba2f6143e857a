//! `ferry verify --source URL --target URL`: the target holds what the source holds.

use anyhow::Result;
use clap::Args;
use orchestrate::verify::{self, Depth, IndexReport};
use orchestrate::Api;
use serde::Serialize;

use crate::connect::ConnectArgs;
use crate::output::{self, Format};
use crate::source::Patterns;
use crate::UsageError;

/// Exit code when a difference was found.
pub const EXIT_DIFFERENT: u8 = 3;

#[derive(Args)]
pub struct CompareArgs {
    /// Source cluster URL (credentials in the URL, or the flags below, which apply to both sides).
    #[arg(long, value_name = "URL", env = "FERRY_SOURCE", hide_env_values = true)]
    source: String,
    /// Target cluster URL.
    #[arg(long, value_name = "URL", env = "FERRY_TARGET", hide_env_values = true)]
    target: String,
    /// Indices to compare (patterns, `-` excludes; comma-separate or repeat). Default: every
    /// source index whose name does not start with `.`.
    #[arg(long, short = 'i', value_delimiter = ',')]
    index: Vec<String>,
    /// Target names differ: a regular expression over the source name…
    #[arg(long, value_name = "REGEX", requires = "rename_replacement")]
    rename_pattern: Option<String>,
    /// …and its replacement (`$1` for the first group).
    #[arg(long, value_name = "TEXT", requires = "rename_pattern")]
    rename_replacement: Option<String>,
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
    let rename = match (&a.rename_pattern, &a.rename_replacement) {
        (Some(p), Some(r)) => Some((regex::Regex::new(p).map_err(|e| UsageError(format!("--rename-pattern: {e}")))?, r.clone())),
        _ => None,
    };
    let (source, target) = (a.connect.connect(&a.source, None)?, a.connect.connect(&a.target, None)?);
    let (src, dst) = (Api::new(&source), Api::new(&target));
    let patterns = Patterns::new(&a.index);
    let mut names: Vec<String> = src.index_states("*").await?.into_keys().filter(|n| patterns.matches(n) && (!a.index.is_empty() || !n.starts_with('.'))).collect();
    names.sort();
    anyhow::ensure!(!names.is_empty(), "{}: no index matches {}", source.host(), if a.index.is_empty() { "*".to_owned() } else { a.index.join(",") });
    let depth = Depth { sample: a.sample, full: a.full, seed: a.seed };
    let mut indices = Vec::new();
    for name in &names {
        let to = rename.as_ref().map_or_else(|| name.clone(), |(re, rep)| re.replace(name, rep.as_str()).into_owned());
        indices.push(verify::verify_index(&src, &dst, name, &to, depth).await?);
    }
    let report = Report { source: source.host().to_owned(), target: target.host().to_owned(), ok: indices.iter().all(IndexReport::ok), indices };
    match a.output {
        Format::Json => output::print_json(&report)?,
        Format::Text => print!("{}", text(&report)),
    }
    Ok(if report.ok { 0 } else { EXIT_DIFFERENT })
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
