//! Change sets against real `git` on temporary repositories and real directory trees.

use crate::support::git::Repo;
use secretgate::changeset::{
    self, ChangeSet, ChangesetError, LineFilter, PathFilter, Source, TreeOptions,
};
use std::path::{Path, PathBuf};

fn no_filter() -> PathFilter {
    PathFilter::default()
}

fn paths(set: &ChangeSet) -> Vec<&str> {
    set.files.iter().map(|f| f.path.as_str()).collect()
}

fn lines<'a>(set: &'a ChangeSet, path: &str) -> &'a LineFilter {
    let file = set.files.iter().find(|f| f.path == path);
    &file
        .unwrap_or_else(|| panic!("{path} not in {:?}", paths(set)))
        .lines
}

/// The added line numbers of `path`, one by one.
fn added(set: &ChangeSet, path: &str) -> Vec<u32> {
    match lines(set, path) {
        LineFilter::Added(s) => s.ranges().iter().flat_map(|&(a, b)| a..=b).collect(),
        LineFilter::All => panic!("{path}: every line counts, expected added lines"),
    }
}

fn content(set: &ChangeSet, path: &str) -> Vec<u8> {
    let file = set
        .files
        .iter()
        .find(|f| f.path == path)
        .expect("file in set");
    match &file.source {
        Source::Bytes(b) => b.clone(),
        Source::Disk(p) => std::fs::read(p).expect("readable"),
        Source::TooLarge(size) => panic!("a {size}-byte file was not read"),
    }
}

fn numbered(range: std::ops::RangeInclusive<u32>) -> String {
    range.map(|i| format!("line {i}\n")).collect()
}

/// `main` with one commit holding `a.txt` (lines 1-10), then branch `feature`.
fn repo_with_feature_branch() -> Repo {
    let repo = Repo::new();
    repo.write("a.txt", &numbered(1..=10));
    repo.write("keep.txt", "unchanged\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo
}

#[test]
fn only_lines_the_branch_adds_count() {
    let repo = repo_with_feature_branch();
    let edited = numbered(1..=10)
        .replace("line 3\n", "line 3 changed\n")
        .replace("line 7\n", "line 7\nnew a\nnew b\n");
    repo.write("a.txt", &edited);
    let head = repo.commit_all("edit");

    let set = changeset::diff(repo.path(), "main", Some("feature"), &no_filter()).expect("diff");
    assert_eq!(
        paths(&set),
        ["a.txt"],
        "an untouched file is not in the set"
    );
    assert_eq!(added(&set, "a.txt"), [3, 8, 9]);
    assert_eq!(
        content(&set, "a.txt"),
        edited.as_bytes(),
        "whole new file for context"
    );
    assert!(matches!(set.files[0].source, Source::Bytes(_)));
    assert_eq!(
        set.root.canonicalize().expect("root"),
        repo.path().canonicalize().expect("repo")
    );

    let by_sha = changeset::diff_range(repo.path(), "main", &head, &no_filter()).expect("range");
    assert_eq!(added(&by_sha, "a.txt"), [3, 8, 9]);
}

#[test]
fn later_base_branch_commits_do_not_count() {
    let repo = repo_with_feature_branch();
    repo.write("a.txt", &format!("{}feature line\n", numbered(1..=10)));
    repo.commit_all("feature adds a line");
    repo.git(&["checkout", "-q", "main"]);
    // After the branch point main deletes and changes lines and adds a file.
    repo.write(
        "a.txt",
        &numbered(1..=10)
            .replace("line 1\n", "")
            .replace("line 5", "five"),
    );
    repo.write("main-only.txt", "from main\n");
    repo.commit_all("main moves on");

    let set = changeset::diff(repo.path(), "main", Some("feature"), &no_filter()).expect("diff");
    assert_eq!(paths(&set), ["a.txt"]);
    assert_eq!(added(&set, "a.txt"), [11], "numbers are the feature side's");
}

#[test]
fn renames_deletions_and_new_files() {
    let repo = repo_with_feature_branch();
    repo.write("doomed.txt", "bye\n");
    repo.commit_all("more base");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "feature"]);
    repo.git(&["checkout", "-q", "feature"]);
    repo.git(&["mv", "a.txt", "moved.txt"]);
    repo.git(&["rm", "-q", "doomed.txt"]);
    repo.write("new.txt", "one\ntwo\nthree\n");
    repo.commit_all("rename, delete, add");

    let set = changeset::diff(repo.path(), "main", Some("feature"), &no_filter()).expect("diff");
    // A pure rename adds nothing; a deleted file has nothing to scan.
    assert_eq!(paths(&set), ["new.txt"]);
    assert_eq!(added(&set, "new.txt"), [1, 2, 3]);
}

