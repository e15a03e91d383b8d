//! The keyword prefilter: one Aho-Corasick automaton over every rule's keywords decides
//! which rules run, and on which part of a file.

use super::keyword_dfa::KeywordDfa;

/// How far around a keyword a single-line rule looks, at most, on very long lines
/// (minified files): enough for any credential, small enough to stay linear.
const LINE_REACH: usize = 2048;
/// How far past its keyword a multi-line rule (a PEM block) may match.
const MULTILINE_REACH: usize = 64 * 1024;

pub struct Prefilter {
    automaton: KeywordDfa,
    /// For each automaton pattern, the rules that listed it.
    rules_of_pattern: Vec<Vec<usize>>,
}

impl Prefilter {
    /// `keywords[i]` are rule `i`'s keywords (already lower-case).
    pub fn new(keywords: &[&[String]]) -> Result<Self, aho_corasick::BuildError> {
        let mut patterns: Vec<&str> = Vec::new();
        let mut rules_of_pattern: Vec<Vec<usize>> = Vec::new();
        for (rule, kws) in keywords.iter().enumerate() {
            for kw in kws.iter() {
                match patterns.iter().position(|p| *p == kw.as_str()) {
                    Some(i) => rules_of_pattern[i].push(rule),
                    None => {
                        patterns.push(kw);
                        rules_of_pattern.push(vec![rule]);
                    }
                }
            }
        }
        let automaton = KeywordDfa::new(&patterns)?;
        Ok(Self {
            automaton,
            rules_of_pattern,
        })
    }

    /// For each rule with a keyword in `haystack`, the merged byte windows to run it on,
    /// and where its keywords start. `multiline[i]` says whether rule `i` may span lines.
    pub fn windows(&self, haystack: &[u8], multiline: &[bool]) -> Vec<RuleWindows> {
        let mut per_rule: Vec<RuleWindows> = Vec::new();
        for m in self.automaton.find_all(haystack) {
            for &rule in &self.rules_of_pattern[m.pattern] {
                let window = window_around(haystack, m.start, m.end, multiline[rule]);
                match per_rule.iter_mut().find(|r| r.rule == rule) {
                    Some(r) => {
                        push_merged(&mut r.windows, window);
                        r.keyword_starts.push(m.start);
                    }
                    None => per_rule.push(RuleWindows {
                        rule,
                        windows: vec![window],
                        keyword_starts: vec![m.start],
                    }),
                }
            }
        }
        per_rule
    }
}

/// Where one rule runs in a file.
pub struct RuleWindows {
    pub rule: usize,
    /// Merged and in order.
    pub windows: Vec<(usize, usize)>,
    /// Where the rule's keywords start, in order of where they end (so not sorted when
    /// keywords of different lengths overlap); every one lies in a window.
    pub keyword_starts: Vec<usize>,
}

/// The line around a keyword hit (bounded on long lines), or for multi-line rules the
/// line start up to [`MULTILINE_REACH`] past the hit.
fn window_around(h: &[u8], start: usize, end: usize, multiline: bool) -> (usize, usize) {
    let lo = line_start(h, start);
    let hi = if multiline {
        (end + MULTILINE_REACH).min(h.len())
    } else {
        // Through the end of the second line below: Kubernetes, ARM and Terraform put a
        // setting's name on one line and its value on a following one.
        let mut hi = end;
        for _ in 0..3 {
            let bound = (hi + LINE_REACH).min(h.len());
            match memchr::memchr(b'\n', &h[hi..bound]) {
                Some(i) if hi + i + 1 < h.len() => hi = hi + i + 1,
                Some(i) => return (lo, hi + i),
                None => return (lo, bound),
            }
        }
        hi - 1
    };
    (lo, hi)
}

/// The start of the line holding `pos`, looking back at most [`LINE_REACH`].
fn line_start(h: &[u8], pos: usize) -> usize {
    let bound = pos.saturating_sub(LINE_REACH);
    memchr::memrchr(b'\n', &h[bound..pos]).map_or(bound, |i| bound + i + 1)
}

/// The lines holding each span (bounded on long lines), merged: where a keyword-less rule
/// runs. `spans` are in order.
pub(super) fn line_windows(h: &[u8], spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut windows = Vec::with_capacity(spans.len());
    for &(start, end) in spans {
        let lo = line_start(h, start);
        let hi_bound = (end + LINE_REACH).min(h.len());
        let hi = memchr::memchr(b'\n', &h[end..hi_bound]).map_or(hi_bound, |i| end + i);
        push_merged(&mut windows, (lo, hi));
    }
    windows
}

/// Hits arrive in order of their end offset, so a new window either overlaps the last
/// one or lies after it.
fn push_merged(ws: &mut Vec<(usize, usize)>, w: (usize, usize)) {
    match ws.last_mut() {
        Some(last) if w.0 <= last.1 => {
            last.0 = last.0.min(w.0);
            last.1 = last.1.max(w.1);
        }
        _ => ws.push(w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_the_keyword_lines_merged_per_rule() {
        let kws = [vec!["accountkey".to_string()], vec!["ghp_".to_string()]];
        let refs: Vec<&[String]> = kws.iter().map(|k| k.as_slice()).collect();
        let p = Prefilter::new(&refs).expect("builds");
        let text = b"a\nAccountKey=1 AccountKey=2\nnothing\nx ghp_abc\n";
        let w = p.windows(text, &[false, false]);
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].rule, 0);
        assert_eq!(
            w[0].windows,
            vec![(2, 45)],
            "the keyword line and the two below"
        );
        assert_eq!(w[0].keyword_starts, vec![2, 15]);
        let (lo, hi) = w[1].windows[0];
        assert_eq!(&text[lo..hi], b"x ghp_abc");
    }
}
