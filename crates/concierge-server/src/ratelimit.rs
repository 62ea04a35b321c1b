//! Per-client rate limiting: a token bucket (GCRA, via `governor`) per
//! principal, and per address for unauthenticated endpoints. Over the limit
//! the client gets 429 with `Retry-After`.
//!
//! Buckets live in this process; behind a load balancer each node limits
//! independently (a shared Redis bucket is planned with the scale-out work).

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::{ApiError, Code};

/// A keyed token bucket, or nothing when disabled.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    inner: Option<Arc<DefaultKeyedRateLimiter<String>>>,
}

impl RateLimiter {
    pub fn new(config: &concierge_core::config::RateLimitConfig) -> Self {
        let inner = config.enabled.then(|| {
            let per_second = NonZeroU32::new(config.per_second).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(config.burst).unwrap_or(NonZeroU32::MIN);
            Arc::new(governor::RateLimiter::keyed(
                Quota::per_second(per_second).allow_burst(burst),
            ))
        });
        Self { inner }
    }

    /// Takes one token from `key`'s bucket or fails with 429.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.inner else {
            return Ok(());
        };
        match limiter.check_key(&key.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let mut err = ApiError::new(Code::RateLimited, "too many requests; slow down");
                err.retry_after = Some(wait.as_secs().max(1));
                err.details = serde_json::json!({ "retry_after_ms": wait.as_millis() as u64 });
                Err(err)
            }
        }
    }

    /// Drops buckets that are full again (called periodically).
    pub fn shrink(&self) {
        if let Some(l) = &self.inner {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use concierge_core::config::RateLimitConfig;

    #[test]
    fn buckets_are_per_key_and_refuse_past_the_burst() {
        let l = RateLimiter::new(&RateLimitConfig {
            enabled: true,
            per_second: 1,
            burst: 3,
        });
        for _ in 0..3 {
            l.check("a").unwrap();
        }
        let err = l.check("a").unwrap_err();
        assert_eq!(err.code, Code::RateLimited);
        assert!(err.retry_after.unwrap() >= 1);
        l.check("b").unwrap();
        let off = RateLimiter::new(&RateLimitConfig {
            enabled: false,
            per_second: 1,
            burst: 1,
        });
        for _ in 0..100 {
            off.check("a").unwrap();
        }
    }
}
