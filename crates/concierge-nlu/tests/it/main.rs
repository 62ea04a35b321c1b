//! The crate's one integration-test binary: a module per feature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod robustness;
mod sentiment_reference;
