//! The files a pull request adds or edits, from its iterations API: the change-set
//! fallback when git cannot give the pull request's range.

use super::client::{ApiError, Client};
use serde_json::Value;

/// Pages of iteration changes read at most (2000 entries each).
const MAX_CHANGE_PAGES: usize = 50;

/// Repository-relative paths of the files the pull request adds or edits (latest iteration
/// against the common commit).
pub async fn changed_paths(client: &Client) -> Result<Vec<String>, ApiError> {
    const OP: &str = "list the pull request's iterations";
    let iterations = client.list(OP, &["iterations"], &[]).await?;
    let last = iterations
        .iter()
        .filter_map(|i| i.get("id").and_then(Value::as_u64))
        .max()
        .ok_or(ApiError::Decode {
            op: OP,
            message: "the pull request has no iterations".into(),
        })?
        .to_string();
    let mut paths = Vec::new();
    let mut skip = 0u64;
    for _ in 0..MAX_CHANGE_PAGES {
        let skip_s = skip.to_string();
        let page = client
            .get(
                "list the iteration's changes",
                &["iterations", &last, "changes"],
                &[("$top", "2000"), ("$skip", &skip_s)],
            )
            .await?;
        let entries = page
            .get("changeEntries")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for e in entries {
            let kind = e
                .get("changeType")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let item = e.get("item");
            let is_file = item
                .and_then(|i| i.get("gitObjectType").and_then(Value::as_str))
                .is_none_or(|t| t == "blob")
                && !item
                    .and_then(|i| i.get("isFolder"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
            let adds = kind
                .split(',')
                .map(str::trim)
                .any(|k| matches!(k, "add" | "edit" | "rename" | "copy"))
                && !kind.contains("delete");
            if let (true, true, Some(p)) = (
                is_file,
                adds,
                item.and_then(|i| i.get("path")).and_then(Value::as_str),
            ) {
                paths.push(p.trim_start_matches('/').to_string());
            }
        }
        match page.get("nextSkip").and_then(Value::as_u64) {
            Some(n) if n > skip => skip = n,
            _ => break,
        }
    }
    paths.sort();
    paths.dedup();
    Ok(paths)
}
