//! Change sets from diffs: `git diff` between revisions or against the working tree, and
//! per-file patches from a pull-request API.
//!
//! The git modes parse one `git diff -U0` run. Paths come from the patch headers (`+++ b/…`,
//! `rename to …`, or the `diff --git` line for binary and mode-only changes), unquoted where
//! git quoted them. New content is read by blob id (`index <old>..<new>` with `--full-index`)
//! through a single `git cat-file --batch`, so paths never have to be spelled to git again.
//!
//! Untracked files are part of a working-tree diff (`head` = `None`): to someone checking
//! their work before committing, a new file they have not `git add`ed yet is still part of the
//! change. Files that `.gitignore` or `.git/info/exclude` ignore are not.

use super::git::{path_from_bytes, Git};
use super::hunks::{self, AddedLines};
use super::{ChangeSet, ChangedFile, ChangesetError, LineFilter, PathFilter, Source};
use crate::findings::Warning;
use std::path::{Path, PathBuf};

/// Flags for every patch-producing `git diff`. Each one pins down a setting that user config
/// could change: colour, external and textconv drivers (which would also run programs),
/// abbreviated ids, context, path prefixes, submodule log format.
const DIFF_ARGS: &[&str] = &[
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--full-index",
    "-U0",
    "--inter-hunk-context=0",
    "-M",
    // No deletions; `T` (type change) arrives as a deletion plus an addition.
    "--diff-filter=AMRCT",
    "--submodule=short",
    "--src-prefix=a/",
    "--dst-prefix=b/",
];

/// The lines `head` adds relative to the merge base of `base` and `head`
/// (`git diff BASE...HEAD`), content read from git.
///
/// With `head` = `None` the merge base of `base` and `HEAD` is compared with the working tree
/// instead: staged and unstaged edits count, and so do untracked files that are not ignored,
/// whole. Those files are read from disk. Paths are relative to the repository's top level,
/// which becomes [`ChangeSet::root`].
pub fn diff(
    repo: &Path,
    base: &str,
    head: Option<&str>,
    filter: &PathFilter,
) -> Result<ChangeSet, ChangesetError> {
    let git = Git::open(repo)?;
    let head_name = head.unwrap_or("HEAD");
    let base_id = git.commit(base)?;
    let head_id = git.commit(head_name)?;
    let merge_base =
        git.merge_base(&base_id, &head_id)?
            .ok_or_else(|| ChangesetError::NoMergeBase {
                base: base.to_string(),
                head: head_name.to_string(),
            })?;
    if head.is_some() {
        return git_diff(&git, &[&merge_base, &head_id, "--"], Content::Blobs, filter);
    }
    let mut set = git_diff(&git, &[&merge_base, "--"], Content::WorkTree, filter)?;
    add_untracked(&git, &mut set, filter)?;
    set.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(set)
}

/// The committed range a pull request gate checks: what `head_sha` adds since it branched
/// from `base_sha` (three-dot semantics, so later commits on the base branch do not count).
pub fn diff_range(
    repo: &Path,
    base_sha: &str,
    head_sha: &str,
    filter: &PathFilter,
) -> Result<ChangeSet, ChangesetError> {
    diff(repo, base_sha, Some(head_sha), filter)
}

/// A change set from per-file patches a pull-request API returned: `(path, patch, content)`
/// with the repository-relative path, the unified-diff hunks (GitHub's `patch` field) and the
/// file's new content.
///
/// A file without a patch (the API leaves it out for binary and very large diffs) counts
/// whole, as does one whose patch cannot be read (with a warning): a gate had rather scan too
/// much than miss a line. A patch that adds nothing drops the file. Removed files and pure
/// renames should not be passed in.
pub fn from_patches(
    root: PathBuf,
    files: Vec<(String, Option<String>, Vec<u8>)>,
    filter: &PathFilter,
) -> ChangeSet {
    let mut set = ChangeSet {
        root,
        ..ChangeSet::default()
    };
    for (path, patch, content) in files {
        if filter.excludes(&path) {
            continue;
        }
        let lines = match patch.map(|p| hunks::added_lines(p.as_bytes())) {
            None => LineFilter::All,
            Some(Ok(added)) if added.is_empty() => continue,
            Some(Ok(added)) => LineFilter::Added(added),
            Some(Err(why)) => {
                set.warnings.push(unreadable_patch(&path, &why));
                LineFilter::All
            }
        };
        set.files.push(ChangedFile {
            path,
            source: Source::Bytes(content),
            lines,
        });
    }
    set.files.sort_by(|a, b| a.path.cmp(&b.path));
    set
}

