//! The cheap whole-file pass for what no keyword announces: long runs of base64-alphabet
//! characters (encoded values and bare tokens) and digit-dense stretches (card numbers).
//!
//! It reads the file in 16-byte blocks with branch-free arithmetic that the compiler
//! vectorises, several times faster than a regex DFA stepping byte by byte. Only the few
//! places it reports are handed to the regexes.

const BLOCK: usize = 16;

/// The shortest base64-alphabet run reported. Any run this long holds a whole aligned
/// block (a run of `2 * BLOCK - 1` does), so only blocks made entirely of the alphabet
/// need a closer look.
pub const TOKEN_RUN_MIN: usize = 32;

/// A card number has 13 to 19 digits and at most 5 single separators, so it spans at most
/// 24 bytes, which lie within three consecutive blocks.
const CARD_DIGITS_MIN: u32 = 13;

/// Where a file may hold a keyword-less secret.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Runs {
    /// Maximal runs of `[A-Za-z0-9+/]` at least [`TOKEN_RUN_MIN`] long, in order.
    pub tokens: Vec<(usize, usize)>,
    /// Card-shaped runs, in order: digits joined by single spaces or hyphens, 13 or more
    /// of them. Every card number lies in one.
    pub digits: Vec<(usize, usize)>,
}

/// `[A-Za-z0-9+/]`, the base64 alphabet.
#[inline(always)]
pub fn is_token_byte(b: u8) -> bool {
    (b | 0x20).wrapping_sub(b'a') < 26 || b.wrapping_sub(b'0') < 10 || b == b'+' || b == b'/'
}

/// The block's digit count and whether every byte is in the base64 alphabet.
#[inline(always)]
fn block_stats(block: &[u8; BLOCK]) -> (u32, bool) {
    let mut digits = 0u32;
    let mut all_token = true;
    for &b in block {
        digits += u32::from(b.wrapping_sub(b'0') < 10);
        all_token &= is_token_byte(b);
    }
    (digits, all_token)
}

pub fn find(h: &[u8]) -> Runs {
    let mut runs = Runs::default();
    // Where three consecutive blocks hold 13 digits (as any card number's do): cheap to
    // find, but true of hex dumps and number tables too, so these spans are then searched
    // for card-shaped runs.
    let mut dense: Vec<(usize, usize)> = Vec::new();
    let mut last_digits = [0u32; 2];
    let mut token_end = 0;
    let chunks = h.chunks_exact(BLOCK);
    let tail = chunks.remainder();
    let mut padded = [0u8; BLOCK];
    padded[..tail.len()].copy_from_slice(tail);
    let blocks = chunks
        .filter_map(|c| <&[u8; BLOCK]>::try_from(c).ok())
        .chain((!tail.is_empty()).then_some(&padded));
    for (i, block) in blocks.enumerate() {
        let start = i * BLOCK;
        let (digits, all_token) = block_stats(block);
        if all_token && start >= token_end {
            let from = start
                - h[..start]
                    .iter()
                    .rev()
                    .take_while(|&&b| is_token_byte(b))
                    .count();
            let to = start + h[start..].iter().take_while(|&&b| is_token_byte(b)).count();
            if to - from >= TOKEN_RUN_MIN {
                runs.tokens.push((from, to));
            }
            token_end = to;
        }
        if last_digits[0] + last_digits[1] + digits >= CARD_DIGITS_MIN {
            let span = (
                start.saturating_sub(2 * BLOCK),
                (start + BLOCK).min(h.len()),
            );
            match dense.last_mut() {
                Some(last) if span.0 <= last.1 => last.1 = span.1,
                _ => dense.push(span),
            }
        }
        last_digits = [last_digits[1], digits];
    }
    runs.digits = card_shaped_runs(h, &dense);
    runs
}

