//! A static encoder distilled from all-MiniLM-L6-v2: one vector per
//! vocabulary token, so encoding a text is a tokenisation and a weighted mean
//! (microseconds) instead of a transformer forward pass (milliseconds).
//!
//! The recipe is Model2Vec's (Tulkens and van Dongen, 2024), made here from
//! the MiniLM files on disk — nothing is downloaded:
//!
//! 1. every vocabulary token `t` is run through MiniLM alone, as the text
//!    `[CLS] t [SEP]`, and its sentence embedding (mean pooling, unit length)
//!    becomes the token's vector;
//! 2. the vectors are centred (the mean over the vocabulary is subtracted:
//!    MiniLM's embeddings share a large common component that says nothing
//!    about meaning);
//! 3. each vector is scaled by `ln(1 + rank)`, the token's position in the
//!    WordPiece vocabulary standing in for its frequency rank (Zipf), so
//!    frequent tokens weigh less, as in SIF weighting.
//!
//! A text's vector is the mean of its tokens' vectors, normalised to unit
//! length. It is a weaker encoder than MiniLM itself (word order and context
//! are gone) but thousands of times cheaper, which is what lets hybrid search
//! and ingestion meet their latency targets on two cores.
//!
//! Files: `embeddings.safetensors` (one `embeddings` tensor, vocabulary ×
//! 384, f32) and MiniLM's `tokenizer.json`, in
//! `<models>/all-minilm-l6-v2-static/`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use tokenizers::Tokenizer;

use super::{invalid, read, DenseEncoder, DenseError};

/// The distilled encoder's name, also its directory under the models dir.
pub const STATIC_MODEL_NAME: &str = "all-minilm-l6-v2-static";

const EMBEDDINGS_FILE: &str = "embeddings.safetensors";
const TOKENIZER_FILE: &str = "tokenizer.json";
const TENSOR_NAME: &str = "embeddings";

/// Tokens per text: a static encoder has no position limit, but an input
/// limit keeps the cost bounded (the knowledge base's chunks are far shorter).
const MAX_TOKENS: usize = 4096;

/// Tokens the distillation skips (their vectors stay zero): the bracketed
/// ones — `[PAD]`, `[CLS]`, `[SEP]`, `[MASK]` and the `[unusedN]` slots —
/// which never occur in a text tokenised without special tokens. `[UNK]`
/// keeps a vector.
fn skipped(token: &str) -> bool {
    token != "[UNK]" && token.len() > 2 && token.starts_with('[') && token.ends_with(']')
}

/// The directory the static encoder is read from by default:
/// `$CONCIERGE_MODELS_DIR/all-minilm-l6-v2-static`, else
/// `models/all-minilm-l6-v2-static`.
pub fn default_static_dir() -> PathBuf {
    super::default_dir()
        .parent()
        .map_or_else(|| PathBuf::from("models"), Path::to_path_buf)
        .join(STATIC_MODEL_NAME)
}

/// Token vectors distilled from MiniLM. `Send + Sync`: share one behind an
/// `Arc`.
pub struct StaticEncoder {
    tokenizer: Tokenizer,
    /// `vocab × dim`, row-major, already weighted.
    vectors: Vec<f32>,
    dim: usize,
}

impl fmt::Debug for StaticEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticEncoder")
            .field("name", &STATIC_MODEL_NAME)
            .field("dim", &self.dim)
            .field("vocab", &self.vocab())
            .finish_non_exhaustive()
    }
}

impl StaticEncoder {
    /// Distils the token vectors from `dense` (about 30,000 tiny forward
    /// passes: seconds on a release build).
    pub fn distill(dense: &DenseEncoder) -> Result<Self, DenseError> {
        let tokenizer = dense.plain_tokenizer()?;
        let vocab = tokenizer.get_vocab_size(true);
        let dim = dense.dim();
        let special = |token: &str| {
            tokenizer.token_to_id(token).ok_or_else(|| {
                DenseError::Unsupported(format!("the tokenizer has no {token} token"))
            })
        };
        let (cls, sep) = (special("[CLS]")?, special("[SEP]")?);
        let ids: Vec<u32> = (0..u32::try_from(vocab).unwrap_or(u32::MAX))
            .filter(|&id| tokenizer.id_to_token(id).is_some_and(|t| !skipped(&t)))
            .collect();
        let mut vectors = vec![0.0f32; vocab * dim];
        let inputs: Vec<[u32; 3]> = ids.iter().map(|&id| [cls, id, sep]).collect();
        for (chunk_ids, chunk) in ids.chunks(512).zip(inputs.chunks(512)) {
            let batch: Vec<&[u32]> = chunk.iter().map(|ids| &ids[..]).collect();
            let out = dense.embed_ids(&batch)?;
            for (&id, v) in chunk_ids.iter().zip(out) {
                let id = id as usize;
                vectors[id * dim..(id + 1) * dim].copy_from_slice(&v);
            }
        }
        // Centre over the distilled tokens.
        let mut mean = vec![0.0f64; dim];
        for &id in &ids {
            let id = id as usize;
            for (m, &x) in mean.iter_mut().zip(&vectors[id * dim..(id + 1) * dim]) {
                *m += f64::from(x);
            }
        }
        let n = ids.len().max(1) as f64;
        let mean: Vec<f32> = mean.iter().map(|m| (m / n) as f32).collect();
        for &id in &ids {
            let id = id as usize;
            #[allow(clippy::cast_precision_loss)]
            let weight = (1.0 + id as f32).ln();
            for (x, m) in vectors[id * dim..(id + 1) * dim].iter_mut().zip(&mean) {
                *x = (*x - m) * weight;
            }
        }
        Ok(Self {
            tokenizer,
            vectors,
            dim,
        })
    }

