//! The Salesforce client Concierge uses to open Cases with full context and
//! keep them in step with conversations.
//!
//! - [`config`] — [`SalesforceConfig`] and the OAuth [`AuthFlow`]s.
//! - [`auth`] — the OAuth 2.0 token requests and the [`Session`].
//! - [`client`] — the [`Client`]: shared HTTP client, cached session with
//!   single-flight authentication, the request loop (re-auth, retries).
//! - [`retry`] — when a failed call is retried, and how long we wait.
//! - [`sobjects`] — describes and record CRUD / upsert.
//! - [`query`] — SOQL queries and pagination, SOSL search, limits.
//! - [`composite`] — composite requests and sObject collections.
//! - [`bulk`] — Bulk API 2.0 queries with CSV results.
//! - [`soql`] — the injection-proof SOQL builder.
//! - [`limits`] — `Sforce-Limit-Info` and the `limits/` resource.
//! - [`metrics`] — the client's counters.
//! - [`error`] — the crate's [`Error`].
//! - [`pubsub`] — the Pub/Sub API (gRPC, Avro): change-event subscriptions
//!   with replay-id persistence.

pub mod auth;
pub mod bulk;
pub mod client;
pub mod composite;
pub mod config;
pub mod error;
mod http;
pub mod limits;
pub mod metrics;
pub mod pubsub;
pub mod query;
pub mod retry;
pub mod sobjects;
pub mod soql;

pub use auth::Session;
pub use bulk::{BulkJobInfo, BulkQueryJob, BulkResultsPage};
pub use client::Client;
pub use composite::{CompositeSubrequest, CompositeSubresponse, SaveError, SaveResult};
pub use config::{AuthFlow, SalesforceConfig};
pub use error::{ApiError, Error};
pub use limits::{LimitInfo, LimitValue, Limits};
pub use metrics::ClientMetrics;
pub use query::{escape_sosl, QueryResult};
pub use secrecy::SecretString;
pub use sobjects::{ApiVersion, FieldDescribe, PicklistValue, SObjectDescribe, UpsertOutcome};
pub use soql::{Condition, DateLiteral, Like, Order, Soql, SoqlBuilder, SoqlValue};
