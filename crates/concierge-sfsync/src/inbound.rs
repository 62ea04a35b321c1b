//! Salesforce → conversations. Change events (Pub/Sub API) for Cases and
//! CaseComments are applied to the conversation behind the Case: a public
//! comment by an agent in Salesforce reaches the customer as an agent
//! message, and a closed Case resolves the conversation.
//!
//! Loop prevention: events committed by Concierge's own integration user
//! are ignored, and so are comments Concierge wrote (they start with its
//! marker). Delivery is at least once, so applying is idempotent: a comment
//! already delivered (its id is on a message) is skipped, and resolving a
//! resolved conversation changes nothing.
//!
//! Conflict rule: last writer wins per field by timestamp. Each applied
//! Salesforce change records its commit time per Case field; a change older
//! than our own last write of that field loses and is recorded in the audit
//! log (`salesforce.sync_conflict`).

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use concierge_core::{ConversationId, OrgId};
use concierge_salesforce::pubsub::{ChangeEventMessage, PubSubError, ReplayStore};
use concierge_store::{NewAudit, Store};
use serde_json::{json, Value};

use crate::metrics::SyncMetrics;
use crate::outbound::stamp_key;

/// Where inbound changes land: implemented by the server, which stores the
/// message and delivers it to the customer's open sockets.
#[async_trait]
pub trait Inbox: Send + Sync + Debug {
    /// An agent's public comment on the Case, as a human-agent message.
    /// `source_id` (the CaseComment id) goes on the message, so a redelivery
    /// can be recognised.
    async fn agent_message(
        &self,
        org: OrgId,
        conversation: ConversationId,
        author: &str,
        text: &str,
        source_id: &str,
    ) -> Result<(), String>;

    /// The Case was closed in Salesforce.
    async fn resolve(
        &self,
        org: OrgId,
        conversation: ConversationId,
        note: &str,
    ) -> Result<(), String>;
}

/// Applies change events of one tenant.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub store: Store,
    pub metrics: SyncMetrics,
    pub inbox: Arc<dyn Inbox>,
}

/// What applying an event did (for tests and logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Written by Concierge itself.
    OwnChange,
    /// Not about a conversation, or nothing Concierge follows.
    Ignored,
    /// An agent comment delivered to the customer.
    Comment,
    /// Already delivered before (redelivery).
    Duplicate,
    /// The conversation was resolved.
    Resolved,
    /// Lost to a newer write of ours.
    Conflict,
    /// A field change recorded (no conversation change needed).
    Recorded,
}

fn str_field<'a>(fields: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a str> {
    fields.get(name).and_then(Value::as_str)
}

impl Inbound {
    /// Applies one change event of `org`; `own_user` is Concierge's
    /// integration user in that org.
    pub async fn apply(
        &self,
        org: OrgId,
        own_user: &str,
        event: &ChangeEventMessage,
    ) -> Result<Vec<Applied>, String> {
        self.metrics.events_received.inc();
        let lag = (Utc::now() - event.commit_timestamp).num_milliseconds() as f64 / 1000.0;
        if !own_user.is_empty() && same_id(&event.commit_user, own_user) {
            return Ok(vec![Applied::OwnChange]);
        }
        let mut out = Vec::new();
        for record in &event.record_ids {
            let r = match (event.entity_name.as_str(), event.change_type.as_str()) {
                ("Case", "UPDATE") => self.case_update(org, record, event).await?,
                ("CaseComment", "CREATE") => self.comment(org, record, event).await?,
                _ => Applied::Ignored,
            };
            if !matches!(r, Applied::Ignored | Applied::Duplicate) {
                self.metrics.lag("from_salesforce", lag);
            }
            out.push(r);
        }
        Ok(out)
    }

