//! Microsoft common annotated security keys (CASK): 84 characters (88 in the long form) with
//! `JQQJ9` at position 52 and a Marvin32 checksum of the first 80 characters' bytes, written in
//! base62 or, in older keys, base64 (credential-formats.md, section 3; procedure in 3.3).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::marvin::{marvin32, seed};
use super::{decode_base64, encode_base_n, verified_if, Outcome, BASE62};

/// The library's `VersionTwoChecksumSeed`.
const CHECKSUM_SEED: u64 = seed(b"Default0");

pub(super) fn check(secret: &[u8]) -> Outcome {
    verified_if(verifies(secret))
}

fn verifies(secret: &[u8]) -> bool {
    if !matches!(secret.len(), 84 | 88) || secret.get(52..57) != Some(b"JQQJ9") {
        return false;
    }
    let (signed, tail) = secret.split_at(80);
    // 80 characters are a multiple of 4: exactly 60 bytes, no padding question.
    let Some(bytes) = decode_base64(signed) else {
        return false;
    };
    let le = marvin32(&bytes, CHECKSUM_SEED).to_le_bytes();
    let text = base62_checksum(le);
    let long = tail.len() == 8;
    let base62_ok = if long {
        tail[..5] == text[..5] && Some(tail[5]) == long_form_char(text[5]) && &tail[6..] == b"=="
    } else {
        tail == &text[..4]
    };
    // Older keys: the checksum bytes in base64 (3 of them in the standard form, all 4 long).
    let older_ok = if long {
        tail == STANDARD.encode(le).as_bytes()
    } else {
        tail == STANDARD.encode(&le[..3]).as_bytes()
    };
    base62_ok || older_ok
}

/// Step 5 of 3.3: the checksum's LE bytes as one big-endian number in Base62.Net style (a `0`
/// per leading zero byte), right-padded with `0` to 6 characters.
fn base62_checksum(le: [u8; 4]) -> [u8; 6] {
    let zeros = le.iter().take(3).take_while(|&&b| b == 0).count();
    let digits = encode_base_n(u32::from_be_bytes(le), BASE62, 1);
    let mut text = [b'0'; 6];
    for (slot, &d) in text[zeros..].iter_mut().zip(&digits) {
        *slot = d;
    }
    text
}

/// The long form's 6th checksum character keeps only the top 2 bits of the base62 digit's
/// base64 value (the library decodes `T + "=="` to 4 bytes and re-encodes them).
fn long_form_char(c: u8) -> Option<u8> {
    let value = STANDARD_ALPHABET.iter().position(|&a| a == c)?;
    STANDARD_ALPHABET.get(value & 0x30).copied()
}

const STANDARD_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#[cfg(test)]
mod tests {
    use super::super::test_support::pseudo_random_bytes;
    use super::*;

    /// The first 80 characters of the worked example in 3.3 with the given provider signature.
    fn example_head(signature: &str) -> String {
        [
            "A".repeat(52).as_str(),
            "JQQJ99",
            "BA",
            "A".repeat(12).as_str(),
            "AAAA",
            signature,
        ]
        .concat()
    }

    #[test]
    fn worked_example_checksum_text() {
        let bytes = decode_base64(example_head("TEST").as_bytes()).expect("base64");
        assert_eq!(marvin32(&bytes, CHECKSUM_SEED), 0x27AA_F879);
        assert_eq!(&base62_checksum(0x27AA_F879u32.to_le_bytes()), b"2EUEPn");
    }

    #[test]
    fn worked_example_standard_and_long_form() {
        for (signature, short, long) in [("TEST", "2EUE", "2EUEPg=="), ("AZDO", "4IOp", "4IOp9Q==")]
        {
            let head = example_head(signature);
            assert_eq!(
                check(format!("{head}{short}").as_bytes()),
                Outcome::Verified
            );
            assert_eq!(check(format!("{head}{long}").as_bytes()), Outcome::Verified);
            // The base62 text's own 6th character is not what the long form stores.
            if signature == "TEST" {
                assert_eq!(
                    check(format!("{head}2EUEPn==").as_bytes()),
                    Outcome::Unverified
                );
            }
            assert_eq!(check(format!("{head}2EUF").as_bytes()), Outcome::Unverified);
        }
    }

    #[test]
    fn older_base64_checksum_is_accepted() {
        let head = example_head("TEST");
        assert_eq!(check(format!("{head}efiq").as_bytes()), Outcome::Verified);
        let long = STANDARD.encode(0x27AA_F879u32.to_le_bytes());
        assert_eq!(check(format!("{head}{long}").as_bytes()), Outcome::Verified);
    }

    #[test]
    fn a_changed_character_fails() {
        let mut key = format!("{}2EUE", example_head("TEST")).into_bytes();
        key[10] = b'B';
        assert_eq!(check(&key), Outcome::Unverified);
    }

    #[test]
    fn shape_is_required() {
        let head = example_head("TEST");
        let moved = format!("A{}2EUE", &head[..79]);
        assert_eq!(check(moved.as_bytes()), Outcome::Unverified);
        assert_eq!(check(head.as_bytes()), Outcome::Unverified);
    }

    #[test]
    fn leading_zero_bytes_get_a_zero_each() {
        assert_eq!(&base62_checksum([0, 0, 0, 0]), b"000000");
        assert_eq!(&base62_checksum([0, 0, 1, 2]), b"004A00");
        assert_eq!(&base62_checksum([0, 0xFF, 0xFF, 0xFF]), b"018OWF");
    }

    /// Keys made by the procedure of 3.3 from random B62 heads round-trip in both forms.
    #[test]
    fn generated_keys_verify() {
        for i in 0..50u64 {
            let random: String = pseudo_random_bytes(i, 52)
                .iter()
                .map(|&b| char::from(BASE62[usize::from(b) % 62]))
                .collect();
            let head = format!("{random}JQQJ99BL{}AAAAAZDO", "A".repeat(12));
            let bytes = decode_base64(head.as_bytes()).expect("base64");
            let text = base62_checksum(marvin32(&bytes, CHECKSUM_SEED).to_le_bytes());
            let short = format!("{head}{}", String::from_utf8_lossy(&text[..4]));
            assert_eq!(check(short.as_bytes()), Outcome::Verified, "{short}");
            // The library's way to the long form: decode `T==` leniently, re-encode.
            let tail = STANDARD.encode(decode_base64(&[&text[..], b"=="].concat()).expect("b64"));
            let long = format!("{head}{tail}");
            assert_eq!(check(long.as_bytes()), Outcome::Verified, "{long}");
        }
    }
}
