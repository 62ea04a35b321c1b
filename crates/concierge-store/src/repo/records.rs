//! The audit log, the outbox, escalations and actions.

use chrono::{DateTime, Utc};
use concierge_core::model::{Action, AuditEntry, Escalation, OutboxEvent};
use concierge_core::{ActionId, ActionStatus, ConversationStatus, EscalationId, OrgId};
use sqlx::types::Json;

use crate::error::{Result, StoreError};
use crate::rows::*;
use crate::{now, NewAction, NewAudit, NewEscalation};

repository! {
    /// Appends an audit line (the table refuses updates and deletes).
    pub async fn append_audit(&self, org: OrgId, entry: &NewAudit) -> Result<i64> {
        let mut tx = self.write_tx(org).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_log (org_id, actor, action, target, details, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(org.0)
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.target)
            .bind(Json(&entry.details))
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The newest audit lines of `org`.
    pub async fn list_audit(&self, org: OrgId, limit: u32) -> Result<Vec<AuditEntry>> {
        let mut tx = self.read_tx(org).await?;
        let rows: Vec<AuditRow> = sqlx::query_as(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE org_id = $1 ORDER BY id DESC LIMIT $2"))
            .bind(org.0)
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(AuditRow::into_domain).collect())
    }

    /// Claims up to `limit` due outbox events for `lease_secs` (system-wide
    /// dispatcher). A claimed event is invisible to other claimers until its
    /// lease ends, so a crashed dispatcher's events are retried, not lost.
    pub async fn claim_outbox(&self, limit: u32, lease_secs: i64) -> Result<Vec<OutboxEvent>> {
        let mut tx = self.system_tx().await?;
        let at = now();
        let rows: Vec<OutboxRow> = sqlx::query_as(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2{}", Self::SKIP_LOCKED))
            .bind(at)
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(&mut *tx)
            .await?;
        let lease = at + chrono::Duration::seconds(lease_secs);
        let mut events = rows.into_iter().map(OutboxRow::into_domain).collect::<Result<Vec<_>>>()?;
        for e in &mut events {
            sqlx::query("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = $1")
                .bind(e.id)
                .bind(lease)
                .execute(&mut *tx)
                .await?;
            e.attempts += 1;
            e.next_attempt_at = lease;
        }
        tx.commit().await?;
        Ok(events)
    }

    /// Marks an outbox event delivered.
    pub async fn complete_outbox(&self, id: i64) -> Result<()> {
        let mut tx = self.system_tx().await?;
        sqlx::query("UPDATE outbox SET status = 'delivered', delivered_at = $2 WHERE id = $1")
            .bind(id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks several outbox events delivered in one statement.
    pub async fn complete_outbox_batch(&self, ids: &[i64]) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut tx = self.system_tx().await?;
        let mut qb = sqlx::QueryBuilder::<<Self as crate::BackendDb>::Db>::new(
            "UPDATE outbox SET status = 'delivered', delivered_at = ");
        qb.push_bind(now()).push(" WHERE status = 'pending' AND id IN (");
        let mut list = qb.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        qb.push(")");
        let n = qb.build().execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// Deletes delivered outbox events older than `before` (retention).
    pub async fn purge_delivered_outbox(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.system_tx().await?;
        let n = sqlx::query("DELETE FROM outbox WHERE status = 'delivered' AND delivered_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// Records a failed delivery: retry at `retry_at`, or dead-letter when `None`.
    pub async fn fail_outbox(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        let mut tx = self.system_tx().await?;
        let error: String = error.chars().take(1000).collect();
        match retry_at {
            Some(at) => sqlx::query("UPDATE outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1")
                .bind(id)
                .bind(at)
                .bind(error),
            None => sqlx::query("UPDATE outbox SET status = 'dead', last_error = $3, next_attempt_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now())
                .bind(error),
        }
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Outbox events of `org` by status, for admins (`pending`, `delivered`, `dead`).
    pub async fn count_outbox(&self, org: OrgId, status: concierge_core::OutboxStatus) -> Result<i64> {
        let mut tx = self.read_tx(org).await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE org_id = $1 AND status = $2")
            .bind(org.0)
            .bind(status.as_str())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Escalates a conversation: the escalation record, the conversation's
    /// flag, reason and status, and an outbox event, in one transaction.
    pub async fn create_escalation(&self, org: OrgId, new: &NewEscalation) -> Result<Escalation> {
        let mut tx = self.write_tx(org).await?;
        let at = now();
        let status: Option<String> = sqlx::query_scalar(&format!(
            "SELECT status FROM conversations WHERE org_id = $1 AND id = $2{}", Self::FOR_UPDATE))
            .bind(org.0)
            .bind(new.conversation_id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let from: ConversationStatus = status
            .ok_or(StoreError::NotFound("conversation"))?
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("{e}")))?;
        if !from.can_transition_to(ConversationStatus::Escalated) {
            return Err(StoreError::InvalidTransition { from: from.to_string(), to: "escalated".into() });
        }
        let row: EscalationRow = sqlx::query_as(&format!(
            "{} RETURNING {ESCALATION_COLUMNS}", crate::repo::INSERT_ESCALATION))
            .bind(EscalationId::new().0)
            .bind(org.0)
            .bind(new.conversation_id.0)
            .bind(&new.reason)
            .bind(new.priority.as_str())
            .bind(&new.queue)
            .bind(new.sla_deadline)
            .bind(at)
            .bind(Json(&new.summary))
            .bind(new.tier.map(|t| t.as_str()))
            .bind(new.first_response_deadline)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE conversations SET escalated = $3, escalation_reason = $4, status = 'escalated', last_activity_at = $5, \
             queue = $6, priority = $7 WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(new.conversation_id.0)
            .bind(true)
            .bind(&new.reason)
            .bind(at)
            .bind(&new.queue)
            .bind(new.priority.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(crate::repo::INSERT_OUTBOX)
            .bind(org.0)
            .bind("conversation.escalated")
            .bind(Json(serde_json::json!({
                "conversation_id": new.conversation_id, "reason": new.reason,
                "priority": new.priority, "queue": new.queue,
            })))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// Records an action; with an idempotency key, a repeat returns the first record.
    pub async fn create_action(&self, org: OrgId, new: &NewAction) -> Result<Action> {
        let mut tx = self.write_tx(org).await?;
        let at = now();
        if let Some(key) = &new.idempotency_key {
            let existing: Option<ActionRow> = sqlx::query_as(&format!(
                "SELECT {ACTION_COLUMNS} FROM actions WHERE org_id = $1 AND idempotency_key = $2"))
                .bind(org.0)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = existing {
                tx.commit().await?;
                return row.into_domain();
            }
        }
        let row: ActionRow = sqlx::query_as(&format!(
            "INSERT INTO actions (id, org_id, conversation_id, action_type, status, idempotency_key, parameters, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $7) RETURNING {ACTION_COLUMNS}"))
            .bind(ActionId::new().0)
            .bind(org.0)
            .bind(new.conversation_id.map(|c| c.0))
            .bind(&new.action_type)
            .bind(&new.idempotency_key)
            .bind(Json(&new.parameters))
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// Moves an action to `status` with an optional result.
    pub async fn update_action(
        &self,
        org: OrgId,
        id: ActionId,
        status: ActionStatus,
        result: Option<&serde_json::Value>,
    ) -> Result<Action> {
        let mut tx = self.write_tx(org).await?;
        let row: Option<ActionRow> = sqlx::query_as(&format!(
            "UPDATE actions SET status = $3, result = COALESCE($4, result), updated_at = $5, \
             retries = retries + (CASE WHEN $3 = 'failed' THEN 1 ELSE 0 END) \
             WHERE org_id = $1 AND id = $2 RETURNING {ACTION_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(status.as_str())
            .bind(result.map(Json))
            .bind(now())
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound("action"))?.into_domain()
    }
}
