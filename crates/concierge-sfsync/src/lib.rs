//! Concierge ⇄ Salesforce: the part of Concierge that makes escalations
//! Salesforce Cases with the whole story and keeps both sides in step.
//!
//! - [`settings`] — a tenant's Salesforce connection (`settings.salesforce`).
//! - [`connections`] — one client per connected tenant, built from its settings.
//! - [`cases`] — the engine's `CaseSystem` on Salesforce: Contact found or
//!   created by email, Case upserted on the conversation id, queue as owner;
//!   customer context (contact, account, tier, open cases) for the rules.
//! - [`transcript`] — the Case description and the transcript as
//!   CaseComments under 4,000 bytes each.
//! - [`outbound`] — the outbox dispatcher: our changes → Salesforce, with
//!   retries, backoff and dead letters.
//! - [`inbound`] — change events → conversations (agent comments reach the
//!   customer, a closed Case resolves the conversation), loop prevention and
//!   the conflict rule.
//! - [`subscriptions`] — one Pub/Sub subscription per connected tenant.
//! - [`knowledge`] — published Knowledge articles into the knowledge base.
//! - [`metrics`] — calls, errors, sync lag, dead letters.

pub mod cases;
pub mod connections;
pub mod inbound;
pub mod knowledge;
pub mod metrics;
pub mod outbound;
pub mod settings;
pub mod subscriptions;
pub mod transcript;

use std::sync::Arc;
use std::time::Duration;

use concierge_core::config::SalesforceSection;
use concierge_core::OrgId;
use concierge_engine::cases::CaseSystem;
use concierge_knowledge::KnowledgeBase;
use concierge_store::Store;
use serde::Serialize;

pub use cases::SalesforceCases;
pub use connections::{Connections, SimulatorLink};
pub use inbound::Inbox;
pub use metrics::SyncMetrics;
pub use settings::TenantSalesforce;

/// A tenant's connection as admins and `/health/ready` see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConnectionStatus {
    /// The tenant has Salesforce configured (and enabled).
    pub configured: bool,
    /// Signing in and one API call worked.
    pub connected: bool,
    pub instance_url: Option<String>,
    pub org_id: Option<String>,
    /// Daily API requests left, and the maximum.
    pub api_requests_remaining: Option<i64>,
    pub api_requests_max: Option<i64>,
    /// Why it is not connected.
    pub error: Option<String>,
}

/// The Salesforce integration of one Concierge process.
#[derive(Debug, Clone)]
pub struct Salesforce {
    pub store: Store,
    pub connections: Connections,
    pub metrics: SyncMetrics,
    pub config: SalesforceSection,
    pub knowledge: Option<KnowledgeBase>,
    ready_cache: Arc<std::sync::Mutex<Option<(std::time::Instant, serde_json::Value)>>>,
}

impl Salesforce {
    /// How long a readiness report is reused (each one costs API calls).
    pub const READY_CACHE: Duration = Duration::from_secs(60);

    /// Salesforce connectivity for `/health/ready`: per connected tenant,
    /// whether it signs in and how many daily API requests it has left.
    /// Cached for [`Salesforce::READY_CACHE`]; never makes the node unready
    /// (conversations go on, and Cases catch up through the outbox).
    pub async fn readiness(&self) -> serde_json::Value {
        if let Ok(c) = self.ready_cache.lock() {
            if let Some((at, v)) = c.as_ref() {
                if at.elapsed() < Self::READY_CACHE {
                    return v.clone();
                }
            }
        }
        let mut tenants = serde_json::Map::new();
        let mut all_ok = true;
        if let Ok(orgs) = self.store.list_organizations().await {
            for org in orgs.iter().take(100) {
                if self.connections.get(org.id).await.is_none() {
                    continue;
                }
                let s = self.status(org.id).await;
                all_ok &= s.connected;
                tenants.insert(
                    org.slug.clone(),
                    serde_json::json!({
                        "connected": s.connected,
                        "api_requests_remaining": s.api_requests_remaining,
                        "api_requests_max": s.api_requests_max,
                        "error": s.error,
                    }),
                );
            }
        }
        let v = serde_json::json!({
            "status": if all_ok { "healthy" } else { "degraded" },
            "tenants": tenants,
        });
        if let Ok(mut c) = self.ready_cache.lock() {
            *c = Some((std::time::Instant::now(), v.clone()));
        }
        v
    }

