//! Azure Pipelines: what the predefined variables say about the build, and which commit
//! range a pull-request build reviews.
//!
//! [`AzureContext::from_env`] reads only variables. [`resolve_pr_range`] talks to `git` in
//! the checkout (a pull-request build checks out `refs/pull/N/merge`, often at depth 1) and
//! deepens it a bounded number of times; it never calls the Azure DevOps REST API, which is
//! the gate's fallback when git cannot answer.

use super::Env;
pub use crate::findings::AccessToken;
use std::path::PathBuf;

/// Why the build ran (`BUILD_REASON`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildReason {
    PullRequest,
    IndividualCi,
    BatchedCi,
    Manual,
    Schedule,
    /// `ResourceTrigger`, `BuildCompletion`, `ValidateShelveset`...: treated as a non-PR build.
    Other(String),
}

impl BuildReason {
    fn parse(s: &str) -> Self {
        match s.trim() {
            "PullRequest" => Self::PullRequest,
            "IndividualCI" => Self::IndividualCi,
            "BatchedCI" => Self::BatchedCi,
            "Manual" => Self::Manual,
            "Schedule" => Self::Schedule,
            other => Self::Other(other.to_string()),
        }
    }
}

/// Where the repository is hosted (`BUILD_REPOSITORY_PROVIDER`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepositoryProvider {
    /// Azure Repos Git: pull-request threads and statuses go through Azure DevOps.
    TfsGit,
    /// GitHub or GitHub Enterprise: pull-request feedback belongs to GitHub.
    GitHub,
    /// Bitbucket, external Git, TFVC...: scan and logging commands only.
    Other(String),
}

impl RepositoryProvider {
    fn parse(s: &str) -> Self {
        match s.trim() {
            "TfsGit" => Self::TfsGit,
            "GitHub" | "GitHubEnterprise" => Self::GitHub,
            other => Self::Other(other.to_string()),
        }
    }
}

/// The pull request a `BUILD_REASON=PullRequest` build validates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestBuild {
    /// `SYSTEM_PULLREQUEST_PULLREQUESTID` (Azure Repos); for GitHub the PR number if known.
    pub id: Option<u32>,
    /// `SYSTEM_PULLREQUEST_TARGETBRANCH`, e.g. `refs/heads/main`.
    pub target_branch: String,
    /// `SYSTEM_PULLREQUEST_SOURCECOMMITID`: the head of the source branch.
    pub source_commit: Option<String>,
}

/// Everything `secretgate ci` needs to know about an Azure Pipelines build.
#[derive(Debug, Clone)]
pub struct AzureContext {
    pub reason: BuildReason,
    /// `SYSTEM_COLLECTIONURI`, always ending in `/` (e.g. `https://dev.azure.com/org/`).
    pub collection_uri: String,
    pub project: String,
    pub repository_id: String,
    pub provider: RepositoryProvider,
    pub pull_request: Option<PullRequestBuild>,
    /// `BUILD_SOURCEVERSION`: for a PR build, the merge commit of `refs/pull/N/merge`.
    pub source_version: String,
    /// `BUILD_SOURCEBRANCH`, e.g. `refs/pull/7/merge` (optional: used as a second way to deepen).
    pub source_branch: Option<String>,
    pub sources_dir: PathBuf,
    pub staging_dir: PathBuf,
    /// `AGENT_TEMPDIRECTORY`: where the summary file goes (the staging directory otherwise).
    pub temp_dir: Option<PathBuf>,
    pub token: Option<AccessToken>,
    /// The build results page, for the status's `targetUrl`.
    pub build_url: Option<String>,
    /// `BUILD_REPOSITORY_URI` (`https://dev.azure.com/org/project/_git/repo`), for file links.
    pub repository_uri: Option<String>,
}

