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

/// The workflow command for a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "notice",
    }
}

pub fn render(result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    for f in by_severity(result) {
        writeln!(out, "{}", annotation(f))?;
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
pub fn annotation(f: &Finding) -> String {
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
        level(f.severity),
        props.join(","),
        github_data(&message)
    )
}
