//! Rules as data: the YAML schema ([`RuleSpec`]) and its compiled form ([`Rule`]).

use super::anchored::AnchoredRegex;
use super::pattern_keywords;
use super::required_bytes::RequiredBytes;
use super::validate::Validator;
use super::value_check::ValueCheck;
use super::value_run::ValueRun;
use crate::findings::{Confidence, RuleInfo, Severity};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

/// One rule as written in `rules/*.yml` or in a config's `rules:` list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable kebab-case identifier: baselines, suppressions and SARIF alerts key on it.
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub severity: Severity,
    /// Confidence when no validator verifies the match.
    #[serde(default = "default_confidence")]
    pub confidence: Confidence,
    /// Case-insensitive literals; the rule runs only near one of them. Empty: the rule runs
    /// wherever its `scope` says.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Where the secret can lie. A rule without keywords runs only there; a rule with
    /// keywords runs only on keyword windows that reach there. Default `file`: anywhere.
    #[serde(default)]
    pub scope: Scope,
    /// Byte regex, Unicode classes off; the named group `secret` is the secret (else the
    /// whole match). Alternatives that capture it in another place name theirs `secret2`...
    pub pattern: String,
    /// The match may span lines (private keys): look up to 64 KiB past the keyword.
    #[serde(default)]
    pub multiline: bool,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    #[serde(default)]
    pub validator: Option<Validator>,
    /// Drop matches the validator cannot verify (for shapes that are only distinctive
    /// with their checksum, such as legacy Azure DevOps PATs).
    #[serde(default)]
    pub require_verified: bool,
    /// A regex that must match on the secret's line or the lines just before and after it
    /// (a host name, a connection-string key, a field name).
    #[serde(default)]
    pub context: Option<String>,
    /// Regexes matched against the secret: a match means "not a secret".
    #[serde(default)]
    pub allowlist: Vec<String>,
    /// Skip the built-in placeholder and low-entropy allowlist (formats whose shape alone
    /// is proof, such as checksummed keys).
    #[serde(default)]
    pub skip_builtin_allowlist: bool,
    /// The pattern itself names the provider (its prefix, or its name right before the
    /// value): a value the built-in allowlist finds too regular to be random is reported at
    /// low confidence instead of dropped (see [`super::allowlist::judge`]), even when the
    /// rule's own allowlist (words, identifiers) would pass over it.
    #[serde(default)]
    pub names_provider: bool,
    /// Judge the value itself (`generic`: a generated-looking literal, not a reference,
    /// path, name, hash or words), for rules that match on a setting's name.
    #[serde(default)]
    pub value_check: Option<ValueCheck>,
    pub remediation: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// Text in which the rule must find at least one secret.
    pub examples: Vec<String>,
    /// Text in which the rule must find nothing.
    pub negative_examples: Vec<String>,
}

/// Where a rule's secret can lie, so that the rule need not run over every byte (or every
/// keyword window). It is the rule author's promise: the rule's examples run through the
/// same path, so a wrong promise fails its own test.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Anywhere: the rule runs over the whole file, in one pass shared with the others.
    #[default]
    File,
    /// The secret overlaps a run of 32 or more base64-alphabet characters (`A-Za-z0-9+/`):
    /// bare tokens and keys.
    TokenRuns,
    /// The secret overlaps a run of 13 or more digits joined by single spaces or hyphens:
    /// card numbers.
    DigitRuns,
}

fn default_confidence() -> Confidence {
    Confidence::Medium
}

/// Why a rule could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rule `{id}`: invalid pattern: {source}")]
    Pattern {
        id: String,
        #[source]
        source: regex::Error,
    },
    #[error("rule `{id}`: invalid allowlist pattern: {source}")]
    Allowlist {
        id: String,
        #[source]
        source: regex::Error,
    },
    #[error("rule `{id}`: {message}")]
    Invalid { id: String, message: String },
}

