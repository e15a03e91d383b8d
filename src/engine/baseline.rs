//! Baselines: findings accepted once so that only new ones fail the gate.
//!
//! The file lists rule ids and secret fingerprints only (no paths, line numbers or
//! timestamps), sorted and deduplicated, so it does not churn when code moves and two
//! branches that baseline the same secret do not conflict.

use crate::findings::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub rule: String,
    pub fingerprint: String,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: BTreeSet<BaselineEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("baseline {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("baseline {path} has version {version}; this secretgate reads version 1")]
    Version { path: PathBuf, version: u32 },
}

impl Baseline {
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Self {
        Self {
            version: 1,
            findings: findings
                .into_iter()
                .map(|f| BaselineEntry {
                    rule: f.rule_id.clone(),
                    fingerprint: f.fingerprint.clone(),
                })
                .collect(),
        }
    }

    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses baseline text; `path` names it in errors (a file, or `rev:path` in git).
    pub fn parse(path: &Path, text: &str) -> Result<Self, BaselineError> {
        let baseline: Self = serde_json::from_str(text).map_err(|source| BaselineError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        if baseline.version != 1 {
            return Err(BaselineError::Version {
                path: path.to_path_buf(),
                version: baseline.version,
            });
        }
        Ok(baseline)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn contains(&self, f: &Finding) -> bool {
        self.findings.contains(&BaselineEntry {
            rule: f.rule_id.clone(),
            fingerprint: f.fingerprint.clone(),
        })
    }
}
