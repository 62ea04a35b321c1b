//! Everything a request handler may need, shared (cheaply cloned) across requests.

use std::sync::Arc;
use std::time::Instant;

use concierge_core::config::Config;
use concierge_core::engine::ConversationEngine;
use concierge_store::Store;

use crate::auth::{ApiKeyCache, TokenService};
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::ws::Hub;

/// Shared application state.
#[derive(Debug, Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub tokens: TokenService,
    pub engine: Arc<dyn ConversationEngine>,
    /// The conversation engine's services (rules, jobs, agent assist), when
    /// the real engine runs (`None` with a placeholder or test engine).
    pub services: Option<Arc<concierge_engine::Engine>>,
    /// The Salesforce integration (connections, sync, knowledge import), when on.
    pub salesforce: Option<Arc<concierge_sfsync::Salesforce>>,
    pub api_keys: ApiKeyCache,
    pub limiter: RateLimiter,
    pub hub: Hub,
    pub metrics: Arc<Metrics>,
    pub started: Instant,
}
