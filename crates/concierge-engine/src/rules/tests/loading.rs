//! Loading YAML and JSON, and errors that name the rule and the field.

use concierge_core::CustomerTier;

use super::*;

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
fn yaml_anchors_aliases_and_merge_keys_work() {
    let set = RuleSet::from_yaml(
        "version: 1\n\
         x-legal: &legal [lawyer, attorney]\n\
         rules:\n\
         \x20 - &base {id: a, name: A, kind: automation, when: {keywords: *legal}, then: [{tag: legal}]}\n\
         \x20 - {<<: *base, id: b, when: {all: [{keywords: *legal}, {tier: [vip]}]}}\n",
    );
    // Unknown top-level keys (even anchor holders) are refused.
    let e = set.unwrap_err();
    assert_eq!(e.field, "x-legal", "{e}");

    let set = RuleSet::from_yaml(
        "version: 1\n\
         rules:\n\
         \x20 - &base {id: a, name: A, kind: automation, when: {keywords: [lawyer, attorney]}, then: [{tag: legal}]}\n\
         \x20 - {<<: *base, id: b, when: {all: [{tier: [vip]}, {keywords: [attorney]}]}}\n",
    )
    .unwrap();
    assert_eq!(set.len(), 2);
    let e = set.evaluate(&Facts {
        text: "my attorney",
        tier: Some(CustomerTier::Vip),
        ..Facts::default()
    });
    assert!(e.fired("a") && e.fired("b"));
    assert_eq!(set.document().rules[1].then, set.document().rules[0].then);
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
