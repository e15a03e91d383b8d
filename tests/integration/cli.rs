//! `secretgate scan` through the binary: exit codes, every output format free of the raw
//! secret, awkward inputs, git modes and config errors.

use crate::support::{git::Repo, join, secretgate};

/// A GitHub token with a valid CRC-32 checksum, assembled at run time.
fn planted_token() -> String {
    join(&["ghp_", "uVAgrEAjRWPLQCMK5kN1", "LZTSj1OLXd2tKxnF"])
}

#[test]
fn findings_exit_1_and_no_format_prints_the_secret() {
    let repo = Repo::new();
    let token = planted_token();
    repo.write("app/config.py", &format!("GH_TOKEN = \"{token}\"\n"));
    let out_dir = tempfile::tempdir().expect("tempdir");
    let sarif = out_dir.path().join("out.sarif");
    let json = out_dir.path().join("out.json");
    let assert = secretgate()
        .current_dir(repo.path())
        .args(["scan", ".", "--format", "sarif", "--output"])
        .arg(&sarif)
        .args(["--format", "json", "--output"])
        .arg(&json)
        .args([
            "--format", "text", "--format", "github", "--format", "azure",
        ])
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    let sarif = std::fs::read_to_string(&sarif).expect("sarif written");
    let json = std::fs::read_to_string(&json).expect("json written");
    for (name, text) in [
        ("stdout", &stdout),
        ("stderr", &stderr),
        ("sarif", &sarif),
        ("json", &json),
    ] {
        assert!(!text.contains(&token[4..]), "{name} holds the secret");
    }
    assert!(
        stdout.contains("ghp_…(40 chars)"),
        "redacted form shown: {stdout}"
    );
    assert!(
        stdout.contains("::error file=app/config.py,line=1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("##vso[task.logissue type=error;sourcepath=app/config.py;linenumber=1"),
        "{stdout}"
    );
    assert!(sarif.contains("\"ruleId\": \"github-pat\""), "{sarif}");
}

#[test]
fn two_secrets_on_one_line_are_both_masked_in_every_snippet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key_id = join(&["AKIA", "KDNFUOJ4WWVLQZ4Q"]);
    let secret = join(&["hEwobGwd2RwP7JCxQjDh", "9rT/i48qgbK9nES1wql5"]);
    std::fs::write(
        dir.path().join("creds.env"),
        format!("AWS_ACCESS_KEY_ID={key_id} AWS_SECRET_ACCESS_KEY={secret}\n"),
    )
    .expect("write");
    for format in ["sarif", "json", "text", "github", "azure"] {
        let assert = secretgate()
            .current_dir(dir.path())
            .args(["scan", ".", "--format", format])
            .assert()
            .code(1);
        let out = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
        assert!(out.contains("AKIA…(20 chars)"), "{format}: {out}");
        assert!(
            !out.contains(&key_id[4..]) && !out.contains(&secret[..20]),
            "{format} leaks: {out}"
        );
    }
}

#[test]
fn clean_tree_exits_0_and_fail_on_never_exits_0_with_findings() {
    let repo = Repo::new();
    repo.write("src/main.rs", "fn main() { println!(\"hello\"); }\n");
    secretgate()
        .current_dir(repo.path())
        .args(["scan", "."])
        .assert()
        .code(0);
    repo.write("x.env", &format!("TOKEN={}\n", planted_token()));
    secretgate()
        .current_dir(repo.path())
        .args(["scan", ".", "--fail-on", "never"])
        .assert()
        .code(0);
}

