//! `query` and `queryAll` (SOQL) with paging through server-side cursors
//! (`nextRecordsUrl`, 15 minutes of life), and `search` (SOSL).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use parking_lot::Mutex;
use serde_json::{json, Value};

use super::{json_response, Ctx, PREFIX};
use crate::db::{QueryOpts, Record};
use crate::error::ApiError;
use crate::server::SimState;

/// Records per page unless the client asks for fewer.
pub const DEFAULT_BATCH: usize = 2000;
/// The smallest batch size honoured.
pub const MIN_BATCH: usize = 200;
/// How long a cursor lives.
pub const CURSOR_TTL: Duration = Duration::from_secs(15 * 60);
/// Most open cursors (the oldest is dropped beyond).
pub const MAX_CURSORS: usize = 1000;
/// Longest SOQL or SOSL text accepted (Salesforce: 100,000 characters).
pub const MAX_QUERY_CHARS: usize = 100_000;

#[derive(Debug)]
struct Cursor {
    records: Arc<Vec<Record>>,
    version: String,
    batch: usize,
    created: Instant,
}

/// Open query cursors, shared by clones.
#[derive(Debug, Clone, Default)]
pub struct Cursors {
    inner: Arc<Mutex<HashMap<String, Cursor>>>,
}

impl Cursors {
    fn open(&self, records: Arc<Vec<Record>>, version: &str, batch: usize) -> String {
        let id = format!("01g{}", crate::server::generate_secret(12));
        let mut map = self.inner.lock();
        let now = Instant::now();
        map.retain(|_, c| now.duration_since(c.created) < CURSOR_TTL);
        if map.len() >= MAX_CURSORS {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, c)| c.created)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(
            id.clone(),
            Cursor {
                records,
                version: version.to_string(),
                batch,
                created: now,
            },
        );
        id
    }

    /// The number of open cursors.
    pub fn len(&self) -> usize {
        self.inner.lock().len()
    }

    /// Whether no cursor is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub(super) fn routes() -> Router<SimState> {
    Router::new()
        .route(&format!("{PREFIX}/query"), get(query))
        .route(&format!("{PREFIX}/query/"), get(query))
        .route(&format!("{PREFIX}/queryAll"), get(query_all))
        .route(&format!("{PREFIX}/queryAll/"), get(query_all))
        .route(&format!("{PREFIX}/query/{{locator}}"), get(more))
        .route(&format!("{PREFIX}/queryAll/{{locator}}"), get(more))
        .route(&format!("{PREFIX}/search"), get(search))
        .route(&format!("{PREFIX}/search/"), get(search))
}

/// Query options for a REST call.
pub(crate) fn opts(version: &str, include_deleted: bool) -> QueryOpts {
    QueryOpts {
        include_deleted,
        api_version: version.to_string(),
        now: chrono::Utc::now(),
    }
}

/// Escapes a value for a single-quoted SOQL string literal.
pub fn escape_soql(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("batchSize"))
                .and_then(|(_, n)| n.trim().parse::<usize>().ok())
        })
        .map_or(DEFAULT_BATCH, |n| n.clamp(MIN_BATCH, DEFAULT_BATCH))
}

/// Whether the select list is exactly `COUNT()`.
fn is_count_query(soql: &str) -> bool {
    let squashed: String = soql.chars().filter(|c| !c.is_whitespace()).collect();
    squashed
        .to_ascii_lowercase()
        .starts_with("selectcount()from")
}

fn soql_param(q: &HashMap<String, String>) -> Result<&str, ApiError> {
    let soql = q.get("q").map_or("", String::as_str).trim();
    if soql.is_empty() {
        return Err(ApiError::bad_request(
            "MALFORMED_QUERY",
            "A query string has to be specified",
        ));
    }
    if soql.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(
            "MALFORMED_QUERY",
            "Query string is too long (maximum 100000 characters)",
        ));
    }
    Ok(soql)
}

/// Runs a SOQL query and answers with its first page.
pub(crate) fn run(
    state: &SimState,
    version: &str,
    soql: &str,
    include_deleted: bool,
    batch: usize,
) -> Result<Value, ApiError> {
    let o = opts(version, include_deleted);
    if is_count_query(soql) {
        let n = state.db.count(soql, &o)?;
        return Ok(json!({"totalSize": n, "done": true, "records": []}));
    }
    let records = state.db.query(soql, &o)?;
    if records.len() <= batch {
        return Ok(json!({"totalSize": records.len(), "done": true, "records": records}));
    }
    let total = records.len();
    let first: Vec<Record> = records[..batch].to_vec();
    let id = state.cursors.open(Arc::new(records), version, batch);
    Ok(json!({
        "totalSize": total,
        "done": false,
        "nextRecordsUrl": format!("/services/data/v{version}/query/{id}-{batch}"),
        "records": first,
    }))
}

async fn query(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let body = run(
        &state,
        &ctx.version,
        soql_param(&q)?,
        false,
        batch_size(&headers),
    )?;
    Ok(json_response(StatusCode::OK, body))
}

async fn query_all(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let body = run(
        &state,
        &ctx.version,
        soql_param(&q)?,
        true,
        batch_size(&headers),
    )?;
    Ok(json_response(StatusCode::OK, body))
}

async fn more(
    State(state): State<SimState>,
    Path(p): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let invalid = || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator");
    let locator = p.get("locator").map_or("", String::as_str);
    let (id, offset) = locator.rsplit_once('-').ok_or_else(invalid)?;
    let offset: usize = offset.parse().map_err(|_| invalid())?;
    let mut map = state.cursors.inner.lock();
    let cursor = map
        .get(id)
        .filter(|c| c.created.elapsed() < CURSOR_TTL)
        .ok_or_else(invalid)?;
    let total = cursor.records.len();
    if offset > total {
        return Err(invalid());
    }
    let end = (offset + cursor.batch).min(total);
    let page: Vec<Record> = cursor.records[offset..end].to_vec();
    let mut body = json!({"totalSize": total, "done": end >= total, "records": page});
    if end < total {
        body["nextRecordsUrl"] = Value::String(format!(
            "/services/data/v{}/query/{id}-{end}",
            cursor.version
        ));
    } else {
        map.remove(id);
    }
    Ok(json_response(StatusCode::OK, body))
}

async fn search(
    State(state): State<SimState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let sosl = q.get("q").map_or("", String::as_str).trim();
    if sosl.is_empty() || sosl.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(
            "MALFORMED_SEARCH",
            "No search term found. The search term must be enclosed in braces.",
        ));
    }
    let records = state.db.search(sosl, &ctx.version)?;
    Ok(json_response(
        StatusCode::OK,
        json!({"searchRecords": records}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_sizes() {
        let mut h = HeaderMap::new();
        assert_eq!(batch_size(&h), 2000);
        h.insert("sforce-query-options", "batchSize=500".parse().unwrap());
        assert_eq!(batch_size(&h), 500);
        h.insert("sforce-query-options", "batchSize=5".parse().unwrap());
        assert_eq!(batch_size(&h), 200);
        h.insert("sforce-query-options", "batchSize=9000".parse().unwrap());
        assert_eq!(batch_size(&h), 2000);
    }

    #[test]
    fn count_queries() {
        assert!(is_count_query("SELECT COUNT() FROM Case"));
        assert!(is_count_query("select count ( ) from Case"));
        assert!(!is_count_query("SELECT COUNT(Id) FROM Case"));
        assert_eq!(escape_soql("O'Brien\\"), "O\\'Brien\\\\");
    }
}
