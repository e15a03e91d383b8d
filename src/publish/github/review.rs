//! Suggested changes: one pull-request review per run (event `COMMENT`) with a comment on
//! each line that has an exact rewrite. A comment carries a hidden marker with the
//! finding's fingerprint, so a re-run leaves out what is already there.

use super::client::{ApiError, GithubClient, Operation};
use serde_json::{json, Value};

/// Pages of 100 review comments searched for our markers.
const MAX_PAGES: u32 = 10;

/// The hidden marker of the suggestion for the finding `fingerprint`.
pub fn marker(fingerprint: &str) -> String {
    format!("<!-- secretgate:suggestion {fingerprint} -->")
}

/// One comment of the review.
#[derive(Debug, Clone)]
pub struct LineComment {
    pub path: String,
    pub line: u32,
    pub fingerprint: String,
    /// Markdown, without the marker.
    pub body: String,
}

/// What happened to the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Posted with this many comments.
    Posted(usize),
    /// Every suggestion is already on the pull request.
    AlreadyThere,
}

/// The markers in the review comments already on the pull request.
async fn existing(client: &GithubClient, number: u64) -> Result<Vec<String>, ApiError> {
    let mut bodies = Vec::new();
    for page in 1..=MAX_PAGES {
        let path = client.repo_path(&format!(
            "/pulls/{number}/comments?per_page=100&page={page}"
        ));
        let resp = client.get(Operation::ListReviewComments, &path).await?;
        let items = resp.body.as_array().cloned().unwrap_or_default();
        bodies.extend(
            items
                .iter()
                .filter_map(|c| c.get("body").and_then(Value::as_str))
                .filter(|b| b.contains("<!-- secretgate:suggestion "))
                .map(str::to_string),
        );
        if items.len() < 100 {
            break;
        }
    }
    Ok(bodies)
}

/// Posts one review on `commit_id` with the comments not already on the pull request.
/// `comments` must not be empty.
pub async fn post(
    client: &GithubClient,
    number: u64,
    commit_id: &str,
    body: &str,
    comments: &[LineComment],
) -> Result<Outcome, ApiError> {
    let there = existing(client, number).await?;
    let new: Vec<Value> = comments
        .iter()
        .filter(|c| {
            let m = marker(&c.fingerprint);
            !there.iter().any(|b| b.contains(&m))
        })
        .map(|c| {
            json!({
                "path": c.path,
                "line": c.line,
                "side": "RIGHT",
                "body": format!("{}\n{}", marker(&c.fingerprint), c.body),
            })
        })
        .collect();
    if new.is_empty() {
        return Ok(Outcome::AlreadyThere);
    }
    let n = new.len();
    let review = json!({
        "commit_id": commit_id,
        "event": "COMMENT",
        "body": body,
        "comments": new,
    });
    let path = client.repo_path(&format!("/pulls/{number}/reviews"));
    client.post(Operation::CreateReview, &path, &review).await?;
    Ok(Outcome::Posted(n))
}
