//! The public help center: `GET /help/{org}/{article}` shows the current
//! version of a published knowledge article as a page. Citations of articles
//! that have no public URL of their own link here (see
//! `concierge_engine::help_center_path`), so every citation a customer sees
//! opens. Only current, unexpired articles are shown; the tenant comes from
//! the path and scopes the lookup, like every other query.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use concierge_core::{KnowledgeId, OrgId};
use rand::RngCore;

use crate::error::{ApiError, Code};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/help/{org}/{article}", get(article_page))
}

/// An article's page.
#[utoipa::path(get, path = "/help/{org}/{article}", tag = "knowledge",
    params(("org" = String, Path, description = "The tenant's id"), ("article" = String, Path, description = "The article's id")),
    responses((status = 200, description = "The article as an HTML page", content_type = "text/html"),
              (status = 404, description = "No such published article", body = crate::error::ErrorBody)))]
pub async fn article_page(
    State(state): State<AppState>,
    Path((org, article)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::new(Code::NotFound, "no such article in this help center");
    let org = uuid::Uuid::parse_str(&org)
        .map(OrgId)
        .map_err(|_| not_found())?;
    let id = uuid::Uuid::parse_str(&article)
        .map(KnowledgeId)
        .map_err(|_| not_found())?;
    let organization = state
        .store
        .get_organization(org)
        .await
        .map_err(|_| not_found())?;
    let entry = state
        .store
        .get_knowledge(org, id)
        .await
        .map_err(|_| not_found())?;
    if entry.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
        return Err(not_found());
    }
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let nonce = base64::engine::general_purpose::STANDARD.encode(bytes);
    let body = concierge_knowledge::render::markdown_to_safe_html(&entry.body);
    let page = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} · {company} help center</title><style nonce=\"{nonce}\">{CSS}</style></head>\
<body><header><p class=\"brand\">{company} help center</p></header><main>\
<article><h1>{title}</h1><p class=\"meta\">Version {version} · updated {updated}</p>{body}</article>\
</main></body></html>",
        lang = escape(&entry.language),
        title = escape(&entry.title),
        company = escape(&organization.name),
        version = entry.version,
        updated = entry.created_at.format("%Y-%m-%d"),
    );
    let csp = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' https: data:; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    let mut resp = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    Ok(resp)
}

const CSS: &str = "body{margin:0;font:16px/1.6 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2937;background:#f9fafb}\
header{background:#1d4ed8;color:#fff;padding:12px 24px}.brand{margin:0;font-weight:600}\
main{max-width:760px;margin:0 auto;padding:24px}article{background:#fff;border-radius:8px;padding:24px 32px;box-shadow:0 1px 3px rgba(0,0,0,.12)}\
.meta{color:#4b5563;font-size:14px}a{color:#1d4ed8}code,pre{font-family:ui-monospace,Menlo,monospace;background:#f3f4f6;border-radius:4px}\
pre{padding:12px;overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #d1d5db;padding:4px 8px}";

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
