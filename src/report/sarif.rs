//! `--format sarif`: SARIF 2.1.0, shaped for GitHub code scanning (and read as-is by Azure
//! DevOps' SARIF tools).
//!
//! Specs: OASIS SARIF 2.1.0 errata01
//! (<https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/sarif-v2.1.0-errata01-os-complete.html>,
//! schema in `shared/specs/sarif-schema-2.1.0.json`) and what GitHub reads from it
//! (<https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>,
//! summarised in `shared/specs/github-code-scanning-sarif.md`).
//!
//! GitHub-driven choices:
//! - `tool.driver.rules` lists every rule of the scan, so alerts keep their rule text even
//!   when a later run has none of them; a finding whose rule is missing gets a descriptor
//!   built from the finding, because a `ruleId` absent from `rules` is rejected.
//! - `partialFingerprints.primaryLocationLineHash` is always set: the upload REST endpoint
//!   does not compute it, and without it every upload duplicates alerts. Our own
//!   secret-derived key rides along as `secretgate/v1`.
//! - URIs are repository-relative under `%SRCROOT%`; the `upload-sarif` action and the REST
//!   endpoint resolve them against the checkout.
//! - `security-severity`, `precision` and the `security` tag make GitHub treat results as
//!   security alerts with a severity.
//! - Nothing is timestamped, so the same scan gives the same bytes.
//! - A history scan's run names the repository in `versionControlProvenance`, and each
//!   result the commit that introduced it (`properties.commit`, with `author` and `date`);
//!   the fingerprints stay the secret's, so alerts and baselines match across commits.

use super::escape::{markdown_text, uri_path};
use super::{
    exclusive_end_column, finding_message, sorted, sorted_warnings, validation_str, ReportContext,
};
use crate::findings::{Finding, RuleInfo, ScanResult, Severity};
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactContent, ArtifactLocation, Invocation, Location, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif,
    Tool, ToolComponent, VersionControlDetails,
};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

/// The `$schema` GitHub's own examples use.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Base id for repository-relative URIs (the convention GitHub and the SARIF SDK use).
pub const SRCROOT: &str = "%SRCROOT%";
/// Key of our own fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "secretgate/v1";
/// GitHub's cap on `shortDescription`/`fullDescription`.
const MAX_DESCRIPTION: usize = 1024;
/// GitHub keeps at most 20 tags per rule.
const MAX_TAGS: usize = 20;
/// Tags every rule carries: GitHub's security filter, and CWE-798 (hard-coded credentials).
const BASE_TAGS: [&str; 3] = ["security", "secret", "external/cwe/cwe-798"];

/// SARIF `level` for a severity; also the rule's `defaultConfiguration.level`.
pub fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

pub fn render(result: &ScanResult, ctx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &build(result, ctx))?;
    out.write_all(b"\n")
}

/// The SARIF log: one run, one tool.
pub fn build(result: &ScanResult, ctx: &ReportContext) -> Sarif {
    let rules = rule_list(result);
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();

    let results: Vec<SarifResult> = sorted(result)
        .into_iter()
        .map(|f| sarif_result(f, index.get(f.rule_id.as_str()).copied(), result.gates(f)))
        .collect();

    let driver = ToolComponent::builder()
        .name("secretgate")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules.iter().map(descriptor).collect::<Vec<_>>())
        .build();

    let notifications: Vec<Notification> = sorted_warnings(result)
        .into_iter()
        .map(|w| {
            Notification::builder()
                .level(json!("warning"))
                .message(text_message(format!("{}: {}", w.path, w.message)))
                .locations(vec![location(&w.path, None)])
                .build()
        })
        .collect();
    let invocation = if notifications.is_empty() {
        Invocation::builder().execution_successful(true).build()
    } else {
        Invocation::builder()
            .execution_successful(true)
            .tool_execution_notifications(notifications)
            .build()
    };

    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"));
    let mut run = match automation_id(ctx) {
        Some(id) => run
            .automation_details(RunAutomationDetails::builder().id(id).build())
            .build(),
        None => run.build(),
    };
    // A history scan names the repository; each result names its commit.
    if let Some(uri) = &ctx.repository {
        run.version_control_provenance = Some(vec![VersionControlDetails::builder()
            .repository_uri(uri)
            .build()]);
    }

    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// GitHub reads `automationDetails.id` as `category/run-id`; like codeql-action we append the
/// `/` when missing, so a category never gets misread as a run id of the empty category.
fn automation_id(ctx: &ReportContext) -> Option<String> {
    let category = ctx.category.as_deref()?.trim();
    if category.is_empty() {
        None
    } else if category.ends_with('/') {
        Some(category.to_string())
    } else {
        Some(format!("{category}/"))
    }
}

