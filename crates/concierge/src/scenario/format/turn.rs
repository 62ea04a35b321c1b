//! One turn's checks: exactly one action, sensible values, expectations
//! that fit the action; and `advance` durations.

use std::time::Duration;

use concierge_core::ContentType;

use super::{Action, Expect, RawTurn, Turn};

/// Longest message the API accepts (characters).
pub(super) const MAX_MESSAGE_CHARS: usize = 5000;

/// (suffix of the field path after `turns[i]`, message)
pub(super) type TurnError = (String, String);

pub(super) fn turn(t: RawTurn) -> Result<Turn, TurnError> {
    let bad = |field: &str, message: String| (field.to_owned(), message);
    let present: Vec<&str> = [
        ("say", t.say.is_some()),
        ("agent_say", t.agent_say.is_some()),
        ("claim", t.claim.is_some()),
        ("transfer", t.transfer.is_some()),
        ("resolve", t.resolve.is_some()),
        ("csat", t.csat.is_some()),
        ("advance", t.advance.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| k)
    .collect();
    if present.len() != 1 {
        let found = if present.is_empty() {
            "none".to_owned()
        } else {
            present.join(", ")
        };
        return Err(bad(
            "",
            format!(
                "a turn needs exactly one of say, agent_say, claim, transfer, resolve, csat, advance (found {found})"
            ),
        ));
    }
    if t.content_type.is_some() && t.say.is_none() {
        return Err(bad(".content_type", "belongs to a `say` turn".into()));
    }
    let action = if let Some(text) = t.say {
        message_text(".say", &text)?;
        let content_type = t.content_type.unwrap_or(ContentType::Text);
        if !matches!(
            content_type,
            ContentType::Text | ContentType::ErrorLog | ContentType::Code
        ) {
            return Err(bad(
                ".content_type",
                format!("must be text, error_log or code, not {content_type}"),
            ));
        }
        Action::Say { text, content_type }
    } else if let Some(text) = t.agent_say {
        message_text(".agent_say", &text)?;
        Action::AgentSay(text)
    } else if let Some(on) = t.claim {
        only_true(".claim", on)?;
        Action::Claim
    } else if let Some(queue) = t.transfer {
        if queue.trim().is_empty() {
            return Err(bad(
                ".transfer",
                "names the queue and must not be empty".into(),
            ));
        }
        Action::Transfer(queue.trim().to_owned())
    } else if let Some(on) = t.resolve {
        only_true(".resolve", on)?;
        Action::Resolve
    } else if let Some(c) = t.csat {
        if !(1..=5).contains(&c.score) {
            return Err(bad(
                ".csat.score",
                format!("{} is not a score from 1 to 5", c.score),
            ));
        }
        Action::Csat {
            score: c.score,
            comment: c.comment,
        }
    } else if let Some(text) = t.advance {
        Action::Advance(parse_duration(&text).map_err(|m| bad(".advance", m))?)
    } else {
        return Err(bad("", "a turn needs an action".into()));
    };
    let expect = t.expect.unwrap_or_default();
    check_expect(&action, &expect)?;
    Ok(Turn { action, expect })
}

fn message_text(field: &str, text: &str) -> Result<(), TurnError> {
    let n = text.chars().count();
    if text.trim().is_empty() {
        Err((field.into(), "must not be empty".into()))
    } else if n > MAX_MESSAGE_CHARS {
        Err((
            field.into(),
            format!("is {n} characters; the API takes at most {MAX_MESSAGE_CHARS}"),
        ))
    } else {
        Ok(())
    }
}

fn only_true(field: &str, on: bool) -> Result<(), TurnError> {
    if on {
        Ok(())
    } else {
        Err((
            field.into(),
            "takes only `true` (leave the turn out instead)".into(),
        ))
    }
}

fn check_expect(action: &Action, e: &Expect) -> Result<(), TurnError> {
    let bad = |key: &str, message: String| (format!(".expect.{key}"), message);
    if !matches!(action, Action::Say { .. }) {
        if let Some(key) = e.keys().into_iter().find(|k| *k != "status") {
            return Err(bad(
                key,
                format!(
                    "only `status` can be checked on a `{}` turn (the rest describe the agent's reply to `say`)",
                    action.kind()
                ),
            ));
        }
        return Ok(());
    }
    let lists = [
        ("intent", e.intent.as_ref().map(|l| &l.0)),
        ("cites", e.cites.as_ref().map(|l| &l.0)),
        (
            "quick_replies_contains",
            e.quick_replies_contains.as_ref().map(|l| &l.0),
        ),
        ("reply_contains_any", e.reply_contains_any.as_ref()),
        ("reply_contains_all", e.reply_contains_all.as_ref()),
        ("reply_contains_none", e.reply_contains_none.as_ref()),
    ];
    for (key, list) in lists {
        if let Some(list) = list {
            if list.is_empty() {
                return Err(bad(key, "must list at least one value".into()));
            }
            if let Some(i) = list.iter().position(|s| s.trim().is_empty()) {
                return Err((format!(".expect.{key}[{i}]"), "must not be empty".into()));
            }
        }
    }
    for (key, value) in [
        ("action", &e.action),
        ("language", &e.language),
        ("queue", &e.queue),
        ("workflow", &e.workflow),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(bad(key, "must not be empty".into()));
        }
    }
    if e.action_status.is_some() && e.action.is_none() {
        return Err(bad(
            "action_status",
            "needs `action` (the action type whose status to check)".into(),
        ));
    }
    match e.no_citations {
        Some(false) => {
            return Err(bad(
                "no_citations",
                "takes only `true`; use `cites` to require a citation".into(),
            ))
        }
        Some(true) if e.cites.is_some() => {
            return Err(bad("no_citations", "contradicts `cites`".into()))
        }
        _ => {}
    }
    Ok(())
}

/// `30s`, `30m`, `2h`, `1d`, or a sum such as `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}` is not a duration like 30m, 2h, 25h or 1d");
    let s = text.trim();
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    if !digits.is_empty() {
        // A number without a unit.
        return Err(bad());
    }
    // A year is more than any SLA or abandonment timer needs.
    if total == 0 || total > 366 * 86_400 {
        return Err(format!("`{text}` must be more than 0 and at most 366d"));
    }
    Ok(Duration::from_secs(total))
}
