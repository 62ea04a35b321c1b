//! Administration of the engine: the tenant's rules (read, validate,
//! replace — applied without a restart), the workflow definitions, the
//! background jobs on demand, and the moderation review queue.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use concierge_core::model::ModerationFlag;
use concierge_core::{FlagId, Role};
use concierge_engine::jobs::JobReport;
use concierge_engine::PutRulesError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Code, ErrorBody};
use crate::extract::{AppJson, AppPath, AppQuery};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/rules", get(get_rules).put(put_rules))
        .route("/v1/admin/rules/validate", post(validate_rules))
        .route("/v1/admin/workflows", get(workflows))
        .route("/v1/admin/jobs/{job}/run", post(run_job))
        .route("/v1/admin/moderation", get(flags))
        .route("/v1/admin/moderation/{id}", post(review))
}

fn engine(state: &AppState) -> ApiResult<std::sync::Arc<concierge_engine::Engine>> {
    state
        .services
        .clone()
        .ok_or_else(|| ApiError::new(Code::Internal, "the engine is not enabled on this server"))
}

/// The tenant's rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct RulesView {
    /// The stored version; 0 for the built-in defaults.
    pub version: i32,
    /// `yaml` or `json`.
    pub format: String,
    /// The document as written.
    pub document: String,
    pub rules: usize,
}

/// The tenant's current rules (the defaults until it stores its own).
#[utoipa::path(get, path = "/v1/admin/rules", tag = "admin",
    responses((status = 200, body = RulesView), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn get_rules(State(state): State<AppState>, p: Principal) -> ApiResult<Json<RulesView>> {
    p.require(&[Role::Admin, Role::Supervisor])?;
    let engine = engine(&state)?;
    let set = engine.rules_for(p.org).await;
    let view = match state.store.tenant_rules(p.org).await? {
        Some(s) => RulesView {
            version: s.version,
            format: s.format,
            document: s.document,
            rules: set.len(),
        },
        None => RulesView {
            version: 0,
            format: "yaml".into(),
            document: concierge_engine::rules::RuleSet::default_yaml().to_owned(),
            rules: set.len(),
        },
    };
    Ok(Json(view))
}

fn format_of(headers: &HeaderMap) -> &'static str {
    match headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(t) if t.starts_with("application/json") => "json",
        _ => "yaml",
    }
}

fn rule_error(e: concierge_engine::rules::RuleError) -> ApiError {
    ApiError::new(Code::Validation, e.to_string()).with_details(json!({
        "rule": e.rule, "field": e.field, "message": e.message,
    }))
}

const MAX_RULES_BYTES: usize = 256 * 1024;

