//! The org's records: create, read, update, soft delete, upsert, SOQL query and
//! SOSL search, validated against the [`Schema`] and recorded in the
//! [`EventLog`]. [`Db`] is cheap to clone; all clones share one org behind a
//! read-write lock.

mod coerce;
mod error;
mod modify;
pub(crate) mod store;
pub(crate) mod write;

use std::sync::Arc;

use parking_lot::RwLock;
use serde_json::Value;

pub use coerce::{format_datetime, parse_date, parse_datetime};
pub use error::DbError;
pub(crate) use store::Store;

use crate::events::EventLog;
use crate::schema::Schema;
use crate::seed::Seed;

/// A record as JSON: field name → value.
pub type Record = serde_json::Map<String, Value>;

/// Most records the simulated org holds.
pub const MAX_RECORDS: usize = 1_000_000;
/// Longest SOQL or SOSL text accepted, in characters (Salesforce: 100,000).
pub const MAX_QUERY_CHARS: usize = 100_000;
/// Most fields in one create or update body.
pub const MAX_BODY_FIELDS: usize = 1_000;

/// Who writes and how: becomes `CreatedById`/`LastModifiedById` and the change
/// event's `commitUser` and `changeOrigin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteCtx {
    pub user_id: String,
    pub api_version: String,
    pub change_origin: String,
}

impl WriteCtx {
    /// A context for `user_id` writing through the REST API of `api_version`
    /// (`changeOrigin` `com/salesforce/api/rest/{version}`).
    pub fn rest(user_id: &str, api_version: &str) -> Self {
        let v = api_version.trim_start_matches('v');
        WriteCtx {
            user_id: user_id.to_string(),
            api_version: v.to_string(),
            change_origin: format!("com/salesforce/api/rest/{v}"),
        }
    }
}

/// The outcome of an upsert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upserted {
    Created(String),
    Updated(String),
}

/// How to run a query.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOpts {
    /// `queryAll`: include soft-deleted rows.
    pub include_deleted: bool,
    /// For the records' `attributes.url` (`59.0`; a leading `v` is ignored).
    pub api_version: String,
    /// The instant date literals (`TODAY`, `LAST_N_DAYS:n`) are relative to.
    pub now: chrono::DateTime<chrono::Utc>,
}

impl QueryOpts {
    /// Options for `query` (not `queryAll`) at the current time.
    pub fn new(api_version: &str) -> Self {
        QueryOpts {
            include_deleted: false,
            api_version: api_version.to_string(),
            now: chrono::Utc::now(),
        }
    }
}

/// A query's result: `totalSize` and the records (none for `COUNT()`).
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOutput {
    pub total_size: usize,
    pub records: Vec<Record>,
}

/// The simulated org. Cheap to clone; thread-safe.
#[derive(Debug, Clone)]
pub struct Db {
    store: Arc<RwLock<Store>>,
    events: EventLog,
}

impl Db {
    /// An empty org with this schema and org id.
    pub fn new(schema: Schema, org_id: &str) -> Self {
        Db {
            store: Arc::new(RwLock::new(Store::new(schema, org_id))),
            events: EventLog::default(),
        }
    }

    /// An org filled from a seed (custom fields, users, queues, accounts,
    /// contacts, cases and knowledge). Seeding appends no change events.
    pub fn from_seed(seed: &Seed) -> Result<Self, DbError> {
        let store = crate::seed::load(seed)?;
        Ok(Db {
            store: Arc::new(RwLock::new(store)),
            events: EventLog::default(),
        })
    }

    /// The 18-character org id.
    pub fn org_id(&self) -> String {
        self.store.read().org_id.clone()
    }

    /// The org's display name.
    pub fn org_name(&self) -> String {
        self.store.read().org_name.clone()
    }

    /// A copy of the schema.
    pub fn schema(&self) -> Schema {
        self.store.read().schema.clone()
    }

    /// The change-event log (shared, not a copy).
    pub fn events(&self) -> EventLog {
        self.events.clone()
    }

    /// Records stored, deleted ones included.
    pub fn record_count(&self) -> usize {
        self.store.read().len()
    }

    /// Adds a custom field to an object of the live org.
    pub fn add_custom_field(
        &self,
        object: &str,
        field: crate::schema::FieldDef,
    ) -> Result<(), DbError> {
        self.store.write().schema.add_custom_field(object, field)
    }

