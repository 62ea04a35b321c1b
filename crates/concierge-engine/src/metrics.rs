//! The engine's Prometheus instruments: latency per pipeline stage,
//! decisions, and stages that failed and degraded.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StageLabels {
    pub stage: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    pub decision: &'static str,
}

fn stage_histogram() -> Histogram {
    // 20 µs … ~5 s.
    Histogram::new(exponential_buckets(0.000_02, 2.5, 14))
}

/// The engine's instruments (cheap to clone; clones share values).
#[derive(Debug, Clone)]
pub struct EngineMetrics {
    pub stage_seconds: Family<StageLabels, Histogram, fn() -> Histogram>,
    pub decisions: Family<DecisionLabels, Counter>,
    pub stage_failures: Family<StageLabels, Counter>,
}

impl Default for EngineMetrics {
    fn default() -> Self {
        Self {
            stage_seconds: Family::new_with_constructor(stage_histogram),
            decisions: Family::default(),
            stage_failures: Family::default(),
        }
    }
}

impl EngineMetrics {
    /// Adds the instruments to `registry` (prefix it with `concierge`).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "engine_stage_seconds",
            "Time spent in each pipeline stage",
            self.stage_seconds.clone(),
        );
        registry.register(
            "engine_decisions",
            "Turns by decision",
            self.decisions.clone(),
        );
        registry.register(
            "engine_stage_failures",
            "Stages that failed and degraded",
            self.stage_failures.clone(),
        );
    }

    /// Records a stage's duration.
    pub fn stage(&self, stage: &'static str, started: std::time::Instant) {
        self.stage_seconds
            .get_or_create(&StageLabels { stage })
            .observe(started.elapsed().as_secs_f64());
    }

    /// Counts a failed stage.
    pub fn failed(&self, stage: &'static str) {
        self.stage_failures
            .get_or_create(&StageLabels { stage })
            .inc();
    }
}
