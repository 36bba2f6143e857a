//! `ferry verify-repo REPO`: does the repository hold every blob its snapshots need?
//!
//! Quick mode: every referenced blob exists, and data blobs have the exact length their shard
//! snapshot records. `--deep` also reads everything: each metadata blob's codec header, footer and
//! CRC-32, and each Lucene file whole — its CRC-32 recomputed and compared with its footer and with
//! the checksum the shard snapshot recorded.

use std::collections::BTreeMap;

use anyhow::Result;
use clap::Args;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use snapshot::framing::Codec;
use snapshot::{BlobKind, BlobRef, Repository};

use crate::output::{self, Format};
use crate::StoreArgs;

/// Exit code when the verification ran and found problems.
pub const EXIT_PROBLEMS: u8 = 3;

#[derive(Args)]
pub struct VerifyArgs {
    /// Repository location (path, file://, s3://, oss://, cos://, gs://, azblob://).
    #[arg(value_name = "REPO")]
    repo: String,
    /// Snapshots to verify (names or uuids; repeat or comma-separate). Default: all.
    #[arg(long, short = 's', value_delimiter = ',')]
    snapshot: Vec<String>,
    /// Read every blob: metadata checksums, and every Lucene file's CRC-32 against its footer
    /// and the shard snapshot's record.
    #[arg(long)]
    deep: bool,
    /// Blobs checked at the same time.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 8)]
    jobs: usize,
    #[command(flatten)]
    report: output::ReportArgs,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub blob: String,
    pub problem: String,
}

#[derive(Serialize)]
pub struct Report {
    pub repository: String,
    pub snapshots: Vec<String>,
    pub deep: bool,
    pub blobs: u64,
    pub bytes: u64,
    pub problems: Vec<Problem>,
}

pub async fn run(args: VerifyArgs) -> Result<u8> {
    let store = blobstore::BlobStore::open(&args.repo, &args.store.options())?;
    let report = verify(store, &args.snapshot, args.deep, args.jobs).await?;
    match args.report.output {
        Format::Json => output::print_json(&report)?,
        Format::Text => print!("{}", report.to_text()),
    }
    if report.problems.is_empty() {
        Ok(0)
    } else {
        eprintln!("ferry: error: {} problem(s) in {}", report.problems.len(), report.repository);
        Ok(EXIT_PROBLEMS)
    }
}

/// Verify `snapshots` (all when empty) of the repository in `store`.
pub async fn verify(store: blobstore::BlobStore, snapshots: &[String], deep: bool, jobs: usize) -> Result<Report> {
    let repo = Repository::open(store.clone()).await?;
    let chosen: Vec<snapshot::SnapshotEntry> = if snapshots.is_empty() {
        repo.snapshots().to_vec()
    } else {
        snapshots.iter().map(|s| repo.snapshot(s).cloned()).collect::<Result<_, _>>()?
    };
    let refs = repo.referenced_blobs(&chosen, jobs).await?;
    // A Lucene file is checked once, through its last part, with all its parts in order.
    let checks: Vec<&BlobRef> = refs.values().filter(|r| !matches!(&r.kind, BlobKind::Data { last: false, .. }) || !deep).collect();
    let results: Vec<(u64, Vec<Problem>)> = futures::stream::iter(checks)
        .map(|r| check(&repo, &refs, r, deep))
        .buffer_unordered(jobs.max(1))
        .try_collect()
        .await?;
    let mut problems: Vec<Problem> = results.iter().flat_map(|(_, p)| p.clone()).collect();
    problems.sort_by(|a, b| a.blob.cmp(&b.blob));
    Ok(Report {
        repository: store.location(""),
        snapshots: chosen.iter().map(|s| s.name.clone()).collect(),
        deep,
        blobs: refs.len() as u64,
        bytes: results.iter().map(|(b, _)| b).sum(),
        problems,
    })
}

