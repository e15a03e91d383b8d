//! The GitHub REST client the publishers share: octocrab for transport and auth, our own
//! retry loop around it, and errors that say what to change.
//!
//! Octocrab's typed calls turn every non-2xx answer into an error that has lost the
//! `Retry-After` and `x-ratelimit-*` headers, and its own `retry` feature (not enabled here)
//! retries 5xx without honouring `Retry-After`. So every call goes through octocrab's raw
//! `_get`/`_post`/`_patch`, which hand back the HTTP response, and [`crate::publish::retry`]
//! decides from the status and headers whether and when to try again.
//!
//! Paths are passed relative (`/repos/...`): octocrab then joins them to the base URI
//! (`GITHUB_API_URL`, path kept, so GitHub Enterprise Server's `/api/v3` works) and sends the
//! token only to that host.

use crate::findings::AccessToken;
use crate::publish::retry::{
    classify_status, with_retry, Attempt, RetryHints, RetryPolicy, StatusClass,
};
use octocrab::Octocrab;
use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// The REST operations the gate calls, named as in GitHub's API description
/// (`shared/specs/github-rest-subset.json`), so an error names the call that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    UploadSarif,
    GetSarif,
    CreateCheckRun,
    UpdateCheckRun,
    ListPullFiles,
    ListComments,
    CreateComment,
    UpdateComment,
    ListReviewComments,
    CreateReview,
}

impl Operation {
    pub fn id(self) -> &'static str {
        match self {
            Self::UploadSarif => "code-scanning/upload-sarif",
            Self::GetSarif => "code-scanning/get-sarif",
            Self::CreateCheckRun => "checks/create",
            Self::UpdateCheckRun => "checks/update",
            Self::ListPullFiles => "pulls/list-files",
            Self::ListComments => "issues/list-comments",
            Self::CreateComment => "issues/create-comment",
            Self::UpdateComment => "issues/update-comment",
            Self::ListReviewComments => "pulls/list-review-comments",
            Self::CreateReview => "pulls/create-review",
        }
    }

    fn is_code_scanning(self) -> bool {
        matches!(self, Self::UploadSarif | Self::GetSarif)
    }

    fn is_checks(self) -> bool {
        matches!(self, Self::CreateCheckRun | Self::UpdateCheckRun)
    }

    fn is_review(self) -> bool {
        matches!(self, Self::ListReviewComments | Self::CreateReview)
    }

    fn is_comment(self) -> bool {
        matches!(
            self,
            Self::ListComments | Self::CreateComment | Self::UpdateComment
        )
    }
}

/// A failed API call: which operation, the HTTP status (none for transport errors), GitHub's
/// message, and what to change.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub op: Operation,
    pub status: Option<u16>,
    pub message: String,
}

impl ApiError {
    /// The token is valid but may not do this (403, not a rate limit) or cannot see the
    /// resource (404): on a fork pull request, a read-only token.
    pub fn is_forbidden(&self) -> bool {
        matches!(self.status, Some(403) | Some(404))
    }

