use super::*;
use crate::scenario::format::{OneOrMany, ResolvedBy};
use concierge_core::{ActionStatus, Priority};
use serde_json::json;

/// A reply as the engine will send it.
fn reply() -> Value {
    json!({
        "message_id": "m1",
        "response": "I've sent a Reset Link to your email address.",
        "response_message_id": "m2",
        "intent": "password_reset",
        "confidence": 0.93,
        "suggested_actions": [],
        "requires_escalation": false,
        "language": "en",
        "status": "waiting_for_user",
        "citations": [{"article_id": "0193a", "slug": "reset-password", "title": "Reset your password",
                       "url": null, "version": 2, "chunk": 0, "start": 0, "end": 100, "score": 0.8}],
        "actions": [{"id": "a1", "action_type": "password_reset", "status": "completed"}],
        "moderation": null,
        "escalation": null,
        "quick_replies": ["Yes, thanks", {"label": "Talk to a person", "value": "human"}],
        "workflow": {"name": "password_reset", "step": "done"}
    })
}

/// An escalated reply.
fn escalated() -> Value {
    let mut r = reply();
    r["escalation"] = json!({"id": "e1", "queue": "technical", "priority": "high",
                             "reason": "asked for a human", "sla_deadline": null});
    r["status"] = json!("escalated");
    r
}

/// The placeholder server's reply: the fields being added are missing.
fn placeholder() -> Value {
    json!({"message_id": "m1", "response": "Thanks, your message has been received.",
           "response_message_id": "m2", "intent": null, "confidence": null,
           "suggested_actions": ["talk_to_human"], "requires_escalation": false})
}

fn many(v: &[&str]) -> OneOrMany {
    OneOrMany(v.iter().map(|s| (*s).to_owned()).collect())
}

fn strings(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| (*s).to_owned()).collect())
}

/// Checks `e` against `r` (no conversation) and returns the failures.
fn run(e: Expect, r: &Value) -> Vec<String> {
    check_reply(&e, r, None)
}

fn one(e: Expect, r: &Value) -> String {
    let f = run(e, r);
    assert_eq!(f.len(), 1, "{f:?}");
    f.into_iter().next().unwrap()
}

#[test]
fn an_empty_expectation_always_passes() {
    assert!(run(Expect::default(), &reply()).is_empty());
    assert!(run(Expect::default(), &placeholder()).is_empty());
}

#[test]
fn intent() {
    let e = |v: &[&str]| Expect {
        intent: Some(many(v)),
        ..Expect::default()
    };
    assert!(run(e(&["password_reset"]), &reply()).is_empty());
    assert!(run(e(&["login_issue", "password_reset"]), &reply()).is_empty());
    assert_eq!(
        one(e(&["login_issue"]), &reply()),
        "intent: expected login_issue, got password_reset"
    );
    assert_eq!(
        one(e(&["a", "b"]), &placeholder()),
        "intent: expected one of [\"a\", \"b\"], got no intent"
    );
}

#[test]
fn escalated_means_an_escalation_or_the_flag() {
    let e = |b| Expect {
        escalated: Some(b),
        ..Expect::default()
    };
    assert!(run(e(false), &reply()).is_empty());
    assert!(run(e(true), &escalated()).is_empty());
    assert_eq!(
        one(e(false), &escalated()),
        "escalated: expected false, got true (escalated to queue technical)"
    );
    assert_eq!(
        one(e(true), &reply()),
        "escalated: expected true, got false"
    );
    let mut flagged = placeholder();
    flagged["requires_escalation"] = json!(true);
    assert!(run(e(true), &flagged).is_empty());
}

#[test]
fn status_from_the_reply_or_else_the_conversation() {
    let e = |s| Expect {
        status: Some(s),
        ..Expect::default()
    };
    assert!(run(e(ConversationStatus::WaitingForUser), &reply()).is_empty());
    assert_eq!(
        one(e(ConversationStatus::Resolved), &reply()),
        "status: expected resolved, got waiting_for_user"
    );
    let want = e(ConversationStatus::Active);
    assert!(needs_conversation(&want, &placeholder()));
    assert!(!needs_conversation(&want, &reply()));
    let conversation = json!({"status": "active"});
    assert!(check_reply(&want, &placeholder(), Some(&conversation)).is_empty());
    assert_eq!(
        run(want, &placeholder()),
        ["status: expected active, got no status"]
    );
    assert!(check_status(ConversationStatus::Active, &conversation).is_empty());
    assert_eq!(
        check_status(ConversationStatus::Resolved, &conversation),
        ["status: expected resolved, got active"]
    );
}

