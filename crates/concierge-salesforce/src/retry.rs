//! When the client retries, and how long it waits.
//!
//! **The rule.** A failed attempt is retried (up to `max_retries` times) when
//! the failure is transient — 403 `REQUEST_LIMIT_EXCEEDED`, 503 /
//! `SERVER_UNAVAILABLE`, `UNABLE_TO_LOCK_ROW`, 502/504, a timeout, a broken
//! connection — *and* repeating it cannot do the work twice:
//!
//! - An **error response** means Salesforce rolled the request back, so it is
//!   retried whatever the method (a create that got `UNABLE_TO_LOCK_ROW`
//!   created nothing).
//! - A **connect failure** means the request never left: always retried.
//! - A **timeout or a connection lost after sending** may have reached the
//!   server. Only idempotent requests are repeated then: GET, PATCH update,
//!   DELETE, PUT, the upsert by external id (the external id makes it
//!   idempotent), and composite requests made only of GETs. A create (POST
//!   `sobjects/{Type}/`), a collection create, a composite with writes, or a
//!   Bulk job creation is **not** repeated: the caller gets the error and
//!   decides (Concierge creates Cases by upsert on its conversation id for
//!   exactly this reason).
//!
//! A 401 `INVALID_SESSION_ID` is handled separately: the session is dropped,
//! the client authenticates once more and replays the request once.
//!
//! **The wait.** Exponential from `retry_base_delay` (doubling), capped at
//! `retry_max_delay`, with jitter (a uniformly random 50–100 % of it); a
//! `Retry-After` from the server wins when it is longer (still capped).

use std::time::Duration;

use rand::Rng;

use crate::Error;

/// Whether the request can safely be repeated after it may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// GET, PATCH update, DELETE, upsert by external id.
    Idempotent,
    /// Create and other writes that may not be repeated once sent.
    NonIdempotent,
}

/// How an attempt failed, as far as retrying is concerned.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Salesforce answered with an error status.
    Response(Error),
    /// The request never reached the server (connect failure).
    NotSent(Error),
    /// Timeout or broken connection: the server may have processed it.
    MaybeSent(Error),
}

impl Failure {
    pub(crate) fn error(&self) -> &Error {
        match self {
            Failure::Response(e) | Failure::NotSent(e) | Failure::MaybeSent(e) => e,
        }
    }
    pub(crate) fn into_error(self) -> Error {
        match self {
            Failure::Response(e) | Failure::NotSent(e) | Failure::MaybeSent(e) => e,
        }
    }
}

/// Whether this failure may be retried for this request.
pub(crate) fn should_retry(failure: &Failure, idempotency: Idempotency) -> bool {
    if !failure.error().is_retryable() {
        return false;
    }
    match failure {
        Failure::Response(_) | Failure::NotSent(_) => true,
        Failure::MaybeSent(_) => idempotency == Idempotency::Idempotent,
    }
}

/// The wait before retry number `attempt` (1-based).
pub(crate) fn backoff(
    attempt: u32,
    base: Duration,
    max: Duration,
    retry_after: Option<Duration>,
) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let capped = exp.min(max);
    let jittered = capped.mul_f64(rand::thread_rng().gen_range(0.5..=1.0));
    match retry_after {
        Some(ra) => ra.min(max).max(jittered),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for attempt in 1..=8 {
            let d = backoff(attempt, base, max, None);
            let full = base.saturating_mul(1 << (attempt - 1)).min(max);
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
        assert_eq!(
            backoff(1, base, max, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(backoff(1, base, max, Some(Duration::from_secs(60))), max);
    }

    #[test]
    fn idempotency_rule() {
        let lock = || Error::Unavailable("down".into());
        assert!(should_retry(
            &Failure::Response(lock()),
            Idempotency::NonIdempotent
        ));
        assert!(should_retry(
            &Failure::NotSent(Error::Transport("refused".into())),
            Idempotency::NonIdempotent
        ));
        assert!(!should_retry(
            &Failure::MaybeSent(Error::Timeout),
            Idempotency::NonIdempotent
        ));
        assert!(should_retry(
            &Failure::MaybeSent(Error::Timeout),
            Idempotency::Idempotent
        ));
        let bad = Error::Api {
            status: 400,
            errors: vec![],
        };
        assert!(!should_retry(
            &Failure::Response(bad),
            Idempotency::Idempotent
        ));
    }
}
