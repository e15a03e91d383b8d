//! Reporters: pure functions from a [`ScanResult`] to bytes in one format.
//!
//! Nothing here touches the network, the clock or the process environment; publishers in
//! [`crate::publish`] and the CI gates decide where the bytes go. Each format lives in its
//! own file and links the spec it implements:
//!
//! | format | file | spec |
//! |---|---|---|
//! | [`Format::Text`] | [`text`] | none: for people |
//! | [`Format::Json`] | [`json`] | the finding model, versioned |
//! | [`Format::Sarif`] | [`sarif`] | SARIF 2.1.0 plus GitHub code scanning's rules |
//! | [`Format::Github`] | [`github`] | GitHub Actions workflow commands |
//! | [`Format::Azure`] | [`azure`] | Azure Pipelines logging commands |
//!
//! [`summary_markdown`] is not a `--format`: the GitHub job summary, the GitHub check run
//! and Azure's `task.uploadsummary` all embed it.
//!
//! Every output lists findings in a stable order and never holds a raw secret: a
//! [`Finding`] only carries the redacted preview, and that is all we print.

pub mod azure;
pub mod azure_commands;
pub mod escape;
pub mod github;
pub mod github_commands;
pub mod json;
pub mod markdown;
pub mod progress;
pub mod sarif;
pub mod suggestion;
pub mod text;

pub use markdown::summary_markdown;

use crate::findings::{Finding, ScanResult, Severity, Validation, Warning};
use std::io::{self, Write};

/// The output formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// Human-readable, for a terminal.
    Text,
    /// One JSON document: findings, stats and warnings.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and Azure DevOps.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`).
    Github,
    /// Azure Pipelines logging commands (`##vso[task.logissue …]`).
    Azure,
}

/// What a reporter needs besides the findings.
#[derive(Debug, Clone, Default)]
pub struct ReportContext {
    /// SARIF `runs[].automationDetails.id` (GitHub's upload category), e.g. `secretgate/pr/`.
    /// A missing trailing `/` is added, as codeql-action's `upload-sarif` does.
    pub category: Option<String>,
    /// Colour escapes in text output.
    pub color: bool,
    /// Link template for file locations in the markdown summary. `{path}` becomes the
    /// percent-encoded repository-relative path (`/` kept), `{line}` and `{end_line}` the
    /// 1-based lines, e.g. `https://github.com/o/r/blob/<sha>/{path}#L{line}-L{end_line}`.
    pub file_link: Option<String>,
    /// At most this many rows in the markdown findings table (most severe first); the rest
    /// are counted. GitHub check-run summaries stop at 65535 characters.
    pub summary_max_findings: Option<usize>,
    /// The repository a history scan read (its remote URL without credentials): SARIF's
    /// `versionControlProvenance`.
    pub repository: Option<String>,
}

/// Writes `result` in `format` to `out`.
pub fn render(
    result: &ScanResult,
    format: Format,
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::render(result, ctx, out),
        Format::Json => json::render(result, out),
        Format::Sarif => sarif::render(result, ctx, out),
        Format::Github => github::render(result, out),
        Format::Azure => azure::render(result, out),
    }
}

/// Findings in the model's stable order: path, position, rule (then commit).
fn sorted(result: &ScanResult) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = result.findings.iter().collect();
    v.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    v
}

/// Findings most severe first, then in the stable order. CI annotations are capped per
/// level and step (GitHub shows 10 of each), so the ones people see should be the worst.
fn by_severity(result: &ScanResult) -> Vec<&Finding> {
    let mut v = sorted(result);
    v.sort_by_key(|f| std::cmp::Reverse(f.severity));
    v
}

/// Warnings sorted: the engine may collect them from parallel workers.
fn sorted_warnings(result: &ScanResult) -> Vec<&Warning> {
    let mut v: Vec<&Warning> = result.warnings.iter().collect();
    v.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    v
}

/// One-line description of a finding shared by the CI formats and SARIF:
/// rule name, what the offline validator said, the redacted value, and what it allows.
fn finding_message(f: &Finding) -> String {
    let mut message = format!(
        "{} found{}: {}",
        f.rule_name,
        validation_note(f.validation),
        f.redacted
    );
    if !f.detail.is_empty() {
        message.push_str(&format!(" ({})", f.detail));
    }
    if let Some(p) = &f.provenance {
        message.push_str(&format!(" (introduced in commit {})", p.short_commit()));
    }
    message
}

fn validation_note(v: Validation) -> &'static str {
    match v {
        Validation::None => "",
        Validation::Verified => " (offline check passed)",
        Validation::Unverified => " (offline check failed, may be an example)",
    }
}

fn validation_str(v: Validation) -> &'static str {
    match v {
        Validation::None => "none",
        Validation::Verified => "verified",
        Validation::Unverified => "unverified",
    }
}

/// SARIF end columns and GitHub's `endColumn` point just past the last character; the model's
/// `end_column` is inclusive. Clamped so a malformed span still yields a non-empty region.
fn exclusive_end_column(f: &Finding) -> u32 {
    let end = f.end_column.saturating_add(1);
    if f.end_line <= f.line {
        end.max(f.column.max(1).saturating_add(1))
    } else {
        end
    }
}

/// `critical`/`high` fail a gate by default, so they map to each platform's error level.
fn is_error(s: Severity) -> bool {
    s >= Severity::High
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Number of distinct paths among the findings.
fn file_count(findings: &[&Finding]) -> usize {
    let mut paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    paths.sort_unstable();
    paths.dedup();
    paths.len()
}

/// Byte count for people: `512 B`, `3.4 KiB`, `1.2 MiB`.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_naturally() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
    }
}
