//! Tests of the rules module as a whole: loading, validation errors,
//! evaluation semantics and keyword matching. The default rules are tested
//! in `tests_defaults.rs`.

use concierge_core::{Channel, CustomerTier, Priority};

use super::*;

pub(super) fn rules(yaml_rules: &str) -> RuleSet {
    let text = format!("version: 1\nrules:\n{yaml_rules}");
    RuleSet::from_yaml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn error(yaml_rules: &str) -> RuleError {
    let text = format!("version: 1\nrules:\n{yaml_rules}");
    match RuleSet::from_yaml(&text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

fn assert_error(e: &RuleError, rule: Option<&str>, field: &str, message_part: &str) {
    assert_eq!(e.rule.as_deref(), rule, "{e}");
    assert_eq!(e.field, field, "{e}");
    assert!(
        e.message.contains(message_part),
        "`{}` lacks `{message_part}`",
        e.message
    );
}

/// A one-rule document firing on `when`.
fn one(when: &str) -> RuleSet {
    rules(&format!(
        "  - {{id: r, name: R, kind: automation, when: {when}, then: [{{tag: hit}}]}}\n"
    ))
}

fn fires(set: &RuleSet, facts: &Facts<'_>) -> bool {
    set.evaluate(facts).fired("r")
}

fn text(text: &str) -> Facts<'_> {
    Facts {
        text,
        ..Facts::default()
    }
}

#[test]
fn yaml_and_json_of_one_document_behave_the_same() {
    let yaml = r#"
version: 1
rules:
  - id: angry_vip
    name: Angry VIP
    kind: escalation
    priority: 10
    when:
      all:
        - tier: [vip]
        - any: [{emotion: {name: anger, gte: 0.6}}, {keywords: ["lawyer"]}]
        - not: {channel: [email]}
    then:
      - escalate: {queue: vip, priority: critical, reason: angry_vip}
      - reply: "Hello {{ customer_name }}"
    stop: true
  - id: tag_all
    name: Tag
    kind: automation
    when: {message_count: {gte: 1}}
    then: [{tag: seen}, {set_priority: {priority: low}}, {create_case: {}}]
"#;
    let json = r#"{"version": 1, "rules": [
      {"id": "angry_vip", "name": "Angry VIP", "kind": "escalation", "priority": 10,
       "when": {"all": [{"tier": ["vip"]},
                        {"any": [{"emotion": {"name": "anger", "gte": 0.6}}, {"keywords": ["lawyer"]}]},
                        {"not": {"channel": ["email"]}}]},
       "then": [{"escalate": {"queue": "vip", "priority": "critical", "reason": "angry_vip"}},
                {"reply": {"template": "Hello {{ customer_name }}"}}],
       "stop": true},
      {"id": "tag_all", "name": "Tag", "kind": "automation", "when": {"message_count": {"gte": 1}},
       "then": [{"tag": "seen"}, {"set_priority": "low"}, {"create_case": {}}]}]}"#;
    let from_yaml = RuleSet::from_yaml(yaml).unwrap();
    let from_json = RuleSet::from_json(json).unwrap();
    assert_eq!(from_yaml.document(), from_json.document());
    // JSON is YAML too.
    assert_eq!(
        RuleSet::from_yaml(json).unwrap().document(),
        from_json.document()
    );

    let vip = Facts {
        tier: Some(CustomerTier::Vip),
        text: "my LAWYER will call",
        ..Facts::default()
    };
    let plain = Facts::default();
    for facts in [&vip, &plain] {
        assert_eq!(from_yaml.evaluate(facts), from_json.evaluate(facts));
    }
    let e = from_yaml.evaluate(&vip);
    assert_eq!(e.fired.len(), 1, "stop: true keeps tag_all from firing");
    assert_eq!(e.queue(), Some("vip"));
    assert_eq!(from_yaml.evaluate(&plain).fired.len(), 1);

    // The document serialises back to the same document, in both formats.
    let doc = from_yaml.document();
    let as_json = serde_json::to_string(doc).unwrap();
    assert_eq!(RuleSet::from_json(&as_json).unwrap().document(), doc);
    let as_yaml = serde_norway::to_string(doc).unwrap();
    assert_eq!(
        RuleSet::from_yaml(&as_yaml).unwrap().document(),
        doc,
        "{as_yaml}"
    );
}

