//! Marvin32, Microsoft's seeded hash, and the 32-bit fold that identifiable keys, common
//! annotated keys and Entra client secrets store as their checksum
//! (credential-formats.md, sections 1.1 and 1.2).

/// The 64-bit seed the library derives from an 8-character ASCII name such as `Default0`:
/// the name's bytes read as a big-endian u64 (section 1.2).
pub(super) const fn seed(name: &[u8; 8]) -> u64 {
    u64::from_be_bytes(*name)
}

/// The full 64-bit Marvin hash, `p1 << 32 | p0`.
fn marvin64(data: &[u8], seed: u64) -> u64 {
    let mut p0 = seed as u32;
    let mut p1 = (seed >> 32) as u32;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        p0 = p0.wrapping_add(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        block(&mut p0, &mut p1);
    }
    // The leftover bytes, then a 0x80 marker byte right after them, as one LE word.
    let rest = words.remainder();
    let last = rest
        .iter()
        .rev()
        .fold(0x80u32, |acc, &b| (acc << 8) | u32::from(b));
    p0 = p0.wrapping_add(last);
    block(&mut p0, &mut p1);
    block(&mut p0, &mut p1);
    (u64::from(p1) << 32) | u64::from(p0)
}

fn block(p0: &mut u32, p1: &mut u32) {
    *p1 ^= *p0;
    *p0 = p0.rotate_left(20).wrapping_add(*p1);
    *p1 = p1.rotate_left(9) ^ *p0;
    *p0 = p0.rotate_left(27).wrapping_add(*p1);
    *p1 = p1.rotate_left(19);
}

/// The checksum keys store: the two halves of the 64-bit hash XORed together.
pub(super) fn marvin32(data: &[u8], seed: u64) -> u32 {
    let h = marvin64(data, seed);
    (h as u32) ^ ((h >> 32) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_big_endian_names() {
        assert_eq!(seed(b"Default0"), 0x4465_6661_756C_7430);
        assert_eq!(seed(b"SendRecv"), 0x5365_6E64_5265_6376);
    }

    #[test]
    fn spec_vectors() {
        let alphabet: Vec<u8> = (b'a'..=b'z').collect();
        let cases: [(u64, &[u8], u64, u32); 5] = [
            (
                0xD53C_D9CE_CD08_93B7,
                b"abc",
                0x22C7_4339_4927_69BF,
                0x6BE0_2A86,
            ),
            (
                0x0DDD_DEEE_EFFF_F000,
                &alphabet,
                0xA128_EB7E_7260_ACA2,
                0xD348_47DC,
            ),
            (
                0x004F_B61A_001B_DBCC,
                b"",
                0x30ED_35C1_00CD_3C7D,
                0x3020_09BC,
            ),
            (
                0x004F_B61A_001B_DBCC,
                &[0xAF],
                0x48E7_3FC7_7D75_DDC1,
                0x3592_E206,
            ),
            (
                0x004F_B61A_001B_DBCC,
                &[0x86, 0x42, 0xDC, 0x59],
                0x7008_F2E8_7E9C_F556,
                0x0E94_07BE,
            ),
        ];
        for (seed, input, h64, h32) in cases {
            assert_eq!(marvin64(input, seed), h64, "64-bit, input {input:02x?}");
            assert_eq!(marvin32(input, seed), h32, "32-bit, input {input:02x?}");
        }
    }

    #[test]
    fn every_leftover_length_and_overflowing_seeds() {
        // r = 0..3 leftover bytes and a seed whose additions overflow: must not panic in debug.
        for len in 0..8 {
            let data = vec![0xFFu8; len];
            let _ = marvin32(&data, u64::MAX);
        }
    }
}
