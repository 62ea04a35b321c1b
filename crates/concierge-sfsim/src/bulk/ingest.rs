//! Bulk API 2.0 ingest jobs under `jobs/ingest`: open a job, `PUT` CSV to
//! `batches`, `PATCH {"state":"UploadComplete"}`, the rows are written in the
//! background (`InProgress` → `JobComplete`), then `successfulResults/`,
//! `failedResults/` and `unprocessedrecords/` as CSV.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Extension, Router};
use parking_lot::Mutex;
use serde_json::{json, Map, Value};

use super::csv;

mod results;
use super::{delimiter, invalid_job, job_id, not_found, MAX_JOBS};
use crate::db::{Upserted, WriteCtx};
use crate::error::ApiError;
use crate::rest::{json_body, json_response, Ctx, PREFIX};
use crate::schema::FieldType;
use crate::server::SimState;
use results::{failed, successful, unprocessed};

/// Most CSV bytes one job may receive (Salesforce: 150 MB per upload).
pub const MAX_UPLOAD_BYTES: usize = 150 * 1024 * 1024;

#[derive(Debug, Clone)]
struct IngestJob {
    info: Value,
    state: &'static str,
    data: String,
    delimiter: char,
    crlf: bool,
    user_id: String,
    version: String,
    /// Header row of the upload (the first batch's).
    columns: Vec<String>,
    /// `(sf__Id, sf__Created, row)` for each success.
    successes: Vec<(String, bool, Vec<String>)>,
    /// `(sf__Id, sf__Error, row)` for each failure.
    failures: Vec<(String, String, Vec<String>)>,
    created: std::time::Instant,
}

/// Ingest jobs, shared by clones.
#[derive(Debug, Clone, Default)]
pub struct IngestJobs {
    inner: Arc<Mutex<HashMap<String, IngestJob>>>,
}

pub(super) fn routes() -> Router<SimState> {
    Router::new()
        .route(&format!("{PREFIX}/jobs/ingest"), get(list).post(create))
        .route(&format!("{PREFIX}/jobs/ingest/"), get(list).post(create))
        .route(
            &format!("{PREFIX}/jobs/ingest/{{id}}"),
            get(info).patch(set_state).delete(remove),
        )
        .route(&format!("{PREFIX}/jobs/ingest/{{id}}/batches"), put(upload))
        .route(
            &format!("{PREFIX}/jobs/ingest/{{id}}/batches/"),
            put(upload),
        )
        .route(
            &format!("{PREFIX}/jobs/ingest/{{id}}/successfulResults"),
            get(successful),
        )
        .route(
            &format!("{PREFIX}/jobs/ingest/{{id}}/successfulResults/"),
            get(successful),
        )
        .route(
            &format!("{PREFIX}/jobs/ingest/{{id}}/failedResults"),
            get(failed),
        )
        .route(
            &format!("{PREFIX}/jobs/ingest/{{id}}/failedResults/"),
            get(failed),
        )
        .route(
            &format!("{PREFIX}/jobs/ingest/{{id}}/unprocessedrecords"),
            get(unprocessed),
        )
        .route(
            &format!("{PREFIX}/jobs/ingest/{{id}}/unprocessedrecords/"),
            get(unprocessed),
        )
}

fn info_of(job: &IngestJob) -> Value {
    let mut info = job.info.clone();
    info["state"] = json!(job.state);
    info["numberRecordsProcessed"] = json!(job.successes.len() + job.failures.len());
    info["numberRecordsFailed"] = json!(job.failures.len());
    info
}

const OPERATIONS: [&str; 5] = ["insert", "update", "upsert", "delete", "hardDelete"];