/// The runs of digits joined by single spaces or hyphens that hold [`CARD_DIGITS_MIN`]
/// digits or more and start in one of `spans`. A run that starts before its span is
/// reported from the span on; a card number within the span is whole in that part.
fn card_shaped_runs(h: &[u8], spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let digits_at = |i: usize| h[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut out = Vec::new();
    let mut i = 0;
    for &(lo, hi) in spans {
        i = i.max(lo);
        while let Some(skip) = h[i.min(hi)..hi].iter().position(u8::is_ascii_digit) {
            let start = i + skip;
            i = start;
            let mut count = 0;
            loop {
                let n = digits_at(i);
                count += n;
                i += n;
                let joined = matches!(h.get(i), Some(b' ' | b'-'))
                    && h.get(i + 1).is_some_and(u8::is_ascii_digit);
                if !joined {
                    break;
                }
                i += 1;
            }
            if count >= CARD_DIGITS_MIN as usize {
                out.push((start, i));
            }
        }
    }
    out
}

/// Whether any of `spans` (in order, disjoint) overlaps `lo..hi`.
pub fn runs_overlap(spans: &[(usize, usize)], lo: usize, hi: usize) -> bool {
    let first_ending_after_lo = spans.partition_point(|&(_, end)| end <= lo);
    spans
        .get(first_ending_after_lo)
        .is_some_and(|&(start, _)| start < hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_maximal_token_runs_of_32_or_more() {
        let long = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0123456789+/";
        let text = format!("x = \"{long}\"; short = \"abcdefghijklmnopqrstuvwxyz\"\n");
        let runs = find(text.as_bytes());
        assert_eq!(runs.tokens.len(), 1);
        let (from, to) = runs.tokens[0];
        assert_eq!(&text[from..to], long);
    }

    #[test]
    fn a_run_at_the_very_end_is_found() {
        let text = format!("k={}", "a".repeat(31) + "B");
        let runs = find(text.as_bytes());
        assert_eq!(runs.tokens, vec![(2, text.len())]);
    }

    #[test]
    fn every_card_number_position_lies_in_a_digit_span() {
        for pad in 0..40 {
            for number in [
                "4604 4319 8296 5724",
                "4604431982965724",
                "3782-822463-10005",
            ] {
                let text = format!("{}pan={number}\n", "x".repeat(pad));
                let at = text.find(number).expect("present");
                let runs = find(text.as_bytes());
                assert!(
                    runs.digits
                        .iter()
                        .any(|&(lo, hi)| lo <= at && at + number.len() <= hi),
                    "pad {pad}: {number} not covered by {:?}",
                    runs.digits
                );
            }
        }
    }

    #[test]
    fn digit_tables_and_hex_dumps_are_not_card_shaped() {
        let text = b"let t = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06];\n\
                     let n = [1234, 5678, 9012, 3456, 7890, 1234];\n\
                     at 2024-01-01 12:00:00.123456 +0000\n";
        assert_eq!(find(text).digits, vec![]);
        let text = b"ids: 1234 5678 9012 3456 and 12-34-56-78-90-12-34\n";
        let runs = find(text).digits;
        let found: Vec<&[u8]> = runs.iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(
            found,
            [&b"1234 5678 9012 3456"[..], b"12-34-56-78-90-12-34"]
        );
    }

    #[test]
    fn any_within_is_overlap() {
        let spans = [(10, 20), (40, 50)];
        assert!(runs_overlap(&spans, 15, 16));
        assert!(runs_overlap(&spans, 0, 11));
        assert!(runs_overlap(&spans, 19, 45));
        assert!(!runs_overlap(&spans, 0, 10));
        assert!(!runs_overlap(&spans, 20, 40));
        assert!(!runs_overlap(&spans, 50, 99));
        assert!(!runs_overlap(&[], 0, 99));
    }

    #[test]
    fn ordinary_code_reports_nothing() {
        let text = b"fn main() {\n    let value = compute(input, 42, \"word\");\n}\n".repeat(50);
        assert_eq!(find(&text), Runs::default());
    }
}
