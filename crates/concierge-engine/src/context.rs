//! What the engine remembers about a conversation between turns, kept in
//! the conversation's `context` column: the customer profile, slots, the
//! topic stack, the workflow in progress (and any it interrupted), and the
//! running signals rules read (fallbacks, negative streak, sentiment trend).

use std::collections::BTreeMap;

use concierge_core::CustomerTier;
use serde::{Deserialize, Serialize};

use crate::workflow::WorkflowState;

/// At most this many entries are kept in each bounded list.
const KEEP: usize = 20;

/// The conversation's memory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConversationContext {
    pub profile: Profile,
    /// Values collected by finished workflows (email, case number …).
    pub slots: BTreeMap<String, String>,
    /// Topics (intents) the customer raised, the current one last.
    pub topics: Vec<String>,
    /// The workflow in progress.
    pub workflow: Option<WorkflowState>,
    /// Workflows interrupted by a change of topic, the latest last.
    pub paused: Vec<WorkflowState>,
    /// Consecutive turns the agent could not help with.
    pub fallbacks: u32,
    /// Consecutive customer messages with compound sentiment below −0.5.
    pub negative_streak: u32,
    /// Compound sentiment of the customer's messages, oldest first.
    pub sentiment: Vec<f64>,
    /// Customer messages so far.
    pub messages: u32,
    /// Articles cited so far (slug, title, article id).
    pub cited: Vec<CitedArticle>,
    /// Actions run so far (type and outcome).
    pub actions: Vec<String>,
    pub tags: Vec<String>,
    /// Moments a human should know about (first message, escalation reasons, strong emotion).
    pub key_moments: Vec<String>,
    /// Times the conversation was reopened after being resolved.
    pub reopens: u32,
    /// Moderation warnings and blocks so far.
    pub moderation_strikes: u32,
}

/// Who the customer is, loaded once per conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    pub loaded: bool,
    pub name: Option<String>,
    pub email: Option<String>,
    pub tier: Option<CustomerTier>,
    /// The language the customer last wrote in (or asked for).
    pub language: Option<String>,
    /// The language the customer (or the integration) asked for.
    pub preferred_language: Option<String>,
    /// Open cases when the conversation started.
    pub open_cases: u32,
    /// Their numbers, newest first, when the case system lists them.
    pub open_case_numbers: Vec<String>,
    /// The customer's account (company), from the case system.
    pub account: Option<String>,
}

/// An article an answer cited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitedArticle {
    pub slug: String,
    pub title: String,
    pub article_id: concierge_core::KnowledgeId,
}

impl ConversationContext {
    /// Reads the context from the stored JSON; anything unreadable starts afresh.
    pub fn from_json(value: &serde_json::Value) -> Self {
        // Read from the value in place: cloning it first cost as much again.
        Self::deserialize(value).unwrap_or_default()
    }

    /// The JSON to store.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({}))
    }

    /// Records a customer message's sentiment and returns the trend: this
    /// message's compound minus the average of the earlier ones (0 when first).
    pub fn observe_sentiment(&mut self, compound: f64) -> f64 {
        let trend = if self.sentiment.is_empty() {
            0.0
        } else {
            compound - self.sentiment.iter().sum::<f64>() / self.sentiment.len() as f64
        };
        push_bounded(&mut self.sentiment, compound);
        if compound < -0.5 {
            self.negative_streak += 1;
        } else {
            self.negative_streak = 0;
        }
        trend
    }

    /// Makes `topic` the current one (moving it to the top if raised before).
    pub fn push_topic(&mut self, topic: &str) {
        if self.topics.last().map(String::as_str) == Some(topic) {
            return;
        }
        self.topics.retain(|t| t != topic);
        push_bounded(&mut self.topics, topic.to_owned());
    }

    /// Notes something a human should know.
    pub fn key_moment(&mut self, text: impl Into<String>) {
        push_bounded(&mut self.key_moments, text.into());
    }

    /// Notes an action and how it went.
    pub fn action(&mut self, text: impl Into<String>) {
        push_bounded(&mut self.actions, text.into());
    }

    /// Notes the articles an answer cited (each once).
    pub fn cite(&mut self, article: CitedArticle) {
        if !self
            .cited
            .iter()
            .any(|c| c.article_id == article.article_id)
        {
            push_bounded(&mut self.cited, article);
        }
    }

    /// Adds a tag once.
    pub fn tag(&mut self, tag: &str) {
        if !self.tags.iter().any(|t| t == tag) {
            push_bounded(&mut self.tags, tag.to_owned());
        }
    }
}

fn push_bounded<T>(list: &mut Vec<T>, item: T) {
    list.push(item);
    if list.len() > KEEP {
        let excess = list.len() - KEEP;
        list.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentiment_trend_and_negative_streak() {
        let mut c = ConversationContext::default();
        assert_eq!(c.observe_sentiment(0.2), 0.0);
        assert!((c.observe_sentiment(-0.6) - (-0.8)).abs() < 1e-9);
        assert_eq!(c.negative_streak, 1);
        c.observe_sentiment(-0.7);
        assert_eq!(c.negative_streak, 2);
        c.observe_sentiment(0.0);
        assert_eq!(c.negative_streak, 0);
    }

    #[test]
    fn topics_form_a_stack_and_lists_stay_bounded() {
        let mut c = ConversationContext::default();
        c.push_topic("billing_question");
        c.push_topic("login_issue");
        c.push_topic("billing_question");
        assert_eq!(c.topics, ["login_issue", "billing_question"]);
        for i in 0..50 {
            c.key_moment(format!("m{i}"));
        }
        assert_eq!(c.key_moments.len(), KEEP);
        assert_eq!(c.key_moments.last().map(String::as_str), Some("m49"));
    }

    #[test]
    fn a_context_survives_json_and_garbage_starts_afresh() {
        let mut c = ConversationContext::default();
        c.slots.insert("email".into(), "jane@example.com".into());
        c.reopens = 2;
        assert_eq!(ConversationContext::from_json(&c.to_json()), c);
        let fresh = ConversationContext::from_json(&serde_json::json!({"topics": 7}));
        assert_eq!(fresh, ConversationContext::default());
    }
}
