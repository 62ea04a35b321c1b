//! `/v1/api-keys`: admins create (shown once), list and revoke API keys.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, post};
use axum::{Json, Router};
use concierge_core::model::ApiKey;
use concierge_core::{ApiKeyId, Role};
use concierge_store::NewAudit;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::admin;
use crate::auth::Principal;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{AppJson, AppPath};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/api-keys", post(create).get(list))
        .route("/v1/api-keys/{id}", delete(revoke))
}

/// A new API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "zapier", "role": "service"}))]
pub struct CreateApiKey {
    pub name: String,
    /// `service` (default) for integrations; staff roles are allowed too.
    #[serde(default = "service_role")]
    pub role: Role,
}

fn service_role() -> Role {
    Role::Service
}

/// The created key: `key` is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    pub key: String,
    pub api_key: ApiKey,
}

/// Creates an API key (admins).
#[utoipa::path(post, path = "/v1/api-keys", tag = "api keys", request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    p: Principal,
    AppJson(req): AppJson<CreateApiKey>,
) -> ApiResult<(StatusCode, Json<CreatedApiKey>)> {
    p.require(&[Role::Admin])?;
    let (key, api_key) =
        admin::create_api_key(&state.store, p.org, &req.name, req.role, p.user, &p.actor()).await?;
    Ok((StatusCode::CREATED, Json(CreatedApiKey { key, api_key })))
}

/// Lists API keys (admins); secrets are never returned.
#[utoipa::path(get, path = "/v1/api-keys", tag = "api keys",
    responses((status = 200, body = Vec<ApiKey>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<ApiKey>>> {
    p.require(&[Role::Admin])?;
    Ok(Json(state.store.list_api_keys(p.org).await?))
}

/// Revokes an API key (admins). Takes effect at once on this node and within
/// 10 seconds on others.
#[utoipa::path(delete, path = "/v1/api-keys/{id}", tag = "api keys",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = ApiKey), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<ApiKeyId>,
) -> ApiResult<Json<ApiKey>> {
    p.require(&[Role::Admin])?;
    let key = state.store.revoke_api_key(p.org, id).await?;
    state.api_keys.forget(id);
    state
        .store
        .append_audit(
            p.org,
            &NewAudit {
                actor: p.actor(),
                action: "api_key.revoke".into(),
                target: Some(format!("api_key:{id}")),
                details: json!({ "prefix": key.prefix }),
            },
        )
        .await?;
    Ok(Json(key))
}
