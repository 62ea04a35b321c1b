//! The [`Router`]: one entry point per task that never fails. For each task
//! it tries the configured providers in order — skipping those whose circuit
//! is open, retrying transient errors with jittered backoff while nothing
//! has reached the caller, within one deadline — and ends with the local
//! responder. Before any call it checks grounding, the tenant's budget and
//! the prompt size, and masks personal data; after it, it filters the reply
//! (citations, placeholders), accounts tokens and cost, and updates metrics.

mod plan;
mod stream;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use concierge_core::llm_config::{LlmConfig, LlmGroundingConfig, LlmLimitsConfig, LlmRetryConfig};
use prometheus_client::registry::Registry;
use rand::Rng;
use tracing::{info, warn};

use crate::accounting::{Budgets, MemoryUsageSink, PriceTable, UsageSink};
use crate::breaker::{Admission, CircuitBreaker, CircuitState};
use crate::clock::{Clock, SystemClock};
use crate::error::LlmError;
use crate::grounding::OutputFilter;
use crate::local::LocalResponder;
use crate::metrics::{LlmMetrics, ProviderLabels, RequestLabels};
use crate::pii::PiiDetector;
use crate::prompt::PromptLibrary;
use crate::provider::{build_provider, Provider};
use crate::task::{FallbackStep, Task, TaskOutcome, TaskRequest};
use crate::types::ChatResponse;

use plan::Prepared;
pub use stream::{TaskEvent, TaskStream};

/// A provider with its circuit breaker.
#[derive(Debug)]
pub(crate) struct Slot {
    provider: Arc<dyn Provider>,
    breaker: CircuitBreaker,
}

/// Routes tasks to providers and falls back to the local responder.
/// Share it behind an `Arc`; [`Router::stream`] needs one.
#[derive(Debug)]
pub struct Router {
    routes: HashMap<Task, Vec<Arc<Slot>>>,
    slots: Vec<Arc<Slot>>,
    local: LocalResponder,
    prompts: PromptLibrary,
    sink: Arc<dyn UsageSink>,
    prices: PriceTable,
    budgets: Budgets,
    metrics: LlmMetrics,
    pii: PiiDetector,
    clock: Arc<dyn Clock>,
    retry: LlmRetryConfig,
    limits: LlmLimitsConfig,
    grounding: LlmGroundingConfig,
    allow_pii: bool,
    pii_tenants: HashSet<String>,
}

/// Builds a [`Router`] from `[llm]` with optional replacements.
#[derive(Debug)]
pub struct RouterBuilder {
    config: LlmConfig,
    sink: Option<Arc<dyn UsageSink>>,
    clock: Option<Arc<dyn Clock>>,
    providers: Vec<Arc<dyn Provider>>,
    prompts: Option<PromptLibrary>,
}

