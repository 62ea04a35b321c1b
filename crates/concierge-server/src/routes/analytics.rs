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
use chrono::{DateTime, Duration, DurationRound, Utc};
use concierge_core::{Channel, Role};
use concierge_engine::analytics::{self, Bucket};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::AppQuery;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/analytics/overview", get(overview))
        .route("/v1/analytics/series.csv", get(csv))
        .route("/v1/analytics/series", get(series))
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
    step: Duration,
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
    let step = match bucket {
        Bucket::Hour => Duration::hours(1),
        Bucket::Day => Duration::days(1),
    };
    Ok(Range {
        from,
        to,
        bucket,
        step,
    })
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

/// One bucket of the chart series (every bucket of the range, empty ones included).
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    /// Start of the bucket (UTC, truncated to the hour or day).
    pub start: DateTime<Utc>,
    /// Conversations started in the bucket.
    pub conversations: u64,
    /// Of those, closed (resolved, abandoned or archived).
    pub closed: u64,
    pub resolved_by_ai: u64,
    pub resolved_by_human: u64,
    pub abandoned: u64,
    pub escalated: u64,
    /// Resolved by the AI / conversations (`null` without conversations).
    pub deflection_rate: Option<f64>,
    /// Escalated / conversations.
    pub escalation_rate: Option<f64>,
    /// Escalations by reason (`customer_requested_human`, `low_confidence`, …).
    pub escalations_by_reason: BTreeMap<String, u64>,
    /// Resolved and never reopened / resolved.
    pub first_contact_resolution: Option<f64>,
    pub resolution_seconds_avg: Option<f64>,
    pub resolution_seconds_p90: Option<f64>,
    pub first_response_seconds_avg: Option<f64>,
    pub first_response_seconds_p90: Option<f64>,
    /// Mean CSAT score (1–5) and how many rated.
    pub csat_avg: Option<f64>,
    pub csat_responses: u64,
    /// Mean confidence of the AI's replies.
    pub confidence_avg: Option<f64>,
    /// Language-model spend of calls made in the bucket (all channels), USD.
    pub llm_cost_usd: f64,
}

/// An intent and how many customer messages had it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntentCount {
    pub intent: String,
    pub count: i64,
}

/// The series for charts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Series {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub channel: Option<Channel>,
    /// `hour` or `day`.
    pub bucket: String,
    pub points: Vec<SeriesPoint>,
    /// The ten most frequent intents over the whole range, most frequent first.
    pub top_intents: Vec<IntentCount>,
    /// Language-model spend over the whole range (all channels), USD.
    pub llm_cost_usd: f64,
    /// More conversations than a report reads: figures cover the first ones.
    pub truncated: bool,
}

/// The per-bucket series as JSON for charts: every bucket from `from` to
/// `to`, with conversations, deflection, escalations by reason,
/// first-contact resolution, resolution and first-response times, CSAT,
/// confidence and language-model cost; plus the range's top intents.
#[utoipa::path(get, path = "/v1/analytics/series", tag = "analytics", params(AnalyticsQuery),
    responses((status = 200, body = Series), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn series(
    State(state): State<AppState>,
    p: Principal,
    AppQuery(q): AppQuery<AnalyticsQuery>,
) -> ApiResult<Json<Series>> {
    p.require(&[Role::Admin, Role::Supervisor])?;
    let r = range(&q)?;
    let channel = q.channel.map(|c| c.as_str());
    let report = analytics::report(&state.store, p.org, r.from, r.to, channel, r.bucket).await?;
    let mut by_start: BTreeMap<DateTime<Utc>, analytics::Point> =
        report.series.into_iter().map(|pt| (pt.start, pt)).collect();
    let mut points = Vec::new();
    let mut start = r.from.duration_trunc(r.step).unwrap_or(r.from);
    while start < r.to {
        let pt = by_start.remove(&start);
        points.push(point(start, pt));
        start += r.step;
    }
    let mut top: Vec<IntentCount> = report
        .intents
        .into_iter()
        .map(|(intent, count)| IntentCount { intent, count })
        .collect();
    top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.intent.cmp(&b.intent)));
    top.truncate(10);
    Ok(Json(Series {
        from: r.from,
        to: r.to,
        channel: q.channel,
        bucket: match r.bucket {
            Bucket::Hour => "hour",
            Bucket::Day => "day",
        }
        .to_owned(),
        points,
        top_intents: top,
        llm_cost_usd: report.llm.iter().map(|c| c.cost_usd).sum(),
        truncated: report.truncated,
    }))
}

fn point(start: DateTime<Utc>, pt: Option<analytics::Point>) -> SeriesPoint {
    let (t, reasons, cost) = match pt {
        Some(pt) => (pt.totals, pt.escalation_reasons, pt.llm_cost_usd),
        None => Default::default(),
    };
    SeriesPoint {
        start,
        conversations: t.conversations,
        closed: t.closed,
        resolved_by_ai: t.resolved_by_ai,
        resolved_by_human: t.resolved_by_human,
        abandoned: t.abandoned,
        escalated: t.escalated,
        deflection_rate: t.deflection_rate,
        escalation_rate: t.escalation_rate,
        escalations_by_reason: reasons,
        first_contact_resolution: t.first_contact_resolution,
        resolution_seconds_avg: t.resolution_seconds_avg,
        resolution_seconds_p90: t.resolution_seconds_p90,
        first_response_seconds_avg: t.first_response_seconds_avg,
        first_response_seconds_p90: t.first_response_seconds_p90,
        csat_avg: t.csat_avg,
        csat_responses: t.csat_responses,
        confidence_avg: t.confidence_avg,
        llm_cost_usd: cost,
    }
}