/// A build environment secretgate cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AzureContextError {
    #[error(
        "Azure Pipelines build (TF_BUILD=True) without the predefined variable{s} {names}{why}. \
         The agent sets {them}; a container job or a wrapper script must pass {them} through",
        s = if .names.len() == 1 { "" } else { "s" },
        them = if .names.len() == 1 { "it" } else { "them" },
        names = .names.join(", "),
    )]
    Missing {
        names: Vec<&'static str>,
        why: String,
    },
    #[error("{name} is `{value}`, which is not {expected}")]
    Invalid {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl AzureContext {
    /// What the gate scans when not told: a pull request's added lines, and the whole
    /// tree on every other build (the predefined variables name no previous commit).
    pub fn default_scan(&self) -> super::ScanMode {
        if self.pull_request.is_some() {
            super::ScanMode::Changes
        } else {
            super::ScanMode::Tree
        }
    }

    /// Reads the predefined variables of an Azure Pipelines job. The token is taken from
    /// `SYSTEM_ACCESSTOKEN` (mapped in YAML, or passed by the secretgate task).
    pub fn from_env(env: &dyn Env) -> Result<Self, AzureContextError> {
        let mut missing: Vec<&'static str> = Vec::new();
        let mut need = |name: &'static str| {
            let v = env.non_empty(name);
            if v.is_none() {
                missing.push(name);
            }
            v.unwrap_or_default()
        };
        let reason = need("BUILD_REASON");
        let collection_uri = need("SYSTEM_COLLECTIONURI");
        let project = need("SYSTEM_TEAMPROJECT");
        let repository_id = need("BUILD_REPOSITORY_ID");
        let provider = need("BUILD_REPOSITORY_PROVIDER");
        let source_version = need("BUILD_SOURCEVERSION");
        let sources_dir = need("BUILD_SOURCESDIRECTORY");
        let staging_dir = need("BUILD_ARTIFACTSTAGINGDIRECTORY");
        if !missing.is_empty() {
            return Err(AzureContextError::Missing {
                names: missing,
                why: String::new(),
            });
        }
        let reason = BuildReason::parse(&reason);
        let provider = RepositoryProvider::parse(&provider);

        let pull_request = if reason == BuildReason::PullRequest {
            let mut missing = Vec::new();
            let target_branch = env.non_empty("SYSTEM_PULLREQUEST_TARGETBRANCH");
            if target_branch.is_none() {
                missing.push("SYSTEM_PULLREQUEST_TARGETBRANCH");
            }
            let id_var = match provider {
                RepositoryProvider::TfsGit => "SYSTEM_PULLREQUEST_PULLREQUESTID",
                _ => "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER",
            };
            let id = env.non_empty(id_var);
            if id.is_none() && provider == RepositoryProvider::TfsGit {
                missing.push(id_var);
            }
            if !missing.is_empty() {
                return Err(AzureContextError::Missing {
                    names: missing,
                    why: " that a pull-request build (BUILD_REASON=PullRequest) has".into(),
                });
            }
            let id = id
                .map(|v| {
                    v.trim()
                        .parse::<u32>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| invalid(id_var, &v, "a pull-request number"))
                })
                .transpose()?;
            let source_commit = env
                .non_empty("SYSTEM_PULLREQUEST_SOURCECOMMITID")
                .map(|v| check_sha("SYSTEM_PULLREQUEST_SOURCECOMMITID", v))
                .transpose()?;
            Some(PullRequestBuild {
                id,
                target_branch: target_branch.unwrap_or_default().trim().to_string(),
                source_commit,
            })
        } else {
            None
        };

        let collection_uri = normalize_collection_uri(&collection_uri)?;
        let source_version = check_sha("BUILD_SOURCEVERSION", source_version)?;
        let token = env
            .non_empty("SYSTEM_ACCESSTOKEN")
            .map(|t| AccessToken::new(t.trim()));
        let build_url = env
            .non_empty("BUILD_BUILDID")
            .and_then(|id| id.trim().parse::<u64>().ok())
            .and_then(|id| build_results_url(&collection_uri, &project, id));
        Ok(Self {
            reason,
            collection_uri,
            project: project.trim().to_string(),
            repository_id: repository_id.trim().to_string(),
            provider,
            pull_request,
            source_version,
            source_branch: env
                .non_empty("BUILD_SOURCEBRANCH")
                .map(|b| b.trim().to_string()),
            sources_dir: PathBuf::from(sources_dir),
            staging_dir: PathBuf::from(staging_dir),
            temp_dir: env.non_empty("AGENT_TEMPDIRECTORY").map(PathBuf::from),
            token,
            build_url,
            repository_uri: env
                .non_empty("BUILD_REPOSITORY_URI")
                .and_then(|u| web_url(&u)),
        })
    }
}

