//! `ferry`: move Elasticsearch and OpenSearch data between clusters, clouds and major versions.
//!
//! The binary is thin glue: argument parsing, output formats and exit codes live here; the work is
//! done by the library crates.

mod backfill;
mod backup;
mod compare;
mod copy;
mod connect;
mod export;
mod inspect;
mod migrate;
mod output;
mod pace;
mod rename;
mod repo;
mod restore;
mod snapshots;
mod source;
mod verify;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ferry",
    version,
    about = "Move Elasticsearch and OpenSearch data between clusters, clouds and major versions",
    long_about = "ferry reads Elasticsearch/OpenSearch snapshot repositories directly from a folder or \
object store and moves what they hold where it needs to go.\n\n\
Repository locations: a path or file:///path; s3://bucket/prefix; oss://bucket/prefix; \
cos://bucket/prefix; gs://bucket/prefix; azblob://container/prefix?account=NAME. \
Per-location settings go in the query string (s3://b/p?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=true); \
they override the flags below, which override the standard environment variables \
(AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, AWS_PROFILE, \
ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET, TENCENTCLOUD_SECRET_ID/KEY, \
GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_ACCOUNT/AZURE_STORAGE_KEY).",
    after_help = "Exit codes: 0 success, 1 failure (the error line names the blob or host), 2 usage error (bad flags or location URL)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show what a snapshot repository holds: snapshots, indices, shards, metadata, templates.
    #[command(
        long_about = "Show what a snapshot repository holds.\n\n\
Without options: a tree of snapshots → indices → shards (file count and bytes), with each snapshot's \
state and the Elasticsearch/OpenSearch version that wrote it.\n\
--snapshot S limits the tree to one snapshot; add --index I for that index's settings, mappings and aliases.\n\
--templates prints the legacy, composable and component templates saved with a snapshot.",
        after_help = "Examples:\n  ferry inspect /mnt/backups/es\n  ferry inspect s3://backups/prod?region=eu-west-1 --output json\n  ferry inspect ./repo --snapshot nightly-2024.03.22 --index logs-2024.03.22\n  ferry inspect ./repo --templates"
    )]
    Inspect(inspect::InspectArgs),
    /// Write every live document of a snapshot (or a Lucene folder) to NDJSON files, one per index.
    #[command(
        long_about = "Write every live document of a snapshot to NDJSON files, one per index, reading the \
Lucene segments straight from the repository: no cluster, no restore, nothing staged on disk.\n\n\
Each line is {\"_index\",\"_id\",\"_type\"?,\"_routing\"?,\"_source\"} (--format bulk: an action line and \
the source, ready for the _bulk API). Deleted documents (hard and soft deletes) are left out; nested \
documents travel inside their parent's _source. Every _source comes out as single-line JSON, converted \
from SMILE, CBOR or YAML where it was stored that way.\n\n\
--lucene-dir reads a plain Lucene index folder instead, such as a stopped node's \
indices/<uuid>/<shard>/index: disaster recovery without a snapshot.",
        after_help = "Examples:\n  ferry export samples/repo --out export/\n  ferry export s3://backups/prod --snapshot nightly --index 'logs-*,-logs-2023*' --out /data/export --compress zstd\n  ferry export --lucene-dir /var/lib/elasticsearch/nodes/0/indices/Ab12x/0/index --index-name logs --out recovered/\n\n\
Exit codes: 0 success, 1 failure (the error names the shard and file), 2 usage error."
    )]
    Export(export::ExportArgs),
    /// Bulk-index every live document of a snapshot into an Elasticsearch/OpenSearch cluster of any version.
    #[command(
        long_about = "Reindex from snapshot: read every live document of a snapshot straight from the repository \
(no source cluster needed) and bulk-index it into a target cluster of any version — Elasticsearch 5.x–9.x, \
OpenSearch 1–3, Amazon OpenSearch Service (--aws-sigv4).\n\n\
Missing target indices are created with the source's shard and replica counts (settings and mappings \
beyond that are left to dynamic mapping). Each shard is one work item in a ledger: workers claim shards \
under a lease, checkpoint the last acknowledged document at least every --checkpoint-seconds, and a \
rerun (or another process sharing the ledger) resumes a shard after its checkpoint. Bulk requests are \
retried on 429/502/503/504 and connection failures with exponential backoff and jitter; only the \
rejected items of a partly failed request are resent; documents refused for good go to the dead-letter \
file. At the end every target index is refreshed and its _count compared with the documents read.\n\n\
Mapping types follow the target: dropped for Elasticsearch 7+/OpenSearch, one type per index for 6.x \
(the source's single type, else _doc), each document's own type for 5.x.\n\n\
`ferry backfill status REPO --target URL` shows how far a backfill got, from any machine that sees its ledger.",
        after_help = "Examples:\n  ferry backfill samples/repo --target http://localhost:9200\n  ferry backfill s3://backups/prod --snapshot nightly --index 'logs-*' --target https://elastic:$PW@es8.internal:9200 --ca-cert ca.pem\n  ferry backfill oss://bucket/repo --target https://search-x.eu-west-1.es.amazonaws.com --aws-sigv4 --workers 4\n  ferry backfill ./repo --target http://localhost:9200 --rename-pattern '(.+)' --rename-replacement 'restored-$1'\n  ferry backfill status ./repo --target http://localhost:9200\n\n\
Exit codes: 0 every document indexed and every count matches; 1 failure (the error names the shard, file or host); \
2 usage error; 3 finished, but documents were refused (see the dead-letter file) or a target count differs."
    )]
    Backfill(backfill::BackfillArgs),
    /// Copy a snapshot repository between stores, in an order that keeps the destination readable.
    #[command(
        long_about = "Copy a snapshot repository from one store to another (folders, S3, OSS, COS, GCS, Azure), \
incrementally and in a safe order: data blobs, then shard metadata, index metadata, snapshot metadata, \
the root index-N, and index.latest last — a copy interrupted at any point leaves the destination \
readable as it was, and running it again completes it.\n\n\
An object already in the destination is skipped only if its size and content match: by equal \
content ETags (MD5s) where both listings give them (S3, OSS: nothing is read), else data blobs \
(immutable, uniquely named) by their last 16 bytes (a Lucene file's footer and checksum) and every \
other blob byte for byte — never by size alone, and the roots (index.latest, which keeps its size \
across generations, and index-N) always byte for byte. --checksum compares content hashes: the \
stored MD5 ETags where both sides have them, else both whole contents; --size-only trusts sizes \
except for the roots.\n\n\
Each side takes its own settings in its URL's query string (endpoint, region, profile, …), so the \
source and the destination can be different clouds.",
        after_help = "Examples:\n  ferry copy /mnt/backups/es 's3://backups/es?region=eu-west-1'\n  ferry copy 's3://old/es?region=us-east-1' 'oss://new/es?endpoint=oss-cn-hangzhou.aliyuncs.com' --transfers 16\n  ferry copy ./repo ./copy --dry-run\n\n\
Exit codes: 0 success, 1 failure (the error names the object), 2 usage error."
    )]
    Copy(copy::CopyArgs),
    /// Check that a repository holds every blob its snapshots need (--deep: and that none is corrupt).
    #[command(
        name = "verify-repo",
        long_about = "Check that a snapshot repository holds every blob its snapshots need: the root index-N and \
index.latest, each snapshot's metadata, its indices' metadata, each shard's snapshot and generation \
blobs, and every part of every uploaded Lucene file with the exact length the shard snapshot records.\n\n\
--deep reads everything: each metadata blob's codec header, footer and CRC-32, and each Lucene file \
whole, its CRC-32 recomputed and compared with its footer and with the checksum the shard snapshot \
recorded. Problems are listed by blob name.",
        after_help = "Examples:\n  ferry verify-repo /mnt/backups/es\n  ferry verify-repo 's3://backups/es?region=eu-west-1' --snapshot nightly-1 --deep\n\n\
Exit codes: 0 the repository is complete; 1 failure (cannot read it at all); 2 usage error; 3 problems found (listed)."
    )]
    VerifyRepo(verify::VerifyArgs),
    /// Register, list, verify and unregister a cluster's snapshot repositories.
    #[command(
        long_about = "Register, list, verify and unregister a cluster's snapshot repositories (s3, oss, fs, gcs, \
azure, hdfs, url).\n\n\
Amazon OpenSearch Service domains need the request signed (--aws-sigv4) by a principal allowed \
iam:PassRole on the --role-arn the domain assumes to reach the bucket; ferry signs natively. \
Alibaba Cloud Elasticsearch uses --type oss with --endpoint and its keys as settings \
(--setting access_key_id=… --setting secret_access_key=…); listings never print secrets.",
        after_help = "Examples:\n  ferry repo register backups --type fs --location /mnt/backups --cluster http://localhost:9200\n  ferry repo register migration --type s3 --bucket my-bucket --base-path es/prod --region eu-west-1 \\\n      --role-arn arn:aws:iam::123456789012:role/TheSnapshotRole --cluster https://search-x.eu-west-1.es.amazonaws.com --aws-sigv4\n  ferry repo register from-aws --type oss --bucket b --base-path es/prod --endpoint http://oss-cn-hangzhou-internal.aliyuncs.com --readonly --cluster https://elastic:$PW@es-cn-x.elasticsearch.aliyuncs.com:9200\n  ferry repo list --cluster http://localhost:9200 -o json\n\n\
Exit codes: 0 success, 1 failure (the cluster's error, with its type and reason), 2 usage error."
    )]
    Repo(repo::RepoArgs),
    /// Take, follow, list and delete snapshots on a cluster.
    #[command(
        long_about = "Take, follow, list and delete snapshots on a cluster.\n\n\
`create` starts a snapshot and follows it to the end (shards done, bytes uploaded, ETA on a terminal): \
a FAILED snapshot, or a PARTIAL one without --partial, is a failure that lists the failed shards. \
A cluster that allows one snapshot at a time (Elasticsearch before 7.9) refuses a second one; \
the error says so.",
        after_help = "Examples:\n  ferry snapshot create backups --cluster http://localhost:9200\n  ferry snapshot create backups nightly-1 --index 'logs-*,-logs-debug' --cluster http://localhost:9200\n  ferry snapshot status backups nightly-1 --wait --cluster http://localhost:9200\n  ferry snapshot list backups --cluster http://localhost:9200 -o json\n\n\
Exit codes: 0 success; 1 failure (a FAILED/PARTIAL snapshot from `create`, or the cluster's error); 2 usage error; \
3 `status` found the snapshot FAILED or PARTIAL."
    )]
    Snapshot(snapshots::SnapshotArgs),
    /// Restore a snapshot, checked against the version rules, and wait for recovery.
    #[command(
        long_about = "Restore a snapshot into a cluster and wait until every shard has recovered and the \
indices are yellow (or --wait-for green).\n\n\
Before anything is sent, the restore is checked against Elastic's and OpenSearch's compatibility \
rules: a cluster never restores a newer version's snapshot; an index survives one major upgrade \
(5.x → 6.x, 6.x → 7.x, 7.x → 8.x, 8.x → 9.x); OpenSearch restores Elasticsearch 6.0–7.10 snapshots \
only (2.x: only 7.x-created indices), and Elasticsearch never restores OpenSearch's. With --source \
the version that created each index is read from the source cluster. A refused restore says why \
and points to `ferry backfill`, which moves documents between any versions.\n\n\
An open index with a target name blocks a restore. --incremental closes such indices, restores over \
them (the restore reopens them) and waits for recovery: the way repeated snapshots of a live source \
are applied until cutover. A restore request the cluster rejects reopens what ferry closed.\n\n\
--config FILE restores as an es-s3-snapshot-style file says (see `ferry backup --help`).",
        after_help = "Examples:\n  ferry restore backups nightly-1 --cluster http://localhost:9200\n  ferry restore migration snap-3 --incremental --index 'logs-*' --cluster https://target:9200 --source https://source:9200\n  ferry restore backups nightly-1 --rename-pattern '(.+)' --rename-replacement 'restored-$1' --index-setting index.number_of_replicas=0 --cluster http://localhost:9200\n  ferry restore --config backup.toml snapshot-2026.11.21-03.00.00\n\n\
Exit codes: 0 restored and recovered; 1 failure (a refused or failed restore, with the reason); 2 usage error."
    )]
    Restore(restore::RestoreArgs),
    /// Check that a target cluster holds what the source holds: counts, health, recoveries, documents.
    #[command(
        long_about = "Check, index by index, that the target cluster holds what the source holds: document \
counts, the target's health and running recoveries, a seeded random sample of documents compared \
by _source (--sample, default 100), and with --full every document: both sides are read whole \
(scroll), each _source digested independently of key order, and missing, extra and differing ids \
are named.\n\n\
--source-repo REPO [--snapshot S] compares the target with the snapshot itself instead of a source \
cluster: every live document is read from the repository's Lucene segments (no source cluster \
needed, nothing restored) and compared in full.\n\n\
Credentials go in each URL (https://user:pass@host:9200); the other connection flags apply to both sides.",
        after_help = "Examples:\n  ferry verify --source http://old:9200 --target http://new:9200\n  ferry verify --source http://old:9200 --target https://elastic:$PW@new:9200 --index 'logs-*' --full -o json\n  ferry verify --source-repo 's3://backups/es?region=eu-west-1' --snapshot nightly --target http://new:9200\n\n\
Exit codes: 0 the target matches; 1 failure (an unreachable cluster, an error answer); 2 usage error; \
3 a difference was found (listed)."
    )]
    Verify(compare::CompareArgs),
    /// Run a snapshot-based migration in phases: full, incremental (repeatable), final cutover.
    #[command(
        long_about = "Run a snapshot-based migration from a plan file, one phase per run:\n\
  1st run: full — snapshot every planned source index, copy the repository if the clusters use \
different stores, restore into the target, verify.\n\
  later runs: incremental — the same with a new snapshot; restores close the target indices, \
restore over them and reopen them (only new files move).\n\
  --cutover: block writes on the source indices (index.blocks.write), take the last snapshot, \
restore, verify strictly (exit 3 on a difference, and the phase stays open), switch aliases.\n\n\
A state file (the plan's path + .state.json) records each finished step: a killed run resumes \
where it stopped, waiting for a snapshot it had already started. `ferry migrate status --plan FILE` \
shows the phases. --dry-run prints every request that would change a cluster.\n\n\
Plan (TOML):\n\
  name = \"prod-move\"                       # snapshots: prod-move-<n>-<full|incremental|cutover>\n\
  indices = [\"logs-*\", \"-logs-debug\"]      # default: every index not starting with .\n\
  [source]\n\
  url = \"https://search-x.eu-west-1.es.amazonaws.com\"\n\
  aws_sigv4 = true                          # also: region, service, password_env\n\
  repository = \"migration\"\n\
  register = { type = \"s3\", settings = { bucket = \"b\", base_path = \"es\", region = \"eu-west-1\", role_arn = \"arn:…\" } }\n\
  [target]\n\
  url = \"https://elastic@es-cn-x.elasticsearch.aliyuncs.com:9200\"\n\
  password_env = \"TARGET_PASSWORD\"\n\
  repository = \"migration\"\n\
  register = { type = \"oss\", settings = { bucket = \"b2\", base_path = \"es\", endpoint = \"http://oss-cn-hangzhou-internal.aliyuncs.com\", readonly = true } }\n\
  [copy]                                    # only when the repositories are in different stores\n\
  from = \"s3://b/es?region=eu-west-1\"\n\
  to = \"oss://b2/es?endpoint=oss-cn-hangzhou.aliyuncs.com\"\n\
  [restore]                                 # rename_pattern, rename_replacement, index_settings, ignore_index_settings, include_aliases, wait_for\n\
  index_settings = { \"index.number_of_replicas\" = 0 }\n\
  [verify]\n\
  sample = 100                              # full = true compares every document\n\
  [cutover]\n\
  aliases = [{ alias = \"logs\", indices = [\"logs-2024\"] }]",
        after_help = "Examples:\n  ferry migrate --plan move.toml --dry-run\n  ferry migrate --plan move.toml            # full, then incremental on each rerun\n  ferry migrate --plan move.toml --cutover\n  ferry migrate status --plan move.toml\n\n\
Exit codes: 0 the phase finished; 1 failure (rerun to resume); 2 usage error (a bad plan); 3 the cutover's verification found a difference."
    )]
    Migrate(migrate::MigrateArgs),
    /// Take a snapshot as an es-s3-snapshot-style config file says (restore: `ferry restore --config`).
    #[command(
        long_about = "Take a snapshot as a config file says, in the spirit of the es-s3-snapshot utility: the \
first source host that answers, the repository registered if missing, a snapshot named by the \
file, --snapshot, or the time. `ferry restore --config FILE [SNAPSHOT]` is the other half: the \
first destination host that answers, the repository registered read-only if missing, the named \
(or newest successful) snapshot restored and recovered.\n\n\
Config (TOML):\n\
  [aws]\n\
  profile = \"prod\"                 # or the standard AWS_* variables, or access_key_id + secret_access_key_env\n\
  sigv4 = false                    # sign cluster requests (Amazon OpenSearch Service); also role_arn\n\
  region = \"eu-west-1\"\n\
  [repository]\n\
  name = \"s3-snapshots\"\n\
  type = \"s3\"                      # default; fs takes location\n\
  bucket = \"my-backups\"\n\
  base_path = \"elasticsearch/prod\"\n\
  settings = { compress = true }\n\
  [elasticsearch]\n\
  source_hosts = [\"http://es-a:9200\", \"http://es-b:9200\"]\n\
  destination_hosts = [\"http://new-a:9200\"]\n\
  user = \"elastic\"\n\
  password_env = \"ES_PASSWORD\"\n\
  indices = [\"logs-*\"]\n\
  snapshot_name = \"nightly\"        # default: snapshot-<UTC time>",
        after_help = "Examples:\n  ferry backup --config backup.toml\n  ferry restore --config backup.toml snapshot-2026.11.21-03.00.00\n\n\
Exit codes: 0 success; 1 failure (no host answered, a failed snapshot); 2 usage error (a bad config)."
    )]
    Backup(backup::BackupArgs),
}

