//! `--format github`: GitHub Actions workflow commands, which the runner turns into
//! annotations on the pull request.
//!
//! Spec: <https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands>,
//! escaping from `actions/toolkit` `packages/core/src/command.ts` (see [`super::escape`]).
//!
//! ```text
//! ::error file=src/a.rs,line=3,endLine=3,col=9,endColumn=49,title=GitHub personal access token::…
//! ```
//!
//! `col`/`endColumn` are dropped on multi-line spans: GitHub only accepts columns when the
//! annotation starts and ends on the same line (ruff's renderer does the same). Findings come
//! most severe first, because the UI shows only the first 10 annotations per level and step.

use super::escape::{github_data, github_property};
use super::{by_severity, exclusive_end_column, finding_message, sorted_warnings};
use crate::findings::{Finding, ScanResult, Severity};
use std::io::{self, Write};

/// The workflow command for a severity; a finding that does not fail the gate (too
/// unsure: [`ScanResult::gates`]) is a level lower, never an error.
pub fn level(s: Severity, gates: bool) -> &'static str {
    match (s, gates) {
        (Severity::Critical | Severity::High, true) => "error",
        (Severity::Critical | Severity::High, false) | (Severity::Medium, true) => "warning",
        _ => "notice",
    }
}

pub fn render(result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    for f in by_severity(result) {
        writeln!(out, "{}", annotation(f, result.gates(f)))?;
    }
    for w in sorted_warnings(result) {
        writeln!(
            out,
            "::warning file={},title={}::{}",
            github_property(&w.path),
            github_property("secretgate: file not fully scanned"),
            github_data(&w.message)
        )?;
    }
    Ok(())
}

/// One `::error`/`::warning`/`::notice` line (without the newline).
pub fn annotation(f: &Finding, gates: bool) -> String {
    let mut props = vec![
        ("file", f.path.clone()),
        ("line", f.line.to_string()),
        ("endLine", f.end_line.max(f.line).to_string()),
    ];
    if f.end_line <= f.line {
        props.push(("col", f.column.to_string()));
        props.push(("endColumn", exclusive_end_column(f).to_string()));
    }
    props.push(("title", f.rule_name.clone()));
    let props: Vec<String> = props
        .into_iter()
        .map(|(k, v)| format!("{k}={}", github_property(&v)))
        .collect();

    let mut message = finding_message(f);
    if !f.remediation.is_empty() {
        message.push('\n');
        message.push_str(&f.remediation);
    }
    format!(
        "::{} {}::{}",
        level(f.severity, gates),
        props.join(","),
        github_data(&message)
    )
}
