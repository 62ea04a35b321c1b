//! The intent classifier on small inline data, the shipped default model,
//! model files, the dense-encoder seam and the data loaders.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use concierge_nlu::data::{self, parse_intents_yaml, DataError, Dataset, Risk};
use concierge_nlu::eval::{evaluate_holdout, EvalOptions};
use concierge_nlu::intent::default_data::{default_cache_path, default_dataset};
use concierge_nlu::intent::{Encoder, IntentModel, ModelError, TrainOptions};

const SMALL: &str = r#"
version: 1
name: tiny
language: en
intents:
  - name: password_reset
    description: Forgot or expired password
    examples:
      - I forgot my password
      - reset my password please
      - my password expired
      - send me a password reset link
      - cannot remember my password
      - how do I change my password
  - name: refund
    escalate: true
    risk: high
    examples:
      - I want a refund
      - please refund my last invoice
      - you charged me twice, give my money back
      - refund the duplicate payment
      - I need my money back for this month
      - can I get a refund on my subscription
  - name: add_user
    examples:
      - how do I add a new user
      - create a user account for my colleague
      - add a user to our org
      - we hired someone, how do I give them a login
      - set up a new user
      - invite a teammate to salesforce
out_of_scope:
  - what's the weather tomorrow
  - tell me a joke
  - who won the football game
  - recommend a good pizza place
  - what is the capital of france
  - play some music
"#;

fn small() -> Dataset {
    parse_intents_yaml(SMALL, Path::new("tiny.yaml")).unwrap()
}

#[test]
fn loads_an_intents_file_with_metadata() {
    let data = small();
    assert_eq!(data.name, "tiny");
    assert_eq!(data.language.as_deref(), Some("en"));
    assert_eq!(data.intents.len(), 3);
    assert!(data.intents[1].escalate);
    assert_eq!(data.intents[1].risk, Risk::High);
    assert_eq!(data.intents[0].risk, Risk::Low);
    assert_eq!(data.in_scope_len(), 18);
    assert_eq!(data.out_of_scope_len(), 6);
}

#[test]
fn classifies_small_data_with_calibrated_confidence() {
    let model = IntentModel::train(&small(), &TrainOptions::default()).unwrap();
    let intent = model.classify("I forgot my password again");
    assert_eq!(intent.name, "password_reset");
    assert!(!intent.out_of_scope);
    assert!(intent.confidence > 0.0 && intent.confidence <= 1.0);
    assert!(!intent.alternatives.is_empty());
    assert!(intent
        .alternatives
        .windows(2)
        .all(|w| w[0].confidence >= w[1].confidence));
    assert_eq!(model.classify("refund my payment").name, "refund");
    assert_eq!(model.intent("refund").map(|i| i.escalate), Some(true));
    assert_eq!(model.encoders(), ["tfidf-word-1-3", "tfidf-char-2-5"]);
    for text in ["", "   ", "\u{0}\u{1}\u{fffd}", "🙂🙂🙂", "密码忘了"] {
        let intent = model.classify(text);
        assert!(
            (0.0..=1.0).contains(&intent.confidence),
            "{text:?}: {intent:?}"
        );
    }
}

#[test]
fn out_of_scope_is_detected_without_an_explicit_class() {
    // Six out-of-scope examples are fewer than `min_oos_examples`: they only
    // calibrate the threshold.
    let model = IntentModel::train(&small(), &TrainOptions::default()).unwrap();
    assert!(model.threshold() > 0.0);
    let intent = model.classify("");
    assert!(intent.out_of_scope);
    assert_eq!(intent.name, "out_of_scope");
}

#[test]
fn without_out_of_scope_examples_every_message_gets_an_intent() {
    let mut data = small();
    data.examples.retain(|e| e.intent.is_some());
    let model = IntentModel::train(&data, &TrainOptions::default()).unwrap();
    assert_eq!(model.threshold(), 0.0);
    assert!(!model.classify("what's the weather tomorrow").out_of_scope);
}

#[test]
fn training_needs_in_scope_examples() {
    let mut data = small();
    data.examples.retain(|e| e.intent.is_none());
    assert!(matches!(
        IntentModel::train(&data, &TrainOptions::default()),
        Err(ModelError::NoExamples)
    ));
}

