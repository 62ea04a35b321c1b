//! Salesforce record ids: 15-character case-sensitive ids, their 18-character
//! case-safe form (a 3-character checksum suffix that encodes the case of the
//! first 15), key prefixes, and the generator the simulator uses for new records.

use std::sync::atomic::{AtomicU64, Ordering};

/// The alphabet of the checksum suffix: 5 case bits → one character.
const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
/// The alphabet of the record-number part of a generated id.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Record numbers handed out by [`new_id`]; process-wide so that two simulated
/// orgs never hand out the same id (ids are opaque, so sharing one counter
/// between orgs is harmless).
static NEXT_RECORD: AtomicU64 = AtomicU64::new(1_000_000);

/// A new 18-character id for an object with this key prefix (e.g. `500` for
/// Case): the prefix, a pod part (`5g0`), 9 base-62 record-number characters,
/// then the case-safe suffix. A prefix that is not 3 alphanumeric characters
/// is padded or cut to 3.
pub fn new_id(key_prefix: &str) -> String {
    let mut prefix: String = key_prefix
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(3)
        .collect();
    while prefix.len() < 3 {
        prefix.push('0');
    }
    let mut n = NEXT_RECORD.fetch_add(1, Ordering::Relaxed);
    let mut digits = [b'0'; 9];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    let mut id15 = prefix;
    id15.push_str("5g0");
    id15.extend(digits.iter().map(|&b| b as char));
    // Cannot fail: 15 ASCII alphanumerics by construction.
    to18(&id15).unwrap_or(id15)
}

/// The 18-character case-safe form of a 15-character id; `None` if `id15` is
/// not exactly 15 ASCII alphanumeric characters.
pub fn to18(id15: &str) -> Option<String> {
    if id15.len() != 15 || !id15.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let bytes = id15.as_bytes();
    let mut out = String::with_capacity(18);
    out.push_str(id15);
    for chunk in bytes.chunks(5) {
        let mut bits = 0usize;
        for (i, b) in chunk.iter().enumerate() {
            if b.is_ascii_uppercase() {
                bits |= 1 << i;
            }
        }
        out.push(SUFFIX_ALPHABET[bits] as char);
    }
    Some(out)
}

/// A 15- or 18-character id in its canonical 18-character form, or `None` if
/// it is malformed (Salesforce answers `MALFORMED_ID`). An 18-character id's
/// suffix is read case-insensitively and restores the case of the first 15
/// characters, as Salesforce does; a suffix that marks a digit as upper case
/// is malformed.
pub fn normalize(id: &str) -> Option<String> {
    match id.len() {
        15 => to18(id),
        18 => {
            if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return None;
            }
            let (body, suffix) = id.split_at(15);
            let mut restored: Vec<u8> = body.as_bytes().to_vec();
            for (chunk_index, s) in suffix.bytes().enumerate() {
                let s = s.to_ascii_uppercase();
                let bits = SUFFIX_ALPHABET.iter().position(|&c| c == s)?;
                for i in 0..5 {
                    let b = &mut restored[chunk_index * 5 + i];
                    let upper = bits & (1 << i) != 0;
                    if upper {
                        if !b.is_ascii_alphabetic() {
                            return None;
                        }
                        *b = b.to_ascii_uppercase();
                    } else {
                        *b = b.to_ascii_lowercase();
                    }
                }
            }
            let body = String::from_utf8(restored).ok()?;
            to18(&body)
        }
        _ => None,
    }
}

/// The 3-character key prefix of an id (whatever its length), if it has one.
pub fn key_prefix(id: &str) -> Option<&str> {
    id.get(..3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_pairs() {
        assert_eq!(
            to18("001D000000IqhSL").as_deref(),
            Some("001D000000IqhSLIAZ")
        );
        assert_eq!(
            to18("0015000000VALDt").as_deref(),
            Some("0015000000VALDtAAP")
        );
    }

    #[test]
    fn normalize_restores_case_from_suffix() {
        assert_eq!(
            normalize("001d000000iqhslIAZ").as_deref(),
            Some("001D000000IqhSLIAZ")
        );
        assert_eq!(
            normalize("001D000000IqhSL").as_deref(),
            Some("001D000000IqhSLIAZ")
        );
        assert_eq!(normalize("001D000000IqhS"), None);
        assert_eq!(normalize("001D000000IqhS-IAZ"), None);
        // a suffix claiming an upper-case digit
        assert_eq!(normalize("0015000000VALDt5AP"), None);
    }

    proptest::proptest! {
        #[test]
        fn the_suffix_restores_any_case(id15 in "[0-9A-Za-z]{15}") {
            let id18 = to18(&id15).unwrap();
            proptest::prop_assert_eq!(&id18[..15], id15.as_str());
            for variant in [id18.clone(), id18.to_lowercase(), id18.to_uppercase(), id15.clone()] {
                let normalized = normalize(&variant);
                proptest::prop_assert_eq!(normalized, Some(id18.clone()), "{}", variant);
            }
        }

        #[test]
        fn malformed_ids_are_refused_not_panicked_on(text in ".{0,20}") {
            if let Some(id) = normalize(&text) {
                proptest::prop_assert_eq!(id.len(), 18);
                proptest::prop_assert!(text.len() == 15 || text.len() == 18);
            }
        }
    }

    #[test]
    fn new_ids_are_unique_and_valid() {
        let a = new_id("500");
        let b = new_id("500");
        assert_ne!(a, b);
        assert_eq!(a.len(), 18);
        assert!(a.starts_with("500"));
        assert_eq!(normalize(&a).as_deref(), Some(a.as_str()));
    }
}
