//! One fixture scan rendered in every format: a snapshot per format, no raw secret anywhere,
//! and the SARIF checked against the 2.1.0 schema and GitHub code scanning's rules.
//!
//! The fixture's secrets exist only as raw strings here; findings get them through
//! `Secret::redacted`, `fingerprint` and `line_hash`, as the engine does.

use secretgate::findings::{
    fingerprint, line_hash, Author, Confidence, Finding, Provenance, RuleInfo, ScanResult,
    ScanStats, Secret, Severity, Validation, Warning,
};
use secretgate::report::{render, summary_markdown, Format, ReportContext};
use serde_json::Value;

const GITHUB_TOKEN: &str = "ghp_SGRAWLEAKCANARYaaaa0123456789abcdefABCD";
const AWS_SECRET: &str = "wJalrSGRAWLEAKCANARYbbbbK7MDENGbPxRfiCYEXAMPLE";
const PASSWORD: &str = "hunter2-SGRAWLEAKCANARYcccc";
const PRIVATE_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\n\
    b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQSGRAWLEAKCANARYdddd\n\
    -----END OPENSSH PRIVATE KEY-----";
const RAW: [&str; 4] = [GITHUB_TOKEN, AWS_SECRET, PASSWORD, PRIVATE_KEY];
/// In every raw secret, beyond any redaction prefix: finding it in output means a leak.
const CANARY: &str = "SGRAWLEAKCANARY";

fn rule(
    id: &str,
    name: &str,
    severity: Severity,
    confidence: Confidence,
    validators: &[&str],
) -> RuleInfo {
    RuleInfo {
        id: id.into(),
        name: name.into(),
        description: format!("Finds hard-coded credentials of this kind: {name}."),
        severity,
        confidence,
        remediation: format!(
            "Revoke the {name}, issue a new one, and load it from a secret store."
        ),
        tags: vec![id.split('-').next().unwrap_or(id).to_string()],
        validators: validators.iter().map(|v| v.to_string()).collect(),
        references: vec![format!("https://example.com/docs/{id}")],
    }
}

/// A finding as the engine would build it: the line is redacted before it is hashed.
#[allow(clippy::too_many_arguments)]
fn finding(
    r: &RuleInfo,
    raw: &str,
    path: &str,
    (line, column): (u32, u32),
    (end_line, end_column): (u32, u32),
    line_text: &str,
    validation: Validation,
) -> Finding {
    let secret = Secret::new(raw.as_bytes());
    let first_line = raw.lines().next().unwrap_or(raw);
    let snippet = line_text
        .replace(first_line, &secret.redacted())
        .trim()
        .to_string();
    Finding {
        rule_id: r.id.clone(),
        rule_name: r.name.clone(),
        severity: r.severity,
        detail: String::new(),
        confidence: r.confidence,
        validation,
        path: path.into(),
        line,
        column,
        end_line,
        end_column,
        redacted: secret.redacted(),
        fingerprint: fingerprint(&r.id, secret.expose()),
        line_hash: line_hash(&snippet),
        snippet,
        remediation: r.remediation.clone(),
        provenance: None,
    }
}

fn fixture() -> ScanResult {
    let pat = rule(
        "github-pat",
        "GitHub personal access token",
        Severity::Critical,
        Confidence::High,
        &["CRC32 checksum"],
    );
    let aws = rule(
        "aws-secret-key",
        "AWS secret access key",
        Severity::High,
        Confidence::Medium,
        &[],
    );
    let key = rule(
        "private-key",
        "Private key",
        Severity::Medium,
        Confidence::High,
        &["PEM structure"],
    );
    let password = rule(
        "generic-password",
        "Password assignment",
        Severity::Low,
        Confidence::Low,
        &[],
    );
    // A rule with no finding still belongs in SARIF `rules`.
    let unused = rule(
        "slack-webhook",
        "Slack webhook URL",
        Severity::High,
        Confidence::High,
        &[],
    );
    let tricky = "deploy/prod,eu:west.env";
    let findings = vec![
        // Deliberately unsorted: every format must sort.
        finding(
            &password,
            PASSWORD,
            "src/config.rs",
            (30, 16),
            (30, 42),
            &format!("    password = \"{PASSWORD}\""),
            Validation::None,
        ),
        finding(
            &aws,
            AWS_SECRET,
            tricky,
            (4, 23),
            (4, 68),
            &format!("AWS_SECRET_ACCESS_KEY={AWS_SECRET}"),
            Validation::None,
        ),
        finding(
            &pat,
            GITHUB_TOKEN,
            "src/config.rs",
            (12, 17),
            (12, 56),
            &format!("let token = \"{GITHUB_TOKEN}\";"),
            Validation::Verified,
        ),
        finding(
            &key,
            PRIVATE_KEY,
            "keys/deploy_key",
            (1, 1),
            (3, 35),
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            Validation::Verified,
        ),
        finding(
            &pat,
            GITHUB_TOKEN,
            tricky,
            (2, 14),
            (2, 53),
            &format!("GITHUB_TOKEN={GITHUB_TOKEN}"),
            Validation::Unverified,
        ),
    ];
    ScanResult {
        findings,
        inline_allowed: Vec::new(),
        rules: vec![pat, aws, key, password, unused],
        stats: ScanStats {
            files_scanned: 42,
            bytes_scanned: 1_234_567,
            files_skipped_binary: 3,
            files_skipped_large: 1,
            files_unreadable: 0,
            suppressed_inline: 2,
            suppressed_config: 1,
            suppressed_baseline: 0,
        },
        warnings: vec![Warning {
            path: "vendor/dump;v2].sql".into(),
            message: "skipped: larger than 1 MiB (100% over the limit)".into(),
        }],
        // Every finding counts, so that each level's rendering is shown; the gate's
        // default is tested where it is decided.
        fail_confidence: None,
    }
}