#[test]
fn schema_errors_name_rule_and_field() {
    let ok = "{id: r, name: R, kind: routing, when: {intent: [x]}, then: [{route: {queue: q}}]}";
    assert_eq!(rules(&format!("  - {ok}\n")).len(), 1);

    let e = error("  - {id: r, name: R, kind: routing, when: {intent: [x]}, then: [{route: {queue: q}}], colour: red}\n");
    assert_error(&e, Some("r"), "colour", "unknown field `colour`");

    let e = error("  - {id: r, name: R, kind: routing, when: {all: [{intent: [x]}, {confidence: {lt: 0.5, around: 1}}]}, then: [{tag: t}]}\n");
    assert_error(
        &e,
        Some("r"),
        "when.all[1].confidence.around",
        "unknown field `around`",
    );

    let e = error("  - {id: r, name: R, kind: routing, when: {intnet: [x]}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.intnet", "unknown field `intnet`");

    let e = error("  - {id: r, name: R, kind: routing, when: {intent: [x]}, then: [{tag: t}, {escalat: {reason: r}}]}\n");
    assert_error(&e, Some("r"), "then[1].escalat", "unknown field `escalat`");
    let e = error("  - {id: r, name: R, kind: routing, when: {intent: [x]}, then: [{escalate: {queu: q, reason: r}}]}\n");
    assert_error(
        &e,
        Some("r"),
        "then[0].escalate.queu",
        "unknown field `queu`",
    );

    let e = error("  - {id: vip_outage, name: R, kind: escalation, when: {intent: [x]}, then: [{escalate: {priority: urgent, reason: r}}]}\n");
    assert_error(
        &e,
        Some("vip_outage"),
        "then[0].escalate.priority",
        "unknown variant `urgent`",
    );

    let e = error(
        "  - {id: r, name: R, kind: routing, when: {intent: [x]}, then: [{set_priority: hihg}]}\n",
    );
    assert_error(
        &e,
        Some("r"),
        "then[0].set_priority",
        "not a valid priority",
    );

    let e =
        error("  - {id: r, name: R, kind: routing, when: {channel: [fax]}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.channel[0]", "unknown variant `fax`");

    let e = error("  - {id: r, name: R, kind: routing, when: {tier: [gold]}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.tier[0]", "unknown variant `gold`");

    let e = error("  - {id: r, name: R, kind: routing, when: {emotion: {name: joy, gte: 0.5}}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.emotion.name", "unknown variant `joy`");

    let e = error(
        "  - {id: r, name: R, kind: routing, when: {intent: [x], tier: [vip]}, then: [{tag: t}]}\n",
    );
    assert_error(&e, Some("r"), "when", "exactly one key");

    let e = error("  - {id: r, name: R, kind: sorting, when: {intent: [x]}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "kind", "unknown variant `sorting`");

    // A rule without an id is named by its position.
    let e = error(&format!(
        "  - {ok}\n  - {{name: R, kind: routing, when: {{intent: [x]}}, then: [{{tag: t}}]}}\n"
    ));
    assert_error(&e, Some("rules[1]"), "", "missing field `id`");

    // The same in JSON.
    let e = RuleSet::from_json(
        r#"{"version": 1, "rules": [{"id": "j", "name": "J", "kind": "routing",
        "when": {"confidence": {"lt": "low"}}, "then": [{"tag": "t"}]}]}"#,
    )
    .unwrap_err();
    assert_error(&e, Some("j"), "when.confidence.lt", "invalid type");
}

#[test]
fn validation_errors_name_rule_and_field() {
    let e = error("  - {id: vip_outage, name: R, kind: escalation, when: {all: [{tier: [vip]}, {confidence: {lt: 1.5}}]}, then: [{tag: t}]}\n");
    assert_error(
        &e,
        Some("vip_outage"),
        "when.all[1].confidence.lt",
        "must be between 0 and 1",
    );
    assert_eq!(
        e.to_string(),
        "rule `vip_outage` field `when.all[1].confidence.lt`: must be between 0 and 1"
    );

    let e = error(
        "  - {id: r, name: R, kind: routing, when: {sentiment: {gt: -1.5}}, then: [{tag: t}]}\n",
    );
    assert_error(&e, Some("r"), "when.sentiment.gt", "between -1 and 1");
    let e = error("  - {id: r, name: R, kind: routing, when: {fallback_count: {gte: -1}}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.fallback_count.gte", "whole number");
    let e = error("  - {id: r, name: R, kind: routing, when: {confidence: {gt: 0.8, lt: 0.5}}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.confidence", "no value satisfies");
    let e = error("  - {id: r, name: R, kind: routing, when: {confidence: {gte: 0.5, lt: 0.5}}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.confidence", "no value satisfies");
    let e = error("  - {id: r, name: R, kind: routing, when: {toxicity: {}}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.toxicity", "at least one of");
    let e = error("  - {id: r, name: R, kind: routing, when: {emotion: {name: anger, gte: 2}}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.emotion.gte", "between 0 and 1");

    let two = "  - {id: same, name: A, kind: routing, when: {intent: [x]}, then: [{tag: t}]}\n";
    let e = error(&format!("{two}{two}"));
    assert_error(&e, Some("same"), "id", "duplicate id; rules[0]");

    let e = error("  - {id: r, name: R, kind: routing, when: {intent: [x]}, then: []}\n");
    assert_error(&e, Some("r"), "then", "at least one action");
    let e = error("  - {id: r, name: R, kind: routing, when: {any: []}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.any", "must not be empty");
    let e =
        error("  - {id: r, name: R, kind: routing, when: {not: {all: []}}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.not.all", "must not be empty");
    let e = error("  - {id: r, name: R, kind: routing, when: {keywords: []}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.keywords", "must not be empty");
    let long = "x".repeat(101);
    let e = error(&format!("  - {{id: r, name: R, kind: routing, when: {{keywords: [ok, {long}]}}, then: [{{tag: t}}]}}\n"));
    assert_error(&e, Some("r"), "when.keywords[1]", "at most 100 characters");

    let e = error("  - {id: r, name: R, kind: routing, when: {intent: [x]}, then: [{reply: 'Hi {{ first_name }}'}]}\n");
    assert_error(
        &e,
        Some("r"),
        "then[0].reply.template",
        "unknown template variable `first_name`",
    );
    let e = error("  - {id: r, name: R, kind: routing, when: {intent: [x]}, then: [{notify: {target: pager, message: hi}}]}\n");
    assert_error(&e, Some("r"), "then[0].notify.target", "not a target");
    let e =
        error("  - {id: Bad Id, name: R, kind: routing, when: {intent: [x]}, then: [{tag: t}]}\n");
    assert_error(&e, Some("Bad Id"), "id", "a-z, 0-9");
    let e =
        error("  - {id: r, name: R, kind: routing, when: {language: [EN]}, then: [{tag: t}]}\n");
    assert_error(&e, Some("r"), "when.language[0]", "lower case");

    let e = RuleSet::from_yaml("version: 2\nrules: []\n").unwrap_err();
    assert_error(&e, None, "version", "unsupported version 2");
}

