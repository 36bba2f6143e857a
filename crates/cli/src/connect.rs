//! How ferry reaches a cluster: credentials (in the URL or as flags), AWS SigV4, TLS options.
//! Commands add the URL flag (`--target`, `--cluster`, …) and flatten [`ConnectArgs`].

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use cluster::Client;

/// Credentials and TLS options for one cluster.
#[derive(Args, Clone, Debug)]
pub struct ConnectArgs {
    /// Basic-auth user (instead of user:password in the URL).
    #[arg(long)]
    user: Option<String>,
    /// Basic-auth password.
    #[arg(long, env = "FERRY_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Elasticsearch API key, the encoded form (`Authorization: ApiKey …`).
    #[arg(long, env = "FERRY_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Bearer token (`Authorization: Bearer …`).
    #[arg(long, env = "FERRY_BEARER_TOKEN", hide_env_values = true)]
    bearer: Option<String>,
    /// Sign requests with AWS SigV4 (Amazon OpenSearch Service / Serverless); credentials from the
    /// standard AWS chain (environment, AWS_PROFILE, config files, SSO, instance/container roles).
    #[arg(long)]
    pub aws_sigv4: bool,
    /// SigV4 service: `es` (managed domains) or `aoss` (Serverless collections).
    #[arg(long, value_enum)]
    service: Option<ServiceArg>,
    /// PEM file of CA certificates to trust for the cluster (in addition to the system's).
    #[arg(long, value_name = "PEM")]
    ca_cert: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS; needs --client-key.
    #[arg(long, value_name = "PEM", requires = "client_key")]
    client_cert: Option<PathBuf>,
    /// Private key (PEM) of --client-cert.
    #[arg(long, value_name = "PEM", requires = "client_cert")]
    client_key: Option<PathBuf>,
    /// Do not verify the cluster's TLS certificate. Only for tests: anyone in the middle can read
    /// the data and the credentials.
    #[arg(long)]
    insecure: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ServiceArg {
    Es,
    Aoss,
}

impl ConnectArgs {
    /// A client for `url` with these credentials; `region` is the SigV4 region when signing.
    pub fn connect(&self, url: &str, region: Option<&str>) -> Result<Client> {
        let flags = cluster::AuthFlags {
            user: self.user.clone(),
            password: self.password.clone().map(cluster::Secret::new),
            api_key: self.api_key.clone().map(cluster::Secret::new),
            bearer: self.bearer.clone().map(cluster::Secret::new),
            aws_sigv4: self.aws_sigv4,
            region: region.map(str::to_owned),
            service: self.service.map(|s| match s {
                ServiceArg::Es => cluster::SigV4Service::Es,
                ServiceArg::Aoss => cluster::SigV4Service::Aoss,
            }),
            // The standard AWS chain applies (AWS_PROFILE, …); ferry's store --profile is for
            // object stores.
            profile: None,
            aws_keys: None,
        };
        let target = cluster::Target::parse(url, &flags)?;
        Ok(Client::new(target, &self.options())?)
    }

    /// A client for `url` with only the credentials in the URL, and these TLS options.
    pub fn connect_plain(&self, url: &str) -> Result<Client> {
        let target = cluster::Target::parse(url, &Default::default())?;
        Ok(Client::new(target, &self.options())?)
    }

    fn options(&self) -> cluster::ClientOptions {
        cluster::ClientOptions {
            tls: cluster::TlsOptions { ca_cert: self.ca_cert.clone(), client_cert: self.client_cert.clone(), client_key: self.client_key.clone(), insecure: self.insecure },
            ..Default::default()
        }
    }
}

/// `--cluster URL` and how to reach it: the commands that drive one cluster's REST API.
#[derive(Args, Clone, Debug)]
pub struct ClusterArgs {
    /// Cluster URL: http(s)://[user:password@]host:port[/prefix].
    #[arg(long, short = 'c', value_name = "URL", env = "FERRY_CLUSTER", hide_env_values = true)]
    pub cluster: Option<String>,
    /// SigV4 region (with --aws-sigv4). Default: AWS_REGION, or the region in the endpoint's host name.
    #[arg(long, value_name = "REGION")]
    pub cluster_region: Option<String>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

impl ClusterArgs {
    pub fn client(&self) -> Result<Client> {
        let url = self.cluster.as_deref().ok_or_else(|| crate::UsageError("--cluster URL (or FERRY_CLUSTER) is required".into()))?;
        self.connect.connect(url, self.cluster_region.as_deref())
    }
}
