//! Personal data is masked before text leaves for an external provider:
//! emails, phone numbers and IP addresses (found by the NLU entity
//! extractor), payment card numbers (Luhn-checked), IBANs (mod-97-checked)
//! and US social security numbers become placeholders such as `[EMAIL_1]`.
//! The same value gets the same placeholder in every text of one request,
//! and the [`PiiMap`](crate::pii::PiiMap) restores the originals in the reply (see
//! [`crate::grounding::OutputFilter`], which also handles placeholders split
//! across streamed chunks).

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::Utc;
use concierge_nlu::entities::EntityExtractor;
use regex::Regex;

/// Finds personal data. Build one and share it (the extractor's patterns
/// are compiled once).
#[derive(Debug, Clone, Default)]
pub struct PiiDetector {
    extractor: EntityExtractor,
}

/// A detected span, in byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiSpan {
    pub start: usize,
    pub end: usize,
    /// `EMAIL`, `PHONE`, `IP`, `CARD`, `IBAN`, `SSN`.
    pub kind: &'static str,
}

fn card_pattern() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\b\d(?:[ -]?\d){12,18}\b").ok())
        .as_ref()
}

fn iban_pattern() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b").ok())
        .as_ref()
}

fn ssn_pattern() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\b\d{3}-\d{2}-\d{4}\b").ok())
        .as_ref()
}

/// The Luhn checksum of a card number's digits.
pub fn luhn_valid(digits: &[u8]) -> bool {
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The ISO 13616 mod-97 check of an IBAN (spaces ignored).
pub fn iban_valid(iban: &str) -> bool {
    let s: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&s.len()) || !s.is_ascii() {
        return false;
    }
    let (head, tail) = s.split_at(4);
    let mut rem: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

impl PiiDetector {
    /// A detector with the default entity configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Personal data in `text`, sorted, without overlaps (the longer span wins).
    pub fn detect(&self, text: &str) -> Vec<PiiSpan> {
        let mut spans = Vec::new();
        if text.bytes().any(|b| b.is_ascii_digit() || b == b'@') {
            // Entity offsets are in characters; convert to bytes.
            let bytes: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            for e in self.extractor.extract(text, Utc::now()) {
                let kind = match e.kind.as_str() {
                    "email" => "EMAIL",
                    "phone" => "PHONE",
                    "ip" => "IP",
                    _ => continue,
                };
                if let (Some(&start), Some(&end)) = (bytes.get(e.start), bytes.get(e.end)) {
                    spans.push(PiiSpan { start, end, kind });
                }
            }
        }
        if let Some(re) = card_pattern() {
            for m in re.find_iter(text) {
                let digits: Vec<u8> = m
                    .as_str()
                    .bytes()
                    .filter(u8::is_ascii_digit)
                    .map(|b| b - b'0')
                    .collect();
                if luhn_valid(&digits) {
                    spans.push(PiiSpan {
                        start: m.start(),
                        end: m.end(),
                        kind: "CARD",
                    });
                }
            }
        }
        if let Some(re) = iban_pattern() {
            for m in re.find_iter(text) {
                if iban_valid(m.as_str()) {
                    spans.push(PiiSpan {
                        start: m.start(),
                        end: m.end(),
                        kind: "IBAN",
                    });
                }
            }
        }
        if let Some(re) = ssn_pattern() {
            for m in re.find_iter(text) {
                spans.push(PiiSpan {
                    start: m.start(),
                    end: m.end(),
                    kind: "SSN",
                });
            }
        }
        // Longest first, then keep what does not overlap a kept span.
        spans.sort_by_key(|s| (std::cmp::Reverse(s.end - s.start), s.start));
        let mut kept: Vec<PiiSpan> = Vec::new();
        for s in spans {
            if kept.iter().all(|k| s.end <= k.start || s.start >= k.end) {
                kept.push(s);
            }
        }
        kept.sort_by_key(|s| s.start);
        kept
    }
}

/// Placeholders handed out for one request, and what they stand for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PiiMap {
    /// `EMAIL_1` → the address.
    originals: HashMap<String, String>,
    by_value: HashMap<(String, &'static str), String>,
    counters: HashMap<&'static str, usize>,
}

impl PiiMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// `text` with every detected value replaced by its placeholder.
    pub fn mask(&mut self, detector: &PiiDetector, text: &str) -> String {
        let spans = detector.detect(text);
        if spans.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for s in spans {
            out.push_str(&text[last..s.start]);
            let value = &text[s.start..s.end];
            let key = (value.to_owned(), s.kind);
            let placeholder = match self.by_value.get(&key) {
                Some(p) => p.clone(),
                None => {
                    let n = self.counters.entry(s.kind).or_insert(0);
                    *n += 1;
                    let p = format!("{}_{}", s.kind, n);
                    self.originals.insert(p.clone(), value.to_owned());
                    self.by_value.insert(key, p.clone());
                    p
                }
            };
            out.push('[');
            out.push_str(&placeholder);
            out.push(']');
            last = s.end;
        }
        out.push_str(&text[last..]);
        out
    }

    /// The original behind a placeholder name (`EMAIL_1`, without brackets).
    pub fn original(&self, placeholder: &str) -> Option<&str> {
        self.originals.get(placeholder).map(String::as_str)
    }

    /// Whether nothing was masked.
    pub fn is_empty(&self) -> bool {
        self.originals.is_empty()
    }

    /// How many distinct values were masked.
    pub fn len(&self) -> usize {
        self.originals.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_and_iban_checks() {
        let d = |s: &str| -> Vec<u8> { s.bytes().map(|b| b - b'0').collect() };
        assert!(luhn_valid(&d("4111111111111111")));
        assert!(!luhn_valid(&d("4111111111111112")));
        assert!(iban_valid("GB82 WEST 1234 5698 7654 32"));
        assert!(iban_valid("DE89370400440532013000"));
        assert!(!iban_valid("DE89370400440532013001"));
    }

    #[test]
    fn masks_consistently_and_keeps_other_text() {
        let det = PiiDetector::new();
        let mut map = PiiMap::new();
        let a = map.mask(
            &det,
            "Mail jane.doe@example.com or call +1 415 555 0132; card 4111 1111 1111 1111.",
        );
        assert!(!a.contains("jane.doe"), "{a}");
        assert!(!a.contains("4111"), "{a}");
        assert!(!a.contains("555"), "{a}");
        assert!(
            a.contains("[EMAIL_1]") && a.contains("[CARD_1]") && a.contains("[PHONE_1]"),
            "{a}"
        );
        let b = map.mask(
            &det,
            "again: jane.doe@example.com, IBAN DE89 3704 0044 0532 0130 00",
        );
        assert!(b.contains("[EMAIL_1]"), "same value, same placeholder: {b}");
        assert!(b.contains("[IBAN_1]"), "{b}");
        assert_eq!(map.original("EMAIL_1"), Some("jane.doe@example.com"));
        assert_eq!(map.len(), 4);
    }

    #[test]
    fn numbers_that_are_not_cards_stay() {
        let det = PiiDetector::new();
        let mut map = PiiMap::new();
        let t = "Order 1234567890123 shipped; case 00012345.";
        assert_eq!(map.mask(&det, t), t);
        assert!(map.is_empty());
    }
}
