//! Shared access signatures: the `sig` value must URL-decode and base64-decode to exactly the
//! 32 bytes of an HMAC-SHA256 (credential-formats.md, sections 7.1 and 7.2). The signature
//! itself cannot be checked without the key.

use super::{decode_base64, unescape, Outcome};

pub(super) fn check(secret: &[u8]) -> Outcome {
    match decode_base64(&unescape(sig_value(secret))) {
        Some(hmac) if hmac.len() == 32 => Outcome::Verified,
        _ => Outcome::Rejected,
    }
}

/// The value of the `sig` parameter when `secret` is a whole query string or token
/// (`sv=...&sig=...`, `SharedAccessSignature sr=...&sig=...`); otherwise `secret` itself.
fn sig_value(secret: &[u8]) -> &[u8] {
    let start = (0..secret.len()).find(|&i| {
        secret[i..].starts_with(b"sig=")
            && (i == 0 || matches!(secret[i - 1], b'?' | b'&' | b';' | b' '))
    });
    let Some(start) = start else {
        return secret;
    };
    let value = &secret[start + 4..];
    let end = value
        .iter()
        .position(|c| matches!(c, b'&' | b';' | b' ' | b'"' | b'\''))
        .unwrap_or(value.len());
    &value[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    /// A base64 HMAC-sized value with `+`, `/` and `=` in it, built at run time.
    fn signature() -> String {
        let mut bytes = [0x5Au8; 32];
        bytes[0] = 0xFB; // `+` in the first character
        bytes[3] = 0xFF; // `/` in the fifth
        let sig = STANDARD.encode(bytes);
        assert!(
            sig.contains('+') && sig.contains('/') && sig.ends_with('='),
            "{sig}"
        );
        sig
    }

    fn percent_encode(sig: &str, upper: bool) -> String {
        let (plus, slash, eq) = if upper {
            ("%2B", "%2F", "%3D")
        } else {
            ("%2b", "%2f", "%3d")
        };
        sig.replace('+', plus).replace('/', slash).replace('=', eq)
    }

    #[test]
    fn thirty_two_byte_signatures_verify() {
        let sig = signature();
        for value in [
            sig.clone(),
            percent_encode(&sig, true),
            percent_encode(&sig, false),
            sig.trim_end_matches('=').to_string(),
            sig.replace('/', "\\/"),
        ] {
            assert_eq!(check(value.as_bytes()), Outcome::Verified, "{value}");
        }
    }

    #[test]
    fn sig_is_found_inside_a_token() {
        let sig = percent_encode(&signature(), true);
        for token in [
            format!("sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig={sig}"),
            format!("?sig={sig}&se=2030-01-01"),
            format!("SharedAccessSignature sr=https%3A%2F%2Fns.servicebus.windows.net%2F&sig={sig}&se=1&skn=RootManageSharedAccessKey"),
        ] {
            assert_eq!(check(token.as_bytes()), Outcome::Verified, "{token}");
        }
        assert_eq!(check(b"sv=2022-11-02&sig=&se=1"), Outcome::Rejected);
    }

    #[test]
    fn other_values_are_rejected() {
        let short = STANDARD.encode([1u8; 31]);
        let long = STANDARD.encode([1u8; 33]);
        let double = percent_encode(&signature(), true).replace('%', "%25");
        for value in [
            "<signature>",
            "sig",
            "",
            short.as_str(),
            long.as_str(),
            double.as_str(),
        ] {
            assert_eq!(check(value.as_bytes()), Outcome::Rejected, "{value}");
        }
    }
}