async fn create(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req = json_body(&headers, &body)?;
    let text = |k: &str| req.get(k).and_then(Value::as_str).map(str::to_string);
    let operation = text("operation").unwrap_or_default();
    if !OPERATIONS.contains(&operation.as_str()) {
        return Err(invalid_job(format!("Invalid operation: {operation}")));
    }
    let object = crate::rest::sobjects::object_name(&state, &text("object").unwrap_or_default())
        .map_err(|_| invalid_job("Invalid or missing object"))?;
    let ext = text("externalIdFieldName");
    if operation == "upsert" && ext.is_none() {
        return Err(invalid_job("externalIdFieldName is required for upsert"));
    }
    let delim_name = text("columnDelimiter").unwrap_or_else(|| "COMMA".into());
    let delim = delimiter(&delim_name)
        .ok_or_else(|| invalid_job(format!("Invalid columnDelimiter: {delim_name}")))?;
    let line_ending = text("lineEnding").unwrap_or_else(|| "LF".into());
    if line_ending != "LF" && line_ending != "CRLF" {
        return Err(invalid_job(format!("Invalid lineEnding: {line_ending}")));
    }
    if state.limits.bulk.try_count().is_err() {
        return Err(ApiError::request_limit());
    }
    let id = crate::ids::new_id("750");
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string();
    let info = json!({
        "id": id,
        "operation": operation,
        "object": object,
        "createdById": ctx.session.user_id,
        "createdDate": now,
        "systemModstamp": now,
        "state": "Open",
        "externalIdFieldName": ext,
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": ctx.version.parse::<f64>().unwrap_or(62.0),
        "contentUrl": format!("services/data/v{}/jobs/ingest/{id}/batches", ctx.version),
        "lineEnding": line_ending,
        "columnDelimiter": delim_name,
    });
    let job = IngestJob {
        info: info.clone(),
        state: "Open",
        data: String::new(),
        delimiter: delim,
        crlf: line_ending == "CRLF",
        user_id: ctx.session.user_id.clone(),
        version: ctx.version.clone(),
        columns: Vec::new(),
        successes: Vec::new(),
        failures: Vec::new(),
        created: std::time::Instant::now(),
    };
    let mut map = state.bulk.ingest.inner.lock();
    if map.len() >= MAX_JOBS {
        if let Some(oldest) = map
            .iter()
            .min_by_key(|(_, j)| j.created)
            .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
    }
    map.insert(id, job);
    Ok(json_response(StatusCode::OK, info))
}

async fn upload(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/csv");
    if !ct.to_ascii_lowercase().starts_with("text/csv") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!("Content type '{ct}' not supported; use text/csv"),
        ));
    }
    let text = std::str::from_utf8(&body).map_err(|_| invalid_job("The CSV is not UTF-8"))?;
    let mut map = state.bulk.ingest.inner.lock();
    let job = map.get_mut(&job_id(&p)).ok_or_else(not_found)?;
    if job.state != "Open" {
        return Err(invalid_job(format!(
            "Cannot upload to a job in state {}",
            job.state
        )));
    }
    if job.data.len() + text.len() > MAX_UPLOAD_BYTES {
        return Err(invalid_job("The job's data exceeds 150 MB"));
    }
    if job.data.is_empty() {
        job.data.push_str(text);
    } else {
        // Later uploads repeat the header row: keep only their data rows.
        let rest = text.split_once('\n').map_or("", |(_, r)| r);
        if !job.data.ends_with('\n') {
            job.data.push('\n');
        }
        job.data.push_str(rest);
    }
    Ok(StatusCode::CREATED.into_response())
}

async fn set_state(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req = json_body(&headers, &body)?;
    let wanted = req.get("state").and_then(Value::as_str).unwrap_or("");
    let id = job_id(&p);
    let mut map = state.bulk.ingest.inner.lock();
    let job = map.get_mut(&id).ok_or_else(not_found)?;
    match (wanted, job.state) {
        ("UploadComplete", "Open") => {
            job.state = "UploadComplete";
            let info = info_of(job);
            drop(map);
            let st = state.clone();
            tokio::task::spawn_blocking(move || process(&st, &id));
            Ok(json_response(StatusCode::OK, info))
        }
        ("Aborted", "Open" | "UploadComplete" | "InProgress") => {
            job.state = "Aborted";
            Ok(json_response(StatusCode::OK, info_of(job)))
        }
        (w, s) => Err(invalid_job(format!(
            "Cannot change the state of a job from {s} to {w}"
        ))),
    }
}

/// A CSV cell as the field's JSON value: empty → absent, `#N/A` → null.
fn value_for(ftype: Option<FieldType>, cell: &str) -> Option<Value> {
    if cell.is_empty() {
        return None;
    }
    if cell == "#N/A" {
        return Some(Value::Null);
    }
    Some(match ftype {
        Some(FieldType::Boolean) => match cell.to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => Value::String(cell.into()),
        },
        Some(FieldType::Int) => cell
            .parse::<i64>()
            .map_or_else(|_| Value::String(cell.into()), Value::from),
        Some(FieldType::Double | FieldType::Currency) => cell
            .parse::<f64>()
            .map_or_else(|_| Value::String(cell.into()), Value::from),
        _ => Value::String(cell.into()),
    })
}

