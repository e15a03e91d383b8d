//! Stable identities for findings: no line numbers, offsets or timestamps, so baselines
//! and code-scanning alerts survive unrelated edits.

use sha2::{Digest, Sha256};

/// SHA-256 over the rule id and the secret, as 32 hex characters (128 bits).
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(secret);
    hex::encode(&h.finalize()[..16])
}

/// Hash of a line's text with surrounding whitespace removed, for SARIF
/// `partialFingerprints.primaryLocationLineHash`. Callers pass the redacted line.
pub fn line_hash(line: &str) -> String {
    let digest = Sha256::digest(line.trim().as_bytes());
    format!("{}:1", hex::encode(&digest[..8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_rule_and_secret_only() {
        let a = fingerprint("github-pat", b"ghp_x");
        assert_eq!(a.len(), 32);
        assert_eq!(a, fingerprint("github-pat", b"ghp_x"));
        assert_ne!(a, fingerprint("github-oauth", b"ghp_x"));
        assert_ne!(a, fingerprint("github-pat", b"ghp_y"));
    }
}