#[test]
fn binary_invalid_utf8_huge_and_missing_inputs_do_not_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let token = planted_token();
    std::fs::write(dir.path().join("blob.bin"), [0u8, 1, 2, 0, 255]).expect("write");
    let mut latin1 = b"caf\xe9 = 1\nGH_TOKEN=".to_vec();
    latin1.extend_from_slice(token.as_bytes());
    latin1.extend_from_slice(b"\n\xff\xfe\n");
    std::fs::write(dir.path().join("legacy.cfg"), latin1).expect("write");
    std::fs::write(dir.path().join("huge.log"), vec![b'a'; 2 << 20]).expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("dangling"))
        .expect("symlink");
    let assert = secretgate()
        .current_dir(dir.path())
        .args(["scan", ".", "--max-file-size", "1M", "--format", "json"])
        .assert()
        .code(1);
    let out: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).expect("json");
    assert_eq!(
        out["findings"][0]["path"], "legacy.cfg",
        "invalid UTF-8 is scanned as bytes"
    );
    assert_eq!(out["stats"]["files_skipped_binary"], 1);
    assert_eq!(out["stats"]["files_skipped_large"], 1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr);
    assert!(
        stderr.contains("huge.log") && stderr.contains("limit"),
        "{stderr}"
    );

    secretgate()
        .current_dir(dir.path())
        .args(["scan", "does-not-exist"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does-not-exist"));
}

#[test]
fn diff_reports_only_added_lines_and_staged_reads_the_index() {
    let repo = Repo::new();
    let old = join(&["ghp_", "IWz47woEu65GH2vnBHm8", "qRswhqyGP92yKt27"]);
    repo.write("a.env", &format!("OLD={old}\n"));
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("a.env", &format!("OLD={old}\nNEW={}\n", planted_token()));
    repo.commit_all("add");
    let assert = secretgate()
        .current_dir(repo.path())
        .args(["scan", "--diff", "main..feature", "--format", "json"])
        .assert()
        .code(1);
    let out: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).expect("json");
    let lines: Vec<i64> = out["findings"]
        .as_array()
        .expect("array")
        .iter()
        .map(|f| f["line"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(lines, vec![2], "only the added line");

    // Staged mode sees the staged blob, not a working copy edited afterwards.
    repo.write("b.txt", &format!("K={}\n", planted_token()));
    repo.git(&["add", "b.txt"]);
    repo.write("b.txt", "clean now\n");
    secretgate()
        .current_dir(repo.path())
        .args(["scan", "--staged"])
        .assert()
        .code(1);
    repo.git(&["add", "b.txt"]);
    secretgate()
        .current_dir(repo.path())
        .args(["scan", "--staged"])
        .assert()
        .code(0);
}

#[test]
fn inline_config_and_baseline_suppressions() {
    let repo = Repo::new();
    let token = planted_token();
    repo.write("a.env", &format!("T={token} # secretgate:allow\n"));
    secretgate()
        .current_dir(repo.path())
        .args(["scan", "."])
        .assert()
        .code(0);

    repo.write("a.env", &format!("T={token}\n"));
    repo.write(
        ".secretgate.yml",
        "allow:\n  - path: 'a.env'\n    rule: github-pat\n",
    );
    secretgate()
        .current_dir(repo.path())
        .args(["scan", "."])
        .assert()
        .code(0);

    std::fs::remove_file(repo.path().join(".secretgate.yml")).expect("rm");
    secretgate()
        .current_dir(repo.path())
        .args(["baseline"])
        .assert()
        .code(0);
    let baseline =
        std::fs::read_to_string(repo.path().join(".secretgate-baseline.json")).expect("baseline");
    assert!(
        !baseline.contains(&token[4..]) && !baseline.contains("line"),
        "{baseline}"
    );
    secretgate()
        .current_dir(repo.path())
        .args(["scan", ".", "--baseline", ".secretgate-baseline.json"])
        .assert()
        .code(0);
}

#[test]
fn malformed_config_names_file_line_and_key() {
    let repo = Repo::new();
    repo.write(".secretgate.yml", "fail_on: high\nexclud:\n  - vendor/\n");
    secretgate()
        .current_dir(repo.path())
        .args(["scan", "."])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(".secretgate.yml"))
        .stderr(predicates::str::contains("line 2"))
        .stderr(predicates::str::contains("exclud"));
}

/// A generic finding (a secret-named setting with a random value: low confidence) is
/// reported as a warning and does not fail the gate, unless the flag or the config asks;
/// a provider-format finding fails it.
#[test]
fn low_confidence_findings_warn_unless_the_config_asks_them_to_fail() {
    let repo = Repo::new();
    let value = join(&["Zr4!kQ9~mW2", ".xV7bNp"]);
    repo.write("app/settings.py", &format!("SMTP_PASS = \"{value}\"\n"));
    let assert = secretgate()
        .current_dir(repo.path())
        .args(["scan", ".", "--format", "github", "--format", "azure"])
        .args(["--format", "sarif"])
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(
        stdout.contains("::warning file=app/settings.py,line=1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("##vso[task.logissue type=warning;sourcepath=app/settings.py"),
        "{stdout}"
    );
    assert!(stdout.contains("\"level\": \"warning\""), "{stdout}");
    assert!(!stdout.contains(&value[3..]), "{stdout}");
    let text = secretgate()
        .current_dir(repo.path())
        .args(["scan", "."])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&text.get_output().stdout).to_string();
    assert!(
        text.contains("1 below medium confidence: reported, not failing"),
        "{text}"
    );

    secretgate()
        .current_dir(repo.path())
        .args(["scan", ".", "--fail-confidence", "low"])
        .assert()
        .code(1);
    repo.write(".secretgate.yml", "fail_confidence: low\n");
    secretgate()
        .current_dir(repo.path())
        .args(["scan", "."])
        .assert()
        .code(1);
    secretgate()
        .current_dir(repo.path())
        .args(["scan", ".", "--fail-confidence", "medium"])
        .assert()
        .code(0);
    secretgate()
        .current_dir(repo.path())
        .args(["scan", ".", "--fail-confidence", "sure"])
        .assert()
        .code(2);

    std::fs::remove_file(repo.path().join(".secretgate.yml")).expect("rm");
    repo.write("a.env", &format!("T={}\n", planted_token()));
    secretgate()
        .current_dir(repo.path())
        .args(["scan", "."])
        .assert()
        .code(1);
}

/// PKCS#12 files are binary, yet the one holding a private key is found (and fails the
/// gate); a certificate-only one is not; one whose contents are encrypted is reported at low
/// confidence, as a warning.
#[test]
fn pkcs12_files_with_a_private_key_are_found() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pkcs12");
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = |name: &str, to: &str| {
        std::fs::copy(fixtures.join(name), dir.path().join(to)).expect("copy fixture");
    };
    copy("cert-only.p12", "cert-only.p12");
    secretgate()
        .current_dir(dir.path())
        .args(["scan", "."])
        .assert()
        .code(0);
    copy("cert-only-encrypted.p12", "chain.p12");
    let assert = secretgate()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "json"])
        .assert()
        .code(0);
    let out = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(out.contains("\"confidence\": \"low\""), "{out}");
    assert!(out.contains("may hold a private key"), "{out}");
    // Named neither .pfx nor .p12: the content says what it is.
    copy("key-and-cert.pfx", "site-export.bin.cert");
    let assert = secretgate()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "json"])
        .assert()
        .code(1);
    let out = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(out.contains("\"rule_id\": \"pkcs12-private-key\""), "{out}");
    assert!(out.contains("password-encrypted private key"), "{out}");
    assert!(out.contains("PKCS#12…(1072 bytes)"), "{out}");
}

#[test]
fn scan_category_names_the_sarif_run_for_a_sweep_upload() {
    let repo = Repo::new();
    let token = planted_token();
    repo.write("app/config.py", &format!("GH_TOKEN = \"{token}\"\n"));
    let out_dir = tempfile::tempdir().expect("tempdir");
    let sarif_path = out_dir.path().join("out.sarif");
    secretgate()
        .current_dir(repo.path())
        .args([
            "scan",
            ".",
            "--fail-on",
            "never",
            "--format",
            "sarif",
            "--output",
        ])
        .arg(&sarif_path)
        .args(["--category", "secretgate-sweep/octo/widgets"])
        .assert()
        .code(0);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).expect("sarif written"))
            .expect("json");
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"],
        "secretgate-sweep/octo/widgets/"
    );
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "app/config.py"
    );
}
