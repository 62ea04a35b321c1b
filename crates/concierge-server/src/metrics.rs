//! Prometheus metrics (`/metrics`): request counts and latency histograms by
//! route and status, database pool use, WebSocket connections. Each
//! application owns its registry (no global state), so tests can run several.

use std::sync::atomic::AtomicI64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

/// The registry and the instruments in it.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram>,
    pub db_pool_size: Gauge<i64, AtomicI64>,
    pub db_pool_idle: Gauge<i64, AtomicI64>,
    pub db_pool_max: Gauge<i64, AtomicI64>,
    pub ws_connections: Gauge<i64, AtomicI64>,
    pub messages: Family<SenderLabels, Counter>,
    pub engine_failures: Counter,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SenderLabels {
    pub sender: String,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// The instruments, plus whatever `more` registers (the engine's).
    pub fn with(more: impl FnOnce(&mut Registry)) -> Self {
        let mut m = Self::new();
        more(&mut m.registry);
        m
    }

    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("concierge");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ])
        });
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        let db_pool_size = Gauge::default();
        registry.register(
            "db_pool_connections",
            "Open database connections",
            db_pool_size.clone(),
        );
        let db_pool_idle = Gauge::default();
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            db_pool_idle.clone(),
        );
        let db_pool_max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "Database pool capacity",
            db_pool_max.clone(),
        );
        let ws_connections = Gauge::default();
        registry.register(
            "websocket_connections",
            "Open WebSocket connections",
            ws_connections.clone(),
        );
        let messages = Family::<SenderLabels, Counter>::default();
        registry.register(
            "messages_stored",
            "Messages stored by sender type",
            messages.clone(),
        );
        let engine_failures = Counter::default();
        registry.register(
            "engine_failures",
            "Engine errors or timeouts answered with a fallback",
            engine_failures.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            db_pool_size,
            db_pool_idle,
            db_pool_max,
            ws_connections,
            messages,
            engine_failures,
        }
    }

    /// The text exposition format.
    pub fn render(&self, pool: concierge_store::PoolStats) -> String {
        self.db_pool_size.set(i64::from(pool.size));
        self.db_pool_idle.set(i64::from(pool.idle));
        self.db_pool_max.set(i64::from(pool.max));
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
