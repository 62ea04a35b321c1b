//! The dense sentence encoder: the loading and pooling machinery on a tiny
//! made-up BERT written by the test (always runs), the real all-MiniLM-L6-v2
//! when `make models` has put it in `models/` (skipped with a message
//! otherwise), and typed errors for missing or broken model directories.
//!
//! Latency: `cargo test --release -p concierge-nlu dense_latency -- --ignored --nocapture`.
#![cfg(feature = "dense")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use candle_core::{Device, Tensor};
use concierge_nlu::dense::{DenseEncoder, DenseError, DenseOptions, StaticEncoder};

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("concierge-dense-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------- tiny model

const TINY_WORDS: &[&str] = &[
    "i", "forgot", "my", "password", "can", "'", "t", "remember", "the", "invoice", "total", "is",
    "wrong", "hello", "order", "where", "##s", "?", "!", ",",
];
const TINY_HIDDEN: usize = 8;
const TINY_MAX_POSITIONS: usize = 16;

fn tiny_config() -> serde_json::Value {
    serde_json::json!({
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": TINY_WORDS.len() + 4, "hidden_size": TINY_HIDDEN,
        "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 16,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": TINY_MAX_POSITIONS, "type_vocab_size": 2,
        "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0,
        "position_embedding_type": "absolute"
    })
}

fn tiny_tokenizer() -> serde_json::Value {
    let mut vocab = serde_json::Map::new();
    for (i, word) in ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
        .iter()
        .chain(TINY_WORDS)
        .enumerate()
    {
        vocab.insert((*word).to_string(), i.into());
    }
    serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                       "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
        "decoder": null,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab}
    })
}

