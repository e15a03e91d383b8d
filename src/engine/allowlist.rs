//! Values that look like secrets but are not: placeholders, template and CI references,
//! documented example keys, and values too regular to be random.

/// Substrings (compared case-insensitively) that mark a value as a reference to a secret
/// kept elsewhere, not the secret itself.
const REFERENCE_MARKERS: &[&str] = &[
    "${{",                  // GitHub Actions expressions: ${{ secrets.X }}
    "${",                   // shell and compose variables
    "$(",                   // Azure Pipelines macros: $(Var)
    "{{",                   // Helm, Jinja, Liquid, Mustache
    "#{",                   // Octopus / replace-tokens
    "<%",                   // ERB
    "@microsoft.keyvault(", // App Service / Functions Key Vault references
    "%(",                   // Python %-formatting
    "process.env",
    "os.environ",
    "getenv(",
];

/// Substrings (case-insensitive) that only placeholders and documentation contain.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "your_",
    "your-",
    "yourkey",
    "yoursecret",
    "yourpassword",
    "xxxx",
    "****",
    "....",
    "…",
    "<",
    ">",
    "redacted",
    "dummy",
    "insert",
    "replace_with",
    "replaceme",
    "notarealkey",
    "not_a_real",
    "not-a-real",
    "fakekey",
    "fake_key",
    "fake-key",
    "example_key",
    "examplekey",
    "enter_",
];

/// Published development and documentation credentials (credential-formats.md 10.1).
const KNOWN_EXAMPLES: &[&str] = &[
    // Azurite / Storage Emulator well-known account key.
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    // Cosmos DB emulator well-known key.
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
    "UseDevelopmentStorage=true",
    // GitHub secret-scanning sample token prefix.
    "secret_scanning_ab85fc6f8d7638cf1c11da812da308d43_",
    // Google API keys of the Firebase SDKs' test and sample apps (firebase-android-sdk):
    // published, copied into every fork and sample, and restricted to those test projects.
    "AIzaSyabcdefghijklmnopqrstuvwxyz1234567", // secretgate:allow
    "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs", // secretgate:allow
    "AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM", // secretgate:allow
    "AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU", // secretgate:allow
    "AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0", // secretgate:allow
    "AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A", // secretgate:allow
    "AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c", // secretgate:allow
    "AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4", // secretgate:allow
    "AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY", // secretgate:allow
    "AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM", // secretgate:allow
    "AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ", // secretgate:allow
    "AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g", // secretgate:allow
    "AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU", // secretgate:allow
    "AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw", // secretgate:allow
    "AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE", // secretgate:allow
    "AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY", // secretgate:allow
];

/// Why the built-in allowlist passed over a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    Reference,
    Placeholder,
    KnownExample,
    TooRegular,
}

fn contains_ci(haystack: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    n.len() <= haystack.len() && haystack.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Why `secret` is a known non-secret, if it is one.
pub fn check(secret: &[u8]) -> Option<Allowed> {
    if KNOWN_EXAMPLES.iter().any(|k| contains_ci(secret, k)) || is_aws_documentation_value(secret) {
        return Some(Allowed::KnownExample);
    }
    if REFERENCE_MARKERS.iter().any(|m| contains_ci(secret, m)) {
        return Some(Allowed::Reference);
    }
    if PLACEHOLDER_MARKERS.iter().any(|m| contains_ci(secret, m)) {
        return Some(Allowed::Placeholder);
    }
    if too_regular(secret) {
        return Some(Allowed::TooRegular);
    }
    None
}

/// What the built-in allowlist makes of a value a rule found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// Nothing against it: the rule's own confidence stands.
    Keep,
    /// Report it, at low confidence (it warns and does not fail the gate by default).
    Low,
    /// Not a secret: drop it.
    Drop,
}

