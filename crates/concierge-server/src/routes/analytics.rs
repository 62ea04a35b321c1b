//! `/v1/analytics`: the tenant's service figures over a date range and
//! channel — conversations, deflection, escalations and their reasons,
//! first-contact resolution, resolution and first-response times, CSAT,
//! intents, confidence, fallbacks, language-model tokens and cost — with a
//! series per hour or day, as JSON or CSV.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use concierge_core::{Channel, Role};
use concierge_engine::analytics::{self, Bucket};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::AppQuery;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/analytics/overview", get(overview))
        .route("/v1/analytics/series.csv", get(csv))
}

/// The range and slice of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsQuery {
    /// Start (RFC 3339; default: 7 days before `to`).
    pub from: Option<DateTime<Utc>>,
    /// End, exclusive (RFC 3339; default: now).
    pub to: Option<DateTime<Utc>>,
    pub channel: Option<Channel>,
    /// `hour` or `day` (default `day`).
    pub bucket: Option<String>,
}

struct Range {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: Bucket,
}

fn range(q: &AnalyticsQuery) -> ApiResult<Range> {
    let to = q.to.unwrap_or_else(Utc::now);
    let from = q.from.unwrap_or(to - Duration::days(7));
    if from >= to {
        return Err(ApiError::field("from", "must be before `to`"));
    }
    if to - from > Duration::days(366) {
        return Err(ApiError::field(
            "from",
            "the range may span at most 366 days",
        ));
    }
    let bucket = match q.bucket.as_deref() {
        None | Some("day") => Bucket::Day,
        Some("hour") if to - from <= Duration::days(31) => Bucket::Hour,
        Some("hour") => {
            return Err(ApiError::field(
                "bucket",
                "hourly series span at most 31 days",
            ))
        }
        Some(_) => return Err(ApiError::field("bucket", "must be hour or day")),
    };
    Ok(Range { from, to, bucket })
}

/// The analytics report (see `concierge_engine::analytics::Report` for every field).
#[utoipa::path(get, path = "/v1/analytics/overview", tag = "analytics", params(AnalyticsQuery),
    responses((status = 200, description = "totals, series, escalation_reasons, intents, decisions, fallback_rate, llm"),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn overview(
    State(state): State<AppState>,
    p: Principal,
    AppQuery(q): AppQuery<AnalyticsQuery>,
) -> ApiResult<Json<analytics::Report>> {
    p.require(&[Role::Admin, Role::Supervisor])?;
    let r = range(&q)?;
    let channel = q.channel.map(|c| c.as_str());
    Ok(Json(
        analytics::report(&state.store, p.org, r.from, r.to, channel, r.bucket).await?,
    ))
}

/// The series as CSV (one row per bucket).
#[utoipa::path(get, path = "/v1/analytics/series.csv", tag = "analytics", params(AnalyticsQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn csv(
    State(state): State<AppState>,
    p: Principal,
    AppQuery(q): AppQuery<AnalyticsQuery>,
) -> ApiResult<impl IntoResponse> {
    p.require(&[Role::Admin, Role::Supervisor])?;
    let r = range(&q)?;
    let channel = q.channel.map(|c| c.as_str());
    let report = analytics::report(&state.store, p.org, r.from, r.to, channel, r.bucket).await?;
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_default();
    let mut out = String::from(
        "start,conversations,resolved_by_ai,resolved_by_human,abandoned,escalated,deflection_rate,escalation_rate,\
         first_contact_resolution,resolution_seconds_avg,resolution_seconds_p90,first_response_seconds_avg,\
         first_response_seconds_p90,csat_avg,csat_responses,confidence_avg\n",
    );
    for point in &report.series {
        let t = &point.totals;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            point.start.to_rfc3339(),
            t.conversations,
            t.resolved_by_ai,
            t.resolved_by_human,
            t.abandoned,
            t.escalated,
            opt(t.deflection_rate),
            opt(t.escalation_rate),
            opt(t.first_contact_resolution),
            opt(t.resolution_seconds_avg),
            opt(t.resolution_seconds_p90),
            opt(t.first_response_seconds_avg),
            opt(t.first_response_seconds_p90),
            opt(t.csat_avg),
            t.csat_responses,
            opt(t.confidence_avg),
        ));
    }
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], out))
}
