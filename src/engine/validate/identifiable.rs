//! Microsoft identifiable keys ("HIS v1"): base64 keys of 32, 39, 40 or 64 bytes carrying a
//! 4-character service signature and a Marvin32 checksum in their last 8 bytes
//! (credential-formats.md, section 2; layouts in 2.3, seeds in 2.4).

use super::marvin::{marvin32, seed};
use super::{decode_base64, to_standard_alphabet, verified_if, Outcome};

/// One service's keys: the signature they show and the seeds their checksum may use.
struct Family {
    signature: &'static [u8; 4],
    /// Decoded key length N.
    bytes: usize,
    service: &'static str,
    seeds: &'static [u64],
}

const MESSAGING: &[u64] = &[seed(b"Send0000"), seed(b"Listen00"), seed(b"Manage00")];

/// Table 2.4. Where the library disagrees with itself (2.6) every candidate seed is listed:
/// both Event Grid seeds, all seven Cosmos DB seeds.
const FAMILIES: &[Family] = &[
    Family {
        signature: b"+ASt",
        bytes: 64,
        service: "Azure Storage account key",
        seeds: &[seed(b"Default0")],
    },
    Family {
        signature: b"ACDb",
        bytes: 64,
        service: "Azure Cosmos DB key",
        seeds: &[
            seed(b"MastRW00"),
            seed(b"MastRO00"),
            seed(b"SystRW00"),
            seed(b"SystRO00"),
            seed(b"SysAll00"),
            seed(b"Resour00"),
            seed(b"Encryp00"),
        ],
    },
    Family {
        signature: b"+ABa",
        bytes: 64,
        service: "Azure Batch account key",
        seeds: &[seed(b"AbAcct00")],
    },
    Family {
        signature: b"+AMC",
        bytes: 64,
        service: "Azure Machine Learning web service (classic) key",
        seeds: &[seed(b"Classic0")],
    },
    Family {
        signature: b"APIM",
        bytes: 64,
        service: "Azure API Management direct management key",
        seeds: &[seed(b"Tenant00")],
    },
    Family {
        signature: b"APIM",
        bytes: 64,
        service: "Azure API Management subscription key",
        // The library's value, equal to the IoT Hub seed (2.6).
        seeds: &[seed(b"IoTHub00")],
    },
    Family {
        signature: b"APIM",
        bytes: 64,
        service: "Azure API Management gateway key",
        seeds: &[seed(b"Gatewy00")],
    },
    Family {
        signature: b"APIM",
        bytes: 64,
        service: "Azure API Management repository key",
        seeds: &[seed(b"GitKey00")],
    },
    Family {
        signature: b"+ASb",
        bytes: 32,
        service: "Azure Service Bus SAS policy key",
        seeds: MESSAGING,
    },
    Family {
        signature: b"+AEh",
        bytes: 32,
        service: "Azure Event Hubs SAS policy key",
        seeds: MESSAGING,
    },
    Family {
        signature: b"+ARm",
        bytes: 32,
        service: "Azure Relay SAS policy key",
        seeds: MESSAGING,
    },
    Family {
        signature: b"AIoT",
        bytes: 32,
        service: "Azure IoT Hub shared access policy key",
        seeds: &[seed(b"IoTHub00")],
    },
    Family {
        signature: b"AIoT",
        bytes: 32,
        service: "Azure IoT device key",
        seeds: &[seed(b"Device00")],
    },
    Family {
        signature: b"AIoT",
        bytes: 32,
        service: "Azure IoT Hub Device Provisioning Service key",
        seeds: &[seed(b"DpsKey00")],
    },
    Family {
        signature: b"AzCa",
        bytes: 32,
        service: "Azure Cache for Redis access key",
        seeds: &[seed(b"Access00")],
    },
    Family {
        signature: b"AZEG",
        bytes: 32,
        service: "Azure Event Grid key",
        // `SendRecv` per the C# rule, `Default0` per the library's only test string (2.6).
        seeds: &[seed(b"SendRecv"), seed(b"Default0")],
    },
    Family {
        signature: b"AzSe",
        bytes: 39,
        service: "Azure AI Search query key",
        seeds: &[seed(b"Query000")],
    },
    Family {
        signature: b"AzSe",
        bytes: 39,
        service: "Azure AI Search admin key",
        seeds: &[seed(b"PAdmin00")],
    },
    Family {
        signature: b"+ACR",
        bytes: 39,
        service: "Azure Container Registry access key",
        seeds: &[seed(b"ACRDflt0")],
    },
    Family {
        signature: b"AzFu",
        bytes: 40,
        service: "Azure Functions key",
        seeds: &[seed(b"Functi00"), seed(b"Master00"), seed(b"System00")],
    },
];

