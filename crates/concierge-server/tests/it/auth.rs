//! Who may call: staff sign-in with rotating refresh tokens, logout, API
//! keys, web-chat visitors, and role checks.

use concierge_core::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{assert_error, assert_invalid_field, id_of, spawn_app, PASSWORD};

#[tokio::test]
async fn staff_sign_in_returns_tokens_that_identify_them() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let tokens = app.sign_in_ok(&tenant.admin_email, "acme").await;
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 900);
    assert!(tokens.refresh_token.starts_with("crt_"));
    assert_eq!(tokens.user["role"], "admin");
    assert_eq!(tokens.user["org_id"], json!(tenant.org.id));

    let me: Value = app
        .get("/v1/auth/me", &tokens.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["email"], "admin@acme.test");
    assert_eq!(me["org_id"], json!(tenant.org.id));
    assert_eq!(me["id"], tokens.user["id"]);

    // Emails are case-insensitive; the tenant may be omitted when there is only one.
    let resp = app.sign_in("ADMIN@Acme.test", PASSWORD, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_password_unknown_account_or_wrong_tenant_is_1004() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    app.create_tenant("other").await;
    let cases = [
        (
            tenant.admin_email.as_str(),
            "wrong horse battery staple",
            Some("acme"),
        ),
        ("nobody@acme.test", PASSWORD, Some("acme")),
        (tenant.admin_email.as_str(), PASSWORD, Some("other")),
        (
            tenant.admin_email.as_str(),
            PASSWORD,
            Some("no-such-tenant"),
        ),
    ];
    for (email, password, slug) in cases {
        let resp = app.sign_in(email, password, slug).await;
        let error = assert_error(resp, StatusCode::UNAUTHORIZED, 1004).await;
        assert_eq!(error["name"], "invalid_credentials");
        // The same message whatever was wrong: nothing to learn about accounts.
        assert_eq!(error["message"], "wrong email, password or tenant");
    }
    let resp = app.sign_in("not-an-email", PASSWORD, Some("acme")).await;
    assert_invalid_field(resp, "email").await;
    app.stop().await;
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_the_whole_session() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let first = app.sign_in_ok(&tenant.admin_email, "acme").await;

    let resp = app.refresh(&first.refresh_token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let second: Value = resp.json().await.unwrap();
    let second_refresh = second["refresh_token"].as_str().unwrap();
    assert_ne!(second_refresh, first.refresh_token, "refresh tokens rotate");
    let access = second["access_token"].as_str().unwrap();
    assert_eq!(
        app.get("/v1/auth/me", access).await.status(),
        StatusCode::OK
    );

    // The first token again: a replay. Refused, and the family is revoked…
    let resp = app.refresh(&first.refresh_token).await;
    let error = assert_error(resp, StatusCode::UNAUTHORIZED, 1005).await;
    assert_eq!(error["name"], "token_revoked");
    // …so the legitimate holder's next refresh fails too.
    let resp = app.refresh(second_refresh).await;
    assert_error(resp, StatusCode::UNAUTHORIZED, 1005).await;

    // Another sign-in is another family, unaffected.
    let other = app.sign_in_ok(&tenant.admin_email, "acme").await;
    assert_eq!(
        app.refresh(&other.refresh_token).await.status(),
        StatusCode::OK
    );
    // Tokens that never existed.
    let resp = app.refresh("crt_never-issued").await;
    assert_error(resp, StatusCode::UNAUTHORIZED, 1005).await;
    app.stop().await;
}

#[tokio::test]
async fn logout_ends_the_session_so_its_refresh_token_fails() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let session = app.sign_in_ok(&tenant.admin_email, "acme").await;
    let elsewhere = app.sign_in_ok(&tenant.admin_email, "acme").await;

    let resp = app
        .request(Method::POST, "/v1/auth/logout", &session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = app.refresh(&session.refresh_token).await;
    assert_error(resp, StatusCode::UNAUTHORIZED, 1005).await;

    // Only that session ended.
    assert_eq!(
        app.refresh(&elsewhere.refresh_token).await.status(),
        StatusCode::OK
    );
    let resp = app
        .request(Method::POST, "/v1/auth/logout", "")
        .send()
        .await
        .unwrap();
    assert_error(resp, StatusCode::UNAUTHORIZED, 1001).await;
    app.stop().await;
}

#[tokio::test]
async fn only_admins_manage_api_keys() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    app.create_staff(s.org(), "agent@acme.test", Role::Agent)
        .await;
    app.create_staff(s.org(), "lead@acme.test", Role::Supervisor)
        .await;
    let agent = app.sign_in_ok("agent@acme.test", "acme").await;
    let lead = app.sign_in_ok("lead@acme.test", "acme").await;
    let visitor = app.visitor(&s.tenant.org.widget_key, None).await;
    let (service_key, record) = app.create_api_key(s.token(), "svc", "service").await;
    let key_id = record["id"].as_str().unwrap().to_owned();

    for token in [
        agent.access_token.as_str(),
        lead.access_token.as_str(),
        visitor.access_token.as_str(),
        service_key.as_str(),
    ] {
        let resp = app
            .post("/v1/api-keys", token, &json!({ "name": "mine" }))
            .await;
        let error = assert_error(resp, StatusCode::FORBIDDEN, 1002).await;
        assert_eq!(error["name"], "forbidden");
        let resp = app.get("/v1/api-keys", token).await;
        assert_error(resp, StatusCode::FORBIDDEN, 1002).await;
        let resp = app
            .request(Method::DELETE, &format!("/v1/api-keys/{key_id}"), token)
            .send()
            .await
            .unwrap();
        assert_error(resp, StatusCode::FORBIDDEN, 1002).await;
    }
    // Nothing was created or revoked by the refused calls.
    let keys: Value = app
        .get("/v1/api-keys", s.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert!(keys[0]["revoked_at"].is_null());
    let resp = app
        .post(
            "/v1/api-keys",
            s.token(),
            &json!({ "name": "x", "role": "customer" }),
        )
        .await;
    assert_invalid_field(resp, "role").await;
    let resp = app
        .post("/v1/api-keys", s.token(), &json!({ "name": " " }))
        .await;
    assert_invalid_field(resp, "name").await;
    app.stop().await;
}

#[tokio::test]
async fn an_api_key_works_as_a_bearer_until_revoked_and_is_never_listed() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let (key, record) = app.create_api_key(s.token(), "zapier", "service").await;
    assert!(key.starts_with("ck_"));
    assert!(key.starts_with(record["prefix"].as_str().unwrap()));
    assert_eq!(record["role"], "service");

    let me: Value = app.get("/v1/auth/me", &key).await.json().await.unwrap();
    assert_eq!(me["role"], "service");
    assert_eq!(me["org_id"], json!(s.org()));
    let id = app.new_conversation_id(&key).await;
    app.say(&key, id, "from the integration").await;

    let resp = app.get("/v1/api-keys", s.token()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    // Everything after "<prefix>_" (the secret may itself contain '_').
    let secret = &key[record["prefix"].as_str().unwrap().len() + 1..];
    assert!(!text.contains(&key), "the key is never listed");
    assert!(!text.contains(secret), "nor its secret part");
    let keys: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(keys[0]["id"], record["id"]);
    assert_eq!(keys[0]["prefix"], record["prefix"]);
    assert!(keys[0].get("key").is_none() && keys[0].get("key_hash").is_none());
    assert!(keys[0]["last_used_at"].is_string(), "use is recorded");

    let resp = app
        .request(
            Method::DELETE,
            &format!("/v1/api-keys/{}", record["id"].as_str().unwrap()),
            s.token(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let revoked: Value = resp.json().await.unwrap();
    assert!(revoked["revoked_at"].is_string());

    // At once, although the key was cached by its earlier use.
    let resp = app.get("/v1/conversations", &key).await;
    let error = assert_error(resp, StatusCode::UNAUTHORIZED, 1005).await;
    assert_eq!(error["name"], "token_revoked");
    let resp = app.post_message(&key, id, "still there?").await;
    assert_error(resp, StatusCode::UNAUTHORIZED, 1005).await;

    let unknown = uuid::Uuid::now_v7();
    let resp = app
        .request(
            Method::DELETE,
            &format!("/v1/api-keys/{unknown}"),
            s.token(),
        )
        .send()
        .await
        .unwrap();
    assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
    // A key with the right prefix but the wrong secret.
    let forged = format!("{}_{}", record["prefix"].as_str().unwrap(), "A".repeat(40));
    let resp = app.get("/v1/conversations", &forged).await;
    assert_error(resp, StatusCode::UNAUTHORIZED, 1001).await;
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_sees_only_its_own_conversations() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let widget = s.tenant.org.widget_key.as_str();
    let alice = app
        .visitor(widget, Some("v_alice000000000000000000000000000"))
        .await;
    let bob = app
        .visitor(widget, Some("v_bob00000000000000000000000000000"))
        .await;
    assert_ne!(alice.customer_id, bob.customer_id);
    assert_eq!(alice.visitor_id, "v_alice000000000000000000000000000");

    let a_conv = app.new_conversation(&alice.access_token).await;
    assert_eq!(a_conv["customer_id"], json!(alice.customer_id));
    let a_id = id_of(&a_conv);
    let b_id = app.new_conversation_id(&bob.access_token).await;
    app.say(&bob.access_token, b_id, "bob's private question")
        .await;
    let staff_conv = app.new_conversation_id(s.token()).await;

    app.conversation(&alice.access_token, a_id).await;
    for other in [b_id, staff_conv] {
        let resp = app
            .get(&format!("/v1/conversations/{other}"), &alice.access_token)
            .await;
        assert_error(resp, StatusCode::NOT_FOUND, 3001).await;
        let resp = app.post_message(&alice.access_token, other, "hi").await;
        assert_error(resp, StatusCode::NOT_FOUND, 3001).await;
    }
    let page: Value = app
        .get("/v1/conversations", &alice.access_token)
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], a_conv["id"]);
    // Bob's conversation got nothing from Alice.
    assert_eq!(
        app.conversation(&bob.access_token, b_id).await["message_count"],
        2
    );

    // Staff see the whole tenant.
    let page: Value = app
        .get("/v1/conversations", s.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 3);

    // A returning visitor is the same customer and finds its conversation.
    let again = app
        .visitor(widget, Some("v_alice000000000000000000000000000"))
        .await;
    assert_eq!(again.customer_id, alice.customer_id);
    app.conversation(&again.access_token, a_id).await;

    let resp = app
        .post(
            "/v1/auth/visitor",
            "",
            &json!({ "widget_key": "pk_unknown_123" }),
        )
        .await;
    assert_error(resp, StatusCode::UNAUTHORIZED, 1001).await;
    app.stop().await;
}

#[tokio::test]
async fn a_customer_cannot_name_a_customer_or_reach_staff_endpoints() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let v = app.visitor(&s.tenant.org.widget_key, None).await;
    let resp = app
        .create_conversation(
            &v.access_token,
            &json!({ "channel": "web", "customer": { "external_id": "someone-else" } }),
        )
        .await;
    assert_invalid_field(resp, "customer").await;
    let page: Value = app
        .get("/v1/conversations", s.token())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"], json!([]), "nothing was created");
    let resp = app.get("/v1/api-keys", &v.access_token).await;
    assert_error(resp, StatusCode::FORBIDDEN, 1002).await;
    // A visitor token is not a staff session: refresh tokens are not issued.
    let resp = app
        .request(Method::POST, "/v1/auth/logout", &v.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    app.stop().await;
}

#[tokio::test]
async fn an_expired_refresh_token_is_1003() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let tokens = app.sign_in_ok(&tenant.admin_email, "acme").await;
    let user: concierge_core::UserId = tokens.user["id"].as_str().unwrap().parse().unwrap();
    let secret = "crt_expired-but-otherwise-fine";
    app.state()
        .store
        .insert_refresh_token(&concierge_store::RefreshToken {
            id: uuid::Uuid::now_v7(),
            org_id: tenant.org.id,
            user_id: user,
            family_id: concierge_core::TokenFamilyId::new(),
            token_hash: concierge_server::auth::sha256(secret),
            expires_at: chrono::Utc::now() - chrono::Duration::minutes(1),
            used_at: None,
            revoked_at: None,
        })
        .await
        .unwrap();
    let resp = app.refresh(secret).await;
    assert_error(resp, StatusCode::UNAUTHORIZED, 1003).await;
    let resp = app.refresh(&"x".repeat(300)).await;
    assert_invalid_field(resp, "refresh_token").await;
    app.stop().await;
}

