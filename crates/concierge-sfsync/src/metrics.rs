//! The sync's Prometheus instruments: Salesforce calls by operation and
//! result, sync lag in each direction, outbox deliveries and dead letters,
//! change events received, and the org's remaining daily API requests.

use std::sync::atomic::AtomicI64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub op: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OpLabels {
    pub op: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DirectionLabels {
    /// `to_salesforce` or `from_salesforce`.
    pub direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OrgLabels {
    pub org: String,
}

fn call_histogram() -> Histogram {
    // 1 ms … ~30 s.
    Histogram::new(exponential_buckets(0.001, 2.5, 12))
}

fn lag_histogram() -> Histogram {
    // 10 ms … ~100 s.
    Histogram::new(exponential_buckets(0.01, 2.2, 12))
}

/// The sync's instruments (cheap to clone; clones share values).
#[derive(Debug, Clone)]
pub struct SyncMetrics {
    pub calls: Family<CallLabels, Counter>,
    pub call_seconds: Family<OpLabels, Histogram, fn() -> Histogram>,
    pub lag_seconds: Family<DirectionLabels, Histogram, fn() -> Histogram>,
    pub events_received: Counter,
    pub deliveries: Family<CallLabels, Counter>,
    pub dead_letters: Counter,
    pub conflicts: Counter,
    pub api_remaining: Family<OrgLabels, Gauge<i64, AtomicI64>>,
}

impl Default for SyncMetrics {
    fn default() -> Self {
        Self {
            calls: Family::default(),
            call_seconds: Family::new_with_constructor(call_histogram),
            lag_seconds: Family::new_with_constructor(lag_histogram),
            events_received: Counter::default(),
            deliveries: Family::default(),
            dead_letters: Counter::default(),
            conflicts: Counter::default(),
            api_remaining: Family::default(),
        }
    }
}

impl SyncMetrics {
    /// Adds the instruments to `registry` (prefix it with `concierge`).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "salesforce_calls",
            "Salesforce operations by result (ok or the error code)",
            self.calls.clone(),
        );
        registry.register(
            "salesforce_call_seconds",
            "Time of Salesforce operations",
            self.call_seconds.clone(),
        );
        registry.register(
            "salesforce_sync_lag_seconds",
            "From a change in one system to it being visible in the other",
            self.lag_seconds.clone(),
        );
        registry.register(
            "salesforce_change_events",
            "Change events received from Salesforce",
            self.events_received.clone(),
        );
        registry.register(
            "salesforce_outbox_deliveries",
            "Outbox events handled by the Salesforce dispatcher, by topic and result",
            self.deliveries.clone(),
        );
        registry.register(
            "salesforce_dead_letters",
            "Outbox events given up on after their last attempt",
            self.dead_letters.clone(),
        );
        registry.register(
            "salesforce_sync_conflicts",
            "Writes that lost to a newer write on the other side (last writer wins)",
            self.conflicts.clone(),
        );
        registry.register(
            "salesforce_api_requests_remaining",
            "Daily API requests the org has left (from Sforce-Limit-Info)",
            self.api_remaining.clone(),
        );
    }

    /// Counts one operation and its duration.
    pub fn call(&self, op: &str, result: &str, took: Duration) {
        self.calls
            .get_or_create(&CallLabels {
                op: op.to_owned(),
                result: result.to_owned(),
            })
            .inc();
        self.call_seconds
            .get_or_create(&OpLabels { op: op.to_owned() })
            .observe(took.as_secs_f64());
    }

    /// Records how long a change took to cross.
    pub fn lag(&self, direction: &'static str, seconds: f64) {
        self.lag_seconds
            .get_or_create(&DirectionLabels { direction })
            .observe(seconds.max(0.0));
    }

    /// Counts one handled outbox event.
    pub fn delivered(&self, topic: &str, result: &str) {
        self.deliveries
            .get_or_create(&CallLabels {
                op: topic.to_owned(),
                result: result.to_owned(),
            })
            .inc();
    }

    /// The org's remaining daily API requests.
    pub fn remaining(&self, org: &str, remaining: i64) {
        self.api_remaining
            .get_or_create(&OrgLabels {
                org: org.to_owned(),
            })
            .set(remaining);
    }
}
