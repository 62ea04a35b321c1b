//! Liveness, readiness and overall health, and Prometheus metrics.

use std::time::Instant;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
}

/// Overall status.
#[derive(Debug, Serialize, ToSchema, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Healthy,
    Degraded,
    Unhealthy,
}

/// One dependency's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Check {
    pub status: Status,
    pub latency_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "healthy", "version": "0.1.0", "timestamp": "2026-11-22T22:00:00Z",
    "uptime_seconds": 42, "engine": "placeholder",
    "checks": {"database": {"status": "healthy", "latency_ms": 0.4}}}))]
pub struct Health {
    pub status: Status,
    pub version: &'static str,
    pub timestamp: DateTime<Utc>,
    pub uptime_seconds: u64,
    /// The conversation engine in use (`placeholder` until the engine lands).
    pub engine: &'static str,
    pub checks: Checks,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Checks {
    pub database: Check,
}

async fn database_check(state: &AppState) -> Check {
    let started = Instant::now();
    let result = tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ping()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(Ok(())) => {
            let pool = state.store.pool_stats();
            let saturated = pool.idle == 0 && pool.size >= pool.max;
            if latency_ms > 500.0 || saturated {
                Check {
                    status: Status::Degraded,
                    latency_ms,
                    message: Some("slow or saturated".into()),
                }
            } else {
                Check {
                    status: Status::Healthy,
                    latency_ms,
                    message: None,
                }
            }
        }
        Ok(Err(_)) => Check {
            status: Status::Unhealthy,
            latency_ms,
            message: Some("unreachable".into()),
        },
        Err(_) => Check {
            status: Status::Unhealthy,
            latency_ms,
            message: Some("timed out".into()),
        },
    }
}

/// The process is running.
#[utoipa::path(get, path = "/health/live", tag = "health",
    responses((status = 200, description = "Alive", body = Object, example = json!({"status": "alive"}))))]
pub async fn live() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "alive" }))
}

/// The service can take traffic (the database answers). Salesforce
/// connectivity and remaining daily API requests are reported beside it.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, description = "Ready", body = Object, example = json!({"status": "ready"})),
              (status = 503, description = "Not ready", body = Object)))]
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let db = database_check(&state).await;
    let code = if db.status == Status::Unhealthy {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let status = if code == StatusCode::OK {
        "ready"
    } else {
        "not_ready"
    };
    let mut checks = serde_json::json!({ "database": db });
    if let Some(sf) = &state.salesforce {
        // Reported, never blocking: conversations go on without Salesforce.
        checks["salesforce"] = sf.readiness().await;
    }
    (
        code,
        Json(serde_json::json!({ "status": status, "checks": checks })),
    )
}

/// Health of the service and its dependencies.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, description = "Healthy or degraded", body = Health),
              (status = 503, description = "Unhealthy", body = Health)))]
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let database = database_check(&state).await;
    let status = database.status;
    let body = Health {
        status,
        version: env!("CARGO_PKG_VERSION"),
        timestamp: Utc::now(),
        uptime_seconds: state.started.elapsed().as_secs(),
        engine: state.engine.name(),
        checks: Checks { database },
    };
    let code = if status == Status::Unhealthy {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (code, Json(body))
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus metrics", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let text = state.metrics.render(state.store.pool_stats());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
}