#[tokio::test]
async fn sign_in_and_visitor_inputs_are_validated() {
    let app = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let other = app.create_tenant("other").await;
    // The same person on staff at two tenants must say which.
    app.create_staff(other.org.id, &acme.admin_email, Role::Agent)
        .await;
    let resp = app.sign_in(&acme.admin_email, PASSWORD, None).await;
    assert_invalid_field(resp, "tenant").await;
    let tokens = app.sign_in_ok(&acme.admin_email, "other").await;
    assert_eq!(tokens.user["role"], "agent");

    let widget = acme.org.widget_key.as_str();
    let cases = [
        (
            json!({ "widget_key": widget, "visitor_id": "v".repeat(65) }),
            "visitor_id",
        ),
        (
            json!({ "widget_key": widget, "visitor_id": "" }),
            "visitor_id",
        ),
        (
            json!({ "widget_key": widget, "visitor_id": "v-alice" }),
            "visitor_id",
        ),
        (
            json!({ "widget_key": widget, "email": "not-an-email" }),
            "email",
        ),
        (json!({ "widget_key": "k".repeat(200) }), "widget_key"),
        (json!({ "widget_key": widget, "admin": true }), "admin"),
    ];
    for (body, field) in cases {
        let resp = app.post("/v1/auth/visitor", "", &body).await;
        assert_invalid_field(resp, field).await;
    }
    app.stop().await;
}
