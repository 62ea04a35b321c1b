use super::turn::{parse_duration, MAX_MESSAGE_CHARS};
use super::*;

fn file() -> &'static Path {
    Path::new("scenarios/x.yaml")
}

fn err(text: &str) -> String {
    let e = parse(file(), text).unwrap_err();
    assert_eq!(e.file, file());
    e.to_string()
}

const ISSUE_EXAMPLE: &str = r#"
name: password reset handled by the agent
channel: web
customer: { email: jane@example.com, tier: standard, language: en }
turns:
  - say: "I forgot my password and can't log in"
    expect: { intent: password_reset, escalated: false, reply_contains_any: ["email"] }
  - say: "jane@example.com"
    expect: { reply_contains_any: ["reset link"], action: password_reset }
outcome: { status: resolved, resolved_by: ai, escalated: false }
"#;

#[test]
fn the_issue_example_parses() {
    let s = parse(file(), ISSUE_EXAMPLE).unwrap();
    assert_eq!(s.name, "password reset handled by the agent");
    assert_eq!(s.channel, Channel::Web);
    assert_eq!(s.customer.tier, Some(CustomerTier::Standard));
    assert_eq!(s.customer.language.as_deref(), Some("en"));
    assert_eq!(s.turns.len(), 2);
    assert_eq!(
        s.turns[0].action,
        Action::Say {
            text: "I forgot my password and can't log in".into(),
            content_type: ContentType::Text
        }
    );
    assert_eq!(
        s.turns[0].expect.intent,
        Some(OneOrMany(vec!["password_reset".into()]))
    );
    assert_eq!(s.turns[0].expect.escalated, Some(false));
    assert_eq!(s.turns[1].expect.action.as_deref(), Some("password_reset"));
    let o = s.outcome.unwrap();
    assert_eq!(o.status, Some(ConversationStatus::Resolved));
    assert_eq!(o.resolved_by, Some(ResolvedBy::Ai));
    assert!(!parse(file(), ISSUE_EXAMPLE).unwrap().needs_staff());
}

#[test]
fn every_turn_kind_and_expectation_parses() {
    let s = parse(
        file(),
        r#"
name: everything
description: all keys at once
tags: [smoke, agent]
channel: slack
customer: { email: a@example.com, name: Ann, tier: vip, language: fr }
turns:
  - say: "NullPointerException at line 3"
    content_type: error_log
    expect:
      intent: [apex_exception, trigger_error]
      escalated: true
      status: escalated
      reply_contains_any: [a]
      reply_contains_all: [b, c]
      reply_contains_none: [d]
      cites: [null-pointer-exception, "0193-uuid"]
      action: create_case
      action_status: completed
      language: fr
      moderation: none
      queue: technical
      priority: high
      quick_replies_contains: Yes
      workflow: case_status
  - say: "ok"
    expect: { no_citations: true, moderation: warned }
  - claim: true
    expect: { status: active }
  - agent_say: "Hello, Sam here."
  - transfer: billing
  - advance: 1h30m
  - resolve: true
  - csat: { score: 5, comment: "great" }
outcome:
  status: resolved
  resolved_by: human
  escalated: true
  queue: billing
  priority: high
  satisfaction: 5
  sla_breached: false
  messages_at_least: 4
"#,
    )
    .unwrap();
    assert_eq!(s.tags, ["smoke", "agent"]);
    assert_eq!(s.channel, Channel::Slack);
    let kinds: Vec<&str> = s.turns.iter().map(|t| t.action.kind()).collect();
    assert_eq!(
        kinds,
        [
            "say",
            "say",
            "claim",
            "agent_say",
            "transfer",
            "advance",
            "resolve",
            "csat"
        ]
    );
    let e = &s.turns[0].expect;
    assert_eq!(e.cites.as_ref().unwrap().0.len(), 2);
    assert_eq!(e.priority, Some(Priority::High));
    assert_eq!(e.action_status, Some(ActionStatus::Completed));
    assert_eq!(
        e.quick_replies_contains,
        Some(OneOrMany(vec!["Yes".into()]))
    );
    assert!(matches!(
        s.turns[0].action,
        Action::Say {
            content_type: ContentType::ErrorLog,
            ..
        }
    ));
    assert_eq!(
        s.turns[5].action,
        Action::Advance(Duration::from_secs(5400))
    );
    assert_eq!(
        s.turns[7].action,
        Action::Csat {
            score: 5,
            comment: Some("great".into())
        }
    );
    assert!(s.needs_staff());
    assert_eq!(s.outcome.unwrap().messages_at_least, Some(4));
}

