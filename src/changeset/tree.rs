//! Tree scans: every line of every file under the given paths.
//!
//! The walk honours `.gitignore` (in a git repository or not: a copied-out tree still means
//! what its `.gitignore` says), `.git/info/exclude`, the global git excludes file and
//! `.ignore`. Hidden files are scanned, since `.env`, `.npmrc` and `.aws/credentials` are
//! where secrets live; `.git/` never is. Symlinks are not followed unless asked, so a link
//! cannot pull in a file outside the tree or make the walk loop; a broken one is a warning.
//! Nothing that fails for one entry stops the walk: it becomes a [`Warning`].
//!
//! Paths given explicitly are always scanned, ignored or not (as ripgrep does); config
//! excludes reach them only with [`PathFilter::force_exclude`]. Files found by walking obey
//! both.
//!
//! Reported paths are relative to the one directory given, or else to the current directory
//! where they lie under it, and are kept as given otherwise; always with `/` separators.
//!
//! [`tree_each`] hands each file over on the walker's own threads as soon as it is found,
//! so that reading and scanning overlap the walk (as ripgrep searches inside its walk);
//! [`tree`] collects them into a sorted [`ChangeSet`].

use super::{ChangeSet, ChangedFile, ChangesetError, LineFilter, PathFilter, Source};
use crate::findings::Warning;
use ignore::{WalkBuilder, WalkState};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// How a tree is walked.
#[derive(Debug, Clone, Default)]
pub struct TreeOptions {
    /// Follow symbolic links (off: a link is skipped, a broken one warned about).
    pub follow_links: bool,
    /// Walker threads; `None` = the walker's default (the cores, at most 12).
    pub threads: Option<usize>,
}

/// What a streaming walk ([`tree_each`]) leaves once every file is handed over.
#[derive(Debug, Default)]
pub struct Walked {
    /// What reported paths are relative to, as in [`ChangeSet::root`].
    pub root: PathBuf,
    /// Entries that could not be walked, sorted by path.
    pub warnings: Vec<Warning>,
}

/// Every file under `paths` (the current directory when empty), every line counting.
pub fn tree(paths: &[PathBuf], filter: &PathFilter) -> Result<ChangeSet, ChangesetError> {
    tree_with(paths, filter, &TreeOptions::default())
}

/// [`tree`] with options.
pub fn tree_with(
    paths: &[PathBuf],
    filter: &PathFilter,
    options: &TreeOptions,
) -> Result<ChangeSet, ChangesetError> {
    let files = Mutex::new(Vec::new());
    let walked = tree_each(paths, filter, options, &|f| {
        files.lock().unwrap_or_else(PoisonError::into_inner).push(f)
    })?;
    let mut files = files.into_inner().unwrap_or_else(PoisonError::into_inner);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(ChangeSet {
        root: walked.root,
        files,
        warnings: walked.warnings,
    })
}

/// Walks as [`tree`] does, but hands each file to `sink` as soon as it is found, on the
/// walker's threads and in no particular order. Each file is handed over once, even when
/// it is named explicitly and also lies in a named directory.
pub fn tree_each(
    paths: &[PathBuf],
    filter: &PathFilter,
    options: &TreeOptions,
    sink: &(dyn Fn(ChangedFile) + Sync),
) -> Result<Walked, ChangesetError> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };

    let mut found = Vec::new();
    let mut warnings = Vec::new();
    let mut dirs = Vec::new();
    for path in paths {
        // `symlink_metadata` first: a broken link exists, it just cannot be read.
        if let Err(err) = std::fs::symlink_metadata(path) {
            return Err(match err.kind() {
                std::io::ErrorKind::NotFound => ChangesetError::NotFound(path.clone()),
                _ => ChangesetError::Io {
                    path: path.clone(),
                    source: err,
                },
            });
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => dirs.push(path.clone()),
            Ok(meta) if meta.is_file() => found.push(path.clone()),
            Ok(_) => warnings.push((path.clone(), "not a regular file".to_string())),
            Err(err) => warnings.push((path.clone(), unreadable(&err, true))),
        }
    }

    let single_dir = (paths.len() == 1 && dirs.len() == 1).then(|| dirs[0].clone());
    let namer = Arc::new(Namer {
        cwd: std::env::current_dir().ok(),
        base: single_dir.clone(),
    });
    let root = match &single_dir {
        Some(dir) => std::path::absolute(dir).unwrap_or_else(|_| dir.clone()),
        None => namer.cwd.clone().unwrap_or_else(|| PathBuf::from(".")),
    };

    // Only several paths can name one file twice; one directory walks each file once.
    let seen = (paths.len() > 1).then(|| Mutex::new(HashSet::new()));
    let hand_over = |file: ChangedFile| {
        if let Some(seen) = &seen {
            let first = seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(file.path.clone());
            if !first {
                return;
            }
        }
        sink(file);
    };
    let mut walked = Walked {
        root,
        warnings: Vec::new(),
    };
    for path in found {
        let name = namer.name(&path);
        if !(filter.forces_exclude() && filter.excludes(&name)) {
            hand_over(file(name, path));
        }
    }
    for (path, message) in warnings {
        walked.warnings.push(Warning {
            path: namer.name(&path),
            message,
        });
    }
    if let Some((first, rest)) = dirs.split_first() {
        let found = walk(first, rest, filter, options, &namer, &hand_over);
        walked.warnings.extend(found);
    }
    walked.warnings.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(walked)
}

fn file(path: String, disk: PathBuf) -> ChangedFile {
    ChangedFile {
        path,
        source: Source::Disk(disk),
        lines: LineFilter::All,
    }
}

