//! Amounts of money with their ISO 4217 currency: "$49.99", "49,99 €",
//! "USD 1,200", "1.2k EUR", "£1.5m", "200 dollars".
//!
//! The amount is a decimal string (never a float): grouping is removed and the
//! decimal separator is inferred — with both `,` and `.` the last one is
//! decimal; with one of them, a single separator followed by exactly three
//! digits groups thousands ("1,200", "1.200") and anything else is decimal
//! ("49,99", "1.2k").

use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{compiled, region::Region, Candidate, Kind, Scan};

/// ISO 4217 codes recognised next to an amount (upper case only, so "try 5"
/// is not Turkish lira). PHP is left out: "PHP 8" is a language version.
const CODES: &str = "USD|EUR|GBP|JPY|CNY|RMB|INR|CAD|AUD|NZD|CHF|SEK|NOK|DKK|PLN|CZK|HUF|RON|BGN|HKD|SGD|KRW|BRL|MXN|ARS|CLP|COP|PEN|ZAR|TRY|RUB|ILS|AED|SAR|QAR|KWD|EGP|NGN|KES|THB|IDR|MYR|VND|TWD|PKR|BDT|UAH";

const NUM: &str = r"(?:[0-9]{1,2}(?:,[0-9]{2})+,[0-9]{3}(?:\.[0-9]{1,2})?|[0-9]{1,3}(?:[,.'\u{a0}\u{202f}\x20][0-9]{3})+(?:[.,][0-9]{1,2})?|[0-9]+(?:[.,][0-9]+)?)";
const MAG: &str = r"(?:\s?(?i:thousand|million|billion|mn|bn)\b|[kKmMbB]\b)";

fn money_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    compiled(&RE, || {
        Regex::new(&format!(
            r"(?x)
            (?P<sym1>US\$|CA\$|AU\$|NZ\$|HK\$|MX\$|C\$|A\$|S\$|R\$|CN¥|[$€£¥₹₩₽₺₫₱₪฿])\s?(?P<n1>{NUM})(?P<m1>{MAG})?
            | \b(?P<code1>{CODES})\s?(?P<n2>{NUM})(?P<m2>{MAG})?
            | (?P<n3>{NUM})(?P<m3>{MAG})?\s?(?:
                  (?P<sym2>€|£|¥|₹|₩|₽|₺|₫|₱|₪|฿|zł|Kč|kr\b|CHF\b|\$)
                | (?P<code2>{CODES})\b
                | (?i:(?P<word>dollars?|bucks|euros?|pounds?|yen|rupees?|pesos?))\b )"
        ))
    })
}

pub(super) fn warm_up() -> bool {
    money_re().is_some()
}

fn symbol_currency(symbol: &str, region: &Region) -> &'static str {
    match symbol {
        "$" => region.dollar,
        "US$" => "USD",
        "CA$" | "C$" => "CAD",
        "AU$" | "A$" => "AUD",
        "NZ$" => "NZD",
        "HK$" => "HKD",
        "MX$" => "MXN",
        "S$" => "SGD",
        "R$" => "BRL",
        "CN¥" => "CNY",
        "¥" => region.yen,
        "€" => "EUR",
        "£" => "GBP",
        "₹" => "INR",
        "₩" => "KRW",
        "₽" => "RUB",
        "₺" => "TRY",
        "₫" => "VND",
        "₱" => "PHP",
        "₪" => "ILS",
        "฿" => "THB",
        "zł" => "PLN",
        "Kč" => "CZK",
        "kr" => region.krone,
        "CHF" => "CHF",
        _ => "XXX",
    }
}

fn word_currency(word: &str, region: &Region) -> &'static str {
    match word.to_ascii_lowercase().trim_end_matches('s') {
        "dollar" | "buck" => region.dollar,
        "euro" => "EUR",
        "pound" => "GBP",
        "yen" => "JPY",
        "rupee" => "INR",
        "peso" => "MXN",
        _ => "XXX",
    }
}

fn magnitude(mag: &str) -> usize {
    match mag.trim().to_ascii_lowercase().as_str() {
        "k" | "thousand" => 3,
        "m" | "mn" | "million" => 6,
        "b" | "bn" | "billion" => 9,
        _ => 0,
    }
}

/// "1.200,50" → "1200.50"; "1.2" with `shift` 3 → "1200".
pub(crate) fn normalize_amount(num: &str, shift: usize) -> Option<String> {
    let marks: Vec<char> = num.chars().filter(|c| matches!(c, '.' | ',')).collect();
    let decimal = match (marks.first(), marks.last()) {
        (Some(&first), Some(&last)) if first != last => Some(last),
        (Some(&only), Some(_)) if marks.len() == 1 => {
            let after = num.rsplit(only).next().unwrap_or("");
            (after.len() != 3).then_some(only)
        }
        _ => None,
    };
    let (int, frac) = match decimal {
        Some(sep) => num.rsplit_once(sep)?,
        None => (num, ""),
    };
    let int: String = int.chars().filter(char::is_ascii_digit).collect();
    let mut frac: String = frac.chars().filter(char::is_ascii_digit).collect();
    if int.is_empty() || int.len() > 30 {
        return None;
    }
    // Move the decimal point `shift` places right.
    let mut int = int;
    let moved = shift.min(frac.len());
    int.extend(frac.drain(..moved));
    int.extend(std::iter::repeat_n('0', shift - moved));
    let int = match int.trim_start_matches('0') {
        "" => "0",
        trimmed => trimmed,
    };
    Some(if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    })
}

