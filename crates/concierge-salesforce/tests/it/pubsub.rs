//! The Pub/Sub subscriber against the real simulator over the wire (h2c on
//! port 0): a Case update arrives with its changed field names decoded;
//! dropped streams resume from the stored replay id without loss; a restart
//! resumes from a persisted store; expired sessions are renewed; an unknown
//! stored replay id falls back to EARLIEST and records a gap.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use concierge_salesforce::pubsub::{
    ChangeEventMessage, MemoryReplayStore, PubSubClient, PubSubConfig, ReplayStart, ReplayStore,
    Subscriber, SubscriberMetrics,
};
use concierge_salesforce::{AuthFlow, Client, SalesforceConfig};
use concierge_sfsim::oauth::ConnectedApp;
use concierge_sfsim::{Fault, RunningSim, SimConfig};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use url::Url;

const TOPIC: &str = "/data/CaseChangeEvent";
const APP: &str = "pubsub-test-app";
const SECRET: &str = "pubsub-test-secret";

async fn start_sim() -> RunningSim {
    let mut config = SimConfig::default();
    config.connected_apps.push(ConnectedApp {
        client_id: APP.into(),
        client_secret: SECRET.to_string().into(),
        jwt_public_key_pem: None,
        run_as_username: None,
    });
    concierge_sfsim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// A REST client of the simulator (each call gets its own session cache).
fn rest_client(sim: &RunningSim) -> Client {
    let mut cfg = SalesforceConfig::new(
        Url::parse(&sim.url()).unwrap(),
        AuthFlow::ClientCredentials {
            client_id: APP.into(),
            client_secret: SECRET.to_string().into(),
        },
    );
    cfg.retry_base_delay = Duration::from_millis(1);
    cfg.retry_max_delay = Duration::from_millis(20);
    Client::new(cfg).unwrap()
}

fn pubsub_config(sim: &RunningSim, start_from: ReplayStart) -> PubSubConfig {
    PubSubConfig {
        // With a trailing slash, as `Url::to_string` writes it.
        endpoint: format!("{}/", sim.url()),
        batch_size: 4,
        start_from,
        backoff_initial_ms: 10,
        backoff_max_ms: 200,
        ..PubSubConfig::default()
    }
}

/// A running subscriber: its events, metrics, and how to stop it.
struct Running {
    rx: mpsc::Receiver<ChangeEventMessage>,
    metrics: Arc<SubscriberMetrics>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), concierge_salesforce::pubsub::PubSubError>>,
}

fn run(sim: &RunningSim, start_from: ReplayStart, store: Arc<dyn ReplayStore>) -> Running {
    let client =
        PubSubClient::from_client(rest_client(sim), &pubsub_config(sim, start_from)).unwrap();
    let sub = Subscriber::new(client, pubsub_config(sim, start_from), TOPIC, store);
    let metrics = sub.metrics();
    let (tx, rx) = mpsc::channel(100);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(sub.run(tx, async move {
        let _ = stopped.await;
    }));
    Running {
        rx,
        metrics,
        stop,
        task,
    }
}

impl Running {
    /// Receives until every id in `ids` has been seen with `change_type`;
    /// returns everything received.
    async fn until(&mut self, ids: &[String], change_type: &str) -> Vec<ChangeEventMessage> {
        let mut got = Vec::new();
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let all = ids.iter().all(|id| {
                    got.iter().any(|m: &ChangeEventMessage| {
                        m.change_type == change_type && m.record_ids.contains(id)
                    })
                });
                if all {
                    return;
                }
                got.push(self.rx.recv().await.expect("subscriber ended"));
            }
        })
        .await
        .unwrap_or_else(|_| panic!("timed out; received {got:?}"));
        got
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

async fn create_cases(client: &Client, n: usize, tag: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            client
                .create(
                    "Case",
                    &json!({"Subject": format!("{tag} {i}"), "Status": "New"}),
                )
                .await
                .unwrap(),
        );
    }
    ids
}

