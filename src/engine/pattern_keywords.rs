//! What a rule's pattern says about where its keywords lie, so that the rule is searched
//! on less than the prefilter's default window around each keyword.
//!
//! [`keyword_lead`]: every match begins at one of the rule's keywords, or a byte before
//! one (`db_pass`, `dbPass`: a separator or a lower-case letter, then the keyword). Such a
//! rule need not be searched for across a whole window: the prefilter already knows where
//! its keywords start, and an anchored search from each of those places (and the `lead`
//! bytes before each) finds exactly the matches an unanchored search of the window finds.
//! An anchored search stops as soon as the text stops fitting, and its lazy DFA needs far
//! fewer states than the unanchored one, whose every state also tracks where a new match
//! might begin.
//!
//! [`within_keyword_line`]: every match holds a keyword and no line break, so it lies on a
//! keyword's line, and the lines below the keyword need not be searched.
//!
//! Both are read from the pattern as the regex crate parses it: the strings its parts can
//! match are listed, folded to lower case as the prefilter matches. Look-arounds match no
//! bytes and are read as empty: searches see the window's bytes before their start, as
//! the window search does.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// More leading strings than this and the pattern is not worth listing.
const MAX_STRINGS: usize = 512;
/// How many bytes before a keyword a match may start: each is one more search per keyword.
pub const MAX_LEAD: usize = 1;
/// Stands for any byte of a large one-byte class in a leading string. Keywords are
/// lower-case UTF-8, which never holds this byte, so a keyword never matches it: it can
/// only be lead.
const ANY_BYTE: u8 = 0xff;

/// If every match of `hir` (a pattern parsed by [`super::rule::parse_pattern`]) starts
/// with one of `keywords` (lower case) or at most [`MAX_LEAD`] bytes before one: how many
/// bytes before, at most.
pub fn keyword_lead(hir: &Hir, keywords: &[String]) -> Option<usize> {
    let mut parts = Vec::new();
    flatten(hir, &mut parts);
    lead_after(vec![Vec::new()], &parts, keywords)
}

/// A set of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSet([u64; 4]);

impl ByteSet {
    pub(crate) fn from_fn(f: impl Fn(u8) -> bool) -> Self {
        let mut bits = [0u64; 4];
        for b in 0..=255u8 {
            if f(b) {
                bits[usize::from(b >> 6)] |= 1 << (b & 63);
            }
        }
        Self(bits)
    }

    #[inline]
    pub fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] >> (b & 63) & 1 == 1
    }
}

/// The bytes that, just before one of a rule's keywords, rule out every match searched
/// from that keyword (the rule being searched from its keywords with `lead`, see
/// [`keyword_lead`]): the `\b` or `(?:^|[^A-Za-z0-9+/_\-])` a pattern puts before its
/// keyword. Provider names and token prefixes are common inside longer words (`lob` in
/// `global`, `ion_` in `version_`), and the prefilter drops those hits before a window is
/// made or a regex runs.
///
/// Holds for a keyword that starts two bytes or more into a window: the line starts
/// assert there (`^`) then do not hold, and the search sees the two bytes before it.
pub fn ruled_out_before(hir: &Hir, keywords: &[String], lead: usize) -> Option<ByteSet> {
    let mut parts = Vec::new();
    flatten(hir, &mut parts);
    let first = parts.first()?;
    // Each keyword's first byte, in both cases (the text may use either).
    let first_bytes: Vec<u8> = keywords
        .iter()
        .map(|k| k.bytes().next())
        .collect::<Option<Vec<u8>>>()?
        .into_iter()
        .flat_map(|b| [b, b.to_ascii_uppercase()])
        .collect();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    match first.kind() {
        // `\b` then a keyword: every match starts at a keyword that starts with a word
        // byte, so a word byte before it fails the `\b`.
        HirKind::Look(Look::WordAscii | Look::WordStartAscii | Look::WordStartHalfAscii)
            if lead == 0 && first_bytes.iter().all(|&b| is_word(b)) =>
        {
            Some(ByteSet::from_fn(is_word))
        }
        // `(?:^|C)` then a keyword: away from a line start only `C` can match, and a
        // keyword's first byte is not in `C`, so the match is `C` then the keyword: a
        // byte before the keyword outside `C` fails it.
        HirKind::Alternation(alternatives) if alternatives.len() == 2 => {
            let is_line_start =
                |h: &Hir| matches!(h.kind(), HirKind::Look(Look::Start | Look::StartLF));
            let class = alternatives
                .iter()
                .find(|h| !is_line_start(h))
                .filter(|_| alternatives.iter().any(is_line_start))?;
            let in_class = class_bytes(class)?;
            if first_bytes.iter().any(|&b| in_class.contains(b)) {
                return None;
            }
            Some(ByteSet::from_fn(|b| !in_class.contains(b)))
        }
        _ => None,
    }
}

