//! A secret value that cannot be printed by accident.

use std::fmt;

/// The matched bytes of a credential. `Debug` and `Display` print only the redacted form,
/// so a stray `{:?}` in a log line or an error message cannot leak it.
pub struct Secret<'a>(&'a [u8]);

impl<'a> Secret<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self(bytes)
    }

    /// The raw bytes, for hashing and validation inside the engine only.
    pub fn expose(&self) -> &'a [u8] {
        self.0
    }

    /// Length in characters (bytes for invalid UTF-8).
    pub fn char_len(&self) -> usize {
        match std::str::from_utf8(self.0) {
            Ok(s) => s.chars().count(),
            Err(_) => self.0.len(),
        }
    }

    /// A short prefix, `…`, then the length: `ghp_…(40 chars)`.
    ///
    /// The prefix grows with the length (a fifth of it, at most 4 characters) so short
    /// passwords reveal almost nothing while token prefixes such as `ghp_` stay readable.
    pub fn redacted(&self) -> String {
        let len = self.char_len();
        let shown = (len / 5).min(4);
        let prefix: String = String::from_utf8_lossy(self.0)
            .chars()
            .take(shown)
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        format!("{prefix}…({len} chars)")
    }
}

impl fmt::Debug for Secret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_a_short_prefix_and_the_length() {
        let token = b"ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"; // secretgate:allow
        let s = Secret::new(token);
        assert_eq!(s.redacted(), "ghp_…(40 chars)");
        assert_eq!(format!("{s:?}"), "Secret(ghp_…(40 chars))");
        assert!(!format!("{s} {s:?}").contains("aBcDeF"));
    }

    #[test]
    fn short_secrets_show_almost_nothing() {
        assert_eq!(Secret::new(b"hunter2").redacted(), "h…(7 chars)");
        assert_eq!(Secret::new(b"abc").redacted(), "…(3 chars)");
    }
}

/// A CI token (GitHub's `GITHUB_TOKEN`, Azure's `System.AccessToken`): `Debug` never shows
/// it, so a context or client printed in a log or an error cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The raw token, for an `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(***)")
    }
}
