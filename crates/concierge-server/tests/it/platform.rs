//! What every deployment relies on: health endpoints, metrics, the OpenAPI
//! document and docs page, security headers and CORS.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn health_readiness_and_liveness_report_a_working_server() {
    let app = spawn_app().await;
    let resp = app.get("/health", "").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let health: Value = resp.json().await.unwrap();
    assert_eq!(health["status"], "healthy");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(health["engine"], "placeholder");
    assert_eq!(health["checks"]["database"]["status"], "healthy");
    let timestamp = health["timestamp"].as_str().unwrap();
    let at = chrono::DateTime::parse_from_rfc3339(timestamp).unwrap();
    let skew = (chrono::Utc::now() - at.with_timezone(&chrono::Utc)).num_seconds();
    assert!(skew.abs() < 60, "timestamp {timestamp} is now");

    let ready: Value = app.get("/health/ready", "").await.json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    let live: Value = app.get("/health/live", "").await.json().await.unwrap();
    assert_eq!(live["status"], "alive");

    let tenant = app.create_tenant("acme").await;
    let tokens = app.sign_in_ok(&tenant.admin_email, "acme").await;

    // With the database gone, readiness says so (liveness does not care)…
    app.state().store.close().await;
    let resp = app.get("/health/ready", "").await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let resp = app.get("/health", "").await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let health: Value = resp.json().await.unwrap();
    assert_eq!(health["status"], "unhealthy");
    assert_eq!(app.get("/health/live", "").await.status(), StatusCode::OK);
    // …and requests that need it get a retryable 503 that says nothing about internals.
    let resp = app.get("/v1/conversations", &tokens.access_token).await;
    assert_eq!(resp.headers()["retry-after"], "2");
    let error = crate::helpers::assert_error(resp, StatusCode::SERVICE_UNAVAILABLE, 4002).await;
    assert_eq!(error["name"], "database_unavailable");
    let message = error["message"].as_str().unwrap().to_ascii_lowercase();
    assert!(
        !message.contains("pool") && !message.contains("sqlx") && !message.contains("sqlite"),
        "{message}"
    );
    app.stop().await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let id = app.new_conversation_id(s.token()).await;
    app.say(s.token(), id, "counted").await;
    for _ in 0..3 {
        app.conversation(s.token(), id).await;
    }
    app.get("/v1/nowhere", "").await;
    // Made-up methods do not become label values (each would be a new time series).
    for method in ["BREW", "WHEN", "XYZZY"] {
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        app.request(m, "/v1/conversations", "")
            .send()
            .await
            .unwrap();
    }

    let resp = app.get("/metrics", "").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("concierge_http_requests_total{")
                && l.contains("route=\"/v1/conversations/{id}\"")
                && l.contains("method=\"GET\"")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no request counter for the route:\n{text}"));
    assert!(line.ends_with(" 3"), "{line}");
    assert!(
        !text.contains(&id.to_string()),
        "raw paths (ids) never become labels"
    );
    assert!(text.contains("route=\"unmatched\""), "{text}");
    assert!(text.contains("status=\"404\""));
    for method in ["BREW", "WHEN", "XYZZY"] {
        assert!(!text.contains(method), "{method} became a label value");
    }
    assert!(text.contains("method=\"OTHER\""), "{text}");
    assert!(text.contains("concierge_http_request_duration_seconds_bucket"));
    assert!(
        text.contains("concierge_messages_stored_total{sender=\"human_agent\"} 1"),
        "{text}"
    );
    assert!(text.contains("concierge_db_pool_max_connections"));
    app.stop().await;
}

