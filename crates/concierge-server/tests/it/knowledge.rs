//! The knowledge admin API over the real knowledge base: what an admin
//! writes is searchable at once, versions accumulate, retired articles leave
//! the index, imports read the CLI's file formats, usage is reported, agents
//! read only, and tenants never see each other's articles.

use concierge_core::{KnowledgeId, OrgId, Role};
use concierge_knowledge::SearchQuery;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, assert_invalid_field, spawn_app_with_knowledge, TestApp};

/// The slugs the knowledge base's own search finds for `text`.
fn search(app: &TestApp, org: OrgId, text: &str) -> Vec<String> {
    let kb = app
        .state()
        .services
        .as_ref()
        .unwrap()
        .knowledge()
        .unwrap()
        .clone();
    let query = SearchQuery {
        text: text.into(),
        limit: 10,
        per_article: 1,
        ..Default::default()
    };
    kb.search(org, &query)
        .unwrap()
        .into_iter()
        .map(|p| p.citation.slug)
        .collect()
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: &Value,
) -> reqwest::Response {
    app.request(method, path, token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_article_is_searchable_at_once_through_every_change() {
    let app = spawn_app_with_knowledge().await;
    let s = app.admin_session("acme").await;
    let org = s.org();

    let resp = app
        .post(
            "/v1/admin/knowledge",
            s.token(),
            &json!({
                "title": "Rotate the flux capacitor",
                "body": "Open Setup and press the zorbulator button twice to rotate it.",
                "category": "howto", "tags": ["flux"],
            }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created: Value = resp.json().await.unwrap();
    let id = created["article"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["article"]["slug"], "rotate-the-flux-capacitor");
    assert_eq!(created["article"]["version"], 1);
    assert_eq!(created["versions"].as_array().unwrap().len(), 1);
    assert_eq!(created["usage"]["cited"], 0);
    assert_eq!(
        search(&app, org, "zorbulator"),
        vec!["rotate-the-flux-capacitor"]
    );

    // A new version: the old words leave the index, the new ones arrive.
    let resp = send(
        &app,
        Method::PUT,
        &format!("/v1/admin/knowledge/{id}"),
        s.token(),
        &json!({ "title": "Rotate the flux capacitor", "body": "Use the quantumflange lever instead." }),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let updated: Value = resp.json().await.unwrap();
    assert_eq!(updated["article"]["id"], json!(id));
    assert_eq!(updated["article"]["version"], 2);
    let versions: Vec<i64> = updated["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, vec![2, 1]);
    assert_eq!(
        search(&app, org, "quantumflange"),
        vec!["rotate-the-flux-capacitor"]
    );
    assert!(search(&app, org, "zorbulator").is_empty());

    // Listed, found by `q`, with an excerpt and no body.
    let page: Value = app
        .get("/v1/admin/knowledge?q=quantumflange", s.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["items"][0]["id"], json!(id));
    assert_eq!(page["items"][0]["version"], 2);
    assert!(page["items"][0].get("body").is_none());
    let page: Value = app
        .get("/v1/admin/knowledge?q=nothing-like-this", s.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 0);

    // Retired: gone from reads, lists and the index.
    let resp = send(
        &app,
        Method::DELETE,
        &format!("/v1/admin/knowledge/{id}"),
        s.token(),
        &json!({}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(search(&app, org, "quantumflange").is_empty());
    assert_error(
        app.get(&format!("/v1/admin/knowledge/{id}"), s.token())
            .await,
        StatusCode::NOT_FOUND,
        3002,
    )
    .await;
    let page: Value = app
        .get("/v1/admin/knowledge", s.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 0);
    let resp = send(
        &app,
        Method::DELETE,
        &format!("/v1/admin/knowledge/{id}"),
        s.token(),
        &json!({}),
    )
    .await;
    assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
    app.stop().await;
}

#[tokio::test]
async fn usage_paging_validation_roles_and_tenants() {
    let app = spawn_app_with_knowledge().await;
    let s = app.admin_session("acme").await;
    let mut ids = Vec::new();
    for title in ["Alpha guide", "Beta guide", "Gamma guide"] {
        let resp = app
            .post(
                "/v1/admin/knowledge",
                s.token(),
                &json!({ "title": title, "body": format!("{title} body text.") }),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let v: Value = resp.json().await.unwrap();
        ids.push(
            v["article"]["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap(),
        );
    }
    // Beta was cited four times and led to one resolution.
    let beta = KnowledgeId(ids[1]);
    let store = &app.state().store;
    for _ in 0..4 {
        store
            .record_knowledge_citations(s.org(), &[beta], chrono::Utc::now())
            .await
            .unwrap();
    }
    store
        .record_knowledge_resolutions(s.org(), &[beta])
        .await
        .unwrap();

    let page: Value = app
        .get("/v1/admin/knowledge?limit=2&offset=1", s.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);
    assert_eq!(
        (page["limit"].as_u64(), page["offset"].as_u64()),
        (Some(2), Some(1))
    );
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["slug"], "beta-guide");
    assert_eq!(items[0]["usage"]["cited"], 4);
    assert_eq!(items[0]["usage"]["resolved"], 1);
    assert_eq!(items[0]["usage"]["resolution_rate"], 0.25);
    assert_eq!(items[1]["usage"]["resolution_rate"], Value::Null);

    // Validation names the field.
    assert_invalid_field(
        app.get("/v1/admin/knowledge?limit=0", s.token()).await,
        "limit",
    )
    .await;
    assert_invalid_field(
        app.post(
            "/v1/admin/knowledge",
            s.token(),
            &json!({ "title": " ", "body": "x" }),
        )
        .await,
        "title",
    )
    .await;
    assert_invalid_field(
        app.post(
            "/v1/admin/knowledge",
            s.token(),
            &json!({ "title": "T", "body": "" }),
        )
        .await,
        "body",
    )
    .await;
    assert_invalid_field(
        app.post(
            "/v1/admin/knowledge",
            s.token(),
            &json!({ "title": "T", "body": "b", "slug": "Bad Slug!" }),
        )
        .await,
        "slug",
    )
    .await;
    assert_invalid_field(
        app.post("/v1/admin/knowledge", s.token(), &json!({ "body": "b" }))
            .await,
        "title",
    )
    .await;
    let err = assert_error(
        app.post(
            "/v1/admin/knowledge",
            s.token(),
            &json!({ "title": "Alpha guide", "body": "again" }),
        )
        .await,
        StatusCode::CONFLICT,
        3003,
    )
    .await;
    assert_eq!(err["details"]["field"], "slug");
    let resp = send(
        &app,
        Method::PUT,
        &format!("/v1/admin/knowledge/{}", ids[0]),
        s.token(),
        &json!({ "title": "A", "body": "b", "slug": "other" }),
    )
    .await;
    assert_invalid_field(resp, "slug").await;

    // Agents read and search but do not write.
    app.create_staff(s.org(), "agent@acme.test", Role::Agent)
        .await;
    let agent = app.sign_in_ok("agent@acme.test", "acme").await;
    let resp = app
        .get("/v1/admin/knowledge?q=beta", &agent.access_token)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page: Value = resp.json().await.unwrap();
    assert_eq!(page["items"][0]["slug"], "beta-guide");
    let resp = app
        .get(
            &format!("/v1/admin/knowledge/{}", ids[0]),
            &agent.access_token,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_error(
        app.post(
            "/v1/admin/knowledge",
            &agent.access_token,
            &json!({ "title": "T", "body": "b" }),
        )
        .await,
        StatusCode::FORBIDDEN,
        1002,
    )
    .await;
    let resp = send(
        &app,
        Method::DELETE,
        &format!("/v1/admin/knowledge/{}", ids[0]),
        &agent.access_token,
        &json!({}),
    )
    .await;
    assert_error(resp, StatusCode::FORBIDDEN, 1002).await;
    let visitor = app.visitor(&s.tenant.org.widget_key, None).await;
    assert_error(
        app.get("/v1/admin/knowledge", &visitor.access_token).await,
        StatusCode::FORBIDDEN,
        1002,
    )
    .await;

    // Another tenant sees none of it and cannot touch it.
    let other = app.admin_session("other").await;
    let page: Value = app
        .get("/v1/admin/knowledge", other.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 0);
    assert_error(
        app.get(&format!("/v1/admin/knowledge/{}", ids[0]), other.token())
            .await,
        StatusCode::NOT_FOUND,
        3002,
    )
    .await;
    let resp = send(
        &app,
        Method::PUT,
        &format!("/v1/admin/knowledge/{}", ids[0]),
        other.token(),
        &json!({ "title": "Hijack", "body": "mine now" }),
    )
    .await;
    assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
    let resp = send(
        &app,
        Method::DELETE,
        &format!("/v1/admin/knowledge/{}", ids[0]),
        other.token(),
        &json!({}),
    )
    .await;
    assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
    assert!(search(&app, other.org(), "alpha").is_empty());
    // (Another tenant's retire once removed the article from the index.)
    assert_eq!(search(&app, s.org(), "alpha"), vec!["alpha-guide"]);
    app.stop().await;
}

fn file(name: &str, text: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_owned())
}

async fn upload(app: &TestApp, token: &str, form: reqwest::multipart::Form) -> reqwest::Response {
    app.request(Method::POST, "/v1/admin/knowledge/import", token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn files_are_imported_in_the_clis_formats_and_bad_ones_name_the_problem() {
    let app = spawn_app_with_knowledge().await;
    let s = app.admin_session("acme").await;
    let markdown = "---\ntitle: Reset the hyperdrive\ntags: [drive]\n---\n# Steps\n\nHold the plimbus key for ten seconds.\n";
    let html = "<html><head><title>Warp coil care</title></head><body><h1>Warp coil care</h1><p>Polish the coil with vortexite weekly.</p></body></html>";
    let json_file = r#"[{"slug": "json-one", "title": "Dilithium refills", "body": "Order refills from the quartermaster."}]"#;
    let form = reqwest::multipart::Form::new()
        .part("files", file("hyperdrive.md", markdown))
        .part("files", file("warp-coil.html", html))
        .part("files", file("more.json", json_file))
        .part(
            "files",
            file("notes.txt", "Plain text about the tachyon relay."),
        )
        .text("category", "engineering");
    let resp = upload(&app, s.token(), form).await;
    let status = resp.status();
    let report: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["files"], 4);
    assert_eq!(report["articles"], 4);
    assert_eq!(report["created"], 4);
    assert!(report["chunks"].as_u64().unwrap() >= 4, "{report}");
    assert_eq!(
        report["slugs"],
        json!(["hyperdrive", "warp-coil", "json-one", "notes"])
    );
    assert_eq!(search(&app, s.org(), "plimbus"), vec!["hyperdrive"]);
    assert_eq!(search(&app, s.org(), "vortexite"), vec!["warp-coil"]);
    let page: Value = app
        .get("/v1/admin/knowledge?q=tachyon", s.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["slug"], "notes");
    assert_eq!(page["items"][0]["category"], "engineering");

    // The same files again: nothing changes.
    let form = reqwest::multipart::Form::new()
        .part("files", file("hyperdrive.md", markdown))
        .text("category", "engineering");
    let report: Value = upload(&app, s.token(), form).await.json().await.unwrap();
    assert_eq!(
        (report["created"].as_u64(), report["unchanged"].as_u64()),
        (Some(0), Some(1))
    );

    // Problems: unsupported type, bad front matter, nothing uploaded, not multipart.
    let form = reqwest::multipart::Form::new().part("files", file("manual.pdf", "%PDF"));
    let err = assert_error(
        upload(&app, s.token(), form).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        2003,
    )
    .await;
    assert_eq!(err["details"]["origin"], "manual.pdf");
    let form = reqwest::multipart::Form::new()
        .part("files", file("ok.md", "# Fine\n\nFine body.\n"))
        .part(
            "files",
            file(
                "broken.md",
                "---\ntitle: X\nslug: \"Not A Slug\"\n---\nbody\n",
            ),
        );
    let err = assert_invalid_field(upload(&app, s.token(), form).await, "slug").await;
    assert!(
        err["message"].as_str().unwrap().contains("Not A Slug"),
        "{err}"
    );
    // All or nothing: the good file of that upload was not stored.
    assert!(search(&app, s.org(), "fine body").is_empty());
    let form = reqwest::multipart::Form::new().text("language", "en");
    assert_invalid_field(upload(&app, s.token(), form).await, "files").await;
    let resp = app
        .post("/v1/admin/knowledge/import", s.token(), &json!({}))
        .await;
    assert_error(resp, StatusCode::UNSUPPORTED_MEDIA_TYPE, 2003).await;
    // Too large a file.
    let big = "x".repeat(2 * 1024 * 1024 + 10);
    let form = reqwest::multipart::Form::new().part("files", file("big.txt", &big));
    assert_error(
        upload(&app, s.token(), form).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        2002,
    )
    .await;

    // Agents may not import.
    app.create_staff(s.org(), "agent@acme.test", Role::Agent)
        .await;
    let agent = app.sign_in_ok("agent@acme.test", "acme").await;
    let form = reqwest::multipart::Form::new().part("files", file("a.md", "# A\n\nB\n"));
    assert_error(
        upload(&app, &agent.access_token, form).await,
        StatusCode::FORBIDDEN,
        1002,
    )
    .await;
    app.stop().await;
}
