//! Tokens whose issuer appends a CRC-32 (IEEE) of the token so far, in hexadecimal:
//!
//! - Atlassian API tokens (`ATATT3…=XXXXXXXX`): the last 8 characters are the CRC-32 of every
//!   character before them (the `=` included), big-endian, upper-case hex.
//! - Grafana service account tokens (`glsa_<32>_xxxxxxxx`): the last 8 characters are the
//!   CRC-32 of `glsa_<32>`, its four bytes least significant first, lower-case hex (Grafana's
//!   `satokengen`).
//! - GitLab routable tokens (`glpat-<payload>.<version>.<length><crc>` or
//!   `glpat-<payload>.<length><crc>`): the last 7 characters are the CRC-32 of every character
//!   before them, in base 36 (`0-9a-z`), left-padded with `0`. The older 20-character tokens
//!   carry no checksum.
//!
//! As with the other checksum validators, a mismatch leaves the rule's own confidence: the
//! checksum proves a token real, its absence does not prove one fake.

use super::{verified_if, Outcome};

pub(super) fn check_atlassian(secret: &[u8]) -> Outcome {
    let Some(split) = secret.len().checked_sub(8).filter(|&n| n > 0) else {
        return Outcome::Unverified;
    };
    let (token, stored) = secret.split_at(split);
    let expected = format!("{:08X}", crc32fast::hash(token));
    verified_if(stored.eq_ignore_ascii_case(expected.as_bytes()))
}

pub(super) fn check_grafana(secret: &[u8]) -> Outcome {
    let Some(split) = secret.len().checked_sub(9).filter(|&n| n > 0) else {
        return Outcome::Unverified;
    };
    let (token, rest) = secret.split_at(split);
    let Some(stored) = rest.strip_prefix(b"_") else {
        return Outcome::Unverified;
    };
    let expected: String = crc32fast::hash(token)
        .to_le_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    verified_if(stored.eq_ignore_ascii_case(expected.as_bytes()))
}

pub(super) fn check_gitlab_routable(secret: &[u8]) -> Outcome {
    if !secret.contains(&b'.') {
        return Outcome::Unverified;
    }
    let Some(split) = secret.len().checked_sub(7).filter(|&n| n > 0) else {
        return Outcome::Unverified;
    };
    let (token, stored) = secret.split_at(split);
    let expected = super::encode_base_n(crc32fast::hash(token), BASE36, 7);
    verified_if(stored.eq_ignore_ascii_case(&expected))
}

/// `0-9a-z`, the digits of GitLab's base-36 checksum.
const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

#[cfg(test)]
mod tests {
    use super::*;

    // Generated for this test: random bodies with their CRC-32 appended as each issuer does.
    const ATLASSIAN: &str = "ATATT3xFfGF0pOnC1-4EakoKm5b-OAYGSTWjRlLK6sNdVU72lZ_o2-YH19dCqgn28s9Dp68GZN9Z3zLIbet6-UzH-7_3eLO6m4H5x29iI_Vmy0s5bla5kzFpfITtaO-rC8qLk1urN0XtzWbnXjgSTdd8PM5Pp_7vtA3R6DiZezwfg5y9cqBrux=38B32C19";
    const GRAFANA: &str = "glsa_ftxIUqiTVg5bIn22SLtKc9zyI9HZPQk9_ac02c567";
    const GITLAB_VERSIONED: &str = "glpat-ZWzwDFrlGXl_z1BVXBt7wRkl8OZfIa2AUk7z7g.01.1209wynfr";
    const GITLAB_UNVERSIONED: &str = "glpat-TqBu4wweocv81k2lsNaWQrZzhB4GZqT8hqt0pm.121pnsko5";

    #[test]
    fn gitlab_routable_checksum_verifies_and_a_changed_character_does_not() {
        for token in [GITLAB_VERSIONED, GITLAB_UNVERSIONED] {
            assert_eq!(
                check_gitlab_routable(token.as_bytes()),
                Outcome::Verified,
                "{token}"
            );
            let changed = token.replacen("glpat-", "glpat-x", 1);
            assert_eq!(
                check_gitlab_routable(changed.as_bytes()),
                Outcome::Unverified
            );
        }
        // A classic 20-character token has no checksum to check.
        assert_eq!(
            check_gitlab_routable(b"glpat-fbak2_Gjm7Kt1g0B6Cjx"),
            Outcome::Unverified
        );
    }

    #[test]
    fn atlassian_checksum_verifies_and_a_changed_character_does_not() {
        assert_eq!(check_atlassian(ATLASSIAN.as_bytes()), Outcome::Verified);
        let changed = ATLASSIAN.replacen("pOnC1", "pOnC2", 1);
        assert_eq!(check_atlassian(changed.as_bytes()), Outcome::Unverified);
        let wrong_sum = ATLASSIAN.replace("=38B32C19", "=38B32C18");
        assert_eq!(check_atlassian(wrong_sum.as_bytes()), Outcome::Unverified);
        assert_eq!(check_atlassian(b"ATATT3"), Outcome::Unverified);
    }

    #[test]
    fn grafana_checksum_verifies_and_a_changed_character_does_not() {
        assert_eq!(check_grafana(GRAFANA.as_bytes()), Outcome::Verified);
        let changed = GRAFANA.replacen("ftxIU", "ftxIV", 1);
        assert_eq!(check_grafana(changed.as_bytes()), Outcome::Unverified);
        // The bytes in the other order (big-endian) are not Grafana's checksum.
        let swapped = GRAFANA.replace("_ac02c567", "_67c502ac");
        assert_eq!(check_grafana(swapped.as_bytes()), Outcome::Unverified);
        assert_eq!(check_grafana(b"glsa_"), Outcome::Unverified);
    }
}
