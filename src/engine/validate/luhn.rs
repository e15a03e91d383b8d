//! Payment card numbers: Luhn check digit, issuer prefix and length, and rejection of the
//! processors' published test numbers and of degenerate repeats (credential-formats.md,
//! sections 1.6 and 10.2).

use super::Outcome;

const SIXTEEN_TO_NINETEEN: &[usize] = &[16, 17, 18, 19];
const FOURTEEN_TO_NINETEEN: &[usize] = &[14, 15, 16, 17, 18, 19];

/// The IIN table of 10.2: lowest and highest prefix (same number of digits), allowed lengths.
const ISSUERS: &[(u32, u32, &[usize])] = &[
    (4, 4, &[13, 16, 19]),             // Visa
    (51, 55, &[16]),                   // Mastercard
    (2221, 2720, &[16]),               // Mastercard 2-series
    (34, 34, &[15]),                   // American Express
    (37, 37, &[15]),                   // American Express
    (6011, 6011, SIXTEEN_TO_NINETEEN), // Discover
    (644, 649, SIXTEEN_TO_NINETEEN),   // Discover
    (65, 65, SIXTEEN_TO_NINETEEN),     // Discover
    (3528, 3589, SIXTEEN_TO_NINETEEN), // JCB
    (300, 305, FOURTEEN_TO_NINETEEN),  // Diners Club
    (36, 36, FOURTEEN_TO_NINETEEN),    // Diners Club
    (38, 39, FOURTEEN_TO_NINETEEN),    // Diners Club
    (62, 62, SIXTEEN_TO_NINETEEN),     // UnionPay
];

/// Test numbers published by payment processors (10.2): they pass every other check.
const TEST_NUMBERS: &[&str] = &[
    "4111111111111111",
    "4242424242424242",
    "4012888888881881",
    "4000056655665556",
    "4222222222222",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "378734493671000",
    "6011111111111117",
    "6011000990139424",
    "6011981111111113",
    "30569309025904",
    "38520000023237",
    "3056930009020004",
    "36227206271667",
    "3530111333300000",
    "3566002020360505",
    "6200000000000005",
    "6205500000000000004",
];

/// Prefix of Stripe's scenario numbers (`4000 0000 0000 0002` and friends).
const STRIPE_SCENARIO_PREFIX: &[u8] = b"400000";

pub(super) fn check(secret: &[u8]) -> Outcome {
    let mut digits = Vec::with_capacity(19);
    // Anything but digits and separators, or a 20th digit, is not a card number.
    for &c in secret {
        match c {
            b'0'..=b'9' if digits.len() < 19 => digits.push(c),
            b' ' | b'-' => {}
            _ => return Outcome::Rejected,
        }
    }
    if issuer_accepts(&digits) && luhn_valid(&digits) && !is_test_number(&digits) {
        Outcome::Verified
    } else {
        Outcome::Rejected
    }
}

fn issuer_accepts(digits: &[u8]) -> bool {
    ISSUERS.iter().any(|&(low, high, lengths)| {
        let width = low.ilog10() as usize + 1;
        let prefix = digits
            .get(..width)
            .map(|d| d.iter().fold(0, |n, &c| n * 10 + u32::from(c - b'0')));
        prefix.is_some_and(|p| (low..=high).contains(&p)) && lengths.contains(&digits.len())
    })
}

