//! HTTP Basic credentials (RFC 7617): `Authorization: Basic <base64 of user:password>`. The
//! value is only a credential when it decodes to printable text with a user, a colon and a
//! password that is not a placeholder; anything else (base64 of other text, a token sent
//! with the wrong scheme name) is rejected.

use super::{decode_base64, Outcome};

/// Passwords that stand for "put yours here" rather than being one.
const PLACEHOLDERS: &[&str] = &[
    "password",
    "passw0rd",
    "pass",
    "passwd",
    "pwd",
    "secret",
    "changeme",
    "change_me",
    "example",
    "sample",
    "test",
    "xxx",
    "xxxx",
    "xxxxxxxx",
    "your_password",
    "yourpassword",
    "<password>",
    "{password}",
    "$password",
    "token",
    "api_token",
    "apikey",
    "api_key",
];

pub(super) fn check(secret: &[u8]) -> Outcome {
    let Some(decoded) = decode_base64(secret) else {
        return Outcome::Rejected;
    };
    let Ok(text) = std::str::from_utf8(&decoded) else {
        return Outcome::Rejected;
    };
    if text.chars().any(|c| c.is_control()) {
        return Outcome::Rejected;
    }
    let Some((user, password)) = text.split_once(':') else {
        return Outcome::Rejected;
    };
    let placeholder = PLACEHOLDERS
        .iter()
        .any(|p| password.eq_ignore_ascii_case(p));
    if user.is_empty() || user.contains(' ') || password.len() < 4 || placeholder {
        return Outcome::Rejected;
    }
    Outcome::Verified
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    #[test]
    fn user_and_password_verify() {
        for pair in [
            "svc-reports:Vq7#pL2xR9mK",
            "ci@contoso.com:ATATT3xFf",
            "a:b c d e",
        ] {
            let encoded = STANDARD.encode(pair);
            assert_eq!(check(encoded.as_bytes()), Outcome::Verified, "{pair}");
        }
    }

    #[test]
    fn placeholders_and_other_text_are_rejected() {
        for text in [
            "user:password",
            "admin:changeme",
            "not a credential at all",
            ":no-user",
            "user:abc",
            "two words:hunter2hunter2",
            "line\nbreak:abcdefgh",
        ] {
            let encoded = STANDARD.encode(text);
            assert_eq!(check(encoded.as_bytes()), Outcome::Rejected, "{text}");
        }
        assert_eq!(check(b"!!not base64!!"), Outcome::Rejected);
        assert_eq!(check(&[b'/'; 3]), Outcome::Rejected);
    }
}
