//! Entra ID (Azure AD) client secrets: 40 characters with `8Q~` at position 3 and a 3-character
//! Marvin32 checksum at the end; the older 37-character `7Q~` form has none
//! (credential-formats.md, section 4).

use super::marvin::{marvin32, seed};
use super::{encode_base_n, verified_if, Outcome};

const CHECKSUM_SEED: u64 = seed(b"AadPwd00");

/// The library's `AadClientPasswordCharacterSet`, in value order (note `1`..`9` before `0`).
const ALPHABET: &[u8; 66] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890.-_~";

pub(super) fn check(secret: &[u8]) -> Outcome {
    // Only version 8 carries a checksum; `7Q~` and anything else cannot be verified.
    if secret.len() != 40 || secret.get(3..6) != Some(b"8Q~") {
        return Outcome::Unverified;
    }
    let (text, stored) = secret.split_at(37);
    // 2^32 < 66^6: the padded encoding is exactly 6 characters; the secret keeps 3.
    let encoded = encode_base_n(marvin32(text, CHECKSUM_SEED), ALPHABET, 6);
    verified_if(encoded[..3] == *stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library_example() -> String {
        ["zzz", "8Q~", "z".repeat(31).as_str(), "blP"].concat()
    }

    #[test]
    fn library_vector_verifies() {
        let secret = library_example();
        assert_eq!(
            marvin32(&secret.as_bytes()[..37], CHECKSUM_SEED),
            0x57CC_CB3D
        );
        assert_eq!(encode_base_n(0x57CC_CB3D, ALPHABET, 6), b"blPTrp");
        assert_eq!(check(secret.as_bytes()), Outcome::Verified);
    }

    #[test]
    fn changed_character_or_checksum_fails() {
        let mut secret = library_example().into_bytes();
        secret[39] = b'Q';
        assert_eq!(check(&secret), Outcome::Unverified);
        let mut secret = library_example().into_bytes();
        secret[10] = b'y';
        assert_eq!(check(&secret), Outcome::Unverified);
    }

    #[test]
    fn placeholder_example_fails() {
        let placeholder = ["xxx", "8Q~", "dead.dead.DEAD-DEAD-dead~dead", "xxxxx"].concat();
        assert_eq!(placeholder.len(), 40);
        assert_eq!(check(placeholder.as_bytes()), Outcome::Unverified);
        let fixed = format!("{}aLb", &placeholder[..37]);
        assert_eq!(check(fixed.as_bytes()), Outcome::Verified);
    }

    #[test]
    fn version_7_cannot_be_verified() {
        let secret = ["zzz", "7Q~", "z".repeat(31).as_str()].concat();
        assert_eq!(check(secret.as_bytes()), Outcome::Unverified);
    }

    #[test]
    fn small_checksums_are_padded_with_the_first_character() {
        // Build a 37-character head whose checksum has exactly 5 base-66 digits.
        let head = (0u32..)
            .map(|i| format!("abc8Q~{:0>31}", i))
            .find(|h| (66u32.pow(4)..66u32.pow(5)).contains(&marvin32(h.as_bytes(), CHECKSUM_SEED)))
            .expect("one in ~1000 heads qualifies");
        let short = encode_base_n(marvin32(head.as_bytes(), CHECKSUM_SEED), ALPHABET, 0);
        let tail = format!("a{}", String::from_utf8_lossy(&short[..2]));
        assert_eq!(check(format!("{head}{tail}").as_bytes()), Outcome::Verified);
    }
}
