//! The results of a finished ingest job as CSV: `successfulResults/`
//! (`sf__Id`, `sf__Created`), `failedResults/` (`sf__Id`, `sf__Error`) and
//! `unprocessedrecords/`.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::super::{invalid_job, job_id, not_found};
use super::{csv, IngestJob};
use crate::error::ApiError;
use crate::server::SimState;

fn csv_response(body: String) -> Response {
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    res
}

fn finished_job(state: &SimState, p: &HashMap<String, String>) -> Result<IngestJob, ApiError> {
    let job = state
        .bulk
        .ingest
        .inner
        .lock()
        .get(&job_id(p))
        .cloned()
        .ok_or_else(not_found)?;
    if job.state != "JobComplete" && job.state != "Failed" && job.state != "Aborted" {
        return Err(invalid_job(format!(
            "Job is not complete (state {})",
            job.state
        )));
    }
    Ok(job)
}

fn rows_csv(job: &IngestJob, lead: [&str; 2], rows: Vec<Vec<String>>) -> String {
    let mut header: Vec<String> = lead.iter().map(|s| s.to_string()).collect();
    header.extend(job.columns.iter().cloned());
    let records: Vec<Map<String, Value>> = rows
        .into_iter()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.into_iter().map(Value::String))
                .collect()
        })
        .collect();
    csv::write(&header, &records, job.delimiter, job.crlf)
}

pub(super) async fn successful(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let job = finished_job(&state, &p)?;
    let rows = job
        .successes
        .iter()
        .map(|(id, created, row)| [vec![id.clone(), created.to_string()], row.clone()].concat())
        .collect();
    Ok(csv_response(rows_csv(
        &job,
        ["sf__Id", "sf__Created"],
        rows,
    )))
}

pub(super) async fn failed(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let job = finished_job(&state, &p)?;
    let rows = job
        .failures
        .iter()
        .map(|(id, err, row)| [vec![id.clone(), err.clone()], row.clone()].concat())
        .collect();
    Ok(csv_response(rows_csv(&job, ["sf__Id", "sf__Error"], rows)))
}

pub(super) async fn unprocessed(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let job = finished_job(&state, &p)?;
    if job.state == "Aborted" {
        // Everything uploaded that was not processed.
        let mut rows = csv::parse(&job.data, job.delimiter).unwrap_or_default();
        let done = job.successes.len() + job.failures.len();
        let header = if rows.is_empty() {
            Vec::new()
        } else {
            rows.remove(0)
        };
        let records: Vec<Map<String, Value>> = rows
            .into_iter()
            .skip(done)
            .map(|r| {
                header
                    .iter()
                    .cloned()
                    .zip(r.into_iter().map(Value::String))
                    .collect()
            })
            .collect();
        return Ok(csv_response(csv::write(
            &header,
            &records,
            job.delimiter,
            job.crlf,
        )));
    }
    Ok(csv_response(csv::write(
        &job.columns,
        &[],
        job.delimiter,
        job.crlf,
    )))
}
