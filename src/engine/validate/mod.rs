//! Offline validators: checksums and structure checks that turn a format match into a
//! verified finding (or reject a look-alike) without any network call.
//!
//! Each validator is a pure function of the candidate secret's bytes. The formats are
//! described, with test vectors, in `shared/specs/credential-formats.md`.

use serde::Deserialize;

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
        }
    }

    /// Runs the validator on the bytes of the `secret` capture group.
    pub fn check(self, secret: &[u8]) -> Outcome {
        match self {
            // Implementations live in sibling modules; until one exists the match is
            // reported as unverified, never silently verified.
            _ => {
                let _ = secret;
                Outcome::Unverified
            }
        }
    }
}