/// A bad flag value noticed after parsing (exit code 2, like clap's own usage errors).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Object-store settings shared by every command that reads a repository.
#[derive(Args, Clone, Default)]
pub struct StoreArgs {
    /// Object-store endpoint URL (S3-compatible servers, OSS, COS, Azure). Default: the provider's, or AWS_ENDPOINT_URL.
    #[arg(long, global = true, value_name = "URL")]
    endpoint: Option<String>,
    /// Region (S3). Default: AWS_REGION, then us-east-1.
    #[arg(long, global = true)]
    region: Option<String>,
    /// Named profile from the AWS shared config/credentials files. Default: AWS_PROFILE.
    #[arg(long, global = true)]
    profile: Option<String>,
    /// Access key id. Prefer the environment (AWS_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_ID, …).
    #[arg(long, global = true, requires = "secret_access_key")]
    access_key_id: Option<String>,
    /// Secret key. Prefer the environment: command lines are visible to other users.
    #[arg(long, global = true, requires = "access_key_id", hide_env_values = true)]
    secret_access_key: Option<String>,
    /// Use path-style S3 addressing (default) or, with =false, virtual-hosted style.
    #[arg(long, global = true, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    path_style: Option<bool>,
    /// Send unsigned requests (public buckets).
    #[arg(long, global = true)]
    anonymous: bool,
}

