//! The summary card a human agent gets with an escalation: what the
//! customer wants, what happened, how they feel, what the AI already tried,
//! and what to do next — so the customer never has to repeat themselves.

use concierge_core::SenderType;
use serde_json::{json, Value};

use crate::context::ConversationContext;

/// What the card is built from.
#[derive(Debug)]
pub struct CardInput<'a> {
    /// Earlier messages, oldest first.
    pub history: &'a [(SenderType, String)],
    /// The message that led to the escalation.
    pub message: &'a str,
    pub context: &'a ConversationContext,
    pub intent: Option<&'a str>,
    pub confidence: f64,
    /// Entities of the last message (kind, text).
    pub entities: Vec<(String, String)>,
    pub reason: &'a str,
    pub queue: &'a str,
    pub priority: &'a str,
}

/// Builds the card (an object the console shows and the case carries).
pub fn card(input: &CardInput<'_>) -> Value {
    let first_customer = input
        .history
        .iter()
        .find(|(s, _)| *s == SenderType::User)
        .map(|(_, t)| t.as_str())
        .unwrap_or(input.message);
    let topic = input
        .intent
        .or_else(|| input.context.topics.last().map(String::as_str))
        .unwrap_or("unclassified");
    let title = format!("{}: {}", humanize(topic), clip(first_customer, 80));
    let trail = &input.context.sentiment;
    let trajectory = match (trail.first(), trail.last()) {
        (Some(a), Some(b)) if trail.len() > 1 && b - a < -0.3 => "worsening",
        (Some(a), Some(b)) if trail.len() > 1 && b - a > 0.3 => "improving",
        (_, Some(b)) if *b < -0.5 => "negative",
        (_, Some(b)) if *b > 0.3 => "positive",
        _ => "neutral",
    };
    let tried: Vec<String> = input
        .context
        .cited
        .iter()
        .map(|c| format!("cited \"{}\" ({})", c.title, c.slug))
        .chain(input.context.actions.iter().cloned())
        .collect();
    let summary = format!(
        "The customer wrote {} message{} about {}. {} The conversation was escalated because {} \
         (priority {}, queue {}).{}",
        input.context.messages,
        if input.context.messages == 1 { "" } else { "s" },
        humanize(topic).to_lowercase(),
        if tried.is_empty() {
            "The assistant had not answered from knowledge or run an action yet.".to_owned()
        } else {
            format!("The assistant already {}.", tried.join("; "))
        },
        reason_text(input.reason),
        input.priority,
        input.queue,
        if trajectory == "worsening" || trajectory == "negative" {
            " Their mood is negative: acknowledge the frustration first."
        } else {
            ""
        },
    );
    let next = next_step(input.reason, topic);
    json!({
        "title": title,
        "summary": summary,
        "customer": {
            "name": input.context.profile.name,
            "email": input.context.profile.email,
            "tier": input.context.profile.tier,
            "language": input.context.profile.language,
            "open_cases": input.context.profile.open_cases,
        },
        "reason": input.reason,
        "intents": input.context.topics,
        "last_intent": input.intent,
        "confidence": input.confidence,
        "entities": input.entities.iter().map(|(k, t)| json!({"kind": k, "text": t})).collect::<Vec<_>>(),
        "sentiment": { "trajectory": trajectory, "values": trail },
        "key_moments": input.context.key_moments,
        "ai_tried": tried,
        "citations": input.context.cited.iter().map(|c| json!({"slug": c.slug, "title": c.title, "article_id": c.article_id})).collect::<Vec<_>>(),
        "suggested_next_step": next,
        "transcript_tail": input.history.iter().rev().take(6).rev()
            .map(|(s, t)| json!({"from": s, "text": clip(t, 300)})).collect::<Vec<_>>(),
        "last_message": clip(input.message, 500),
    })
}

fn reason_text(reason: &str) -> String {
    match reason {
        "customer_requested_human" => "the customer asked for a human".to_owned(),
        "sustained_negative_sentiment" => {
            "the customer has been upset for several messages".to_owned()
        }
        "repeated_fallback" => "the assistant could not help several times in a row".to_owned(),
        "low_confidence_high_risk" => {
            "the request is high-risk and the assistant was not confident".to_owned()
        }
        "enterprise_outage" => "an enterprise customer reports an outage".to_owned(),
        "legal_or_compliance" => "the message mentions legal or compliance matters".to_owned(),
        "action_failed" => "an action the assistant tried failed".to_owned(),
        "authorization_required" => "the request needs a verified identity".to_owned(),
        "workflow_gave_up" => "the customer's answers could not be understood".to_owned(),
        other => other.replace('_', " "),
    }
}

fn next_step(reason: &str, topic: &str) -> String {
    match (reason, topic) {
        (_, "service_outage") => "Check the status page and incident channel; confirm impact and share the incident number.".into(),
        (_, t) if t.starts_with("api_") => "Ask for the full error response and the org id, then check API usage in Setup > System Overview.".into(),
        (_, "apex_exception" | "governor_limit" | "trigger_error") => "Ask for the debug log around the failure and the Apex class or trigger name.".into(),
        (_, "billing_question" | "invoice_request" | "refund_request" | "payment_failed") => "Open the account's billing record and confirm the invoice or payment in question.".into(),
        ("authorization_required", _) => "Verify the customer's identity, then complete the request.".into(),
        ("legal_or_compliance", _) => "Route to the legal/compliance contact; do not commit to anything in writing yet.".into(),
        _ => "Greet the customer by name, confirm the issue in one sentence, and take it from the last message.".into(),
    }
}

/// `api_request_limit` → `Api request limit`.
pub fn humanize(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_tells_the_story() {
        let mut ctx = ConversationContext {
            messages: 3,
            ..ConversationContext::default()
        };
        ctx.observe_sentiment(0.1);
        ctx.observe_sentiment(-0.7);
        ctx.push_topic("api_request_limit");
        ctx.action("password_reset: completed");
        let history = vec![
            (
                SenderType::User,
                "Our integration fails with REQUEST_LIMIT_EXCEEDED".to_owned(),
            ),
            (SenderType::AiAgent, "Here is how limits work…".to_owned()),
        ];
        let card = card(&CardInput {
            history: &history,
            message: "this is useless, get me a person",
            context: &ctx,
            intent: Some("speak_to_human"),
            confidence: 0.93,
            entities: vec![(
                "salesforce_error_code".into(),
                "REQUEST_LIMIT_EXCEEDED".into(),
            )],
            reason: "customer_requested_human",
            queue: "technical_support",
            priority: "high",
        });
        assert!(card["title"]
            .as_str()
            .unwrap()
            .contains("REQUEST_LIMIT_EXCEEDED"));
        assert_eq!(card["sentiment"]["trajectory"], "worsening");
        let summary = card["summary"].as_str().unwrap();
        assert!(summary.contains("asked for a human"), "{summary}");
        assert!(summary.contains("password_reset: completed"), "{summary}");
        assert!(summary.contains("acknowledge the frustration"), "{summary}");
        assert_eq!(card["transcript_tail"].as_array().unwrap().len(), 2);
        assert_eq!(humanize("api_request_limit"), "Api request limit");
    }
}
