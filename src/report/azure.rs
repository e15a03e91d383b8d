//! `--format azure`: Azure Pipelines logging commands, which the agent records as issues on
//! the run's timeline and summary.
//!
//! Spec: <https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands>,
//! escaping from `azure-pipelines-task-lib` `node/taskcommand.ts` (see [`super::escape`]).
//!
//! ```text
//! ##vso[task.logissue type=error;sourcepath=src/a.rs;linenumber=3;columnnumber=9;code=github-pat]…
//! ```
//!
//! `task.logissue` has only `error` and `warning`: critical/high are errors, medium/low
//! warnings. It has no end position, so spans keep only their start.

use super::escape::{azure_data, azure_property};
use super::{by_severity, finding_message, is_error, sorted_warnings};
use crate::findings::{Finding, ScanResult, Severity};
use std::io::{self, Write};

/// The `type` property for a severity; a finding that does not fail the gate (too unsure:
/// [`ScanResult::gates`]) is a warning.
pub fn issue_type(s: Severity, gates: bool) -> &'static str {
    if gates && is_error(s) {
        "error"
    } else {
        "warning"
    }
}

pub fn render(result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    for f in by_severity(result) {
        writeln!(out, "{}", log_issue(f, result.gates(f)))?;
    }
    for w in sorted_warnings(result) {
        writeln!(
            out,
            "##vso[task.logissue type=warning;sourcepath={}]{}",
            azure_property(&w.path),
            azure_data(&format!(
                "secretgate: file not fully scanned: {}",
                w.message
            ))
        )?;
    }
    Ok(())
}

/// One `##vso[task.logissue …]` line (without the newline).
pub fn log_issue(f: &Finding, gates: bool) -> String {
    let mut message = finding_message(f);
    if !f.remediation.is_empty() {
        message.push('\n');
        message.push_str(&f.remediation);
    }
    format!(
        "##vso[task.logissue type={};sourcepath={};linenumber={};columnnumber={};code={}]{}",
        issue_type(f.severity, gates),
        azure_property(&f.path),
        f.line,
        f.column,
        azure_property(&f.rule_id),
        azure_data(&message)
    )
}
