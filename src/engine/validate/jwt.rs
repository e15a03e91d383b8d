//! JSON Web Tokens: three dot-separated base64url parts whose header and payload decode to
//! JSON objects, the header naming its `alg` (RFC 7515 and 7519; credential-formats.md has
//! no JWT section).

use serde_json::{Map, Value};

use super::{decode_base64, Outcome};

pub(super) fn check(secret: &[u8]) -> Outcome {
    let mut parts = secret.split(|&c| c == b'.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Outcome::Rejected;
    };
    let has_alg = json_object(header).is_some_and(|h| h.get("alg").is_some_and(Value::is_string))
        || hand_edited_header(header);
    // The signature is empty for `alg: none`; otherwise it must at least be base64url text.
    let signature_ok = signature
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    if has_alg && json_object(payload).is_some() && signature_ok {
        Outcome::Verified
    } else {
        Outcome::Rejected
    }
}

/// A header that was edited by hand after encoding and is no longer valid JSON (a quote
/// lost, a byte flipped) but is still braces around an `"alg": "…"` member: copies of real
/// tokens in documentation and tests come like that, and random base64 never does.
fn hand_edited_header(part: &[u8]) -> bool {
    let Some(text) = decode_base64(part) else {
        return false;
    };
    let text = text.trim_ascii();
    let names_alg = (0..text.len()).any(|i| {
        text[i..].starts_with(b"\"alg\"")
            && text[i + 5..]
                .trim_ascii_start()
                .strip_prefix(b":")
                .is_some_and(|rest| rest.trim_ascii_start().starts_with(b"\""))
    });
    text.starts_with(b"{") && text.ends_with(b"}") && names_alg
}

fn json_object(part: &[u8]) -> Option<Map<String, Value>> {
    serde_json::from_slice(&decode_base64(part)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    fn token(header: &str, payload: &str, signature: &str) -> String {
        format!(
            "{}.{}.{signature}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn well_formed_tokens_verify() {
        let sig = URL_SAFE_NO_PAD.encode([0xFBu8; 32]);
        for jwt in [
            token(
                r#"{"alg":"HS256","typ":"JWT"}"#,
                r#"{"sub":"1234567890","name":"Jo"}"#,
                &sig,
            ),
            token(r#"{"alg":"none"}"#, "{}", ""),
            token(
                r#"{"typ":"JWT","alg":"RS256","kid":"k/1?"}"#,
                r#"{"n":"ÿÿ"}"#,
                "abc_-",
            ),
        ] {
            assert_eq!(check(jwt.as_bytes()), Outcome::Verified, "{jwt}");
        }
    }

    #[test]
    fn a_header_edited_by_hand_still_verifies_when_it_names_alg() {
        // A quote lost before `id`; the payload is still JSON.
        let edited = token(
            "{\n id\":\"yes\",\"alg\":\"HS256\",\"typ\":\"JWT\"}",
            r#"{"sub":"1234567890","iat":1516239022}"#,
            "c2lnbmF0dXJl",
        );
        assert_eq!(check(edited.as_bytes()), Outcome::Verified);
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        let alg = r#"{"alg":"HS256"}"#;
        let claims = r#"{"sub":"1"}"#;
        for jwt in [
            token(r#"{"typ":"JWT"}"#, claims, "sig"),
            token(r#"{"alg":256}"#, claims, "sig"),
            token("[1,2]", claims, "sig"),
            token("not json", claims, "sig"),
            token(alg, "[]", "sig"),
            token(alg, "\"text\"", "sig"),
            token(alg, claims, "si+g"),
            format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(alg),
                URL_SAFE_NO_PAD.encode(claims)
            ),
            format!("{}.x", token(alg, claims, "sig")),
            format!("!{}", token(alg, claims, "sig")),
            "eyJ.eyJ.x".to_string(),
            // Braces and `alg`, but a payload that is not JSON.
            token(r#"{"alg":"HS256""#, "not json", "sig"),
            token(r#"{"typ":"JWT"}"#, r#"{"sub":"1"}"#, "sig"),
        ] {
            assert_eq!(check(jwt.as_bytes()), Outcome::Rejected, "{jwt}");
        }
    }
}
