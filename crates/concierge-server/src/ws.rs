//! WebSocket API (`GET /v1/ws`). Clients send `message`, `typing`,
//! `read_receipt`, `heartbeat`, `subscribe` and (staff) `subscribe_queues`
//! events; the server sends `message_received`, `ai_response`,
//! `typing_indicator`, `read_receipt`, `status_update`, `subscribed`,
//! `heartbeat` and `error`, and on the staff feed `queues_subscribed`,
//! `escalated` and `conversation_updated` (see [`crate::notify`]).
//!
//! A message sent over a socket and one posted over REST go through the same
//! [`service::post_message`](crate::service::post_message) and reach every
//! socket subscribed to the conversation through the [`Hub`]. A bad frame gets
//! an `error` event and the connection stays open; a socket silent for
//! `websocket.idle_timeout_secs` is closed.
//!
//! The hub fans out within this process; across nodes it will ride on Redis
//! pub/sub with the scale-out work.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use concierge_core::model::Message;
use concierge_core::{
    ContentType, ConversationId, ConversationStatus, EscalationId, MessageId, Priority, UserId,
};
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};
use utoipa::ToSchema;

pub use crate::hub::Hub;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::AppQuery;
use crate::service::{self, Attachment, PostMessage};
use crate::state::AppState;

/// Events the server sends.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// A customer's or human agent's message was stored.
    MessageReceived { message: Message },
    /// The AI agent (or the fallback) answered.
    AiResponse { message: Message },
    /// A piece of the AI's reply as it is written (a draft: the
    /// `ai_response` that follows carries the stored, authoritative text).
    AiResponseDelta {
        #[schema(value_type = String, format = Uuid)]
        conversation_id: ConversationId,
        delta: String,
    },
    /// Someone is typing.
    TypingIndicator {
        #[schema(value_type = String, format = Uuid)]
        conversation_id: ConversationId,
        sender: String,
        typing: bool,
    },
    /// A message was read.
    ReadReceipt {
        #[schema(value_type = String, format = Uuid)]
        conversation_id: ConversationId,
        #[schema(value_type = String, format = Uuid)]
        message_id: MessageId,
        reader: String,
    },
    /// The conversation's status changed.
    StatusUpdate {
        #[schema(value_type = String, format = Uuid)]
        conversation_id: ConversationId,
        status: ConversationStatus,
    },
    /// This socket now receives the conversation's events.
    Subscribed {
        #[schema(value_type = String, format = Uuid)]
        conversation_id: ConversationId,
    },
    /// Staff feed (after `subscribe_queues`): a conversation was escalated
    /// to a queue. Sent to staff sockets of the same tenant whose queue
    /// filter includes `queue` (or that watch all queues).
    Escalated {
        #[schema(value_type = String, format = Uuid)]
        conversation_id: ConversationId,
        #[schema(value_type = String, format = Uuid)]
        escalation_id: EscalationId,
        queue: String,
        priority: Priority,
        reason: String,
        sla_deadline: Option<chrono::DateTime<chrono::Utc>>,
        /// The case opened for it (e.g. a Salesforce CaseNumber), when there is one.
        #[serde(skip_serializing_if = "Option::is_none")]
        case_number: Option<String>,
    },
    /// Staff feed (after `subscribe_queues`): a conversation's status, queue
    /// or assignee changed (escalated, claimed, transferred, resolved,
    /// answered). Filtered by `queue` or `previous_queue`.
    ConversationUpdated {
        #[schema(value_type = String, format = Uuid)]
        conversation_id: ConversationId,
        status: ConversationStatus,
        queue: Option<String>,
        /// The queue it left, on a transfer.
        #[serde(skip_serializing_if = "Option::is_none")]
        previous_queue: Option<String>,
        priority: Option<Priority>,
        #[schema(value_type = Option<String>, format = Uuid)]
        assigned_agent_id: Option<UserId>,
    },
    /// This socket now receives the staff feed; `queues` is its filter
    /// (`null`: every queue of the tenant).
    QueuesSubscribed { queues: Option<Vec<String>> },
    /// Answer to a client heartbeat.
    Heartbeat,
    /// A frame could not be handled; the connection stays open.
    Error {
        code: u16,
        name: String,
        message: String,
        #[schema(value_type = Object)]
        details: Value,
    },
}

/// Events a client sends.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientEvent {
    Message {
        #[schema(value_type = String, format = Uuid)]
        conversation_id: ConversationId,
        content: String,
        #[serde(default)]
        content_type: Option<ContentType>,
        #[serde(default)]
        attachments: Vec<Attachment>,
    },
    Typing {
        #[schema(value_type = String, format = Uuid)]
        conversation_id: ConversationId,
        #[serde(default = "yes")]
        typing: bool,
    },
    ReadReceipt {
        #[schema(value_type = String, format = Uuid)]
        conversation_id: ConversationId,
        #[schema(value_type = String, format = Uuid)]
        message_id: MessageId,
    },
    Heartbeat,
    Subscribe {
        #[schema(value_type = String, format = Uuid)]
        conversation_id: ConversationId,
    },
    /// Staff only (agent, supervisor, admin): receive the tenant's staff
    /// feed — `escalated` and `conversation_updated` events — answered with
    /// `queues_subscribed`. `queues` limits it to those queues (omit or
    /// `null` for all). Sending it again replaces the filter. Customers and
    /// integrations get a `forbidden` error event.
    SubscribeQueues {
        #[serde(default)]
        queues: Option<Vec<String>>,
    },
}

