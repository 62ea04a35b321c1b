//! The HTTP and WebSocket API, driven from outside over a real socket.
//!
//! Every test starts its own server on port 0 with its own database (see
//! [`helpers::spawn_app`]); tests that matter on both backends run on SQLite
//! always and on PostgreSQL whenever it is reachable ([`helpers::on_both`]).
//! `TEST_LOG=1` prints the server's logs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// The harness: `spawn_app`, typed request helpers, error assertions.
mod helpers;

/// Analytics series as JSON for charts.
mod analytics;
/// Sign-in, refresh rotation, logout, API keys, visitor tokens, role checks.
mod auth;
/// Creating, reading, listing and posting to conversations.
mod conversations;
/// The engine seam: replies stored and returned, failures answered with the fallback.
mod engine;
/// Every error path: status, code, field and request id.
mod errors;
/// The public help center pages.
mod help;
/// One tenant can never see or touch another's data through the API.
mod isolation;
/// The knowledge admin API over the real knowledge base.
mod knowledge;
/// Health, metrics, OpenAPI, docs, security headers, CORS.
mod platform;
/// Salesforce: Cases from escalations, agent comments back to the customer, admin.
mod salesforce;
/// The staff feed: escalations and conversation changes, by tenant and queue.
mod staff_feed;
/// The web UI: widget, console SPA, CSP nonces, ETags, demo page, CORS.
mod ui;
/// Staff accounts and roles.
mod users;
/// The WebSocket API: fan-out, bad frames, subscriptions, idle timeout.
mod websocket;
