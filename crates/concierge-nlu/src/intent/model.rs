//! A trained intent model and classification with it.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::calibrate::softmax_into;
use super::features::{Featurizer, Scratch, SparseVec};
use super::linear::Linear;
use super::train::TrainInfo;
use super::Encoder;
use crate::data::{IntentSpec, OUT_OF_SCOPE};
use crate::{Intent, IntentScore};

/// How many runner-up intents [`Intent::alternatives`] lists.
pub const ALTERNATIVES: usize = 3;

/// The dense encoder a model was trained with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DenseSpec {
    pub(crate) name: String,
    pub(crate) dim: usize,
    /// Scale of the L2-normalised embedding among the features.
    pub(crate) weight: f32,
}

/// What is saved of a model: everything but the encoder itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ModelData {
    pub(crate) name: String,
    pub(crate) language: Option<String>,
    /// In-scope intents; class `k < intents.len()` is `intents[k]`.
    pub(crate) intents: Vec<IntentSpec>,
    /// Class `intents.len()` is an explicit out-of-scope class.
    pub(crate) oos_class: bool,
    pub(crate) featurizer: Featurizer,
    pub(crate) dense: Option<DenseSpec>,
    pub(crate) linear: Linear,
    pub(crate) temperature: f32,
    pub(crate) threshold: f32,
    pub(crate) info: TrainInfo,
}

/// A trained intent classifier. Cheap to share behind an `Arc`; classify
/// from any number of threads.
#[derive(Clone)]
pub struct IntentModel {
    pub(crate) data: ModelData,
    pub(crate) encoder: Option<Arc<dyn Encoder>>,
}

impl fmt::Debug for IntentModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntentModel")
            .field("name", &self.data.name)
            .field("intents", &self.data.intents.len())
            .field("features", &self.data.linear.features)
            .field("encoders", &self.encoders())
            .field("temperature", &self.data.temperature)
            .field("threshold", &self.data.threshold)
            .finish()
    }
}

/// A classification with its full probability vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The decision as the analyzer reports it.
    pub intent: Intent,
    /// Index into [`IntentModel::intents`] of the best in-scope intent.
    pub best: Option<usize>,
    /// Calibrated probability of every class: the intents, then the
    /// out-of-scope class if the model has one.
    pub probabilities: Vec<f32>,
}

struct Buffers {
    scratch: Scratch,
    features: SparseVec,
    scores: Vec<f32>,
    probabilities: Vec<f32>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers {
        scratch: Scratch::default(),
        features: SparseVec::default(),
        scores: Vec::new(),
        probabilities: Vec::new(),
    });
}

/// Appends a dense embedding to `out`, L2-normalised and scaled, as
/// features `offset..offset + dim`. Missing or non-finite values count as 0.
pub(crate) fn push_dense(
    out: &mut SparseVec,
    embedding: &[f32],
    offset: usize,
    dim: usize,
    weight: f32,
) {
    let clean = |v: f32| if v.is_finite() { v } else { 0.0 };
    let norm = embedding
        .iter()
        .take(dim)
        .map(|&v| clean(v) * clean(v))
        .sum::<f32>()
        .sqrt();
    if norm <= 0.0 {
        return;
    }
    for (j, &v) in embedding.iter().take(dim).enumerate() {
        let v = clean(v);
        if v != 0.0 {
            out.push((offset + j) as u32, v * weight / norm);
        }
    }
}

impl IntentModel {
    /// A model without intents: every message is out of scope.
    pub fn out_of_scope_only() -> IntentModel {
        let options = super::TrainOptions::default();
        IntentModel {
            data: ModelData {
                name: "out-of-scope-only".to_owned(),
                language: None,
                intents: Vec::new(),
                oos_class: false,
                featurizer: Featurizer::fit(&options.features, &[] as &[&str]),
                dense: None,
                linear: Linear {
                    classes: 0,
                    features: 0,
                    weights: Vec::new(),
                    bias: Vec::new(),
                },
                temperature: 1.0,
                threshold: 0.0,
                info: TrainInfo {
                    options,
                    examples: 0,
                    oos_examples: 0,
                    seconds: 0.0,
                    calibration: None,
                },
            },
            encoder: None,
        }
    }

    /// The model's name (its training data's name).
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// The data's language, when it said.
    pub fn language(&self) -> Option<&str> {
        self.data.language.as_deref()
    }

    /// The in-scope intents, in class order.
    pub fn intents(&self) -> &[IntentSpec] {
        &self.data.intents
    }

    /// The metadata of the intent called `name`.
    pub fn intent(&self, name: &str) -> Option<&IntentSpec> {
        self.data.intents.iter().find(|i| i.name == name)
    }

    /// The feature families and encoders the model uses
    /// (`["tfidf-word-1-3", "tfidf-char-2-5"]`, then any dense encoder).
    pub fn encoders(&self) -> Vec<String> {
        let mut names = self.data.featurizer.config().encoder_names();
        if let Some(dense) = &self.data.dense {
            names.push(dense.name.clone());
        }
        names
    }

