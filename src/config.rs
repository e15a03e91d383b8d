//! `.secretgate.yml`: excludes, allow entries, disabled rules, a baseline path, the failing
//! threshold and custom rules. Unknown keys are errors, so a typo never silently widens
//! or narrows what the gate checks.

use crate::cli::FailOn;
use crate::engine::rule::RuleSpec;
use crate::findings::Confidence;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file looked for at the repository root when `--config` is not given.
pub const DEFAULT_FILE: &str = ".secretgate.yml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Findings at or above this severity fail the gate (`--fail-on` wins).
    #[serde(default)]
    pub fail_on: Option<FailOn>,
    /// Findings below this confidence are reported but do not fail the gate
    /// (`--fail-confidence` wins; default `medium`).
    #[serde(default)]
    pub fail_confidence: Option<Confidence>,
    /// Path globs never scanned (matched against repository-relative paths).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Files larger than this many bytes are skipped (`--max-file-size` wins).
    #[serde(default)]
    pub max_file_size: Option<u64>,
    /// Accepted findings: by path glob, rule id, secret fingerprint, or a combination.
    #[serde(default)]
    pub allow: Vec<AllowEntry>,
    /// Rule ids switched off.
    #[serde(default)]
    pub disable_rules: Vec<String>,
    /// Baseline file, relative to the config file (`--baseline` wins).
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    /// Extra rules, in the same schema as the built-in ones.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowEntry {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Why this is accepted; required with `fingerprint`, so every accepted secret says why.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses config text; `path` is only used in error messages.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        // An empty or comment-only file is a valid, empty config.
        if text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            return Ok(Self::default());
        }
        let config: Self = serde_saphyr::from_str(text).map_err(|e| invalid(e.to_string()))?;
        for (i, entry) in config.allow.iter().enumerate() {
            if entry.path.is_none() && entry.rule.is_none() && entry.fingerprint.is_none() {
                return Err(invalid(format!(
                    "allow[{i}]: give at least one of `path`, `rule` or `fingerprint`"
                )));
            }
            if entry.fingerprint.is_some()
                && entry.reason.as_deref().is_none_or(|r| r.trim().is_empty())
            {
                return Err(invalid(format!(
                    "allow[{i}]: an allowed `fingerprint` needs a `reason`"
                )));
            }
        }
        Ok(config)
    }

    /// `--config`, else `.secretgate.yml` in `root` if it exists, else the empty config.
    /// Returns the config and the file it came from.
    pub fn discover(
        explicit: Option<&Path>,
        root: &Path,
    ) -> Result<(Self, Option<PathBuf>), ConfigError> {
        match explicit {
            Some(p) => Ok((Self::load(p)?, Some(p.to_path_buf()))),
            None => {
                let p = root.join(DEFAULT_FILE);
                if p.is_file() {
                    Ok((Self::load(&p)?, Some(p)))
                } else {
                    Ok((Self::default(), None))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_config_parses() {
        let text = "fail_on: medium\nexclude: ['vendor/**']\nmax_file_size: 1048576\n\
                    allow:\n  - path: 'docs/**'\n    rule: generic-password\n  - fingerprint: abc\n    reason: rotated\n\
                    disable_rules: [jwt]\nbaseline: .secretgate-baseline.json\n";
        let c = Config::parse(Path::new("x.yml"), text).expect("valid");
        assert_eq!(c.fail_on, Some(FailOn::Medium));
        assert_eq!(c.allow.len(), 2);
        assert_eq!(c.disable_rules, vec!["jwt"]);
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let e = Config::parse(Path::new("cfg.yml"), "fail_on: high\nexlude: []\n")
            .expect_err("unknown key");
        let msg = e.to_string();
        assert!(msg.contains("cfg.yml") && msg.contains("exlude"), "{msg}");
        let e = Config::parse(Path::new("cfg.yml"), "allow:\n  - fingerprint: abc\n")
            .expect_err("no reason");
        assert!(e.to_string().contains("reason"));
        assert!(Config::parse(Path::new("c.yml"), "# nothing\n").is_ok());
    }
}
