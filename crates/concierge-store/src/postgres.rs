//! The PostgreSQL backend. Tenant transactions switch to the non-owner role
//! `concierge_app` and set `app.tenant_id`, both local to the transaction, so
//! the row-level security policies of the schema apply to every statement and
//! nothing leaks to the next user of the pooled connection.

use std::time::Duration;

use concierge_core::OrgId;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use crate::error::Result;
use crate::PoolStats;

/// A PostgreSQL pool.
#[derive(Debug, Clone)]
pub struct PgBackend {
    pool: PgPool,
}

pub(crate) type Tx = Transaction<'static, Postgres>;

/// The role tenant transactions run as (created by the first migration).
pub const TENANT_ROLE: &str = "concierge_app";

impl PgBackend {
    /// Connects a pool of at most `max` connections.
    pub async fn connect(url: &str, max: u32) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max.max(1))
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        Ok(Self { pool })
    }

    pub(crate) async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub(crate) fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: self.pool.num_idle() as u32,
            max: self.pool.options().get_max_connections(),
        }
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    /// A transaction confined to `org` by row-level security. Public so tests
    /// and tooling can prove that even hand-written SQL sees one tenant only.
    pub async fn tenant_tx(&self, org: OrgId) -> Result<Tx> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true)")
            .bind(TENANT_ROLE)
            .bind(org.0.to_string())
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    pub(crate) async fn write_tx(&self, org: OrgId) -> Result<Tx> {
        self.tenant_tx(org).await
    }

    pub(crate) async fn read_tx(&self, org: OrgId) -> Result<Tx> {
        self.tenant_tx(org).await
    }

    /// A read of one statement: still a tenant transaction, which row-level security needs.
    pub(crate) async fn read_one(&self, org: OrgId) -> Result<Tx> {
        self.tenant_tx(org).await
    }

    /// A transaction outside any tenant, as the owning role (RLS does not apply).
    pub(crate) async fn system_tx(&self) -> Result<Tx> {
        Ok(self.pool.begin().await?)
    }

    /// PostgreSQL has concurrent writers: the caller writes its own appends.
    pub(crate) async fn grouped_append(
        &self,
        _org: OrgId,
        _conversation: concierge_core::ConversationId,
        _messages: &[crate::NewMessage],
        _effects: &crate::TurnEffects,
    ) -> Option<Result<crate::sqlite::AppendOutcome>> {
        None
    }

    /// … and its own new conversations.
    pub(crate) async fn grouped_create(
        &self,
        _org: OrgId,
        _new: &crate::NewConversation,
    ) -> Option<Result<concierge_core::model::Conversation>> {
        None
    }

    /// Lets several dispatchers claim different outbox rows concurrently.
    pub(crate) const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    /// Row locking for read-modify-write of one conversation.
    pub(crate) const FOR_UPDATE: &'static str = " FOR UPDATE";
    /// The rows `h` (`sender_type`, `content`, `created_at`, `id`) as a JSON
    /// text array of `[sender, content]` pairs, oldest first.
    pub(crate) const HISTORY_JSON: &'static str =
        "COALESCE(json_agg(json_build_array(h.sender_type, h.content) \
         ORDER BY h.created_at, h.id), '[]')::text";
    /// The engine's decision recorded in a message's analysis, as text.
    pub(crate) const DECISION: &'static str = "(analysis->>'decision')";
    /// How often a conversation was reopened (its context's `reopens`).
    pub(crate) const REOPENS: &'static str = "COALESCE((context->>'reopens')::bigint, 0)";
}

impl crate::BackendDb for PgBackend {
    type Db = Postgres;
}

/// `url` (`postgres://user@host:port/db?options`) with the database name
/// replaced by `name`; used to open scratch databases on the same server.
pub fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database_name;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            with_database_name("postgres://p@h:5432/postgres", "x"),
            "postgres://p@h:5432/x"
        );
        assert_eq!(
            with_database_name("postgres://p@h/db?sslmode=disable", "x"),
            "postgres://p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database_name("postgres://p@h", "x"),
            "postgres://p@h/x"
        );
    }
}
