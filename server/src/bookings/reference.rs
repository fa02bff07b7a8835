//! Human booking references: `RB-` and 8 Crockford base32 characters.
//!
//! 40 random bits from the OS generator: unguessable enough that a reference
//! read out on the phone reveals nothing about other bookings, and short
//! enough to read out. Uniqueness is the database's job
//! (`bookings_reference_key`); a collision just draws again.

use rand::{RngCore, rngs::OsRng};

/// Crockford's alphabet: digits and capitals without I, L, O and U, so a
/// reference survives being read aloud or typed from a printout.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

const PREFIX: &str = "RB-";
const LENGTH: usize = 8;

/// A fresh random reference such as `RB-7K3QX9TZ`.
pub(super) fn new_reference() -> String {
    let mut bytes = [0_u8; LENGTH];
    OsRng.fill_bytes(&mut bytes);
    let mut reference = String::with_capacity(PREFIX.len() + LENGTH);
    reference.push_str(PREFIX);
    // 256 is a multiple of 32, so the low five bits are uniform.
    reference.extend(
        bytes
            .iter()
            .map(|byte| char::from(ALPHABET[usize::from(byte & 0x1f)])),
    );
    reference
}

/// Whether few references start with `text` (in capitals): at most one in
/// 32 x 32, i.e. two characters after `RB-`, or a text no reference starts
/// with at all.
pub(super) fn starts_few(text: &str) -> bool {
    match text.strip_prefix(PREFIX) {
        Some(code) => code.chars().count() >= 2,
        None => !PREFIX.starts_with(text),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn references_are_rb_and_eight_crockford_characters() {
        for _ in 0..1_000 {
            let reference = new_reference();
            assert_eq!(reference.len(), 11, "{reference}");
            let code = reference.strip_prefix("RB-").expect("prefix");
            assert!(
                code.bytes().all(|c| ALPHABET.contains(&c)),
                "{reference} uses a character outside Crockford's alphabet"
            );
            assert!(!code.contains(['I', 'L', 'O', 'U']));
        }
    }

    #[test]
    fn only_two_characters_past_the_prefix_make_a_start_few_references_share() {
        for many in ["", "R", "RB", "RB-", "RB-7"] {
            assert!(!starts_few(many), "{many:?}");
        }
        for few in ["RB-7K", "RB-7K3QX9TZ", "ADA", "RX", "GRACE@NAVY"] {
            assert!(starts_few(few), "{few:?}");
        }
    }

    #[test]
    fn references_do_not_repeat_in_practice() {
        let references: HashSet<String> = (0..1_000).map(|_| new_reference()).collect();
        assert_eq!(references.len(), 1_000);
    }
}
