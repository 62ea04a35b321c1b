//! The web front end, built by Vite into `web/dist`:
//!
//! - `GET /widget.js` — the embeddable chat widget, cacheable for five
//!   minutes and loadable from any site (`Cross-Origin-Resource-Policy: cross-origin`);
//! - `GET /app`, `GET /app/{*path}` — the agent console and admin app, a
//!   single-page app: a path that is not a file gets `index.html` (never
//!   cached), hashed files under `/app/assets/` are cached for a year;
//! - `GET /demo` — a page that looks like a customer's site and embeds the
//!   widget with a tenant's publishable key (generated here, not built).
//!
//! HTML responses carry a strict content security policy with a fresh nonce,
//! which replaces the `__CSP_NONCE__` placeholder in `index.html` (emotion
//! reads it from `<meta name="csp-nonce">`). Files carry an ETag (their
//! SHA-256) and a matching `If-None-Match` gets 304.
//!
//! Release builds embed `web/dist` in the binary; debug builds read it from
//! the source tree; `server.web_dir` points at another directory. A build
//! without the directory still compiles: the files are then missing (404),
//! and `/app` answers 503 saying how to build the UI.

use std::borrow::Cow;
use std::path::Path;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use rand::RngCore;
use rust_embed::RustEmbed;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult, Code, ErrorBody};
use crate::extract::AppQuery;
use crate::state::AppState;

/// `web/dist`, embedded in release builds, read from disk in debug builds.
#[derive(RustEmbed)]
#[folder = "../../web/dist/"]
#[allow_missing = true]
struct Dist;

/// The placeholder in `index.html` the server replaces with the response's nonce.
pub const NONCE_PLACEHOLDER: &str = "__CSP_NONCE__";

const WIDGET_CACHE: &str = "public, max-age=300";
const IMMUTABLE_CACHE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/widget.js", get(widget))
        .route("/app", get(app_index))
        .route("/app/", get(app_index))
        .route("/app/{*path}", get(app_path))
        .route("/demo", get(demo))
}

/// A file of the built UI.
struct Asset {
    data: Cow<'static, [u8]>,
    /// Quoted strong validator: the file's SHA-256 in hex.
    etag: String,
}

/// Looks `path` (relative, `/`-separated) up in the configured directory or the embedded copy.
async fn asset(state: &AppState, path: &str) -> Option<Asset> {
    if !safe_path(path) {
        return None;
    }
    match &state.config.server.web_dir {
        Some(dir) => {
            let file = dir.join(Path::new(path));
            let data = tokio::fs::read(&file).await.ok()?;
            let etag = quoted_hex(&Sha256::digest(&data));
            Some(Asset {
                data: Cow::Owned(data),
                etag,
            })
        }
        None => Dist::get(path).map(|f| Asset {
            etag: quoted_hex(&f.metadata.sha256_hash()),
            data: f.data,
        }),
    }
}

/// Only plain relative paths: no `..`, no hidden files, no backslashes.
fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 512
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && !seg.starts_with('.')
                && !seg.contains('\\')
                && !seg.contains('\0')
                && !seg.contains(':')
        })
}

fn quoted_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2 + 2);
    out.push('"');
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out.push('"');
    out
}

