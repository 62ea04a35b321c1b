//! Whole-extractor tests: realistic support messages, overlap resolution,
//! character offsets, and property tests on arbitrary input.

use chrono::TimeZone;
use proptest::prelude::*;
use serde_json::json;

use super::*;

fn reference() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 18, 10, 30, 15).unwrap()
}

fn extract(text: &str) -> Vec<Entity> {
    EntityExtractor::default().extract(text, reference())
}

fn kinds(text: &str) -> Vec<(String, String)> {
    extract(text)
        .into_iter()
        .map(|e| (e.kind, e.text))
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, t)| ((*k).to_owned(), (*t).to_owned()))
        .collect()
}

#[test]
fn case_session_and_phone() {
    let text = "Case 00012345 still shows INVALID_SESSION_ID on /services/data/v59.0/ since yesterday 3pm, call me at (415) 555-0132";
    let found = extract(text);
    assert_eq!(
        found
            .iter()
            .map(|e| (e.kind.as_str(), e.text.as_str()))
            .collect::<Vec<_>>(),
        [
            ("case_number", "00012345"),
            ("sf_error_code", "INVALID_SESSION_ID"),
            ("api_version", "v59.0"),
            ("datetime", "yesterday 3pm"),
            ("phone", "(415) 555-0132"),
        ]
    );
    assert_eq!(found[2].value, json!("59.0"));
    assert_eq!(
        found[3].value,
        json!({"value": "2026-03-17T15:00:00Z", "grain": "hour"})
    );
    assert_eq!(found[4].value, json!("+14155550132"));
}

#[test]
fn double_charge_on_an_invoice() {
    let found = extract("I was charged $1,299.00 twice on invoice INV-2024-0042");
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].kind, "money");
    assert_eq!(
        found[0].value,
        json!({"amount": "1299.00", "currency": "USD"})
    );
    assert_eq!(found[1].kind, "invoice_number");
    assert_eq!(found[1].text, "INV-2024-0042");
}

#[test]
fn user_id_that_cannot_log_in() {
    let found = extract("User 0055g00000AbCdEAAV can't log in");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, "salesforce_id");
    assert_eq!(found[0].value["object"], "User");
    assert_eq!((found[0].start, found[0].end), (5, 23));
}

#[test]
fn checksum_invalid_ids_are_rejected() {
    assert!(kinds("User 0055g00000AbCdEAAA can't log in").is_empty());
}

#[test]
fn apex_limit_exception() {
    let found = extract("System.LimitException: Too many SOQL queries: 101");
    assert_eq!(found[0].kind, "apex_exception");
    assert_eq!(found[0].text, "System.LimitException");
    assert!(found.iter().all(|e| e.kind != "url"));
}

#[test]
fn org_id_and_products() {
    let found =
        kinds("Our org 00D5g000004XyZaEAK on Service Cloud, Enterprise Edition, gets HTTP 503");
    assert_eq!(
        found,
        pairs(&[
            ("org_id", "00D5g000004XyZaEAK"),
            ("product", "Service Cloud"),
            ("product", "Enterprise Edition"),
            ("http_status", "503"),
        ])
    );
}

#[test]
fn email_domain_is_not_a_url() {
    assert_eq!(
        kinds("mail jane@acme.com or see acme.com"),
        pairs(&[("email", "jane@acme.com"), ("url", "acme.com")])
    );
}

#[test]
fn url_swallows_what_it_contains() {
    let found =
        kinds("open https://acme.my.salesforce.com/lightning/r/Case/5005g00000AbCdEAAV/view now");
    assert_eq!(
        found,
        pairs(&[(
            "url",
            "https://acme.my.salesforce.com/lightning/r/Case/5005g00000AbCdEAAV/view"
        )])
    );
}

#[test]
fn order_that_is_a_salesforce_order_id() {
    let found = extract("order 8015g00000AbCdEAAV is stuck");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, "salesforce_id");
    assert_eq!(found[0].value["object"], "Order");
}

#[test]
fn ip_and_error_with_status() {
    assert_eq!(
        kinds("from 10.20.30.40 we got a 401 and REQUEST_LIMIT_EXCEEDED at 15:30"),
        pairs(&[
            ("ip", "10.20.30.40"),
            ("http_status", "401"),
            ("sf_error_code", "REQUEST_LIMIT_EXCEEDED"),
            ("datetime", "15:30"),
        ])
    );
}

