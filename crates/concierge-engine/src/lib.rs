//! The conversation engine: every customer message goes through
//! understand → retrieve → decide → act here.
//!
//! - [`rules`] — tenant rules (escalation, routing, automation, validation):
//!   loading, validation, compilation and fast evaluation over per-message facts.
//! - [`workflow`] — declarative multi-turn workflows with slot filling,
//!   validation and confirmation (password reset, case status, …).

pub mod rules;
pub mod workflow;
