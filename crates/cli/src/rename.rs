//! `--rename-pattern REGEX --rename-replacement TEXT`: target index names, computed the way the
//! snapshot restore API renames (Java regular expressions, `$1` for a group), so that what ferry
//! expects and what a cluster creates agree.

use anyhow::Result;
use clap::Args;
use regex::Regex;

use crate::UsageError;

#[derive(Args, Clone, Debug, Default)]
pub struct RenameArgs {
    /// Regular expression matched against each source index name; with --rename-replacement it
    /// names the target index (like the snapshot restore API's rename_pattern).
    #[arg(long, value_name = "REGEX", requires = "rename_replacement")]
    pub rename_pattern: Option<String>,
    /// Replacement for --rename-pattern; `$1`, `$2`… are its groups.
    #[arg(long, value_name = "TEXT", requires = "rename_pattern")]
    pub rename_replacement: Option<String>,
}

impl RenameArgs {
    pub fn renamer(&self) -> Result<Renamer> {
        Renamer::new(self.rename_pattern.as_deref(), self.rename_replacement.as_deref(), "--rename-pattern")
    }
}

/// Source index name → target index name.
#[derive(Debug, Default)]
pub struct Renamer(Option<(Regex, String)>);

impl Renamer {
    /// Both or neither; a bad expression is a usage error naming it (`what`: where it came from).
    pub fn new(pattern: Option<&str>, replacement: Option<&str>, what: &str) -> Result<Renamer> {
        match (pattern, replacement) {
            (Some(p), Some(r)) => {
                let re = Regex::new(p).map_err(|e| {
                    UsageError(format!("{what} `{p}`: {}", e.to_string().lines().last().unwrap_or("not a regular expression").trim_start_matches("error: ")))
                })?;
                Ok(Renamer(Some((re, java_replacement(r)))))
            }
            (None, None) => Ok(Renamer(None)),
            _ => Err(UsageError(format!("{what}: a rename needs both the pattern and the replacement")).into()),
        }
    }

    /// The target name of source index `name` (every match replaced, as Java's `replaceAll`).
    pub fn target(&self, name: &str) -> String {
        match &self.0 {
            Some((re, rep)) => re.replace_all(name, rep.as_str()).into_owned(),
            None => name.to_owned(),
        }
    }
}

/// A Java replacement string in the regex crate's syntax: `$12x` is group 12 then `x` (the
/// regex crate would read a group named `12x`), `\$` a literal dollar.
fn java_replacement(r: &str) -> String {
    let mut out = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push_str(&format!("${{{digits}}}"));
            }
            '$' => out.push_str("$$"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_change_as_the_restore_api_changes_them() {
        let r = Renamer::new(Some("(.+)"), Some("restored-$1"), "p").unwrap();
        assert_eq!(r.target("logs"), "restored-logs");
        let r = Renamer::new(Some("logs-(\\d+)"), Some("$1x-\\$old"), "p").unwrap();
        assert_eq!(r.target("logs-2024"), "2024x-$old");
        let r = Renamer::new(Some("a"), Some("b"), "p").unwrap();
        assert_eq!(r.target("banana"), "bbnbnb", "every match, like replaceAll");
        assert_eq!(Renamer::new(None, None, "p").unwrap().target("x"), "x");
        assert!(Renamer::new(Some("("), Some("x"), "--rename-pattern").unwrap_err().to_string().starts_with("--rename-pattern `(`: unclosed group"));
    }
}
