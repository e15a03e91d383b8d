//! Pull-request threads: one per finding, on the file and line that adds the secret.
//!
//! Each thread carries the property [`MARKER_PROPERTY`] (the finding's fingerprint and
//! path), so a re-run recognises its own threads: a finding that still has a thread is
//! left alone, a new finding gets a thread, and a thread whose finding is gone is
//! resolved (`fixed`). A thread a reviewer closed as `wontFix`, `byDesign` or `closed`
//! stays as the reviewer left it.

use super::client::{ApiError, Client};
use crate::findings::Finding;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// The thread property that identifies secretgate's threads and the finding each is about.
pub const MARKER_PROPERTY: &str = "secretgate.fingerprint";

/// At most this many new threads per run; the rest are counted in the log and the summary.
pub const MAX_NEW_THREADS: usize = 50;

/// Renders a finding's thread text (Markdown); the caller passes the reporter's.
pub type Comment = dyn Fn(&Finding) -> String;

/// What a [`sync`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadSync {
    pub created: usize,
    /// Findings that already had an open (or reviewer-closed) thread.
    pub kept: usize,
    /// Threads secretgate had resolved whose finding came back.
    pub reopened: usize,
    /// Threads resolved because their finding is gone.
    pub resolved: usize,
    /// Findings left without a thread because of [`MAX_NEW_THREADS`].
    pub over_limit: usize,
}

/// One finding's marker: fingerprint and path, plus `#n` for the n-th repeat of the same
/// secret in the same file (in line order).
pub fn markers(findings: &[Finding]) -> Vec<(String, &Finding)> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    sorted
        .into_iter()
        .map(|f| {
            let n = seen
                .entry((f.fingerprint.as_str(), f.path.as_str()))
                .or_insert(0);
            *n += 1;
            let marker = if *n == 1 {
                format!("{}:{}", f.fingerprint, f.path)
            } else {
                format!("{}:{}#{}", f.fingerprint, f.path, n)
            };
            (marker, f)
        })
        .collect()
}

/// The body of a new thread for `finding`: anchored on the right (new) side of the diff,
/// redacted text and remediation only.
pub fn new_thread(marker: &str, finding: &Finding, comment: &Comment) -> Value {
    json!({
        "comments": [{
            "parentCommentId": 0,
            "content": comment(finding),
            "commentType": "text",
        }],
        "status": "active",
        "threadContext": {
            "filePath": format!("/{}", finding.path.trim_start_matches('/')),
            "rightFileStart": { "line": finding.line, "offset": finding.column },
            "rightFileEnd": { "line": finding.end_line, "offset": finding.end_column.saturating_add(1) },
        },
        "properties": {
            MARKER_PROPERTY: { "$type": "System.String", "$value": marker },
        },
    })
}

/// An existing thread of ours: its id, status and marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OurThread {
    pub id: u64,
    pub status: String,
    pub marker: String,
}

/// Picks secretgate's threads out of the pull request's thread list.
pub fn our_threads(threads: &[Value]) -> Vec<OurThread> {
    threads
        .iter()
        .filter(|t| !t.get("isDeleted").and_then(Value::as_bool).unwrap_or(false))
        .filter_map(|t| {
            let prop = t.get("properties")?.get(MARKER_PROPERTY)?;
            // The service answers `{"$type": ..., "$value": ...}`; accept a bare string too.
            let marker = prop.get("$value").unwrap_or(prop).as_str()?.to_string();
            Some(OurThread {
                id: t.get("id")?.as_u64()?,
                status: t
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_string(),
                marker,
            })
        })
        .collect()
}

fn is_open(status: &str) -> bool {
    matches!(status, "active" | "pending" | "unknown")
}

