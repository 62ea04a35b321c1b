//! Creating, reading, listing and posting to conversations: what is returned
//! and what is stored.

use concierge_core::engine::PLACEHOLDER_REPLY;
use concierge_core::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{id_of, on_both, spawn_app, TestApp};

/// The ids of a list page, in order.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn list(app: &TestApp, token: &str, query: &str) -> Value {
    let resp = app.get(&format!("/v1/conversations{query}"), token).await;
    assert_eq!(
        resp.status(),
        StatusCode::OK,
        "GET /v1/conversations{query}"
    );
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_customer_conversation_is_answered_and_every_message_is_stored() {
    on_both(|app| async move {
        let s = app.admin_session("acme").await;
        let v = app
            .visitor(
                &s.tenant.org.widget_key,
                Some("v_one00000000000000000000000000000"),
            )
            .await;

        let resp = app
            .create_conversation(
                &v.access_token,
                &json!({
                    "channel": "web",
                    "initial_message": "Our API calls fail with REQUEST_LIMIT_EXCEEDED",
                    "metadata": { "page": "/billing" }
                }),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED, "{}", app.backend());
        let created: Value = resp.json().await.unwrap();
        let id = id_of(&created);
        assert_eq!(created["channel"], "web");
        assert_eq!(created["status"], "active", "a first message activates it");
        assert_eq!(created["customer_id"], json!(v.customer_id));
        assert_eq!(created["org_id"], json!(s.org()));
        assert_eq!(created["metadata"]["page"], "/billing");
        assert_eq!(created["message_count"], 2);
        let reply = &created["reply"];
        assert_eq!(reply["response"], PLACEHOLDER_REPLY);
        assert_eq!(reply["suggested_actions"], json!(["talk_to_human"]));
        assert_eq!(reply["requires_escalation"], false);
        let messages = created["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0]["id"], reply["message_id"]);
        assert_eq!(messages[0]["sender_type"], "user");
        assert_eq!(messages[0]["sender_id"], json!(v.customer_id));
        assert_eq!(
            messages[0]["content"],
            "Our API calls fail with REQUEST_LIMIT_EXCEEDED"
        );
        assert_eq!(messages[1]["id"], reply["response_message_id"]);
        assert_eq!(messages[1]["sender_type"], "ai_agent");
        assert_eq!(messages[1]["content"], PLACEHOLDER_REPLY);

        let result = app
            .say(&v.access_token, id, "It started after the password reset")
            .await;
        assert!(result["message_id"].is_string());
        assert_eq!(result["response"], PLACEHOLDER_REPLY);
        assert!(result["response_message_id"].is_string());
        assert!(result.get("intent").is_some_and(Value::is_null), "{result}");
        assert!(
            result.get("confidence").is_some_and(Value::is_null),
            "{result}"
        );
        assert_eq!(result["suggested_actions"], json!(["talk_to_human"]));
        assert_eq!(result["requires_escalation"], false);

        // Read back, by the customer and by staff of the same tenant.
        for token in [v.access_token.as_str(), s.token()] {
            let read = app.conversation(token, id).await;
            assert_eq!(read["message_count"], 4);
            assert_eq!(read["user_message_count"], 2);
            assert_eq!(read["ai_message_count"], 2);
            assert!(read.get("reply").is_none(), "a read carries no reply");
            let messages = read["messages"].as_array().unwrap();
            let senders: Vec<_> = messages.iter().map(|m| m["sender_type"].clone()).collect();
            assert_eq!(senders, ["user", "ai_agent", "user", "ai_agent"]);
            assert_eq!(messages[2]["id"], result["message_id"]);
            assert_eq!(
                messages[2]["content"],
                "It started after the password reset"
            );
            assert_eq!(messages[3]["id"], result["response_message_id"]);
            assert_eq!(messages[3]["content"], PLACEHOLDER_REPLY);
        }
        app
    })
    .await;
}

#[tokio::test]
async fn a_conversation_without_a_first_message_starts_empty() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let created = app.new_conversation(s.token()).await;
    assert_eq!(created["status"], "initialized");
    assert_eq!(created["message_count"], 0);
    assert_eq!(created["messages"], json!([]));
    assert!(created.get("reply").is_none(), "{created}");
    assert!(created["customer_id"].is_null());
    let read = app.conversation(s.token(), id_of(&created)).await;
    assert_eq!(read["messages"], json!([]));
    assert_eq!(read["status"], "initialized");
    app.stop().await;
}