fn unreadable_patch(path: &str, why: &str) -> Warning {
    Warning {
        path: path.to_string(),
        message: format!("could not read the diff ({why}); every line counts"),
    }
}

/// Where the new content of the files in a git diff lives.
pub(crate) enum Content {
    /// On disk in the work tree.
    WorkTree,
    /// In git's object store (a commit or the index), read by blob id.
    Blobs,
}

/// Runs `git diff` with the shared flags plus `extra` and builds the change set.
pub(crate) fn git_diff(
    git: &Git,
    extra: &[&str],
    content: Content,
    filter: &PathFilter,
) -> Result<ChangeSet, ChangesetError> {
    let args: Vec<&str> = DIFF_ARGS.iter().chain(extra).copied().collect();
    let patch = git.output(&args)?;
    change_set(git, &patch, content, filter)
}

fn change_set(
    git: &Git,
    patch: &[u8],
    content: Content,
    filter: &PathFilter,
) -> Result<ChangeSet, ChangesetError> {
    let mut set = ChangeSet {
        root: git.top().to_path_buf(),
        ..ChangeSet::default()
    };
    let mut wanted = Vec::new();
    for file in parse_patch(patch) {
        // Symlink targets and submodule commits are not file content.
        if file.deleted || matches!(file.mode.as_deref(), Some(b"120000" | b"160000")) {
            continue;
        }
        let path = String::from_utf8_lossy(&file.path).into_owned();
        if path.is_empty() {
            set.warnings.push(Warning {
                path: String::new(),
                message: "git diff named a file in a form secretgate could not read".into(),
            });
            continue;
        }
        if filter.excludes(&path) {
            continue;
        }
        let lines = match (file.binary, file.added) {
            (true, _) => LineFilter::All,
            (false, Err(why)) => {
                set.warnings.push(unreadable_patch(&path, &why));
                LineFilter::All
            }
            (false, Ok(added)) => match added.finish() {
                Ok(added) if added.is_empty() => continue,
                Ok(added) => LineFilter::Added(added),
                Err(why) => {
                    set.warnings.push(unreadable_patch(&path, &why));
                    LineFilter::All
                }
            },
        };
        wanted.push((path, file.path, file.blob, lines));
    }
    match content {
        Content::WorkTree => {
            for (path, raw, _, lines) in wanted {
                let source = Source::Disk(git.top().join(path_from_bytes(&raw)));
                set.files.push(ChangedFile {
                    path,
                    source,
                    lines,
                });
            }
        }
        Content::Blobs => {
            let ids: Vec<&str> = wanted
                .iter()
                .filter_map(|(_, _, id, _)| id.as_deref())
                .collect();
            let mut blobs = git.blobs(&ids)?.into_iter();
            for (path, _, id, lines) in wanted {
                // Blobs come back in request order; files without an id made no request.
                match id.and_then(|_| blobs.next().flatten()) {
                    Some(bytes) => set.files.push(ChangedFile {
                        path,
                        source: Source::Bytes(bytes),
                        lines,
                    }),
                    None => set.warnings.push(Warning {
                        path,
                        message: "git could not provide the file's new content".into(),
                    }),
                }
            }
        }
    }
    Ok(set)
}