/// The content type for a file name (with a charset for text).
pub fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Whether `If-None-Match` names `etag` (or `*`).
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// A file response with its cache policy and ETag, or 304.
fn file_response(
    headers: &HeaderMap,
    path: &str,
    asset: Asset,
    cache: &'static str,
    extra: &[(HeaderName, &'static str)],
) -> Response {
    let mut builder = Response::builder()
        .header(header::CACHE_CONTROL, cache)
        .header(header::ETAG, asset.etag.as_str());
    for (name, value) in extra {
        builder = builder.header(name, *value);
    }
    let resp = if not_modified(headers, &asset.etag) {
        builder.status(StatusCode::NOT_MODIFIED).body(Body::empty())
    } else {
        builder
            .header(header::CONTENT_TYPE, content_type(path))
            .body(Body::from(asset.data))
    };
    resp.unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn missing(what: &str) -> ApiError {
    ApiError::new(Code::NotFound, format!("{what} not found"))
}

/// A fresh nonce for one response (128 random bits).
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The policy of the console's HTML: styles only from us or with the nonce.
pub fn app_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// The demo page's policy: like a customer's own page, which has its own
/// rules for inline styles, so the widget's shadow-root styles are allowed.
pub fn demo_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
}

fn html_response(body: String, csp: &str) -> Response {
    let mut resp = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        body,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(csp) {
        resp.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

/// The embeddable chat widget.
#[utoipa::path(get, path = "/widget.js", tag = "web",
    responses((status = 200, content_type = "text/javascript", body = String,
                description = "The widget (IIFE). Cache-Control: public, max-age=300; Cross-Origin-Resource-Policy: cross-origin; ETag"),
              (status = 304, description = "Not modified (If-None-Match matched the ETag)"),
              (status = 404, body = ErrorBody, description = "The UI was not built")))]
pub async fn widget(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let asset = asset(&state, "widget.js")
        .await
        .ok_or_else(|| missing("widget.js (run `make web`)"))?;
    Ok(file_response(
        &headers,
        "widget.js",
        asset,
        WIDGET_CACHE,
        &[(
            HeaderName::from_static("cross-origin-resource-policy"),
            "cross-origin",
        )],
    ))
}

/// The console's `index.html` with a fresh nonce, or 503 when the UI was not built.
async fn index_html(state: &AppState) -> ApiResult<Response> {
    let Some(asset) = asset(state, "app/index.html").await else {
        return Err(ApiError::new(
            Code::UiNotBuilt,
            "the web console was not built; run `make web` and restart (or set server.web_dir)",
        ));
    };
    let nonce = nonce();
    let html = String::from_utf8_lossy(&asset.data).replace(NONCE_PLACEHOLDER, &nonce);
    Ok(html_response(html, &app_csp(&nonce)))
}

/// The agent console and admin app (single-page app).
#[utoipa::path(get, path = "/app", tag = "web",
    responses((status = 200, content_type = "text/html", body = String,
                description = "index.html; Cache-Control: no-cache; a CSP whose style nonce replaces `__CSP_NONCE__` in the page"),
              (status = 503, body = ErrorBody, description = "The UI was not built (`make web`)")))]
pub async fn app_index(State(state): State<AppState>) -> ApiResult<Response> {
    index_html(&state).await
}

/// A file of the console, or `index.html` for any other path (client-side routes).
#[utoipa::path(get, path = "/app/{path}", tag = "web",
    params(("path" = String, Path, description = "A file (e.g. `assets/index-3f2a.js`) or a client-side route")),
    responses((status = 200, description = "The file (assets: cached a year, immutable) or index.html (no-cache)"),
              (status = 304, description = "Not modified"),
              (status = 404, body = ErrorBody, description = "A missing file under assets/"),
              (status = 503, body = ErrorBody, description = "The UI was not built")))]
pub async fn app_path(
    State(state): State<AppState>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let rel = format!("app/{path}");
    if path.starts_with("assets/") {
        // Hashed file names: a missing one is a stale page, not a route.
        let asset = asset(&state, &rel).await.ok_or_else(|| missing("asset"))?;
        return Ok(file_response(&headers, &rel, asset, IMMUTABLE_CACHE, &[]));
    }
    if path == "index.html" || path.is_empty() {
        return index_html(&state).await;
    }
    match asset(&state, &rel).await {
        Some(asset) if !rel.ends_with(".html") => {
            Ok(file_response(&headers, &rel, asset, NO_CACHE, &[]))
        }
        _ => index_html(&state).await,
    }
}

/// Which tenant's widget the demo page embeds.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DemoQuery {
    /// The tenant's slug (default: the first tenant).
    pub tenant: Option<String>,
}

/// A sample customer website with the chat widget embedded.
#[utoipa::path(get, path = "/demo", tag = "web", params(DemoQuery),
    responses((status = 200, content_type = "text/html", body = String,
                description = "Embeds `<script src=\"/widget.js\" data-tenant-key=\"…\" defer>` with the tenant's publishable widget key"),
              (status = 404, body = ErrorBody, description = "No such tenant (or none exists yet)")))]
