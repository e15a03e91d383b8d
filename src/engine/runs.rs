//! The cheap whole-file pass for what no keyword announces: long runs of base64-alphabet
//! characters (encoded values and bare tokens) and card-shaped digit runs (card numbers).
//!
//! It classifies the file 32 bytes at a time with SIMD compares (the `wide` crate: SSE2 on
//! x86-64, AVX2 when built for it, NEON on ARM, plain code elsewhere), turns each class
//! into a bit mask, and finds runs with shifts and ands on those masks, several times
//! faster than a regex DFA stepping byte by byte. Only the few places it reports are
//! handed to the regexes.

use wide::u8x32;

const BLOCK: usize = 32;

/// The shortest base64-alphabet run reported. Any run this long holds a whole aligned
/// 16-byte half-block (a run of 31 does), so only such halves made entirely of the
/// alphabet need a closer look.
pub const TOKEN_RUN_MIN: usize = 32;
const HALF: usize = BLOCK / 2;

/// A card number has 13 to 19 digits and at most 5 single separators, so it spans at most
/// 24 bytes, which lie within the block holding its last digit and the block before.
const CARD_DIGITS_MIN: usize = 13;

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

/// A card number's separators.
fn is_card_separator(b: u8) -> bool {
    b == b' ' || b == b'-'
}

/// A block's bytes by class, one bit per byte (bit `i` is byte `i`).
#[derive(Debug, PartialEq, Eq)]
struct BlockMasks {
    /// [`is_token_byte`].
    token: u32,
    digit: u32,
    /// [`is_card_separator`].
    separator: u32,
}

#[inline(always)]
fn classify(block: &[u8; BLOCK]) -> BlockMasks {
    let v = u8x32::new(*block);
    let splat = u8x32::splat;
    // `x - lo <= n` as unsigned bytes, via min, as SSE2 has no unsigned compare.
    let within = |x: u8x32, lo: u8, n: u8| {
        let offset = x - splat(lo);
        offset.min(splat(n)).simd_eq(offset)
    };
    let eq = |b: u8| v.simd_eq(splat(b));
    let digit = within(v, b'0', 9);
    let letter = within(v | splat(0x20), b'a', 25);
    // `+` (0x2b) and `/` (0x2f) are the only bytes that become `/` with bit 2 set.
    let plus_or_slash = (v | splat(0x04)).simd_eq(splat(b'/'));
    BlockMasks {
        token: (digit | letter | plus_or_slash).to_bitmask(),
        digit: digit.to_bitmask(),
        separator: (eq(b' ') | eq(b'-')).to_bitmask(),
    }
}

pub fn find(h: &[u8]) -> Runs {
    let mut pass = BlockPass {
        tokens: Vec::new(),
        open_token_run: None,
        previous_token_mask: 0,
        digits: 0,
        separators: 0,
        card_spans: Vec::new(),
    };
    let blocks = h.chunks_exact(BLOCK);
    let tail = blocks.remainder();
    for (i, block) in blocks.enumerate() {
        if let Ok(block) = <&[u8; BLOCK]>::try_from(block) {
            pass.block(i * BLOCK, h.len(), block);
        }
    }
    if !tail.is_empty() {
        // The zero padding is not in the alphabet, so it ends any open run.
        let mut padded = [0u8; BLOCK];
        padded[..tail.len()].copy_from_slice(tail);
        pass.block(h.len() - tail.len(), h.len(), &padded);
    }
    if let Some(from) = pass.open_token_run {
        pass.end_token_run(from, h.len());
    }
    Runs {
        tokens: pass.tokens,
        digits: card_shaped_runs(h, &pass.card_spans),
    }
}

/// The state of [`find`] between blocks.
struct BlockPass {
    tokens: Vec<(usize, usize)>,
    /// Where a token run that reached the end of the last block starts.
    open_token_run: Option<usize>,
    previous_token_mask: u32,
    /// The digit and separator masks of the newest block (high half) and the one before.
    digits: u64,
    separators: u64,
    /// Blocks where a run of 13 or more digits and single separators ends, widened to
    /// the block before: cheap to find, and true of long numbers and dates too, so these
    /// spans are then searched for card-shaped runs.
    card_spans: Vec<(usize, usize)>,
}

impl BlockPass {
    #[inline(always)]
    fn block(&mut self, start: usize, len: usize, block: &[u8; BLOCK]) {
        let masks = classify(block);
        self.token_runs(start, masks.token);
        self.digits = (self.digits >> BLOCK) | u64::from(masks.digit) << BLOCK;
        self.separators = (self.separators >> BLOCK) | u64::from(masks.separator) << BLOCK;
        // A card number ends in a digit, so in a block with one.
        if masks.digit != 0 && has_run_of_13(card_bytes(self.digits, self.separators)) {
            let span = (start.saturating_sub(BLOCK), (start + BLOCK).min(len));
            match self.card_spans.last_mut() {
                Some(last) if span.0 <= last.1 => last.1 = span.1,
                _ => self.card_spans.push(span),
            }
        }
    }