impl StoreArgs {
    fn options(&self) -> blobstore::Options {
        blobstore::Options {
            endpoint: self.endpoint.clone(),
            region: self.region.clone(),
            profile: self.profile.clone(),
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: None,
            path_style: self.path_style,
            anonymous: self.anonymous,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        // By default only ferry's own warnings; libraries' logs (a TLS verifier's, say) would
        // repeat what the one error line already says. FERRY_LOG=debug shows everything.
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FERRY_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off,ferry=warn,cluster=warn,ledger=warn,snapshot=warn,blobstore=warn,lucene=warn,esdoc=warn")),
        )
        .with_writer(std::io::stderr)
        .without_time()
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ferry: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Inspect(args) => inspect::run(args).await.map(|()| 0),
            Command::Export(args) => export::run(args).await.map(|()| 0),
            Command::Backfill(args) => backfill::run(args).await,
            Command::Copy(args) => copy::run(args).await,
            Command::VerifyRepo(args) => verify::run(args).await,
            Command::Repo(args) => repo::run(args).await,
            Command::Snapshot(args) => snapshots::run(args).await,
            Command::Restore(args) => restore::run(args).await,
            Command::Verify(args) => compare::run(args).await,
            Command::Migrate(args) => migrate::run(args).await,
            Command::Backup(args) => backup::backup(args).await,
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // One line: the context chain, outermost first.
            eprintln!("ferry: error: {e:#}");
            // A malformed location is a usage error, like a malformed flag.
            let usage = matches!(e.downcast_ref::<blobstore::Error>(), Some(blobstore::Error::InvalidUrl { .. }))
                || matches!(e.downcast_ref::<cluster::Error>(), Some(cluster::Error::InvalidUrl { .. } | cluster::Error::TlsConfig(_)))
                || e.downcast_ref::<UsageError>().is_some();
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}
