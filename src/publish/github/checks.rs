//! The `secretgate` check run on the head commit: a conclusion, a markdown summary and an
//! annotation on each finding's lines.
//!
//! The API takes at most 50 annotations a request (`shared/specs/github-actions-conventions.md`):
//! the run is created with the first 50 and the rest are appended by updates; the last
//! request completes the run, so a reader never sees a finished run with half its
//! annotations.

use super::client::{ApiError, GithubClient, Operation};
use crate::findings::{Finding, ScanResult, Severity};
use serde_json::{json, Value};

/// The check run's name, which branch protection can require.
pub const NAME: &str = "secretgate";
/// Annotations per request (API limit).
pub const BATCH: usize = 50;
/// Annotations per run: beyond this the summary, the SARIF and the log carry the rest.
pub const MAX_ANNOTATIONS: usize = 1000;
/// `output.summary` and `output.text` limit, in characters.
pub const MAX_TEXT: usize = 65_535;

/// What the check run says.
#[derive(Debug, Clone)]
pub struct CheckRun {
    pub head_sha: String,
    /// `failure` when true, else `success`.
    pub failed: bool,
    pub title: String,
    /// Markdown.
    pub summary: String,
    /// The Actions run, for "Details".
    pub details_url: Option<String>,
    pub annotations: Vec<Value>,
}

/// The annotation level for a finding: `failure` when it fails the gate.
fn level(f: &Finding, fail_at: Option<Severity>) -> &'static str {
    match fail_at {
        Some(t) if f.severity >= t => "failure",
        _ => "warning",
    }
}

/// What an annotation adds after a finding's remediation (the fix and rotation steps).
pub type Steps<'a> = &'a dyn Fn(&Finding) -> Option<String>;

/// One annotation per finding, most severe first, at most [`MAX_ANNOTATIONS`]. Messages
/// carry the redacted value only, then `steps` for the finding.
pub fn annotations(result: &ScanResult, fail_at: Option<Severity>, steps: Steps) -> Vec<Value> {
    let mut findings: Vec<&Finding> = result.findings.iter().collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
    findings
        .into_iter()
        .take(MAX_ANNOTATIONS)
        .map(|f| {
            let mut message = format!(
                "{} ({} severity, {} confidence): {}",
                f.rule_name, f.severity, f.confidence, f.redacted
            );
            if !f.remediation.is_empty() {
                message.push_str("\n\n");
                message.push_str(&f.remediation);
            }
            if let Some(more) = steps(f) {
                message.push_str("\n\n");
                message.push_str(&more);
            }
            let mut a = json!({
                "path": f.path,
                "start_line": f.line,
                "end_line": f.end_line.max(f.line),
                "annotation_level": level(f, fail_at),
                "title": format!("secretgate: {}", f.rule_id),
                "message": message,
            });
            // The API takes columns only on single-line annotations.
            if f.end_line <= f.line {
                a["start_column"] = json!(f.column);
                a["end_column"] = json!(f.end_column.max(f.column));
            }
            a
        })
        .collect()
}

/// Cuts `text` to at most `max` characters, ending with a note when it had to.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    const NOTE: &str = "\n\n… (cut to fit GitHub's limit; the SARIF file has everything)";
    let keep = max.saturating_sub(NOTE.chars().count());
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(NOTE);
    out
}

/// Creates the check run and appends the remaining annotations; returns its id.
pub async fn publish(client: &GithubClient, run: &CheckRun) -> Result<u64, ApiError> {
    let batches: Vec<&[Value]> = if run.annotations.is_empty() {
        vec![&[]]
    } else {
        run.annotations.chunks(BATCH).collect()
    };
    let last = batches.len() - 1;
    let summary = truncate(&run.summary, MAX_TEXT);
    let conclusion = if run.failed { "failure" } else { "success" };
    let output = |batch: &[Value]| {
        json!({
            "title": run.title,
            "summary": summary,
            "annotations": batch,
        })
    };

    let mut body = json!({
        "name": NAME,
        "head_sha": run.head_sha,
        "output": output(batches[0]),
    });
    if let Some(url) = &run.details_url {
        body["details_url"] = json!(url);
    }
    finish_if(&mut body, last == 0, conclusion);
    let created = client
        .post(
            Operation::CreateCheckRun,
            &client.repo_path("/check-runs"),
            &body,
        )
        .await?;
    let id = created
        .body
        .get("id")
        .and_then(Value::as_u64)
        .ok_or_else(|| ApiError {
            op: Operation::CreateCheckRun,
            status: Some(created.status),
            message: "the answer has no check run `id`".into(),
        })?;

    let path = client.repo_path(&format!("/check-runs/{id}"));
    for (i, batch) in batches.iter().enumerate().skip(1) {
        let mut body = json!({ "output": output(batch) });
        finish_if(&mut body, i == last, conclusion);
        client
            .patch(Operation::UpdateCheckRun, &path, &body)
            .await?;
    }
    Ok(id)
}

fn finish_if(body: &mut Value, last: bool, conclusion: &str) {
    if last {
        body["status"] = json!("completed");
        body["conclusion"] = json!(conclusion);
    } else {
        body["status"] = json!("in_progress");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Confidence, Validation};

    fn finding(line: u32, end_line: u32, severity: Severity) -> Finding {
        Finding {
            rule_id: "aws-access-key".into(),
            rule_name: "AWS access key".into(),
            severity,
            detail: String::new(),
            confidence: Confidence::High,
            validation: Validation::Verified,
            path: "src/a.rs".into(),
            line,
            column: 9,
            end_line,
            end_column: 28,
            redacted: "AKIA…(20 chars)".into(),
            fingerprint: "f".into(),
            line_hash: "h:1".into(),
            snippet: String::new(),
            remediation: "Rotate the key.".into(),
            provenance: None,
        }
    }

    #[test]
    fn annotations_sit_on_the_finding_and_columns_only_on_one_line() {
        let r = ScanResult {
            findings: vec![
                finding(3, 3, Severity::Medium),
                finding(10, 12, Severity::Critical),
            ],
            ..Default::default()
        };
        let a = annotations(&r, Some(Severity::High), &|_| None);
        assert_eq!(a.len(), 2);
        assert_eq!(a[0]["start_line"], 10, "most severe first");
        assert_eq!(a[0]["end_line"], 12);
        assert_eq!(a[0]["annotation_level"], "failure");
        assert!(a[0].get("start_column").is_none());
        assert_eq!(a[1]["annotation_level"], "warning", "below the threshold");
        assert_eq!(
            (a[1]["start_column"].clone(), a[1]["end_column"].clone()),
            (json!(9), json!(28))
        );
        assert!(a[1]["message"]
            .as_str()
            .is_some_and(|m| m.contains("AKIA…(20 chars)") && m.contains("Rotate")));
    }

    #[test]
    fn truncation_keeps_within_the_limit_on_a_char_boundary() {
        let long = "é".repeat(70_000);
        let t = truncate(&long, MAX_TEXT);
        assert!(t.chars().count() <= MAX_TEXT);
        assert!(t.ends_with("has everything)"));
        assert_eq!(truncate("short", MAX_TEXT), "short");
    }
}
