//! Concierge's HTTP and WebSocket API.
//!
//! [`Application::build`] wires configuration, store and engine into a
//! router bound to a port; [`Application::run_until_stopped`] serves until
//! the shutdown future resolves. Start-up stays testable: tests bind port 0.

/// Administrative operations shared with the CLI and bootstrap.
pub mod admin;
/// Identity: passwords, tokens, API keys, the `Principal` extractor.
pub mod auth;
/// The error format and its code table.
pub mod error;
/// Extractors that reject in our error format.
pub mod extract;
/// The fan-out hub: conversation channels and each tenant's staff feed.
pub mod hub;
/// Where Salesforce's changes land: agent comments and closed Cases.
pub mod inbox;
/// Prometheus metrics.
pub mod metrics;
/// Request id, span, timeout, access log, security headers.
pub mod middleware;
/// Staff notifications: escalations and conversation changes on the feed.
pub mod notify;
/// The OpenAPI document and the docs page.
pub mod openapi;
/// Per-client token buckets.
pub mod ratelimit;
/// HTTP routes by resource.
pub mod routes;
/// Conversation operations shared by REST and WebSocket.
pub mod service;
/// Shared application state.
pub mod state;
/// The built web UI: the chat widget, the console SPA, the demo page.
pub mod ui;
/// The WebSocket API and its fan-out hub.
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::routing::get;
use axum::Router;
use concierge_core::config::Config;
use concierge_core::engine::ConversationEngine;
use concierge_store::Store;
use tokio::net::TcpListener;
use tower::{Layer, ServiceExt};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::{ApiError, Code};
use crate::state::AppState;

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Binds `config.server.listen` and builds the router. The store must be migrated.
    pub async fn build(
        config: Config,
        store: Store,
        engine: Arc<dyn ConversationEngine>,
    ) -> Result<Self, std::io::Error> {
        Self::build_with(config, store, engine, None, None).await
    }

    /// Like [`Application::build`] with the conversation engine: it answers
    /// messages, backs the agent, admin and analytics endpoints that need
    /// it, and its metrics (and the language-model router's) join `/metrics`.
    pub async fn build_with_engine(
        config: Config,
        store: Store,
        engine: Arc<concierge_engine::Engine>,
    ) -> Result<Self, std::io::Error> {
        let answering: Arc<dyn ConversationEngine> = engine.clone();
        Self::build_with(config, store, answering, Some(engine), None).await
    }

    /// Like [`Application::build_with_engine`] with the Salesforce
    /// integration: its admin endpoints, readiness check and metrics, and
    /// the inbox its change events land in (started here).
    pub async fn build_with_salesforce(
        config: Config,
        store: Store,
        engine: Arc<concierge_engine::Engine>,
        salesforce: Arc<concierge_sfsync::Salesforce>,
    ) -> Result<Self, std::io::Error> {
        let answering: Arc<dyn ConversationEngine> = engine.clone();
        let app = Self::build_with(
            config,
            store,
            answering,
            Some(engine),
            Some(salesforce.clone()),
        )
        .await?;
        salesforce.spawn(Arc::new(inbox::ServerInbox::new(app.state.clone())));
        Ok(app)
    }

    async fn build_with(
        config: Config,
        store: Store,
        engine: Arc<dyn ConversationEngine>,
        services: Option<Arc<concierge_engine::Engine>>,
        salesforce: Option<Arc<concierge_sfsync::Salesforce>>,
    ) -> Result<Self, std::io::Error> {
        let secret = admin::jwt_secret(&store, config.auth.jwt_secret.as_ref())
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let tokens = auth::TokenService::new(&secret, &config.auth);
        let listener = TcpListener::bind(config.server.listen).await?;
        let state = AppState {
            limiter: ratelimit::RateLimiter::new(&config.rate_limit),
            config: Arc::new(config),
            store,
            tokens,
            engine,
            api_keys: auth::ApiKeyCache::default(),
            hub: ws::Hub::default(),
            metrics: Arc::new(metrics::Metrics::with(|registry| {
                if let Some(e) = &services {
                    e.metrics().register(registry);
                    e.router().register_metrics(registry);
                }
                if let Some(sf) = &salesforce {
                    sf.metrics.register(registry);
                }
            })),
            services,
            salesforce,
            started: Instant::now(),
        };
        let router = router(state.clone());
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The shared state (tests and tools reach the store and hub through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let limiter = self.state.limiter.clone();
        let sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                limiter.shrink();
            }
        });
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        sweeper.abort();
        result
    }
}

