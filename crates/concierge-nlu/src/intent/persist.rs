//! Model files: 8 magic bytes, the format version (u32, little-endian),
//! then the model in [postcard](https://docs.rs/postcard). A file of another
//! version is refused with [`ModelError::Version`] rather than misread.

use std::path::Path;
use std::sync::Arc;

use super::model::{IntentModel, ModelData};
use super::{Encoder, ModelError};

const MAGIC: &[u8; 8] = b"CNLUINTM";

/// The model file format this build writes and reads (2: the training
/// options and calibration report carry the out-of-scope recall target).
pub const FORMAT_VERSION: u32 = 2;

impl IntentModel {
    /// The model as bytes (without its encoder).
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelError> {
        let mut out = Vec::with_capacity(self.data.linear.weights.len() * 4 + 1024);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        let body =
            postcard::to_stdvec(&self.data).map_err(|e| ModelError::Corrupt(e.to_string()))?;
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Reads a sparse-only model from bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<IntentModel, ModelError> {
        Self::from_bytes_with_encoder(bytes, None)
    }

    /// Reads a model from bytes; a model trained with a dense encoder needs
    /// that encoder (same name and dimension).
    pub fn from_bytes_with_encoder(
        bytes: &[u8],
        encoder: Option<Arc<dyn Encoder>>,
    ) -> Result<IntentModel, ModelError> {
        let header = MAGIC.len() + 4;
        if bytes.len() < header || &bytes[..MAGIC.len()] != MAGIC {
            return Err(ModelError::NotAModel);
        }
        let mut version = [0u8; 4];
        version.copy_from_slice(&bytes[MAGIC.len()..header]);
        let version = u32::from_le_bytes(version);
        if version != FORMAT_VERSION {
            return Err(ModelError::Version {
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let mut data: ModelData = postcard::from_bytes(&bytes[header..])
            .map_err(|e| ModelError::Corrupt(e.to_string()))?;
        validate(&data)?;
        match (&data.dense, &encoder) {
            (Some(spec), None) => {
                return Err(ModelError::EncoderRequired {
                    name: spec.name.clone(),
                    dim: spec.dim,
                })
            }
            (Some(spec), Some(e)) if spec.name != e.name() || spec.dim != e.dim() => {
                return Err(ModelError::EncoderMismatch {
                    expected: format!("{} ({})", spec.name, spec.dim),
                    found: format!("{} ({})", e.name(), e.dim()),
                })
            }
            _ => {}
        }
        data.featurizer.build_index();
        let encoder = if data.dense.is_some() { encoder } else { None };
        Ok(IntentModel { data, encoder })
    }

    /// Writes the model to `path`, atomically: to a temporary file beside it,
    /// then renamed over it, so a reader never sees half a model.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelError> {
        let path = path.as_ref();
        let io = |source| ModelError::Io {
            path: path.to_owned(),
            source,
        };
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(format!(".tmp-{}", std::process::id()));
        let temporary = std::path::PathBuf::from(temporary);
        std::fs::write(&temporary, self.to_bytes()?).map_err(io)?;
        std::fs::rename(&temporary, path).map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            io(e)
        })
    }

    /// Reads a sparse-only model from `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<IntentModel, ModelError> {
        Self::load_with_encoder(path, None)
    }

    /// Reads a model from `path` with the dense encoder it was trained with.
    pub fn load_with_encoder(
        path: impl AsRef<Path>,
        encoder: Option<Arc<dyn Encoder>>,
    ) -> Result<IntentModel, ModelError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes_with_encoder(&bytes, encoder)
    }
}

/// Checks the shapes a decoder cannot, so a damaged file fails here and not
/// at classification.
fn validate(data: &ModelData) -> Result<(), ModelError> {
    let classes = data.intents.len() + usize::from(data.oos_class);
    let features = data.featurizer.len() + data.dense.as_ref().map_or(0, |d| d.dim);
    let linear = &data.linear;
    let problem = if data.intents.is_empty() {
        Some("no intents".to_owned())
    } else if linear.classes != classes || linear.bias.len() != classes {
        Some(format!("{} classes for {classes} intents", linear.classes))
    } else if linear.features != features {
        Some(format!(
            "{} weights rows for {features} features",
            linear.features
        ))
    } else if linear.weights.len() != classes.saturating_mul(features) {
        Some(format!(
            "{} weights, expected {}",
            linear.weights.len(),
            classes * features
        ))
    } else if !data.temperature.is_finite() || data.temperature <= 0.0 {
        Some(format!("temperature {}", data.temperature))
    } else if !(0.0..=1.0).contains(&data.threshold) {
        Some(format!("threshold {}", data.threshold))
    } else {
        None
    };
    match problem {
        Some(p) => Err(ModelError::Corrupt(p)),
        None => Ok(()),
    }
}
