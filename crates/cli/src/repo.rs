//! `ferry repo register|list|verify|unregister`: snapshot repositories on a cluster.

use std::collections::BTreeMap;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use orchestrate::api::RepositoryDef;
use orchestrate::Api;
use serde_json::{Map, Value};

use crate::connect::ClusterArgs;
use crate::output::{self, Format};
use crate::UsageError;

#[derive(Args)]
pub struct RepoArgs {
    #[command(subcommand)]
    command: RepoCommand,
}

#[derive(Subcommand)]
enum RepoCommand {
    /// Register (or update) a repository; the cluster checks it can write there unless --no-verify.
    Register(Box<RegisterArgs>),
    /// The cluster's repositories, their types and settings (secrets masked).
    List(ListArgs),
    /// Ask the cluster to check that every node can write to the repository.
    Verify(NameArgs),
    /// Remove a registration (the repository's contents stay where they are).
    Unregister(NameArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum RepoType {
    S3,
    Oss,
    Fs,
    Gcs,
    Azure,
    Hdfs,
    Url,
}

impl RepoType {
    fn name(self) -> &'static str {
        match self {
            RepoType::S3 => "s3",
            RepoType::Oss => "oss",
            RepoType::Fs => "fs",
            RepoType::Gcs => "gcs",
            RepoType::Azure => "azure",
            RepoType::Hdfs => "hdfs",
            RepoType::Url => "url",
        }
    }
}

#[derive(Args)]
struct RegisterArgs {
    /// Repository name on the cluster.
    name: String,
    #[arg(long = "type", short = 'T', value_enum)]
    kind: RepoType,
    /// Bucket (s3, oss, gcs) or container (azure).
    #[arg(long)]
    bucket: Option<String>,
    /// Folder inside the bucket/container.
    #[arg(long)]
    base_path: Option<String>,
    /// fs: the shared folder, which must be listed in every node's `path.repo`.
    #[arg(long)]
    location: Option<String>,
    /// s3 on Amazon OpenSearch Service: the IAM role the domain assumes to reach the bucket
    /// (the caller needs iam:PassRole on it). Register with --aws-sigv4.
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// s3: the bucket's region (Amazon OpenSearch Service needs it); oss: use --endpoint.
    #[arg(long)]
    region: Option<String>,
    /// oss: the OSS endpoint, e.g. http://oss-cn-hangzhou-internal.aliyuncs.com; s3 (5.x/6.x
    /// clusters): the S3 endpoint. Newer clusters take the endpoint from their own configuration.
    #[arg(long)]
    endpoint: Option<String>,
    /// hdfs: the namenode URI; url: the repository's URL.
    #[arg(long)]
    uri: Option<String>,
    /// Compress metadata files.
    #[arg(long)]
    compress: bool,
    /// Register read-only: the cluster never writes (a second cluster reading another's repository).
    #[arg(long)]
    readonly: bool,
    /// Split files into blobs of at most this size (e.g. 1gb).
    #[arg(long, value_name = "SIZE")]
    chunk_size: Option<String>,
    /// Snapshot throttle per node (e.g. 200mb).
    #[arg(long, value_name = "RATE")]
    max_snapshot_bytes_per_sec: Option<String>,
    /// Restore throttle per node (e.g. 200mb).
    #[arg(long, value_name = "RATE")]
    max_restore_bytes_per_sec: Option<String>,
    /// Any other setting, KEY=VALUE (repeat). Values `true`/`false`/integers are sent as such.
    #[arg(long = "setting", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Do not let the cluster check the repository now.
    #[arg(long)]
    no_verify: bool,
    #[command(flatten)]
    cluster: ClusterArgs,
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

#[derive(Args)]
struct ListArgs {
    #[command(flatten)]
    cluster: ClusterArgs,
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

#[derive(Args)]
struct NameArgs {
    /// Repository name on the cluster.
    name: String,
    #[command(flatten)]
    cluster: ClusterArgs,
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

pub async fn run(args: RepoArgs) -> Result<u8> {
    match args.command {
        RepoCommand::Register(a) => register(*a).await,
        RepoCommand::List(a) => {
            let client = a.cluster.client()?;
            let repos = Api::new(&client).repositories(None).await?;
            let repos: BTreeMap<String, RepositoryDef> = repos.into_iter().map(|(n, d)| (n, masked(d))).collect();
            match a.output {
                Format::Json => output::print_json(&repos)?,
                Format::Text if repos.is_empty() => println!("{}: no repositories", client.host()),
                Format::Text => {
                    for (name, d) in &repos {
                        let settings: Vec<String> = d.settings.iter().map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_owned))).collect();
                        println!("{name}  {}  {}", d.kind, settings.join(" "));
                    }
                }
            }
            Ok(0)
        }
        RepoCommand::Verify(a) => {
            let client = a.cluster.client()?;
            let nodes = Api::new(&client).verify_repository(&a.name).await?;
            match a.output {
                Format::Json => output::print_json(&serde_json::json!({ "repository": a.name, "nodes": nodes }))?,
                Format::Text => println!("{}: repository {} verified by {}: {}", client.host(), a.name, output::plural(nodes.len(), "node", "nodes"), nodes.join(", ")),
            }
            Ok(0)
        }
        RepoCommand::Unregister(a) => {
            let client = a.cluster.client()?;
            Api::new(&client).delete_repository(&a.name).await?;
            match a.output {
                Format::Json => output::print_json(&serde_json::json!({ "repository": a.name, "unregistered": true }))?,
                Format::Text => println!("{}: repository {} unregistered (its contents are untouched)", client.host(), a.name),
            }
            Ok(0)
        }
    }
}

async fn register(a: RegisterArgs) -> Result<u8> {
    let def = definition(&a)?;
    let client = a.cluster.client()?;
    Api::new(&client).put_repository(&a.name, &def, !a.no_verify).await?;
    match a.output {
        Format::Json => output::print_json(&serde_json::json!({ "repository": a.name, "definition": masked(def), "verified": !a.no_verify }))?,
        Format::Text => println!(
            "{}: repository {} registered ({}){}",
            client.host(),
            a.name,
            def.kind,
            if a.no_verify { ", not verified" } else { " and verified" }
        ),
    }
    Ok(0)
}

/// The `{type, settings}` body from the flags; what each type cannot do without is a usage error.
fn definition(a: &RegisterArgs) -> Result<RepositoryDef> {
    let mut s = Map::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            s.insert(k.to_owned(), Value::String(v.clone()));
        }
    };
    let need = |what: &str, v: &Option<String>| -> Result<()> {
        if v.is_none() {
            return Err(UsageError(format!("--type {} needs {what}", a.kind.name())).into());
        }
        Ok(())
    };
    match a.kind {
        RepoType::Fs => {
            need("--location", &a.location)?;
            put("location", &a.location);
        }
        RepoType::S3 | RepoType::Oss | RepoType::Gcs => {
            need("--bucket", &a.bucket)?;
            put("bucket", &a.bucket);
            put("base_path", &a.base_path);
            put("region", &a.region);
            put("endpoint", &a.endpoint);
            put("role_arn", &a.role_arn);
        }
        RepoType::Azure => {
            put("container", &a.bucket);
            put("base_path", &a.base_path);
        }
        RepoType::Hdfs => {
            need("--uri", &a.uri)?;
            put("uri", &a.uri);
            put("path", &a.base_path.clone().or_else(|| a.location.clone()));
        }
        RepoType::Url => {
            need("--uri", &a.uri)?;
            put("url", &a.uri);
        }
    }
    if a.role_arn.is_some() && a.kind != RepoType::S3 {
        return Err(UsageError("--role-arn is for --type s3 on Amazon OpenSearch Service".into()).into());
    }
    put("chunk_size", &a.chunk_size);
    put("max_snapshot_bytes_per_sec", &a.max_snapshot_bytes_per_sec);
    put("max_restore_bytes_per_sec", &a.max_restore_bytes_per_sec);
    if a.compress {
        s.insert("compress".into(), Value::Bool(true));
    }
    if a.readonly {
        s.insert("readonly".into(), Value::Bool(true));
    }
    s.extend(crate::restore::settings_map(&a.settings)?);
    Ok(RepositoryDef { kind: a.kind.name().to_owned(), settings: s })
}

/// A definition fit to print: settings that hold secrets masked.
fn masked(d: RepositoryDef) -> RepositoryDef {
    let mut settings = serde_json::Value::Object(d.settings);
    output::mask_secrets(&mut settings);
    let serde_json::Value::Object(settings) = settings else { unreachable!("masking keeps an object") };
    RepositoryDef { kind: d.kind, settings }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_scalars_typed() {
        let d = RepositoryDef {
            kind: "oss".into(),
            settings: serde_json::from_value(serde_json::json!({"bucket": "b", "access_key_id": "LTAI5", "secret_access_key": "s3cr3t", "session_token": "t"})).unwrap(),
        };
        assert_eq!(serde_json::to_value(masked(d)).unwrap(), serde_json::json!({"type": "oss", "settings": {"bucket": "b", "access_key_id": "****", "secret_access_key": "****", "session_token": "****"}}));
        let typed = crate::restore::settings_map(&["a=true".into(), "b=5".into(), "c=200mb".into()]).unwrap();
        assert_eq!(Value::Object(typed), serde_json::json!({"a": true, "b": 5, "c": "200mb"}));
        assert!(crate::restore::settings_map(&["=x".into()]).is_err());
    }
}
