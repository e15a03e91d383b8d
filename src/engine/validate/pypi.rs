//! PyPI API tokens: `pypi-` and a base64url macaroon (libmacaroons' V2 binary format). The
//! structure proves the token was minted as one: version 2, a `pypi.org` location, an
//! identifier, caveat sections, and a 32-byte HMAC signature at the end.

use super::{decode_base64, Outcome};

/// A little-endian base-128 varint, and the rest of the input.
fn varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(9) {
        value |= u64::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

/// One field: its type and data (type 0, end of section, has no data).
fn field(bytes: &[u8]) -> Option<(u64, &[u8], &[u8])> {
    let (kind, rest) = varint(bytes)?;
    if kind == 0 {
        return Some((0, &[], rest));
    }
    let (len, rest) = varint(rest)?;
    let len = usize::try_from(len).ok()?;
    (rest.len() >= len).then(|| (kind, &rest[..len], &rest[len..]))
}

const LOCATION: u64 = 1;
const IDENTIFIER: u64 = 2;
const VID: u64 = 4;
const SIGNATURE: u64 = 6;

/// A section's fields up to its end marker, in the order V2 allows; the rest.
fn section(mut bytes: &[u8], header: bool) -> Option<&[u8]> {
    let mut seen_identifier = false;
    loop {
        let (kind, data, rest) = field(bytes)?;
        bytes = rest;
        match kind {
            0 => return seen_identifier.then_some(bytes),
            LOCATION if !seen_identifier => {}
            IDENTIFIER if !seen_identifier && !data.is_empty() => seen_identifier = true,
            VID if !header && seen_identifier => {}
            _ => return None,
        }
    }
}

fn is_pypi_macaroon(bytes: &[u8]) -> bool {
    let Some((&2, rest)) = bytes.split_first() else {
        return false;
    };
    let Some((LOCATION, b"pypi.org", _)) = field(rest) else {
        return false;
    };
    let Some(mut rest) = section(rest, true) else {
        return false;
    };
    // Caveat sections until an empty one, then the signature.
    while rest.first() != Some(&0) {
        match section(rest, false) {
            Some(next) => rest = next,
            None => return false,
        }
    }
    matches!(field(&rest[1..]), Some((SIGNATURE, sig, [])) if sig.len() == 32)
}

/// Verified when the token decodes to a PyPI macaroon; anything else keeps the rule's own
/// confidence (a truncated paste of a real token is still worth a look).
pub(super) fn check(secret: &[u8]) -> Outcome {
    let macaroon = secret
        .strip_prefix(b"pypi-")
        .and_then(decode_base64)
        .is_some_and(|bytes| is_pypi_macaroon(&bytes));
    if macaroon {
        Outcome::Verified
    } else {
        Outcome::Unverified
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn push_field(out: &mut Vec<u8>, kind: u8, data: &[u8]) {
        out.push(kind);
        out.push(data.len() as u8);
        out.extend_from_slice(data);
    }

    fn token(signature_len: usize) -> Vec<u8> {
        let mut m = vec![2u8];
        push_field(&mut m, 1, b"pypi.org");
        push_field(&mut m, 2, b"4f1b6e3a-9c2d-4e8f-a7b1-2c3d4e5f6a7b");
        m.push(0);
        push_field(&mut m, 2, br#"{"version": 1, "permissions": "user"}"#);
        m.push(0);
        m.push(0);
        push_field(&mut m, 6, &vec![0x5A; signature_len]);
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&m);
        format!("pypi-{body}").into_bytes()
    }

    #[test]
    fn a_pypi_macaroon_verifies() {
        let t = token(32);
        assert!(t.starts_with(b"pypi-AgEIcHlwaS5vcmc"));
        assert_eq!(check(&t), Outcome::Verified);
    }

    #[test]
    fn look_alikes_do_not() {
        assert_eq!(check(&token(31)), Outcome::Unverified);
        let mut cut = token(32);
        cut.truncate(cut.len() - 10);
        assert_eq!(check(&cut), Outcome::Unverified);
        assert_eq!(
            check(b"pypi-AgEIcHlwaS5vcmcAAAAAAAAAAAAAAAA"),
            Outcome::Unverified
        );
        assert_eq!(check(b"pypi-"), Outcome::Unverified);
    }
}