/// The web UI's typed client is generated from `web/openapi.json`
/// (`npm run api`); that file must be the document this server serves, or the
/// client is typed against an API that no longer exists. Set
/// `UPDATE_OPENAPI=1` to rewrite it from the server.
#[tokio::test]
async fn the_web_clients_openapi_document_is_the_servers() {
    let app = spawn_app().await;
    let live: Value = app.get("/openapi.json", "").await.json().await.unwrap();
    app.stop().await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        let mut text = serde_json::to_string_pretty(&live).unwrap();
        text.push('\n');
        std::fs::write(&path, text).unwrap();
        return;
    }
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    if committed != live {
        let (c, l) = (&committed["paths"], &live["paths"]);
        let keys = |v: &Value| -> std::collections::BTreeSet<String> {
            v.as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default()
        };
        let changed: Vec<_> = keys(c)
            .union(&keys(l))
            .filter(|k| c.get(k.as_str()) != l.get(k.as_str()))
            .cloned()
            .collect();
        panic!(
            "web/openapi.json differs from the server's /openapi.json (paths that differ: {changed:?}; \
             schemas differ: {}). Regenerate: UPDATE_OPENAPI=1 cargo test -p concierge-server --test it \
             the_web_clients_openapi, then `cd web && npm run api`.",
            committed["components"] != live["components"]
        );
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_operation() {
    let app = spawn_app().await;
    let resp = app.get("/openapi.json", "").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let doc: Value = resp.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/v1/conversations", "post"),
        ("/v1/conversations", "get"),
        ("/v1/conversations/{id}", "get"),
        ("/v1/conversations/{id}/messages", "post"),
        ("/v1/auth/token", "post"),
        ("/v1/auth/refresh", "post"),
        ("/v1/api-keys", "post"),
        ("/health", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is documented"
        );
    }
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            operations += 1;
            let responses = op["responses"].as_object();
            assert!(
                responses.is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
        }
    }
    assert!(operations >= 15, "{operations}");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    app.stop().await;
}

#[tokio::test]
async fn the_docs_page_and_its_script_load() {
    let app = spawn_app().await;
    let resp = app.get("/api/docs", "").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = resp.text().await.unwrap();
    assert!(html.contains("<script src=\"/api/docs/docs.js\">"));
    for (asset, kind) in [
        ("/api/docs/docs.js", "javascript"),
        ("/api/docs/docs.css", "text/css"),
    ] {
        let resp = app.get(asset, "").await;
        assert_eq!(resp.status(), StatusCode::OK, "{asset}");
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.contains(kind), "{asset}: {ct}");
        assert!(!resp.text().await.unwrap().is_empty());
    }
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::GET, "/health"),
        (Method::GET, "/v1/conversations"), // 401
        (Method::GET, "/v1/nowhere"),       // 404
        (Method::GET, "/api/docs"),
    ] {
        let resp = app.request(method, path, "").send().await.unwrap();
        let h = resp.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(
            h["strict-transport-security"]
                .to_str()
                .unwrap()
                .contains("max-age="),
            "{path}"
        );
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let allowed = "https://app.example.com";
    let app = spawn_app_with(|c| c.server.cors_allowed_origins = vec![allowed.to_owned()]).await;

    let resp = app
        .client
        .get(app.url("/health"))
        .header("origin", allowed)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["access-control-allow-origin"], allowed);
    let exposed = resp.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");

    let resp = app
        .client
        .get(app.url("/health"))
        .header("origin", "https://evil.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(!resp.headers().contains_key("access-control-allow-origin"));

    // A preflight for a JSON POST with a bearer token to a staff endpoint
    // (the widget's endpoints are open to any origin: see ui.rs).
    for (origin, allowed_expected) in [(allowed, true), ("https://evil.example.com", false)] {
        let resp = app
            .client
            .request(Method::OPTIONS, app.url("/v1/api-keys"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{origin}: {}", resp.status());
        let h = resp.headers();
        assert_eq!(
            h.get("access-control-allow-origin").is_some(),
            allowed_expected,
            "{origin}"
        );
        if allowed_expected {
            let methods = h["access-control-allow-methods"].to_str().unwrap();
            assert!(methods.contains("POST"), "{methods}");
            let headers = h["access-control-allow-headers"]
                .to_str()
                .unwrap()
                .to_ascii_lowercase();
            assert!(headers.contains("authorization") && headers.contains("content-type"));
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn the_index_points_at_the_docs() {
    let app = spawn_app().await;
    let index: Value = app.get("/", "").await.json().await.unwrap();
    assert_eq!(index["docs"], "/api/docs");
    assert_eq!(index["openapi"], "/openapi.json");
    assert_eq!(index["version"], env!("CARGO_PKG_VERSION"));
    app.stop().await;
}