    /// Creates a record; returns its 18-character id.
    pub fn create(&self, ctx: &WriteCtx, object: &str, fields: Record) -> Result<String, DbError> {
        let mut store = self.store.write();
        let (id, event) = store.create(ctx, object, fields)?;
        // Appended under the store lock: replay order is commit order.
        self.events.append(event);
        drop(store);
        Ok(id)
    }

    /// One record in REST shape (`attributes` then fields); all fields, or the
    /// named ones. Deleted records are ENTITY_IS_DELETED (404).
    pub fn get(
        &self,
        object: &str,
        id: &str,
        fields: Option<&[String]>,
        api_version: &str,
    ) -> Result<Record, DbError> {
        self.store.read().get(object, id, fields, api_version)
    }

    /// Updates a record.
    pub fn update(
        &self,
        ctx: &WriteCtx,
        object: &str,
        id: &str,
        fields: Record,
    ) -> Result<(), DbError> {
        let mut store = self.store.write();
        let event = store.update(ctx, object, id, fields)?;
        self.events.append(event);
        drop(store);
        Ok(())
    }

    /// Soft-deletes a record (`IsDeleted`; visible to `queryAll`). Deleting a
    /// Case deletes its comments too.
    pub fn delete(&self, ctx: &WriteCtx, object: &str, id: &str) -> Result<(), DbError> {
        let mut store = self.store.write();
        for e in store.delete(ctx, object, id)? {
            self.events.append(e);
        }
        drop(store);
        Ok(())
    }

    /// Removes a record for good, appending no event and keeping nothing for
    /// `queryAll` (to roll back an all-or-none composite's creations).
    pub fn purge(&self, object: &str, id: &str) -> Result<(), DbError> {
        self.store.write().purge(object, id)
    }

    /// Restores a soft-deleted record.
    pub fn undelete(&self, ctx: &WriteCtx, object: &str, id: &str) -> Result<(), DbError> {
        let mut store = self.store.write();
        let event = store.undelete(ctx, object, id)?;
        self.events.append(event);
        drop(store);
        Ok(())
    }

    /// Upserts by external id: creates when nothing matches (NOT_FOUND with
    /// `update_only`), updates one match, [`DbError::MultipleMatches`] for more.
    pub fn upsert(
        &self,
        ctx: &WriteCtx,
        object: &str,
        ext_field: &str,
        value: &str,
        fields: Record,
        update_only: bool,
    ) -> Result<Upserted, DbError> {
        let mut store = self.store.write();
        let (outcome, event) = store.upsert(ctx, object, ext_field, value, fields, update_only)?;
        self.events.append(event);
        drop(store);
        Ok(outcome)
    }

    /// Runs a SOQL query; REST-shaped records with nested parents and child
    /// subqueries. A `COUNT()` query returns no records (use [`Db::count`] or
    /// [`Db::query_output`]).
    pub fn query(&self, soql: &str, opts: &QueryOpts) -> Result<Vec<Record>, DbError> {
        Ok(self.query_output(soql, opts)?.records)
    }

    /// Runs a SOQL query; `totalSize` is the count for `COUNT()` queries.
    pub fn query_output(&self, soql: &str, opts: &QueryOpts) -> Result<QueryOutput, DbError> {
        let store = self.store.read();
        crate::soql::run(&store, soql, opts)
    }

    /// `SELECT COUNT() FROM …`'s count; for other queries the number of rows
    /// returned (after LIMIT/OFFSET), i.e. Salesforce's `totalSize`.
    pub fn count(&self, soql: &str, opts: &QueryOpts) -> Result<usize, DbError> {
        Ok(self.query_output(soql, opts)?.total_size)
    }

    /// Runs a SOSL search: `FIND {term} [IN … FIELDS] [RETURNING Obj(fields), …] [LIMIT n]`.
    pub fn search(&self, sosl: &str, api_version: &str) -> Result<Vec<Record>, DbError> {
        let store = self.store.read();
        crate::soql::search(&store, sosl, api_version)
    }

    /// The active or inactive user with this username (case-insensitive), in
    /// REST shape with every field.
    pub fn user_by_username(&self, username: &str) -> Option<Record> {
        self.store.read().user_by_username(username)
    }
}
