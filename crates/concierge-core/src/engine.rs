//! The conversation-engine seam.
//!
//! The server hands every customer message to a [`ConversationEngine`] and
//! stores whatever it answers. The real engine (understand → retrieve →
//! decide → act) arrives with `concierge-engine`; until then the server runs
//! [`PlaceholderEngine`], which is a **placeholder**: it does not understand
//! anything and says so in its reply.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::id::{ActionId, ConversationId, OrgId};
use crate::kinds::{
    ActionStatus, Channel, ContentType, ConversationStatus, CustomerTier, Priority, SenderType,
};
use crate::knowledge::Citation;
use crate::model::Conversation;

/// One inbound customer message with the context the engine may use.
#[derive(Debug, Clone)]
pub struct Turn {
    pub org_id: OrgId,
    pub conversation_id: ConversationId,
    pub channel: Channel,
    pub content: String,
    pub content_type: ContentType,
    /// Earlier messages, oldest first (bounded by the caller).
    pub history: Vec<(SenderType, String)>,
    /// The conversation as stored before this message (status, context,
    /// routing), when the caller has it.
    pub conversation: Option<Conversation>,
    /// Where to stream the reply as it is written (someone is watching the
    /// conversation live). The final reply is authoritative: a client shows
    /// the deltas as a draft and replaces it with the stored message.
    pub deltas: Option<DeltaSink>,
}

/// Receives the reply's text as it is generated.
#[derive(Clone)]
pub struct DeltaSink(pub std::sync::Arc<dyn Fn(String) + Send + Sync>);

impl std::fmt::Debug for DeltaSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeltaSink")
    }
}

impl DeltaSink {
    /// Sends one piece of text.
    pub fn send(&self, text: String) {
        (self.0)(text)
    }
}

/// What the engine decided to say and do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    pub content: String,
    pub intent: Option<String>,
    pub confidence: Option<f64>,
    pub sentiment: Option<f64>,
    pub suggested_actions: Vec<String>,
    pub requires_escalation: bool,
    /// What else the turn changes and reports; empty for the placeholder.
    pub plan: TurnPlan,
}

/// Everything a turn changes besides the reply text, written by the caller
/// in the same transaction as the messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TurnPlan {
    /// No reply message: a human agent has the conversation.
    pub silent: bool,
    /// Who the reply is from (`ai_agent` when `None`; `system` for notices).
    pub sender: Option<SenderType>,
    /// Stored with the customer's message: language, emotions, toxicity, …
    pub user_analysis: Value,
    /// The customer's message's entities (an array).
    pub user_entities: Value,
    /// Stored with the reply: decision, citations, provider, …
    pub reply_analysis: Value,
    pub moderation: Option<ModerationPlan>,
    /// The status after the turn.
    pub status: Option<ConversationStatus>,
    /// The conversation's new context.
    pub context: Option<Value>,
    pub queue: Option<String>,
    pub priority: Option<Priority>,
    pub escalation: Option<EscalationPlan>,
    /// How the conversation was resolved when `status` is `resolved`.
    pub resolution: Option<String>,
    /// More outbox events (topic, payload).
    pub events: Vec<(String, Value)>,
    /// What the reply cites.
    pub citations: Vec<Citation>,
    /// Actions run for this turn.
    pub actions: Vec<ActionSummary>,
    /// Buttons the customer may press instead of typing.
    pub quick_replies: Vec<String>,
    /// The workflow in progress after this turn (`{"name", "step"}`).
    pub workflow: Option<Value>,
    /// The customer's language.
    pub language: Option<String>,
}

/// A moderation verdict on the customer's message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModerationPlan {
    /// `warned` or `blocked`.
    pub level: String,
    pub score: f64,
    pub categories: Value,
}

/// A hand-off to a human decided by the engine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationPlan {
    pub reason: String,
    pub priority: Priority,
    pub queue: String,
    pub tier: Option<CustomerTier>,
    /// Resolution deadline.
    pub sla_deadline: Option<DateTime<Utc>>,
    pub first_response_deadline: Option<DateTime<Utc>>,
    /// The summary card.
    pub summary: Value,
}

/// An action run during a turn.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ActionSummary {
    #[schema(value_type = String, format = Uuid)]
    pub id: ActionId,
    pub action_type: String,
    pub status: ActionStatus,
}

/// The engine could not produce a reply. The customer's message is kept regardless.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("engine stage `{stage}` failed: {message}")]
    Stage {
        stage: &'static str,
        message: String,
    },
    #[error("engine timed out")]
    Timeout,
}

/// Produces the agent's reply to a customer message.
#[async_trait]
pub trait ConversationEngine: Send + Sync + std::fmt::Debug + 'static {
    /// A short name for logs and `/health` (`placeholder`, `pipeline`, …).
    fn name(&self) -> &'static str;
    /// How many earlier messages the engine wants in [`Turn::history`] (0: none,
    /// which saves the server a read).
    fn history_window(&self) -> usize {
        20
    }
    /// Answer one turn.
    async fn respond(&self, turn: &Turn) -> Result<Reply, EngineError>;
}

/// **Placeholder** engine used until `concierge-engine` lands: it acknowledges
/// the message honestly, classifies nothing, and offers a human.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlaceholderEngine;

/// The exact text the placeholder answers with.
pub const PLACEHOLDER_REPLY: &str =
    "Thanks, your message has been received. Concierge's automated \
answering is not enabled on this server yet, so a member of the support team will follow up. \
You can add more detail here in the meantime.";

#[async_trait]
impl ConversationEngine for PlaceholderEngine {
    fn name(&self) -> &'static str {
        "placeholder"
    }

    fn history_window(&self) -> usize {
        0
    }

    async fn respond(&self, _turn: &Turn) -> Result<Reply, EngineError> {
        Ok(Reply {
            content: PLACEHOLDER_REPLY.to_owned(),
            intent: None,
            confidence: None,
            sentiment: None,
            suggested_actions: vec!["talk_to_human".to_owned()],
            requires_escalation: false,
            plan: TurnPlan::default(),
        })
    }
}
