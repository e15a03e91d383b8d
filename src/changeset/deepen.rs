//! Making sure a CI checkout holds the commits a change set needs: one deepening policy
//! for every gate, fetching from `origin` with the job's credentials when a shallow clone
//! hides the base or the branch point.
//!
//! - [`ensure_range`]: both ends of a range and their merge base (GitHub: a pull request's
//!   base and head SHAs, a push's before and after).
//! - [`merge_commit_range`]: the merge commit a pull-request build checks out against its
//!   first parent, the target branch (Azure Pipelines' `refs/pull/N/merge`).
//! - [`ensure_full_history`]: the whole history, for a history scan.

use super::git::{self, FetchAuth};
use super::short_sha;
use std::fmt;
use std::path::Path;

/// How a shallow clone is deepened, for every gate: these depths in turn, then the full
/// history. A fetch that fails (no `origin`, no access) is not retried deeper.
pub const DEEPEN_STEPS: [u32; 3] = [50, 500, 5000];

/// The `git fetch` depth arguments of the deepening policy, in order.
fn deepening() -> impl Iterator<Item = String> {
    DEEPEN_STEPS
        .iter()
        .map(|d| format!("--depth={d}"))
        .chain(std::iter::once("--unshallow".to_string()))
}

/// A checkout and the credentials to fetch more of it from `origin`.
pub struct Checkout<'a> {
    pub dir: &'a Path,
    pub auth: Option<FetchAuth>,
}

impl Checkout<'_> {
    /// Standard output of a git command that succeeded, trimmed; else git's last message,
    /// without credentials.
    fn run(&self, args: &[&str]) -> Result<String, String> {
        match git::run(self.dir, args, self.auth.as_ref()) {
            Ok(o) if o.status.success() => {
                Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
            }
            Ok(o) => {
                let err = String::from_utf8_lossy(&o.stderr);
                let line = err
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("failed");
                Err(without_userinfo(line.trim()).chars().take(200).collect())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    fn has_commit(&self, sha: &str) -> bool {
        self.run(&["cat-file", "-e", &format!("{sha}^{{commit}}")])
            .is_ok()
    }

    fn is_shallow(&self) -> bool {
        self.run(&["rev-parse", "--is-shallow-repository"])
            .is_ok_and(|s| s == "true")
    }

    /// Parents of `sha` as git sees them (none at a shallow boundary).
    fn parents(&self, sha: &str) -> Vec<String> {
        self.run(&["rev-list", "--parents", "-n", "1", sha])
            .map(|l| l.split_whitespace().skip(1).map(str::to_string).collect())
            .unwrap_or_default()
    }

    fn fetch(&self, depth: &str, what: &[&str]) -> Result<String, String> {
        let mut args = vec!["fetch", "--no-tags", "--quiet"];
        if !depth.is_empty() {
            args.push(depth);
        }
        args.push("origin");
        args.extend(what);
        eprintln!("secretgate: git {}", args.join(" "));
        self.run(&args)
            .map_err(|e| format!("`git {}` failed: {e}", args.join(" ")))
    }
}

/// Makes sure `base`, `head` and their merge base are in the clone, fetching from `origin`
/// when they are not: deeper and deeper for a shallow clone ([`DEEPEN_STEPS`], then the
/// full history), by SHA once for a full one. Says why when it cannot.
pub fn ensure_range(checkout: &Checkout<'_>, base: &str, head: &str) -> Result<(), String> {
    let complete = || {
        checkout.has_commit(base)
            && checkout.has_commit(head)
            && checkout.run(&["merge-base", base, head]).is_ok()
    };
    if complete() {
        return Ok(());
    }
    let steps: Vec<String> = if checkout.is_shallow() {
        deepening().collect()
    } else {
        vec![String::new()]
    };
    let mut last = String::from("the commits are not in the clone");
    for depth in steps {
        // A fetch that fails once fails again deeper: give up on the first failure.
        checkout.fetch(&depth, &[base, head])?;
        if complete() {
            return Ok(());
        }
        last = format!(
            "no common ancestor of {} and {} after fetching {}",
            short_sha(base),
            short_sha(head),
            if depth.is_empty() { "them" } else { &depth }
        );
    }
    Err(last)
}

/// Makes a shallow clone whole (`git fetch --unshallow origin`), for a history scan in CI
/// where actions/checkout and Azure fetch one commit by default. A full clone is left alone;
/// when the fetch fails the reason is returned and the clone stays as it was.
pub fn ensure_full_history(checkout: &Checkout<'_>) -> Result<(), String> {
    if !checkout.is_shallow() {
        return Ok(());
    }
    checkout.fetch("--unshallow", &[]).map(|_| ())
}

/// Two commits present in the checkout: the lines `head` adds over `base` are the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRange {
    pub base: String,
    pub head: String,
    /// How the range was found, for the log.
    pub how: String,
}

/// Git could not produce the pull request's range; `tried` lists what was attempted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeError {
    pub tried: Vec<String>,
}

