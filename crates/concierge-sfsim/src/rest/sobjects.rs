//! `sobjects/`: global describe, object info and describe, and record
//! create / read / update / delete / upsert by external id.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::{json, Map, Value};

use super::{json_body, json_response, no_content, Ctx, PREFIX};
use crate::db::{DbError, Upserted, WriteCtx};
use crate::error::ApiError;
use crate::server::SimState;

/// Most fields a `?fields=` list may name.
const MAX_FIELDS_PARAM: usize = 500;

pub(super) fn routes() -> Router<SimState> {
    Router::new()
        .route(&format!("{PREFIX}/sobjects"), get(global))
        .route(&format!("{PREFIX}/sobjects/"), get(global))
        .route(
            &format!("{PREFIX}/sobjects/{{object}}"),
            get(info).post(create),
        )
        .route(
            &format!("{PREFIX}/sobjects/{{object}}/"),
            get(info).post(create),
        )
        .route(
            &format!("{PREFIX}/sobjects/{{object}}/describe"),
            get(describe),
        )
        .route(
            &format!("{PREFIX}/sobjects/{{object}}/describe/"),
            get(describe),
        )
        .route(
            &format!("{PREFIX}/sobjects/{{object}}/{{id}}"),
            get(read).patch(update).delete(remove),
        )
        .route(
            &format!("{PREFIX}/sobjects/{{object}}/{{field}}/{{value}}"),
            get(read_by_external_id).patch(upsert),
        )
}

/// The write context for a REST call.
pub(crate) fn write_ctx(ctx: &Ctx) -> WriteCtx {
    WriteCtx::rest(&ctx.session.user_id, &ctx.version)
}

/// The canonical object name, or 404 NOT_FOUND.
pub(crate) fn object_name(state: &SimState, object: &str) -> Result<String, ApiError> {
    state
        .db
        .schema()
        .object(object)
        .map(|o| o.name.clone())
        .ok_or_else(|| ApiError::not_found("The requested resource does not exist"))
}

/// A record body: a JSON object without `attributes`.
pub(crate) fn record_fields(body: Value) -> Result<Map<String, Value>, ApiError> {
    match body {
        Value::Object(mut m) => {
            m.remove("attributes");
            Ok(m)
        }
        _ => Err(ApiError::json_parser(
            "Cannot deserialize instance of SObject from a non-object value",
        )),
    }
}

/// `{"id","errors":[],"success":true}`.
pub(crate) fn save_result(id: &str) -> Value {
    json!({"id": id, "errors": [], "success": true})
}

async fn global(State(state): State<SimState>, Extension(ctx): Extension<Ctx>) -> Response {
    let schema = state.db.schema();
    let objects: Vec<Value> = schema
        .objects()
        .map(|o| o.describe_global_entry(&ctx.version))
        .collect();
    json_response(
        StatusCode::OK,
        json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": objects}),
    )
}

async fn info(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let schema = state.db.schema();
    let o = schema
        .object(p.get("object").map_or("", String::as_str))
        .ok_or_else(|| ApiError::not_found("The requested resource does not exist"))?;
    Ok(json_response(
        StatusCode::OK,
        json!({"objectDescribe": o.describe_global_entry(&ctx.version), "recentItems": []}),
    ))
}

async fn describe(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let schema = state.db.schema();
    let o = schema
        .object(p.get("object").map_or("", String::as_str))
        .ok_or_else(|| ApiError::not_found("The requested resource does not exist"))?;
    Ok(json_response(StatusCode::OK, o.describe_json(&ctx.version)))
}

async fn create(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Path(p): Path<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = object_name(&state, p.get("object").map_or("", String::as_str))?;
    let fields = record_fields(json_body(&headers, &body)?)?;
    let id = create_record(&state, &ctx, &object, fields)?;
    Ok(json_response(StatusCode::CREATED, save_result(&id)))
}

/// Creates a record, refusing an `Id` in the data as Salesforce does.
pub(crate) fn create_record(
    state: &SimState,
    ctx: &Ctx,
    object: &str,
    fields: Map<String, Value>,
) -> Result<String, ApiError> {
    if fields.keys().any(|k| k.eq_ignore_ascii_case("Id")) {
        return Err(ApiError::bad_request(
            "INVALID_FIELD",
            "The Id field should not be specified in the sobject data.",
        )
        .with_fields(vec!["Id".into()]));
    }
    Ok(state.db.create(&write_ctx(ctx), object, fields)?)
}

