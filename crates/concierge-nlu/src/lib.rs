//! Understanding: what a customer's message says and how they feel.
//!
//! [`Analyzer::analyze`] returns one [`Analysis`]: language, intent,
//! entities, sentiment, emotions and toxicity. The crate has no I/O beyond
//! loading model files and does not depend on the server.

/// The result types.
pub mod analysis;
/// Emotions tuned for support conversations.
pub mod emotion;
/// Entity extraction (emails, phones, money, dates, Salesforce ids …).
pub mod entities;
/// Language identification.
pub mod language;
/// Lexicon-and-rules sentiment in the VADER tradition.
pub mod sentiment;
/// Obfuscation-resistant toxicity scoring.
pub mod toxicity;

pub use analysis::*;
