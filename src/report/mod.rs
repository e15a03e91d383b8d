//! Reporters: pure functions from a [`ScanResult`] to bytes in one format.
//!
//! Nothing here touches the network or the process environment; publishers in
//! [`crate::publish`] and the CI gates decide where the bytes go.

use crate::findings::ScanResult;
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
    pub category: Option<String>,
    /// Colour escapes in text output.
    pub color: bool,
}

/// Writes `result` in `format` to `out`.
pub fn render(
    result: &ScanResult,
    format: Format,
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let _ = (result, format, ctx, out);
    Err(io::Error::other("reporter not implemented yet"))
}
