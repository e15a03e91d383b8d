//! Every keyword occurrence in a file, found by an Aho-Corasick DFA that walks four parts
//! of the file at once.
//!
//! A DFA step waits on the previous step's table lookup, so one walk uses a fraction of
//! what a core can do. Four independent walks over four quarters of the file (each
//! running on past its quarter by the longest keyword, and reporting only keywords that
//! start inside it) keep the core busy and find exactly the same occurrences. The
//! automaton is built by the `aho-corasick` crate and copied into a dense table here,
//! with match states numbered from a power of two up, so that one OR of the four states
//! and one comparison tell whether any step matched.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{Anchored, MatchKind};

const LANES: usize = 4;
/// Below this many bytes per lane, one walk is as fast and simpler.
const MIN_LANE_BYTES: usize = 256;

/// One keyword occurrence: `haystack[start..end]` is keyword `pattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub end: usize,
    pub start: usize,
    pub pattern: usize,
}

/// The length of the table most keyword sets fit in (the built-in rules' ~1,000 keywords
/// take fewer than 2^19 entries): a power of two, so that a masked index needs no bounds
/// check. Only the pages the states use are touched.
const FIXED_TABLE_LEN: usize = 1 << 19;

enum Table {
    Fixed(Box<[u32; FIXED_TABLE_LEN]>),
    /// For keyword sets too large for the fixed table (many custom rules).
    Any(Box<[u32]>),
}

/// A transition table: the state at a (premultiplied state + class) index.
trait Transitions {
    fn at(&self, index: u32) -> u32;
}

impl<const N: usize> Transitions for [u32; N] {
    #[inline(always)]
    fn at(&self, index: u32) -> u32 {
        const { assert!(N.is_power_of_two()) };
        // Every index the DFA makes is in bounds; the mask only shows the compiler so.
        self[index as usize & (N - 1)]
    }
}

impl Transitions for [u32] {
    #[inline(always)]
    fn at(&self, index: u32) -> u32 {
        self[index as usize]
    }
}

pub struct KeywordDfa {
    classes: [u8; 256],
    /// `trans[state + class]` is the next state; states are premultiplied by the number
    /// of classes.
    trans: Table,
    start: u32,
    /// States at or above this one end at least one keyword; those below it are below
    /// it in every bit too (it is a power of two).
    first_match: u32,
    stride: u32,
    /// For match state `first_match + i * stride`: its keywords and their lengths,
    /// longest first (so in order of where they start).
    matches: Vec<Vec<(usize, usize)>>,
    max_len: usize,
}

