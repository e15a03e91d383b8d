//! A cheap test a window must pass before a rule's regex runs on it.
//!
//! Most rules capture a secret at least N bytes long made of a few kinds of byte (hex,
//! base64, a token alphabet). A window with no run of N such bytes cannot hold a match, and
//! finding that out takes one pass over the window, where the regex (with its bounded
//! repetitions and assignment glue) costs far more. Both N and the bytes come from the
//! rule's own pattern, so the test can never disagree with it.

use super::rule::is_secret_group;
use regex_syntax::hir::{Class, Hir, HirKind};

/// Below this, runs are too common in code for the test to reject much.
const MIN_USEFUL_LEN: usize = 8;

/// A run of at least `min_len` bytes from `bytes` that every match's secret lies in.
#[derive(Debug, Clone)]
pub struct ValueRun {
    bytes: [bool; 256],
    min_len: usize,
}

impl ValueRun {
    /// From the `secret` groups of a pattern (or the whole match when it has none), parsed
    /// by [`super::rule::parse_pattern`]. `None` when the test would not help: a short
    /// secret, or one that may hold spaces or line breaks.
    pub fn from_hir(hir: &Hir) -> Option<Self> {
        let mut groups = Vec::new();
        secret_groups(hir, &mut groups);
        if groups.is_empty() {
            groups.push(hir);
        }
        let mut run = Self {
            bytes: [false; 256],
            min_len: usize::MAX,
        };
        for group in groups {
            run.min_len = run.min_len.min(group.properties().minimum_len()?);
            add_bytes(group, &mut run.bytes);
        }
        let useful = run.min_len >= MIN_USEFUL_LEN
            && !run.bytes[usize::from(b' ')]
            && !run.bytes[usize::from(b'\n')];
        useful.then_some(run)
    }

    /// Whether `window` has a run long enough to hold a secret.
    ///
    /// Looks at the last byte of each place a run could fill first, and back from there:
    /// one byte outside the set rules out every run across it, so on code most bytes are
    /// never looked at. No byte is looked at more than twice.
    pub fn admits(&self, window: &[u8]) -> bool {
        let mut start = 0;
        while let Some(candidate) = window.get(start..start + self.min_len) {
            match candidate.iter().rposition(|&b| !self.bytes[usize::from(b)]) {
                None => return true,
                Some(outside) => start += outside + 1,
            }
        }
        false
    }
}

/// The bodies of groups named `secret`, `secret2`, `secret3`...
fn secret_groups<'h>(hir: &'h Hir, out: &mut Vec<&'h Hir>) {
    match hir.kind() {
        HirKind::Capture(cap) => {
            if cap.name.as_deref().is_some_and(is_secret_group) {
                out.push(&cap.sub);
            } else {
                secret_groups(&cap.sub, out);
            }
        }
        HirKind::Repetition(rep) => secret_groups(&rep.sub, out),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => {
            hs.iter().for_each(|h| secret_groups(h, out));
        }
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => {}
    }
}

/// Marks every byte that a match of `hir` may contain.
fn add_bytes(hir: &Hir, bytes: &mut [bool; 256]) {
    let mut mark = |lo: u8, hi: u8| {
        for b in lo..=hi {
            bytes[usize::from(b)] = true;
        }
    };
    match hir.kind() {
        HirKind::Literal(lit) => lit.0.iter().for_each(|&b| mark(b, b)),
        HirKind::Class(Class::Bytes(c)) => c.ranges().iter().for_each(|r| mark(r.start(), r.end())),
        HirKind::Class(Class::Unicode(c)) => {
            for r in c.ranges() {
                let (lo, hi) = (u32::from(r.start()), u32::from(r.end()));
                // A character above ASCII is several bytes, each 0x80 or above.
                if hi > 0x7f {
                    mark(0x80, 0xff);
                }
                if let (Ok(lo), Ok(hi)) = (u8::try_from(lo), u8::try_from(hi.min(0x7f))) {
                    if lo <= 0x7f {
                        mark(lo, hi);
                    }
                }
            }
        }
        HirKind::Repetition(rep) => add_bytes(&rep.sub, bytes),
        HirKind::Capture(cap) => add_bytes(&cap.sub, bytes),
        HirKind::Concat(hs) | HirKind::Alternation(hs) => {
            hs.iter().for_each(|h| add_bytes(h, bytes));
        }
        HirKind::Empty | HirKind::Look(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl ValueRun {
        fn from_pattern(pattern: &str) -> Option<Self> {
            Self::from_hir(&super::super::rule::parse_pattern(pattern)?)
        }
    }

    #[test]
    fn the_run_comes_from_the_secret_group() {
        let run =
            ValueRun::from_pattern(r"(?i)key\s*=\s*(?P<secret>[a-f0-9]{32})\b").expect("useful");
        assert_eq!(run.min_len, 32);
        assert!(run.admits(b"key = 0123456789abcdef0123456789ABCDEF"));
        assert!(!run.admits(b"key = 0123456789abcdef0123456789abcdeg"));
        assert!(!run.admits(b"let key = compute_key(input);"));
    }

    #[test]
    fn alternative_groups_take_the_shortest_and_every_byte() {
        let run = ValueRun::from_pattern(r"a=(?P<secret>[0-9]{40})|b=(?P<secret2>[xy]{10})")
            .expect("useful");
        assert_eq!(run.min_len, 10);
        assert!(run.admits(b"b=xyxyxyxyxy"));
        assert!(run.admits(b"1234567890"));
        assert!(!run.admits(b"123456789 xyxyxyxyx"));
    }

    #[test]
    fn short_or_spaced_secrets_get_no_test() {
        assert!(ValueRun::from_pattern(r"pwd=(?P<secret>[^;]{1,64})").is_none());
        assert!(ValueRun::from_pattern(r"(?P<secret>[A-Z ]{20,})").is_none());
        assert!(ValueRun::from_pattern(r"-----BEGIN(?s:.){64,}?-----END").is_none());
        assert!(ValueRun::from_pattern(r"(").is_none());
    }

    /// The same answer as reading every byte and counting the current run.
    #[test]
    fn admits_exactly_the_windows_with_a_long_enough_run() {
        let counted = |run: &ValueRun, w: &[u8]| {
            let mut len = 0;
            w.iter().any(|&b| {
                len = if run.bytes[usize::from(b)] {
                    len + 1
                } else {
                    0
                };
                len >= run.min_len
            })
        };
        let run = ValueRun::from_pattern(r"(?P<secret>[a-f]{8,})").expect("useful");
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for case in 0..5000 {
            let w: Vec<u8> = (0..case % 64)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Mostly inside the set, so that runs of 8 come and go.
                    if x.is_multiple_of(7) {
                        b' '
                    } else {
                        b'a' + (x % 6) as u8
                    }
                })
                .collect();
            assert_eq!(
                run.admits(&w),
                counted(&run, &w),
                "{:?}",
                String::from_utf8_lossy(&w)
            );
        }
    }

    #[test]
    fn case_insensitive_literals_count_both_cases() {
        let run = ValueRun::from_pattern(r"(?P<secret>(?i:ghp_)[A-Za-z0-9]{36})").expect("useful");
        assert!(run.admits(b"GHP_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    }
}
