//! `secretgate scan --history` on real repositories built here with real `git`: which blobs
//! are read, which commit each finding is credited to, and what every format says about it.

use crate::support::{git::Repo, join, secretgate};
use serde_json::Value;

/// A GitHub token with a valid CRC-32 checksum, assembled at run time.
fn token() -> String {
    join(&["ghp_", "uVAgrEAjRWPLQCMK5kN1", "LZTSj1OLXd2tKxnF"])
}

/// A second valid token, for repositories that need two secrets.
fn other_token() -> String {
    join(&["ghp_", "IWz47woEu65GH2vnBHm8", "qRswhqyGP92yKt27"])
}

/// Runs a history scan of `dir` with `extra` arguments and returns the JSON document and
/// standard error; asserts the exit code and that the raw secrets appear nowhere.
fn history_json(dir: &std::path::Path, extra: &[&str], code: i32) -> (Value, String) {
    let assert = secretgate()
        .current_dir(dir)
        .args(["scan", "--history", ".", "--format", "json"])
        .args(extra)
        .assert()
        .code(code);
    let out = assert.get_output();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    for secret in [token(), other_token()] {
        assert!(!stdout.contains(&secret[4..]), "stdout holds a secret");
        assert!(!stderr.contains(&secret[4..]), "stderr holds a secret");
    }
    (serde_json::from_str(&stdout).expect("json"), stderr)
}

fn findings(doc: &Value) -> Vec<&Value> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .collect()
}