impl KeywordDfa {
    /// `patterns` match ASCII case-insensitively.
    pub fn new(patterns: &[&str]) -> Result<Self, aho_corasick::BuildError> {
        // The crate's NFA, whose transitions (failure links followed) are copied into our
        // dense table: the crate's own DFA would be a dense table built only to be copied.
        let dfa = aho_corasick::nfa::noncontiguous::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(patterns)?;
        let next = |sid: StateID, b: u8| dfa.next_state(Anchored::No, sid, b);
        let start = dfa
            .start_state(Anchored::No)
            .expect("an unanchored DFA has an unanchored start state");

        // A byte in no keyword moves every state as any other such byte does, and a
        // letter as its other case does; every other byte gets a class of its own.
        // (At most 231 classes: 256 bytes less 26 folded letters, plus class 0.)
        let mut classes = [0u8; 256];
        let mut in_keyword = [false; 256];
        let mut representative = vec![0u8];
        for b in patterns.iter().flat_map(|p| p.bytes()) {
            let lower = b.to_ascii_lowercase();
            if !in_keyword[usize::from(lower)] {
                let class = representative.len() as u8;
                for same in [lower, lower.to_ascii_uppercase()] {
                    classes[usize::from(same)] = class;
                    in_keyword[usize::from(same)] = true;
                }
                representative.push(lower);
            }
        }
        // Class 0 is every byte in no keyword; a walk needs one of them to stand for it.
        representative[0] = (0..=255u8)
            .find(|&b| !in_keyword[usize::from(b)])
            .unwrap_or(0);
        let stride = representative.len();

        // Every reachable state, breadth first. State ids are small integers (offsets into
        // the crate's own table), so a vector indexed by id marks the ones seen.
        let mut states = vec![start];
        let mut seen = vec![false; start.as_usize() + 1];
        seen[start.as_usize()] = true;
        let mut i = 0;
        while let Some(&sid) = states.get(i) {
            for &b in &representative {
                let n = next(sid, b);
                if seen.len() <= n.as_usize() {
                    seen.resize(n.as_usize() + 1, false);
                }
                if !std::mem::replace(&mut seen[n.as_usize()], true) {
                    states.push(n);
                }
            }
            i += 1;
        }
        states.sort_by_key(|&s| dfa.is_match(s));
        let first_match = states
            .iter()
            .position(|&s| dfa.is_match(s))
            .unwrap_or(states.len());
        // Our number for each of the crate's state ids, premultiplied by the stride; match
        // states from a power of two up. (The start state is the first, number 0.)
        let match_base = (first_match * stride).next_power_of_two();
        let number = |i: usize| match i.checked_sub(first_match) {
            None => i * stride,
            Some(m) => match_base + m * stride,
        };
        let mut index = vec![0u32; seen.len()];
        for (i, &s) in states.iter().enumerate() {
            index[s.as_usize()] = number(i) as u32;
        }
        let len = number(states.len());
        let mut trans = vec![0u32; len.max(FIXED_TABLE_LEN)];
        for (i, &s) in states.iter().enumerate() {
            let row = &mut trans[number(i)..][..stride];
            for (next_state, &b) in row.iter_mut().zip(&representative) {
                *next_state = index[next(s, b).as_usize()];
            }
        }
        let trans = match <Box<[u32; FIXED_TABLE_LEN]>>::try_from(trans.into_boxed_slice()) {
            Ok(fixed) => Table::Fixed(fixed),
            Err(any) => Table::Any(any),
        };
        let matches = states[first_match..]
            .iter()
            .map(|&s| {
                let mut keywords: Vec<(usize, usize)> = (0..dfa.match_len(s))
                    .map(|k| {
                        let p = dfa.match_pattern(s, k);
                        (p.as_usize(), dfa.pattern_len(p))
                    })
                    .collect();
                keywords.sort_by_key(|&(pattern, len)| (std::cmp::Reverse(len), pattern));
                keywords
            })
            .collect();
        Ok(Self {
            classes,
            trans,
            start: index[start.as_usize()],
            first_match: match_base as u32,
            stride: stride as u32,
            matches,
            max_len: dfa.max_pattern_len(),
        })
    }

    /// Whether the table is the fixed-size one with the faster walk.
    #[cfg(test)]
    pub fn has_fixed_table(&self) -> bool {
        matches!(self.trans, Table::Fixed(_))
    }

