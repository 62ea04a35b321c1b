//! Bulk API 2.0 query jobs under `/services/data/vXX.X/jobs/query`: create
//! (the SOQL is checked at once), the job runs in the background
//! (`UploadComplete` → `InProgress` → `JobComplete`), results come back as
//! RFC 4180 CSV pages with `Sforce-Locator` / `Sforce-NumberOfRecords`, and
//! jobs can be aborted, deleted and listed. Ingest jobs live in the `ingest` submodule.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use base64::Engine;
use parking_lot::Mutex;
use serde_json::{json, Value};

use crate::db::Record;
use crate::error::ApiError;
use crate::rest::{json_body, json_response, Ctx, PREFIX};
use crate::server::SimState;

mod csv;
mod ingest;

/// Most jobs kept (the oldest finished ones are forgotten beyond).
pub const MAX_JOBS: usize = 1000;
/// Rows per results page unless `maxRecords` says otherwise.
pub const DEFAULT_PAGE: usize = 50_000;

#[derive(Debug, Clone)]
struct Job {
    info: Value,
    state: &'static str,
    records: Arc<Vec<Record>>,
    columns: Vec<String>,
    delimiter: char,
    crlf: bool,
    created: std::time::Instant,
}

/// Bulk API 2.0 jobs, shared by clones.
#[derive(Debug, Clone, Default)]
pub struct Jobs {
    inner: Arc<Mutex<HashMap<String, Job>>>,
    ingest: ingest::IngestJobs,
}

/// The Bulk API routes (mounted under the REST guard).
pub fn routes() -> Router<SimState> {
    Router::new()
        .route(&format!("{PREFIX}/jobs/query"), get(list).post(create))
        .route(&format!("{PREFIX}/jobs/query/"), get(list).post(create))
        .route(
            &format!("{PREFIX}/jobs/query/{{id}}"),
            get(info).patch(abort).delete(remove),
        )
        .route(&format!("{PREFIX}/jobs/query/{{id}}/results"), get(results))
        .merge(ingest::routes())
}

fn invalid_job(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("INVALIDJOB", message)
}

fn delimiter(name: &str) -> Option<char> {
    Some(match name {
        "COMMA" => ',',
        "TAB" => '\t',
        "PIPE" => '|',
        "SEMICOLON" => ';',
        "CARET" => '^',
        "BACKQUOTE" => '`',
        _ => return None,
    })
}

impl Jobs {
    fn with_state(&self, id: &str, state: &'static str) -> Option<Value> {
        let mut map = self.inner.lock();
        let job = map.get_mut(id)?;
        if job.state != "Aborted" {
            job.state = state;
        }
        Some(job_info(job))
    }
}

fn job_info(job: &Job) -> Value {
    let mut info = job.info.clone();
    info["state"] = json!(job.state);
    let processed = if job.state == "JobComplete" {
        job.records.len()
    } else {
        0
    };
    info["numberRecordsProcessed"] = json!(processed);
    info
}

async fn create(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req = json_body(&headers, &body)?;
    let operation = req.get("operation").and_then(Value::as_str).unwrap_or("");
    if operation != "query" && operation != "queryAll" {
        return Err(invalid_job(format!("Invalid operation: {operation}")));
    }
    let soql = req
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    let delim_name = req
        .get("columnDelimiter")
        .and_then(Value::as_str)
        .unwrap_or("COMMA");
    let delim = delimiter(delim_name)
        .ok_or_else(|| invalid_job(format!("Invalid columnDelimiter: {delim_name}")))?;
    let line_ending = req
        .get("lineEnding")
        .and_then(Value::as_str)
        .unwrap_or("LF");
    if line_ending != "LF" && line_ending != "CRLF" {
        return Err(invalid_job(format!("Invalid lineEnding: {line_ending}")));
    }
    let (object, columns) = csv::select_columns(&soql).ok_or_else(|| {
        ApiError::bad_request(
            "MALFORMED_QUERY",
            "The query could not be parsed for Bulk API 2.0",
        )
    })?;
    let opts = crate::rest::query::opts(&ctx.version, operation == "queryAll");
    let records = state.db.query(&soql, &opts)?;
    if state.limits.bulk.try_count().is_err() {
        return Err(ApiError::request_limit());
    }
    let id = crate::ids::new_id("750");
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string();
    let version: f64 = ctx.version.parse().unwrap_or(62.0);
    let info = json!({
        "id": id,
        "operation": operation,
        "object": object,
        "createdById": ctx.session.user_id,
        "createdDate": now,
        "systemModstamp": now,
        "state": "UploadComplete",
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": version,
        "jobType": "V2Query",
        "lineEnding": line_ending,
        "columnDelimiter": delim_name,
        "numberRecordsProcessed": 0,
        "retries": 0,
        "totalProcessingTime": 0,
    });
    let job = Job {
        info: info.clone(),
        state: "UploadComplete",
        records: Arc::new(records),
        columns,
        delimiter: delim,
        crlf: line_ending == "CRLF",
        created: std::time::Instant::now(),
    };
    {
        let mut map = state.bulk.inner.lock();
        if map.len() >= MAX_JOBS {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, j)| j.created)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(id.clone(), job);
    }
    let jobs = state.bulk.clone();
    let job_id = id.clone();
    tokio::spawn(async move {
        tokio::task::yield_now().await;
        jobs.with_state(&job_id, "InProgress");
        tokio::task::yield_now().await;
        jobs.with_state(&job_id, "JobComplete");
    });
    Ok(json_response(StatusCode::OK, info))
}

