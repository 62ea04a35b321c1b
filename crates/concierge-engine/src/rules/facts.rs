//! The facts rules are evaluated over: what was understood about one
//! customer message and its conversation. The engine fills a [`Facts`] from
//! the NLU analysis and the conversation state; rules only read it.

use concierge_core::{Channel, CustomerTier};

pub use concierge_nlu::data::Risk;
pub use concierge_nlu::Emotions;

/// Everything a rule can test about one customer message. Borrowed strings
/// keep building it free of allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts<'a> {
    /// The recognised intent (`refund_request`), if any.
    pub intent: Option<&'a str>,
    /// The intent is flagged `escalate: true` in the intents file.
    pub intent_escalate: bool,
    /// The intent's risk in the intents file.
    pub intent_risk: Risk,
    /// No intent fitted well enough.
    pub out_of_scope: bool,
    /// Intent confidence, 0..1.
    pub confidence: f64,
    /// Sentiment compound, −1..1.
    pub sentiment: f64,
    /// This message's compound minus the conversation's earlier average
    /// (negative = worsening); 0 on the first message.
    pub sentiment_trend: f64,
    /// Consecutive customer messages with compound < −0.5, this one included.
    pub negative_streak: u32,
    /// Emotion scores, each 0..1.
    pub emotions: Emotions,
    /// Toxicity score, 0..1.
    pub toxicity: f64,
    /// ISO 639-1 code of the message (`en`), or `und`.
    pub language: &'a str,
    /// Where the conversation happens.
    pub channel: Channel,
    /// The customer's tier, when known.
    pub tier: Option<CustomerTier>,
    /// Customer messages so far, this one included.
    pub message_count: u32,
    /// Times the agent could not help so far.
    pub fallback_count: u32,
    /// The customer's open cases.
    pub open_cases: u32,
    /// The kinds of the entities extracted from the message (`email`,
    /// `sf_error_code`, …); duplicates are harmless.
    pub entity_kinds: &'a [&'a str],
    /// The message text as written.
    pub text: &'a str,
    /// Whether the message arrived within business hours
    /// (see [`super::BusinessHours::contains`]).
    pub business_hours: bool,
    /// Whether a workflow is in progress in the conversation.
    pub workflow_active: bool,
}

impl Default for Facts<'_> {
    /// A first, empty web message with no intent: zero scores, language
    /// `und`, within business hours.
    fn default() -> Self {
        Facts {
            intent: None,
            intent_escalate: false,
            intent_risk: Risk::Low,
            out_of_scope: false,
            confidence: 0.0,
            sentiment: 0.0,
            sentiment_trend: 0.0,
            negative_streak: 0,
            emotions: Emotions::default(),
            toxicity: 0.0,
            language: "und",
            channel: Channel::Web,
            tier: None,
            message_count: 1,
            fallback_count: 0,
            open_cases: 0,
            entity_kinds: &[],
            text: "",
            business_hours: true,
            workflow_active: false,
        }
    }
}
