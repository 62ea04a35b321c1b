//! Conversation operations shared by the REST and WebSocket faces: access
//! checks, the engine call (with its timeout and fallback), storage, and fan-out.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use concierge_core::engine::{Reply, Turn};
use concierge_core::model::{Conversation, Message};
use concierge_core::validate::{self, FieldError};
use concierge_core::{ContentType, ConversationId, ConversationStatus, Role, SenderType};
use concierge_store::NewMessage;
use futures::FutureExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Code};
use crate::metrics::SenderLabels;
use crate::state::AppState;
use crate::ws::ServerEvent;

/// A file, image or snippet sent with a message (stored as metadata; the
/// bytes live wherever `url` points).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// File name shown to agents.
    #[schema(example = "screenshot.png")]
    pub name: String,
    /// Where the content can be fetched.
    pub url: Option<String>,
    /// MIME type.
    #[schema(example = "image/png")]
    pub mime_type: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
}

/// A message as posted by a client.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostMessage {
    /// The text, 1–5000 characters.
    #[schema(example = "I can't log in: INVALID_SESSION_ID after the password reset")]
    pub content: String,
    /// `text` (default), `image`, `file`, `code` or `error_log`.
    #[serde(default = "default_content_type")]
    pub content_type: ContentType,
    /// Up to 10 attachments.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

fn default_content_type() -> ContentType {
    ContentType::Text
}

/// What posting a message produced.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "message_id": "019364a2-6c1e-7d43-9a51-2f1c2b7d9e10",
    "response": "Thanks, your message has been received. …",
    "response_message_id": "019364a2-6c1f-7aa1-8c33-0b5e5f3a8a21",
    "intent": null, "confidence": null,
    "suggested_actions": ["talk_to_human"], "requires_escalation": false
}))]
pub struct PostMessageResult {
    /// The stored message.
    #[schema(value_type = String, format = Uuid)]
    pub message_id: concierge_core::MessageId,
    /// The agent's reply; `null` when a human agent posted.
    pub response: Option<String>,
    /// The stored reply message.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub response_message_id: Option<concierge_core::MessageId>,
    pub intent: Option<String>,
    pub confidence: Option<f64>,
    pub suggested_actions: Vec<String>,
    pub requires_escalation: bool,
}

/// Text sent when the engine fails or times out: the customer's message is kept.
pub const FALLBACK_REPLY: &str =
    "Sorry, I couldn't process that just now. Your message is saved and \
a member of the team will see it.";

impl PostMessage {
    pub fn validate(&self) -> Result<(), FieldError> {
        validate::message_content("content", &self.content)?;
        if self.attachments.len() > validate::MAX_ATTACHMENTS {
            return Err(FieldError::new(
                "attachments",
                format!("at most {} are allowed", validate::MAX_ATTACHMENTS),
            ));
        }
        for (i, a) in self.attachments.iter().enumerate() {
            validate::short_text(&format!("attachments[{i}].name"), &a.name)?;
            if let Some(url) = &a.url {
                if url.len() > 2048 || !(url.starts_with("https://") || url.starts_with("http://"))
                {
                    return Err(FieldError::new(
                        format!("attachments[{i}].url"),
                        "must be an http(s) URL under 2048 characters",
                    ));
                }
            }
            if let Some(m) = &a.mime_type {
                validate::short_text(&format!("attachments[{i}].mime_type"), m)?;
            }
        }
        Ok(())
    }
}

/// Loads a conversation the principal may see; other tenants' and other
/// customers' conversations are simply not found.
pub async fn conversation_for(
    state: &AppState,
    p: &Principal,
    id: ConversationId,
) -> ApiResult<Conversation> {
    let c = state.store.get_conversation(p.org, id).await?;
    if let Some(me) = p.customer() {
        if c.customer_id != Some(me) {
            return Err(ApiError::new(
                Code::ConversationNotFound,
                "conversation not found",
            ));
        }
    }
    Ok(c)
}

