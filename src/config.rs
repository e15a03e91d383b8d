//! `.secretgate.yml`: excludes, allow entries, disabled rules, a baseline path, the failing
//! threshold, whether inline markers count, and custom rules. Unknown keys are errors, so a
//! typo never silently widens or narrows what the gate checks.
//!
//! The config and the baseline it names are the *policy*. A pull-request gate reads them
//! from the target branch ([`PolicySource`] over `git show <base>:<path>`), so that the
//! change under review cannot loosen its own gate; [`PolicyFiles::changes_from`] names
//! what the change would loosen once merged.

use crate::engine::baseline::{Baseline, BaselineError};
use crate::engine::rule::RuleSpec;
use crate::findings::{Confidence, FailOn};
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};

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
    /// Whether inline `secretgate:allow` / `gitleaks:allow` / `pragma: allowlist secret`
    /// markers silence a finding (default `true`). The gate lists every one it honours.
    #[serde(default)]
    pub inline_allow: Option<bool>,
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
    #[error(transparent)]
    Baseline(#[from] BaselineError),
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

impl Config {
    /// Whether inline markers silence findings (the default) or count for nothing.
    pub fn inline_allow(&self) -> bool {
        self.inline_allow.unwrap_or(true)
    }

    fn fail_on_or_default(&self) -> FailOn {
        self.fail_on.unwrap_or(FailOn::High)
    }
}

/// Where the policy files are read from: the checkout, or a commit (the base of a pull
/// request). Paths are repository-relative with `/` separators.
pub trait PolicySource {
    /// The file's text; `None` when the file does not exist there.
    fn read(&self, path: &str) -> Result<Option<String>, ConfigError>;
    /// How to name `path` in messages (`.secretgate.yml`, `abc123:.secretgate.yml`).
    fn name(&self, path: &str) -> PathBuf;
}

/// The files of a checked-out directory.
pub struct CheckoutFiles<'a>(pub &'a Path);

impl PolicySource for CheckoutFiles<'_> {
    fn read(&self, path: &str) -> Result<Option<String>, ConfigError> {
        let full = self.0.join(path);
        match std::fs::read_to_string(&full) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ConfigError::Read { path: full, source }),
        }
    }

    fn name(&self, path: &str) -> PathBuf {
        self.0.join(path)
    }
}

/// The policy a scan runs under: the config, the file it came from, and the baseline.
#[derive(Debug, Default)]
pub struct PolicyFiles {
    pub config: Config,
    /// Where the config came from (for messages); `None` = defaults, no file.
    pub config_path: Option<PathBuf>,
    pub baseline: Option<Baseline>,
}

impl PolicyFiles {
    /// Reads the policy. An explicit `--config` / `--baseline` is read from disk as given
    /// (a policy checked out from a central repository); otherwise `.secretgate.yml` and
    /// the baseline it names come from `source`. No config file means the defaults.
    pub fn load(
        explicit_config: Option<&Path>,
        explicit_baseline: Option<&Path>,
        source: &dyn PolicySource,
    ) -> Result<Self, ConfigError> {
        let (config, config_path, baseline_from_config) = match explicit_config {
            Some(p) => {
                let config = Config::load(p)?;
                let dir = p.parent().unwrap_or(Path::new(""));
                let baseline = config
                    .baseline
                    .as_ref()
                    .map(|b| Baseline::load(&dir.join(b)))
                    .transpose()?;
                (config, Some(p.to_path_buf()), baseline)
            }
            None => match source.read(DEFAULT_FILE)? {
                None => (Config::default(), None, None),
                Some(text) => {
                    let name = source.name(DEFAULT_FILE);
                    let config = Config::parse(&name, &text)?;
                    let baseline = match &config.baseline {
                        None => None,
                        Some(b) => Some(read_baseline(source, b, &name)?),
                    };
                    (config, Some(name), baseline)
                }
            },
        };
        let baseline = match explicit_baseline {
            Some(p) => Some(Baseline::load(p)?),
            None => baseline_from_config,
        };
        Ok(Self {
            config,
            config_path,
            baseline,
        })
    }