impl RouterBuilder {
    /// Where usage records go (default: in memory).
    pub fn sink(mut self, sink: Arc<dyn UsageSink>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// The clock for circuit cooldowns and records (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Uses `provider` for the configured provider of the same name (or
    /// adds it, for routes that name it).
    pub fn provider(mut self, provider: Arc<dyn Provider>) -> Self {
        self.providers.push(provider);
        self
    }

    /// Uses these templates instead of loading `llm.prompts.dir`.
    pub fn prompts(mut self, prompts: PromptLibrary) -> Self {
        self.prompts = Some(prompts);
        self
    }

    /// Builds the providers' HTTP clients and loads the templates. Fails on
    /// a template error (naming the file) or a route naming no provider.
    pub fn build(self) -> Result<Router, LlmError> {
        let config = self.config;
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let prompts = match self.prompts {
            Some(p) => p,
            None => PromptLibrary::load(config.prompts.dir.as_deref())?,
        };
        let mut providers: Vec<Arc<dyn Provider>> = Vec::new();
        for p in &config.providers {
            match self.providers.iter().find(|x| x.name() == p.name) {
                Some(replacement) => providers.push(replacement.clone()),
                None => providers.push(build_provider(p, &config.limits)?),
            }
        }
        for extra in self.providers {
            if !providers.iter().any(|p| p.name() == extra.name()) {
                providers.push(extra);
            }
        }
        let cooldown = Duration::from_secs(config.breaker.cooldown_secs);
        let slots: Vec<Arc<Slot>> = providers
            .into_iter()
            .map(|provider| {
                Arc::new(Slot {
                    provider,
                    breaker: CircuitBreaker::new(
                        config.breaker.failure_threshold,
                        cooldown,
                        clock.clone(),
                    ),
                })
            })
            .collect();
        let r = &config.routes;
        let mut routes = HashMap::new();
        for (task, names) in [
            (Task::Answer, &r.answer),
            (Task::Summarize, &r.summarize),
            (Task::Classify, &r.classify),
            (Task::Assist, &r.assist),
        ] {
            let mut chain = Vec::new();
            for name in names {
                let slot = slots
                    .iter()
                    .find(|s| s.provider.name() == name)
                    .ok_or_else(|| {
                        LlmError::Config(format!(
                            "route `{}` names unknown provider `{name}`",
                            task.as_str()
                        ))
                    })?;
                chain.push(slot.clone());
            }
            routes.insert(task, chain);
        }
        let metrics = LlmMetrics::default();
        for s in &slots {
            metrics
                .circuit
                .get_or_create(&ProviderLabels {
                    provider: s.provider.name().to_owned(),
                })
                .set(0);
        }
        Ok(Router {
            routes,
            slots,
            local: LocalResponder::new(config.grounding.min_relevance),
            prompts,
            sink: self
                .sink
                .unwrap_or_else(|| Arc::new(MemoryUsageSink::new())),
            prices: PriceTable::from_config(&config),
            budgets: Budgets::from_config(&config),
            metrics,
            pii: PiiDetector::new(),
            clock,
            retry: config.retry.clone(),
            limits: config.limits.clone(),
            grounding: config.grounding.clone(),
            allow_pii: config.allow_pii,
            pii_tenants: config.pii_allowed_tenants.iter().cloned().collect(),
        })
    }
}

/// What one provider's attempts came to.
enum Attempt<T> {
    Ok(T),
    /// Give up on this provider; the step says why.
    Failed(FallbackStep),
}

impl Router {
    /// A router for `config` (keys resolved by `Config::finish`) recording usage in `sink`.
    pub fn from_config(config: &LlmConfig, sink: Arc<dyn UsageSink>) -> Result<Self, LlmError> {
        Self::builder(config).sink(sink).build()
    }

    /// A builder, for replacing the clock, sink, templates or providers.
    pub fn builder(config: &LlmConfig) -> RouterBuilder {
        RouterBuilder {
            config: config.clone(),
            sink: None,
            clock: None,
            providers: Vec::new(),
            prompts: None,
        }
    }

    /// Registers the metrics under `concierge_llm_*`.
    pub fn register_metrics(&self, registry: &mut Registry) {
        self.metrics.register(registry);
    }

    /// The metrics handles (shared with the router).
    pub fn metrics(&self) -> &LlmMetrics {
        &self.metrics
    }

    /// A provider's circuit state, if it is configured.
    pub fn circuit_state(&self, provider: &str) -> Option<CircuitState> {
        self.slots
            .iter()
            .find(|s| s.provider.name() == provider)
            .map(|s| s.breaker.state())
    }

    /// The providers `task` tries, in order (the local responder follows).
    pub fn route(&self, task: Task) -> Vec<String> {
        self.routes
            .get(&task)
            .map(|c| c.iter().map(|s| s.provider.name().to_owned()).collect())
            .unwrap_or_default()
    }

