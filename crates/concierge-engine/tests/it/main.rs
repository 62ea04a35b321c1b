//! The engine end to end over a real store (SQLite, and PostgreSQL when it
//! is reachable) and the demo knowledge base: a harness plays the server's
//! part (it writes each turn's plan with the messages, as the server does).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use concierge_core::config::{EngineConfig, LlmConfig};
use concierge_core::engine::{ConversationEngine, Reply, Turn};
use concierge_core::model::Conversation;
use concierge_core::*;
use concierge_engine::cases::LocalCases;
use concierge_engine::{Engine, EngineParts};
use concierge_knowledge::KnowledgeBase;
use concierge_store::testing::{postgres_admin_url, TestDb};
use concierge_store::*;
use serde_json::json;

mod flows;
mod jobs_rules;

/// One engine over one database, a tenant in it, and a settable clock.
#[derive(Debug)]
pub struct Harness {
    pub db: TestDb,
    pub engine: Arc<Engine>,
    pub org: OrgId,
    pub now: Arc<Mutex<DateTime<Utc>>>,
}

impl Harness {
    pub async fn new(db: TestDb, knowledge: bool) -> Harness {
        let store = db.store.clone();
        let org = store
            .create_organization(&NewOrganization {
                slug: "acme".into(),
                name: "Acme".into(),
                subscription_tier: SubscriptionTier::Enterprise,
                salesforce_org_id: None,
                widget_key: format!("pk_test_{}", uuid::Uuid::new_v4().simple()),
            })
            .await
            .unwrap()
            .id;
        let kb = if knowledge {
            let kb = KnowledgeBase::open(store.clone(), None, None).unwrap();
            kb.ingest(org, &concierge_knowledge::demo::articles().unwrap())
                .await
                .unwrap();
            Some(kb)
        } else {
            None
        };
        let now = Arc::new(Mutex::new(Utc::now()));
        let clock_now = now.clone();
        let sink = Arc::new(concierge_llm::MemoryUsageSink::default());
        let router = concierge_llm::Router::from_config(&LlmConfig::default(), sink).unwrap();
        let engine = Engine::new(EngineParts {
            store: store.clone(),
            config: EngineConfig::default(),
            analyzer: concierge_nlu::Analyzer::try_default().unwrap(),
            knowledge: kb,
            router: Arc::new(router),
            cases: Arc::new(LocalCases::new(store)),
            clock: Arc::new(move || *clock_now.lock().unwrap()),
        });
        Harness {
            db,
            engine: Arc::new(engine),
            org,
            now,
        }
    }

    pub fn advance(&self, by: Duration) {
        *self.now.lock().unwrap() += by;
    }

    pub async fn customer(&self, email: &str, tier: Option<CustomerTier>) -> Conversation {
        let s = &self.db.store;
        let user = s
            .upsert_customer(self.org, &format!("crm-{email}"), Some(email))
            .await
            .unwrap();
        if tier.is_some() {
            s.set_customer_profile(self.org, user.id, None, tier)
                .await
                .unwrap();
        }
        s.create_conversation(
            self.org,
            &NewConversation {
                customer_id: Some(user.id),
                channel: Channel::Web,
                metadata: json!({}),
                context: json!({}),
            },
        )
        .await
        .unwrap()
    }

    pub async fn anonymous(&self) -> Conversation {
        self.db
            .store
            .create_conversation(
                self.org,
                &NewConversation {
                    customer_id: None,
                    channel: Channel::Api,
                    metadata: json!({}),
                    context: json!({}),
                },
            )
            .await
            .unwrap()
    }

    /// The customer says `text`; the turn is written as the server writes it.
    pub async fn say(&self, conversation: ConversationId, text: &str) -> (Reply, TurnRecord) {
        self.say_with(conversation, text, None).await
    }

    /// [`Harness::say`] with someone watching live (`deltas`).
    pub async fn say_with(
        &self,
        conversation: ConversationId,
        text: &str,
        deltas: Option<concierge_core::engine::DeltaSink>,
    ) -> (Reply, TurnRecord) {
        let s = &self.db.store;
        let c = s.get_conversation(self.org, conversation).await.unwrap();
        let history = s
            .list_messages(self.org, conversation, 20)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.sender_type, m.content))
            .collect();
        let turn = Turn {
            org_id: self.org,
            conversation_id: conversation,
            channel: c.channel,
            content: text.to_owned(),
            content_type: ContentType::Text,
            history,
            conversation: Some(c),
            deltas,
        };
        let reply = self.engine.respond(&turn).await.unwrap();
        let mut user = NewMessage::text(SenderType::User, None, text);
        user.analysis = reply.plan.user_analysis.clone();
        user.intent = reply.intent.clone();
        user.moderation = reply.plan.moderation.as_ref().map(|m| m.level.clone());
        let mut batch = vec![user];
        if !reply.plan.silent {
            let mut m = NewMessage::text(
                reply.plan.sender.unwrap_or(SenderType::AiAgent),
                None,
                reply.content.clone(),
            );
            m.analysis = reply.plan.reply_analysis.clone();
            batch.push(m);
        }
        let record = s
            .record_turn(
                self.org,
                conversation,
                &batch,
                &TurnEffects::from_plan(conversation, &reply.plan),
            )
            .await
            .unwrap();
        (reply, record)
    }
}

/// Runs `story` on SQLite and, when reachable, PostgreSQL.
pub async fn on_both<F, Fut>(knowledge: bool, story: F)
where
    F: Fn(Harness) -> Fut,
    Fut: std::future::Future<Output = Harness>,
{
    let h = Harness::new(TestDb::sqlite().await.unwrap(), knowledge).await;
    story(h).await.db.destroy().await;
    if let Some(url) = postgres_admin_url().await {
        let h = Harness::new(TestDb::postgres(&url).await.unwrap(), knowledge).await;
        story(h).await.db.destroy().await;
    }
}