fn invalid(name: &'static str, value: &str, expected: &'static str) -> AzureContextError {
    let mut shown: String = value.trim().chars().take(80).collect();
    if value.trim().chars().count() > 80 {
        shown.push('…');
    }
    AzureContextError::Invalid {
        name,
        value: shown,
        expected,
    }
}

fn check_sha(name: &'static str, value: String) -> Result<String, AzureContextError> {
    let v = value.trim();
    let ok = (v.len() == 40 || v.len() == 64) && v.bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(v.to_ascii_lowercase())
    } else {
        Err(invalid(name, v, "a full commit SHA"))
    }
}

fn normalize_collection_uri(value: &str) -> Result<String, AzureContextError> {
    let v = value.trim();
    match reqwest::Url::parse(v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            let mut s = u.to_string();
            if !s.ends_with('/') {
                s.push('/');
            }
            Ok(s)
        }
        _ => Err(invalid(
            "SYSTEM_COLLECTIONURI",
            v,
            "an http(s) URL such as https://dev.azure.com/org/",
        )),
    }
}

/// An http(s) URL without user info (`https://org@dev.azure.com/...` names the org there).
fn web_url(value: &str) -> Option<String> {
    let mut u = reqwest::Url::parse(value.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    u.set_username("").ok()?;
    u.set_password(None).ok()?;
    Some(u.to_string())
}

/// `{collection}{project}/_build/results?buildId={id}` with the project name escaped.
fn build_results_url(collection_uri: &str, project: &str, build_id: u64) -> Option<String> {
    let mut url = reqwest::Url::parse(collection_uri).ok()?;
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .extend([project.trim(), "_build", "results"]);
    url.query_pairs_mut()
        .append_pair("buildId", &build_id.to_string());
    Some(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::MapEnv;

    const SHA: &str = "3d1ff2e23af1ae1ea71ca63c9cc4a6d05767f669";

    fn pr_env() -> MapEnv {
        [
            ("TF_BUILD", "True"),
            ("BUILD_REASON", "PullRequest"),
            ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/fabrikam"),
            ("SYSTEM_TEAMPROJECT", "Fabrikam Fiber"),
            (
                "BUILD_REPOSITORY_ID",
                "3411ebc1-d5aa-464f-9615-0b527bc66719",
            ),
            ("BUILD_REPOSITORY_PROVIDER", "TfsGit"),
            ("SYSTEM_PULLREQUEST_PULLREQUESTID", "22"),
            ("SYSTEM_PULLREQUEST_TARGETBRANCH", "refs/heads/main"),
            ("BUILD_SOURCEVERSION", SHA),
            ("BUILD_SOURCESDIRECTORY", "/a/1/s"),
            ("BUILD_ARTIFACTSTAGINGDIRECTORY", "/a/1/a"),
            ("BUILD_BUILDID", "417"),
            ("SYSTEM_ACCESSTOKEN", "not-a-real-token"),
        ]
        .into_iter()
        .collect()
    }

    fn without(mut env: MapEnv, names: &[&str]) -> MapEnv {
        for n in names {
            env.0.remove(*n);
        }
        env
    }

    #[test]
    fn reads_a_pull_request_build() {
        let ctx = AzureContext::from_env(&pr_env()).expect("complete env");
        assert_eq!(ctx.reason, BuildReason::PullRequest);
        assert_eq!(ctx.provider, RepositoryProvider::TfsGit);
        assert_eq!(ctx.collection_uri, "https://dev.azure.com/fabrikam/");
        let pr = ctx.pull_request.expect("a PR");
        assert_eq!(pr.id, Some(22));
        assert_eq!(pr.target_branch, "refs/heads/main");
        assert_eq!(
            ctx.build_url.as_deref(),
            Some("https://dev.azure.com/fabrikam/Fabrikam%20Fiber/_build/results?buildId=417")
        );
        assert_eq!(
            ctx.token.as_ref().map(AccessToken::expose),
            Some("not-a-real-token")
        );
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let ctx = AzureContext::from_env(&pr_env()).expect("complete env");
        assert!(!format!("{ctx:?}").contains("not-a-real-token"));
    }

    #[test]
    fn missing_variables_are_all_named() {
        let env = without(pr_env(), &["SYSTEM_COLLECTIONURI", "BUILD_SOURCEVERSION"]);
        let err = AzureContext::from_env(&env).expect_err("incomplete");
        let msg = err.to_string();
        assert!(
            msg.contains("SYSTEM_COLLECTIONURI, BUILD_SOURCEVERSION"),
            "{msg}"
        );
        assert!(msg.contains("variables"), "{msg}");
    }

    #[test]
    fn a_pull_request_build_needs_its_pr_variables() {
        let env = without(pr_env(), &["SYSTEM_PULLREQUEST_PULLREQUESTID"]);
        let msg = AzureContext::from_env(&env)
            .expect_err("no PR id")
            .to_string();
        assert!(msg.contains("SYSTEM_PULLREQUEST_PULLREQUESTID"), "{msg}");
        assert!(msg.contains("BUILD_REASON=PullRequest"), "{msg}");
    }

    #[test]
    fn ci_builds_need_no_pr_variables() {
        let mut env = without(
            pr_env(),
            &[
                "SYSTEM_PULLREQUEST_PULLREQUESTID",
                "SYSTEM_PULLREQUEST_TARGETBRANCH",
            ],
        );
        env.0.insert("BUILD_REASON".into(), "IndividualCI".into());
        let ctx = AzureContext::from_env(&env).expect("CI build");
        assert_eq!(ctx.reason, BuildReason::IndividualCi);
        assert!(ctx.pull_request.is_none());
    }

    #[test]
    fn github_pull_requests_do_not_need_an_azure_pr_id() {
        let mut env = without(pr_env(), &["SYSTEM_PULLREQUEST_PULLREQUESTID"]);
        env.0
            .insert("BUILD_REPOSITORY_PROVIDER".into(), "GitHub".into());
        env.0
            .insert("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER".into(), "9".into());
        let ctx = AzureContext::from_env(&env).expect("GitHub PR");
        assert_eq!(ctx.provider, RepositoryProvider::GitHub);
        assert_eq!(ctx.pull_request.and_then(|p| p.id), Some(9));
    }

    #[test]
    fn bad_values_are_rejected_with_the_variable_name() {
        let mut env = pr_env();
        env.0.insert(
            "SYSTEM_PULLREQUEST_PULLREQUESTID".into(),
            "twenty-two".into(),
        );
        let msg = AzureContext::from_env(&env)
            .expect_err("bad id")
            .to_string();
        assert!(
            msg.contains("SYSTEM_PULLREQUEST_PULLREQUESTID is `twenty-two`"),
            "{msg}"
        );

        let mut env = pr_env();
        env.0.insert("BUILD_SOURCEVERSION".into(), "HEAD".into());
        let msg = AzureContext::from_env(&env)
            .expect_err("bad sha")
            .to_string();
        assert!(msg.contains("BUILD_SOURCEVERSION"), "{msg}");

        let mut env = pr_env();
        env.0
            .insert("SYSTEM_COLLECTIONURI".into(), "dev.azure.com/org".into());
        let msg = AzureContext::from_env(&env)
            .expect_err("bad uri")
            .to_string();
        assert!(msg.contains("SYSTEM_COLLECTIONURI"), "{msg}");
    }

    #[test]
    fn empty_variables_count_as_missing() {
        let mut env = pr_env();
        env.0.insert("SYSTEM_TEAMPROJECT".into(), "  ".into());
        let msg = AzureContext::from_env(&env).expect_err("empty").to_string();
        assert!(msg.contains("variable SYSTEM_TEAMPROJECT."), "{msg}");
    }
}
