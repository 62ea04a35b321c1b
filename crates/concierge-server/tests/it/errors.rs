//! Every way a request can be refused: the status, our error code, the field
//! when there is one, and the request id that ties the body to the logs.

use concierge_core::{ConversationStatus, Role};
use concierge_server::auth::Claims;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, assert_invalid_field, id_of, spawn_app, spawn_app_with};

/// An access token for `claims` signed with the server's own secret.
async fn sign(app: &crate::helpers::TestApp, claims: &Claims) -> String {
    // Unconfigured, the secret is generated once and kept in the database.
    let secret = app
        .state()
        .store
        .instance_setting_or_insert("jwt_secret", "not the secret in use")
        .await
        .unwrap();
    assert_ne!(secret, "not the secret in use");
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn missing_or_invalid_credentials_are_401_unauthorized() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let resp = app.get("/v1/conversations", "").await;
    assert_error(resp, StatusCode::UNAUTHORIZED, 1001).await;

    for bad in [
        "not-a-jwt",
        "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl",
        "ck_nope",
        "ck_abcdefgh_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ] {
        let resp = app.get("/v1/conversations", bad).await;
        let error = assert_error(resp, StatusCode::UNAUTHORIZED, 1001).await;
        assert_eq!(error["name"], "unauthorized");
    }
    let resp = app
        .client
        .get(app.url("/v1/conversations"))
        .header("authorization", format!("Basic {}", s.token()))
        .send()
        .await
        .unwrap();
    assert_error(resp, StatusCode::UNAUTHORIZED, 1001).await;

    // A token signed with another secret.
    let foreign = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims(&s, 900),
        &jsonwebtoken::EncodingKey::from_secret(&[7u8; 48]),
    )
    .unwrap();
    let resp = app.get("/v1/conversations", &foreign).await;
    assert_error(resp, StatusCode::UNAUTHORIZED, 1001).await;
    app.stop().await;
}

fn claims(s: &crate::helpers::Session, ttl: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: s.tokens.user["id"].as_str().unwrap().parse().unwrap(),
        org: s.org().0,
        role: Role::Admin,
        fam: None,
        iat: now - 1000,
        exp: now + ttl,
        iss: "concierge".into(),
    }
}

#[tokio::test]
async fn an_expired_access_token_is_1003_token_expired() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    // The same claims, still valid, are accepted: only the expiry differs.
    let valid = sign(&app, &claims(&s, 600)).await;
    assert_eq!(
        app.get("/v1/conversations", &valid).await.status(),
        StatusCode::OK
    );
    let expired = sign(&app, &claims(&s, -120)).await;
    let resp = app.get("/v1/conversations", &expired).await;
    let error = assert_error(resp, StatusCode::UNAUTHORIZED, 1003).await;
    assert_eq!(error["name"], "token_expired");
    app.stop().await;
}

