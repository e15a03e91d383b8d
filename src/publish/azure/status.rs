//! The pull-request status `secretgate/secret-scan`, which a "Status check" branch policy
//! can require. A new status with the same genre and name supersedes the previous one.

use super::client::{ApiError, Client};
use crate::findings::{ScanResult, Severity};
use serde_json::{json, Value};

pub const GENRE: &str = "secretgate";
pub const NAME: &str = "secret-scan";

/// `GitStatusState` values secretgate posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Succeeded,
    Failed,
    /// The gate could not decide (it could not build the change set, say).
    Error,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Error => "error",
        }
    }
}

/// Descriptions longer than this are cut (with `…`).
const DESCRIPTION_MAX: usize = 250;

fn truncate(d: &str) -> String {
    if d.chars().count() > DESCRIPTION_MAX {
        d.chars().take(DESCRIPTION_MAX - 1).collect::<String>() + "…"
    } else {
        d.to_string()
    }
}

/// A status to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub state: State,
    pub description: String,
    /// The build results page.
    pub target_url: Option<String>,
}

impl Status {
    /// The status for a finished scan. `threshold` is the failing severity (`None`: never fail).
    pub fn for_result(
        result: &ScanResult,
        threshold: Option<Severity>,
        target_url: Option<String>,
    ) -> Self {
        let total = result.findings.len();
        let failing = threshold.map_or(0, |t| result.failing(t).count());
        let state = if failing > 0 {
            State::Failed
        } else {
            State::Succeeded
        };
        let description = if total == 0 {
            "No secrets found in the changed lines".to_string()
        } else {
            let mut counts = Vec::new();
            for sev in Severity::ALL.iter().rev() {
                let n = result
                    .findings
                    .iter()
                    .filter(|f| f.severity == *sev)
                    .count();
                if n > 0 {
                    counts.push(format!("{n} {sev}"));
                }
            }
            let noun = if total == 1 { "secret" } else { "secrets" };
            let mut d = format!(
                "{total} {noun} found in the changed lines ({})",
                counts.join(", ")
            );
            if failing == 0 {
                match threshold {
                    Some(t) => d.push_str(&format!("; none at or above {t}")),
                    None => d.push_str("; the gate does not fail on findings"),
                }
            }
            d
        };
        let mut status = Self {
            state,
            description,
            target_url,
        };
        if let n @ 1.. = result.inline_allowed.len() {
            let noun = if n == 1 {
                "suppression"
            } else {
                "suppressions"
            };
            status.add_note(&format!("{n} inline {noun} (listed in the summary)"));
        }
        status
    }

    /// Appends a note to the description, within the length the API keeps.
    pub fn add_note(&mut self, note: &str) {
        self.description = truncate(&format!("{}; {note}", self.description));
    }

    /// The status for a gate that could not finish.
    pub fn error(description: impl Into<String>, target_url: Option<String>) -> Self {
        Self {
            state: State::Error,
            description: truncate(&description.into()),
            target_url,
        }
    }

    /// The request body (`GitPullRequestStatus`).
    pub fn body(&self) -> Value {
        let mut b = json!({
            "state": self.state.as_str(),
            "description": self.description,
            "context": { "genre": GENRE, "name": NAME },
        });
        if let Some(u) = &self.target_url {
            b["targetUrl"] = json!(u);
        }
        b
    }
}

/// Posts `status` on the pull request.
pub async fn post(client: &Client, status: &Status) -> Result<(), ApiError> {
    client
        .post(
            "post the pull-request status",
            &["statuses"],
            &status.body(),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::azure::threads::tests::finding;

    #[test]
    fn findings_at_the_threshold_fail_the_status_with_counts() {
        let mut low = finding("b", 1, "f2");
        low.severity = Severity::Low;
        let result = ScanResult {
            findings: vec![finding("a", 1, "f1"), low],
            ..Default::default()
        };
        let s = Status::for_result(&result, Some(Severity::High), Some("https://x/y".into()));
        assert_eq!(s.state, State::Failed);
        assert_eq!(
            s.description,
            "2 secrets found in the changed lines (1 critical, 1 low)"
        );
        let b = s.body();
        assert_eq!(
            b["context"],
            json!({"genre": "secretgate", "name": "secret-scan"})
        );
        assert_eq!(b["state"], "failed");
        assert_eq!(b["targetUrl"], "https://x/y");
    }

    #[test]
    fn findings_below_the_threshold_succeed_and_say_so() {
        let mut low = finding("b", 1, "f2");
        low.severity = Severity::Low;
        let result = ScanResult {
            findings: vec![low],
            ..Default::default()
        };
        let s = Status::for_result(&result, Some(Severity::High), None);
        assert_eq!(s.state, State::Succeeded);
        assert!(
            s.description.ends_with("none at or above high"),
            "{}",
            s.description
        );
        assert!(s.body().get("targetUrl").is_none());
        let clean = Status::for_result(&ScanResult::default(), Some(Severity::Low), None);
        assert_eq!(clean.state, State::Succeeded);
    }
}
