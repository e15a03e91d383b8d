//! Legacy Azure DevOps personal access tokens: 52 base32 characters whose 32 decoded bytes
//! carry a CRC-32 of the other 28, XORed with a user or application magic
//! (credential-formats.md, section 5.2). Current ADO PATs are CASK keys (`cask.rs`).

use super::{verified_if, Outcome};

const USER_MAGIC: u32 = 0xE0B9_692D;
const APPLICATION_MAGIC: u32 = 0x1019_F92E;

pub(super) fn check(secret: &[u8]) -> Outcome {
    let Some(b) = decode(secret) else {
        return Outcome::Unverified;
    };
    let stored = u32::from_le_bytes([b[22], b[8], b[7], b[2]]);
    let mut crc = crc32fast::Hasher::new();
    for range in [0..2, 3..7, 9..22, 23..32] {
        crc.update(&b[range]);
    }
    let crc = crc.finalize();
    verified_if(stored == crc ^ USER_MAGIC || stored == crc ^ APPLICATION_MAGIC)
}

/// RFC 4648 base32, case-insensitive, MSB first; the 4 bits past byte 32 are ignored.
fn decode(secret: &[u8]) -> Option<[u8; 32]> {
    if secret.len() != 52 {
        return None;
    }
    let mut out = [0u8; 32];
    let mut acc = 0u64;
    let mut bits = 0;
    let mut filled = 0;
    for &c in secret {
        let value = match c.to_ascii_lowercase() {
            c @ b'a'..=b'z' => c - b'a',
            c @ b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u64::from(value);
        bits += 5;
        if bits >= 8 && filled < out.len() {
            bits -= 8;
            out[filled] = (acc >> bits) as u8;
            filled += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::pseudo_random_bytes;
    use super::*;

    fn worked_example() -> String {
        ["aaagaaaaaaamshqaaaaaaaaaaa", "aaaaaaaaamiaaaaaaaaaaaaaaa"].concat()
    }

    #[test]
    fn worked_example_verifies() {
        let token = worked_example();
        let b = decode(token.as_bytes()).expect("base32");
        assert_eq!((b[22], b[8], b[7], b[2]), (0xC4, 0x1E, 0xC9, 0x60));
        assert_eq!(check(token.as_bytes()), Outcome::Verified);
        assert_eq!(check(token.to_uppercase().as_bytes()), Outcome::Verified);
    }

    #[test]
    fn one_changed_character_fails() {
        let mut token = worked_example().into_bytes();
        token[30] = b'b';
        assert_eq!(check(&token), Outcome::Unverified);
    }

    #[test]
    fn wrong_shape_is_unverified() {
        let token = worked_example();
        assert_eq!(check(&token.as_bytes()[1..]), Outcome::Unverified);
        assert_eq!(
            check(token.replace('g', "1").as_bytes()),
            Outcome::Unverified
        );
    }

    /// Encodes 32 bytes as 52 base32 characters (the last carries 4 zero bits).
    fn encode(bytes: &[u8; 32]) -> String {
        let mut bits: Vec<bool> = bytes
            .iter()
            .flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1))
            .collect();
        bits.resize(260, false);
        bits.chunks(5)
            .map(|c| {
                let v = c.iter().fold(0u8, |acc, &bit| acc << 1 | u8::from(bit));
                char::from(b"abcdefghijklmnopqrstuvwxyz234567"[usize::from(v)])
            })
            .collect()
    }

    #[test]
    fn generated_user_and_application_tokens_verify() {
        for (i, magic) in [USER_MAGIC, APPLICATION_MAGIC].into_iter().enumerate() {
            let token_bytes = pseudo_random_bytes(i as u64 + 1, 28);
            let stored = (crc32fast::hash(&token_bytes) ^ magic).to_le_bytes();
            let mut rest = token_bytes.into_iter();
            let mut b = [0u8; 32];
            for (k, slot) in b.iter_mut().enumerate() {
                *slot = match k {
                    22 => stored[0],
                    8 => stored[1],
                    7 => stored[2],
                    2 => stored[3],
                    _ => rest.next().expect("28 token bytes"),
                };
            }
            let token = encode(&b);
            assert!(token.ends_with(['a', 'q']), "{token}");
            assert_eq!(check(token.as_bytes()), Outcome::Verified, "{token}");
        }
    }
}