/// Posts a message: a customer's (or an integration's on their behalf) is
/// answered by the engine; a human agent's is stored and delivered.
pub async fn post_message(
    state: &AppState,
    p: &Principal,
    id: ConversationId,
    input: PostMessage,
) -> ApiResult<(PostMessageResult, Conversation)> {
    input.validate()?;
    let conversation = conversation_for(state, p, id).await?;
    if conversation.status == ConversationStatus::Archived {
        return Err(ApiError::new(
            Code::InvalidState,
            "the conversation is archived",
        ));
    }
    let attachments = serde_json::to_value(&input.attachments).unwrap_or(Value::Array(vec![]));
    let from_staff = matches!(p.role, Role::Admin | Role::Supervisor | Role::Agent);
    let mut msg = NewMessage::text(
        if from_staff {
            SenderType::HumanAgent
        } else {
            SenderType::User
        },
        if from_staff || p.role == Role::Customer {
            p.user
        } else {
            conversation.customer_id
        },
        input.content.clone(),
    );
    msg.content_type = input.content_type;
    msg.attachments = attachments;

    let reply = if from_staff {
        None
    } else {
        Some(run_engine(state, &conversation, &input).await)
    };
    let mut batch = vec![msg];
    if let Some(r) = &reply {
        let mut m = NewMessage::text(r.sender, None, r.reply.content.clone());
        m.intent = r.reply.intent.clone();
        m.intent_confidence = r.reply.confidence.map(|c| c.clamp(0.0, 1.0));
        batch.push(m);
        if let Some(s) = r.reply.sentiment {
            batch[0].sentiment = Some(s.clamp(-1.0, 1.0));
        }
        batch[0].intent = r.reply.intent.clone();
        batch[0].intent_confidence = r.reply.confidence.map(|c| c.clamp(0.0, 1.0));
    }
    let (updated, stored) = state.store.append_messages(p.org, id, &batch).await?;
    for m in &stored {
        state
            .metrics
            .messages
            .get_or_create(&SenderLabels {
                sender: m.sender_type.to_string(),
            })
            .inc();
    }
    publish_messages(state, &conversation, &updated, &stored);
    let first = stored
        .first()
        .ok_or_else(|| ApiError::new(Code::Internal, "message was not stored"))?;
    let result = match (&reply, stored.get(1)) {
        (Some(r), Some(m)) => PostMessageResult {
            message_id: first.id,
            response: Some(m.content.clone()),
            response_message_id: Some(m.id),
            intent: r.reply.intent.clone(),
            // As stored (clamped to 0–1), so the response and a later read agree.
            confidence: m.intent_confidence,
            suggested_actions: r.reply.suggested_actions.clone(),
            requires_escalation: r.reply.requires_escalation,
        },
        _ => PostMessageResult {
            message_id: first.id,
            response: None,
            response_message_id: None,
            intent: None,
            confidence: None,
            suggested_actions: vec![],
            requires_escalation: false,
        },
    };
    Ok((result, updated))
}

struct EngineOutcome {
    reply: Reply,
    sender: SenderType,
}

/// Asks the engine, bounded by the configured timeout; a failure becomes a
/// system fallback reply so the customer's message is still stored.
async fn run_engine(
    state: &AppState,
    conversation: &Conversation,
    input: &PostMessage,
) -> EngineOutcome {
    let window = state.engine.history_window();
    let history = if window > 0 {
        match state
            .store
            .list_messages(conversation.org_id, conversation.id, window as u32)
            .await
        {
            Ok(ms) => ms.into_iter().map(|m| (m.sender_type, m.content)).collect(),
            Err(e) => {
                tracing::warn!(error.message = %e, "history unavailable; engine runs without it");
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let turn = Turn {
        org_id: conversation.org_id,
        conversation_id: conversation.id,
        channel: conversation.channel,
        content: input.content.clone(),
        content_type: input.content_type,
        history,
    };
    let limit = Duration::from_secs(state.config.server.engine_timeout_secs);
    // A panicking engine is a failing engine: the customer still gets the fallback.
    let respond = AssertUnwindSafe(state.engine.respond(&turn)).catch_unwind();
    let failure = match tokio::time::timeout(limit, respond).await {
        Ok(Ok(Ok(reply))) => {
            return EngineOutcome {
                reply,
                sender: SenderType::AiAgent,
            }
        }
        Ok(Ok(Err(e))) => e.to_string(),
        Ok(Err(_panic)) => "panicked".to_owned(),
        Err(_) => "timed out".to_owned(),
    };
    tracing::warn!(engine = state.engine.name(), failure = %failure, "engine failed; answering with the fallback");
    state.metrics.engine_failures.inc();
    EngineOutcome {
        reply: Reply {
            content: FALLBACK_REPLY.to_owned(),
            intent: None,
            confidence: None,
            sentiment: None,
            suggested_actions: vec!["talk_to_human".to_owned()],
            requires_escalation: true,
        },
        sender: SenderType::System,
    }
}

fn publish_messages(
    state: &AppState,
    before: &Conversation,
    after: &Conversation,
    stored: &[Message],
) {
    for m in stored {
        let event = match m.sender_type {
            SenderType::AiAgent | SenderType::System => {
                ServerEvent::AiResponse { message: m.clone() }
            }
            _ => ServerEvent::MessageReceived { message: m.clone() },
        };
        state.hub.publish(after.id, event);
    }
    if before.status != after.status {
        state.hub.publish(
            after.id,
            ServerEvent::StatusUpdate {
                conversation_id: after.id,
                status: after.status,
            },
        );
    }
}
