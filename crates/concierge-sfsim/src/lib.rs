//! A local Salesforce org: the simulator Concierge's tests and `make run`
//! talk to over real HTTP (and gRPC for the Pub/Sub API).
//!
//! Data layer (no HTTP):
//! - [`ids`] — 15/18-character record ids with key prefixes and checksums.
//! - [`schema`] — the objects the simulator knows and their describe metadata.
//! - [`db`] — the org's records: create, read, update, delete, upsert, query.
//! - [`soql`] — the SOQL (and SOSL) subset: parser and evaluator.
//! - [`events`] — the change-event log every write appends to.
//! - [`seed`] — the seed file that fills a new org.
//!
//! Wire layer:
//! - [`server`] — configuration, shared state, the one router, and the
//!   listener serving HTTP/1.1 and HTTP/2 (h2c or TLS) on one port.
//! - [`oauth`] — the token endpoint's four flows, revoke, userinfo.
//! - [`session`] — access and refresh tokens, expiry, revocation.
//! - [`rest`] — the REST API under `/services/data/vXX.X/`.
//! - [`bulk`] — Bulk API 2.0 query jobs with CSV results.
//! - [`limits`] — the daily API counter and `GET limits/`.
//! - [`faults`] — injected failures (limits, row locks, 503, slowness, expiry).
//! - [`tls`] — rustls (ring) server configuration.
//! - [`error`] — the crate's error enum and Salesforce's error bodies.
//! - [`pubsub`] — the Pub/Sub API (gRPC, Avro payloads).

pub mod bulk;
pub mod db;
pub mod error;
pub mod events;
pub mod faults;
pub mod ids;
pub mod limits;
pub mod oauth;
pub mod pubsub;
pub mod rest;
pub mod schema;
pub mod seed;
pub mod server;
pub mod session;
pub mod soql;
pub mod tls;

pub use error::SimError;
pub use faults::{Fault, Faults};
pub use server::{router, start, RunningSim, SimConfig, SimState};
pub use session::{Session, Sessions};
