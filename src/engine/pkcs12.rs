//! PKCS#12 / PFX files (RFC 7292): read the DER far enough to tell a file that holds a
//! private key from a certificate-only one, and whether it is password-protected.
//!
//! App Service and Key Vault certificate exports are PFX files with their private key;
//! they are binary, so the text rules never see them. The structure read here:
//!
//! ```text
//! PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, macData MacData OPTIONAL }
//! ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
//!   authSafe is `data`: an OCTET STRING holding AuthenticatedSafe ::= SEQUENCE OF ContentInfo,
//!   each `data` (SafeContents in clear) or `encryptedData` (bags encrypted with a password).
//! SafeContents ::= SEQUENCE OF SafeBag
//! SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OPTIONAL }
//! ```
//!
//! Bags inside `encryptedData` cannot be read without the password: a file whose only
//! unreadable part is encrypted may or may not hold a key, and says so.

/// What a PKCS#12 file holds, as far as can be read without its password.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pkcs12 {
    /// Private keys in clear (`keyBag`).
    pub key_bags: usize,
    /// Private keys encrypted with a password (`pkcs8ShroudedKeyBag`).
    pub shrouded_key_bags: usize,
    pub cert_bags: usize,
    /// Parts encrypted as a whole (`encryptedData`, `envelopedData`): their bags are unknown.
    pub encrypted_parts: usize,
    /// An integrity MAC keyed by a password.
    pub mac: bool,
}

impl Pkcs12 {
    pub fn has_private_key(&self) -> bool {
        self.key_bags + self.shrouded_key_bags > 0
    }

    /// One line a reviewer can act on, never any of the file's bytes.
    pub fn describe(&self) -> String {
        let key = match (self.key_bags, self.shrouded_key_bags) {
            (0, 0) if self.encrypted_parts > 0 => {
                "encrypted contents that may hold a private key".to_string()
            }
            (0, 0) => "no private key".to_string(),
            (0, n) => format!("{n} password-encrypted private key(s)"),
            (n, 0) => format!("{n} private key(s) in clear"),
            (n, m) => format!("{n} private key(s) in clear and {m} password-encrypted"),
        };
        let mac = if self.mac {
            "password MAC"
        } else {
            "no password MAC"
        };
        format!(
            "PKCS#12 file: {key}, {} certificate(s) readable, {mac}",
            self.cert_bags
        )
    }
}

const OID: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const CONTEXT_0: u8 = 0xa0;

/// 1.2.840.113549.1.7.1 `data`, .7.6 `encryptedData`, .7.3 `envelopedData`.
const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
const ENCRYPTED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];
const ENVELOPED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
/// 1.2.840.113549.1.12.10.1.N: the bag types (1 key, 2 shrouded key, 3 cert, 6 nested).
const BAG_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01];

/// Nested SafeContents bags deeper than this are not followed (a hostile file).
const MAX_DEPTH: usize = 4;

/// One DER element: its tag, its content, and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        // Long form, at most 4 length bytes; 0x80 (BER indefinite length) is not DER.
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The content of an element that must have `tag`.
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    element(input).and_then(|(t, content, rest)| (t == tag).then_some((content, rest)))
}

/// Reads `der` as a PKCS#12 file; `None` if it is not one.
pub fn inspect(der: &[u8]) -> Option<Pkcs12> {
    let (pfx, _) = expect(der, SEQUENCE)?;
    let (version, rest) = expect(pfx, INTEGER)?;
    if version != [3] {
        return None;
    }
    let (auth_safe, rest) = expect(rest, SEQUENCE)?;
    let mut out = Pkcs12 {
        mac: expect(rest, SEQUENCE).is_some(),
        ..Pkcs12::default()
    };
    let (oid, content) = expect(auth_safe, OID)?;
    if oid != DATA {
        // Public-key integrity mode (signedData): rare, and not read here.
        return None;
    }
    let (explicit, _) = expect(content, CONTEXT_0)?;
    let (octets, _) = expect(explicit, OCTET_STRING)?;
    let (mut infos, _) = expect(octets, SEQUENCE)?;
    while !infos.is_empty() {
        let (info, rest) = expect(infos, SEQUENCE)?;
        infos = rest;
        let (oid, content) = expect(info, OID)?;
        if oid == DATA {
            let (explicit, _) = expect(content, CONTEXT_0)?;
            let (octets, _) = expect(explicit, OCTET_STRING)?;
            read_bags(octets, &mut out, 0)?;
        } else if oid == ENCRYPTED_DATA || oid == ENVELOPED_DATA {
            out.encrypted_parts += 1;
        }
    }
    Some(out)
}

/// Counts the bags of a SafeContents, following nested ones.
fn read_bags(safe_contents: &[u8], out: &mut Pkcs12, depth: usize) -> Option<()> {
    let (mut bags, _) = expect(safe_contents, SEQUENCE)?;
    while !bags.is_empty() {
        let (bag, rest) = expect(bags, SEQUENCE)?;
        bags = rest;
        let (oid, value) = expect(bag, OID)?;
        let Some(kind) = oid.strip_prefix(BAG_PREFIX) else {
            continue;
        };
        match kind {
            [1] => out.key_bags += 1,
            [2] => out.shrouded_key_bags += 1,
            [3] => out.cert_bags += 1,
            [6] if depth < MAX_DEPTH => {
                let (explicit, _) = expect(value, CONTEXT_0)?;
                read_bags(explicit, out, depth + 1)?;
            }
            _ => {}
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/pkcs12/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn a_password_protected_export_holds_a_shrouded_key_and_a_mac() {
        let p = inspect(&fixture("key-and-cert.pfx")).expect("pkcs12");
        assert_eq!(p.shrouded_key_bags, 1);
        assert_eq!(p.key_bags, 0);
        assert!(p.mac);
        assert!(p.has_private_key());
        assert!(p.describe().contains("1 password-encrypted private key"));
    }

    #[test]
    fn an_unprotected_export_holds_a_key_in_clear() {
        let p = inspect(&fixture("key-unprotected.p12")).expect("pkcs12");
        assert_eq!((p.key_bags, p.cert_bags, p.mac), (1, 1, false));
        assert!(p.describe().contains("in clear"), "{}", p.describe());
    }

    #[test]
    fn certificate_only_files_are_told_apart() {
        let p = inspect(&fixture("cert-only.p12")).expect("pkcs12");
        assert_eq!((p.cert_bags, p.encrypted_parts), (1, 0));
        assert!(!p.has_private_key());
        // Certificates encrypted with a password: the bags cannot be read.
        let p = inspect(&fixture("cert-only-encrypted.p12")).expect("pkcs12");
        assert!(!p.has_private_key());
        assert_eq!(p.encrypted_parts, 1);
    }

    #[test]
    fn other_bytes_are_not_pkcs12_and_never_panic() {
        assert_eq!(inspect(b""), None);
        assert_eq!(inspect(b"\x30\x82\xff\xff"), None);
        assert_eq!(inspect(b"\x30\x84\xff\xff\xff\xff\x02"), None);
        assert_eq!(inspect(b"\x30\x03\x02\x01\x03"), None);
        let der = fixture("key-and-cert.pfx");
        for cut in 0..der.len() {
            let _ = inspect(&der[..cut]);
        }
        let mut flipped = der.clone();
        for i in 0..flipped.len() {
            flipped[i] ^= 0xff;
            let _ = inspect(&flipped);
            flipped[i] ^= 0xff;
        }
    }
}
