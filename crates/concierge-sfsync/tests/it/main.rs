//! Concierge ⇄ Salesforce against the bundled simulator, over real HTTP and
//! gRPC: Cases from escalations, customer context, the outbox dispatcher,
//! change events back into conversations, and knowledge import.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use concierge_core::config::SalesforceSection;
use concierge_core::model::Conversation;
use concierge_core::*;
use concierge_sfsim::db::{Record, WriteCtx};
use concierge_sfsim::server::{start, RunningSim, SimConfig};
use concierge_sfsync::connections::Connection;
use concierge_sfsync::{Salesforce, SimulatorLink};
use concierge_store::testing::TestDb;
use concierge_store::*;
use serde_json::{json, Value};

mod cases;
mod inbound;
mod knowledge;
mod sync;

pub const APP: &str = "concierge-sim";
pub const INTEGRATION_USER: &str = "concierge@acme.example";
pub const AGENT_USER: &str = "sam.agent@acme.example";

/// A simulator, a fresh database with a tenant connected to the simulator,
/// and the Salesforce integration over them.
#[derive(Debug)]
pub struct Env {
    pub sim: RunningSim,
    pub db: TestDb,
    pub sf: Arc<Salesforce>,
    pub org: OrgId,
}

pub async fn env() -> Env {
    env_with(|_| {}).await
}

pub async fn env_with(configure: impl FnOnce(&mut SalesforceSection)) -> Env {
    let mut config = SimConfig::default();
    config.connected_apps[0].run_as_username = Some(INTEGRATION_USER.into());
    let secret = config.connected_apps[0].client_secret.clone();
    let sim = start(config, ([127, 0, 0, 1], 0).into()).await.unwrap();
    let db = TestDb::sqlite().await.unwrap();
    let org = db
        .store
        .create_organization(&NewOrganization {
            slug: "acme".into(),
            name: "Acme".into(),
            subscription_tier: SubscriptionTier::Enterprise,
            salesforce_org_id: None,
            widget_key: format!("pk_test_{}", uuid::Uuid::new_v4().simple()),
        })
        .await
        .unwrap();
    let link = SimulatorLink {
        url: url::Url::parse(&sim.url()).unwrap(),
        client_id: APP.into(),
        client_secret: secret,
        tenant_slug: "acme".into(),
        conversation_url: None,
    };
    let mut section = SalesforceSection::default();
    configure(&mut section);
    let kb = concierge_knowledge::KnowledgeBase::open(db.store.clone(), None, None).unwrap();
    let sf = Salesforce::new(db.store.clone(), &section, Some(link), Some(kb));
    Env {
        sim,
        db,
        sf,
        org: org.id,
    }
}

impl Env {
    pub fn store(&self) -> &Store {
        &self.db.store
    }

    pub async fn conn(&self) -> Arc<Connection> {
        self.sf.connections.get(self.org).await.expect("connected")
    }

    /// The simulator's id of a seeded user.
    pub fn user_id(&self, username: &str) -> String {
        let u = self
            .sim
            .db()
            .user_by_username(username)
            .expect("seeded user");
        u["Id"].as_str().unwrap().to_owned()
    }

    /// Runs SOQL directly on the simulated org.
    pub fn soql(&self, q: &str) -> Vec<Record> {
        self.sim
            .db()
            .query(q, &concierge_sfsim::db::QueryOpts::new("62.0"))
            .unwrap()
    }

    /// Writes to the simulated org as a Salesforce user would (not Concierge).
    pub fn as_agent(&self) -> WriteCtx {
        WriteCtx::rest(&self.user_id(AGENT_USER), "62.0")
    }

    /// A conversation of a customer with `email`, with a few messages.
    pub async fn conversation(&self, email: Option<&str>) -> Conversation {
        let s = self.store();
        let customer = match email {
            Some(e) => Some(s.upsert_customer(self.org, e, Some(e)).await.unwrap().id),
            None => None,
        };
        let c = s
            .create_conversation(
                self.org,
                &NewConversation {
                    customer_id: customer,
                    channel: Channel::Web,
                    metadata: json!({}),
                    context: json!({}),
                },
            )
            .await
            .unwrap();
        let msgs = vec![
            NewMessage::text(
                SenderType::User,
                customer,
                "My dashboards stopped refreshing after the upgrade",
            ),
            NewMessage::text(
                SenderType::AiAgent,
                None,
                "Let me check the refresh schedule for you.",
            ),
            NewMessage::text(
                SenderType::User,
                customer,
                "This is urgent, I want a person now",
            ),
        ];
        s.append_messages(self.org, c.id, &msgs).await.unwrap();
        s.get_conversation(self.org, c.id).await.unwrap()
    }

    /// Escalates a conversation the way the engine's turn does.
    pub async fn escalate(&self, c: &Conversation, card: Value) {
        let effects = TurnEffects {
            escalation: Some(NewEscalation {
                conversation_id: c.id,
                reason: "customer_requested_human".into(),
                priority: Priority::High,
                queue: "enterprise".into(),
                sla_deadline: None,
                first_response_deadline: None,
                tier: Some(CustomerTier::Enterprise),
                summary: card,
            }),
            ..TurnEffects::default()
        };
        self.store()
            .record_turn(
                self.org,
                c.id,
                &[NewMessage::text(
                    SenderType::AiAgent,
                    None,
                    "A colleague will help.",
                )],
                &effects,
            )
            .await
            .unwrap();
    }

    /// Drains the outbox through the dispatcher.
    pub async fn dispatch(&self) {
        let d = self.sf.dispatcher();
        for _ in 0..10 {
            if d.round(200).await.unwrap() == 0 {
                return;
            }
        }
    }
}

/// Polls `check` every 20 ms until it returns `Some`, for at most `within`.
pub async fn eventually<T, F, Fut>(within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            started.elapsed() < within,
            "condition not met within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
