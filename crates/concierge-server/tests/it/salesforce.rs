//! The Salesforce integration through the real server and engine, against
//! the bundled simulator: a customer who asks for a person gets a Case
//! number from Salesforce; the agent's public comment on the Case reaches
//! the customer's WebSocket; closing the Case resolves the conversation;
//! admins configure the connection (errors name the field), test it, and
//! see dead letters.

use std::time::{Duration, Instant};

use concierge_sfsim::db::WriteCtx;
use concierge_sfsim::server::{start, RunningSim, SimConfig};
use concierge_sfsync::SimulatorLink;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_invalid_field, spawn_app_with_salesforce, TestApp, PATIENCE};

async fn sim() -> (RunningSim, SimulatorLink) {
    let mut config = SimConfig::default();
    config.connected_apps[0].run_as_username = Some("concierge@acme.example".into());
    let secret = config.connected_apps[0].client_secret.clone();
    let sim = start(config, ([127, 0, 0, 1], 0).into()).await.unwrap();
    let link = SimulatorLink {
        url: url::Url::parse(&sim.url()).unwrap(),
        client_id: "concierge-sim".into(),
        client_secret: secret,
        tenant_slug: "acme".into(),
        conversation_url: None,
    };
    (sim, link)
}

fn agent(sim: &RunningSim) -> WriteCtx {
    let u = sim.db().user_by_username("sam.agent@acme.example").unwrap();
    WriteCtx::rest(u["Id"].as_str().unwrap(), "62.0")
}

async fn app_with_tenant(link: SimulatorLink) -> (TestApp, crate::helpers::Session) {
    let app = spawn_app_with_salesforce(link, |_| {}).await;
    let admin = app.admin_session("acme").await;
    (app, admin)
}

#[tokio::test]
async fn an_agent_comment_in_salesforce_reaches_the_customers_socket() {
    let (sim, link) = sim().await;
    let (app, _admin) = app_with_tenant(link).await;
    let widget_key = app
        .state()
        .store
        .organization_by_slug("acme")
        .await
        .unwrap()
        .unwrap()
        .widget_key;
    let visitor = app.visitor(&widget_key, None).await;
    let id = app.new_conversation_id(&visitor.access_token).await;
    let mut socket = app.ws(&visitor.access_token, Some(id)).await;
    socket.expect("subscribed").await;

    let r = app
        .say(
            &visitor.access_token,
            id,
            "I want to talk to a human agent right now",
        )
        .await;
    let number = r["escalation"]["case_number"]
        .as_str()
        .expect("a case number in the reply")
        .to_owned();
    assert!(
        r["response"].as_str().unwrap().contains(&number),
        "the customer is told the number: {r}"
    );
    let case = sim
        .db()
        .query(
            &format!("SELECT Id, CaseNumber, Origin FROM Case WHERE Concierge_Conversation_Id__c = '{id}'"),
            &concierge_sfsim::db::QueryOpts::new("62.0"),
        )
        .unwrap();
    assert_eq!(case.len(), 1);
    assert_eq!(case[0]["CaseNumber"], json!(number));
    let case_id = case[0]["Id"].as_str().unwrap().to_owned();

    // The agent answers in Salesforce.
    let sent = Instant::now();
    sim.db()
        .create(
            &agent(&sim),
            "CaseComment",
            serde_json::from_value(json!({
            "ParentId": case_id, "IsPublished": true,
            "CommentBody": "Hello, this is Sam from support. I have reset your dashboard cache."}))
            .unwrap(),
        )
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let message = loop {
        assert!(
            Instant::now() < deadline,
            "the agent's comment never reached the socket"
        );
        let e = socket.next_event().await;
        if e["type"] == "message_received" && e["message"]["sender_type"] == "human_agent" {
            break e["message"].clone();
        }
    };
    eprintln!("Salesforce comment → customer socket: {:?}", sent.elapsed());
    assert!(message["content"]
        .as_str()
        .unwrap()
        .starts_with("Hello, this is Sam"));
    assert_eq!(message["analysis"]["source"], "salesforce");

    // The agent closes the Case: the customer sees the conversation resolved.
    sim.db()
        .update(
            &agent(&sim),
            "Case",
            &case_id,
            serde_json::from_value(json!({"Status": "Closed"})).unwrap(),
        )
        .unwrap();
    let deadline = Instant::now() + PATIENCE * 2;
    loop {
        assert!(
            Instant::now() < deadline,
            "no resolution reached the socket"
        );
        let e = socket.next_event().await;
        if e["type"] == "status_update" && e["status"] == "resolved" {
            break;
        }
    }
    let c = app.conversation(&visitor.access_token, id).await;
    assert_eq!(c["status"], "resolved");
    assert_eq!(c["metadata"]["salesforce"]["case_number"], json!(number));
    app.stop().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn admins_configure_test_and_watch_the_connection() {
    let (sim, link) = sim().await;
    let (app, admin) = app_with_tenant(link).await;
    let t = admin.token();

    let view: Value = app
        .get("/v1/admin/salesforce", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["source"], "simulator");
    let test: Value = app
        .post("/v1/admin/salesforce/test", t, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(test["connected"], true, "{test}");
    assert_eq!(test["api_requests_max"], 15000);
    assert!(test["api_requests_remaining"].as_i64().unwrap() < 15000);

    // Invalid settings are refused with the field named, and nothing changes.
    let bad = app
        .request(reqwest::Method::PUT, "/v1/admin/salesforce", t)
        .json(&json!({"login_url": "https://login.salesforce.com",
            "auth": {"flow": "client_credentials", "client_id": "3MVG9"}}))
        .send()
        .await
        .unwrap();
    assert_invalid_field(bad, "salesforce.auth.client_secret_file").await;
    let still: Value = app
        .get("/v1/admin/salesforce", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["source"], "simulator");

    // Readiness reports the tenant's connection and remaining requests.
    let ready: Value = app.get("/health/ready", "").await.json().await.unwrap();
    assert_eq!(
        ready["checks"]["salesforce"]["tenants"]["acme"]["connected"], true,
        "{ready}"
    );

    // Dead letters: none yet; the list names a bad status.
    let dead: Value = app
        .get("/v1/admin/outbox?status=dead", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dead["events"], json!([]));
    let r = app.get("/v1/admin/outbox?status=lost", t).await;
    assert_invalid_field(r, "status").await;
    let r = app
        .post("/v1/admin/outbox/12345/retry", t, &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Disconnecting returns the tenant to Concierge's own cases.
    let r = app
        .request(reqwest::Method::PUT, "/v1/admin/salesforce", t)
        .json(&json!({"enabled": false, "auth": {"flow": "simulator"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let test: Value = app
        .post("/v1/admin/salesforce/test", t, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(test["configured"], false);

    // The sync's metrics are exported.
    let metrics = app.get("/metrics", "").await.text().await.unwrap();
    assert!(
        metrics.contains("concierge_salesforce_calls_total"),
        "{metrics}"
    );
    app.stop().await;
    sim.shutdown().await;
}