/// Adds untracked, not ignored, regular files of the work tree, every line counting.
fn add_untracked(
    git: &Git,
    set: &mut ChangeSet,
    filter: &PathFilter,
) -> Result<(), ChangesetError> {
    let listing = git.output(&["ls-files", "-z", "--others", "--exclude-standard"])?;
    for raw in listing.split(|&b| b == 0).filter(|p| !p.is_empty()) {
        let path = String::from_utf8_lossy(raw).into_owned();
        // A trailing `/` marks a nested repository, which is not ours to scan.
        if path.ends_with('/') || filter.excludes(&path) {
            continue;
        }
        let disk = git.top().join(path_from_bytes(raw));
        // Symlinks are not followed (as in tree scans), and a FIFO would block the reader.
        match std::fs::symlink_metadata(&disk) {
            Ok(meta) if meta.is_file() => set.files.push(ChangedFile {
                path,
                source: Source::Disk(disk),
                lines: LineFilter::All,
            }),
            Ok(_) => {}
            Err(err) => set.warnings.push(Warning {
                path,
                message: format!("cannot read file metadata: {err}"),
            }),
        }
    }
    Ok(())
}

/// What one `diff --git` section says about a file.
#[derive(Debug)]
struct FileDiff {
    /// New-side path, repository-relative, unquoted.
    path: Vec<u8>,
    /// New-side blob id.
    blob: Option<String>,
    /// New-side mode, e.g. `100644`.
    mode: Option<Vec<u8>>,
    deleted: bool,
    binary: bool,
    /// Added lines, or why the hunks could not be read.
    added: Result<AddedLines, String>,
}

fn parse_patch(out: &[u8]) -> Vec<FileDiff> {
    let mut files: Vec<FileDiff> = Vec::new();
    for line in hunks::lines(out) {
        // Inside a hunk every line starts with `+`, `-`, ` ` or `\`, so this is a new section.
        if let Some(names) = line.strip_prefix(b"diff --git ") {
            files.push(FileDiff {
                path: header_path(names).unwrap_or_default(),
                blob: None,
                mode: None,
                deleted: false,
                binary: false,
                added: Ok(AddedLines::default()),
            });
            continue;
        }
        let Some(file) = files.last_mut() else {
            continue;
        };
        if let Ok(added) = &mut file.added {
            match added.feed(line) {
                Ok(true) => continue,
                Ok(false) => {}
                Err(why) => {
                    file.added = Err(why);
                    continue;
                }
            }
        }
        file.header_line(line);
    }
    files
}

impl FileDiff {
    fn header_line(&mut self, line: &[u8]) {
        if let Some(name) = line.strip_prefix(b"+++ ") {
            if name == b"/dev/null" {
                self.deleted = true;
            } else if let Some(path) = quoted_or_raw(name).and_then(|p| strip(p, b"b/")) {
                self.path = path;
            }
        } else if let Some(name) = line
            .strip_prefix(b"rename to ")
            .or_else(|| line.strip_prefix(b"copy to "))
        {
            if let Some(path) = quoted_or_raw(name) {
                self.path = path;
            }
        } else if line.starts_with(b"deleted file mode ") {
            self.deleted = true;
        } else if let Some(mode) = line
            .strip_prefix(b"new file mode ")
            .or_else(|| line.strip_prefix(b"new mode "))
        {
            self.mode = Some(mode.to_vec());
        } else if let Some(index) = line.strip_prefix(b"index ") {
            // `index <old>..<new>`, plus ` <mode>` when the mode did not change.
            let mut parts = index.splitn(2, |&b| b == b' ');
            let ids = parts.next().unwrap_or_default();
            if let Some(mode) = parts.next() {
                self.mode = Some(mode.to_vec());
            }
            if let Some(dots) = ids.windows(2).position(|w| w == b"..") {
                self.blob = Some(String::from_utf8_lossy(&ids[dots + 2..]).into_owned());
            }
        } else if line.starts_with(b"Binary files ") || line == b"GIT binary patch" {
            self.binary = true;
        }
    }
}

fn strip(path: Vec<u8>, prefix: &[u8]) -> Option<Vec<u8>> {
    path.strip_prefix(prefix).map(<[u8]>::to_vec)
}

