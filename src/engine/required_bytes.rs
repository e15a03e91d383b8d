//! Bytes every match of a rule holds, so that a window without one of them is passed over
//! before the regex runs: a URL with credentials needs an `@` after its `://`, and most
//! lines with a `://` have none.
//!
//! Read from the pattern: the literals among the parts every match is made of (the
//! top-level sequence, with groups opened). Letters are left out: nearly every line has
//! them, so looking for them would cost a search and rule out nothing.

use super::pattern_keywords::flatten;
use regex_syntax::hir::{Hir, HirKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredBytes(Vec<u8>);

impl RequiredBytes {
    /// `None` when the pattern requires no such byte.
    pub fn from_hir(hir: &Hir) -> Option<Self> {
        let mut parts = Vec::new();
        flatten(hir, &mut parts);
        let mut bytes: Vec<u8> = parts
            .iter()
            .filter_map(|part| match part.kind() {
                HirKind::Literal(lit) => Some(lit.0.iter().copied()),
                _ => None,
            })
            .flatten()
            .filter(|b| !b.is_ascii_alphabetic())
            .collect();
        bytes.sort_unstable();
        bytes.dedup();
        (!bytes.is_empty()).then_some(Self(bytes))
    }

    /// Whether `window` holds every required byte.
    pub fn admits(&self, window: &[u8]) -> bool {
        self.0.iter().all(|&b| memchr::memchr(b, window).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn required(pattern: &str) -> Option<Vec<u8>> {
        RequiredBytes::from_hir(&super::super::rule::parse_pattern(pattern)?).map(|r| r.0)
    }

    #[test]
    fn literals_every_match_holds_are_required() {
        assert_eq!(
            required(
                r"(?i:\b(?:https?|ftp)://)(?P<user>[^:@/\s]{1,64}):(?P<secret>[^@/\s]{8,128})@[\w.\-]+"
            ),
            Some(b"/:@".to_vec())
        );
        // Case-insensitive letters are classes, and plain letters are left out too.
        assert_eq!(
            required(r"(?i:password)=(?P<secret>\w{8})"),
            Some(b"=".to_vec())
        );
        assert_eq!(required(r"AKIA[0-9A-Z]{16}"), None);
    }

    #[test]
    fn optional_or_alternative_literals_are_not_required() {
        assert_eq!(required(r"(?:key=)?[a-z]{8}"), None);
        assert_eq!(required(r"key=[a-z]{8}|token:[a-z]{8}"), None);
        assert_eq!(required(r"(?:=|:)[a-z]{8}"), None);
    }

    #[test]
    fn a_window_needs_every_required_byte() {
        let r = RequiredBytes(b":@".to_vec());
        assert!(r.admits(b"https://user:pass@host"));
        assert!(!r.admits(b"https://contoso.com/path"));
    }
}