/// Deterministic pseudo-random weights in [-0.5, 0.5).
fn tensor(seed: &mut u64, shape: &[usize]) -> Tensor {
    let n = shape.iter().product();
    let values: Vec<f32> = (0..n)
        .map(|_| {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((*seed >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        })
        .collect();
    Tensor::from_vec(values, shape, &Device::Cpu).unwrap()
}

fn tiny_weights() -> HashMap<String, Tensor> {
    let (h, i, v) = (TINY_HIDDEN, 16, TINY_WORDS.len() + 4);
    let mut seed = 7;
    let mut w = HashMap::new();
    let mut put = |name: String, shape: &[usize]| {
        w.insert(name, tensor(&mut seed, shape));
    };
    put("embeddings.word_embeddings.weight".into(), &[v, h]);
    put(
        "embeddings.position_embeddings.weight".into(),
        &[TINY_MAX_POSITIONS, h],
    );
    put("embeddings.token_type_embeddings.weight".into(), &[2, h]);
    put("embeddings.LayerNorm.weight".into(), &[h]);
    put("embeddings.LayerNorm.bias".into(), &[h]);
    for layer in 0..2 {
        let p = format!("encoder.layer.{layer}.");
        for m in [
            "attention.self.query",
            "attention.self.key",
            "attention.self.value",
        ] {
            put(format!("{p}{m}.weight"), &[h, h]);
            put(format!("{p}{m}.bias"), &[h]);
        }
        put(format!("{p}attention.output.dense.weight"), &[h, h]);
        put(format!("{p}attention.output.dense.bias"), &[h]);
        put(format!("{p}attention.output.LayerNorm.weight"), &[h]);
        put(format!("{p}attention.output.LayerNorm.bias"), &[h]);
        put(format!("{p}intermediate.dense.weight"), &[i, h]);
        put(format!("{p}intermediate.dense.bias"), &[i]);
        put(format!("{p}output.dense.weight"), &[h, i]);
        put(format!("{p}output.dense.bias"), &[h]);
        put(format!("{p}output.LayerNorm.weight"), &[h]);
        put(format!("{p}output.LayerNorm.bias"), &[h]);
    }
    w
}

/// Writes a complete tiny model (max 10 tokens per text) into a temp dir.
fn tiny_model(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    let write = |file: &str, value: serde_json::Value| {
        std::fs::write(dir.0.join(file), serde_json::to_vec(&value).unwrap()).unwrap();
    };
    write("config.json", tiny_config());
    write("tokenizer.json", tiny_tokenizer());
    write(
        "sentence_bert_config.json",
        serde_json::json!({"max_seq_length": 10}),
    );
    std::fs::create_dir(dir.0.join("1_Pooling")).unwrap();
    write(
        "1_Pooling/config.json",
        serde_json::json!({"word_embedding_dimension": TINY_HIDDEN, "pooling_mode_mean_tokens": true}),
    );
    candle_core::safetensors::save(&tiny_weights(), dir.0.join("model.safetensors")).unwrap();
    dir
}

#[test]
fn tiny_model_gives_unit_vectors_in_order_whatever_the_batching() {
    let dir = tiny_model("tiny");
    let one_by_one = DenseEncoder::load(&dir.0).unwrap();
    let batched = DenseEncoder::load_with(
        &dir.0,
        &DenseOptions {
            threads: Some(1),
            batch_size: 2,
            max_tokens: None,
        },
    )
    .unwrap();
    assert_eq!(one_by_one.dim(), TINY_HIDDEN);
    assert_eq!(one_by_one.name(), "all-minilm-l6-v2");
    assert_eq!(one_by_one.max_tokens(), 10);

    let texts = [
        "hello",
        "where is my order ?",
        "",
        "i forgot my password !",
        "the invoice total is wrong",
    ];
    let all = batched.try_encode(&texts).unwrap();
    assert_eq!(all.len(), texts.len());
    for (text, vector) in texts.iter().zip(&all) {
        let single = one_by_one.try_encode(&[text]).unwrap().remove(0);
        assert_eq!(single.len(), TINY_HIDDEN);
        assert!(
            (norm(&single) - 1.0).abs() < 1e-5,
            "{text:?}: norm {}",
            norm(&single)
        );
        assert!(
            max_abs_diff(&single, vector) < 1e-4,
            "{text:?}: batch differs"
        );
    }
    assert_ne!(all[0], all[1]);
    assert_eq!(batched.encode(&texts), all, "deterministic");
    assert!(one_by_one.encode(&[]).is_empty());
}

#[test]
fn long_texts_are_truncated_to_max_tokens() {
    let dir = tiny_model("truncate");
    let encoder = DenseEncoder::load(&dir.0).unwrap();
    // 8 words + [CLS] + [SEP] fill the 10 tokens; what follows is cut off.
    let head = "i forgot my password i forgot my password";
    let long = format!("{head} {}", "the invoice total is wrong ".repeat(200));
    let vectors = encoder.try_encode(&[head, &long]).unwrap();
    assert!(max_abs_diff(&vectors[0], &vectors[1]) < 1e-5);
}

// ---------------------------------------------------------------- the static encoder

fn cosine_of(a: &[f32], b: &[f32]) -> f32 {
    cosine(a, b) / (norm(a) * norm(b)).max(1e-12)
}

#[test]
fn the_static_encoder_is_the_centred_token_embeddings_averaged() {
    let dir = tiny_model("distill");
    let dense = DenseEncoder::load(&dir.0).unwrap();
    let distilled = StaticEncoder::distill(&dense).unwrap();
    assert_eq!(distilled.dim(), TINY_HIDDEN);
    assert_eq!(distilled.vocab(), TINY_WORDS.len() + 4);

    // The recipe, recomputed: each distilled token's MiniLM vector as the
    // text `[CLS] t [SEP]`, minus the mean over those tokens ([UNK] is 1,
    // the words start at 4; [PAD], [CLS], [SEP] are skipped).
    let ids: Vec<u32> = std::iter::once(1)
        .chain(4..4 + TINY_WORDS.len() as u32)
        .collect();
    let inputs: Vec<[u32; 3]> = ids.iter().map(|&id| [2, id, 3]).collect();
    let batch: Vec<&[u32]> = inputs.iter().map(|i| &i[..]).collect();
    let embedded = dense.embed_ids(&batch).unwrap();
    let mut mean = vec![0.0f32; TINY_HIDDEN];
    for v in &embedded {
        for (m, x) in mean.iter_mut().zip(v) {
            *m += x / embedded.len() as f32;
        }
    }
    let centred = |word: &str| -> Vec<f32> {
        let at = TINY_WORDS.iter().position(|w| *w == word).unwrap() + 1;
        embedded[at].iter().zip(&mean).map(|(x, m)| x - m).collect()
    };
    for word in ["hello", "invoice", "password"] {
        let v = distilled.try_encode_one(word).unwrap();
        assert!((norm(&v) - 1.0).abs() < 1e-5, "{word}: unit length");
        assert!(cosine_of(&v, &centred(word)) > 0.9999, "{word}");
    }
    // Two tokens: the weighted mean, so between the two, nearer the rarer
    // (later in the vocabulary, heavier) one.
    let pair = distilled.try_encode_one("hello invoice").unwrap();
    let (hello, invoice) = (centred("hello"), centred("invoice"));
    let (wh, wi) = ((1.0f32 + 17.0).ln(), (1.0f32 + 13.0).ln());
    let want: Vec<f32> = hello
        .iter()
        .zip(&invoice)
        .map(|(h, i)| h * wh + i * wi)
        .collect();
    assert!(cosine_of(&pair, &want) > 0.9999);

    // A bag of tokens: order does not matter; nothing known is zero.
    let a = distilled.try_encode_one("i forgot my password").unwrap();
    let b = distilled.try_encode_one("password my forgot i").unwrap();
    assert!(max_abs_diff(&a, &b) < 1e-6);
    assert!(distilled
        .try_encode_one("")
        .unwrap()
        .iter()
        .all(|x| *x == 0.0));

    // Saved and loaded, it encodes the same.
    let out = TempDir::new("distill-out");
    distilled.save(&out.0).unwrap();
    let loaded = StaticEncoder::load(&out.0).unwrap();
    assert_eq!(loaded.vocab(), distilled.vocab());
    for text in ["where is my order ?", "the invoice total is wrong", "hello"] {
        assert_eq!(
            loaded.try_encode_one(text).unwrap(),
            distilled.try_encode_one(text).unwrap()
        );
    }
}

#[test]
fn a_static_encoder_that_does_not_match_its_tokenizer_is_refused() {
    let missing = std::env::temp_dir().join("concierge-static-no-such-dir");
    assert!(matches!(
        StaticEncoder::load(&missing),
        Err(DenseError::NotFound(_))
    ));
    assert!(StaticEncoder::load_if_present(&missing).unwrap().is_none());

    let dir = tiny_model("static-mismatch");
    let out = TempDir::new("static-mismatch-out");
    std::fs::copy(dir.0.join("tokenizer.json"), out.0.join("tokenizer.json")).unwrap();
    let wrong = Tensor::zeros((3, TINY_HIDDEN), candle_core::DType::F32, &Device::Cpu).unwrap();
    candle_core::safetensors::save(
        &HashMap::from([("embeddings", wrong)]),
        out.0.join("embeddings.safetensors"),
    )
    .unwrap();
    let err = StaticEncoder::load(&out.0).unwrap_err();
    assert!(
        matches!(err, DenseError::Invalid { ref message, .. } if message.contains("3 vectors")),
        "{err}"
    );
    std::fs::write(out.0.join("embeddings.safetensors"), b"not safetensors").unwrap();
    assert!(matches!(
        StaticEncoder::load(&out.0),
        Err(DenseError::Invalid { .. })
    ));
}

// ---------------------------------------------------------------- errors

#[test]
fn a_missing_directory_is_not_found() {
    let missing = std::env::temp_dir().join("concierge-dense-no-such-dir");
    assert!(matches!(
        DenseEncoder::load(&missing),
        Err(DenseError::NotFound(_))
    ));
    assert!(
        DenseEncoder::load_if_present(&missing, &DenseOptions::default())
            .unwrap()
            .is_none()
    );
}

#[test]
fn broken_model_files_are_typed_errors() {
    let dir = tiny_model("broken");
    let load = || DenseEncoder::load_if_present(&dir.0, &DenseOptions::default());

    std::fs::remove_file(dir.0.join("model.safetensors")).unwrap();
    assert!(matches!(load(), Err(DenseError::Io { .. })), "{:?}", load());

    std::fs::write(dir.0.join("model.safetensors"), b"not safetensors").unwrap();
    assert!(
        matches!(load(), Err(DenseError::Invalid { .. })),
        "{:?}",
        load()
    );

    // Valid safetensors without the BERT's tensors.
    let mut partial = tiny_weights();
    partial.retain(|name, _| name.starts_with("embeddings."));
    candle_core::safetensors::save(&partial, dir.0.join("model.safetensors")).unwrap();
    assert!(
        matches!(load(), Err(DenseError::Invalid { .. })),
        "{:?}",
        load()
    );

    std::fs::write(dir.0.join("tokenizer.json"), b"{\"version\": ").unwrap();
    assert!(
        matches!(load(), Err(DenseError::Invalid { .. })),
        "{:?}",
        load()
    );

    std::fs::write(dir.0.join("config.json"), b"{\"hidden_size\": \"many\"}").unwrap();
    let err = load().unwrap_err();
    assert!(matches!(err, DenseError::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains("config.json"), "{err}");
}

#[test]
fn pooling_other_than_mean_is_refused() {
    let dir = tiny_model("cls-pooling");
    std::fs::write(
        dir.0.join("1_Pooling/config.json"),
        br#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#,
    )
    .unwrap();
    assert!(matches!(
        DenseEncoder::load(&dir.0),
        Err(DenseError::Unsupported(_))
    ));
}

// ---------------------------------------------------------------- the real model

/// The model `make models` fetched, loaded once; `None` (and a message) when absent.
fn minilm() -> Option<&'static DenseEncoder> {
    static MODEL: OnceLock<Option<DenseEncoder>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-minilm-l6-v2");
            let model = DenseEncoder::load_if_present(&dir, &DenseOptions::default()).unwrap();
            if model.is_none() {
                eprintln!(
                    "skipped: no dense model in {} (run `make models`)",
                    dir.display()
                );
            }
            model
        })
        .as_ref()
}

