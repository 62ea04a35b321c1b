//! Human agents: queues, claiming, transferring and resolving
//! conversations, the escalation with its summary card, AI-suggested
//! replies; customers rate the conversation (CSAT) at the end.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use concierge_core::model::{Conversation, Escalation};
use concierge_core::{ConversationId, Priority, Role};
use concierge_llm::{Speaker, Task, TaskRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Code, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery};
use crate::service;
use crate::state::AppState;
use crate::ws::ServerEvent;

const STAFF: &[Role] = &[Role::Admin, Role::Supervisor, Role::Agent];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/queues", get(queues))
        .route("/v1/escalations", get(escalations))
        .route("/v1/conversations/{id}/escalation", get(escalation))
        .route("/v1/conversations/{id}/claim", post(claim))
        .route("/v1/conversations/{id}/transfer", post(transfer))
        .route("/v1/conversations/{id}/resolve", post(resolve))
        .route("/v1/conversations/{id}/csat", post(csat))
        .route("/v1/conversations/{id}/suggestions", get(suggestions))
}

/// Open work in one queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueSummary {
    pub queue: String,
    pub open: i64,
    pub unassigned: i64,
    pub breached: i64,
    pub next_deadline: Option<chrono::DateTime<chrono::Utc>>,
}

/// Queues with open escalations, with counts and the next SLA deadline.
#[utoipa::path(get, path = "/v1/queues", tag = "agents",
    responses((status = 200, body = Vec<QueueSummary>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn queues(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<QueueSummary>>> {
    p.require(STAFF)?;
    let counts = state.store.queue_counts(p.org).await?;
    Ok(Json(
        counts
            .into_iter()
            .map(|c| QueueSummary {
                queue: c.queue,
                open: c.open,
                unassigned: c.unassigned,
                breached: c.breached,
                next_deadline: c.next_deadline,
            })
            .collect(),
    ))
}

/// Which escalations to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EscalationQuery {
    /// One queue (default: all).
    pub queue: Option<String>,
    /// At most this many, 1–500 (default 100).
    pub limit: Option<u32>,
}

/// Open escalations, most urgent SLA deadline first.
#[utoipa::path(get, path = "/v1/escalations", tag = "agents", params(EscalationQuery),
    responses((status = 200, body = Vec<Escalation>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn escalations(
    State(state): State<AppState>,
    p: Principal,
    AppQuery(q): AppQuery<EscalationQuery>,
) -> ApiResult<Json<Vec<Escalation>>> {
    p.require(STAFF)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    Ok(Json(
        state
            .store
            .open_escalations(p.org, q.queue.as_deref(), limit)
            .await?,
    ))
}

/// The conversation's latest escalation with its summary card.
#[utoipa::path(get, path = "/v1/conversations/{id}/escalation", tag = "agents",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Escalation), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn escalation(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<ConversationId>,
) -> ApiResult<Json<Escalation>> {
    p.require(STAFF)?;
    service::conversation_for(&state, &p, id).await?;
    state
        .store
        .escalation_for(p.org, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::new(Code::NotFound, "the conversation was never escalated"))
}

fn publish_status(state: &AppState, c: &Conversation) {
    state.hub.publish(
        c.id,
        ServerEvent::StatusUpdate {
            conversation_id: c.id,
            status: c.status,
        },
    );
}

/// Assigns the conversation to the signed-in agent.
#[utoipa::path(post, path = "/v1/conversations/{id}/claim", tag = "agents",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn claim(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<ConversationId>,
) -> ApiResult<Json<Conversation>> {
    p.require(STAFF)?;
    let agent = p
        .user
        .ok_or_else(|| ApiError::forbidden("claiming needs a signed-in agent, not an API key"))?;
    let before = service::conversation_for(&state, &p, id).await?;
    let c = state.store.claim_conversation(p.org, id, agent).await?;
    publish_status(&state, &c);
    crate::notify::updated(&state, &c, before.queue);
    Ok(Json(c))
}

/// Where to transfer a conversation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The queue (1–64 characters: letters, digits, `_`, `-`).
    pub queue: String,
    pub priority: Option<Priority>,
}

/// Moves the conversation to another queue, unassigned.
#[utoipa::path(post, path = "/v1/conversations/{id}/transfer", tag = "agents", request_body = Transfer,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn transfer(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<ConversationId>,
    AppJson(req): AppJson<Transfer>,
) -> ApiResult<Json<Conversation>> {
    p.require(STAFF)?;
    if req.queue.is_empty()
        || req.queue.len() > 64
        || !req
            .queue
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(ApiError::field(
            "queue",
            "must be 1–64 letters, digits, `_` or `-`",
        ));
    }
    let before = service::conversation_for(&state, &p, id).await?;
    let c = state
        .store
        .transfer_conversation(p.org, id, &req.queue, req.priority)
        .await?;
    if before.status != c.status {
        publish_status(&state, &c);
    }
    crate::notify::updated(&state, &c, before.queue);
    Ok(Json(c))
}

