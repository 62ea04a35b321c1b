//! Conversations and their messages.

use chrono::{DateTime, Utc};
use concierge_core::model::{Conversation, Message};
use concierge_core::{
    ConversationId, ConversationStatus, EscalationId, MessageId, OrgId, Priority, SenderType,
};
use serde_json::Value;
use sqlx::types::Json;

use crate::error::{Result, StoreError};
use crate::repo::INSERT_OUTBOX;
use crate::rows::*;
use crate::{
    now, ConversationFilter, Cursor, NewConversation, NewMessage, Page, TurnEffects, TurnRecord,
};

repository! {
    /// Starts a conversation. On SQLite it is written by the group-committing
    /// writer ([`crate::group_commit`]) with the same effect.
    pub async fn create_conversation(&self, org: OrgId, new: &NewConversation) -> Result<Conversation> {
        if let Some(done) = self.grouped_create(org, new).await {
            return done;
        }
        let mut tx = self.write_tx(org).await?;
        let at = now();
        let id = ConversationId::new();
        let row: ConversationRow = sqlx::query_as(&format!(
            "INSERT INTO conversations (id, org_id, customer_id, channel, status, started_at, last_activity_at, \
             context, metadata) VALUES ($1, $2, $3, $4, 'initialized', $5, $5, $6, $7) \
             RETURNING {CONVERSATION_COLUMNS}"))
            .bind(id.0)
            .bind(org.0)
            .bind(new.customer_id.map(|u| u.0))
            .bind(new.channel.as_str())
            .bind(at)
            .bind(Json(&new.context))
            .bind(Json(&new.metadata))
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(INSERT_OUTBOX)
            .bind(org.0)
            .bind("conversation.created")
            .bind(Json(serde_json::json!({ "conversation_id": id, "channel": new.channel })))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// One conversation of `org`.
    pub async fn get_conversation(&self, org: OrgId, id: ConversationId) -> Result<Conversation> {
        let mut tx = self.read_one(org).await?;
        let row: Option<ConversationRow> = sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE org_id = $1 AND id = $2"))
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound("conversation"))?.into_domain()
    }

    /// A page of conversations, newest first, after `after`.
    pub async fn list_conversations(
        &self,
        org: OrgId,
        filter: &ConversationFilter,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Page<Conversation>> {
        let limit = limit.clamp(1, 200);
        let mut tx = self.read_tx(org).await?;
        let mut qb = sqlx::QueryBuilder::<<Self as crate::BackendDb>::Db>::new(format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE org_id = "));
        qb.push_bind(org.0);
        if let Some(status) = filter.status {
            qb.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(channel) = filter.channel {
            qb.push(" AND channel = ").push_bind(channel.as_str());
        }
        if let Some(from) = filter.from {
            qb.push(" AND started_at >= ").push_bind(from);
        }
        if let Some(to) = filter.to {
            qb.push(" AND started_at < ").push_bind(to);
        }
        if let Some(customer) = filter.customer_id {
            qb.push(" AND customer_id = ").push_bind(customer.0);
        }
        if let Some(c) = after {
            qb.push(" AND (started_at, id) < (").push_bind(c.started_at).push(", ").push_bind(c.id.0).push(")");
        }
        qb.push(" ORDER BY started_at DESC, id DESC LIMIT ").push_bind(i64::from(limit) + 1);
        let rows: Vec<ConversationRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let mut items = rows.into_iter().map(ConversationRow::into_domain).collect::<Result<Vec<_>>>()?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|c| Cursor { started_at: c.started_at, id: c.id })
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Appends messages to a conversation in one transaction: the messages,
    /// the conversation's counters and status, and one outbox event per
    /// message. [`Store::record_turn`](crate::Store::record_turn) with no
    /// further effects.
    pub async fn append_messages(
        &self,
        org: OrgId,
        conversation: ConversationId,
        messages: &[NewMessage],
    ) -> Result<(Conversation, Vec<Message>)> {
        let r = self.record_turn(org, conversation, messages, &TurnEffects::default()).await?;
        Ok((r.conversation, r.messages))
    }

    /// Records one turn in one transaction: the messages (with their
    /// analysis), the conversation's counters, status (checked against the
    /// state machine), context, routing and resolution, an escalation record
    /// with its summary card, a moderation flag, and the outbox events — one
    /// per message plus `effects.events`. Either all of it is written or none.
    ///
    /// On SQLite the turn is handed to the group-committing writer
    /// ([`crate::group_commit`]), which writes concurrent turns together in
    /// one transaction with the same effect; PostgreSQL, and that writer for
    /// a lone turn, run the transaction below.
    pub async fn record_turn(
        &self,
        org: OrgId,
        conversation: ConversationId,
        messages: &[NewMessage],
        effects: &TurnEffects,
    ) -> Result<TurnRecord> {
        if let Some(done) = self.grouped_append(org, conversation, messages, effects).await {
            return done;
        }
        let mut tx = self.write_tx(org).await?;
        let current: Option<ConversationRow> = sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE org_id = $1 AND id = $2{}", Self::FOR_UPDATE))
            .bind(org.0)
            .bind(conversation.0)
            .fetch_optional(&mut *tx)
            .await?;
        let current = current.ok_or(StoreError::NotFound("conversation"))?.into_domain()?;
        if current.status == ConversationStatus::Archived {
            return Err(StoreError::InvalidTransition { from: "archived".into(), to: "active".into() });
        }
        let at = now();
        let mut stored = Vec::with_capacity(messages.len());
        let mut tally = Tally::new(&current);
        for m in messages {
            tally.add(m, at);
        }
        tally.apply(effects, at)?;
        for m in messages {
            let row: MessageRow = sqlx::query_as(&format!(
                "INSERT INTO messages (id, org_id, conversation_id, sender_type, sender_id, content, content_type, \
                 intent, intent_confidence, entities, sentiment, attachments, created_at, analysis, moderation) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING {MESSAGE_COLUMNS}"))
                .bind(MessageId::new().0)
                .bind(org.0)
                .bind(conversation.0)
                .bind(m.sender_type.as_str())
                .bind(m.sender_id.map(|u| u.0))
                .bind(&m.content)
                .bind(m.content_type.as_str())
                .bind(&m.intent)
                .bind(m.intent_confidence)
                .bind(Json(&m.entities))
                .bind(m.sentiment)
                .bind(Json(&m.attachments))
                .bind(at)
                .bind(Json(&m.analysis))
                .bind(&m.moderation)
                .fetch_one(&mut *tx)
                .await?;
            let msg = row.into_domain()?;
            sqlx::query(INSERT_OUTBOX)
                .bind(org.0)
                .bind("message.created")
                .bind(Json(serde_json::json!({
                    "conversation_id": conversation,
                    "message_id": msg.id,
                    "sender_type": msg.sender_type,
                })))
                .bind(at)
                .execute(&mut *tx)
                .await?;
            stored.push(msg);
        }
        let row: ConversationRow = sqlx::query_as(&format!(
            "UPDATE conversations SET message_count = message_count + $3, user_message_count = user_message_count + $4, \
             ai_message_count = ai_message_count + $5, ai_confidence_sum = ai_confidence_sum + $6, \
             ai_confidence_n = ai_confidence_n + $7, ai_confidence_min = $8, sentiment = $9, status = $10, \
             last_activity_at = $11, context = COALESCE($12, context), queue = $13, priority = $14, escalated = $15, \
             escalation_reason = $16, resolution_type = $17, resolution_seconds = $18, ended_at = $19, \
             first_response_at = $20 WHERE org_id = $1 AND id = $2 RETURNING {CONVERSATION_COLUMNS}"))
            .bind(org.0)
            .bind(conversation.0)
            .bind(tally.count)
            .bind(tally.users)
            .bind(tally.ais)
            .bind(tally.conf_sum)
            .bind(tally.conf_n)
            .bind(tally.conf_min)
            .bind(tally.sentiment)
            .bind(tally.status.as_str())
            .bind(at)
            .bind(tally.context.as_ref().map(Json))
            .bind(&tally.queue)
            .bind(tally.priority.map(|p| p.as_str()))
            .bind(tally.escalated)
            .bind(&tally.escalation_reason)
            .bind(&tally.resolution_type)
            .bind(tally.resolution_seconds)
            .bind(tally.ended_at)
            .bind(tally.first_response_at)
            .fetch_one(&mut *tx)
            .await?;
        if messages.iter().any(|m| m.sender_type == SenderType::HumanAgent) {
            sqlx::query(crate::repo::ESCALATION_FIRST_RESPONSE)
                .bind(org.0)
                .bind(conversation.0)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        let mut escalation = None;
        let escalation_id = effects.escalation.as_ref().map(|_| EscalationId::new());
        if let (Some(e), Some(id)) = (&effects.escalation, escalation_id) {
            let row: EscalationRow = sqlx::query_as(&format!("{INSERT_ESCALATION} RETURNING {ESCALATION_COLUMNS}"))
                .bind(id.0)
                .bind(org.0)
                .bind(conversation.0)
                .bind(&e.reason)
                .bind(e.priority.as_str())
                .bind(&e.queue)
                .bind(e.sla_deadline)
                .bind(at)
                .bind(Json(&e.summary))
                .bind(e.tier.map(|t| t.as_str()))
                .bind(e.first_response_deadline)
                .fetch_one(&mut *tx)
                .await?;
            escalation = Some(row.into_domain()?);
        }
        if let (Some(f), Some(first)) = (&effects.flag, stored.first()) {
            sqlx::query(INSERT_FLAG)
                .bind(uuid::Uuid::now_v7())
                .bind(org.0)
                .bind(conversation.0)
                .bind(first.id.0)
                .bind(&f.level)
                .bind(f.score.clamp(0.0, 1.0))
                .bind(Json(&f.categories))
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        for id in &effects.cited {
            sqlx::query(crate::repo::COUNT_CITATION)
                .bind(org.0)
                .bind(id.0)
                .bind(1i64)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        for (topic, payload) in turn_events(conversation, current.status, tally.status, effects, escalation_id) {
            sqlx::query(INSERT_OUTBOX)
                .bind(org.0)
                .bind(topic)
                .bind(Json(&payload))
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(TurnRecord { conversation: row.into_domain()?, messages: stored, escalation })
    }

    /// The last `limit` messages of a conversation, oldest first.
    pub async fn list_messages(&self, org: OrgId, conversation: ConversationId, limit: u32) -> Result<Vec<Message>> {
        let mut tx = self.read_tx(org).await?;
        let mut rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE org_id = $1 AND conversation_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3"))
            .bind(org.0)
            .bind(conversation.0)
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.reverse();
        rows.into_iter().map(MessageRow::into_domain).collect()
    }

    /// One conversation of `org` with its last `window` messages as (sender,
    /// text), oldest first, in one statement: what a turn reads before the
    /// engine runs ([`get_conversation`](Self::get_conversation) and
    /// [`list_history`](Self::list_history) in one round trip).
    pub async fn conversation_with_history(&self, org: OrgId, id: ConversationId, window: u32) -> Result<(Conversation, Vec<(SenderType, String)>)> {
        let mut tx = self.read_one(org).await?;
        let row: Option<ConversationWithHistory> = sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS}, (SELECT {} FROM (SELECT sender_type, content, created_at, id \
             FROM messages WHERE org_id = $1 AND conversation_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3) h) AS history \
             FROM conversations WHERE org_id = $1 AND id = $2", Self::HISTORY_JSON))
            .bind(org.0)
            .bind(id.0)
            .bind(i64::from(window.min(1000)))
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        let row = row.ok_or(StoreError::NotFound("conversation"))?;
        let pairs: Vec<(String, String)> = match row.history.as_deref() {
            None | Some("") => Vec::new(),
            Some(text) => serde_json::from_str(text)
                .map_err(|e| StoreError::Corrupt(format!("conversation history: {e}")))?,
        };
        let history = pairs
            .into_iter()
            .map(|(sender, content)| Ok((kind(&sender)?, content)))
            .collect::<Result<_>>()?;
        Ok((row.conversation.into_domain()?, history))
    }

    /// The last `limit` messages of a conversation as (sender, text), oldest
    /// first: what the engine reads as history each turn, without the JSON
    /// columns (analysis, entities, attachments) `list_messages` decodes.
    pub async fn list_history(&self, org: OrgId, conversation: ConversationId, limit: u32) -> Result<Vec<(SenderType, String)>> {
        // One statement: on SQLite it needs no BEGIN/COMMIT round trips.
        let mut tx = self.read_one(org).await?;
        let mut rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT sender_type, content FROM messages WHERE org_id = $1 AND conversation_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3")
            .bind(org.0)
            .bind(conversation.0)
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.reverse();
        rows.into_iter()
            .map(|(sender, content)| Ok((kind(&sender)?, content)))
            .collect()
    }

    /// Moves a conversation to `status` if the state machine allows it.
    pub async fn set_conversation_status(
        &self,
        org: OrgId,
        id: ConversationId,
        status: ConversationStatus,
    ) -> Result<Conversation> {
        let mut tx = self.write_tx(org).await?;
        let current: Option<String> = sqlx::query_scalar(&format!(
            "SELECT status FROM conversations WHERE org_id = $1 AND id = $2{}", Self::FOR_UPDATE))
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let current = current.ok_or(StoreError::NotFound("conversation"))?;
        let from: ConversationStatus = current.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?;
        if !from.can_transition_to(status) {
            return Err(StoreError::InvalidTransition { from: from.to_string(), to: status.to_string() });
        }
        let at = now();
        let ended = status.is_closed().then_some(at);
        let row: ConversationRow = sqlx::query_as(&format!(
            "UPDATE conversations SET status = $3, last_activity_at = $4, ended_at = $5 \
             WHERE org_id = $1 AND id = $2 RETURNING {CONVERSATION_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(status.as_str())
            .bind(at)
            .bind(ended)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(INSERT_OUTBOX)
            .bind(org.0)
            .bind("conversation.status_changed")
            .bind(Json(serde_json::json!({ "conversation_id": id, "from": from, "to": status })))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }
}

/// Inserts an escalation (bind: id, org, conversation, reason, priority,
/// queue, sla_deadline, created_at, summary, tier, first_response_deadline).
pub(crate) const INSERT_ESCALATION: &str =
    "INSERT INTO escalations (id, org_id, conversation_id, reason, priority, queue, sla_deadline, created_at, \
     summary, tier, first_response_deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// Inserts a moderation flag (bind: id, org, conversation, message, level,
/// score, categories, created_at).
pub(crate) const INSERT_FLAG: &str =
    "INSERT INTO moderation_flags (id, org_id, conversation_id, message_id, level, score, categories, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// The outbox events of a turn besides one per message: a status change,
/// an escalation, and the caller's own.
pub(crate) fn turn_events(
    conversation: ConversationId,
    before: ConversationStatus,
    after: ConversationStatus,
    effects: &TurnEffects,
    escalation: Option<EscalationId>,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if before != after {
        out.push((
            "conversation.status_changed".to_owned(),
            serde_json::json!({ "conversation_id": conversation, "from": before, "to": after }),
        ));
    }
    if let (Some(id), Some(e)) = (escalation, &effects.escalation) {
        out.push((
            "conversation.escalated".to_owned(),
            serde_json::json!({ "conversation_id": conversation, "escalation_id": id, "reason": e.reason,
                "priority": e.priority, "queue": e.queue }),
        ));
    }
    out.extend(effects.events.iter().cloned());
    out
}

/// How a turn changes a conversation: the counter increments and the new
/// minimum confidence, sentiment, status, routing and resolution. Shared by
/// the one-transaction path and SQLite's group commit so that the two agree.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    pub(crate) count: i64,
    pub(crate) users: i64,
    pub(crate) ais: i64,
    pub(crate) conf_sum: f64,
    pub(crate) conf_n: i64,
    pub(crate) conf_min: Option<f64>,
    pub(crate) sentiment: Option<f64>,
    pub(crate) status: ConversationStatus,
    /// `None` keeps the stored context.
    pub(crate) context: Option<Value>,
    pub(crate) queue: Option<String>,
    pub(crate) priority: Option<Priority>,
    pub(crate) escalated: bool,
    pub(crate) escalation_reason: Option<String>,
    pub(crate) resolution_type: Option<String>,
    pub(crate) resolution_seconds: Option<i64>,
    pub(crate) ended_at: Option<DateTime<Utc>>,
    pub(crate) first_response_at: Option<DateTime<Utc>>,
    started_at: DateTime<Utc>,
}

impl Tally {
    /// Nothing appended yet to `current`; a new conversation becomes active.
    pub(crate) fn new(current: &Conversation) -> Self {
        Self {
            count: 0,
            users: 0,
            ais: 0,
            conf_sum: 0.0,
            conf_n: 0,
            conf_min: current.ai_confidence_min,
            sentiment: current.sentiment,
            status: if current.status == ConversationStatus::Initialized {
                ConversationStatus::Active
            } else {
                current.status
            },
            context: None,
            queue: current.queue.clone(),
            priority: current.priority,
            escalated: current.escalated,
            escalation_reason: current.escalation_reason.clone(),
            resolution_type: current.resolution_type.clone(),
            resolution_seconds: current.resolution_seconds,
            ended_at: current.ended_at,
            first_response_at: current.first_response_at,
            started_at: current.started_at,
        }
    }

    /// `c` (as stored, with its confidence total `sum`/`n`) once this tally
    /// is written at `at`: what the batch UPDATE of the group commit leaves
    /// in the row. The new context, if any, is moved out of the tally.
    pub(crate) fn applied_to(
        &mut self,
        mut c: Conversation,
        sum: f64,
        n: i64,
        at: DateTime<Utc>,
    ) -> Conversation {
        // SQLite stores a NaN as NULL.
        let real = |v: Option<f64>| v.filter(|v| !v.is_nan());
        let (sum, n) = (sum + self.conf_sum, n + self.conf_n);
        c.message_count += self.count;
        c.user_message_count += self.users;
        c.ai_message_count += self.ais;
        c.ai_confidence_avg = (n > 0).then(|| sum / n as f64);
        c.ai_confidence_min = real(self.conf_min);
        c.sentiment = real(self.sentiment);
        c.status = self.status;
        c.last_activity_at = at;
        if let Some(context) = self.context.take() {
            c.context = context;
        }
        c.queue.clone_from(&self.queue);
        c.priority = self.priority;
        c.escalated = self.escalated;
        c.escalation_reason.clone_from(&self.escalation_reason);
        c.resolution_type.clone_from(&self.resolution_type);
        c.resolution_seconds = self.resolution_seconds;
        c.ended_at = self.ended_at;
        c.first_response_at = self.first_response_at;
        c
    }

    /// Counts one more message.
    pub(crate) fn add(&mut self, m: &NewMessage, at: DateTime<Utc>) {
        self.count += 1;
        match m.sender_type {
            SenderType::User => {
                self.users += 1;
                if m.sentiment.is_some() {
                    self.sentiment = m.sentiment;
                }
            }
            SenderType::AiAgent => {
                self.ais += 1;
                if let Some(c) = m.intent_confidence {
                    self.conf_sum += c;
                    self.conf_n += 1;
                    self.conf_min = Some(self.conf_min.map_or(c, |x| x.min(c)));
                }
                self.first_response_at.get_or_insert(at);
            }
            SenderType::HumanAgent => {
                self.first_response_at.get_or_insert(at);
            }
            SenderType::System => {}
        }
    }

    /// Applies a turn's effects; an illegal status change fails the turn.
    pub(crate) fn apply(&mut self, effects: &TurnEffects, at: DateTime<Utc>) -> Result<()> {
        let target = match (effects.status, &effects.escalation) {
            (Some(s), _) => s,
            (None, Some(_)) => ConversationStatus::Escalated,
            (None, None) => self.status,
        };
        // A closed conversation the customer writes to again is reopened on
        // the way (resolved → active → escalated).
        let via_reopen = self.status.is_closed()
            && self.status.can_transition_to(ConversationStatus::Active)
            && ConversationStatus::Active.can_transition_to(target);
        if !self.status.can_transition_to(target) && !via_reopen {
            return Err(StoreError::InvalidTransition {
                from: self.status.to_string(),
                to: target.to_string(),
            });
        }
        if let Some(c) = &effects.context {
            self.context = Some(c.clone());
        }
        if let Some(e) = &effects.escalation {
            self.escalated = true;
            self.escalation_reason = Some(e.reason.clone());
            self.queue = Some(e.queue.clone());
            self.priority = Some(e.priority);
        }
        if let Some(q) = &effects.queue {
            self.queue = Some(q.clone());
        }
        if let Some(p) = effects.priority {
            self.priority = Some(p);
        }
        match target {
            ConversationStatus::Resolved | ConversationStatus::Abandoned
                if target != self.status =>
            {
                let how = if target == ConversationStatus::Abandoned {
                    "abandoned".to_owned()
                } else {
                    effects
                        .resolution
                        .clone()
                        .unwrap_or_else(|| "ai".to_owned())
                };
                self.resolution_type = Some(how);
                self.ended_at = Some(at);
                self.resolution_seconds = Some((at - self.started_at).num_seconds().max(0));
            }
            s if !s.is_closed() && self.status.is_closed() => {
                // Reopened: it is no longer resolved.
                self.resolution_type = None;
                self.ended_at = None;
                self.resolution_seconds = None;
            }
            _ => {}
        }
        self.status = target;
        Ok(())
    }
}
