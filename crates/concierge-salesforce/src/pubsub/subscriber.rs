//! [`Subscriber`]: keeps one topic subscription alive and hands every event to
//! a channel, at least once. It subscribes from the stored replay id (CUSTOM)
//! or the configured start, asks for events in batches and asks for more as
//! half are consumed, saves each replay id only after the channel accepted the
//! event, and on any stream failure reconnects with jittered exponential
//! backoff. UNAUTHENTICATED makes it re-authenticate; a stored replay id the
//! service no longer knows makes it fall back to EARLIEST and record a gap.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::avro::{decode_event, ChangeEventMessage};
use super::proto::{FetchRequest, ReplayPreset};
use super::replay::ReplayStore;
use super::{PubSubClient, PubSubConfig, PubSubError, ReplayStart, MAX_BATCH};

/// Counters a caller can read while the subscriber runs.
#[derive(Debug, Default)]
pub struct SubscriberMetrics {
    events_received: AtomicU64,
    events_delivered: AtomicU64,
    reconnects: AtomicU64,
    auth_refreshes: AtomicU64,
    gaps: AtomicU64,
    decode_errors: AtomicU64,
    keepalives: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetricsSnapshot {
    /// Events received from the service (including redeliveries).
    pub events_received: u64,
    /// Events the sink accepted.
    pub events_delivered: u64,
    /// Subscriptions reopened after the first.
    pub reconnects: u64,
    /// Re-authentications after UNAUTHENTICATED.
    pub auth_refreshes: u64,
    /// Times the stored replay id was refused and EARLIEST used instead
    /// (events may have been lost).
    pub gaps: u64,
    /// Events that could not be decoded (skipped).
    pub decode_errors: u64,
    /// Empty keep-alive responses received.
    pub keepalives: u64,
}

impl SubscriberMetrics {
    /// The current values.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        MetricsSnapshot {
            events_received: get(&self.events_received),
            events_delivered: get(&self.events_delivered),
            reconnects: get(&self.reconnects),
            auth_refreshes: get(&self.auth_refreshes),
            gaps: get(&self.gaps),
            decode_errors: get(&self.decode_errors),
            keepalives: get(&self.keepalives),
        }
    }

    /// Whether events may have been lost (a replay id was refused).
    pub fn gap(&self) -> bool {
        self.gaps.load(Ordering::Relaxed) > 0
    }
}

fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// Why one subscription ended.
enum Ended {
    Shutdown,
    Retry(PubSubError),
}

/// A long-running subscription to one topic.
#[derive(Debug)]
pub struct Subscriber {
    client: PubSubClient,
    config: PubSubConfig,
    topic: String,
    store: Arc<dyn ReplayStore>,
    metrics: Arc<SubscriberMetrics>,
}

impl Subscriber {
    /// A subscriber of `topic` (e.g. `/data/CaseChangeEvent`) keeping its
    /// position in `store`.
    pub fn new(
        client: PubSubClient,
        config: PubSubConfig,
        topic: impl Into<String>,
        store: Arc<dyn ReplayStore>,
    ) -> Self {
        Self {
            client,
            config,
            topic: topic.into(),
            store,
            metrics: Arc::new(SubscriberMetrics::default()),
        }
    }

    /// The counters (shared: read them while [`Subscriber::run`] runs).
    pub fn metrics(&self) -> Arc<SubscriberMetrics> {
        self.metrics.clone()
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.config.backoff_initial_ms.max(1);
        let max = self.config.backoff_max_ms.max(base);
        let ms = base.saturating_mul(1u64 << attempt.min(20)).min(max);
        let jittered = ms / 2 + rand::thread_rng().gen_range(0..=ms / 2);
        Duration::from_millis(jittered)
    }

