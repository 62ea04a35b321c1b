//! URLs, IP addresses and HTTP status codes mentioned in context.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{compiled, Candidate, Kind, Scan};

struct Patterns {
    url: Regex,
    bare_domain: Regex,
    ipv4: Regex,
    ipv6: Regex,
    status_after_word: Regex,
    status_after_verb: Regex,
    status_before_word: Regex,
}

/// Top-level domains accepted without a scheme (`acme.my.salesforce.com`);
/// lower case only, so "ASP.NET" is not a URL.
const BARE_TLDS: &str = "com|org|net|io|co|ai|dev|app|edu|gov|info|biz|cloud|site|us|uk|ca|au|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|ie|pl|pt|br|mx|in|jp|cn|kr|sg|nz|za";

fn patterns() -> Option<&'static Patterns> {
    static RE: OnceLock<Option<Patterns>> = OnceLock::new();
    compiled(&RE, || {
        Ok(Patterns {
            url: Regex::new(r#"(?i)\b(?:https?://|ftp://|www\.)[^\s<>"'`{}|\\^]+"#)?,
            bare_domain: Regex::new(&format!(
                r#"\b(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]{{0,61}}[a-zA-Z0-9])?\.)+(?:{BARE_TLDS})\b(?:[/?#][^\s<>"'`{{}}|\\^]*)?"#
            ))?,
            ipv4: Regex::new(r"\b[0-9]{1,3}(?:\.[0-9]{1,3}){3}\b")?,
            ipv6: Regex::new(
                r"(?i)(?:[0-9a-f]{0,4}:){2,7}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-f]{1,4})?",
            )?,
            status_after_word: Regex::new(
                r"(?i)\b(?:https?(?:/[0-9](?:\.[0-9])?)?|status(?:\s+code)?|response(?:\s+code)?|error(?:\s+code)?)\s*[:=]?\s*([1-5][0-9]{2})\b",
            )?,
            status_after_verb: Regex::new(
                r"(?i)\b(?:got|get|gets|getting|return|returns|returned|returning|receive|received|receiving|throws?|threw|throwing|seeing|see|saw|hit|hitting|hits)\s+(?:an?\s+|the\s+)?([1-5][0-9]{2})\b",
            )?,
            status_before_word: Regex::new(
                r"(?i)\b([1-5][0-9]{2})\s+(?:errors?|status|response|code|ok|not\s+found|unauthorized|forbidden|bad\s+request|bad\s+gateway|internal\s+server\s+error|service\s+unavailable|too\s+many\s+requests|gateway\s+time-?out|conflict|method\s+not\s+allowed)\b",
            )?,
        })
    })
}

pub(super) fn warm_up() -> bool {
    patterns().is_some()
}

/// Trims trailing punctuation that ends a sentence rather than the URL, and a
/// closing bracket that has no opening one inside the URL.
fn trim_url(s: &str) -> &str {
    let mut s = s;
    loop {
        let Some(last) = s.chars().next_back() else {
            return s;
        };
        let cut = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '*' => true,
            ')' => s.matches('(').count() < s.matches(')').count(),
            ']' => s.matches('[').count() < s.matches(']').count(),
            _ => false,
        };
        if !cut {
            return s;
        }
        s = &s[..s.len() - last.len_utf8()];
    }
}

pub(super) fn urls(scan: &Scan<'_>, out: &mut Vec<Candidate>) {
    if !scan.has_dot {
        return;
    }
    let Some(p) = patterns() else { return };
    for m in p.url.find_iter(scan.text) {
        let url = trim_url(m.as_str());
        if !url.contains('.') || url.len() < 8 {
            continue;
        }
        let value = if url.to_ascii_lowercase().starts_with("www.") {
            format!("https://{url}")
        } else {
            url.to_owned()
        };
        out.push(Candidate::new(
            m.start(),
            m.start() + url.len(),
            Kind::Url,
            json!(value),
        ));
    }
    for m in p.bare_domain.find_iter(scan.text) {
        // Not part of an email, a path, or a dotted identifier.
        if scan
            .before(m.start())
            .is_some_and(|c| matches!(c, '@' | '/' | '.' | '-' | '_' | ':'))
        {
            continue;
        }
        let url = trim_url(m.as_str());
        if scan.after(m.start() + url.len()) == Some('@') {
            continue;
        }
        out.push(Candidate::new(
            m.start(),
            m.start() + url.len(),
            Kind::Url,
            json!(format!("https://{url}")),
        ));
    }
}

