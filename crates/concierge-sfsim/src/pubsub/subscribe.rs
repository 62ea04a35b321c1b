//! `Subscribe`: one task per stream. The first `FetchRequest` picks the topic
//! and the replay start (LATEST, EARLIEST, or CUSTOM after a replay id);
//! every request adds its `num_requested` to the outstanding count and events
//! are delivered only against it (pull-based flow control). An idle stream
//! gets an empty keep-alive `FetchResponse`; a `DropEventStreams` fault ends
//! every stream with UNAVAILABLE. Replay ids are the log's `u64` as 8
//! big-endian bytes.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::{interval_at, Instant, MissedTickBehavior};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Status, Streaming};

use super::avro::{self, EntitySchema};
use super::proto::{ConsumerEvent, FetchRequest, FetchResponse, ProducerEvent, ReplayPreset};
use super::service::{rpc_id, status, unauthenticated, PubSubService, Topic};
use super::{MAX_EVENTS_PER_RESPONSE, MAX_PENDING};
use crate::events::ChangeEvent;

type Tx = mpsc::Sender<Result<FetchResponse, Status>>;

/// The replay id bytes of a log position.
pub(crate) fn encode_replay_id(id: u64) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

fn replay_invalid() -> Status {
    status(
        tonic::Code::InvalidArgument,
        "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted",
        format!(
            "The Replay ID validation failed. Ensure that the Replay ID is valid. rpcId: {}",
            rpc_id()
        ),
    )
}

fn requested(n: i32) -> i32 {
    n.clamp(0, MAX_PENDING)
}

/// Reads the first request, validates it and spawns the stream's task.
pub(crate) async fn start(
    svc: PubSubService,
    token: String,
    mut inbound: Streaming<FetchRequest>,
) -> Result<ReceiverStream<Result<FetchResponse, Status>>, Status> {
    let first = tokio::time::timeout(svc.config.first_request_timeout, inbound.message())
        .await
        .map_err(|_| Status::deadline_exceeded("no FetchRequest received"))??
        .ok_or_else(|| Status::cancelled("the stream ended before a FetchRequest"))?;
    let topic = svc.topic(&first.topic_name)?;
    let log = svc.state.db.events().clone();
    let cursor = match ReplayPreset::try_from(first.replay_preset) {
        Ok(ReplayPreset::Latest) => log.latest_replay_id(),
        Ok(ReplayPreset::Earliest) => None,
        Ok(ReplayPreset::Custom) => {
            let bytes: [u8; 8] = first
                .replay_id
                .as_slice()
                .try_into()
                .map_err(|_| replay_invalid())?;
            let id = u64::from_be_bytes(bytes);
            let retained = log.earliest_replay_id().is_some_and(|e| id >= e)
                && log.latest_replay_id().is_some_and(|l| id <= l);
            if !retained {
                return Err(replay_invalid());
            }
            Some(id)
        }
        Err(_) => {
            return Err(Status::invalid_argument(format!(
                "Unknown replay preset {}. rpcId: {}",
                first.replay_preset,
                rpc_id()
            )))
        }
    };
    tracing::debug!(topic = %topic.name, ?cursor, "subscription started");
    let (tx, rx) = mpsc::channel(4);
    let sub = Subscription {
        svc,
        token,
        topic,
        cursor,
        pending: requested(first.num_requested),
        schemas: HashMap::new(),
        tx,
    };
    tokio::spawn(sub.run(inbound));
    Ok(ReceiverStream::new(rx))
}

struct Subscription {
    svc: PubSubService,
    token: String,
    topic: Topic,
    /// The last replay id delivered (or skipped past); `None` before the first.
    cursor: Option<u64>,
    pending: i32,
    schemas: HashMap<String, Option<EntitySchema>>,
    tx: Tx,
}

