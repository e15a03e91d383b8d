//! A small Azure DevOps REST client for one pull request: bearer auth with the build's
//! token, `api-version=7.1` on every call, bounded retries through [`crate::publish::retry`],
//! and errors that say what to change.

use crate::findings::AccessToken;
use crate::publish::retry::{
    classify_status, with_retry, Attempt, RetryHints, RetryPolicy, StatusClass,
};
use reqwest::{Method, Url};
use serde_json::Value;
use std::time::Duration;

/// The GA REST version every request names.
pub const API_VERSION: &str = "7.1";

/// Where a pull request lives: `{collection}{project}/_apis/git/repositories/{repo}/pullRequests/{id}`.
#[derive(Debug, Clone)]
pub struct PullRequestRef {
    /// Collection URI ending in `/`, e.g. `https://dev.azure.com/org/`.
    pub collection_uri: String,
    pub project: String,
    pub repository_id: String,
    pub pull_request_id: u32,
}

/// A failed call. `Display` says what to change where the cause is known (401 and 403).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(
        "{op}: Azure DevOps answered 401 Unauthorized: the build's token is missing or was refused. \
         Map it into the step with `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` \
         (the secretgate task passes it by itself)"
    )]
    Unauthorized { op: &'static str },
    #[error(
        "{op}: Azure DevOps answered 403 Forbidden{detail}: the build identity (the project's \
         \"Build Service\" account) lacks the \"Contribute to pull requests\" permission on this \
         repository (Project settings > Repositories > Security); also check that System.AccessToken \
         is mapped with `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`"
    )]
    Forbidden { op: &'static str, detail: String },
    #[error("{op}: Azure DevOps answered HTTP {status}{detail}")]
    Status {
        op: &'static str,
        status: u16,
        detail: String,
    },
    #[error("{op}: {message}")]
    Transport { op: &'static str, message: String },
    #[error("{op}: unexpected response: {message}")]
    Decode { op: &'static str, message: String },
}

impl ApiError {
    /// True for 401 and 403: every further call with the same token fails the same way.
    pub fn is_permission(&self) -> bool {
        matches!(self, Self::Unauthorized { .. } | Self::Forbidden { .. })
    }
}

/// Calls the REST API for one pull request.
pub struct Client {
    http: reqwest::Client,
    pr: PullRequestRef,
    base: Url,
    token: AccessToken,
    retry: RetryPolicy,
}

impl Client {
    pub fn new(
        pr: PullRequestRef,
        token: AccessToken,
        retry: RetryPolicy,
    ) -> Result<Self, ApiError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("secretgate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ApiError::Transport {
                op: "set up the HTTP client",
                message: e.to_string(),
            })?;
        let base = Url::parse(&pr.collection_uri).map_err(|e| ApiError::Transport {
            op: "read SYSTEM_COLLECTIONURI",
            message: e.to_string(),
        })?;
        Ok(Self {
            http,
            pr,
            base,
            token,
            retry,
        })
    }

    pub fn pull_request(&self) -> &PullRequestRef {
        &self.pr
    }

    /// The URL of `pullRequests/{id}/{tail...}` with `query` and `api-version` appended.
    /// Query keys are constants such as `$top`; values are escaped.
    pub fn url(&self, tail: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segs) = url.path_segments_mut() {
            let id = self.pr.pull_request_id.to_string();
            segs.pop_if_empty()
                .extend([
                    self.pr.project.as_str(),
                    "_apis",
                    "git",
                    "repositories",
                    self.pr.repository_id.as_str(),
                    "pullRequests",
                    id.as_str(),
                ])
                .extend(tail);
        }
        let mut q = String::new();
        for (k, v) in query.iter().chain([&("api-version", API_VERSION)]) {
            q.push_str(&format!("{k}={}&", escape_query_value(v)));
        }
        url.set_query(Some(q.trim_end_matches('&')));
        url
    }

    pub async fn get(
        &self,
        op: &'static str,
        tail: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Value, ApiError> {
        self.send(op, Method::GET, self.url(tail, query), None)
            .await
    }

    pub async fn post(
        &self,
        op: &'static str,
        tail: &[&str],
        body: &Value,
    ) -> Result<Value, ApiError> {
        self.send(op, Method::POST, self.url(tail, &[]), Some(body))
            .await
    }

    pub async fn patch(
        &self,
        op: &'static str,
        tail: &[&str],
        body: &Value,
    ) -> Result<Value, ApiError> {
        self.send(op, Method::PATCH, self.url(tail, &[]), Some(body))
            .await
    }

    /// GETs a list; the service wraps lists as `{"count": n, "value": [...]}`.
    pub async fn list(
        &self,
        op: &'static str,
        tail: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Vec<Value>, ApiError> {
        match self.get(op, tail, query).await? {
            Value::Object(mut o) => match o.remove("value") {
                Some(Value::Array(items)) => Ok(items),
                _ => Err(ApiError::Decode {
                    op,
                    message: "no `value` list in the answer".into(),
                }),
            },
            Value::Array(items) => Ok(items),
            _ => Err(ApiError::Decode {
                op,
                message: "the answer is not a JSON object".into(),
            }),
        }
    }

    async fn send(
        &self,
        op: &'static str,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        with_retry(self.retry, |_| self.attempt(op, &method, &url, body)).await
    }

    async fn attempt(
        &self,
        op: &'static str,
        method: &Method,
        url: &Url,
        body: Option<&Value>,
    ) -> Attempt<Value, ApiError> {
        let mut req = self
            .http
            .request(method.clone(), url.clone())
            .bearer_auth(self.token.expose())
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                // Connection refused, reset or timed out: worth another try.
                let message = transport_message(&e);
                return Attempt::Retry {
                    after: None,
                    error: ApiError::Transport { op, message },
                };
            }
        };
        let status = resp.status().as_u16();
        let hints = RetryHints::from_headers(resp.headers());
        let class = classify_status(status, hints.retry_after, hints.exhausted);
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) => {
                let message = transport_message(&e);
                return Attempt::Retry {
                    after: None,
                    error: ApiError::Transport { op, message },
                };
            }
        };
        match class {
            StatusClass::Success => {
                if text.trim().is_empty() {
                    return Attempt::Done(Value::Null);
                }
                match serde_json::from_str(&text) {
                    Ok(v) => Attempt::Done(v),
                    Err(e) => Attempt::Fail(ApiError::Decode {
                        op,
                        message: e.to_string(),
                    }),
                }
            }
            StatusClass::Retryable(after) => Attempt::Retry {
                after,
                error: status_error(op, status, &text),
            },
            StatusClass::Final => Attempt::Fail(status_error(op, status, &text)),
        }
    }
}

