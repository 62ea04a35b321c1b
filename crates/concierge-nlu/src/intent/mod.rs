//! The trainable intent classifier.
//!
//! [`IntentModel::train`] learns from a [`Dataset`](crate::data::Dataset):
//!
//! 1. **Features** ([`features`]): TF-IDF over word uni-, bi- and trigrams plus
//!    character 2–5-grams inside word boundaries, each block L2-normalised.
//!    An optional dense sentence [`Encoder`] appends its (L2-normalised,
//!    weighted) embedding to the sparse vector, so the same linear model
//!    learns from both.
//! 2. **Classifier** ([`linear`]): one-vs-rest L2-regularised squared-hinge
//!    SVMs trained by dual coordinate descent (liblinear's algorithm).
//!    Scoring is a sparse dot product against feature-major weight rows.
//! 3. **Calibration** ([`calibrate`]): out-of-fold decision scores fit a
//!    softmax temperature (so `confidence` behaves like a probability) and
//!    the out-of-scope threshold. When the data has out-of-scope examples,
//!    enough of them also train an explicit out-of-scope class.
//!
//! Models are saved as a versioned [postcard](https://docs.rs/postcard)
//! file ([`IntentModel::save`], [`IntentModel::load`]).
//! [`IntentModel::train_default`] trains the shipped Salesforce-support
//! model from the embedded intents file.

mod calibrate;
pub mod default_data;
pub mod features;
pub mod linear;
mod model;
mod persist;
mod train;

use std::fmt;
use std::path::PathBuf;

pub use features::{FeatureConfig, Featurizer, SparseVec};
pub use linear::SvmParams;
pub use model::{IntentModel, Prediction, ALTERNATIVES};
pub use persist::FORMAT_VERSION;
pub use train::{CalibrationReport, TrainInfo, TrainOptions};

use crate::data::DataError;
use crate::NluError;

/// A dense sentence encoder (a sentence-transformer, say) whose embeddings
/// the classifier can use beside its sparse features. Implementations must
/// be deterministic: the model is trained and used with the same encoder,
/// identified by [`name`](Self::name) and [`dim`](Self::dim).
pub trait Encoder: Send + Sync {
    /// Stable identifier, recorded in the model (`minilm-l6-v2`).
    fn name(&self) -> &str;
    /// Embedding dimension.
    fn dim(&self) -> usize;
    /// One embedding of [`dim`](Self::dim) values per text.
    fn encode(&self, texts: &[&str]) -> Vec<Vec<f32>>;
    /// True when encoding a short text takes microseconds (a lookup, not a
    /// network), so an async caller may run it in place instead of on a
    /// blocking thread.
    fn is_fast(&self) -> bool {
        false
    }
    /// How much this encoder's ranking counts in hybrid search, BM25's
    /// counting 1: a weaker encoder (one vector per token) counts less, so
    /// it adds paraphrase recall without outvoting an exact error code.
    fn fusion_weight(&self) -> f32 {
        1.0
    }
}

impl fmt::Debug for dyn Encoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encoder")
            .field("name", &self.name())
            .field("dim", &self.dim())
            .finish()
    }
}

/// Why a model could not be trained, saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("no training examples with an intent")]
    NoExamples,
    #[error("cannot access {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("not a Concierge intent model (bad magic bytes)")]
    NotAModel,
    #[error("model format version {found}; this build reads version {expected}")]
    Version { found: u32, expected: u32 },
    #[error("corrupt model: {0}")]
    Corrupt(String),
    #[error("the model was trained with the {name} encoder (dimension {dim}); load it with that encoder")]
    EncoderRequired { name: String, dim: usize },
    #[error("encoder {found} does not match the model's {expected}")]
    EncoderMismatch { expected: String, found: String },
    #[error("the default intents data is unusable: {0}")]
    DefaultData(String),
    #[error(transparent)]
    Data(#[from] DataError),
}

impl From<ModelError> for NluError {
    fn from(e: ModelError) -> Self {
        NluError::InvalidModel(e.to_string())
    }
}

/// A small, fast, seeded generator (SplitMix64) for shuffles and splits that
/// must not change between releases of a random-number crate.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by Lemire's multiply-shift.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Fisher–Yates.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}
