//! `secretgate fix` through the binary: the diff shows rewrites with the secret redacted,
//! `--write` applies them in place, and nothing ever holds the secret anew.

use crate::support::{join, secretgate};
use base64::Engine as _;
use std::path::Path;

/// A GitHub token with a valid CRC-32 checksum, assembled at run time.
fn planted_token() -> String {
    join(&["ghp_", "uVAgrEAjRWPLQCMK5kN1", "LZTSj1OLXd2tKxnF"])
}

/// A 64-byte storage account key, base64, from a fixed seed.
fn account_key() -> String {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let bytes: Vec<u8> = (0..64)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("inside").display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).expect("file")
}

#[test]
fn fix_prints_a_redacted_diff_and_write_applies_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let token = planted_token();
    let key = account_key();
    let write = |path: &str, text: &str| {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        ".github/workflows/release.yml",
        &format!("jobs:\n  release:\n    env:\n      GITHUB_RELEASE_TOKEN: {token}\n"),
    );
    write(
        "app/config.py",
        &format!("import os\r\nGH_TOKEN = \"{token}\"\r\n"),
    );
    write(
        "Api/appsettings.json",
        &format!("{{\n  \"Storage\": \"DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey={key};EndpointSuffix=core.windows.net\"\n}}\n"),
    );
    write(
        "notes.md",
        &format!("The token {token} is for the release.\n"),
    );
    let before = files(root);
    let secrets = [&token[4..], key.as_str()];

    // The diff: redacted, and the files untouched.
    let assert = secretgate()
        .current_dir(root)
        .args(["fix", "."])
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for s in secrets {
        assert!(
            !stdout.contains(s) && !stderr.contains(s),
            "secret printed:\n{stdout}\n{stderr}"
        );
    }
    assert!(stdout.contains("--- a/.github/workflows/release.yml\n+++ b/.github/workflows/release.yml\n@@ -4,1 +4,1 @@\n-      GITHUB_RELEASE_TOKEN: ghp_…(40 chars)\n+      GITHUB_RELEASE_TOKEN: ${{ secrets.GH_RELEASE_TOKEN }}\n"), "{stdout}");
    assert!(
        stdout.contains("-GH_TOKEN = \"ghp_…(40 chars)\"\n+GH_TOKEN = os.environ[\"GH_TOKEN\"]\n"),
        "{stdout}"
    );
    assert!(stdout.contains("+  \"Storage\": \"DefaultEndpointsProtocol=https;AccountName=contosodata;EndpointSuffix=core.windows.net\"\n"), "{stdout}");
    assert!(!stdout.contains("notes.md"), "{stdout}");
    assert!(
        stderr.contains("notes.md:1: github-pat: no rewrite"),
        "{stderr}"
    );
    assert!(stderr.contains("Storage Blob Data Contributor"), "{stderr}");
    assert!(read(root, "app/config.py").contains(&token));

    // --write: the same rewrites in place, line endings kept, no new file.
    let assert = secretgate()
        .current_dir(root)
        .args(["fix", "--write", "."])
        .assert()
        .code(1);
    let output = assert.get_output();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for s in secrets {
        assert!(!printed.contains(s), "secret printed: {printed}");
    }
    assert_eq!(files(root), before);
    assert_eq!(
        read(root, "app/config.py"),
        "import os\r\nGH_TOKEN = os.environ[\"GH_TOKEN\"]\r\n"
    );
    assert_eq!(
        read(root, ".github/workflows/release.yml"),
        "jobs:\n  release:\n    env:\n      GITHUB_RELEASE_TOKEN: ${{ secrets.GH_RELEASE_TOKEN }}\n"
    );
    for path in &before {
        let text = read(root, path);
        let holds = secrets.iter().any(|s| text.contains(s));
        assert_eq!(holds, path == "notes.md", "{path}: {text}");
    }
    // Only the line with no safe rewrite is left; without it, fix has nothing to do.
    secretgate()
        .current_dir(root)
        .args(["scan", "."])
        .assert()
        .code(1);
    std::fs::remove_file(root.join("notes.md")).expect("rm");
    secretgate()
        .current_dir(root)
        .args(["scan", "."])
        .assert()
        .code(0);
    let assert = secretgate()
        .current_dir(root)
        .args(["fix", "."])
        .assert()
        .code(0);
    assert!(assert.get_output().stdout.is_empty());
}