    async fn case_update(
        &self,
        org: OrgId,
        case_id: &str,
        e: &ChangeEventMessage,
    ) -> Result<Applied, String> {
        let Some(conversation) = self
            .store
            .conversation_by_salesforce_case(org, case_id)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(Applied::Ignored);
        };
        let theirs = e.commit_timestamp;
        let mut result = Applied::Ignored;
        for field in ["Status", "Priority"] {
            if !e.changed_fields.iter().any(|f| f == field) {
                continue;
            }
            let ours = self
                .store
                .sync_state(org, &stamp_key("ours", case_id, field))
                .await
                .map_err(|e| e.to_string())?
                .and_then(|s| s.parse::<i64>().ok())
                .and_then(DateTime::from_timestamp_millis);
            if matches!(ours, Some(o) if o > theirs) {
                self.metrics.conflicts.inc();
                let audit = NewAudit {
                    actor: "system:salesforce-sync".to_owned(),
                    action: "salesforce.sync_conflict".to_owned(),
                    target: Some(format!("case:{case_id}")),
                    details: json!({"field": field, "winner": "concierge",
                        "lost_value": e.fields.get(field), "ours_at": ours, "theirs_at": theirs}),
                };
                self.store
                    .append_audit(org, &audit)
                    .await
                    .map_err(|e| e.to_string())?;
                result = Applied::Conflict;
                continue;
            }
            self.store
                .put_sync_state(
                    org,
                    &stamp_key("sf", case_id, field),
                    &theirs.timestamp_millis().to_string(),
                )
                .await
                .map_err(|e| e.to_string())?;
            if result == Applied::Ignored {
                result = Applied::Recorded;
            }
            let closed = field == "Status"
                && (str_field(&e.fields, "Status") == Some("Closed")
                    || e.fields.get("IsClosed").and_then(Value::as_bool) == Some(true));
            if closed && !conversation.status.is_closed() {
                self.inbox
                    .resolve(org, conversation.id, "the Case was closed in Salesforce")
                    .await?;
                result = Applied::Resolved;
            }
        }
        Ok(result)
    }

    async fn comment(
        &self,
        org: OrgId,
        comment_id: &str,
        e: &ChangeEventMessage,
    ) -> Result<Applied, String> {
        let f = &e.fields;
        let published = f
            .get("IsPublished")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let body = str_field(f, "CommentBody").unwrap_or_default().trim();
        if !published || body.is_empty() || body.starts_with("[Concierge ") {
            return Ok(Applied::Ignored);
        }
        let Some(case_id) = str_field(f, "ParentId") else {
            return Ok(Applied::Ignored);
        };
        let Some(conversation) = self
            .store
            .conversation_by_salesforce_case(org, case_id)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(Applied::Ignored);
        };
        let recent = self
            .store
            .list_messages(org, conversation.id, 200)
            .await
            .map_err(|e| e.to_string())?;
        let seen = recent.iter().any(|m| {
            m.analysis
                .get("salesforce_comment_id")
                .and_then(Value::as_str)
                == Some(comment_id)
        });
        if seen {
            return Ok(Applied::Duplicate);
        }
        self.inbox
            .agent_message(org, conversation.id, "Support agent", body, comment_id)
            .await?;
        Ok(Applied::Comment)
    }
}

/// Salesforce ids compare on their first 15 characters (18-char ids add a checksum).
pub fn same_id(a: &str, b: &str) -> bool {
    let (a, b) = (a.get(..15).unwrap_or(a), b.get(..15).unwrap_or(b));
    !a.is_empty() && a == b
}

/// Replay ids kept in the database, per tenant and topic, so any node
/// resumes a subscription where the last one stopped.
///
/// The subscriber calls `save` as soon as the event is handed over, before
/// it is applied; a crash in between would skip the event. So `save` here
/// does nothing, and [`StoreReplayStore::applied`] stores the replay id once
/// the event has been applied: a restart resubscribes after the last event
/// that took effect (events after it may come twice, and applying is
/// idempotent).
#[derive(Debug, Clone)]
pub struct StoreReplayStore {
    pub store: Store,
    pub org: OrgId,
}

/// The sync-state key of a topic's replay id.
pub fn replay_key(topic: &str) -> String {
    format!("pubsub:{topic}")
}

impl StoreReplayStore {
    /// Records that the event with `replay_id` on `topic` has been applied.
    pub async fn applied(
        &self,
        topic: &str,
        replay_id: &[u8],
    ) -> Result<(), concierge_store::StoreError> {
        self.store
            .put_sync_state(self.org, &replay_key(topic), &hex(replay_id))
            .await
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[async_trait]
impl ReplayStore for StoreReplayStore {
    async fn load(&self, topic: &str) -> Result<Option<Vec<u8>>, PubSubError> {
        let v = self
            .store
            .sync_state(self.org, &replay_key(topic))
            .await
            .map_err(|e| PubSubError::Store(e.to_string()))?;
        Ok(v.and_then(|s: String| unhex(&s)))
    }

    async fn save(&self, _topic: &str, _replay_id: &[u8]) -> Result<(), PubSubError> {
        // Stored after the event is applied (`applied`), not when handed over.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_case_safely() {
        assert!(same_id("005000000000001AAA", "005000000000001"));
        assert!(!same_id("005000000000001AAA", "005000000000002AAA"));
        assert!(!same_id("", ""));
    }

    #[test]
    fn replay_ids_round_trip_through_hex() {
        for bytes in [vec![], vec![0u8], vec![0, 0, 0, 0, 0, 0, 1, 255]] {
            assert_eq!(unhex(&hex(&bytes)).unwrap(), bytes);
        }
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