fn fields_param(q: &HashMap<String, String>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(list) = q.get("fields") else {
        return Ok(None);
    };
    let fields: Vec<String> = list
        .split(',')
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty())
        .collect();
    if fields.len() > MAX_FIELDS_PARAM {
        return Err(ApiError::bad_request(
            "INVALID_FIELD",
            "Too many fields requested",
        ));
    }
    Ok(Some(fields))
}

async fn read(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let object = object_name(&state, p.get("object").map_or("", String::as_str))?;
    let fields = fields_param(&q)?;
    let id = p.get("id").map_or("", String::as_str);
    let record = state.db.get(&object, id, fields.as_deref(), &ctx.version)?;
    Ok(json_response(StatusCode::OK, Value::Object(record)))
}

async fn update(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Path(p): Path<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = object_name(&state, p.get("object").map_or("", String::as_str))?;
    let mut fields = record_fields(json_body(&headers, &body)?)?;
    fields.retain(|k, _| !k.eq_ignore_ascii_case("Id"));
    let id = p.get("id").map_or("", String::as_str);
    state.db.update(&write_ctx(&ctx), &object, id, fields)?;
    Ok(no_content())
}

async fn remove(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let object = object_name(&state, p.get("object").map_or("", String::as_str))?;
    let id = p.get("id").map_or("", String::as_str);
    state.db.delete(&write_ctx(&ctx), &object, id)?;
    Ok(no_content())
}

/// The 300 sent when several records match an external id: their record URLs.
fn choices(ctx: &Ctx, object: &str, ids: &[String]) -> ApiError {
    let urls: Vec<String> = ids
        .iter()
        .map(|id| format!("/services/data/v{}/sobjects/{object}/{id}", ctx.version))
        .collect();
    ApiError {
        status: StatusCode::MULTIPLE_CHOICES,
        errors: Vec::new(),
        choices: Some(urls),
    }
}

/// The external-id field of an object, or 404 NOT_FOUND.
fn external_field(state: &SimState, object: &str, field: &str) -> Result<String, ApiError> {
    let schema = state.db.schema();
    let f = schema
        .object(object)
        .and_then(|o| o.field(field))
        .filter(|f| f.external_id || f.name == "Id")
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Provided external ID field does not exist or is not accessible: {field}"
            ))
        })?;
    Ok(f.name.clone())
}

async fn upsert(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Path(p): Path<HashMap<String, String>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = object_name(&state, p.get("object").map_or("", String::as_str))?;
    let field = external_field(&state, &object, p.get("field").map_or("", String::as_str))?;
    let value = p.get("value").map_or("", String::as_str);
    let fields = record_fields(json_body(&headers, &body)?)?;
    let update_only = q
        .get("updateOnly")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    match state.db.upsert(
        &write_ctx(&ctx),
        &object,
        &field,
        value,
        fields,
        update_only,
    ) {
        Ok(Upserted::Created(id)) => {
            let mut body = save_result(&id);
            body["created"] = Value::Bool(true);
            Ok(json_response(StatusCode::CREATED, body))
        }
        Ok(Upserted::Updated(id)) => {
            if version_at_least(&ctx.version, 46) {
                let mut body = save_result(&id);
                body["created"] = Value::Bool(false);
                Ok(json_response(StatusCode::OK, body))
            } else {
                Ok(no_content())
            }
        }
        Err(DbError::MultipleMatches(ids)) => Err(choices(&ctx, &object, &ids)),
        Err(e) => Err(e.into()),
    }
}

/// Whether `version` (`"62.0"`) is at least `major`.
pub(crate) fn version_at_least(version: &str, major: u32) -> bool {
    version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|m| m >= major)
}

async fn read_by_external_id(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let object = object_name(&state, p.get("object").map_or("", String::as_str))?;
    let field = external_field(&state, &object, p.get("field").map_or("", String::as_str))?;
    let value = p.get("value").map_or("", String::as_str);
    let soql = format!(
        "SELECT Id FROM {object} WHERE {field} = '{}'",
        crate::rest::query::escape_soql(value)
    );
    let rows = state
        .db
        .query(&soql, &crate::rest::query::opts(&ctx.version, false))?;
    match rows.as_slice() {
        [] => Err(ApiError::not_found(format!(
            "Provided external ID field does not exist or is not accessible: {value}"
        ))),
        [one] => {
            let id = one.get("Id").and_then(Value::as_str).unwrap_or("");
            let record = state.db.get(&object, id, None, &ctx.version)?;
            Ok(json_response(StatusCode::OK, Value::Object(record)))
        }
        many => {
            let ids: Vec<String> = many
                .iter()
                .filter_map(|r| r.get("Id").and_then(Value::as_str).map(str::to_string))
                .collect();
            Err(choices(&ctx, &object, &ids))
        }
    }
}
