//! The detection engine: rules as data, a keyword prefilter, byte regexes, entropy,
//! offline validators, allowlists and suppressions.
//!
//! [`Engine::scan_content`] finds secrets in one file's bytes; [`scan::scan_changeset`]
//! runs it over a whole [`crate::changeset::ChangeSet`] in parallel, and
//! [`scan::FileScanner`] over files as a tree walk hands them over; both apply the line
//! filter, the config's allow entries and the baseline.

pub mod allowlist;
mod anchored;
pub mod baseline;
mod detail;
pub mod entropy;
pub mod import;
mod keyword_dfa;
mod pattern_keywords;
pub mod pkcs12;
mod prefilter;
mod required_bytes;
pub mod rule;
pub mod ruleset;
pub mod runs;
pub mod scan;
pub mod suppress;
pub mod validate;
pub mod value_check;
mod value_run;

use crate::findings::{fingerprint, line_hash, Confidence, Finding, RuleInfo, Secret, Validation};
use prefilter::{KeywordPlan, Prefilter};
use regex::bytes::RegexSet;
use rule::{Rule, Scope, Search};
use validate::Outcome;

/// Compiled rules, ready to scan. Build once, share across threads.
pub struct Engine {
    rules: Vec<Rule>,
    prefilter: Prefilter,
    /// Keyword-less rules by scope. Those scoped to the whole file share one set, so a
    /// file is read once to learn which of them can match at all.
    file_scoped: Vec<usize>,
    file_scoped_set: Option<RegexSet>,
    token_scoped: Vec<usize>,
    digit_scoped: Vec<usize>,
    /// "Now" in Unix seconds, against which SAS expiries are judged: the clock by default,
    /// fixed by [`Engine::with_now`] so that a scan can be repeated exactly.
    now: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot build the keyword prefilter: {0}")]
    Prefilter(#[from] aho_corasick::BuildError),
    #[error("cannot build the keyword-less pass: {0}")]
    Set(#[from] regex::Error),
}

/// A match that survived the filters, before it becomes a [`Finding`].
struct Candidate {
    rule: usize,
    start: usize,
    end: usize,
    validation: Validation,
    confidence: Confidence,
    /// For a secret found inside a base64-encoded value: the decoded secret. The span is
    /// then the encoded value's.
    decoded: Option<Vec<u8>>,
}

/// Base64 values long enough to wrap a credential (Kubernetes Secret `data:`, encoded
/// connection strings in variables): the token runs of [`runs`], up to this length.
/// Decoded text is scanned once, not recursively.
const BASE64_MAX: usize = 8 * 1024;
/// Decoders in the wild drop padding and leave trailing bits set; accept both.
const LENIENT_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// What scanning one file's content produced.
#[derive(Debug, Default)]
pub struct ContentScan {
    pub findings: Vec<Finding>,
    /// Matches silenced by an inline `secretgate:allow` (or compatible) comment, kept so
    /// that a gate can list them, or count them as findings when its policy says so.
    pub inline_allowed: Vec<Finding>,
}

impl Engine {
    pub fn new(rules: Vec<Rule>) -> Result<Self, EngineError> {
        let keywords: Vec<&[String]> = rules.iter().map(|r| r.keywords.as_slice()).collect();
        let prefilter = Prefilter::new(&keywords)?;
        let scoped = |scope: Scope| -> Vec<usize> {
            (0..rules.len())
                .filter(|&i| rules[i].keywords.is_empty() && rules[i].scope == scope)
                .collect()
        };
        let file_scoped = scoped(Scope::File);
        let file_scoped_set = if file_scoped.is_empty() {
            None
        } else {
            let set = regex::bytes::RegexSetBuilder::new(
                file_scoped.iter().map(|&i| rules[i].pattern.as_str()),
            )
            .unicode(false)
            .size_limit(64 << 20)
            .dfa_size_limit(64 << 20)
            .build()?;
            Some(set)
        };
        Ok(Self {
            token_scoped: scoped(Scope::TokenRuns),
            digit_scoped: scoped(Scope::DigitRuns),
            file_scoped,
            file_scoped_set,
            rules,
            prefilter,
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        })
    }

    /// Judges time-bound secrets (SAS expiry) as of `unix_seconds` instead of the clock.
    pub fn with_now(mut self, unix_seconds: i64) -> Self {
        self.now = unix_seconds;
        self
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule_infos(&self) -> Vec<RuleInfo> {
        let mut infos: Vec<RuleInfo> = self.rules.iter().map(|r| r.info.clone()).collect();
        infos.push(pkcs12_rule());
        infos
    }

    /// Credentials in a file that is not text: a PKCS#12 (`.pfx`, `.p12`) file that holds
    /// a private key, or whose encrypted contents may (reported at low confidence).
    pub fn scan_binary(&self, path: &str, content: &[u8]) -> Vec<Finding> {
        let Some(p12) = pkcs12::inspect(content) else {
            return Vec::new();
        };
        if !p12.has_private_key() && p12.encrypted_parts == 0 {
            return Vec::new();
        }
        let rule = pkcs12_rule();
        let snippet = p12.describe();
        vec![Finding {
            confidence: if p12.has_private_key() {
                Confidence::High
            } else {
                Confidence::Low
            },
            validation: Validation::None,
            path: path.to_string(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            fingerprint: fingerprint(&rule.id, content),
            line_hash: line_hash(&snippet),
            redacted: format!("PKCS#12…({} bytes)", content.len()),
            snippet,
            rule_id: rule.id,
            rule_name: rule.name,
            severity: rule.severity,
            remediation: rule.remediation,
            detail: String::new(),
            provenance: None,
        }]
    }

    /// Finds the secrets in one file. `path` is only copied into the findings.
    pub fn scan_content(&self, path: &str, content: &[u8]) -> ContentScan {
        let (mut candidates, token_runs) = self.candidates(content);
        candidates.extend(self.base64_candidates(content, &token_runs));
        let kept = resolve_overlaps(candidates, &self.rules);
        // Every secret's redacted form, so a snippet can mask its neighbours on the same
        // line too (including suppressed ones), not only its own secret.
        let masks: Vec<Mask> = kept
            .iter()
            .map(|c| Mask {
                start: c.start,
                end: c.end,
                redacted: Secret::new(c.decoded.as_deref().unwrap_or(&content[c.start..c.end]))
                    .redacted(),
            })
            .collect();
        let mut out = ContentScan::default();
        let mut lines = LineIndex::default();
        for (i, c) in kept.iter().enumerate() {
            let finding = self.finding(path, content, c, &masks, i, &mut lines);
            if suppress::inline_allowed(content, c.start) {
                out.inline_allowed.push(finding);
            } else {
                out.findings.push(finding);
            }
        }
        out
    }

    /// Every rule's filtered matches in `content`: keyword rules in their windows, and the
    /// keyword-less rules where their scope says they can match. Also returns the long
    /// base64-alphabet runs, which may be encoded values worth decoding.
    fn candidates(&self, content: &[u8]) -> (Vec<Candidate>, Vec<(usize, usize)>) {
        let mut candidates = Vec::new();
        let runs = runs::find(content);
        let plan_of = |rule: usize| {
            let r = &self.rules[rule];
            let analysis = r.analysis();
            KeywordPlan {
                reach: analysis.reach,
                keyword_starts: analysis.lead.is_some(),
                ruled_out_before: analysis.ruled_out_before,
            }
        };
        for found in self
            .prefilter
            .windows_with(content, self.rules.len(), plan_of)
        {
            let rule = found.rule;
            let spans = match self.rules[rule].scope {
                Scope::File => None,
                Scope::TokenRuns => Some(&runs.tokens),
                Scope::DigitRuns => Some(&runs.digits),
            };
            // Only a rule searched from its keywords has their starts.
            let keyword_starts = found.keyword_starts;
            let from_keywords = self.rules[rule].searched_from_keywords();
            for (lo, hi) in found.windows {
                if spans.is_none_or(|s| runs::runs_overlap(s, lo, hi)) {
                    let from = keyword_starts.partition_point(|&s| s < lo);
                    let to = keyword_starts.partition_point(|&s| s < hi);
                    let starts = &keyword_starts[from..to];
                    // Every keyword in the window was ruled out by the byte before it.
                    if from_keywords && starts.is_empty() {
                        continue;
                    }
                    self.collect_at(rule, content, lo, hi, starts, &mut candidates);
                }
            }
        }
        if let Some(set) = &self.file_scoped_set {
            for i in set.matches(content).iter() {
                self.collect(
                    self.file_scoped[i],
                    content,
                    0,
                    content.len(),
                    &mut candidates,
                );
            }
        }
        for (scoped, spans) in [
            (&self.token_scoped, &runs.tokens),
            (&self.digit_scoped, &runs.digits),
        ] {
            if scoped.is_empty() || spans.is_empty() {
                continue;
            }
            let windows = prefilter::line_windows(content, spans);
            for &rule in scoped {
                for &(lo, hi) in &windows {
                    self.collect(rule, content, lo, hi, &mut candidates);
                }
            }
        }
        (candidates, runs.tokens)
    }

    /// Secrets wrapped in base64 text: each long base64 value that decodes to printable
    /// text is scanned, and what is found there is reported at the encoded value.
    fn base64_candidates(&self, content: &[u8], token_runs: &[(usize, usize)]) -> Vec<Candidate> {
        use base64::Engine as _;
        let mut out = Vec::new();
        for &(start, run_end) in token_runs {
            // A value, not part of a longer identifier or a base64url string: the run must
            // stand alone, with at most two `=` of padding after it.
            let padding = content[run_end..]
                .iter()
                .take_while(|&&b| b == b'=')
                .count();
            let end = run_end + padding;
            let glue = |b: u8| matches!(b, b'=' | b'_' | b'-');
            let glued_before = start.checked_sub(1).is_some_and(|i| glue(content[i]));
            let glued_after = content
                .get(end)
                .is_some_and(|&b| glue(b) || runs::is_token_byte(b));
            if padding > 2 || glued_before || glued_after || end - start > BASE64_MAX {
                continue;
            }
            let Ok(decoded) = LENIENT_BASE64.decode(&content[start..end]) else {
                continue;
            };
            let printable = decoded
                .iter()
                .filter(|&&b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\r' || b == b'\t')
                .count();
            if decoded.len() < 16 || printable * 100 < decoded.len() * 98 {
                continue;
            }
            for c in self.candidates(&decoded).0 {
                out.push(Candidate {
                    decoded: Some(decoded[c.start..c.end].to_vec()),
                    start,
                    end,
                    ..c
                });
            }
        }
        out
    }

    /// Runs rule `ri` on `content[lo..hi]` and keeps the matches that pass its filters.
    fn collect(&self, ri: usize, content: &[u8], lo: usize, hi: usize, out: &mut Vec<Candidate>) {
        self.collect_at(ri, content, lo, hi, &[], out);
    }

    /// As [`Self::collect`]; a rule whose matches all start at a keyword (or its lead
    /// byte before one) is searched from `keyword_starts` (those in the window, sorted)
    /// only, which finds the same matches as a search of the whole window. (Such a rule
    /// has keywords, so it only ever comes here from the prefilter, with their starts.)
    fn collect_at(
        &self,
        ri: usize,
        content: &[u8],
        lo: usize,
        hi: usize,
        keyword_starts: &[usize],
        out: &mut Vec<Candidate>,
    ) {
        let rule = &self.rules[ri];
        let window = &content[lo..hi];
        let analysis = rule.analysis();
        if analysis
            .value_run
            .as_ref()
            .is_some_and(|t| !t.admits(window))
            || analysis
                .required_bytes
                .as_ref()
                .is_some_and(|t| !t.admits(window))
        {
            return;
        }
        let Some(search) = rule.search() else {
            return;
        };
        match search {
            Search::Window(regex) => {
                for caps in regex.captures_iter(window) {
                    let group = |g| caps.get(g).map(|m| (m.start(), m.end()));
                    if let Some((s, e)) = secret_span(rule, group) {
                        self.keep(ri, content, lo + s, lo + e, out);
                    }
                }
            }
            Search::FromKeywords { regex, lead } => {
                debug_assert!(
                    !keyword_starts.is_empty(),
                    "a rule searched from its keywords needs their starts"
                );
                // One anchored search from each place a match can start, in order, each
                // after where the last match ended, as a search across the window would
                // go on. The window's bytes before a start stay visible to `\b`.
                const {
                    assert!(
                        pattern_keywords::MAX_LEAD <= 1,
                        "starts would be out of order"
                    )
                };
                let starts = keyword_starts
                    .iter()
                    .flat_map(|&s| (0..=*lead).rev().filter_map(move |j| s.checked_sub(j)))
                    .filter(|&s| s >= lo)
                    .map(|s| s - lo);
                regex.with_cache(|cache| {
                    let mut next = 0;
                    for start in starts {
                        if start < next {
                            continue;
                        }
                        next = start + 1;
                        let Some(caps) = regex.captures_at(cache, window, start) else {
                            continue;
                        };
                        let Some(m) = caps.get_match() else {
                            continue;
                        };
                        next = next.max(m.end());
                        let group = |g| caps.get_group(g).map(|m| (m.start, m.end));
                        if let Some((s, e)) = secret_span(rule, group) {
                            self.keep(ri, content, lo + s, lo + e, out);
                        }
                    }
                });
            }
        }
    }

    /// Keeps the secret at `content[start..end]` if it passes rule `ri`'s filters.
    fn keep(&self, ri: usize, content: &[u8], start: usize, end: usize, out: &mut Vec<Candidate>) {
        let rule = &self.rules[ri];
        // A rule's windows are merged and disjoint, so no span is seen twice.
        if start == end {
            return;
        }
        let secret = &content[start..end];
        if let Some(min) = rule.min_entropy {
            if entropy::shannon(secret) < min {
                return;
            }
        }
        let builtin = if rule.skip_builtin_allowlist {
            allowlist::Judgement::Keep
        } else {
            allowlist::judge(secret, rule.names_provider)
        };
        if builtin == allowlist::Judgement::Drop {
            return;
        }
        // A rule's allowlist passes over words and identifiers (`^[A-Za-z_-]+$`); filler such
        // as `abcdefghijklmnop...` is neither, and beside the provider it is reported (low).
        if builtin != allowlist::Judgement::Low
            && rule.allowlist().iter().any(|a| a.is_match(secret))
        {
            return;
        }
        if rule
            .value_check
            .is_some_and(|check| value_check::judge_as(check, secret).is_some())
        {
            return;
        }
        if let Some(context) = &rule.context {
            let (lo, hi) = neighbourhood(content, start, end);
            if !context.is_match(&content[lo..hi]) {
                return;
            }
        }
        let (validation, confidence) = match rule.validator.map(|v| (v, v.check(secret))) {
            None => (Validation::None, rule.info.confidence),
            Some((v, Outcome::Verified)) if v.is_checksum() => {
                (Validation::Verified, Confidence::High)
            }
            Some((_, Outcome::Verified)) => (Validation::Verified, rule.info.confidence),
            Some((_, Outcome::Unverified)) if rule.require_verified => return,
            Some((_, Outcome::Unverified)) => (Validation::Unverified, rule.info.confidence),
            Some((_, Outcome::Rejected)) => return,
        };
        // Filler beside the provider's name: reported, but only as a warning.
        let confidence = if builtin == allowlist::Judgement::Low {
            Confidence::Low
        } else {
            confidence
        };
        out.push(Candidate {
            rule: ri,
            start,
            end,
            validation,
            confidence,
            decoded: None,
        });
    }

    fn finding(
        &self,
        path: &str,
        content: &[u8],
        c: &Candidate,
        masks: &[Mask],
        own: usize,
        lines: &mut LineIndex,
    ) -> Finding {
        let rule = &self.rules[c.rule];
        let secret = Secret::new(c.decoded.as_deref().unwrap_or(&content[c.start..c.end]));
        let redacted = masks[own].redacted.clone();
        let (line, column) = lines.position(content, c.start);
        let (end_line, end_column) = lines.position(content, c.end.saturating_sub(1).max(c.start));
        let snippet = redacted_line(content, masks, own);
        // A secret found inside a base64 value has no readable text around it.
        let (severity, detail) = match c.decoded {
            Some(_) => (None, String::new()),
            None => detail::describe(
                rule.validator,
                &rule.info.tags,
                content,
                c.start,
                c.end,
                self.now,
            ),
        };
        Finding {
            rule_id: rule.info.id.clone(),
            rule_name: rule.info.name.clone(),
            severity: severity.unwrap_or(rule.info.severity),
            detail,
            confidence: c.confidence,
            validation: c.validation,
            path: path.to_string(),
            line,
            column,
            end_line,
            end_column,
            fingerprint: fingerprint(&rule.info.id, secret.expose()),
            line_hash: line_hash(&snippet),
            redacted,
            snippet,
            remediation: rule.info.remediation.clone(),
            provenance: None,
        }
    }
}

/// The rule behind [`Engine::scan_binary`]: written in code, as it reads a binary format
/// rather than matching text.
pub fn pkcs12_rule() -> RuleInfo {
    RuleInfo {
        id: "pkcs12-private-key".to_string(),
        name: "PKCS#12 (PFX) file with a private key".to_string(),
        description: "A PKCS#12 file (.pfx, .p12) that holds a private key, such as an App \
                      Service or Key Vault certificate export; read as far as its key bags, \
                      and whether a password protects it."
            .to_string(),
        severity: crate::findings::Severity::Critical,
        confidence: Confidence::High,
        remediation: "Treat the key as compromised: revoke the certificate and issue a new \
                      one. Keep certificates with their keys in Azure Key Vault and let App \
                      Service, Application Gateway or your code load them from there \
                      (managed identity), instead of committing PFX files; a PFX password \
                      does not protect a key that is in the repository, since it can be \
                      guessed offline."
            .to_string(),
        tags: vec![
            "private-key".to_string(),
            "crypto".to_string(),
            "pkcs12".to_string(),
        ],
        validators: vec!["PKCS#12 structure (key bags, MAC)".to_string()],
        references: vec!["https://www.rfc-editor.org/rfc/rfc7292".to_string()],
    }
}

/// When several matches overlap (a storage key found by the key rule and by the
/// connection-string rule), keep the strongest: verified first, then confidence, then
/// severity, then the rule with a validator.
fn resolve_overlaps(mut cands: Vec<Candidate>, rules: &[Rule]) -> Vec<Candidate> {
    let rank = |c: &Candidate| {
        (
            c.validation == Validation::Verified,
            c.confidence,
            rules[c.rule].info.severity,
            rules[c.rule].validator.is_some(),
            std::cmp::Reverse(c.rule),
        )
    };
    cands.sort_by_key(|c| std::cmp::Reverse(rank(c)));
    let mut kept: Vec<Candidate> = Vec::with_capacity(cands.len());
    for c in cands {
        if !kept.iter().any(|k| c.start < k.end && k.start < c.end) {
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.start);
    kept
}

/// Where a match's secret is: its first `secret` group that took part, else the whole
/// match. `group(i)` is where group `i` matched, if it did.
fn secret_span(
    rule: &Rule,
    group: impl Fn(usize) -> Option<(usize, usize)>,
) -> Option<(usize, usize)> {
    rule.analysis()
        .secret_groups
        .iter()
        .find_map(|&g| group(g))
        .or_else(|| group(0))
}

/// The secret's lines plus the line before and the line after: where a rule's `context`
/// must appear.
fn neighbourhood(content: &[u8], start: usize, end: usize) -> (usize, usize) {
    let line_start = memchr::memrchr(b'\n', &content[..start]).map_or(0, |i| i + 1);
    let lo = if line_start == 0 {
        0
    } else {
        memchr::memrchr(b'\n', &content[..line_start - 1]).map_or(0, |i| i + 1)
    };
    let line_end = memchr::memchr(b'\n', &content[end..]).map_or(content.len(), |i| end + i);
    let hi = if line_end >= content.len() {
        content.len()
    } else {
        memchr::memchr(b'\n', &content[line_end + 1..]).map_or(content.len(), |i| line_end + 1 + i)
    };
    (lo, hi)
}

/// Maps byte offsets to 1-based (line, column), columns in Unicode code points. Offsets
/// are asked for in increasing order, so the index moves forward only.
struct LineIndex {
    line: u32,
    line_start: usize,
}

impl Default for LineIndex {
    fn default() -> Self {
        Self {
            line: 1,
            line_start: 0,
        }
    }
}

impl LineIndex {
    fn position(&mut self, content: &[u8], offset: usize) -> (u32, u32) {
        if offset < self.line_start {
            *self = Self::default();
        }
        let mut scan_from = self.line_start;
        for nl in memchr::memchr_iter(b'\n', &content[scan_from..offset]) {
            self.line += 1;
            self.line_start = scan_from + nl + 1;
        }
        scan_from = self.line_start;
        let column = content[scan_from..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count() as u32
            + 1;
        (self.line, column)
    }
}

/// A secret's span in the file and the text that replaces it in snippets.
struct Mask {
    start: usize,
    end: usize,
    redacted: String,
}

/// The line where secret `own` starts, with every secret on it replaced by its redacted
/// form, trimmed and shortened so minified files do not produce kilobyte snippets.
/// `masks` are sorted by start and do not overlap.
fn redacted_line(content: &[u8], masks: &[Mask], own: usize) -> String {
    const CONTEXT: usize = 80;
    let (start, end) = (masks[own].start, masks[own].end);
    let line_start = memchr::memrchr(b'\n', &content[..start]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &content[start..]).map_or(content.len(), |i| start + i);
    let from = line_start.max(start.saturating_sub(CONTEXT));
    // A secret that runs past its line (a PEM block) ends the snippet.
    let to = if end <= line_end {
        line_end.min(end + CONTEXT)
    } else {
        end
    };
    let mut out = String::new();
    let mut pos = from;
    for m in masks.iter().filter(|m| m.end > from && m.start < to) {
        if m.start > pos {
            out.push_str(&String::from_utf8_lossy(&content[pos..m.start]));
        }
        out.push_str(&m.redacted);
        pos = pos.max(m.end);
    }
    if pos < to {
        out.push_str(&String::from_utf8_lossy(&content[pos..to]));
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Searching from keywords, and on keyword lines only, finds exactly what searching
    /// the default windows across finds, on every rule's examples and negative examples,
    /// alone, all on separate lines and all on one line, and on lines where keywords
    /// overlap or repeat.
    #[test]
    fn searching_from_keywords_finds_what_searching_windows_finds() {
        let specs = ruleset::builtin_specs().expect("rules parse");
        let engine = |narrow: bool| {
            let rules = specs
                .iter()
                .map(|s| Rule::compile_with(s.clone(), narrow).expect("compiles"))
                .collect();
            // One "now" for both, so SAS expiries read the same.
            Engine::new(rules).expect("engine").with_now(1_796_083_200)
        };
        let (from_keywords, windowed) = (engine(true), engine(false));
        assert!(
            from_keywords.prefilter.has_fixed_table(),
            "the built-in keywords outgrew the keyword DFA's fixed table; raise its size"
        );
        assert!(from_keywords
            .rules
            .iter()
            .any(|r| r.searched_from_keywords()));
        assert!(!windowed.rules.iter().any(|r| r.searched_from_keywords()));
        let mut texts: Vec<String> = specs
            .iter()
            .flat_map(|s| s.examples.iter().chain(&s.negative_examples))
            .cloned()
            .collect();
        // Every example glued to what comes before it, as a keyword inside a longer
        // word or path is, where the prefilter rules many keywords out by the byte before.
        let glued: Vec<String> = texts
            .iter()
            .flat_map(|t| {
                ["ab", "x_", "a/", "1", "a-", "a.", "a+", "a\n", "a ", "=\""]
                    .map(|p| format!("{p}{t}"))
            })
            .collect();
        texts.extend(glued);
        texts.extend([
            texts.join("\n"),
            texts.join(" "),
            "token_secret: 'CYhTIsM2M9hcqutUUZgFv/dhLEK1Bf9xNxOn5FXulIc='".into(),
            "secret secret = 'CYhTIsM2M9hcqutUUZgFv/dhLEK1Bf9xNxOn5FXulIc=' token='Wq3vT8xLm2Rz7Kp4Nd9Yb6Hc1Fg5Js0A'".into(),
            "api_key_secret_token:\n  value: Wq3vT8xLm2Rz7Kp4Nd9Yb6Hc1Fg5Js0A\n".into(),
            "secret=Wq3vT8xLm2Rz7Kp4Nd9Yb6Hc1Fg5Js0Atoken=CYhTIsM2M9hcqutUUZgFv/dhLEK1Bf9xNxOn5F".into(),
            // Matches that start a byte before their keyword, next to one another and at
            // the start of a window.
            "_pass = 'Zr4!kQ9~mW2.xV7bNp'\nPASS_PASS=Hq7~vR2.kD9!wZ4xLp x.pass.pass: Tq8~Lm3.Xz6!Rv1cWd".into(),
            "dbPassPass = \"m3K!qz8.Vw2~Rt6yPd\" db_pwd_pass=Zr4!kQ9~mW2.xV7bNp;passpass=Hq7~vR2.kD9!wZ4xLp".into(),
            // A keyword at the start of a window that is not the file's start: its lead
            // byte is the line break before the window.
            "x\nPASS = 'Zr4!kQ9~mW2.xV7bNp'\nDB_PASS = 'Hq7~vR2.kD9!wZ4xLp'\n_pass: Tq8~Lm3.Xz6!Rv1cWd".into(),
        ]);
        // Compared before overlapping matches are resolved, which could hide a difference.
        let candidates = |engine: &Engine, text: &str| -> Vec<_> {
            let (found, _) = engine.candidates(text.as_bytes());
            found
                .iter()
                .map(|c| (c.rule, c.start, c.end, c.validation, c.confidence))
                .collect()
        };
        for text in &texts {
            let a = candidates(&from_keywords, text);
            assert_eq!(a, candidates(&windowed, text), "{text}");
            let a = from_keywords.scan_content("t", text.as_bytes()).findings;
            let b = windowed.scan_content("t", text.as_bytes()).findings;
            assert_eq!(a, b, "{text}");
        }
    }

    /// A provider-named rule reports a too-regular value at low confidence; the same rule
    /// without `names_provider` drops it; a random-looking value keeps the rule's confidence.
    #[test]
    fn too_regular_values_are_low_only_beside_a_named_provider() {
        let engine = |names_provider: bool| {
            let text = format!(
                "rules:\n  - id: rawg-api-key\n    name: RAWG API key\n    severity: medium\n    \
                 confidence: medium\n    keywords: [rawg]\n    \
                 pattern: \"(?i:rawg)[ _a-z]{{0,12}}[ =:]+(?P<secret>[A-Za-z0-9_]{{32}})\"\n    \
                 names_provider: {names_provider}\n    allowlist: [\"^[A-Za-z_]+$\"]\n    \
                 remediation: roll it\n    \
                 examples: [\"rawg_key = 8f3a9c0d1e2b4a5f6c7d8e9f0a1b2c3d\"]\n    \
                 negative_examples: [\"rawg\"]\n"
            );
            let specs = ruleset::parse_rule_file("test.yml", &text).expect("parses");
            let specs = specs.into_iter().map(|s| ("test".to_string(), s)).collect();
            Engine::new(ruleset::compile(specs).expect("compiles")).expect("engine")
        };
        let confidences = |engine: &Engine, text: &str| -> Vec<Confidence> {
            engine
                .scan_content("t", text.as_bytes())
                .findings
                .iter()
                .map(|f| f.confidence)
                .collect()
        };
        let regular = "rawg_key = abcdef1234567890abcdef1234567890";
        let filler_letters = "rawg_key = abcdefghijklmnopqrstuvwxyzABCDEF";
        let word = "rawg_key = getRawgKeyFromTheEnvironmentNow_";
        let random = "rawg_key = 8f3a9c0d1e2b4a5f6c7d8e9f0a1b2c3d";
        let placeholder = "rawg_key = your_rawg_key_goes_here_00000000";
        let (named, unnamed) = (engine(true), engine(false));
        assert_eq!(confidences(&named, regular), [Confidence::Low]);
        assert_eq!(confidences(&unnamed, regular), []);
        assert_eq!(confidences(&named, random), [Confidence::Medium]);
        assert_eq!(confidences(&unnamed, random), [Confidence::Medium]);
        assert_eq!(confidences(&named, placeholder), []);
        // The rule's own allowlist (letters only: a word or identifier) yields to filler.
        assert_eq!(confidences(&named, filler_letters), [Confidence::Low]);
        assert_eq!(confidences(&unnamed, filler_letters), []);
        assert_eq!(confidences(&named, word), []);
    }

    #[test]
    fn positions_are_one_based_code_points() {
        let text = "ab\ncé=X\n".as_bytes();
        let mut idx = LineIndex::default();
        assert_eq!(idx.position(text, 0), (1, 1));
        let x = text.iter().position(|&b| b == b'X').expect("X");
        assert_eq!(idx.position(text, x), (2, 4));
    }

    fn mask(text: &[u8], secret: &str) -> Mask {
        let start = memchr::memmem::find(text, secret.as_bytes()).expect("present");
        Mask {
            start,
            end: start + secret.len(),
            redacted: Secret::new(secret.as_bytes()).redacted(),
        }
    }

    #[test]
    fn snippets_never_hold_the_secret() {
        let text = b"  password = \"s3cr3tVALUE\" # prod\n";
        let s = redacted_line(text, &[mask(text, "s3cr3tVALUE")], 0);
        assert_eq!(s, "password = \"s3…(11 chars)\" # prod");
    }

    #[test]
    fn a_snippet_masks_every_secret_on_its_line() {
        // Fake keys, for the masking test: secretgate:allow
        let text = b"KEY=AKIAKDNFUOJ4WWVLQZ4Q SECRET=hEwobGwd2RwP7JCxQjDh9rT/i48qgbK9nES1wql5\n";
        let masks = [
            // secretgate:allow
            mask(text, "AKIAKDNFUOJ4WWVLQZ4Q"),
            mask(text, "hEwobGwd2RwP7JCxQjDh9rT/i48qgbK9nES1wql5"),
        ];
        for own in 0..2 {
            let s = redacted_line(text, &masks, own);
            assert!(!s.contains("KDNFUOJ4") && !s.contains("hEwobGwd2R"), "{s}");
        }
        assert_eq!(
            redacted_line(text, &masks, 1),
            "KEY=AKIA…(20 chars) SECRET=hEwo…(40 chars)"
        );
    }
}
