//! One Pub/Sub subscription per connected tenant and topic (Case and
//! CaseComment change events), resumed from the replay id stored in the
//! database. The supervisor looks at the tenants every
//! [`SUPERVISE_EVERY`]: it starts subscriptions for newly connected ones and
//! stops those whose connection went away or changed.
//!
//! Every node that runs the supervisor subscribes; applying an event is
//! idempotent (see [`crate::inbound`]), so two nodes receiving the same
//! event deliver one message. A scaled-out deployment should still run the
//! subscriptions on one node (a lease for that is not built yet).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use concierge_core::OrgId;
use concierge_salesforce::pubsub::{
    ChangeEventMessage, PubSubClient, PubSubConfig, ReplayStart, Subscriber,
};
use tokio::sync::{mpsc, watch};

use crate::connections::Connection;
use crate::inbound::{Inbound, Inbox, StoreReplayStore};
use crate::Salesforce;

/// How often the supervisor looks for tenants to (un)subscribe.
pub const SUPERVISE_EVERY: Duration = Duration::from_secs(10);

/// Tries to apply one change event before giving up on it (about five
/// minutes of backoff in all).
pub const APPLY_ATTEMPTS: u32 = 12;

/// The change-event topics Concierge follows.
pub const TOPICS: &[&str] = &["/data/CaseChangeEvent", "/data/CaseCommentChangeEvent"];

struct Running {
    conn: Arc<Connection>,
    stop: watch::Sender<bool>,
}

/// Keeps every connected tenant subscribed, forever.
pub async fn supervise(sf: Arc<Salesforce>, inbox: Arc<dyn Inbox>) {
    let mut running: HashMap<OrgId, Running> = HashMap::new();
    let mut tick = tokio::time::interval(SUPERVISE_EVERY);
    loop {
        tick.tick().await;
        let orgs = match sf.store.list_organizations().await {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(error.message = %e, "cannot list tenants for salesforce subscriptions");
                continue;
            }
        };
        for org in orgs {
            let conn = sf
                .connections
                .get(org.id)
                .await
                .filter(|c| c.settings.subscribe);
            let same = match (running.get(&org.id), &conn) {
                (Some(r), Some(c)) => Arc::ptr_eq(&r.conn, c),
                (None, None) => true,
                _ => false,
            };
            if same {
                continue;
            }
            if let Some(r) = running.remove(&org.id) {
                let _ = r.stop.send(true);
            }
            if let Some(conn) = conn {
                let (stop, stopped) = watch::channel(false);
                subscribe_tenant(&sf, inbox.clone(), conn.clone(), stopped);
                running.insert(org.id, Running { conn, stop });
                tracing::info!(tenant = %org.slug, "salesforce change events subscribed");
            }
        }
    }
}

async fn wait_stop(mut stopped: watch::Receiver<bool>) {
    while !*stopped.borrow() {
        if stopped.changed().await.is_err() {
            return;
        }
    }
}

/// Subscribes one tenant to every topic until `stopped` turns true.
pub fn subscribe_tenant(
    sf: &Arc<Salesforce>,
    inbox: Arc<dyn Inbox>,
    conn: Arc<Connection>,
    stopped: watch::Receiver<bool>,
) {
    let (tx, mut rx) = mpsc::channel::<ChangeEventMessage>(256);
    // A tenant subscribing for the first time reads what the org retains
    // (72 h): events about Cases no conversation has are ignored anyway.
    let config = PubSubConfig {
        endpoint: conn.pubsub_url.to_string(),
        start_from: ReplayStart::Earliest,
        ..PubSubConfig::default()
    };
    let client = match PubSubClient::new(Arc::new(conn.client.clone()), &config) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error.message = %e, "salesforce pub/sub client unavailable");
            return;
        }
    };
    for topic in TOPICS {
        let subscriber = Subscriber::new(
            client.clone(),
            config.clone(),
            (*topic).to_owned(),
            Arc::new(StoreReplayStore {
                store: sf.store.clone(),
                org: conn.org,
            }),
        );
        let tx = tx.clone();
        let stop = wait_stop(stopped.clone());
        tokio::spawn(async move {
            if let Err(e) = subscriber.run(tx, stop).await {
                tracing::warn!(error.message = %e, "salesforce subscription ended");
            }
        });
    }
    drop(tx);
    let inbound = Inbound {
        store: sf.store.clone(),
        metrics: sf.metrics.clone(),
        inbox,
    };
    tokio::spawn(async move {
        let own_user = loop {
            match conn.client.session().await {
                Ok(s) => break s.user_id,
                Err(e) => {
                    tracing::warn!(error.message = %e, "salesforce sign-in failed; retrying");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        };
        let replay = StoreReplayStore {
            store: inbound.store.clone(),
            org: conn.org,
        };
        while let Some(event) = rx.recv().await {
            // A failure to apply (the database is away) is retried with
            // backoff while the subscription waits (flow control), so the
            // event is not lost; only after APPLY_ATTEMPTS is it given up.
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                match inbound.apply(conn.org, &own_user, &event).await {
                    Ok(applied) => {
                        tracing::debug!(entity = %event.entity_name, ?applied, "change event applied");
                        break;
                    }
                    Err(e) if attempt < APPLY_ATTEMPTS => {
                        tracing::warn!(entity = %event.entity_name, attempt, error.message = %e,
                            "change event not applied; retrying");
                        let pause = Duration::from_millis(250u64 << attempt.min(7));
                        tokio::time::sleep(pause).await;
                    }
                    Err(e) => {
                        tracing::error!(entity = %event.entity_name, error.message = %e,
                            "change event given up after {APPLY_ATTEMPTS} attempts");
                        break;
                    }
                }
            }
            if let Err(e) = replay.applied(&event.topic, &event.replay_id).await {
                tracing::warn!(error.message = %e, "cannot store the replay id");
            }
        }
    });
}
