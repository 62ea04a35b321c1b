//! The org's change-event log: every successful write appends one
//! [`ChangeEvent`] per record it changed (Change Data Capture). The Pub/Sub API
//! reads it by replay id; events older than the retention window (72 h by
//! default) or beyond the size cap are dropped, oldest first.

use std::collections::VecDeque;
use std::sync::Arc;

use parking_lot::Mutex;
use serde::Serialize;
use tokio::sync::watch;

/// Retention Salesforce applies to change events.
pub const DEFAULT_RETENTION_HOURS: i64 = 72;
/// Events the log keeps at most, by default.
pub const DEFAULT_MAX_EVENTS: usize = 100_000;

/// The kind of change a [`ChangeEvent`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ChangeType {
    Create,
    Update,
    Delete,
    Undelete,
}

impl ChangeType {
    /// The wire name: `CREATE`, `UPDATE`, `DELETE` or `UNDELETE`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ChangeType::Create => "CREATE",
            ChangeType::Update => "UPDATE",
            ChangeType::Delete => "DELETE",
            ChangeType::Undelete => "UNDELETE",
        }
    }
}

/// One change event: the `ChangeEventHeader` fields plus the new values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeEvent {
    /// Assigned by [`EventLog::append`].
    pub replay_id: u64,
    pub entity_name: String,
    pub change_type: ChangeType,
    pub record_ids: Vec<String>,
    pub change_origin: String,
    pub transaction_key: String,
    pub sequence_number: i32,
    /// Epoch milliseconds.
    pub commit_timestamp: i64,
    /// Assigned by [`EventLog::append`].
    pub commit_number: i64,
    pub commit_user: String,
    pub changed_fields: Vec<String>,
    pub nulled_fields: Vec<String>,
    pub diff_fields: Vec<String>,
    /// New values of the changed fields; every field on `CREATE`.
    pub values: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug)]
struct Inner {
    events: VecDeque<ChangeEvent>,
    next_replay_id: u64,
    next_commit_number: i64,
}

/// The append-only, bounded event log. Cheap to clone; all clones share one log.
#[derive(Debug, Clone)]
pub struct EventLog {
    inner: Arc<Mutex<Inner>>,
    latest: Arc<watch::Sender<u64>>,
    retention: chrono::Duration,
    max_events: usize,
}

impl Default for EventLog {
    fn default() -> Self {
        Self::new(
            chrono::Duration::hours(DEFAULT_RETENTION_HOURS),
            DEFAULT_MAX_EVENTS,
        )
    }
}

impl EventLog {
    /// An empty log keeping events for `retention` and at most `max_events`
    /// (at least 1) of them.
    pub fn new(retention: chrono::Duration, max_events: usize) -> Self {
        let (tx, _rx) = watch::channel(0);
        EventLog {
            inner: Arc::new(Mutex::new(Inner {
                events: VecDeque::new(),
                next_replay_id: 1,
                next_commit_number: 1,
            })),
            latest: Arc::new(tx),
            retention,
            max_events: max_events.max(1),
        }
    }

    /// Appends an event, assigning the next replay id and commit number (the
    /// ones in `event` are ignored); returns the replay id.
    pub fn append(&self, mut event: ChangeEvent) -> u64 {
        let id = {
            let mut inner = self.inner.lock();
            let id = inner.next_replay_id;
            inner.next_replay_id += 1;
            event.replay_id = id;
            event.commit_number = inner.next_commit_number;
            inner.next_commit_number += 1;
            inner.events.push_back(event);
            self.prune(&mut inner);
            id
        };
        self.latest.send_replace(id);
        id
    }

    /// Up to `max` events with a replay id greater than `replay_id` (from the
    /// earliest retained when `None`), of the given entities only when
    /// `entities` is given (names compared case-insensitively).
    pub fn after(
        &self,
        replay_id: Option<u64>,
        entities: Option<&[String]>,
        max: usize,
    ) -> Vec<ChangeEvent> {
        let mut inner = self.inner.lock();
        self.prune(&mut inner);
        let start = match replay_id {
            None => 0,
            Some(r) => inner.events.partition_point(|e| e.replay_id <= r),
        };
        inner
            .events
            .range(start..)
            .filter(|e| {
                entities.is_none_or(|names| {
                    names.iter().any(|n| n.eq_ignore_ascii_case(&e.entity_name))
                })
            })
            .take(max)
            .cloned()
            .collect()
    }

    /// The oldest retained replay id.
    pub fn earliest_replay_id(&self) -> Option<u64> {
        let mut inner = self.inner.lock();
        self.prune(&mut inner);
        inner.events.front().map(|e| e.replay_id)
    }

    /// The newest replay id ever assigned (even if since dropped).
    pub fn latest_replay_id(&self) -> Option<u64> {
        let inner = self.inner.lock();
        inner.next_replay_id.checked_sub(1).filter(|&id| id > 0)
    }

    /// A receiver of the latest replay id (0 before the first append); it
    /// changes on every append.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.latest.subscribe()
    }

    /// Retained events.
    pub fn len(&self) -> usize {
        self.inner.lock().events.len()
    }

    /// Whether no event is retained.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn prune(&self, inner: &mut Inner) {
        let cutoff = (chrono::Utc::now() - self.retention).timestamp_millis();
        while inner
            .events
            .front()
            .is_some_and(|e| e.commit_timestamp < cutoff)
        {
            inner.events.pop_front();
        }
        while inner.events.len() > self.max_events {
            inner.events.pop_front();
        }
    }
}
