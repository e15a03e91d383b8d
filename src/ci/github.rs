//! The GitHub Actions context: the runner's variables and the event payload at
//! `GITHUB_EVENT_PATH`, read into a [`GithubContext`] that says what to scan and where to
//! publish.
//!
//! Conventions: `shared/specs/github-actions-conventions.md` (variables, payload) and
//! `shared/specs/github-code-scanning-sarif.md` (which commit and ref a SARIF upload pairs).

use super::{Env, ScanMode};
use crate::findings::AccessToken;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Why the context could not be read. Every variant names what to change.
#[derive(Debug, thiserror::Error)]
pub enum GithubContextError {
    /// A runner variable the gate cannot work without is unset.
    #[error("{name} is not set: `secretgate ci` must run inside a GitHub Actions job")]
    MissingVar { name: &'static str },
    /// A runner variable is set to something unusable.
    #[error("{name} is `{value}`: {why}")]
    BadVar {
        name: &'static str,
        value: String,
        why: &'static str,
    },
    /// The event payload file could not be read.
    #[error("cannot read the event payload {}: {source}", path.display())]
    PayloadUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The event payload is not JSON.
    #[error("the event payload {} is not valid JSON: {source}", path.display())]
    PayloadNotJson {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The payload lacks a field the event must have, or has it in the wrong shape.
    #[error("the event payload {} has no valid `{field}` (a `{event}` event must have {expected})", path.display())]
    PayloadField {
        path: PathBuf,
        event: String,
        field: &'static str,
        expected: &'static str,
    },
    /// The workflow runs on an event the gate has no change to scan for.
    #[error(
        "secretgate ci does not support the `{0}` event: run it on pull_request, \
         pull_request_target, push, merge_group, workflow_dispatch or schedule"
    )]
    UnsupportedEvent(String),
}

/// What the gate scans, from the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventRange {
    /// `pull_request` / `pull_request_target`: lines added between the merge base of
    /// `base_sha` and `head_sha`, and `head_sha`.
    PullRequest(PullRequestEvent),
    /// `push`: lines added between `before` and `after`; `before` is `None` for a new
    /// branch, which means the whole tree at `after`.
    Push {
        before: Option<String>,
        after: String,
    },
    /// `push` that deleted the branch: nothing to scan.
    Deleted,
    /// `merge_group`: the queue's base and head.
    MergeGroup { base_sha: String, head_sha: String },
    /// `workflow_dispatch` / `schedule`: the whole tree at `GITHUB_SHA`.
    Full,
}

/// The pull request an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestEvent {
    pub number: u64,
    pub base_sha: String,
    pub head_sha: String,
    /// `owner/name` of the head repository (`None` when the fork was deleted).
    pub head_repo: Option<String>,
    /// The head lives in another repository: the token is read-only.
    pub fork: bool,
    /// `pull_request.changed_files`, when the payload has it.
    pub changed_files: Option<u64>,
}

/// Everything the GitHub gate needs to know about the job it runs in.
#[derive(Debug, Clone)]
pub struct GithubContext {
    pub owner: String,
    pub repo: String,
    /// `GITHUB_API_URL` without a trailing slash (GitHub Enterprise Server: `https://host/api/v3`).
    pub api_url: String,
    /// `GITHUB_SERVER_URL` without a trailing slash, for links.
    pub server_url: String,
    pub workspace: PathBuf,
    /// `GITHUB_SHA` (on pull requests: the merge commit, not the head).
    pub sha: String,
    /// `GITHUB_REF`.
    pub git_ref: String,
    pub event_name: String,
    pub run_id: Option<String>,
    pub range: EventRange,
    /// `repository.default_branch` of the event payload (a branch name such as `main`),
    /// when the event has a payload that says.
    pub default_branch: Option<String>,
}

/// The all-zero SHA GitHub sends as `before` for a new branch and `after` for a deleted one.
fn is_null_sha(sha: &str) -> bool {
    !sha.is_empty() && sha.bytes().all(|b| b == b'0')
}

/// A full commit SHA: 40 (SHA-1) or 64 (SHA-256) hex digits. Checked before a SHA reaches a
/// git command line or a URL.
pub fn is_full_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An owner or repository name as GitHub allows them (letters, digits, `-`, `_`, `.`).
fn is_repo_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn trim_url(u: &str) -> String {
    u.trim().trim_end_matches('/').to_string()
}

