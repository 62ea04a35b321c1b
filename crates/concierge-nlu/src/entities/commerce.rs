//! Order and invoice numbers: prefixed forms ("INV-2024-00123", "ORD-5521",
//! "PO-7781") anywhere, and other identifiers after "invoice"/"order"
//! ("invoice 12345", "order #A12345").
//!
//! After the word, an identifier needs at least three digits, and a purely
//! numeric one at least five unless written with `#`: "order 100 units" and
//! "invoice 2 days ago" are not numbers.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{compiled, Candidate, Kind, Scan};

struct Patterns {
    invoice_prefixed: Regex,
    order_prefixed: Regex,
    invoice_context: Regex,
    order_context: Regex,
}

const ID: &str = r"(#)?\s*([A-Za-z0-9](?:[A-Za-z0-9]|[-/][A-Za-z0-9])*)";

fn patterns() -> Option<&'static Patterns> {
    static RE: OnceLock<Option<Patterns>> = OnceLock::new();
    compiled(&RE, || {
        Ok(Patterns {
            invoice_prefixed: Regex::new(r"\b(?i:inv)[-_#]?[0-9]{2,}(?:[-/][0-9A-Za-z]+)*\b")?,
            order_prefixed: Regex::new(r"\b(?:ORD|PO|SO)[-_#]?[0-9]{3,}(?:[-/][0-9A-Za-z]+)*\b")?,
            invoice_context: Regex::new(&format!(
                r"(?i)\binvoices?(?:\s+(?:number|no\.?|num|id))?\s*:?\s*{ID}"
            ))?,
            order_context: Regex::new(&format!(
                r"(?i)\b(?:order|purchase\s+order)s?(?:\s+(?:number|no\.?|num|id))?\s*:?\s*{ID}"
            ))?,
        })
    })
}

pub(super) fn warm_up() -> bool {
    patterns().is_some()
}

/// An identifier after "order"/"invoice" looks like a number, not a word.
fn plausible(id: &str, hashed: bool) -> bool {
    let digits = id.bytes().filter(u8::is_ascii_digit).count();
    let numeric = digits == id.len();
    digits >= 3 && (!numeric || hashed || digits >= 5)
}

pub(super) fn orders_and_invoices(scan: &Scan<'_>, out: &mut Vec<Candidate>) {
    if !scan.has_digit {
        return;
    }
    let Some(p) = patterns() else { return };
    for (re, kind) in [
        (&p.invoice_prefixed, Kind::InvoiceNumber),
        (&p.order_prefixed, Kind::OrderNumber),
    ] {
        for m in re.find_iter(scan.text) {
            out.push(Candidate::new(
                m.start(),
                m.end(),
                kind,
                json!(m.as_str().to_ascii_uppercase()),
            ));
        }
    }
    for (re, kind) in [
        (&p.invoice_context, Kind::InvoiceNumber),
        (&p.order_context, Kind::OrderNumber),
    ] {
        for caps in re.captures_iter(scan.text) {
            let Some(id) = caps.get(2) else { continue };
            if !plausible(id.as_str(), caps.get(1).is_some()) {
                continue;
            }
            out.push(Candidate::new(
                id.start(),
                id.end(),
                kind,
                json!(id.as_str()),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Vec<(Kind, String, String)> {
        let mut out = Vec::new();
        orders_and_invoices(&Scan::new(text), &mut out);
        out.into_iter()
            .map(|c| {
                (
                    c.kind,
                    text[c.start..c.end].to_owned(),
                    c.value.as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn prefixed_and_contextual_numbers() {
        let found = run("I was charged twice on invoice INV-2024-0042");
        assert!(
            found
                .iter()
                .all(|(k, t, _)| *k == Kind::InvoiceNumber && t == "INV-2024-0042"),
            "{found:?}"
        );
        assert_eq!(run("INV-2024-00123")[0].2, "INV-2024-00123");
        assert_eq!(run("invoice 12345")[0].1, "12345");
        assert_eq!(
            run("order #A12345 never arrived")[0],
            (Kind::OrderNumber, "A12345".into(), "A12345".into())
        );
        assert_eq!(run("order #1234")[0].1, "1234");
        assert_eq!(run("see PO-77812")[0].0, Kind::OrderNumber);
    }

    #[test]
    fn words_after_order_are_not_numbers() {
        assert!(run("in order to log in").is_empty());
        assert!(run("order 100 units").is_empty());
        assert!(run("the invoice 2 days ago").is_empty());
        assert!(run("invoiced 12345").is_empty());
    }
}