#[tokio::test]
async fn unknown_and_malformed_conversation_ids_are_404() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let unknown = uuid::Uuid::now_v7();
    let resp = app
        .get(&format!("/v1/conversations/{unknown}"), s.token())
        .await;
    let error = assert_error(resp, StatusCode::NOT_FOUND, 3001).await;
    assert_eq!(error["name"], "conversation_not_found");
    let resp = app
        .post(
            &format!("/v1/conversations/{unknown}/messages"),
            s.token(),
            &json!({ "content": "hi" }),
        )
        .await;
    assert_error(resp, StatusCode::NOT_FOUND, 3001).await;

    for path in [
        "/v1/conversations/not-a-uuid",
        "/v1/conversations/12345/messages",
    ] {
        let resp = if path.ends_with("messages") {
            app.post(path, s.token(), &json!({ "content": "hi" })).await
        } else {
            app.get(path, s.token()).await
        };
        let error = assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
        assert_eq!(error["details"]["field"], "id", "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn invalid_messages_are_422_naming_the_field() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let id = app.new_conversation_id(s.token()).await;
    let path = format!("/v1/conversations/{id}/messages");
    let t = s.token();

    for content in ["", "   \n\t"] {
        let resp = app.post(&path, t, &json!({ "content": content })).await;
        assert_invalid_field(resp, "content").await;
    }
    let resp = app
        .post(&path, t, &json!({ "content": "x".repeat(5001) }))
        .await;
    let error = assert_invalid_field(resp, "content").await;
    assert!(
        error["message"].as_str().unwrap().contains("5000"),
        "{error}"
    );
    // The limit counts characters: 5000 of them, in multi-byte UTF-8, fit.
    app.say(t, id, &"é".repeat(5000)).await;

    let resp = app.post(&path, t, &json!({})).await;
    assert_invalid_field(resp, "content").await;
    let resp = app.post(&path, t, &json!({ "content": 42 })).await;
    assert_invalid_field(resp, "content").await;
    let resp = app
        .post(&path, t, &json!({ "content": "hi", "priority": "high" }))
        .await;
    assert_invalid_field(resp, "priority").await;
    let resp = app
        .post(
            &path,
            t,
            &json!({ "content": "hi", "content_type": "video" }),
        )
        .await;
    assert_invalid_field(resp, "content_type").await;
    let resp = app
        .post(&path, t, &json!({ "content": "hi", "content_type": 1 }))
        .await;
    assert_invalid_field(resp, "content_type").await;
    let eleven: Vec<Value> = (0..11)
        .map(|i| json!({ "name": format!("f{i}") }))
        .collect();
    let resp = app
        .post(&path, t, &json!({ "content": "hi", "attachments": eleven }))
        .await;
    assert_invalid_field(resp, "attachments").await;
    let resp = app
        .post(
            &path,
            t,
            &json!({ "content": "hi", "attachments": [{ "name": "a.png", "url": "javascript:alert(1)" }] }),
        )
        .await;
    assert_invalid_field(resp, "attachments[0].url").await;
    app.stop().await;
}

#[tokio::test]
async fn invalid_new_conversations_are_422_naming_the_field() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let t = s.token();
    let cases = [
        (
            json!({ "channel": "web", "initial_message": "x".repeat(5001) }),
            "initial_message",
        ),
        (
            json!({ "channel": "web", "initial_message": " " }),
            "initial_message",
        ),
        (json!({ "channel": "fax" }), "channel"),
        // Well-formed JSON with a value of the wrong type is a 422, not "not JSON".
        (json!({ "channel": 3 }), "channel"),
        (json!({ "channel": null }), "channel"),
        (json!({ "channel": ["web"] }), "channel"),
        (json!({}), "channel"),
        (json!({ "channel": "web", "colour": "red" }), "colour"),
        (json!({ "channel": "web", "metadata": [1, 2] }), "metadata"),
        (
            json!({ "channel": "web", "metadata": { "blob": "x".repeat(17 * 1024) } }),
            "metadata",
        ),
        (
            json!({ "channel": "web", "customer": { "external_id": "" } }),
            "customer.external_id",
        ),
        (
            json!({ "channel": "web", "customer": { "external_id": "c-1", "email": "nope" } }),
            "customer.email",
        ),
    ];
    for (body, field) in cases {
        let resp = app.create_conversation(t, &body).await;
        assert_invalid_field(resp, field).await;
    }
    // Nothing was created by any of them.
    let page: Value = app.get("/v1/conversations", t).await.json().await.unwrap();
    assert_eq!(page["items"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn invalid_list_queries_are_422_naming_the_parameter() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let cases = [
        ("?limit=0", "limit"),
        ("?limit=201", "limit"),
        ("?limit=abc", "limit"),
        ("?limit=-1", "limit"),
        ("?cursor=garbage!", "cursor"),
        ("?cursor=eyJ0IjoxfQ", "cursor"),
        ("?status=sleeping", "status"),
        ("?channel=fax", "channel"),
        ("?from=yesterday", "from"),
        ("?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z", "from"),
        ("?sort=asc", "sort"),
    ];
    for (query, field) in cases {
        let resp = app
            .get(&format!("/v1/conversations{query}"), s.token())
            .await;
        let error = assert_invalid_field(resp, field).await;
        assert!(!error["message"].as_str().unwrap().is_empty(), "{query}");
    }
    for ok in ["?limit=1", "?limit=200"] {
        let resp = app.get(&format!("/v1/conversations{ok}"), s.token()).await;
        assert_eq!(resp.status(), StatusCode::OK, "{ok}");
    }
    app.stop().await;
}

#[tokio::test]
async fn malformed_json_is_400_and_a_missing_content_type_is_415() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let id = app.new_conversation_id(s.token()).await;
    let path = format!("/v1/conversations/{id}/messages");

    for body in ["{\"content\": ", "not json", "{\"content\": \"hi\"}}"] {
        let resp = app
            .request(Method::POST, &path, s.token())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let error = assert_error(resp, StatusCode::BAD_REQUEST, 2000).await;
        assert_eq!(error["name"], "malformed_request");
    }

    let resp = app
        .request(Method::POST, &path, s.token())
        .body("{\"content\": \"hi\"}")
        .send()
        .await
        .unwrap();
    let error = assert_error(resp, StatusCode::UNSUPPORTED_MEDIA_TYPE, 2003).await;
    assert_eq!(error["name"], "unsupported_media_type");
    let resp = app
        .request(Method::POST, &path, s.token())
        .header("content-type", "text/plain")
        .body("{\"content\": \"hi\"}")
        .send()
        .await
        .unwrap();
    assert_error(resp, StatusCode::UNSUPPORTED_MEDIA_TYPE, 2003).await;
    app.stop().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app_with(|c| c.server.body_limit_bytes = 4096).await;
    let s = app.admin_session("acme").await;
    let id = app.new_conversation_id(s.token()).await;
    // Valid content (under 5000 characters) that only the body limit refuses.
    let resp = app.post_message(s.token(), id, &"a".repeat(4500)).await;
    let error = assert_error(resp, StatusCode::PAYLOAD_TOO_LARGE, 2002).await;
    assert_eq!(error["name"], "payload_too_large");
    app.say(s.token(), id, &"a".repeat(3000)).await;
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_method_is_405_and_an_unknown_route_is_404() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    for (method, path) in [
        (Method::DELETE, "/v1/conversations"),
        (Method::PUT, "/v1/auth/token"),
        (Method::GET, "/v1/auth/token"),
    ] {
        let resp = app
            .request(method.clone(), path, s.token())
            .send()
            .await
            .unwrap();
        let allow = resp
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(
            !allow.is_empty(),
            "405 names the allowed methods: {method} {path}"
        );
        assert!(!allow.contains(method.as_str()), "{allow}");
        let error = assert_error(resp, StatusCode::METHOD_NOT_ALLOWED, 3005).await;
        assert_eq!(error["name"], "method_not_allowed", "{method} {path}");
    }
    for path in [
        "/v1/nothing-here",
        "/v2/conversations",
        "/v1/conversations/a/b/c",
    ] {
        let resp = app.get(path, s.token()).await;
        let error = assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
        assert_eq!(error["name"], "not_found", "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn posting_to_an_archived_conversation_is_409_and_stores_nothing() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let id = app.new_conversation_id(s.token()).await;
    app.say(s.token(), id, "closing this").await;
    let store = &app.state().store;
    store
        .set_conversation_status(s.org(), id, ConversationStatus::Resolved)
        .await
        .unwrap();
    store
        .set_conversation_status(s.org(), id, ConversationStatus::Archived)
        .await
        .unwrap();
    let before = app.conversation(s.token(), id).await;

    let resp = app.post_message(s.token(), id, "one more thing").await;
    let error = assert_error(resp, StatusCode::CONFLICT, 3004).await;
    assert_eq!(error["name"], "invalid_state");
    // A customer's message would also be answered by the engine: refused before that.
    let (key, _) = app.create_api_key(s.token(), "svc", "service").await;
    let resp = app.post_message(&key, id, "one more thing").await;
    assert_error(resp, StatusCode::CONFLICT, 3004).await;

    assert_eq!(app.conversation(s.token(), id).await, before);
    app.stop().await;
}

#[tokio::test]
async fn a_client_over_its_rate_limit_gets_429_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.rate_limit.per_second = 1;
        c.rate_limit.burst = 3;
    })
    .await;
    let s = app.admin_session("acme").await;
    for i in 0..3 {
        let resp = app.get("/v1/conversations", s.token()).await;
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "request {i} is within the burst"
        );
    }
    let resp = app.get("/v1/conversations", s.token()).await;
    let retry_after: u64 = resp
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&retry_after), "{retry_after}");
    let error = assert_error(resp, StatusCode::TOO_MANY_REQUESTS, 4001).await;
    assert_eq!(error["name"], "rate_limited");
    assert!(error["details"]["retry_after_ms"].as_u64().unwrap() <= 1000);

    // Buckets are per client: another caller is not affected.
    let v = app.visitor(&s.tenant.org.widget_key, None).await;
    let resp = app.get("/v1/conversations", &v.access_token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_address_whatever_the_client_claims() {
    let app = spawn_app_with(|c| {
        c.rate_limit.per_second = 1;
        c.rate_limit.burst = 3;
    })
    .await;
    // Invalid emails are refused before any password hashing, so this is fast.
    for i in 0..3 {
        let resp = app
            .client
            .post(app.url("/v1/auth/token"))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .json(&json!({ "email": "nope", "password": "x" }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {i}"
        );
    }
    let resp = app
        .client
        .post(app.url("/v1/auth/token"))
        .header("x-forwarded-for", "203.0.113.99")
        .json(&json!({ "email": "nope", "password": "x" }))
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("retry-after"));
    assert_error(resp, StatusCode::TOO_MANY_REQUESTS, 4001).await;
    app.stop().await;
}

#[tokio::test]
async fn error_bodies_carry_the_request_id_and_a_client_id_is_echoed() {
    let app = spawn_app().await;
    // Generated when absent (assert_error checks body == header).
    let resp = app.get("/v1/conversations", "").await;
    let generated = assert_error(resp, StatusCode::UNAUTHORIZED, 1001).await["request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(generated.len() >= 16, "{generated}");
    let resp = app.get("/v1/conversations", "").await;
    let other = assert_error(resp, StatusCode::UNAUTHORIZED, 1001).await;
    assert_ne!(
        other["request_id"],
        generated.as_str(),
        "ids are per request"
    );

    let resp = app
        .client
        .get(app.url("/v1/nowhere"))
        .header("x-request-id", "client-req-42")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "client-req-42");
    let error = assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
    assert_eq!(error["request_id"], "client-req-42");

    // Successful responses carry it too.
    let resp = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "client-req-43")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-request-id"], "client-req-43");

    // An unprintable or oversized id is replaced, not echoed.
    let resp = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "x".repeat(200))
        .send()
        .await
        .unwrap();
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(id, "x".repeat(200));
    assert!(!id.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_rejected_message_loses_nothing_already_accepted() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let v = app.visitor(&s.tenant.org.widget_key, None).await;
    let t = v.access_token.as_str();
    let created: Value = app
        .create_conversation(t, &json!({ "channel": "web", "initial_message": "first" }))
        .await
        .json()
        .await
        .unwrap();
    let id = id_of(&created);
    app.say(t, id, "second").await;
    let before = app.conversation(t, id).await;
    assert_eq!(before["message_count"], 4);
    let path = format!("/v1/conversations/{id}/messages");

    let rejected = [
        app.post(&path, t, &json!({ "content": "" })).await,
        app.post(&path, t, &json!({ "content": "y".repeat(5001) }))
            .await,
        app.post(&path, t, &json!({ "content": "ok", "extra": 1 }))
            .await,
        app.request(Method::POST, &path, t)
            .header("content-type", "application/json")
            .body("{\"content\": \"trunc")
            .send()
            .await
            .unwrap(),
    ];
    for resp in rejected {
        assert!(resp.status().is_client_error(), "{}", resp.status());
    }
    let after = app.conversation(t, id).await;
    assert_eq!(
        after, before,
        "messages, counters and activity time untouched"
    );

    // And the conversation still takes good messages.
    app.say(t, id, "third").await;
    let after = app.conversation(t, id).await;
    assert_eq!(after["message_count"], 6);
    assert_eq!(
        after["messages"].as_array().unwrap()[..4],
        before["messages"].as_array().unwrap()[..4]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_websocket_closes_when_its_token_expires() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let short = sign(&app, &claims(&s, 2)).await;
    let mut ws = app.ws(&short, None).await;
    ws.send_json(&json!({"type": "heartbeat"})).await;
    ws.expect("heartbeat").await;
    let event = ws.expect("error").await;
    assert_eq!(event["code"], 1003, "{event}");
    assert!(
        ws.wait_for_close(std::time::Duration::from_secs(5))
            .await
            .is_some(),
        "the socket is closed after its token expired"
    );
    app.stop().await;
}