/// The bytes a one-byte class may match; a class with characters beyond ASCII (more
/// than one byte each) counts every byte from 0x80 up as in it.
fn class_bytes(hir: &Hir) -> Option<ByteSet> {
    match hir.kind() {
        HirKind::Class(Class::Bytes(c)) => Some(ByteSet::from_fn(|b| {
            c.ranges()
                .iter()
                .any(|r| (r.start()..=r.end()).contains(&b))
        })),
        HirKind::Class(Class::Unicode(c)) => Some(ByteSet::from_fn(|b| {
            c.ranges().iter().any(|r| {
                (u32::from(r.start())..=u32::from(r.end())).contains(&u32::from(b))
                    || (b >= 0x80 && u32::from(r.end()) >= 0x80)
            })
        })),
        _ => None,
    }
}

/// [`keyword_lead`] of the matches of `parts` in order, each preceded by one of
/// `prefixes` (the strings the parts before can match, folded to lower case).
fn lead_after(prefixes: Vec<Vec<u8>>, parts: &[&Hir], keywords: &[String]) -> Option<usize> {
    // How far into `s` a keyword starts, if within the lead. Once known for a prefix,
    // it holds for whatever follows.
    let lead_of = |s: &Vec<u8>| {
        (0..=MAX_LEAD.min(s.len()))
            .find(|&j| keywords.iter().any(|k| s[j..].starts_with(k.as_bytes())))
    };
    let mut lead = 0;
    let mut open = Vec::new();
    for prefix in prefixes {
        match lead_of(&prefix) {
            Some(j) => lead = lead.max(j),
            None => open.push(prefix),
        }
    }
    if open.is_empty() {
        return Some(lead);
    }
    let (first, rest) = parts.split_first()?;
    let deeper = match (strings_of(first), first.kind()) {
        (Some(strings), _) => lead_after(followed_by(&open, &strings)?, rest, keywords)?,
        // Alternatives too many to list whole (`account[\w.-]{0,20}key|file_?key`) may
        // each decide within their first parts: each is followed by the rest.
        (None, HirKind::Alternation(alternatives)) => {
            alternatives.iter().try_fold(0, |lead, alternative| {
                let mut parts = Vec::new();
                flatten(alternative, &mut parts);
                parts.extend_from_slice(rest);
                Some(lead.max(lead_after(open.clone(), &parts, keywords)?))
            })?
        }
        (None, _) => return None,
    };
    Some(lead.max(deeper))
}

/// Whether every match of `hir` holds one of `keywords` (lower case) and no line break,
/// and the pattern has no `\A`, `\z` or non-multi-line `^`/`$`, which would hold at the
/// ends of a one-line window where they do not at those of a longer one.
pub fn within_keyword_line(hir: &Hir, keywords: &[String]) -> bool {
    let holds_keyword = |s: &Vec<u8>| {
        keywords
            .iter()
            .any(|k| !k.is_empty() && s.windows(k.len()).any(|w| w == k.as_bytes()))
    };
    let mut parts = Vec::new();
    flatten(hir, &mut parts);
    // Some run of consecutive parts whose every string holds a keyword.
    let run_holds_keyword = |from: usize| {
        let mut strings = vec![Vec::new()];
        for part in &parts[from..] {
            let Some(longer) = strings_of(part).and_then(|next| followed_by(&strings, &next))
            else {
                return false;
            };
            strings = longer;
            if strings.iter().all(holds_keyword) {
                return true;
            }
        }
        false
    };
    !may_match_line_break(hir) && !has_text_anchor(hir) && (0..parts.len()).any(run_holds_keyword)
}

/// Whether `hir` asserts the start or end of the haystack.
fn has_text_anchor(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Look(look) => matches!(look, Look::Start | Look::End),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) => false,
        HirKind::Repetition(rep) => has_text_anchor(&rep.sub),
        HirKind::Capture(cap) => has_text_anchor(&cap.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().any(has_text_anchor),
    }
}

/// Whether some match of `hir` may hold a `\n`.
fn may_match_line_break(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => lit.0.contains(&b'\n'),
        HirKind::Class(Class::Bytes(c)) => c.iter().any(|r| (r.start()..=r.end()).contains(&b'\n')),
        HirKind::Class(Class::Unicode(c)) => {
            c.iter().any(|r| (r.start()..=r.end()).contains(&'\n'))
        }
        HirKind::Repetition(rep) => rep.max != Some(0) && may_match_line_break(&rep.sub),
        HirKind::Capture(cap) => may_match_line_break(&cap.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => {
            parts.iter().any(may_match_line_break)
        }
    }
}