/// Brings the pull request's threads in line with `findings`. Stops at the first call that
/// fails (after its retries); the counts so far are lost with it, the error says why.
pub async fn sync(
    client: &Client,
    findings: &[Finding],
    comment: &Comment,
) -> Result<ThreadSync, ApiError> {
    let existing = client
        .list("list the pull request's threads", &["threads"], &[])
        .await?;
    let ours = our_threads(&existing);
    let by_marker: HashMap<&str, &OurThread> =
        ours.iter().map(|t| (t.marker.as_str(), t)).collect();

    let mut out = ThreadSync::default();
    let wanted = markers(findings);
    let wanted_set: HashSet<&str> = wanted.iter().map(|(m, _)| m.as_str()).collect();
    for (marker, finding) in &wanted {
        match by_marker.get(marker.as_str()) {
            Some(t) if t.status == "fixed" => {
                let id = t.id.to_string();
                client
                    .patch(
                        "reopen a thread",
                        &["threads", &id],
                        &json!({ "status": "active" }),
                    )
                    .await?;
                out.reopened += 1;
            }
            Some(_) => out.kept += 1,
            None if out.created >= MAX_NEW_THREADS => out.over_limit += 1,
            None => {
                client
                    .post(
                        "create a thread",
                        &["threads"],
                        &new_thread(marker, finding, comment),
                    )
                    .await?;
                out.created += 1;
            }
        }
    }
    for t in &ours {
        if is_open(&t.status) && !wanted_set.contains(t.marker.as_str()) {
            let id = t.id.to_string();
            client
                .patch(
                    "resolve a thread",
                    &["threads", &id],
                    &json!({ "status": "fixed" }),
                )
                .await?;
            out.resolved += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::findings::{Confidence, Severity, Validation};

    pub(crate) fn finding(path: &str, line: u32, fp: &str) -> Finding {
        Finding {
            rule_id: "aws-access-key-id".into(),
            rule_name: "AWS access key ID".into(),
            severity: Severity::Critical,
            detail: String::new(),
            confidence: Confidence::High,
            validation: Validation::None,
            path: path.into(),
            line,
            column: 9,
            end_line: line,
            end_column: 28,
            redacted: "AKIA…(20 chars)".into(),
            fingerprint: fp.into(),
            line_hash: "00:1".into(),
            snippet: "key = AKIA…(20 chars)".into(),
            remediation: "Deactivate the key in IAM.".into(),
            provenance: None,
        }
    }

    #[test]
    fn repeats_of_one_secret_in_one_file_get_distinct_markers() {
        let fs = [
            finding("a.env", 9, "f1"),
            finding("a.env", 3, "f1"),
            finding("b.env", 1, "f1"),
        ];
        let m: Vec<String> = markers(&fs).into_iter().map(|(m, _)| m).collect();
        assert_eq!(m, ["f1:a.env", "f1:a.env#2", "f1:b.env"]);
    }

    #[test]
    fn a_thread_is_anchored_on_the_right_side_with_a_rooted_path() {
        let comment = |f: &Finding| format!("about {}", f.redacted);
        let t = new_thread("f1:src/a.env", &finding("src/a.env", 4, "f1"), &comment);
        assert_eq!(t["threadContext"]["filePath"], "/src/a.env");
        assert_eq!(
            t["threadContext"]["rightFileStart"],
            json!({"line": 4, "offset": 9})
        );
        assert_eq!(
            t["threadContext"]["rightFileEnd"],
            json!({"line": 4, "offset": 29})
        );
        assert_eq!(t["properties"][MARKER_PROPERTY]["$value"], "f1:src/a.env");
        let body = t["comments"][0]["content"].as_str().unwrap_or_default();
        assert_eq!(body, "about AKIA…(20 chars)");
    }

    #[test]
    fn only_our_live_threads_are_picked_up() {
        let threads = [
            json!({"id": 1, "status": "active", "properties": {MARKER_PROPERTY: {"$type": "System.String", "$value": "f1:a"}}}),
            json!({"id": 2, "status": "fixed", "properties": {MARKER_PROPERTY: "f2:a"}}),
            json!({"id": 3, "status": "active", "properties": {"CodeReviewThreadType": {"$value": "VoteUpdate"}}}),
            json!({"id": 4, "status": "active", "isDeleted": true, "properties": {MARKER_PROPERTY: "f3:a"}}),
            json!({"id": 5, "status": "active", "properties": null}),
        ];
        let ours = our_threads(&threads);
        assert_eq!(
            ours,
            [
                OurThread {
                    id: 1,
                    status: "active".into(),
                    marker: "f1:a".into()
                },
                OurThread {
                    id: 2,
                    status: "fixed".into(),
                    marker: "f2:a".into()
                },
            ]
        );
    }
}
