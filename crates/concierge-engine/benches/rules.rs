//! Rule evaluation benchmark: a realistic 50-rule set (the defaults plus
//! generated rules using every kind of condition) evaluated over a few
//! representative messages. Criterion reports evaluations per second.
//!
//! `cargo bench -p concierge-engine --bench rules`

use std::hint::black_box;

use concierge_core::{Channel, CustomerTier};
use concierge_engine::rules::{Emotions, Facts, Risk, RuleSet};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The defaults plus generated rules, 50 in all.
fn rule_set() -> RuleSet {
    let conditions = [
        "{intent: [password_reset, account_locked, login_issue]}",
        "{all: [{intent_flag: escalate}, {channel: [email]}]}",
        "{all: [{intent_risk: [medium, high]}, {tier: [premium]}]}",
        "{all: [{out_of_scope: true}, {message_count: {gte: 4}}]}",
        "{sentiment: {lt: -0.8}}",
        "{sentiment_trend: {lte: -0.6}}",
        "{toxicity: {gte: 0.7}}",
        "{all: [{open_cases: {gte: 3}}, {tier: [standard]}]}",
        "{all: [{message_count: {gt: 20}}, {not: {workflow_active: true}}]}",
        "{emotion: {name: frustration, gte: 0.75}}",
        "{emotion: {name: confusion, gt: 0.6, lte: 1}}",
        "{all: [{emotion: {name: urgency, gte: 0.8}}, {business_hours: false}]}",
        "{emotion: {name: anxiety, gte: 0.9}}",
        "{all: [{emotion: {name: satisfaction, gte: 0.8}}, {sentiment: {gt: 0.5}}]}",
        "{language: [de, fr, it]}",
        "{all: [{channel: [whatsapp, sms]}, {message_count: {lte: 1}}]}",
        "{entity: [email, phone]}",
        "{entity: [money, invoice_number, order_number]}",
        "{keywords: [invoice, receipt, \"credit note\", \"billing address\"]}",
        "{keywords: [urgent, asap, immediately, \"right now\", emergency]}",
        "{keywords: [cancel, unsubscribe, \"close my account\"]}",
        "{keywords: [password, \"locked out\", \"can't log in\", mfa, \"two-factor\"]}",
        "{keywords: [slow, timeout, latency, \"takes forever\"]}",
        "{any: [{keywords: [apex, trigger, flow]}, {entity: [apex_exception]}]}",
        "{all: [{keywords: [api, integration]}, {intent_risk: [medium]}]}",
        "{not: {any: [{language: [en]}, {language: [es]}]}}",
        "{all: [{business_hours: false}, {tier: [enterprise, vip]}, {negative_streak: {gte: 1}}]}",
        "{all: [{workflow_active: true}, {fallback_count: {gte: 1}}]}",
        "{any: [{confidence: {lt: 0.3}}, {all: [{out_of_scope: true}, {fallback_count: {gte: 2}}]}]}",
        "{all: [{intent: [data_export, data_import]}, {confidence: {gte: 0.7}}, {not: {tier: [standard]}}]}",
        "{all: [{intent: [feature_request, feedback]}, {sentiment: {gte: 0.2}}]}",
        "{any: [{intent: [thanks, goodbye]}, {keywords: [thanks, \"thank you\", cheers]}]}",
        "{all: [{channel: [slack, teams]}, {intent: [case_status, case_update]}]}",
        "{all: [{any: [{tier: [vip]}, {open_cases: {gte: 5}}]}, {not: {business_hours: true}}]}",
        "{keywords: [\"agente humano\", \"persona real\", queja, reembolso]}",
        "{all: [{toxicity: {gte: 0.4, lt: 0.7}}, {channel: [web]}]}",
    ];
    let kinds = ["routing", "automation", "validation", "escalation"];
    let mut yaml = RuleSet::default_yaml().to_owned();
    for (i, when) in conditions.iter().enumerate() {
        let kind = kinds[i % kinds.len()];
        let then = match kind {
            "routing" => format!("[{{route: {{queue: queue_{i}}}}}]"),
            "escalation" => format!("[{{escalate: {{reason: generated_{i}}}}}]"),
            _ => format!("[{{tag: generated_{i}}}, {{set_priority: medium}}]"),
        };
        yaml.push_str(&format!(
            "  - {{id: generated_{i}, name: Generated {i}, kind: {kind}, priority: {}, when: {when}, then: {then}}}\n",
            (i * 7) % 95
        ));
    }
    match RuleSet::from_yaml(&yaml) {
        Ok(set) => set,
        Err(e) => panic!("the benchmark rules do not load: {e}"),
    }
}

fn bench(c: &mut Criterion) {
    let set = rule_set();
    assert_eq!(set.len(), 50, "the benchmark set has 50 rules");

    let short = Facts {
        intent: Some("report_issue"),
        confidence: 0.92,
        sentiment: 0.1,
        language: "en",
        text: "How do I export a report?",
        ..Facts::default()
    };
    let keywords = Facts {
        intent: Some("invoice_request"),
        intent_risk: Risk::Low,
        confidence: 0.81,
        sentiment: -0.3,
        language: "en",
        message_count: 3,
        text:
            "This is urgent: the invoice and the credit note are wrong again, and I can't log in \
               to download the receipt. Can I talk to a human agent right now please?",
        entity_kinds: &["money", "invoice_number"],
        ..Facts::default()
    };
    let outage = Facts {
        intent: Some("service_outage"),
        confidence: 0.88,
        sentiment: -0.9,
        sentiment_trend: -0.7,
        negative_streak: 3,
        emotions: Emotions {
            anger: 0.92,
            frustration: 0.85,
            urgency: 0.95,
            ..Emotions::default()
        },
        toxicity: 0.2,
        language: "en",
        channel: Channel::Slack,
        tier: Some(CustomerTier::Enterprise),
        message_count: 6,
        fallback_count: 1,
        open_cases: 2,
        text: "SALESFORCE IS DOWN AGAIN for our whole company and nobody answers. Our lawyer is asking questions.",
        business_hours: false,
        ..Facts::default()
    };
    let spanish = Facts {
        intent: Some("complaint"),
        intent_escalate: true,
        confidence: 0.7,
        sentiment: -0.6,
        language: "es",
        text: "Quiero hablar con un AGENTE HUMANO, esto es una queja formal.",
        ..Facts::default()
    };

    let mut group = c.benchmark_group("rules_evaluate_50");
    group.throughput(Throughput::Elements(1));
    for (name, facts) in [
        ("short_message", &short),
        ("message_with_keywords", &keywords),
        ("angry_enterprise_outage", &outage),
        ("non_ascii_message", &spanish),
    ] {
        let fired = set.evaluate(facts).fired.len();
        eprintln!("{name}: {fired} rules fire");
        group.bench_function(name, |b| b.iter(|| set.evaluate(black_box(facts))));
    }
    group.finish();

    c.bench_function("rules_load_defaults", |b| b.iter(RuleSet::defaults));
}

criterion_group!(benches, bench);
criterion_main!(benches);