impl fmt::Display for RangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "git could not give the pull request's base commit ({})",
            self.tried.join("; ")
        )
    }
}

impl std::error::Error for RangeError {}

/// Finds the range a pull-request build reviews: the merge commit's first parent (the
/// target branch) to the merge commit, deepening a shallow checkout by the one policy.
/// When `head` is not a merge commit, falls back to the merge base with the target branch.
pub fn merge_commit_range(
    checkout: &Checkout<'_>,
    head: &str,
    source_branch: Option<&str>,
    target_branch: &str,
) -> Result<CommitRange, RangeError> {
    let mut tried = Vec::new();
    let mut depths = deepening();
    // One deepening step: `head` (or the source branch) fetched deeper.
    let mut deepen = |tried: &mut Vec<String>| -> Option<String> {
        let depth = depths.next()?;
        for what in std::iter::once(head).chain(source_branch) {
            match checkout.fetch(&depth, &[what]) {
                Ok(_) => return Some(depth),
                Err(e) => tried.push(e),
            }
        }
        None
    };

    if !checkout.has_commit(head) && deepen(&mut tried).is_none() {
        return Err(RangeError { tried });
    }
    let mut parents = checkout.parents(head);
    if parents.is_empty() && checkout.is_shallow() && deepen(&mut tried).is_some() {
        parents = checkout.parents(head);
    }
    match parents.len() {
        0 => {
            tried.push(format!(
                "{} has no parent in this checkout",
                short_sha(head)
            ));
            Err(RangeError { tried })
        }
        1 => merge_base_range(checkout, head, target_branch, &mut deepen, tried),
        _ => {
            let base = parents.swap_remove(0);
            Ok(CommitRange {
                how: format!(
                    "merge commit {} against its first parent {}",
                    short_sha(head),
                    short_sha(&base)
                ),
                base,
                head: head.to_string(),
            })
        }
    }
}

/// `head` is a single-parent commit (a build of the source branch itself): the change is
/// what it adds over its merge base with the target branch.
fn merge_base_range(
    checkout: &Checkout<'_>,
    head: &str,
    target_branch: &str,
    deepen: &mut dyn FnMut(&mut Vec<String>) -> Option<String>,
    mut tried: Vec<String>,
) -> Result<CommitRange, RangeError> {
    let branch = target_branch
        .strip_prefix("refs/heads/")
        .unwrap_or(target_branch);
    let local = format!("refs/secretgate/target/{branch}");
    let refspec = format!("+refs/heads/{branch}:{local}");
    // The target branch goes as deep as `head` was last deepened.
    let mut depth = format!("--depth={}", DEEPEN_STEPS[0]);
    loop {
        if let Err(e) = checkout.fetch(&depth, &[&refspec]) {
            tried.push(e);
        }
        if let Ok(base) = checkout.run(&["merge-base", &local, head]) {
            return Ok(CommitRange {
                how: format!(
                    "{} against its merge base {} with {branch}",
                    short_sha(head),
                    short_sha(&base)
                ),
                base,
                head: head.to_string(),
            });
        }
        if !checkout.is_shallow() {
            break;
        }
        match deepen(&mut tried) {
            Some(next) => depth = next,
            None => break,
        }
    }
    tried.push(format!("no merge base of {} and {branch}", short_sha(head)));
    Err(RangeError { tried })
}

/// Hides `user:password@` in URLs that git quotes in its messages.
fn without_userinfo(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let host_end = tail
            .find(|c: char| c == '/' || c == '\'' || c == '"' || c.is_whitespace())
            .unwrap_or(tail.len());
        match tail[..host_end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_messages_lose_credentials_in_urls() {
        assert_eq!(
            without_userinfo(
                "fatal: unable to access 'https://build:s3cr3t@dev.azure.com/o/p/_git/r/': 403"
            ),
            "fatal: unable to access 'https://***@dev.azure.com/o/p/_git/r/': 403"
        );
        assert_eq!(
            without_userinfo("fatal: 'file:///tmp/x' does not appear"),
            "fatal: 'file:///tmp/x' does not appear"
        );
    }

    #[test]
    fn one_deepening_policy_ends_in_the_full_history() {
        let steps: Vec<String> = deepening().collect();
        assert_eq!(
            steps,
            ["--depth=50", "--depth=500", "--depth=5000", "--unshallow"]
        );
    }
}
