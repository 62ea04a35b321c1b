//! The REST API under `/services/data/`: the versions list, and under
//! `/services/data/vXX.X/` the sobject, query, search, composite, limits and
//! Bulk API 2.0 endpoints. One guard (`guard`) applies to all versioned
//! calls: faults, the version check, the session, the daily API counter and
//! the `Sforce-Limit-Info` header.
//!
//! - [`sobjects`] — describe, create, read, update, delete, upsert.
//! - [`query`] — `query`, `queryAll` with server-side cursors, and SOSL `search`.
//! - [`composite`] — `composite` (with references) and `composite/sobjects` collections.

pub mod collections;
pub mod composite;
pub mod query;
pub mod sobjects;
mod undo;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::faults::RestFault;
use crate::server::SimState;
use crate::session::Session;

/// The versioned prefix every route below is written with.
pub(crate) const PREFIX: &str = "/services/data/{v}";

/// What the guard hands every versioned handler.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The caller's session.
    pub session: Session,
    /// The request's API version without the `v` (`"62.0"`).
    pub version: String,
}

/// Marks a request made in-process by `composite` (not counted, no faults).
#[derive(Debug, Clone, Copy)]
pub struct InternalCall;

/// The versions list and every versioned endpoint.
pub fn router(state: SimState) -> Router {
    let versioned = Router::new()
        .merge(sobjects::routes())
        .merge(query::routes())
        .merge(composite::routes())
        .merge(crate::bulk::routes())
        .route(&format!("{PREFIX}/"), get(resources))
        .route(PREFIX, get(resources))
        .route(&format!("{PREFIX}/limits"), get(limits))
        .route(&format!("{PREFIX}/limits/"), get(limits))
        .route(
            &format!("{PREFIX}/{{*rest}}"),
            axum::routing::any(not_found),
        )
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state.clone());
    Router::new()
        .route("/services/data", get(versions))
        .route("/services/data/", get(versions))
        .with_state(state)
        .merge(versioned)
}

async fn versions(State(state): State<SimState>) -> Json<Value> {
    let list: Vec<Value> = state
        .config
        .api_versions
        .iter()
        .map(|v| {
            let label = version_label(v);
            json!({"label": label, "url": format!("/services/data/v{v}"), "version": v})
        })
        .collect();
    Json(Value::Array(list))
}

/// Salesforce's release name for an API version (62.0 is Winter '25).
fn version_label(v: &str) -> String {
    let major: i32 = v
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    // 44.0 was Winter '19; three releases a year: Spring, Summer, Winter.
    let offset = major - 44;
    let year = 19 + offset / 3;
    let season = ["Winter", "Spring", "Summer"][usize::try_from(offset.rem_euclid(3)).unwrap_or(0)];
    format!("{season} '{year:02}")
}

async fn resources(axum::Extension(ctx): axum::Extension<Ctx>) -> Json<Value> {
    let base = format!("/services/data/v{}", ctx.version);
    let mut m = serde_json::Map::new();
    for r in [
        "sobjects",
        "query",
        "queryAll",
        "search",
        "composite",
        "limits",
        "jobs",
    ] {
        m.insert(r.into(), Value::String(format!("{base}/{r}")));
    }
    Json(Value::Object(m))
}

async fn limits(State(state): State<SimState>) -> Json<Value> {
    Json(state.limits.body(0))
}

async fn not_found() -> ApiError {
    ApiError::not_found("The requested resource does not exist")
}

/// `/services/data/v62.0/...` → `62.0` when it is a supported version.
fn path_version(state: &SimState, path: &str) -> Option<String> {
    let seg = path.strip_prefix("/services/data/")?.split('/').next()?;
    let v = seg.strip_prefix('v')?;
    state
        .config
        .api_versions
        .iter()
        .any(|s| s == v)
        .then(|| v.to_string())
}

/// Faults, version, session, API counter, then the handler; errors in Salesforce's shape.
async fn guard(State(state): State<SimState>, mut req: Request, next: Next) -> Response {
    let internal = req.extensions().get::<InternalCall>().is_some();
    if !internal {
        let (delay, fault) = state.faults.next_rest_call();
        let delay = match (delay, state.config.latency) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        if let Some(f) = fault {
            return with_limit_header(&state, fault_response(f));
        }
    }
    let Some(version) = path_version(&state, req.uri().path()) else {
        return with_limit_header(
            &state,
            ApiError::not_found("The requested resource does not exist").into_response(),
        );
    };
    let Some(session) =
        crate::oauth::bearer(req.headers()).and_then(|t| state.sessions.validate(t))
    else {
        return ApiError::invalid_session().into_response();
    };
    if !internal && state.limits.api.try_count().is_err() {
        return with_limit_header(&state, ApiError::request_limit().into_response());
    }
    req.extensions_mut().insert(Ctx { session, version });
    let res = next.run(req).await;
    with_limit_header(&state, normalize(res))
}

fn fault_response(f: RestFault) -> Response {
    match f {
        RestFault::RequestLimitExceeded => ApiError::request_limit().into_response(),
        RestFault::UnableToLockRow => ApiError::bad_request(
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record",
        )
        .into_response(),
        RestFault::ServiceUnavailable => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_UNAVAILABLE",
            "Server temporarily unavailable, please try again later.",
        )
        .into_response(),
    }
}

fn with_limit_header(state: &SimState, mut res: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&state.limits.header_value()) {
        res.headers_mut().insert("sforce-limit-info", v);
    }
    res
}

/// Turns axum's plain-text rejections (405, 413, 415) into Salesforce error arrays.
fn normalize(res: Response) -> Response {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json") || v.contains("csv"));
    if is_json {
        return res;
    }
    match res.status() {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "HTTP Method not allowed for this resource",
        )
        .into_response(),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "REQUEST_ENTITY_TOO_LARGE",
            "The request body is too large",
        )
        .into_response(),
        _ => res,
    }
}

/// Reads a JSON request body: 415 for a non-JSON content type, 400
/// JSON_PARSER_ERROR for malformed JSON.
pub(crate) fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, ApiError> {
    if let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        let ct = ct.to_ascii_lowercase();
        if !ct.contains("json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                format!("Content type '{ct}' not supported for this resource"),
            ));
        }
    }
    if body.is_empty() {
        return Err(ApiError::json_parser("empty body"));
    }
    serde_json::from_slice(body).map_err(ApiError::json_parser)
}

/// A JSON response with a status.
pub(crate) fn json_response(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// An empty 204.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Builds a request for an in-process sub-call (composite).
pub(crate) fn internal_request(
    method: axum::http::Method,
    uri: &str,
    auth: Option<&HeaderValue>,
    body: Option<&Value>,
) -> Result<Request, ApiError> {
    let mut b = axum::http::Request::builder().method(method).uri(uri);
    if let Some(a) = auth {
        b = b.header(header::AUTHORIZATION, a.clone());
    }
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let mut req = b
        .body(body)
        .map_err(|e| ApiError::bad_request("INVALID_URL", e.to_string()))?;
    req.extensions_mut().insert(InternalCall);
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(version_label("44.0"), "Winter '19");
        assert_eq!(version_label("62.0"), "Winter '25");
        assert_eq!(version_label("60.0"), "Spring '24");
    }
}