/// Check one blob (with `deep`, a whole Lucene file through its last part). Returns bytes read.
async fn check(repo: &Repository, refs: &BTreeMap<String, BlobRef>, r: &BlobRef, deep: bool) -> Result<(u64, Vec<Problem>)> {
    let store = repo.store();
    let problem = |blob: &str, what: String| Problem { blob: store.location(blob), problem: what };
    let mut problems = Vec::new();
    match &r.kind {
        BlobKind::Metadata if deep => {
            let codec = codec_of(&r.path);
            let outcome = match codec {
                Some(c) => repo.read_checksummed(&r.path, c).await.map(|b| b.len() as u64).map_err(|e| e.to_string()),
                None => store.read(&r.path).await.map(|b| b.len() as u64).map_err(|e| e.to_string()),
            };
            match outcome {
                Ok(n) => return Ok((n, problems)),
                Err(e) => problems.push(problem(&r.path, if e.contains("not found") { "missing".into() } else { e })),
            }
        }
        BlobKind::Data { file, last: true, .. } if deep => {
            let dir = &r.path[..r.path.rfind('/').map_or(0, |i| i + 1)];
            let mut crc = crc32fast::Hasher::new();
            let mut tail: Vec<u8> = Vec::new();
            let mut read = 0u64;
            for name in file.blob_names() {
                let path = format!("{dir}{name}");
                let want = refs.get(&path).and_then(|p| p.length);
                let mut s = match store.stream(&path).await {
                    Ok(s) => s,
                    Err(e) if e.is_not_found() => {
                        problems.push(problem(&path, "missing".into()));
                        return Ok((read, problems));
                    }
                    Err(e) => return Err(e.into()),
                };
                let mut got = 0u64;
                while let Some(chunk) = s.try_next().await? {
                    got += chunk.len() as u64;
                    // Everything but the last 8 bytes of the file is checksummed; hold back a tail.
                    tail.extend_from_slice(&chunk);
                    if tail.len() > 8 {
                        let cut = tail.len() - 8;
                        crc.update(&tail[..cut]);
                        tail.drain(..cut);
                    }
                }
                read += got;
                if let Some(w) = want.filter(|w| *w != got) {
                    problems.push(problem(&path, format!("{got} bytes, the shard snapshot records {w}")));
                    return Ok((read, problems));
                }
            }
            let path = &r.path;
            if read < 16 || tail.len() != 8 {
                problems.push(problem(path, format!("`{}` is {read} bytes: too short for a Lucene footer", file.physical_name)));
                return Ok((read, problems));
            }
            let stored = u64::from_be_bytes(tail[..8].try_into().expect("8 bytes"));
            let computed = u64::from(crc.finalize());
            if stored != computed {
                problems.push(problem(path, format!("`{}`: CRC-32 {computed:08x} but its footer says {stored:08x} (corrupt)", file.physical_name)));
            } else if let Some(recorded) = file.checksum.as_deref().and_then(|c| u64::from_str_radix(c, 36).ok()) {
                if recorded != stored {
                    problems.push(problem(path, format!("`{}`: footer checksum {stored:08x}, the shard snapshot records {recorded:08x}", file.physical_name)));
                }
            }
            return Ok((read, problems));
        }
        _ => match store.stat(&r.path).await? {
            None => problems.push(problem(&r.path, "missing".into())),
            Some(m) => {
                if let Some(w) = r.length.filter(|w| *w != m.size) {
                    problems.push(problem(&r.path, format!("{} bytes, the shard snapshot records {w}", m.size)));
                }
            }
        },
    }
    Ok((0, problems))
}

/// The checksummed format of a metadata blob, by its place in the layout.
fn codec_of(path: &str) -> Option<Codec> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [n] if n.starts_with("snap-") => Some(Codec::Snapshot),
        [n] if n.starts_with("meta-") => Some(Codec::Metadata),
        ["indices", _, n] if n.starts_with("meta-") => Some(Codec::IndexMetadata),
        ["indices", _, _, n] if n.starts_with("snap-") => Some(Codec::Snapshot),
        ["indices", _, _, n] if n.starts_with("index-") => Some(Codec::ShardSnapshots),
        _ => None,
    }
}

impl Report {
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}: {} snapshot(s) [{}], {} blobs{}\n",
            self.repository,
            self.snapshots.len(),
            self.snapshots.join(", "),
            self.blobs,
            if self.deep { format!(", {} read and checksummed", output::bytes(self.bytes)) } else { String::new() }
        );
        for p in &self.problems {
            s.push_str(&format!("  {}: {}\n", p.blob, p.problem));
        }
        s.push_str(if self.problems.is_empty() { "ok\n" } else { "PROBLEMS FOUND\n" });
        s
    }
}