#[test]
fn limits_on_depth_and_rule_count() {
    let mut when = "{intent: [x]}".to_owned();
    for _ in 0..8 {
        when = format!("{{not: {when}}}");
    }
    // Eight levels load (and eight `not`s cancel out); a ninth is refused.
    let eight = one(&when);
    assert!(fires(
        &eight,
        &Facts {
            intent: Some("x"),
            ..Facts::default()
        }
    ));
    assert!(!fires(&eight, &Facts::default()));
    let e = error(&format!(
        "  - {{id: r, name: R, kind: routing, when: {{not: {when}}}, then: [{{tag: t}}]}}\n"
    ));
    assert_error(
        &e,
        Some("r"),
        "when.not.not.not.not.not.not.not.not.not",
        "at most 8 levels",
    );

    let many: String = (0..=MAX_RULES)
        .map(|i| format!("  - {{id: r{i}, name: R, kind: routing, when: {{intent: [x]}}, then: [{{tag: t}}]}}\n"))
        .collect();
    let e = error(&many);
    assert_error(&e, None, "rules", "at most 500");
}

#[test]
fn syntax_errors_have_a_position() {
    let e = RuleSet::from_yaml("version: 1\nrules:\n  - id: [unclosed\n").unwrap_err();
    assert!(e.line.is_some() && e.column.is_some(), "{e:?}");
    assert!(e.to_string().starts_with("line "), "{e}");
    let e = RuleSet::from_json("{\"version\": 1,\n \"rules\": [,]}").unwrap_err();
    assert_eq!(e.line, Some(2), "{e:?}");
    assert!(!e.message.contains(" at line "), "{e:?}");
}

#[test]
fn checked_loading_rejects_unknown_intents_workflows_and_queues() {
    let yaml = "version: 1\nrules:\n  - {id: r, name: R, kind: routing, when: {intent: [refund_request, refund]}, \
                then: [{route: {queue: billing}}, {start_workflow: {workflow: refund_flow}}]}\n";
    let intents = ["refund_request", "billing_question"];
    let queues = ["billing", "general_support"];
    let workflows = ["password_reset"];
    let only_intents = Validation {
        intents: Some(&intents),
        ..Validation::default()
    };
    let e = RuleSet::from_yaml_checked(yaml, &only_intents).unwrap_err();
    assert_error(
        &e,
        Some("r"),
        "when.intent[1]",
        "unknown intent `refund`; did you mean `refund_request`?",
    );

    let all = Validation {
        intents: Some(&["refund_request", "refund"]),
        queues: Some(&queues),
        workflows: Some(&workflows),
    };
    let e = RuleSet::from_yaml_checked(yaml, &all).unwrap_err();
    assert_error(
        &e,
        Some("r"),
        "then[1].start_workflow.workflow",
        "unknown workflow `refund_flow`",
    );

    let e = RuleSet::from_yaml_checked(
        &yaml.replace("queue: billing", "queue: biling"),
        &Validation {
            queues: Some(&queues),
            ..Validation::default()
        },
    )
    .unwrap_err();
    assert_error(
        &e,
        Some("r"),
        "then[0].route.queue",
        "unknown queue `biling`",
    );

    assert!(
        RuleSet::from_yaml(yaml).is_ok(),
        "without a Validation, names are free"
    );
    let json = serde_json::to_string(RuleSet::from_yaml(yaml).unwrap().document()).unwrap();
    assert!(RuleSet::from_json_checked(&json, &only_intents).is_err());
}

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