/// The whole HTTP surface with its middleware.
pub fn router(state: AppState) -> Router {
    let staff_cors = cors_layer(&state.config.server.cors_allowed_origins);
    let inner = routes_with_middleware(state);
    // The widget runs on customers' sites and authenticates with bearer
    // tokens only (no cookies): its endpoints accept any origin. Everything
    // else keeps the configured list.
    let open = widget_cors_layer().layer(inner.clone());
    let staff = staff_cors.layer(inner);
    Router::new().fallback_service(tower::service_fn(move |req: axum::extract::Request| {
        let open = open.clone();
        let staff = staff.clone();
        async move {
            if widget_facing(req.uri().path()) {
                open.oneshot(req).await
            } else {
                staff.oneshot(req).await
            }
        }
    }))
}

/// Whether `path` is called by the chat widget from a customer's site.
pub fn widget_facing(path: &str) -> bool {
    if path == "/v1/auth/visitor" || path == "/v1/ws" || path == "/v1/conversations" {
        return true;
    }
    let Some(rest) = path.strip_prefix("/v1/conversations/") else {
        return false;
    };
    let mut parts = rest.split('/');
    let _id = parts.next();
    matches!(
        (parts.next(), parts.next()),
        (None, _) | (Some("messages" | "csat" | "resolve"), None)
    )
}

fn routes_with_middleware(state: AppState) -> Router {
    let body_limit = state.config.server.body_limit_bytes;
    Router::new()
        .merge(routes::health::router())
        .merge(routes::auth::router())
        .merge(routes::conversations::router())
        .merge(routes::api_keys::router())
        .merge(routes::agents::router())
        .merge(routes::engine_admin::router())
        .merge(routes::salesforce::router())
        .merge(routes::analytics::router())
        .merge(routes::knowledge::router())
        .merge(routes::users::router())
        .merge(routes::help::router())
        .merge(openapi::router())
        .merge(ui::router())
        .route("/v1/ws", get(ws::upgrade))
        .route("/", get(index))
        .fallback(|| async { ApiError::new(Code::NotFound, "no such endpoint; see /api/docs") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                Code::MethodNotAllowed,
                "this endpoint does not accept that method",
            )
        })
        .layer(DefaultBodyLimit::max(body_limit))
        // Inside the request context, so a panic becomes our 500 with the request id.
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::request_context,
        ))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .with_state(state)
}

/// A handler panicked: log it and answer in our error format (never the panic text).
fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "unknown panic".to_owned());
    tracing::error!(panic = %detail, "handler panicked");
    axum::response::IntoResponse::into_response(ApiError::new(
        Code::Internal,
        "internal error; quote the request id when reporting it",
    ))
}

async fn index() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "name": "Concierge",
        "version": env!("CARGO_PKG_VERSION"),
        "docs": "/api/docs",
        "openapi": "/openapi.json",
        "health": "/health",
    }))
}

fn cors_layer(origins: &[String]) -> CorsLayer {
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(list))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            middleware::X_REQUEST_ID,
        ])
        .expose_headers([middleware::X_REQUEST_ID, header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

/// CORS for the widget's endpoints: any origin, never credentials.
fn widget_cors_layer() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_credentials(false)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            middleware::X_REQUEST_ID,
        ])
        .expose_headers([middleware::X_REQUEST_ID, header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_in_our_format_without_the_panic_text() {
        let app: Router = Router::new()
            .route(
                "/boom",
                get(|| async {
                    if std::hint::black_box(true) {
                        panic!("secret internals");
                    }
                    "unreachable"
                }),
            )
            .layer(CatchPanicLayer::custom(panic_response));
        let resp = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("secret internals"), "{text}");
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["error"]["code"], 5001);
    }
}