#[test]
fn character_offsets_after_multibyte_text() {
    let text = "Grüße 🙂 — Fall 00012345, 49,99 € am 14.03.2026 für Müller@beispiel.de";
    let found = extract(text);
    let chars: Vec<char> = text.chars().collect();
    for e in &found {
        let slice: String = chars[e.start..e.end].iter().collect();
        assert_eq!(slice, e.text, "{e:?}");
    }
    let kinds: Vec<_> = found.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["money", "datetime", "email"], "{found:?}");
    assert_eq!(found[0].start, 25);
}

#[test]
fn tenant_region_and_products() {
    let extractor = EntityExtractor::new(EntityConfig {
        default_region: "GB".into(),
        products: vec![GazetteerEntry::new(
            "Acme Billing",
            ProductCategory::Product,
        )],
    });
    let found = extractor.extract(
        "Acme billing failed, ring 020 7946 0958 re 04/03/2026",
        reference(),
    );
    let values: Vec<_> = found.iter().map(|e| e.value.clone()).collect();
    assert_eq!(
        values,
        [
            json!({"name": "Acme Billing", "category": "product"}),
            json!("+442079460958"),
            json!({"value": "2026-03-04T00:00:00Z", "grain": "day"}),
        ]
    );
}

#[test]
fn config_round_trips_and_rejects_unknown_fields() {
    let config = EntityConfig::default();
    let text = serde_json::to_string(&config).unwrap();
    let back: EntityConfig = serde_json::from_str(&text).unwrap();
    assert_eq!(back, config);
    let partial: EntityConfig = serde_json::from_str(r#"{"default_region":"DE"}"#).unwrap();
    assert_eq!(partial.products.len(), config.products.len());
    assert!(serde_json::from_str::<EntityConfig>(r#"{"region":"DE"}"#).is_err());
}

#[test]
fn empty_and_whitespace() {
    assert!(extract("").is_empty());
    assert!(extract(" \n\t ").is_empty());
}

#[test]
fn huge_and_binary_looking_input() {
    let mut text = "Case 00012345 at $5 on 2026-03-14, ".repeat(400);
    text.push_str(&"\u{0}\u{1}\u{fffd}ÿ".repeat(200));
    let found = extract(&text);
    assert_eq!(
        found.iter().filter(|e| e.kind == "case_number").count(),
        400
    );
    assert!(found.windows(2).all(|w| w[0].end <= w[1].start));
}

#[test]
fn every_shared_pattern_compiles() {
    assert!(warm_up());
}

fn check_invariants(text: &str, found: &[Entity]) -> Result<(), TestCaseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut last_end = 0;
    for e in found {
        prop_assert!(e.start < e.end && e.end <= chars.len(), "{e:?}");
        prop_assert!(e.start >= last_end, "overlap or unsorted: {e:?}");
        last_end = e.end;
        let slice: String = chars[e.start..e.end].iter().collect();
        prop_assert_eq!(&slice, &e.text);
    }
    Ok(())
}

proptest! {
    #[test]
    fn never_panics_and_offsets_hold(text in any::<String>()) {
        let found = extract(&text);
        check_invariants(&text, &found)?;
    }

    #[test]
    fn support_like_text_keeps_invariants(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("Case #00012345".to_owned()),
                Just("$1,299.00".to_owned()),
                Just("0055g00000AbCdEAAV".to_owned()),
                Just("yesterday 3pm".to_owned()),
                Just("(415) 555-0132".to_owned()),
                Just("jane@acme.com".to_owned()),
                Just("https://acme.com/x".to_owned()),
                Just("v59.0".to_owned()),
                Just("ünïcødé 漢字 🙂".to_owned()),
                "[ -~]{0,12}",
                "\\PC{0,6}",
            ],
            0..12,
        ),
        seps in proptest::collection::vec(prop_oneof![Just(" "), Just(""), Just(", "), Just("\n")], 12),
    ) {
        let mut text = String::new();
        for (i, part) in parts.iter().enumerate() {
            text.push_str(part);
            text.push_str(seps[i % seps.len()]);
        }
        let found = extract(&text);
        check_invariants(&text, &found)?;
    }
}
