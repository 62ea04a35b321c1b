//! The whole understanding of one message: [`Analyzer::analyze`] runs
//! language identification, intent classification, entity extraction,
//! sentiment, emotions and toxicity and returns one [`Analysis`].
//!
//! **Long input.** Text longer than [`MAX_CHARS`] characters is analysed on
//! its first [`MAX_CHARS`] characters: a pasted stack trace or debug log
//! still gets an intent and its first entities, and the work per message
//! stays bounded. Entity offsets stay valid for the original text (they
//! fall in the prefix). Callers that prefer to refuse such input can check
//! [`Analyzer::check_length`] first, which returns [`NluError::TooLong`].
//!
//! Empty, whitespace-only, binary-looking or mixed-script text gets an
//! ordinary analysis (undetermined language, out-of-scope intent, no
//! entities, neutral sentiment) — never a panic.
//!
//! ```
//! use concierge_nlu::{Analyzer, Context};
//!
//! let analyzer = Analyzer::try_default().unwrap();
//! let analysis = analyzer
//!     .analyze("I forgot my password, please send a reset link", &Context::now())
//!     .unwrap();
//! assert_eq!(analysis.intent.name, "password_reset");
//! ```

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};

use crate::emotion::emotions;
use crate::entities::{EntityConfig, EntityExtractor};
use crate::intent::IntentModel;
use crate::sentiment::SentimentAnalyzer;
use crate::{language, toxicity, Analysis, NluError};

/// Text beyond this many characters is not analysed (see the module docs).
pub const MAX_CHARS: usize = 5_000;

/// What the analysis of one message may depend on besides its text.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Context {
    /// "Now", for relative dates ("tomorrow at 3pm").
    pub reference_time: DateTime<Utc>,
    /// The tenant's or conversation's language (`en`, `pt-BR` …), used when
    /// the text is too short to tell.
    pub language_hint: Option<String>,
}

impl Context {
    /// A context whose reference time is `reference_time`.
    pub fn new(reference_time: DateTime<Utc>) -> Self {
        Self {
            reference_time,
            language_hint: None,
        }
    }

    /// A context whose reference time is the current time.
    pub fn now() -> Self {
        Self::new(Utc::now())
    }

    /// With a language hint.
    pub fn with_language_hint(mut self, hint: impl Into<String>) -> Self {
        self.language_hint = Some(hint.into());
        self
    }
}

impl Default for Context {
    fn default() -> Self {
        Self::now()
    }
}

/// Analyses messages. Build one per tenant configuration and share it
/// (it is `Send + Sync`, and cheap to clone: the model and the entity
/// extractor sit behind `Arc`s).
#[derive(Debug, Clone)]
pub struct Analyzer {
    model: Arc<IntentModel>,
    /// Shared, not cloned: a cloned `Regex` starts a new pool of search
    /// caches, so every clone would rebuild the gazetteer's lazy DFA from
    /// nothing on its first message.
    entities: Arc<EntityExtractor>,
    sentiment: SentimentAnalyzer,
}

/// The default model, trained once per process on first use.
fn default_model() -> Result<Arc<IntentModel>, NluError> {
    static MODEL: OnceLock<Result<Arc<IntentModel>, NluError>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            IntentModel::train_default()
                .map(Arc::new)
                .map_err(NluError::from)
        })
        .clone()
}

impl Default for Analyzer {
    /// [`Analyzer::try_default`]. Should the embedded intents ever fail to
    /// train (the tests make sure they do not), the analyzer still works and
    /// reports every message as out of scope rather than panicking; use
    /// [`Analyzer::try_default`] to see the error.
    fn default() -> Self {
        Self::try_default().unwrap_or_else(|_| {
            Self::new(IntentModel::out_of_scope_only(), EntityConfig::default())
        })
    }
}

impl Analyzer {
    /// An analyzer with `model` and the tenant's entity settings.
    pub fn new(model: impl Into<Arc<IntentModel>>, entity_config: EntityConfig) -> Self {
        Self {
            model: model.into(),
            entities: Arc::new(EntityExtractor::new(entity_config)),
            sentiment: SentimentAnalyzer::new(),
        }
    }

    /// An analyzer with the default Salesforce-support model (trained once
    /// per process, from the embedded intents file) and default entity
    /// settings.
    pub fn try_default() -> Result<Self, NluError> {
        Ok(Self::new(default_model()?, EntityConfig::default()))
    }

    /// The default model with the tenant's entity settings.
    pub fn with_default_model(entity_config: EntityConfig) -> Result<Self, NluError> {
        Ok(Self::new(default_model()?, entity_config))
    }

    /// The intent model.
    pub fn model(&self) -> &Arc<IntentModel> {
        &self.model
    }

    /// [`NluError::TooLong`] when `text` exceeds [`MAX_CHARS`] characters,
    /// for callers that refuse long input instead of analysing its prefix.
    pub fn check_length(text: &str) -> Result<(), NluError> {
        if text.chars().nth(MAX_CHARS).is_some() {
            return Err(NluError::TooLong {
                chars: text.chars().count(),
                limit: MAX_CHARS,
            });
        }
        Ok(())
    }

    /// Analyses one message.
    pub fn analyze(&self, text: &str, ctx: &Context) -> Result<Analysis, NluError> {
        let text = match text.char_indices().nth(MAX_CHARS) {
            Some((end, _)) => &text[..end],
            None => text,
        };
        let sentiment = self.sentiment.score(text);
        Ok(Analysis {
            language: language::detect(text, ctx.language_hint.as_deref()),
            intent: self.model.classify(text),
            entities: self.entities.extract(text, ctx.reference_time),
            emotions: emotions(text, &sentiment),
            sentiment,
            toxicity: toxicity::toxicity(text),
        })
    }
}
