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
//!
//! ```no_run
//! use concierge_salesforce::{AuthFlow, Client, Order, SalesforceConfig, Soql};
//! use serde_json::{json, Value};
//!
//! # async fn run() -> Result<(), concierge_salesforce::Error> {
//! let login = url::Url::parse("https://login.salesforce.com").map_err(|e| {
//!     concierge_salesforce::Error::Config(e.to_string())
//! })?;
//! let config = SalesforceConfig::new(
//!     login,
//!     AuthFlow::JwtBearer {
//!         client_id: "3MVG9…".into(),
//!         username: "concierge@acme.example".into(),
//!         private_key_pem: std::fs::read_to_string("key.pem").unwrap_or_default().into(),
//!         audience: None,
//!     },
//! );
//! let client = Client::new(config)?;
//! // Idempotent Case creation: upsert on the conversation id.
//! let case = client
//!     .upsert("Case", "Concierge_Conversation_Id__c", "conv-42", &json!({"Subject": "Refund"}))
//!     .await?;
//! // Values never inject: they are quoted and escaped.
//! let soql = Soql::select(&["Id", "Subject"])
//!     .from("Case")
//!     .where_eq("SuppliedEmail", "o'neil@example.com")
//!     .order_by("CreatedDate", Order::Desc)
//!     .limit(10)
//!     .build()?;
//! let open: Vec<Value> = client.query_all_pages(&soql, 100).await?;
//! # let _ = (case, open);
//! # Ok(())
//! # }
//! ```

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