/// Section 1.6: from the right, double every second digit (minus 9 above 9); sum % 10 == 0.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &c)| {
            let d = u32::from(c - b'0');
            match i % 2 {
                0 => d,
                _ if d > 4 => d * 2 - 9,
                _ => d * 2,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Published test numbers, Stripe scenario numbers, and numbers whose digits between the first
/// and the check digit repeat a block of at most 4 (all one digit, `4242...`, `510510...`),
/// which random account numbers essentially never do.
fn is_test_number(digits: &[u8]) -> bool {
    let middle = digits
        .get(1..digits.len().saturating_sub(1))
        .unwrap_or_default();
    TEST_NUMBERS.iter().any(|t| t.as_bytes() == digits)
        || digits.starts_with(STRIPE_SCENARIO_PREFIX)
        || (1..=4).any(|p| {
            middle
                .get(p..)
                .is_some_and(|tail| middle.iter().zip(tail).all(|(a, b)| a == b))
        })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::pseudo_random_bytes;
    use super::*;

    /// Appends the Luhn check digit, so that no valid card number is written in this file.
    fn with_check_digit(body: &str) -> String {
        (b'0'..=b'9')
            .map(|d| format!("{body}{}", char::from(d)))
            .find(|n| luhn_valid(n.as_bytes()))
            .expect("one of ten digits completes the sum")
    }

    #[test]
    fn luhn_examples() {
        assert!(luhn_valid(b"79927398713"));
        assert!(luhn_valid(b"4111111111111111"));
        assert!(!luhn_valid(b"4111111111111112"));
        assert!(!luhn_valid(b"79927398710"));
    }

    #[test]
    fn published_test_numbers_are_rejected_although_well_formed() {
        for number in TEST_NUMBERS {
            let digits = number.as_bytes();
            assert!(luhn_valid(digits), "{number} passes Luhn");
            assert!(issuer_accepts(digits), "{number} has a known issuer");
            assert_eq!(check(digits), Outcome::Rejected, "{number}");
        }
        assert_eq!(check(b"4111 1111 1111 1111"), Outcome::Rejected);
        assert_eq!(
            check(with_check_digit("400000000000007").as_bytes()),
            Outcome::Rejected
        );
    }

    #[test]
    fn degenerate_repeats_are_rejected() {
        for body in [
            "444444444444444",
            "37373737373737",
            "512341234123412",
            "622222222222222",
        ] {
            let number = with_check_digit(body);
            assert!(issuer_accepts(number.as_bytes()), "{number}");
            assert_eq!(check(number.as_bytes()), Outcome::Rejected, "{number}");
        }
    }

    #[test]
    fn random_looking_numbers_verify_with_separators() {
        let visa = with_check_digit(&["4539", "1488", "0343", "646"].concat());
        assert_eq!(check(visa.as_bytes()), Outcome::Verified);
        let grouped = format!(
            "{} {} {} {}",
            &visa[..4],
            &visa[4..8],
            &visa[8..12],
            &visa[12..]
        );
        assert_eq!(check(grouped.as_bytes()), Outcome::Verified);
        let amex = with_check_digit(&["3714", "958204", "3100"].concat());
        let grouped = format!("{}-{}-{}", &amex[..4], &amex[4..10], &amex[10..]);
        assert_eq!(check(grouped.as_bytes()), Outcome::Verified);
        let mastercard = with_check_digit(&["2720", "9912", "3456", "712"].concat());
        assert_eq!(check(mastercard.as_bytes()), Outcome::Verified);
    }

    #[test]
    fn each_issuer_accepts_random_numbers_of_its_lengths() {
        for (i, &(_, high, lengths)) in ISSUERS.iter().enumerate() {
            for &len in lengths {
                let prefix = high.to_string();
                let filler: String = pseudo_random_bytes(i as u64 * 31 + len as u64, len)
                    .iter()
                    .map(|b| char::from(b'0' + b % 10))
                    .collect();
                let number = with_check_digit(&format!("{prefix}{}", &filler[prefix.len() + 1..]));
                assert_eq!(number.len(), len);
                assert_eq!(check(number.as_bytes()), Outcome::Verified, "{number}");
            }
        }
    }

    #[test]
    fn failures_are_rejected() {
        let visa = with_check_digit("453914880343646");
        let mut wrong = visa.clone().into_bytes();
        wrong[15] = if wrong[15] == b'9' {
            b'0'
        } else {
            wrong[15] + 1
        };
        assert_eq!(check(&wrong), Outcome::Rejected, "Luhn fails");
        // Right Luhn, wrong length or issuer.
        for number in [
            with_check_digit("45391488034364"),
            with_check_digit("9539148803436461"),
            with_check_digit("5639148803436461"),
            with_check_digit("34391488034364611"),
            visa.replace('4', "x"),
            format!("{visa}9"),
            format!("{visa}.0"),
        ] {
            assert_eq!(check(number.as_bytes()), Outcome::Rejected, "{number}");
        }
    }
}
