//! The default rules against the situations they are for and near misses.

use std::path::Path;
use std::sync::OnceLock;

use concierge_core::{Channel, CustomerTier, Priority};
use concierge_nlu::data::{parse_intents_yaml, Dataset};

use super::*;

const QUEUES: &[&str] = &[
    "general_support",
    "technical_support",
    "billing",
    "security",
    "legal_compliance",
    "enterprise_success",
];

fn intents() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| {
        let text = include_str!("../../../../concierge-nlu/data/intents/salesforce_support.yaml");
        parse_intents_yaml(text, Path::new("salesforce_support.yaml")).unwrap()
    })
}

/// Facts for a message recognised as `name`, with the intent's flags from
/// the shipped intents file.
pub(super) fn intent(name: &'static str, confidence: f64) -> Facts<'static> {
    let spec = intents()
        .intents
        .iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("no intent {name}"));
    Facts {
        intent: Some(name),
        intent_escalate: spec.escalate,
        intent_risk: spec.risk,
        confidence,
        language: "en",
        sentiment: 0.1,
        ..Facts::default()
    }
}

/// "How do I export a report?": nothing should happen.
fn neutral() -> Facts<'static> {
    Facts {
        text: "How do I export a report?",
        ..intent("report_issue", 0.9)
    }
}

#[test]
fn defaults_load_and_name_only_shipped_intents_and_known_queues() {
    let names: Vec<&str> = intents().intents.iter().map(|i| i.name.as_str()).collect();
    let validation = Validation {
        intents: Some(&names),
        queues: Some(QUEUES),
        workflows: Some(&[]),
    };
    let set = RuleSet::from_yaml_checked(RuleSet::default_yaml(), &validation).unwrap();
    assert_eq!(set.document(), RuleSet::defaults().document());
    assert!(set.len() >= 12, "{}", set.len());
    assert_eq!(set.len(), set.enabled_len());
    assert_eq!(set.business_hours(), BusinessHours::default());
    // The intents the defaults rely on carry the flags they assume.
    let spec = |n: &str| intents().intents.iter().find(|i| i.name == n).unwrap();
    assert!(spec("speak_to_human").escalate && spec("complaint").escalate);
    assert_eq!(spec("account_locked").risk, Risk::High);
    assert!(!spec("report_issue").escalate && spec("report_issue").risk == Risk::Low);
}

#[test]
fn no_default_rule_fires_on_a_neutral_message() {
    let e = RuleSet::defaults().evaluate(&neutral());
    assert!(e.is_empty(), "{:?}", e.fired);
}

