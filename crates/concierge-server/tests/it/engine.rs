//! The engine seam: what the engine says is stored and returned; when it
//! fails, panics or is too slow, the customer's message is still stored and
//! answered with the fallback.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use concierge_core::engine::{ConversationEngine, EngineError, Reply, Turn};
use concierge_core::SenderType;
use concierge_server::service::FALLBACK_REPLY;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, id_of, spawn_app_with_engine, TestApp};

/// Answers every turn the same way and remembers the turns it saw.
#[derive(Debug)]
struct Scripted {
    confidence: f64,
    turns: Mutex<Vec<Turn>>,
}

impl Scripted {
    fn new(confidence: f64) -> Arc<Self> {
        Arc::new(Self {
            confidence,
            turns: Mutex::default(),
        })
    }
}

#[async_trait]
impl ConversationEngine for Scripted {
    fn name(&self) -> &'static str {
        "scripted"
    }

    async fn respond(&self, turn: &Turn) -> Result<Reply, EngineError> {
        self.turns.lock().unwrap().push(turn.clone());
        // Someone watches live: stream the reply in two pieces first.
        if let Some(sink) = &turn.deltas {
            sink.send("About ".into());
            sink.send(format!("\"{}\": let me check your invoice.", turn.content));
        }
        Ok(Reply {
            content: format!("About \"{}\": let me check your invoice.", turn.content),
            intent: Some("billing_question".into()),
            confidence: Some(self.confidence),
            sentiment: Some(-0.4),
            suggested_actions: vec!["open_case".into()],
            requires_escalation: true,
            plan: concierge_core::engine::TurnPlan {
                quick_replies: vec!["Yes".into(), "No".into()],
                ..Default::default()
            },
        })
    }
}

#[derive(Debug)]
enum Broken {
    Fails,
    Panics,
    Hangs,
}

#[async_trait]
impl ConversationEngine for Broken {
    fn name(&self) -> &'static str {
        "broken"
    }

    async fn respond(&self, _turn: &Turn) -> Result<Reply, EngineError> {
        match self {
            Broken::Fails => Err(EngineError::Stage {
                stage: "understand",
                message: "the model file is missing".into(),
            }),
            Broken::Panics => panic!("engine bug"),
            Broken::Hangs => std::future::pending().await,
        }
    }
}

async fn customer_conversation(app: &TestApp) -> (String, concierge_core::ConversationId) {
    // No staff sign-in: only the calls under test run against a short request timeout.
    let tenant = app.create_tenant("acme").await;
    let v = app.visitor(&tenant.org.widget_key, None).await;
    let id = app.new_conversation_id(&v.access_token).await;
    (v.access_token, id)
}

