//! `secretgate rules import`: a gitleaks config becomes rules that load as a config and
//! find what gitleaks would, and the import says what it left behind.

use crate::support::{git::Repo, secretgate};

const GITLEAKS_TOML: &str = include_str!("../fixtures/gitleaks/custom.toml");

#[test]
fn gitleaks_rules_are_imported_run_and_what_is_left_is_reported() {
    let repo = Repo::new();
    repo.write("gitleaks.toml", GITLEAKS_TOML);
    let assert = secretgate()
        .current_dir(repo.path())
        .args([
            "rules",
            "import",
            "gitleaks.toml",
            "--output",
            "imported.yml",
        ])
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    let imported = std::fs::read_to_string(repo.path().join("imported.yml")).expect("written");

    // Carried over: the two rules with regexes the Rust engine accepts.
    assert!(
        imported.contains("- id: contoso-internal-token"),
        "{imported}"
    );
    assert!(imported.contains("- id: contoso-legacy-key"), "{imported}");
    assert!(
        imported.contains("(?P<secret>ctso_"),
        "secretGroup named: {imported}"
    );
    assert!(imported.contains("min_entropy: 3"), "{imported}");
    assert!(
        imported.contains("(?i)deadbeef"),
        "stopword kept: {imported}"
    );
    assert!(stderr.contains("imported 2 rule(s)"), "{stderr}");
    // Left behind, each with its reason.
    for (rule, reason) in [
        ("(global)", "global allowlist"),
        ("(global)", "[extend]"),
        ("contoso-legacy-key", "renamed to kebab-case"),
        ("contoso-legacy-key", "aimed at the line dropped"),
        ("contoso-pem-in-tests", "matches file paths only"),
        ("go-quoted-literal", "Rust regex engine rejects it"),
        ("unicode-letters", "Rust regex engine rejects it"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&format!("{rule}:")) && l.contains(reason)),
            "no note `{reason}` for {rule}:\n{stderr}"
        );
    }

    // The output is a config: the imported rules load and find their secrets.
    let token = format!("ctso_live_{}", "7f3k9q2m5x8w1v4b6n0p3r7t9y2u5i8o");
    let allowed = format!("ctso_live_{}", "deadbeef2m5x8w1v4b6n0p3r7t9y2u5i");
    repo.write(
        "app/settings.py",
        &format!("TOKEN = \"{token}\"\nOTHER = \"{allowed}\"\n"),
    );
    let scan = secretgate()
        .current_dir(repo.path())
        .args([
            "scan",
            "app",
            "--config",
            "imported.yml",
            "--format",
            "json",
            "--fail-on",
            "medium",
        ])
        .assert()
        .code(1);
    let report: serde_json::Value =
        serde_json::from_slice(&scan.get_output().stdout).expect("json report");
    let found: Vec<(String, u64)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule_id"] == "contoso-internal-token")
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "the token, not the stopword value: {report}"
    );
    assert_eq!(found[0].1, 1, "{found:?}");
}

#[test]
fn a_file_that_is_not_toml_is_a_clear_error() {
    let repo = Repo::new();
    repo.write("gitleaks.toml", "[[rules]\nid = ");
    let assert = secretgate()
        .current_dir(repo.path())
        .args(["rules", "import", "gitleaks.toml"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("not a gitleaks config"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