/// How a conversation was resolved.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    /// What solved it (≤ 1000 characters), kept with the escalation.
    pub note: Option<String>,
}

/// Resolves the conversation: by a human agent when staff do it, by the
/// customer when the customer (or an integration for them) does.
#[utoipa::path(post, path = "/v1/conversations/{id}/resolve", tag = "agents", request_body = Resolve,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn resolve(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<ConversationId>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Conversation>> {
    let req: Resolve = crate::extract::optional_json(&body)?;
    if req.note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(ApiError::field("note", "must be at most 1000 characters"));
    }
    let current = service::conversation_for(&state, &p, id).await?;
    // Staff resolve as humans; so does a customer closing a conversation a
    // human handled. Otherwise the customer closed it themselves.
    let how = if p.role.is_staff() || current.escalated {
        "human"
    } else {
        "customer"
    };
    let c = state
        .store
        .resolve_conversation(p.org, id, how, req.note.as_deref())
        .await?;
    publish_status(&state, &c);
    crate::notify::updated(&state, &c, current.queue);
    Ok(Json(c))
}

/// A satisfaction rating.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Csat {
    /// 1 (very unhappy) to 5 (very happy).
    pub score: i32,
    /// Optional comment (≤ 2000 characters).
    pub comment: Option<String>,
}

/// The customer rates the conversation.
#[utoipa::path(post, path = "/v1/conversations/{id}/csat", tag = "conversations", request_body = Csat,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn csat(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<ConversationId>,
    AppJson(req): AppJson<Csat>,
) -> ApiResult<Json<Conversation>> {
    if p.role.is_staff() {
        return Err(ApiError::forbidden(
            "only the customer (or an integration for them) rates a conversation",
        ));
    }
    if !(1..=5).contains(&req.score) {
        return Err(ApiError::field("score", "must be between 1 and 5"));
    }
    if req
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > 2000)
    {
        return Err(ApiError::field(
            "comment",
            "must be at most 2000 characters",
        ));
    }
    service::conversation_for(&state, &p, id).await?;
    Ok(Json(
        state
            .store
            .set_csat(p.org, id, req.score, req.comment.as_deref())
            .await?,
    ))
}

/// A reply an agent may edit and send.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestion {
    pub text: String,
    /// Knowledge the suggestion rests on.
    pub citations: Vec<concierge_core::knowledge::Citation>,
    /// The provider that wrote it (`local` for the built-in responder).
    pub provider: String,
}

/// AI-suggested replies for the agent handling the conversation.
#[utoipa::path(get, path = "/v1/conversations/{id}/suggestions", tag = "agents",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Suggestion>), (status = 403, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn suggestions(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<ConversationId>,
) -> ApiResult<Json<Vec<Suggestion>>> {
    p.require(STAFF)?;
    let engine = state
        .services
        .clone()
        .ok_or_else(|| ApiError::new(Code::Internal, "the engine is not enabled"))?;
    service::conversation_for(&state, &p, id).await?;
    let messages = state.store.list_messages(p.org, id, 20).await?;
    let Some(last) = messages
        .iter()
        .rev()
        .find(|m| m.sender_type == concierge_core::SenderType::User)
    else {
        return Ok(Json(vec![]));
    };
    let passages = match engine.knowledge() {
        Some(kb) => {
            let kb = kb.clone();
            let query = concierge_knowledge::SearchQuery {
                text: last.content.chars().take(1000).collect(),
                limit: 3,
                ..Default::default()
            };
            let org = p.org;
            tokio::task::spawn_blocking(move || kb.search(org, &query))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default()
        }
        None => vec![],
    };
    let mut request = TaskRequest::new(Task::Assist, p.org, last.content.clone());
    request.conversation_id = Some(id);
    request.passages = passages;
    request.history = messages
        .iter()
        .map(|m| concierge_llm::Turn {
            speaker: match m.sender_type {
                concierge_core::SenderType::User => Speaker::Customer,
                concierge_core::SenderType::HumanAgent => Speaker::Agent,
                _ => Speaker::Assistant,
            },
            text: m.content.clone(),
        })
        .collect();
    let outcome = engine.router().run(request).await;
    Ok(Json(vec![Suggestion {
        text: outcome.text,
        citations: outcome.citations,
        provider: outcome.provider,
    }]))
}
