//! Tenants, users and instance-wide settings.

use concierge_core::model::{Organization, User};
use concierge_core::{OrgId, Role, UserId};
use sqlx::types::Json;

use crate::error::{Result, StoreError};
use crate::rows::*;
use crate::{now, NewOrganization, NewUser, UserCredentials, UserUpdate};

repository! {
    /// Creates a tenant.
    pub async fn create_organization(&self, new: &NewOrganization) -> Result<Organization> {
        let id = OrgId::new();
        let mut tx = self.write_tx(id).await?;
        let row: OrgRow = sqlx::query_as(&format!(
            "INSERT INTO organizations (id, slug, name, salesforce_org_id, subscription_tier, settings, \
             feature_flags, widget_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING {ORG_COLUMNS}"))
            .bind(id.0)
            .bind(&new.slug)
            .bind(&new.name)
            .bind(&new.salesforce_org_id)
            .bind(new.subscription_tier.as_str())
            .bind(Json(serde_json::json!({})))
            .bind(Json(serde_json::json!({})))
            .bind(&new.widget_key)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// The tenant itself, seen from inside it.
    pub async fn get_organization(&self, org: OrgId) -> Result<Organization> {
        let mut tx = self.read_tx(org).await?;
        let row: Option<OrgRow> = sqlx::query_as(&format!("SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1"))
            .bind(org.0)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound("organization"))?.into_domain()
    }

    /// System lookup by slug (sign-in names its tenant).
    pub async fn organization_by_slug(&self, slug: &str) -> Result<Option<Organization>> {
        let mut tx = self.system_tx().await?;
        let row: Option<OrgRow> = sqlx::query_as(&format!("SELECT {ORG_COLUMNS} FROM organizations WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.map(OrgRow::into_domain).transpose()
    }

    /// System lookup by the publishable widget key.
    pub async fn organization_by_widget_key(&self, key: &str) -> Result<Option<Organization>> {
        let mut tx = self.system_tx().await?;
        let row: Option<OrgRow> =
            sqlx::query_as(&format!("SELECT {ORG_COLUMNS} FROM organizations WHERE widget_key = $1"))
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        row.map(OrgRow::into_domain).transpose()
    }

    /// System lookup of the oldest tenant (the default one a single-tenant
    /// install or the demo page uses).
    pub async fn first_organization(&self) -> Result<Option<Organization>> {
        let mut tx = self.system_tx().await?;
        let row: Option<OrgRow> = sqlx::query_as(&format!(
            "SELECT {ORG_COLUMNS} FROM organizations ORDER BY created_at, id LIMIT 1"))
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.map(OrgRow::into_domain).transpose()
    }

    /// How many tenants exist (first-start bootstrap).
    pub async fn count_organizations(&self) -> Result<i64> {
        let mut tx = self.system_tx().await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations").fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Reads an instance-wide setting, storing `value` first if none exists.
    /// Concurrent callers all get the value that won.
    pub async fn instance_setting_or_insert(&self, key: &str, value: &str) -> Result<String> {
        let mut tx = self.system_tx().await?;
        sqlx::query("INSERT INTO instance_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        let stored: String = sqlx::query_scalar("SELECT value FROM instance_settings WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Creates a user in `org`.
    pub async fn create_user(&self, org: OrgId, new: &NewUser) -> Result<User> {
        let mut tx = self.write_tx(org).await?;
        let at = now();
        let row: UserRow = sqlx::query_as(&format!(
            "INSERT INTO users (id, org_id, external_id, email, display_name, password_hash, role, customer_tier, \
             status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $9) \
             RETURNING {USER_COLUMNS}"))
            .bind(UserId::new().0)
            .bind(org.0)
            .bind(&new.external_id)
            .bind(&new.email)
            .bind(&new.display_name)
            .bind(&new.password_hash)
            .bind(new.role.as_str())
            .bind(new.customer_tier.map(|t| t.as_str()))
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_domain()
    }

    /// A user of `org`.
    pub async fn get_user(&self, org: OrgId, id: UserId) -> Result<User> {
        let mut tx = self.read_tx(org).await?;
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 AND id = $2"))
                .bind(org.0)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound("user"))?.into_domain()
    }

    /// A user of `org` by (lower-case) email, with the password hash.
    pub async fn user_credentials(&self, org: OrgId, email: &str) -> Result<Option<UserCredentials>> {
        let mut tx = self.read_tx(org).await?;
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 AND email = $2"))
                .bind(org.0)
                .bind(email)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        row.map(UserRow::into_credentials).transpose()
    }

    /// System lookup: the tenants in which `email` is a staff member.
    pub async fn staff_tenants_for_email(&self, email: &str) -> Result<Vec<OrgId>> {
        let mut tx = self.system_tx().await?;
        let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT org_id FROM users WHERE email = $1 AND role IN ('admin', 'supervisor', 'agent') LIMIT 10")
            .bind(email)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ids.into_iter().map(OrgId).collect())
    }

    /// The customer with this external id, created on first sight.
    pub async fn upsert_customer(&self, org: OrgId, external_id: &str, email: Option<&str>) -> Result<User> {
        let mut tx = self.write_tx(org).await?;
        let at = now();
        let row: UserRow = sqlx::query_as(&format!(
            "INSERT INTO users (id, org_id, external_id, email, role, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'customer', 'active', $5, $5) \
             ON CONFLICT (org_id, external_id) DO UPDATE SET updated_at = excluded.updated_at \
             RETURNING {USER_COLUMNS}"))
            .bind(UserId::new().0)
            .bind(org.0)
            .bind(external_id)
            .bind(email)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        let user = row.into_domain()?;
        if user.role != Role::Customer {
            return Err(StoreError::Conflict { field: "external_id".to_owned() });
        }
        Ok(user)
    }

    /// Sets a customer's name and tier (each only when given).
    pub async fn set_customer_profile(
        &self,
        org: OrgId,
        id: UserId,
        name: Option<&str>,
        tier: Option<concierge_core::CustomerTier>,
    ) -> Result<User> {
        let mut tx = self.write_tx(org).await?;
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "UPDATE users SET display_name = COALESCE($3, display_name), customer_tier = COALESCE($4, customer_tier), \
             updated_at = $5 WHERE org_id = $1 AND id = $2 AND role = 'customer' RETURNING {USER_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(name)
            .bind(tier.map(|t| t.as_str()))
            .bind(now())
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound("customer"))?.into_domain()
    }

    /// The staff and service accounts of `org` (no customers), oldest first.
    pub async fn list_staff_users(&self, org: OrgId) -> Result<Vec<User>> {
        let mut tx = self.read_tx(org).await?;
        let rows: Vec<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 AND role <> $2 ORDER BY created_at, id LIMIT 10000"))
            .bind(org.0)
            .bind(Role::Customer.as_str())
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter().map(UserRow::into_domain).collect()
    }

    /// Changes a user's role, display name or status (each when `Some`).
    pub async fn update_user(&self, org: OrgId, id: UserId, change: &UserUpdate) -> Result<User> {
        let mut tx = self.write_tx(org).await?;
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "UPDATE users SET role = COALESCE($3, role), display_name = COALESCE($4, display_name), \
             status = COALESCE($5, status), updated_at = $6 WHERE org_id = $1 AND id = $2 RETURNING {USER_COLUMNS}"))
            .bind(org.0)
            .bind(id.0)
            .bind(change.role.map(|r| r.as_str()))
            .bind(&change.display_name)
            .bind(change.status.map(|s| s.as_str()))
            .bind(now())
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound("user"))?.into_domain()
    }

    /// Every user of `org`, oldest first (at most 1,000).
    pub async fn list_users(&self, org: OrgId) -> Result<Vec<User>> {
        let mut tx = self.read_tx(org).await?;
        let rows: Vec<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 ORDER BY created_at LIMIT 1000"))
                .bind(org.0)
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        rows.into_iter().map(UserRow::into_domain).collect()
    }
}