#[test]
fn every_default_rule_fires_on_its_situation() {
    let set = RuleSet::defaults();
    static ERROR_KINDS: [&str; 1] = ["sf_error_code"];
    let angry = Emotions {
        anger: 0.85,
        ..Emotions::default()
    };
    // (rule, situation, expected queue, expected priority)
    let cases: Vec<(&str, Facts<'static>, Option<&str>, Option<Priority>)> = vec![
        (
            "human_request",
            intent("speak_to_human", 0.95),
            Some("general_support"),
            Some(Priority::High),
        ),
        (
            "human_request",
            Facts {
                text: "Can I talk to a human please?",
                ..neutral()
            },
            Some("general_support"),
            Some(Priority::High),
        ),
        (
            "human_request",
            Facts {
                text: "quiero hablar con un agente humano",
                language: "es",
                ..neutral()
            },
            Some("general_support"),
            None,
        ),
        (
            "human_request",
            Facts {
                text: "Je veux parler à un humain",
                language: "fr",
                ..neutral()
            },
            Some("general_support"),
            None,
        ),
        (
            "human_request",
            Facts {
                text: "Kann ich mit einem Menschen sprechen?",
                language: "de",
                ..neutral()
            },
            Some("general_support"),
            None,
        ),
        (
            "sustained_negative_sentiment",
            Facts {
                negative_streak: 2,
                sentiment: -0.7,
                ..neutral()
            },
            None,
            Some(Priority::High),
        ),
        (
            "repeated_fallback",
            Facts {
                fallback_count: 3,
                ..neutral()
            },
            None,
            Some(Priority::Medium),
        ),
        (
            "low_confidence_high_risk",
            intent("account_locked", 0.45),
            None,
            Some(Priority::Medium),
        ),
        (
            "enterprise_outage",
            Facts {
                tier: Some(CustomerTier::Enterprise),
                ..intent("service_outage", 0.9)
            },
            Some("enterprise_success"),
            Some(Priority::Critical),
        ),
        (
            "enterprise_outage",
            Facts {
                tier: Some(CustomerTier::Vip),
                ..intent("service_outage", 0.7)
            },
            Some("enterprise_success"),
            Some(Priority::Critical),
        ),
        (
            "legal_or_compliance",
            Facts {
                text: "My lawyer will hear about this.",
                ..neutral()
            },
            Some("legal_compliance"),
            Some(Priority::High),
        ),
        (
            "legal_or_compliance",
            Facts {
                text: "We will SUE you",
                ..neutral()
            },
            Some("legal_compliance"),
            None,
        ),
        (
            "legal_or_compliance",
            Facts {
                text: "this is a GDPR request",
                ..neutral()
            },
            Some("legal_compliance"),
            None,
        ),
        (
            "escalating_intent",
            intent("complaint", 0.8),
            None,
            Some(Priority::Medium),
        ),
        (
            "route_security",
            intent("security_incident", 0.9),
            Some("security"),
            Some(Priority::Critical),
        ),
        (
            "route_legal",
            intent("gdpr_data_request", 0.9),
            Some("legal_compliance"),
            None,
        ),
        (
            "route_billing",
            intent("refund_request", 0.9),
            Some("billing"),
            None,
        ),
        (
            "route_billing",
            intent("invoice_request", 0.9),
            Some("billing"),
            None,
        ),
        (
            "route_technical",
            intent("apex_exception", 0.9),
            Some("technical_support"),
            None,
        ),
        (
            "angry_customer",
            Facts {
                emotions: angry,
                ..neutral()
            },
            None,
            Some(Priority::High),
        ),
        (
            "tag_key_account",
            Facts {
                tier: Some(CustomerTier::Vip),
                ..neutral()
            },
            None,
            None,
        ),
        (
            "tag_error_details",
            Facts {
                entity_kinds: &ERROR_KINDS,
                ..neutral()
            },
            None,
            None,
        ),
    ];
    for (rule, facts, queue, priority) in &cases {
        let e = set.evaluate(facts);
        assert!(
            e.fired(rule),
            "{rule} did not fire on {facts:?}: {:?}",
            e.fired
        );
        if let Some(queue) = queue {
            assert_eq!(e.queue(), Some(*queue), "{rule}");
        }
        if let Some(priority) = priority {
            assert_eq!(e.priority(), Some(*priority), "{rule}");
        }
        let escalations = e
            .fired
            .iter()
            .filter(|f| f.kind == RuleKind::Escalation)
            .count();
        assert!(
            escalations <= 1,
            "{rule}: escalation rules stop each other: {:?}",
            e.fired
        );
    }
    for rule in &set.document().rules {
        assert!(
            cases.iter().any(|(id, ..)| *id == rule.id),
            "no situation for default rule {}",
            rule.id
        );
    }
}

#[test]
fn default_rules_do_not_fire_on_near_misses() {
    let set = RuleSet::defaults();
    let quiet = |facts: Facts<'static>| {
        let e = set.evaluate(&facts);
        assert!(e.is_empty(), "{facts:?} fired {:?}", e.fired);
    };
    quiet(Facts {
        text: "There is an issue with the human resources report",
        ..neutral()
    });
    quiet(Facts {
        text: "We are pursuing an inhuman deadline",
        ..neutral()
    });
    quiet(Facts {
        negative_streak: 1,
        sentiment: -0.8,
        ..neutral()
    });
    quiet(Facts {
        fallback_count: 2,
        ..neutral()
    });
    quiet(intent("password_reset", 0.3)); // low confidence, but low risk
    quiet(Facts {
        emotions: Emotions {
            anger: 0.79,
            ..Emotions::default()
        },
        ..neutral()
    });
    quiet(Facts {
        tier: Some(CustomerTier::Premium),
        channel: Channel::Slack,
        ..neutral()
    });
    // An outage for a standard customer is routed, not escalated.
    let e = set.evaluate(&Facts {
        tier: Some(CustomerTier::Standard),
        ..intent("service_outage", 0.9)
    });
    assert!(
        e.escalation().is_none() && e.queue() == Some("technical_support"),
        "{:?}",
        e.fired
    );
}

#[test]
fn the_most_important_escalation_wins_and_the_rest_still_apply() {
    let set = RuleSet::defaults();
    // Asks for a human, after two angry messages, about a refund.
    let facts = Facts {
        negative_streak: 2,
        emotions: Emotions {
            anger: 0.9,
            ..Emotions::default()
        },
        text: "I want a real person NOW",
        ..intent("refund_request", 0.9)
    };
    let e = set.evaluate(&facts);
    let (fired, action) = e.escalation().unwrap();
    assert_eq!(&*fired.rule_id, "human_request");
    assert!(
        matches!(action, RuleAction::Escalate { reason, .. } if reason == "customer_requested_human")
    );
    assert!(!e.fired("sustained_negative_sentiment") && !e.fired("escalating_intent"));
    assert!(e.fired("route_billing") && e.fired("angry_customer"));
    assert_eq!(e.queue(), Some("general_support"));
    assert_eq!(e.tags().collect::<Vec<_>>(), ["angry_customer"]);
}
