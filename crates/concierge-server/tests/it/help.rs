//! The public help center: a published article is a page with a strict
//! CSP and its markdown rendered safely; retired articles, unknown ids and
//! another tenant's org id in the path all give 404.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app_with_knowledge};

#[tokio::test]
async fn a_published_article_is_a_safe_page_and_only_under_its_tenant() {
    let app = spawn_app_with_knowledge().await;
    let s = app.admin_session("acme").await;
    let other = app.admin_session("globex").await;
    let resp = app
        .post(
            "/v1/admin/knowledge",
            s.token(),
            &json!({
                "title": "Reset <your> password",
                "body": "Open **Settings**.\n\n<script>alert(1)</script>\n\n- one\n- two",
            }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created: Value = resp.json().await.unwrap();
    let id = created["article"]["id"].as_str().unwrap().to_owned();
    let org = s.org();

    let resp = reqwest::get(app.url(&format!("/help/{org}/{id}")))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "no script may run: {csp}");
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("<h1>Reset &lt;your&gt; password</h1>"),
        "{page}"
    );
    assert!(page.contains("<strong>Settings</strong>"), "{page}");
    assert!(page.contains("<li>one</li>"), "{page}");
    assert!(!page.contains("<script>"), "raw HTML is escaped: {page}");

    // Another tenant's org id in the path does not find the article.
    let other_org = other.org();
    let resp = reqwest::get(app.url(&format!("/help/{other_org}/{id}")))
        .await
        .unwrap();
    assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
    // Neither does garbage.
    let resp = reqwest::get(app.url(&format!("/help/{org}/not-a-uuid")))
        .await
        .unwrap();
    assert_error(resp, StatusCode::NOT_FOUND, 3002).await;

    // Retired: gone from the help center.
    let resp = app
        .request(
            Method::DELETE,
            &format!("/v1/admin/knowledge/{id}"),
            s.token(),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let resp = reqwest::get(app.url(&format!("/help/{org}/{id}")))
        .await
        .unwrap();
    assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
}
