//! Fault injection: [`Faults`] makes the next REST calls fail the way a real
//! org does under stress (request limit, row locks, 503, slowness), expires
//! every session, or cuts live event streams. Reachable from Rust
//! ([`Faults::inject`]) and over HTTP (`POST|DELETE /__sim/faults`, see
//! [`crate::server`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde::Deserialize;
use tokio::sync::watch;

/// A fault to inject. `times` counts the next REST calls it applies to
/// (OAuth and the versions list are never affected).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum Fault {
    /// Every issued access token becomes invalid (401 INVALID_SESSION_ID); refresh tokens stay valid.
    ExpireAllSessions,
    /// 403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded.".
    RequestLimitExceeded {
        /// How many calls fail.
        times: u32,
    },
    /// 400 UNABLE_TO_LOCK_ROW.
    UnableToLockRow {
        /// How many calls fail.
        times: u32,
    },
    /// 503 SERVER_UNAVAILABLE.
    ServiceUnavailable {
        /// How many calls fail.
        times: u32,
    },
    /// The calls are delayed, then answered normally.
    Slow {
        /// Delay per call.
        millis: u64,
        /// How many calls are delayed.
        times: u32,
    },
    /// Live Pub/Sub streams are cut (see [`Faults::subscribe_drops`]).
    DropEventStreams,
}

/// The longest delay a `Slow` fault may ask for (5 minutes).
pub const MAX_SLOW_MILLIS: u64 = 300_000;

/// What the REST layer must do for one call, decided by [`Faults::next_rest_call`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestFault {
    /// 403 REQUEST_LIMIT_EXCEEDED.
    RequestLimitExceeded,
    /// 400 UNABLE_TO_LOCK_ROW.
    UnableToLockRow,
    /// 503 SERVER_UNAVAILABLE.
    ServiceUnavailable,
}

#[derive(Debug, Default)]
struct Pending {
    limit: u32,
    lock: u32,
    unavailable: u32,
    slow: u32,
    slow_millis: u64,
    drop_streams: bool,
}

/// Shared, cloneable fault switchboard.
#[derive(Clone, Debug)]
pub struct Faults {
    pending: Arc<Mutex<Pending>>,
    session_epoch: Arc<AtomicU64>,
    drops: Arc<watch::Sender<u64>>,
}

impl Default for Faults {
    fn default() -> Self {
        Self::new()
    }
}

impl Faults {
    /// No faults pending.
    pub fn new() -> Self {
        let (tx, _rx) = watch::channel(0);
        Self {
            pending: Arc::new(Mutex::new(Pending::default())),
            session_epoch: Arc::new(AtomicU64::new(0)),
            drops: Arc::new(tx),
        }
    }

    /// Injects a fault; counts add up with faults of the same kind already pending.
    pub fn inject(&self, fault: Fault) {
        tracing::info!(?fault, "fault injected");
        let mut p = self.pending.lock();
        match fault {
            Fault::ExpireAllSessions => {
                self.session_epoch.fetch_add(1, Ordering::SeqCst);
            }
            Fault::RequestLimitExceeded { times } => p.limit = p.limit.saturating_add(times),
            Fault::UnableToLockRow { times } => p.lock = p.lock.saturating_add(times),
            Fault::ServiceUnavailable { times } => {
                p.unavailable = p.unavailable.saturating_add(times)
            }
            Fault::Slow { millis, times } => {
                p.slow = p.slow.saturating_add(times);
                p.slow_millis = millis.min(MAX_SLOW_MILLIS);
            }
            Fault::DropEventStreams => {
                p.drop_streams = true;
                self.drops.send_modify(|n| *n += 1);
            }
        }
    }

    /// Removes every pending fault (expired sessions stay expired).
    pub fn clear(&self) {
        *self.pending.lock() = Pending::default();
    }

    /// True once after each `DropEventStreams` injection (then false until the next).
    pub fn take_drop_event_streams(&self) -> bool {
        std::mem::take(&mut self.pending.lock().drop_streams)
    }

    /// A counter bumped on each `DropEventStreams` injection, so live streams can end
    /// when it changes.
    pub fn subscribe_drops(&self) -> watch::Receiver<u64> {
        self.drops.subscribe()
    }

    /// The session generation: sessions issued under an older one are expired.
    pub fn session_epoch(&self) -> u64 {
        self.session_epoch.load(Ordering::SeqCst)
    }

    /// Consumes the faults for one REST call: the delay to apply first, and the
    /// failure to answer with, if any.
    pub fn next_rest_call(&self) -> (Option<Duration>, Option<RestFault>) {
        let mut p = self.pending.lock();
        let delay = if p.slow > 0 {
            p.slow -= 1;
            Some(Duration::from_millis(p.slow_millis))
        } else {
            None
        };
        let fault = if p.unavailable > 0 {
            p.unavailable -= 1;
            Some(RestFault::ServiceUnavailable)
        } else if p.limit > 0 {
            p.limit -= 1;
            Some(RestFault::RequestLimitExceeded)
        } else if p.lock > 0 {
            p.lock -= 1;
            Some(RestFault::UnableToLockRow)
        } else {
            None
        };
        (delay, fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_and_clears() {
        let f = Faults::new();
        f.inject(Fault::UnableToLockRow { times: 2 });
        f.inject(Fault::ServiceUnavailable { times: 1 });
        assert_eq!(f.next_rest_call().1, Some(RestFault::ServiceUnavailable));
        assert_eq!(f.next_rest_call().1, Some(RestFault::UnableToLockRow));
        f.clear();
        assert_eq!(f.next_rest_call(), (None, None));
    }

    #[test]
    fn parses_the_http_shape() {
        let f: Fault =
            serde_json::from_str(r#"{"fault":"request_limit_exceeded","times":2}"#).unwrap();
        assert_eq!(f, Fault::RequestLimitExceeded { times: 2 });
        let f: Fault = serde_json::from_str(r#"{"fault":"expire_all_sessions"}"#).unwrap();
        assert_eq!(f, Fault::ExpireAllSessions);
    }

    #[test]
    fn drops_bump_the_counter_once() {
        let f = Faults::new();
        let rx = f.subscribe_drops();
        f.inject(Fault::DropEventStreams);
        assert_eq!(*rx.borrow(), 1);
        assert!(f.take_drop_event_streams());
        assert!(!f.take_drop_event_streams());
    }
}
