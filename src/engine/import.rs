//! Turns gitleaks rules (`[[rules]]` in a gitleaks TOML config) into secretgate rules, and
//! says what could not be carried over.
//!
//! Carried over: `id` (made kebab-case), `description`, `regex` (with `secretGroup`, or the
//! first capture group, named `secret`), `keywords`, `entropy`, `tags`, and allowlist
//! `regexes` aimed at the secret and `stopwords`. Not carried over, and reported: rules
//! that only match paths, `path` restrictions, allowlists aimed at the whole match or line,
//! path and commit allowlists, the global allowlist, and regexes the Rust engine cannot
//! compile (Go-only syntax such as `\Q...\E`, or Unicode classes, which our byte regexes
//! leave off). Every imported rule gets an example drawn from its own regex and a negative
//! example, and is compiled and run on both before it is written out.

use super::rule::{compile_regex, Rule, RuleSpec, Scope};
use super::Engine;
use crate::findings::{Confidence, Severity};
use regex_syntax::hir::{Class, Hir, HirKind};
use serde::Deserialize;

/// One imported rule, or why one could not be.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub rule: String,
    pub message: String,
}

/// The outcome of an import: the rules that compiled and ran on their examples, and notes
/// on everything left behind or changed.
#[derive(Debug, Default)]
pub struct Import {
    pub rules: Vec<RuleSpec>,
    pub notes: Vec<Note>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not a gitleaks config: {0}")]
    Toml(#[from] toml::de::Error),
}

#[derive(Debug, Deserialize)]
struct GitleaksConfig {
    #[serde(default)]
    rules: Vec<GitleaksRule>,
    #[serde(default)]
    allowlist: Option<toml::Value>,
    #[serde(default)]
    allowlists: Option<toml::Value>,
    #[serde(default)]
    extend: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GitleaksRule {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    secret_group: Option<usize>,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    /// gitleaks 8.0-8.20: one allowlist table per rule.
    #[serde(default)]
    allowlist: Option<GitleaksAllowlist>,
    /// gitleaks 8.21+: several.
    #[serde(default)]
    allowlists: Vec<GitleaksAllowlist>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GitleaksAllowlist {
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    regex_target: Option<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    condition: Option<String>,
}

const REMEDIATION: &str = "Imported from gitleaks. Revoke or roll the credential, then load \
its replacement at run time from a secret store (Azure Key Vault with a managed identity, or \
the CI system's encrypted secrets).";

/// Converts a gitleaks TOML config's `[[rules]]`.
pub fn import_gitleaks(toml_text: &str) -> Result<Import, ImportError> {
    let config: GitleaksConfig = toml::from_str(toml_text)?;
    let mut out = Import::default();
    let mut note = |rule: &str, message: String| {
        out.notes.push(Note {
            rule: rule.to_string(),
            message,
        })
    };
    if config.allowlist.is_some() || config.allowlists.is_some() {
        note(
            "(global)",
            "the global allowlist is not carried over: put its paths under `exclude` and its \
             values under `allow` in .secretgate.yml"
                .into(),
        );
    }
    if config.extend.is_some() {
        note(
            "(global)",
            "[extend] is not followed: secretgate's built-in rules already run beside imported ones"
                .into(),
        );
    }
    let mut rules = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for rule in config.rules {
        match convert(rule, &mut note) {
            Some(spec) if seen.insert(spec.id.clone()) => rules.push(spec),
            Some(spec) => note(&spec.id, "defined twice; the first is kept".into()),
            None => {}
        }
    }
    out.rules = rules;
    Ok(out)
}

fn convert(rule: GitleaksRule, note: &mut impl FnMut(&str, String)) -> Option<RuleSpec> {
    let id = kebab_case(&rule.id);
    if id != rule.id {
        note(&id, format!("id `{}` renamed to kebab-case", rule.id));
    }
    let Some(regex) = rule.regex.as_deref().filter(|r| !r.is_empty()) else {
        note(
            &id,
            "matches file paths only (no `regex`): not carried over; exclude or scan such \
             files by config instead"
                .into(),
        );
        return None;
    };
    if let Some(path) = &rule.path {
        note(
            &id,
            format!("`path = {path:?}` dropped: the imported rule runs on every file"),
        );
    }
    let pattern = match name_secret_group(regex, rule.secret_group) {
        Ok(p) => p,
        Err(message) => {
            note(&id, message);
            return None;
        }
    };
    if let Err(e) = compile_regex(&pattern) {
        note(
            &id,
            format!(
                "regex not carried over: the Rust regex engine rejects it ({})",
                first_line(&e.to_string())
            ),
        );
        return None;
    }
    let mut allowlist = Vec::new();
    for list in rule.allowlist.into_iter().chain(rule.allowlists) {
        let target = list.regex_target.as_deref().unwrap_or("secret");
        if !list.regexes.is_empty() {
            if target == "secret" {
                allowlist.extend(list.regexes.iter().cloned());
            } else {
                note(
                    &id,
                    format!(
                        "{} allowlist regex(es) aimed at the {target} dropped: secretgate's \
                         rule allowlists match the secret only",
                        list.regexes.len()
                    ),
                );
            }
        }
        allowlist.extend(
            list.stopwords
                .iter()
                .map(|w| format!("(?i){}", regex_syntax::escape(w))),
        );
        if !list.paths.is_empty() || !list.commits.is_empty() {
            note(
                &id,
                "allowlist paths and commits dropped: use `exclude` or a baseline in \
                 .secretgate.yml"
                    .into(),
            );
        }
        if list
            .condition
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("and"))
        {
            note(
                &id,
                "allowlist `condition = \"AND\"` loosened to OR: any one entry now allows".into(),
            );
        }
    }
    let (allowlist, dropped): (Vec<_>, Vec<_>) = allowlist
        .into_iter()
        .partition(|a| compile_regex(a).is_ok());
    for a in dropped {
        note(
            &id,
            format!("allowlist regex {a:?} rejected by the Rust regex engine, dropped"),
        );
    }
    let keywords: Vec<String> = rule.keywords.iter().map(|k| k.to_lowercase()).collect();
    let mut spec = RuleSpec {
        id: id.clone(),
        name: rule.description.clone().unwrap_or_else(|| rule.id.clone()),
        description: rule.description,
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        keywords,
        scope: Scope::File,
        pattern,
        multiline: false,
        min_entropy: rule.entropy.filter(|e| *e > 0.0),
        value_check: None,
        validator: None,
        require_verified: false,
        context: None,
        allowlist,
        skip_builtin_allowlist: false,
        names_provider: false,
        remediation: REMEDIATION.to_string(),
        tags: rule.tags,
        references: Vec::new(),
        examples: Vec::new(),
        negative_examples: Vec::new(),
    };
    match examples_for(&spec) {
        Some((example, negative)) => {
            spec.examples = vec![example];
            spec.negative_examples = vec![negative];
            Some(spec)
        }
        None => {
            note(
                &id,
                "no example could be drawn from the regex that the rule then finds (keywords \
                 outside the regex, or filters that reject it): not carried over"
                    .into(),
            );
            None
        }
    }
}

/// Names the secret group `secret`: `secretGroup` if set, else the first capture group if
/// there is one (gitleaks reports that group), else the whole match.
fn name_secret_group(regex: &str, secret_group: Option<usize>) -> Result<String, String> {
    let groups = capture_group_starts(regex);
    let wanted = match secret_group {
        Some(0) => return Ok(strip_names(regex)),
        Some(n) => n,
        None if groups.is_empty() => return Ok(strip_names(regex)),
        None => 1,
    };
    let Some(&(open, body)) = groups.get(wanted - 1) else {
        return Err(format!(
            "secretGroup {wanted} but the regex has {} capture group(s): not carried over",
            groups.len()
        ));
    };
    let mut out = String::with_capacity(regex.len() + 12);
    out.push_str(&regex[..=open]);
    out.push_str("?P<secret>");
    out.push_str(&regex[body..]);
    Ok(strip_names_except_secret(&out))
}

/// Byte offsets of each capturing group's `(` and of where its body starts, in order.
fn capture_group_starts(regex: &str) -> Vec<(usize, usize)> {
    let b = regex.as_bytes();
    let (mut i, mut in_class, mut out) = (0, false, Vec::new());
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' if !in_class => {
                in_class = true;
                // `[]...]` and `[^]...]`: a leading `]` is a literal.
                if b.get(i + 1) == Some(&b'^') {
                    i += 1;
                }
                if b.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
            b']' if in_class => in_class = false,
            b'(' if !in_class => {
                if b.get(i + 1) != Some(&b'?') {
                    out.push((i, i + 1));
                } else if let Some(end) = named_group_end(&regex[i..]) {
                    out.push((i, i + end));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// For `(?P<name>` or `(?<name>` at the start of `s`: where the group's body starts.
fn named_group_end(s: &str) -> Option<usize> {
    let rest = s.strip_prefix("(?P<").or_else(|| s.strip_prefix("(?<"))?;
    let close = rest.find('>')?;
    Some(s.len() - rest.len() + close + 1)
}

/// Other named groups become plain groups, so a name that gitleaks allowed twice cannot
/// clash, and only `secret` is special.
fn strip_names_except_secret(regex: &str) -> String {
    let mut out = String::with_capacity(regex.len());
    let mut rest = regex;
    while let Some(pos) = rest.find("(?") {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let escaped = out.ends_with('\\') && !out.ends_with("\\\\");
        match named_group_end(tail) {
            Some(end) if !escaped && !tail.starts_with("(?P<secret>") => {
                out.push('(');
                rest = &tail[end..];
            }
            _ => {
                out.push_str("(?");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn strip_names(regex: &str) -> String {
    strip_names_except_secret(&regex.replace("(?P<secret>", "(?P<secret_>"))
}

/// An example the rule finds, drawn from its regex (with a keyword in it if the rule has
/// keywords), and a negative example it does not find.
fn examples_for(spec: &RuleSpec) -> Option<(String, String)> {
    let hir = super::rule::parse_pattern(&super::rule::expand_fragments(&spec.pattern))?;
    let negative = "value = \"<redacted>\"".to_string();
    for seed in 1..=16u64 {
        let mut sampler = Sampler::new(seed);
        let mut text = String::new();
        sampler.emit(&hir, &mut text);
        let candidate = format!("\n{text}\n");
        if runs_on(spec, &candidate, &negative) {
            return Some((candidate.trim_matches('\n').to_string(), negative));
        }
        if let Some(keyword) = spec.keywords.first() {
            // The keyword may lie outside the regex (gitleaks only prefilters with it).
            let with_keyword = format!("{keyword} = {text}");
            if runs_on(spec, &with_keyword, &negative) {
                return Some((with_keyword, negative));
            }
        }
    }
    None
}

fn runs_on(spec: &RuleSpec, example: &str, negative: &str) -> bool {
    let mut trial = spec.clone();
    trial.examples = vec![example.to_string()];
    trial.negative_examples = vec![negative.to_string()];
    let Ok(rule) = Rule::compile(trial) else {
        return false;
    };
    let Ok(engine) = Engine::new(vec![rule]) else {
        return false;
    };
    !engine
        .scan_content("example", example.as_bytes())
        .findings
        .is_empty()
        && engine
            .scan_content("example", negative.as_bytes())
            .findings
            .is_empty()
}

/// Draws a string a regex matches: varied characters (so that entropy floors pass),
/// repetitions a little past their minimum, the first alternative that yields text.
struct Sampler {
    state: u64,
}

impl Sampler {
    fn new(seed: u64) -> Self {
        Self {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    fn next(&mut self, n: usize) -> usize {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        (self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }

    fn emit(&mut self, hir: &Hir, out: &mut String) {
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => {}
            HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
            HirKind::Class(class) => out.push(self.pick(class)),
            HirKind::Repetition(rep) => {
                let min = rep.min as usize;
                let max = rep.max.map_or(min + 24, |m| m as usize).min(min + 24);
                let count = if max > min {
                    min + self.next(max - min + 1)
                } else {
                    min
                };
                for _ in 0..count {
                    self.emit(&rep.sub, out);
                }
            }
            HirKind::Capture(cap) => self.emit(&cap.sub, out),
            HirKind::Concat(parts) => parts.iter().for_each(|p| self.emit(p, out)),
            HirKind::Alternation(alts) => {
                let alt = &alts[self.next(alts.len())];
                self.emit(alt, out)
            }
        }
    }

    /// A printable ASCII character (or a space) of the class, chosen at random; `x` if it
    /// has none.
    fn pick(&mut self, class: &Class) -> char {
        let printable: Vec<char> = match class {
            Class::Bytes(c) => c
                .iter()
                .flat_map(|r| r.start()..=r.end())
                .filter(|b| b.is_ascii_graphic() || *b == b' ')
                .map(char::from)
                .collect(),
            Class::Unicode(c) => c
                .iter()
                .flat_map(|r| r.start()..=r.end())
                .filter(|ch| ch.is_ascii_graphic() || *ch == ' ')
                .take(256)
                .collect(),
        };
        // Quotes and backslashes would end the value early in the example's text.
        let usable: Vec<char> = printable
            .iter()
            .copied()
            .filter(|c| !matches!(c, '"' | '\'' | '`' | '\\'))
            .collect();
        let pool = if usable.is_empty() {
            &printable
        } else {
            &usable
        };
        if pool.is_empty() {
            return 'x';
        }
        pool[self.next(pool.len())]
    }
}

fn kebab_case(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "imported-rule".into()
    } else {
        out
    }
}

fn first_line(s: &str) -> &str {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
}

/// The imported rules as a `.secretgate.yml` `rules:` list. Strings are JSON-quoted, which
/// YAML reads as double-quoted scalars.
pub fn to_yaml(rules: &[RuleSpec]) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let list = |items: &[String]| items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ");
    let mut out = String::from("# Imported from gitleaks by `secretgate rules import`.\nrules:\n");
    for r in rules {
        out.push_str(&format!("  - id: {}\n", r.id));
        out.push_str(&format!("    name: {}\n", q(&r.name)));
        out.push_str(&format!("    severity: {}\n", r.severity));
        out.push_str("    confidence: medium\n");
        out.push_str(&format!("    keywords: [{}]\n", list(&r.keywords)));
        out.push_str(&format!("    pattern: {}\n", q(&r.pattern)));
        if let Some(e) = r.min_entropy {
            out.push_str(&format!("    min_entropy: {e}\n"));
        }
        if !r.allowlist.is_empty() {
            out.push_str(&format!("    allowlist: [{}]\n", list(&r.allowlist)));
        }
        if !r.tags.is_empty() {
            out.push_str(&format!("    tags: [{}]\n", list(&r.tags)));
        }
        out.push_str(&format!("    remediation: {}\n", q(&r.remediation)));
        out.push_str(&format!("    examples: [{}]\n", list(&r.examples)));
        out.push_str(&format!(
            "    negative_examples: [{}]\n",
            list(&r.negative_examples)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_group_is_named() {
        assert_eq!(
            name_secret_group(r"key=(\w+)-([a-z]{8})", Some(2)).as_deref(),
            Ok(r"key=(\w+)-(?P<secret>[a-z]{8})")
        );
        assert_eq!(
            name_secret_group(r"[(]x(y)", None).as_deref(),
            Ok(r"[(]x(?P<secret>y)")
        );
        assert_eq!(name_secret_group(r"abc", None).as_deref(), Ok("abc"));
        assert_eq!(
            name_secret_group(r"(?i)(?:a|b)(?P<tok>[0-9]{4})", None).as_deref(),
            Ok(r"(?i)(?:a|b)(?P<secret>[0-9]{4})")
        );
        assert!(name_secret_group(r"(a)", Some(3)).is_err());
    }

    #[test]
    fn kebab_case_ids() {
        assert_eq!(kebab_case("My_Custom Rule.v2"), "my-custom-rule-v2");
        assert_eq!(kebab_case("__"), "imported-rule");
    }
}
