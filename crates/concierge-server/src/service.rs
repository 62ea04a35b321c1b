//! Conversation operations shared by the REST and WebSocket faces: access
//! checks, the engine call (with its timeout and fallback), storage, and fan-out.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use concierge_core::engine::{Reply, Turn, TurnPlan};
use concierge_core::model::{Conversation, Message};
use concierge_core::validate::{self, FieldError};
use concierge_core::{ContentType, ConversationId, ConversationStatus, Role, SenderType};
use concierge_store::{NewMessage, TurnEffects};
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
    /// The customer's language (ISO 639-1).
    pub language: Option<String>,
    /// The conversation's status after the turn.
    pub status: ConversationStatus,
    /// The knowledge the reply cites, in `[n]` order.
    pub citations: Vec<concierge_core::knowledge::Citation>,
    /// Actions run for this turn.
    pub actions: Vec<concierge_core::engine::ActionSummary>,
    /// `warned` or `blocked` when moderation flagged the message.
    pub moderation: Option<String>,
    /// The hand-off this turn made, if it escalated.
    pub escalation: Option<EscalationInfo>,
    /// Buttons the customer may press instead of typing.
    pub quick_replies: Vec<String>,
    /// The workflow in progress (`{"name", "step"}`).
    #[schema(value_type = Option<Object>)]
    pub workflow: Option<Value>,
}

/// The escalation a turn made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EscalationInfo {
    #[schema(value_type = String, format = Uuid)]
    pub id: concierge_core::EscalationId,
    pub queue: String,
    pub priority: concierge_core::Priority,
    pub reason: String,
    pub sla_deadline: Option<chrono::DateTime<chrono::Utc>>,
    /// The case opened for it, when there is one.
    pub case_number: Option<String>,
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
    visible_to(p, c)
}

