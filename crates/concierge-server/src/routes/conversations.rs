//! `/v1/conversations`: create, read (with messages), list (cursor-paginated,
//! filtered), and post messages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use concierge_core::model::{Conversation, Message};
use concierge_core::validate;
use concierge_core::{Channel, ContentType, ConversationId, ConversationStatus, Role};
use concierge_store::{ConversationFilter, Cursor, NewConversation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery};
use crate::service::{self, Attachment, PostMessage, PostMessageResult};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/conversations", post(create).get(list))
        .route("/v1/conversations/{id}", get(read))
        .route("/v1/conversations/{id}/messages", post(post_message))
}

/// The customer a conversation is with, in the tenant's own terms.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerRef {
    /// The customer's id in your systems.
    #[schema(example = "crm-000123")]
    pub external_id: String,
    #[schema(example = "jane@example.com")]
    pub email: Option<String>,
    /// How the agent addresses them.
    #[schema(example = "Jane Doe")]
    pub name: Option<String>,
    /// Service tier: drives routing, priority and SLA targets.
    pub tier: Option<concierge_core::CustomerTier>,
    /// Preferred language (ISO 639-1, e.g. `es`), used until they write enough to tell.
    #[schema(example = "en")]
    pub language: Option<String>,
}

/// A new conversation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"channel": "web", "customer": {"external_id": "crm-000123", "email": "jane@example.com"},
    "initial_message": "Our API calls fail with REQUEST_LIMIT_EXCEEDED", "metadata": {"page": "/billing"}}))]
pub struct CreateConversation {
    pub channel: Channel,
    /// Staff and integrations may name the customer; a customer token is its own customer.
    pub customer: Option<CustomerRef>,
    /// The first message (≤ 5000 characters), answered like any other.
    pub initial_message: Option<String>,
    /// Free-form JSON object (≤ 16 KiB) kept with the conversation.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// A conversation with its messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub conversation: Conversation,
    /// The most recent messages (up to 200), oldest first.
    pub messages: Vec<Message>,
    /// Its latest escalation missed an SLA deadline.
    pub sla_breached: bool,
    /// The reply to `initial_message`, when one was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<PostMessageResult>,
}

/// Starts a conversation.
#[utoipa::path(post, path = "/v1/conversations", tag = "conversations", request_body = CreateConversation,
    responses((status = 201, body = ConversationDetail), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    AppJson(req): AppJson<CreateConversation>,
) -> ApiResult<(StatusCode, Json<ConversationDetail>)> {
    let mut metadata = req.metadata.unwrap_or_else(|| json!({}));
    validate::json_object("metadata", &metadata)?;
    if let Some(text) = &req.initial_message {
        validate::message_content("initial_message", text)?;
    }
    let customer_id = match (&req.customer, p.role) {
        (_, Role::Customer) => {
            if req.customer.is_some() {
                return Err(ApiError::field(
                    "customer",
                    "customers cannot name another customer",
                ));
            }
            p.user
        }
        (Some(c), _) => {
            validate::short_text("customer.external_id", &c.external_id)?;
            let email = c
                .email
                .as_deref()
                .map(|e| validate::email("customer.email", e))
                .transpose()?;
            if let Some(name) = &c.name {
                validate::short_text("customer.name", name)?;
            }
            if let Some(lang) = &c.language {
                if lang.len() < 2
                    || lang.len() > 8
                    || !lang.chars().all(|ch| ch.is_ascii_alphabetic() || ch == '-')
                {
                    return Err(ApiError::field(
                        "customer.language",
                        "must be a language code such as `en` or `pt-BR`",
                    ));
                }
            }
            let user = state
                .store
                .upsert_customer(p.org, &c.external_id, email.as_deref())
                .await?;
            if c.name.is_some() || c.tier.is_some() {
                state
                    .store
                    .set_customer_profile(p.org, user.id, c.name.as_deref(), c.tier)
                    .await?;
            }
            if let Some(obj) = metadata.as_object_mut() {
                obj.insert(
                    "customer".into(),
                    json!({"name": c.name, "language": c.language.as_deref().map(str::to_ascii_lowercase)}),
                );
            }
            Some(user.id)
        }
        (None, _) => None,
    };
    let conversation = state
        .store
        .create_conversation(
            p.org,
            &NewConversation {
                customer_id,
                channel: req.channel,
                metadata,
                context: json!({}),
            },
        )
        .await?;
    let reply = match req.initial_message {
        Some(content) => {
            let input = PostMessage {
                content,
                content_type: ContentType::Text,
                attachments: Vec::<Attachment>::new(),
            };
            Some(
                service::post_message(&state, &p, conversation.id, input)
                    .await?
                    .0,
            )
        }
        None => None,
    };
    let conversation = if reply.is_some() {
        state.store.get_conversation(p.org, conversation.id).await?
    } else {
        conversation
    };
    let messages = if reply.is_some() {
        state
            .store
            .list_messages(p.org, conversation.id, 200)
            .await?
    } else {
        Vec::new()
    };
    Ok((
        StatusCode::CREATED,
        Json(ConversationDetail {
            conversation,
            messages,
            sla_breached: false,
            reply,
        }),
    ))
}

