//! The WebSocket API: one conversation, many sockets, REST and WebSocket
//! writers alike; bad frames answered without dropping the connection; idle
//! sockets closed.

use std::time::Duration;

use concierge_core::engine::PLACEHOLDER_REPLY;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, assert_invalid_field, spawn_app, spawn_app_with, WsClient};

/// Both sockets receive `ty` for a message with `content`.
async fn both_receive(sockets: &mut [&mut WsClient], ty: &str, content: &str) -> Vec<Value> {
    let mut events = Vec::new();
    for ws in sockets.iter_mut() {
        let event = ws.expect(ty).await;
        assert_eq!(event["message"]["content"], content, "{event}");
        events.push(event);
    }
    events
}

/// The AI "typing" on and off around the engine's work.
async fn ai_typing(ws: &mut crate::helpers::WsClient) {
    for on in [true, false] {
        let event = ws.expect("typing_indicator").await;
        assert_eq!(
            (event["sender"].as_str(), event["typing"].as_bool()),
            (Some("ai_agent"), Some(on)),
            "{event}"
        );
    }
}

#[tokio::test]
async fn messages_from_websocket_and_rest_reach_every_subscribed_socket() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let v = app.visitor(&s.tenant.org.widget_key, None).await;
    let id = app.new_conversation_id(&v.access_token).await;

    let mut customer = app.ws(&v.access_token, Some(id)).await;
    let subscribed = customer.expect("subscribed").await;
    assert_eq!(subscribed["conversation_id"], json!(id));
    let mut staff = app.ws(s.token(), None).await;
    staff
        .send_json(&json!({ "type": "subscribe", "conversation_id": id }))
        .await;
    assert_eq!(
        staff.expect("subscribed").await["conversation_id"],
        json!(id)
    );
    let mut bystander = app.ws(s.token(), None).await;

    // Over the socket.
    customer
        .send_json(&json!({ "type": "message", "conversation_id": id, "content": "over ws" }))
        .await;
    ai_typing(&mut customer).await;
    ai_typing(&mut staff).await;
    let received = both_receive(
        &mut [&mut customer, &mut staff],
        "message_received",
        "over ws",
    )
    .await;
    assert_eq!(received[0]["message"]["sender_type"], "user");
    assert_eq!(received[0]["message"]["sender_id"], json!(v.customer_id));
    assert_eq!(received[0], received[1], "everyone sees the same event");
    let replies = both_receive(
        &mut [&mut customer, &mut staff],
        "ai_response",
        PLACEHOLDER_REPLY,
    )
    .await;
    assert_eq!(replies[0]["message"]["sender_type"], "ai_agent");
    for ws in [&mut customer, &mut staff] {
        let update = ws.expect("status_update").await;
        assert_eq!(update["status"], "active");
        assert_eq!(update["conversation_id"], json!(id));
    }

    // Over REST, to the same sockets.
    app.say(&v.access_token, id, "over rest").await;
    ai_typing(&mut customer).await;
    ai_typing(&mut staff).await;
    both_receive(
        &mut [&mut customer, &mut staff],
        "message_received",
        "over rest",
    )
    .await;
    both_receive(
        &mut [&mut customer, &mut staff],
        "ai_response",
        PLACEHOLDER_REPLY,
    )
    .await;

    // A human agent over the socket: delivered, and not answered by the engine
    // (the next event after it is the customer's next message, not a reply).
    staff
        .send_json(&json!({ "type": "message", "conversation_id": id, "content": "agent here" }))
        .await;
    let from_agent = both_receive(
        &mut [&mut customer, &mut staff],
        "message_received",
        "agent here",
    )
    .await;
    assert_eq!(from_agent[0]["message"]["sender_type"], "human_agent");
    app.say(&v.access_token, id, "thanks").await;
    ai_typing(&mut customer).await;
    ai_typing(&mut staff).await;
    both_receive(
        &mut [&mut customer, &mut staff],
        "message_received",
        "thanks",
    )
    .await;

    // A socket that never subscribed got none of it.
    bystander.send_json(&json!({ "type": "heartbeat" })).await;
    bystander.expect("heartbeat").await;

    let read = app.conversation(s.token(), id).await;
    let contents: Vec<_> = read["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        contents,
        [
            "over ws",
            PLACEHOLDER_REPLY,
            "over rest",
            PLACEHOLDER_REPLY,
            "agent here",
            "thanks",
            PLACEHOLDER_REPLY
        ]
    );
    assert_eq!(read["messages"][0]["id"], received[0]["message"]["id"]);
    app.stop().await;
}

