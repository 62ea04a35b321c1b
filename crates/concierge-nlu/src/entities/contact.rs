//! Email addresses (internationalised ones too: `müller@beispiel.de`).

use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;

use super::{compiled, Candidate, Kind, Scan};

fn email_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    compiled(&RE, || {
        Regex::new(
            r"[\p{L}\p{N}](?:[\p{L}\p{N}._%+\-]*[\p{L}\p{N}_%+\-])?@(?:[\p{L}\p{N}](?:[\p{L}\p{N}\-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,24}\b",
        )
    })
}

pub(super) fn warm_up() -> bool {
    email_re().is_some()
}

pub(super) fn emails(scan: &Scan<'_>, out: &mut Vec<Candidate>) {
    if !scan.has_at {
        return;
    }
    let Some(re) = email_re() else { return };
    for m in re.find_iter(scan.text) {
        // Not the tail of a longer token ("x.y" before is fine; "é" or "_" is not).
        if scan
            .before(m.start())
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '@')
        {
            continue;
        }
        let Some((local, domain)) = m.as_str().split_once('@') else {
            continue;
        };
        if local.contains("..") {
            continue;
        }
        let value = format!("{local}@{}", domain.to_lowercase());
        out.push(Candidate::new(
            m.start(),
            m.end(),
            Kind::Email,
            json!(value),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        emails(&Scan::new(text), &mut out);
        out.into_iter()
            .map(|c| {
                (
                    text[c.start..c.end].to_owned(),
                    c.value.as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn finds_addresses_and_lowercases_the_domain() {
        assert_eq!(
            find("Write to Jane.Doe+support@Acme.CO.uk, thanks."),
            vec![(
                "Jane.Doe+support@Acme.CO.uk".to_owned(),
                "Jane.Doe+support@acme.co.uk".to_owned()
            )]
        );
        assert_eq!(find("ops@example.com").len(), 1);
    }

    #[test]
    fn rejects_non_addresses() {
        assert!(find("meet @ noon").is_empty());
        assert!(find("user@localhost").is_empty());
        assert!(find("a..b@example.com").is_empty());
        assert!(find("no at sign here.com").is_empty());
    }
}
