//! `ferry backup --config FILE` and `ferry restore --config FILE`: the config-driven mode of the
//! old es-s3-snapshot utility — one file names the bucket, the repository, the source and
//! destination hosts (each a list tried in order: failover) and the indices; backup registers the
//! repository where missing and takes a snapshot (named by the time unless the file names it),
//! restore registers it read-only and restores the named or newest successful snapshot.
//!
//! ```toml
//! [aws]
//! profile = "prod"          # or the standard AWS_* variables, or access_key_id +
//!                           # secret_access_key_env (the variable holding the secret)
//! region = "eu-west-1"
//! sigv4 = false             # sign cluster requests (Amazon OpenSearch Service domains)
//! role_arn = "arn:aws:iam::123456789012:role/SnapshotRole"   # managed domains only
//!
//! [repository]
//! name = "s3-snapshots"
//! type = "s3"               # default
//! bucket = "my-backups"
//! base_path = "elasticsearch/prod"
//! settings = { compress = true }
//!
//! [elasticsearch]
//! source_hosts = ["http://es-a:9200", "http://es-b:9200"]
//! destination_hosts = ["http://new-a:9200"]
//! user = "elastic"
//! password_env = "ES_PASSWORD"
//! indices = ["logs-*"]
//! snapshot_name = "nightly"     # default: snapshot-<UTC time> (backup), newest success (restore)
//! ```

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use cluster::Client;
use orchestrate::api::{CreateSnapshot, RepositoryDef, Restore, SnapshotState};
use orchestrate::flow::{self, Polling};
use orchestrate::{Api, Version};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::output::{self, Format, ReportArgs};
use crate::UsageError;

