//! Everything the GitHub gate sends about one scan: the check run, the code-scanning
//! upload, the sticky comment and the review with suggested fixes, each as far as the
//! flags and the token allow.
//!
//! Publishing is best effort: a failure is returned as a warning (with what to change) and
//! never hides a finding. On a fork's read-only token the first refusal is explained once
//! and publishing stops, since every further call would fail alike.

use super::checks::{self, CheckRun};
use super::code_scanning::{self, Poll, Processing, SarifBuilder, Target};
use super::review::{self, LineComment};
use super::{comment, ApiError, GithubClient};
use crate::findings::{ScanResult, Severity};

/// The commit and pull request results are attached to.
#[derive(Debug, Clone)]
pub struct Subject {
    /// The head commit (on pull requests: the head, not the merge commit).
    pub head_sha: String,
    /// The ref code scanning pairs the upload with (`refs/pull/N/head`, `refs/heads/main`).
    pub sarif_ref: String,
    /// The run page, for the check run's details link.
    pub details_url: Option<String>,
    /// The pull request's number, for the comment.
    pub pull_request: Option<u64>,
    /// The head is in a fork: the token is read-only.
    pub fork: bool,
}

/// What to publish (`--check-run`, `--upload`, `--pr-comment`, `--suggest-fixes`).
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub check_run: bool,
    pub upload: bool,
    pub comment: bool,
    pub suggestions: bool,
}

/// The texts every target shows, rendered by the caller's reporters.
pub struct Texts<'a> {
    pub title: &'a str,
    pub summary: &'a str,
    /// The SARIF log for a result (the code-scanning upload may trim the result first).
    pub sarif: &'a SarifBuilder<'a>,
    /// What each finding's check-run annotation adds: fix and rotation steps.
    pub annotation_steps: checks::Steps<'a>,
    /// The review's text and its suggested changes (none: no review).
    pub review_body: &'a str,
    pub suggestions: &'a [LineComment],
}

pub struct Publisher<'a> {
    pub client: &'a GithubClient,
    pub rt: &'a tokio::runtime::Runtime,
    pub poll: Poll,
}

impl Publisher<'_> {
    /// Publishes what is wanted; returns the warnings to show (empty when all went well).
    pub fn publish(
        &self,
        wanted: Wanted,
        subject: &Subject,
        result: &ScanResult,
        threshold: Option<Severity>,
        texts: &Texts<'_>,
    ) -> Vec<String> {
        let mut warnings = Vec::new();
        let failed = threshold.is_some_and(|t| result.failing(t).next().is_some());
        // Records the failure; returns whether to stop publishing.
        let report = |what: &str, e: ApiError, warnings: &mut Vec<String>| -> bool {
            if subject.fork && e.is_forbidden() {
                warnings.push(
                    "this pull request comes from a fork, so its token is read-only: no check \
                     run, code-scanning upload or comment. The findings are in the annotations \
                     and this job summary, and the job still fails on them."
                        .to_string(),
                );
                return true;
            }
            warnings.push(format!("{what}: {e}"));
            false
        };

        if wanted.check_run {
            let run = CheckRun {
                head_sha: subject.head_sha.clone(),
                failed,
                title: texts.title.to_string(),
                summary: texts.summary.to_string(),
                details_url: subject.details_url.clone(),
                annotations: checks::annotations(result, threshold, texts.annotation_steps),
            };
            match self.rt.block_on(checks::publish(self.client, &run)) {
                Ok(id) => eprintln!("secretgate: check run {id} created"),
                Err(e) => {
                    if report("check run", e, &mut warnings) {
                        return warnings;
                    }
                }
            }
        }

        if wanted.upload {
            match self.upload_sarif(subject, result, texts.sarif) {
                Ok(msg) => eprintln!("secretgate: {msg}"),
                Err(UploadError::Api(e)) => {
                    if report("code-scanning upload", e, &mut warnings) {
                        return warnings;
                    }
                }
                Err(UploadError::Rejected(msg)) => warnings.push(msg),
            }
        }

        if let (true, Some(number)) = (wanted.comment, subject.pull_request) {
            let has_findings = !result.findings.is_empty();
            match self.rt.block_on(comment::upsert(
                self.client,
                number,
                texts.summary,
                has_findings,
            )) {
                Ok(outcome) => eprintln!("secretgate: pull-request comment: {outcome:?}"),
                Err(e) => {
                    if report("pull-request comment", e, &mut warnings) {
                        return warnings;
                    }
                }
            }
        }

        // Last, so that a refusal (403 without `pull-requests: write`, 422 on a line
        // outside the diff) changes nothing else.
        if let (true, Some(number), false) = (
            wanted.suggestions,
            subject.pull_request,
            texts.suggestions.is_empty(),
        ) {
            match self.rt.block_on(review::post(
                self.client,
                number,
                &subject.head_sha,
                texts.review_body,
                texts.suggestions,
            )) {
                Ok(review::Outcome::Posted(n)) => {
                    eprintln!("secretgate: review with {n} suggested fix(es) posted")
                }
                Ok(review::Outcome::AlreadyThere) => {
                    eprintln!("secretgate: every suggested fix is already on the pull request")
                }
                Err(e) => {
                    report("suggested fixes", e, &mut warnings);
                }
            }
        }
        warnings
    }

    fn upload_sarif(
        &self,
        subject: &Subject,
        result: &ScanResult,
        sarif: &SarifBuilder<'_>,
    ) -> Result<String, UploadError> {
        let prepared = code_scanning::prepare(result, sarif)
            .map_err(|e| UploadError::Rejected(format!("cannot prepare the SARIF: {e:#}")))?;
        if prepared.dropped > 0 {
            eprintln!(
                "secretgate: code scanning takes at most {} results and 10 MB: uploading the {} \
                 most severe, leaving out {} (all are in the SARIF file and the check run)",
                code_scanning::MAX_RESULTS,
                prepared.kept,
                prepared.dropped
            );
        }
        let git_ref = &subject.sarif_ref;
        if git_ref.is_empty() {
            return Err(UploadError::Rejected(
                "no GITHUB_REF to pair the SARIF upload with: skipped".into(),
            ));
        }
        let target = Target {
            commit_sha: &subject.head_sha,
            git_ref,
        };
        let processing = self.rt.block_on(async {
            let id = code_scanning::upload(self.client, &target, &prepared).await?;
            code_scanning::wait_processed(self.client, &id, self.poll).await
        })?;
        match processing {
            Processing::Complete => Ok(format!(
                "SARIF uploaded to code scanning for {} ({} results)",
                git_ref, prepared.kept
            )),
            Processing::Pending => Ok(format!(
                "SARIF uploaded for {git_ref}; code scanning was still processing it after {} s",
                self.poll.timeout.as_secs()
            )),
            Processing::Failed(errors) => Err(UploadError::Rejected(format!(
                "code scanning rejected the SARIF: {}",
                errors.join("; ")
            ))),
        }
    }
}

enum UploadError {
    Api(ApiError),
    Rejected(String),
}

impl From<ApiError> for UploadError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}
