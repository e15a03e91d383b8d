//! Change sets from the files a pull-request API lists, when git cannot give the range:
//! each listed path is checked (one checker for every API), its content read from the
//! checkout, and its patch, when the API gave one, picks the added lines.

use super::{from_patches, ChangeSet, PathFilter};
use crate::findings::Warning;
use std::path::{Component, Path};

/// One file a pull-request API lists as added or changed.
#[derive(Debug, Clone)]
pub struct ListedFile {
    /// Repository-relative, as the API sent it (not yet trusted).
    pub path: String,
    /// The file's unified-diff hunks; `None` counts every line.
    pub patch: Option<String>,
}

/// Whether a path an API returned is a repository-relative path without `..`, a root, a
/// drive or `.git`: anything else is never read.
pub fn is_safe_relative(p: &str) -> bool {
    !p.is_empty()
        && Path::new(p).components().all(|c| match c {
            Component::Normal(seg) => seg != ".git",
            Component::CurDir => true,
            _ => false,
        })
}

/// The listed files, read from the checkout at `root`; a path outside the repository or
/// missing from the checkout is a warning, never a read.
pub fn from_listed(root: &Path, listed: Vec<ListedFile>, filter: &PathFilter) -> ChangeSet {
    let mut warnings = Vec::new();
    let mut files = Vec::new();
    for f in listed {
        if !is_safe_relative(&f.path) {
            warnings.push(Warning {
                path: f.path,
                message: "the API named a path outside the repository; skipped".into(),
            });
            continue;
        }
        match std::fs::read(root.join(&f.path)) {
            Ok(content) => files.push((f.path, f.patch, content)),
            Err(e) => warnings.push(Warning {
                path: f.path,
                message: format!("not in the checkout ({e}); not scanned"),
            }),
        }
    }
    let mut set = from_patches(root.to_path_buf(), files, filter);
    set.warnings.extend(warnings);
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_must_stay_inside_the_repository() {
        assert!(is_safe_relative("src/a.rs"));
        assert!(is_safe_relative("./src/a.rs"));
        assert!(!is_safe_relative("../etc/passwd"));
        assert!(!is_safe_relative("/etc/passwd"));
        assert!(!is_safe_relative("a/../../b"));
        assert!(!is_safe_relative(".git/config"));
        assert!(!is_safe_relative(""));
    }
}
