//! Counters the client keeps (atomics, cheap to bump) and the snapshot the
//! server exports: calls, retries, re-authentications, and errors by code.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

/// Most distinct error codes tracked; later new codes count as `OTHER`.
const MAX_CODES: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct Counters {
    calls: AtomicU64,
    retries: AtomicU64,
    reauths: AtomicU64,
    authentications: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
}

impl Counters {
    pub(crate) fn call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn reauth(&self) {
        self.reauths.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn authentication(&self) {
        self.authentications.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn error(&self, code: &str) {
        let mut map = self.errors.lock();
        let key = if map.contains_key(code) || map.len() < MAX_CODES {
            code
        } else {
            "OTHER"
        };
        *map.entry(key.to_owned()).or_insert(0) += 1;
    }
    pub(crate) fn snapshot(&self) -> ClientMetrics {
        ClientMetrics {
            calls: self.calls.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            reauths: self.reauths.load(Ordering::Relaxed),
            authentications: self.authentications.load(Ordering::Relaxed),
            errors_by_code: self.errors.lock().clone(),
        }
    }
}

/// A snapshot of the client's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientMetrics {
    /// HTTP calls sent to the REST API (each attempt counts).
    pub calls: u64,
    /// Attempts repeated after a transient failure.
    pub retries: u64,
    /// Re-authentications after a 401 `INVALID_SESSION_ID`.
    pub reauths: u64,
    /// Successful token requests.
    pub authentications: u64,
    /// Failed calls (after retries) by error code (`TIMEOUT`, `TRANSPORT`, … for non-API errors).
    pub errors_by_code: BTreeMap<String, u64>,
}
