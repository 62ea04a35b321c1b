//! The Salesforce client Concierge uses to open Cases with full context and
//! keep them in step with conversations.
//!
//! - [`pubsub`] — the Pub/Sub API (gRPC, Avro): change-event subscriptions
//!   with replay-id persistence.

pub mod pubsub;
