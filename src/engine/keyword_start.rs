//! Whether every match of a rule begins with one of its keywords.
//!
//! Such a rule need not be searched for across a whole window: the prefilter already
//! knows where its keywords start, and an anchored search from each of those places finds
//! exactly the matches an unanchored search of the window finds. An anchored search stops
//! as soon as the text stops fitting, and its lazy DFA needs far fewer states than the
//! unanchored one, whose every state also tracks where a new match might begin.
//!
//! The answer is read from the pattern as the regex crate parses it: the strings its
//! leading part can match are listed, and each must begin with a keyword (ASCII case
//! folded, as the prefilter matches).

use regex_syntax::hir::{Class, Hir, HirKind};

/// More leading strings than this and the pattern is not worth listing.
const MAX_STRINGS: usize = 512;

/// Whether every match of `hir` (a pattern parsed by [`super::rule::parse_pattern`])
/// starts with one of `keywords` (lower case).
pub fn starts_with_keyword(hir: &Hir, keywords: &[String]) -> bool {
    let starts_with_keyword = |s: &Vec<u8>| keywords.iter().any(|k| s.starts_with(k.as_bytes()));
    let mut parts = Vec::new();
    flatten(hir, &mut parts);
    // The strings the pattern's first parts can match, folded to lower case.
    let mut prefixes = vec![Vec::new()];
    for part in parts {
        let Some(strings) = strings_of(part) else {
            return false;
        };
        if prefixes.len() * strings.len() > MAX_STRINGS {
            return false;
        }
        prefixes = prefixes
            .iter()
            .flat_map(|p| strings.iter().map(move |s| [p.as_slice(), s].concat()))
            .collect();
        if prefixes.iter().all(starts_with_keyword) {
            return true;
        }
    }
    false
}

/// The parts of `hir` in order, with concatenations and capture groups opened up (a
/// group matches what its contents match).
fn flatten<'h>(hir: &'h Hir, out: &mut Vec<&'h Hir>) {
    match hir.kind() {
        HirKind::Concat(parts) => parts.iter().for_each(|p| flatten(p, out)),
        HirKind::Capture(cap) => flatten(&cap.sub, out),
        _ => out.push(hir),
    }
}

/// Every string `hir` can match, folded to lower case, if they are few; `None` for
/// repetitions, look-arounds and large classes. (A look-around is refused, not skipped:
/// an anchored search must not depend on what lies before its start.)
fn strings_of(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let fold = |b: u8| b.to_ascii_lowercase();
    match hir.kind() {
        HirKind::Empty => Some(vec![Vec::new()]),
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
                return None;
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
            let strings = strings_of(part)?;
            if acc.len() * strings.len() > MAX_STRINGS {
                return None;
            }
            Some(
                acc.iter()
                    .flat_map(|a| strings.iter().map(move |s| [a.as_slice(), s].concat()))
                    .collect(),
            )
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
        HirKind::Repetition(_) | HirKind::Look(_) => None,
    }
}

#[cfg(test)]
mod tests {
    fn starts_with_keyword(pattern: &str, keywords: &[String]) -> bool {
        super::super::rule::parse_pattern(pattern)
            .is_some_and(|hir| super::starts_with_keyword(&hir, keywords))
    }

    fn kws(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn a_leading_keyword_alternation_anchors() {
        let keywords = kws(&["secret", "api_key", "api-key", "apikey", "token"]);
        assert!(starts_with_keyword(
            r"(?i:(?:secret|api[_\-]?key|token))\s*=\s*(?P<secret>\w{20})",
            &keywords
        ));
        // A keyword may be the start of a longer leading literal.
        assert!(starts_with_keyword(
            r"(?i)SecretKey=(?P<secret>\w{20})",
            &keywords
        ));
    }

    #[test]
    fn a_spelling_with_no_keyword_does_not_anchor() {
        // `api.key` is matched but is no keyword, so a match could start where no
        // keyword does.
        let keywords = kws(&["secret", "api_key", "apikey"]);
        assert!(!starts_with_keyword(
            r"(?i:secret|api[_.]?key)=(?P<secret>\w{20})",
            &keywords
        ));
    }

    #[test]
    fn anything_before_the_keyword_does_not_anchor() {
        let keywords = kws(&["ghp_"]);
        for pattern in [
            r"(?:^|[^A-Za-z0-9])(?P<secret>ghp_[A-Za-z0-9]{36})",
            r"\bghp_[A-Za-z0-9]{36}",
            r"[\w.]*ghp_[A-Za-z0-9]{36}",
            r"x?ghp_[A-Za-z0-9]{36}",
        ] {
            assert!(!starts_with_keyword(pattern, &keywords), "{pattern}");
        }
        assert!(starts_with_keyword(
            r"(?P<secret>ghp_[A-Za-z0-9]{36})",
            &keywords
        ));
        assert!(!starts_with_keyword(r"(", &keywords));
    }
}
