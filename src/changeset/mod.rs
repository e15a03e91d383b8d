//! Which files, and which lines of them, a scan looks at.
//!
//! A [`ChangeSet`] is the engine's only input: a list of files, each with where to read its
//! content and which of its lines count. A tree scan counts every line; `--diff`, `--staged`
//! and the CI gates count only the lines a change adds, but the engine still sees the whole
//! new file so context rules keep working.
//!
//! Five ways to build one, all filtered through the same [`PathFilter`]:
//!
//! - [`tree`]: walk directories (honouring `.gitignore` and `.ignore`, scanning hidden files,
//!   never `.git/`); every line counts.
//! - [`diff`] / [`diff_range`]: the lines a revision (or the working tree) adds relative to its
//!   merge base with a base revision, `git diff BASE...HEAD` style.
//! - [`staged`]: the lines `git commit` would add, read from the index (a pre-commit hook).
//! - [`from_patches`]: per-file unified diff patches as a pull-request API returns them.
//! - [`history_each`]: every blob in a repository's history, once, each with the commit
//!   that introduced it (streamed to the scanner rather than listed).
//!
//! In every git-backed mode a file whose change adds no lines (a pure rename, a mode change,
//! a change that only deletes) is left out, and deleted files, symlinks and submodules are
//! never in the set. Binary files are kept with [`LineFilter::All`] so the engine's own binary
//! detection counts and skips them.

mod deepen;
mod diff;
pub mod git;
mod history;
mod hunks;
mod listed;
mod paths;
mod staged;
mod tree;

pub use deepen::{
    ensure_full_history, ensure_range, merge_commit_range, Checkout, CommitRange, RangeError,
    DEEPEN_STEPS,
};
pub use diff::{diff, diff_range, from_patches};
pub use git::FetchAuth;
pub use history::{
    history_each, repository_uri, HistoryBlob, HistoryOptions, HistoryProgress, HistoryWalked,
};
pub use listed::{from_listed, is_safe_relative, ListedFile};
pub use paths::PathFilter;
pub use staged::staged;
pub use tree::{tree, tree_each, tree_with, TreeOptions, Walked};

use crate::findings::Warning;
use std::path::{Path, PathBuf};

/// The best common ancestor of two revisions; `None` when the clone shows none.
pub fn merge_base(root: &Path, a: &str, b: &str) -> Result<Option<String>, ChangesetError> {
    let git = git::Git::open(root)?;
    let (a, b) = (git.commit(a)?, git.commit(b)?);
    git.merge_base(&a, &b)
}

/// A commit id shortened for messages (the one helper for it).
pub fn short_sha(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// A file as it is in commit `rev` of the repository at `root` (the policy files of a pull
/// request's base); `None` when that commit has no such file.
pub fn file_at(root: &Path, rev: &str, path: &str) -> Result<Option<Vec<u8>>, ChangesetError> {
    git::Git::open(root)?.file_at(rev, path)
}

/// Why a change set could not be built. Per-file problems are [`ChangeSet::warnings`] instead.
///
/// Messages carry the command, path or revision involved but never file content.
#[derive(Debug, thiserror::Error)]
pub enum ChangesetError {
    /// `git` could not be started.
    #[error("git was not found on PATH: install git, or scan a directory tree instead of a diff")]
    GitNotFound,
    /// The directory is not inside a git work tree.
    #[error("{} is not inside a git repository", .0.display())]
    NotARepository(PathBuf),
    /// A revision the caller named does not resolve to a commit in this clone.
    #[error(
        "unknown revision `{0}`: it is not a commit in this clone; run `git fetch` for it, \
         or in CI check out full history (actions/checkout `fetch-depth: 0`, Azure `fetchDepth: 0`)"
    )]
    UnknownRevision(String),
    /// The two revisions share no history in this clone, so there is no branch point.
    #[error(
        "`{base}` and `{head}` have no common ancestor in this clone: a shallow clone hides the \
         branch point; fetch full history (actions/checkout `fetch-depth: 0`, Azure `fetchDepth: 0`)"
    )]
    NoMergeBase { base: String, head: String },
    /// A git command failed.
    #[error("`{command}` failed: {stderr}")]
    GitFailed { command: String, stderr: String },
    /// A path given explicitly does not exist.
    #[error("{}: no such file or directory", .0.display())]
    NotFound(PathBuf),
    /// A config exclude pattern is not a valid glob.
    #[error("invalid exclude pattern `{pattern}`: {message}")]
    Glob { pattern: String, message: String },
    /// Reading or listing a path failed where the whole scan depends on it.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The files to scan and the lines of each that count.
#[derive(Debug, Default)]
pub struct ChangeSet {
    /// Directory that reported paths are relative to (the repository root for git modes).
    pub root: PathBuf,
    pub files: Vec<ChangedFile>,
    /// Paths that could not be listed or read while building the set.
    pub warnings: Vec<Warning>,
}

/// One file to scan.
#[derive(Debug, Clone)]
pub struct ChangedFile {
    /// Path as reported: relative to [`ChangeSet::root`] with `/` separators where possible.
    pub path: String,
    pub source: Source,
    pub lines: LineFilter,
}

/// Where a file's content comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Read from disk when scanned (tree scans and working-tree diffs).
    Disk(PathBuf),
    /// Already in memory (a git blob, a staged file, a patch reconstructed from an API).
    Bytes(Vec<u8>),
    /// Not read, because its size (given) is over the scan's limit: a blob from history
    /// that was passed over rather than loaded.
    TooLarge(u64),
}

/// Which lines of a file a finding must touch to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineFilter {
    All,
    Added(LineSet),
}

impl LineFilter {
    /// Whether a finding spanning `start..=end` (1-based lines) counts.
    pub fn admits(&self, start: u32, end: u32) -> bool {
        match self {
            LineFilter::All => true,
            LineFilter::Added(set) => set.touches(start, end),
        }
    }
}

/// A set of 1-based line numbers stored as sorted, merged, inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineSet {
    ranges: Vec<(u32, u32)>,
}

impl LineSet {
    /// Builds a set from inclusive ranges in any order; overlapping and adjacent ones merge.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u32, u32)>) -> Self {
        let mut v: Vec<(u32, u32)> = ranges.into_iter().filter(|(a, b)| a <= b).collect();
        v.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(v.len());
        for (a, b) in v {
            match merged.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        Self { ranges: merged }
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    pub fn contains(&self, line: u32) -> bool {
        self.touches(line, line)
    }

    /// Whether any line in `start..=end` is in the set.
    pub fn touches(&self, start: u32, end: u32) -> bool {
        let i = self.ranges.partition_point(|&(_, b)| b < start);
        self.ranges.get(i).is_some_and(|&(a, _)| a <= end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_set_merges_and_answers_span_queries() {
        let s = LineSet::from_ranges([(10, 12), (1, 1), (13, 14), (20, 20)]);
        assert_eq!(s.ranges(), &[(1, 1), (10, 14), (20, 20)]);
        assert!(s.contains(1) && s.contains(14) && !s.contains(15));
        assert!(s.touches(15, 25));
        assert!(!s.touches(2, 9));
        assert!(!s.touches(21, 30));
    }
}
