//! What a Case carries in text: the Description rendered from the summary
//! card, and the transcript as CaseComments under Salesforce's 4,000-byte
//! limit. Each comment starts with a marker naming the conversation and its
//! part, so a retried delivery posts only the parts that are missing.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Salesforce's limit on `CaseComment.CommentBody`, in bytes.
pub const COMMENT_MAX_BYTES: usize = 4000;
/// Salesforce's limit on `Case.Description`, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 32_000;
/// Salesforce's limit on `Case.Subject`, in characters.
pub const SUBJECT_MAX_CHARS: usize = 255;

/// One line of the transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub at: DateTime<Utc>,
    /// `Customer`, `Concierge (AI)`, `Agent`, `System`.
    pub speaker: String,
    pub text: String,
}

/// The marker a transcript part starts with.
pub fn marker(conversation: &str, part: usize, parts: usize) -> String {
    format!("[Concierge transcript {part}/{parts} · conversation {conversation}]")
}

/// The marker a single follow-up message starts with.
pub fn message_marker(message_id: &str) -> String {
    format!("[Concierge message {message_id}]")
}

/// The part number of a transcript comment of `conversation`, if `body` is one.
pub fn part_of(body: &str, conversation: &str) -> Option<usize> {
    let rest = body.strip_prefix("[Concierge transcript ")?;
    let (nums, tail) = rest.split_once(" · conversation ")?;
    if !tail.starts_with(conversation) {
        return None;
    }
    nums.split_once('/')?.0.parse().ok()
}

/// Splits the transcript into comment bodies of at most
/// [`COMMENT_MAX_BYTES`] bytes each, marker included, breaking between lines
/// where it can and inside a line (on a character boundary) where it must.
pub fn chunk(conversation: &str, lines: &[Line]) -> Vec<String> {
    // The marker's length depends on the part count: reserve room for a long one.
    let reserve = marker(conversation, 9999, 9999).len() + 1;
    let budget = COMMENT_MAX_BYTES - reserve;
    let mut bodies: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in lines {
        let text = format!(
            "{} {}: {}\n",
            line.at.format("%Y-%m-%d %H:%M:%S UTC"),
            line.speaker,
            line.text.trim()
        );
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let room = budget - current.len();
            if rest.len() <= room {
                current.push_str(rest);
                break;
            }
            if !current.is_empty() && rest.len() <= budget {
                bodies.push(std::mem::take(&mut current));
                continue;
            }
            // A line longer than a whole comment: cut it on a char boundary.
            let mut cut = room;
            while cut > 0 && !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            if cut == 0 {
                bodies.push(std::mem::take(&mut current));
                continue;
            }
            current.push_str(&rest[..cut]);
            rest = &rest[cut..];
            bodies.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        bodies.push(current);
    }
    let parts = bodies.len();
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, b)| format!("{}\n{}", marker(conversation, i + 1, parts), b.trim_end()))
        .collect()
}