#[test]
fn unknown_keys_name_the_file_turn_and_field() {
    let e = err("name: x\nturns:\n  - say: hi\n  - say: there\n    expect: { intnt: greeting }\n");
    assert!(
        e.starts_with("scenarios/x.yaml: turns[1].expect: unknown field `intnt`"),
        "{e}"
    );
    assert!(e.contains("line 5"), "{e}");
    let e = err("name: x\nturn: []\n");
    assert!(e.contains("unknown field `turn`"), "{e}");
    let e = err("name: x\ncustomer: { mail: a@b.c }\nturns: [{say: hi}]\n");
    assert!(e.contains("customer: unknown field `mail`"), "{e}");
    let e = err("name: x\nturns: [{say: hi}]\noutcome: { resolved: true }\n");
    assert!(e.contains("outcome: unknown field `resolved`"), "{e}");
}

#[test]
fn bad_values_name_the_field() {
    let e = err("name: x\nchannel: fax\nturns: [{say: hi}]\n");
    assert!(e.contains("channel: unknown variant `fax`"), "{e}");
    let e = err("name: x\nturns: [{say: hi, expect: {status: done}}]\n");
    assert!(
        e.contains("turns[0].expect.status: unknown variant `done`"),
        "{e}"
    );
    let e = err("name: x\nturns: [{say: hi, expect: {intent: {a: b}}}]\n");
    assert!(e.contains("turns[0].expect.intent"), "{e}");
    assert!(e.contains("a string or a list of strings"), "{e}");
    let e = err("name: x\ncustomer: {tier: gold}\nturns: [{say: hi}]\n");
    assert!(e.contains("customer.tier: unknown variant `gold`"), "{e}");
    let e = err("name: x\nturns: [{say: hi, expect: {moderation: maybe}}]\n");
    assert!(e.contains("turns[0].expect.moderation"), "{e}");
    let e = err("turns: [{say: hi}]\n");
    assert!(e.contains("missing field `name`"), "{e}");
    let e = err("name: '  '\nturns: [{say: hi}]\n");
    assert_eq!(e, "scenarios/x.yaml: name: must not be empty");
    let e = err("name: x\nturns: []\n");
    assert_eq!(e, "scenarios/x.yaml: turns: must list at least one turn");
}

#[test]
fn a_turn_has_exactly_one_action() {
    let e = err("name: x\nturns:\n  - say: hi\n  - { say: hi, claim: true }\n");
    assert_eq!(
        e,
        "scenarios/x.yaml: turns[1]: a turn needs exactly one of say, agent_say, claim, \
         transfer, resolve, csat, advance (found say, claim)"
    );
    let e = err("name: x\nturns:\n  - expect: { status: active }\n");
    assert!(
        e.contains("turns[0]: a turn needs exactly one of") && e.ends_with("(found none)"),
        "{e}"
    );
}

#[test]
fn turn_values_are_checked() {
    let cases = [
        ("{say: '  '}", "turns[0].say: must not be empty"),
        ("{agent_say: ''}", "turns[0].agent_say: must not be empty"),
        ("{claim: false}", "turns[0].claim: takes only `true`"),
        ("{resolve: false}", "turns[0].resolve: takes only `true`"),
        ("{transfer: ' '}", "turns[0].transfer: names the queue"),
        (
            "{csat: {score: 6}}",
            "turns[0].csat.score: 6 is not a score from 1 to 5",
        ),
        (
            "{csat: {score: 0}}",
            "turns[0].csat.score: 0 is not a score",
        ),
        (
            "{advance: 2 hours}",
            "turns[0].advance: `2 hours` is not a duration",
        ),
        (
            "{say: hi, content_type: image}",
            "turns[0].content_type: must be text, error_log or code",
        ),
        (
            "{claim: true, content_type: code}",
            "turns[0].content_type: belongs to a `say` turn",
        ),
    ];
    for (turn, want) in cases {
        let e = err(&format!("name: x\nturns: [{turn}]\n"));
        assert!(e.contains(want), "{turn}: {e}");
    }
    let long = "a".repeat(MAX_MESSAGE_CHARS + 1);
    let e = err(&format!("name: x\nturns: [{{say: {long}}}]\n"));
    assert!(e.contains("turns[0].say: is 5001 characters"), "{e}");
    let e = err("name: x\nturns: [{say: hi}]\noutcome: {satisfaction: 9}\n");
    assert!(e.contains("outcome.satisfaction: 9 is not a score"), "{e}");
}