pub(super) fn check(secret: &[u8]) -> Outcome {
    verified_if(verified_family(secret).is_some())
}

/// Names the service whose signature and seed verified `secret`, for finding messages.
pub fn identifiable_service(secret: &[u8]) -> Option<&'static str> {
    verified_family(secret).map(|f| f.service)
}

fn verified_family(secret: &[u8]) -> Option<&'static Family> {
    // Padding is optional (the Rust scanner accepts stripped keys), so the unpadded length
    // fixes N; any `=` present may not exceed the canonical padding.
    let text_len = secret.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
    let (text, padding) = secret.split_at(text_len);
    let bytes: usize = match text_len {
        43 => 32,
        52 => 39,
        54 => 40,
        86 => 64,
        _ => return None,
    };
    if text_len + padding.len() > bytes.div_ceil(3) * 4 {
        return None;
    }
    // The signature ends 6 characters before the padding; compared in the standard alphabet
    // so that URL-safe renderings of standard keys (and vice versa) still verify.
    let signature: Vec<u8> = text[text_len - 10..text_len - 6]
        .iter()
        .copied()
        .map(to_standard_alphabet)
        .collect();
    let key = decode_base64(text)?;
    let (data, stored) = key.split_at_checked(bytes - 4)?;
    let stored = u32::from_le_bytes(stored.try_into().ok()?);
    FAMILIES.iter().find(|f| {
        f.bytes == bytes
            && f.signature[..] == signature[..]
            && f.seeds.iter().any(|&s| marvin32(data, s) == stored)
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::pseudo_random_bytes;
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    use base64::Engine as _;

    fn key(parts: &[&str]) -> Vec<u8> {
        parts.concat().into_bytes()
    }

    /// Section 2.5, each string joined at run time, with the service its seed names.
    fn library_test_strings() -> Vec<(Vec<u8>, &'static str)> {
        let a76 = "a".repeat(76);
        let a33 = "a".repeat(33);
        vec![
            (
                key(&[&a76, "+ASt", "5mnCaw", "=="]),
                "Azure Storage account key",
            ),
            (key(&[&a76, "ACDb", "OpqrYA", "=="]), "Azure Cosmos DB key"),
            (
                key(&[&a76, "+ABa", "13FZVQ", "=="]),
                "Azure Batch account key",
            ),
            (
                key(&[&a76, "+AMC", "FNqWyA", "=="]),
                "Azure Machine Learning web service (classic) key",
            ),
            (
                key(&[&a76, "APIM", "HbKhsQ", "=="]),
                "Azure API Management direct management key",
            ),
            (
                key(&[&a33, "+ASb", "HpHeAI", "="]),
                "Azure Service Bus SAS policy key",
            ),
            (
                key(&[&a33, "+AEh", "G2s/8w", "="]),
                "Azure Event Hubs SAS policy key",
            ),
            (
                key(&[&a33, "+ARm", "D7h+qo", "="]),
                "Azure Relay SAS policy key",
            ),
            (
                key(&[&a33, "AIoT", "Oumzco", "="]),
                "Azure IoT Hub shared access policy key",
            ),
            (
                key(&["b".repeat(33).as_str(), "AZEG", "LiQbng", "="]),
                "Azure Event Grid key",
            ),
            (
                key(&["a".repeat(42).as_str(), "AzSe", "CjhzCu"]),
                "Azure AI Search query key",
            ),
            (
                key(&["d".repeat(42).as_str(), "+ACR", "CUDxQE"]),
                "Azure Container Registry access key",
            ),
            (
                key(&["e".repeat(42).as_str(), "+ACR", "CTB7t/"]),
                "Azure Container Registry access key",
            ),
            (
                key(&["d".repeat(44).as_str(), "AzFu", "182vhA", "=="]),
                "Azure Functions key",
            ),
        ]
    }

    #[test]
    fn library_test_strings_verify_and_name_their_service() {
        for (key, service) in library_test_strings() {
            let shown = String::from_utf8_lossy(&key);
            assert_eq!(check(&key), Outcome::Verified, "{shown}");
            assert_eq!(identifiable_service(&key), Some(service), "{shown}");
        }
    }

    #[test]
    fn a_changed_random_character_fails_the_checksum() {
        for (mut key, _) in library_test_strings() {
            for pos in [0, 5, 20] {
                let original = key[pos];
                key[pos] = if original == b'Q' { b'R' } else { b'Q' };
                assert_eq!(check(&key), Outcome::Unverified, "position {pos}");
                key[pos] = original;
            }
        }
    }

    #[test]
    fn padding_may_be_stripped_but_not_exceeded() {
        for (key, _) in library_test_strings() {
            let stripped = key
                .strip_suffix(b"==")
                .or(key.strip_suffix(b"="))
                .unwrap_or(&key);
            assert_eq!(check(stripped), Outcome::Verified);
            let mut extra = key.clone();
            extra.push(b'=');
            assert_eq!(check(&extra), Outcome::Unverified);
        }
    }

    #[test]
    fn url_safe_rendering_of_a_standard_key_verifies() {
        let key = key(&["a".repeat(33).as_str(), "+AEh", "G2s/8w", "="]);
        let url_safe: Vec<u8> = key
            .iter()
            .map(|&c| match c {
                b'+' => b'-',
                b'/' => b'_',
                c => c,
            })
            .collect();
        assert_eq!(check(&url_safe), Outcome::Verified);
    }

    #[test]
    fn signature_must_sit_at_its_offset() {
        // The storage test string shifted by one character: right length, no signature there.
        let shifted = key(&["a".repeat(75).as_str(), "+ASt", "5mnCawa", "=="]);
        assert_eq!(check(&shifted), Outcome::Unverified);
    }

    /// Builds a key by the procedure of section 2.1.
    fn generate(random: &[u8], signature: &[u8; 4], seed: u64, url_safe: bool) -> String {
        let n = random.len();
        let mut bytes = random.to_vec();
        let sig = STANDARD.decode(signature).expect("signature is base64");
        let spill = ((n - 7) * 8) % 6;
        let top = u32::from(bytes[n - 8] & !((1u8 << spill) - 1)) << 24;
        let w = top
            | u32::from(sig[0]) << (16 + spill)
            | u32::from(sig[1]) << (8 + spill)
            | u32::from(sig[2]) << spill;
        bytes[n - 8..n - 4].copy_from_slice(&w.to_be_bytes());
        let checksum = marvin32(&bytes[..n - 4], seed);
        bytes[n - 4..].copy_from_slice(&checksum.to_le_bytes());
        if url_safe {
            URL_SAFE.encode(&bytes)
        } else {
            STANDARD.encode(&bytes)
        }
    }

    #[test]
    fn generated_keys_verify_with_every_listed_seed() {
        for (i, family) in FAMILIES.iter().enumerate() {
            let url_safe = matches!(family.signature, b"AzSe" | b"AzFu");
            for (j, &seed) in family.seeds.iter().enumerate() {
                let random = pseudo_random_bytes((i * 10 + j) as u64, family.bytes);
                let key = generate(&random, family.signature, seed, url_safe);
                let pad = key.bytes().filter(|&c| c == b'=').count();
                let at = key.len() - pad - 10;
                assert_eq!(&key.as_bytes()[at..at + 4], family.signature, "{key}");
                assert_eq!(
                    identifiable_service(key.as_bytes()),
                    Some(family.service),
                    "{key}"
                );
            }
        }
    }

    #[test]
    fn unknown_seed_is_unverified() {
        let random = pseudo_random_bytes(7, 64);
        let key = generate(&random, b"+ASt", seed(b"Unknown0"), false);
        assert_eq!(check(key.as_bytes()), Outcome::Unverified);
    }
}