#[test]
fn minilm_vectors_have_384_dimensions_and_unit_norm() {
    let Some(model) = minilm() else { return };
    assert_eq!(model.dim(), 384);
    assert_eq!(model.max_tokens(), 256);
    let v = model
        .try_encode(&["I forgot my password"])
        .unwrap()
        .remove(0);
    assert_eq!(v.len(), 384);
    assert!((norm(&v) - 1.0).abs() < 1e-5);
}

#[test]
fn minilm_paraphrases_are_closer_than_unrelated_sentences() {
    let Some(model) = minilm() else { return };
    let v = model
        .try_encode(&[
            "I forgot my password",
            "I can't remember my password",
            "The invoice total is wrong",
        ])
        .unwrap();
    let paraphrase = cosine(&v[0], &v[1]);
    let unrelated = cosine(&v[0], &v[2]);
    assert!(paraphrase > 0.7, "paraphrase {paraphrase}");
    assert!(unrelated < 0.3, "unrelated {unrelated}");
    assert!(paraphrase > unrelated + 0.4);
}

#[test]
fn minilm_is_deterministic_and_batching_matches_one_by_one() {
    let Some(model) = minilm() else { return };
    let texts = [
        "Where is my order?",
        "I was charged twice for the same subscription and nobody answers my emails, this is unacceptable",
        "",
        "Bonjour, je voudrais annuler ma commande",
        "ok",
    ];
    let batch = model.try_encode(&texts).unwrap();
    assert_eq!(model.try_encode(&texts).unwrap(), batch, "deterministic");
    for (text, vector) in texts.iter().zip(&batch) {
        let single = model.try_encode(&[text]).unwrap().remove(0);
        let diff = max_abs_diff(&single, vector);
        assert!(diff < 1e-4, "{text:?}: batch differs by {diff}");
    }
}

