//! API keys and refresh-token families.

use chrono::{DateTime, Utc};
use concierge_core::model::ApiKey;
use concierge_core::{ApiKeyId, OrgId, TokenFamilyId, UserId};

use crate::error::{Result, StoreError};
use crate::rows::*;
use crate::{now, ApiKeyCredentials, NewApiKey, RefreshToken};

repository! {
    /// Stores a new API key (its hash; the secret is shown once by the caller).
    pub async fn create_api_key(&self, org: OrgId, new: &NewApiKey) -> Result<ApiKey> {
        let mut tx = self.write_tx(org).await?;
        let row: ApiKeyRow = sqlx::query_as(&format!(
            "INSERT INTO api_keys (id, org_id, name, prefix, key_hash, role, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {API_KEY_COLUMNS}"))
            .bind(ApiKeyId::new().0)
            .bind(org.0)
            .bind(&new.name)
            .bind(&new.prefix)
            .bind(&new.key_hash)
            .bind(new.role.as_str())
            .bind(new.created_by.map(|u| u.0))
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// System lookup of a key by its public prefix, with the stored hash.
    pub async fn api_key_by_prefix(&self, prefix: &str) -> Result<Option<ApiKeyCredentials>> {
        let mut tx = self.system_tx().await?;
        let row: Option<ApiKeyRow> =
            sqlx::query_as(&format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE prefix = $1"))
                .bind(prefix)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        row.map(ApiKeyRow::into_credentials).transpose()
    }

    /// Records that a key was used (callers throttle this).
    pub async fn touch_api_key(&self, org: OrgId, id: ApiKeyId) -> Result<()> {
        let mut tx = self.write_tx(org).await?;
        sqlx::query("UPDATE api_keys SET last_used_at = $3 WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(id.0)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes a key; revoking twice keeps the first time.
    pub async fn revoke_api_key(&self, org: OrgId, id: ApiKeyId) -> Result<ApiKey> {
        let mut tx = self.write_tx(org).await?;
        let row: Option<ApiKeyRow> = sqlx::query_as(&format!(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE org_id = $1 AND id = $2 \
             RETURNING {API_KEY_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(now())
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound("api key"))?.into_domain()
    }

    /// The keys of `org`, newest first.
    pub async fn list_api_keys(&self, org: OrgId) -> Result<Vec<ApiKey>> {
        let mut tx = self.read_tx(org).await?;
        let rows: Vec<ApiKeyRow> = sqlx::query_as(&format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE org_id = $1 ORDER BY created_at DESC LIMIT 1000"))
            .bind(org.0)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter().map(ApiKeyRow::into_domain).collect()
    }

    /// Stores one refresh token of a family.
    pub async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<()> {
        let mut tx = self.write_tx(token.org_id).await?;
        sqlx::query(
            "INSERT INTO refresh_tokens (id, org_id, user_id, family_id, token_hash, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(token.id)
            .bind(token.org_id.0)
            .bind(token.user_id.0)
            .bind(token.family_id.0)
            .bind(&token.token_hash)
            .bind(token.expires_at)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// System lookup of a refresh token by the hash of its secret.
    pub async fn refresh_token_by_hash(&self, hash: &[u8]) -> Result<Option<RefreshToken>> {
        let mut tx = self.system_tx().await?;
        let row: Option<RefreshRow> =
            sqlx::query_as(&format!("SELECT {REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1"))
                .bind(hash)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(row.map(RefreshRow::into_domain))
    }

    /// Marks a refresh token used, exactly once: `false` means it had already
    /// been used or revoked (a replay), and the caller revokes the family.
    pub async fn consume_refresh_token(&self, org: OrgId, id: uuid::Uuid, at: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.write_tx(org).await?;
        let done = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $3 \
             WHERE org_id = $1 AND id = $2 AND used_at IS NULL AND revoked_at IS NULL")
            .bind(org.0)
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(done == 1)
    }

    /// Revokes every token of a family (logout, or a replayed token).
    pub async fn revoke_token_family(&self, org: OrgId, family: TokenFamilyId) -> Result<u64> {
        let mut tx = self.write_tx(org).await?;
        let n = sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $3 WHERE org_id = $1 AND family_id = $2 AND revoked_at IS NULL")
            .bind(org.0)
            .bind(family.0)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// Revokes every refresh token of a user (disabled: no session lives on).
    pub async fn revoke_user_tokens(&self, org: OrgId, user: UserId) -> Result<u64> {
        let mut tx = self.write_tx(org).await?;
        let n = sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $3 WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL")
            .bind(org.0)
            .bind(user.0)
            .bind(now())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// Whether a family has been revoked (access tokens carry their family).
    pub async fn token_family_revoked(&self, org: OrgId, family: TokenFamilyId) -> Result<bool> {
        let mut tx = self.read_tx(org).await?;
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM refresh_tokens WHERE org_id = $1 AND family_id = $2 AND revoked_at IS NOT NULL")
            .bind(org.0)
            .bind(family.0)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }
}