#[test]
fn renamed_and_edited_file_counts_only_the_edit() {
    let repo = repo_with_feature_branch();
    repo.git(&["mv", "a.txt", "b.txt"]);
    repo.write("b.txt", &format!("{}line 11\n", numbered(1..=10)));
    repo.commit_all("rename and append");

    let set = changeset::diff(repo.path(), "main", Some("HEAD"), &no_filter()).expect("diff");
    assert_eq!(paths(&set), ["b.txt"]);
    assert_eq!(added(&set, "b.txt"), [11]);
}

#[test]
fn working_tree_diff_counts_uncommitted_and_untracked_files() {
    let repo = repo_with_feature_branch();
    repo.write("a.txt", &format!("{}committed\n", numbered(1..=10)));
    repo.commit_all("committed on feature");
    repo.write(
        "a.txt",
        &format!("{}committed\nunstaged\n", numbered(1..=10)),
    );
    repo.write("staged.txt", "staged\n");
    repo.git(&["add", "staged.txt"]);
    repo.write("untracked.txt", "u1\nu2\n");
    repo.write(".gitignore", "ignored.txt\n");
    repo.write("ignored.txt", "not part of any change\n");

    let set = changeset::diff(repo.path(), "main", None, &no_filter()).expect("diff");
    assert_eq!(
        paths(&set),
        [".gitignore", "a.txt", "staged.txt", "untracked.txt"]
    );
    assert_eq!(added(&set, "a.txt"), [11, 12]);
    assert_eq!(added(&set, "staged.txt"), [1]);
    assert_eq!(lines(&set, "untracked.txt"), &LineFilter::All);
    let file = &set.files[1];
    assert!(matches!(&file.source, Source::Disk(p) if p.ends_with("a.txt")));
    assert!(content(&set, "a.txt").ends_with(b"unstaged\n"));
}

#[test]
fn staged_mode_reads_the_staged_blob() {
    let repo = repo_with_feature_branch();
    repo.write("a.txt", &format!("{}staged line\n", numbered(1..=10)));
    repo.git(&["add", "a.txt"]);
    // Edited again after `git add`: this version is not what the commit records.
    repo.write(
        "a.txt",
        &format!("{}staged line\nworking copy only\n", numbered(1..=10)),
    );
    repo.write("other.txt", "not staged\n");

    let set = changeset::staged(repo.path(), &no_filter()).expect("staged");
    assert_eq!(paths(&set), ["a.txt"]);
    assert_eq!(added(&set, "a.txt"), [11]);
    let staged = content(&set, "a.txt");
    assert!(staged.ends_with(b"staged line\n"));
    assert!(!String::from_utf8_lossy(&staged).contains("working copy only"));
}

#[test]
fn staged_mode_works_before_the_first_commit() {
    let repo = Repo::new();
    repo.write("first.txt", "a\nb\n");
    repo.write("dir/second.txt", "c\n");
    repo.git(&["add", "-A"]);

    let set = changeset::staged(repo.path(), &no_filter()).expect("staged");
    assert_eq!(paths(&set), ["dir/second.txt", "first.txt"]);
    assert_eq!(added(&set, "first.txt"), [1, 2]);
    assert_eq!(content(&set, "dir/second.txt"), b"c\n");
}

#[test]
fn unusual_paths_survive_quoting() {
    let repo = repo_with_feature_branch();
    let names = [
        "with space.txt",
        "ünïcødé/naïve.txt",
        "quote\"and\\backslash.txt",
        "tab\there.txt",
    ];
    for (i, name) in names.iter().enumerate() {
        repo.write(name, &format!("first\nvalue {i}\n"));
    }
    repo.commit_all("odd names");
    for name in names {
        repo.write(name, &format!("first\nchanged {name}\n"));
    }
    repo.git(&["add", "-A"]);

    let staged = changeset::staged(repo.path(), &no_filter()).expect("staged");
    let diffed = changeset::diff(repo.path(), "HEAD", None, &no_filter()).expect("diff");
    let mut sorted = names.to_vec();
    sorted.sort_unstable();
    for set in [&staged, &diffed] {
        assert_eq!(paths(set), sorted);
        for name in names {
            assert_eq!(added(set, name), [2], "{name}");
            assert_eq!(
                content(set, name),
                format!("first\nchanged {name}\n").as_bytes()
            );
        }
    }
    repo.commit_all("change odd names");
    let committed =
        changeset::diff(repo.path(), "HEAD~1", Some("HEAD"), &no_filter()).expect("committed");
    assert_eq!(paths(&committed), sorted);
    for name in names {
        assert_eq!(added(&committed, name), [2], "{name}");
    }
}

