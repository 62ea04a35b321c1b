//! Concierge persistence: one repository API over two backends.
//!
//! * [`Store`] is what the rest of the system holds. Every tenant-scoped call
//!   takes the tenant ([`OrgId`]) first.
//! * SQLite (the embedded default, [`sqlite`]) enforces tenant isolation in the
//!   repository layer: every statement filters on `org_id`.
//! * PostgreSQL ([`postgres`]) does the same and, a second time, with
//!   row-level security: each tenant transaction runs as role `concierge_app`
//!   with `app.tenant_id` set, so rows of other tenants are invisible even to a
//!   hand-written query.
//!
//! The repository functions are written once (in [`repo`]) and expanded for
//! both backends by a macro, so the two cannot drift apart; the same test
//! suite runs against both.

/// Error classification (not found, conflict, unavailable …).
pub mod error;
/// SQLite's group-committing writer for message appends.
mod group_commit;
/// The PostgreSQL backend with row-level security.
pub mod postgres;
/// The repository functions, written once for both backends.
mod repo;
/// Row shapes shared by both backends.
mod rows;
/// The embedded SQLite backend.
pub mod sqlite;
/// Fresh databases for tests (feature `testing`).
#[cfg(feature = "testing")]
pub mod testing;
/// Inputs and query shapes.
pub mod types;

use concierge_core::OrgId;
pub use error::{Result, StoreError};
pub use repo::{OutboxEntry, MAX_UPSERT_BATCH};
pub use types::*;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Names the sqlx database type of a backend, for generic helpers such as `QueryBuilder`.
pub(crate) trait BackendDb {
    type Db: sqlx::Database;
}

#[derive(Debug, Clone)]
enum Inner {
    Sqlite(sqlite::SqliteBackend),
    Postgres(postgres::PgBackend),
}

/// The repository: cheap to clone, shared by every request.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Inner,
}

impl Store {
    /// Connects to `url` (`postgres://…`, `sqlite://path` or a bare file path)
    /// without running migrations.
    pub async fn connect(url: &str, max_connections: Option<u32>) -> Result<Self> {
        let inner = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Inner::Postgres(postgres::PgBackend::connect(url, max_connections.unwrap_or(16)).await?)
        } else {
            Inner::Sqlite(sqlite::SqliteBackend::connect(url, max_connections.unwrap_or(4)).await?)
        };
        Ok(Self { inner })
    }

    /// Applies pending migrations for this backend.
    pub async fn migrate(&self) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(b) => b.migrate().await,
            Inner::Postgres(b) => b.migrate().await,
        }
    }

    /// Round-trips a trivial query (readiness checks).
    pub async fn ping(&self) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(b) => b.ping().await,
            Inner::Postgres(b) => b.ping().await,
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match &self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Connection pool use.
    pub fn pool_stats(&self) -> PoolStats {
        match &self.inner {
            Inner::Sqlite(b) => b.pool_stats(),
            Inner::Postgres(b) => b.pool_stats(),
        }
    }

    /// The PostgreSQL backend, for tests and tooling that need raw access
    /// through a tenant transaction.
    pub fn as_postgres(&self) -> Option<&postgres::PgBackend> {
        match &self.inner {
            Inner::Postgres(b) => Some(b),
            Inner::Sqlite(_) => None,
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        match &self.inner {
            Inner::Sqlite(b) => b.close().await,
            Inner::Postgres(b) => b.close().await,
        }
    }
}

/// The current time, truncated to microseconds (what both databases keep),
/// so a value read back equals the value written.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Store>();
    let _ = OrgId::new;
}
