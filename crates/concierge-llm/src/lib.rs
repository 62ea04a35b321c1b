//! Language models for Concierge.
//!
//! The entry point is [`Router`]: built once from `[llm]`
//! ([`Router::from_config`]), it does a [`Task`] described by a
//! [`TaskRequest`] and always returns a [`TaskOutcome`] ([`Router::run`]) or
//! a stream of [`TaskEvent`]s ([`Router::stream`]) — from the first provider
//! of the task's route that answers, else from the [`LocalResponder`].
//! Usage goes to a [`UsageSink`] (in memory here, a database elsewhere).
//!
//! Underneath: [`Provider`] clients for the OpenAI-compatible and Anthropic
//! wire formats (`provider`, over the `sse` parser), per-provider
//! [`CircuitBreaker`]s, [`PromptLibrary`] templates, PII masking (`pii`),
//! the reply filter and relevance floor (`grounding`), and the lexical
//! toolkit the local responder ranks sentences with (`text`).

/// Prices, usage records, the usage sink and budgets.
pub mod accounting;
/// Circuit breaking per provider.
pub mod breaker;
/// Injectable time.
pub mod clock;
/// [`LlmError`] and which errors are worth a retry.
pub mod error;
/// Relevance floors, citation markers and the reply filter.
pub mod grounding;
/// The local responder: every task without a model.
pub mod local;
/// Prometheus metrics.
pub mod metrics;
/// Personal data masking and restoring.
pub mod pii;
/// Versioned prompt templates, tone presets and emotion-aware adjustments.
pub mod prompt;
/// The [`Provider`] trait, the OpenAI-compatible and Anthropic clients.
pub mod provider;
/// Routing, fallback, retries, budgets and accounting: the entry point.
pub mod router;
/// Server-sent events, parsed incrementally with bounded memory.
pub mod sse;
/// Tasks, tenant settings and outcomes.
pub mod task;
/// Tokens, stems, sentences and lexical relevance.
pub mod text;
/// The chat vocabulary shared by every provider.
pub mod types;

pub use accounting::{
    Budgets, MemoryUsageSink, Price, PriceTable, SinkError, UsageRecord, UsageSink,
};
pub use breaker::{CircuitBreaker, CircuitState};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::LlmError;
pub use local::LocalResponder;
pub use metrics::LlmMetrics;
pub use prompt::{PromptLibrary, ToneAdjustment};
pub use provider::{build_provider, AnthropicProvider, OpenAiProvider, Provider, ProviderOptions};
pub use router::{Router, RouterBuilder, TaskEvent, TaskStream};
pub use task::{FallbackStep, Speaker, Task, TaskOutcome, TaskRequest, TenantSettings, Tone, Turn};
pub use types::{
    ChatMessage, ChatRequest, ChatResponse, ChatStream, FinishReason, StreamEvent, ToolCall,
    ToolChoice, ToolSpec, Usage,
};

/// The name under which the local responder appears as provider and model.
pub const LOCAL: &str = "local";