#[derive(Args)]
pub struct BackupArgs {
    /// The backup configuration (TOML; see `ferry backup --help`).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Snapshot name (overrides the file's; default: snapshot-<UTC time>).
    #[arg(long, short = 's')]
    snapshot: Option<String>,
    #[command(flatten)]
    poll: crate::snapshots::PollArgs,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    aws: Aws,
    repository: Repository,
    elasticsearch: Hosts,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Aws {
    profile: Option<String>,
    /// Fixed keys for signing (instead of the credential chain); the secret comes from the
    /// environment variable `secret_access_key_env` names, never from the file.
    access_key_id: Option<String>,
    secret_access_key_env: Option<String>,
    session_token_env: Option<String>,
    region: Option<String>,
    #[serde(default)]
    sigv4: bool,
    role_arn: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Repository {
    name: String,
    #[serde(rename = "type", default = "s3")]
    kind: String,
    bucket: Option<String>,
    base_path: Option<String>,
    /// fs repositories.
    location: Option<String>,
    #[serde(default)]
    settings: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Hosts {
    #[serde(default)]
    source_hosts: Vec<String>,
    #[serde(default)]
    destination_hosts: Vec<String>,
    user: Option<String>,
    password_env: Option<String>,
    #[serde(default)]
    indices: Vec<String>,
    snapshot_name: Option<String>,
    #[serde(default)]
    include_global_state: bool,
    #[serde(default = "yellow")]
    wait_for: String,
}

fn s3() -> String {
    "s3".into()
}
fn yellow() -> String {
    "yellow".into()
}

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let c: Config = toml::from_str(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
        if !matches!(c.elasticsearch.wait_for.as_str(), "yellow" | "green") {
            return Err(UsageError(format!("{}: wait_for must be yellow or green", path.display())).into());
        }
        Ok(c)
    }

    /// The repository definition; `readonly` for the restoring side.
    fn definition(&self, readonly: bool) -> Result<RepositoryDef> {
        let r = &self.repository;
        let mut s = Map::new();
        match r.kind.as_str() {
            "fs" => {
                let loc = r.location.as_ref().ok_or_else(|| UsageError("[repository] type fs needs location".into()))?;
                s.insert("location".into(), json!(loc));
            }
            _ => {
                let bucket = r.bucket.as_ref().ok_or_else(|| UsageError(format!("[repository] type {} needs bucket", r.kind)))?;
                s.insert("bucket".into(), json!(bucket));
                if let Some(b) = &r.base_path {
                    s.insert("base_path".into(), json!(b));
                }
                if let (Some(region), "s3") = (&self.aws.region, r.kind.as_str()) {
                    s.insert("region".into(), json!(region));
                }
                if let Some(arn) = &self.aws.role_arn {
                    s.insert("role_arn".into(), json!(arn));
                }
            }
        }
        s.extend(r.settings.clone());
        if readonly {
            s.insert("readonly".into(), json!(true));
        }
        Ok(RepositoryDef { kind: r.kind.clone(), settings: s })
    }

    /// The first of `hosts` that answers `GET /` (failover), with its version.
    async fn first_reachable(&self, hosts: &[String], role: &str) -> Result<(Client, Version)> {
        if hosts.is_empty() {
            return Err(UsageError(format!("[elasticsearch] {role}_hosts is empty")).into());
        }
        let e = &self.elasticsearch;
        let mut failures = Vec::new();
        for h in hosts {
            let flags = cluster::AuthFlags {
                user: e.user.clone(),
                password: match &e.password_env {
                    Some(var) => Some(cluster::Secret::new(std::env::var(var).map_err(|_| UsageError(format!("password_env: the variable {var} is not set")))?)),
                    None => None,
                },
                aws_sigv4: self.aws.sigv4,
                region: self.aws.region.clone(),
                profile: self.aws.profile.clone(),
                aws_keys: self.aws.keys()?,
                ..Default::default()
            };
            let client = Client::new(cluster::Target::parse(h, &flags)?, &Default::default())?;
            match client.info().await {
                Ok(info) => return Ok((client, Version::of(&info))),
                Err(err) => failures.push(err.to_string()),
            }
        }
        bail!("no {role} host answered: {}", failures.join("; "))
    }
}

impl Aws {
    fn keys(&self) -> Result<Option<cluster::AwsKeys>> {
        let env = |var: &str| std::env::var(var).map_err(|_| UsageError(format!("[aws]: the variable {var} is not set")));
        match (&self.access_key_id, &self.secret_access_key_env) {
            (None, None) => Ok(None),
            (Some(id), Some(var)) => Ok(Some(cluster::AwsKeys {
                access_key_id: id.clone(),
                secret_access_key: cluster::Secret::new(env(var)?),
                session_token: self.session_token_env.as_deref().map(env).transpose()?.map(cluster::Secret::new),
            })),
            _ => Err(UsageError("[aws]: access_key_id and secret_access_key_env go together".into()).into()),
        }
    }
}

async fn ensure_repository(api: &Api<'_>, name: &str, def: &RepositoryDef) -> Result<()> {
    match api.repositories(Some(name)).await {
        Ok(_) => Ok(()),
        Err(orchestrate::Error::Cluster(e)) if e.status() == Some(404) => Ok(api.put_repository(name, def, true).await?),
        Err(e) => Err(e.into()),
    }
}


pub async fn backup(a: BackupArgs) -> Result<u8> {
    let config = Config::load(&a.config)?;
    let (client, _) = config.first_reachable(&config.elasticsearch.source_hosts, "source").await?;
    let api = Api::new(&client);
    let repo = &config.repository.name;
    ensure_repository(&api, repo, &config.definition(false)?).await?;
    let name = a.snapshot.clone().or_else(|| config.elasticsearch.snapshot_name.clone()).unwrap_or_else(crate::snapshots::default_name);
    let e = &config.elasticsearch;
    let body = CreateSnapshot {
        indices: (!e.indices.is_empty()).then(|| e.indices.join(",")),
        ignore_unavailable: false,
        include_global_state: e.include_global_state,
        partial: false,
        metadata: Some(json!({"taken_by": "ferry backup"})),
    };
    let info = flow::take_snapshot(&api, repo, &name, &body, a.poll.polling(), |_| {}).await?;
    match a.report.output {
        Format::Json => output::print_json(&json!({"cluster": client.host(), "repository": repo, "snapshot": info}))?,
        Format::Text => println!("{}: snapshot {repo}/{name} {:?}: {}, {}/{} shards", client.host(), info.state, output::plural(info.indices.len(), "index", "indices"), info.shards.successful, info.shards.total),
    }
    Ok(0)
}

/// `ferry restore --config FILE [SNAPSHOT]`.
pub async fn restore(config_path: &Path, snapshot: Option<&str>, incremental: bool, poll: Polling, report: &ReportArgs) -> Result<u8> {
    let config = Config::load(config_path)?;
    let (client, version) = config.first_reachable(&config.elasticsearch.destination_hosts, "destination").await?;
    let api = Api::new(&client);
    let repo = &config.repository.name;
    ensure_repository(&api, repo, &config.definition(true)?).await?;
    let info = match snapshot.map(str::to_owned).or_else(|| config.elasticsearch.snapshot_name.clone()) {
        Some(name) => api.snapshot(repo, &name).await?.with_context(|| format!("{}: repository {repo} has no snapshot {name}", client.host()))?,
        None => api
            .snapshots(repo, "_all")
            .await?
            .into_iter()
            .filter(|s| s.state == SnapshotState::Success)
            .max_by_key(|s| s.start_time_in_millis.unwrap_or(0))
            .with_context(|| format!("{}: repository {repo} holds no successful snapshot", client.host()))?,
    };
    flow::check_restorable(&info, &[], version)?;
    let patterns = crate::source::Patterns::new(&config.elasticsearch.indices);
    let chosen: Vec<String> = info.indices.iter().filter(|i| patterns.matches(i)).cloned().collect();
    if chosen.is_empty() {
        bail!("snapshot {} holds no index matching {}", info.snapshot, config.elasticsearch.indices.join(","));
    }
    let body = Restore { indices: Some(chosen.join(",")), include_global_state: config.elasticsearch.include_global_state, include_aliases: true, ..Default::default() };
    let restored = flow::restore(&api, &flow::RestoreJob { repo, snapshot: &info.snapshot, body: &body, targets: &chosen, incremental, wait_for: &config.elasticsearch.wait_for }, poll, |_, _| {}).await?;
    match report.output {
        Format::Json => output::print_json(&json!({"cluster": client.host(), "repository": repo, "snapshot": info.snapshot, "restored": restored}))?,
        Format::Text => println!("{}: restored {} from {repo}/{}; health {}", client.host(), restored.indices.join(", "), info.snapshot, restored.health),
    }
    Ok(0)
}