/// A compiled rule, ready to run.
#[derive(Debug)]
pub struct Rule {
    pub info: RuleInfo,
    pub keywords: Vec<String>,
    pub scope: Scope,
    /// The pattern, with its `{{fragments}}` expanded.
    pub pattern: String,
    /// `false`: ignore what the pattern says about its keywords (tests compare the two).
    narrow: bool,
    multiline: bool,
    /// What the pattern says about where matches lie, and the compiled pattern: read and
    /// compiled on first use, so that start-up does not grow with the number of rules
    /// (most never see one of their keywords in a scan). Rules from a config and the
    /// tests compile eagerly, so their errors show at load.
    analysis: std::sync::OnceLock<Analysis>,
    /// `None` inside: the pattern does not compile (only a lazily compiled built-in rule can
    /// get here, and its tests compile it).
    search: std::sync::OnceLock<Option<Search>>,
    pub min_entropy: Option<f64>,
    pub validator: Option<Validator>,
    pub require_verified: bool,
    pub context: Option<Regex>,
    allowlist_patterns: Vec<String>,
    allowlist: std::sync::OnceLock<Vec<Regex>>,
    pub skip_builtin_allowlist: bool,
    pub names_provider: bool,
    pub value_check: Option<ValueCheck>,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
}

/// What a rule's pattern says about its matches, read from its syntax tree.
#[derive(Debug)]
pub(crate) struct Analysis {
    /// Every match starts at a keyword or at most this many bytes before one: the rule is
    /// searched from its keywords. `None`: across windows.
    pub(crate) lead: Option<usize>,
    /// How far around each keyword the rule is searched (`multiline` rules: far).
    pub(crate) reach: Reach,
    /// Indexes of the `secret` group and its alternatives `secret2`, `secret3`... (the
    /// regex crate forbids reusing a name across `|` branches). Empty: the whole match.
    pub(crate) secret_groups: Vec<usize>,
    /// A run of bytes any secret of this rule lies in, checked before the regex runs on
    /// a window.
    pub(crate) value_run: Option<ValueRun>,
    /// Bytes every match holds, checked before the regex runs on a window.
    pub(crate) required_bytes: Option<RequiredBytes>,
    /// For a rule searched from its keywords: bytes before a keyword that rule out a
    /// match from it, checked by the prefilter.
    pub(crate) ruled_out_before: Option<pattern_keywords::ByteSet>,
}

/// How a rule's pattern is searched in a window the prefilter gives it.
#[derive(Debug)]
pub(crate) enum Search {
    /// Across the whole window.
    Window(Regex),
    /// Every match starts at one of the rule's keywords or at most `lead` bytes before one
    /// (read from the pattern by [`pattern_keywords`]): anchored searches from those places
    /// only, which find what a search across the window finds.
    FromKeywords {
        regex: Box<AnchoredRegex>,
        lead: usize,
    },
}

/// How far around a keyword a rule is searched: the prefilter's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The keyword's line: every match holds a keyword and no line break (read from the
    /// pattern by [`pattern_keywords`]).
    KeywordLine,
    /// The keyword's line and the two below it, where a setting's value may follow its
    /// name.
    NextTwoLines,
    /// Far past the keyword, for matches that span lines (a PEM block).
    Multiline,
}

/// Byte regexes with Unicode classes off: `\w`, `\d` and `\s` are ASCII, which is what
/// credential formats are, and the DFA stays small and fast.
pub(crate) fn compile_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(32 << 20)
        .dfa_size_limit(32 << 20)
        .build()
}

