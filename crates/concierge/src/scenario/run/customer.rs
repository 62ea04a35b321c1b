//! Who the customer of each scenario is: the create-conversation body, the
//! customer's external id, and which scenarios share a customer.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::scenario::format::Scenario;

/// `POST /v1/conversations`: the channel, and the customer's keys that are set.
pub(super) fn create_body(s: &Scenario) -> Value {
    let c = &s.customer;
    let mut customer = json!({ "external_id": external_id(s) });
    for (key, value) in [
        ("email", c.email.clone()),
        ("name", c.name.clone()),
        ("tier", c.tier.map(|t| t.to_string())),
        ("language", c.language.clone()),
    ] {
        if let Some(v) = value {
            customer[key] = json!(v);
        }
    }
    json!({
        "channel": s.channel,
        "customer": customer,
        "metadata": {"source": "scenario", "scenario": s.name, "file": s.file.display().to_string()},
    })
}

/// Scenarios grouped by customer email (in file order); no email, no group.
pub(super) fn by_customer(scenarios: &[Scenario]) -> Vec<Vec<&Scenario>> {
    let mut groups: Vec<Vec<&Scenario>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for s in scenarios {
        match s.customer.email.as_ref().map(|e| e.trim().to_lowercase()) {
            Some(email) => match index.get(&email) {
                Some(&i) => groups[i].push(s),
                None => {
                    index.insert(email, groups.len());
                    groups.push(vec![s]);
                }
            },
            None => groups.push(vec![s]),
        }
    }
    groups
}

/// The customer's id in "our systems". A tenant holds one customer per
/// email, so scenarios that name the same email are the same customer
/// (`scenario-jane@example.com`, stable across runs against one server) and
/// run one after the other; a scenario without an email gets a customer of
/// its own.
fn external_id(s: &Scenario) -> String {
    match &s.customer.email {
        Some(email) => format!("scenario-{}", email.trim().to_lowercase()),
        None => format!(
            "scenario-{}-{}",
            slug(&s.name),
            uuid::Uuid::new_v4().simple()
        ),
    }
}

/// `Password reset, handled!` → `password-reset-handled` (at most 40 characters).
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "scenario".to_owned()
    } else {
        out.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::format::parse;

    fn scenario(name: &str, customer: &str) -> Scenario {
        parse(
            std::path::Path::new(&format!("{name}.yaml")),
            &format!("name: {name}\n{customer}turns: [{{say: hi}}]\n"),
        )
        .unwrap()
    }

    #[test]
    fn slugs_are_short_and_plain() {
        assert_eq!(slug("Password reset, handled!"), "password-reset-handled");
        assert_eq!(slug("¿Qué?"), "qu");
        assert_eq!(slug("!!!"), "scenario");
        assert!(slug(&"a b ".repeat(50)).len() <= 40);
    }

    #[test]
    fn the_create_body_sends_only_the_customer_keys_given() {
        let s = scenario(
            "Tiered",
            "channel: slack\ncustomer: {email: A@example.com, tier: vip}\n",
        );
        let body = create_body(&s);
        assert_eq!(body["channel"], "slack");
        assert_eq!(body["customer"]["email"], "A@example.com");
        assert_eq!(body["customer"]["tier"], "vip");
        assert!(body["customer"].get("language").is_none());
        assert!(body["customer"].get("name").is_none());
        assert_eq!(body["customer"]["external_id"], "scenario-a@example.com");
        assert_eq!(body["metadata"]["scenario"], "Tiered");
    }

    #[test]
    fn customers_without_an_email_are_new_and_those_with_one_run_in_sequence() {
        let a = scenario("A", "");
        let id = external_id(&a);
        assert!(
            id.starts_with("scenario-a-") && id != external_id(&a),
            "{id}"
        );
        let with =
            |name: &str, email: &str| scenario(name, &format!("customer: {{email: {email}}}\n"));
        let all = [
            with("a", "jane@example.com"),
            scenario("b", ""),
            with("c", "Jane@Example.com"),
            with("d", "sam@example.com"),
            scenario("e", ""),
        ];
        let names: Vec<Vec<&str>> = by_customer(&all)
            .iter()
            .map(|g| g.iter().map(|s| s.name.as_str()).collect())
            .collect();
        assert_eq!(names, [vec!["a", "c"], vec!["b"], vec!["d"], vec!["e"]]);
    }
}
