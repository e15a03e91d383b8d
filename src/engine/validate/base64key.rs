//! Generic base64 keys (legacy Azure storage, Cosmos DB and messaging keys): the value must be
//! base64 of exactly 32 or 64 bytes once JSON and URL escaping is undone
//! (credential-formats.md, sections 1.5 and 6).

use super::{decode_base64, unescape, Outcome};

pub(super) fn check(secret: &[u8]) -> Outcome {
    match decode_base64(&unescape(secret)) {
        Some(key) if matches!(key.len(), 32 | 64) => Outcome::Verified,
        _ => Outcome::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::pseudo_random_bytes;
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;

    #[test]
    fn keys_of_32_and_64_bytes_verify() {
        for len in [32, 64] {
            let bytes = pseudo_random_bytes(len as u64, len);
            let key = STANDARD.encode(&bytes);
            for variant in [
                key.clone(),
                key.trim_end_matches('=').to_string(),
                key.replace('/', "\\/"),
                key.replace('+', "%2B")
                    .replace('/', "%2f")
                    .replace('=', "%3D"),
                URL_SAFE_NO_PAD.encode(&bytes),
            ] {
                assert_eq!(check(variant.as_bytes()), Outcome::Verified, "{variant}");
            }
        }
    }

    #[test]
    fn non_canonical_trailing_bits_are_tolerated() {
        // 43 characters + `=`: the last character carries 2 unused bits; `B` sets one of them.
        let key = ["A".repeat(42).as_str(), "B="].concat();
        assert_eq!(check(key.as_bytes()), Outcome::Verified);
    }

    #[test]
    fn other_lengths_and_non_base64_are_rejected() {
        let short = STANDARD.encode([7u8; 31]);
        let between = STANDARD.encode([7u8; 48]);
        let long = STANDARD.encode([7u8; 65]);
        let mut mixed = STANDARD.encode([0xFBu8; 32]);
        mixed.replace_range(..1, "-");
        let spaced = format!(" {}", STANDARD.encode([7u8; 32]));
        for key in [
            short,
            between,
            long,
            mixed,
            spaced,
            "<your-key-here>".to_string(),
        ] {
            assert_eq!(check(key.as_bytes()), Outcome::Rejected, "{key}");
        }
    }
}
