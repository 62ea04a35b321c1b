//! sObject collections: `POST|PATCH|DELETE composite/sobjects` (up to 200
//! records, each naming its `attributes.type`, `allOrNone` optional) and
//! `GET composite/sobjects/{Type}?ids=&fields=`. The answer is 200 with one
//! save result per record even when some fail.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::{json, Map, Value};

use super::sobjects::{create_record, object_name, record_fields, write_ctx};
use super::undo::{rollback, snapshot, Undo};
use super::{json_body, json_response, Ctx, PREFIX};
use crate::error::ApiError;
use crate::server::SimState;

/// Most records in one collection request.
pub const MAX_RECORDS: usize = 200;

const ROLLED_BACK: &str = "Record rolled back because not all records were valid and the request was using AllOrNone header";

pub(super) fn routes() -> Router<SimState> {
    Router::new()
        .route(
            &format!("{PREFIX}/composite/sobjects"),
            axum::routing::post(create_many)
                .patch(update_many)
                .delete(delete_many),
        )
        .route(
            &format!("{PREFIX}/composite/sobjects/"),
            axum::routing::post(create_many)
                .patch(update_many)
                .delete(delete_many),
        )
        .route(
            &format!("{PREFIX}/composite/sobjects/{{object}}"),
            get(retrieve_many),
        )
}

fn failure(id: Option<&str>, e: &ApiError) -> Value {
    let errors: Vec<Value> = e
        .errors
        .iter()
        .map(|x| json!({"statusCode": x.error_code, "message": x.message, "fields": x.fields.clone().unwrap_or_default()}))
        .collect();
    match id {
        Some(id) => json!({"id": id, "success": false, "errors": errors}),
        None => json!({"success": false, "errors": errors}),
    }
}

fn rolled_back(id: Option<&str>) -> Value {
    let errors = json!([{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": ROLLED_BACK, "fields": []}]);
    match id {
        Some(id) => json!({"id": id, "success": false, "errors": errors}),
        None => json!({"success": false, "errors": errors}),
    }
}

fn parse(headers: &HeaderMap, body: &Bytes) -> Result<(bool, Vec<Value>), ApiError> {
    let req = json_body(headers, body)?;
    let all_or_none = req
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let records = req
        .get("records")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| ApiError::json_parser("records is required"))?;
    if records.len() > MAX_RECORDS {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            format!("record limit reached. cannot submit more than {MAX_RECORDS} records into this call"),
        ));
    }
    Ok((all_or_none, records))
}

fn record_type(state: &SimState, record: &Value) -> Result<String, ApiError> {
    let t = record
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::bad_request("INVALID_TYPE", "Must send a concrete entity type.")
        })?;
    object_name(state, t).map_err(|_| {
        ApiError::bad_request(
            "INVALID_TYPE",
            format!("sObject type '{t}' is not supported."),
        )
    })
}

/// Runs `op` on each record; with all-or-none, the first failure rolls back the
/// earlier successes and marks every other record rolled back.
fn run_each<F>(state: &SimState, ctx: &Ctx, all_or_none: bool, n: usize, mut op: F) -> Vec<Value>
where
    F: FnMut(usize) -> (Option<String>, Result<Option<Undo>, ApiError>),
{
    let mut results: Vec<Value> = Vec::with_capacity(n);
    let mut log: Vec<Undo> = Vec::new();
    for i in 0..n {
        let (id, outcome) = op(i);
        match outcome {
            Ok(undo) => {
                log.extend(undo);
                results.push(json!({"id": id, "success": true, "errors": []}));
            }
            Err(e) => {
                results.push(failure(id.as_deref(), &e));
                if all_or_none {
                    rollback(state, ctx, std::mem::take(&mut log));
                    for r in results.iter_mut().take(i) {
                        *r = rolled_back(None);
                    }
                    results.extend((i + 1..n).map(|_| rolled_back(None)));
                    return results;
                }
            }
        }
    }
    results
}

async fn create_many(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (all_or_none, records) = parse(&headers, &body)?;
    let results = run_each(&state, &ctx, all_or_none, records.len(), |i| {
        let outcome = (|| {
            let object = record_type(&state, &records[i])?;
            let fields = record_fields(records[i].clone())?;
            let id = create_record(&state, &ctx, &object, fields)?;
            Ok((id, object))
        })();
        match outcome {
            Ok((id, object)) => (Some(id.clone()), Ok(Some(Undo::Created { object, id }))),
            Err(e) => (None, Err(e)),
        }
    });
    Ok(json_response(StatusCode::OK, Value::Array(results)))
}

async fn update_many(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (all_or_none, records) = parse(&headers, &body)?;
    let results = run_each(&state, &ctx, all_or_none, records.len(), |i| {
        let id = records[i]
            .get("id")
            .or_else(|| records[i].get("Id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let outcome = (|| {
            let object = record_type(&state, &records[i])?;
            let id = id.clone().ok_or_else(|| {
                ApiError::bad_request("MISSING_ARGUMENT", "Id not specified in an update call")
                    .with_fields(vec!["Id".into()])
            })?;
            let mut fields: Map<String, Value> = record_fields(records[i].clone())?;
            fields.retain(|k, _| !k.eq_ignore_ascii_case("Id"));
            let undo = snapshot(&state, &ctx, &object, &id, &fields);
            state.db.update(&write_ctx(&ctx), &object, &id, fields)?;
            Ok(undo)
        })();
        (id, outcome)
    });
    Ok(json_response(StatusCode::OK, Value::Array(results)))
}

async fn delete_many(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let ids: Vec<String> = q
        .get("ids")
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if ids.len() > MAX_RECORDS {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            "more than 200 ids",
        ));
    }
    let all_or_none = q
        .get("allOrNone")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let results = run_each(&state, &ctx, all_or_none, ids.len(), |i| {
        let id = ids[i].clone();
        let outcome = (|| {
            let object = state
                .db
                .schema()
                .object_for_id(&id)
                .map(|o| o.name.clone())
                .ok_or_else(|| {
                    ApiError::bad_request("MALFORMED_ID", format!("malformed id {id}"))
                })?;
            state.db.delete(&write_ctx(&ctx), &object, &id)?;
            Ok(Some(Undo::Deleted {
                object,
                id: id.clone(),
            }))
        })();
        (Some(id), outcome)
    });
    Ok(json_response(StatusCode::OK, Value::Array(results)))
}

async fn retrieve_many(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let object = object_name(&state, p.get("object").map_or("", String::as_str))?;
    let split = |k: &str| -> Vec<String> {
        q.get(k)
            .map(|s| {
                s.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let ids = split("ids");
    let fields = split("fields");
    if ids.len() > 2000 || fields.is_empty() {
        return Err(ApiError::bad_request(
            "INVALID_FIELD",
            "ids (at most 2000) and fields are required",
        ));
    }
    let records: Vec<Value> = ids
        .iter()
        .map(|id| {
            state
                .db
                .get(&object, id, Some(&fields), &ctx.version)
                .map(Value::Object)
                .unwrap_or(Value::Null)
        })
        .collect();
    Ok(json_response(StatusCode::OK, Value::Array(records)))
}
