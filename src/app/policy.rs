//! The policy a gate run applies: the pull request's base branch's, so that the change
//! under review cannot loosen its own gate, with the policy changes it makes listed for
//! reviewers; the checkout's on other builds; an explicit `--config` as given.

use super::Pipeline;
use crate::changeset::{self, short_sha};
use crate::cli::CommonScanArgs;
use crate::config::{self, CheckoutFiles, ConfigError, PolicyChange, PolicyFiles, PolicySource};
use crate::report;
use std::path::{Path, PathBuf};

/// The policy a gate applies and what the change under review would change in it.
pub struct GatePolicy {
    pub pipeline: Pipeline,
    /// Where the policy was read from, for the log.
    pub origin: String,
    /// What the pull request changes in the policy: it applies once merged, not here.
    pub pending: Vec<PolicyChange>,
    /// Why the base's policy could not be read, when the defaults stand in for it.
    pub warning: Option<String>,
}

impl GatePolicy {
    /// The job-summary section on the pull request's own policy changes.
    pub fn pending_markdown(&self) -> String {
        let changes: Vec<(&str, &[String])> = self
            .pending
            .iter()
            .map(|c| (c.what.as_str(), c.values.as_slice()))
            .collect();
        report::markdown::pending_policy_markdown(&changes)
    }

    /// One line for a status or log: what the pull request changes, applying once merged.
    pub fn pending_line(&self) -> Option<String> {
        (!self.pending.is_empty()).then(|| {
            let list: Vec<String> = self.pending.iter().map(ToString::to_string).collect();
            format!("policy changes apply once merged: {}", list.join("; "))
        })
    }
}

/// Where a gate run's policy comes from.
#[derive(Debug, Clone, Copy)]
pub enum PolicyAt<'a> {
    /// The checkout: push and schedule builds, whose checkout is the base.
    Checkout,
    /// A pull request's base commit (the target branch), as the change set uses it.
    Base(&'a str),
    /// A pull request whose base commit is not in the clone.
    UnreadableBase,
}

/// The policy for a gate run. A pull request is checked under its target branch's policy,
/// read with `git show <base>:<path>`, so that it cannot loosen its own gate; its own
/// policy changes are listed. An explicit `--config` is used as given.
pub fn gate_policy(
    common: &CommonScanArgs,
    root: &Path,
    at: PolicyAt<'_>,
) -> anyhow::Result<GatePolicy> {
    let explicit = common.config.as_deref();
    let checkout = CheckoutFiles(root);
    let load =
        |source: &dyn PolicySource| PolicyFiles::load(explicit, common.baseline.as_deref(), source);
    if explicit.is_some() || matches!(at, PolicyAt::Checkout) {
        let origin = match explicit {
            Some(p) => format!("{} (--config)", p.display()),
            None => "the checkout".to_string(),
        };
        return Ok(GatePolicy {
            pipeline: Pipeline::with_policy(common, load(&checkout)?)?,
            origin,
            pending: Vec::new(),
            warning: None,
        });
    }
    let unreadable = |what: String| {
        format!(
            "{what} is not in the clone, so the target branch's `.secretgate.yml` cannot be \
             read: the default policy applies (check out full history to apply the target \
             branch's own)"
        )
    };
    let base = match at {
        PolicyAt::Base(base) => Some(base),
        _ => None,
    };
    let (base_files, warning, origin) = match base {
        None => (
            PolicyFiles::default(),
            Some(unreadable("the base commit".into())),
            "the defaults".to_string(),
        ),
        Some(base) => match changeset::file_at(root, base, config::DEFAULT_FILE) {
            Err(changeset::ChangesetError::UnknownRevision(_)) => (
                PolicyFiles::default(),
                Some(unreadable(format!("the base commit {}", short_sha(base)))),
                "the defaults".to_string(),
            ),
            _ => (
                load(&CommitFiles { root, rev: base })?,
                None,
                format!("the base commit {}", short_sha(base)),
            ),
        },
    };
    // What the pull request itself changes: its checkout against where it branched off
    // (for a merge-commit checkout, that is the base itself), so that policy changes the
    // target branch made since are not counted as the pull request's.
    let branch_point = base
        .and_then(|b| changeset::merge_base(root, b, "HEAD").ok().flatten())
        .filter(|mb| Some(mb.as_str()) != base)
        .and_then(|mb| load(&CommitFiles { root, rev: &mb }).ok());
    let reference = branch_point.as_ref().unwrap_or(&base_files);
    let pending = match load(&checkout) {
        Ok(head) => head.changes_from(reference),
        // The parser's message can quote the file, which the pull request wrote: it stays
        // out of summaries; `secretgate scan` on the branch shows it.
        Err(_) => vec![PolicyChange {
            what: "the pull request's .secretgate.yml or baseline does not load; once merged, \
                   every gate run fails (run `secretgate scan` on the branch to see why)"
                .into(),
            values: Vec::new(),
        }],
    };
    Ok(GatePolicy {
        pipeline: Pipeline::with_policy(common, base_files)?,
        origin,
        pending,
        warning,
    })
}

/// Policy files as they are in a commit.
struct CommitFiles<'a> {
    root: &'a Path,
    rev: &'a str,
}

impl PolicySource for CommitFiles<'_> {
    fn read(&self, path: &str) -> Result<Option<String>, ConfigError> {
        let bytes =
            changeset::file_at(self.root, self.rev, path).map_err(|e| ConfigError::Invalid {
                path: self.name(path),
                message: e.to_string(),
            })?;
        Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    fn name(&self, path: &str) -> PathBuf {
        PathBuf::from(format!("{}:{path}", short_sha(self.rev)))
    }
}
