//! Suppressions: inline comments in the scanned file, and config entries by path, rule and
//! fingerprint.

use crate::findings::Finding;
use globset::{Glob, GlobSet, GlobSetBuilder};

/// Comments that silence a finding on their own line or the line below. `gitleaks:allow`
/// and detect-secrets' pragma are honoured so teams switching tools keep their annotations.
const INLINE_MARKERS: &[&[u8]] = &[
    b"secretgate:allow",
    b"gitleaks:allow",
    b"pragma: allowlist secret",
];

/// Whether the line holding `offset`, or the line before it, carries an inline marker.
pub fn inline_allowed(content: &[u8], offset: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &content[..offset]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &content[offset..]).map_or(content.len(), |i| offset + i);
    let prev_start = if line_start == 0 {
        0
    } else {
        memchr::memrchr(b'\n', &content[..line_start - 1]).map_or(0, |i| i + 1)
    };
    let region = &content[prev_start..line_end];
    INLINE_MARKERS
        .iter()
        .any(|m| memchr::memmem::find(region, m).is_some())
}

/// One `allow:` entry of the config: every field that is set must match.
#[derive(Debug, Clone)]
pub struct AllowRule {
    pub paths: Option<GlobSet>,
    pub rule: Option<String>,
    pub fingerprint: Option<String>,
}

impl AllowRule {
    pub fn new(
        path: Option<&str>,
        rule: Option<&str>,
        fingerprint: Option<&str>,
    ) -> Result<Self, globset::Error> {
        let paths = match path {
            Some(p) => {
                let mut b = GlobSetBuilder::new();
                b.add(Glob::new(p)?);
                Some(b.build()?)
            }
            None => None,
        };
        Ok(Self {
            paths,
            rule: rule.map(str::to_string),
            fingerprint: fingerprint.map(str::to_ascii_lowercase),
        })
    }

    pub fn matches(&self, f: &Finding) -> bool {
        self.paths.as_ref().is_none_or(|g| g.is_match(&f.path))
            && self.rule.as_ref().is_none_or(|r| *r == f.rule_id)
            && self
                .fingerprint
                .as_ref()
                .is_none_or(|fp| *fp == f.fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_marker_on_the_line_or_the_line_before() {
        let text = b"a\n# secretgate:allow\nkey=1\nkey=2 // gitleaks:allow\nkey=3\n";
        let at = |needle: &str| memchr::memmem::find(text, needle.as_bytes()).expect("present");
        assert!(inline_allowed(text, at("key=1")));
        assert!(inline_allowed(text, at("key=2")));
        assert!(
            inline_allowed(text, at("key=3")),
            "line after a marked line"
        );
        assert!(!inline_allowed(text, 0));
    }
}