/// Named pieces that rule patterns share, written `{{name}}` in a pattern. `{{` cannot
/// start valid regex syntax, so the expansion never changes a pattern's meaning.
const FRAGMENTS: &[(&str, &str)] = &[
    // Left and right boundaries of a key-like token (base64, base64url, hex, base62).
    ("lb", r"(?:^|[^A-Za-z0-9+/_\-])"),
    ("rb", r"(?:[^A-Za-z0-9+/=_\-]|$)"),
    // The glue between a setting's name and its value, in the forms config and code
    // use: `NAME = "v"`, `"Name": "v"`, `Name: v`, `NAME=v`, `name => 'v'`,
    // `<add key="Name" value="v"`, `<Name>v`, `name: string = 'v'`, Bicep's
    // `param name string = 'v'`, and a value one or two lines below its name. It never
    // crosses a line break except in those explicit forms.
    // What may follow an unquoted value for it to be a literal: a closing quote, a
    // separator, the end of the line, a comment, or an XML end tag. Code continues with
    // `= expr`, `<T>`, `(args)` or `.field` and is not matched.
    (
        "literal_end",
        r#"(?:["'`]|[ \t]*(?:[;,)\]}]|</|\r?\n|#|//|$))"#,
    ),
    (
        "assign",
        concat!(
            r#"[\w.\-]{0,40}?["'`]?\]?"#,
            // The value on a following line: `- name: X` / `value: v`, ARM's
            // `"x": {` / `"defaultValue": v`, Terraform's `variable "x" {` / `default = v`.
            r#"(?:["']?[ \t]*:?[ \t]*\{?[ \t]*\r?\n(?:[^\n]*\n)?[ \t]*-?[ \t]*["']?(?:value|defaultValue|default)["']?)?"#,
            r#"(?:[ \t]*:[ \t]*[A-Za-z]+[ \t]*=[ \t]*"#,
            r#"|[ \t]+(?:string|securestring|secureString|object)[ \t]*=[ \t]*"#,
            // Aligned blocks (Terraform `locals`, .env files, YAML) pad the glue with spaces.
            r#"|[ \t]{0,32}(?:=>|:=|[=>])[ \t]{0,32}"#,
            // A colon is an assignment only before a space or a quote (YAML, JSON), never in
            // `Type::Path` or `scheme:rest`.
            r#"|[ \t]{0,4}:[ \t]{1,32}|[ \t]{0,4}:(?:[@$]?["'`])"#,
            r#"|[ \t]+value[ \t]*=[ \t]*"#,
            // Log lines: `using NAME 'value'`.
            r#"|[ \t]{1,3}["'`])"#,
            r#"(?:[@$]?["'`]|\([ \t]*["'])?"#,
        ),
    ),
];

/// `pattern` parsed as [`compile_regex`] parses it, for reading its structure; `None` if
/// it does not parse (compiling it then reports why).
pub(crate) fn parse_pattern(pattern: &str) -> Option<regex_syntax::hir::Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()
}

