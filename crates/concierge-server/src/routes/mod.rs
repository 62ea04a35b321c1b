//! HTTP routes, one file per resource group, merged in [`crate::router`].

pub mod agents;
pub mod analytics;
pub mod api_keys;
pub mod auth;
pub mod conversations;
pub mod engine_admin;
pub mod health;
pub mod help;
pub mod knowledge;
pub mod salesforce;
pub mod users;