pub async fn demo(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<DemoQuery>,
) -> ApiResult<Response> {
    let org = match q.tenant.as_deref() {
        Some(slug) => state
            .store
            .organization_by_slug(slug)
            .await?
            .ok_or_else(|| {
                ApiError::new(Code::NotFound, "no tenant has that slug")
                    .with_details(serde_json::json!({ "field": "tenant" }))
            })?,
        None => state
            .store
            .first_organization()
            .await?
            .ok_or_else(|| ApiError::new(Code::NotFound, "no tenant exists yet"))?,
    };
    let nonce = nonce();
    Ok(html_response(
        demo_page(&org.name, &org.widget_key, &nonce),
        &demo_csp(&nonce),
    ))
}

/// Escapes text for HTML content and double-quoted attributes.
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

fn demo_page(company: &str, widget_key: &str, nonce: &str) -> String {
    let company = escape(company);
    let key = escape(widget_key);
    let nonce = escape(nonce);
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{company} — Help Center</title>
<style nonce="{nonce}">
  body {{ margin: 0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933; background: #f5f7fa; }}
  header {{ background: #0b3d91; color: #fff; padding: 1rem 2rem; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; justify-content: space-between; align-items: center; }}
  header nav {{ display: flex; flex-wrap: wrap; gap: .25rem 1.5rem; }}
  header nav a {{ color: #dbe7ff; text-decoration: none; }}
  @media (max-width: 480px) {{ header, .hero {{ padding-left: 1rem; padding-right: 1rem; }} }}
  .hero {{ padding: 3rem 2rem; background: linear-gradient(120deg, #0b3d91, #1d6fd8); color: #fff; }}
  .hero h1 {{ margin: 0 0 .5rem; font-size: 2.2rem; }}
  main {{ max-width: 960px; margin: 2rem auto; padding: 0 1rem; display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 1rem; }}
  .card {{ background: #fff; border-radius: 8px; padding: 1.25rem; box-shadow: 0 1px 3px rgba(0,0,0,.08); }}
  .card h2 {{ font-size: 1.1rem; margin-top: 0; }}
  footer {{ text-align: center; color: #52606d; padding: 2rem; font-size: .9rem; }}
</style>
</head>
<body>
<header><strong>{company}</strong><nav><a href="/demo">Products</a><a href="/demo">Pricing</a><a href="/demo">Support</a></nav></header>
<section class="hero">
  <h1>How can we help?</h1>
  <p>Search our guides, or chat with us using the button in the corner.</p>
</section>
<main>
  <div class="card"><h2>Getting started</h2><p>Set up your account, invite your team and connect your data.</p></div>
  <div class="card"><h2>Billing &amp; plans</h2><p>Invoices, payment methods, upgrades and refunds.</p></div>
  <div class="card"><h2>Sign-in problems</h2><p>Password resets, locked accounts and single sign-on.</p></div>
  <div class="card"><h2>Integrations</h2><p>Salesforce, Slack and the API: set-up and troubleshooting.</p></div>
</main>
<footer>This is a demo page served by Concierge to show the chat widget on a customer's site.</footer>
<script src="/widget.js" data-tenant-key="{key}" nonce="{nonce}" defer></script>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_looked_up() {
        assert!(safe_path("app/assets/index-3f2a.js"));
        assert!(safe_path("widget.js"));
        for bad in [
            "",
            "../etc/passwd",
            "app/../../x",
            "app//x",
            "/abs",
            ".env",
            "app/.git/config",
            "a\\b",
            "c:x",
        ] {
            assert!(!safe_path(bad), "{bad}");
        }
    }

    #[test]
    fn etags_match_exactly_weakly_or_by_star() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"b\""),
        );
        assert!(not_modified(&h, "\"a\""));
        assert!(not_modified(&h, "\"b\""));
        assert!(!not_modified(&h, "\"c\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(not_modified(&h, "\"c\""));
        assert!(!not_modified(&HeaderMap::new(), "\"c\""));
    }

    #[test]
    fn the_demo_page_escapes_what_it_embeds() {
        let page = demo_page("<b>Acme</b>", "wk_\"x", "n0nce");
        assert!(page.contains("&lt;b&gt;Acme&lt;/b&gt;"));
        assert!(page.contains(r#"data-tenant-key="wk_&quot;x""#));
        assert!(!page.contains("<b>Acme"));
    }

    #[test]
    fn content_types_carry_a_charset_for_text() {
        assert_eq!(content_type("a/b.JS"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("x.woff2"), "font/woff2");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
