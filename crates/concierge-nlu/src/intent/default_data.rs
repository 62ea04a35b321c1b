//! The shipped default model: Salesforce-support intents, trained from the
//! intents file embedded in the binary (nothing is read at run time).

use std::path::Path;

use super::{IntentModel, ModelError, TrainOptions};
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