#[test]
fn expectations_are_checked() {
    let cases = [
        (
            "{claim: true, expect: {intent: x}}",
            "turns[0].expect.intent: only `status` can be checked on a `claim` turn",
        ),
        (
            "{advance: 1h, expect: {reply_contains_any: [x]}}",
            "turns[0].expect.reply_contains_any: only `status`",
        ),
        (
            "{say: hi, expect: {reply_contains_any: []}}",
            "turns[0].expect.reply_contains_any: must list at least one value",
        ),
        (
            "{say: hi, expect: {intent: []}}",
            "turns[0].expect.intent: must list at least one value",
        ),
        (
            "{say: hi, expect: {reply_contains_none: [ok, '']}}",
            "turns[0].expect.reply_contains_none[1]: must not be empty",
        ),
        (
            "{say: hi, expect: {action_status: completed}}",
            "turns[0].expect.action_status: needs `action`",
        ),
        (
            "{say: hi, expect: {no_citations: false}}",
            "turns[0].expect.no_citations: takes only `true`",
        ),
        (
            "{say: hi, expect: {no_citations: true, cites: a}}",
            "turns[0].expect.no_citations: contradicts `cites`",
        ),
        (
            "{say: hi, expect: {queue: ''}}",
            "turns[0].expect.queue: must not be empty",
        ),
    ];
    for (turn, want) in cases {
        let e = err(&format!("name: x\nturns: [{turn}]\n"));
        assert!(e.contains(want), "{turn}: {e}");
    }
    // `status` is allowed after any kind of turn.
    parse(
        file(),
        "name: x\nturns: [{resolve: true, expect: {status: resolved}}]\n",
    )
    .unwrap();
}

#[test]
fn durations() {
    let ok = [
        ("30s", 30),
        ("30m", 1800),
        ("2h", 7200),
        ("25h", 90_000),
        ("1d", 86_400),
        ("1h30m", 5400),
        (" 2h ", 7200),
    ];
    for (text, secs) in ok {
        assert_eq!(
            parse_duration(text),
            Ok(Duration::from_secs(secs)),
            "{text}"
        );
    }
    for bad in ["", "2", "h", "2x", "-1h", "1.5h", "2 h", "1h30"] {
        let e = parse_duration(bad).unwrap_err();
        assert!(e.contains("is not a duration like 30m"), "{bad}: {e}");
    }
    for bad in ["0m", "367d", "99999999999999999999d"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parsing_arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = parse(file(), &text);
            let _ = parse_duration(&text);
        }

        #[test]
        fn parsing_yaml_like_text_never_panics(
            text in "(name: x\n)?(turns:\n)?(  - (say|claim|advance|csat|expect): [a-z0-9{}: ]{0,12}\n){0,4}"
        ) {
            let _ = parse(file(), &text);
        }

        #[test]
        fn durations_add_up(parts in proptest::collection::vec((1u64..1000, 0usize..4), 1..4)) {
            let units = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)];
            let text: String = parts.iter().map(|(n, u)| format!("{n}{}", units[*u].0)).collect();
            let secs: u64 = parts.iter().map(|(n, u)| n * units[*u].1).sum();
            let parsed = parse_duration(&text);
            if secs <= 366 * 86_400 {
                prop_assert_eq!(parsed, Ok(Duration::from_secs(secs)));
            } else {
                prop_assert!(parsed.is_err());
            }
        }

        #[test]
        fn every_error_names_the_file(text in "name: x\nturns:\n  - [a-z_]{1,10}: [a-z0-9]{0,6}\n") {
            if let Err(e) = parse(file(), &text) {
                prop_assert!(e.to_string().starts_with("scenarios/x.yaml: "), "{}", e);
            }
        }
    }
}