    /// What to change, for the statuses where we know.
    pub fn hint(&self) -> Option<String> {
        let msg = self.message.to_ascii_lowercase();
        let op = self.op;
        let hint = match self.status? {
            401 => "the token was rejected: check the action's `token` input (default \
                    `${{ github.token }}`) or the GITHUB_TOKEN / GH_TOKEN you pass"
                .to_string(),
            403 | 404 if op.is_code_scanning() => {
                if msg.contains("advanced security") || msg.contains("code security") {
                    "code scanning is not available on this repository: on a private or \
                     internal repository enable GitHub Code Security (Advanced Security), \
                     or set `upload-sarif: false`"
                        .to_string()
                } else if msg.contains("not enabled") || self.status == Some(404) {
                    "code scanning is not enabled for this repository (or the token cannot \
                     see it): enable it in Settings > Code security, or set \
                     `upload-sarif: false`"
                        .to_string()
                } else {
                    "the token may not upload code-scanning results: give the job \
                     `permissions: security-events: write` (on a private repository code \
                     scanning must also be enabled; a fork's token is read-only)"
                        .to_string()
                }
            }
            403 | 404 if op.is_checks() => "the token may not create check runs: give the job \
                 `permissions: checks: write` (check runs need a GitHub App token such as \
                 GITHUB_TOKEN; a personal access token gets 403), or set `check-run: false`"
                .to_string(),
            403 | 404 if op.is_comment() => {
                "the token may not comment on the pull request: give the job \
                 `permissions: pull-requests: write`, or set `pr-comment: false`"
                    .to_string()
            }
            403 | 404 if op.is_review() => {
                "the token may not review the pull request: give the job \
                 `permissions: pull-requests: write` for suggested fixes, or set \
                 `suggest-fixes: false`"
                    .to_string()
            }
            422 if op.is_review() => "GitHub refused a suggestion (its line is outside the pull \
                 request's diff, or the diff changed since the checkout); the findings are in \
                 the annotations and the summary"
                .to_string(),
            403 | 404 if op == Operation::ListPullFiles => {
                "the token cannot read the pull request: give the job `permissions: \
                 contents: read` and `pull-requests: read`"
                    .to_string()
            }
            413 => "the SARIF upload is too large for code scanning (10 MB compressed)".to_string(),
            429 => "GitHub's rate limit was still exceeded after the retries".to_string(),
            s if s >= 500 => "GitHub kept failing after the retries; re-run the job".to_string(),
            _ => return None,
        };
        Some(hint)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "{} failed with HTTP {s}", self.op.id())?,
            None => write!(f, "{} failed", self.op.id())?,
        }
        if !self.message.is_empty() {
            write!(f, " ({})", self.message)?;
        }
        if let Some(h) = self.hint() {
            write!(f, ": {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    /// The JSON body (`Null` when empty).
    pub body: Value,
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
}

/// A client for one repository.
pub struct GithubClient {
    octo: Octocrab,
    owner: String,
    repo: String,
    policy: RetryPolicy,
}

impl GithubClient {
    /// `api_url` is `GITHUB_API_URL` (`http://127.0.0.1:PORT` in tests).
    pub fn new(
        api_url: &str,
        token: &AccessToken,
        owner: &str,
        repo: &str,
        policy: RetryPolicy,
    ) -> anyhow::Result<Self> {
        let accept = "application/vnd.github+json".to_string();
        let octo = Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| anyhow::anyhow!("GITHUB_API_URL `{api_url}` is not a URL: {e}"))?
            .personal_token(token.expose().to_string())
            .add_header(
                "accept"
                    .parse()
                    .map_err(|e| anyhow::anyhow!("header name: {e}"))?,
                accept,
            )
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(60)))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the GitHub client: {e}"))?;
        Ok(Self {
            octo,
            owner: owner.to_string(),
            repo: repo.to_string(),
            policy,
        })
    }

    /// `/repos/{owner}/{repo}` followed by `rest` (which starts with `/`).
    pub fn repo_path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.owner, self.repo)
    }

    pub async fn get(&self, op: Operation, path: &str) -> Result<ApiResponse, ApiError> {
        self.send(op, Method::Get, path, None).await
    }

    pub async fn post(
        &self,
        op: Operation,
        path: &str,
        body: &Value,
    ) -> Result<ApiResponse, ApiError> {
        self.send(op, Method::Post, path, Some(body)).await
    }

    pub async fn patch(
        &self,
        op: Operation,
        path: &str,
        body: &Value,
    ) -> Result<ApiResponse, ApiError> {
        self.send(op, Method::Patch, path, Some(body)).await
    }

    async fn send(
        &self,
        op: Operation,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ApiResponse, ApiError> {
        with_retry(self.policy, |_| self.attempt(op, method, path, body)).await
    }

    async fn attempt(
        &self,
        op: Operation,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Attempt<ApiResponse, ApiError> {
        let transport = |e: octocrab::Error| ApiError {
            op,
            status: None,
            message: transport_message(&e),
        };
        let sent = match method {
            Method::Get => self.octo._get(path).await,
            Method::Post => self.octo._post(path, body).await,
            Method::Patch => self.octo._patch(path, body).await,
        };
        let resp = match sent {
            Ok(r) => r,
            // Connection refused, reset, timed out: worth another try.
            Err(e) => {
                return Attempt::Retry {
                    after: None,
                    error: transport(e),
                }
            }
        };
        let status = resp.status().as_u16();
        let hints = RetryHints::from_headers(resp.headers());
        let text = match self.octo.body_to_string(resp).await {
            Ok(t) => t,
            Err(e) => {
                return Attempt::Retry {
                    after: None,
                    error: transport(e),
                }
            }
        };
        let json: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        let message = json
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| text.chars().take(200).collect());
        // GitHub's secondary rate limit may come as a bare 403 with only a message; the docs
        // say to wait at least a minute then.
        let secondary = status == 403 && message.to_ascii_lowercase().contains("rate limit");
        let hint = hints
            .retry_after
            .or_else(|| hints.reset_in.filter(|_| hints.exhausted))
            .or_else(|| secondary.then_some(Duration::from_secs(60)));
        let error = || ApiError {
            op,
            status: Some(status),
            message: message.clone(),
        };
        match classify_status(status, hint, hints.exhausted || secondary) {
            StatusClass::Success => Attempt::Done(ApiResponse { status, body: json }),
            StatusClass::Retryable(after) => Attempt::Retry {
                after,
                error: error(),
            },
            StatusClass::Final => Attempt::Fail(error()),
        }
    }
}

/// A transport error as one line, with the cause chain (octocrab's outer message alone says
/// only "Service error").
fn transport_message(e: &octocrab::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        // Layers often repeat their inner error's text in their own.
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(op: Operation, status: u16, message: &str) -> ApiError {
        ApiError {
            op,
            status: Some(status),
            message: message.into(),
        }
    }

    #[test]
    fn hints_name_the_permission_or_product_that_is_missing() {
        let e = err(Operation::CreateCheckRun, 401, "Bad credentials").to_string();
        assert!(
            e.contains("checks/create failed with HTTP 401") && e.contains("token was rejected"),
            "{e}"
        );
        let e = err(
            Operation::UploadSarif,
            403,
            "Resource not accessible by integration",
        )
        .to_string();
        assert!(e.contains("security-events: write"), "{e}");
        let e = err(
            Operation::UploadSarif,
            403,
            "Advanced Security must be enabled for this repository to use code scanning.",
        )
        .to_string();
        assert!(e.contains("Code Security"), "{e}");
        let e = err(Operation::UploadSarif, 404, "Not Found").to_string();
        assert!(e.contains("not enabled"), "{e}");
        let e = err(
            Operation::CreateCheckRun,
            403,
            "Resource not accessible by integration",
        )
        .to_string();
        assert!(e.contains("checks: write"), "{e}");
        let e = err(Operation::CreateComment, 403, "").to_string();
        assert!(e.contains("pull-requests: write"), "{e}");
        assert!(err(Operation::UploadSarif, 422, "bad").hint().is_none());
    }
}