#[test]
fn reply_contains_any_all_none_ignore_case_and_quote_the_reply() {
    let any = |v: &[&str]| Expect {
        reply_contains_any: strings(v),
        ..Expect::default()
    };
    assert!(run(any(&["nothing", "reset link"]), &reply()).is_empty());
    assert_eq!(
        one(any(&["zebra"]), &reply()),
        "reply_contains_any: expected the reply to contain any of [\"zebra\"], \
         got \"I've sent a Reset Link to your email address.\""
    );
    let mut silent = placeholder();
    silent["response"] = Value::Null;
    assert!(one(any(&["x"]), &silent).ends_with("got an empty reply"));

    let all = |v: &[&str]| Expect {
        reply_contains_all: strings(v),
        ..Expect::default()
    };
    assert!(run(all(&["RESET", "email"]), &reply()).is_empty());
    let f = one(all(&["reset", "sms", "phone"]), &reply());
    assert!(
        f.starts_with("reply_contains_all: expected the reply to contain all of"),
        "{f}"
    );
    assert!(f.contains("missing [\"sms\", \"phone\"]"), "{f}");

    let none = |v: &[&str]| Expect {
        reply_contains_none: strings(v),
        ..Expect::default()
    };
    assert!(run(none(&["password is"]), &reply()).is_empty());
    let f = one(none(&["password is", "email"]), &reply());
    assert!(f.contains("found [\"email\"] in \"I've sent"), "{f}");
}

#[test]
fn long_replies_are_shortened_in_failures() {
    let mut r = reply();
    r["response"] = json!("x".repeat(1000));
    let f = one(
        Expect {
            reply_contains_any: strings(&["y"]),
            ..Expect::default()
        },
        &r,
    );
    assert!(f.ends_with("x…\""), "{f}");
    assert!(f.len() < 450, "{}", f.len());
}

#[test]
fn cites_and_no_citations() {
    let cites = |v: &[&str]| Expect {
        cites: Some(many(v)),
        ..Expect::default()
    };
    assert!(run(cites(&["reset-password"]), &reply()).is_empty());
    assert!(run(cites(&["0193a"]), &reply()).is_empty());
    assert!(run(cites(&["other", "reset-password"]), &reply()).is_empty());
    assert_eq!(
        one(cites(&["request-limit-exceeded"]), &reply()),
        "cites: expected a citation of request-limit-exceeded, got [\"reset-password\"]"
    );
    assert_eq!(
        one(cites(&["a"]), &placeholder()),
        "cites: expected a citation of a, got no citations"
    );
    let none = Expect {
        no_citations: Some(true),
        ..Expect::default()
    };
    assert!(run(none.clone(), &placeholder()).is_empty());
    assert_eq!(
        one(none, &reply()),
        "no_citations: expected no citations, got [\"reset-password\"]"
    );
}

#[test]
fn action_and_its_status() {
    let e = |a: &str, s| Expect {
        action: Some(a.into()),
        action_status: s,
        ..Expect::default()
    };
    assert!(run(e("password_reset", None), &reply()).is_empty());
    assert!(run(e("password_reset", Some(ActionStatus::Completed)), &reply()).is_empty());
    assert_eq!(
        one(e("password_reset", Some(ActionStatus::Failed)), &reply()),
        "action: expected password_reset (failed), got password_reset (completed)"
    );
    assert_eq!(
        one(e("create_case", None), &placeholder()),
        "action: expected create_case, got no actions"
    );
}

#[test]
fn language_and_moderation() {
    let lang = |l: &str| Expect {
        language: Some(l.into()),
        ..Expect::default()
    };
    assert!(run(lang("EN"), &reply()).is_empty());
    assert_eq!(one(lang("fr"), &reply()), "language: expected fr, got en");
    assert_eq!(
        one(lang("fr"), &placeholder()),
        "language: expected fr, got no language"
    );

    let m = |m| Expect {
        moderation: Some(m),
        ..Expect::default()
    };
    assert!(run(m(Moderation::None), &reply()).is_empty());
    assert!(run(m(Moderation::None), &placeholder()).is_empty());
    assert_eq!(
        one(m(Moderation::Warned), &reply()),
        "moderation: expected warned, got none"
    );
    let mut blocked = reply();
    blocked["moderation"] = json!("blocked");
    assert!(run(m(Moderation::Blocked), &blocked).is_empty());
    assert_eq!(
        one(m(Moderation::None), &blocked),
        "moderation: expected none, got blocked"
    );
}

