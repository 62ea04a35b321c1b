//! Concierge domain types with no I/O.
//!
//! Read this crate top to bottom as a tour of the vocabulary the rest of the
//! workspace speaks:

/// Configuration types with defaults that run, and the commented default file.
pub mod config;
/// The conversation-engine seam the server calls for every customer message.
pub mod engine;
/// Newtype identifiers (`ConversationId(Uuid)` and friends).
pub mod id;
/// Closed sets of values (channels, statuses, roles …) shared by the API and the store.
pub mod kinds;
/// Retrieved passages and their citations (shared by knowledge and answering).
pub mod knowledge;
/// Language-model configuration (`[llm]`): providers, routes, prices, budgets.
pub mod llm_config;
/// Domain records: organizations, users, conversations, messages, …
pub mod model;
/// Input limits and validation shared by every entry point.
pub mod validate;

pub use id::*;
pub use kinds::*;
