//! Offline validators: checksums and structure checks that turn a format match into a
//! verified finding (or reject a look-alike) without any network call.
//!
//! Each validator is a pure function of the candidate secret's bytes. The formats are
//! described, with test vectors, in `shared/specs/credential-formats.md`.
//!
//! Checksum validators (GitHub, identifiable keys, CASK, Entra, legacy ADO PATs) never reject:
//! a shape they cannot check keeps the rule's own confidence, because the checksum proves a
//! key real but its absence does not prove it fake. Only the filters whose job is to tell
//! look-alikes apart (Luhn, SAS `sig`, JWT, base64 length) return [`Outcome::Rejected`].

mod ado;
mod base64key;
mod basic_auth;
mod bech32;
mod cask;
mod crc32_suffix;
mod entra;
mod github;
mod identifiable;
mod jwt;
mod luhn;
mod marvin;
mod pypi;
pub mod sas;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::Deserialize;

pub use identifiable::identifiable_service;

/// What a validator concluded about one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The embedded checksum or structure verified: report with high confidence.
    Verified,
    /// The validator could not verify it (checksum mismatch, unknown seed): report with the
    /// rule's own confidence, marked unverified.
    Unverified,
    /// Not this kind of secret at all (Luhn fails, a SAS `sig` that is not 32 bytes,
    /// a JWT whose header is not JSON): drop the match.
    Rejected,
}

/// The validators a rule can name in its YAML `validator:` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// Payment card numbers: Luhn, issuer prefix and length, published test numbers rejected.
    Luhn,
    /// GitHub `gh?_` tokens and npm `npm_` tokens: CRC-32 of the body, base62, last 6 chars.
    GithubCrc32,
    /// Microsoft identifiable keys (HIS v1): signature at its offset and Marvin32 checksum.
    AzureIdentifiable,
    /// Microsoft common annotated security keys (`JQQJ99`, 84/88 chars): Marvin32, base62.
    AzureCask,
    /// Entra ID client secrets: `8Q~` checksum (`7Q~` cannot be verified).
    EntraClientSecret,
    /// Legacy 52-character Azure DevOps PATs: CRC-32 with the user or application magic.
    AdoLegacyPat,
    /// SAS `sig=` value: URL-decoded base64 of exactly 32 bytes.
    SasSignature,
    /// JSON Web Token: header and payload are base64url JSON objects, header names `alg`.
    Jwt,
    /// Base64 that decodes to exactly the byte length the format fixes (legacy Azure keys).
    Base64Key,
    /// Bech32 checksum (age secret keys).
    Bech32,
    /// PyPI token: a base64url V2 macaroon for `pypi.org` ending in a 32-byte signature.
    PypiMacaroon,
    /// Atlassian API token (`ATATT3…`): CRC-32 of the token in its last 8 hex digits.
    AtlassianCrc32,
    /// Grafana service account token (`glsa_`): CRC-32 in its last 8 hex digits.
    GrafanaCrc32,
    /// HTTP Basic credentials: base64 of `user:password`, the password not a placeholder.
    BasicAuth,
    /// GitLab routable tokens (`glpat-….<crc>`): CRC-32 in base 36 in the last 7 characters.
    GitlabRoutableCrc32,
}