    /// Token runs from the block's mask alone, never rereading a byte. A run of
    /// [`TOKEN_RUN_MIN`] holds a whole aligned half-block, so only such halves open one.
    /// The part of a run before its first whole half lies within the half before it, as
    /// a whole half there would have opened the run already.
    #[inline(always)]
    fn token_runs(&mut self, start: usize, mask: u32) {
        // Where in this block the last run ended: halves before it lie in that run.
        let mut done = 0;
        if let Some(from) = self.open_token_run {
            let ones = mask.trailing_ones() as usize;
            if ones == BLOCK {
                self.previous_token_mask = mask;
                return;
            }
            self.open_token_run = None;
            self.end_token_run(from, start + ones);
            done = ones;
        }
        for half in [0, HALF] {
            if half < done || (mask >> half) & 0xFFFF != 0xFFFF {
                continue;
            }
            // The alphabet bytes just before the half, counted from the top bit down.
            let before = if half == 0 {
                self.previous_token_mask
            } else {
                mask << HALF
            };
            let from = start + half - before.leading_ones() as usize;
            let ones = (mask >> half).trailing_ones() as usize;
            if half + ones == BLOCK {
                self.open_token_run = Some(from);
                break;
            }
            self.end_token_run(from, start + half + ones);
            done = half + ones;
        }
        self.previous_token_mask = mask;
    }

    fn end_token_run(&mut self, from: usize, to: usize) {
        if to - from >= TOKEN_RUN_MIN {
            self.tokens.push((from, to));
        }
    }
}

/// The bytes a card number can be made of: digits, and separators with a digit on
/// each side. A separator in the last byte has no right side yet and is left out; that
/// is safe because a card number ends in a digit, so once the block with its last digit
/// is in, every one of its separators has both sides.
#[inline(always)]
fn card_bytes(digits: u64, separators: u64) -> u64 {
    digits | (separators & (digits << 1) & (digits >> 1))
}

const _: () = assert!(CARD_DIGITS_MIN == 13, "has_run_of_13 counts to 13");

/// Whether `mask` has 13 consecutive set bits: [`CARD_DIGITS_MIN`] card bytes, since a
/// card-shaped run of that many digits has at least that many bytes.
#[inline(always)]
fn has_run_of_13(mask: u64) -> bool {
    let mut r = mask & (mask >> 1); // runs of 2 start here
    r &= r >> 2; // of 4
    r &= r >> 4; // of 8
    r &= r >> 5; // of 13
    r != 0
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
                let joined = h.get(i).copied().is_some_and(is_card_separator)
                    && h.get(i + 1).is_some_and(u8::is_ascii_digit);
                if !joined {
                    break;
                }
                i += 1;
            }
            if count >= CARD_DIGITS_MIN {
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

    /// The SIMD classes are exactly the scalar definitions, for every byte in every lane.
    #[test]
    fn block_masks_agree_with_the_byte_classes() {
        for b in 0..=255u8 {
            for lane in 0..BLOCK {
                let mut block = [b'.'; BLOCK];
                block[lane] = b;
                let bit = |yes: bool| u32::from(yes) << lane;
                let dot = classify(&[b'.'; BLOCK]);
                let want = BlockMasks {
                    token: dot.token | bit(is_token_byte(b)),
                    digit: dot.digit | bit(b.is_ascii_digit()),
                    separator: dot.separator | bit(is_card_separator(b)),
                };
                assert_eq!(classify(&block), want, "byte {b:#04x} in lane {lane}");
            }
        }
    }

    /// The block pass reports what a byte-by-byte reading of the whole file reports, on
    /// text made of digits, separators and base64 characters at every alignment, with
    /// runs that start, end and span blocks anywhere.
    #[test]
    fn finds_what_a_plain_reading_finds() {
        fn plain(h: &[u8]) -> Runs {
            let mut tokens = Vec::new();
            let mut i = 0;
            while i < h.len() {
                let n = h[i..].iter().take_while(|&&b| is_token_byte(b)).count();
                if n >= TOKEN_RUN_MIN {
                    tokens.push((i, i + n));
                }
                i += n.max(1);
            }
            Runs {
                tokens,
                digits: card_shaped_runs(h, &[(0, h.len())]),
            }
        }
        let pieces: [&[u8]; 10] = [
            b"4604",
            b"4319 ",
            b"8296-",
            b"5",
            b"  ",
            b"--",
            b"abcXYZ+/",
            b"\n",
            b"=",
            b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0",
        ];
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for case in 0..2000 {
            let mut text = Vec::new();
            let len = 1 + case % 700;
            while text.len() < len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.extend_from_slice(pieces[(x % pieces.len() as u64) as usize]);
            }
            assert_eq!(
                find(&text),
                plain(&text),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    #[test]
    fn ordinary_code_reports_nothing() {
        let text = b"fn main() {\n    let value = compute(input, 42, \"word\");\n}\n".repeat(50);
        assert_eq!(find(&text), Runs::default());
    }
}
