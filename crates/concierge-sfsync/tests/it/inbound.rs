//! Salesforce → conversations over the Pub/Sub API: an agent's public
//! comment reaches the conversation, a closed Case resolves it, Concierge's
//! own writes are not echoed back, redeliveries are applied once, and an
//! older Salesforce write loses to a newer one of ours.

use std::sync::Mutex;

use async_trait::async_trait;
use concierge_salesforce::pubsub::ChangeEventMessage;
use concierge_sfsync::inbound::{Applied, Inbound, Inbox};
use concierge_sfsync::outbound::stamp_key;
use tokio::sync::watch;

use super::*;

/// Stores agent comments as messages (as the server does) and records calls.
#[derive(Debug)]
struct StoreInbox {
    store: Store,
    comments: Mutex<Vec<(ConversationId, String, Instant)>>,
    resolved: Mutex<Vec<ConversationId>>,
}

#[async_trait]
impl Inbox for StoreInbox {
    async fn agent_message(
        &self,
        org: OrgId,
        c: ConversationId,
        _author: &str,
        text: &str,
        source_id: &str,
    ) -> Result<(), String> {
        let mut m = NewMessage::text(SenderType::HumanAgent, None, text);
        m.analysis = json!({"source": "salesforce", "salesforce_comment_id": source_id});
        self.store
            .append_messages(org, c, &[m])
            .await
            .map_err(|e| e.to_string())?;
        self.comments
            .lock()
            .unwrap()
            .push((c, text.to_owned(), Instant::now()));
        Ok(())
    }

    async fn resolve(&self, org: OrgId, c: ConversationId, note: &str) -> Result<(), String> {
        self.store
            .resolve_conversation(org, c, "human", Some(note))
            .await
            .map_err(|e| e.to_string())?;
        self.resolved.lock().unwrap().push(c);
        Ok(())
    }
}

fn inbox(env: &Env) -> Arc<StoreInbox> {
    Arc::new(StoreInbox {
        store: env.store().clone(),
        comments: Mutex::default(),
        resolved: Mutex::default(),
    })
}

async fn with_case(env: &Env) -> (Conversation, String) {
    let c = env.conversation(Some("pepper@stark.example")).await;
    env.escalate(&c, json!({"title": "Shipment labels fail"}))
        .await;
    env.dispatch().await;
    let c = env.store().get_conversation(env.org, c.id).await.unwrap();
    let case = c.salesforce_case_id.clone().unwrap();
    (c, case)
}

