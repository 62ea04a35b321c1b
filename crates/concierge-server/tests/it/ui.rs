//! The web UI as served: the widget script, the console SPA with its
//! per-response CSP nonce and fallback, ETags, the demo page with the
//! tenant's real widget key, and CORS that is open for the widget's
//! endpoints and closed for staff ones.

use std::path::PathBuf;

use reqwest::{Method, StatusCode};

use crate::helpers::{assert_error, spawn_app_with, TestApp};

const INDEX: &str = r#"<!doctype html><html><head><meta name="csp-nonce" content="__CSP_NONCE__"><script type="module" src="/app/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>"#;
const WIDGET: &str = "(function(){console.log('widget')})();";

/// A temporary `dist` laid out as Vite builds it; removed on drop.
struct Dist(PathBuf);

impl Dist {
    fn new(with_app: bool) -> Self {
        let dir = std::env::temp_dir().join(format!("concierge-dist-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("app/assets")).unwrap();
        std::fs::write(dir.join("widget.js"), WIDGET).unwrap();
        if with_app {
            std::fs::write(dir.join("app/index.html"), INDEX).unwrap();
            std::fs::write(dir.join("app/assets/index-abc123.js"), "export {};").unwrap();
            std::fs::write(dir.join("app/assets/index-abc123.css"), "body{}").unwrap();
            std::fs::write(dir.join("app/favicon.svg"), "<svg/>").unwrap();
        }
        Dist(dir)
    }
}

impl Drop for Dist {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn app_with(dist: &Dist) -> TestApp {
    let dir = dist.0.clone();
    spawn_app_with(move |c| {
        c.server.web_dir = Some(dir);
        c.server.cors_allowed_origins = vec!["https://console.example.com".to_owned()];
    })
    .await
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The nonce of a CSP's style-src (or script-src) directive.
fn nonce_of(csp: &str) -> String {
    let start = csp.find("'nonce-").expect("a nonce in the CSP") + "'nonce-".len();
    csp[start..].split('\'').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_widget_is_served_cacheable_and_loadable_from_other_sites() {
    let dist = Dist::new(true);
    let app = app_with(&dist).await;
    let resp = app.get("/widget.js", "").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        header(&resp, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&resp, "cache-control"), "public, max-age=300");
    assert_eq!(
        header(&resp, "cross-origin-resource-policy"),
        "cross-origin"
    );
    let etag = header(&resp, "etag");
    assert!(etag.starts_with('"') && etag.len() == 66, "{etag}");
    assert_eq!(resp.text().await.unwrap(), WIDGET);

    // A matching ETag: 304 without a body; a stale one: the file.
    let resp = app
        .client
        .get(app.url("/widget.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&resp, "etag"), etag);
    assert!(resp.bytes().await.unwrap().is_empty());
    let resp = app
        .client
        .get(app.url("/widget.js"))
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // The file changes (a new build): the ETag follows.
    std::fs::write(dist.0.join("widget.js"), "/* v2 */").unwrap();
    let resp = app
        .client
        .get(app.url("/widget.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_ne!(header(&resp, "etag"), etag);
    assert_eq!(resp.text().await.unwrap(), "/* v2 */");
    app.stop().await;
}

#[tokio::test]
async fn the_console_gets_index_html_with_a_fresh_nonce_for_every_route() {
    let dist = Dist::new(true);
    let app = app_with(&dist).await;
    let mut nonces = Vec::new();
    for path in [
        "/app",
        "/app/",
        "/app/conversations/019364a2",
        "/app/admin/knowledge",
    ] {
        let resp = app.get(path, "").await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&resp, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&resp, "cache-control"), "no-cache", "{path}");
        let csp = header(&resp, "content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self';",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        let nonce = nonce_of(&csp);
        assert!(
            csp.contains(&format!("style-src 'self' 'nonce-{nonce}'")),
            "{csp}"
        );
        assert!(nonce.len() >= 22, "{nonce}");
        let body = resp.text().await.unwrap();
        assert!(
            body.contains(&format!(r#"<meta name="csp-nonce" content="{nonce}">"#)),
            "{body}"
        );
        assert!(!body.contains("__CSP_NONCE__"));
        nonces.push(nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 4, "every response has its own nonce");
    app.stop().await;
}

#[tokio::test]
async fn console_assets_are_immutable_and_missing_ones_are_404_not_html() {
    let dist = Dist::new(true);
    let app = app_with(&dist).await;
    let resp = app.get("/app/assets/index-abc123.js", "").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        header(&resp, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        header(&resp, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let etag = header(&resp, "etag");
    let resp = app
        .client
        .get(app.url("/app/assets/index-abc123.js"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);

    let resp = app.get("/app/assets/index-abc123.css", "").await;
    assert_eq!(header(&resp, "content-type"), "text/css; charset=utf-8");

    // Another file at the top of the app: served as itself, revalidated.
    let resp = app.get("/app/favicon.svg", "").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "content-type"), "image/svg+xml");
    assert_eq!(header(&resp, "cache-control"), "no-cache");

    let resp = app.get("/app/assets/index-gone.js", "").await;
    assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
    // Traversal never leaves the directory.
    let resp = app.get("/app/assets/..%2F..%2Fwidget.js", "").await;
    assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
    app.stop().await;
}

#[tokio::test]
async fn without_a_built_ui_the_console_is_503_and_files_are_404() {
    let dist = Dist::new(false);
    std::fs::remove_file(dist.0.join("widget.js")).unwrap();
    let app = app_with(&dist).await;
    let err = assert_error(
        app.get("/app/conversations", "").await,
        StatusCode::SERVICE_UNAVAILABLE,
        4005,
    )
    .await;
    assert!(
        err["message"].as_str().unwrap().contains("make web"),
        "{err}"
    );
    assert_error(
        app.get("/app", "").await,
        StatusCode::SERVICE_UNAVAILABLE,
        4005,
    )
    .await;
    assert_error(app.get("/widget.js", "").await, StatusCode::NOT_FOUND, 3002).await;
    app.stop().await;
}

#[tokio::test]
async fn the_demo_page_embeds_the_tenants_real_widget_key() {
    let dist = Dist::new(true);
    let app = app_with(&dist).await;
    assert_error(app.get("/demo", "").await, StatusCode::NOT_FOUND, 3002).await;
    let first = app.create_tenant("first").await;
    let second = app.create_tenant("second").await;

    let resp = app.get("/demo", "").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "content-type"), "text/html; charset=utf-8");
    let csp = header(&resp, "content-security-policy");
    assert!(csp.contains("style-src 'self' 'unsafe-inline'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = nonce_of(&csp);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains(&format!(
            r#"<script src="/widget.js" data-tenant-key="{}" nonce="{nonce}" defer></script>"#,
            first.org.widget_key
        )),
        "{body}"
    );

    let body = app
        .get("/demo?tenant=second", "")
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains(&second.org.widget_key), "{body}");
    assert!(!body.contains(&first.org.widget_key));

    let err = assert_error(
        app.get("/demo?tenant=nobody", "").await,
        StatusCode::NOT_FOUND,
        3002,
    )
    .await;
    assert_eq!(err["details"]["field"], "tenant");
    app.stop().await;
}

async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn widget_endpoints_accept_any_origin_and_staff_ones_only_the_configured() {
    let dist = Dist::new(true);
    let app = app_with(&dist).await;
    let foreign = "https://shop.customer-site.example";
    let id = "019364a2-6c1e-7d43-9a51-2f1c2b7d9e10";
    for (path, method) in [
        ("/v1/auth/visitor", "POST"),
        ("/v1/conversations", "POST"),
        (&format!("/v1/conversations/{id}") as &str, "GET"),
        (&format!("/v1/conversations/{id}/messages"), "POST"),
        (&format!("/v1/conversations/{id}/csat"), "POST"),
        ("/v1/ws", "GET"),
    ] {
        let resp = preflight(&app, path, foreign, method).await;
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        assert_eq!(header(&resp, "access-control-allow-origin"), "*", "{path}");
        assert!(
            !resp
                .headers()
                .contains_key("access-control-allow-credentials"),
            "{path}"
        );
        let headers = header(&resp, "access-control-allow-headers").to_ascii_lowercase();
        assert!(headers.contains("authorization"), "{path}: {headers}");
    }
    // A real visitor sign-in from a foreign page is readable by it.
    let tenant = app.create_tenant("shop").await;
    let resp = app
        .client
        .post(app.url("/v1/auth/visitor"))
        .header("origin", foreign)
        .json(&serde_json::json!({ "widget_key": tenant.org.widget_key }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "access-control-allow-origin"), "*");

    // Staff endpoints: the foreign origin gets no CORS grant, the configured one does.
    for (path, method) in [
        ("/v1/auth/token", "POST"),
        ("/v1/escalations", "GET"),
        (&format!("/v1/conversations/{id}/claim") as &str, "POST"),
        ("/v1/analytics/overview", "GET"),
    ] {
        let resp = preflight(&app, path, foreign, method).await;
        assert!(
            !resp.headers().contains_key("access-control-allow-origin"),
            "{path}"
        );
        let resp = preflight(&app, path, "https://console.example.com", method).await;
        assert_eq!(
            header(&resp, "access-control-allow-origin"),
            "https://console.example.com",
            "{path}"
        );
    }
    app.stop().await;
}