    /// Runs until `shutdown` completes (→ `Ok`), the sink is closed
    /// (→ [`PubSubError::SinkClosed`]) or the service refuses the topic for
    /// good (NOT_FOUND, PERMISSION_DENIED, a bad argument).
    pub async fn run(
        self,
        sink: mpsc::Sender<ChangeEventMessage>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), PubSubError> {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut attempt: u32 = 0;
        let mut force_earliest = false;
        let mut first = true;
        // Re-authenticate at once on the first UNAUTHENTICATED after progress;
        // back off on repeated ones (credentials that keep failing).
        let mut last_unauthenticated = false;
        loop {
            if !first {
                bump(&self.metrics.reconnects, 1);
            }
            first = false;
            let mut progressed = false;
            let (ended, used_custom) = self
                .subscribe_once(&sink, &mut shutdown, &mut force_earliest, &mut progressed)
                .await;
            if progressed {
                attempt = 0;
                last_unauthenticated = false;
            }
            let err = match ended {
                Ended::Shutdown => return Ok(()),
                Ended::Retry(PubSubError::SinkClosed) => return Err(PubSubError::SinkClosed),
                Ended::Retry(e) => e,
            };
            let mut delay = Some(self.backoff(attempt));
            match &err {
                PubSubError::Status {
                    code: tonic::Code::Unauthenticated,
                    ..
                } => {
                    tracing::info!(topic = %self.topic, "Pub/Sub session refused; re-authenticating");
                    bump(&self.metrics.auth_refreshes, 1);
                    self.client.invalidate_session().await;
                    if !last_unauthenticated {
                        delay = None;
                    }
                    last_unauthenticated = true;
                }
                PubSubError::Status {
                    code: tonic::Code::InvalidArgument,
                    message,
                } if used_custom && message.contains("Replay ID") => {
                    tracing::warn!(topic = %self.topic, "stored replay id refused (expired?): resubscribing from EARLIEST; events may have been lost");
                    bump(&self.metrics.gaps, 1);
                    force_earliest = true;
                    delay = None;
                }
                PubSubError::Status {
                    code:
                        tonic::Code::NotFound
                        | tonic::Code::PermissionDenied
                        | tonic::Code::InvalidArgument
                        | tonic::Code::Unimplemented,
                    ..
                } => {
                    tracing::error!(topic = %self.topic, error.message = %err, "Pub/Sub subscription refused");
                    return Err(err);
                }
                PubSubError::Config(_) => return Err(err),
                _ => {
                    tracing::warn!(topic = %self.topic, error.message = %err, attempt, "Pub/Sub stream ended; reconnecting")
                }
            }
            if let Some(d) = delay {
                attempt = attempt.saturating_add(1);
                tokio::select! {
                    _ = shutdown.as_mut() => return Ok(()),
                    _ = tokio::time::sleep(d) => {}
                }
            }
        }
    }