    /// What `self` (the pull request's policy) loosens or changes relative to `base` (the
    /// policy the gate applies), for reviewers. Empty when they are the same.
    pub fn changes_from(&self, base: &PolicyFiles) -> Vec<PolicyChange> {
        let (new, old) = (&self.config, &base.config);
        let mut changes = Vec::new();
        let mut push = |what: &str, values: Vec<String>| {
            changes.push(PolicyChange {
                what: what.to_string(),
                values,
            })
        };
        let (new_fail, old_fail) = (new.fail_on_or_default(), old.fail_on_or_default());
        if new_fail != old_fail {
            let what = if new_fail > old_fail {
                "fail_on lowered (fails on fewer findings)"
            } else {
                "fail_on raised"
            };
            let values = vec![format!("{} (was {})", new_fail.as_str(), old_fail.as_str())];
            push(what, values);
        }
        let added = |new: &[String], old: &[String]| -> Vec<String> {
            new.iter().filter(|x| !old.contains(x)).cloned().collect()
        };
        let excludes = added(&new.exclude, &old.exclude);
        if !excludes.is_empty() {
            push("exclude entries added", excludes);
        }
        let disabled = added(&new.disable_rules, &old.disable_rules);
        if !disabled.is_empty() {
            push("rules disabled", disabled);
        }
        let allow_key = |a: &AllowEntry| format!("{a:?}");
        let old_allow: Vec<String> = old.allow.iter().map(allow_key).collect();
        let new_allow: Vec<String> = new
            .allow
            .iter()
            .filter(|a| !old_allow.contains(&allow_key(a)))
            .map(|a| {
                let mut parts = Vec::new();
                parts.extend(a.path.as_ref().map(|p| format!("path {p}")));
                parts.extend(a.rule.as_ref().map(|r| format!("rule {r}")));
                parts.extend(a.fingerprint.as_ref().map(|f| format!("fingerprint {f}")));
                parts.join(", ")
            })
            .collect();
        if !new_allow.is_empty() {
            push("allow entries added", new_allow);
        }
        if new.inline_allow() != old.inline_allow() {
            let values = vec![format!(
                "{} (was {})",
                new.inline_allow(),
                old.inline_allow()
            )];
            push("inline_allow changed", values);
        }
        if new.fail_confidence != old.fail_confidence {
            let shown = |c: Option<Confidence>| c.map_or("default".to_string(), |c| c.to_string());
            let values = vec![format!(
                "{} (was {})",
                shown(new.fail_confidence),
                shown(old.fail_confidence)
            )];
            push("fail_confidence changed", values);
        }
        if new.max_file_size != old.max_file_size {
            push("max_file_size changed", Vec::new());
        }
        let rule_key = |r: &RuleSpec| format!("{r:?}");
        let old_rules: Vec<String> = old.rules.iter().map(rule_key).collect();
        let new_rules: Vec<String> = new.rules.iter().map(rule_key).collect();
        let mut changed_rules: Vec<String> = new
            .rules
            .iter()
            .filter(|r| !old_rules.contains(&rule_key(r)))
            .chain(
                old.rules
                    .iter()
                    .filter(|r| !new_rules.contains(&rule_key(r))),
            )
            .map(|r| r.id.clone())
            .collect();
        changed_rules.dedup();
        if !changed_rules.is_empty() {
            push("custom rules added, changed or removed", changed_rules);
        }
        if new.baseline != old.baseline {
            push("baseline path changed", Vec::new());
        }
        let old_entries = base.baseline.as_ref().map(|b| &b.findings);
        let added_entries = self.baseline.as_ref().map_or(0, |b| {
            b.findings
                .iter()
                .filter(|e| old_entries.is_none_or(|old| !old.contains(e)))
                .count()
        });
        if added_entries > 0 {
            push("baseline entries added", vec![added_entries.to_string()]);
        }
        changes
    }
}

/// One way a pull request changes the policy: a fixed description and the values involved
/// (globs, rule ids: chosen by the pull request's author, so reporters escape them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyChange {
    pub what: String,
    pub values: Vec<String>,
}

impl std::fmt::Display for PolicyChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.what)?;
        if !self.values.is_empty() {
            let quoted: Vec<String> = self.values.iter().map(|v| format!("{v:?}")).collect();
            write!(f, ": {}", quoted.join(", "))?;
        }
        Ok(())
    }
}

/// The baseline a config at `config_name` names, read from the same source.
fn read_baseline(
    source: &dyn PolicySource,
    relative: &Path,
    config_name: &Path,
) -> Result<Baseline, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        path: config_name.to_path_buf(),
        message,
    };
    let mut parts = Vec::new();
    for c in relative.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => {
                return Err(invalid(format!(
                    "baseline `{}` must be a path inside the repository",
                    relative.display()
                )))
            }
        }
    }
    let path = parts.join("/");
    let name = source.name(&path);
    let text = source.read(&path)?.ok_or_else(|| {
        invalid(format!(
            "the baseline it names, {}, does not exist",
            name.display()
        ))
    })?;
    Ok(Baseline::parse(&name, &text)?)
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

    #[test]
    fn policy_changes_name_what_a_pull_request_loosens() {
        let parse = |t: &str| PolicyFiles {
            config: Config::parse(Path::new("c.yml"), t).expect("valid"),
            ..PolicyFiles::default()
        };
        let base = parse("exclude: ['vendor/**']\ninline_allow: false\n");
        let pr = parse(
            "fail_on: never\nexclude: ['vendor/**', '**']\ndisable_rules: [jwt]\n\
             allow:\n  - path: 'src/**'\n",
        );
        let changes: Vec<String> = pr
            .changes_from(&base)
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            changes,
            [
                "fail_on lowered (fails on fewer findings): \"never (was high)\"",
                "exclude entries added: \"**\"",
                "rules disabled: \"jwt\"",
                "allow entries added: \"path src/**\"",
                "inline_allow changed: \"true (was false)\"",
            ]
        );
        assert!(base.changes_from(&base).is_empty());
    }

    #[test]
    fn baseline_entries_the_pull_request_adds_are_counted() {
        let entry = |fp: &str| crate::engine::baseline::BaselineEntry {
            rule: "github-pat".into(),
            fingerprint: fp.into(),
        };
        let with = |fps: &[&str]| PolicyFiles {
            baseline: Some(Baseline {
                version: 1,
                findings: fps.iter().map(|f| entry(f)).collect(),
            }),
            ..PolicyFiles::default()
        };
        let changes = with(&["a", "b", "c"]).changes_from(&with(&["a"]));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].to_string(), "baseline entries added: \"2\"");
    }
}
