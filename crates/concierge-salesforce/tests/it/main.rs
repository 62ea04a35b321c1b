//! Integration tests of the Salesforce client: local servers speaking the
//! wire format (OAuth, REST, Bulk, TLS), the SOQL builder's injection
//! properties, and the simulator.

// Tests may unwrap (helpers outside #[test] functions included).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk;
mod composite;
mod logs;
mod oauth;
mod pubsub;
mod rest;
mod retries;
mod sim;
mod soql;
mod support;
mod tls;
