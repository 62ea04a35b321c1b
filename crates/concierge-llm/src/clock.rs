//! Time, injectable: the router reads the clock for circuit cooldowns and
//! usage timestamps, so tests move time by hand instead of sleeping.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// A source of time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Monotonic time for durations and cooldowns.
    fn now(&self) -> Instant;
    /// Wall-clock time for records and calendar months.
    fn utc(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn utc(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<(Instant, DateTime<Utc>)>,
}

impl ManualClock {
    /// Starts at the real current time.
    pub fn new() -> Self {
        Self::starting_at(Utc::now())
    }

    /// Starts at `utc`.
    pub fn starting_at(utc: DateTime<Utc>) -> Self {
        Self {
            state: Mutex::new((Instant::now(), utc)),
        }
    }

    /// Moves both clocks forward.
    pub fn advance(&self, by: Duration) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.0 += by;
        s.1 += chrono::Duration::from_std(by).unwrap_or_default();
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0
    }
    fn utc(&self) -> DateTime<Utc> {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).1
    }
}
