//! The BERT encoder (inference only) on candle tensors.
//!
//! A transcription of Hugging Face's `BertModel` forward pass without the
//! pooler, as in `candle-transformers`' `models::bert`, written out here
//! because that crate compiles every model it ships (a third of the dense
//! feature's clean-build time) for these ~150 lines. The query, key and value
//! projections are fused into one matrix product. Correctness is checked by
//! the integration tests against an independent NumPy implementation and the
//! sentence-transformers README's similarities.

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{embedding, layer_norm, linear, Embedding, LayerNorm, Linear, VarBuilder};
use serde::Deserialize;

/// The fields of `config.json` the forward pass needs.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    pub hidden_act: Activation,
    pub max_position_embeddings: usize,
    pub type_vocab_size: usize,
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub pad_token_id: u32,
    /// Only `absolute` is implemented.
    #[serde(default)]
    pub position_embedding_type: Option<String>,
    /// `bert` when present.
    #[serde(default)]
    pub model_type: Option<String>,
}

impl BertConfig {
    /// Why this config is not a model the forward pass implements, if it is not.
    pub(super) fn unsupported(&self) -> Option<String> {
        if let Some(kind) = self.model_type.as_deref().filter(|&t| t != "bert") {
            return Some(format!("model_type {kind:?} (only bert)"));
        }
        if let Some(kind) = self
            .position_embedding_type
            .as_deref()
            .filter(|&t| t != "absolute")
        {
            return Some(format!("position_embedding_type {kind:?} (only absolute)"));
        }
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return Some(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            ));
        }
        None
    }
}

/// `hidden_act`; Hugging Face's `gelu` is the exact (erf) one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Activation {
    Gelu,
    #[serde(alias = "gelu_pytorch_tanh")]
    GeluNew,
    Relu,
}

impl Activation {
    fn apply(self, xs: &Tensor) -> Result<Tensor> {
        match self {
            Self::Gelu => xs.gelu_erf(),
            Self::GeluNew => xs.gelu(),
            Self::Relu => xs.relu(),
        }
    }
}

/// Embeddings, then the transformer layers; returns the last hidden states.
pub(super) struct Bert {
    word_embeddings: Embedding,
    position_embeddings: Embedding,
    token_type_embeddings: Embedding,
    embeddings_norm: LayerNorm,
    layers: Vec<Layer>,
}

struct Layer {
    qkv: Linear,
    heads: usize,
    head_dim: usize,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    activation: Activation,
    output: Linear,
    output_norm: LayerNorm,
}

impl Bert {
    /// Reads the weights (sentence-transformers names, with or without a
    /// `bert.` prefix).
    pub(super) fn load(vb: VarBuilder, config: &BertConfig) -> Result<Self> {
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            vb
        };
        let h = config.hidden_size;
        let emb = vb.pp("embeddings");
        let layers = (0..config.num_hidden_layers)
            .map(|i| Layer::load(vb.pp(format!("encoder.layer.{i}")), config))
            .collect::<Result<_>>()?;
        Ok(Self {
            word_embeddings: embedding(config.vocab_size, h, emb.pp("word_embeddings"))?,
            position_embeddings: embedding(
                config.max_position_embeddings,
                h,
                emb.pp("position_embeddings"),
            )?,
            token_type_embeddings: embedding(
                config.type_vocab_size,
                h,
                emb.pp("token_type_embeddings"),
            )?,
            embeddings_norm: layer_norm(h, config.layer_norm_eps, emb.pp("LayerNorm"))?,
            layers,
        })
    }

    /// `ids` and `mask` are `(batch, len)` u32 tensors (mask 1 for real tokens,
    /// 0 for padding); returns `(batch, len, hidden)`. All token types are 0.
    pub(super) fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (_, len) = ids.dims2()?;
        let positions = Tensor::arange(0u32, len as u32, ids.device())?;
        let token_types = Tensor::zeros(len, DType::U32, ids.device())?;
        let position_and_type = (self.position_embeddings.forward(&positions)?
            + self.token_type_embeddings.forward(&token_types)?)?;
        let xs = self
            .word_embeddings
            .forward(ids)?
            .broadcast_add(&position_and_type)?;
        let mut xs = self.embeddings_norm.forward(&xs)?;
        // (batch, 1, 1, len): 0 where attended, a large negative where padded.
        let bias = ((mask.to_dtype(DType::F32)? - 1.0)? * f64::from(f32::MAX))?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        for layer in &self.layers {
            xs = layer.forward(&xs, &bias)?;
        }
        Ok(xs)
    }
}

impl Layer {
    fn load(vb: VarBuilder, config: &BertConfig) -> Result<Self> {
        let (h, eps) = (config.hidden_size, config.layer_norm_eps);
        let attention = vb.pp("attention");
        let projections =
            ["query", "key", "value"].map(|name| linear(h, h, attention.pp("self").pp(name)));
        let [query, key, value] = projections;
        let (query, key, value) = (query?, key?, value?);
        let fused = |part: fn(&Linear) -> Option<&Tensor>| -> Result<Tensor> {
            let parts = [&query, &key, &value].map(|l| part(l).cloned());
            match parts {
                [Some(q), Some(k), Some(v)] => Tensor::cat(&[q, k, v], 0),
                _ => candle_core::bail!("attention projection without bias"),
            }
        };
        let qkv = Linear::new(fused(|l| Some(l.weight()))?, Some(fused(Linear::bias)?));
        Ok(Self {
            qkv,
            heads: config.num_attention_heads,
            head_dim: h / config.num_attention_heads,
            attention_out: linear(h, h, attention.pp("output").pp("dense"))?,
            attention_norm: layer_norm(h, eps, attention.pp("output").pp("LayerNorm"))?,
            intermediate: linear(
                h,
                config.intermediate_size,
                vb.pp("intermediate").pp("dense"),
            )?,
            activation: config.hidden_act,
            output: linear(config.intermediate_size, h, vb.pp("output").pp("dense"))?,
            output_norm: layer_norm(h, eps, vb.pp("output").pp("LayerNorm"))?,
        })
    }

    fn forward(&self, xs: &Tensor, bias: &Tensor) -> Result<Tensor> {
        let (batch, len, hidden) = xs.dims3()?;
        // (batch, len, 3, heads, head_dim) → three (batch, heads, len, head_dim).
        let qkv = self
            .qkv
            .forward(xs)?
            .reshape((batch, len, 3, self.heads, self.head_dim))?
            .permute((2, 0, 3, 1, 4))?;
        let q = qkv.get(0)?.contiguous()?;
        let k = qkv.get(1)?.contiguous()?;
        let v = qkv.get(2)?.contiguous()?;
        let scores = (q.matmul(&k.t()?)? / (self.head_dim as f64).sqrt())?.broadcast_add(bias)?;
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((batch, len, hidden))?;
        let attended = self
            .attention_norm
            .forward(&(self.attention_out.forward(&context)? + xs)?)?;
        let inner = self
            .activation
            .apply(&self.intermediate.forward(&attended)?)?;
        self.output_norm
            .forward(&(self.output.forward(&inner)? + &attended)?)
    }
}