#[test]
fn model_files_round_trip_and_refuse_damage() {
    let model = IntentModel::train(&small(), &TrainOptions::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("concierge-nlu-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tiny.model");
    model.save(&path).unwrap();
    let loaded = IntentModel::load(&path).unwrap();
    for text in [
        "I forgot my password",
        "refund please",
        "add a user",
        "pizza?",
    ] {
        assert_eq!(loaded.classify(text), model.classify(text), "{text}");
    }
    assert_eq!(loaded.threshold(), model.threshold());

    let bytes = model.to_bytes().unwrap();
    assert!(matches!(
        IntentModel::from_bytes(b"not a model"),
        Err(ModelError::NotAModel)
    ));
    let mut newer = bytes.clone();
    newer[8] = 99;
    assert!(matches!(
        IntentModel::from_bytes(&newer),
        Err(ModelError::Version { found: 99, .. })
    ));
    for cut in [13, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            IntentModel::from_bytes(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    assert!(matches!(
        IntentModel::load(dir.join("missing.model")),
        Err(ModelError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A stand-in dense encoder: hashed bag of words.
#[derive(Debug)]
struct BagOfWords;

impl Encoder for BagOfWords {
    fn name(&self) -> &str {
        "test-bag-of-words-16"
    }

    fn dim(&self) -> usize {
        16
    }

    fn encode(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        texts
            .iter()
            .map(|t| {
                let mut v = vec![0.0; 16];
                for w in t.split_whitespace() {
                    let h = w
                        .bytes()
                        .fold(7usize, |h, b| h.wrapping_mul(31) + b as usize);
                    v[h % 16] += 1.0;
                }
                v
            })
            .collect()
    }
}

#[test]
fn a_dense_encoder_joins_the_sparse_features() {
    let encoder: Arc<dyn Encoder> = Arc::new(BagOfWords);
    let model =
        IntentModel::train_with_encoder(&small(), &TrainOptions::default(), Some(encoder.clone()))
            .unwrap();
    assert_eq!(
        model.encoders(),
        ["tfidf-word-1-3", "tfidf-char-2-5", "test-bag-of-words-16"]
    );
    assert_eq!(
        model.classify("I forgot my password").name,
        "password_reset"
    );
    let batch = model.classify_batch(&["I forgot my password", "refund please"]);
    assert_eq!(batch[1].name, "refund");

    let bytes = model.to_bytes().unwrap();
    assert!(matches!(
        IntentModel::from_bytes(&bytes),
        Err(ModelError::EncoderRequired { dim: 16, .. })
    ));
    let loaded = IntentModel::from_bytes_with_encoder(&bytes, Some(encoder)).unwrap();
    assert_eq!(loaded.classify("add a user"), model.classify("add a user"));
}

#[test]
fn the_default_model_trains_from_the_embedded_intents() {
    let data = default_dataset().unwrap();
    assert!(data.intents.len() >= 20, "{}", data.intents.len());
    let started = Instant::now();
    let model = IntentModel::train_default().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!("train_default: {seconds:.3}s");
    // About half a second in a release build on an idle core (debug builds
    // are ~10× slower); the limit leaves room for a busy machine.
    let limit = if cfg!(debug_assertions) { 30.0 } else { 3.0 };
    assert!(seconds < limit, "trained in {seconds:.2}s");
    assert_eq!(
        model.classify("I forgot my password").name,
        "password_reset"
    );
    let weather = model.classify("what's the weather tomorrow in Paris");
    assert!(weather.out_of_scope, "{weather:?}");
}

/// The commonest turns in the widget's other languages, none of them a
/// training example: the default model reads them, and what is not a
/// support request stays out of scope.
#[test]
fn the_default_model_reads_the_commonest_turns_in_spanish_french_and_german() {
    let data = default_dataset().unwrap();
    let model = IntentModel::train_default().unwrap();
    let cases = [
        ("Buenas noches", "greeting"),
        ("Bonjour madame", "greeting"),
        ("Hallo, guten Abend", "greeting"),
        (
            "Quiero hablar con un agente humano, por favor",
            "speak_to_human",
        ),
        ("Je veux parler à un humain", "speak_to_human"),
        (
            "Ich möchte bitte mit einem echten Menschen reden",
            "speak_to_human",
        ),
        ("Olvidé mi contraseña y no puedo entrar", "password_reset"),
        ("J'ai oublié mon mot de passe Salesforce", "password_reset"),
        ("Ich habe mein Passwort vergessen", "password_reset"),
        ("Muchas gracias por todo", "thanks"),
        ("Merci, c'est parfait", "thanks"),
        ("Vielen Dank für Ihre Hilfe", "thanks"),
    ];
    let trained = |text: &str| {
        data.examples
            .iter()
            .any(|e| e.text.to_lowercase() == text.to_lowercase())
    };
    let mut wrong = Vec::new();
    for (text, want) in cases {
        assert!(!trained(text), "{text:?} is a training example");
        let got = model.classify(text);
        if got.out_of_scope || got.name != want {
            wrong.push(format!(
                "{text:?}: {} ({:.2}), want {want}",
                got.name, got.confidence
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    for text in [
        "¿qué tiempo hace hoy en Sevilla?",
        "raconte-moi une histoire drôle",
        "Wie spät ist es in Tokio?",
    ] {
        let got = model.classify(text);
        assert!(got.out_of_scope, "{text:?}: {got:?}");
    }
}

#[test]
fn the_default_intents_hold_out_well() {
    let data = default_dataset().unwrap();
    let report = evaluate_holdout(&data, 0.2, 2024, &EvalOptions::default()).unwrap();
    println!("{}", serde_json::to_string(&report).unwrap());
    // Measured (sparse-only, seed 2024, out-of-scope weight 0.25): accuracy
    // 0.682, in-scope accuracy 0.685, out-of-scope recall 0.649 — 64
    // confusable intents with ~27 examples each; the dense encoder is what
    // lifts this (0.77 accuracy, `dense_eval_default_intents`).
    assert!(report.accuracy >= 0.64, "{report:?}");
    assert!(report.in_scope_accuracy.unwrap() >= 0.64, "{report:?}");
    assert!(report.oos_recall.unwrap() >= 0.55, "{report:?}");
}

#[test]
fn a_target_out_of_scope_recall_sets_the_threshold_on_held_out_folds() {
    let data = default_dataset().unwrap();
    assert!(data.out_of_scope_len() >= 40, "{}", data.out_of_scope_len());
    let train = |target: Option<f64>| {
        let options = TrainOptions {
            oos_recall_target: target,
            ..TrainOptions::default()
        };
        IntentModel::train(&data, &options).unwrap()
    };
    let weighted = train(None);
    let mut thresholds = Vec::new();
    for target in [0.5, 0.8, 0.95] {
        let model = train(Some(target));
        let calibration = model.info().calibration.clone().unwrap();
        assert_eq!(calibration.oos_recall_target, Some(target));
        // The held-out folds reach the target, and the threshold is the
        // lowest that does: the folds' recall is within one example of it
        // (unless the out-of-scope class alone already does better).
        let recall = calibration.oos_recall.unwrap();
        let step = 1.0 / data.out_of_scope_len() as f64;
        assert!(recall >= target, "{target}: {calibration:?}");
        assert!(
            recall < target + step + 1e-9 || model.threshold() == 0.0,
            "{target}: {calibration:?}"
        );
        thresholds.push(model.threshold());
    }
    // A higher recall costs a higher threshold (and never in-scope accuracy
    // for free).
    assert!(
        thresholds.windows(2).all(|w| w[0] <= w[1]) && thresholds[0] < thresholds[2],
        "{thresholds:?}"
    );
    assert_eq!(
        weighted
            .info()
            .calibration
            .as_ref()
            .unwrap()
            .oos_recall_target,
        None
    );
    // The model file keeps the rule it was calibrated by.
    let model = train(Some(0.8));
    let loaded = IntentModel::from_bytes(&model.to_bytes().unwrap()).unwrap();
    assert_eq!(loaded.threshold(), model.threshold());
    assert_eq!(loaded.info().options.oos_recall_target, Some(0.8));
}

#[test]
fn the_default_model_with_an_encoder_is_trained_once_and_cached() {
    let dir = std::env::temp_dir().join(format!("nlu-default-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let encoder: Arc<dyn Encoder> = Arc::new(BagOfWords);

    // Without an encoder: the sparse model, nothing written.
    let sparse = IntentModel::load_or_train_default(&dir, None).unwrap();
    assert!(!sparse
        .encoders()
        .iter()
        .any(|e| e == "test-bag-of-words-16"));
    assert!(!dir.exists());

    let path = default_cache_path(&dir, encoder.as_ref());
    let trained = IntentModel::load_or_train_default(&dir, Some(encoder.clone())).unwrap();
    assert!(trained
        .encoders()
        .iter()
        .any(|e| e == "test-bag-of-words-16"));
    assert!(std::fs::metadata(&path).unwrap().len() > 0);
    // Only the model itself: no temporary file left beside it.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    // The second call loads the same model from the cache: the recorded
    // training time, which a retraining would not reproduce, is the same.
    let loaded = IntentModel::load_or_train_default(&dir, Some(encoder.clone())).unwrap();
    assert_eq!(loaded.info(), trained.info());
    for text in ["I forgot my password", "where is my invoice", "hello"] {
        assert_eq!(loaded.classify(text), trained.classify(text));
    }

    // A damaged cache is retrained over, not trusted.
    std::fs::write(&path, b"garbage").unwrap();
    let retrained = IntentModel::load_or_train_default(&dir, Some(encoder.clone())).unwrap();
    assert_ne!(retrained.info().seconds, trained.info().seconds);
    assert_eq!(
        retrained.classify("I forgot my password"),
        trained.classify("I forgot my password")
    );
    let reloaded = IntentModel::load_with_encoder(&path, Some(encoder)).unwrap();
    assert_eq!(reloaded.info(), retrained.info());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stratified_splits_are_deterministic_and_stratified() {
    let data = small();
    let (rest, held) = data.stratified_split(0.5, 9);
    assert_eq!(
        rest.examples.len() + held.examples.len(),
        data.examples.len()
    );
    for (intent, n) in held.counts() {
        assert_eq!(n, 3, "{intent}");
    }
    assert_eq!(data.stratified_split(0.5, 9).1, held);
    assert_ne!(data.stratified_split(0.5, 10).1, held);
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn loaders_read_every_format_and_name_the_problem() {
    let dir = std::env::temp_dir().join(format!("concierge-nlu-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let csv = write(
        &dir,
        "bank.csv",
        "text,category\n\"Hi, where is my card?\",card_arrival\nrefund please,refund\n",
    );
    let bank = data::load(&csv, None).unwrap();
    assert_eq!(bank.examples[0].text, "Hi, where is my card?");
    assert_eq!(bank.intents.len(), 2);
    let bad_csv = write(&dir, "bad.csv", "text,category\nok,a\n,b\n");
    match data::load(&bad_csv, None) {
        Err(DataError::Invalid { line, field, .. }) => {
            assert_eq!(line, Some(3));
            assert_eq!(field.as_deref(), Some("text"));
        }
        other => panic!("{other:?}"),
    }

    let clinc = write(
        &dir,
        "clinc.json",
        r#"{"train": [["hi", "greeting"], ["bye", "goodbye"]], "oos_train": [["weather", "oos"]],
            "val": [["hello", "greeting"]], "oos_val": [["rain", "oos"]]}"#,
    );
    let train = data::load(&clinc, Some("train")).unwrap();
    assert_eq!((train.in_scope_len(), train.out_of_scope_len()), (2, 1));
    let val = data::load(&clinc, Some("val")).unwrap();
    assert_eq!(val.examples.len(), 2);
    assert!(matches!(
        data::load(&clinc, Some("test")),
        Err(DataError::UnknownSplit { .. })
    ));

    let json = write(
        &dir,
        "intents.json",
        r#"{"version": 1, "intents": [{"name": "hello", "examples": ["hi"]}]}"#,
    );
    assert_eq!(data::load(&json, None).unwrap().intents[0].name, "hello");

    let bad_yaml = write(
        &dir,
        "bad.yaml",
        "version: 1\nintents:\n  - name: a\n    examples: [x]\n    colour: red\n",
    );
    match data::load(&bad_yaml, None) {
        Err(e @ DataError::Invalid { .. }) => {
            let message = e.to_string();
            assert!(message.contains("bad.yaml line"), "{message}");
            assert!(message.contains("colour"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let duplicate = write(
        &dir,
        "dup.yaml",
        "version: 1\nintents:\n  - name: a\n    examples: [x]\n  - name: a\n    examples: [y]\n",
    );
    match data::load(&duplicate, None) {
        Err(DataError::Invalid { field, .. }) => {
            assert_eq!(field.as_deref(), Some("intents[1].name"))
        }
        other => panic!("{other:?}"),
    }
    let version = write(&dir, "v2.yaml", "version: 2\nintents: []\n");
    assert!(data::load(&version, None)
        .unwrap_err()
        .to_string()
        .contains("version 2"));
    assert!(matches!(
        data::load(dir.join("x.txt"), None),
        Err(DataError::Io { .. })
    ));
    let txt = write(&dir, "x.txt", "hello");
    assert!(matches!(
        data::load(&txt, None),
        Err(DataError::UnknownFormat { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
