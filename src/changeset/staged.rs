//! The change a `git commit` would record now: staged lines, staged content.
//!
//! Content is the staged blob, not the file on disk: with `git add -p`, or an edit after
//! `git add`, the two differ, and only the staged one is committed. Blobs are read by the ids
//! `git diff --cached --full-index` prints (the same as `:path`, without spelling paths).
//! Before the first commit there is no `HEAD`; `git diff --cached` then compares the index
//! with the empty tree by itself, so the initial commit needs no special case here.

use super::diff::{git_diff, Content};
use super::git::Git;
use super::{ChangeSet, ChangesetError, PathFilter};
use std::path::Path;

/// The lines staged in `repo`'s index relative to `HEAD` (or to nothing before the first
/// commit), with the staged content. Paths are relative to the repository's top level.
pub fn staged(repo: &Path, filter: &PathFilter) -> Result<ChangeSet, ChangesetError> {
    let git = Git::open(repo)?;
    git_diff(&git, &["--cached", "--"], Content::Blobs, filter)
}