    pub fn new(
        store: Store,
        config: &SalesforceSection,
        simulator: Option<SimulatorLink>,
        knowledge: Option<KnowledgeBase>,
    ) -> Arc<Self> {
        Arc::new(Self {
            connections: Connections::new(store.clone(), simulator),
            store,
            metrics: SyncMetrics::default(),
            config: config.clone(),
            knowledge,
            ready_cache: Arc::default(),
        })
    }

    /// The engine's case system: Salesforce for connected tenants.
    pub fn case_system(&self) -> Arc<dyn CaseSystem> {
        Arc::new(SalesforceCases::new(
            self.store.clone(),
            self.connections.clone(),
            Duration::from_secs(self.config.case_timeout_secs),
            self.metrics.clone(),
        ))
    }

    /// The outbox dispatcher.
    pub fn dispatcher(&self) -> outbound::Dispatcher {
        outbound::Dispatcher::new(
            self.store.clone(),
            self.connections.clone(),
            self.metrics.clone(),
            self.config.max_attempts,
        )
    }

    /// Starts the background work: the outbox dispatcher, the change-event
    /// subscriptions (delivering into `inbox`) and the knowledge import.
    pub fn spawn(self: &Arc<Self>, inbox: Arc<dyn Inbox>) {
        let idle = Duration::from_millis(self.config.dispatch_interval_ms);
        tokio::spawn(self.dispatcher().run(idle, std::future::pending::<()>()));
        tokio::spawn(subscriptions::supervise(self.clone(), inbox));
        if self.config.knowledge_import_interval_secs > 0 && self.knowledge.is_some() {
            let me = self.clone();
            let every = Duration::from_secs(self.config.knowledge_import_interval_secs);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                loop {
                    tick.tick().await;
                    me.import_all_knowledge().await;
                }
            });
        }
    }

    async fn import_all_knowledge(&self) {
        let Ok(orgs) = self.store.list_organizations().await else {
            return;
        };
        for org in orgs {
            if let Some(conn) = self.connections.get(org.id).await {
                if conn.settings.knowledge_languages.is_empty() {
                    continue;
                }
                match self.import_knowledge(org.id, false).await {
                    Ok(r) if r.fetched > 0 => {
                        tracing::info!(tenant = %org.slug, fetched = r.fetched, created = r.created,
                            updated = r.updated, "salesforce knowledge imported")
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(tenant = %org.slug, error.message = %e, "salesforce knowledge import failed")
                    }
                }
            }
        }
    }

    /// Imports the tenant's published Knowledge articles (`full`: ignore the watermark).
    pub async fn import_knowledge(
        &self,
        org: OrgId,
        full: bool,
    ) -> Result<knowledge::ImportReport, ImportFailure> {
        let kb = self
            .knowledge
            .as_ref()
            .ok_or(ImportFailure::NoKnowledgeBase)?;
        let conn = self
            .connections
            .get(org)
            .await
            .ok_or(ImportFailure::NotConnected)?;
        Ok(knowledge::import(&conn, kb, org, full).await?)
    }

    /// Signs in and reads the org's limits: the connection test and the
    /// readiness report.
    pub async fn status(&self, org: OrgId) -> ConnectionStatus {
        let mut s = ConnectionStatus {
            configured: false,
            connected: false,
            instance_url: None,
            org_id: None,
            api_requests_remaining: None,
            api_requests_max: None,
            error: None,
        };
        let Some(conn) = self.connections.get(org).await else {
            return s;
        };
        s.configured = true;
        let started = std::time::Instant::now();
        match conn.client.limits().await {
            Ok(l) => {
                self.metrics.call("limits", "ok", started.elapsed());
                s.connected = true;
                s.api_requests_remaining = Some(l.daily_api_requests.remaining);
                s.api_requests_max = Some(l.daily_api_requests.max);
                self.metrics
                    .remaining(&org.0.to_string(), l.daily_api_requests.remaining);
                if let Ok(session) = conn.client.session().await {
                    s.instance_url = Some(session.instance_url.to_string());
                    s.org_id = Some(session.org_id);
                }
            }
            Err(e) => {
                self.metrics.call(
                    "limits",
                    e.error_code().unwrap_or("error"),
                    started.elapsed(),
                );
                s.error = Some(e.to_string());
            }
        }
        s
    }
}

/// Why a knowledge import could not run.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("this process has no knowledge base")]
    NoKnowledgeBase,
    #[error("the tenant is not connected to Salesforce")]
    NotConnected,
    #[error(transparent)]
    Import(#[from] knowledge::ImportError),
}