    /// Does `request`. Never fails: whatever goes wrong with the providers,
    /// the local responder answers and the outcome says why.
    pub async fn run(&self, request: TaskRequest) -> TaskOutcome {
        let plan = match self.prepare(&request).await {
            Prepared::Local { reason, fallbacks } => {
                return self.local_outcome(&request, reason, fallbacks)
            }
            Prepared::Remote(plan) => plan,
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(self.limits.deadline_secs);
        let mut fallbacks = Vec::new();
        for slot in &plan.chain {
            let attempt = self
                .attempts(slot, request.task, deadline, |provider| {
                    let chat = &plan.chat;
                    async move { provider.complete(chat).await }
                })
                .await;
            let response: ChatResponse = match attempt {
                Attempt::Ok(r) => r,
                Attempt::Failed(step) => {
                    fallbacks.push(step);
                    continue;
                }
            };
            let mut filter = OutputFilter::new(plan.passages.len(), plan.pii.clone());
            let text = filter.apply(&response.text);
            let name = slot.provider.name();
            let model = if response.model.is_empty() {
                slot.provider.model().to_owned()
            } else {
                response.model.clone()
            };
            if text.trim().is_empty() && !filter.said_no_answer() {
                fallbacks.push(FallbackStep {
                    provider: name.to_owned(),
                    reason: "empty_reply".to_owned(),
                    detail: format!("finish reason {:?}", response.finish_reason),
                });
                continue;
            }
            let (usage, estimated) = Self::usage_or_estimate(&plan, response.usage, &response.text);
            let cost = self.account(&request, name, &model, usage, estimated).await;
            info!(
                provider = name,
                task = request.task.as_str(),
                fallbacks = fallbacks.len(),
                "answered by provider"
            );
            return self.remote_outcome(
                &request, &plan, name, &model, text, &filter, usage, cost, fallbacks,
            );
        }
        let reason = if fallbacks.iter().any(|f| f.reason == "deadline") {
            "deadline"
        } else {
            "providers_failed"
        };
        self.local_outcome(&request, reason, fallbacks)
    }

    /// Calls `call` on `slot`'s provider until it succeeds, the circuit
    /// refuses, the error is not retryable, attempts run out, a
    /// `Retry-After` is too long, or the deadline passes.
    async fn attempts<T, F, Fut>(
        &self,
        slot: &Slot,
        task: Task,
        deadline: tokio::time::Instant,
        call: F,
    ) -> Attempt<T>
    where
        F: Fn(Arc<dyn Provider>) -> Fut,
        Fut: std::future::Future<Output = Result<T, LlmError>>,
    {
        let name = slot.provider.name().to_owned();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Some(admission) = slot.breaker.try_acquire() else {
                self.count(&name, task, "circuit_open");
                return Attempt::Failed(step(
                    &name,
                    "circuit_open",
                    "the circuit is open after repeated failures",
                ));
            };
            let started = Instant::now();
            let result = tokio::time::timeout_at(deadline, call(slot.provider.clone())).await;
            self.metrics
                .latency
                .get_or_create(&ProviderLabels {
                    provider: name.clone(),
                })
                .observe(started.elapsed().as_secs_f64());
            let error = match result {
                Ok(Ok(value)) => {
                    slot.breaker.on_success();
                    self.count(&name, task, "ok");
                    self.update_circuit(slot);
                    return Attempt::Ok(value);
                }
                Ok(Err(e)) => e,
                Err(_) => {
                    // Our deadline, not the provider's fault alone: no breaker count.
                    slot.breaker.on_neutral();
                    self.count(&name, task, "deadline");
                    return Attempt::Failed(step(&name, "deadline", "the task's deadline passed"));
                }
            };
            self.fail(slot, task, &error);
            let failed = step(&name, error.kind(), error.to_string());
            // A probe is never retried, nor is a call whose failure just
            // opened the circuit.
            let closed = slot.breaker.state() == CircuitState::Closed;
            let delay = match self.retry_delay(attempt, &error) {
                Some(d) if admission == Admission::Allowed && closed => d,
                _ => return Attempt::Failed(failed),
            };
            if tokio::time::Instant::now() + delay >= deadline {
                return Attempt::Failed(failed);
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// The wait before retry number `attempt` + 1, or `None` to move on.
    fn retry_delay(&self, attempt: u32, error: &LlmError) -> Option<Duration> {
        if !error.is_retryable() || attempt >= self.retry.max_attempts {
            return None;
        }
        let cap = self
            .retry
            .base_delay_ms
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(self.retry.max_delay_ms);
        let jitter = Duration::from_millis(rand::thread_rng().gen_range(0..=cap));
        match error.retry_after() {
            Some(hint) if hint > Duration::from_millis(self.retry.max_retry_after_ms) => None,
            Some(hint) => Some(hint.max(jitter)),
            None => Some(jitter),
        }
    }

    fn fail(&self, slot: &Slot, task: Task, error: &LlmError) {
        if error.counts_against_provider() {
            slot.breaker.on_failure();
        } else {
            slot.breaker.on_neutral();
        }
        self.count(slot.provider.name(), task, error.kind());
        self.update_circuit(slot);
        warn!(
            provider = slot.provider.name(),
            task = task.as_str(),
            error.kind = error.kind(),
            error.message = %error,
            "provider call failed"
        );
    }

    fn count(&self, provider: &str, task: Task, outcome: &str) {
        self.metrics
            .requests
            .get_or_create(&RequestLabels {
                provider: provider.to_owned(),
                task: task.as_str().to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    fn update_circuit(&self, slot: &Slot) {
        self.metrics
            .circuit
            .get_or_create(&ProviderLabels {
                provider: slot.provider.name().to_owned(),
            })
            .set(slot.breaker.state().as_gauge());
    }
}

fn step(provider: &str, reason: &str, detail: impl Into<String>) -> FallbackStep {
    FallbackStep {
        provider: provider.to_owned(),
        reason: reason.to_owned(),
        detail: detail.into(),
    }
}
