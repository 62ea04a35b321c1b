//! The embedded backend. SQLite allows one writer at a time, so the backend
//! keeps one writer connection (no lock contention, no SQLITE_BUSY between our
//! own writers) and a pool of readers that never block it (WAL mode).

use std::str::FromStr;
use std::time::Duration;

use concierge_core::OrgId;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::error::Result;
use crate::PoolStats;

/// SQLite connections: one writer, several readers.
#[derive(Debug, Clone)]
pub struct SqliteBackend {
    write: SqlitePool,
    read: SqlitePool,
    /// Where conversation writes queue for group commit (absent in the writer task's own copy).
    writer: Option<crate::group_commit::Writer>,
}

pub(crate) type Tx = Transaction<'static, Sqlite>;

/// What a message append returns: the conversation after it and the stored messages.
pub(crate) type AppendOutcome = crate::TurnRecord;

/// Prepared statements the writer connection keeps (sqlx's default is 100).
const WRITER_STATEMENTS: usize = 1024;

impl SqliteBackend {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or a path).
    pub async fn connect(url: &str, readers: u32) -> Result<Self> {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000");
        // `test_before_acquire(false)`: a connection to a local file cannot go
        // stale, and the ping would cost a round trip to the connection's
        // thread on every acquire (measured with `concierge bench api`).
        // The group-committing writer's statements have as many rows as
        // the batch (`group_commit`), so the writer keeps a prepared
        // statement per batch shape it meets: preparing a many-row INSERT
        // took about a quarter of the writer connection's time under load.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone().statement_cache_capacity(WRITER_STATEMENTS))
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(readers.max(1))
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true))
            .await?;
        let direct = Self {
            write,
            read,
            writer: None,
        };
        Ok(Self {
            writer: Some(crate::group_commit::Writer::start(direct.clone())),
            ..direct
        })
    }

    /// The writer connection's pool.
    pub(crate) fn write_pool(&self) -> &SqlitePool {
        &self.write
    }

    /// Hands a message append to the group-committing writer; `None` means
    /// "write it here" (this is the writer's own copy).
    pub(crate) async fn grouped_append(
        &self,
        org: OrgId,
        conversation: concierge_core::ConversationId,
        messages: &[crate::NewMessage],
        effects: &crate::TurnEffects,
    ) -> Option<crate::Result<AppendOutcome>> {
        match &self.writer {
            Some(w) => Some(w.append(org, conversation, messages, effects).await),
            None => None,
        }
    }

    /// Hands a new conversation to the group-committing writer, as above.
    pub(crate) async fn grouped_create(
        &self,
        org: OrgId,
        new: &crate::NewConversation,
    ) -> Option<crate::Result<concierge_core::model::Conversation>> {
        match &self.writer {
            Some(w) => Some(w.create(org, new).await),
            None => None,
        }
    }

    pub(crate) async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.write)
            .await?;
        Ok(())
    }

    pub(crate) async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub(crate) fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.write.size() + self.read.size(),
            idle: (self.write.num_idle() + self.read.num_idle()) as u32,
            max: 1 + self.read.options().get_max_connections(),
        }
    }

    pub(crate) async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    /// A write transaction for `org`. Isolation is enforced by the `org_id`
    /// filter in every statement of the repository.
    pub(crate) async fn write_tx(&self, _org: OrgId) -> Result<Tx> {
        Ok(self.write.begin().await?)
    }

    /// A read transaction for `org` on a reader connection.
    pub(crate) async fn read_tx(&self, _org: OrgId) -> Result<Tx> {
        Ok(self.read.begin().await?)
    }

    /// A read of **one statement** for `org`: a reader connection without
    /// BEGIN/COMMIT, as a lone statement is its own snapshot. This saves two
    /// round trips to the connection's thread on hot reads; a body that reads
    /// more than once must use [`read_tx`](Self::read_tx) for one snapshot.
    pub(crate) async fn read_one(&self, _org: OrgId) -> Result<OneRead> {
        Ok(OneRead(self.read.acquire().await?))
    }

    /// A transaction outside any tenant (sign-in lookups, bootstrap, dispatcher).
    pub(crate) async fn system_tx(&self) -> Result<Tx> {
        Ok(self.write.begin().await?)
    }

    /// Row locking clause for claiming work; SQLite's single writer needs none.
    pub(crate) const SKIP_LOCKED: &'static str = "";
    /// Row locking for read-modify-write; the single writer already serialises.
    pub(crate) const FOR_UPDATE: &'static str = "";
    /// The engine's decision recorded in a message's analysis, as text.
    pub(crate) const DECISION: &'static str = "json_extract(analysis, '$.decision')";
    /// How often a conversation was reopened (its context's `reopens`).
    pub(crate) const REOPENS: &'static str = "COALESCE(json_extract(context, '$.reopens'), 0)";
    /// The rows `h` (`sender_type`, `content`, `created_at`, `id`) as a JSON
    /// text array of `[sender, content]` pairs, oldest first.
    pub(crate) const HISTORY_JSON: &'static str =
        "json_group_array(json_array(h.sender_type, h.content) ORDER BY h.created_at, h.id)";
}

/// A reader connection for one statement; `commit` only returns it to the
/// pool, so repository bodies read the same on both backends.
pub(crate) struct OneRead(PoolConnection<Sqlite>);

impl OneRead {
    pub(crate) async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        Ok(())
    }
}

impl std::ops::Deref for OneRead {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.0
    }
}

impl std::ops::DerefMut for OneRead {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.0
    }
}

impl crate::BackendDb for SqliteBackend {
    type Db = Sqlite;
}