/// Polls the store until it holds `replay_id` for the topic.
async fn stored(store: &MemoryReplayStore, replay_id: &[u8]) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while store.load(TOPIC).await.unwrap().as_deref() != Some(replay_id) {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn receives_a_case_update_with_changed_field_names() {
    let sim = start_sim().await;
    let writer = rest_client(&sim);
    let store = MemoryReplayStore::new();
    let mut sub = run(&sim, ReplayStart::Earliest, Arc::new(store.clone()));
    let ids = create_cases(&writer, 1, "update me").await;
    sub.until(&ids, "CREATE").await;
    writer
        .update(
            "Case",
            &ids[0],
            &json!({"Status": "Closed", "Priority": "High"}),
        )
        .await
        .unwrap();
    let got = sub.until(&ids, "UPDATE").await;
    let update = got.last().unwrap();
    assert_eq!(update.entity_name, "Case");
    assert_eq!(update.topic, TOPIC);
    assert!(
        update.changed_fields.contains(&"Status".to_string()),
        "{update:?}"
    );
    assert!(
        update.changed_fields.contains(&"Priority".to_string()),
        "{update:?}"
    );
    assert!(!update.changed_fields.iter().any(|f| f.starts_with("0x")));
    assert_eq!(update.fields["Status"], json!("Closed"));
    assert!(
        update.commit_user.starts_with("005"),
        "{}",
        update.commit_user
    );
    assert!(
        update.change_origin.contains("rest"),
        "{}",
        update.change_origin
    );
    assert!(
        (chrono::Utc::now() - update.commit_timestamp)
            .num_seconds()
            .abs()
            < 60
    );
    stored(&store, &update.replay_id).await;
    let m = sub.metrics.snapshot();
    assert!(m.events_delivered >= 2 && m.events_received >= m.events_delivered);
    assert_eq!(m.gaps, 0);
    sub.stop().await;
}

#[tokio::test]
async fn dropped_streams_resume_from_the_stored_replay_id() {
    let sim = start_sim().await;
    let writer = rest_client(&sim);
    let store = MemoryReplayStore::new();
    let mut sub = run(&sim, ReplayStart::Earliest, Arc::new(store.clone()));
    let first = create_cases(&writer, 5, "before").await;
    let mut got = sub.until(&first, "CREATE").await;
    sim.faults().inject(Fault::DropEventStreams);
    let second = create_cases(&writer, 6, "after").await;
    got.extend(sub.until(&second, "CREATE").await);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for m in &got {
        *seen.entry(m.record_ids[0].clone()).or_default() += 1;
    }
    for id in first.iter().chain(&second) {
        let n = seen.get(id).copied().unwrap_or(0);
        assert!((1..=2).contains(&n), "{id} delivered {n} times");
    }
    assert!(sub.metrics.snapshot().reconnects >= 1);
    sub.stop().await;
}

#[tokio::test]
async fn a_restart_resumes_from_the_persisted_store() {
    let sim = start_sim().await;
    let writer = rest_client(&sim);
    let store = MemoryReplayStore::new();
    let mut sub = run(&sim, ReplayStart::Earliest, Arc::new(store.clone()));
    let first = create_cases(&writer, 3, "first run").await;
    let got = sub.until(&first, "CREATE").await;
    stored(&store, &got.last().unwrap().replay_id).await;
    sub.stop().await;

    let second = create_cases(&writer, 2, "while down").await;
    // LATEST would miss them: only the stored replay id finds them.
    let mut sub = run(&sim, ReplayStart::Latest, Arc::new(store.clone()));
    let got = sub.until(&second, "CREATE").await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].record_ids, vec![second[0].clone()]);
    sub.stop().await;
}

#[tokio::test]
async fn expired_sessions_are_renewed() {
    let sim = start_sim().await;
    let writer = rest_client(&sim);
    let mut sub = run(
        &sim,
        ReplayStart::Earliest,
        Arc::new(MemoryReplayStore::new()),
    );
    let first = create_cases(&writer, 1, "before expiry").await;
    sub.until(&first, "CREATE").await;
    sim.faults().inject(Fault::ExpireAllSessions);
    sim.faults().inject(Fault::DropEventStreams);
    let second = create_cases(&writer, 2, "after expiry").await;
    sub.until(&second, "CREATE").await;
    let m = sub.metrics.snapshot();
    assert!(m.auth_refreshes >= 1, "{m:?}");
    assert!(m.reconnects >= 1, "{m:?}");
    sub.stop().await;
}