pub(super) fn ips(scan: &Scan<'_>, out: &mut Vec<Candidate>) {
    if !scan.has_digit {
        return;
    }
    let Some(p) = patterns() else { return };
    if scan.has_dot {
        for m in p.ipv4.find_iter(scan.text) {
            let dotted_before = scan.before(m.start()) == Some('.');
            let dotted_after =
                matches!(scan.after2(m.end()), (Some('.'), Some(d)) if d.is_ascii_digit());
            if dotted_before || dotted_after {
                continue;
            }
            if let Ok(addr) = m.as_str().parse::<Ipv4Addr>() {
                out.push(Candidate::new(
                    m.start(),
                    m.end(),
                    Kind::Ip,
                    json!({"address": addr.to_string(), "version": 4}),
                ));
            }
        }
    }
    if scan.has_colon {
        for m in p.ipv6.find_iter(scan.text) {
            let s = m.as_str();
            let glued = |c: Option<char>| {
                c.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '.'))
            };
            if glued(scan.before(m.start())) || glued(scan.after(m.end())) {
                continue;
            }
            if !s.bytes().any(|b| b.is_ascii_digit()) || s.matches(':').count() < 2 {
                continue;
            }
            if let Ok(addr) = s.parse::<Ipv6Addr>() {
                out.push(Candidate::new(
                    m.start(),
                    m.end(),
                    Kind::Ip,
                    json!({"address": addr.to_string(), "version": 6}),
                ));
            }
        }
    }
}

/// Reason phrases of the codes we accept; others in 100..=599 have none.
fn reason(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        418 => "I'm a teapot",
        422 => "Unprocessable Content",
        423 => "Locked",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        511 => "Network Authentication Required",
        _ => return None,
    })
}

fn class(code: u16) -> &'static str {
    match code / 100 {
        1 => "informational",
        2 => "success",
        3 => "redirection",
        4 => "client_error",
        _ => "server_error",
    }
}

pub(super) fn http_statuses(scan: &Scan<'_>, out: &mut Vec<Candidate>) {
    if !scan.has_digit {
        return;
    }
    let Some(p) = patterns() else { return };
    // (pattern, accept codes below 400: "got a 200" is rarely a status).
    for (re, low_ok) in [
        (&p.status_after_word, true),
        (&p.status_after_verb, false),
        (&p.status_before_word, true),
    ] {
        for caps in re.captures_iter(scan.text) {
            let Some(m) = caps.get(1) else { continue };
            let Ok(code) = m.as_str().parse::<u16>() else {
                continue;
            };
            let reason = reason(code);
            if reason.is_none() || (!low_ok && code < 400) {
                continue;
            }
            out.push(Candidate::new(
                m.start(),
                m.end(),
                Kind::HttpStatus,
                json!({"code": code, "reason": reason, "class": class(code)}),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&Scan<'_>, &mut Vec<Candidate>), text: &str) -> Vec<(String, serde_json::Value)> {
        let mut out = Vec::new();
        f(&Scan::new(text), &mut out);
        out.into_iter()
            .map(|c| (text[c.start..c.end].to_owned(), c.value))
            .collect()
    }

    #[test]
    fn urls_with_and_without_scheme() {
        let found = run(
            urls,
            "See https://acme.my.salesforce.com/lightning/r/Case/500/view).",
        );
        assert_eq!(
            found[0].0,
            "https://acme.my.salesforce.com/lightning/r/Case/500/view"
        );
        let found = run(urls, "go to www.example.com.");
        assert_eq!(found[0].1, "https://www.example.com");
        let found = run(urls, "our org acme.my.salesforce.com is down");
        assert_eq!(found[0].1, "https://acme.my.salesforce.com");
        let found = run(urls, "(see https://en.wikipedia.org/wiki/Foo_(bar))");
        assert_eq!(found[0].0, "https://en.wikipedia.org/wiki/Foo_(bar)");
    }

    #[test]
    fn dotted_names_are_not_urls() {
        assert!(run(urls, "System.LimitException in ASP.NET and Node.js").is_empty());
        assert!(run(urls, "/services/data/v59.0/").is_empty());
    }

    #[test]
    fn ip_addresses() {
        let found = run(
            ips,
            "from 192.168.1.20 and fe80::1ff:fe23:4567:890a, not 1.2.3.4.5",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].1, json!({"address": "192.168.1.20", "version": 4}));
        assert_eq!(found[1].1["version"], 6);
        assert!(run(ips, "999.1.1.1 and 15:30:00 and std::fmt").is_empty());
        // Both are proposed; the longer IPv6 span wins at resolution.
        assert!(run(ips, "::ffff:10.0.0.1")
            .iter()
            .any(|(t, v)| t == "::ffff:10.0.0.1" && v["version"] == 6));
    }

    #[test]
    fn statuses_need_context() {
        let codes = |t: &str| -> Vec<u64> {
            run(http_statuses, t)
                .into_iter()
                .filter_map(|(_, v)| v["code"].as_u64())
                .collect()
        };
        assert_eq!(codes("HTTP 503 since noon"), [503]);
        assert_eq!(codes("we got a 401 back"), [401]);
        assert_eq!(codes("status code 429"), [429]);
        assert_eq!(codes("a 500 Internal Server Error"), [500]);
        assert_eq!(codes("HTTP/1.1 404 Not Found").len(), 2); // same span twice, resolved later
        assert!(codes("we got 200 new leads").is_empty());
        assert!(codes("I have 503 users").is_empty());
        assert!(codes("status 999").is_empty());
    }
}