    /// One subscription, until it fails or shutdown; also says whether it
    /// started from a stored (CUSTOM) replay id.
    async fn subscribe_once<F: Future<Output = ()>>(
        &self,
        sink: &mpsc::Sender<ChangeEventMessage>,
        shutdown: &mut Pin<&mut F>,
        force_earliest: &mut bool,
        progressed: &mut bool,
    ) -> (Ended, bool) {
        let batch = self.config.batch_size.clamp(1, MAX_BATCH);
        let stored = if *force_earliest {
            None
        } else {
            match self.store.load(&self.topic).await {
                Ok(s) => s,
                Err(e) => return (Ended::Retry(e), false),
            }
        };
        let (preset, replay_id) = match (&stored, *force_earliest, self.config.start_from) {
            (Some(id), _, _) => (ReplayPreset::Custom, id.clone()),
            (None, true, _) | (None, false, ReplayStart::Earliest) => {
                (ReplayPreset::Earliest, Vec::new())
            }
            (None, false, ReplayStart::Latest) => (ReplayPreset::Latest, Vec::new()),
        };
        let used_custom = preset == ReplayPreset::Custom;
        tracing::debug!(topic = %self.topic, ?preset, "subscribing");
        let (tx, rx) = mpsc::channel::<FetchRequest>(8);
        let first = FetchRequest {
            topic_name: self.topic.clone(),
            replay_preset: preset as i32,
            replay_id,
            num_requested: batch,
            auth_refresh: String::new(),
        };
        if tx.send(first).await.is_err() {
            return (
                Ended::Retry(PubSubError::Decode("request channel closed".into())),
                used_custom,
            );
        }
        let mut stream = tokio::select! {
            _ = shutdown.as_mut() => return (Ended::Shutdown, used_custom),
            s = self.client.subscribe(ReceiverStream::new(rx)) => match s {
                Ok(s) => s,
                Err(e) => return (Ended::Retry(e), used_custom),
            },
        };
        let mut outstanding = batch;
        loop {
            let msg = tokio::select! {
                _ = shutdown.as_mut() => return (Ended::Shutdown, used_custom),
                m = stream.message() => m,
            };
            let resp = match msg {
                Ok(Some(r)) => r,
                Ok(None) => {
                    return (
                        Ended::Retry(PubSubError::Status {
                            code: tonic::Code::Unavailable,
                            message: "the stream ended".into(),
                        }),
                        used_custom,
                    )
                }
                Err(status) => return (Ended::Retry(status.into()), used_custom),
            };
            *progressed = true;
            if resp.events.is_empty() {
                bump(&self.metrics.keepalives, 1);
                if !resp.latest_replay_id.is_empty() && !*force_earliest {
                    if let Err(e) = self.store.save(&self.topic, &resp.latest_replay_id).await {
                        tracing::warn!(error.message = %e, "could not store the keep-alive replay id");
                    }
                }
            }
            let n = i32::try_from(resp.events.len()).unwrap_or(i32::MAX);
            bump(&self.metrics.events_received, u64::try_from(n).unwrap_or(0));
            for event in resp.events {
                let Some(producer) = event.event else {
                    continue;
                };
                let schema = match self.client.get_schema(&producer.schema_id).await {
                    Ok(s) => s,
                    Err(e) => return (Ended::Retry(e), used_custom),
                };
                match decode_event(&schema, &self.topic, &event.replay_id, &producer.payload) {
                    Ok(message) => {
                        tokio::select! {
                            _ = shutdown.as_mut() => return (Ended::Shutdown, used_custom),
                            sent = sink.send(message) => if sent.is_err() {
                                return (Ended::Retry(PubSubError::SinkClosed), used_custom);
                            },
                        }
                        bump(&self.metrics.events_delivered, 1);
                    }
                    Err(e) => {
                        bump(&self.metrics.decode_errors, 1);
                        tracing::error!(topic = %self.topic, error.message = %e, "undecodable change event skipped");
                    }
                }
                match self.store.save(&self.topic, &event.replay_id).await {
                    Ok(()) => *force_earliest = false,
                    Err(e) => tracing::warn!(error.message = %e, "could not store the replay id"),
                }
            }
            outstanding = (outstanding - n).max(0);
            if outstanding <= batch / 2 {
                let more = FetchRequest {
                    topic_name: self.topic.clone(),
                    num_requested: batch - outstanding,
                    ..FetchRequest::default()
                };
                if tx.send(more).await.is_err() {
                    return (
                        Ended::Retry(PubSubError::Decode("request channel closed".into())),
                        used_custom,
                    );
                }
                outstanding = batch;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pubsub::{MemoryReplayStore, PubSubSession, SessionSource};

    #[derive(Debug)]
    struct NoSession;

    #[async_trait::async_trait]
    impl SessionSource for NoSession {
        async fn session(&self) -> Result<PubSubSession, PubSubError> {
            Err(PubSubError::Session("none".into()))
        }
        async fn invalidate_session(&self) {}
    }

    fn subscriber(config: PubSubConfig) -> Subscriber {
        let client = PubSubClient::new(Arc::new(NoSession), &config).unwrap();
        Subscriber::new(
            client,
            config,
            "/data/CaseChangeEvent",
            Arc::new(MemoryReplayStore::new()),
        )
    }

    #[tokio::test]
    async fn backoff_doubles_with_jitter_up_to_the_cap() {
        let sub = subscriber(PubSubConfig {
            endpoint: "http://127.0.0.1:1".into(),
            backoff_initial_ms: 100,
            backoff_max_ms: 1_000,
            ..PubSubConfig::default()
        });
        for attempt in 0..40 {
            let full = (100u64 << attempt.min(20)).min(1_000);
            let d = sub.backoff(attempt).as_millis() as u64;
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d} ms");
        }
    }

    #[tokio::test]
    async fn shutdown_ends_a_subscriber_that_cannot_authenticate() {
        let sub = subscriber(PubSubConfig {
            endpoint: "http://127.0.0.1:1".into(),
            backoff_initial_ms: 5,
            backoff_max_ms: 10,
            ..PubSubConfig::default()
        });
        let metrics = sub.metrics();
        let (tx, _rx) = mpsc::channel(1);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(sub.run(tx, async move {
            let _ = stopped.await;
        }));
        tokio::time::timeout(Duration::from_secs(5), async {
            while metrics.snapshot().reconnects < 2 {
                tokio::task::yield_now().await;
            }
        })
        .await
        .unwrap();
        stop.send(()).unwrap();
        task.await.unwrap().unwrap();
    }

    #[test]
    fn bad_configurations_are_refused() {
        let bad = |config: PubSubConfig| PubSubClient::new(Arc::new(NoSession), &config).is_err();
        assert!(bad(PubSubConfig {
            endpoint: "ftp://example.com".into(),
            ..PubSubConfig::default()
        }));
        assert!(bad(PubSubConfig {
            endpoint: "not a url".into(),
            ..PubSubConfig::default()
        }));
        assert!(bad(PubSubConfig {
            extra_root_ca_pem: Some("not pem".into()),
            ..PubSubConfig::default()
        }));
    }
}