/// `result.rules` without duplicate ids, then a stand-in for each rule a finding names but
/// the list lacks.
fn rule_list(result: &ScanResult) -> Vec<RuleInfo> {
    let mut rules: Vec<RuleInfo> = Vec::with_capacity(result.rules.len());
    for r in &result.rules {
        if !rules.iter().any(|k| k.id == r.id) {
            rules.push(r.clone());
        }
    }
    for f in sorted(result) {
        if !rules.iter().any(|k| k.id == f.rule_id) {
            rules.push(RuleInfo {
                id: f.rule_id.clone(),
                name: f.rule_name.clone(),
                description: f.rule_name.clone(),
                severity: f.severity,
                confidence: f.confidence,
                remediation: f.remediation.clone(),
                tags: Vec::new(),
                validators: Vec::new(),
                references: Vec::new(),
            });
        }
    }
    rules
}

fn descriptor(r: &RuleInfo) -> ReportingDescriptor {
    let short = non_empty(&r.name, &r.id);
    let full = non_empty(&r.description, short);

    let mut tags: Vec<String> = Vec::new();
    for t in BASE_TAGS
        .iter()
        .copied()
        .chain(r.tags.iter().map(String::as_str))
    {
        if !t.is_empty() && tags.len() < MAX_TAGS && !tags.iter().any(|k| k == t) {
            tags.push(t.to_string());
        }
    }
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        json!(r.severity.security_severity()),
    );
    props.insert(
        "precision".to_string(),
        json!(r.confidence.sarif_precision()),
    );

    let d = ReportingDescriptor::builder()
        .id(&r.id)
        .name(pascal_case(short).unwrap_or_else(|| r.id.clone()))
        .short_description(plain(truncate(short, MAX_DESCRIPTION)))
        .full_description(plain(truncate(full, MAX_DESCRIPTION)))
        .help(
            MultiformatMessageString::builder()
                .text(help_text(r, full))
                .markdown(help_markdown(r, full))
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level(r.severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        );
    match r.references.iter().find(|u| u.starts_with("https://")) {
        Some(uri) => d.help_uri(uri).build(),
        None => d.build(),
    }
}

fn help_text(r: &RuleInfo, description: &str) -> String {
    let mut s = description.to_string();
    if !r.remediation.is_empty() {
        s.push_str("\n\nRemediation: ");
        s.push_str(&r.remediation);
    }
    if let Some(rotation) = crate::fix::rotation(&r.id) {
        s.push_str(&format!("\n\nRotation ({}):", rotation.credential));
        for (i, step) in rotation.steps.iter().enumerate() {
            s.push_str(&format!("\n{}. {step}", i + 1));
        }
    }
    if !r.validators.is_empty() {
        s.push_str("\n\nOffline validation: ");
        s.push_str(&r.validators.join(", "));
    }
    if !r.references.is_empty() {
        s.push_str("\n\nReferences:");
        for u in &r.references {
            s.push_str("\n- ");
            s.push_str(u);
        }
    }
    s
}

fn help_markdown(r: &RuleInfo, description: &str) -> String {
    let mut s = markdown_text(description);
    if !r.remediation.is_empty() {
        s.push_str("\n\n**Remediation:** ");
        s.push_str(&markdown_text(&r.remediation));
    }
    if let Some(rotation) = crate::fix::rotation(&r.id) {
        // The steps are our own markdown (inline code), written for this heading.
        s.push_str(&format!(
            "\n\n**Rotation ({}):**\n",
            markdown_text(rotation.credential)
        ));
        for (i, step) in rotation.steps.iter().enumerate() {
            s.push_str(&format!("\n{}. {step}", i + 1));
        }
    }
    if !r.validators.is_empty() {
        s.push_str("\n\n**Offline validation:** ");
        let v: Vec<String> = r.validators.iter().map(|v| markdown_text(v)).collect();
        s.push_str(&v.join(", "));
    }
    if !r.references.is_empty() {
        s.push_str("\n\n**References:**\n");
        for u in &r.references {
            // An autolink only when the URL cannot break out of `<…>`.
            if u.contains(|c: char| c.is_whitespace() || c == '<' || c == '>') {
                s.push_str(&format!("\n- {}", markdown_text(u)));
            } else {
                s.push_str(&format!("\n- <{u}>"));
            }
        }
    }
    s
}

/// `gates`: whether the finding is sure enough to fail the gate; if not, its level is
/// `warning` at most (`note` below high severity), so code scanning does not show it as
/// an error the check ignored.
fn sarif_result(f: &Finding, rule_index: Option<usize>, gates: bool) -> SarifResult {
    let mut fingerprints = BTreeMap::new();
    // GitHub rejects empty strings where it needs a value; skip rather than send "".
    if !f.line_hash.is_empty() {
        fingerprints.insert("primaryLocationLineHash".to_string(), f.line_hash.clone());
    }
    if !f.fingerprint.is_empty() {
        fingerprints.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    }
    let mut props = BTreeMap::new();
    props.insert("severity".to_string(), json!(f.severity.as_str()));
    props.insert("confidence".to_string(), json!(f.confidence.as_str()));
    props.insert(
        "validation".to_string(),
        json!(validation_str(f.validation)),
    );
    if let Some(p) = &f.provenance {
        props.insert("commit".to_string(), json!(p.commit));
        props.insert(
            "author".to_string(),
            json!(format!("{} <{}>", p.author.name, p.author.email)),
        );
        props.insert("date".to_string(), json!(p.date));
    }

    let r = SarifResult::builder()
        .rule_id(&f.rule_id)
        .level(match (gates, level(f.severity)) {
            (true, l) => l,
            (false, ResultLevel::Error) => ResultLevel::Warning,
            (false, _) => ResultLevel::Note,
        })
        .message(text_message(format!("{}.", finding_message(f))))
        .locations(vec![location(&f.path, Some(f))])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build());
    match rule_index {
        Some(i) => r.rule_index(i as i64).build(),
        None => r.build(),
    }
}

