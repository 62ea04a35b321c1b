//! Concierge ⇄ Salesforce: the part of Concierge that makes escalations
//! Salesforce Cases with the whole story and keeps both sides in step.
//!
//! - [`settings`] — a tenant's Salesforce connection (`settings.salesforce`).
//! - [`connections`] — one client per connected tenant, built from its settings.
//! - [`cases`] — the engine's `CaseSystem` on Salesforce: Contact found or
//!   created by email, Case upserted on the conversation id, queue as owner.
//! - [`transcript`] — the transcript as CaseComments under 4,000 bytes each.
//! - [`outbound`] — the outbox dispatcher: our changes → Salesforce, with
//!   retries, backoff and dead letters.
//! - [`inbound`] — change events → conversations (agent comments reach the
//!   customer, a closed Case resolves the conversation), loop prevention and
//!   the conflict rule.
//! - [`knowledge`] — published Knowledge articles into the knowledge base.
//! - [`metrics`] — calls, errors, sync lag, dead letters.

pub mod settings;