/// The new path from `a/X b/Y` of a `diff --git` line, which is all a binary or mode-only
/// change names. Renames and copies name it again in `rename to`/`copy to`, which wins.
fn header_path(names: &[u8]) -> Option<Vec<u8>> {
    if names.starts_with(b"\"") {
        let (_, rest) = unquote(names)?;
        return strip(quoted_or_raw(rest.strip_prefix(b" ")?)?, b"b/");
    }
    // Unquoted and not a rename: the same name twice, so the separating space is the middle
    // byte, even when the name itself holds spaces (git's own parser reads it the same way).
    let half = names.len() / 2;
    if names.len().is_multiple_of(2) || names[half] != b' ' {
        return None;
    }
    let (old, new) = (&names[..half], &names[half + 1..]);
    (old.strip_prefix(b"a/")? == new.strip_prefix(b"b/")?).then(|| new[2..].to_vec())
}

/// A name as git prints it: C-quoted when it holds unusual bytes, raw otherwise. A raw name
/// with a space gets a tab appended in `---`/`+++` lines (for GNU patch); a real tab in a
/// name would have been quoted, so one trailing tab is never part of the name.
fn quoted_or_raw(name: &[u8]) -> Option<Vec<u8>> {
    if name.starts_with(b"\"") {
        return unquote(name).map(|(path, _)| path);
    }
    Some(name.strip_suffix(b"\t").unwrap_or(name).to_vec())
}

