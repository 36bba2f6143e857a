//! `ferry copy SRC DST`: a snapshot repository from one store to another, in the order that keeps
//! the destination readable at every moment, skipping what is already there.
//!
//! Order (each phase finishes before the next starts): data blobs → shard-level `index-*`/`snap-*`
//! → index `meta-*` → root `snap-*`/`meta-*` → root `index-N` → `index.latest`. A reader of the
//! destination finds blobs only through the root `index-N` (and `index.latest`), which are written
//! last, so a copy interrupted anywhere leaves the destination at its previous state plus
//! unreferenced blobs, and a rerun completes it.
//!
//! An object is skipped only when the destination has the same size and the same content. The
//! cheapest sound evidence wins: equal content-derived ETags from the two listings (S3, OSS: an
//! MD5, no request needed); else, for data blobs (`__*`, immutable and uniquely named), the same
//! last 16 bytes — for a Lucene file its footer, magic and CRC-32 included; every other blob is
//! small and is compared byte for byte. Roots (`index.latest`, which keeps its 8-byte size
//! across generations, and `index-N`) are always compared byte for byte. `--checksum` compares
//! every object's content hash — the stored MD5 ETags (a HEAD each) where both sides have them,
//! else a SHA-256 of both whole contents; `--size-only` trusts sizes, except for the roots.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use blobstore::{BlobStore, Entry, WriteOptions};
use clap::{Args, ValueEnum};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::output::{self, Format};
use crate::StoreArgs;

#[derive(Args)]
pub struct CopyArgs {
    /// Source repository location (path, file://, s3://, oss://, cos://, gs://, azblob://).
    #[arg(value_name = "SRC")]
    src: String,
    /// Destination repository location; a local folder is created if missing.
    #[arg(value_name = "DST")]
    dst: String,
    #[command(flatten)]
    options: CopyOptions,
    #[command(flatten)]
    report: output::ReportArgs,
    #[command(flatten)]
    store: StoreArgs,
}

/// How a copy runs (the flags of `ferry copy`; `ferry migrate` sets them from its plan).
#[derive(Args, Clone, Debug)]
pub struct CopyOptions {
    /// Copy only what these snapshots need (names or uuids; repeat or comma-separate), plus the
    /// root metadata. The destination must already hold every other snapshot the source's root
    /// lists (an earlier copy), so each increment moves exactly the new blobs.
    #[arg(long, short = 's', value_delimiter = ',')]
    pub snapshot: Vec<String>,
    /// After the new root is in place, delete destination blobs that no destination snapshot
    /// references (superseded generations, blobs of deleted snapshots).
    #[arg(long)]
    pub delete: bool,
    /// Objects copied at the same time.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub transfers: usize,
    /// Part size of multipart uploads (bytes; K/M/G suffixes; at least 5M).
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = crate::backfill::parse_size)]
    pub part_size: u64,
    /// At most this many bytes per second in total (K/M/G suffixes).
    #[arg(long, value_name = "SIZE", value_parser = crate::backfill::parse_size)]
    pub bwlimit: Option<u64>,
    /// Compare content hashes of every object present on both sides: the stored MD5 ETags where
    /// both sides have them, else SHA-256 of both sides' whole contents.
    #[arg(long, conflicts_with = "size_only")]
    pub checksum: bool,
    /// Skip objects whose sizes match (except `index.latest` and root `index-N`, always compared).
    #[arg(long)]
    pub size_only: bool,
    /// After copying, run `verify-repo --deep` on the destination (exit code 3 if it finds problems).
    #[arg(long, conflicts_with = "dry_run")]
    pub verify: bool,
    /// Say what would be copied and why, and copy nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions { snapshot: Vec::new(), delete: false, transfers: 8, part_size: 16 << 20, bwlimit: None, checksum: false, size_only: false, verify: false, dry_run: false }
    }
}

/// The copy phases, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Phase {
    Data,
    ShardMetadata,
    IndexMetadata,
    SnapshotMetadata,
    RootIndex,
    IndexLatest,
}

impl Phase {
    const ALL: [Phase; 6] = [Phase::Data, Phase::ShardMetadata, Phase::IndexMetadata, Phase::SnapshotMetadata, Phase::RootIndex, Phase::IndexLatest];

