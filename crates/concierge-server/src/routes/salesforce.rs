//! Administration of the Salesforce integration: the tenant's connection
//! (read, replace — validated, errors naming the field), a connection test,
//! a knowledge import on demand, and the outbox's dead letters with retry.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use concierge_core::{OutboxStatus, Role};
use concierge_sfsync::settings::{TenantSalesforce, SETTINGS_KEY};
use concierge_sfsync::Salesforce;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Code, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/salesforce", get(get_settings).put(put_settings))
        .route("/v1/admin/salesforce/test", post(test_connection))
        .route(
            "/v1/admin/salesforce/knowledge/import",
            post(import_knowledge),
        )
        .route("/v1/admin/outbox", get(list_outbox))
        .route("/v1/admin/outbox/{id}/retry", post(retry_outbox))
}

fn salesforce(state: &AppState) -> ApiResult<std::sync::Arc<Salesforce>> {
    state.salesforce.clone().ok_or_else(|| {
        ApiError::new(
            Code::InvalidState,
            "the Salesforce integration is not enabled on this server",
        )
    })
}

/// The tenant's Salesforce connection.
#[derive(Debug, Serialize, ToSchema)]
pub struct SalesforceView {
    /// `tenant` (its own settings), `simulator` (the bundled simulator's demo
    /// connection) or `none`.
    pub source: String,
    /// The settings in force (secrets are never stored here: only where they live).
    #[schema(value_type = Object)]
    pub settings: Option<Value>,
}

