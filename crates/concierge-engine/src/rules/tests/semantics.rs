//! Evaluation: priority order, `stop`, combinators, leaves, keywords.

use concierge_core::{Channel, CustomerTier, Priority};

use super::*;

#[test]
fn priority_orders_rules_and_ties_keep_file_order() {
    let set = rules(
        "  - {id: low, name: L, kind: automation, priority: 1, when: {message_count: {gte: 0}}, then: [{tag: low}]}\n\
         \x20 - {id: high, name: H, kind: automation, priority: 50, when: {message_count: {gte: 0}}, then: [{tag: high}]}\n\
         \x20 - {id: tie_a, name: A, kind: routing, priority: 10, when: {message_count: {gte: 0}}, then: [{route: {queue: a}}]}\n\
         \x20 - {id: tie_b, name: B, kind: routing, priority: 10, when: {message_count: {gte: 0}}, then: [{route: {queue: b}}]}\n\
         \x20 - {id: off, name: O, kind: routing, priority: 99, enabled: false, when: {message_count: {gte: 0}}, then: [{tag: off}]}\n",
    );
    let e = set.evaluate(&Facts::default());
    let ids: Vec<&str> = e.fired.iter().map(|f| &*f.rule_id).collect();
    assert_eq!(ids, ["high", "tie_a", "tie_b", "low"]);
    assert_eq!(e.queue(), Some("a"));
    assert_eq!(e.tags().collect::<Vec<_>>(), ["high", "low"]);
    assert_eq!((set.len(), set.enabled_len()), (5, 4));
}

#[test]
fn stop_true_ends_evaluation_and_stop_kind_skips_the_same_kind() {
    let doc = |stop: &str, first_needs: u32| {
        rules(&format!(
            "  - {{id: first, name: F, kind: escalation, priority: 30, when: {{message_count: {{gte: {first_needs}}}}}, then: [{{escalate: {{queue: one, reason: first}}}}], stop: {stop}}}\n\
             \x20 - {{id: second, name: S, kind: escalation, priority: 20, when: {{message_count: {{gte: 0}}}}, then: [{{escalate: {{queue: two, reason: second}}}}]}}\n\
             \x20 - {{id: route, name: R, kind: routing, priority: 10, when: {{message_count: {{gte: 0}}}}, then: [{{route: {{queue: r}}}}]}}\n"
        ))
    };
    let ids = |set: &RuleSet| {
        set.evaluate(&Facts::default())
            .fired
            .iter()
            .map(|f| f.rule_id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&doc("false", 0)), ["first", "second", "route"]);
    assert_eq!(ids(&doc("true", 0)), ["first"]);
    assert_eq!(ids(&doc("kind", 0)), ["first", "route"]);
    assert_eq!(
        doc("kind", 0).evaluate(&Facts::default()).queue(),
        Some("one")
    );
    // A rule that does not fire stops nothing.
    assert_eq!(ids(&doc("true", 5)), ["second", "route"]);
}

#[test]
fn all_any_not_semantics() {
    let vip_web = Facts {
        tier: Some(CustomerTier::Vip),
        channel: Channel::Web,
        ..Facts::default()
    };
    let vip_slack = Facts {
        channel: Channel::Slack,
        ..vip_web.clone()
    };
    let standard_web = Facts {
        tier: Some(CustomerTier::Standard),
        ..vip_web.clone()
    };
    let unknown_tier = Facts {
        tier: None,
        ..vip_web.clone()
    };

    let all = one("{all: [{tier: [vip]}, {channel: [web]}]}");
    assert!(fires(&all, &vip_web));
    assert!(!fires(&all, &vip_slack) && !fires(&all, &standard_web));

    let any = one("{any: [{tier: [vip]}, {channel: [slack]}]}");
    assert!(fires(&any, &vip_web) && fires(&any, &vip_slack));
    assert!(!fires(&any, &standard_web));

    let not = one("{not: {tier: [vip, enterprise]}}");
    assert!(!fires(&not, &vip_web));
    assert!(fires(&not, &standard_web) && fires(&not, &unknown_tier));
    assert!(
        !fires(&one("{tier: [standard]}"), &unknown_tier),
        "an unknown tier is no tier"
    );

    let nested =
        one("{all: [{any: [{intent: [a]}, {intent: b}]}, {not: {confidence: {lt: 0.5}}}]}");
    let intent = |name, confidence| Facts {
        intent: Some(name),
        confidence,
        ..Facts::default()
    };
    assert!(fires(&nested, &intent("a", 0.5)));
    assert!(fires(&nested, &intent("b", 0.9)));
    assert!(!fires(&nested, &intent("b", 0.49)));
    assert!(!fires(&nested, &intent("c", 0.9)));
    assert!(!fires(&nested, &Facts::default()));
}