fn escape_query_value(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn transport_message(e: &reqwest::Error) -> String {
    // reqwest's Display includes the URL, which holds no secret (the token is a header).
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// The service's own explanation (`{"message": "TF401027: ..."}`), shortened.
fn service_message(body: &str) -> String {
    let msg = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let msg = msg.trim();
    if msg.is_empty() {
        return String::new();
    }
    let mut short: String = msg.chars().take(300).collect();
    if msg.chars().count() > 300 {
        short.push('…');
    }
    format!(" ({short})")
}

fn status_error(op: &'static str, status: u16, body: &str) -> ApiError {
    match status {
        401 => ApiError::Unauthorized { op },
        403 => ApiError::Forbidden {
            op,
            detail: service_message(body),
        },
        _ => ApiError::Status {
            op,
            status,
            detail: service_message(body),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::new(
            PullRequestRef {
                collection_uri: "https://dev.azure.com/fabrikam/".into(),
                project: "Fabrikam Fiber".into(),
                repository_id: "3411ebc1".into(),
                pull_request_id: 22,
            },
            AccessToken::new("t"),
            RetryPolicy::default(),
        )
        .expect("client")
    }

    #[test]
    fn urls_escape_the_project_and_always_carry_the_api_version() {
        let url = client().url(&["threads", "7"], &[("$top", "10")]);
        assert_eq!(
            url.as_str(),
            "https://dev.azure.com/fabrikam/Fabrikam%20Fiber/_apis/git/repositories/3411ebc1/pullRequests/22/threads/7?$top=10&api-version=7.1"
        );
    }

    #[test]
    fn permission_errors_say_what_to_grant_and_map() {
        let e = status_error(
            "create a thread",
            403,
            r#"{"message":"TF401027: You need the Git 'PullRequestContribute' permission"}"#,
        );
        let msg = e.to_string();
        assert!(e.is_permission());
        assert!(msg.contains("Contribute to pull requests"), "{msg}");
        assert!(
            msg.contains("SYSTEM_ACCESSTOKEN: $(System.AccessToken)"),
            "{msg}"
        );
        assert!(msg.contains("TF401027"), "{msg}");
        let msg = status_error("post the status", 401, "").to_string();
        assert!(
            msg.contains("SYSTEM_ACCESSTOKEN: $(System.AccessToken)"),
            "{msg}"
        );
        assert!(!status_error("x", 500, "oops").is_permission());
    }
}
