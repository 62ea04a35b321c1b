//! HTTP routes, one file per resource group, merged in [`crate::router`].

pub mod api_keys;
pub mod auth;
pub mod conversations;
pub mod health;
