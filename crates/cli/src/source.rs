//! Choosing what to read from a repository: the snapshot, the indices (ES-style patterns), and
//! each selected shard as a Lucene directory. Shared by `export` and `backfill`.

use std::sync::Arc;

use anyhow::{bail, Context, Result};
use futures::{StreamExt, TryStreamExt};
use snapshot::{IndexMetadata, Repository, SnapshotEntry};

/// A snapshot and the indices selected from it.
pub struct Selection {
    pub store: blobstore::BlobStore,
    pub repo: Repository,
    pub snapshot: SnapshotEntry,
    /// Sorted by name.
    pub indices: Vec<SelectedIndex>,
}

pub struct SelectedIndex {
    pub name: String,
    pub meta: IndexMetadata,
}

/// One shard of a selected index, ready to open.
pub struct ShardSource {
    /// Position in `Selection::indices`.
    pub index: usize,
    pub shard: u32,
    pub dir: Arc<dyn lucene::Directory>,
    /// Bytes of stored-field data (or compound files) to scan, for progress.
    pub weight: u64,
}

/// Open `location`, pick `snapshot` (default: the newest), and select indices by `patterns`.
/// Indices whose documents cannot be read (synthetic `_source`) are refused by name.
pub async fn select(location: &str, options: &blobstore::Options, snapshot: Option<&str>, patterns: &[String]) -> Result<Selection> {
    let store = blobstore::BlobStore::open(location, options)?;
    let repo = Repository::open(store.clone()).await?;
    let snap = match snapshot {
        Some(s) => repo.snapshot(s)?.clone(),
        None => repo.snapshots().last().cloned().context("the repository holds no snapshots")?,
    };
    let all: Vec<&str> = repo.indices_of(&snap).map(|(name, _)| name).collect();
    let p = Patterns::new(patterns);
    let mut names: Vec<String> = all.iter().filter(|n| p.matches(n)).map(|s| s.to_string()).collect();
    if names.is_empty() {
        bail!("no index of snapshot `{}` matches {}; it has: {}", snap.name, patterns.join(","), all.join(", "));
    }
    names.sort();
    let repo_ref = &repo;
    let snap_ref = &snap;
    let indices = futures::stream::iter(names)
        .map(|name| async move {
            let meta = repo_ref.index_metadata(snap_ref, &name).await?;
            refuse_synthetic_source(&name, &meta)?;
            anyhow::Ok(SelectedIndex { name, meta })
        })
        .buffered(16)
        .try_collect()
        .await?;
    Ok(Selection { store, repo, snapshot: snap, indices })
}

impl Selection {
    /// Every shard of the selected indices (fetching each shard's file list concurrently).
    pub async fn shards(&self, runtime: tokio::runtime::Handle) -> Result<Vec<ShardSource>> {
        let mut jobs = Vec::new();
        for (i, index) in self.indices.iter().enumerate() {
            for shard in 0..index.meta.number_of_shards {
                jobs.push((i, shard));
            }
        }
        futures::stream::iter(jobs)
            .map(|(i, shard)| self.shard(i, shard, runtime.clone()))
            .buffered(32)
            .try_collect()
            .await
    }

    /// One shard of `self.indices[index]`.
    pub async fn shard(&self, index: usize, shard: u32, runtime: tokio::runtime::Handle) -> Result<ShardSource> {
        let name = &self.indices[index].name;
        let entry = self.repo.index_of(&self.snapshot, name)?;
        let files = self.repo.shard_snapshot(&self.snapshot, entry, shard).await?;
        let path = self.repo.shard_path(entry, shard)?;
        let weight = files.files.iter().filter(|f| is_stored_or_compound(&f.physical_name)).map(|f| f.length).sum();
        let dir = snapshot::ShardDirectory::new(self.store.clone(), path, &files, runtime).map_err(anyhow::Error::msg)?;
        Ok(ShardSource { index, shard, dir: Arc::new(dir), weight })
    }
}

fn refuse_synthetic_source(name: &str, meta: &IndexMetadata) -> Result<()> {
    let synthetic = meta.settings.get("index.mapping.source.mode").and_then(|v| v.as_str()) == Some("synthetic")
        || meta.mappings.iter().any(|m| m.mapping.pointer("/_source/mode").and_then(|v| v.as_str()) == Some("synthetic"));
    if synthetic {
        bail!("index `{name}` uses synthetic _source (ES 8): documents have no stored _source to read; exclude it with --index '*,-{name}'");
    }
    Ok(())
}

pub fn is_stored_or_compound(name: &str) -> bool {
    name.ends_with(".fdt") || name.ends_with(".cfs")
}

/// ES-style index patterns: names with `*`/`?` wildcards; a leading `-` excludes.
pub struct Patterns {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl Patterns {
    pub fn new(raw: &[String]) -> Self {
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for p in raw.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            match p.strip_prefix('-') {
                Some(x) => exclude.push(x.to_owned()),
                None => include.push(p.to_owned()),
            }
        }
        Patterns { include, exclude }
    }

    pub fn matches(&self, name: &str) -> bool {
        let included = self.include.is_empty() || self.include.iter().any(|p| p == "_all" || glob(p, name));
        included && !self.exclude.iter().any(|p| glob(p, name))
    }
}

/// The indices of a cluster that `patterns` select (open or closed, sorted); without patterns,
/// every index whose name does not start with `.` (system and hidden indices).
pub async fn cluster_indices(api: &orchestrate::Api<'_>, patterns: &[String]) -> Result<Vec<String>> {
    let p = Patterns::new(patterns);
    let names: Vec<String> = api.index_states("*").await?.into_keys().filter(|n| p.matches(n) && (!patterns.is_empty() || !n.starts_with('.'))).collect();
    if names.is_empty() {
        bail!("{}: no index matches {}", api.client.host(), if patterns.is_empty() { "*".to_owned() } else { patterns.join(",") });
    }
    Ok(names)
}

fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Iterative wildcard matching with backtracking to the last `*`.
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A decoded document's `_source`. Without one: `Ok(None)` when the user allowed it
/// (`--allow-missing-source`; the caller counts the document as skipped), else an error naming
/// the document and the way out.
pub fn source_of<'a>(d: &esdoc::EsDoc<'a>, doc: &lucene::StoredDoc<'_>, allow_missing: bool) -> lucene::Result<Option<&'a [u8]>> {
    match d.source {
        Some(s) => Ok(Some(s)),
        None if allow_missing => Ok(None),
        None => Err(lucene::Error::corrupt(
            doc.file(),
            format!("document `{}` has no stored _source (disabled in the mapping?); rerun with --allow-missing-source to skip such documents", d.id),
        )),
    }
}

/// Turn an esdoc error into the reader's error type (it names the file and document).
pub fn to_lucene(e: esdoc::Error) -> lucene::Error {
    match e {
        esdoc::Error::Lucene(e) => e,
        esdoc::Error::Document { file, doc, id, detail } => lucene::Error::corrupt(file, format!("document {doc} (_id {id}): {detail}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p = Patterns::new(&["logs-*".into(), "-logs-2023*".into(), "posts".into()]);
        assert!(p.matches("logs-2024.01"));
        assert!(!p.matches("logs-2023.12"));
        assert!(p.matches("posts"));
        assert!(!p.matches("posts2"));
        assert!(Patterns::new(&[]).matches("anything"));
        assert!(glob("a?c*", "abcdef"));
        assert!(!glob("a?c*", "acdef"));
        assert!(glob("*", ""));
    }
}
