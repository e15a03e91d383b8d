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

    inline_allowed_table(&mut md, result, ctx);

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
    // A history scan credits each finding to the commit that brought it: a column of its
    // own, so that the table of a tree or diff scan keeps its shape.
    let history = findings.iter().any(|f| f.provenance.is_some());
    md.push_str("### Findings\n\n");
    if history {
        md.push_str("| Location | Commit | Rule | Severity | Value |\n|---|---|---|---|---|\n");
    } else {
        md.push_str("| Location | Rule | Severity | Value |\n|---|---|---|---|\n");
    }
    for f in &findings[..shown] {
        let location = markdown_code(&format!("{}:{}", f.path, f.line));
        // The link template points into the commit under review; a history finding's line
        // is in an older blob, so it goes unlinked rather than to the wrong line.
        let location = match (&ctx.file_link, &f.provenance) {
            (Some(template), None) => format!("[{location}]({})", link(template, f)),
            _ => location,
        };
        let commit = match (&f.provenance, history) {
            (Some(p), _) => format!(" {} |", markdown_code(p.short_commit())),
            (None, true) => " |".to_string(),
            (None, false) => String::new(),
        };
        let _ = writeln!(
            md,
            "| {location} |{commit} {} | {} | {} |",
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

/// The one-line title of a check run or status for a result.
pub fn check_title(result: &ScanResult, threshold: Option<Severity>) -> String {
    let n = result.findings.len();
    let failing = threshold.map_or(0, |t| result.failing(t).count());
    let mut title = match (n, failing) {
        (0, _) => "No secrets found".to_string(),
        (1, 1) => "1 secret found".to_string(),
        (n, f) if f == n => format!("{n} secrets found"),
        (n, f) => format!("{n} possible secrets found, {f} at or above the threshold"),
    };
    match result.inline_allowed.len() {
        0 => {}
        1 => title.push_str("; 1 inline suppression"),
        k => title.push_str(&format!("; {k} inline suppressions")),
    }
    title
}

/// Every finding an inline marker silenced on a counted line: a suppression a change adds
/// is honoured, but never silently.
fn inline_allowed_table(md: &mut String, result: &ScanResult, ctx: &ReportContext) {
    let allowed = &result.inline_allowed;
    if allowed.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "### Inline suppressions: {}\n\n\
         These lines carry `secretgate:allow`, `gitleaks:allow` or `pragma: allowlist secret`, \
         which silences the secret found on them. Check that each is not a real credential.\n",
        allowed.len()
    );
    md.push_str("| Location | Rule | Value |\n|---|---|---|\n");
    let shown = ctx
        .summary_max_findings
        .unwrap_or(usize::MAX)
        .min(allowed.len());
    for f in &allowed[..shown] {
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            markdown_code(&format!("{}:{}", f.path, f.line)),
            markdown_code(&f.rule_id),
            markdown_code(&f.redacted)
        );
    }
    md.push('\n');
    if shown < allowed.len() {
        let _ = writeln!(md, "…and {} more.\n", allowed.len() - shown);
    }
}

/// The policy changes a pull request makes: they apply once it is merged, while this run
/// used the target branch's policy. Each change is a fixed description and the values it
/// involves (chosen by the pull request's author, so escaped here). Empty when none.
pub fn pending_policy_markdown(changes: &[(&str, &[String])]) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let mut md = String::from(
        "### Policy changes in this pull request\n\n\
         This pull request changes the secretgate policy. The changes apply once it is \
         merged; this run used the target branch's policy.\n\n",
    );
    for (what, values) in changes {
        let values: Vec<String> = values.iter().map(|v| markdown_code(v)).collect();
        if values.is_empty() {
            let _ = writeln!(md, "- {}", markdown_text(what));
        } else {
            let _ = writeln!(md, "- {}: {}", markdown_text(what), values.join(", "));
        }
    }
    md.push('\n');
    md
}

/// Markdown for one finding's pull-request thread. Uses the redacted preview only, never the line's text, which
/// may hold another secret.
pub fn thread_comment(f: &Finding) -> String {
    let mut out = format!(
        "**secretgate: {}** ({}, severity {}, confidence {})\n\n\
         This line adds a secret: {}.\n\n",
        markdown_text(&f.rule_name),
        markdown_code(&f.rule_id),
        f.severity,
        f.confidence,
        markdown_code(&f.redacted),
    );
    if !f.remediation.trim().is_empty() {
        out.push_str(&format!(
            "**Remediation:** {}\n\n",
            markdown_text(f.remediation.trim())
        ));
    }
    out.push_str(
        "Removing the secret from the pull request is not enough once it was pushed: revoke or \
         rotate it. secretgate resolves this thread on its next run when the secret is gone.",
    );
    out
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
        if let Some(rotation) = crate::fix::rotation(&f.rule_id) {
            // Our own markdown (inline code only), written for a nested list.
            let _ = writeln!(md, "  - Rotate ({}):", markdown_text(rotation.credential));
            for (i, step) in rotation.steps.iter().enumerate() {
                let _ = writeln!(md, "    {}. {step}", i + 1);
            }
        }
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
            detail: String::new(),
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