fn unreadable(err: &std::io::Error, is_link: bool) -> String {
    if is_link && err.kind() == std::io::ErrorKind::NotFound {
        "broken symbolic link: its target does not exist".into()
    } else {
        format!("cannot read: {err}")
    }
}

/// What the walker finds in one entry.
enum Found {
    File(ChangedFile),
    Warning(Warning),
}

/// Walks the directories, handing files to `hand_over` on the walker's threads; returns
/// the warnings.
fn walk(
    first: &Path,
    rest: &[PathBuf],
    filter: &PathFilter,
    options: &TreeOptions,
    namer: &Arc<Namer>,
    hand_over: &(dyn Fn(ChangedFile) + Sync),
) -> Vec<Warning> {
    let mut builder = WalkBuilder::new(first);
    for dir in rest {
        builder.add(dir);
    }
    let prune = {
        let (filter, namer) = (filter.clone(), Arc::clone(namer));
        move |entry: &ignore::DirEntry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !filter.excludes_entry(&namer.name(entry.path()), is_dir)
        }
    };
    builder
        .hidden(false)
        .parents(true)
        .ignore(true)
        .git_ignore(true)
        .git_global(true)
        .git_exclude(true)
        .require_git(false)
        .follow_links(options.follow_links)
        .threads(options.threads.unwrap_or(0))
        .filter_entry(prune);

    let warnings = Mutex::new(Vec::new());
    builder.build_parallel().run(|| {
        let namer = Arc::clone(namer);
        let warnings = &warnings;
        Box::new(move |result| {
            for found in visit(result, &namer) {
                match found {
                    Found::File(f) => hand_over(f),
                    Found::Warning(w) => warnings
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(w),
                }
            }
            WalkState::Continue
        })
    });
    warnings
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
}

fn visit(result: Result<ignore::DirEntry, ignore::Error>, namer: &Namer) -> Vec<Found> {
    let mut out = Vec::new();
    let entry = match result {
        Ok(entry) => entry,
        Err(err) => {
            warnings(&err, namer, &mut out);
            return out;
        }
    };
    // An ignore file that could not be read: the entry is still walked.
    if let Some(err) = entry.error() {
        warnings(err, namer, &mut out);
    }
    let Some(kind) = entry.file_type() else {
        return out;
    };
    if kind.is_file() {
        let path = entry.into_path();
        out.push(Found::File(file(namer.name(&path), path)));
    } else if kind.is_symlink() {
        // Not followed; only tell the user when the link leads nowhere.
        if let Err(err) = std::fs::metadata(entry.path()) {
            out.push(Found::Warning(Warning {
                path: namer.name(entry.path()),
                message: unreadable(&err, true),
            }));
        }
    }
    // Directories are walked into; sockets, FIFOs and devices are not files to read.
    out
}

/// Flattens a walker error into warnings, each naming the path it concerns.
fn warnings(err: &ignore::Error, namer: &Namer, out: &mut Vec<Found>) {
    fn inner(err: &ignore::Error, path: Option<&Path>, namer: &Namer, out: &mut Vec<Found>) {
        match err {
            ignore::Error::Partial(errs) => {
                for e in errs {
                    inner(e, path, namer, out);
                }
            }
            ignore::Error::WithPath { path, err } => inner(err, Some(path), namer, out),
            ignore::Error::WithDepth { err, .. } => inner(err, path, namer, out),
            ignore::Error::Io(io) => out.push(Found::Warning(Warning {
                path: path.map(|p| namer.name(p)).unwrap_or_default(),
                message: unreadable(io, path.is_some_and(|p| p.is_symlink())),
            })),
            ignore::Error::Loop { child, .. } => out.push(Found::Warning(Warning {
                path: namer.name(child),
                message: err.to_string(),
            })),
            other => out.push(Found::Warning(Warning {
                path: path.map(|p| namer.name(p)).unwrap_or_default(),
                message: other.to_string(),
            })),
        }
    }
    inner(err, None, namer, out);
}

/// Turns walked paths into reported names.
#[derive(Debug)]
struct Namer {
    cwd: Option<PathBuf>,
    /// The one directory given, which names are relative to.
    base: Option<PathBuf>,
}

impl Namer {
    fn name(&self, path: &Path) -> String {
        if let Some(rel) = self.base.as_deref().and_then(|b| path.strip_prefix(b).ok()) {
            return slashed(rel);
        }
        if path.is_absolute() {
            if let Some(rel) = self.cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()) {
                return slashed(rel);
            }
        }
        slashed(path)
    }
}

/// A path with `/` separators and without `.` components.
fn slashed(path: &Path) -> String {
    let mut out = String::new();
    for component in path.components() {
        let part = match component {
            Component::CurDir => continue,
            Component::RootDir => {
                out.push('/');
                continue;
            }
            Component::Prefix(p) => p.as_os_str().to_string_lossy(),
            Component::ParentDir => "..".into(),
            Component::Normal(s) => s.to_string_lossy(),
        };
        if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(&part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_relative_and_slashed() {
        let namer = Namer {
            cwd: Some(PathBuf::from("/work/repo")),
            base: None,
        };
        assert_eq!(namer.name(Path::new("./src/main.rs")), "src/main.rs");
        assert_eq!(namer.name(Path::new("/work/repo/src/a.rs")), "src/a.rs");
        assert_eq!(namer.name(Path::new("/elsewhere/a.rs")), "/elsewhere/a.rs");
        assert_eq!(namer.name(Path::new("../other/a.rs")), "../other/a.rs");

        let namer = Namer {
            cwd: Some(PathBuf::from("/work/repo")),
            base: Some(PathBuf::from("./sub")),
        };
        assert_eq!(namer.name(Path::new("./sub/x/.env")), "x/.env");
    }
}
