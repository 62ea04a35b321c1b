//! Phone numbers, normalised to E.164.
//!
//! Deliberately not a full numbering-plan library (the `phonenumber` crate
//! carries every country's metadata): international numbers (`+44 20 …`,
//! `0044 …`, `011 44 …`) are accepted when they have 8–15 digits, North
//! American numbers are checked against the NANP shape, and other national
//! numbers against the length (and trunk `0`) of the tenant's region.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{compiled, region::Region, Candidate, Kind, Scan};

struct Patterns {
    international: Regex,
    nanp: Regex,
    national: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static RE: OnceLock<Option<Patterns>> = OnceLock::new();
    compiled(&RE, || {
        Ok(Patterns {
            international: Regex::new(
                r"(?:\+|\b00|\b011[ ]?)[1-9][0-9]{0,3}(?:[ .\-]?(?:\(0\)|\([0-9]{1,4}\)|[0-9]{1,6})){1,7}",
            )?,
            nanp: Regex::new(
                r"(?:\b1[ .\-]?)?(?:\([2-9][0-9]{2}\)|\b[2-9][0-9]{2})[ .\-]?[2-9][0-9]{2}[ .\-]?[0-9]{4}\b",
            )?,
            national: Regex::new(
                r"(?:\([0-9]{1,5}\)|\b[0-9]{1,5})(?:[ .\-]?(?:[0-9]{2,5})){1,5}\b",
            )?,
        })
    })
}

pub(super) fn warm_up() -> bool {
    patterns().is_some()
}

/// A phone number is not glued to other number-ish text: "2024-00123" inside
/// an invoice number or "10.0.0.1" are not phones.
fn free_standing(scan: &Scan<'_>, start: usize, end: usize) -> bool {
    let glue =
        |c: char| c.is_alphanumeric() || matches!(c, '_' | '/' | '#' | '-' | '.' | '+' | '@');
    let before_ok = !scan.before(start).is_some_and(glue);
    let after_ok = match scan.after2(end) {
        (Some(c), _) if c.is_alphanumeric() || matches!(c, '_' | '/' | '@') => false,
        (Some('-' | '.' | ','), Some(d)) if d.is_ascii_digit() => false,
        _ => true,
    };
    before_ok && after_ok
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

pub(super) fn phones(scan: &Scan<'_>, region: &Region, out: &mut Vec<Candidate>) {
    if !scan.has_digit {
        return;
    }
    let Some(p) = patterns() else { return };
    let text = scan.text;

    for m in p.international.find_iter(text) {
        if !free_standing(scan, m.start(), m.end()) {
            continue;
        }
        let raw = m.as_str();
        let body = raw.replace("(0)", "");
        let body = body
            .strip_prefix('+')
            .or_else(|| body.strip_prefix("011"))
            .or_else(|| body.strip_prefix("00"))
            .unwrap_or(&body);
        let number = digits(body);
        if !(8..=15).contains(&number.len()) {
            continue;
        }
        // +1 numbers are NANP-shaped: exactly 1 + 10 digits.
        if number.starts_with('1') && !nanp_ok(number.get(1..).unwrap_or("")) {
            continue;
        }
        out.push(Candidate::new(
            m.start(),
            m.end(),
            Kind::Phone,
            json!(format!("+{number}")),
        ));
    }

    if region.is_nanp() {
        for m in p.nanp.find_iter(text) {
            if !free_standing(scan, m.start(), m.end()) {
                continue;
            }
            let mut number = digits(m.as_str());
            if number.len() == 11 {
                number.remove(0);
            }
            if nanp_ok(&number) && parens_balanced(m.as_str()) {
                out.push(Candidate::new(
                    m.start(),
                    m.end(),
                    Kind::Phone,
                    json!(format!("+1{number}")),
                ));
            }
        }
    } else if !region.calling_code.is_empty() {
        for m in p.national.find_iter(text) {
            if !free_standing(scan, m.start(), m.end()) || !parens_balanced(m.as_str()) {
                continue;
            }
            let number = digits(m.as_str());
            let national = if region.trunk_zero {
                match number.strip_prefix('0') {
                    Some(rest) if !rest.starts_with('0') => rest,
                    _ => continue,
                }
            } else {
                number.as_str()
            };
            let (min, max) = region.national_digits;
            if (min..=max).contains(&national.len()) {
                out.push(Candidate::new(
                    m.start(),
                    m.end(),
                    Kind::Phone,
                    json!(format!("+{}{national}", region.calling_code)),
                ));
            }
        }
    }
}

/// Ten digits, area code and exchange starting 2–9.
fn nanp_ok(number: &str) -> bool {
    let b = number.as_bytes();
    b.len() == 10
        && b.iter().all(u8::is_ascii_digit)
        && (b'2'..=b'9').contains(&b[0])
        && (b'2'..=b'9').contains(&b[3])
}

fn parens_balanced(s: &str) -> bool {
    s.matches('(').count() == s.matches(')').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str, region: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        phones(&Scan::new(text), &Region::lookup(region), &mut out);
        out.into_iter()
            .map(|c| {
                (
                    text[c.start..c.end].to_owned(),
                    c.value.as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    fn values(text: &str, region: &str) -> Vec<String> {
        find(text, region).into_iter().map(|(_, v)| v).collect()
    }

    #[test]
    fn north_american_formats() {
        for text in [
            "call me at (415) 555-0132",
            "415-555-0132",
            "415.555.0132",
            "4155550132",
            "1-415-555-0132",
            "+1 (415) 555-0132",
            "+1 415 555 0132",
        ] {
            assert!(
                values(text, "US").contains(&"+14155550132".to_owned()),
                "{text}: {:?}",
                find(text, "US")
            );
        }
    }

    #[test]
    fn international_numbers() {
        assert_eq!(values("+44 20 7946 0958", "US"), ["+442079460958"]);
        assert_eq!(values("+44 (0)20 7946 0958", "US"), ["+442079460958"]);
        assert_eq!(values("ring 0044 20 7946 0958", "US"), ["+442079460958"]);
        assert_eq!(values("+33 1 23 45 67 89", "US"), ["+33123456789"]);
    }

    #[test]
    fn national_numbers_use_the_region() {
        assert_eq!(values("020 7946 0958", "GB"), ["+442079460958"]);
        assert_eq!(values("030 1234567", "DE"), ["+49301234567"]);
        assert_eq!(values("612 345 678", "ES"), ["+34612345678"]);
        assert!(values("020 7946 0958", "XX").is_empty());
    }

    #[test]
    fn rejects_numbers_that_are_not_phones() {
        assert!(values("case 00012345", "US").is_empty());
        assert!(values("INV-2024-0042", "US").is_empty());
        assert!(values("2026-03-14", "US").is_empty());
        assert!(values("10.0.0.1", "US").is_empty());
        assert!(values("(123) 555-0132", "US").is_empty()); // area code can't start with 1
        assert!(values("+1 123 555 0132", "US").is_empty());
        assert!(values("+12", "US").is_empty());
    }
}