impl Validator {
    /// Human-readable name for `secretgate rules` and SARIF help.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Luhn => "Luhn check digit, issuer prefix and length",
            Self::GithubCrc32 => "CRC-32 token checksum",
            Self::AzureIdentifiable => "Microsoft identifiable-key signature and Marvin32 checksum",
            Self::AzureCask => "Microsoft common annotated key (JQQJ99) Marvin32 checksum",
            Self::EntraClientSecret => "Entra ID client-secret checksum",
            Self::AdoLegacyPat => "Azure DevOps legacy PAT CRC-32 checksum",
            Self::SasSignature => "SAS signature decodes to a 32-byte HMAC",
            Self::Jwt => "JWT header and payload decode to JSON",
            Self::Base64Key => "base64 key decodes to the expected length",
            Self::Bech32 => "Bech32 checksum",
            Self::PypiMacaroon => "PyPI macaroon structure and signature length",
            Self::AtlassianCrc32 => "Atlassian API token CRC-32 checksum",
            Self::GrafanaCrc32 => "Grafana service account token CRC-32 checksum",
            Self::BasicAuth => "Basic credentials decode to user:password",
            Self::GitlabRoutableCrc32 => "GitLab routable token CRC-32 checksum",
        }
    }

    /// Whether `Verified` means an embedded checksum recomputed (proof the value was issued
    /// in that format) rather than only a structure check (Luhn, base64 length, SAS, JWT),
    /// which a made-up value passes as easily as a real one.
    pub fn is_checksum(self) -> bool {
        matches!(
            self,
            Self::GithubCrc32
                | Self::AzureIdentifiable
                | Self::AzureCask
                | Self::EntraClientSecret
                | Self::AdoLegacyPat
                | Self::Bech32
                | Self::AtlassianCrc32
                | Self::GrafanaCrc32
                | Self::GitlabRoutableCrc32
        )
    }

    /// Runs the validator on the bytes of the `secret` capture group.
    pub fn check(self, secret: &[u8]) -> Outcome {
        match self {
            Self::Luhn => luhn::check(secret),
            Self::GithubCrc32 => github::check(secret),
            Self::AzureIdentifiable => identifiable::check(secret),
            Self::AzureCask => cask::check(secret),
            Self::EntraClientSecret => entra::check(secret),
            Self::AdoLegacyPat => ado::check(secret),
            Self::SasSignature => sas::check(secret),
            Self::Jwt => jwt::check(secret),
            Self::Base64Key => base64key::check(secret),
            Self::Bech32 => bech32::check(secret),
            Self::PypiMacaroon => pypi::check(secret),
            Self::AtlassianCrc32 => crc32_suffix::check_atlassian(secret),
            Self::GrafanaCrc32 => crc32_suffix::check_grafana(secret),
            Self::BasicAuth => basic_auth::check(secret),
            Self::GitlabRoutableCrc32 => crc32_suffix::check_gitlab_routable(secret),
        }
    }
}

/// For checksum validators: a checksum that recomputes verifies, anything else is unverified.
fn verified_if(checksum_ok: bool) -> Outcome {
    if checksum_ok {
        Outcome::Verified
    } else {
        Outcome::Unverified
    }
}

/// `0-9 A-Z a-z`, the digit order of both the GitHub and the CASK base-62 checksums (1.4).
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `n` in base `alphabet.len()`, most significant digit first, left-padded with the
/// alphabet's zero digit to at least `width` characters (1.4).
fn encode_base_n(mut n: u32, alphabet: &[u8], width: usize) -> Vec<u8> {
    let base = alphabet.len() as u32;
    let mut digits = Vec::with_capacity(width.max(8));
    while n > 0 || digits.len() < width.max(1) {
        digits.push(alphabet[(n % base) as usize]);
        n /= base;
    }
    digits.reverse();
    digits
}

/// Standard alphabet; trailing bits and missing padding tolerated, as .NET's decoder does (1.5).
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Maps the URL-safe characters `-` and `_` to their standard counterparts `+` and `/`.
fn to_standard_alphabet(c: u8) -> u8 {
    match c {
        b'-' => b'+',
        b'_' => b'/',
        c => c,
    }
}

/// Decodes standard or URL-safe base64, with or without padding. A text mixing both alphabets
/// is base64 of neither, so it does not decode.
fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let url_safe = text.iter().any(|c| matches!(c, b'-' | b'_'));
    let standard = text.iter().any(|c| matches!(c, b'+' | b'/'));
    if url_safe && standard {
        return None;
    }
    let text: Vec<u8> = text.iter().copied().map(to_standard_alphabet).collect();
    LENIENT_BASE64.decode(text).ok()
}