    /// Which phase a repository path belongs to. Anything unrecognised is copied with the data.
    fn of(path: &str) -> Phase {
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            ["index.latest"] => Phase::IndexLatest,
            [name] if name.starts_with("index-") => Phase::RootIndex,
            [name] if name.starts_with("snap-") || name.starts_with("meta-") => Phase::SnapshotMetadata,
            ["indices", _, name] if name.starts_with("meta-") => Phase::IndexMetadata,
            ["indices", _, _, name] if name.starts_with("index-") || name.starts_with("snap-") => Phase::ShardMetadata,
            _ => Phase::Data,
        }
    }

    /// Mutable (or generation-numbered) roots are never trusted by size.
    fn is_root(self) -> bool {
        matches!(self, Phase::RootIndex | Phase::IndexLatest)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Why {
    Missing,
    SizeDiffers,
    ContentDiffers,
    /// (--delete) no destination snapshot refers to it.
    Unreferenced,
}

impl Why {
    fn text(self) -> &'static str {
        match self {
            Why::Missing => "not in the destination",
            Why::SizeDiffers => "size differs",
            Why::ContentDiffers => "content differs",
            Why::Unreferenced => "no snapshot refers to it",
        }
    }
}

/// What showed that an object already in the destination is the same as the source's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Basis {
    /// `--size-only`.
    Size,
    /// Equal content-derived ETags in the two listings.
    Etag,
    /// Equal last 16 bytes of a data blob (a Lucene footer with its checksum).
    Footer,
    /// Equal bytes, read from both sides.
    Bytes,
    /// Equal SHA-256 of both sides (`--checksum`).
    Checksum,
}

impl Basis {
    fn text(self) -> &'static str {
        match self {
            Basis::Size => "size",
            Basis::Etag => "ETag",
            Basis::Footer => "footer",
            Basis::Bytes => "bytes",
            Basis::Checksum => "checksum",
        }
    }
}

enum Verdict {
    Copy(Why),
    Skip(Basis),
}

#[derive(Serialize)]
struct PhaseSummary {
    phase: Phase,
    copied: u64,
    copied_bytes: u64,
    skipped: u64,
    skipped_bytes: u64,
}

#[derive(Serialize)]
pub struct Summary {
    pub source: String,
    pub destination: String,
    dry_run: bool,
    pub objects: u64,
    pub copied: u64,
    pub copied_bytes: u64,
    pub skipped: u64,
    skipped_bytes: u64,
    /// How the skipped objects were found to be the same.
    skipped_by: std::collections::BTreeMap<Basis, u64>,
    pub elapsed_seconds: f64,
    bytes_per_second: f64,
    phases: Vec<PhaseSummary>,
    /// With --dry-run: what would be copied and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    would_copy: Vec<Planned>,
    /// With --delete: what was (or, with --dry-run, would be) deleted.
    deleted: Vec<Planned>,
    deleted_bytes: u64,
    /// Multipart uploads (local `.ferry-part` files) an interrupted copy left in the destination,
    /// aborted (with --dry-run: that would be) before copying.
    aborted_uploads: Vec<String>,
    /// Why abandoned uploads could not be looked for, if they could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    uploads_unchecked: Option<String>,
    /// With --verify: the destination's deep verification.
    #[serde(skip_serializing_if = "Option::is_none")]
    verify: Option<crate::verify::Report>,
}

#[derive(Serialize, Clone)]
struct Planned {
    path: String,
    bytes: u64,
    why: Why,
}

pub async fn run(args: CopyArgs) -> Result<u8> {
    let summary = copy_repository(&args.src, &args.dst, &args.store.options(), &args.options, args.report.show_progress()).await?;
    let problems = summary.verify.as_ref().map_or(0, |v| v.problems.len());
    match args.report.output {
        Format::Json => output::print_json(&summary)?,
        Format::Text => {
            print!("{}", summary.to_text());
            if let Some(v) = &summary.verify {
                print!("verify: {}", v.to_text());
            }
        }
    }
    if problems > 0 {
        eprintln!("ferry: error: the copy in {} has {problems} problem(s)", summary.destination);
        return Ok(crate::verify::EXIT_PROBLEMS);
    }
    Ok(0)
}