    /// Every occurrence of every keyword, overlapping ones included, in order of `end`
    /// (then `start`, then `pattern`).
    pub fn find_all(&self, h: &[u8]) -> Vec<Hit> {
        let mut out = Vec::new();
        let seg = h.len() / LANES;
        if seg < MIN_LANE_BYTES.max(self.max_len) {
            let mut ends = Vec::new();
            self.walk(h, 0, h.len(), self.start, &mut ends);
            self.push_hits(&ends, usize::MAX, &mut out);
            return out;
        }
        // Per lane, (end, state) of every step that landed on a match state, in order.
        let mut ends: [Vec<(usize, u32)>; LANES] = Default::default();
        let mut state = [self.start; LANES];
        let mut i = 0;
        loop {
            i = self.walk_lanes(h, seg, i, &mut state);
            if i == seg {
                break;
            }
            for (lane, &s) in state.iter().enumerate() {
                if s >= self.first_match {
                    ends[lane].push((lane * seg + i + 1, s));
                }
            }
            i += 1;
        }
        for (lane, &s) in state.iter().enumerate() {
            let end = if lane + 1 == LANES {
                h.len()
            } else {
                ((lane + 1) * seg + self.max_len - 1).min(h.len())
            };
            self.walk(h, lane * seg + seg, end, s, &mut ends[lane]);
        }
        // Each lane's hits are in order. A lane reports the keywords that start in its
        // own part, and those that end past it may end after the next lane's first
        // ones: those few are merged in.
        let mut lane_hits = Vec::new();
        for (lane, lane_ends) in ends.iter().enumerate() {
            let own_end = if lane + 1 == LANES {
                usize::MAX
            } else {
                (lane + 1) * seg
            };
            let across = out.partition_point(|hit: &Hit| hit.end <= lane * seg);
            if across == out.len() {
                self.push_hits(lane_ends, own_end, &mut out);
                continue;
            }
            let earlier: Vec<Hit> = out.drain(across..).collect();
            lane_hits.clear();
            self.push_hits(lane_ends, own_end, &mut lane_hits);
            merge_into(&mut out, &earlier, &lane_hits);
        }
        out
    }

    /// The hits of the match states in `ends` whose keywords start before `own_end`.
    fn push_hits(&self, ends: &[(usize, u32)], own_end: usize, out: &mut Vec<Hit>) {
        for &(end, state) in ends {
            let i = ((state - self.first_match) / self.stride) as usize;
            // Longest first: in order of start.
            for &(pattern, len) in &self.matches[i] {
                let start = end - len;
                if start < own_end {
                    out.push(Hit {
                        end,
                        start,
                        pattern,
                    });
                }
            }
        }
    }

    /// Steps the four lanes (lane `k` reads `h[k * seg..][..seg]`) from offset `from` until
    /// one of them lands on a match state, and returns that offset, or `seg` at the end.
    fn walk_lanes(&self, h: &[u8], seg: usize, from: usize, state: &mut [u32; LANES]) -> usize {
        match &self.trans {
            Table::Fixed(trans) => self.walk_lanes_in(&**trans, h, seg, from, state),
            Table::Any(trans) => self.walk_lanes_in(&**trans, h, seg, from, state),
        }
    }

    /// [`Self::walk_lanes`] on one kind of table. Kept apart from the match bookkeeping so
    /// that the lane states, the four cursors and the tables all stay in registers: this
    /// is the scan's hottest loop.
    #[inline(never)]
    fn walk_lanes_in<T: Transitions + ?Sized>(
        &self,
        trans: &T,
        h: &[u8],
        seg: usize,
        from: usize,
        state: &mut [u32; LANES],
    ) -> usize {
        let (classes, first_match) = (&self.classes, self.first_match);
        let step = |s: u32, b: u8| trans.at(s + u32::from(classes[usize::from(b)]));
        let lane = |k: usize| &h[k * seg + from..(k + 1) * seg];
        // Zipped iterators rather than indexing: no bounds check on the bytes.
        let bytes = lane(0).iter().zip(lane(1)).zip(lane(2)).zip(lane(3));
        let [mut s0, mut s1, mut s2, mut s3] = *state;
        // Counted from 0, the count shares the cursors' register.
        let mut steps = 0;
        for (((&a, &b), &c), &d) in bytes {
            s0 = step(s0, a);
            s1 = step(s1, b);
            s2 = step(s2, c);
            s3 = step(s3, d);
            // `first_match` is a power of two above every other state.
            if (s0 | s1 | s2 | s3) >= first_match {
                break;
            }
            steps += 1;
        }
        *state = [s0, s1, s2, s3];
        from + steps
    }

    /// One lane from `from` to `to`, recording every step that lands on a match state:
    /// for files too small for four lanes, and for each lane's run past its part.
    fn walk(&self, h: &[u8], from: usize, to: usize, state: u32, ends: &mut Vec<(usize, u32)>) {
        match &self.trans {
            Table::Fixed(trans) => self.walk_in(&**trans, h, from, to, state, ends),
            Table::Any(trans) => self.walk_in(&**trans, h, from, to, state, ends),
        }
    }