#[test]
fn binary_files_count_whole_and_symlinks_not_at_all() {
    let repo = repo_with_feature_branch();
    repo.write("blob.bin", "\0\x01binary\0data\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink("a.txt", repo.path().join("link")).expect("symlink");
    repo.commit_all("binary and link");

    let set = changeset::diff(repo.path(), "main", Some("HEAD"), &no_filter()).expect("diff");
    assert_eq!(paths(&set), ["blob.bin"]);
    assert_eq!(lines(&set, "blob.bin"), &LineFilter::All);
    assert_eq!(content(&set, "blob.bin"), b"\0\x01binary\0data\n");
}

#[test]
fn config_excludes_apply_to_diffs() {
    let repo = repo_with_feature_branch();
    repo.write("vendor/lib.js", "x\n");
    repo.write("src/app.min.js", "y\n");
    repo.write("src/app.js", "z\n");
    repo.commit_all("assets");
    let filter = PathFilter::new(["vendor/", "*.min.js"]).expect("patterns");

    let set = changeset::diff(repo.path(), "main", Some("HEAD"), &filter).expect("diff");
    assert_eq!(paths(&set), ["src/app.js"]);
}

#[test]
fn unknown_revision_says_which_and_how_to_fetch() {
    let repo = repo_with_feature_branch();
    let err = changeset::diff(repo.path(), "origin/nope", None, &no_filter())
        .expect_err("no such revision");
    assert!(matches!(&err, ChangesetError::UnknownRevision(r) if r == "origin/nope"));
    let msg = err.to_string();
    assert!(
        msg.contains("`origin/nope`") && msg.contains("fetch-depth: 0"),
        "{msg}"
    );

    let err = changeset::diff(repo.path(), "--output=/tmp/x", None, &no_filter())
        .expect_err("an option is no revision");
    assert!(matches!(err, ChangesetError::UnknownRevision(_)));
}

#[test]
fn unrelated_histories_have_no_merge_base() {
    let repo = repo_with_feature_branch();
    repo.git(&["checkout", "-q", "--orphan", "lonely"]);
    repo.write("lonely.txt", "alone\n");
    repo.commit_all("unrelated root");
    let err = changeset::diff(repo.path(), "main", Some("lonely"), &no_filter())
        .expect_err("no merge base");
    assert!(matches!(err, ChangesetError::NoMergeBase { .. }), "{err}");
}

#[test]
fn not_a_repository_names_the_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    for result in [
        changeset::staged(dir.path(), &no_filter()),
        changeset::diff(dir.path(), "main", None, &no_filter()),
    ] {
        let err = result.expect_err("not a repo");
        assert!(
            matches!(&err, ChangesetError::NotARepository(p) if p == dir.path()),
            "{err}"
        );
        assert!(err.to_string().contains(&dir.path().display().to_string()));
    }
}

// Tree scans.

fn write(dir: &Path, rel: &str, content: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, content).expect("write");
    path
}

/// A directory (not a git repository) with ignored, hidden and excluded files.
fn sample_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, ".gitignore", "target/\n*.log\n");
    write(d, ".ignore", "scratch.txt\n");
    write(d, ".env", "TOKEN=x\n");
    write(d, ".aws/credentials", "[default]\n");
    write(d, ".git/config", "[core]\n");
    write(d, "src/main.rs", "fn main() {}\n");
    write(d, "target/debug/out.txt", "built\n");
    write(d, "debug.log", "log\n");
    write(d, "scratch.txt", "notes\n");
    write(d, "vendor/dep/lib.rs", "dep\n");
    write(d, "sub/.git", "gitdir: elsewhere\n");
    dir
}

#[test]
fn tree_honours_ignore_files_and_scans_hidden_files() {
    let dir = sample_tree();
    let set = changeset::tree(&[dir.path().to_path_buf()], &no_filter()).expect("tree");
    assert_eq!(
        paths(&set),
        [
            ".aws/credentials",
            ".env",
            ".gitignore",
            ".ignore",
            "src/main.rs",
            "vendor/dep/lib.rs"
        ]
    );
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    assert!(set.files.iter().all(|f| f.lines == LineFilter::All));
    assert!(set.root.is_absolute());
    assert!(
        matches!(&set.files[1].source, Source::Disk(p) if p == &dir.path().join(".env")),
        "{:?}",
        set.files[1].source
    );
}