impl GithubContext {
    /// Reads the runner's variables and the event payload.
    pub fn from_env(env: &dyn Env) -> Result<GithubContext, GithubContextError> {
        let event_name =
            env.non_empty("GITHUB_EVENT_NAME")
                .ok_or(GithubContextError::MissingVar {
                    name: "GITHUB_EVENT_NAME",
                })?;
        let full_name =
            env.non_empty("GITHUB_REPOSITORY")
                .ok_or(GithubContextError::MissingVar {
                    name: "GITHUB_REPOSITORY",
                })?;
        let (owner, repo) = full_name
            .split_once('/')
            .filter(|(o, r)| is_repo_segment(o) && is_repo_segment(r))
            .ok_or_else(|| GithubContextError::BadVar {
                name: "GITHUB_REPOSITORY",
                value: full_name.clone(),
                why: "expected `owner/name`",
            })?;
        let api_url = trim_url(
            &env.non_empty("GITHUB_API_URL")
                .unwrap_or_else(|| "https://api.github.com".into()),
        );
        if !(api_url.starts_with("https://") || api_url.starts_with("http://")) {
            return Err(GithubContextError::BadVar {
                name: "GITHUB_API_URL",
                value: api_url,
                why: "expected an http(s) URL",
            });
        }
        let server_url = trim_url(
            &env.non_empty("GITHUB_SERVER_URL")
                .unwrap_or_else(|| "https://github.com".into()),
        );
        let workspace = match env.non_empty("GITHUB_WORKSPACE") {
            Some(w) => PathBuf::from(w),
            None => std::env::current_dir().map_err(|_| GithubContextError::MissingVar {
                name: "GITHUB_WORKSPACE",
            })?,
        };
        let sha = env.non_empty("GITHUB_SHA").unwrap_or_default();
        let git_ref = env.non_empty("GITHUB_REF").unwrap_or_default();

        let (range, default_branch) = match event_name.as_str() {
            "pull_request" | "pull_request_target" | "push" | "merge_group" => {
                let path = env
                    .non_empty("GITHUB_EVENT_PATH")
                    .map(PathBuf::from)
                    .ok_or(GithubContextError::MissingVar {
                        name: "GITHUB_EVENT_PATH",
                    })?;
                let payload = read_payload(&path)?;
                let payload = Payload {
                    path: &path,
                    event: &event_name,
                    value: &payload,
                };
                (payload.range(&full_name)?, payload.default_branch())
            }
            "workflow_dispatch" | "schedule" => (EventRange::Full, None),
            other => return Err(GithubContextError::UnsupportedEvent(other.to_string())),
        };
        if range == EventRange::Full && !is_full_sha(&sha) {
            return Err(GithubContextError::BadVar {
                name: "GITHUB_SHA",
                value: sha,
                why: "a full scan needs the commit it scans (40 or 64 hex digits)",
            });
        }

        Ok(GithubContext {
            owner: owner.to_string(),
            repo: repo.to_string(),
            api_url,
            server_url,
            workspace,
            sha,
            git_ref,
            event_name,
            run_id: env.non_empty("GITHUB_RUN_ID"),
            range,
            default_branch,
        })
    }

    /// Whether a push went to the repository's default branch (`GITHUB_REF` is
    /// `refs/heads/<repository.default_branch>`).
    pub fn pushed_to_default_branch(&self) -> bool {
        matches!(self.range, EventRange::Push { .. })
            && self
                .default_branch
                .as_deref()
                .is_some_and(|b| self.git_ref == format!("refs/heads/{b}"))
    }

    /// What the gate scans when not told: the whole tree where code scanning keeps the
    /// repository's open alerts (pushes to the default branch, schedules, manual runs),
    /// else the lines the change adds.
    pub fn default_scan(&self) -> ScanMode {
        match &self.range {
            EventRange::Full => ScanMode::Tree,
            EventRange::Push { .. } if self.pushed_to_default_branch() => ScanMode::Tree,
            _ => ScanMode::Changes,
        }
    }

    /// The pull request, for pull-request events.
    pub fn pull_request(&self) -> Option<&PullRequestEvent> {
        match &self.range {
            EventRange::PullRequest(pr) => Some(pr),
            _ => None,
        }
    }