/// Each of `firsts` followed by each of `nexts`, unless that makes too many.
fn followed_by(firsts: &[Vec<u8>], nexts: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    (firsts.len() * nexts.len() <= MAX_STRINGS).then(|| {
        firsts
            .iter()
            .flat_map(|f| nexts.iter().map(move |n| [f.as_slice(), n].concat()))
            .collect()
    })
}

/// The parts of `hir` in order, with concatenations and capture groups opened up (a
/// group matches what its contents match).
pub(super) fn flatten<'h>(hir: &'h Hir, out: &mut Vec<&'h Hir>) {
    match hir.kind() {
        HirKind::Concat(parts) => parts.iter().for_each(|p| flatten(p, out)),
        HirKind::Capture(cap) => flatten(&cap.sub, out),
        _ => out.push(hir),
    }
}

/// Every string `hir` can match, folded to lower case, if they are few (a large one-byte
/// class is one string, [`ANY_BYTE`]); `None` for repetitions and for classes of
/// characters that are not bytes. A look-around matches the empty string, and more
/// strings than the pattern matches are listed: that errs on the side of "no".
fn strings_of(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let fold = |b: u8| b.to_ascii_lowercase();
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(lit) => Some(vec![lit.0.iter().copied().map(fold).collect()]),
        HirKind::Class(class) => {
            let mut bytes: Vec<u8> = match class {
                Class::Bytes(c) => c.iter().flat_map(|r| r.start()..=r.end()).collect(),
                Class::Unicode(c) => c
                    .iter()
                    .flat_map(|r| u32::from(r.start())..=u32::from(r.end()))
                    .map(|c| u8::try_from(c).ok().filter(u8::is_ascii))
                    .collect::<Option<_>>()?,
            };
            if bytes.len() > 2 * 16 {
                return Some(vec![vec![ANY_BYTE]]);
            }
            bytes.iter_mut().for_each(|b| *b = fold(*b));
            bytes.sort_unstable();
            bytes.dedup();
            Some(bytes.into_iter().map(|b| vec![b]).collect())
        }
        HirKind::Capture(cap) => strings_of(&cap.sub),
        HirKind::Repetition(rep) if rep.min == 0 && rep.max == Some(1) => {
            let mut strings = strings_of(&rep.sub)?;
            strings.push(Vec::new());
            Some(strings)
        }
        HirKind::Concat(parts) => parts.iter().try_fold(vec![Vec::new()], |acc, part| {
            followed_by(&acc, &strings_of(part)?)
        }),
        HirKind::Alternation(alternatives) => {
            let mut strings = Vec::new();
            for alternative in alternatives {
                strings.extend(strings_of(alternative)?);
                if strings.len() > MAX_STRINGS {
                    return None;
                }
            }
            Some(strings)
        }
        HirKind::Repetition(_) => None,
    }
}

#[cfg(test)]
mod tests {
    fn lead(pattern: &str, keywords: &[String]) -> Option<usize> {
        super::super::rule::parse_pattern(pattern)
            .and_then(|hir| super::keyword_lead(&hir, keywords))
    }

