//! `--format text`: for people at a terminal (and for the plain CI log).
//!
//! ```text
//! src/config.rs:12:9  critical  github-pat  GitHub personal access token  ghp_…(40 chars)
//!   help: Revoke the token in GitHub settings, then remove it from history.
//!
//! 1 finding in 1 file (1 critical)
//! 12 files scanned (1.2 MiB); skipped 1 binary, 0 too large, 0 unreadable; suppressed 0 inline, 0 by config, 0 by baseline
//! ```
//!
//! A finding from a history scan is located at its commit, as git names a file in one:
//! `3f2c9a1b7d04:src/config.rs:12:9`.
//!
//! Help is printed once per rule, under its first finding. Colour only when
//! [`ReportContext::color`] says so. Paths and messages go through [`log_line`]:
//! this output lands in CI logs, where a crafted file name could otherwise run an agent
//! command.

use super::escape::log_line;
use super::{file_count, human_bytes, plural, sorted, sorted_warnings, ReportContext};
use crate::findings::{Finding, ScanResult, Severity};
use std::collections::HashSet;
use std::io::{self, Write};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const YELLOW: &str = "\x1b[33m";

fn severity_style(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => YELLOW,
        Severity::Low => "\x1b[36m",
    }
}

pub fn render(result: &ScanResult, ctx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
    let paint = |style: &str, s: &str| -> String {
        if ctx.color {
            format!("{style}{s}{RESET}")
        } else {
            s.to_string()
        }
    };

    let findings = sorted(result);
    let mut helped = HashSet::new();
    for f in &findings {
        // `<commit>:<path>` as git spells a file at a commit (`git show abc123:src/a.rs`).
        let commit = f
            .provenance
            .as_ref()
            .map(|p| format!("{}:", p.short_commit()))
            .unwrap_or_default();
        let location = format!("{commit}{}:{}:{}", log_line(&f.path), f.line, f.column);
        // Pad before painting so escapes do not count towards the column width.
        let severity = format!("{:<8}", f.severity.as_str());
        let value = if f.detail.is_empty() {
            f.redacted.clone()
        } else {
            format!("{} ({})", f.redacted, f.detail)
        };
        writeln!(
            out,
            "{}  {}  {}  {}  {}",
            paint(BOLD, &location),
            paint(severity_style(f.severity), &severity),
            paint(DIM, &log_line(&f.rule_id)),
            log_line(&f.rule_name),
            log_line(&value),
        )?;
        if !f.remediation.is_empty() && helped.insert(f.rule_id.as_str()) {
            writeln!(
                out,
                "  {} {}",
                paint(BOLD, "help:"),
                log_line(&f.remediation)
            )?;
        }
    }

    let warnings = sorted_warnings(result);
    if !warnings.is_empty() {
        if !findings.is_empty() {
            writeln!(out)?;
        }
        for w in &warnings {
            writeln!(
                out,
                "{} {}: {}",
                paint(YELLOW, "warning:"),
                log_line(&w.path),
                log_line(&w.message)
            )?;
        }
    }

    if !findings.is_empty() || !warnings.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", paint(BOLD, &headline(result, &findings)))?;
    writeln!(out, "{}", stats_line(result))
}

/// `3 findings in 2 files (1 critical, 2 high)` or `No secrets found`.
fn headline(result: &ScanResult, findings: &[&Finding]) -> String {
    if findings.is_empty() {
        return "No secrets found".to_string();
    }
    let by_level: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|&s| {
            let n = result.findings.iter().filter(|f| f.severity == s).count();
            (n > 0).then(|| format!("{n} {s}"))
        })
        .collect();
    let unsure = findings.iter().filter(|f| !result.gates(f)).count();
    let warn_only = match (unsure, result.fail_confidence) {
        (0, _) | (_, None) => String::new(),
        (n, Some(c)) => {
            format!("; {n} below {c} confidence: reported, not failing (--fail-confidence)")
        }
    };
    format!(
        "{} in {} ({}){warn_only}",
        plural(findings.len() as u64, "finding", "findings"),
        plural(file_count(findings) as u64, "file", "files"),
        by_level.join(", ")
    )
}

/// What was read, skipped and suppressed.
pub fn stats_line(result: &ScanResult) -> String {
    let s = &result.stats;
    format!(
        "{} scanned ({}); skipped {} binary, {} too large, {} unreadable; \
         suppressed {} inline, {} by config, {} by baseline",
        plural(s.files_scanned, "file", "files"),
        human_bytes(s.bytes_scanned),
        s.files_skipped_binary,
        s.files_skipped_large,
        s.files_unreadable,
        s.suppressed_inline,
        s.suppressed_config,
        s.suppressed_baseline,
    )
}
