//! The pull request's file list (`GET /repos/{o}/{r}/pulls/{n}/files`): the fallback input
//! when git cannot give the range (objects missing even after deepening the clone).
//!
//! The API pages 100 files at a time and lists at most 3,000 files; files whose diff is too
//! large come without a `patch`.

use super::client::{ApiError, GithubClient, Operation};
use serde_json::Value;

/// Files the API lists at most.
pub const FILES_CAP: usize = 3000;
const PER_PAGE: usize = 100;

/// One changed file as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullFile {
    pub filename: String,
    /// added, removed, modified, renamed, copied, changed, unchanged
    pub status: String,
    /// Unified diff hunks; `None` when GitHub left it out (large or binary files).
    pub patch: Option<String>,
}

/// The list, and whether it hit the API's cap (then it may be incomplete).
#[derive(Debug, Clone, Default)]
pub struct PullFiles {
    pub files: Vec<PullFile>,
    pub capped: bool,
}

/// Lists every file of pull request `number`, page by page.
pub async fn list_files(client: &GithubClient, number: u64) -> Result<PullFiles, ApiError> {
    let mut out = PullFiles::default();
    for page in 1..=FILES_CAP.div_ceil(PER_PAGE) {
        let path = client.repo_path(&format!(
            "/pulls/{number}/files?per_page={PER_PAGE}&page={page}"
        ));
        let resp = client.get(Operation::ListPullFiles, &path).await?;
        let items = resp.body.as_array().ok_or_else(|| ApiError {
            op: Operation::ListPullFiles,
            status: Some(resp.status),
            message: "the answer is not a list of files".into(),
        })?;
        out.files.extend(items.iter().filter_map(|f| {
            Some(PullFile {
                filename: f.get("filename")?.as_str()?.to_string(),
                status: f
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("modified")
                    .to_string(),
                patch: f.get("patch").and_then(Value::as_str).map(str::to_string),
            })
        }));
        if items.len() < PER_PAGE {
            break;
        }
    }
    out.capped = out.files.len() >= FILES_CAP;
    Ok(out)
}
