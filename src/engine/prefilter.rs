//! The keyword prefilter: one Aho-Corasick automaton over every rule's keywords decides
//! which rules run, and on which part of a file.

use super::keyword_dfa::KeywordDfa;
use super::pattern_keywords::ByteSet;
use super::rule::Reach;

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
        // Keyword to pattern number: a search of the list would make start-up grow with
        // the square of the rule count.
        let mut pattern_of: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::new();
        for (rule, kws) in keywords.iter().enumerate() {
            for kw in kws.iter() {
                match pattern_of.entry(kw.as_str()) {
                    std::collections::hash_map::Entry::Occupied(i) => {
                        rules_of_pattern[*i.get()].push(rule)
                    }
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(patterns.len());
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

    /// Whether the keyword automaton has the fixed-size table with the faster walk.
    #[cfg(test)]
    pub fn has_fixed_table(&self) -> bool {
        self.automaton.has_fixed_table()
    }

    /// For each rule with a keyword in `haystack`, the merged byte windows to run it on,
    /// and, if its plan asks, where its keywords start. `plans[i]` is rule `i`'s.
    #[cfg(test)]
    pub fn windows(&self, haystack: &[u8], plans: &[KeywordPlan]) -> Vec<RuleWindows> {
        self.windows_with(haystack, plans.len(), |rule| plans[rule])
    }

    /// As [`Self::windows`], with rule `i`'s plan from `plan_of(i)` (of `rules` rules),
    /// asked only for the rules whose keywords appear.
    pub fn windows_with(
        &self,
        haystack: &[u8],
        rules: usize,
        plan_of: impl Fn(usize) -> KeywordPlan,
    ) -> Vec<RuleWindows> {
        SLOT_OF_RULE.with(|slots| {
            let mut slots = slots.borrow_mut();
            if slots.len() < rules {
                slots.resize(rules, NO_SLOT);
            }
            let per_rule = self.windows_in(haystack, &mut slots, plan_of);
            // Only the entries of the rules hit were set.
            for found in &per_rule {
                slots[found.rule] = NO_SLOT;
            }
            per_rule
        })
    }

    /// [`Self::windows_with`], with `slot_of_rule` all [`NO_SLOT`] for every rule.
    fn windows_in(
        &self,
        haystack: &[u8],
        slot_of_rule: &mut [u32],
        plan_of: impl Fn(usize) -> KeywordPlan,
    ) -> Vec<RuleWindows> {
        let mut per_rule: Vec<RuleWindows> = Vec::new();
        let mut lines = KeywordLines::new(haystack);
        for m in self.automaton.find_all(haystack) {
            let line = lines.around(m.start, m.end);
            for &rule in &self.rules_of_pattern[m.pattern] {
                let plan = plan_of(rule);
                // Only where the search would see the two bytes before the keyword, and
                // no line start asserts: the keyword is 2 bytes or more into a whole
                // line (every window holding it then starts before them).
                let ruled_out = line.whole
                    && m.start >= line.start + 2
                    && plan
                        .ruled_out_before
                        .is_some_and(|set| set.contains(haystack[m.start - 1]));
                // A whole line is a window of its own, which no other keyword's window
                // overlaps: a hit ruled out on it adds nothing.
                if ruled_out && plan.reach == Reach::KeywordLine {
                    continue;
                }
                let window = match plan.reach {
                    Reach::KeywordLine => (line.start, line.end),
                    Reach::NextTwoLines => (line.start, lines.two_below(line)),
                    Reach::Multiline => (line.start, (m.end + MULTILINE_REACH).min(haystack.len())),
                };
                let slot = &mut slot_of_rule[rule];
                if *slot == NO_SLOT {
                    *slot = per_rule.len() as u32;
                    per_rule.push(RuleWindows {
                        rule,
                        windows: vec![window],
                        keyword_starts: Vec::new(),
                    });
                } else {
                    push_merged(&mut per_rule[*slot as usize].windows, window);
                }
                if plan.keyword_starts && !ruled_out {
                    insert_in_order(&mut per_rule[*slot as usize].keyword_starts, m.start);
                }
            }
        }
        per_rule
    }
}

/// An entry of [`SLOT_OF_RULE`] for a rule not hit yet.
const NO_SLOT: u32 = u32::MAX;

thread_local! {
    /// Where each rule's entry is in a file's list (a file hits many rules many times),
    /// by rule: kept from file to file, so that a file costs no work per rule it does not
    /// hit.
    static SLOT_OF_RULE: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What the prefilter reports for one rule.
#[derive(Debug, Clone, Copy)]
pub struct KeywordPlan {
    /// How far around a keyword the rule's window reaches.
    pub reach: Reach,
    /// Whether the rule is searched from where its keywords start.
    pub keyword_starts: bool,
    /// For a rule searched from its keywords: the bytes that, just before a keyword, rule
    /// out any match from it (see [`super::pattern_keywords::ruled_out_before`]).
    pub ruled_out_before: Option<ByteSet>,
}

/// Where one rule runs in a file.
pub struct RuleWindows {
    pub rule: usize,
    /// Merged and in order.
    pub windows: Vec<(usize, usize)>,
    /// Where the rule's keywords start, sorted and without repeats (each lies in a
    /// window), if its plan asks for them; else empty. A window of such a rule may hold
    /// none, when every keyword in it is ruled out by the byte before.
    pub keyword_starts: Vec<usize>,
}

/// Adds `start` to the sorted `starts` unless it is there. Hits come in order of where
/// they end, so a start is out of order only when keywords of different lengths overlap,
/// and then only by a few places: the search from the back is short.
fn insert_in_order(starts: &mut Vec<usize>, start: usize) {
    match starts.last() {
        Some(&last) if last == start => {}
        Some(&last) if last > start => {
            let at = starts.partition_point(|&s| s < start);
            if starts.get(at) != Some(&start) {
                starts.insert(at, start);
            }
        }
        _ => starts.push(start),
    }
}

/// The line around a keyword hit, bounded to [`LINE_REACH`] each side on long lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Line {
    start: usize,
    /// Its `\n`, or the end of the file or of the reach.
    end: usize,
    /// Whether `end` is the line's `\n`.
    ends_in_newline: bool,
    /// Whether the line is whole: not cut by the reach.
    whole: bool,
}

/// The lines around keyword hits, which come in order of where they end. Keywords cluster
/// on lines (`token = os.environ["APP_TOKEN"]`), so the last line found is kept and hits
/// within it cost no search.
struct KeywordLines<'h> {
    haystack: &'h [u8],
    /// The last line found, if it is a whole line (not cut by the reach), and the end of
    /// the second line below it once asked for.
    last: Option<(Line, Option<usize>)>,
}

impl<'h> KeywordLines<'h> {
    fn new(haystack: &'h [u8]) -> Self {
        Self {
            haystack,
            last: None,
        }
    }

    /// The line holding the keyword at `start..end`.
    fn around(&mut self, start: usize, end: usize) -> Line {
        if let Some((line, _)) = self.last {
            // In a whole line shorter than the reach, a hit finds the same bounds.
            if line.start <= start && end <= line.end {
                return line;
            }
        }
        let h = self.haystack;
        let (line_end, ends_in_newline) = line_end(h, end);
        let line_start = line_start(h, start);
        let whole = (line_start == 0 || h[line_start - 1] == b'\n')
            && (ends_in_newline || line_end == h.len())
            && line_end - line_start < LINE_REACH;
        let line = Line {
            start: line_start,
            end: line_end,
            ends_in_newline,
            whole,
        };
        self.last = whole.then_some((line, None));
        line
    }

    /// The end of the second line below `line` (bounded as lines are), or of the file:
    /// Kubernetes, ARM and Terraform put a setting's name on one line and its value on a
    /// following one.
    fn two_below(&mut self, line: Line) -> usize {
        if let Some((last, Some(below))) = self.last {
            if last == line {
                return below;
            }
        }
        let h = self.haystack;
        let (mut end, mut ends_in_newline) = (line.end, line.ends_in_newline);
        for _ in 0..2 {
            // A line cut by the reach, or the file's last line or its final `\n`.
            if !ends_in_newline || end + 1 >= h.len() {
                break;
            }
            (end, ends_in_newline) = line_end(h, end + 1);
        }
        if let Some((last, below)) = &mut self.last {
            if *last == line {
                *below = Some(end);
            }
        }
        end
    }
}

/// The start of the line holding `pos`, looking back at most [`LINE_REACH`].
fn line_start(h: &[u8], pos: usize) -> usize {
    let bound = pos.saturating_sub(LINE_REACH);
    memchr::memrchr(b'\n', &h[bound..pos]).map_or(bound, |i| bound + i + 1)
}

/// The `\n` ending the line that holds `pos`, looking ahead at most [`LINE_REACH`]; else
/// that bound (or the end of the file). And whether it is the `\n`.
fn line_end(h: &[u8], pos: usize) -> (usize, bool) {
    let bound = (pos + LINE_REACH).min(h.len());
    memchr::memchr(b'\n', &h[pos..bound]).map_or((bound, false), |i| (pos + i, true))
}

/// The lines holding each span (bounded on long lines), merged: where a keyword-less rule
/// runs. `spans` are in order.
pub(super) fn line_windows(h: &[u8], spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut windows = Vec::with_capacity(spans.len());
    for &(start, end) in spans {
        push_merged(&mut windows, (line_start(h, start), line_end(h, end).0));
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

    fn plan(reach: Reach, keyword_starts: bool) -> KeywordPlan {
        KeywordPlan {
            reach,
            keyword_starts,
            ruled_out_before: None,
        }
    }

    /// Overlapping keywords of different lengths end in one order and start in another.
    #[test]
    fn keyword_starts_are_sorted_and_unique() {
        let kws = [vec![
            "secret".to_string(),
            "client_secret".to_string(),
            "ret".to_string(),
        ]];
        let refs: Vec<&[String]> = kws.iter().map(|k| k.as_slice()).collect();
        let p = Prefilter::new(&refs).expect("builds");
        let text = b"client_secret=1 secret=2";
        let w = p.windows(text, &[plan(Reach::KeywordLine, true)]);
        assert_eq!(w[0].keyword_starts, vec![0, 7, 10, 16, 19]);
        let mut starts = vec![3, 9];
        for s in [9, 1, 5, 3, 12] {
            insert_in_order(&mut starts, s);
        }
        assert_eq!(starts, vec![1, 3, 5, 9, 12]);
    }

    #[test]
    fn windows_are_the_keyword_lines_merged_per_rule() {
        let kws = [vec!["accountkey".to_string()], vec!["ghp_".to_string()]];
        let refs: Vec<&[String]> = kws.iter().map(|k| k.as_slice()).collect();
        let p = Prefilter::new(&refs).expect("builds");
        let text = b"a\nAccountKey=1 AccountKey=2\nnothing\nx ghp_abc\n";
        let w = p.windows(
            text,
            &[
                plan(Reach::NextTwoLines, true),
                plan(Reach::KeywordLine, false),
            ],
        );
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
        assert_eq!(w[1].keyword_starts, Vec::<usize>::new(), "not asked for");
    }

    /// A keyword whose byte before rules out the rule's matches adds no window on a line
    /// of its own, and no start to a window that reaches other lines.
    #[test]
    fn keywords_ruled_out_by_the_byte_before_are_dropped() {
        let kws = [vec!["lob".to_string()]];
        let refs: Vec<&[String]> = kws.iter().map(|k| k.as_slice()).collect();
        let p = Prefilter::new(&refs).expect("builds");
        let word = ByteSet::from_fn(|b| b.is_ascii_alphanumeric());
        let guarded = |reach| KeywordPlan {
            reach,
            keyword_starts: true,
            ruled_out_before: Some(word),
        };
        let text = b" global\n xlob lob\nlob\nglobal lob_key\n";
        let w = p.windows(text, &[guarded(Reach::KeywordLine)]);
        assert_eq!(w[0].windows, vec![(8, 17), (18, 21), (22, 36)]);
        assert_eq!(w[0].keyword_starts, vec![14, 18, 23, 29]);
        let w = p.windows(text, &[guarded(Reach::NextTwoLines)]);
        assert_eq!(w[0].windows, vec![(0, 36)], "every keyword's lines");
        assert_eq!(w[0].keyword_starts, vec![14, 18, 23, 29]);
        // At the start of a line, or one byte in, the byte before is not looked at.
        let w = p.windows(b"xlob\n", &[guarded(Reach::KeywordLine)]);
        assert_eq!(w[0].keyword_starts, vec![1]);
    }

    /// A line cut by the reach ends the window, even when a `\n` sits just past the cut.
    #[test]
    fn a_long_line_ends_the_window_at_the_reach() {
        let kws = [vec!["pwd".to_string()]];
        let refs: Vec<&[String]> = kws.iter().map(|k| k.as_slice()).collect();
        let p = Prefilter::new(&refs).expect("builds");
        let mut text = b"pwd".to_vec();
        text.extend(std::iter::repeat_n(b'a', LINE_REACH));
        text.extend(b"\nb\nc\n");
        let w = p.windows(&text, &[plan(Reach::NextTwoLines, false)]);
        assert_eq!(w[0].windows, vec![(0, 3 + LINE_REACH)]);
        let w = p.windows(b"pwd\nb\nc\nd", &[plan(Reach::NextTwoLines, false)]);
        assert_eq!(w[0].windows, vec![(0, 7)], "the keyword line and two below");
    }
}