/// Indexes of the capture groups named `secret`, `secret2`... read from the parsed pattern
/// (the regex crate numbers groups the same way).
fn secret_group_indexes(hir: &regex_syntax::hir::Hir) -> Vec<usize> {
    use regex_syntax::hir::HirKind;
    fn walk(hir: &regex_syntax::hir::Hir, out: &mut Vec<usize>) {
        match hir.kind() {
            HirKind::Capture(cap) => {
                if cap.name.as_deref().is_some_and(is_secret_group) {
                    out.push(cap.index as usize);
                }
                walk(&cap.sub, out);
            }
            HirKind::Repetition(rep) => walk(&rep.sub, out),
            HirKind::Concat(parts) | HirKind::Alternation(parts) => {
                parts.iter().for_each(|p| walk(p, out))
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(hir, &mut out);
    out.sort_unstable();
    out
}

/// Replaces every `{{name}}` with its fragment.
pub(crate) fn expand_fragments(pattern: &str) -> String {
    let mut out = pattern.to_string();
    for (name, fragment) in FRAGMENTS {
        out = out.replace(&format!("{{{{{name}}}}}"), fragment);
    }
    out
}

/// `secret`, or one of its alternatives `secret2`, `secret3`...
pub(crate) fn is_secret_group(name: &str) -> bool {
    name.strip_prefix("secret")
        .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()))
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Rule {
    /// Checks and compiles a rule now, so that every error shows at load.
    pub fn compile(spec: RuleSpec) -> Result<Self, RuleError> {
        Self::compile_with(spec, true)
    }

    /// Checks a rule's fields now and leaves reading and compiling its pattern to its first
    /// use: for the built-in rules, whose patterns their tests compile.
    pub fn compile_lazy(spec: RuleSpec) -> Result<Self, RuleError> {
        Self::checked(spec, true)
    }

    /// As [`Self::compile`]; `narrow: false` ignores what the pattern says about its
    /// keywords and searches the prefilter's default windows across (tests compare the two).
    pub(crate) fn compile_with(spec: RuleSpec, narrow: bool) -> Result<Self, RuleError> {
        let rule = Self::checked(spec, narrow)?;
        let id = rule.info.id.clone();
        if parse_pattern(&rule.pattern).is_none() {
            let source = compile_regex(&rule.pattern).err();
            return Err(match source {
                Some(source) => RuleError::Pattern { id, source },
                None => RuleError::Invalid {
                    id,
                    message: "the pattern does not parse".into(),
                },
            });
        }
        if let Err(e) = rule.try_search() {
            return Err(RuleError::Invalid { id, message: e });
        }
        let allowlist = rule
            .allowlist_patterns
            .iter()
            .map(|p| compile_regex(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| RuleError::Allowlist { id, source })?;
        let _ = rule.allowlist.set(allowlist);
        Ok(rule)
    }

    /// The checks that need no regex compiled, and the rule with its pattern not yet read.
    fn checked(spec: RuleSpec, narrow: bool) -> Result<Self, RuleError> {
        let id = spec.id.clone();
        let invalid = |message: &str| RuleError::Invalid {
            id: id.clone(),
            message: message.to_string(),
        };
        if !is_kebab_case(&spec.id) {
            return Err(invalid(
                "id must be kebab-case (a-z, 0-9 and single dashes)",
            ));
        }
        if spec.examples.is_empty() || spec.negative_examples.is_empty() {
            return Err(invalid(
                "every rule needs at least one example and one negative example",
            ));
        }
        if spec.keywords.iter().any(|k| k.trim().is_empty()) {
            return Err(invalid("keywords must not be empty strings"));
        }
        // The prefilter finds a keyword's line from where the keyword starts and ends.
        if spec.keywords.iter().any(|k| k.contains(['\n', '\r'])) {
            return Err(invalid("keywords must not contain line breaks"));
        }
        let pattern_error = |source| RuleError::Pattern {
            id: id.clone(),
            source,
        };
        let pattern = expand_fragments(&spec.pattern);
        let keywords: Vec<String> = spec
            .keywords
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .collect();
        let context = spec
            .context
            .as_deref()
            .map(|c| compile_regex(&expand_fragments(c)))
            .transpose()
            .map_err(pattern_error)?;
        if spec.require_verified && spec.validator.is_none() {
            return Err(invalid("`require_verified` needs a `validator`"));
        }
        let info = RuleInfo {
            id: spec.id,
            description: spec
                .description
                .unwrap_or_else(|| format!("{} found in the source.", spec.name)),
            name: spec.name,
            severity: spec.severity,
            confidence: spec.confidence,
            // YAML block text is wrapped for reading; outputs reflow it themselves.
            remediation: spec
                .remediation
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            tags: spec.tags,
            validators: spec
                .validator
                .map(|v| vec![v.describe().to_string()])
                .unwrap_or_default(),
            references: spec.references,
        };
        Ok(Self {
            info,
            keywords,
            pattern,
            narrow,
            multiline: spec.multiline,
            analysis: std::sync::OnceLock::new(),
            search: std::sync::OnceLock::new(),
            scope: spec.scope,
            min_entropy: spec.min_entropy,
            validator: spec.validator,
            require_verified: spec.require_verified,
            context,
            allowlist_patterns: spec.allowlist,
            allowlist: std::sync::OnceLock::new(),
            skip_builtin_allowlist: spec.skip_builtin_allowlist,
            names_provider: spec.names_provider,
            value_check: spec.value_check,
            examples: spec.examples,
            negative_examples: spec.negative_examples,
        })
    }

    pub fn id(&self) -> &str {
        &self.info.id
    }

    /// Whether the rule is searched from its keywords rather than across windows.
    pub(crate) fn searched_from_keywords(&self) -> bool {
        self.analysis().lead.is_some()
    }

    /// What the pattern says about its matches, read on the first call.
    pub(crate) fn analysis(&self) -> &Analysis {
        self.analysis.get_or_init(|| {
            let hir = parse_pattern(&self.pattern);
            let hir_to_read = hir.as_ref().filter(|_| self.narrow);
            let lead =
                hir_to_read.and_then(|hir| pattern_keywords::keyword_lead(hir, &self.keywords));
            let reach = if self.multiline {
                Reach::Multiline
            } else if hir_to_read
                .is_some_and(|hir| pattern_keywords::within_keyword_line(hir, &self.keywords))
            {
                Reach::KeywordLine
            } else {
                Reach::NextTwoLines
            };
            let ruled_out_before = hir_to_read.zip(lead).and_then(|(hir, lead)| {
                pattern_keywords::ruled_out_before(hir, &self.keywords, lead)
            });
            Analysis {
                lead,
                reach,
                ruled_out_before,
                secret_groups: hir.as_ref().map(secret_group_indexes).unwrap_or_default(),
                value_run: hir.as_ref().and_then(ValueRun::from_hir),
                required_bytes: hir.as_ref().and_then(RequiredBytes::from_hir),
            }
        })
    }

    /// The compiled pattern, compiled on the first call; `None` if it does not compile.
    pub(crate) fn search(&self) -> Option<&Search> {
        self.try_search().ok()
    }

    fn try_search(&self) -> Result<&Search, String> {
        let mut error = None;
        let search = self.search.get_or_init(|| {
            let compiled = match self.analysis().lead {
                Some(lead) => AnchoredRegex::new(&self.pattern).map(|regex| Search::FromKeywords {
                    regex: Box::new(regex),
                    lead,
                }),
                None => compile_regex(&self.pattern)
                    .map(Search::Window)
                    .map_err(|e| e.to_string()),
            };
            compiled.map_err(|e| error = Some(e)).ok()
        });
        search
            .as_ref()
            .ok_or_else(|| error.unwrap_or_else(|| "the pattern does not compile".into()))
    }

    /// The rule's allowlist, compiled on the first call (a pattern that does not compile
    /// is left out; [`Self::compile`] reports it).
    pub fn allowlist(&self) -> &[Regex] {
        self.allowlist.get_or_init(|| {
            self.allowlist_patterns
                .iter()
                .filter_map(|p| compile_regex(p).ok())
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules that run on the most windows in real code are searched from their
    /// keywords; a leading `[\w.-]*` or a keyword-less spelling would quietly undo that.
    /// Being searched from its keywords also proves that every match of a rule starts with
    /// one, so that the prefilter hides none: a rule whose names are many is listed here.
    #[test]
    fn rules_that_start_with_their_keywords_are_searched_from_them() {
        let specs = super::super::ruleset::builtin_specs().expect("rules parse");
        let rules =
            super::super::ruleset::compile(specs.into_iter().map(|s| (String::new(), s)).collect())
                .expect("rules compile");
        let anchored: Vec<&str> = rules
            .iter()
            .filter(|r| r.searched_from_keywords())
            .map(|r| r.id())
            .collect();
        for id in [
            "generic-secret",
            "generic-password",
            "azure-service-key-legacy",
            "azure-storage-account-key-legacy",
            "azure-entra-client-secret-legacy",
            "azure-functions-key-legacy",
            "aws-secret-access-key",
        ] {
            assert!(anchored.contains(&id), "{id} not in {anchored:?}");
        }
    }

    #[test]
    fn a_keyword_with_a_line_break_is_refused() {
        let mut spec = super::super::ruleset::builtin_specs()
            .expect("rules parse")
            .remove(0);
        spec.keywords = vec!["account\nkey".to_string()];
        let error = Rule::compile(spec).expect_err("refused").to_string();
        assert!(
            error.contains("keywords must not contain line breaks"),
            "{error}"
        );
    }

    #[test]
    fn kebab_case_ids_only() {
        assert!(is_kebab_case("azure-storage-key"));
        assert!(is_kebab_case("aws-access-key-id2"));
        assert!(!is_kebab_case("Azure"));
        assert!(!is_kebab_case("a--b"));
        assert!(!is_kebab_case("-a"));
        assert!(!is_kebab_case("a_b"));
    }
}