fn ctx() -> ReportContext {
    ReportContext {
        category: Some("secretgate/pr".into()),
        color: false,
        file_link: Some("https://github.com/o/r/blob/0123abc/{path}#L{line}-L{end_line}".into()),
        summary_max_findings: None,
        repository: None,
    }
}

fn rendered(format: Format, ctx: &ReportContext) -> String {
    let mut out = Vec::new();
    render(&fixture(), format, ctx, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8 output")
}

fn assert_no_raw_secret(output: &str) {
    assert!(!output.contains(CANARY), "a raw secret leaked:\n{output}");
    for raw in RAW {
        assert!(!output.contains(raw));
        // Each line of a multi-line secret on its own, too (minus the PEM armour).
        for line in raw.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!output.contains(line.trim()), "`{line}` leaked");
        }
    }
}

/// Snapshots name the version: keep them stable across releases.
fn versionless(s: &str) -> String {
    s.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn text() {
    let out = rendered(Format::Text, &ctx());
    assert_no_raw_secret(&out);
    assert!(!out.contains('\x1b'), "colour without ctx.color");
    insta::assert_snapshot!("text", out);
}

#[test]
fn text_in_colour() {
    let out = rendered(
        Format::Text,
        &ReportContext {
            color: true,
            ..ctx()
        },
    );
    assert_no_raw_secret(&out);
    assert!(out.contains("\x1b[1;31mcritical"));
}

#[test]
fn text_without_findings() {
    let mut out = Vec::new();
    render(&ScanResult::default(), Format::Text, &ctx(), &mut out).expect("render");
    insta::assert_snapshot!("text_empty", String::from_utf8(out).expect("utf-8"));
}

#[test]
fn json() {
    let out = rendered(Format::Json, &ctx());
    assert_no_raw_secret(&out);
    let doc: Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["findings"].as_array().map(Vec::len), Some(5));
    insta::assert_snapshot!("json", out);
}

#[test]
fn github() {
    let out = rendered(Format::Github, &ctx());
    assert_no_raw_secret(&out);
    // One command per line, and the hostile path cannot open a new property.
    assert!(out.lines().all(|l| l.starts_with("::")));
    assert!(out.contains("file=deploy/prod%2Ceu%3Awest.env,"));
    // Multi-line span: no columns.
    let key = out
        .lines()
        .find(|l| l.contains("file=keys/deploy_key"))
        .expect("private key annotation");
    assert!(!key.contains("col="), "{key}");
    insta::assert_snapshot!("github", out);
}

#[test]
fn azure() {
    let out = rendered(Format::Azure, &ctx());
    assert_no_raw_secret(&out);
    assert!(out.lines().all(|l| l.starts_with("##vso[task.logissue ")));
    assert!(out.contains("sourcepath=vendor/dump%3Bv2%5D.sql]"));
    assert!(out.contains("100%AZP25 over"));
    insta::assert_snapshot!("azure", out);
}

#[test]
fn markdown_summary() {
    let md = summary_markdown(&fixture(), &ctx());
    assert_no_raw_secret(&md);
    insta::assert_snapshot!("markdown", md);
}

#[test]
fn markdown_summary_truncated() {
    let ctx = ReportContext {
        file_link: None,
        summary_max_findings: Some(2),
        ..ctx()
    };
    let md = summary_markdown(&fixture(), &ctx);
    assert!(md.contains("…and 3 more findings not shown here."), "{md}");
    let table = md
        .split("### Findings")
        .nth(1)
        .and_then(|s| s.split("###").next())
        .expect("findings table");
    let rows = table.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(rows, 2, "{table}");
    // Most severe first: the critical token survives the cut.
    assert!(table.contains("critical"));
}

#[test]
fn sarif() {
    let out = rendered(Format::Sarif, &ctx());
    assert_no_raw_secret(&out);
    let log: Value = serde_json::from_str(&out).expect("valid JSON");
    validate_against_schema(&log);
    assert_github_requirements(&log, &fixture());
    // The validator is live: a zero line number (SARIF lines start at 1) is caught.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!schema_errors(&broken).is_empty());
    insta::assert_snapshot!("sarif", versionless(&out));
}

