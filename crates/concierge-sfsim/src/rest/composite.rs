//! `POST composite`: up to 25 subrequests run in order through the same
//! handlers in-process, with `@{ref.field}` references to earlier results,
//! and all-or-none rollback reported as `PROCESSING_HALTED`. The whole
//! request counts as one API call. Collections live in [`super::collections`].

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::{Extension, Router};
use serde_json::{json, Map, Value};
use tower::ServiceExt;

use super::undo::{rollback, snapshot, Undo};
use super::{json_body, json_response, Ctx, PREFIX};
use crate::error::ApiError;
use crate::server::SimState;

/// Most subrequests in one composite request.
pub const MAX_SUBREQUESTS: usize = 25;
/// Largest subresponse body read back.
const MAX_SUBRESPONSE_BYTES: usize = 64 * 1024 * 1024;

const HALTED: &str =
    "The transaction was rolled back since another operation in the same transaction failed.";

pub(super) fn routes() -> Router<SimState> {
    Router::new()
        .route(&format!("{PREFIX}/composite"), post(composite))
        .route(&format!("{PREFIX}/composite/"), post(composite))
        .merge(super::collections::routes())
}

/// Replaces `@{ref.path}` in `s` with values from earlier results.
fn substitute(s: &str, results: &HashMap<String, Value>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let expr = &after[..end];
        let value = resolve(expr, results).ok_or_else(|| expr.to_string())?;
        match value {
            Value::String(v) => out.push_str(&v),
            v => out.push_str(&v.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `ref.a.b[0].c` against the referenced subresponse body.
fn resolve(expr: &str, results: &HashMap<String, Value>) -> Option<Value> {
    let mut parts = expr.split('.');
    let mut cur = results.get(parts.next()?)?;
    for part in parts {
        let (name, index) = match part.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    (!cur.is_null()).then(|| cur.clone())
}

fn substitute_value(v: &Value, results: &HashMap<String, Value>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(substitute(s, results)?),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| substitute_value(x, results))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(k.clone(), substitute_value(x, results)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn halted(message: &str, reference_id: &str) -> Value {
    json!({
        "body": [{"errorCode": "PROCESSING_HALTED", "message": message}],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": reference_id,
    })
}

/// The sobject path segments after `/sobjects/` in a subrequest URL.
fn sobject_segments(url: &str) -> Vec<String> {
    let path = url.split('?').next().unwrap_or("");
    match path.split_once("/sobjects/") {
        Some((_, rest)) => rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        None => Vec::new(),
    }
}

/// What to record before running a write, so it can be undone.
fn prepare_undo(
    state: &SimState,
    ctx: &Ctx,
    method: &Method,
    url: &str,
    body: Option<&Value>,
) -> Option<Undo> {
    let seg = sobject_segments(url);
    let fields = body.and_then(Value::as_object)?;
    match (method.as_str(), seg.as_slice()) {
        ("PATCH", [object, id]) => snapshot(state, ctx, object, id, fields),
        ("PATCH", [object, field, value]) => {
            let soql = format!(
                "SELECT Id FROM {object} WHERE {field} = '{}'",
                super::query::escape_soql(value)
            );
            let rows = state
                .db
                .query(&soql, &super::query::opts(&ctx.version, false))
                .ok()?;
            let id = rows.first()?.get("Id")?.as_str()?.to_string();
            snapshot(state, ctx, object, &id, fields)
        }
        _ => None,
    }
}

async fn composite(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req = json_body(&headers, &body)?;
    let all_or_none = req
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let subs = req
        .get("compositeRequest")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::json_parser("compositeRequest is required"))?;
    if subs.len() > MAX_SUBREQUESTS {
        return Err(ApiError::bad_request(
            "INVALID_BATCH_REQUEST",
            format!("Exceeded max size limit of {MAX_SUBREQUESTS} subrequests"),
        ));
    }
    let auth = headers.get(header::AUTHORIZATION);
    let mut results: HashMap<String, Value> = HashMap::new();
    let mut responses: Vec<Value> = Vec::with_capacity(subs.len());
    let mut undo: Vec<Undo> = Vec::new();
    let mut failed_at: Option<usize> = None;
    for (i, sub) in subs.iter().enumerate() {
        let reference_id = sub
            .get("referenceId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let method = sub
            .get("method")
            .and_then(Value::as_str)
            .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
            .unwrap_or(Method::GET);
        let url_raw = sub.get("url").and_then(Value::as_str).unwrap_or("");
        let resolved = substitute(url_raw, &results).and_then(|u| {
            sub.get("body")
                .map(|b| substitute_value(b, &results))
                .transpose()
                .map(|b| (u, b))
        });
        let (url, body) = match resolved {
            Ok(x) => x,
            Err(expr) => {
                let ref_name = expr.split('.').next().unwrap_or("");
                responses.push(halted(
                    &format!("Invalid reference specified. No value for {expr} found in {ref_name}. Provided referenceId ids are: {}", results.keys().cloned().collect::<Vec<_>>().join(", ")),
                    &reference_id,
                ));
                if all_or_none {
                    failed_at = Some(i);
                    break;
                }
                continue;
            }
        };
        if !url.starts_with("/services/data/v") {
            return Err(ApiError::bad_request(
                "INVALID_URL",
                format!("The URL must start with /services/data/: {url}"),
            ));
        }
        let before = prepare_undo(&state, &ctx, &method, &url, body.as_ref());
        let request = super::internal_request(method.clone(), &url, auth, body.as_ref())?;
        let res = crate::rest::router(state.clone())
            .oneshot(request)
            .await
            .map_err(ApiError::internal)?;
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = axum::body::to_bytes(res.into_body(), MAX_SUBRESPONSE_BYTES)
            .await
            .map_err(ApiError::internal)?;
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        let mut http_headers = Map::new();
        if let Some(l) = location {
            http_headers.insert("Location".into(), Value::String(l));
        }
        if status.is_success() {
            let seg = sobject_segments(&url);
            match (method.as_str(), status.as_u16(), seg.as_slice()) {
                ("POST", 201, [object]) | ("PATCH", 201, [object, _, _]) => {
                    if let Some(id) = value.get("id").and_then(Value::as_str) {
                        http_headers.insert(
                            "Location".into(),
                            Value::String(format!(
                                "/services/data/v{}/sobjects/{object}/{id}",
                                ctx.version
                            )),
                        );
                        undo.push(Undo::Created {
                            object: object.clone(),
                            id: id.to_string(),
                        });
                    }
                }
                ("DELETE", _, [object, id]) => {
                    undo.push(Undo::Deleted {
                        object: object.clone(),
                        id: id.clone(),
                    });
                }
                _ => undo.extend(before),
            }
        }
        results.insert(reference_id.clone(), value.clone());
        responses.push(json!({
            "body": value,
            "httpHeaders": http_headers,
            "httpStatusCode": status.as_u16(),
            "referenceId": reference_id,
        }));
        if all_or_none && !status.is_success() {
            failed_at = Some(i);
            break;
        }
    }
    if let Some(failed) = failed_at {
        rollback(&state, &ctx, undo);
        for (i, r) in responses.iter_mut().enumerate() {
            if i != failed {
                let reference_id = r
                    .get("referenceId")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                *r = halted(HALTED, &reference_id);
            }
        }
        for sub in subs.iter().skip(failed + 1) {
            let reference_id = sub.get("referenceId").and_then(Value::as_str).unwrap_or("");
            responses.push(halted(HALTED, reference_id));
        }
    }
    Ok(json_response(
        StatusCode::OK,
        json!({"compositeResponse": responses}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve() {
        let mut r = HashMap::new();
        r.insert(
            "acc".to_string(),
            json!({"id": "001A", "records": [{"Id": "003B"}]}),
        );
        assert_eq!(substitute("/x/@{acc.id}/y", &r).unwrap(), "/x/001A/y");
        assert_eq!(substitute("@{acc.records[0].Id}", &r).unwrap(), "003B");
        assert_eq!(substitute("@{nope.id}", &r), Err("nope.id".to_string()));
        let body = substitute_value(&json!({"AccountId": "@{acc.id}", "n": 1}), &r).unwrap();
        assert_eq!(body, json!({"AccountId": "001A", "n": 1}));
    }

    #[test]
    fn segments() {
        assert_eq!(
            sobject_segments("/services/data/v62.0/sobjects/Case/500x?fields=A"),
            vec!["Case", "500x"]
        );
        assert!(sobject_segments("/services/data/v62.0/query?q=x").is_empty());
    }
}