    /// The commit the results belong to: the PR head (where the check run and annotations
    /// must go to show on the pull request), the pushed or queued head, else `GITHUB_SHA`.
    pub fn head_sha(&self) -> &str {
        match &self.range {
            EventRange::PullRequest(pr) => &pr.head_sha,
            EventRange::Push { after, .. } => after,
            EventRange::MergeGroup { head_sha, .. } => head_sha,
            EventRange::Full | EventRange::Deleted => &self.sha,
        }
    }

    /// The `ref` paired with [`Self::head_sha`] for a code-scanning upload: on pull requests
    /// `refs/pull/N/head` (the head SHA belongs to it, not to `refs/pull/N/merge`).
    pub fn sarif_ref(&self) -> String {
        match &self.range {
            EventRange::PullRequest(pr) => format!("refs/pull/{}/head", pr.number),
            _ => self.git_ref.clone(),
        }
    }

    /// The Actions run page, for the check run's `details_url`.
    pub fn run_url(&self) -> Option<String> {
        self.run_id.as_ref().map(|id| {
            format!(
                "{}/{}/{}/actions/runs/{}",
                self.server_url, self.owner, self.repo, id
            )
        })
    }
}

/// The API token: `--token` (or `SECRETGATE_TOKEN`), else `INPUT_TOKEN` (the composite
/// action's input), else `GITHUB_TOKEN`, else `GH_TOKEN`.
pub fn resolve_token(flag: Option<&str>, env: &dyn Env) -> Option<AccessToken> {
    flag.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .or_else(|| env.non_empty("INPUT_TOKEN"))
        .or_else(|| env.non_empty("GITHUB_TOKEN"))
        .or_else(|| env.non_empty("GH_TOKEN"))
        .map(|t| AccessToken::new(t.trim()))
}

fn read_payload(path: &Path) -> Result<Value, GithubContextError> {
    let bytes = std::fs::read(path).map_err(|source| GithubContextError::PayloadUnreadable {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| GithubContextError::PayloadNotJson {
        path: path.to_path_buf(),
        source,
    })
}

/// A parsed payload with what error messages need to name it.
struct Payload<'a> {
    path: &'a Path,
    event: &'a str,
    value: &'a Value,
}

