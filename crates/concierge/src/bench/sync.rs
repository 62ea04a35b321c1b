//! `concierge bench sync`: how long a change takes to cross between
//! Concierge and Salesforce, against the bundled simulator over real HTTP
//! and gRPC, with the embedded store.
//!
//! - **Salesforce → Concierge**: an agent's public CaseComment is written in
//!   the simulated org; the clock stops when the message is stored in the
//!   conversation (Pub/Sub subscription → inbound sync → store).
//! - **Concierge → Salesforce**: a conversation is resolved; the clock stops
//!   when the Case reads `Closed` in the org (outbox → dispatcher → REST).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use async_trait::async_trait;
use clap::Args;
use concierge_core::{Channel, ConversationId, OrgId, SenderType, SubscriptionTier};
use concierge_sfsim::db::{QueryOpts, WriteCtx};
use concierge_store::{NewConversation, NewMessage, NewOrganization, Store};
use serde::Serialize;
use serde_json::json;
use tokio::sync::watch;

use super::report::Machine;
use super::scratch::ScratchDb;

/// `concierge bench sync` flags.
#[derive(Debug, Args)]
pub struct SyncBenchArgs {
    /// Changes measured in each direction.
    #[arg(long, default_value_t = 100)]
    pub events: usize,
    /// Milliseconds the outbox dispatcher waits when it found nothing to do
    /// (`salesforce.dispatch_interval_ms`; its default is 200).
    #[arg(long, default_value_t = 200)]
    pub dispatch_interval_ms: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Direction {
    n: usize,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

#[derive(Debug, Serialize)]
struct SyncReport {
    machine: Machine,
    salesforce_to_concierge: Direction,
    concierge_to_salesforce: Direction,
}

fn summarise(mut ms: Vec<f64>) -> Direction {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((ms.len() as f64 - 1.0) * q).round() as usize;
        ms.get(i).copied().unwrap_or(0.0)
    };
    Direction {
        n: ms.len(),
        p50_ms: at(0.50),
        p95_ms: at(0.95),
        p99_ms: at(0.99),
        max_ms: ms.last().copied().unwrap_or(0.0),
    }
}

/// Stores agent comments like the server does, timestamping each.
#[derive(Debug, Default)]
struct Recorder {
    store: Mutex<Option<Store>>,
    seen: Mutex<Vec<(String, Instant)>>,
}

#[async_trait]
impl concierge_sfsync::Inbox for Recorder {
    async fn agent_message(
        &self,
        org: OrgId,
        c: ConversationId,
        _a: &str,
        text: &str,
        source: &str,
    ) -> Result<(), String> {
        let store = self
            .store
            .lock()
            .map_err(|e| e.to_string())?
            .clone()
            .ok_or("no store")?;
        let mut m = NewMessage::text(SenderType::HumanAgent, None, text);
        m.analysis = json!({"source": "salesforce", "salesforce_comment_id": source});
        store
            .append_messages(org, c, &[m])
            .await
            .map_err(|e| e.to_string())?;
        self.seen
            .lock()
            .map_err(|e| e.to_string())?
            .push((text.to_owned(), Instant::now()));
        Ok(())
    }

