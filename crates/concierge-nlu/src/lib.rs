//! Understanding: what a customer's message says and how they feel.
//!
//! [`Analyzer::analyze`] returns one [`Analysis`]: language, intent,
//! entities, sentiment, emotions and toxicity. The crate has no I/O beyond
//! loading model files and does not depend on the server.

/// The result types.
pub mod analysis;
/// [`Analyzer`]: every stage over one message.
pub mod analyzer;
/// Intent data sets: intents files, Banking77 CSV, CLINC150 JSON.
pub mod data;
/// The optional local dense sentence encoder (all-MiniLM-L6-v2 with candle;
/// feature `dense`, on by default).
#[cfg(feature = "dense")]
pub mod dense;
/// Emotions tuned for support conversations.
pub mod emotion;
/// Entity extraction (emails, phones, money, dates, Salesforce ids …).
pub mod entities;
/// Accuracy, macro-F1, out-of-scope detection and latency of the intent model.
pub mod eval;
/// The trainable intent classifier (TF-IDF + linear SVM, calibrated).
pub mod intent;
/// Language identification.
pub mod language;
/// Lexicon-and-rules sentiment in the VADER tradition.
pub mod sentiment;
/// Obfuscation-resistant toxicity scoring.
pub mod toxicity;

pub use analysis::*;
pub use analyzer::{Analyzer, Context};