impl Payload<'_> {
    fn missing(&self, field: &'static str, expected: &'static str) -> GithubContextError {
        GithubContextError::PayloadField {
            path: self.path.to_path_buf(),
            event: self.event.to_string(),
            field,
            expected,
        }
    }

    /// The value at a `/`-separated pointer.
    fn at(&self, pointer: &str) -> Option<&Value> {
        self.value.pointer(pointer).filter(|v| !v.is_null())
    }

    fn sha(&self, pointer: &str, field: &'static str) -> Result<String, GithubContextError> {
        self.at(pointer)
            .and_then(Value::as_str)
            .filter(|s| is_full_sha(s))
            .map(str::to_ascii_lowercase)
            .ok_or_else(|| self.missing(field, "a full commit SHA"))
    }

    /// `repository.default_branch`, when it is a plausible branch name.
    fn default_branch(&self) -> Option<String> {
        self.at("/repository/default_branch")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|b| !b.is_empty() && !b.starts_with('-') && !b.contains(char::is_whitespace))
            .map(str::to_string)
    }

    fn range(&self, base_full_name: &str) -> Result<EventRange, GithubContextError> {
        if !self.value.is_object() {
            return Err(self.missing("(top level)", "a JSON object"));
        }
        match self.event {
            "pull_request" | "pull_request_target" => {
                let number = self
                    .at("/pull_request/number")
                    .or_else(|| self.at("/number"))
                    .and_then(Value::as_u64)
                    .filter(|n| *n > 0)
                    .ok_or_else(|| self.missing("pull_request.number", "a positive number"))?;
                let base_sha = self.sha("/pull_request/base/sha", "pull_request.base.sha")?;
                let head_sha = self.sha("/pull_request/head/sha", "pull_request.head.sha")?;
                let head_repo = self
                    .at("/pull_request/head/repo/full_name")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let base_repo = self
                    .at("/pull_request/base/repo/full_name")
                    .and_then(Value::as_str)
                    .unwrap_or(base_full_name);
                // A deleted fork has `head.repo: null`: its token is read-only too.
                let fork = match &head_repo {
                    Some(h) => !h.eq_ignore_ascii_case(base_repo),
                    None => true,
                } || self
                    .at("/pull_request/head/repo/fork")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                Ok(EventRange::PullRequest(PullRequestEvent {
                    number,
                    base_sha,
                    head_sha,
                    head_repo,
                    fork,
                    changed_files: self
                        .at("/pull_request/changed_files")
                        .and_then(Value::as_u64),
                }))
            }
            "push" => {
                let after = self.sha("/after", "after")?;
                if is_null_sha(&after) || self.at("/deleted").and_then(Value::as_bool) == Some(true)
                {
                    return Ok(EventRange::Deleted);
                }
                let before = self.sha("/before", "before")?;
                let created = self.at("/created").and_then(Value::as_bool) == Some(true);
                Ok(EventRange::Push {
                    before: (!is_null_sha(&before) && !created).then_some(before),
                    after,
                })
            }
            "merge_group" => Ok(EventRange::MergeGroup {
                base_sha: self.sha("/merge_group/base_sha", "merge_group.base_sha")?,
                head_sha: self.sha("/merge_group/head_sha", "merge_group.head_sha")?,
            }),
            other => Err(GithubContextError::UnsupportedEvent(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::MapEnv;

    const BASE: &str = "1111111111111111111111111111111111111111";
    const HEAD: &str = "2222222222222222222222222222222222222222";
    const MERGE: &str = "3333333333333333333333333333333333333333";

    struct Fixture {
        dir: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Self {
            Self {
                dir: tempfile::tempdir().expect("tempdir"),
            }
        }

        fn env(&self, event: &str, payload: Option<&str>) -> MapEnv {
            let mut vars: Vec<(String, String)> = vec![
                ("GITHUB_ACTIONS".into(), "true".into()),
                ("GITHUB_EVENT_NAME".into(), event.into()),
                ("GITHUB_REPOSITORY".into(), "octo/widgets".into()),
                ("GITHUB_SHA".into(), MERGE.into()),
                ("GITHUB_REF".into(), "refs/pull/7/merge".into()),
                ("GITHUB_WORKSPACE".into(), "/w".into()),
                ("GITHUB_RUN_ID".into(), "99".into()),
            ];
            if let Some(p) = payload {
                let path = self.dir.path().join("event.json");
                std::fs::write(&path, p).expect("write payload");
                vars.push(("GITHUB_EVENT_PATH".into(), path.display().to_string()));
            }
            vars.into_iter().collect()
        }
    }

    fn pr_payload(head_repo: &str) -> String {
        serde_json::json!({
            "action": "synchronize",
            "number": 7,
            "pull_request": {
                "number": 7,
                "changed_files": 3,
                "base": {"sha": BASE, "ref": "main", "repo": {"full_name": "octo/widgets"}},
                "head": {"sha": HEAD, "ref": "feature", "repo": {"full_name": head_repo, "fork": head_repo != "octo/widgets"}},
            },
            "repository": {"full_name": "octo/widgets"},
        })
        .to_string()
    }

    #[test]
    fn pull_request_pairs_the_head_sha_with_the_head_ref() {
        let f = Fixture::new();
        let ctx =
            GithubContext::from_env(&f.env("pull_request", Some(&pr_payload("octo/widgets"))))
                .expect("context");
        assert_eq!((ctx.owner.as_str(), ctx.repo.as_str()), ("octo", "widgets"));
        assert_eq!(ctx.api_url, "https://api.github.com");
        let pr = ctx.pull_request().expect("a pull request");
        assert_eq!(pr.number, 7);
        assert_eq!(pr.base_sha, BASE);
        assert!(!pr.fork);
        assert_eq!(pr.changed_files, Some(3));
        assert_eq!(ctx.head_sha(), HEAD, "not GITHUB_SHA, the merge commit");
        assert_eq!(ctx.sarif_ref(), "refs/pull/7/head");
        assert_eq!(
            ctx.run_url().as_deref(),
            Some("https://github.com/octo/widgets/actions/runs/99")
        );
    }

    #[test]
    fn a_head_in_another_repository_is_a_fork() {
        let f = Fixture::new();
        let ctx = GithubContext::from_env(
            &f.env("pull_request_target", Some(&pr_payload("mallory/widgets"))),
        )
        .expect("context");
        assert!(ctx.pull_request().expect("pr").fork);
    }

    #[test]
    fn push_of_a_new_branch_scans_the_whole_tree() {
        let f = Fixture::new();
        let zeros = "0".repeat(40);
        let p = serde_json::json!({"before": zeros, "after": HEAD, "created": true}).to_string();
        let ctx = GithubContext::from_env(&f.env("push", Some(&p))).expect("context");
        assert_eq!(
            ctx.range,
            EventRange::Push {
                before: None,
                after: HEAD.into()
            }
        );
        let p = serde_json::json!({"before": BASE, "after": HEAD}).to_string();
        let ctx = GithubContext::from_env(&f.env("push", Some(&p))).expect("context");
        assert_eq!(
            ctx.range,
            EventRange::Push {
                before: Some(BASE.into()),
                after: HEAD.into()
            }
        );
        let p = serde_json::json!({"before": BASE, "after": zeros, "deleted": true}).to_string();
        let ctx = GithubContext::from_env(&f.env("push", Some(&p))).expect("context");
        assert_eq!(ctx.range, EventRange::Deleted);
    }

    #[test]
    fn the_default_scan_is_the_tree_on_the_default_branch_and_on_schedules() {
        let f = Fixture::new();
        let push = |git_ref: &str, default_branch: Option<&str>| {
            let mut p = serde_json::json!({"ref": git_ref, "before": BASE, "after": HEAD});
            if let Some(b) = default_branch {
                p["repository"] =
                    serde_json::json!({"full_name": "octo/widgets", "default_branch": b});
            }
            let mut env = f.env("push", Some(&p.to_string()));
            env.0.insert("GITHUB_REF".into(), git_ref.into());
            GithubContext::from_env(&env).expect("context")
        };
        let ctx = push("refs/heads/main", Some("main"));
        assert!(ctx.pushed_to_default_branch());
        assert_eq!(ctx.default_scan(), ScanMode::Tree);
        let ctx = push("refs/heads/feature", Some("main"));
        assert_eq!(ctx.default_scan(), ScanMode::Changes);
        // A payload that does not name the default branch keeps the push's range.
        assert_eq!(
            push("refs/heads/main", None).default_scan(),
            ScanMode::Changes
        );
        // `refs/heads/main-2` is not `main`.
        assert_eq!(
            push("refs/heads/main-2", Some("main")).default_scan(),
            ScanMode::Changes
        );
        for event in ["schedule", "workflow_dispatch"] {
            let ctx = GithubContext::from_env(&f.env(event, None)).expect("context");
            assert_eq!(ctx.default_scan(), ScanMode::Tree);
        }
        let ctx =
            GithubContext::from_env(&f.env("pull_request", Some(&pr_payload("octo/widgets"))))
                .expect("context");
        assert_eq!(
            ctx.default_scan(),
            ScanMode::Changes,
            "even though the payload names main"
        );
    }

    #[test]
    fn merge_group_and_full_scans() {
        let f = Fixture::new();
        let p =
            serde_json::json!({"merge_group": {"base_sha": BASE, "head_sha": HEAD}}).to_string();
        let ctx = GithubContext::from_env(&f.env("merge_group", Some(&p))).expect("context");
        assert_eq!(
            ctx.range,
            EventRange::MergeGroup {
                base_sha: BASE.into(),
                head_sha: HEAD.into()
            }
        );
        for event in ["workflow_dispatch", "schedule"] {
            let ctx = GithubContext::from_env(&f.env(event, None)).expect("context");
            assert_eq!(ctx.range, EventRange::Full);
            assert_eq!(ctx.head_sha(), MERGE);
        }
    }

    /// Realistic payloads as GitHub sends them, from `tests/fixtures/github/`.
    #[test]
    fn fixture_payloads() {
        let f = Fixture::new();
        let fixture = |name: &str| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/github")
                .join(name);
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        };

        let ctx = GithubContext::from_env(
            &f.env("pull_request", Some(&fixture("pull_request.fork.json"))),
        )
        .expect("pull_request");
        let pr = ctx.pull_request().expect("a pull request");
        assert_eq!(pr.number, 42);
        assert_eq!(pr.head_sha, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b");
        assert_eq!(pr.base_sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4");
        assert_eq!(pr.head_repo.as_deref(), Some("mallory/widgets"));
        assert!(pr.fork);
        assert_eq!(pr.changed_files, Some(5));
        assert_eq!(ctx.sarif_ref(), "refs/pull/42/head");

        let ctx =
            GithubContext::from_env(&f.env("merge_group", Some(&fixture("merge_group.json"))))
                .expect("merge_group");
        assert_eq!(
            ctx.range,
            EventRange::MergeGroup {
                base_sha: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4".into(),
                head_sha: "fcde2b2edba56bf408601fb721fe9b5c338d10ee".into(),
            }
        );

        let ctx = GithubContext::from_env(&f.env("push", Some(&fixture("push.new_branch.json"))))
            .expect("push");
        assert_eq!(
            ctx.range,
            EventRange::Push {
                before: None,
                after: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b".into()
            }
        );
    }

    #[test]
    fn other_events_are_refused_by_name() {
        let f = Fixture::new();
        let err =
            GithubContext::from_env(&f.env("issue_comment", Some("{}"))).expect_err("refused");
        assert!(matches!(err, GithubContextError::UnsupportedEvent(ref e) if e == "issue_comment"));
        assert!(err.to_string().contains("pull_request"));
    }

    #[test]
    fn payload_errors_name_the_file_and_the_problem() {
        let f = Fixture::new();
        let err = GithubContext::from_env(&f.env("pull_request", None)).expect_err("no path");
        assert_eq!(err.to_string().split(' ').next(), Some("GITHUB_EVENT_PATH"));

        let mut env = f.env("pull_request", None);
        env.0.insert(
            "GITHUB_EVENT_PATH".into(),
            f.dir.path().join("nope.json").display().to_string(),
        );
        let err = GithubContext::from_env(&env)
            .expect_err("missing file")
            .to_string();
        assert!(
            err.contains("nope.json") && err.contains("cannot read"),
            "{err}"
        );

        let err = GithubContext::from_env(&f.env("pull_request", Some("{\"pull_request\": ")))
            .expect_err("truncated")
            .to_string();
        assert!(
            err.contains("event.json") && err.contains("not valid JSON"),
            "{err}"
        );

        let p = serde_json::json!({"pull_request": {"number": 7, "base": {"sha": BASE}, "head": {"sha": "-x"}}});
        let err = GithubContext::from_env(&f.env("pull_request", Some(&p.to_string())))
            .expect_err("bad sha")
            .to_string();
        assert!(
            err.contains("pull_request.head.sha") && err.contains("event.json"),
            "{err}"
        );

        let err = GithubContext::from_env(&f.env("pull_request", Some("[1]")))
            .expect_err("not an object")
            .to_string();
        assert!(err.contains("JSON object"), "{err}");
    }

    #[test]
    fn repository_and_api_url_are_checked() {
        let f = Fixture::new();
        let mut env = f.env("workflow_dispatch", None);
        env.0.insert("GITHUB_REPOSITORY".into(), "../../etc".into());
        assert!(GithubContext::from_env(&env).is_err());
        let mut env = f.env("workflow_dispatch", None);
        env.0
            .insert("GITHUB_API_URL".into(), "http://127.0.0.1:9/api/v3/".into());
        let ctx = GithubContext::from_env(&env).expect("context");
        assert_eq!(ctx.api_url, "http://127.0.0.1:9/api/v3");
    }

    #[test]
    fn token_precedence() {
        let env: MapEnv = [
            ("INPUT_TOKEN", " "),
            ("GITHUB_TOKEN", "b"),
            ("GH_TOKEN", "c"),
        ]
        .into_iter()
        .collect();
        let token = |flag, env| resolve_token(flag, env).map(|t| t.expose().to_string());
        assert_eq!(token(Some("a"), &env).as_deref(), Some("a"));
        assert_eq!(token(None, &env).as_deref(), Some("b"));
        let env: MapEnv = [("GH_TOKEN", "c")].into_iter().collect();
        assert_eq!(token(Some(""), &env).as_deref(), Some("c"));
        assert_eq!(token(None, &MapEnv::default()), None);
        assert_eq!(
            format!("{:?}", resolve_token(Some("secret-value"), &env)),
            "Some(AccessToken(***))"
        );
    }
}