async fn list(State(state): State<SimState>) -> Response {
    let map = state.bulk.inner.lock();
    let mut jobs: Vec<&Job> = map.values().collect();
    jobs.sort_by_key(|j| j.created);
    let records: Vec<Value> = jobs.into_iter().map(job_info).collect();
    json_response(
        StatusCode::OK,
        json!({"done": true, "records": records, "nextRecordsUrl": null}),
    )
}

fn job_id(p: &HashMap<String, String>) -> String {
    p.get("id").cloned().unwrap_or_default()
}

fn not_found() -> ApiError {
    ApiError::not_found("The requested resource does not exist")
}

async fn info(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let map = state.bulk.inner.lock();
    let job = map.get(&job_id(&p)).ok_or_else(not_found)?;
    Ok(json_response(StatusCode::OK, job_info(job)))
}

async fn abort(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req = json_body(&headers, &body)?;
    if req.get("state").and_then(Value::as_str) != Some("Aborted") {
        return Err(invalid_job(
            "Only the state Aborted can be set on a query job",
        ));
    }
    let mut map = state.bulk.inner.lock();
    let job = map.get_mut(&job_id(&p)).ok_or_else(not_found)?;
    if job.state == "JobComplete" || job.state == "Failed" {
        return Err(invalid_job(format!(
            "Cannot abort a job in state {}",
            job.state
        )));
    }
    job.state = "Aborted";
    Ok(json_response(StatusCode::OK, job_info(job)))
}

async fn remove(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let mut map = state.bulk.inner.lock();
    map.remove(&job_id(&p)).ok_or_else(not_found)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn decode_locator(locator: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(locator)
        .ok()?;
    String::from_utf8(bytes).ok()?.parse().ok()
}

fn encode_locator(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(offset.to_string())
}

async fn results(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let job = state
        .bulk
        .inner
        .lock()
        .get(&job_id(&p))
        .cloned()
        .ok_or_else(not_found)?;
    if job.state != "JobComplete" {
        return Err(invalid_job(format!(
            "Job is not complete (state {})",
            job.state
        )));
    }
    let offset = match q.get("locator").map(String::as_str) {
        None | Some("") => 0,
        Some(l) => decode_locator(l).ok_or_else(|| invalid_job("Invalid locator"))?,
    };
    let max = match q.get("maxRecords") {
        None => DEFAULT_PAGE,
        Some(m) => m
            .parse::<usize>()
            .ok()
            .filter(|m| *m > 0)
            .ok_or_else(|| invalid_job("Invalid maxRecords"))?,
    };
    let total = job.records.len();
    let start = offset.min(total);
    let end = start.saturating_add(max).min(total);
    let page = &job.records[start..end];
    let body = csv::write(&job.columns, page, job.delimiter, job.crlf);
    let next = if end < total {
        encode_locator(end)
    } else {
        "null".to_string()
    };
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    if let Ok(v) = HeaderValue::from_str(&next) {
        h.insert("sforce-locator", v);
    }
    h.insert("sforce-numberofrecords", HeaderValue::from(page.len()));
    Ok(res)
}
