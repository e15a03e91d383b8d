//! One sticky pull-request comment, found again by a hidden marker and updated in place on
//! later runs instead of piling up.

use super::checks::truncate;
use super::client::{ApiError, GithubClient, Operation};
use serde_json::{json, Value};

/// Hidden marker that identifies our comment.
pub const MARKER: &str = "<!-- secretgate:sticky-comment -->";
/// Comment body limit, in characters.
const MAX_BODY: usize = 65_536;
/// Pages of 100 comments searched for the marker.
const MAX_PAGES: u32 = 10;

/// What happened to the comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created(u64),
    Updated(u64),
    /// Clean run and no earlier comment: nothing worth saying.
    Skipped,
}

/// Finds our earlier comment on the pull request, if any.
async fn find(client: &GithubClient, number: u64) -> Result<Option<u64>, ApiError> {
    for page in 1..=MAX_PAGES {
        let path = client.repo_path(&format!(
            "/issues/{number}/comments?per_page=100&page={page}"
        ));
        let resp = client.get(Operation::ListComments, &path).await?;
        let items = resp.body.as_array().cloned().unwrap_or_default();
        let found = items.iter().find_map(|c| {
            c.get("body")
                .and_then(Value::as_str)
                .filter(|b| b.contains(MARKER))
                .and(c.get("id").and_then(Value::as_u64))
        });
        if found.is_some() {
            return Ok(found);
        }
        if items.len() < 100 {
            break;
        }
    }
    Ok(None)
}

/// Writes `markdown` as our comment: updates the earlier one, else creates one unless
/// `create` is false (a clean run does not start a conversation).
pub async fn upsert(
    client: &GithubClient,
    number: u64,
    markdown: &str,
    create: bool,
) -> Result<Outcome, ApiError> {
    let body = json!({ "body": truncate(&format!("{MARKER}\n{markdown}"), MAX_BODY) });
    if let Some(id) = find(client, number).await? {
        let path = client.repo_path(&format!("/issues/comments/{id}"));
        match client.patch(Operation::UpdateComment, &path, &body).await {
            Ok(_) => return Ok(Outcome::Updated(id)),
            // Someone else's comment carrying our marker: leave it, write our own.
            Err(e) if e.is_forbidden() => {}
            Err(e) => return Err(e),
        }
    } else if !create {
        return Ok(Outcome::Skipped);
    }
    let path = client.repo_path(&format!("/issues/{number}/comments"));
    let resp = client.post(Operation::CreateComment, &path, &body).await?;
    Ok(Outcome::Created(
        resp.body.get("id").and_then(Value::as_u64).unwrap_or(0),
    ))
}