/// Undoes git's C-style quoting (`quote_c_style`): returns the name and what follows the
/// closing quote.
fn unquote(s: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 1;
    while let Some(&b) = s.get(i) {
        i += 1;
        match b {
            b'"' => return Some((out, &s[i..])),
            b'\\' => {
                let c = *s.get(i)?;
                i += 1;
                out.push(match c {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'v' => 0x0b,
                    b'f' => 0x0c,
                    b'r' => b'\r',
                    b'"' | b'\\' => c,
                    b'0'..=b'3' => {
                        let digits = s.get(i..i + 2)?;
                        i += 2;
                        digits.iter().try_fold(c - b'0', |acc, &d| {
                            (b'0'..=b'7').contains(&d).then(|| acc * 8 + (d - b'0'))
                        })?
                    }
                    _ => return None,
                });
            }
            _ => out.push(b),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(patch: &str) -> Vec<FileDiff> {
        parse_patch(patch.as_bytes())
    }

    fn ranges(f: FileDiff) -> Vec<(u32, u32)> {
        f.added
            .expect("hunks parse")
            .finish()
            .expect("complete")
            .ranges()
            .to_vec()
    }

    #[test]
    fn unquotes_c_style_names() {
        assert_eq!(
            unquote(br#""b/tab\there\\x\"q\303\274" rest"#),
            Some((b"b/tab\there\\x\"q\xc3\xbc".to_vec(), &b" rest"[..]))
        );
        assert_eq!(unquote(br#""unterminated"#), None);
        assert_eq!(unquote(br#""bad \9""#), None);
    }

    #[test]
    fn header_path_handles_spaces_and_quotes() {
        assert_eq!(
            header_path(b"a/x y.bin b/x y.bin"),
            Some(b"x y.bin".to_vec())
        );
        assert_eq!(header_path(br#""a/t\tb" "b/t\tb""#), Some(b"t\tb".to_vec()));
        // A rename cannot be split reliably; its `rename to` line names the path.
        assert_eq!(header_path(b"a/old b/new"), None);
        assert_eq!(header_path(b"a/old b/newer"), None);
    }

    #[test]
    fn sections_give_paths_modes_ids_and_lines() {
        let patch = "\
diff --git a/sp ace.txt b/sp ace.txt
new file mode 100644
index 0000000000000000000000000000000000000000..422c2b7ab3b3c668038da977e4e93a5fc623169c
--- /dev/null
+++ b/sp ace.txt\t
@@ -0,0 +1,2 @@
+a
+b
diff --git a/bin.dat b/bin.dat
index 1111111111111111111111111111111111111111..d5d0b8b4c4c9e936890870f6799cfbb5ba984470 100644
Binary files a/bin.dat and b/bin.dat differ
diff --git a/link b/link
new file mode 120000
index 0000000000000000000000000000000000000000..dd2fcda44926b7b644aa2829497a44b7b934b892
--- /dev/null
+++ b/link
@@ -0,0 +1 @@
+target
\\ No newline at end of file
diff --git a/gone b/gone
deleted file mode 100644
index dd2fcda44926b7b644aa2829497a44b7b934b892..0000000000000000000000000000000000000000
--- a/gone
+++ /dev/null
@@ -1 +0,0 @@
--- a/not-a-header
diff --git a/old name b/new name
similarity index 90%
rename from old name
rename to new name
index 1111111111111111111111111111111111111111..2222222222222222222222222222222222222222 100755
--- a/old name\t
+++ b/new name\t
@@ -4,0 +5 @@
+++ b/also-not-a-header
";
        let mut got = files(patch).into_iter();
        let text = got.next().expect("text file");
        assert_eq!(text.path, b"sp ace.txt");
        assert_eq!(text.mode.as_deref(), Some(&b"100644"[..]));
        assert_eq!(
            text.blob.as_deref(),
            Some("422c2b7ab3b3c668038da977e4e93a5fc623169c")
        );
        assert_eq!(ranges(text), [(1, 2)]);

        let bin = got.next().expect("binary file");
        assert_eq!((bin.path.as_slice(), bin.binary), (&b"bin.dat"[..], true));
        assert_eq!(bin.mode.as_deref(), Some(&b"100644"[..]));

        let link = got.next().expect("symlink");
        assert_eq!(link.mode.as_deref(), Some(&b"120000"[..]));
        assert_eq!(ranges(link), [(1, 1)]);

        let gone = got.next().expect("deleted file");
        assert!(gone.deleted);
        assert_eq!(ranges(gone), []);

        let renamed = got.next().expect("renamed file");
        assert_eq!(renamed.path, b"new name");
        assert_eq!(
            renamed.blob.as_deref(),
            Some("2222222222222222222222222222222222222222")
        );
        assert_eq!(ranges(renamed), [(5, 5)]);
        assert!(got.next().is_none());
    }

    #[test]
    fn a_broken_section_does_not_spill_into_the_next() {
        let patch = "\
diff --git a/a b/a
--- a/a
+++ b/a
@@ -1 +1 @@
+one
+two
+three
diff --git a/b b/b
--- a/b
+++ b/b
@@ -0,0 +1 @@
+fine
";
        let mut got = files(patch).into_iter();
        assert!(got.next().expect("a").added.is_err());
        assert_eq!(ranges(got.next().expect("b")), [(1, 1)]);
    }

    #[test]
    fn patches_from_an_api_become_line_sets() {
        let set = from_patches(
            PathBuf::from("/repo"),
            vec![
                (
                    "src/a.rs".into(),
                    Some("@@ -1,3 +1,4 @@\n a\n+b\n c\n d".into()),
                    b"a\nb\nc\nd\n".to_vec(),
                ),
                ("logo.png".into(), None, vec![0, 1, 2]),
                (
                    "only-deletes.txt".into(),
                    Some("@@ -2 +1,0 @@\n-x".into()),
                    Vec::new(),
                ),
                (
                    "broken.txt".into(),
                    Some("@@ -1 +1 @@\n+a\n+b".into()),
                    b"a\nb\n".to_vec(),
                ),
                ("vendor/x.js".into(), None, Vec::new()),
            ],
            &PathFilter::new(["vendor/"]).expect("valid"),
        );
        let got: Vec<(&str, &LineFilter)> = set
            .files
            .iter()
            .map(|f| (f.path.as_str(), &f.lines))
            .collect();
        assert_eq!(
            got,
            [
                ("broken.txt", &LineFilter::All),
                ("logo.png", &LineFilter::All),
                (
                    "src/a.rs",
                    &LineFilter::Added(super::super::LineSet::from_ranges([(2, 2)]))
                ),
            ]
        );
        assert_eq!(set.warnings.len(), 1);
        assert_eq!(set.warnings[0].path, "broken.txt");
    }
}
