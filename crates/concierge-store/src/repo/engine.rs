//! What the conversation engine and the agent console need beyond messages:
//! claiming, transferring and resolving conversations, CSAT, queues and SLA
//! breaches, idle conversations, moderation review, the local case system,
//! tenant rule sets, and the facts analytics aggregate.

use chrono::{DateTime, Utc};
use concierge_core::model::{Case, Conversation, Escalation, ModerationFlag};
use concierge_core::{
    ConversationId, ConversationStatus, EscalationId, FlagId, OrgId, Priority, UserId,
};
use sqlx::types::Json;

use crate::error::{Result, StoreError};
use crate::repo::INSERT_OUTBOX;
use crate::rows::*;
use crate::{now, CaseOutcome, ConversationFacts, NamedCount, NewCase, QueueCount, StoredRules};

repository! {
    /// An agent claims a conversation: it is assigned to them, and so is its
    /// open escalation.
    pub async fn claim_conversation(&self, org: OrgId, id: ConversationId, agent: UserId) -> Result<Conversation> {
        let mut tx = self.write_tx(org).await?;
        let at = now();
        let row: Option<ConversationRow> = sqlx::query_as(&format!(
            "UPDATE conversations SET assignee_id = $3, last_activity_at = $4 WHERE org_id = $1 AND id = $2 \
             RETURNING {CONVERSATION_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(agent.0)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
        let row = row.ok_or(StoreError::NotFound("conversation"))?;
        sqlx::query(
            "UPDATE escalations SET assignee_id = $3, claimed_at = COALESCE(claimed_at, $4) \
             WHERE org_id = $1 AND conversation_id = $2 AND resolved_at IS NULL")
            .bind(org.0)
            .bind(id.0)
            .bind(agent.0)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(INSERT_OUTBOX)
            .bind(org.0)
            .bind("conversation.claimed")
            .bind(Json(serde_json::json!({ "conversation_id": id, "agent_id": agent })))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// Moves a conversation (and its open escalation) to another queue,
    /// unassigned, optionally at another priority.
    pub async fn transfer_conversation(
        &self,
        org: OrgId,
        id: ConversationId,
        queue: &str,
        priority: Option<Priority>,
    ) -> Result<Conversation> {
        let mut tx = self.write_tx(org).await?;
        let at = now();
        let row: Option<ConversationRow> = sqlx::query_as(&format!(
            "UPDATE conversations SET queue = $3, priority = COALESCE($4, priority), assignee_id = NULL, \
             last_activity_at = $5 WHERE org_id = $1 AND id = $2 RETURNING {CONVERSATION_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(queue)
            .bind(priority.map(|p| p.as_str()))
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
        let row = row.ok_or(StoreError::NotFound("conversation"))?;
        sqlx::query(
            "UPDATE escalations SET queue = $3, priority = COALESCE($4, priority), assignee_id = NULL \
             WHERE org_id = $1 AND conversation_id = $2 AND resolved_at IS NULL")
            .bind(org.0)
            .bind(id.0)
            .bind(queue)
            .bind(priority.map(|p| p.as_str()))
            .execute(&mut *tx)
            .await?;
        sqlx::query(INSERT_OUTBOX)
            .bind(org.0)
            .bind("conversation.transferred")
            .bind(Json(serde_json::json!({ "conversation_id": id, "queue": queue, "priority": priority })))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// Resolves a conversation (`how`: `ai`, `human` or `customer`) and its
    /// open escalation, if the state machine allows it.
    pub async fn resolve_conversation(
        &self,
        org: OrgId,
        id: ConversationId,
        how: &str,
        note: Option<&str>,
    ) -> Result<Conversation> {
        let mut tx = self.write_tx(org).await?;
        let current: Option<ConversationRow> = sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE org_id = $1 AND id = $2{}", Self::FOR_UPDATE))
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let current = current.ok_or(StoreError::NotFound("conversation"))?.into_domain()?;
        if !current.status.can_transition_to(ConversationStatus::Resolved) {
            return Err(StoreError::InvalidTransition { from: current.status.to_string(), to: "resolved".into() });
        }
        let at = now();
        let seconds = (at - current.started_at).num_seconds().max(0);
        let row: ConversationRow = sqlx::query_as(&format!(
            "UPDATE conversations SET status = 'resolved', resolution_type = $3, resolution_seconds = $4, \
             ended_at = $5, last_activity_at = $5 WHERE org_id = $1 AND id = $2 RETURNING {CONVERSATION_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(how)
            .bind(seconds)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE escalations SET resolved_at = $3, resolution = $4 \
             WHERE org_id = $1 AND conversation_id = $2 AND resolved_at IS NULL")
            .bind(org.0)
            .bind(id.0)
            .bind(at)
            .bind(note.unwrap_or(how))
            .execute(&mut *tx)
            .await?;
        sqlx::query(INSERT_OUTBOX)
            .bind(org.0)
            .bind("conversation.resolved")
            .bind(Json(serde_json::json!({ "conversation_id": id, "from": current.status, "resolved_by": how })))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// Stores the customer's satisfaction score (1–5) and comment.
    pub async fn set_csat(
        &self,
        org: OrgId,
        id: ConversationId,
        score: i32,
        comment: Option<&str>,
    ) -> Result<Conversation> {
        if !(1..=5).contains(&score) {
            return Err(StoreError::Invalid("score must be between 1 and 5".into()));
        }
        let mut tx = self.write_tx(org).await?;
        let at = now();
        let row: Option<ConversationRow> = sqlx::query_as(&format!(
            "UPDATE conversations SET satisfaction = $3, csat_comment = $4 WHERE org_id = $1 AND id = $2 \
             RETURNING {CONVERSATION_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(score)
            .bind(comment)
            .fetch_optional(&mut *tx)
            .await?;
        let row = row.ok_or(StoreError::NotFound("conversation"))?;
        sqlx::query(INSERT_OUTBOX)
            .bind(org.0)
            .bind("conversation.csat")
            .bind(Json(serde_json::json!({ "conversation_id": id, "score": score })))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// The latest escalation of a conversation.
    pub async fn escalation_for(&self, org: OrgId, id: ConversationId) -> Result<Option<Escalation>> {
        let mut tx = self.read_one(org).await?;
        let row: Option<EscalationRow> = sqlx::query_as(&format!(
            "SELECT {ESCALATION_COLUMNS} FROM escalations WHERE org_id = $1 AND conversation_id = $2 \
             ORDER BY created_at DESC LIMIT 1"))
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.map(EscalationRow::into_domain).transpose()
    }

    /// Unresolved escalations, most urgent deadline first; one queue or all.
    pub async fn open_escalations(&self, org: OrgId, queue: Option<&str>, limit: u32) -> Result<Vec<Escalation>> {
        let mut tx = self.read_one(org).await?;
        let rows: Vec<EscalationRow> = sqlx::query_as(&format!(
            "SELECT {ESCALATION_COLUMNS} FROM escalations WHERE org_id = $1 AND resolved_at IS NULL \
             AND ($2 IS NULL OR queue = $2) ORDER BY sla_deadline IS NULL, sla_deadline, created_at LIMIT $3"))
            .bind(org.0)
            .bind(queue)
            .bind(i64::from(limit.clamp(1, 500)))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter().map(EscalationRow::into_domain).collect()
    }

    /// Open work per queue.
    pub async fn queue_counts(&self, org: OrgId) -> Result<Vec<QueueCount>> {
        let mut tx = self.read_one(org).await?;
        let rows: Vec<QueueCount> = sqlx::query_as(
            "SELECT queue, COUNT(*) AS open, \
             SUM(CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END) AS unassigned, \
             SUM(CASE WHEN breached_at IS NULL THEN 0 ELSE 1 END) AS breached, \
             MIN(sla_deadline) AS next_deadline \
             FROM escalations WHERE org_id = $1 AND resolved_at IS NULL GROUP BY queue ORDER BY queue")
            .bind(org.0)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Unresolved, not yet breached escalations (every tenant) whose first
    /// response or resolution deadline is before `as_of`.
    pub async fn due_escalations(&self, as_of: DateTime<Utc>, limit: u32) -> Result<Vec<Escalation>> {
        let mut tx = self.system_tx().await?;
        let rows: Vec<EscalationRow> = sqlx::query_as(&format!(
            "SELECT {ESCALATION_COLUMNS} FROM escalations WHERE resolved_at IS NULL AND breached_at IS NULL \
             AND (sla_deadline < $1 OR (first_response_at IS NULL AND first_response_deadline < $1)) \
             ORDER BY created_at LIMIT $2"))
            .bind(as_of)
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter().map(EscalationRow::into_domain).collect()
    }

    /// Records an SLA breach once: the escalation and its conversation move
    /// to `priority`, and an `sla.breached` event and an audit entry are
    /// written. `None` when it was already recorded (another node won).
    pub async fn mark_breached(
        &self,
        org: OrgId,
        id: EscalationId,
        kind: &str,
        priority: Priority,
        at: DateTime<Utc>,
    ) -> Result<Option<Escalation>> {
        let mut tx = self.write_tx(org).await?;
        let row: Option<EscalationRow> = sqlx::query_as(&format!(
            "UPDATE escalations SET breached_at = $3, breach_kind = $4, priority = $5 \
             WHERE org_id = $1 AND id = $2 AND breached_at IS NULL AND resolved_at IS NULL \
             RETURNING {ESCALATION_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(at)
            .bind(kind)
            .bind(priority.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let e = row.into_domain()?;
        sqlx::query("UPDATE conversations SET priority = $3 WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(e.conversation_id.0)
            .bind(priority.as_str())
            .execute(&mut *tx)
            .await?;
        let payload = serde_json::json!({ "conversation_id": e.conversation_id, "escalation_id": e.id,
            "kind": kind, "queue": e.queue, "priority": priority });
        sqlx::query(INSERT_OUTBOX)
            .bind(org.0)
            .bind("sla.breached")
            .bind(Json(&payload))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO audit_log (org_id, actor, action, target, details, created_at) \
                     VALUES ($1, 'system:sla', 'sla.breached', $2, $3, $4)")
            .bind(org.0)
            .bind(format!("escalation:{}", e.id.0))
            .bind(Json(&payload))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(e))
    }

    /// Conversations (every tenant) waiting on the customer with no activity since `before`.
    pub async fn idle_conversations(&self, before: DateTime<Utc>, limit: u32) -> Result<Vec<(OrgId, ConversationId)>> {
        let mut tx = self.system_tx().await?;
        let rows: Vec<(uuid::Uuid, uuid::Uuid)> = sqlx::query_as(
            "SELECT org_id, id FROM conversations WHERE status IN ('initialized', 'active', 'waiting_for_user', 'processing') \
             AND last_activity_at < $1 ORDER BY last_activity_at LIMIT $2")
            .bind(before)
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|(o, c)| (OrgId(o), ConversationId(c))).collect())
    }

    /// Closes a conversation as abandoned if it is still idle since `before`.
    pub async fn abandon_conversation(
        &self,
        org: OrgId,
        id: ConversationId,
        before: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.write_tx(org).await?;
        let started: Option<(DateTime<Utc>, String)> = sqlx::query_as(&format!(
            "SELECT started_at, status FROM conversations WHERE org_id = $1 AND id = $2 \
             AND status IN ('initialized', 'active', 'waiting_for_user', 'processing') AND last_activity_at < $3{}",
            Self::FOR_UPDATE))
            .bind(org.0)
            .bind(id.0)
            .bind(before)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((started_at, from)) = started else {
            tx.commit().await?;
            return Ok(false);
        };
        sqlx::query(
            "UPDATE conversations SET status = 'abandoned', resolution_type = 'abandoned', ended_at = $3, \
             resolution_seconds = $4 WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(id.0)
            .bind(at)
            .bind((at - started_at).num_seconds().max(0))
            .execute(&mut *tx)
            .await?;
        sqlx::query(INSERT_OUTBOX)
            .bind(org.0)
            .bind("conversation.status_changed")
            .bind(Json(serde_json::json!({ "conversation_id": id, "from": from, "to": "abandoned" })))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moderation flags, newest first, optionally of one review status.
    pub async fn moderation_flags(&self, org: OrgId, review_status: Option<&str>, limit: u32) -> Result<Vec<ModerationFlag>> {
        let mut tx = self.read_one(org).await?;
        let rows: Vec<FlagRow> = sqlx::query_as(&format!(
            "SELECT {FLAG_COLUMNS} FROM moderation_flags WHERE org_id = $1 AND ($2 IS NULL OR review_status = $2) \
             ORDER BY created_at DESC LIMIT $3"))
            .bind(org.0)
            .bind(review_status)
            .bind(i64::from(limit.clamp(1, 500)))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(FlagRow::into_domain).collect())
    }

    /// Records a review of a moderation flag (`reviewed` or `resolved`).
    pub async fn review_moderation_flag(
        &self,
        org: OrgId,
        id: FlagId,
        status: &str,
        reviewer: Option<UserId>,
        note: Option<&str>,
    ) -> Result<ModerationFlag> {
        let mut tx = self.write_tx(org).await?;
        let row: Option<FlagRow> = sqlx::query_as(&format!(
            "UPDATE moderation_flags SET review_status = $3, reviewed_by = $4, review_note = $5, reviewed_at = $6 \
             WHERE org_id = $1 AND id = $2 RETURNING {FLAG_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(status)
            .bind(reviewer.map(|u| u.0))
            .bind(note)
            .bind(now())
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.ok_or(StoreError::NotFound("moderation flag"))?.into_domain())
    }

    /// Creates a case with the tenant's next case number or, when a case
    /// with the same `external_id` exists, updates it.
    pub async fn upsert_case(&self, org: OrgId, new: &NewCase) -> Result<(Case, CaseOutcome)> {
        let mut tx = self.write_tx(org).await?;
        let at = now();
        if let Some(key) = &new.external_id {
            let existing: Option<CaseRow> = sqlx::query_as(&format!(
                "UPDATE cases SET subject = $3, description = $4, priority = $5, queue = COALESCE($6, queue), \
                 details = $7, updated_at = $8 WHERE org_id = $1 AND external_id = $2 RETURNING {CASE_COLUMNS}"))
                .bind(org.0)
                .bind(key)
                .bind(&new.subject)
                .bind(&new.description)
                .bind(new.priority.as_str())
                .bind(&new.queue)
                .bind(Json(&new.details))
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = existing {
                tx.commit().await?;
                return Ok((row.into_domain()?, CaseOutcome::Updated));
            }
        }
        // Case numbers count up per tenant from 00001001. Concurrent writers
        // serialise on the tenant's row lock (PostgreSQL) or the single writer (SQLite).
        sqlx::query(&format!("SELECT id FROM organizations WHERE id = $1{}", Self::FOR_UPDATE))
            .bind(org.0)
            .fetch_optional(&mut *tx)
            .await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE org_id = $1")
            .bind(org.0)
            .fetch_one(&mut *tx)
            .await?;
        let number = format!("{:08}", 1001 + count);
        let row: CaseRow = sqlx::query_as(&format!(
            "INSERT INTO cases (id, org_id, conversation_id, case_number, subject, description, status, priority, \
             origin, queue, contact_email, external_id, details, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING {CASE_COLUMNS}"))
            .bind(uuid::Uuid::now_v7())
            .bind(org.0)
            .bind(new.conversation_id.map(|c| c.0))
            .bind(&number)
            .bind(&new.subject)
            .bind(&new.description)
            .bind(&new.status)
            .bind(new.priority.as_str())
            .bind(&new.origin)
            .bind(&new.queue)
            .bind(&new.contact_email)
            .bind(&new.external_id)
            .bind(Json(&new.details))
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
        let case = row.into_domain()?;
        if let Some(c) = new.conversation_id {
            sqlx::query("UPDATE conversations SET salesforce_case_id = COALESCE(salesforce_case_id, $3) \
                         WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(c.0)
                .bind(&case.case_number)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(INSERT_OUTBOX)
            .bind(org.0)
            .bind("case.created")
            .bind(Json(serde_json::json!({ "case_id": case.id, "case_number": case.case_number,
                "conversation_id": case.conversation_id })))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((case, CaseOutcome::Created))
    }

    /// A case by its number.
    pub async fn case_by_number(&self, org: OrgId, number: &str) -> Result<Option<Case>> {
        let mut tx = self.read_one(org).await?;
        let row: Option<CaseRow> = sqlx::query_as(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE org_id = $1 AND case_number = $2"))
            .bind(org.0)
            .bind(number)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.map(CaseRow::into_domain).transpose()
    }

    /// Cases of a contact (by email), newest first.
    pub async fn cases_for_contact(&self, org: OrgId, email: &str, open_only: bool) -> Result<Vec<Case>> {
        let mut tx = self.read_one(org).await?;
        let rows: Vec<CaseRow> = sqlx::query_as(&format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE org_id = $1 AND contact_email = $2 \
             AND ($3 = FALSE OR status <> 'Closed') ORDER BY created_at DESC LIMIT 50"))
            .bind(org.0)
            .bind(email)
            .bind(open_only)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter().map(CaseRow::into_domain).collect()
    }

    /// Stores a new version of the tenant's rules; returns its number.
    pub async fn put_tenant_rules(&self, org: OrgId, document: &str, format: &str, updated_by: &str) -> Result<i32> {
        let mut tx = self.write_tx(org).await?;
        let latest: Option<i32> = sqlx::query_scalar("SELECT MAX(version) FROM tenant_rules WHERE org_id = $1")
            .bind(org.0)
            .fetch_one(&mut *tx)
            .await?;
        let version = latest.unwrap_or(0) + 1;
        sqlx::query("INSERT INTO tenant_rules (org_id, version, document, format, updated_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(org.0)
            .bind(version)
            .bind(document)
            .bind(format)
            .bind(updated_by)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The tenant's current rules, if it has its own.
    pub async fn tenant_rules(&self, org: OrgId) -> Result<Option<StoredRules>> {
        let mut tx = self.read_one(org).await?;
        let row: Option<(i32, String, String, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT version, document, format, updated_by, created_at FROM tenant_rules WHERE org_id = $1 \
             ORDER BY version DESC LIMIT 1")
            .bind(org.0)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.map(|(version, document, format, updated_by, created_at)| StoredRules {
            version, document, format, updated_by, created_at,
        }))
    }

    /// What analytics needs of the conversations started in `[from, to)`,
    /// optionally of one channel (at most `limit`).
    pub async fn conversation_facts(
        &self,
        org: OrgId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        channel: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ConversationFacts>> {
        let mut tx = self.read_one(org).await?;
        let rows: Vec<ConversationFacts> = sqlx::query_as(&format!(
            "SELECT channel, status, started_at, first_response_at, escalated, escalation_reason, resolution_type, \
             resolution_seconds, satisfaction, ai_confidence_sum, ai_confidence_n, user_message_count, \
             {} AS reopens FROM conversations WHERE org_id = $1 AND started_at >= $2 AND started_at < $3 \
             AND ($4 IS NULL OR channel = $4) ORDER BY started_at LIMIT $5", Self::REOPENS))
            .bind(org.0)
            .bind(from)
            .bind(to)
            .bind(channel)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Customer messages per intent and AI replies per decision in `[from, to)`.
    pub async fn message_counts(
        &self,
        org: OrgId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        channel: Option<&str>,
    ) -> Result<(Vec<NamedCount>, Vec<NamedCount>)> {
        let mut tx = self.read_tx(org).await?;
        let intents: Vec<NamedCount> = sqlx::query_as(
            "SELECT m.intent AS name, COUNT(*) AS count FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.org_id = $1 AND m.sender_type = 'user' AND m.created_at >= $2 AND m.created_at < $3 \
             AND ($4 IS NULL OR c.channel = $4) GROUP BY m.intent ORDER BY count DESC")
            .bind(org.0)
            .bind(from)
            .bind(to)
            .bind(channel)
            .fetch_all(&mut *tx)
            .await?;
        let decisions: Vec<NamedCount> = sqlx::query_as(&format!(
            "SELECT {} AS name, COUNT(*) AS count FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.org_id = $1 AND m.sender_type = 'ai_agent' AND m.created_at >= $2 AND m.created_at < $3 \
             AND ($4 IS NULL OR c.channel = $4) GROUP BY 1 ORDER BY count DESC",
             Self::DECISION.replace("analysis", "m.analysis")))
            .bind(org.0)
            .bind(from)
            .bind(to)
            .bind(channel)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((intents, decisions))
    }
}