    fn kws(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_leading_keyword_alternation_anchors() {
        let keywords = kws(&["secret", "api_key", "api-key", "apikey", "token"]);
        assert_eq!(
            lead(
                r"(?i:(?:secret|api[_\-]?key|token))\s*=\s*(?P<secret>\w{20})",
                &keywords
            ),
            Some(0)
        );
        // A keyword may be the start of a longer leading literal.
        assert_eq!(
            lead(r"(?i)SecretKey=(?P<secret>\w{20})", &keywords),
            Some(0)
        );
    }

    #[test]
    fn a_spelling_with_no_keyword_does_not_anchor() {
        // `api.key` is matched but is no keyword, so a match could start where no
        // keyword does.
        let keywords = kws(&["secret", "api_key", "apikey"]);
        assert_eq!(
            lead(r"(?i:secret|api[_.]?key)=(?P<secret>\w{20})", &keywords),
            None
        );
    }

    #[test]
    fn a_byte_before_the_keyword_is_lead() {
        let keywords = kws(&["ghp_"]);
        for pattern in [
            r"(?:^|[^A-Za-z0-9])(?P<secret>ghp_[A-Za-z0-9]{36})",
            r"x?ghp_[A-Za-z0-9]{36}",
            r"(?:[_.\-]|[a-z0-9])GHP_",
        ] {
            assert_eq!(lead(pattern, &keywords), Some(1), "{pattern}");
        }
        // A look-around matches no bytes.
        assert_eq!(lead(r"\bghp_[A-Za-z0-9]{36}", &keywords), Some(0));
        assert_eq!(lead(r"(?P<secret>ghp_[A-Za-z0-9]{36})", &keywords), Some(0));
    }

    fn ruled_out(pattern: &str, keywords: &[String]) -> Option<Vec<u8>> {
        let hir = super::super::rule::parse_pattern(pattern)?;
        let lead = super::keyword_lead(&hir, keywords)?;
        let set = super::ruled_out_before(&hir, keywords, lead)?;
        Some((0..=255u8).filter(|&b| set.contains(b)).collect())
    }

    #[test]
    fn a_boundary_before_the_keyword_rules_out_bytes_before_it() {
        let word: Vec<u8> = (0..=255u8)
            .filter(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .collect();
        let keywords = kws(&["lob"]);
        assert_eq!(
            ruled_out(
                r"(?i:\b(?:lob))[\w.\- \t]{0,24}?(?i:key)=(?P<secret>\w{20})",
                &keywords
            ),
            Some(word.clone())
        );
        // `(?:^|C)` before the keyword: every byte outside `C`.
        let keywords = kws(&["ion_"]);
        let outside: Vec<u8> = (0..=255u8)
            .filter(|b| b.is_ascii_alphanumeric() || b"+/_-".contains(b))
            .collect();
        assert_eq!(
            ruled_out(
                r"(?:^|[^A-Za-z0-9+/_\-])(?P<secret>ion_[A-Za-z0-9]{42})",
                &keywords
            ),
            Some(outside)
        );
        // A class that holds the keyword's first byte could be the keyword itself.
        assert_eq!(
            ruled_out(r"(?:^|[^A-Z0-9])(?P<secret>ion_[A-Za-z0-9]{42})", &keywords),
            None
        );
        // A keyword that starts with a non-word byte has no boundary before it.
        assert_eq!(ruled_out(r"\b(?:-us)[0-9]", &kws(&["-us"])), None);
        // Nothing before the keyword, or something other than a boundary.
        assert_eq!(ruled_out(r"(?i:lob)key=\w{20}", &kws(&["lob"])), None);
        assert_eq!(ruled_out(r"\blob|\bx?lob", &kws(&["lob"])), None);
    }

    fn within_line(pattern: &str, keywords: &[String]) -> bool {
        super::super::rule::parse_pattern(pattern)
            .is_some_and(|hir| super::within_keyword_line(&hir, keywords))
    }

    #[test]
    fn a_keyword_in_every_match_without_line_breaks_keeps_to_its_line() {
        let keywords = kws(&["://"]);
        assert!(within_line(
            r"(?i:\b(?:https?|ftp)://)(?P<user>[^:@/\s]{1,64}):(?P<secret>[^@/\s]{8,128})@[\w.\-]+",
            &keywords
        ));
        // `\s` and a negated class hold `\n`; a match may cross into the next line.
        assert!(!within_line(r"https?://\s*[a-z]+", &keywords));
        assert!(!within_line(r"https?://[^@]+@", &keywords));
        assert!(!within_line(r"(?:x\n)?https://[a-z]+", &keywords));
        // No keyword in the match: the value may sit on a line below its keyword.
        assert!(!within_line(r"https?:/[a-z]+", &keywords));
        // `$` holds at the end of a one-line window, not at the `\n` inside a longer one.
        assert!(!within_line(r"https?://[a-z]+$", &keywords));
        assert!(within_line(r"(?m)https?://[a-z]+$", &keywords));
        let keywords = kws(&["apikey", "api_key"]);
        assert!(within_line(r"(?i:api_?key)=[a-z]{8}", &keywords));
        assert!(!within_line(r"(?i:api[_\-]?key)=[a-z]{8}", &keywords));
    }

    #[test]
    fn alternatives_may_each_decide_early() {
        let keywords = kws(&["account", "storage", "filekey", "file_key"]);
        assert_eq!(
            lead(
                r"(?i:(?:account|storage)[\w.\-]{0,20}key|file_?key)=(?P<secret>\w{20})",
                &keywords
            ),
            Some(0)
        );
        // One alternative that does not start with a keyword is enough to refuse.
        assert_eq!(
            lead(
                r"(?i:(?:account|storage)[\w.\-]{0,20}key|table_?key)=(?P<secret>\w{20})",
                &keywords
            ),
            None
        );
    }

    #[test]
    fn anything_longer_before_the_keyword_does_not_anchor() {
        let keywords = kws(&["ghp_"]);
        for pattern in [
            r"[\w.]*ghp_[A-Za-z0-9]{36}",
            r"\w\wghp_[A-Za-z0-9]{36}",
            r"(?:xy)?ghp_",
            r"(",
        ] {
            assert_eq!(lead(pattern, &keywords), None, "{pattern}");
        }
    }
}
