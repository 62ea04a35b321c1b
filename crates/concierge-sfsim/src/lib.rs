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
//! - [`rest`] — the REST API under `/services/data/vXX.X/`.
//! - [`pubsub`] — the Pub/Sub API (gRPC, Avro payloads).

pub mod db;
pub mod events;
pub mod ids;
pub mod pubsub;
pub mod rest;
pub mod schema;
pub mod seed;
pub mod soql;