/// Replaces the tenant's rules with a YAML (`application/yaml`, the
/// default) or JSON (`application/json`) document. It is validated first —
/// errors name the rule and the field — and applies at once, without a restart.
#[utoipa::path(put, path = "/v1/admin/rules", tag = "admin", request_body(content = String, content_type = "application/yaml"),
    responses((status = 200, body = RulesView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn put_rules(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    body: String,
) -> ApiResult<Json<RulesView>> {
    p.require(&[Role::Admin])?;
    if body.len() > MAX_RULES_BYTES {
        return Err(ApiError::field(
            "body",
            format!("must be at most {MAX_RULES_BYTES} bytes"),
        ));
    }
    let engine = engine(&state)?;
    let format = format_of(&headers);
    let actor = match (p.user, p.api_key) {
        (Some(u), _) => format!("user:{}", u.0),
        (None, Some(k)) => format!("api_key:{}", k.0),
        _ => "unknown".into(),
    };
    let (version, set) = engine
        .put_rules(p.org, &body, format, &actor)
        .await
        .map_err(|e| match e {
            PutRulesError::Invalid(e) => rule_error(e),
            PutRulesError::Store(e) => e.into(),
        })?;
    state
        .store
        .append_audit(
            p.org,
            &concierge_store::NewAudit {
                actor,
                action: "rules.update".into(),
                target: Some(format!("rules:v{version}")),
                details: json!({"rules": set.len(), "format": format}),
            },
        )
        .await?;
    Ok(Json(RulesView {
        version,
        format: format.into(),
        document: body,
        rules: set.len(),
    }))
}

/// Checks a rules document without storing it.
#[utoipa::path(post, path = "/v1/admin/rules/validate", tag = "admin", request_body(content = String, content_type = "application/yaml"),
    responses((status = 200, description = "Valid: `{\"valid\": true, \"rules\": n}`"), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn validate_rules(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    body: String,
) -> ApiResult<Json<Value>> {
    p.require(&[Role::Admin, Role::Supervisor])?;
    if body.len() > MAX_RULES_BYTES {
        return Err(ApiError::field(
            "body",
            format!("must be at most {MAX_RULES_BYTES} bytes"),
        ));
    }
    let engine = engine(&state)?;
    let set = engine
        .check_rules(&body, format_of(&headers))
        .map_err(rule_error)?;
    Ok(Json(json!({"valid": true, "rules": set.len()})))
}

/// The workflow definitions.
#[utoipa::path(get, path = "/v1/admin/workflows", tag = "admin",
    responses((status = 200, description = "The workflow definitions"), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn workflows(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Value>> {
    p.require(&[Role::Admin, Role::Supervisor, Role::Agent])?;
    let engine = engine(&state)?;
    Ok(Json(
        json!({ "workflows": engine.workflows().definitions() }),
    ))
}

/// When to run a job as of.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunJob {
    /// Run as if it were this time (default: now); lets operators and tests
    /// check what the job will do later. Tenant-wide effects still apply.
    pub as_of: Option<DateTime<Utc>>,
}

/// Runs a background job once: `sla` (breach detection), `abandon`
/// (close idle conversations) or `all`. Jobs run every node across every
/// tenant, so only an admin of the instance's tenants may start them.
#[utoipa::path(post, path = "/v1/admin/jobs/{job}/run", tag = "admin", request_body = RunJob,
    params(("job" = String, Path, description = "`sla`, `abandon` or `all`")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn run_job(
    State(state): State<AppState>,
    p: Principal,
    AppPath(job): AppPath<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<JobReport>> {
    p.require(&[Role::Admin])?;
    let req: RunJob = crate::extract::optional_json(&body)?;
    let engine = engine(&state)?;
    let as_of = req.as_of.unwrap_or_else(|| engine.now());
    let report = match job.as_str() {
        "sla" => JobReport {
            breaches: engine.run_sla_job(as_of).await?,
            abandoned: 0,
        },
        "abandon" => JobReport {
            breaches: 0,
            abandoned: engine.run_abandon_job(as_of).await?,
        },
        "all" => engine.run_jobs(as_of).await?,
        _ => {
            return Err(ApiError::new(
                Code::NotFound,
                "no such job; use sla, abandon or all",
            ))
        }
    };
    Ok(Json(report))
}

/// Which flags to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FlagQuery {
    /// `pending`, `reviewed` or `resolved` (default: all).
    pub status: Option<String>,
    pub limit: Option<u32>,
}

fn review_status(s: &str, field: &str) -> ApiResult<()> {
    if matches!(s, "pending" | "reviewed" | "resolved") {
        Ok(())
    } else {
        Err(ApiError::field(
            field,
            "must be pending, reviewed or resolved",
        ))
    }
}

/// Messages moderation flagged, newest first.
#[utoipa::path(get, path = "/v1/admin/moderation", tag = "admin", params(FlagQuery),
    responses((status = 200, body = Vec<ModerationFlag>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn flags(
    State(state): State<AppState>,
    p: Principal,
    AppQuery(q): AppQuery<FlagQuery>,
) -> ApiResult<Json<Vec<ModerationFlag>>> {
    p.require(&[Role::Admin, Role::Supervisor])?;
    if let Some(s) = &q.status {
        review_status(s, "status")?;
    }
    Ok(Json(
        state
            .store
            .moderation_flags(p.org, q.status.as_deref(), q.limit.unwrap_or(100))
            .await?,
    ))
}

/// A review of a flag.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// `reviewed` or `resolved` (or back to `pending`).
    pub status: String,
    pub note: Option<String>,
}

/// Records a review of a moderation flag.
#[utoipa::path(post, path = "/v1/admin/moderation/{id}", tag = "admin", request_body = Review,
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = ModerationFlag), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn review(
    State(state): State<AppState>,
    p: Principal,
    AppPath(id): AppPath<FlagId>,
    AppJson(req): AppJson<Review>,
) -> ApiResult<Json<ModerationFlag>> {
    p.require(&[Role::Admin, Role::Supervisor])?;
    review_status(&req.status, "status")?;
    if req.note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(ApiError::field("note", "must be at most 1000 characters"));
    }
    Ok(Json(
        state
            .store
            .review_moderation_flag(p.org, id, &req.status, p.user, req.note.as_deref())
            .await?,
    ))
}