    fn walk_in<T: Transitions + ?Sized>(
        &self,
        trans: &T,
        h: &[u8],
        from: usize,
        to: usize,
        mut state: u32,
        ends: &mut Vec<(usize, u32)>,
    ) {
        for (pos, &b) in h[..to].iter().enumerate().skip(from) {
            state = trans.at(state + u32::from(self.classes[usize::from(b)]));
            if state >= self.first_match {
                ends.push((pos + 1, state));
            }
        }
    }
}

/// Appends the merge of the sorted `a` and `b` to `out`.
fn merge_into(out: &mut Vec<Hit>, a: &[Hit], b: &[Hit]) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder};

    /// What the `aho-corasick` crate's own overlapping search finds, in our order.
    fn reference_hits(reference: &AhoCorasick, text: &[u8]) -> Vec<Hit> {
        let mut hits: Vec<Hit> = reference
            .find_overlapping_iter(text)
            .map(|m| Hit {
                end: m.end(),
                start: m.start(),
                pattern: m.pattern().as_usize(),
            })
            .collect();
        hits.sort_unstable();
        hits
    }

    /// The same occurrences as the `aho-corasick` crate's own overlapping search, on text
    /// long enough for four lanes, with keywords placed across the lane boundaries.
    #[test]
    fn finds_what_overlapping_aho_corasick_finds() {
        let patterns = [
            "secret",
            "client_secret",
            "ent",
            "pat",
            "path",
            "://",
            "ghp_",
            "a",
            "key",
        ];
        let dfa = KeywordDfa::new(&patterns).expect("builds");
        let reference = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(patterns)
            .expect("builds");
        let mut x = 7u64;
        let words = [
            "Client_Secret",
            "PATH",
            "https://",
            "ghp_",
            "xyz",
            "key",
            "\n",
            "  ",
        ];
        for len in [0, 10, 300, 4000, 20_000] {
            let mut text = Vec::new();
            while text.len() < len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.extend_from_slice(words[(x % words.len() as u64) as usize].as_bytes());
            }
            let got = dfa.find_all(&text);
            let want = reference_hits(&reference, &text);
            assert_eq!(got, want, "text of {} bytes", text.len());
        }
        // A keyword across each lane boundary, at every offset: it ends after the
        // keywords inside it that the next lane reports (`ent`, `secret`).
        for shift in 0..=13 {
            let mut text = vec![b'.'; 4 * 1024];
            for boundary in [1024, 2048, 3072] {
                let at = boundary - shift;
                text[at..at + 13].copy_from_slice(b"CLIENT_SECRET");
                text[at + 13..at + 16].copy_from_slice(b"key");
            }
            let got = dfa.find_all(&text);
            let want = reference_hits(&reference, &text);
            assert_eq!(got, want, "shift {shift}");
        }
    }

    /// A keyword set too large for the fixed table takes the other one and finds the
    /// same occurrences.
    #[test]
    fn a_large_keyword_set_finds_what_aho_corasick_finds() {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let keywords: Vec<String> = (0..8000)
            .map(|_| {
                (0..8)
                    .map(|_| char::from(b'a' + (next() % 26) as u8))
                    .collect()
            })
            .collect();
        let patterns: Vec<&str> = keywords.iter().map(String::as_str).collect();
        let dfa = KeywordDfa::new(&patterns).expect("builds");
        assert!(!dfa.has_fixed_table());
        let reference = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(&patterns)
            .expect("builds");
        let mut text = Vec::new();
        while text.len() < 20_000 {
            match next() % 3 {
                0 => text.extend_from_slice(patterns[(next() % 4000) as usize].as_bytes()),
                1 => text.push(b' '),
                _ => text.push(b'a' + (next() % 26) as u8),
            }
        }
        let got = dfa.find_all(&text);
        let want = reference_hits(&reference, &text);
        assert!(want.len() > 1000);
        assert_eq!(got, want);
    }
}
