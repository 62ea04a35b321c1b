//! Properties: evaluation over random facts never panics, is
//! deterministic and is the same for the YAML and JSON forms; loading random
//! text never panics.

use std::sync::OnceLock;

use concierge_core::{Channel, CustomerTier};
use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone)]
struct OwnedFacts {
    intent: Option<String>,
    escalate: bool,
    risk: u8,
    numbers: [f64; 10],
    counts: [u32; 4],
    language: String,
    channel: usize,
    tier: Option<usize>,
    entities: Vec<String>,
    text: String,
    flags: [bool; 3],
}

impl OwnedFacts {
    fn facts<'a>(&'a self, entities: &'a [&'a str]) -> Facts<'a> {
        let n = &self.numbers;
        Facts {
            intent: self.intent.as_deref(),
            intent_escalate: self.escalate,
            intent_risk: [Risk::Low, Risk::Medium, Risk::High][self.risk as usize % 3],
            out_of_scope: self.flags[0],
            confidence: n[0],
            sentiment: n[1],
            sentiment_trend: n[2],
            negative_streak: self.counts[0],
            emotions: Emotions {
                anger: n[3],
                frustration: n[4],
                confusion: n[5],
                urgency: n[6],
                anxiety: n[7],
                satisfaction: n[8],
            },
            toxicity: n[9],
            language: &self.language,
            channel: Channel::ALL[self.channel % Channel::ALL.len()],
            tier: self
                .tier
                .map(|t| CustomerTier::ALL[t % CustomerTier::ALL.len()]),
            message_count: self.counts[1],
            fallback_count: self.counts[2],
            open_cases: self.counts[3],
            entity_kinds: entities,
            text: &self.text,
            business_hours: self.flags[1],
            workflow_active: self.flags[2],
        }
    }
}

fn owned_facts() -> impl Strategy<Value = OwnedFacts> {
    let names = [
        "speak_to_human",
        "refund_request",
        "service_outage",
        "report_issue",
        "account_locked",
        "nonsense",
    ];
    let number = prop_oneof![
        -2.0f64..2.0,
        any::<f64>(),
        Just(f64::NAN),
        Just(0.6),
        Just(0.8)
    ];
    let text = prop_oneof![
        "\\PC{0,60}",
        Just("I want a REAL person, my lawyer says".to_owned()),
        Just("parler à un humain\u{a0}maintenant".to_owned()),
        "(human|agent|real|person|sue|issue| |\t|ß|İ|À){0,12}",
    ];
    (
        (
            prop::option::of(prop::sample::select(names.to_vec()).prop_map(str::to_owned)),
            any::<bool>(),
            any::<u8>(),
        ),
        prop::array::uniform10(number),
        prop::array::uniform4(prop_oneof![0u32..5, any::<u32>()]),
        (
            prop::sample::select(vec!["en", "es", "und", "EN", ""]).prop_map(str::to_owned),
            any::<usize>(),
            prop::option::of(any::<usize>()),
        ),
        prop::collection::vec(
            prop::sample::select(vec!["email", "sf_error_code", "phone", ""])
                .prop_map(str::to_owned),
            0..4,
        ),
        text,
        prop::array::uniform3(any::<bool>()),
    )
        .prop_map(
            |(
                (intent, escalate, risk),
                numbers,
                counts,
                (language, channel, tier),
                entities,
                text,
                flags,
            )| OwnedFacts {
                intent,
                escalate,
                risk,
                numbers,
                counts,
                language,
                channel,
                tier,
                entities,
                text,
                flags,
            },
        )
}

proptest! {
    #[test]
    fn evaluation_never_panics_and_is_deterministic(owned in owned_facts()) {
        static SETS: OnceLock<(RuleSet, RuleSet)> = OnceLock::new();
        let (yaml, json) = SETS.get_or_init(|| {
            let yaml = RuleSet::defaults();
            let json = RuleSet::from_json(&serde_json::to_string(yaml.document()).unwrap()).unwrap();
            (yaml, json)
        });
        let entities: Vec<&str> = owned.entities.iter().map(String::as_str).collect();
        let facts = owned.facts(&entities);
        let first = yaml.evaluate(&facts);
        prop_assert_eq!(&first, &yaml.evaluate(&facts));
        prop_assert_eq!(&first, &json.evaluate(&facts));
        let escalations = first.fired.iter().filter(|f| f.kind == RuleKind::Escalation).count();
        prop_assert!(escalations <= 1);
    }

    #[test]
    fn loading_arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = RuleSet::from_yaml(&text);
        let _ = RuleSet::from_json(&text);
    }
}
