//! A GitHub-flavoured Markdown summary of a scan: counts by severity and by rule, a table of
//! findings, and how to fix each rule.
//!
//! One text serves every place that shows Markdown: the GitHub job summary
//! (`$GITHUB_STEP_SUMMARY`), a GitHub check run's `output.summary`, and Azure's
//! `##vso[task.uploadsummary]`. So it uses only tables, code spans and lists (GFM, which all
//! three render), no HTML, and links only through [`ReportContext::file_link`].
//!
//! Every value from the scan goes through [`escape::markdown_text`] or
//! [`escape::markdown_code`]: paths are chosen by the pull request's author.

use super::escape::{self, markdown_code, markdown_text};
use super::{by_severity, file_count, human_bytes, plural, sorted_warnings, ReportContext};
use crate::findings::{Finding, ScanResult, Severity};
use std::fmt::Write;

/// The summary, ending in a newline.
pub fn summary_markdown(result: &ScanResult, ctx: &ReportContext) -> String {
    // `fmt::Write` for `String` cannot fail, hence the `let _ = writeln!` throughout.
    let mut md = String::new();
    let findings = by_severity(result);

    if findings.is_empty() {
        md.push_str("## secretgate: no secrets found\n\n");
    } else {
        let _ = writeln!(
            md,
            "## secretgate: {} in {}\n",
            plural(findings.len() as u64, "secret", "secrets"),
            plural(file_count(&findings) as u64, "file", "files"),
        );
        severity_table(&mut md, &findings);
        rule_table(&mut md, result, &findings);
        findings_table(&mut md, &findings, ctx);
        remediation(&mut md, result, &findings);
    }

    let warnings = sorted_warnings(result);
    if !warnings.is_empty() {
        md.push_str("### Not fully scanned\n\n");
        for w in warnings {
            let _ = writeln!(
                md,
                "- {}: {}",
                markdown_code(&w.path),
                markdown_text(&w.message)
            );
        }
        md.push('\n');
    }

    let _ = writeln!(md, "{}", markdown_text(&stats_sentence(result)));
    md
}

fn severity_table(md: &mut String, findings: &[&Finding]) {
    md.push_str("| Severity | Findings |\n|---|---:|\n");
    for s in Severity::ALL.iter().rev() {
        let n = findings.iter().filter(|f| f.severity == *s).count();
        if n > 0 {
            let _ = writeln!(md, "| {s} | {n} |");
        }
    }
    md.push('\n');
}

/// Rules in order of first appearance in `findings` (most severe first), with their counts.
fn rules_seen<'a>(findings: &[&'a Finding]) -> Vec<(&'a Finding, usize)> {
    let mut seen: Vec<(&Finding, usize)> = Vec::new();
    for f in findings {
        match seen.iter_mut().find(|(g, _)| g.rule_id == f.rule_id) {
            Some((_, n)) => *n += 1,
            None => seen.push((f, 1)),
        }
    }
    seen
}

fn rule_table(md: &mut String, result: &ScanResult, findings: &[&Finding]) {
    md.push_str("| Rule | Severity | Findings |\n|---|---|---:|\n");
    for (f, n) in rules_seen(findings) {
        let name = result.rule(&f.rule_id).map_or(&f.rule_name, |r| &r.name);
        let _ = writeln!(
            md,
            "| {} ({}) | {} | {n} |",
            markdown_text(name),
            markdown_code(&f.rule_id),
            f.severity
        );
    }
    md.push('\n');
}

fn findings_table(md: &mut String, findings: &[&Finding], ctx: &ReportContext) {
    let shown = ctx
        .summary_max_findings
        .unwrap_or(usize::MAX)
        .min(findings.len());
    md.push_str("### Findings\n\n");
    md.push_str("| Location | Rule | Severity | Value |\n|---|---|---|---|\n");
    for f in &findings[..shown] {
        let location = markdown_code(&format!("{}:{}", f.path, f.line));
        let location = match &ctx.file_link {
            Some(template) => format!("[{location}]({})", link(template, f)),
            None => location,
        };
        let _ = writeln!(
            md,
            "| {location} | {} | {} | {} |",
            markdown_code(&f.rule_id),
            f.severity,
            markdown_code(&f.redacted)
        );
    }
    md.push('\n');
    if shown < findings.len() {
        let _ = writeln!(
            md,
            "…and {} not shown here.\n",
            plural(
                (findings.len() - shown) as u64,
                "more finding",
                "more findings"
            )
        );
    }
}

fn remediation(md: &mut String, result: &ScanResult, findings: &[&Finding]) {
    md.push_str("### How to fix\n\n");
    for (f, _) in rules_seen(findings) {
        let rule = result.rule(&f.rule_id);
        let name = rule.map_or(&f.rule_name, |r| &r.name);
        let fix = rule
            .map(|r| r.remediation.as_str())
            .filter(|s| !s.is_empty())
            .unwrap_or(&f.remediation);
        let fix = if fix.is_empty() {
            "Revoke the credential, then remove it from the code.".to_string()
        } else {
            markdown_text(fix)
        };
        let _ = writeln!(
            md,
            "- **{}** ({}): {fix}",
            markdown_text(name),
            markdown_code(&f.rule_id)
        );
    }
    md.push('\n');
}

/// Fills a `file_link` template. The path is encoded so it cannot break the URL or the
/// Markdown link around it, and cannot contain a `{placeholder}` of its own.
fn link(template: &str, f: &Finding) -> String {
    template
        .replace("{path}", &escape::url_path(&f.path))
        .replace("{line}", &f.line.to_string())
        .replace("{end_line}", &f.end_line.max(f.line).to_string())
}

fn stats_sentence(result: &ScanResult) -> String {
    let s = &result.stats;
    let mut text = format!(
        "{} scanned ({}).",
        plural(s.files_scanned, "file", "files"),
        human_bytes(s.bytes_scanned)
    );
    let skipped = s.files_skipped_binary + s.files_skipped_large + s.files_unreadable;
    if skipped > 0 {
        let _ = write!(
            text,
            " Skipped {} binary, {} too large, {} unreadable.",
            s.files_skipped_binary, s.files_skipped_large, s.files_unreadable
        );
    }
    let suppressed = s.suppressed_inline + s.suppressed_config + s.suppressed_baseline;
    if suppressed > 0 {
        let _ = write!(
            text,
            " Suppressed {} inline, {} by config, {} by baseline.",
            s.suppressed_inline, s.suppressed_config, s.suppressed_baseline
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_template_gets_an_encoded_path() {
        let f = Finding {
            rule_id: "r".into(),
            rule_name: "R".into(),
            severity: Severity::High,
            confidence: crate::findings::Confidence::High,
            validation: crate::findings::Validation::None,
            path: "a b/{line}).rs".into(),
            line: 3,
            column: 1,
            end_line: 4,
            end_column: 2,
            redacted: "x…(9 chars)".into(),
            fingerprint: String::new(),
            line_hash: String::new(),
            snippet: String::new(),
            remediation: String::new(),
            provenance: None,
        };
        assert_eq!(
            link("https://h/o/r/blob/s/{path}#L{line}-L{end_line}", &f),
            "https://h/o/r/blob/s/a%20b/%7Bline%7D%29.rs#L3-L4"
        );
    }
}