#[test]
fn sarif_without_findings_is_still_a_complete_run() {
    let mut out = Vec::new();
    render(
        &ScanResult::default(),
        Format::Sarif,
        &ReportContext::default(),
        &mut out,
    )
    .expect("render");
    let log: Value = serde_json::from_slice(&out).expect("valid JSON");
    validate_against_schema(&log);
    // GitHub needs `results` even when empty: an empty run closes the category's alerts.
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert!(log["runs"][0].get("automationDetails").is_none());
}

fn validate_against_schema(log: &Value) {
    let errors = schema_errors(log);
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
}

fn schema_errors(log: &Value) -> Vec<String> {
    let path = crate::support::specs_dir().join("sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .expect("schema is JSON");
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// What `shared/specs/github-code-scanning-sarif.md` lists as required or used.
fn assert_github_requirements(log: &Value, scan: &ScanResult) {
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].is_string());
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["automationDetails"]["id"], "secretgate/pr/");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "secretgate");
    assert!(driver["semanticVersion"].is_string());

    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    for r in &scan.rules {
        assert!(ids.contains(&r.id.as_str()), "rule {} missing", r.id);
    }
    for r in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            let text = r[key]["text"].as_str().expect("description text");
            assert!(!text.is_empty() && text.chars().count() <= 1024);
        }
        assert!(r["help"]["markdown"].is_string());
        let sev = r["properties"]["security-severity"]
            .as_str()
            .expect("security-severity is a string");
        let score: f64 = sev.parse().expect("security-severity is numeric");
        assert!((0.1..=10.0).contains(&score));
        let tags = r["properties"]["tags"].as_array().expect("tags");
        assert!(tags.iter().any(|t| t == "security"));
        assert!(tags.len() <= 20);
        assert!(r["properties"]["precision"].is_string());
    }

    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), scan.findings.len());
    for res in results {
        let id = res["ruleId"].as_str().expect("ruleId");
        let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], id, "ruleIndex points at ruleId");
        assert!(!res["message"]["text"].as_str().unwrap_or("").is_empty());
        let hash = res["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .expect("primaryLocationLineHash");
        assert!(!hash.is_empty());
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(
            !uri.starts_with('/') && !uri.contains("://"),
            "{uri} is not relative"
        );
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &loc["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().is_some_and(|n| n >= 1), "{key}");
        }
    }
}

/// The fixture as a history scan reports it: each finding credited to a commit.
fn history_fixture() -> ScanResult {
    let mut scan = fixture();
    let commits = [
        (
            "3f2c9a1b7d04e5f60718293a4b5c6d7e8f901234",
            "Ada Lovelace",
            "2024-05-01T12:00:00+02:00",
        ),
        (
            "9b8a7c6d5e4f30211234567890abcdef01234567",
            "Grace Hopper",
            "2023-11-30T08:15:00-05:00",
        ),
    ];
    for (i, f) in scan.findings.iter_mut().enumerate() {
        let (commit, name, date) = commits[i % commits.len()];
        f.provenance = Some(Provenance {
            commit: commit.into(),
            author: Author {
                name: name.into(),
                email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
            },
            date: date.into(),
            order: i as u64,
        });
    }
    scan
}

fn history_ctx() -> ReportContext {
    ReportContext {
        repository: Some("https://github.com/o/r.git".into()),
        ..ctx()
    }
}

fn rendered_history(format: Format) -> String {
    let mut out = Vec::new();
    render(&history_fixture(), format, &history_ctx(), &mut out).expect("render");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn history_text() {
    let out = rendered_history(Format::Text);
    assert_no_raw_secret(&out);
    assert!(out.contains("3f2c9a1b7d04:src/config.rs:12:17"), "{out}");
    insta::assert_snapshot!("history_text", out);
}

#[test]
fn history_json() {
    let out = rendered_history(Format::Json);
    assert_no_raw_secret(&out);
    let doc: Value = serde_json::from_str(&out).expect("valid JSON");
    for f in doc["findings"].as_array().expect("findings") {
        assert_eq!(f["commit"].as_str().map(str::len), Some(40), "{f}");
        assert!(f["author"]["name"].is_string() && f["author"]["email"].is_string());
        assert!(f["date"].is_string() && f["path"].is_string());
        assert!(f.get("order").is_none(), "walk order is internal");
    }
    // The fingerprint is the secret's, whichever commit brought it.
    let plain: Value = serde_json::from_str(&rendered(Format::Json, &ctx())).expect("json");
    let prints = |d: &Value| -> Vec<Value> {
        d["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["fingerprint"].clone())
            .collect()
    };
    assert_eq!(prints(&doc), prints(&plain));
    insta::assert_snapshot!("history_json", out);
}

#[test]
fn history_sarif() {
    let out = rendered_history(Format::Sarif);
    assert_no_raw_secret(&out);
    let log: Value = serde_json::from_str(&out).expect("valid JSON");
    validate_against_schema(&log);
    assert_github_requirements(&log, &history_fixture());
    let run = &log["runs"][0];
    assert_eq!(
        run["versionControlProvenance"][0]["repositoryUri"],
        "https://github.com/o/r.git"
    );
    for r in run["results"].as_array().expect("results") {
        assert_eq!(r["properties"]["commit"].as_str().map(str::len), Some(40));
    }
    insta::assert_snapshot!("history_sarif", versionless(&out));
}
