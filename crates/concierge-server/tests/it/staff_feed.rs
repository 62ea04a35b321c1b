//! The staff feed over the WebSocket: after `subscribe_queues`, agents see
//! escalations and conversation changes of their own tenant only, filtered
//! by queue; customers may not subscribe.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use concierge_core::engine::{ConversationEngine, EngineError, EscalationPlan, Reply, Turn};
use concierge_core::{ConversationStatus, Priority, Role};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with_engine, WsClient};

/// Escalates a message `escalate to QUEUE` to QUEUE; answers anything else.
#[derive(Debug)]
pub struct Escalating;

#[async_trait]
impl ConversationEngine for Escalating {
    fn name(&self) -> &'static str {
        "escalating"
    }

    async fn respond(&self, turn: &Turn) -> Result<Reply, EngineError> {
        let mut reply = Reply {
            content: "Let me help.".into(),
            intent: None,
            confidence: Some(0.9),
            sentiment: None,
            suggested_actions: vec![],
            requires_escalation: false,
            plan: Default::default(),
        };
        if let Some(queue) = turn.content.strip_prefix("escalate to ") {
            reply.requires_escalation = true;
            reply.content = "A person will take over.".into();
            reply.plan.status = Some(ConversationStatus::Escalated);
            reply.plan.queue = Some(queue.to_owned());
            reply.plan.priority = Some(Priority::High);
            reply.plan.escalation = Some(EscalationPlan {
                reason: "customer_request".into(),
                priority: Priority::High,
                queue: queue.to_owned(),
                tier: None,
                sla_deadline: None,
                first_response_deadline: None,
                summary: json!({ "case_number": "00001042" }),
            });
        }
        Ok(reply)
    }
}

/// Nothing arrives on `ws` for a short while (used after a barrier event,
/// so "nothing" means the event was filtered, not slow).
async fn quiet(ws: &mut WsClient) {
    let got = tokio::time::timeout(Duration::from_millis(300), ws.next_event()).await;
    assert!(got.is_err(), "unexpected event: {:?}", got.ok());
}

async fn subscribe(ws: &mut WsClient, queues: Value) -> Value {
    ws.send_json(&json!({ "type": "subscribe_queues", "queues": queues }))
        .await;
    ws.expect("queues_subscribed").await
}

#[tokio::test]
async fn agents_hear_of_escalations_and_changes_in_their_tenant_only() {
    let app = spawn_app_with_engine(Arc::new(Escalating), |_| {}).await;
    let acme = app.admin_session("acme").await;
    let other = app.admin_session("other").await;
    app.create_staff(acme.org(), "agent@acme.test", Role::Agent)
        .await;
    let agent = app.sign_in_ok("agent@acme.test", "acme").await;

    let mut all = app.ws(acme.token(), None).await;
    assert_eq!(
        subscribe(&mut all, Value::Null).await["queues"],
        Value::Null
    );
    let mut billing = app.ws(&agent.access_token, None).await;
    assert_eq!(
        subscribe(&mut billing, json!(["billing"])).await["queues"],
        json!(["billing"])
    );
    let mut foreign = app.ws(other.token(), None).await;
    subscribe(&mut foreign, Value::Null).await;

    // A visitor of acme asks for a person: escalated to `tech`.
    let visitor = app.visitor(&acme.tenant.org.widget_key, None).await;
    let id = app.new_conversation_id(&visitor.access_token).await;
    let r = app.say(&visitor.access_token, id, "escalate to tech").await;
    assert_eq!(r["escalation"]["queue"], "tech", "{r}");

    let e = all.expect("escalated").await;
    assert_eq!(e["conversation_id"], json!(id));
    assert_eq!(e["queue"], "tech");
    assert_eq!(e["priority"], "high");
    assert_eq!(e["reason"], "customer_request");
    assert_eq!(e["case_number"], "00001042");
    assert!(e["escalation_id"].is_string(), "{e}");
    let u = all.expect("conversation_updated").await;
    assert_eq!(u["status"], "escalated");
    assert_eq!(u["queue"], "tech");
    assert_eq!(u["assigned_agent_id"], Value::Null);

    // The supervisor moves it to billing: the billing agent hears of it now.
    let resp = app
        .post(
            &format!("/v1/conversations/{id}/transfer"),
            acme.token(),
            &json!({ "queue": "billing" }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    for ws in [&mut all, &mut billing] {
        let u = ws.expect("conversation_updated").await;
        assert_eq!(u["queue"], "billing", "{u}");
        assert_eq!(u["previous_queue"], "tech", "{u}");
    }

    // The agent claims it; then resolves it.
    let resp = app
        .post(
            &format!("/v1/conversations/{id}/claim"),
            &agent.access_token,
            &json!({}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let agent_id = agent.user["id"].clone();
    for ws in [&mut all, &mut billing] {
        let u = ws.expect("conversation_updated").await;
        assert_eq!(u["assigned_agent_id"], agent_id, "{u}");
    }
    let resp = app
        .post(
            &format!("/v1/conversations/{id}/resolve"),
            &agent.access_token,
            &json!({}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    for ws in [&mut all, &mut billing] {
        let u = ws.expect("conversation_updated").await;
        assert_eq!(u["status"], "resolved", "{u}");
    }

    // Another escalation to `tech`: the billing-only agent is not told.
    let id2 = app.new_conversation_id(&visitor.access_token).await;
    app.say(&visitor.access_token, id2, "escalate to tech")
        .await;
    assert_eq!(all.expect("escalated").await["conversation_id"], json!(id2));
    all.expect("conversation_updated").await;
    // A barrier: the agent's socket answers a heartbeat after any feed event.
    billing.send_json(&json!({ "type": "heartbeat" })).await;
    billing.expect("heartbeat").await;
    quiet(&mut billing).await;

    // The other tenant heard nothing of acme's conversations.
    foreign.send_json(&json!({ "type": "heartbeat" })).await;
    foreign.expect("heartbeat").await;
    quiet(&mut foreign).await;
    // …but hears of its own.
    let ov = app.visitor(&other.tenant.org.widget_key, None).await;
    let oid = app.new_conversation_id(&ov.access_token).await;
    app.say(&ov.access_token, oid, "escalate to tech").await;
    assert_eq!(
        foreign.expect("escalated").await["conversation_id"],
        json!(oid)
    );
    app.stop().await;
}

#[tokio::test]
async fn customers_may_not_subscribe_to_the_queue_feed() {
    let app = spawn_app_with_engine(Arc::new(Escalating), |_| {}).await;
    let acme = app.admin_session("acme").await;
    let visitor = app.visitor(&acme.tenant.org.widget_key, None).await;
    let mut ws = app.ws(&visitor.access_token, None).await;
    ws.send_json(&json!({ "type": "subscribe_queues" })).await;
    let e = ws.expect("error").await;
    assert_eq!(e["name"], "forbidden", "{e}");

    // And it hears nothing of an escalation (its own included).
    let id = app.new_conversation_id(&visitor.access_token).await;
    app.say(&visitor.access_token, id, "escalate to tech").await;
    ws.send_json(&json!({ "type": "heartbeat" })).await;
    ws.expect("heartbeat").await;
    quiet(&mut ws).await;
    app.stop().await;
}
