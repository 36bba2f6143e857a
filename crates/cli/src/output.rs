//! Output helpers shared by the commands: formats, sizes, times.

use clap::ValueEnum;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// One JSON document on stdout.
    Json,
}

/// The summary format and progress switch every long-running command has.
#[derive(clap::Args, Clone, Copy)]
pub struct ReportArgs {
    /// Summary format.
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    pub output: Format,
    /// Hide the progress bar (it is shown only when stderr is a terminal).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl ReportArgs {
    /// Progress goes to a terminal only: piped or redirected runs stay quiet.
    pub fn show_progress(&self) -> bool {
        !self.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr())
    }
}

/// `4634` → `4.5 KiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Milliseconds since the epoch → `2024-03-22 15:18:47 UTC`.
pub fn millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| format!("{ms} ms"))
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Replace, at any depth, the values of keys whose names say they hold a secret (Alibaba's
/// `secret_access_key`, `access_key_id`, tokens, passwords) with `****`: repository settings are
/// echoed by clusters and by dry runs, and secrets never leave ferry.
pub fn mask_secrets(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                let k = k.to_ascii_lowercase();
                if ["secret", "key", "token", "password", "credential"].iter().any(|w| k.contains(w)) && !v.is_object() {
                    *v = serde_json::Value::String("****".into());
                } else {
                    mask_secrets(v);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(mask_secrets),
        _ => {}
    }
}

pub fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times() {
        assert_eq!(bytes(208), "208 B");
        assert_eq!(bytes(4634), "4.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
        assert_eq!(millis(1711120727418), "2024-03-22 15:18:47 UTC");
        assert_eq!(plural(1, "shard", "shards"), "1 shard");
        assert_eq!(plural(2, "shard", "shards"), "2 shards");
    }

    #[test]
    fn secrets_are_masked_at_any_depth() {
        let mut v = serde_json::json!({"type": "oss", "settings": {"bucket": "b", "secret_access_key": "s3cr3t", "nested": [{"session_token": "t"}], "credentials": {"password": "p", "user": "u"}}});
        mask_secrets(&mut v);
        assert_eq!(v, serde_json::json!({"type": "oss", "settings": {"bucket": "b", "secret_access_key": "****", "nested": [{"session_token": "****"}], "credentials": {"password": "****", "user": "u"}}}));
    }
}