#[tokio::test]
async fn sending_a_message_subscribes_the_socket_to_its_conversation() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let v = app.visitor(&s.tenant.org.widget_key, None).await;
    let id = app.new_conversation_id(&v.access_token).await;
    let mut ws = app.ws(&v.access_token, None).await;
    ws.send_json(&json!({ "type": "message", "conversation_id": id, "content": "hi" }))
        .await;
    assert_eq!(ws.expect("subscribed").await["conversation_id"], json!(id));
    ai_typing(&mut ws).await;
    assert_eq!(
        ws.expect("message_received").await["message"]["content"],
        "hi"
    );
    assert_eq!(
        ws.expect("ai_response").await["message"]["content"],
        PLACEHOLDER_REPLY
    );
    // Later REST messages reach it too, with no second `subscribed`.
    app.say(&v.access_token, id, "and again").await;
    ws.expect("status_update").await;
    ai_typing(&mut ws).await;
    assert_eq!(
        ws.expect("message_received").await["message"]["content"],
        "and again"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_visitor_cannot_watch_another_visitors_conversation() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let alice = app.visitor(&s.tenant.org.widget_key, None).await;
    let bob = app.visitor(&s.tenant.org.widget_key, None).await;
    let id = app.new_conversation_id(&alice.access_token).await;
    let mut ws = app.ws(&bob.access_token, None).await;
    for event in [
        json!({ "type": "subscribe", "conversation_id": id }),
        json!({ "type": "message", "conversation_id": id, "content": "hi alice" }),
        json!({ "type": "typing", "conversation_id": id }),
    ] {
        ws.send_json(&event).await;
        assert_eq!(ws.expect("error").await["code"], 3001, "{event}");
    }
    assert_eq!(
        app.conversation(&alice.access_token, id).await["message_count"],
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn a_bad_frame_gets_an_error_event_and_the_socket_stays_usable() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let id = app.new_conversation_id(s.token()).await;
    let mut ws = app.ws(s.token(), Some(id)).await;
    ws.expect("subscribed").await;

    ws.send_text("{not json").await;
    let error = ws.expect("error").await;
    assert_eq!(error["code"], 2000);
    assert_eq!(error["name"], "malformed_request");

    ws.send_json(&json!({ "type": "shout", "conversation_id": id }))
        .await;
    assert_eq!(ws.expect("error").await["code"], 2000);

    ws.send_json(&json!({ "type": "message", "conversation_id": id }))
        .await;
    assert_eq!(ws.expect("error").await["code"], 2000, "content missing");

    ws.send_json(&json!({ "type": "message", "conversation_id": "nope", "content": "x" }))
        .await;
    assert_eq!(ws.expect("error").await["code"], 2000);

    ws.send_binary(vec![0, 159, 146, 150]).await;
    let error = ws.expect("error").await;
    assert_eq!(error["code"], 2003);

    ws.send_json(&json!({ "type": "message", "conversation_id": id, "content": "  " }))
        .await;
    let error = ws.expect("error").await;
    assert_eq!(error["code"], 2001);
    assert_eq!(error["details"]["field"], "content");

    let unknown = uuid::Uuid::now_v7();
    ws.send_json(&json!({ "type": "subscribe", "conversation_id": unknown }))
        .await;
    assert_eq!(ws.expect("error").await["code"], 3001);

    // Still open and working.
    ws.send_json(&json!({ "type": "heartbeat" })).await;
    ws.expect("heartbeat").await;
    ws.send_json(&json!({ "type": "message", "conversation_id": id, "content": "still here" }))
        .await;
    let event = ws.expect("message_received").await;
    assert_eq!(event["message"]["content"], "still here");
    // Nothing rejected was stored.
    assert_eq!(app.conversation(s.token(), id).await["message_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn typing_and_read_receipts_fan_out_to_the_conversation() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let v = app.visitor(&s.tenant.org.widget_key, None).await;
    let id = app.new_conversation_id(&v.access_token).await;
    let mut customer = app.ws(&v.access_token, Some(id)).await;
    customer.expect("subscribed").await;
    let mut staff = app.ws(s.token(), Some(id)).await;
    staff.expect("subscribed").await;

    staff
        .send_json(&json!({ "type": "typing", "conversation_id": id }))
        .await;
    for ws in [&mut customer, &mut staff] {
        let event = ws.expect("typing_indicator").await;
        assert_eq!(event["conversation_id"], json!(id));
        assert_eq!(event["sender"], "admin");
        assert_eq!(event["typing"], true);
    }
    staff
        .send_json(&json!({ "type": "typing", "conversation_id": id, "typing": false }))
        .await;
    for ws in [&mut customer, &mut staff] {
        assert_eq!(ws.expect("typing_indicator").await["typing"], false);
    }

    let sent = app
        .say(s.token(), id, "Have you tried logging out and in?")
        .await;
    customer.expect("message_received").await;
    customer
        .send_json(&json!({
            "type": "read_receipt", "conversation_id": id, "message_id": sent["message_id"]
        }))
        .await;
    // Staff got the message, the status change, then the receipt.
    staff.expect("message_received").await;
    staff.expect("status_update").await;
    let receipt = staff.expect("read_receipt").await;
    assert_eq!(receipt["message_id"], sent["message_id"]);
    assert_eq!(receipt["reader"], "customer");
    app.stop().await;
}

#[tokio::test]
async fn an_idle_socket_is_closed_and_activity_keeps_it_open() {
    let app = spawn_app_with(|c| c.websocket.idle_timeout_secs = 1).await;
    let s = app.admin_session("acme").await;
    let mut ws = app.ws(s.token(), None).await;
    // Heartbeats more often than the timeout keep it open past it.
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        ws.send_json(&json!({ "type": "heartbeat" })).await;
        ws.expect("heartbeat").await;
    }
    // Then silence: the server closes it.
    let closed = ws.wait_for_close(Duration::from_secs(5)).await;
    assert!(closed.is_some(), "the idle socket stayed open");
    app.stop().await;
}

#[tokio::test]
async fn a_socket_needs_a_valid_token() {
    let app = spawn_app().await;
    for query in ["", "?access_token=nonsense"] {
        let url = format!("ws://127.0.0.1:{}/v1/ws{query}", app.port);
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{query}")
            }
            other => panic!("expected a 401 handshake, got {other:?}"),
        }
    }
    // The query token is only honoured on the WebSocket route.
    let s = app.admin_session("acme").await;
    let resp = app
        .client
        .get(app.url(&format!("/v1/conversations?access_token={}", s.token())))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn a_plain_request_to_the_websocket_endpoint_gets_our_error_format() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let resp = app.get("/v1/ws", s.token()).await;
    let error = assert_error(resp, StatusCode::BAD_REQUEST, 2000).await;
    assert!(
        error["message"].as_str().unwrap().contains("WebSocket"),
        "{error}"
    );
    let resp = app.get("/v1/ws?conversation_id=abc", s.token()).await;
    assert_invalid_field(resp, "conversation_id").await;
    app.stop().await;
}

