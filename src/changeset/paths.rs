//! Which paths a scan leaves out: the config's exclude globs, and `.git/` always.
//!
//! Patterns follow `.gitignore` habits so a config reads the way a user expects:
//!
//! - they match the reported path (repository-relative in git modes, relative to
//!   [`ChangeSet::root`](super::ChangeSet::root) in tree mode), always with `/` separators;
//! - `*` and `?` stop at `/`, `**` crosses directories;
//! - a pattern without `/` matches at any depth (`*.min.js`, `node_modules`), a leading `/`
//!   anchors it at the root, and a trailing `/` matches directories only;
//! - a pattern that matches a directory excludes everything under it.
//!
//! Explicitly named files are scanned even when a pattern matches them, as ripgrep searches a
//! file it is given even if it is gitignored: naming a file is the stronger statement. A
//! pre-commit hook that passes every staged file by name wants the opposite, and gets it with
//! [`PathFilter::force_exclude`] (typos' `--force-exclude`). Files that a mode finds by itself
//! (walking, or listing a diff) always obey the patterns.

use super::ChangesetError;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// The exclude rules every mode applies. `PathFilter::default()` excludes only `.git/`.
#[derive(Debug, Clone, Default)]
pub struct PathFilter {
    /// Patterns that match files and directories.
    any: GlobSet,
    /// Patterns written with a trailing `/`: directories only.
    dirs: GlobSet,
    force_exclude: bool,
}

impl PathFilter {
    /// Compiles config exclude patterns; an invalid or negated pattern is an error naming it.
    pub fn new<S: AsRef<str>>(
        patterns: impl IntoIterator<Item = S>,
    ) -> Result<Self, ChangesetError> {
        let mut any = GlobSetBuilder::new();
        let mut dirs = GlobSetBuilder::new();
        for pattern in patterns {
            let pattern = pattern.as_ref();
            let bad = |message: String| ChangesetError::Glob {
                pattern: pattern.to_string(),
                message,
            };
            let trimmed = pattern.trim();
            if trimmed.is_empty() {
                return Err(bad("empty pattern".into()));
            }
            if trimmed.starts_with('!') {
                // Silently matching a literal `!` would exclude nothing and look like it works.
                return Err(bad("negated patterns (`!`) are not supported".into()));
            }
            let (body, dir_only) = match trimmed.strip_suffix('/') {
                Some(body) => (body, true),
                None => (trimmed, false),
            };
            let body = body.strip_prefix("./").unwrap_or(body);
            let glob = match body.strip_prefix('/') {
                Some(anchored) => anchored.to_string(),
                None if !body.contains('/') => format!("**/{body}"),
                None => body.to_string(),
            };
            let glob = GlobBuilder::new(&glob)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| bad(e.kind().to_string()))?;
            if dir_only { &mut dirs } else { &mut any }.add(glob);
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|e| ChangesetError::Glob {
                pattern: e.glob().unwrap_or_default().to_string(),
                message: e.kind().to_string(),
            })
        };
        Ok(Self {
            any: build(any)?,
            dirs: build(dirs)?,
            force_exclude: false,
        })
    }

    /// Also apply the patterns to paths named explicitly (off by default; see the module docs).
    pub fn force_exclude(mut self, yes: bool) -> Self {
        self.force_exclude = yes;
        self
    }

    /// Whether the patterns also apply to explicitly named paths.
    pub fn forces_exclude(&self) -> bool {
        self.force_exclude
    }

    /// Whether the file at `path` (relative, `/`-separated) is excluded, by itself or by one of
    /// its parent directories.
    pub fn excludes(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        if self.excludes_entry(path, false) {
            return true;
        }
        path.match_indices('/')
            .any(|(i, _)| self.excludes_entry(&path[..i], true))
    }

    /// Whether this one entry is excluded, its parents aside: the walker prunes directories as
    /// it meets them, so it never needs to look upwards.
    pub(crate) fn excludes_entry(&self, path: &str, is_dir: bool) -> bool {
        if path.rsplit('/').next() == Some(".git") {
            return true;
        }
        if path.is_empty() {
            return false;
        }
        self.any.is_match(path) || (is_dir && self.dirs.is_match(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(patterns: &[&str]) -> PathFilter {
        PathFilter::new(patterns).expect("valid patterns")
    }

    #[test]
    fn git_directories_are_always_excluded() {
        let f = PathFilter::default();
        assert!(f.excludes(".git/config"));
        assert!(f.excludes("vendor/lib/.git/config"));
        assert!(!f.excludes(".github/workflows/ci.yml"));
        assert!(!f.excludes("src/git.rs"));
    }

    #[test]
    fn patterns_follow_gitignore_habits() {
        let f = filter(&[
            "*.min.js",
            "node_modules",
            "/build",
            "docs/*.md",
            "fixtures/",
        ]);
        assert!(f.excludes("app.min.js"));
        assert!(f.excludes("web/static/app.min.js"));
        assert!(f.excludes("node_modules/x/index.js"));
        assert!(f.excludes("web/node_modules/x/index.js"));
        assert!(f.excludes("build/out.txt"));
        assert!(!f.excludes("src/build/out.txt"), "a leading / anchors");
        assert!(f.excludes("docs/a.md"));
        assert!(!f.excludes("docs/deep/a.md"), "* stops at /");
        assert!(f.excludes("tests/fixtures/key.pem"));
        assert!(
            !f.excludes("fixtures"),
            "a trailing / matches directories only"
        );
        assert!(!f.excludes("src/main.rs"));
    }

    #[test]
    fn double_star_crosses_directories() {
        let f = filter(&["testdata/**/*.json"]);
        assert!(f.excludes("testdata/a.json"));
        assert!(f.excludes("testdata/x/y/a.json"));
        assert!(!f.excludes("src/testdata/a.json"));
    }

    #[test]
    fn bad_patterns_name_themselves() {
        let err = PathFilter::new(["ok/*", "a[b"]).expect_err("unclosed class");
        assert!(err.to_string().contains("`a[b`"), "{err}");
        let err = PathFilter::new(["!keep.txt"]).expect_err("negation");
        assert!(err.to_string().contains("not supported"), "{err}");
    }
}
