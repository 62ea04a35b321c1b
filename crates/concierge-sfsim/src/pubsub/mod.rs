//! The Pub/Sub API (gRPC, Avro payloads): `eventbus.v1.PubSub` served on the
//! simulator's port next to REST (h2c, or h2 over TLS).
//!
//! - [`proto`] — the code generated from `proto/salesforce/pubsub_api.proto`
//!   (server and client; the client is for tests and tools).
//! - [`avro`] — change-event schemas and payload encoding, Salesforce's shape.
//! - `service` — `GetTopic`, `GetSchema`, `Publish` and authentication.
//! - `subscribe` — `Subscribe`: pull-based flow control, replay, keep-alives
//!   and the drop fault.

pub mod avro;
mod service;
mod subscribe;

use std::time::Duration;

pub use service::PubSubService;

use crate::server::SimState;

/// Code generated from `proto/salesforce/pubsub_api.proto`.
#[allow(missing_docs, missing_debug_implementations, clippy::all)]
pub mod proto {
    tonic::include_proto!("eventbus.v1");
}

/// Salesforce's keep-alive period: an empty `FetchResponse` at least this often.
pub const DEFAULT_KEEPALIVE: Duration = Duration::from_secs(270);
/// Most events one `FetchResponse` carries.
pub const MAX_EVENTS_PER_RESPONSE: usize = 100;
/// Most outstanding `num_requested` one subscription may accumulate.
pub const MAX_PENDING: i32 = 1_000;

/// How the Pub/Sub service behaves.
#[derive(Debug, Clone)]
pub struct PubSubConfig {
    /// How often an idle subscription gets an empty keep-alive `FetchResponse`.
    pub keepalive: Duration,
    /// How long a new `Subscribe` stream may take to send its first `FetchRequest`.
    pub first_request_timeout: Duration,
}

impl Default for PubSubConfig {
    fn default() -> Self {
        Self {
            keepalive: DEFAULT_KEEPALIVE,
            first_request_timeout: Duration::from_secs(60),
        }
    }
}

/// The gRPC service as axum routes (`/eventbus.v1.PubSub/*`), with the default
/// configuration; merged into the simulator's router.
pub fn router(state: SimState) -> axum::Router {
    router_with(state, PubSubConfig::default())
}

/// The gRPC service as axum routes with a given configuration (tests use a
/// short keep-alive).
pub fn router_with(state: SimState, config: PubSubConfig) -> axum::Router {
    let svc = proto::pub_sub_server::PubSubServer::new(PubSubService::new(state, config));
    tonic::service::Routes::new(svc).into_axum_router()
}
