//! Integration tests: the clients and the router over real HTTP against
//! local servers speaking each provider's wire format.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anthropic;
mod openai;
mod router;
mod server;
