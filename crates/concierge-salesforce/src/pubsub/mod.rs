//! The Pub/Sub API (gRPC over HTTP/2, Avro payloads): how Concierge sees what
//! agents do in Salesforce (a Case closed, a public CaseComment added) within
//! seconds, through Change Data Capture events.
//!
//! - [`proto`] — the code generated from `proto/salesforce/pubsub_api.proto`.
//! - `client` — [`PubSubClient`]: the channel (TLS always verified, or h2c for
//!   `http://`), call metadata from the session, `GetTopic`, cached `GetSchema`.
//! - `avro` — decoding payloads into [`ChangeEventMessage`]s, including the
//!   `changedFields`/`nulledFields` bitmaps.
//! - `replay` — [`ReplayStore`]: where the last processed replay id lives.
//! - `subscriber` — [`Subscriber`]: flow control, at-least-once delivery to a
//!   channel, reconnects with backoff, re-authentication, replay fallback.
//!
//! ```no_run
//! # async fn demo(client: concierge_salesforce::Client) -> Result<(), concierge_salesforce::pubsub::PubSubError> {
//! use std::sync::Arc;
//! use concierge_salesforce::pubsub::{MemoryReplayStore, PubSubClient, PubSubConfig, Subscriber};
//!
//! let config = PubSubConfig::default(); // api.pubsub.salesforce.com:7443
//! let pubsub = PubSubClient::from_client(client, &config)?;
//! let subscriber = Subscriber::new(pubsub, config, "/data/CaseChangeEvent", Arc::new(MemoryReplayStore::new()));
//! let metrics = subscriber.metrics();
//! let (tx, mut rx) = tokio::sync::mpsc::channel(256);
//! tokio::spawn(subscriber.run(tx, std::future::pending()));
//! while let Some(event) = rx.recv().await {
//!     println!("{} {} {:?} changed {:?}", event.entity_name, event.change_type, event.record_ids, event.changed_fields);
//! }
//! # let _ = metrics.snapshot();
//! # Ok(()) }
//! ```

mod avro;
mod client;
mod replay;
mod subscriber;

use serde::{Deserialize, Serialize};

pub use avro::{decode_event, decode_field_bitmaps, ChangeEventMessage};
pub use client::{PubSubClient, PubSubSession, SessionSource};
pub use replay::{MemoryReplayStore, ReplayStore};
pub use subscriber::{MetricsSnapshot, Subscriber, SubscriberMetrics};

/// Code generated from `proto/salesforce/pubsub_api.proto`.
#[allow(missing_docs, missing_debug_implementations, clippy::all)]
pub mod proto {
    tonic::include_proto!("eventbus.v1");
}

/// Salesforce's public Pub/Sub endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://api.pubsub.salesforce.com:7443";
/// Most events one `FetchRequest` may ask for (Salesforce's limit).
pub const MAX_BATCH: i32 = 100;

/// What can go wrong with the Pub/Sub API.
#[derive(Debug, thiserror::Error)]
pub enum PubSubError {
    /// The configuration is unusable (endpoint, CA certificate, batch size).
    #[error("Pub/Sub configuration: {0}")]
    Config(String),
    /// No session could be had (authentication failed).
    #[error("Pub/Sub authentication: {0}")]
    Session(String),
    /// The service answered with a gRPC error status.
    #[error("Pub/Sub call failed ({code:?}): {message}")]
    Status {
        /// The gRPC status code.
        code: tonic::Code,
        /// The service's message.
        message: String,
    },
    /// An event, schema or replay id could not be decoded.
    #[error("Pub/Sub decode error: {0}")]
    Decode(String),
    /// The replay store failed.
    #[error("replay store: {0}")]
    Store(String),
    /// The channel events are delivered to was closed by its receiver.
    #[error("the event sink was closed")]
    SinkClosed,
}

impl From<tonic::Status> for PubSubError {
    fn from(s: tonic::Status) -> Self {
        PubSubError::Status {
            code: s.code(),
            message: s.message().chars().take(1000).collect(),
        }
    }
}

/// Where a subscription starts when no replay id is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayStart {
    /// Only events published after subscribing.
    #[default]
    Latest,
    /// Every retained event (up to 72 hours).
    Earliest,
}

/// How to reach the Pub/Sub API and how subscribers behave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PubSubConfig {
    /// The gRPC endpoint: `https://…` (TLS, always verified) or `http://…` (h2c, for the simulator).
    pub endpoint: String,
    /// An extra root CA certificate (PEM) to trust, e.g. the simulator's self-signed one.
    pub extra_root_ca_pem: Option<String>,
    /// Events asked for per `FetchRequest` (1..=100); more are asked for as half are consumed.
    pub batch_size: i32,
    /// Where to start when the replay store has nothing for the topic.
    pub start_from: ReplayStart,
    /// First reconnect delay in milliseconds (doubled per failed attempt, jittered).
    pub backoff_initial_ms: u64,
    /// Longest reconnect delay in milliseconds.
    pub backoff_max_ms: u64,
    /// TCP/TLS connect timeout in milliseconds.
    pub connect_timeout_ms: u64,
    /// Largest schema JSON accepted, in bytes.
    pub max_schema_bytes: usize,
    /// Most schemas kept in the cache.
    pub max_cached_schemas: usize,
}

impl Default for PubSubConfig {
    fn default() -> Self {
        Self {
            endpoint: DEFAULT_ENDPOINT.to_string(),
            extra_root_ca_pem: None,
            batch_size: MAX_BATCH,
            start_from: ReplayStart::Latest,
            backoff_initial_ms: 500,
            backoff_max_ms: 60_000,
            connect_timeout_ms: 10_000,
            max_schema_bytes: 1024 * 1024,
            max_cached_schemas: 256,
        }
    }
}

impl From<PubSubError> for crate::Error {
    fn from(e: PubSubError) -> Self {
        match e {
            PubSubError::Config(m) => crate::Error::Config(m),
            PubSubError::Session(m) => crate::Error::Auth {
                error: "pubsub_session".into(),
                description: m,
            },
            PubSubError::Status {
                code: tonic::Code::Unavailable,
                message,
            } => crate::Error::Unavailable(message),
            e @ (PubSubError::Status { .. } | PubSubError::Store(_) | PubSubError::SinkClosed) => {
                crate::Error::Transport(e.to_string())
            }
            PubSubError::Decode(m) => crate::Error::Decode(m),
        }
    }
}
