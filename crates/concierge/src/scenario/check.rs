//! Matching expectations against what the API returned. Replies and
//! conversations are read as JSON values, so fields the server does not send
//! (yet) read as null or empty instead of breaking the run. Each failure is
//! one line: `key: expected …, got …`, quoting the reply where it matters.

use concierge_core::ConversationStatus;
use serde_json::Value;

use super::format::{Expect, Moderation, Outcome};

/// Longest reply quoted in a failure (the full text is in the turn's `response`).
const QUOTE_CHARS: usize = 300;

/// Whether checking `expect` against `reply` also needs the conversation
/// (`GET /v1/conversations/{id}`): the reply does not carry the status, or
/// the queue and priority of a reply that did not escalate.
pub fn needs_conversation(expect: &Expect, reply: &Value) -> bool {
    let no_status = expect.status.is_some() && reply["status"].as_str().is_none();
    let no_escalation =
        (expect.queue.is_some() || expect.priority.is_some()) && !reply["escalation"].is_object();
    no_status || no_escalation
}

/// Checks a `say` turn's reply (a `PostMessageResult`).
pub fn check_reply(e: &Expect, reply: &Value, conversation: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    let text = reply["response"].as_str().unwrap_or("");
    let lower = text.to_lowercase();
    if let Some(want) = &e.intent {
        let got = reply["intent"].as_str();
        if !got.is_some_and(|g| want.0.iter().any(|w| w == g)) {
            out.push(format!(
                "intent: expected {}, got {}",
                one_of(&want.0),
                got.unwrap_or("no intent")
            ));
        }
    }
    if let Some(want) = e.escalated {
        let escalation = &reply["escalation"];
        let got = escalation.is_object() || reply["requires_escalation"].as_bool() == Some(true);
        if got != want {
            let detail = match escalation["queue"].as_str() {
                Some(q) => format!(" (escalated to queue {q})"),
                None => String::new(),
            };
            out.push(format!("escalated: expected {want}, got {got}{detail}"));
        }
    }
    if let Some(want) = e.status {
        let got = reply
            .get("status")
            .filter(|s| s.is_string())
            .or_else(|| conversation.map(|c| &c["status"]));
        out.extend(compare_status(want, got));
    }
    if let Some(want) = &e.reply_contains_any {
        if !want.iter().any(|w| lower.contains(&w.to_lowercase())) {
            out.push(format!(
                "reply_contains_any: expected the reply to contain any of {}, got {}",
                list(want),
                quote(text)
            ));
        }
    }
    if let Some(want) = &e.reply_contains_all {
        let missing: Vec<String> = want
            .iter()
            .filter(|w| !lower.contains(&w.to_lowercase()))
            .cloned()
            .collect();
        if !missing.is_empty() {
            out.push(format!(
                "reply_contains_all: expected the reply to contain all of {}, missing {}, got {}",
                list(want),
                list(&missing),
                quote(text)
            ));
        }
    }
    if let Some(want) = &e.reply_contains_none {
        let found: Vec<String> = want
            .iter()
            .filter(|w| lower.contains(&w.to_lowercase()))
            .cloned()
            .collect();
        if !found.is_empty() {
            out.push(format!(
                "reply_contains_none: expected the reply to contain none of {}, found {} in {}",
                list(want),
                list(&found),
                quote(text)
            ));
        }
    }
    let citations = array(&reply["citations"]);
    let cited: Vec<String> = citations
        .iter()
        .map(|c| {
            c["slug"]
                .as_str()
                .or_else(|| c["article_id"].as_str())
                .unwrap_or("?")
                .to_owned()
        })
        .collect();
    if let Some(want) = &e.cites {
        let hit = citations.iter().any(|c| {
            want.0.iter().any(|w| {
                [&c["slug"], &c["article_id"]]
                    .iter()
                    .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(w)))
            })
        });
        if !hit {
            out.push(format!(
                "cites: expected a citation of {}, got {}",
                one_of(&want.0),
                citations_text(&cited)
            ));
        }
    }
    if e.no_citations == Some(true) && !cited.is_empty() {
        out.push(format!(
            "no_citations: expected no citations, got {}",
            list(&cited)
        ));
    }
    if let Some(want) = &e.action {
        let actions = array(&reply["actions"]);
        let status_ok = |a: &Value| match e.action_status {
            Some(s) => a["status"].as_str() == Some(s.as_str()),
            None => true,
        };
        let hit = actions
            .iter()
            .any(|a| a["action_type"].as_str() == Some(want.as_str()) && status_ok(a));
        if !hit {
            let wanted = match e.action_status {
                Some(s) => format!("{want} ({s})"),
                None => want.clone(),
            };
            let got: Vec<String> = actions
                .iter()
                .map(|a| {
                    format!(
                        "{} ({})",
                        a["action_type"].as_str().unwrap_or("?"),
                        a["status"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            let got = if got.is_empty() {
                "no actions".to_owned()
            } else {
                got.join(", ")
            };
            out.push(format!("action: expected {wanted}, got {got}"));
        }
    }
    if let Some(want) = &e.language {
        let got = reply["language"].as_str();
        if !got.is_some_and(|g| g.eq_ignore_ascii_case(want)) {
            out.push(format!(
                "language: expected {want}, got {}",
                got.unwrap_or("no language")
            ));
        }
    }
    if let Some(want) = e.moderation {
        let got = reply["moderation"].as_str().unwrap_or("none");
        let ok = match want {
            Moderation::None => reply["moderation"].is_null(),
            _ => got == want.as_str(),
        };
        if !ok {
            out.push(format!("moderation: expected {}, got {got}", want.as_str()));
        }
    }
    let routed = |key: &str| -> Option<String> {
        let escalation = &reply["escalation"];
        let v = if escalation.is_object() {
            &escalation[key]
        } else {
            conversation.map_or(&Value::Null, |c| &c[key])
        };
        v.as_str().map(str::to_owned)
    };
    if let Some(want) = &e.queue {
        let got = routed("queue");
        if got.as_deref() != Some(want.as_str()) {
            out.push(format!(
                "queue: expected {want}, got {}",
                got.as_deref().unwrap_or("no queue")
            ));
        }
    }
    if let Some(want) = e.priority {
        let got = routed("priority");
        if got.as_deref() != Some(want.as_str()) {
            out.push(format!(
                "priority: expected {want}, got {}",
                got.as_deref().unwrap_or("no priority")
            ));
        }
    }
    if let Some(want) = &e.quick_replies_contains {
        let replies: Vec<String> = array(&reply["quick_replies"])
            .iter()
            .map(quick_reply_text)
            .collect();
        let missing: Vec<String> = want
            .0
            .iter()
            .filter(|w| {
                let w = w.to_lowercase();
                !replies.iter().any(|r| r.to_lowercase().contains(&w))
            })
            .cloned()
            .collect();
        if !missing.is_empty() {
            out.push(format!(
                "quick_replies_contains: expected quick replies with {}, missing {}, got {}",
                list(&want.0),
                list(&missing),
                if replies.is_empty() {
                    "no quick replies".to_owned()
                } else {
                    list(&replies)
                }
            ));
        }
    }
    if let Some(want) = &e.workflow {
        let w = &reply["workflow"];
        let got = w["name"].as_str().or_else(|| w.as_str());
        if got != Some(want.as_str()) {
            out.push(format!(
                "workflow: expected {want}, got {}",
                got.unwrap_or("no workflow")
            ));
        }
    }
    out
}

/// Checks the conversation's status (after a turn other than `say`).
pub fn check_status(want: ConversationStatus, conversation: &Value) -> Vec<String> {
    compare_status(want, Some(&conversation["status"]))
}

fn compare_status(want: ConversationStatus, got: Option<&Value>) -> Vec<String> {
    let got = got.and_then(Value::as_str);
    if got == Some(want.as_str()) {
        Vec::new()
    } else {
        vec![format!(
            "status: expected {want}, got {}",
            got.unwrap_or("no status")
        )]
    }
}

/// Checks the conversation after the last turn.
pub fn check_outcome(o: &Outcome, c: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(want) = o.status {
        out.extend(check_status(want, c));
    }
    let mut text = |key: &str, label: &str, want: Option<&str>| {
        if let Some(want) = want {
            let got = c[key].as_str();
            if got != Some(want) {
                out.push(format!(
                    "{label}: expected {want}, got {}",
                    got.unwrap_or("nothing")
                ));
            }
        }
    };
    text(
        "resolution_type",
        "resolved_by",
        o.resolved_by.map(|r| r.as_str()),
    );
    text("queue", "queue", o.queue.as_deref());
    text("priority", "priority", o.priority.map(|p| p.as_str()));
    for (key, want) in [("escalated", o.escalated), ("sla_breached", o.sla_breached)] {
        if let Some(want) = want {
            let got = c[key].as_bool();
            if got != Some(want) {
                out.push(format!(
                    "{key}: expected {want}, got {}",
                    got.map_or_else(|| shown(&c[key]), |b| b.to_string())
                ));
            }
        }
    }
    if let Some(want) = o.satisfaction {
        let got = c["satisfaction"].as_i64();
        if got != Some(i64::from(want)) {
            out.push(format!(
                "satisfaction: expected {want}, got {}",
                shown(&c["satisfaction"])
            ));
        }
    }
    if let Some(want) = o.messages_at_least {
        let got = array(&c["messages"]).len();
        if got < want as usize {
            out.push(format!(
                "messages_at_least: expected at least {want} messages, got {got}"
            ));
        }
    }
    out
}

fn array(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

/// A quick reply's text: a string, or an object's label/text/title/value.
fn quick_reply_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(m) => ["label", "text", "title", "value"]
            .iter()
            .filter_map(|k| m.get(*k).and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "nothing".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn one_of(values: &[String]) -> String {
    match values {
        [one] => one.clone(),
        many => format!("one of {}", list(many)),
    }
}

fn list(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

fn citations_text(cited: &[String]) -> String {
    if cited.is_empty() {
        "no citations".to_owned()
    } else {
        list(cited)
    }
}

/// The reply, quoted and shortened.
pub fn quote(text: &str) -> String {
    if text.is_empty() {
        return "an empty reply".to_owned();
    }
    let mut s: String = text.chars().take(QUOTE_CHARS).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    format!("{s:?}")
}

#[cfg(test)]
mod tests;