/// What becomes of `secret`, found by a rule whose pattern does or does not name the
/// provider (`names_provider`).
///
/// Placeholders (`your_key`, `xxxx`, `<...>`), references (`${...}`) and documented
/// examples are dropped whatever the rule. A value merely too regular to be random
/// (`abcdef1234567890...`, `1111...`) is dropped by generic rules, where only a setting's
/// name says a secret belongs there; but beside the provider's prefix or name the place is
/// a real key's, and people commit test keys, rotated keys and copied samples of that shape,
/// so the finding is kept at low confidence: visible, without failing the check.
pub fn judge(secret: &[u8], names_provider: bool) -> Judgement {
    match check(secret) {
        None => Judgement::Keep,
        Some(Allowed::TooRegular) if names_provider => Judgement::Low,
        Some(_) => Judgement::Drop,
    }
}

/// AWS documents `AKIAIOSFODNN7EXAMPLE` and `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`;
/// tutorials copy them with small edits, but keep the `EXAMPLE` ending.
fn is_aws_documentation_value(secret: &[u8]) -> bool {
    secret.ends_with(b"EXAMPLE") || secret.ends_with(b"EXAMPLEKEY")
}

/// A single repeated character, very few distinct characters, or a run like
/// `0123456789` / `abcdefgh`: human-typed filler, not key material.
fn too_regular(secret: &[u8]) -> bool {
    if secret.len() < 8 {
        return false;
    }
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &b in secret {
        if !seen[b as usize] {
            seen[b as usize] = true;
            distinct += 1;
        }
    }
    if distinct <= 3 {
        return true;
    }
    let ascending = secret
        .windows(2)
        .filter(|w| w[1] == w[0].wrapping_add(1))
        .count();
    ascending * 10 >= (secret.len() - 1) * 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_placeholders_and_examples_are_allowed() {
        assert_eq!(
            check(b"${{ secrets.STORAGE_KEY }}"),
            Some(Allowed::Reference)
        );
        assert_eq!(check(b"$(StorageKey)"), Some(Allowed::Reference));
        assert_eq!(
            check(b"@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x)"),
            Some(Allowed::Reference)
        );
        assert_eq!(check(b"<your-api-key>"), Some(Allowed::Placeholder));
        assert_eq!(check(b"xxxxxxxxxxxxxxxx"), Some(Allowed::Placeholder));
        assert_eq!(check(b"AKIAIOSFODNN7EXAMPLE"), Some(Allowed::KnownExample));
        assert_eq!(
            check(b"AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY"), // secretgate:allow
            Some(Allowed::KnownExample)
        );
        assert_eq!(check(b"aaaaaaaaaaaa"), Some(Allowed::TooRegular));
        assert_eq!(check(b"0123456789abcdef"), Some(Allowed::TooRegular));
        assert_eq!(check(b"q8Hw2LkP0zRt5Vx9"), None);
    }

    #[test]
    fn regular_values_beside_a_provider_are_kept_at_low_confidence() {
        let regular = b"abcdef1234567890abcdef1234567890";
        assert_eq!(check(regular), Some(Allowed::TooRegular));
        assert_eq!(judge(regular, true), Judgement::Low);
        assert_eq!(judge(regular, false), Judgement::Drop);
        assert_eq!(judge(b"1111111111111111", true), Judgement::Low);
        assert_eq!(judge(b"q8Hw2LkP0zRt5Vx9", true), Judgement::Keep);
        assert_eq!(judge(b"q8Hw2LkP0zRt5Vx9", false), Judgement::Keep);
    }

    #[test]
    fn placeholders_references_and_examples_stay_dropped_beside_a_provider() {
        for value in [
            &b"your_api_key_here"[..],
            b"xxxxxxxxxxxxxxxxxxxxxxxx",
            b"<RAWG_API_KEY>",
            b"changeme-1234567890",
            b"${RAWG_API_KEY}",
            b"${{ secrets.RAWG_KEY }}",
            b"AKIAIOSFODNN7EXAMPLE",
        ] {
            assert_eq!(
                judge(value, true),
                Judgement::Drop,
                "{}",
                String::from_utf8_lossy(value)
            );
        }
    }
}