/// A repository-relative location, with the finding's region when there is one.
fn location(path: &str, finding: Option<&Finding>) -> Location {
    let artifact = ArtifactLocation::builder()
        .uri(uri_path(path))
        .uri_base_id(SRCROOT)
        .build();
    let physical = PhysicalLocation::builder().artifact_location(artifact);
    let physical = match finding {
        Some(f) => physical.region(region(f)).build(),
        None => physical.build(),
    };
    Location::builder().physical_location(physical).build()
}

/// The span in SARIF terms: 1-based, end column exclusive. Zeroes (never valid in SARIF)
/// are lifted to 1 rather than failing the whole report.
fn region(f: &Finding) -> Region {
    let start_line = f.line.max(1);
    let r = Region::builder()
        .start_line(i64::from(start_line))
        .start_column(i64::from(f.column.max(1)))
        .end_line(i64::from(f.end_line.max(start_line)))
        .end_column(i64::from(exclusive_end_column(f)));
    if f.snippet.is_empty() {
        r.build()
    } else {
        // Already redacted by the engine: the line with the secret replaced by its preview.
        r.snippet(ArtifactContent::builder().text(&f.snippet).build())
            .build()
    }
}

fn text_message(text: String) -> Message {
    Message::builder().text(text).build()
}

fn plain(text: String) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

fn non_empty<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() {
        fallback
    } else {
        s
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// SARIF wants `name` to be a Pascal-case identifier (`GitHubPersonalAccessToken`), not a
/// sentence: words are joined and capitalised, other characters dropped. All-caps words are
/// title-cased (`AWS` -> `Aws`) as .NET naming does, since the SARIF validator (SARIF2012)
/// rejects runs of capitals.
fn pascal_case(s: &str) -> Option<String> {
    let mut name = String::new();
    for word in s.split(|c: char| !c.is_alphanumeric()) {
        let all_caps = word.chars().all(|c| !c.is_lowercase());
        let mut cs = word.chars();
        if let Some(first) = cs.next() {
            name.extend(first.to_uppercase());
            if all_caps {
                name.extend(cs.flat_map(char::to_lowercase));
            } else {
                name.extend(cs);
            }
        }
    }
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_become_identifiers() {
        assert_eq!(
            pascal_case("GitHub personal access token").as_deref(),
            Some("GitHubPersonalAccessToken")
        );
        assert_eq!(
            pascal_case("AWS access key ID (legacy)").as_deref(),
            Some("AwsAccessKeyIdLegacy")
        );
        assert_eq!(pascal_case(" - "), None);
    }

    #[test]
    fn category_gets_a_trailing_slash() {
        let ctx = |c: &str| ReportContext {
            category: Some(c.to_string()),
            ..ReportContext::default()
        };
        assert_eq!(
            automation_id(&ctx("secretgate")).as_deref(),
            Some("secretgate/")
        );
        assert_eq!(
            automation_id(&ctx("secretgate/pr/")).as_deref(),
            Some("secretgate/pr/")
        );
        assert_eq!(automation_id(&ctx("  ")), None);
        assert_eq!(automation_id(&ReportContext::default()), None);
    }

    #[test]
    fn rule_help_carries_the_rotation_steps() {
        let rule = |id: &str| RuleInfo {
            id: id.into(),
            name: "n".into(),
            description: "d".into(),
            severity: Severity::High,
            confidence: crate::findings::Confidence::High,
            remediation: String::new(),
            tags: Vec::new(),
            validators: Vec::new(),
            references: Vec::new(),
        };
        let md = help_markdown(&rule("azure-storage-sas"), "d");
        assert!(
            md.contains("**Rotation (Shared access signature (SAS)):**\n\n1. "),
            "{md}"
        );
        assert!(md.contains("revokeUserDelegationKeys"), "{md}");
        let text = help_text(&rule("github-pat"), "d");
        assert!(text.contains("Rotation (GitHub token):\n1. "), "{text}");
        assert!(!help_markdown(&rule("slack-bot-token"), "d").contains("Rotation"));
    }

    #[test]
    fn descriptions_are_capped_by_characters() {
        let long = "é".repeat(2000);
        let t = truncate(&long, MAX_DESCRIPTION);
        assert_eq!(t.chars().count(), MAX_DESCRIPTION);
        assert!(t.ends_with('…'));
    }
}
