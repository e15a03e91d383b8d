//! The finding model: what the engine reports and every reporter and publisher consumes.
//!
//! A [`Finding`] never holds the raw secret. The engine turns the matched bytes into a
//! [`Secret`](redact::Secret) only long enough to compute a redacted preview and a
//! fingerprint; everything downstream sees those two values and nothing else.

mod fingerprint;
mod redact;

pub use fingerprint::{fingerprint, line_hash};
pub use redact::{AccessToken, Secret};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad it is when this kind of credential leaks. Ordered: `Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// GitHub code scanning's `security-severity` score (0.1-10.0) for this level.
    pub fn security_severity(self) -> &'static str {
        match self {
            Self::Low => "3.0",
            Self::Medium => "5.5",
            Self::High => "8.0",
            Self::Critical => "9.5",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            "critical" => Ok(Self::Critical),
            other => Err(format!(
                "unknown severity `{other}` (expected low, medium, high or critical)"
            )),
        }
    }
}

/// The failing threshold: findings at or above it make the exit code 1. Ordered from the
/// strictest (`low`) to the loosest (`never`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
    Never,
}

impl FailOn {
    /// The lowest severity that fails; `None` = never fail.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            Self::Low => Some(Severity::Low),
            Self::Medium => Some(Severity::Medium),
            Self::High => Some(Severity::High),
            Self::Critical => Some(Severity::Critical),
            Self::Never => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.threshold().map_or("never", Severity::as_str)
    }
}

/// How sure the engine is that the match is a real credential.
///
/// `High` means an embedded checksum verified (or the format cannot occur by chance);
/// `Medium` means the shape and its context fit; `Low` means the shape alone fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// SARIF `precision` property as GitHub reads it.
    pub fn sarif_precision(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "very-high",
        }
    }
}

/// The least confidence that fails the gate unless the config or `--fail-confidence` says
/// otherwise. Checksum-verified and provider-format findings (`high`, `medium`) fail;
/// generic findings (`low`: a setting's name and a random-looking value) are reported as
/// warnings, because on real code most of them are test data and a gate that blocks on
/// them is soon switched off.
pub const DEFAULT_FAIL_CONFIDENCE: Confidence = Confidence::Medium;

impl FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            other => Err(format!(
                "unknown confidence `{other}` (expected low, medium or high)"
            )),
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an offline validator (checksum, Luhn, structure) looked at the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Validation {
    /// The rule has no validator.
    None,
    /// The embedded checksum or structure verified.
    Verified,
    /// A validator ran and could not verify (a checksum failed, or the seed is unknown):
    /// often an invented or edited example, still worth a look.
    Unverified,
}

/// Static description of a rule, as reporters need it (SARIF `tool.driver.rules`, help text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub remediation: String,
    pub tags: Vec<String>,
    /// Human-readable names of the validators the rule runs (empty: format and context only).
    pub validators: Vec<String>,
    pub references: Vec<String>,
}

/// One detected secret. Positions are 1-based; `end_column` is inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    /// The rule's severity, or what the secret's own terms make it (a SAS token's rights
    /// and expiry).
    pub severity: Severity,
    /// What the secret allows, read from its non-secret parts: a SAS token's kind, rights
    /// and expiry, a connection string's account and endpoint. Empty when unknown.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    pub confidence: Confidence,
    pub validation: Validation,
    /// Repository-relative path with `/` separators.
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// A short prefix, `…`, and the length: never the whole secret.
    pub redacted: String,
    /// SHA-256 over the rule id and the secret, hex, truncated: stable across moves and edits.
    pub fingerprint: String,
    /// Hash of the trimmed line text with the secret redacted (GitHub's `primaryLocationLineHash`).
    pub line_hash: String,
    /// The line the secret starts on, with the secret replaced by its redacted form, trimmed.
    pub snippet: String,
    pub remediation: String,
    /// Where in a repository's history the scanned content came from (history scans only);
    /// its fields sit beside the others in JSON (`commit`, `author`, `date`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

impl Finding {
    /// Stable order for every output: path, position, rule, then commit (history scans).
    pub fn sort_key(&self) -> (&str, u32, u32, &str, Option<&str>) {
        (
            &self.path,
            self.line,
            self.column,
            &self.rule_id,
            self.provenance.as_ref().map(|p| p.commit.as_str()),
        )
    }
}

/// The commit that first brought a scanned blob into a repository's history, at the
/// finding's path. `line` of such a finding is the line in that blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// Full object id of the commit.
    pub commit: String,
    pub author: Author,
    /// Author date, strict ISO 8601 with the author's offset (`2024-05-01T12:00:00+02:00`).
    pub date: String,
    /// The commit's place in the walk (parents before children): among findings of one
    /// secret at one path, the smallest is the one that introduced it.
    #[serde(skip)]
    pub order: u64,
}

impl Provenance {
    /// The commit as people quote it: its first 12 hex digits.
    pub fn short_commit(&self) -> &str {
        self.commit.get(..12).unwrap_or(&self.commit)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Author {
    pub name: String,
    pub email: String,
}

/// Keeps, of the findings that share a rule, a secret and a path, the one whose content
/// entered history first: a history scan reads every version of a file, and a secret that
/// stayed through ten edits is one leak, introduced once. Findings without provenance are
/// kept as they are.
pub fn keep_first_introduced(findings: &mut Vec<Finding>) {
    use std::collections::HashMap;
    let key = |f: &Finding| (f.rule_id.clone(), f.fingerprint.clone(), f.path.clone());
    let mut first: HashMap<(String, String, String), u64> = HashMap::new();
    for f in findings.iter() {
        if let Some(p) = &f.provenance {
            let order = first.entry(key(f)).or_insert(p.order);
            *order = (*order).min(p.order);
        }
    }
    // Every finding of the first version is kept: a secret written twice in one file is
    // reported twice, as a tree scan reports it.
    findings.retain(|f| match &f.provenance {
        Some(p) => first.get(&key(f)) == Some(&p.order),
        None => true,
    });
}

/// A file the scan passed over, or could not read, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub path: String,
    pub message: String,
}

/// Counters for the run: what was read, what was skipped and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanStats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub files_skipped_binary: u64,
    pub files_skipped_large: u64,
    pub files_unreadable: u64,
    pub suppressed_inline: u64,
    pub suppressed_config: u64,
    pub suppressed_baseline: u64,
}

/// Everything a reporter or publisher needs: the findings, the rules that can raise them,
/// and what happened during the scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanResult {
    pub findings: Vec<Finding>,
    /// Findings on counted lines that an inline marker (`secretgate:allow`, `gitleaks:allow`,
    /// `pragma: allowlist secret`) silenced: listed so that reviewers see every suppression.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inline_allowed: Vec<Finding>,
    #[serde(skip)]
    pub rules: Vec<RuleInfo>,
    pub stats: ScanStats,
    pub warnings: Vec<Warning>,
    /// The least confidence that counts toward the gate; `None`: every finding counts.
    /// Findings below it are still reported, as warnings.
    #[serde(skip)]
    pub fail_confidence: Option<Confidence>,
}

impl ScanResult {
    /// Findings at or above `threshold` that are sure enough to fail the gate.
    pub fn failing(&self, threshold: Severity) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| f.severity >= threshold && self.gates(f))
    }

    /// Whether `f` is sure enough to fail the gate (see [`DEFAULT_FAIL_CONFIDENCE`]);
    /// reporters show the others as warnings or notes.
    pub fn gates(&self, f: &Finding) -> bool {
        self.fail_confidence.is_none_or(|c| f.confidence >= c)
    }

    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity, confidence: Confidence) -> Finding {
        Finding {
            rule_id: "r".into(),
            rule_name: "R".into(),
            severity,
            confidence,
            validation: Validation::None,
            path: "a".into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 2,
            redacted: "x…(2 chars)".into(),
            fingerprint: "f".into(),
            line_hash: "h:1".into(),
            snippet: String::new(),
            remediation: String::new(),
            detail: String::new(),
            provenance: None,
        }
    }

    #[test]
    fn only_findings_sure_enough_fail_the_gate() {
        let mut result = ScanResult {
            findings: vec![
                finding(Severity::High, Confidence::Low),
                finding(Severity::High, Confidence::Medium),
                finding(Severity::Critical, Confidence::High),
                finding(Severity::Low, Confidence::High),
            ],
            fail_confidence: Some(DEFAULT_FAIL_CONFIDENCE),
            ..Default::default()
        };
        assert_eq!(result.failing(Severity::High).count(), 2);
        assert!(!result.gates(&result.findings[0]));
        result.fail_confidence = Some(Confidence::High);
        assert_eq!(result.failing(Severity::Low).count(), 2);
        result.fail_confidence = None;
        assert_eq!(result.failing(Severity::High).count(), 3);
    }

    #[test]
    fn confidence_parses_case_insensitively() {
        assert_eq!("LOW".parse::<Confidence>(), Ok(Confidence::Low));
        assert!("sure".parse::<Confidence>().is_err());
    }
}