fn yes() -> bool {
    true
}

/// Query of `GET /v1/ws`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct WsQuery {
    /// Subscribe to this conversation at once.
    #[param(value_type = Option<String>, format = Uuid)]
    pub conversation_id: Option<ConversationId>,
    /// The access token, for clients that cannot set the Authorization header.
    pub access_token: Option<String>,
}

/// Opens a WebSocket.
#[utoipa::path(get, path = "/v1/ws", tag = "realtime", params(WsQuery),
    responses((status = 101, description = "Switching protocols; events as described by ClientEvent and ServerEvent"),
              (status = 401, description = "Missing or invalid token", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn upgrade(
    State(state): State<AppState>,
    principal: Principal,
    AppQuery(query): AppQuery<WsQuery>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    // A plain HTTP request gets our error format, not axum's plain text.
    let ws = ws.map_err(|r| {
        ApiError::new(
            crate::error::Code::MalformedRequest,
            format!("this endpoint speaks WebSocket only: {}", r.body_text()),
        )
    })?;
    let mut initial = None;
    if let Some(id) = query.conversation_id {
        service::conversation_for(&state, &principal, id).await?;
        initial = Some(id);
    }
    let max = state.config.websocket.max_frame_bytes;
    Ok(ws
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| run_socket(socket, state, principal, initial)))
}

fn error_event(e: &ApiError) -> ServerEvent {
    ServerEvent::Error {
        code: e.code.number(),
        name: e.code.name().to_owned(),
        message: e.message.clone(),
        details: e.details.clone(),
    }
}

struct Socket {
    state: AppState,
    principal: Principal,
    out: mpsc::Sender<Arc<ServerEvent>>,
    forwards: HashMap<ConversationId, tokio::task::JoinHandle<()>>,
    /// The staff feed's forwarder, after `subscribe_queues`.
    staff: Option<tokio::task::JoinHandle<()>>,
}

impl Socket {
    async fn send(&self, event: ServerEvent) {
        let _ = self.out.send(Arc::new(event)).await;
    }

    fn subscribe(&mut self, id: ConversationId) -> bool {
        if self.forwards.contains_key(&id) {
            return false;
        }
        let Some(mut rx) = self.state.hub.subscribe(id) else {
            return false;
        };
        let out = self.out.clone();
        let task = tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(ev) => {
                        if out.send(ev).await.is_err() {
                            break;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(skipped = n, "slow WebSocket subscriber skipped events");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        self.forwards.insert(id, task);
        true
    }

    /// Forwards the tenant's staff feed, filtered by `queues`, replacing any earlier filter.
    async fn subscribe_queues(&mut self, queues: Option<Vec<String>>) -> Result<(), ApiError> {
        if !self.principal.role.is_staff() {
            return Err(ApiError::forbidden(
                "only agents, supervisors and admins receive the queue feed",
            ));
        }
        if let Some(qs) = &queues {
            if qs.len() > 100 {
                return Err(ApiError::field("queues", "at most 100 queues"));
            }
        }
        if let Some(old) = self.staff.take() {
            old.abort();
            let _ = old.await;
        }
        let Some(mut rx) = self.state.hub.subscribe_staff(self.principal.org) else {
            return Err(ApiError::new(
                crate::error::Code::Internal,
                "the staff feed is unavailable",
            ));
        };
        let out = self.out.clone();
        let filter = queues.clone();
        self.staff = Some(tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(ev) => {
                        if wanted(filter.as_deref(), &ev) && out.send(ev).await.is_err() {
                            break;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(skipped = n, "slow staff socket skipped feed events");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        }));
        self.send(ServerEvent::QueuesSubscribed { queues }).await;
        Ok(())
    }

    async fn handle_text(&mut self, text: &str) {
        let event: ClientEvent = match serde_json::from_str(text) {
            Ok(ev) => ev,
            Err(e) => {
                let err = ApiError::new(
                    crate::error::Code::MalformedRequest,
                    format!("bad frame: {e}"),
                );
                return self.send(error_event(&err)).await;
            }
        };
        if let Err(e) = self.handle_event(event).await {
            self.send(error_event(&e)).await;
        }
    }

    async fn handle_event(&mut self, event: ClientEvent) -> Result<(), ApiError> {
        let who = self.principal.role.to_string();
        match event {
            ClientEvent::Heartbeat => self.send(ServerEvent::Heartbeat).await,
            ClientEvent::SubscribeQueues { queues } => self.subscribe_queues(queues).await?,
            ClientEvent::Subscribe { conversation_id } => {
                service::conversation_for(&self.state, &self.principal, conversation_id).await?;
                self.subscribe(conversation_id);
                self.send(ServerEvent::Subscribed { conversation_id }).await;
            }
            ClientEvent::Message {
                conversation_id,
                content,
                content_type,
                attachments,
            } => {
                self.state.limiter.check(&self.principal.actor())?;
                // Subscribe first so this socket sees its own message and the reply.
                service::conversation_for(&self.state, &self.principal, conversation_id).await?;
                if self.subscribe(conversation_id) {
                    self.send(ServerEvent::Subscribed { conversation_id }).await;
                }
                let input = PostMessage {
                    content,
                    content_type: content_type.unwrap_or(ContentType::Text),
                    attachments,
                };
                service::post_message(&self.state, &self.principal, conversation_id, input).await?;
            }
            ClientEvent::Typing {
                conversation_id,
                typing,
            } => {
                self.state.limiter.check(&self.principal.actor())?;
                service::conversation_for(&self.state, &self.principal, conversation_id).await?;
                self.state.hub.publish(
                    conversation_id,
                    ServerEvent::TypingIndicator {
                        conversation_id,
                        sender: who,
                        typing,
                    },
                );
            }
            ClientEvent::ReadReceipt {
                conversation_id,
                message_id,
            } => {
                service::conversation_for(&self.state, &self.principal, conversation_id).await?;
                self.state.hub.publish(
                    conversation_id,
                    ServerEvent::ReadReceipt {
                        conversation_id,
                        message_id,
                        reader: who,
                    },
                );
            }
        }
        Ok(())
    }
}

/// Whether a staff-feed event passes a socket's queue filter (`None`: all).
fn wanted(filter: Option<&[String]>, event: &ServerEvent) -> bool {
    let Some(queues) = filter else {
        return true;
    };
    let has = |q: &Option<String>| q.as_ref().is_some_and(|q| queues.contains(q));
    match event {
        ServerEvent::Escalated { queue, .. } => queues.contains(queue),
        ServerEvent::ConversationUpdated {
            queue,
            previous_queue,
            ..
        } => has(queue) || has(previous_queue),
        _ => true,
    }
}

/// Resolves when the principal's credential expires (never, for API keys).
async fn expiry(expires_at: Option<i64>) {
    match expires_at {
        Some(exp) => {
            let left = (exp - chrono::Utc::now().timestamp()).max(0) as u64;
            tokio::time::sleep(Duration::from_secs(left)).await;
        }
        None => std::future::pending::<()>().await,
    }
}

async fn run_socket(
    socket: WebSocket,
    state: AppState,
    principal: Principal,
    initial: Option<ConversationId>,
) {
    let (mut sink, mut stream) = socket.split();
    let (out, mut out_rx) = mpsc::channel::<Arc<ServerEvent>>(256);
    state.metrics.ws_connections.inc();
    let idle = Duration::from_secs(state.config.websocket.idle_timeout_secs);

    let writer = tokio::spawn(async move {
        while let Some(ev) = out_rx.recv().await {
            let Ok(text) = serde_json::to_string(&*ev) else {
                continue;
            };
            if sink.send(WsMessage::Text(text.into())).await.is_err() {
                break;
            }
        }
        let _ = sink
            .send(WsMessage::Close(Some(CloseFrame {
                code: 1000,
                reason: "closing".into(),
            })))
            .await;
    });

    let mut sock = Socket {
        state: state.clone(),
        principal,
        out,
        forwards: HashMap::new(),
        staff: None,
    };
    if let Some(id) = initial {
        sock.subscribe(id);
        sock.send(ServerEvent::Subscribed {
            conversation_id: id,
        })
        .await;
    }
    // The socket lives no longer than the credential that opened it.
    let expiry = expiry(sock.principal.expires_at);
    tokio::pin!(expiry);
    loop {
        let next = tokio::select! {
            next = tokio::time::timeout(idle, stream.next()) => next,
            () = &mut expiry => {
                let err = ApiError::new(crate::error::Code::TokenExpired, "the access token has expired; reconnect with a fresh one");
                sock.send(error_event(&err)).await;
                break;
            }
        };
        let frame = match next {
            Err(_) => {
                tracing::debug!("closing idle WebSocket");
                break;
            }
            Ok(None) | Ok(Some(Err(_))) => break,
            Ok(Some(Ok(f))) => f,
        };
        match frame {
            WsMessage::Text(t) => sock.handle_text(t.as_str()).await,
            WsMessage::Binary(_) => {
                let err = ApiError::new(
                    crate::error::Code::UnsupportedMedia,
                    "send JSON text frames",
                );
                sock.send(error_event(&err)).await;
            }
            WsMessage::Close(_) => break,
            WsMessage::Ping(_) | WsMessage::Pong(_) => {}
        }
    }
    for (id, task) in sock.forwards.drain() {
        task.abort();
        // Once the task is gone its receiver is dropped, and an unwatched
        // conversation's channel can go (or the hub would grow for ever).
        let _ = task.await;
        state.hub.release(id);
    }
    if let Some(task) = sock.staff.take() {
        task.abort();
        let _ = task.await;
        state.hub.release_staff(sock.principal.org);
    }
    drop(sock);
    let _ = writer.await;
    state.metrics.ws_connections.dec();
}