/// `c` if `p` may see it: a customer sees only their own conversations.
fn visible_to(p: &Principal, c: Conversation) -> ApiResult<Conversation> {
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
    let from_staff = matches!(p.role, Role::Admin | Role::Supervisor | Role::Agent);
    // The engine reads the recent history too (staff messages skip the
    // engine): fetched with the conversation, in one round trip.
    let window = if from_staff {
        0
    } else {
        u32::try_from(state.engine.history_window()).unwrap_or(u32::MAX)
    };
    let (conversation, history) = state
        .store
        .conversation_with_history(p.org, id, window)
        .await?;
    let mut conversation = visible_to(p, conversation)?;
    if conversation.status == ConversationStatus::Archived {
        return Err(ApiError::new(
            Code::InvalidState,
            "the conversation is archived",
        ));
    }
    let attachments = serde_json::to_value(&input.attachments).unwrap_or(Value::Array(vec![]));
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
        // Watchers see the agent working while the pipeline runs.
        let typing = |on| ServerEvent::TypingIndicator {
            conversation_id: id,
            sender: "ai_agent".to_owned(),
            typing: on,
        };
        state.hub.publish(id, typing(true));
        // The engine takes the context rather than a copy of it: nothing
        // below reads it (the turn's new context comes back in its effects).
        let context = std::mem::take(&mut conversation.context);
        let mut engine_view = conversation.clone();
        engine_view.context = context;
        let r = run_engine(state, engine_view, history, &input).await;
        state.hub.publish(id, typing(false));
        Some(r)
    };
    let mut effects = TurnEffects::default();
    let mut batch = vec![msg];
    if from_staff && conversation.escalated && !conversation.status.is_closed() {
        // A human answered: the ball is in the customer's court.
        effects.status = Some(ConversationStatus::WaitingForUser);
    }
    if let Some(r) = &reply {
        let plan = &r.reply.plan;
        let user = &mut batch[0];
        if let Some(s) = r.reply.sentiment {
            user.sentiment = Some(s.clamp(-1.0, 1.0));
        }
        user.intent = r.reply.intent.clone();
        user.intent_confidence = r.reply.confidence.map(|c| c.clamp(0.0, 1.0));
        if !plan.user_analysis.is_null() {
            user.analysis = plan.user_analysis.clone();
        }
        if plan.user_entities.is_array() {
            user.entities = plan.user_entities.clone();
        }
        user.moderation = plan.moderation.as_ref().map(|m| m.level.clone());
        if !plan.silent {
            let mut m = NewMessage::text(
                plan.sender.unwrap_or(r.sender),
                None,
                r.reply.content.clone(),
            );
            m.intent = r.reply.intent.clone();
            m.intent_confidence = r.reply.confidence.map(|c| c.clamp(0.0, 1.0));
            if !plan.reply_analysis.is_null() {
                m.analysis = plan.reply_analysis.clone();
            }
            // Stored with the reply, so a widget that receives it over the
            // WebSocket or reloads the transcript still offers the buttons.
            if !plan.quick_replies.is_empty() {
                if !m.analysis.is_object() {
                    m.analysis = serde_json::json!({});
                }
                if let Some(obj) = m.analysis.as_object_mut() {
                    obj.insert(
                        "quick_replies".into(),
                        serde_json::json!(plan.quick_replies),
                    );
                }
            }
            batch.push(m);
        }
        effects = TurnEffects::from_plan(conversation.id, plan);
    }
    let turn = state.store.record_turn(p.org, id, &batch, &effects).await?;
    let (updated, stored) = (turn.conversation, turn.messages);
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
    match &turn.escalation {
        Some(e) => crate::notify::escalated(state, &updated, e),
        None => crate::notify::if_changed(state, &conversation, &updated),
    }
    let first = stored
        .first()
        .ok_or_else(|| ApiError::new(Code::Internal, "message was not stored"))?;
    let escalation = turn.escalation.as_ref().map(|e| EscalationInfo {
        id: e.id,
        queue: e.queue.clone(),
        priority: e.priority,
        reason: e.reason.clone(),
        sla_deadline: e.sla_deadline,
        case_number: e
            .summary
            .get("case_number")
            .and_then(Value::as_str)
            .map(str::to_owned),
    });
    let result = match &reply {
        Some(r) => {
            let plan = &r.reply.plan;
            let answer = stored.get(1);
            PostMessageResult {
                message_id: first.id,
                response: answer.map(|m| m.content.clone()),
                response_message_id: answer.map(|m| m.id),
                intent: r.reply.intent.clone(),
                // As stored (clamped to 0–1), so the response and a later read agree.
                confidence: first.intent_confidence,
                suggested_actions: r.reply.suggested_actions.clone(),
                requires_escalation: r.reply.requires_escalation,
                language: plan.language.clone(),
                status: updated.status,
                citations: plan.citations.clone(),
                actions: plan.actions.clone(),
                moderation: plan.moderation.as_ref().map(|m| m.level.clone()),
                escalation,
                quick_replies: plan.quick_replies.clone(),
                workflow: plan.workflow.clone(),
            }
        }
        None => PostMessageResult {
            message_id: first.id,
            response: None,
            response_message_id: None,
            intent: None,
            confidence: None,
            suggested_actions: vec![],
            requires_escalation: false,
            language: None,
            status: updated.status,
            citations: vec![],
            actions: vec![],
            moderation: None,
            escalation: None,
            quick_replies: vec![],
            workflow: None,
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
    conversation: Conversation,
    history: Vec<(SenderType, String)>,
    input: &PostMessage,
) -> EngineOutcome {
    let turn = Turn {
        org_id: conversation.org_id,
        conversation_id: conversation.id,
        channel: conversation.channel,
        content: input.content.clone(),
        content_type: input.content_type,
        history,
        deltas: state.hub.watched(conversation.id).then(|| {
            let hub = state.hub.clone();
            let id = conversation.id;
            concierge_core::engine::DeltaSink(std::sync::Arc::new(move |delta| {
                hub.publish(
                    id,
                    ServerEvent::AiResponseDelta {
                        conversation_id: id,
                        delta,
                    },
                );
            }))
        }),
        conversation: Some(conversation),
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
            plan: TurnPlan::default(),
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
