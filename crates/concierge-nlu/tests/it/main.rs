//! The crate's one integration-test binary: a module per feature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod analyzer;
mod datasets;
mod dense;
mod dense_eval;
mod intent;
mod robustness;
mod sentiment_reference;
mod tuning;
