//! What [`crate::Analyzer`] returns. Offsets are character (not byte) offsets
//! into the original text.

use serde::{Deserialize, Serialize};

/// Everything understood about one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub language: Language,
    pub intent: Intent,
    pub entities: Vec<Entity>,
    pub sentiment: Sentiment,
    pub emotions: Emotions,
    pub toxicity: Toxicity,
}

/// The detected language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Language {
    /// ISO 639-1 code (`en`, `es`, …), or `und` when undetermined.
    pub code: String,
    /// 0..1.
    pub confidence: f64,
}

/// The classified intent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// The best intent, or `out_of_scope`.
    pub name: String,
    pub confidence: f64,
    /// Next best candidates, best first.
    pub alternatives: Vec<IntentScore>,
    /// Nothing fits well enough (below the calibrated threshold).
    pub out_of_scope: bool,
}

/// One intent candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentScore {
    pub name: String,
    pub confidence: f64,
}

/// One extracted entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// `email`, `phone`, `url`, `ip`, `money`, `datetime`, `salesforce_id`, …
    pub kind: String,
    /// Start, in characters.
    pub start: usize,
    /// End (exclusive), in characters.
    pub end: usize,
    /// The text as written.
    pub text: String,
    /// The normalised value (E.164 phone, ISO date-time, `{amount, currency}` …).
    pub value: serde_json::Value,
}

/// Overall sentiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    /// −1 (most negative) .. 1 (most positive).
    pub compound: f64,
    pub label: SentimentLabel,
    pub positive: f64,
    pub neutral: f64,
    pub negative: f64,
}

/// Sentiment label from the compound score (±0.05 thresholds, as VADER).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentimentLabel {
    Negative,
    Neutral,
    Positive,
}

/// Emotions, each 0..1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Emotions {
    pub anger: f64,
    pub frustration: f64,
    pub confusion: f64,
    pub urgency: f64,
    pub anxiety: f64,
    pub satisfaction: f64,
}

/// Toxicity: an overall score and per-category scores, each 0..1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Toxicity {
    pub score: f64,
    pub categories: ToxicityCategories,
}

/// Per-category toxicity, each 0..1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToxicityCategories {
    pub insult: f64,
    pub profanity: f64,
    pub threat: f64,
    pub identity_attack: f64,
    pub sexual: f64,
}

/// Input that cannot be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NluError {
    #[error("the text is {chars} characters; the limit is {limit}")]
    TooLong { chars: usize, limit: usize },
    #[error("the model file is invalid: {0}")]
    InvalidModel(String),
}