impl Subscription {
    async fn run(mut self, mut inbound: Streaming<FetchRequest>) {
        let log = self.svc.state.db.events().clone();
        let mut appended = log.subscribe();
        let mut drops = self.svc.state.faults.subscribe_drops();
        drops.borrow_and_update();
        let period = self.svc.config.keepalive;
        let mut keepalive = interval_at(Instant::now() + period, period);
        keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            match self.deliver(&mut drops).await {
                Ok(true) => keepalive.reset(),
                Ok(false) => {}
                Err(()) => return,
            }
            tokio::select! {
                biased;
                changed = drops.changed() => {
                    if changed.is_ok() {
                        self.cut().await;
                    }
                    return;
                }
                msg = inbound.message() => match msg {
                    Ok(Some(req)) => {
                        if self.svc.state.sessions.validate(&self.token).is_none() {
                            let _ = self.tx.send(Err(unauthenticated())).await;
                            return;
                        }
                        self.pending = (self.pending + requested(req.num_requested)).min(MAX_PENDING);
                    }
                    Ok(None) | Err(_) => return,
                },
                changed = appended.changed() => if changed.is_err() { return },
                _ = keepalive.tick() => {
                    let resp = FetchResponse {
                        events: Vec::new(),
                        latest_replay_id: self.keepalive_replay_id().map(encode_replay_id).unwrap_or_default(),
                        rpc_id: rpc_id(),
                        pending_num_requested: self.pending,
                    };
                    if self.tx.send(Ok(resp)).await.is_err() {
                        return;
                    }
                }
                _ = self.tx.closed() => return,
            }
        }
    }

    /// The position a keep-alive reports: the log's latest when nothing for
    /// this topic is waiting, else the last delivered.
    fn keepalive_replay_id(&self) -> Option<u64> {
        let log = self.svc.state.db.events();
        if log
            .after(self.cursor, self.topic.entities.as_deref(), 1)
            .is_empty()
        {
            log.latest_replay_id().or(self.cursor)
        } else {
            self.cursor
        }
    }

    /// Ends the stream with UNAVAILABLE (the drop fault).
    async fn cut(&self) {
        let unavailable = status(
            tonic::Code::Unavailable,
            "sfdc.platform.eventbus.grpc.service.unavailable",
            format!(
                "The service is unavailable: the stream was closed. rpcId: {}",
                rpc_id()
            ),
        );
        // A client that stopped reading gets its stream closed without the status.
        let _ = tokio::time::timeout(Duration::from_secs(1), self.tx.send(Err(unavailable))).await;
    }

    /// Sends what is outstanding and available; `Ok(true)` when something was
    /// sent, `Err` when the client is gone or the stream was cut.
    async fn deliver(&mut self, drops: &mut watch::Receiver<u64>) -> Result<bool, ()> {
        let mut sent = false;
        while self.pending > 0 {
            let max = usize::try_from(self.pending)
                .unwrap_or(0)
                .min(MAX_EVENTS_PER_RESPONSE);
            let batch =
                self.svc
                    .state
                    .db
                    .events()
                    .after(self.cursor, self.topic.entities.as_deref(), max);
            let Some(last) = batch.last().map(|e| e.replay_id) else {
                break;
            };
            let mut events = Vec::with_capacity(batch.len());
            for event in &batch {
                if let Some(e) = self.consumer_event(event) {
                    events.push(e);
                }
            }
            self.cursor = Some(last);
            self.pending -= i32::try_from(events.len()).unwrap_or(0);
            if events.is_empty() {
                continue;
            }
            let resp = FetchResponse {
                events,
                latest_replay_id: encode_replay_id(last),
                rpc_id: rpc_id(),
                pending_num_requested: self.pending,
            };
            // A client that stops reading must not keep the drop fault from cutting it.
            tokio::select! {
                r = self.tx.send(Ok(resp)) => r.map_err(|_| ())?,
                changed = drops.changed() => {
                    if changed.is_ok() {
                        self.cut().await;
                    }
                    return Err(());
                }
            }
            sent = true;
        }
        Ok(sent)
    }

    fn consumer_event(&mut self, event: &ChangeEvent) -> Option<ConsumerEvent> {
        let svc = &self.svc;
        let schema = self
            .schemas
            .entry(event.entity_name.clone())
            .or_insert_with(|| svc.entity_schema(&event.entity_name).ok().flatten())
            .as_ref()?;
        let payload = match avro::encode_event(schema, event) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error.message = %e, replay_id = event.replay_id, "cannot encode a change event; skipped");
                return None;
            }
        };
        Some(ConsumerEvent {
            event: Some(ProducerEvent {
                id: uuid::Uuid::from_u64_pair(0x5f5e_c0de_0000_4000, event.replay_id).to_string(),
                schema_id: schema.id.clone(),
                payload,
                headers: Vec::new(),
            }),
            replay_id: encode_replay_id(event.replay_id),
        })
    }
}
