//! Repository functions, written once and expanded for both backends.
//!
//! `repository! { pub async fn f(&self, org: OrgId, …) -> Result<T> { body } }`
//! emits `f` on [`SqliteBackend`](crate::sqlite::SqliteBackend), on
//! [`PgBackend`](crate::postgres::PgBackend), and a dispatching `f` on
//! [`Store`](crate::Store). Inside a body, `self.write_tx(org)`,
//! `self.read_tx(org)` and `self.system_tx()` open the backend's transaction
//! kinds (`self.read_one(org)` is a cheaper read for bodies of exactly one
//! statement), and `Self::SKIP_LOCKED` is the backend's row-claiming clause. SQL uses
//! `$n` placeholders, which both SQLite and PostgreSQL accept.

macro_rules! repository {
    ($(
        $(#[$meta:meta])*
        pub async fn $name:ident(&$s:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty $body:block
    )*) => {
        impl $crate::sqlite::SqliteBackend {
            $( $(#[$meta])* pub async fn $name(&$s $(, $arg: $ty)*) -> $ret $body )*
        }
        impl $crate::postgres::PgBackend {
            $( $(#[$meta])* pub async fn $name(&$s $(, $arg: $ty)*) -> $ret $body )*
        }
        impl $crate::Store {
            $(
                $(#[$meta])*
                pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match &self.inner {
                        $crate::Inner::Sqlite(b) => b.$name($($arg),*).await,
                        $crate::Inner::Postgres(b) => b.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

mod auth;
mod conversations;
mod engine;
mod knowledge;
mod records;
mod salesforce;

pub use salesforce::OutboxEntry;

pub use knowledge::MAX_UPSERT_BATCH;
mod tenants;

pub(crate) use conversations::{turn_events, Tally, INSERT_ESCALATION, INSERT_FLAG};

/// Inserts one outbox row inside the caller's transaction.
pub(crate) const INSERT_OUTBOX: &str =
    "INSERT INTO outbox (org_id, topic, payload, status, attempts, next_attempt_at, created_at) \
     VALUES ($1, $2, $3, 'pending', 0, $4, $4)";

/// Adds `$3` citations of article `$2` to its usage counters, inside the
/// caller's transaction.
pub(crate) const COUNT_CITATION: &str =
    "INSERT INTO knowledge_usage (org_id, knowledge_id, cited, resolved, last_cited_at) \
     VALUES ($1, $2, $3, 0, $4) ON CONFLICT (org_id, knowledge_id) DO UPDATE \
     SET cited = knowledge_usage.cited + excluded.cited, last_cited_at = excluded.last_cited_at";

/// Marks the first human answer on a conversation's open escalation.
pub(crate) const ESCALATION_FIRST_RESPONSE: &str =
    "UPDATE escalations SET first_response_at = COALESCE(first_response_at, $3) \
     WHERE org_id = $1 AND conversation_id = $2 AND resolved_at IS NULL";