/// Copy the repository at `src_url` to `dst_url` (see the module docs); `progress` shows a bar.
pub async fn copy_repository(src_url: &str, dst_url: &str, options: &blobstore::Options, args: &CopyOptions, progress: bool) -> Result<Summary> {
    let started = Instant::now();
    let src = BlobStore::open(src_url, options)?;
    // A dry run creates nothing: a missing local destination is simply empty.
    let dst = if args.dry_run {
        match BlobStore::open(dst_url, options) {
            Ok(d) => Some(d),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        Some(BlobStore::open_for_writing(dst_url, options)?)
    };
    // Before this copy starts uploading: whatever is pending now was left by an interrupted run.
    let (aborted_uploads, uploads_unchecked) = match &dst {
        Some(d) => abort_abandoned_uploads(d, args.dry_run, args.transfers).await?,
        None => (Vec::new(), None),
    };
    // Both listings at once: on a large repository each is many requests.
    let (objects, dst_listing) = tokio::join!(src.list_recursive(""), async {
        match &dst {
            Some(d) => d.list_recursive("").await,
            None => Ok(Vec::new()),
        }
    });
    let (mut objects, dst_listing) = (objects?, dst_listing?);
    anyhow::ensure!(
        objects.iter().any(|o| o.path == "index.latest" || Phase::of(&o.path) == Phase::RootIndex),
        "{} does not look like a snapshot repository (no index.latest or index-N at its root)",
        src.location("")
    );
    if !args.snapshot.is_empty() {
        objects = only_for_snapshots(&src, dst.as_ref(), &args.snapshot, objects, args.transfers).await?;
    }
    // The destination's listing stands in for a request per object.
    let there: std::collections::HashMap<&str, &Entry> = dst_listing.iter().map(|e| (e.path.as_str(), e)).collect();
    let write = WriteOptions { part_size: args.part_size as usize, concurrency: 4 };
    let total_bytes: u64 = objects.iter().filter_map(|o| o.size).sum();
    let bar = if progress { indicatif::ProgressBar::new(total_bytes) } else { indicatif::ProgressBar::hidden() };
    bar.set_style(indicatif::ProgressStyle::with_template("{bar:30} {percent:>3}%  {bytes}/{total_bytes}  {bytes_per_sec}  {msg}  ETA {eta}").expect("valid template").progress_chars("=> "));
    let mut phases = Vec::new();
    let mut would_copy = Vec::new();
    let mut skipped_by = std::collections::BTreeMap::new();
    let copied_objects = AtomicU64::new(0);
    let pacer = crate::pace::Pacer::new(None, args.bwlimit.map(|b| b as f64));
    for phase in Phase::ALL {
        let in_phase: Vec<&Entry> = objects.iter().filter(|o| Phase::of(&o.path) == phase).collect();
        let mut sum = PhaseSummary { phase, copied: 0, copied_bytes: 0, skipped: 0, skipped_bytes: 0 };
        let decisions: Vec<(&Entry, Verdict)> = futures::stream::iter(in_phase)
            .map(|o| {
                let (src, dst, args, there) = (&src, &dst, &args, &there);
                async move {
                    let verdict = match (dst, there.get(o.path.as_str())) {
                        (Some(dst), Some(d)) => compare(src, dst, o, d, phase, args).await?,
                        _ => Verdict::Copy(Why::Missing),
                    };
                    anyhow::Ok((o, verdict))
                }
            })
            .buffered(args.transfers.max(1) * 4)
            .try_collect()
            .await?;
        let mut to_copy = Vec::new();
        for (o, verdict) in decisions {
            let size = o.size.unwrap_or(0);
            match verdict {
                Verdict::Skip(basis) => {
                    sum.skipped += 1;
                    sum.skipped_bytes += size;
                    *skipped_by.entry(basis).or_insert(0) += 1;
                    bar.inc(size);
                }
                Verdict::Copy(why) => {
                    if args.dry_run {
                        would_copy.push(Planned { path: o.path.clone(), bytes: size, why });
                    }
                    to_copy.push(o);
                }
            }
        }
        sum.copied = to_copy.len() as u64;
        sum.copied_bytes = to_copy.iter().filter_map(|o| o.size).sum();
        if let (Some(dst), false) = (&dst, args.dry_run) {
            futures::stream::iter(to_copy)
                .map(|o| {
                    let (src, bar, copied_objects, pacer) = (&src, &bar, &copied_objects, &pacer);
                    async move {
                        let stream = src.stream_sized(&o.path, o.size.unwrap_or(0)).await?.then(move |chunk| async move {
                            if let Ok(c) = &chunk {
                                pacer.pace(0.0, c.len() as f64).await;
                            }
                            chunk
                        });
                        let stream = Box::pin(stream);
                        let n = dst.write_stream(&o.path, stream, write).await?;
                        anyhow::ensure!(Some(n) == o.size, "{}: copied {n} bytes but the listing said {:?} (changed during the copy?)", src.location(&o.path), o.size);
                        bar.inc(n);
                        bar.set_message(format!("{} objects copied", copied_objects.fetch_add(1, Ordering::Relaxed) + 1));
                        anyhow::Ok(())
                    }
                })
                .buffer_unordered(args.transfers.max(1))
                .try_collect::<Vec<()>>()
                .await
                .with_context(|| format!("copying the {phase:?} phase into {}", dst.location("")))?;
        }
        phases.push(sum);
    }
    bar.finish_and_clear();
    let deleted = match (&dst, args.delete) {
        // A dry run has not written the new root: the source's root is what it would be.
        (Some(dst), true) => delete_unreferenced(if args.dry_run { &src } else { dst }, dst, args.dry_run, args.transfers).await?,
        _ => Vec::new(),
    };
    let elapsed = started.elapsed().as_secs_f64();
    let copied_bytes: u64 = phases.iter().map(|s| s.copied_bytes).sum();
    let summary = Summary {
        source: src.location(""),
        destination: dst.as_ref().map_or_else(|| dst_url.to_owned(), |d| d.location("")),
        dry_run: args.dry_run,
        objects: objects.len() as u64,
        copied: phases.iter().map(|s| s.copied).sum(),
        copied_bytes,
        skipped: phases.iter().map(|s| s.skipped).sum(),
        skipped_bytes: phases.iter().map(|s| s.skipped_bytes).sum(),
        skipped_by,
        elapsed_seconds: elapsed,
        bytes_per_second: if args.dry_run { 0.0 } else { copied_bytes as f64 / elapsed.max(1e-9) },
        phases,
        would_copy,
        deleted_bytes: deleted.iter().map(|p| p.bytes).sum(),
        deleted,
        aborted_uploads,
        uploads_unchecked,
        verify: None,
    };
    let mut summary = summary;
    if let (Some(dst), true) = (&dst, args.verify) {
        summary.verify = Some(crate::verify::verify(dst.clone(), &[], true, args.transfers).await?);
    }
    Ok(summary)
}

/// The objects `snapshots` need, from the source listing. Refused when the destination lacks
/// another snapshot the source's root lists: the copied root would refer to blobs that are not
/// there.
async fn only_for_snapshots(src: &BlobStore, dst: Option<&BlobStore>, snapshots: &[String], objects: Vec<Entry>, jobs: usize) -> Result<Vec<Entry>> {
    let repo = snapshot::Repository::open(src.clone()).await?;
    let chosen: Vec<snapshot::SnapshotEntry> = snapshots.iter().map(|s| repo.snapshot(s).cloned()).collect::<Result<_, _>>()?;
    let there: Vec<String> = match dst {
        Some(d) => match snapshot::Repository::open(d.clone()).await {
            Ok(r) => r.snapshots().iter().map(|s| s.uuid.clone()).collect(),
            Err(snapshot::Error::NotARepository { .. }) => Vec::new(),
            Err(e) => return Err(e.into()),
        },
        None => Vec::new(),
    };
    let lacking: Vec<&str> = repo.snapshots().iter().filter(|s| !chosen.iter().any(|c| c.uuid == s.uuid) && !there.contains(&s.uuid)).map(|s| s.name.as_str()).collect();
    anyhow::ensure!(
        lacking.is_empty(),
        "the source's root lists snapshot(s) {} which the destination does not hold yet: copy them too (--snapshot {},…) or the whole repository",
        lacking.join(", "),
        lacking.join(",")
    );
    let needed = repo.referenced_blobs(&chosen, jobs).await?;
    let listed: std::collections::BTreeMap<&str, &Entry> = objects.iter().map(|o| (o.path.as_str(), o)).collect();
    if let Some(missing) = needed.keys().find(|p| !listed.contains_key(p.as_str())) {
        anyhow::bail!("{}: referenced by the snapshot(s) but missing from the source", src.location(missing));
    }
    Ok(objects.iter().filter(|o| needed.contains_key(&o.path)).cloned().collect())
}

/// Abort the multipart uploads (delete the `.ferry-part` files) pending in `dst`: the leftovers
/// of a copy that was killed mid-object. A store that cannot list them is noted, not an error.
/// One writer per destination is assumed, as for the repository itself.
async fn abort_abandoned_uploads(dst: &BlobStore, dry_run: bool, jobs: usize) -> Result<(Vec<String>, Option<String>)> {
    let pending = match dst.pending_uploads().await {
        Ok(blobstore::PendingUploads::Listed(p)) => p,
        Ok(blobstore::PendingUploads::Unsupported(why)) => return Ok((Vec::new(), Some(why))),
        Err(e) => {
            tracing::warn!("cannot look for abandoned uploads: {e}");
            return Ok((Vec::new(), Some(e.to_string())));
        }
    };
    if !dry_run {
        futures::stream::iter(&pending).map(|u| dst.abort_upload(u)).buffer_unordered(jobs.max(1)).try_collect::<Vec<()>>().await?;
    }
    Ok((pending.into_iter().map(|u| u.path).collect(), None))
}

/// Delete from `dst` what no snapshot of `root`'s repository needs (`root` is the destination
/// itself once its new root is written). Only repository blobs are candidates — `indices/…` and
/// root `index-N`/`snap-*`/`meta-*` — never `index.latest` or files the layout does not name.
async fn delete_unreferenced(root: &BlobStore, dst: &BlobStore, dry_run: bool, jobs: usize) -> Result<Vec<Planned>> {
    let repo = snapshot::Repository::open(root.clone()).await?;
    let needed = repo.referenced_blobs(repo.snapshots(), jobs).await?;
    let doomed: Vec<Planned> = dst
        .list_recursive("")
        .await?
        .into_iter()
        .filter(|o| !needed.contains_key(&o.path) && o.path != "index.latest")
        .filter(|o| o.path.starts_with("indices/") || matches!(Phase::of(&o.path), Phase::RootIndex | Phase::SnapshotMetadata))
        .map(|o| Planned { bytes: o.size.unwrap_or(0), path: o.path, why: Why::Unreferenced })
        .collect();
    if !dry_run {
        futures::stream::iter(&doomed).map(|p| dst.delete(&p.path)).buffer_unordered(jobs.max(1)).try_collect::<Vec<()>>().await?;
    }
    Ok(doomed)
}

/// Whether source object `o` must be copied over destination object `d` (same path), and why.
async fn compare(src: &BlobStore, dst: &BlobStore, o: &Entry, d: &Entry, phase: Phase, args: &CopyOptions) -> Result<Verdict> {
    let size = o.size.unwrap_or(0);
    if d.size != o.size {
        return Ok(Verdict::Copy(Why::SizeDiffers));
    }
    let (same, basis) = if phase.is_root() {
        (src.read(&o.path).await? == dst.read(&o.path).await?, Basis::Bytes)
    } else if args.size_only {
        (true, Basis::Size)
    } else if same_etag(o.content_etag(), d.content_etag()) {
        // Different ETags prove nothing (another part size gives another multipart ETag): the
        // content is compared below instead.
        (true, Basis::Etag)
    } else if args.checksum {
        // The stored hashes first (a HEAD each, as listings may omit them), then the contents.
        let (a, b) = tokio::try_join!(src.stat(&o.path), dst.stat(&o.path))?;
        if same_etag(a.as_ref().and_then(|m| m.content_etag()), b.as_ref().and_then(|m| m.content_etag())) {
            (true, Basis::Etag)
        } else {
            let (a, b) = tokio::try_join!(digest(src, &o.path, size), digest(dst, &o.path, size))?;
            (a == b, Basis::Checksum)
        }
    } else if o.name.starts_with("__") && size > 16 {
        // Immutable, uniquely named blobs: the tail (a Lucene footer: magic, algorithm, CRC-32).
        (src.read_range(&o.path, size - 16..size).await? == dst.read_range(&o.path, size - 16..size).await?, Basis::Footer)
    } else {
        (src.read(&o.path).await? == dst.read(&o.path).await?, Basis::Bytes)
    };
    Ok(if same { Verdict::Skip(basis) } else { Verdict::Copy(Why::ContentDiffers) })
}

/// SHA-256 of a whole object of `size` bytes, streamed.
async fn digest(store: &BlobStore, path: &str, size: u64) -> Result<[u8; 32]> {
    let mut h = Sha256::new();
    let mut s = store.stream_sized(path, size).await?;
    while let Some(chunk) = s.try_next().await? {
        h.update(&chunk);
    }
    Ok(h.finalize().into())
}

/// Two content-derived ETags that are equal (case aside: OSS writes them in capitals).
fn same_etag(a: Option<&str>, b: Option<&str>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

impl Summary {
    fn to_text(&self) -> String {
        let mut s = format!("{} → {}{}\n", self.source, self.destination, if self.dry_run { " (dry run: nothing copied)" } else { "" });
        for p in &self.would_copy {
            s.push_str(&format!("  would copy {} ({}): {}\n", p.path, output::bytes(p.bytes), p.why.text()));
        }
        s.push_str(&format!("{:<18} {:>8} {:>12} {:>8} {:>12}\n", "phase", "copied", "bytes", "skipped", "bytes"));
        for p in &self.phases {
            let name = serde_json::to_value(p.phase).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            s.push_str(&format!("{name:<18} {:>8} {:>12} {:>8} {:>12}\n", p.copied, output::bytes(p.copied_bytes), p.skipped, output::bytes(p.skipped_bytes)));
        }
        if let Some(why) = &self.uploads_unchecked {
            s.push_str(&format!("  abandoned multipart uploads not checked: {why}\n"));
        }
        for p in &self.aborted_uploads {
            s.push_str(&format!("  {} an abandoned upload of {p}\n", if self.dry_run { "would abort" } else { "aborted" }));
        }
        for p in &self.deleted {
            s.push_str(&format!("  {} {} ({}): {}\n", if self.dry_run { "would delete" } else { "deleted" }, p.path, output::bytes(p.bytes), p.why.text()));
        }
        s.push_str(&format!(
            "{} objects: {} {} ({}), {} already there ({}{}) in {:.2}s\n",
            self.objects,
            self.copied,
            if self.dry_run { "to copy" } else { "copied" },
            output::bytes(self.copied_bytes),
            self.skipped,
            output::bytes(self.skipped_bytes),
            self.skipped_by.iter().map(|(b, n)| format!(", {n} by {}", b.text())).collect::<String>(),
            self.elapsed_seconds
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_repository_layout() {
        for (path, phase) in [
            ("index.latest", Phase::IndexLatest),
            ("index-12", Phase::RootIndex),
            ("snap-7GkfFRQTYiyNGjOW-h0DAA.dat", Phase::SnapshotMetadata),
            ("meta-7GkfFRQTYiyNGjOW-h0DAA.dat", Phase::SnapshotMetadata),
            ("indices/Xy/meta-abc.dat", Phase::IndexMetadata),
            ("indices/Xy/0/index-Zq3", Phase::ShardMetadata),
            ("indices/Xy/0/snap-7GkfFRQTYiyNGjOW-h0DAA.dat", Phase::ShardMetadata),
            ("indices/Xy/0/__8dM2", Phase::Data),
            ("indices/Xy/0/__8dM2.part3", Phase::Data),
            ("incompatible-snapshots", Phase::Data),
        ] {
            assert_eq!(Phase::of(path), phase, "{path}");
        }
        assert!(Phase::ALL.windows(2).all(|w| w[0] < w[1]), "phases run in declaration order");
    }
}