    async fn resolve(&self, org: OrgId, c: ConversationId, note: &str) -> Result<(), String> {
        let store = self
            .store
            .lock()
            .map_err(|e| e.to_string())?
            .clone()
            .ok_or("no store")?;
        store
            .resolve_conversation(org, c, "human", Some(note))
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

pub async fn run(args: SyncBenchArgs) -> anyhow::Result<()> {
    let n = args.events.clamp(1, 10_000);
    let scratch = ScratchDb::create(None, None).await?;
    let store = Store::connect(&scratch.url, None).await?;
    store.migrate().await?;
    let org = store
        .create_organization(&NewOrganization {
            slug: "demo".into(),
            name: "Bench".into(),
            subscription_tier: SubscriptionTier::Enterprise,
            salesforce_org_id: None,
            widget_key: format!("pk_bench_{}", uuid::Uuid::new_v4().simple()),
        })
        .await?;
    let (sim, link) = crate::sfsim::start_embedded(([127, 0, 0, 1], 0).into(), None).await?;
    let section = concierge_core::config::SalesforceSection {
        dispatch_interval_ms: args.dispatch_interval_ms.clamp(10, 60_000),
        ..Default::default()
    };
    let sf = concierge_sfsync::Salesforce::new(store.clone(), &section, Some(link), None);
    let conn = sf
        .connections
        .get(org.id)
        .await
        .context("the bench tenant is not connected")?;
    let agent = sim
        .db()
        .user_by_username("sam.agent@acme.example")
        .and_then(|u| u["Id"].as_str().map(str::to_owned))
        .context("the demo org has no agent user")?;
    let agent = WriteCtx::rest(&agent, "62.0");

    // Conversations with Cases.
    let cases = sf.case_system();
    let mut convs = Vec::with_capacity(n);
    for i in 0..n {
        let c = store
            .create_conversation(
                org.id,
                &NewConversation {
                    customer_id: None,
                    channel: Channel::Web,
                    metadata: json!({}),
                    context: json!({}),
                },
            )
            .await?;
        store
            .append_messages(
                org.id,
                c.id,
                &[NewMessage::text(
                    SenderType::User,
                    None,
                    format!("help {i}"),
                )],
            )
            .await?;
        let request = concierge_engine::cases::CaseRequest {
            conversation_id: c.id,
            subject: format!("bench {i}"),
            description: "bench".into(),
            priority: concierge_core::Priority::Medium,
            queue: None,
            contact_email: None,
            origin: "Chat".into(),
            details: json!({}),
        };
        cases
            .upsert_case(org.id, &request)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let c = store.get_conversation(org.id, c.id).await?;
        convs.push((c.id, c.salesforce_case_id.context("no case id recorded")?));
    }

    // Salesforce → Concierge.
    let recorder = Arc::new(Recorder::default());
    *recorder.store.lock().map_err(|e| anyhow::anyhow!("{e}"))? = Some(store.clone());
    let (_stop, stopped) = watch::channel(false);
    concierge_sfsync::subscriptions::subscribe_tenant(&sf, recorder.clone(), conn, stopped);
    // Let the subscription catch up with what the setup wrote.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut inbound = Vec::with_capacity(n);
    for (i, (_, case)) in convs.iter().enumerate() {
        let text = format!("agent reply {i}");
        let sent = Instant::now();
        sim.db()
            .create(
                &agent,
                "CaseComment",
                serde_json::from_value(json!({
                "ParentId": case, "CommentBody": text, "IsPublished": true}))?,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let deadline = sent + Duration::from_secs(30);
        loop {
            let got = recorder
                .seen
                .lock()
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .iter()
                .find(|(t, _)| *t == text)
                .map(|(_, at)| *at);
            if let Some(at) = got {
                inbound.push((at - sent).as_secs_f64() * 1000.0);
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "comment {i} did not arrive within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    // Concierge → Salesforce.
    let dispatcher = sf.dispatcher();
    tokio::spawn(dispatcher.run(
        Duration::from_millis(section.dispatch_interval_ms),
        std::future::pending::<()>(),
    ));
    let mut outbound = Vec::with_capacity(n);
    for (i, (conv, case)) in convs.iter().enumerate() {
        let changed = Instant::now();
        store
            .resolve_conversation(org.id, *conv, "human", None)
            .await?;
        let deadline = changed + Duration::from_secs(30);
        loop {
            let rows = sim
                .db()
                .query(
                    &format!("SELECT Status FROM Case WHERE Id = '{case}'"),
                    &QueryOpts::new("62.0"),
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if rows.first().and_then(|r| r["Status"].as_str()) == Some("Closed") {
                outbound.push(changed.elapsed().as_secs_f64() * 1000.0);
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "case {i} was not closed within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    let report = SyncReport {
        machine: Machine::read(std::thread::available_parallelism().map_or(1, |n| n.get())),
        salesforce_to_concierge: summarise(inbound),
        concierge_to_salesforce: summarise(outbound),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for (name, d) in [
            ("Salesforce → Concierge", &report.salesforce_to_concierge),
            ("Concierge → Salesforce", &report.concierge_to_salesforce),
        ] {
            println!(
                "{name}: n={} p50 {:.1} ms  p95 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
                d.n, d.p50_ms, d.p95_ms, d.p99_ms, d.max_ms
            );
        }
    }
    sim.shutdown().await;
    scratch.destroy().await;
    Ok(())
}
