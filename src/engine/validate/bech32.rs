//! Bech32 (BIP 173) checksum, as age secret keys carry it: `AGE-SECRET-KEY-1` + data + a
//! 6-character checksum over the human-readable part and the data.

use super::{verified_if, Outcome};

const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn polymod(values: impl Iterator<Item = u8>) -> u32 {
    const GEN: [u32; 5] = [
        0x3B6A_57B2,
        0x2650_8E6D,
        0x1EA1_19FA,
        0x3D42_33DD,
        0x2A14_62B3,
    ];
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01FF_FFFF) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// Verified when the string (either case, not mixed) splits at its last `1` into a
/// human-readable part and data whose Bech32 checksum holds. A shape that is not Bech32 at
/// all is rejected; a wrong checksum keeps the rule's confidence.
pub(super) fn check(secret: &[u8]) -> Outcome {
    let lower: Vec<u8> = secret.to_ascii_lowercase();
    let Some(sep) = lower.iter().rposition(|&c| c == b'1') else {
        return Outcome::Rejected;
    };
    let (hrp, data) = (&lower[..sep], &lower[sep + 1..]);
    if hrp.is_empty() || data.len() < 6 || !hrp.iter().all(|c| (33..=126).contains(c)) {
        return Outcome::Rejected;
    }
    let Some(data): Option<Vec<u8>> = data
        .iter()
        .map(|c| CHARSET.iter().position(|x| x == c).map(|p| p as u8))
        .collect()
    else {
        return Outcome::Rejected;
    };
    let values = hrp
        .iter()
        .map(|c| c >> 5)
        .chain(std::iter::once(0))
        .chain(hrp.iter().map(|c| c & 31))
        .chain(data.iter().copied());
    verified_if(polymod(values) == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bip173_vectors() {
        assert_eq!(check(b"A12UEL5L"), Outcome::Verified);
        assert_eq!(check(b"a12uel5l"), Outcome::Verified);
        assert_eq!(
            check(b"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"),
            Outcome::Verified
        );
        assert_eq!(check(b"a12uel5m"), Outcome::Unverified);
        assert_eq!(
            check(b"a12uelbl"),
            Outcome::Rejected,
            "b is not in the charset"
        );
        assert_eq!(check(b"nosep"), Outcome::Rejected);
    }

    #[test]
    fn age_secret_key_from_the_generator() {
        // scripts/rulegen.py's bech32 encoder: 32 zero bytes under the age identity prefix.
        let key = b"AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ8H00W3";
        assert_eq!(check(key), Outcome::Verified);
        let flipped = b"AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ8H00W4";
        assert_eq!(check(flipped), Outcome::Unverified);
    }
}