/// `(path, commit)` of each finding, in output order.
fn credited(doc: &Value) -> Vec<(String, String)> {
    findings(doc)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["commit"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_secret_deleted_two_commits_later_is_credited_to_the_commit_that_added_it() {
    let repo = Repo::new();
    repo.write("README.md", "hello\n");
    repo.commit_all("start");
    repo.write(
        "app/config.py",
        &format!("import os\nGH = \"{}\"\n", token()),
    );
    let added = repo.commit_all("add config");
    repo.write("README.md", "hello again\n");
    repo.commit_all("docs");
    repo.git(&["rm", "-q", "app/config.py"]);
    repo.commit_all("remove config");
    repo.git(&[
        "remote",
        "add",
        "origin",
        "https://someone:hunter2hunter2@example.com/o/r.git",
    ]);

    // The tree at HEAD is clean; only history holds the secret.
    secretgate()
        .current_dir(repo.path())
        .args(["scan", "."])
        .assert()
        .code(0);

    let (doc, _) = history_json(repo.path(), &[], 1);
    assert_eq!(
        credited(&doc),
        vec![("app/config.py".into(), added.clone())]
    );
    let f = findings(&doc)[0];
    assert_eq!(f["line"], 2, "the line in that blob");
    assert_eq!(f["author"]["name"], "Dev");
    assert_eq!(f["author"]["email"], "dev@example.com");
    let date = f["date"].as_str().expect("date");
    assert!(date.len() >= 20 && date.as_bytes()[10] == b'T', "{date}");
    // Every distinct blob once: README twice, config once.
    assert_eq!(doc["stats"]["files_scanned"], 3, "{doc}");

    // Text shows the short commit as git names a file in one.
    let text = secretgate()
        .current_dir(repo.path())
        .args(["scan", "--history"])
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&text.get_output().stdout).to_string();
    assert!(
        text.contains(&format!("{}:app/config.py:2:", &added[..12])),
        "{text}"
    );
    assert!(!text.contains(&token()[4..]));

    // SARIF: the repository (without its credentials) and the commit.
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif_path = dir.path().join("h.sarif");
    secretgate()
        .current_dir(repo.path())
        .args(["scan", "--history", "--format", "sarif", "--output"])
        .arg(&sarif_path)
        .assert()
        .code(1);
    let sarif_text = std::fs::read_to_string(&sarif_path).expect("sarif");
    assert!(!sarif_text.contains("hunter2"), "credentials leaked");
    assert!(!sarif_text.contains(&token()[4..]));
    let sarif: Value = serde_json::from_str(&sarif_text).expect("sarif json");
    let run = &sarif["runs"][0];
    assert_eq!(
        run["versionControlProvenance"][0]["repositoryUri"],
        "https://example.com/o/r.git"
    );
    assert_eq!(run["results"][0]["properties"]["commit"], added.as_str());
    assert!(run["results"][0]["message"]["text"]
        .as_str()
        .is_some_and(|m| m.contains(&added[..12])));
}

#[test]
fn a_secret_only_in_a_merge_resolution_belongs_to_the_merge() {
    let repo = Repo::new();
    repo.write("a.txt", "base\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("b.txt", "feature work\n");
    repo.commit_all("feature");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("c.txt", "main work\n");
    repo.commit_all("main");
    // An "evil merge": the merge commit brings content neither parent has.
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    repo.write("a.txt", &format!("base\nTOKEN={}\n", token()));
    let merge = repo.commit_all("merge feature");
    assert_eq!(
        repo.git(&["rev-list", "--parents", "-n", "1", "HEAD"])
            .split(' ')
            .count(),
        3,
        "a real merge"
    );

    let (doc, _) = history_json(repo.path(), &[], 1);
    assert_eq!(credited(&doc), vec![("a.txt".into(), merge)]);
}

#[test]
fn a_branch_never_merged_is_scanned_unless_the_walk_is_limited() {
    let repo = Repo::new();
    repo.write("a.txt", "base\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "experiment"]);
    repo.write("exp/keys.env", &format!("GH={}\n", token()));
    let experiment = repo.commit_all("try something");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.txt", "base\nmore\n");
    repo.commit_all("carry on");

    let (doc, _) = history_json(repo.path(), &[], 1);
    assert_eq!(credited(&doc), vec![("exp/keys.env".into(), experiment)]);

    let (doc, _) = history_json(repo.path(), &["--branch", "main"], 0);
    assert!(findings(&doc).is_empty(), "{doc}");

    secretgate()
        .current_dir(repo.path())
        .args(["scan", "--history", "--branch", "no-such-branch"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "unknown revision `no-such-branch`",
        ));
}

#[test]
fn since_leaves_out_what_the_ref_reaches() {
    let repo = Repo::new();
    repo.write("old.env", &format!("A={}\n", token()));
    let old = repo.commit_all("old secret");
    repo.write("new.env", &format!("B={}\n", other_token()));
    let new = repo.commit_all("new secret");

    let (doc, _) = history_json(repo.path(), &[], 1);
    assert_eq!(credited(&doc).len(), 2, "{doc}");

    let (doc, _) = history_json(repo.path(), &["--since", &old], 1);
    assert_eq!(credited(&doc), vec![("new.env".into(), new)]);
}

#[test]
fn a_moved_secret_keeps_its_first_path_and_commit() {
    let repo = Repo::new();
    repo.write("old/config.py", &format!("GH = \"{}\"\n", token()));
    let first = repo.commit_all("add");
    std::fs::create_dir_all(repo.path().join("new")).expect("mkdir");
    repo.git(&["mv", "old/config.py", "new/settings.py"]);
    repo.commit_all("move");

    let (doc, _) = history_json(repo.path(), &[], 1);
    assert_eq!(credited(&doc), vec![("old/config.py".into(), first)]);
}

#[test]
fn the_same_blob_on_many_branches_is_read_and_reported_once() {
    let repo = Repo::new();
    repo.write("a.txt", "base\n");
    repo.commit_all("base");
    let content = format!("GH={}\n", token());
    let mut commits = Vec::new();
    for n in 0..5 {
        repo.git(&["checkout", "-q", "-b", &format!("b{n}"), "main"]);
        repo.write(&format!("note{n}.txt"), &format!("branch {n}\n"));
        repo.write("config/keys.env", &content);
        commits.push(repo.commit_all(&format!("branch {n}")));
    }
    repo.git(&["tag", "v1", "b3"]);

    let (doc, _) = history_json(repo.path(), &[], 1);
    let got = credited(&doc);
    assert_eq!(got.len(), 1, "{doc}");
    assert_eq!(got[0].0, "config/keys.env");
    assert!(commits.contains(&got[0].1));
    // base a.txt, five notes, one keys.env.
    assert_eq!(doc["stats"]["files_scanned"], 7, "{doc}");
}

#[test]
fn a_secret_edited_around_is_one_finding_at_the_commit_that_added_it() {
    let repo = Repo::new();
    repo.write("app.env", &format!("GH={}\n", token()));
    let added = repo.commit_all("add");
    repo.write("app.env", &format!("GH={}\nDEBUG=1\n", token()));
    repo.commit_all("edit");
    repo.write("app.env", &format!("GH={}\nDEBUG=0\n", token()));
    repo.commit_all("edit again");

    let (doc, _) = history_json(repo.path(), &[], 1);
    assert_eq!(credited(&doc), vec![("app.env".into(), added)]);
    assert_eq!(doc["stats"]["files_scanned"], 3, "every version is read");
}

#[test]
fn binary_blobs_are_counted_and_not_scanned() {
    let repo = Repo::new();
    repo.write("data/blob.dat", &format!("\0\0\0GH={}\n", token()));
    repo.write("img/logo.png", &format!("GH={}\n", token()));
    repo.write("ok.txt", "fine\n");
    repo.commit_all("binaries");

    let (doc, _) = history_json(repo.path(), &[], 0);
    assert!(findings(&doc).is_empty(), "{doc}");
    assert_eq!(doc["stats"]["files_skipped_binary"], 2, "{doc}");
    assert_eq!(doc["stats"]["files_scanned"], 1, "{doc}");

    // The size limit applies to blobs as to files.
    repo.write(
        "big.env",
        &format!("{}\nGH={}\n", "x".repeat(4000), token()),
    );
    let big = repo.commit_all("big");
    let (doc, _) = history_json(repo.path(), &["--max-file-size", "1K"], 0);
    assert_eq!(doc["stats"]["files_skipped_large"], 1, "{doc}");
    let warning = &doc["warnings"][0];
    assert_eq!(warning["path"], format!("{}:big.env", &big[..12]).as_str());
}

#[test]
fn a_shallow_clone_warns_that_history_is_partial() {
    let repo = Repo::new();
    repo.write("old.env", &format!("A={}\n", token()));
    repo.commit_all("old");
    repo.write("a.txt", "one\n");
    repo.commit_all("one");
    repo.write("a.txt", "two\n");
    repo.commit_all("two");

    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", repo.path().display());
    let clone = dir.path().join("shallow");
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(&clone)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git clone runs");
    assert!(status.success());

    let (doc, stderr) = history_json(&clone, &[], 1);
    assert!(
        stderr.contains("shallow clone: history is partial"),
        "{stderr}"
    );
    let warnings = doc["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w["message"]
            .as_str()
            .is_some_and(|m| m.contains("fetch-depth: 0"))),
        "{doc}"
    );
    // The one commit present carries the whole tree, old.env included.
    assert_eq!(credited(&doc).len(), 1, "{doc}");
}

#[test]
fn the_baseline_of_a_tree_silences_the_same_secret_in_history() {
    let repo = Repo::new();
    repo.write("app.env", &format!("GH={}\n", token()));
    repo.commit_all("add");
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("baseline.json");
    secretgate()
        .current_dir(repo.path())
        .args(["baseline", ".", "--output"])
        .arg(&baseline)
        .assert()
        .code(0);
    repo.git(&["rm", "-q", "app.env"]);
    repo.commit_all("remove");

    let (doc, _) = history_json(
        repo.path(),
        &["--baseline", baseline.to_str().expect("utf-8 path")],
        0,
    );
    assert!(findings(&doc).is_empty(), "{doc}");
    assert_eq!(doc["stats"]["suppressed_baseline"], 1, "{doc}");
}

#[test]
fn history_needs_a_repository_and_one_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    secretgate()
        .current_dir(dir.path())
        .args(["scan", "--history", "."])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not inside a git repository"));
    secretgate()
        .current_dir(dir.path())
        .args(["scan", "--branch", "main"])
        .assert()
        .code(2);
}

#[test]
fn a_bare_mirror_is_scanned_like_its_clone() {
    let repo = Repo::new();
    repo.write("a.env", &format!("GH={}\n", token()));
    let added = repo.commit_all("add");
    repo.git(&["rm", "-q", "a.env"]);
    repo.commit_all("remove");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("b.env", &format!("GH={}\n", other_token()));
    let side = repo.commit_all("side");
    repo.git(&["checkout", "-q", "-"]);

    let dir = tempfile::tempdir().expect("tempdir");
    let mirror = dir.path().join("mirror.git");
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--mirror"])
        .arg(repo.path())
        .arg(&mirror)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git clone runs");
    assert!(status.success());

    // Run from inside the git directory, and from outside naming it.
    let (inside, _) = history_json(&mirror, &[], 1);
    let (outside, _) = history_json(repo.path(), &[], 1);
    assert_eq!(credited(&inside), credited(&outside));
    let mut expected = vec![("a.env".to_string(), added), ("b.env".to_string(), side)];
    expected.sort();
    let mut got = credited(&inside);
    got.sort();
    assert_eq!(got, expected, "{inside}");
    let named = secretgate()
        .current_dir(dir.path())
        .args(["scan", "--history", "--format", "json"])
        .arg(&mirror)
        .assert()
        .code(1);
    let named: Value =
        serde_json::from_slice(&named.get_output().stdout).expect("json from a named mirror");
    assert_eq!(credited(&named), credited(&inside));

    // `--branch` resolves in a mirror too; a tree scan there still needs a work tree.
    let (side_only, _) = history_json(&mirror, &["--branch", "side"], 1);
    assert_eq!(credited(&side_only).len(), 2, "{side_only}");
}

#[test]
fn the_markdown_summary_names_the_commit_and_never_the_secret() {
    use secretgate::app::Pipeline;
    use secretgate::cli::CommonScanArgs;
    use secretgate::report::{summary_markdown, ReportContext};

    let repo = Repo::new();
    repo.write("README.md", "hello\n");
    repo.commit_all("start");
    repo.write("deploy/app.env", &format!("GH={}\n", token()));
    let added = repo.commit_all("add");
    repo.git(&["rm", "-q", "deploy/app.env"]);
    repo.commit_all("remove");

    let common = CommonScanArgs {
        config: None,
        threads: Some(1),
        max_file_size: None,
        baseline: None,
        fail_confidence: None,
    };
    let pipeline = Pipeline::prepare(&common, repo.path()).expect("pipeline");
    let result = pipeline
        .scan_history(repo.path(), None, None)
        .expect("history scan");
    assert_eq!(result.findings.len(), 1);
    let ctx = ReportContext {
        // A history finding's line is in an old blob: no link to the commit under review.
        file_link: Some("https://example.com/blob/HEAD/{path}#L{line}".into()),
        ..ReportContext::default()
    };
    let md = summary_markdown(&result, &ctx);
    assert!(!md.contains(&token()[4..]), "the summary holds the secret");
    assert!(
        md.contains("| Location | Commit | Rule | Severity | Value |"),
        "{md}"
    );
    assert!(
        md.contains(&format!("| `deploy/app.env:1` | `{}` |", &added[..12])),
        "{md}"
    );
    assert!(!md.contains("https://example.com/blob/HEAD"), "{md}");
}