#[test]
fn leaves_test_their_facts() {
    let f = Facts::default;
    assert!(fires(
        &one("{intent_flag: escalate}"),
        &Facts {
            intent_escalate: true,
            ..f()
        }
    ));
    assert!(!fires(&one("{intent_flag: escalate}"), &f()));
    assert!(fires(
        &one("{intent_risk: [medium, high]}"),
        &Facts {
            intent_risk: Risk::High,
            ..f()
        }
    ));
    assert!(!fires(&one("{intent_risk: [medium, high]}"), &f()));
    assert!(fires(
        &one("{out_of_scope: true}"),
        &Facts {
            out_of_scope: true,
            ..f()
        }
    ));
    assert!(fires(
        &one("{language: [en, es]}"),
        &Facts {
            language: "es",
            ..f()
        }
    ));
    assert!(!fires(
        &one("{language: [en, es]}"),
        &Facts {
            language: "fr",
            ..f()
        }
    ));
    let kinds = ["email", "sf_error_code"];
    assert!(fires(
        &one("{entity: [sf_error_code]}"),
        &Facts {
            entity_kinds: &kinds,
            ..f()
        }
    ));
    assert!(!fires(
        &one("{entity: [phone]}"),
        &Facts {
            entity_kinds: &kinds,
            ..f()
        }
    ));
    assert!(fires(
        &one("{business_hours: false}"),
        &Facts {
            business_hours: false,
            ..f()
        }
    ));
    assert!(!fires(&one("{business_hours: false}"), &f()));
    assert!(fires(
        &one("{workflow_active: true}"),
        &Facts {
            workflow_active: true,
            ..f()
        }
    ));
    let range = one("{sentiment_trend: {gt: -2, lte: -0.4}}");
    assert!(fires(
        &range,
        &Facts {
            sentiment_trend: -0.4,
            ..f()
        }
    ));
    assert!(!fires(
        &range,
        &Facts {
            sentiment_trend: -0.39,
            ..f()
        }
    ));
    assert!(!fires(
        &range,
        &Facts {
            sentiment_trend: f64::NAN,
            ..f()
        }
    ));
    assert!(fires(
        &one("{open_cases: {gte: 2}}"),
        &Facts {
            open_cases: 2,
            ..f()
        }
    ));
    assert!(fires(&one("{message_count: {lt: 2}}"), &f()));
    let emotions = Emotions {
        frustration: 0.7,
        ..Emotions::default()
    };
    assert!(fires(
        &one("{emotion: {name: frustration, gt: 0.6}}"),
        &Facts { emotions, ..f() }
    ));
    assert!(!fires(&one("{emotion: {name: anger, gt: 0.6}}"), &f()));
}

#[test]
fn keywords_match_whole_words_and_phrases_case_insensitively() {
    let human = one(
        "{keywords: [human, \"real person\", \"agente humano\", \"parler à un humain\", \"c++\"]}",
    );
    assert!(fires(&human, &text("I want a HUMAN.")));
    assert!(fires(&human, &text("human")));
    assert!(!fires(&human, &text("that is inhuman")));
    assert!(
        !fires(&human, &text("humans only")),
        "whole words: `humans` is not `human`"
    );
    assert!(!fires(&human, &text("human_resources")));
    assert!(
        fires(&human, &text("Can I talk to a Real  Person?")),
        "white space runs are one space"
    );
    assert!(fires(&human, &text("a real\nperson please")));
    assert!(!fires(&human, &text("unreal personality")));
    assert!(fires(&human, &text("Quiero un AGENTE HUMANO ya")));
    assert!(fires(&human, &text("Je veux PARLER À UN HUMAIN.")));
    assert!(!fires(&human, &text("parler à un humainement")));
    assert!(
        fires(&human, &text("crash in c++ code")),
        "non-word edges need no boundary"
    );
    assert!(!fires(&human, &text("")));

    // Overlapping keywords of different rules each match.
    let set = rules(
        "  - {id: a, name: A, kind: automation, when: {keywords: [\"human agent\"]}, then: [{tag: a}]}\n\
         \x20 - {id: b, name: B, kind: automation, when: {keywords: [agent]}, then: [{tag: b}]}\n\
         \x20 - {id: c, name: C, kind: automation, when: {not: {keywords: [agent]}}, then: [{tag: c}]}\n",
    );
    let e = set.evaluate(&text("get me a human agent"));
    assert!(e.fired("a") && e.fired("b") && !e.fired("c"));
    let e = set.evaluate(&text("the inhuman agentur"));
    assert!(!e.fired("a") && !e.fired("b") && e.fired("c"));
}

#[test]
fn evaluation_combines_queue_and_priority() {
    let set = rules(
        "  - {id: esc, name: E, kind: escalation, priority: 9, when: {intent: [x]}, then: [{escalate: {priority: medium, reason: why}}]}\n\
         \x20 - {id: route, name: R, kind: routing, priority: 5, when: {intent: [x]}, then: [{route: {queue: billing}}, {set_priority: critical}]}\n\
         \x20 - {id: low, name: L, kind: automation, priority: 1, when: {intent: [x]}, then: [{set_priority: low}, {create_case: {priority: high}}]}\n",
    );
    let e = set.evaluate(&Facts {
        intent: Some("x"),
        ..Facts::default()
    });
    assert_eq!(
        e.queue(),
        Some("billing"),
        "an escalation without a queue goes where routing says"
    );
    assert_eq!(e.priority(), Some(Priority::Critical));
    let (fired, action) = e.escalation().unwrap();
    assert_eq!(&*fired.rule_id, "esc");
    assert!(matches!(action, RuleAction::Escalate { reason, .. } if reason == "why"));
    assert!(set.evaluate(&Facts::default()).is_empty());
    assert_eq!(set.evaluate(&Facts::default()).priority(), None);
}

#[test]
fn rule_sets_are_shareable() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<RuleSet>();
    assert_send_sync::<Evaluation>();
    assert!(RuleSet::empty().evaluate(&Facts::default()).is_empty());
}
