//! A circuit breaker per provider. Closed, it counts consecutive failures;
//! at the threshold it opens and refuses calls for a cooldown; then it is
//! half-open and lets exactly one probe through: success closes it, failure
//! opens it for another cooldown. Time comes from a [`Clock`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::clock::Clock;

/// The breaker's state as metrics and logs show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    HalfOpen,
    Open,
}

impl CircuitState {
    /// 0 closed, 1 half-open, 2 open (the metric's value).
    pub fn as_gauge(self) -> i64 {
        match self {
            Self::Closed => 0,
            Self::HalfOpen => 1,
            Self::Open => 2,
        }
    }
}

#[derive(Debug)]
enum Inner {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One probe is out; everyone else is refused until it reports.
    Probing,
}

/// Permission to call, returned by [`CircuitBreaker::try_acquire`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A normal call.
    Allowed,
    /// The single half-open probe.
    Probe,
}

/// One provider's breaker.
#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    cooldown: Duration,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
}

impl CircuitBreaker {
    /// Opens after `threshold` consecutive failures, for `cooldown`.
    pub fn new(threshold: u32, cooldown: Duration, clock: Arc<dyn Clock>) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            clock,
            inner: Mutex::new(Inner::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a call may go out now; `None` while open (or while a probe is out).
    pub fn try_acquire(&self) -> Option<Admission> {
        let mut inner = self.lock();
        match *inner {
            Inner::Closed { .. } => Some(Admission::Allowed),
            Inner::Open { until } if self.clock.now() >= until => {
                *inner = Inner::Probing;
                Some(Admission::Probe)
            }
            Inner::Open { .. } | Inner::Probing => None,
        }
    }

    /// The call succeeded: the circuit closes and the count resets.
    pub fn on_success(&self) {
        *self.lock() = Inner::Closed { failures: 0 };
    }

    /// The call failed in a way that says the provider is unwell.
    pub fn on_failure(&self) {
        let mut inner = self.lock();
        let open = Inner::Open {
            until: self.clock.now() + self.cooldown,
        };
        *inner = match *inner {
            Inner::Closed { failures } if failures + 1 < self.threshold => Inner::Closed {
                failures: failures + 1,
            },
            _ => open,
        };
    }

    /// The call ended without saying anything about the provider (e.g. a
    /// request it rejected as invalid): a probe's slot is released.
    pub fn on_neutral(&self) {
        let mut inner = self.lock();
        if matches!(*inner, Inner::Probing) {
            *inner = Inner::Open {
                until: self.clock.now(),
            };
        }
    }

    /// The current state.
    pub fn state(&self) -> CircuitState {
        match *self.lock() {
            Inner::Closed { .. } => CircuitState::Closed,
            Inner::Open { until } if self.clock.now() >= until => CircuitState::HalfOpen,
            Inner::Open { .. } => CircuitState::Open,
            Inner::Probing => CircuitState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn opens_after_threshold_then_half_opens_one_probe() {
        let clock = Arc::new(ManualClock::new());
        let b = CircuitBreaker::new(3, Duration::from_secs(10), clock.clone());
        b.on_failure();
        b.on_failure();
        assert_eq!(b.state(), CircuitState::Closed);
        b.on_success();
        b.on_failure();
        b.on_failure();
        assert_eq!(
            b.try_acquire(),
            Some(Admission::Allowed),
            "success reset the count"
        );
        b.on_failure();
        assert_eq!(b.state(), CircuitState::Open);
        assert_eq!(b.try_acquire(), None);
        clock.advance(Duration::from_secs(10));
        assert_eq!(b.state(), CircuitState::HalfOpen);
        assert_eq!(b.try_acquire(), Some(Admission::Probe));
        assert_eq!(b.try_acquire(), None, "only one probe at a time");
        b.on_failure();
        assert_eq!(b.state(), CircuitState::Open);
        clock.advance(Duration::from_secs(9));
        assert_eq!(
            b.try_acquire(),
            None,
            "a failed probe restarts the cooldown"
        );
        clock.advance(Duration::from_secs(1));
        assert_eq!(b.try_acquire(), Some(Admission::Probe));
        b.on_success();
        assert_eq!(b.state(), CircuitState::Closed);
        assert_eq!(b.try_acquire(), Some(Admission::Allowed));
    }

    #[test]
    fn a_neutral_probe_frees_the_slot() {
        let clock = Arc::new(ManualClock::new());
        let b = CircuitBreaker::new(1, Duration::from_secs(5), clock.clone());
        b.on_failure();
        clock.advance(Duration::from_secs(5));
        assert_eq!(b.try_acquire(), Some(Admission::Probe));
        b.on_neutral();
        assert_eq!(b.try_acquire(), Some(Admission::Probe));
    }
}
