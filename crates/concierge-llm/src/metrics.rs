//! Prometheus metrics: requests by provider, task and outcome, tokens, cost,
//! latency, fallbacks and circuit state. Labels are providers, models and
//! tasks — never tenants (their number is unbounded; per-tenant figures are
//! in the usage records).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    pub provider: String,
    pub task: String,
    /// `ok` or an error kind (`timeout`, `server_error` …).
    pub outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct TokenLabels {
    pub provider: String,
    pub model: String,
    /// `prompt` or `completion`.
    pub kind: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ProviderLabels {
    pub provider: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct FallbackLabels {
    pub task: String,
    /// Why the local responder answered (`budget_exceeded`, `not_grounded`,
    /// `providers_failed`, `no_providers` …).
    pub reason: String,
}

type HistogramFamily = Family<ProviderLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.05, 2.0, 10))
}

/// The language-model metrics (cheap to clone: families share their storage).
#[derive(Debug, Clone)]
pub struct LlmMetrics {
    pub(crate) requests: Family<RequestLabels, Counter>,
    pub(crate) tokens: Family<TokenLabels, Counter>,
    pub(crate) cost_micros: Family<ProviderLabels, Counter>,
    pub(crate) latency: HistogramFamily,
    pub(crate) circuit: Family<ProviderLabels, Gauge>,
    pub(crate) local_answers: Family<FallbackLabels, Counter>,
}

impl Default for LlmMetrics {
    fn default() -> Self {
        Self {
            requests: Family::default(),
            tokens: Family::default(),
            cost_micros: Family::default(),
            latency: HistogramFamily::new_with_constructor(latency_histogram),
            circuit: Family::default(),
            local_answers: Family::default(),
        }
    }
}

impl LlmMetrics {
    /// Registers every metric under `concierge_llm_*`.
    pub fn register(&self, registry: &mut Registry) {
        let r = registry.sub_registry_with_prefix("concierge_llm");
        r.register(
            "requests",
            "Provider calls by provider, task and outcome",
            self.requests.clone(),
        );
        r.register(
            "tokens",
            "Tokens by provider, model and kind (prompt, completion)",
            self.tokens.clone(),
        );
        r.register(
            "cost_micro_usd",
            "Cost of answered calls in millionths of a US dollar",
            self.cost_micros.clone(),
        );
        r.register(
            "request_duration_seconds",
            "Provider call latency (to the complete reply)",
            self.latency.clone(),
        );
        r.register(
            "circuit_state",
            "Circuit breaker per provider: 0 closed, 1 half-open, 2 open",
            self.circuit.clone(),
        );
        r.register(
            "local_answers",
            "Tasks answered by the local responder, by task and reason",
            self.local_answers.clone(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_metrics_encode() {
        let m = LlmMetrics::default();
        let mut registry = Registry::default();
        m.register(&mut registry);
        m.requests
            .get_or_create(&RequestLabels {
                provider: "openai".into(),
                task: "answer".into(),
                outcome: "ok".into(),
            })
            .inc();
        m.latency
            .get_or_create(&ProviderLabels {
                provider: "openai".into(),
            })
            .observe(0.2);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry).unwrap();
        assert!(
            out.contains(
                "concierge_llm_requests_total{provider=\"openai\",task=\"answer\",outcome=\"ok\"} 1"
            ),
            "{out}"
        );
        assert!(out.contains("concierge_llm_request_duration_seconds_bucket"));
    }
}