fn record(v: Value) -> Record {
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn agent_comments_and_closed_cases_come_back_over_pubsub() {
    let env = env().await;
    let (c, case) = with_case(&env).await;
    let inbox = inbox(&env);
    let (_stop, stopped) = watch::channel(false);
    concierge_sfsync::subscriptions::subscribe_tenant(
        &env.sf,
        inbox.clone(),
        env.conn().await,
        stopped,
    );

    // An internal note and Concierge's own comment are not delivered.
    let agent = env.as_agent();
    let sim = env.sim.db();
    sim.create(&agent, "CaseComment", record(json!({"ParentId": case, "CommentBody": "internal: check the carrier API", "IsPublished": false}))).unwrap();
    let own = WriteCtx::rest(&env.user_id(INTEGRATION_USER), "62.0");
    sim.create(
        &own,
        "CaseComment",
        record(json!({"ParentId": case, "CommentBody": "Customer: echo?", "IsPublished": true})),
    )
    .unwrap();
    // The agent answers the customer.
    let sent = Instant::now();
    sim.create(&agent, "CaseComment", record(json!({"ParentId": case,
        "CommentBody": "Hi Pepper, the carrier API was down; labels work again.", "IsPublished": true}))).unwrap();
    let (conv, text, at) = eventually(Duration::from_secs(15), || async {
        inbox.comments.lock().unwrap().first().cloned()
    })
    .await;
    assert_eq!(conv, c.id);
    assert!(text.starts_with("Hi Pepper"));
    eprintln!(
        "sync lag, Salesforce comment → conversation: {:?}",
        at - sent
    );
    assert!(
        at - sent < Duration::from_secs(5),
        "sync lag {:?}",
        at - sent
    );
    let messages = env.store().list_messages(env.org, c.id, 100).await.unwrap();
    assert!(messages
        .iter()
        .any(|m| m.sender_type == SenderType::HumanAgent && m.content.starts_with("Hi Pepper")));
    assert!(!messages
        .iter()
        .any(|m| m.content.contains("internal:") || m.content.contains("echo?")));

    // The agent closes the Case: the conversation is resolved.
    sim.update(&agent, "Case", &case, record(json!({"Status": "Closed"})))
        .unwrap();
    eventually(Duration::from_secs(15), || async {
        inbox.resolved.lock().unwrap().first().copied()
    })
    .await;
    let stored = env.store().get_conversation(env.org, c.id).await.unwrap();
    assert_eq!(stored.status, ConversationStatus::Resolved);
    assert_eq!(inbox.comments.lock().unwrap().len(), 1, "each comment once");
    // The subscription resumes after the last applied event: its replay id is stored.
    let stored = env
        .store()
        .sync_state(
            env.org,
            &concierge_sfsync::inbound::replay_key("/data/CaseChangeEvent"),
        )
        .await
        .unwrap();
    assert!(
        stored.is_some_and(|h| h.len() == 16),
        "an 8-byte replay id, hex"
    );
}

fn comment_event(case: &str, id: &str, user: &str) -> ChangeEventMessage {
    ChangeEventMessage {
        topic: "/data/CaseCommentChangeEvent".into(),
        replay_id: vec![0, 0, 0, 0, 0, 0, 0, 9],
        entity_name: "CaseComment".into(),
        change_type: "CREATE".into(),
        record_ids: vec![id.into()],
        changed_fields: vec![],
        nulled_fields: vec![],
        change_origin: "com/salesforce/api/rest/62.0".into(),
        commit_user: user.into(),
        commit_timestamp: chrono::Utc::now(),
        fields: serde_json::from_value(
            json!({"ParentId": case, "CommentBody": "We are on it.", "IsPublished": true}),
        )
        .unwrap(),
    }
}

#[tokio::test]
async fn a_redelivered_event_is_applied_once_and_own_changes_are_ignored() {
    let env = env().await;
    let (_c, case) = with_case(&env).await;
    let inbox = inbox(&env);
    let inbound = Inbound {
        store: env.store().clone(),
        metrics: env.sf.metrics.clone(),
        inbox: inbox.clone(),
    };
    let me = env.user_id(INTEGRATION_USER);
    let agent = env.user_id(AGENT_USER);
    let e = comment_event(&case, "00a000000000001AAA", &agent);
    assert_eq!(
        inbound.apply(env.org, &me, &e).await.unwrap(),
        vec![Applied::Comment]
    );
    assert_eq!(
        inbound.apply(env.org, &me, &e).await.unwrap(),
        vec![Applied::Duplicate]
    );
    let own = comment_event(&case, "00a000000000002AAA", &me);
    assert_eq!(
        inbound.apply(env.org, &me, &own).await.unwrap(),
        vec![Applied::OwnChange]
    );
    let unknown = comment_event("500000000000999AAA", "00a000000000003AAA", &agent);
    assert_eq!(
        inbound.apply(env.org, &me, &unknown).await.unwrap(),
        vec![Applied::Ignored]
    );
    assert_eq!(inbox.comments.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_older_salesforce_status_loses_to_a_newer_concierge_write() {
    let env = env().await;
    let (c, case) = with_case(&env).await;
    let inbox = inbox(&env);
    let inbound = Inbound {
        store: env.store().clone(),
        metrics: env.sf.metrics.clone(),
        inbox: inbox.clone(),
    };
    let ours = chrono::Utc::now();
    env.store()
        .put_sync_state(
            env.org,
            &stamp_key("ours", &case, "Status"),
            &ours.timestamp_millis().to_string(),
        )
        .await
        .unwrap();
    let mut e = comment_event(&case, &case, &env.user_id(AGENT_USER));
    e.entity_name = "Case".into();
    e.change_type = "UPDATE".into();
    e.changed_fields = vec!["Status".into(), "LastModifiedDate".into()];
    e.fields = serde_json::from_value(json!({"Status": "Closed"})).unwrap();
    e.commit_timestamp = ours - chrono::Duration::seconds(30);
    assert_eq!(
        inbound.apply(env.org, "", &e).await.unwrap(),
        vec![Applied::Conflict]
    );
    assert!(inbox.resolved.lock().unwrap().is_empty());
    assert_ne!(
        env.store()
            .get_conversation(env.org, c.id)
            .await
            .unwrap()
            .status,
        ConversationStatus::Resolved
    );
    let audit = env.store().list_audit(env.org, 20).await.unwrap();
    let a = audit
        .iter()
        .find(|a| a.action == "salesforce.sync_conflict")
        .unwrap();
    assert_eq!(a.details["winner"], "concierge");
    // The same change, newer than ours, applies.
    e.commit_timestamp = ours + chrono::Duration::seconds(30);
    assert_eq!(
        inbound.apply(env.org, "", &e).await.unwrap(),
        vec![Applied::Resolved]
    );
}