pub(super) fn money(scan: &Scan<'_>, region: &Region, out: &mut Vec<Candidate>) {
    if !scan.has_digit {
        return;
    }
    let Some(re) = money_re() else { return };
    for caps in re.captures_iter(scan.text) {
        let Some(whole) = caps.get(0) else { continue };
        let (num, mag, currency) = if let Some(n) = caps.name("n1") {
            let sym = caps.name("sym1").map_or("", |m| m.as_str());
            (n, caps.name("m1"), symbol_currency(sym, region))
        } else if let Some(n) = caps.name("n2") {
            let code = caps.name("code1").map_or("", |m| m.as_str());
            (n, caps.name("m2"), code_currency(code))
        } else if let Some(n) = caps.name("n3") {
            let currency = if let Some(sym) = caps.name("sym2") {
                symbol_currency(sym.as_str(), region)
            } else if let Some(code) = caps.name("code2") {
                code_currency(code.as_str())
            } else if let Some(word) = caps.name("word") {
                word_currency(word.as_str(), region)
            } else {
                continue;
            };
            // The number must start a token: not "INV-2024 EUR" or "x5$".
            if scan.before(n.start()).is_some_and(|c| {
                c.is_alphanumeric() || matches!(c, '_' | '.' | ',' | '-' | '/' | '#')
            }) {
                continue;
            }
            (n, caps.name("m3"), currency)
        } else {
            continue;
        };
        // An amount glued to more digits ("$1.2.3") is not money.
        if scan.after(num.end()).is_some_and(|c| c.is_ascii_digit()) && mag.is_none() {
            continue;
        }
        let shift = mag.map_or(0, |m| magnitude(m.as_str()));
        let Some(amount) = normalize_amount(num.as_str(), shift) else {
            continue;
        };
        if currency == "XXX" {
            continue;
        }
        // A trailing space before nothing useful is not part of the span.
        let end = whole.start() + whole.as_str().trim_end().len();
        out.push(Candidate::new(
            whole.start(),
            end,
            Kind::Money,
            json!({"amount": amount, "currency": currency}),
        ));
    }
}

fn code_currency(code: &str) -> &'static str {
    if code == "RMB" {
        return "CNY";
    }
    CODES.split('|').find(|c| *c == code).unwrap_or("XXX")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str, region: &str) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        money(&Scan::new(text), &Region::lookup(region), &mut out);
        out.into_iter()
            .map(|c| {
                (
                    text[c.start..c.end].to_owned(),
                    c.value["amount"].as_str().unwrap_or_default().to_owned(),
                    c.value["currency"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    fn one(text: &str) -> (String, String) {
        let found = find(text, "US");
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        (found[0].1.clone(), found[0].2.clone())
    }

    #[test]
    fn the_issue_examples() {
        assert_eq!(one("$49.99"), ("49.99".into(), "USD".into()));
        assert_eq!(one("49,99 €"), ("49.99".into(), "EUR".into()));
        assert_eq!(one("USD 1,200"), ("1200".into(), "USD".into()));
        assert_eq!(one("1.2k EUR"), ("1200".into(), "EUR".into()));
        assert_eq!(
            one("charged $1,299.00 twice"),
            ("1299.00".into(), "USD".into())
        );
    }

    #[test]
    fn more_formats() {
        assert_eq!(one("1.200,50 €"), ("1200.50".into(), "EUR".into()));
        assert_eq!(one("£1.5m"), ("1500000".into(), "GBP".into()));
        assert_eq!(one("₹1,00,000"), ("100000".into(), "INR".into()));
        assert_eq!(one("200 dollars"), ("200".into(), "USD".into()));
        assert_eq!(one("R$ 50,00"), ("50.00".into(), "BRL".into()));
        assert_eq!(one("12 345,67 €"), ("12345.67".into(), "EUR".into()));
        assert_eq!(one("5 million USD"), ("5000000".into(), "USD".into()));
        assert_eq!(one("CA$20"), ("20".into(), "CAD".into()));
        assert_eq!(one("100 CHF"), ("100".into(), "CHF".into()));
    }

    #[test]
    fn span_is_the_written_amount() {
        let found = find("refund 49,99 € please", "US");
        assert_eq!(found[0].0, "49,99 €");
        let found = find("USD 1,200.", "US");
        assert_eq!(found[0].0, "USD 1,200");
    }

    #[test]
    fn region_decides_the_dollar() {
        assert_eq!(find("$20", "CA")[0].2, "CAD");
        assert_eq!(find("$20", "AU")[0].2, "AUD");
    }

    #[test]
    fn not_money() {
        assert!(find("INV-2024 EUR", "US").is_empty());
        assert!(find("PHP 8 and try 5", "US").is_empty());
        assert!(find("case 00012345", "US").is_empty());
        assert!(find("$", "US").is_empty());
    }

    #[test]
    fn amounts() {
        assert_eq!(normalize_amount("1,299.00", 0).as_deref(), Some("1299.00"));
        assert_eq!(normalize_amount("0.5", 3).as_deref(), Some("500"));
        assert_eq!(normalize_amount("1.2345", 3).as_deref(), Some("1234.5"));
        assert_eq!(normalize_amount("007", 0).as_deref(), Some("7"));
        assert_eq!(normalize_amount("1'000", 0).as_deref(), Some("1000"));
    }
}
