//! The conversation-engine seam.
//!
//! The server hands every customer message to a [`ConversationEngine`] and
//! stores whatever it answers. The real engine (understand → retrieve →
//! decide → act) arrives with `concierge-engine`; until then the server runs
//! [`PlaceholderEngine`], which is a **placeholder**: it does not understand
//! anything and says so in its reply.

use async_trait::async_trait;
use serde::Serialize;

use crate::id::{ConversationId, OrgId};
use crate::kinds::{Channel, ContentType, SenderType};

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
        })
    }
}
