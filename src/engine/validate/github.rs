//! GitHub tokens (`ghp_` `gho_` `ghu_` `ghs_` `ghr_`) and npm tokens (`npm_`): the last 6
//! characters are the CRC-32 of the 30 characters between prefix and checksum, in base62
//! (credential-formats.md, sections 8.1 and 8.3).

use super::{encode_base_n, verified_if, Outcome, BASE62};

const PREFIXES: [&[u8]; 6] = [b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_", b"npm_"];

pub(super) fn check(secret: &[u8]) -> Outcome {
    let Some(body) = PREFIXES.iter().find_map(|p| secret.strip_prefix(*p)) else {
        return Outcome::Unverified;
    };
    // GitHub may grow its tokens; the checksum is assumed to stay the last 6 characters of the
    // body, over everything before them (for today's 36-character bodies: the 30 of 8.1).
    let Some(split) = body.len().checked_sub(6).filter(|&n| n > 0) else {
        return Outcome::Unverified;
    };
    let (random, stored) = body.split_at(split);
    verified_if(checksum(random) == stored)
}

/// CRC-32 in base62, left-padded with `0` to 6 characters (2^32 < 62^6: never longer).
fn checksum(random: &[u8]) -> Vec<u8> {
    encode_base_n(crc32fast::hash(random), BASE62, 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_examples() {
        let a30 = "a".repeat(30);
        assert_eq!(crc32fast::hash(a30.as_bytes()), 0x6BC1_D3C1);
        assert_eq!(checksum(a30.as_bytes()), b"1yLcDB");
        let digits = "0123456789".repeat(3);
        assert_eq!(crc32fast::hash(digits.as_bytes()), 0x2D5C_0794);
        assert_eq!(checksum(digits.as_bytes()), b"0pV6Ps");
    }

    #[test]
    fn tokens_of_every_prefix_verify() {
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_"] {
            let token = [prefix, "a".repeat(30).as_str(), "1yLcDB"].concat();
            assert_eq!(check(token.as_bytes()), Outcome::Verified, "{prefix}");
            let token = [prefix, "0123456789".repeat(3).as_str(), "0pV6Ps"].concat();
            assert_eq!(check(token.as_bytes()), Outcome::Verified, "{prefix}");
        }
    }

    #[test]
    fn wrong_checksum_or_prefix_is_unverified() {
        let body = "a".repeat(30);
        for token in [
            ["ghp_", body.as_str(), "1yLcDC"].concat(),
            ["ghp_", "b", &body[1..], "1yLcDB"].concat(),
            // The prefix is not part of the checksummed text (8.1).
            ["ghx_", body.as_str(), "1yLcDB"].concat(),
            [body.as_str(), "1yLcDB"].concat(),
            "ghp_1yLcDB".to_string(),
            "ghp_".to_string(),
        ] {
            assert_eq!(check(token.as_bytes()), Outcome::Unverified, "{token}");
        }
    }

    #[test]
    fn longer_bodies_use_the_same_procedure() {
        let random = "Zz9".repeat(20);
        let sum = checksum(random.as_bytes());
        let token = format!("ghr_{random}{}", String::from_utf8_lossy(&sum));
        assert_eq!(check(token.as_bytes()), Outcome::Verified);
    }
}
