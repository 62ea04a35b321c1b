//! The BERT encoder (inference only) on candle tensors.
//!
//! A transcription of Hugging Face's `BertModel` forward pass without the
//! pooler, as in `candle-transformers`' `models::bert`, written out here
//! because that crate compiles every model it ships (a third of the dense
//! feature's clean-build time) for these ~150 lines. Correctness is checked by
//! the integration tests against an independent NumPy implementation and the
//! sentence-transformers README's similarities.
//!
//! Three things make it faster than that transcription on a CPU:
//! - the query, key and value projections are fused into one matrix product;
//! - every projection keeps its weight transposed and contiguous, `(in, out)`,
//!   and multiplies the whole batch as one `(batch × len, in)` matrix: one
//!   GEMM per projection that reads the weight row by row, where candle's
//!   `Linear` runs one GEMM per batch element over a strided transposed view
//!   (repacking the weight each time);
//! - the exact (erf) GELU uses a rational approximation of erf that the
//!   compiler vectorises (within 1e-6 of the exact function), rather than a
//!   scalar `erff` per element.

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{embedding, layer_norm, linear, Embedding, LayerNorm, Linear, VarBuilder};
use serde::Deserialize;

/// A linear layer `x Wᵀ + b` with `Wᵀ` stored contiguous (see the module docs).
struct Dense {
    /// `(in, out)`.
    weight_t: Tensor,
    /// `(out,)`.
    bias: Tensor,
}

impl Dense {
    fn new(weight: &Tensor, bias: Option<&Tensor>) -> Result<Self> {
        let Some(bias) = bias else {
            candle_core::bail!("linear layer without bias")
        };
        Ok(Self {
            weight_t: weight.t()?.contiguous()?,
            bias: bias.clone(),
        })
    }

    fn from_linear(l: &Linear) -> Result<Self> {
        Self::new(l.weight(), l.bias())
    }

    /// `xs` is `(…, in)`; returns `(…, out)`.
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let dims = xs.dims().to_vec();
        let inner = dims.last().copied().unwrap_or(1);
        let rows = xs.elem_count() / inner.max(1);
        let ys = xs
            .reshape((rows, inner))?
            .matmul(&self.weight_t)?
            .broadcast_add(&self.bias)?;
        let mut shape = dims;
        if let Some(last) = shape.last_mut() {
            *last = self.weight_t.dim(1)?;
        }
        ys.reshape(shape)
    }
}

/// `erf(x)` for f32: the rational approximation Eigen and XLA use (odd
/// numerator of degree 13, even denominator of degree 8, on [-4, 4], where
/// f32 `erf` reaches ±1). Branch-free, so loops over it vectorise.
#[inline(always)]
fn erf_f32(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_3e-10 + 2.770_681_4e-8;
    p = x2 * p + -2.101_024e-6;
    p = x2 * p + -5.692_506_4e-5;
    p = x2 * p + -7.349_906e-4;
    p = x2 * p + -2.954_600_1e-3;
    p = x2 * p + -1.609_603_4e-2;
    let p = x * p;
    let mut q = x2 * -1.456_607_2e-5 + -2.133_740_6e-4;
    q = x2 * q + -1.682_827e-3;
    q = x2 * q + -7.373_329e-3;
    q = x2 * q + -1.426_474e-2;
    p / q
}

/// The exact GELU, `x · Φ(x) = x/2 · (1 + erf(x/√2))`, over a whole tensor.
fn gelu_erf(xs: &Tensor) -> Result<Tensor> {
    let mut v = xs.flatten_all()?.to_vec1::<f32>()?;
    for x in &mut v {
        *x = 0.5 * *x * (1.0 + erf_f32(*x * std::f32::consts::FRAC_1_SQRT_2));
    }
    Tensor::from_vec(v, xs.shape(), xs.device())
}

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
            Self::Gelu if xs.dtype() == DType::F32 => gelu_erf(xs),
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
    qkv: Dense,
    heads: usize,
    head_dim: usize,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    activation: Activation,
    output: Dense,
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
        let qkv = Dense::new(&fused(|l| Some(l.weight()))?, Some(&fused(Linear::bias)?))?;
        Ok(Self {
            qkv,
            heads: config.num_attention_heads,
            head_dim: h / config.num_attention_heads,
            attention_out: Dense::from_linear(&linear(h, h, attention.pp("output").pp("dense"))?)?,
            attention_norm: layer_norm(h, eps, attention.pp("output").pp("LayerNorm"))?,
            intermediate: Dense::from_linear(&linear(
                h,
                config.intermediate_size,
                vb.pp("intermediate").pp("dense"),
            )?)?,
            activation: config.hidden_act,
            output: Dense::from_linear(&linear(
                config.intermediate_size,
                h,
                vb.pp("output").pp("dense"),
            )?)?,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// erf by Simpson's rule on 2/√π ∫₀ˣ e^(−t²) dt, in f64.
    fn erf_reference(x: f64) -> f64 {
        let n = 2000;
        let h = x / n as f64;
        let f = |t: f64| (-t * t).exp();
        let mut sum = f(0.0) + f(x);
        for i in 1..n {
            let w = if i % 2 == 1 { 4.0 } else { 2.0 };
            sum += w * f(i as f64 * h);
        }
        sum * h / 3.0 * 2.0 / std::f64::consts::PI.sqrt()
    }

    #[test]
    fn fast_erf_is_within_a_millionth_of_erf() {
        let mut worst: f64 = 0.0;
        for i in -1000..=1000 {
            let x = i as f64 * 0.006; // −6 … 6
            let got = f64::from(erf_f32(x as f32));
            worst = worst.max((got - erf_reference(x)).abs());
        }
        assert!(worst < 1e-6, "max |Δ| = {worst}");
        assert_eq!(erf_f32(0.0), 0.0);
        assert!(erf_f32(-0.5) < 0.0 && erf_f32(0.5) > 0.0);
    }

    #[test]
    fn gelu_matches_the_exact_definition_on_a_tensor() {
        let values: Vec<f32> = (-40..=40).map(|i| i as f32 * 0.2).collect();
        let xs = Tensor::from_vec(values.clone(), (9, 9), &candle_core::Device::Cpu).unwrap();
        let ys = gelu_erf(&xs).unwrap();
        assert_eq!(ys.dims(), &[9, 9]);
        let ys = ys.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        for (x, y) in values.iter().zip(ys) {
            let x = f64::from(*x);
            let exact = 0.5 * x * (1.0 + erf_reference(x / std::f64::consts::SQRT_2));
            assert!(
                (f64::from(y) - exact).abs() < 1e-5,
                "gelu({x}) = {y}, not {exact}"
            );
        }
    }

    #[test]
    fn dense_layer_is_x_times_w_transposed_plus_b_for_any_leading_shape() {
        let dev = candle_core::Device::Cpu;
        // W is (out 2, in 3).
        let w = Tensor::new(&[[1f32, 2., 3.], [-1., 0., 0.5]], &dev).unwrap();
        let b = Tensor::new(&[10f32, -10.], &dev).unwrap();
        let d = Dense::new(&w, Some(&b)).unwrap();
        let xs = Tensor::new(&[[[1f32, 1., 1.], [2., 0., -2.]]], &dev).unwrap(); // (1, 2, 3)
        let ys = d.forward(&xs).unwrap();
        assert_eq!(ys.dims(), &[1, 2, 2]);
        assert_eq!(
            ys.to_vec3::<f32>().unwrap(),
            vec![vec![vec![16., -10.5], vec![6., -13.]]]
        );
        assert!(Dense::new(&w, None).is_err());
    }
}