/// The tenant's Salesforce connection settings.
#[utoipa::path(get, path = "/v1/admin/salesforce", tag = "admin",
    responses((status = 200, body = SalesforceView), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_settings(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<SalesforceView>> {
    p.require(&[Role::Admin])?;
    let sf = salesforce(&state)?;
    let tenant = state.store.get_organization(p.org).await?;
    let own = tenant
        .settings
        .get(SETTINGS_KEY)
        .filter(|v| !v.is_null())
        .cloned();
    let view = match own {
        Some(v) => SalesforceView {
            source: "tenant".into(),
            settings: Some(v),
        },
        None => match sf.connections.settings_for(p.org).await {
            Ok(Some(s)) => SalesforceView {
                source: "simulator".into(),
                settings: serde_json::to_value(s).ok(),
            },
            _ => SalesforceView {
                source: "none".into(),
                settings: None,
            },
        },
    };
    Ok(Json(view))
}

/// Replaces the tenant's Salesforce connection (`null` disconnects it). The
/// document is validated first; errors name the field
/// (`salesforce.auth.client_id`, …) and nothing is stored.
#[utoipa::path(put, path = "/v1/admin/salesforce", tag = "admin", request_body = Object,
    responses((status = 200, body = SalesforceView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_settings(
    State(state): State<AppState>,
    p: Principal,
    AppJson(body): AppJson<Value>,
) -> ApiResult<Json<SalesforceView>> {
    p.require(&[Role::Admin])?;
    let sf = salesforce(&state)?;
    let value = if body.is_null() {
        Value::Null
    } else {
        let parsed =
            TenantSalesforce::parse(&body).map_err(|e| ApiError::field(&e.field, &e.message))?;
        if matches!(
            parsed.auth,
            concierge_sfsync::settings::AuthSettings::Simulator
        ) && sf.connections.simulator().is_none()
        {
            return Err(ApiError::field(
                "salesforce.auth.flow",
                "the simulator flow needs the bundled simulator ([salesforce] simulator = true)",
            ));
        }
        serde_json::to_value(&parsed).map_err(|e| ApiError::internal(&e))?
    };
    state
        .store
        .set_organization_setting(p.org, SETTINGS_KEY, &value)
        .await?;
    sf.connections.invalidate(p.org);
    state
        .store
        .append_audit(
            p.org,
            &concierge_store::NewAudit {
                actor: p.actor(),
                action: "salesforce.settings_changed".to_owned(),
                target: Some("salesforce".to_owned()),
                details: json!({ "connected": !value.is_null() }),
            },
        )
        .await?;
    Ok(Json(SalesforceView {
        source: if value.is_null() { "none" } else { "tenant" }.into(),
        settings: (!value.is_null()).then_some(value),
    }))
}

/// Signs in to the tenant's org and reads its limits.
#[utoipa::path(post, path = "/v1/admin/salesforce/test", tag = "admin",
    responses((status = 200, body = Object, example = json!({"configured": true, "connected": true,
        "instance_url": "https://acme.my.salesforce.com/", "org_id": "00D5g000004ABCDEAA",
        "api_requests_remaining": 14990, "api_requests_max": 15000, "error": null})),
        (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn test_connection(
    State(state): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Value>> {
    p.require(&[Role::Admin])?;
    let sf = salesforce(&state)?;
    let status = sf.status(p.org).await;
    Ok(Json(
        serde_json::to_value(status).map_err(|e| ApiError::internal(&e))?,
    ))
}

/// Options of a knowledge import.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// Ignore the watermark and read every published article again.
    #[serde(default)]
    pub full: bool,
}

/// Imports the tenant's published Salesforce Knowledge articles now.
#[utoipa::path(post, path = "/v1/admin/salesforce/knowledge/import", tag = "admin", request_body = ImportRequest,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import_knowledge(
    State(state): State<AppState>,
    p: Principal,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    p.require(&[Role::Admin])?;
    let req: ImportRequest = crate::extract::optional_json(&body)?;
    let sf = salesforce(&state)?;
    let report = sf
        .import_knowledge(p.org, req.full)
        .await
        .map_err(|e| match e {
            concierge_sfsync::ImportFailure::Import(inner) => {
                tracing::warn!(error.message = %inner, "knowledge import failed");
                ApiError::new(Code::Upstream, format!("the import failed: {inner}"))
            }
            other => ApiError::new(Code::InvalidState, other.to_string()),
        })?;
    Ok(Json(
        serde_json::to_value(report).map_err(|e| ApiError::internal(&e))?,
    ))
}

/// Which outbox events to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// `pending`, `delivered` or `dead` (default).
    pub status: Option<String>,
    /// At most this many (1–500, default 100).
    pub limit: Option<u32>,
}

/// The tenant's outbox events (dead letters by default), newest first.
#[utoipa::path(get, path = "/v1/admin/outbox", tag = "admin", params(OutboxQuery),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_outbox(
    State(state): State<AppState>,
    p: Principal,
    AppQuery(q): AppQuery<OutboxQuery>,
) -> ApiResult<Json<Value>> {
    p.require(&[Role::Admin, Role::Supervisor])?;
    let status: OutboxStatus = q
        .status
        .as_deref()
        .unwrap_or("dead")
        .parse()
        .map_err(|_| ApiError::field("status", "must be pending, delivered or dead"))?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 500"));
    }
    let events = state.store.list_outbox(p.org, status, limit).await?;
    Ok(Json(json!({ "status": status, "events": events })))
}

/// Puts a dead-lettered outbox event back in the queue.
#[utoipa::path(post, path = "/v1/admin/outbox/{id}/retry", tag = "admin",
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn retry_outbox(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<i64>,
) -> ApiResult<Json<Value>> {
    p.require(&[Role::Admin])?;
    if !state.store.retry_dead_outbox(p.org, id).await? {
        return Err(ApiError::new(
            Code::NotFound,
            "no dead-lettered outbox event with that id",
        ));
    }
    state
        .store
        .append_audit(
            p.org,
            &concierge_store::NewAudit {
                actor: p.actor(),
                action: "outbox.retried".to_owned(),
                target: Some(format!("outbox:{id}")),
                details: json!({}),
            },
        )
        .await?;
    Ok(Json(json!({ "id": id, "status": "pending" })))
}