fn error_text(e: &ApiError) -> String {
    e.errors
        .iter()
        .map(|x| {
            let fields = x.fields.clone().unwrap_or_default().join(",");
            format!("{}:{}:{fields} --", x.error_code, x.message)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes the job's rows (on a blocking thread).
fn process(state: &SimState, id: &str) {
    let Some(job) = ({
        let mut map = state.bulk.ingest.inner.lock();
        map.get_mut(id)
            .filter(|j| j.state == "UploadComplete")
            .map(|j| {
                j.state = "InProgress";
                j.clone()
            })
    }) else {
        return;
    };
    let operation = job.info["operation"].as_str().unwrap_or("").to_string();
    let object = job.info["object"].as_str().unwrap_or("").to_string();
    let ext = job.info["externalIdFieldName"].as_str().map(str::to_string);
    let schema = state.db.schema();
    let def = schema.object(&object);
    let ctx = WriteCtx::rest(&job.user_id, &job.version);
    let Some(mut rows) = csv::parse(&job.data, job.delimiter) else {
        finish(state, id, "Failed", Vec::new(), Vec::new(), Vec::new());
        return;
    };
    if rows.is_empty() {
        finish(state, id, "Failed", Vec::new(), Vec::new(), Vec::new());
        return;
    }
    let columns = rows.remove(0);
    let mut successes = Vec::new();
    let mut failures = Vec::new();
    for row in rows {
        if state
            .bulk
            .ingest
            .inner
            .lock()
            .get(id)
            .is_none_or(|j| j.state == "Aborted")
        {
            return;
        }
        let mut fields = Map::new();
        let mut record_id = String::new();
        for (c, cell) in columns.iter().zip(&row) {
            if c.eq_ignore_ascii_case("Id") {
                record_id = cell.clone();
                continue;
            }
            let ftype = def.and_then(|d| d.field(c)).map(|f| f.field_type);
            if let Some(v) = value_for(ftype, cell) {
                fields.insert(c.clone(), v);
            }
        }
        let result: Result<(String, bool), ApiError> = match operation.as_str() {
            "insert" => state
                .db
                .create(&ctx, &object, fields)
                .map(|id| (id, true))
                .map_err(Into::into),
            "update" => state
                .db
                .update(&ctx, &object, &record_id, fields)
                .map(|()| (record_id.clone(), false))
                .map_err(Into::into),
            "upsert" => {
                let ext = ext.clone().unwrap_or_default();
                let value = fields
                    .remove(&ext)
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                match state.db.upsert(&ctx, &object, &ext, &value, fields, false) {
                    Ok(Upserted::Created(id)) => Ok((id, true)),
                    Ok(Upserted::Updated(id)) => Ok((id, false)),
                    Err(e) => Err(e.into()),
                }
            }
            "delete" => state
                .db
                .delete(&ctx, &object, &record_id)
                .map(|()| (record_id.clone(), false))
                .map_err(Into::into),
            _ => state
                .db
                .delete(&ctx, &object, &record_id)
                .and_then(|()| state.db.purge(&object, &record_id))
                .map(|()| (record_id.clone(), false))
                .map_err(Into::into),
        };
        match result {
            Ok((id, created)) => successes.push((id, created, row)),
            Err(e) => failures.push((record_id, error_text(&e), row)),
        }
    }
    finish(state, id, "JobComplete", columns, successes, failures);
}

type Successes = Vec<(String, bool, Vec<String>)>;
type Failures = Vec<(String, String, Vec<String>)>;

fn finish(
    state: &SimState,
    id: &str,
    final_state: &'static str,
    columns: Vec<String>,
    s: Successes,
    f: Failures,
) {
    let mut map = state.bulk.ingest.inner.lock();
    if let Some(job) = map.get_mut(id) {
        if job.state != "Aborted" {
            job.state = final_state;
        }
        job.columns = columns;
        job.successes = s;
        job.failures = f;
    }
}

async fn list(State(state): State<SimState>) -> Response {
    let map = state.bulk.ingest.inner.lock();
    let mut jobs: Vec<&IngestJob> = map.values().collect();
    jobs.sort_by_key(|j| j.created);
    let records: Vec<Value> = jobs.into_iter().map(info_of).collect();
    json_response(
        StatusCode::OK,
        json!({"done": true, "records": records, "nextRecordsUrl": null}),
    )
}

async fn info(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let map = state.bulk.ingest.inner.lock();
    let job = map.get(&job_id(&p)).ok_or_else(not_found)?;
    Ok(json_response(StatusCode::OK, info_of(job)))
}

async fn remove(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    state
        .bulk
        .ingest
        .inner
        .lock()
        .remove(&job_id(&p))
        .ok_or_else(not_found)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