/// Undoes the escaping a key picks up from its host text (1.5): URL percent-encoding
/// (`%2B` `%2F` `%3D`, any case; other `%XX` too, decoded once) and JSON's `\/`.
fn unescape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some((&c, tail)) = rest.split_first() {
        let (byte, used) = match (c, tail) {
            (b'%', [hi, lo, ..]) => match (hex_digit(*hi), hex_digit(*lo)) {
                (Some(hi), Some(lo)) => ((hi << 4) | lo, 3),
                _ => (c, 1),
            },
            (b'\\', [b'/', ..]) => (b'/', 2),
            _ => (c, 1),
        };
        out.push(byte);
        rest = &rest[used..];
    }
    out
}

fn hex_digit(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Shared by the tests of the sibling modules.
#[cfg(test)]
mod test_support {
    /// Deterministic bytes (xorshift64*) for generated keys; no randomness crate needed.
    pub(super) fn pseudo_random_bytes(mut state: u64, len: usize) -> Vec<u8> {
        state |= 1;
        (0..len)
            .map(|_| {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs no validator may panic on.
    fn garbage() -> Vec<Vec<u8>> {
        vec![
            Vec::new(),
            vec![b'a'],
            vec![0xFF],
            vec![0xFF; 10 * 1024],
            b"%".to_vec(),
            b"%4".to_vec(),
            b"\\".to_vec(),
            b"...".to_vec(),
            b"sig=".to_vec(),
            b"ghp_".to_vec(),
            "\u{e9}t\u{e9} \u{1F600}".as_bytes().to_vec(),
        ]
    }

    const ALL: [Validator; 11] = [
        Validator::Luhn,
        Validator::GithubCrc32,
        Validator::AzureIdentifiable,
        Validator::AzureCask,
        Validator::EntraClientSecret,
        Validator::AdoLegacyPat,
        Validator::SasSignature,
        Validator::Jwt,
        Validator::Base64Key,
        Validator::Bech32,
        Validator::PypiMacaroon,
    ];

    #[test]
    fn garbage_never_panics_and_never_verifies() {
        for input in garbage() {
            for v in ALL {
                assert_ne!(v.check(&input), Outcome::Verified, "{v:?} on {input:?}");
            }
        }
        // Every length up to a bit past the longest fixed format, in each alphabet.
        for len in 0..100 {
            for c in [b'a', b'0', b'=', b'+', b'-', b'~', b'.', 0x80] {
                let input = vec![c; len];
                for v in ALL {
                    let _ = v.check(&input);
                }
            }
        }
    }

    #[test]
    fn base_n_encoding() {
        assert_eq!(encode_base_n(0, BASE62, 0), b"0");
        assert_eq!(encode_base_n(0, BASE62, 3), b"000");
        assert_eq!(encode_base_n(61, BASE62, 1), b"z");
        assert_eq!(encode_base_n(62, BASE62, 1), b"10");
        assert_eq!(encode_base_n(62, BASE62, 6), b"000010");
        assert_eq!(encode_base_n(u32::MAX, BASE62, 6), b"4gfFC3");
    }

    #[test]
    fn lenient_base64() {
        assert_eq!(decode_base64(b"AQ==").as_deref(), Some(&[1u8][..]));
        assert_eq!(decode_base64(b"AQ").as_deref(), Some(&[1u8][..]));
        // Non-zero trailing bits, as .NET accepts them.
        assert_eq!(decode_base64(b"AR==").as_deref(), Some(&[1u8][..]));
        assert_eq!(decode_base64(b"-_8").as_deref(), Some(&[0xFB, 0xFF][..]));
        assert_eq!(decode_base64(b"+/8").as_deref(), Some(&[0xFB, 0xFF][..]));
        assert_eq!(decode_base64(b"-/8="), None);
        assert_eq!(decode_base64(b"AQ==="), None);
        assert_eq!(decode_base64(b"A"), None);
    }

    #[test]
    fn unescaping() {
        assert_eq!(unescape(b"a%2Bb%2fc%3D"), b"a+b/c=");
        assert_eq!(unescape(b"a\\/b"), b"a/b");
        assert_eq!(unescape(b"50%"), b"50%");
        assert_eq!(unescape(b"%zz%4"), b"%zz%4");
        assert_eq!(unescape(b"%252B"), b"%2B");
    }
}
