//! Our changes → Salesforce, through the outbox. The dispatcher claims due
//! events (a lease, so a crashed node's events come back), hands those of
//! connected tenants to Salesforce, and completes the rest. A failure is
//! retried with jittered exponential backoff; a refusal that cannot heal
//! (a validation error) or the last attempt dead-letters the event, which
//! admins see and can retry (`/v1/admin/outbox`).
//!
//! Topics: `salesforce.case_upsert` (a Case the turn could not create in
//! time), `conversation.escalated` (the Case exists and carries the
//! transcript), `conversation.status_changed` / `conversation.resolved`
//! (Case Status), `sla.breached` (Case Priority, IsEscalated), and
//! `message.created` after the escalation (customer and agent messages as
//! CaseComments), `contact.email_change_requested` (the Contact's
//! Email, from the update-contact-email workflow) and
//! `identity.unlock_requested` (the customer's own User's `UserLogin`, from
//! the unlock-user workflow). Writes are idempotent: the Case is upserted on the
//! conversation id and comments carry markers that are checked first.
//!
//! Conflict rule: last writer wins per field by timestamp. Before writing a
//! field we compare our change's time with the last change Salesforce made
//! to it (recorded from change events); the older write loses and is
//! recorded in the audit log as `salesforce.sync_conflict`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use concierge_core::model::{Conversation, OutboxEvent};
use concierge_core::{ConversationId, ConversationStatus, OrgId, Priority, SenderType};
use concierge_engine::cases::CaseRequest;
use concierge_salesforce::{Condition, Error as SfError, Soql, SoqlBuilder};
use concierge_store::{NewAudit, Store};
use rand::Rng;
use serde_json::{json, Value};

use crate::cases::{case_priority, push_case, request_from_json};
use crate::connections::{Connection, Connections};
use crate::metrics::SyncMetrics;
use crate::transcript::{self, Line};

/// A Case the turn could not create in time.
pub const TOPIC_CASE_UPSERT: &str = "salesforce.case_upsert";

/// What handling one event came to.
#[derive(Debug)]
pub enum Outcome {
    /// Done (or nothing to do).
    Delivered,
    /// Try again later.
    Retry(String),
    /// Will never work: dead-letter it.
    Refused(String),
}

fn from_sf(e: SfError) -> Outcome {
    if e.is_retryable() {
        Outcome::Retry(e.to_string())
    } else {
        Outcome::Refused(e.to_string())
    }
}

/// The first record of a query (`LIMIT 1`), or the outcome its failure
/// comes to.
async fn first_row(conn: &Connection, query: SoqlBuilder) -> Result<Option<Value>, Outcome> {
    let q = query
        .limit(1)
        .build()
        .map_err(|err| Outcome::Refused(err.to_string()))?;
    match conn.client.query::<Value>(&q).await {
        Ok(page) => Ok(page.records.into_iter().next()),
        Err(err) => Err(from_sf(err)),
    }
}

/// Salesforce's Case Status for a conversation status (`None`: leave it).
pub fn case_status(s: ConversationStatus) -> Option<&'static str> {
    use ConversationStatus::*;
    match s {
        Escalated | WaitingForAgent => Some("Escalated"),
        Active | WaitingForUser | Processing => Some("Working"),
        Resolved | Abandoned | Archived => Some("Closed"),
        Initialized => None,
    }
}

/// The sync-state key holding when one side last changed a field.
pub fn stamp_key(side: &str, id: &str, field: &str) -> String {
    format!("{side}:{id}:{field}")
}

