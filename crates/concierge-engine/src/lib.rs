//! The conversation engine: every customer message goes through
//! understand → retrieve → decide → act here.
//!
//! - [`pipeline`] — [`Engine`]: the stages of one turn, producing the
//!   [`TurnPlan`](concierge_core::engine::TurnPlan) the server writes with the
//!   messages in one transaction.
//! - [`rules`] — tenant rules (escalation, routing, automation, validation):
//!   loading, validation, compilation and fast evaluation over per-message facts.
//! - [`workflow`] — declarative multi-turn workflows with slot filling,
//!   validation and confirmation (password reset, case status, …).
//! - [`actions`] — the action executor (idempotency, status records, retries,
//!   audit, authorisation) and its handlers.
//! - [`cases`] — the case-system seam and its local implementation.
//! - [`context`] — what the engine remembers between turns.
//! - [`summary`] — the summary card handed to human agents.
//! - [`sla`] — SLA targets by priority × tier.
//! - [`jobs`] — SLA breach detection and abandonment.
//! - [`analytics`] — aggregates for the analytics API.
//! - [`texts`] — what the agent says on its own behalf, in four languages.

pub mod actions;
pub mod analytics;
pub mod cases;
pub mod context;
mod decide;
pub mod jobs;
pub mod metrics;
pub mod pipeline;
pub mod rules;
pub mod sla;
pub mod summary;
pub mod texts;
pub mod workflow;

pub use decide::help_center_path;
pub use pipeline::{Clock, Engine, EngineParts, PutRulesError};
