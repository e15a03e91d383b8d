//! Everything the Azure gate posts on a pull request about one scan: one thread per
//! finding and the `secretgate/secret-scan` status, as far as the flags allow.
//!
//! Publishing is best effort: a failure comes back as a warning and never changes the exit
//! code; the findings decide it.

use super::status::{self, Status};
use super::threads::{self, Comment};
use super::Client;
use crate::findings::{ScanResult, Severity};

/// What to post (`--pr-comment`, `--check-run`).
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub threads: bool,
    pub status: bool,
}

/// Posts what is wanted; returns the warnings to show.
#[allow(clippy::too_many_arguments)]
pub fn publish(
    client: &Client,
    rt: &tokio::runtime::Runtime,
    wanted: Wanted,
    result: &ScanResult,
    threshold: Option<Severity>,
    status_note: Option<&str>,
    build_url: Option<String>,
    comment: &Comment,
) -> Vec<String> {
    let mut warnings = Vec::new();
    if wanted.threads {
        match rt.block_on(threads::sync(client, &result.findings, comment)) {
            Ok(t) => {
                eprintln!(
                    "secretgate: pull-request threads: {} new, {} kept, {} reopened, {} resolved",
                    t.created, t.kept, t.reopened, t.resolved
                );
                if t.over_limit > 0 {
                    warnings.push(format!(
                        "{} more findings got no thread (at most {} new threads per run); see the summary",
                        t.over_limit,
                        threads::MAX_NEW_THREADS
                    ));
                }
            }
            Err(e) => warnings.push(e.to_string()),
        }
    }
    if wanted.status {
        let mut s = Status::for_result(result, threshold, build_url);
        if let Some(note) = status_note {
            s.add_note(note);
        }
        match rt.block_on(status::post(client, &s)) {
            Ok(()) => eprintln!(
                "secretgate: pull-request status {}/{}: {}",
                status::GENRE,
                status::NAME,
                s.state.as_str()
            ),
            Err(e) => warnings.push(e.to_string()),
        }
    }
    warnings
}

/// Posts the `error` status of a gate that could not tell what the pull request changes.
pub fn publish_error(
    client: &Client,
    rt: &tokio::runtime::Runtime,
    build_url: Option<String>,
) -> Option<String> {
    let s = Status::error(
        "secretgate could not determine the pull request's changes; see the build log",
        build_url,
    );
    rt.block_on(status::post(client, &s))
        .err()
        .map(|e| e.to_string())
}