/// The outbox dispatcher.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    store: Store,
    connections: Connections,
    metrics: SyncMetrics,
    max_attempts: u32,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        connections: Connections,
        metrics: SyncMetrics,
        max_attempts: u32,
    ) -> Self {
        Self {
            store,
            connections,
            metrics,
            max_attempts,
        }
    }

    /// Runs rounds until `shutdown`, pausing `idle` when there was nothing to do.
    pub async fn run(self, idle: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let busy = match self.round(200).await {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error.message = %e, "outbox round failed");
                    false
                }
            };
            if !busy {
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(idle) => {}
                }
            }
        }
    }

    /// Claims up to `limit` due events and handles them; returns how many.
    pub async fn round(&self, limit: u32) -> Result<usize, concierge_store::StoreError> {
        let events = self.store.claim_outbox(limit, 60).await?;
        let n = events.len();
        let mut done = Vec::new();
        let mut connected: HashMap<OrgId, Option<std::sync::Arc<Connection>>> = HashMap::new();
        for e in events {
            if let std::collections::hash_map::Entry::Vacant(slot) = connected.entry(e.org_id) {
                slot.insert(self.connections.get(e.org_id).await);
            }
            let Some(Some(conn)) = connected.get(&e.org_id).cloned() else {
                done.push(e.id);
                continue;
            };
            let started = Instant::now();
            let outcome = self.handle(&conn, &e).await;
            let label = match &outcome {
                Outcome::Delivered => "ok",
                Outcome::Retry(_) => "retry",
                Outcome::Refused(_) => "refused",
            };
            self.metrics.delivered(&e.topic, label);
            if let Some(l) = conn.client.last_limit_info() {
                let remaining = i64::try_from(l.remaining()).unwrap_or(i64::MAX);
                self.metrics.remaining(&e.org_id.0.to_string(), remaining);
            }
            tracing::debug!(topic = %e.topic, attempt = e.attempts, result = label,
                took_ms = started.elapsed().as_millis() as u64, "outbox event");
            match outcome {
                Outcome::Delivered => done.push(e.id),
                Outcome::Retry(why) if e.attempts < self.max_attempts as i32 => {
                    let at = Utc::now() + backoff(e.attempts);
                    self.store.fail_outbox(e.id, &why, Some(at)).await?;
                }
                Outcome::Retry(why) | Outcome::Refused(why) => {
                    tracing::warn!(topic = %e.topic, error.message = %why, "outbox event dead-lettered");
                    self.metrics.dead_letters.inc();
                    self.store.fail_outbox(e.id, &why, None).await?;
                }
            }
        }
        self.store.complete_outbox_batch(&done).await?;
        Ok(n)
    }

    /// Handles one event of a connected tenant.
    pub async fn handle(&self, conn: &Connection, e: &OutboxEvent) -> Outcome {
        let conversation = e
            .payload
            .get("conversation_id")
            .and_then(|v| serde_json::from_value::<ConversationId>(v.clone()).ok());
        match (e.topic.as_str(), conversation) {
            (TOPIC_CASE_UPSERT, _) => match request_from_json(&e.payload) {
                Some(r) => self.upsert(conn, e.org_id, &r).await,
                None => Outcome::Refused("malformed case request".to_owned()),
            },
            ("conversation.escalated", Some(c)) => self.escalated(conn, e.org_id, c).await,
            ("conversation.status_changed" | "conversation.resolved", Some(c)) => {
                self.status(conn, e, c).await
            }
            ("sla.breached", Some(c)) => self.breached(conn, e, c).await,
            ("message.created", Some(c)) => self.follow_up(conn, e, c).await,
            ("contact.email_change_requested", _) => self.contact_email(conn, e).await,
            ("identity.unlock_requested", _) => self.unlock(conn, e).await,
            _ => Outcome::Delivered,
        }
    }

    async fn upsert(&self, conn: &Connection, org: OrgId, r: &CaseRequest) -> Outcome {
        let started = Instant::now();
        match push_case(conn, &self.store, org, r).await {
            Ok(_) => {
                self.metrics.call("case_upsert", "ok", started.elapsed());
                Outcome::Delivered
            }
            Err(e) => {
                self.metrics.call(
                    "case_upsert",
                    e.error_code().unwrap_or("error"),
                    started.elapsed(),
                );
                from_sf(e)
            }
        }
    }

    async fn conversation(&self, org: OrgId, c: ConversationId) -> Result<Conversation, Outcome> {
        self.store
            .get_conversation(org, c)
            .await
            .map_err(|e| match e {
                concierge_store::StoreError::NotFound(_) => {
                    Outcome::Refused("conversation not found".into())
                }
                other => Outcome::Retry(other.to_string()),
            })
    }

    /// The Case exists and carries the transcript up to the escalation.
    async fn escalated(&self, conn: &Connection, org: OrgId, c: ConversationId) -> Outcome {
        let mut conversation = match self.conversation(org, c).await {
            Ok(v) => v,
            Err(o) => return o,
        };
        let escalation = match self.store.escalation_for(org, c).await {
            Ok(e) => e,
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        if conversation.salesforce_case_id.is_none() {
            let Some(esc) = &escalation else {
                return Outcome::Refused("escalated conversation without an escalation".into());
            };
            let email = match conversation.customer_id {
                Some(u) => self.store.get_user(org, u).await.ok().and_then(|u| u.email),
                None => None,
            };
            let request = CaseRequest {
                conversation_id: c,
                subject: esc
                    .summary
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or("Conversation escalated")
                    .to_owned(),
                description: esc
                    .summary
                    .get("summary")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                priority: esc.priority,
                queue: Some(esc.queue.clone()),
                contact_email: email,
                origin: conversation.channel.as_str().to_owned(),
                details: esc.summary.clone(),
            };
            if let Outcome::Retry(w) | Outcome::Refused(w) = self.upsert(conn, org, &request).await
            {
                return Outcome::Retry(w);
            }
            conversation = match self.conversation(org, c).await {
                Ok(v) => v,
                Err(o) => return o,
            };
        }
        let Some(case_id) = conversation.salesforce_case_id.clone() else {
            return Outcome::Retry("the case is not created yet".into());
        };
        let until = escalation.map(|e| e.created_at).unwrap_or_else(Utc::now);
        let messages = match self.store.list_messages(org, c, 1000).await {
            Ok(m) => m,
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        let lines: Vec<Line> = messages
            .iter()
            .filter(|m| m.created_at <= until)
            .map(|m| Line {
                at: m.created_at,
                speaker: speaker(m.sender_type).to_owned(),
                text: m.content.clone(),
            })
            .collect();
        let conv = c.0.to_string();
        let bodies = transcript::chunk(&conv, &lines);
        let existing = match comments(conn, &case_id).await {
            Ok(v) => v,
            Err(e) => return from_sf(e),
        };
        let have: Vec<usize> = existing
            .iter()
            .filter_map(|b| transcript::part_of(b, &conv))
            .collect();
        for (i, body) in bodies.iter().enumerate() {
            if have.contains(&(i + 1)) {
                continue;
            }
            let started = Instant::now();
            let r = conn
                .client
                .create(
                    "CaseComment",
                    &json!({"ParentId": case_id, "CommentBody": body, "IsPublished": false}),
                )
                .await;
            self.metrics.call(
                "case_comment",
                if r.is_ok() { "ok" } else { "error" },
                started.elapsed(),
            );
            if let Err(e) = r {
                return from_sf(e);
            }
        }
        Outcome::Delivered
    }

    /// Case Status follows the conversation's, unless Salesforce changed it later.
    async fn status(&self, conn: &Connection, e: &OutboxEvent, c: ConversationId) -> Outcome {
        let conversation = match self.conversation(e.org_id, c).await {
            Ok(v) => v,
            Err(o) => return o,
        };
        let Some(case_id) = conversation.salesforce_case_id.clone() else {
            return Outcome::Delivered;
        };
        let to = e
            .payload
            .get("to")
            .and_then(|v| serde_json::from_value::<ConversationStatus>(v.clone()).ok())
            .unwrap_or(if e.topic == "conversation.resolved" {
                ConversationStatus::Resolved
            } else {
                conversation.status
            });
        let Some(status) = case_status(to) else {
            return Outcome::Delivered;
        };
        self.write_field(conn, e, &case_id, "Status", json!(status))
            .await
    }

    /// A breached SLA raises the Case's priority and marks it escalated.
    async fn breached(&self, conn: &Connection, e: &OutboxEvent, c: ConversationId) -> Outcome {
        let conversation = match self.conversation(e.org_id, c).await {
            Ok(v) => v,
            Err(o) => return o,
        };
        let Some(case_id) = conversation.salesforce_case_id.clone() else {
            return Outcome::Delivered;
        };
        let priority = e
            .payload
            .get("priority")
            .and_then(|v| serde_json::from_value::<Priority>(v.clone()).ok())
            .unwrap_or(Priority::High);
        match self
            .write_field(
                conn,
                e,
                &case_id,
                "Priority",
                json!(case_priority(priority)),
            )
            .await
        {
            Outcome::Delivered => {}
            other => return other,
        }
        self.write_field(conn, e, &case_id, "IsEscalated", json!(true))
            .await
    }

    /// Writes one Case field under the conflict rule.
    async fn write_field(
        &self,
        conn: &Connection,
        e: &OutboxEvent,
        case_id: &str,
        field: &str,
        value: Value,
    ) -> Outcome {
        let ours = e.created_at;
        let theirs = match self
            .store
            .sync_state(e.org_id, &stamp_key("sf", case_id, field))
            .await
        {
            Ok(v) => v
                .and_then(|s| s.parse::<i64>().ok())
                .and_then(DateTime::from_timestamp_millis),
            Err(err) => return Outcome::Retry(err.to_string()),
        };
        if let Some(theirs) = theirs {
            if theirs > ours {
                self.metrics.conflicts.inc();
                let audit = NewAudit {
                    actor: "system:salesforce-sync".to_owned(),
                    action: "salesforce.sync_conflict".to_owned(),
                    target: Some(format!("case:{case_id}")),
                    details: json!({"field": field, "winner": "salesforce", "lost_value": value,
                        "ours_at": ours, "theirs_at": theirs, "event": e.topic}),
                };
                if let Err(err) = self.store.append_audit(e.org_id, &audit).await {
                    return Outcome::Retry(err.to_string());
                }
                return Outcome::Delivered;
            }
        }
        let started = Instant::now();
        let r = conn
            .client
            .update("Case", case_id, &json!({ field: value }))
            .await;
        self.metrics.call(
            "case_update",
            if r.is_ok() { "ok" } else { "error" },
            started.elapsed(),
        );
        if let Err(err) = r {
            return from_sf(err);
        }
        self.metrics.lag(
            "to_salesforce",
            (Utc::now() - ours).num_milliseconds() as f64 / 1000.0,
        );
        let key = stamp_key("ours", case_id, field);
        if let Err(err) = self
            .store
            .put_sync_state(e.org_id, &key, &ours.timestamp_millis().to_string())
            .await
        {
            tracing::warn!(error.message = %err, "cannot record the write time");
        }
        Outcome::Delivered
    }

    /// The customer's new email address on their Contact (the
    /// update-contact-email workflow). No Contact with the old address: nothing to change.
    async fn contact_email(&self, conn: &Connection, e: &OutboxEvent) -> Outcome {
        let s = |k: &str| e.payload.get(k).and_then(Value::as_str).map(str::to_owned);
        let (Some(old), Some(new)) = (s("old_email"), s("new_email")) else {
            return Outcome::Refused("an email change needs old_email and new_email".into());
        };
        let contact = match crate::cases::find_contact(conn, &old).await {
            Ok(Some(c)) => c,
            Ok(None) => return Outcome::Delivered,
            Err(err) => return from_sf(err),
        };
        let started = Instant::now();
        let r = conn
            .client
            .update("Contact", &contact.id, &json!({ "Email": new }))
            .await;
        self.metrics.call(
            "contact_update",
            if r.is_ok() { "ok" } else { "error" },
            started.elapsed(),
        );
        match r {
            Ok(()) => Outcome::Delivered,
            Err(err) => from_sf(err),
        }
    }

    /// Unlocks a Salesforce user locked out by failed logins (the unlock-user
    /// workflow): clears `IsPasswordLocked` on the user's `UserLogin`. Only
    /// the customer's own user: an active user with that username whose
    /// email is the customer's verified address. Anything else changes
    /// nothing and is audited (`salesforce.unlock_refused`), so the
    /// conversation cannot be used to probe or unlock other people's users.
    async fn unlock(&self, conn: &Connection, e: &OutboxEvent) -> Outcome {
        let s = |k: &str| e.payload.get(k).and_then(Value::as_str).map(str::to_owned);
        let Some(username) = s("username").filter(|u| !u.trim().is_empty()) else {
            return Outcome::Refused("an unlock needs a username".into());
        };
        let audit = |action: &str, details: Value| NewAudit {
            actor: "system:salesforce-sync".to_owned(),
            action: action.to_owned(),
            target: Some(format!("salesforce-user:{username}")),
            details,
        };
        let Some(email) = s("email") else {
            let a = audit(
                "salesforce.unlock_refused",
                json!({"reason": "the customer has no verified email"}),
            );
            return self.audited(e, &a).await;
        };
        let user = Soql::select(&["Id", "Email"])
            .from("User")
            .where_eq("Username", username.as_str())
            .and(Condition::eq("IsActive", true));
        let user = match first_row(conn, user).await {
            Ok(user) => user,
            Err(o) => return o,
        };
        let Some(user_id) = user
            .filter(|u| {
                u.get("Email")
                    .and_then(Value::as_str)
                    .is_some_and(|m| m.eq_ignore_ascii_case(&email))
            })
            .and_then(|u| u.get("Id").and_then(Value::as_str).map(str::to_owned))
        else {
            let a = audit(
                "salesforce.unlock_refused",
                json!({"reason": "no active user with this username and the customer's email"}),
            );
            return self.audited(e, &a).await;
        };
        let login = Soql::select(&["Id", "IsPasswordLocked"])
            .from("UserLogin")
            .where_eq("UserId", user_id.as_str());
        let login = match first_row(conn, login).await {
            Ok(login) => login,
            Err(o) => return o,
        };
        let Some((login, login_id)) = login.and_then(|l| {
            let id = l.get("Id").and_then(Value::as_str)?.to_owned();
            Some((l, id))
        }) else {
            return Outcome::Refused(format!("user {user_id} has no UserLogin"));
        };
        let locked = login.get("IsPasswordLocked") == Some(&Value::Bool(true));
        if locked {
            let started = Instant::now();
            let r = conn
                .client
                .update(
                    "UserLogin",
                    &login_id,
                    &json!({ "IsPasswordLocked": false }),
                )
                .await;
            self.metrics.call(
                "user_unlock",
                if r.is_ok() { "ok" } else { "error" },
                started.elapsed(),
            );
            if let Err(err) = r {
                return from_sf(err);
            }
        }
        let a = audit(
            "salesforce.user_unlocked",
            json!({"user_id": user_id, "was_locked": locked}),
        );
        self.audited(e, &a).await
    }

    /// Writes an audit entry; delivered once it is stored.
    async fn audited(&self, e: &OutboxEvent, audit: &NewAudit) -> Outcome {
        match self.store.append_audit(e.org_id, audit).await {
            Ok(_) => Outcome::Delivered,
            Err(err) => Outcome::Retry(err.to_string()),
        }
    }

    /// After the escalation, customer and agent messages go to the Case as comments.
    async fn follow_up(&self, conn: &Connection, e: &OutboxEvent, c: ConversationId) -> Outcome {
        let sender = e
            .payload
            .get("sender_type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !matches!(sender, "user" | "human_agent") {
            return Outcome::Delivered;
        }
        let conversation = match self.conversation(e.org_id, c).await {
            Ok(v) => v,
            Err(o) => return o,
        };
        let Some(case_id) = conversation.salesforce_case_id.clone() else {
            return Outcome::Delivered;
        };
        let Some(message_id) = e.payload.get("message_id").and_then(Value::as_str) else {
            return Outcome::Delivered;
        };
        let escalated_at = match self.store.escalation_for(e.org_id, c).await {
            Ok(Some(esc)) => esc.created_at,
            Ok(None) => return Outcome::Delivered,
            Err(err) => return Outcome::Retry(err.to_string()),
        };
        let messages = match self.store.list_messages(e.org_id, c, 1000).await {
            Ok(m) => m,
            Err(err) => return Outcome::Retry(err.to_string()),
        };
        let Some(m) = messages.iter().find(|m| m.id.0.to_string() == message_id) else {
            return Outcome::Delivered;
        };
        // In the transcript already, or came from Salesforce (loop prevention).
        if m.created_at <= escalated_at
            || m.analysis.get("source").and_then(Value::as_str) == Some("salesforce")
        {
            return Outcome::Delivered;
        }
        let marker = transcript::message_marker(message_id);
        let existing = match comments(conn, &case_id).await {
            Ok(v) => v,
            Err(err) => return from_sf(err),
        };
        if existing.iter().any(|b| b.starts_with(&marker)) {
            return Outcome::Delivered;
        }
        let mut body = format!("{marker}\n{}: {}", speaker(m.sender_type), m.content.trim());
        while body.len() > transcript::COMMENT_MAX_BYTES {
            body.pop();
        }
        let started = Instant::now();
        let r = conn
            .client
            .create(
                "CaseComment",
                &json!({"ParentId": case_id, "CommentBody": body, "IsPublished": false}),
            )
            .await;
        self.metrics.call(
            "case_comment",
            if r.is_ok() { "ok" } else { "error" },
            started.elapsed(),
        );
        match r {
            Ok(_) => {
                self.metrics.lag(
                    "to_salesforce",
                    (Utc::now() - m.created_at).num_milliseconds() as f64 / 1000.0,
                );
                Outcome::Delivered
            }
            Err(err) => from_sf(err),
        }
    }
}

fn speaker(s: SenderType) -> &'static str {
    match s {
        SenderType::User => "Customer",
        SenderType::AiAgent => "Concierge (AI)",
        SenderType::HumanAgent => "Agent",
        _ => "System",
    }
}

/// The bodies of a Case's comments.
async fn comments(conn: &Connection, case_id: &str) -> Result<Vec<String>, SfError> {
    let q = Soql::select(&["Id", "CommentBody"])
        .from("CaseComment")
        .where_eq("ParentId", case_id)
        .limit(2000)
        .build()?;
    let rows = conn.client.query_all_pages::<Value>(&q, 2000).await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            r.get("CommentBody")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect())
}

/// 2^attempts seconds (at most five minutes), ±20 % jitter.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let base = 2f64.powi(attempts.clamp(0, 12)).min(300.0);
    let jitter = rand::thread_rng().gen_range(0.8..1.2);
    chrono::Duration::milliseconds((base * jitter * 1000.0) as i64)
}