#[tokio::test]
async fn an_unknown_stored_replay_id_falls_back_to_earliest_with_a_gap() {
    let sim = start_sim().await;
    let writer = rest_client(&sim);
    let store = MemoryReplayStore::new();
    store.save(TOPIC, &[0x7f; 8]).await.unwrap();
    let ids = create_cases(&writer, 2, "gap").await;
    let mut sub = run(&sim, ReplayStart::Latest, Arc::new(store.clone()));
    sub.until(&ids, "CREATE").await;
    assert!(sub.metrics.gap());
    assert_eq!(sub.metrics.snapshot().gaps, 1);
    assert_ne!(store.load(TOPIC).await.unwrap(), Some(vec![0x7f; 8]));
    sub.stop().await;
}

#[tokio::test]
async fn topics_and_schemas_through_the_client() {
    let sim = start_sim().await;
    let client =
        PubSubClient::from_client(rest_client(&sim), &pubsub_config(&sim, ReplayStart::Latest))
            .unwrap();
    let topic = client.get_topic(TOPIC).await.unwrap();
    assert!(topic.can_subscribe);
    assert_eq!(topic.tenant_guid, sim.db().org_id());
    let schema = client.get_schema(&topic.schema_id).await.unwrap();
    let again = client.get_schema(&topic.schema_id).await.unwrap();
    assert!(
        Arc::ptr_eq(&schema, &again),
        "the second lookup should come from the cache"
    );
    match client.get_topic("/data/NopeChangeEvent").await.unwrap_err() {
        concierge_salesforce::pubsub::PubSubError::Status { code, .. } => {
            assert_eq!(code, tonic::Code::NotFound)
        }
        other => panic!("{other:?}"),
    }
}

/// A self-signed certificate for 127.0.0.1 in a temporary directory.
struct TempCert {
    dir: std::path::PathBuf,
    pem: String,
}

impl Drop for TempCert {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn self_signed() -> TempCert {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("pubsub-tls-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cert.pem"), ck.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), ck.key_pair.serialize_pem()).unwrap();
    TempCert {
        dir,
        pem: ck.cert.pem(),
    }
}

#[tokio::test]
async fn subscribes_over_verified_tls() {
    let cert = self_signed();
    let mut config = SimConfig::default();
    config.connected_apps.push(ConnectedApp {
        client_id: APP.into(),
        client_secret: SECRET.to_string().into(),
        jwt_public_key_pem: None,
        run_as_username: None,
    });
    config.tls = Some(concierge_sfsim::server::TlsFiles {
        cert_pem: cert.dir.join("cert.pem"),
        key_pem: cert.dir.join("key.pem"),
    });
    let sim = concierge_sfsim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    assert!(sim.url().starts_with("https://"));
    let mut rest = SalesforceConfig::new(
        Url::parse(&sim.url()).unwrap(),
        AuthFlow::ClientCredentials {
            client_id: APP.into(),
            client_secret: SECRET.to_string().into(),
        },
    );
    rest.extra_root_ca_pem = Some(cert.pem.clone());
    let rest = Client::new(rest).unwrap();

    // Without the simulator's CA the channel refuses the certificate.
    let untrusting =
        PubSubClient::from_client(rest.clone(), &pubsub_config(&sim, ReplayStart::Earliest))
            .unwrap();
    assert!(untrusting.get_topic(TOPIC).await.is_err());

    let config = PubSubConfig {
        extra_root_ca_pem: Some(cert.pem.clone()),
        ..pubsub_config(&sim, ReplayStart::Earliest)
    };
    let client = PubSubClient::from_client(rest.clone(), &config).unwrap();
    assert!(client.get_topic(TOPIC).await.unwrap().can_subscribe);
    let sub = Subscriber::new(client, config, TOPIC, Arc::new(MemoryReplayStore::new()));
    let (tx, mut rx) = mpsc::channel(10);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(sub.run(tx, async move {
        let _ = stopped.await;
    }));
    let id = create_cases(&rest, 1, "over tls").await.remove(0);
    let m = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.record_ids, vec![id]);
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}
