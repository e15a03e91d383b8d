//! `--format json`: one document, `{ "version": 1, "findings": [...], "stats": {...},
//! "warnings": [...] }`, for scripts and for other tools to consume.
//!
//! Fields are the serde form of the model in [`crate::findings`]; `version` changes when a
//! field is renamed or removed (adding one does not).

use super::{sorted, sorted_warnings};
use crate::findings::{Finding, ScanResult, ScanStats, Warning};
use serde::Serialize;
use std::io::{self, Write};

/// Version of the document shape.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Vec<&'a Finding>,
    stats: &'a ScanStats,
    warnings: Vec<&'a Warning>,
}

pub fn render(result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(result))?;
    out.write_all(b"\n")
}

fn document(result: &ScanResult) -> Document<'_> {
    Document {
        version: VERSION,
        findings: sorted(result),
        stats: &result.stats,
        warnings: sorted_warnings(result),
    }
}
