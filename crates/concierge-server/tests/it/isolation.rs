//! Tenant isolation through the API: another tenant's conversation does not
//! exist for you, whichever credential you hold, on either database.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, id_of, on_both};

#[tokio::test]
async fn another_tenants_conversation_cannot_be_read_written_or_listed() {
    on_both(|app| async move {
        let a = app.admin_session("alpha").await;
        let b = app.admin_session("beta").await;
        let va = app
            .visitor(
                &a.tenant.org.widget_key,
                Some("v_same0000000000000000000000000000"),
            )
            .await;
        let vb = app
            .visitor(
                &b.tenant.org.widget_key,
                Some("v_same0000000000000000000000000000"),
            )
            .await;
        assert_ne!(va.customer_id, vb.customer_id, "visitors are per tenant");
        let (b_key, _) = app.create_api_key(b.token(), "beta svc", "service").await;

        let created: Value = app
            .create_conversation(
                &va.access_token,
                &json!({ "channel": "web", "initial_message": "alpha's secret" }),
            )
            .await
            .json()
            .await
            .unwrap();
        let id = id_of(&created);
        let before = app.conversation(a.token(), id).await;

        for token in [b.token(), b_key.as_str(), vb.access_token.as_str()] {
            let resp = app.get(&format!("/v1/conversations/{id}"), token).await;
            let error = assert_error(resp, StatusCode::NOT_FOUND, 3001).await;
            assert!(!error.to_string().contains("alpha"), "{error}");
            let resp = app.post_message(token, id, "intrusion").await;
            assert_error(resp, StatusCode::NOT_FOUND, 3001).await;
            let page: Value = app
                .get("/v1/conversations", token)
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(page["items"], json!([]), "{}", app.backend());
        }
        // B's own data is B's.
        let b_conv = app.new_conversation_id(b.token()).await;
        let resp = app
            .get(&format!("/v1/conversations/{b_conv}"), a.token())
            .await;
        assert_error(resp, StatusCode::NOT_FOUND, 3001).await;

        // Alpha's conversation is exactly as it was.
        assert_eq!(app.conversation(a.token(), id).await, before);
        let page: Value = app
            .get("/v1/conversations", a.token())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 1);

        // B's admin cannot revoke A's keys either.
        let (_, a_key) = app.create_api_key(a.token(), "alpha svc", "service").await;
        let resp = app
            .request(
                reqwest::Method::DELETE,
                &format!("/v1/api-keys/{}", a_key["id"].as_str().unwrap()),
                b.token(),
            )
            .send()
            .await
            .unwrap();
        assert_error(resp, StatusCode::NOT_FOUND, 3002).await;
        let a_keys: Value = app
            .get("/v1/api-keys", a.token())
            .await
            .json()
            .await
            .unwrap();
        assert!(a_keys[0]["revoked_at"].is_null());
        app
    })
    .await;
}

#[tokio::test]
async fn another_tenants_conversation_cannot_be_watched_over_websocket() {
    on_both(|app| async move {
        let a = app.admin_session("alpha").await;
        let b = app.admin_session("beta").await;
        let id = app.new_conversation_id(a.token()).await;

        // Naming it at connect time is refused before the upgrade.
        let url = format!(
            "ws://127.0.0.1:{}/v1/ws?access_token={}&conversation_id={id}",
            app.port,
            b.token()
        );
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), StatusCode::NOT_FOUND)
            }
            other => panic!("expected a 404 handshake, got {other:?}"),
        }

        // Subscribing on an open socket gets an error event; the socket stays usable.
        let mut ws = app.ws(b.token(), None).await;
        ws.send_json(&json!({ "type": "subscribe", "conversation_id": id }))
            .await;
        let error = ws.expect("error").await;
        assert_eq!(error["code"], 3001);
        ws.send_json(&json!({ "type": "message", "conversation_id": id, "content": "intrusion" }))
            .await;
        assert_eq!(ws.expect("error").await["code"], 3001);
        ws.send_json(&json!({ "type": "typing", "conversation_id": id }))
            .await;
        assert_eq!(ws.expect("error").await["code"], 3001);
        ws.send_json(&json!({ "type": "heartbeat" })).await;
        ws.expect("heartbeat").await;

        // A's own watcher saw none of it.
        let mut watcher = app.ws(a.token(), Some(id)).await;
        watcher.expect("subscribed").await;
        app.say(a.token(), id, "only alpha").await;
        let event = watcher.expect("message_received").await;
        assert_eq!(event["message"]["content"], "only alpha");
        assert_eq!(app.conversation(a.token(), id).await["message_count"], 1);
        app
    })
    .await;
}