#[test]
fn queue_and_priority_from_the_escalation_or_else_the_conversation() {
    let e = Expect {
        queue: Some("technical".into()),
        priority: Some(Priority::High),
        ..Expect::default()
    };
    assert!(!needs_conversation(&e, &escalated()));
    assert!(run(e.clone(), &escalated()).is_empty());
    assert!(needs_conversation(&e, &reply()));
    assert_eq!(
        run(e.clone(), &reply()),
        [
            "queue: expected technical, got no queue",
            "priority: expected high, got no priority"
        ]
    );
    let routed = json!({"queue": "technical", "priority": "high"});
    assert!(check_reply(&e, &reply(), Some(&routed)).is_empty());
    let other = json!({"queue": "billing", "priority": "low"});
    assert_eq!(
        check_reply(&e, &reply(), Some(&other)),
        [
            "queue: expected technical, got billing",
            "priority: expected high, got low"
        ]
    );
}

#[test]
fn quick_replies_and_workflow() {
    let q = |v: &[&str]| Expect {
        quick_replies_contains: Some(many(v)),
        ..Expect::default()
    };
    assert!(run(q(&["yes"]), &reply()).is_empty());
    assert!(run(q(&["yes", "a person"]), &reply()).is_empty());
    let f = one(q(&["yes", "no"]), &reply());
    assert!(
        f.starts_with("quick_replies_contains: expected quick replies with"),
        "{f}"
    );
    assert!(f.contains("missing [\"no\"]"), "{f}");
    assert!(one(q(&["yes"]), &placeholder()).ends_with("got no quick replies"));

    let w = |n: &str| Expect {
        workflow: Some(n.into()),
        ..Expect::default()
    };
    assert!(run(w("password_reset"), &reply()).is_empty());
    assert_eq!(
        one(w("case_status"), &reply()),
        "workflow: expected case_status, got password_reset"
    );
    assert_eq!(
        one(w("case_status"), &placeholder()),
        "workflow: expected case_status, got no workflow"
    );
}

#[test]
fn several_failures_are_all_reported() {
    let e = Expect {
        intent: Some(many(&["greeting"])),
        escalated: Some(true),
        no_citations: Some(true),
        ..Expect::default()
    };
    assert_eq!(run(e, &reply()).len(), 3);
}

fn conversation() -> Value {
    json!({
        "id": "c1", "status": "resolved", "escalated": true, "resolution_type": "human",
        "queue": "billing", "priority": "medium", "satisfaction": 4, "sla_breached": false,
        "messages": [{}, {}, {}, {}]
    })
}

#[test]
fn outcome_passes() {
    let o = Outcome {
        status: Some(ConversationStatus::Resolved),
        resolved_by: Some(ResolvedBy::Human),
        escalated: Some(true),
        queue: Some("billing".into()),
        priority: Some(Priority::Medium),
        satisfaction: Some(4),
        sla_breached: Some(false),
        messages_at_least: Some(4),
    };
    assert!(check_outcome(&o, &conversation()).is_empty());
    assert!(check_outcome(&Outcome::default(), &json!({})).is_empty());
}

#[test]
fn outcome_failures() {
    let o = Outcome {
        status: Some(ConversationStatus::Active),
        resolved_by: Some(ResolvedBy::Ai),
        escalated: Some(false),
        queue: Some("technical".into()),
        priority: Some(Priority::Critical),
        satisfaction: Some(5),
        sla_breached: Some(true),
        messages_at_least: Some(10),
    };
    assert_eq!(
        check_outcome(&o, &conversation()),
        [
            "status: expected active, got resolved",
            "resolved_by: expected ai, got human",
            "queue: expected technical, got billing",
            "priority: expected critical, got medium",
            "escalated: expected false, got true",
            "sla_breached: expected true, got false",
            "satisfaction: expected 5, got 4",
            "messages_at_least: expected at least 10 messages, got 4",
        ]
    );
    // Fields the server does not send read as missing, not as a pass.
    let bare = json!({"status": "active"});
    let o = Outcome {
        resolved_by: Some(ResolvedBy::Ai),
        sla_breached: Some(false),
        satisfaction: Some(5),
        ..Outcome::default()
    };
    assert_eq!(
        check_outcome(&o, &bare),
        [
            "resolved_by: expected ai, got nothing",
            "sla_breached: expected false, got nothing",
            "satisfaction: expected 5, got nothing",
        ]
    );
}