    /// Total number of features (sparse vocabulary plus dense dimensions).
    pub fn feature_count(&self) -> usize {
        self.data.linear.features
    }

    /// Softmax temperature fitted on held-out predictions.
    pub fn temperature(&self) -> f32 {
        self.data.temperature
    }

    /// Best in-scope confidence below which a message is out of scope.
    pub fn threshold(&self) -> f32 {
        self.data.threshold
    }

    /// Overrides the out-of-scope threshold (0 turns it off).
    pub fn set_threshold(&mut self, threshold: f32) {
        self.data.threshold = if threshold.is_finite() {
            threshold.clamp(0.0, 1.0)
        } else {
            0.0
        };
    }

    /// How the model was trained.
    pub fn info(&self) -> &TrainInfo {
        &self.data.info
    }

    /// Classifies one message.
    pub fn classify(&self, text: &str) -> Intent {
        self.predict(text).intent
    }

    /// Classifies many messages (one encoder call for all of them).
    pub fn classify_batch(&self, texts: &[&str]) -> Vec<Intent> {
        let embeddings = self.embed(texts);
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let embedding = embeddings
                    .as_ref()
                    .and_then(|e| e.get(i))
                    .map(Vec::as_slice);
                self.predict_with(text, embedding).intent
            })
            .collect()
    }

    /// Classifies one message, with the probabilities behind the decision.
    pub fn predict(&self, text: &str) -> Prediction {
        let embeddings = self.embed(&[text]);
        let embedding = embeddings
            .as_ref()
            .and_then(|e| e.first())
            .map(Vec::as_slice);
        self.predict_with(text, embedding)
    }

    fn embed(&self, texts: &[&str]) -> Option<Vec<Vec<f32>>> {
        match (&self.encoder, &self.data.dense) {
            (Some(encoder), Some(_)) => Some(encoder.encode(texts)),
            _ => None,
        }
    }

    fn predict_with(&self, text: &str, embedding: Option<&[f32]>) -> Prediction {
        BUFFERS.with(|buffers| match buffers.try_borrow_mut() {
            Ok(mut buffers) => self.predict_in(text, embedding, &mut buffers),
            // Re-entered from an encoder on this thread: fresh buffers.
            Err(_) => self.predict_in(
                text,
                embedding,
                &mut Buffers {
                    scratch: Scratch::default(),
                    features: SparseVec::default(),
                    scores: Vec::new(),
                    probabilities: Vec::new(),
                },
            ),
        })
    }

    fn predict_in(&self, text: &str, embedding: Option<&[f32]>, b: &mut Buffers) -> Prediction {
        let data = &self.data;
        data.featurizer
            .transform_into(text, &mut b.scratch, &mut b.features);
        if let (Some(dense), Some(embedding)) = (&data.dense, embedding) {
            push_dense(
                &mut b.features,
                embedding,
                data.featurizer.len(),
                dense.dim,
                dense.weight,
            );
        }
        data.linear.scores_into(&b.features, &mut b.scores);
        softmax_into(&b.scores, data.temperature, &mut b.probabilities);
        self.decide(&b.probabilities)
    }

    /// The decision for a probability vector over all classes.
    pub(crate) fn decide(&self, probabilities: &[f32]) -> Prediction {
        let n = self.data.intents.len();
        let in_scope = &probabilities[..n.min(probabilities.len())];
        let mut order: Vec<usize> = (0..in_scope.len()).collect();
        let top = (ALTERNATIVES + 1).min(order.len());
        if top > 0 {
            order.select_nth_unstable_by(top - 1, |&a, &b| in_scope[b].total_cmp(&in_scope[a]));
            order.truncate(top);
            order.sort_by(|&a, &b| in_scope[b].total_cmp(&in_scope[a]).then(a.cmp(&b)));
        }
        let best = order.first().copied();
        let best_p = best.map_or(0.0, |k| in_scope[k]);
        let oos_p = if self.data.oos_class {
            probabilities.get(n).copied().unwrap_or(0.0)
        } else {
            0.0
        };
        let score = |k: usize| IntentScore {
            name: self.data.intents[k].name.clone(),
            confidence: f64::from(in_scope[k]),
        };
        let intent = match best {
            Some(k) if best_p >= oos_p && best_p >= self.data.threshold => Intent {
                name: self.data.intents[k].name.clone(),
                confidence: f64::from(best_p),
                alternatives: order[1..].iter().map(|&k| score(k)).collect(),
                out_of_scope: false,
            },
            _ => Intent {
                name: OUT_OF_SCOPE.to_owned(),
                confidence: f64::from(if oos_p > best_p { oos_p } else { 1.0 - best_p }),
                alternatives: order.iter().take(ALTERNATIVES).map(|&k| score(k)).collect(),
                out_of_scope: true,
            },
        };
        Prediction {
            intent,
            best,
            probabilities: probabilities.to_vec(),
        }
    }
}
