//! The shipped default model: Salesforce-support intents, trained from the
//! intents file embedded in the binary (nothing is read at run time).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::features::hash;
use super::{Encoder, IntentModel, ModelError, TrainOptions, FORMAT_VERSION};
use crate::data::{parse_intents_yaml, Dataset};

/// The embedded `data/intents/salesforce_support.yaml`.
pub const DEFAULT_INTENTS_YAML: &str = include_str!("../../data/intents/salesforce_support.yaml");

/// The embedded default intents as a data set.
pub fn default_dataset() -> Result<Dataset, ModelError> {
    if DEFAULT_INTENTS_YAML.trim().is_empty() {
        return Err(ModelError::DefaultData(
            "data/intents/salesforce_support.yaml is empty".to_owned(),
        ));
    }
    parse_intents_yaml(
        DEFAULT_INTENTS_YAML,
        Path::new("data/intents/salesforce_support.yaml"),
    )
    .map_err(|e| ModelError::DefaultData(e.to_string()))
}

impl IntentModel {
    /// Trains the default Salesforce-support model from the embedded
    /// intents file with the default options (well under a second).
    pub fn train_default() -> Result<IntentModel, ModelError> {
        IntentModel::train(&default_dataset()?, &TrainOptions::default())
    }
}

impl IntentModel {
    /// The default model trained with a dense encoder beside the sparse
    /// features, which lifts held-out accuracy on the default intents from
    /// about 0.68 to 0.77 (see `docs/PERFORMANCE.md`). Encoding the two
    /// thousand training examples takes seconds, so the trained model is
    /// kept in `cache_dir` under a name that changes with the intents
    /// file, the encoder, the training options and the model format; later
    /// calls load it. Without an encoder this is [`train_default`]
    /// (sub-second, not cached). A cache that cannot be written is logged
    /// and skipped; one that cannot be read is retrained over.
    ///
    /// [`train_default`]: IntentModel::train_default
    pub fn load_or_train_default(
        cache_dir: &Path,
        encoder: Option<Arc<dyn Encoder>>,
    ) -> Result<IntentModel, ModelError> {
        let Some(encoder) = encoder else {
            return IntentModel::train_default();
        };
        let path = default_cache_path(cache_dir, encoder.as_ref());
        if path.exists() {
            if let Ok(model) = IntentModel::load_with_encoder(&path, Some(encoder.clone())) {
                return Ok(model);
            }
        }
        let model = IntentModel::train_with_encoder(
            &default_dataset()?,
            &TrainOptions::default(),
            Some(encoder),
        )?;
        if let Err(e) = std::fs::create_dir_all(cache_dir)
            .map_err(|source| ModelError::Io {
                path: cache_dir.to_owned(),
                source,
            })
            .and_then(|()| model.save(&path))
        {
            tracing::warn!(error.message = %e, "cannot cache the default intent model");
        }
        Ok(model)
    }
}

/// `cache_dir/default-intents-<key>.model`, the key a hash of everything
/// the trained model depends on.
pub fn default_cache_path(cache_dir: &Path, encoder: &dyn Encoder) -> PathBuf {
    let options = serde_json::to_string(&TrainOptions::default()).unwrap_or_default();
    // Each part seeds the next, so the parts' boundaries count.
    let key = [
        DEFAULT_INTENTS_YAML.as_bytes(),
        &FORMAT_VERSION.to_le_bytes(),
        encoder.name().as_bytes(),
        &encoder.dim().to_le_bytes(),
        options.as_bytes(),
    ]
    .iter()
    .fold(0, |seed, part| hash(seed, part));
    cache_dir.join(format!("default-intents-{key:016x}.model"))
}
