//! Knowledge article versions, their usage counters, and language-model usage.

use chrono::{DateTime, Utc};
use concierge_core::model::KnowledgeEntry;
use concierge_core::{KnowledgeId, OrgId};
use sqlx::types::Json;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::rows::*;
use crate::{now, KnowledgeUsage, LlmUsageTotal, NewKnowledgeVersion, NewLlmUsage, UpsertOutcome};

/// The most articles one upsert call may write (one transaction).
pub const MAX_UPSERT_BATCH: usize = 5_000;

repository! {
    /// Stores a batch of articles in one transaction. Each is matched to a
    /// current article by `id`, else by `slug`: no match creates the article
    /// (version 1); a match with the same `content_hash` is left alone; any
    /// other match becomes the next version and supersedes the current one.
    /// Returns the article id, its current version and what happened, in input order.
    pub async fn upsert_knowledge(&self, org: OrgId, items: &[NewKnowledgeVersion]) -> Result<Vec<(KnowledgeId, i32, UpsertOutcome)>> {
        if items.len() > MAX_UPSERT_BATCH {
            return Err(StoreError::Invalid(format!(
                "at most {MAX_UPSERT_BATCH} articles per batch, got {}", items.len())));
        }
        let mut tx = self.write_tx(org).await?;
        let at = now();
        let mut out = Vec::with_capacity(items.len());
        for new in items {
            let current: Option<(Uuid, i32, Option<String>)> = match (new.id, &new.slug) {
                (Some(id), _) => {
                    let latest: Option<(Uuid, i32, Option<String>)> = sqlx::query_as(
                        "SELECT id, version, content_hash FROM knowledge_entries \
                         WHERE org_id = $1 AND id = $2 ORDER BY version DESC LIMIT 1")
                        .bind(org.0)
                        .bind(id.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                    Some(latest.ok_or(StoreError::NotFound("knowledge entry"))?)
                }
                (None, Some(slug)) => sqlx::query_as(
                    "SELECT id, version, content_hash FROM knowledge_entries \
                     WHERE org_id = $1 AND slug = $2 AND is_current = $3")
                    .bind(org.0)
                    .bind(slug)
                    .bind(true)
                    .fetch_optional(&mut *tx)
                    .await?,
                (None, None) => None,
            };
            let (id, version, outcome) = match current {
                Some((id, version, hash)) if hash.is_some() && hash == new.content_hash => {
                    out.push((KnowledgeId(id), version, UpsertOutcome::Unchanged));
                    continue;
                }
                Some((id, version, _)) => {
                    sqlx::query("UPDATE knowledge_entries SET is_current = $3 WHERE org_id = $1 AND id = $2")
                        .bind(org.0)
                        .bind(id)
                        .bind(false)
                        .execute(&mut *tx)
                        .await?;
                    (KnowledgeId(id), version + 1, UpsertOutcome::Updated)
                }
                None => (KnowledgeId::new(), 1, UpsertOutcome::Created),
            };
            let slug = new.slug.clone().unwrap_or_else(|| id.0.simple().to_string());
            sqlx::query(
                "INSERT INTO knowledge_entries (id, org_id, version, is_current, title, body, category, tags, \
                 language, source_url, slug, expires_at, translation_of, content_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)")
                .bind(id.0)
                .bind(org.0)
                .bind(version)
                .bind(true)
                .bind(&new.title)
                .bind(&new.body)
                .bind(&new.category)
                .bind(Json(&new.tags))
                .bind(&new.language)
                .bind(&new.source_url)
                .bind(&slug)
                .bind(new.expires_at)
                .bind(&new.translation_of)
                .bind(&new.content_hash)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            out.push((id, version, outcome));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Stores one article version; a new version supersedes the current one.
    pub async fn put_knowledge(&self, org: OrgId, new: &NewKnowledgeVersion) -> Result<KnowledgeEntry> {
        let written = self.upsert_knowledge(org, std::slice::from_ref(new)).await?;
        let (id, version, _) = written.into_iter().next().ok_or(StoreError::NotFound("knowledge entry"))?;
        let mut tx = self.read_tx(org).await?;
        let row: KnowledgeRow = sqlx::query_as(&format!(
            "SELECT {KNOWLEDGE_COLUMNS} FROM knowledge_entries WHERE org_id = $1 AND id = $2 AND version = $3"))
            .bind(org.0)
            .bind(id.0)
            .bind(version)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.into_domain())
    }

    /// Every version of a knowledge article, newest first.
    pub async fn knowledge_versions(&self, org: OrgId, id: KnowledgeId) -> Result<Vec<KnowledgeEntry>> {
        let mut tx = self.read_tx(org).await?;
        let rows: Vec<KnowledgeRow> = sqlx::query_as(&format!(
            "SELECT {KNOWLEDGE_COLUMNS} FROM knowledge_entries WHERE org_id = $1 AND id = $2 ORDER BY version DESC"))
            .bind(org.0)
            .bind(id.0)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(KnowledgeRow::into_domain).collect())
    }

    /// The current version of every article of `org` (expired ones included),
    /// ordered by slug: what the search index is rebuilt from.
    pub async fn current_knowledge(&self, org: OrgId) -> Result<Vec<KnowledgeEntry>> {
        let mut tx = self.read_tx(org).await?;
        let rows: Vec<KnowledgeRow> = sqlx::query_as(&format!(
            "SELECT {KNOWLEDGE_COLUMNS} FROM knowledge_entries WHERE org_id = $1 AND is_current = $2 ORDER BY slug"))
            .bind(org.0)
            .bind(true)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(KnowledgeRow::into_domain).collect())
    }

    /// Tenants that have at least one current article (system-wide: rebuilding every index).
    pub async fn tenants_with_knowledge(&self) -> Result<Vec<OrgId>> {
        let mut tx = self.system_tx().await?;
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT DISTINCT org_id FROM knowledge_entries WHERE is_current = $1 ORDER BY org_id")
            .bind(true)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ids.into_iter().map(OrgId).collect())
    }

    /// The current version of one article.
    pub async fn get_knowledge(&self, org: OrgId, id: KnowledgeId) -> Result<KnowledgeEntry> {
        let mut tx = self.read_tx(org).await?;
        let row: Option<KnowledgeRow> = sqlx::query_as(&format!(
            "SELECT {KNOWLEDGE_COLUMNS} FROM knowledge_entries WHERE org_id = $1 AND id = $2 AND is_current = $3"))
            .bind(org.0)
            .bind(id.0)
            .bind(true)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.ok_or(StoreError::NotFound("knowledge entry"))?.into_domain())
    }

    /// Withdraws an article: no version stays current (history is kept).
    pub async fn retire_knowledge(&self, org: OrgId, id: KnowledgeId) -> Result<bool> {
        let mut tx = self.write_tx(org).await?;
        let done = sqlx::query(
            "UPDATE knowledge_entries SET is_current = $3 WHERE org_id = $1 AND id = $2 AND is_current = $4")
            .bind(org.0)
            .bind(id.0)
            .bind(false)
            .bind(true)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(done > 0)
    }

    /// Counts one citation of each article (an answer quoted it).
    pub async fn record_knowledge_citations(&self, org: OrgId, ids: &[KnowledgeId], at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.write_tx(org).await?;
        for id in ids {
            sqlx::query(crate::repo::COUNT_CITATION)
                .bind(org.0)
                .bind(id.0)
                .bind(1i64)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Counts one resolved conversation for each article it cited.
    pub async fn record_knowledge_resolutions(&self, org: OrgId, ids: &[KnowledgeId]) -> Result<()> {
        let mut tx = self.write_tx(org).await?;
        for id in ids {
            sqlx::query(
                "INSERT INTO knowledge_usage (org_id, knowledge_id, cited, resolved) VALUES ($1, $2, 0, 1) \
                 ON CONFLICT (org_id, knowledge_id) DO UPDATE SET resolved = knowledge_usage.resolved + 1")
                .bind(org.0)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Usage counters of every article that has any, most cited first.
    pub async fn knowledge_usage(&self, org: OrgId) -> Result<Vec<KnowledgeUsage>> {
        let mut tx = self.read_tx(org).await?;
        let rows: Vec<(Uuid, i64, i64, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT knowledge_id, cited, resolved, last_cited_at FROM knowledge_usage \
             WHERE org_id = $1 ORDER BY cited DESC, knowledge_id")
            .bind(org.0)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(id, cited, resolved, last_cited_at)| KnowledgeUsage {
                knowledge_id: KnowledgeId(id),
                cited,
                resolved,
                last_cited_at,
            })
            .collect())
    }

    /// Records one language-model call.
    pub async fn record_llm_usage(&self, org: OrgId, usage: &NewLlmUsage) -> Result<()> {
        let mut tx = self.write_tx(org).await?;
        sqlx::query(
            "INSERT INTO llm_usage (org_id, conversation_id, provider, model, task, prompt_tokens, \
             completion_tokens, cost_micros, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(org.0)
            .bind(usage.conversation_id.map(|c| c.0))
            .bind(&usage.provider)
            .bind(&usage.model)
            .bind(&usage.task)
            .bind(usage.prompt_tokens.max(0))
            .bind(usage.completion_tokens.max(0))
            .bind(usage.cost_micros.max(0))
            .bind(usage.at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What `org` spent on language models since `since`, in micro-USD.
    pub async fn llm_cost_since(&self, org: OrgId, since: DateTime<Utc>) -> Result<i64> {
        let mut tx = self.read_tx(org).await?;
        let spent: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT) FROM llm_usage \
             WHERE org_id = $1 AND created_at >= $2")
            .bind(org.0)
            .bind(since)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(spent)
    }

    /// Calls, tokens and cost of `org` in `[from, to)`, per provider and model.
    pub async fn llm_usage_totals_between(&self, org: OrgId, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<LlmUsageTotal>> {
        let mut tx = self.read_tx(org).await?;
        let rows: Vec<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT provider, model, CAST(COUNT(*) AS BIGINT), CAST(SUM(prompt_tokens) AS BIGINT), \
             CAST(SUM(completion_tokens) AS BIGINT), CAST(SUM(cost_micros) AS BIGINT) FROM llm_usage \
             WHERE org_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY provider, model ORDER BY provider, model")
            .bind(org.0)
            .bind(from)
            .bind(to)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(provider, model, calls, prompt_tokens, completion_tokens, cost_micros)| LlmUsageTotal {
                provider,
                model,
                calls,
                prompt_tokens,
                completion_tokens,
                cost_micros,
            })
            .collect())
    }

    /// When each language-model call of `org` in `[from, to)` was made and
    /// what it cost (micro-dollars), oldest first, at most `limit`: the
    /// input of per-bucket cost series.
    pub async fn llm_costs_between(&self, org: OrgId, from: DateTime<Utc>, to: DateTime<Utc>, limit: u32) -> Result<Vec<(DateTime<Utc>, i64)>> {
        let mut tx = self.read_tx(org).await?;
        let rows: Vec<(DateTime<Utc>, i64)> = sqlx::query_as(
            "SELECT created_at, cost_micros FROM llm_usage \
             WHERE org_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY created_at LIMIT $4")
            .bind(org.0)
            .bind(from)
            .bind(to)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Calls, tokens and cost of `org` since `since`, per provider and model.
    pub async fn llm_usage_totals(&self, org: OrgId, since: DateTime<Utc>) -> Result<Vec<LlmUsageTotal>> {
        let mut tx = self.read_tx(org).await?;
        let rows: Vec<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT provider, model, CAST(COUNT(*) AS BIGINT), CAST(SUM(prompt_tokens) AS BIGINT), \
             CAST(SUM(completion_tokens) AS BIGINT), CAST(SUM(cost_micros) AS BIGINT) FROM llm_usage \
             WHERE org_id = $1 AND created_at >= $2 GROUP BY provider, model ORDER BY provider, model")
            .bind(org.0)
            .bind(since)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|(provider, model, calls, prompt_tokens, completion_tokens, cost_micros)| LlmUsageTotal {
                provider,
                model,
                calls,
                prompt_tokens,
                completion_tokens,
                cost_micros,
            })
            .collect())
    }
}