#[test]
fn tree_applies_config_excludes_to_walked_files_only() {
    let dir = sample_tree();
    let filter = PathFilter::new(["vendor/", "*.rs"]).expect("patterns");
    let set = changeset::tree(&[dir.path().to_path_buf()], &filter).expect("tree");
    assert_eq!(
        paths(&set),
        [".aws/credentials", ".env", ".gitignore", ".ignore"]
    );

    // Named explicitly: scanned though gitignored and excluded, unless exclusion is forced.
    let explicit = [dir.path().join("debug.log"), dir.path().join("src/main.rs")];
    // Several paths: named relative to the current directory if under it, else as given.
    let ends = |set: &ChangeSet, want: &[&str]| {
        let got = paths(set);
        assert_eq!(got.len(), want.len(), "{got:?}");
        assert!(got.iter().zip(want).all(|(g, w)| g.ends_with(w)), "{got:?}");
    };
    let set = changeset::tree(&explicit, &filter).expect("explicit files");
    ends(&set, &["/debug.log", "/src/main.rs"]);
    let forced = filter.force_exclude(true);
    let set = changeset::tree(&explicit, &forced).expect("explicit, forced");
    ends(&set, &["/debug.log"]);
}

#[test]
fn a_streamed_walk_hands_each_file_over_once_even_from_overlapping_paths() {
    let dir = sample_tree();
    let d = dir.path();
    let handed = |paths: &[PathBuf], threads| {
        let got = std::sync::Mutex::new(Vec::new());
        let options = TreeOptions {
            threads: Some(threads),
            ..TreeOptions::default()
        };
        let walked = changeset::tree_each(paths, &no_filter(), &options, &|f| {
            got.lock().expect("not poisoned").push(f.path)
        })
        .expect("walk");
        let mut got = got.into_inner().expect("not poisoned");
        got.sort();
        (got, walked)
    };

    let whole = changeset::tree(&[d.to_path_buf()], &no_filter()).expect("tree");
    for threads in [1, 4] {
        let (got, walked) = handed(&[d.to_path_buf()], threads);
        assert_eq!(got, paths(&whole), "{threads} threads");
        assert_eq!(walked.root, whole.root);
    }

    // The tree, a directory inside it and a file inside that: each file once.
    let overlapping = [d.to_path_buf(), d.join("src"), d.join("src/main.rs")];
    let (got, _) = handed(&overlapping, 4);
    let main_rs: Vec<_> = got.iter().filter(|p| p.ends_with("main.rs")).collect();
    assert_eq!(main_rs.len(), 1, "{got:?}");
    assert_eq!(got.len(), whole.files.len(), "{got:?}");
}

#[test]
fn tree_reports_a_missing_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope");
    let err = changeset::tree(std::slice::from_ref(&missing), &no_filter()).expect_err("missing");
    assert!(matches!(&err, ChangesetError::NotFound(p) if p == &missing));
}

#[cfg(unix)]
#[test]
fn tree_warns_about_broken_symlinks_and_does_not_follow_links() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "real.txt", "real\n");
    let outside = tempfile::tempdir().expect("outside");
    write(outside.path(), "far.txt", "far\n");
    std::os::unix::fs::symlink(d.join("missing.txt"), d.join("broken")).expect("link");
    std::os::unix::fs::symlink(outside.path(), d.join("outside")).expect("link");

    let set = changeset::tree(&[d.to_path_buf()], &no_filter()).expect("tree");
    assert_eq!(paths(&set), ["real.txt"]);
    assert_eq!(set.warnings.len(), 1, "{:?}", set.warnings);
    assert_eq!(set.warnings[0].path, "broken");
    assert!(set.warnings[0].message.contains("broken symbolic link"));

    let follow = TreeOptions {
        follow_links: true,
        ..TreeOptions::default()
    };
    let set = changeset::tree_with(&[d.to_path_buf()], &no_filter(), &follow).expect("tree");
    assert_eq!(paths(&set), ["outside/far.txt", "real.txt"]);
    assert_eq!(set.warnings.len(), 1, "{:?}", set.warnings);
    assert_eq!(set.warnings[0].path, "broken");
}

/// Root reads any file or directory regardless of its mode, so this test cannot fail the
/// way it means to when the suite runs as root (common in containers); it then returns early.
#[cfg(unix)]
#[test]
fn tree_warns_about_unreadable_directories_and_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if is_root {
        eprintln!("skipped: running as root, which can read unreadable files");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "ok.txt", "ok\n");
    write(d, "locked/inside.txt", "hidden\n");
    let locked = d.join("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let result = changeset::tree(&[d.to_path_buf()], &no_filter());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let set = result.expect("an unreadable directory is no error");
    assert_eq!(paths(&set), ["ok.txt"]);
    assert_eq!(set.warnings.len(), 1, "{:?}", set.warnings);
    assert_eq!(set.warnings[0].path, "locked");
}