#[derive(serde::Deserialize)]
struct Reference {
    cases: Vec<ReferenceCase>,
}

#[derive(serde::Deserialize)]
struct ReferenceCase {
    text: String,
    tokens: usize,
    embedding: Vec<f32>,
}

/// `tests/fixtures/minilm_reference.json` comes from an independent float64
/// NumPy implementation (`scripts/minilm_reference.py`), and its weather
/// sentences reproduce the similarities printed in the sentence-transformers
/// README for this model (0.6660, 0.1046, 0.1411).
#[test]
fn minilm_agrees_with_the_reference_embeddings() {
    let Some(model) = minilm() else { return };
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm_reference.json");
    let reference: Reference = serde_json::from_slice(&std::fs::read(fixture).unwrap()).unwrap();
    let texts: Vec<&str> = reference.cases.iter().map(|c| c.text.as_str()).collect();
    let ours = model.try_encode(&texts).unwrap();
    let mut worst = (1.0f32, 0.0f32);
    for (case, vector) in reference.cases.iter().zip(&ours) {
        assert!(case.tokens <= model.max_tokens());
        let agreement = cosine(&case.embedding, vector);
        let diff = max_abs_diff(&case.embedding, vector);
        worst = (worst.0.min(agreement), worst.1.max(diff));
        assert!(
            agreement >= 0.999,
            "{:?}: cosine {agreement} with the reference",
            case.text
        );
        assert!(diff < 1e-3, "{:?}: differs by {diff}", case.text);
    }
    eprintln!(
        "reference agreement: cosine >= {}, |difference| <= {}",
        worst.0, worst.1
    );
    let by_text = |t: &str| &ours[texts.iter().position(|x| *x == t).unwrap()];
    let lovely = by_text("The weather is lovely today.");
    let sunny = by_text("It's so sunny outside!");
    let stadium = by_text("He drove to the stadium.");
    for (got, published) in [
        (cosine(lovely, sunny), 0.6660),
        (cosine(lovely, stadium), 0.1046),
        (cosine(sunny, stadium), 0.1411),
    ] {
        assert!(
            (got - published).abs() < 1e-3,
            "similarity {got}, published {published}"
        );
    }
}