/// One conversation with its recent messages.
#[utoipa::path(get, path = "/v1/conversations/{id}", tag = "conversations",
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    responses((status = 200, body = ConversationDetail), (status = 401, body = ErrorBody),
              (status = 404, description = "Not found (or not yours)", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<ConversationId>,
) -> ApiResult<Json<ConversationDetail>> {
    let conversation = service::conversation_for(&state, &p, id).await?;
    let messages = state.store.list_messages(p.org, id, 200).await?;
    let sla_breached = if conversation.escalated {
        state
            .store
            .escalation_for(p.org, id)
            .await?
            .is_some_and(|e| e.breached_at.is_some())
    } else {
        false
    };
    Ok(Json(ConversationDetail {
        conversation,
        messages,
        sla_breached,
        reply: None,
    }))
}

/// Filters and paging for the conversation list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub status: Option<ConversationStatus>,
    pub channel: Option<Channel>,
    /// Started at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Started before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of conversations, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationPage {
    pub items: Vec<Conversation>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn encode_cursor(c: &Cursor) -> String {
    let raw = json!({ "t": c.started_at, "id": c.id });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.to_string())
}

fn decode_cursor(s: &str) -> Result<Cursor, ApiError> {
    let bad = || ApiError::field("cursor", "is not a cursor returned by this API");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| bad())?;
    #[derive(Deserialize)]
    struct Raw {
        t: DateTime<Utc>,
        id: ConversationId,
    }
    let raw: Raw = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    Ok(Cursor {
        started_at: raw.t,
        id: raw.id,
    })
}

/// Lists conversations (customers see only their own).
#[utoipa::path(get, path = "/v1/conversations", tag = "conversations", params(ListQuery),
    responses((status = 200, body = ConversationPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    p: Principal,
    AppQuery(q): AppQuery<ListQuery>,
) -> ApiResult<Json<ConversationPage>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 200"));
    }
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if from >= to {
            return Err(ApiError::field("from", "must be before `to`"));
        }
    }
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let filter = ConversationFilter {
        status: q.status,
        channel: q.channel,
        from: q.from,
        to: q.to,
        customer_id: if p.role == Role::Customer {
            Some(
                p.customer()
                    .ok_or_else(|| ApiError::forbidden("no customer identity"))?,
            )
        } else {
            None
        },
    };
    let page = state
        .store
        .list_conversations(p.org, &filter, after, limit)
        .await?;
    Ok(Json(ConversationPage {
        items: page.items,
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}

/// Posts a message. A customer's message is answered by the conversation
/// engine (until the engine lands, an honest placeholder); a human agent's is
/// stored and delivered to the customer.
#[utoipa::path(post, path = "/v1/conversations/{id}/messages", tag = "conversations",
    params(("id" = String, Path, format = Uuid, description = "Conversation id")),
    request_body = PostMessage,
    responses((status = 200, body = PostMessageResult), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "Archived", body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn post_message(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<ConversationId>,
    AppJson(req): AppJson<PostMessage>,
) -> ApiResult<Json<PostMessageResult>> {
    let (result, _) = service::post_message(&state, &p, id, req).await?;
    Ok(Json(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_a_field_error() {
        let c = Cursor {
            started_at: concierge_store::now(),
            id: ConversationId::new(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&c)).unwrap(), c);
        let err = decode_cursor("!!!").unwrap_err();
        assert_eq!(err.details["field"], "cursor");
    }
}