#[tokio::test]
async fn the_engines_reply_and_classification_are_returned_and_stored() {
    let engine = Scripted::new(0.87);
    let app = spawn_app_with_engine(engine.clone(), |_| {}).await;
    let s = app.admin_session("acme").await;
    let v = app.visitor(&s.tenant.org.widget_key, None).await;
    let created: Value = app
        .create_conversation(
            &v.access_token,
            &json!({ "channel": "email", "initial_message": "I was charged twice" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = id_of(&created);
    let result = app.say(&v.access_token, id, "Invoice 1042").await;
    assert_eq!(
        result["response"],
        "About \"Invoice 1042\": let me check your invoice."
    );
    assert_eq!(result["intent"], "billing_question");
    assert_eq!(result["confidence"], 0.87);
    assert_eq!(result["suggested_actions"], json!(["open_case"]));
    assert_eq!(result["requires_escalation"], true);

    let read = app.conversation(s.token(), id).await;
    let m = read["messages"].as_array().unwrap();
    assert_eq!(m.len(), 4);
    assert_eq!(
        m[2]["intent"], "billing_question",
        "the customer's message is classified"
    );
    assert_eq!(m[2]["sentiment"], -0.4);
    assert_eq!(m[3]["sender_type"], "ai_agent");
    assert_eq!(m[3]["intent_confidence"], 0.87);
    assert_eq!(result["quick_replies"], json!(["Yes", "No"]));
    assert_eq!(
        m[3]["analysis"]["quick_replies"],
        json!(["Yes", "No"]),
        "the buttons are stored with the reply, for a widget that reloads or listens live"
    );
    assert!(
        m[2]["analysis"].get("quick_replies").is_none(),
        "only the reply offers them"
    );
    assert_eq!(read["ai_message_count"], 2);
    assert_eq!(read["ai_confidence_avg"], 0.87);

    // The engine saw the channel, the text and the history before it.
    let turns = engine.turns.lock().unwrap().clone();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[1].content, "Invoice 1042");
    assert_eq!(turns[1].channel, concierge_core::Channel::Email);
    assert_eq!(turns[1].conversation_id, id);
    let history: Vec<_> = turns[1].history.iter().map(|(s, _)| *s).collect();
    assert_eq!(history, [SenderType::User, SenderType::AiAgent]);
    assert_eq!(turns[1].history[0].1, "I was charged twice");
    assert!(turns[0].history.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn an_out_of_range_confidence_is_clamped_alike_in_the_response_and_the_store() {
    let app = spawn_app_with_engine(Scripted::new(1.7), |_| {}).await;
    let (token, id) = customer_conversation(&app).await;
    let result = app.say(&token, id, "Hi").await;
    assert_eq!(result["confidence"], 1.0);
    let read = app.conversation(&token, id).await;
    assert_eq!(read["messages"][1]["intent_confidence"], 1.0);
    assert_eq!(read["ai_confidence_min"], 1.0);
    app.stop().await;
}

#[tokio::test]
async fn a_failing_or_panicking_engine_still_stores_the_message_with_the_fallback() {
    for engine in [Broken::Fails, Broken::Panics] {
        let label = format!("{engine:?}");
        let app = spawn_app_with_engine(Arc::new(engine), |_| {}).await;
        let (token, id) = customer_conversation(&app).await;
        let resp = app.post_message(&token, id, "Is anyone there?").await;
        assert_eq!(resp.status(), StatusCode::OK, "{label}");
        let result: Value = resp.json().await.unwrap();
        assert_eq!(result["response"], FALLBACK_REPLY, "{label}");
        assert_eq!(result["requires_escalation"], true);
        assert_eq!(result["suggested_actions"], json!(["talk_to_human"]));

        let read = app.conversation(&token, id).await;
        let m = read["messages"].as_array().unwrap();
        assert_eq!(m.len(), 2, "{label}");
        assert_eq!(m[0]["content"], "Is anyone there?");
        assert_eq!(m[1]["sender_type"], "system");
        assert_eq!(m[1]["content"], FALLBACK_REPLY);
        let metrics = app.get("/metrics", "").await.text().await.unwrap();
        assert!(
            metrics.contains("concierge_engine_failures_total 1"),
            "{label}: {metrics}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn an_engine_over_its_time_limit_is_answered_with_the_fallback() {
    let app = spawn_app_with_engine(Arc::new(Broken::Hangs), |c| {
        c.server.engine_timeout_secs = 1;
    })
    .await;
    let (token, id) = customer_conversation(&app).await;
    let result = app.say(&token, id, "Hello?").await;
    assert_eq!(result["response"], FALLBACK_REPLY);
    assert_eq!(app.conversation(&token, id).await["message_count"], 2);
    app.stop().await;
}

#[tokio::test]
async fn a_request_over_its_time_limit_is_503_and_stores_nothing() {
    let app = spawn_app_with_engine(Arc::new(Broken::Hangs), |c| {
        c.server.engine_timeout_secs = 30;
        c.server.request_timeout_secs = 1;
    })
    .await;
    let (token, id) = customer_conversation(&app).await;
    let resp = app.post_message(&token, id, "Hello?").await;
    assert_eq!(resp.headers()["retry-after"], "1");
    let error = assert_error(resp, StatusCode::SERVICE_UNAVAILABLE, 4003).await;
    assert_eq!(error["name"], "timeout");
    // Nothing half-done: a retry is safe.
    let read = app.conversation(&token, id).await;
    assert_eq!(read["message_count"], 0);
    assert_eq!(read["messages"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn a_watched_conversation_gets_the_reply_streamed_before_it_is_stored() {
    let engine = Scripted::new(0.9);
    let app = spawn_app_with_engine(engine.clone(), |_| {}).await;
    let (token, id) = customer_conversation(&app).await;
    // Nobody watches: no stream is asked for.
    app.say(&token, id, "first").await;
    assert!(engine
        .turns
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .deltas
        .is_none());

    let mut ws = app.ws(&token, Some(id)).await;
    ws.expect("subscribed").await;
    app.say(&token, id, "Invoice 7").await;
    assert_eq!(ws.expect("typing_indicator").await["typing"], true);
    let mut draft = String::new();
    for _ in 0..2 {
        let d = ws.expect("ai_response_delta").await;
        assert_eq!(d["conversation_id"], json!(id));
        draft.push_str(d["delta"].as_str().unwrap());
    }
    assert_eq!(ws.expect("typing_indicator").await["typing"], false);
    ws.expect("message_received").await;
    let stored = ws.expect("ai_response").await;
    assert_eq!(
        stored["message"]["content"].as_str().unwrap(),
        draft,
        "the draft equals the stored reply"
    );
    app.stop().await;
}