#[tokio::test]
async fn closed_sockets_release_their_subscriptions() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let hub = &app.state().hub;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.new_conversation_id(s.token()).await);
    }
    let mut first = app.ws(s.token(), Some(ids[0])).await;
    first.expect("subscribed").await;
    for id in &ids[1..] {
        first
            .send_json(&json!({ "type": "subscribe", "conversation_id": id }))
            .await;
        first.expect("subscribed").await;
    }
    let mut second = app.ws(s.token(), Some(ids[0])).await;
    second.expect("subscribed").await;
    assert_eq!(hub.channel_count(), 3);
    assert_eq!(hub.active_conversations(), 3);

    first.stream.close(None).await.unwrap();
    // Closing takes effect on the server's side in its own time: poll.
    wait_until(|| hub.channel_count() == 1).await;
    assert_eq!(
        hub.active_conversations(),
        1,
        "the second socket still listens"
    );
    // And it still receives.
    app.say(s.token(), ids[0], "still delivered").await;
    second.expect("message_received").await;

    second.stream.close(None).await.unwrap();
    wait_until(|| hub.channel_count() == 0).await;
    app.stop().await;
}

/// Polls `condition` until it holds, failing after [`PATIENCE`](crate::helpers::PATIENCE).
async fn wait_until(condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + crate::helpers::PATIENCE;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met in time"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