    /// Writes `embeddings.safetensors` and `tokenizer.json` into `dir`
    /// (created if missing).
    pub fn save(&self, dir: &Path) -> Result<(), DenseError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| DenseError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let tensor = Tensor::from_slice(&self.vectors, (self.vocab(), self.dim), &Device::Cpu)?;
        let path = dir.join(EMBEDDINGS_FILE);
        candle_core::safetensors::save(&HashMap::from([(TENSOR_NAME, tensor)]), &path)?;
        let path = dir.join(TOKENIZER_FILE);
        self.tokenizer
            .save(&path, false)
            .map_err(|e| invalid(&path, e))?;
        Ok(())
    }

    /// Reads the encoder from `dir`.
    pub fn load(dir: &Path) -> Result<Self, DenseError> {
        if !dir.is_dir() {
            return Err(DenseError::NotFound(dir.to_path_buf()));
        }
        let path = dir.join(TOKENIZER_FILE);
        let mut tokenizer = Tokenizer::from_bytes(read(&path)?).map_err(|e| invalid(&path, e))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| invalid(&path, e))?;
        let path = dir.join(EMBEDDINGS_FILE);
        let tensors = candle_core::safetensors::load_buffer(&read(&path)?, &Device::Cpu)
            .map_err(|e| invalid(&path, e))?;
        let tensor = tensors
            .get(TENSOR_NAME)
            .ok_or_else(|| invalid(&path, format!("no `{TENSOR_NAME}` tensor")))?;
        let (vocab, dim) = tensor.dims2().map_err(|e| invalid(&path, e))?;
        if vocab != tokenizer.get_vocab_size(true) {
            return Err(invalid(
                &path,
                format!(
                    "{vocab} vectors for a vocabulary of {}",
                    tokenizer.get_vocab_size(true)
                ),
            ));
        }
        let vectors = tensor
            .flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| invalid(&path, e))?;
        Ok(Self {
            tokenizer,
            vectors,
            dim,
        })
    }

    /// Reads the encoder from `dir` if that directory exists.
    pub fn load_if_present(dir: &Path) -> Result<Option<Self>, DenseError> {
        if dir.exists() {
            Self::load(dir).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The vector dimension (384).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Tokens in the vocabulary.
    pub fn vocab(&self) -> usize {
        self.vectors.len() / self.dim.max(1)
    }

    /// The unit-length vector of one text; zero when the text has no tokens.
    pub fn try_encode_one(&self, text: &str) -> Result<Vec<f32>, DenseError> {
        let encoding = self
            .tokenizer
            .encode(text, false)
            .map_err(|e| DenseError::Tokenizer(e.to_string()))?;
        let mut sum = vec![0.0f32; self.dim];
        for &id in encoding.get_ids().iter().take(MAX_TOKENS) {
            let id = id as usize;
            if let Some(v) = self.vectors.get(id * self.dim..(id + 1) * self.dim) {
                for (s, x) in sum.iter_mut().zip(v) {
                    *s += x;
                }
            }
        }
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 1e-12 {
            for s in &mut sum {
                *s /= norm;
            }
        }
        Ok(sum)
    }
}

impl crate::intent::Encoder for StaticEncoder {
    fn name(&self) -> &str {
        STATIC_MODEL_NAME
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn is_fast(&self) -> bool {
        true
    }

    /// Half of BM25's: measured on the demo base and the scenario suite
    /// (docs/PERFORMANCE.md, Knowledge).
    fn fusion_weight(&self) -> f32 {
        0.5
    }

    fn encode(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        texts
            .iter()
            .map(|text| {
                self.try_encode_one(text).unwrap_or_else(|e| {
                    tracing::warn!(error.message = %e, "static encoding failed");
                    vec![0.0; self.dim]
                })
            })
            .collect()
    }
}
