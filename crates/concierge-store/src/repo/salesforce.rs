//! What the Salesforce sync keeps: the Case behind a conversation, per-tenant
//! sync state (Pub/Sub replay ids, import watermarks), tenant settings, and
//! the outbox as admins see it (dead letters and their retry).

use chrono::{DateTime, Utc};
use concierge_core::model::{Conversation, Organization};
use concierge_core::{ConversationId, OrgId, OutboxStatus};
use serde_json::Value;
use sqlx::types::Json;

use crate::error::{Result, StoreError};
use crate::now;
use crate::rows::*;

/// An outbox event as admins see it, with its last error.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct OutboxEntry {
    pub id: i64,
    pub topic: String,
    pub payload: Value,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct OutboxEntryRow {
    id: i64,
    topic: String,
    payload: Json<Value>,
    status: String,
    attempts: i32,
    last_error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

repository! {
    /// Records the Salesforce Case behind a conversation: its id in
    /// `salesforce_case_id`, and id, number and link under `metadata.salesforce`.
    pub async fn set_salesforce_case(
        &self,
        org: OrgId,
        id: ConversationId,
        case_id: &str,
        case_number: &str,
        case_url: Option<&str>,
    ) -> Result<Conversation> {
        let mut tx = self.write_tx(org).await?;
        let metadata: Option<Json<Value>> =
            sqlx::query_scalar("SELECT metadata FROM conversations WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let mut metadata = metadata.ok_or(StoreError::NotFound("conversation"))?.0;
        if !metadata.is_object() {
            metadata = serde_json::json!({});
        }
        metadata["salesforce"] = serde_json::json!({
            "case_id": case_id, "case_number": case_number, "case_url": case_url,
        });
        let row: ConversationRow = sqlx::query_as(&format!(
            "UPDATE conversations SET salesforce_case_id = $3, metadata = $4 \
             WHERE org_id = $1 AND id = $2 RETURNING {CONVERSATION_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(case_id)
            .bind(Json(&metadata))
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// The conversation whose Salesforce Case has this id, if any.
    pub async fn conversation_by_salesforce_case(&self, org: OrgId, case_id: &str) -> Result<Option<Conversation>> {
        let mut tx = self.read_one(org).await?;
        let row: Option<ConversationRow> = sqlx::query_as(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE org_id = $1 AND salesforce_case_id = $2 \
             ORDER BY started_at DESC LIMIT 1"))
            .bind(org.0)
            .bind(case_id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.map(ConversationRow::into_domain).transpose()
    }

    /// A sync-state value (`pubsub:/data/CaseChangeEvent` → replay id, …).
    pub async fn sync_state(&self, org: OrgId, key: &str) -> Result<Option<String>> {
        let mut tx = self.read_one(org).await?;
        let v: Option<String> =
            sqlx::query_scalar("SELECT value FROM salesforce_sync_state WHERE org_id = $1 AND key = $2")
                .bind(org.0)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Stores a sync-state value, replacing the previous one.
    pub async fn put_sync_state(&self, org: OrgId, key: &str, value: &str) -> Result<()> {
        if key.is_empty() || key.len() > 200 {
            return Err(StoreError::Invalid("sync state key: 1–200 characters".to_owned()));
        }
        let mut tx = self.write_tx(org).await?;
        sqlx::query(
            "INSERT INTO salesforce_sync_state (org_id, key, value, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
            .bind(org.0)
            .bind(key)
            .bind(value)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces one top-level key of the tenant's settings (`salesforce`, …).
    pub async fn set_organization_setting(&self, org: OrgId, key: &str, value: &Value) -> Result<Organization> {
        let mut tx = self.write_tx(org).await?;
        let settings: Option<Json<Value>> =
            sqlx::query_scalar("SELECT settings FROM organizations WHERE id = $1")
                .bind(org.0)
                .fetch_optional(&mut *tx)
                .await?;
        let mut settings = settings.ok_or(StoreError::NotFound("organization"))?.0;
        if !settings.is_object() {
            settings = serde_json::json!({});
        }
        if value.is_null() {
            if let Some(m) = settings.as_object_mut() {
                m.remove(key);
            }
        } else {
            settings[key] = value.clone();
        }
        let row: OrgRow = sqlx::query_as(&format!(
            "UPDATE organizations SET settings = $2 WHERE id = $1 RETURNING {ORG_COLUMNS}"))
            .bind(org.0)
            .bind(Json(&settings))
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// Every tenant (system-wide: background sync starts one worker each).
    pub async fn list_organizations(&self) -> Result<Vec<Organization>> {
        let mut tx = self.system_tx().await?;
        let rows: Vec<OrgRow> = sqlx::query_as(&format!(
            "SELECT {ORG_COLUMNS} FROM organizations ORDER BY created_at LIMIT 10000"))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter().map(OrgRow::into_domain).collect()
    }

    /// The tenant's outbox events with `status`, newest first.
    pub async fn list_outbox(&self, org: OrgId, status: OutboxStatus, limit: u32) -> Result<Vec<OutboxEntry>> {
        let mut tx = self.read_tx(org).await?;
        let rows: Vec<OutboxEntryRow> = sqlx::query_as(
            "SELECT id, topic, payload, status, attempts, last_error, next_attempt_at, created_at \
             FROM outbox WHERE org_id = $1 AND status = $2 ORDER BY id DESC LIMIT $3")
            .bind(org.0)
            .bind(status.as_str())
            .bind(i64::from(limit.clamp(1, 500)))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|r| OutboxEntry {
            id: r.id,
            topic: r.topic,
            payload: r.payload.0,
            status: r.status,
            attempts: r.attempts,
            last_error: r.last_error,
            next_attempt_at: r.next_attempt_at,
            created_at: r.created_at,
        }).collect())
    }

    /// Puts a dead-lettered event of the tenant back in the queue, due now
    /// with its attempts reset. `false` when there is no such dead event.
    pub async fn retry_dead_outbox(&self, org: OrgId, id: i64) -> Result<bool> {
        let mut tx = self.write_tx(org).await?;
        let n = sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $3 \
             WHERE org_id = $1 AND id = $2 AND status = 'dead'")
            .bind(org.0)
            .bind(id)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Appends an event to the tenant's outbox (the sync's own follow-ups).
    pub async fn enqueue_outbox(&self, org: OrgId, topic: &str, payload: &Value) -> Result<()> {
        let mut tx = self.write_tx(org).await?;
        sqlx::query(super::INSERT_OUTBOX)
            .bind(org.0)
            .bind(topic)
            .bind(Json(payload))
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