#[tokio::test]
async fn an_integration_names_the_customer_and_posts_on_their_behalf() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let (key, _) = app.create_api_key(s.token(), "crm sync", "service").await;
    let body = json!({
        "channel": "api",
        "customer": { "external_id": "crm-000123", "email": "Jane@Example.com" },
    });
    let first: Value = app
        .create_conversation(&key, &body)
        .await
        .json()
        .await
        .unwrap();
    let customer = first["customer_id"].clone();
    assert!(customer.is_string(), "{first}");
    // The same external id is the same customer.
    let second: Value = app
        .create_conversation(&key, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["customer_id"], customer);
    assert_ne!(second["id"], first["id"]);

    let id = id_of(&first);
    let result = app.say(&key, id, "Order 42 has not arrived").await;
    assert_eq!(result["response"], PLACEHOLDER_REPLY);
    let read = app.conversation(&key, id).await;
    let messages = read["messages"].as_array().unwrap();
    assert_eq!(messages[0]["sender_type"], "user");
    assert_eq!(messages[0]["sender_id"], customer, "posted as the customer");
    app.stop().await;
}

#[tokio::test]
async fn a_human_agent_posting_gets_no_reply_and_is_stored_as_human_agent() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let agent_id = app
        .create_staff(s.org(), "agent@acme.test", Role::Agent)
        .await;
    let agent = app.sign_in_ok("agent@acme.test", "acme").await;
    let v = app.visitor(&s.tenant.org.widget_key, None).await;
    let created: Value = app
        .create_conversation(
            &v.access_token,
            &json!({ "channel": "web", "initial_message": "Hello?" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = id_of(&created);

    let result = app
        .say(&agent.access_token, id, "Hi, I'm Sam from support.")
        .await;
    assert!(result["message_id"].is_string());
    assert!(result["response"].is_null(), "{result}");
    assert!(result["response_message_id"].is_null());
    assert_eq!(result["suggested_actions"], json!([]));
    assert_eq!(result["requires_escalation"], false);

    let read = app.conversation(&v.access_token, id).await;
    assert_eq!(read["message_count"], 3, "one message added, no reply");
    let last = &read["messages"][2];
    assert_eq!(last["id"], result["message_id"]);
    assert_eq!(last["sender_type"], "human_agent");
    assert_eq!(last["sender_id"], json!(agent_id));
    assert_eq!(last["content"], "Hi, I'm Sam from support.");
    app.stop().await;
}

#[tokio::test]
async fn the_list_pages_through_every_conversation_newest_first() {
    on_both(|app| async move {
        let s = app.admin_session("acme").await;
        let mut created = Vec::new();
        for _ in 0..5 {
            created.push(
                app.new_conversation(s.token()).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        created.reverse();

        let mut seen = Vec::new();
        let mut query = "?limit=2".to_owned();
        let mut pages = 0;
        loop {
            let page = list(&app, s.token(), &query).await;
            pages += 1;
            let page_ids = ids(&page);
            assert!(page_ids.len() <= 2);
            seen.extend(page_ids);
            match page["next_cursor"].as_str() {
                Some(cursor) => query = format!("?limit=2&cursor={cursor}"),
                None => break,
            }
            assert!(pages < 10, "pagination does not end");
        }
        assert_eq!(pages, 3, "{}", app.backend());
        assert_eq!(seen, created, "every conversation once, newest first");

        // A page that fits everything has no cursor.
        let all = list(&app, s.token(), "?limit=5").await;
        assert_eq!(ids(&all), created);
        assert!(all["next_cursor"].is_null());
        app
    })
    .await;
}

#[tokio::test]
async fn the_list_filters_by_status_channel_and_start_time() {
    let app = spawn_app().await;
    let s = app.admin_session("acme").await;
    let t = s.token();
    let mut convs = Vec::new();
    for channel in ["web", "email", "sms"] {
        let resp = app
            .create_conversation(t, &json!({ "channel": channel }))
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        convs.push(resp.json::<Value>().await.unwrap());
    }
    let id = |i: usize| convs[i]["id"].as_str().unwrap().to_owned();
    app.say(t, id_of(&convs[0]), "hello").await; // web → active (staff message)

    assert_eq!(ids(&list(&app, t, "?channel=email").await), [id(1)]);
    assert_eq!(ids(&list(&app, t, "?status=active").await), [id(0)]);
    assert_eq!(
        ids(&list(&app, t, "?status=initialized").await),
        [id(2), id(1)]
    );
    assert_eq!(
        ids(&list(&app, t, "?status=active&channel=sms").await),
        Vec::<String>::new()
    );

    let second_start = convs[1]["started_at"].as_str().unwrap();
    assert_eq!(
        ids(&list(&app, t, &format!("?from={second_start}")).await),
        [id(2), id(1)],
        "from is inclusive"
    );
    assert_eq!(
        ids(&list(&app, t, &format!("?to={second_start}")).await),
        [id(0)],
        "to is exclusive"
    );
    assert_eq!(
        ids(&list(
            &app,
            t,
            "?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z"
        )
        .await)
        .len(),
        3
    );
    assert!(ids(&list(&app, t, "?from=2999-01-01T00:00:00Z").await).is_empty());
    assert!(ids(&list(&app, t, "?to=2000-01-01T00:00:00Z").await).is_empty());
    app.stop().await;
}