/// A SAS signature: 32 bytes, base64, percent-encoded as in a URL.
fn sas_signature() -> String {
    let sig = base64::engine::general_purpose::STANDARD.encode([0x5Au8; 32]);
    sig.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

#[test]
fn sas_findings_are_judged_by_what_they_allow_as_of_secretgate_now() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sig = sas_signature();
    let urls = [
        // expired
        "https://a.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=co&sp=rwdl&se=2026-01-01T00:00:00Z&sig=",
        // read-only service SAS, a week left
        "https://a.blob.core.windows.net/c/x.txt?sv=2022-11-02&sr=b&sp=r&se=2026-12-08T00:00:00Z&sig=",
        // account SAS that writes
        "https://a.blob.core.windows.net/?sv=2022-11-02&ss=bq&srt=sco&sp=rwdlac&se=2026-12-05T00:00:00Z&sig=",
        // stored access policy
        "https://a.blob.core.windows.net/c?sv=2022-11-02&sr=c&si=uploads&sig=",
    ];
    let text: String = urls
        .iter()
        .map(|u| format!("url: \"{u}{sig}\"\n"))
        .collect();
    std::fs::write(dir.path().join("sas.yml"), text).expect("write");
    let assert = secretgate()
        .current_dir(dir.path())
        .env("SECRETGATE_NOW", "2026-12-01T00:00:00Z")
        .args(["scan", ".", "--format", "json"])
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(!stdout.contains(&sig), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let found: Vec<(String, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or("").to_string(),
                f["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(found.len(), 4, "{stdout}");
    assert_eq!(found[0].0, "low");
    assert!(
        found[0].1.contains("expired 2026-01-01T00:00:00Z"),
        "{found:?}"
    );
    assert_eq!(found[1].0, "medium");
    assert!(
        found[1]
            .1
            .contains("permissions read, expires 2026-12-08T00:00:00Z (in 7 days)"),
        "{found:?}"
    );
    assert_eq!(found[2].0, "critical");
    assert!(
        found[2].1.starts_with("account SAS for blob, queue"),
        "{found:?}"
    );
    assert_eq!(found[3].0, "high");
    assert!(
        found[3].1.contains("stored access policy `uploads`"),
        "{found:?}"
    );

    secretgate()
        .current_dir(dir.path())
        .env("SECRETGATE_NOW", "next tuesday")
        .args(["scan", "."])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("SECRETGATE_NOW"));
}

/// The secret a finding points at, read back from the one-line `text` by its columns.
fn secret_of(text: &str, f: &secretgate::findings::Finding) -> Option<String> {
    if f.line != f.end_line {
        return None;
    }
    let line = text.lines().nth(f.line as usize - 1)?;
    let chars: Vec<char> = line.chars().collect();
    let (from, to) = (f.column as usize - 1, f.end_column as usize);
    (to <= chars.len()).then(|| chars[from..to].iter().collect())
}

/// Every rule's examples, in every kind of file the rewrite knows: no rewritten line holds
/// the secret, six characters of it, or a token prefix (four characters of the preview)
/// that the line did not hold already.
#[test]
fn no_rewrite_of_any_rule_example_holds_any_part_of_its_secret() {
    use secretgate::engine::{ruleset, Engine};
    let specs = ruleset::builtin_specs().expect("rules parse");
    let rules = ruleset::compile(
        specs
            .iter()
            .cloned()
            .map(|s| ("built-in".to_string(), s))
            .collect(),
    )
    .expect("compile");
    let engine = Engine::new(rules).expect("engine").with_now(1_796_083_200);
    let paths = [
        ".github/workflows/ci.yml",
        "azure-pipelines.yml",
        "run.sh",
        ".env",
        "docker-compose.yml",
        "run.ps1",
        "app.py",
        "app.ts",
        "App.cs",
        "appsettings.json",
        "local.settings.json",
        "main.bicep",
        "main.tf",
        "notes.txt",
    ];
    let mut rewritten = 0;
    for spec in &specs {
        for example in spec.examples.iter().filter(|e| !e.contains('\n')) {
            for path in paths {
                let findings = engine.scan_content(path, example.as_bytes()).findings;
                let refs: Vec<_> = findings.iter().collect();
                let fixed = secretgate::fix::fix_file(path, example, &refs);
                for change in &fixed.changes {
                    // The rewrite may be several lines (a Bicep `@secure()` parameter).
                    let new_line: String = fixed
                        .content
                        .lines()
                        .skip(change.line as usize - 1)
                        .take(change.new.split('\n').count())
                        .collect::<Vec<_>>()
                        .join("\n");
                    for f in &findings {
                        let Some(secret) = secret_of(example, f) else {
                            continue;
                        };
                        let chars: Vec<char> = secret.chars().collect();
                        for w in chars.windows(chars.len().min(6)) {
                            let part: String = w.iter().collect();
                            let rewritten_here = fixed.notes.iter().any(|n| n.rewritten);
                            if rewritten_here && new_line.contains(&part) {
                                // Another secret on the line may be left alone; only a
                                // rewritten one must be gone.
                                let left =
                                    fixed.notes.iter().any(|n| !n.rewritten && n.line == f.line);
                                assert!(left, "{}: {path}: `{part}` kept in {new_line}", spec.id);
                            }
                        }
                        let prefix = f.redacted.split('…').next().unwrap_or("");
                        // A prefix that spells the provider's name (`hawk` of StackHawk) or a
                        // word of the rule's id (`api_` of Close CRM's `api_...` keys) is the
                        // format's constant, and may stand in a setting name derived from
                        // the key (`closecrm_api_key`).
                        let names_provider =
                            spec.id.contains(&prefix.to_lowercase().replace('_', "-"));
                        if prefix.chars().count() == 4 && !names_provider {
                            let before = example.replace(&secret, "").matches(prefix).count();
                            assert!(
                                new_line.matches(prefix).count() <= before,
                                "{}: {path}: prefix {prefix} in {new_line}",
                                spec.id
                            );
                        }
                        if change.exact {
                            assert_eq!(change.new, new_line, "{}: {path}", spec.id);
                        } else {
                            assert_ne!(change.new, new_line, "{}: {path}", spec.id);
                        }
                        for shown in [&change.old_shown, &change.new] {
                            assert!(!shown.contains(&secret), "{}: diff shows it", spec.id);
                        }
                    }
                    rewritten += 1;
                }
            }
        }
    }
    // The examples do get rewritten: this test is not vacuous.
    assert!(rewritten > 300, "only {rewritten} rewrites");
}