fn clip(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The Case subject from the summary card (255 characters at most).
pub fn subject(card: &Value, fallback: &str) -> String {
    let title = card
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(fallback);
    clip(title.trim(), SUBJECT_MAX_CHARS)
}

/// The Case description: the summary card as readable text, with the link
/// back to the conversation (32,000 characters at most).
pub fn description(card: &Value, fallback: &str, conversation_url: Option<&str>) -> String {
    let s = |k: &str| card.get(k).and_then(Value::as_str).unwrap_or_default();
    let mut out = String::new();
    let summary = if s("summary").is_empty() {
        fallback
    } else {
        s("summary")
    };
    out.push_str(summary.trim());
    out.push_str("\n\n");
    if !s("reason").is_empty() {
        out.push_str(&format!("Why it was escalated: {}\n", s("reason")));
    }
    if let Some(c) = card.get("customer") {
        let f = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("—").to_owned();
        out.push_str(&format!(
            "Customer: {} <{}>, tier {}, language {}\n",
            f("name"),
            f("email"),
            f("tier"),
            f("language")
        ));
    }
    if let Some(intent) = card.get("last_intent").and_then(Value::as_str) {
        let conf = card
            .get("confidence")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        out.push_str(&format!("Intent: {intent} (confidence {conf:.2})\n"));
    }
    if let Some(t) = card
        .pointer("/sentiment/trajectory")
        .and_then(Value::as_str)
    {
        out.push_str(&format!("Sentiment: {t}\n"));
    }
    let list = |k: &str| -> Vec<String> {
        card.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Object(o) => o
                            .get("title")
                            .or_else(|| o.get("text"))
                            .and_then(Value::as_str)
                            .map(|t| match o.get("kind").and_then(Value::as_str) {
                                Some(kind) => format!("{kind}: {t}"),
                                None => t.to_owned(),
                            }),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for (label, key) in [
        ("Key moments", "key_moments"),
        ("What the AI tried", "ai_tried"),
        ("Articles cited", "citations"),
        ("Entities", "entities"),
    ] {
        let items = list(key);
        if !items.is_empty() {
            out.push_str(&format!("\n{label}:\n"));
            for i in items {
                out.push_str(&format!("- {i}\n"));
            }
        }
    }
    if !s("suggested_next_step").is_empty() {
        out.push_str(&format!(
            "\nSuggested next step: {}\n",
            s("suggested_next_step")
        ));
    }
    if let Some(url) = conversation_url {
        out.push_str(&format!("\nConversation in Concierge: {url}\n"));
    }
    out.push_str("\nThe full transcript follows as case comments.");
    clip(&out, DESCRIPTION_MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn line(text: &str) -> Line {
        Line {
            at: DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
            speaker: "Customer".into(),
            text: text.into(),
        }
    }

    #[test]
    fn a_short_transcript_is_one_marked_comment() {
        let bodies = chunk("c1", &[line("hello"), line("my login fails")]);
        assert_eq!(bodies.len(), 1);
        assert!(bodies[0].starts_with("[Concierge transcript 1/1 · conversation c1]\n"));
        assert!(bodies[0].contains("Customer: my login fails"));
        assert_eq!(part_of(&bodies[0], "c1"), Some(1));
        assert_eq!(part_of(&bodies[0], "c2"), None);
    }

    #[test]
    fn long_transcripts_split_between_lines_under_the_byte_limit() {
        let lines: Vec<Line> = (0..200)
            .map(|i| line(&format!("message number {i} ü")))
            .collect();
        let bodies = chunk("c1", &lines);
        assert!(bodies.len() > 1);
        for (i, b) in bodies.iter().enumerate() {
            assert!(b.len() <= COMMENT_MAX_BYTES, "{} bytes", b.len());
            assert_eq!(part_of(b, "c1"), Some(i + 1));
            assert!(b.contains(&format!("/{}", bodies.len())));
        }
        // Nothing lost, nothing repeated, order kept.
        let joined: String = bodies
            .iter()
            .map(|b| b.split_once('\n').unwrap().1)
            .collect::<Vec<_>>()
            .join("\n");
        for i in 0..200 {
            assert_eq!(joined.matches(&format!("message number {i} ü")).count(), 1);
        }
    }

    #[test]
    fn the_description_carries_the_card() {
        let card = json!({"title": "Login broken", "summary": "Jane cannot log in since the upgrade.",
            "reason": "explicit_request", "customer": {"name": "Jane", "email": "jane@x.example", "tier": "enterprise"},
            "last_intent": "login_issue", "confidence": 0.91, "sentiment": {"trajectory": "worsening"},
            "ai_tried": ["answered from knowledge"], "citations": [{"title": "Reset your password"}],
            "suggested_next_step": "Check the SSO configuration"});
        let d = description(&card, "x", Some("https://c.example/conversations/1"));
        for want in [
            "Jane cannot log in",
            "explicit_request",
            "jane@x.example",
            "login_issue (confidence 0.91)",
            "worsening",
            "- answered from knowledge",
            "- Reset your password",
            "Check the SSO",
            "https://c.example/conversations/1",
        ] {
            assert!(d.contains(want), "missing {want} in {d}");
        }
        assert_eq!(subject(&card, "fallback"), "Login broken");
        assert_eq!(subject(&json!({}), "fallback"), "fallback");
        assert_eq!(
            subject(&json!({"title": "x".repeat(400)}), "f")
                .chars()
                .count(),
            255
        );
    }

    proptest! {
        #[test]
        fn any_text_chunks_within_the_limit_and_keeps_every_character(
            texts in proptest::collection::vec(".{0,3000}", 0..12)
        ) {
            let lines: Vec<Line> = texts.iter().map(|t| line(t)).collect();
            let bodies = chunk("conv", &lines);
            let mut kept = String::new();
            for b in &bodies {
                prop_assert!(b.len() <= COMMENT_MAX_BYTES);
                kept.push_str(b.split_once('\n').map(|x| x.1).unwrap_or(""));
            }
            let kept: String = kept.chars().filter(|c| !c.is_whitespace()).collect();
            for t in &texts {
                let t: String = t.trim().chars().filter(|c| !c.is_whitespace()).collect();
                prop_assert!(kept.contains(&t) || t.is_empty());
            }
        }
    }
}