/// CPU time of the whole process so far (user + system), from
/// `/proc/self/stat` in clock ticks of 10 ms; `None` off Linux.
fn process_cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 * 10.0)
}

/// Release-build latency of one 30-word message (wall and CPU time) and
/// batch throughput, with candle's default threads and with one thread.
/// Wall times depend on what else the machine runs; CPU time less so.
#[test]
#[ignore = "measurement: run with --release --ignored --nocapture"]
fn dense_latency() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-minilm-l6-v2");
    let message = "Hi, I ordered a pair of running shoes last Tuesday and the tracking \
                   page still says label created, could you check where my parcel is \
                   and when it will arrive?";
    assert_eq!(message.split_whitespace().count(), 30);
    let batch: Vec<String> = (0..256)
        .map(|i| format!("{message} (ticket {i})"))
        .collect();
    let batch: Vec<&str> = batch.iter().map(String::as_str).collect();
    for threads in [None, Some(1)] {
        let options = DenseOptions {
            threads,
            ..DenseOptions::default()
        };
        let Some(model) = DenseEncoder::load_if_present(&dir, &options).unwrap() else {
            eprintln!("skipped: no dense model in {}", dir.display());
            return;
        };
        model.try_encode(&[message]).unwrap();
        let runs = 100;
        let cpu_start = process_cpu_ms();
        let mut times: Vec<f64> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                model.try_encode(&[message]).unwrap();
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        let cpu = process_cpu_ms()
            .zip(cpu_start)
            .map(|(end, start)| (end - start) / runs as f64);
        times.sort_by(f64::total_cmp);
        println!(
            "threads {threads:?}: one 30-word message: wall p10 {:.2} ms, p50 {:.2} ms, p90 {:.2} ms; \
             CPU {:.2} ms",
            times[runs / 10],
            times[runs / 2],
            times[runs * 9 / 10],
            cpu.unwrap_or(f64::NAN),
        );
        let start = Instant::now();
        model.try_encode(&batch).unwrap();
        let secs = start.elapsed().as_secs_f64();
        println!(
            "threads {threads:?}: batch of 256: {:.0} messages/s ({:.2} ms each)",
            256.0 / secs,
            secs * 1e3 / 256.0
        );
    }
}
