//! `concierge nlu …` as a user runs it: evaluation reports with the figures
//! they promise, a saved model that scores like the one evaluated in
//! process, held-out splits that round-trip through CSV, message analysis,
//! and errors that name the file or flag at fault.
//!
//! Every run trains on the small fixtures in `tests/fixtures/nlu` with
//! `--encoder none`, so the tests are fast in debug builds and do not depend
//! on the dense encoder's files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use concierge_nlu::data::{self, Dataset};
use serde_json::Value;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_concierge"));
    // Keep the developer's environment (CONCIERGE_MODELS_DIR …) out of the test.
    for (k, _) in std::env::vars() {
        if k.starts_with("CONCIERGE_") {
            c.env_remove(k);
        }
    }
    c
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/nlu")
        .join(name)
}

/// `concierge nlu <args>`.
fn nlu<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    bin().arg("nlu").args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a command that must succeed and returns its stdout.
fn ok<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = nlu(args);
    assert!(
        out.status.success(),
        "failed ({}):\n{}",
        out.status,
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Runs a command that must succeed with `--json` and parses its stdout.
fn ok_json<I, S>(args: I) -> Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let stdout = ok(args);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// Runs a command that must fail cleanly (an error message, no panic) and
/// returns its stderr.
fn fails<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = nlu(args);
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "succeeded:\n{}", text(&out.stdout));
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    stderr
}

fn num(report: &Value, key: &str) -> f64 {
    report[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing or not a number in {report:#}"))
}

fn share(report: &Value, key: &str) -> f64 {
    let v = num(report, key);
    assert!((0.0..=1.0).contains(&v), "{key} = {v}");
    v
}

/// The keys every evaluation report has, and their ranges.
fn check_report(report: &Value, n: u64) {
    assert_eq!(report["n"], n, "{report:#}");
    share(report, "accuracy");
    share(report, "macro_f1");
    assert!(num(report, "train_seconds") > 0.0);
    let (p50, p99) = (num(report, "p50_us"), num(report, "p99_us"));
    assert!(p50 > 0.0 && p50 <= p99, "p50 {p50} p99 {p99}");
    // --encoder none: the sparse feature families only.
    assert_eq!(
        report["encoders"],
        serde_json::json!(["tfidf-word-1-3", "tfidf-char-2-5"])
    );
}

const OOS_KEYS: [&str; 3] = ["in_scope_accuracy", "oos_recall", "oos_precision"];

fn str_path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Examples per label (`out_of_scope` for none).
fn counts(data: &Dataset) -> BTreeMap<String, usize> {
    data.counts()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

#[test]
fn eval_train_test_reports_accuracy_latency_and_encoders() {
    let report = ok_json([
        "eval",
        "--train",
        str_path(&fixture("banking_train.csv")),
        "--test",
        str_path(&fixture("banking_test.csv")),
        "--encoder",
        "none",
        "--json",
    ]);
    check_report(&report, 12);
    // Four lexically distinct intents: nearly everything right.
    assert!(share(&report, "accuracy") >= 0.8, "{report:#}");
    assert_eq!(report["n_train"], 32);
    assert_eq!(report["intents"], 4);
    // No out-of-scope examples in the test data: no out-of-scope figures.
    for key in OOS_KEYS {
        assert!(report.get(key).is_none(), "{key} in {report:#}");
    }
    assert!(report.get("holdout").is_none());
}

#[test]
fn eval_clinc_splits_reports_out_of_scope_figures() {
    let clinc = fixture("clinc_tiny.json");
    let report = ok_json([
        "eval",
        "--train",
        str_path(&clinc),
        "--train-split",
        "train",
        "--test",
        str_path(&clinc),
        "--test-split",
        "val",
        "--encoder",
        "none",
        "--threads",
        "1",
        "--json",
    ]);
    // val: 6 in scope + 2 out of scope; trained on train: 18 + 4.
    check_report(&report, 8);
    assert_eq!(report["n_train"], 22);
    assert_eq!(report["dataset"], "clinc_tiny:val");
    for key in OOS_KEYS {
        share(&report, key);
    }
    assert!(share(&report, "accuracy") >= 0.8, "{report:#}");

    // The text report shows the same figures.
    let stdout = ok([
        "eval",
        "--train",
        str_path(&clinc),
        "--test",
        str_path(&clinc),
        "--test-split",
        "test",
        "--encoder",
        "none",
    ]);
    for label in ["accuracy", "macro-F1", "oos recall", "oos precision", "p50"] {
        assert!(stdout.contains(label), "{label} missing:\n{stdout}");
    }
    assert!(stdout.contains("clinc_tiny:test (8 messages"), "{stdout}");
}

#[test]
fn eval_calibrates_the_threshold_for_a_target_out_of_scope_recall() {
    let clinc = fixture("clinc_tiny.json");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "--train",
            str_path(&clinc),
            "--train-split",
            "train",
            "--test",
            str_path(&clinc),
            "--test-split",
            "val",
            "--encoder",
            "none",
            "--threads",
            "1",
            "--json",
        ];
        args.extend_from_slice(extra);
        ok_json(args)
    };
    let weighted = run(&[]);
    assert!(
        weighted["calibration"]["oos_recall_target"].is_null(),
        "{weighted:#}"
    );
    // Four held-out out-of-scope examples: all of them must be rejected on
    // the folds, which takes a threshold above every one's confidence.
    let all = run(&["--oos-recall", "0.99"]);
    assert_eq!(all["calibration"]["oos_recall_target"], 0.99, "{all:#}");
    assert_eq!(share(&all["calibration"], "oos_recall"), 1.0, "{all:#}");
    let some = run(&["--oos-recall", "0.25"]);
    assert!(
        share(&some["calibration"], "oos_recall") >= 0.25,
        "{some:#}"
    );
    assert!(
        num(&some, "threshold") < num(&all, "threshold"),
        "{some:#}\n{all:#}"
    );

    // The text report says how the threshold was chosen.
    let stdout = ok([
        "eval",
        "--train",
        str_path(&clinc),
        "--test",
        str_path(&clinc),
        "--test-split",
        "val",
        "--encoder",
        "none",
        "--oos-recall",
        "0.5",
    ]);
    assert!(
        stdout.contains("chosen for out-of-scope recall 0.50"),
        "{stdout}"
    );
}

#[test]
fn eval_holdout_equals_split_files_then_eval() {
    let yaml = fixture("support.yaml");
    let holdout = ok_json([
        "eval",
        "--data",
        str_path(&yaml),
        "--holdout",
        "0.2",
        "--seed",
        "2024",
        "--encoder",
        "none",
        "--json",
    ]);
    // 2 of the 10 examples of each of 5 intents, 2 of the 10 out of scope.
    check_report(&holdout, 12);
    assert_eq!(holdout["n_train"], 48);
    assert_eq!(
        holdout["holdout"],
        serde_json::json!({"fraction": 0.2, "seed": 2024})
    );
    for key in OOS_KEYS {
        share(&holdout, key);
    }
    // Six labels with out of scope: far above chance even on this little data.
    assert!(share(&holdout, "accuracy") >= 0.5, "{holdout:#}");

    // The same split written to CSV and evaluated from the files scores the
    // same: nothing is lost on the way, out-of-scope examples included.
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    ok([
        "split",
        "--data",
        str_path(&yaml),
        "--fraction",
        "0.2",
        "--seed",
        "2024",
        "--train-out",
        str_path(&a),
        "--test-out",
        str_path(&b),
    ]);
    let files = ok_json([
        "eval",
        "--train",
        str_path(&a),
        "--test",
        str_path(&b),
        "--encoder",
        "none",
        "--json",
    ]);
    for key in [
        "accuracy",
        "macro_f1",
        "n",
        "n_train",
        "intents",
        "features",
        "threshold",
        "temperature",
        "in_scope_accuracy",
        "oos_recall",
        "oos_precision",
    ] {
        assert_eq!(holdout[key], files[key], "{key}");
    }
}

#[test]
fn split_is_stratified_disjoint_complete_and_repeatable() {
    let yaml = fixture("support.yaml");
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let split = |seed: &str, a: &Path, b: &Path| {
        ok_json([
            "split",
            "--data",
            str_path(&yaml),
            "--fraction",
            "0.3",
            "--seed",
            seed,
            "--train-out",
            str_path(a),
            "--test-out",
            str_path(b),
            "--json",
        ])
    };
    let summary = split("7", &path("a.csv"), &path("b.csv"));
    assert_eq!(summary["train"]["examples"], 42);
    assert_eq!(summary["test"]["examples"], 18);
    assert_eq!(summary["test"]["oos_examples"], 3);

    let input = data::load(&yaml, None).unwrap();
    let rest = data::load(path("a.csv"), None).unwrap();
    let held = data::load(path("b.csv"), None).unwrap();
    // Banking77 CSV, readable by other tools.
    let csv = std::fs::read_to_string(path("b.csv")).unwrap();
    assert!(csv.starts_with("text,category\n"), "{csv}");
    assert!(csv.contains(",out_of_scope\n"), "{csv}");

    // Stratified: round(0.3 × 10) = 3 of every intent and of out of scope.
    assert!(counts(&held).values().all(|&n| n == 3), "{held:?}");
    assert!(counts(&rest).values().all(|&n| n == 7), "{rest:?}");
    assert_eq!(counts(&held).len(), 6);
    assert_eq!(held.out_of_scope_len(), 3);

    // Disjoint, and together exactly the input (the fixture's texts are unique).
    let key = |d: &Dataset| {
        d.examples
            .iter()
            .map(|e| (e.text.clone(), e.intent.clone()))
            .collect::<Vec<_>>()
    };
    let mut union = key(&rest);
    union.extend(key(&held));
    assert!(key(&rest).iter().all(|e| !key(&held).contains(e)));
    let mut expected = key(&input);
    union.sort();
    expected.sort();
    assert_eq!(union, expected);

    // The same seed writes the same files; another seed another split.
    split("7", &path("c.csv"), &path("d.csv"));
    assert_eq!(
        std::fs::read(path("b.csv")).unwrap(),
        std::fs::read(path("d.csv")).unwrap()
    );
    split("8", &path("e.csv"), &path("f.csv"));
    assert_ne!(
        std::fs::read(path("b.csv")).unwrap(),
        std::fs::read(path("f.csv")).unwrap()
    );
}

#[test]
fn trained_model_file_scores_like_the_in_process_evaluation() {
    let dir = tempfile::tempdir().unwrap();
    let clinc = fixture("clinc_tiny.json");
    let cases: [(&Path, Option<&str>, &Path, Option<&str>); 2] = [
        (
            &fixture("banking_train.csv"),
            None,
            &fixture("banking_test.csv"),
            None,
        ),
        (&clinc, Some("train"), &clinc, Some("val")),
    ];
    for (i, (train, train_split, test, test_split)) in cases.into_iter().enumerate() {
        let model = dir.path().join(format!("{i}.model"));
        let mut args = vec!["train", "--data", str_path(train)];
        args.extend(train_split.iter().flat_map(|s| ["--split", *s]));
        args.extend(["--out", str_path(&model), "--encoder", "none", "--json"]);
        let summary = ok_json(&args);
        assert_eq!(summary["model"], str_path(&model));
        assert_eq!(
            summary["model_bytes"],
            std::fs::metadata(&model).unwrap().len()
        );
        share(&summary, "threshold");
        assert!(num(&summary, "train_seconds") > 0.0);
        assert_eq!(
            summary["encoders"],
            serde_json::json!(["tfidf-word-1-3", "tfidf-char-2-5"])
        );

        let mut args = vec![
            "eval",
            "--model",
            str_path(&model),
            "--test",
            str_path(test),
        ];
        args.extend(test_split.iter().flat_map(|s| ["--test-split", *s]));
        args.extend(["--encoder", "none", "--json"]);
        let saved = ok_json(&args);

        let mut args = vec!["eval", "--train", str_path(train)];
        args.extend(train_split.iter().flat_map(|s| ["--train-split", *s]));
        args.extend(["--test", str_path(test)]);
        args.extend(test_split.iter().flat_map(|s| ["--test-split", *s]));
        args.extend(["--encoder", "none", "--json"]);
        let in_process = ok_json(&args);

        for key in [
            "accuracy",
            "macro_f1",
            "n",
            "n_train",
            "intents",
            "features",
            "threshold",
            "in_scope_accuracy",
            "oos_recall",
            "oos_precision",
            "encoders",
        ] {
            assert_eq!(saved[key], in_process[key], "case {i}: {key}");
        }
        assert_eq!(saved["threshold"], summary["threshold"]);
        assert_eq!(saved["intents"], summary["intents"]);
    }
    let summary = ok_json([
        "train",
        "--data",
        str_path(&clinc),
        "--out",
        str_path(&dir.path().join("c.model")),
        "--encoder",
        "none",
        "--json",
    ]);
    assert_eq!(summary["intents"], 3);
    assert_eq!(summary["examples"], 18);
    assert_eq!(summary["oos_examples"], 4);
}

#[test]
fn analyze_with_the_built_in_model_finds_intent_entities_sentiment_language() {
    let analysis = ok_json([
        "analyze",
        "my email is a@b.co and I forgot my password, please send a reset link",
        "--json",
    ]);
    assert_eq!(analysis["intent"]["name"], "password_reset", "{analysis:#}");
    assert!(analysis["intent"]["confidence"].as_f64().is_some());
    let entities = analysis["entities"].as_array().unwrap();
    assert!(
        entities
            .iter()
            .any(|e| e["kind"] == "email" && e["text"] == "a@b.co"),
        "{entities:#?}"
    );
    assert_eq!(analysis["language"]["code"], "en");
    assert!(analysis["sentiment"]["label"].is_string());
    share(&analysis["sentiment"], "positive");
    assert!(analysis["emotions"]["frustration"].is_number());
    share(&analysis["toxicity"], "score");
}

#[test]
fn analyze_with_a_trained_model_and_a_language_hint() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("support.model");
    ok([
        "train",
        "--data",
        str_path(&fixture("support.yaml")),
        "--out",
        str_path(&model),
        "--encoder",
        "none",
    ]);
    let analysis = ok_json([
        "analyze",
        "where is my package, it has not arrived",
        "--model",
        str_path(&model),
        "--encoder",
        "none",
        "--json",
    ]);
    assert_eq!(analysis["intent"]["name"], "track_shipment", "{analysis:#}");

    // Too short to tell: the hint decides.
    let analysis = ok_json([
        "analyze",
        "ok",
        "--model",
        str_path(&model),
        "--language-hint",
        "es",
        "--json",
    ]);
    assert_eq!(analysis["language"]["code"], "es", "{analysis:#}");

    let stdout = ok([
        "analyze",
        "I want to cancel my subscription, write to ann@example.com",
        "--model",
        str_path(&model),
    ]);
    assert!(
        stdout.contains("intent     cancel_subscription"),
        "{stdout}"
    );
    assert!(stdout.contains("email \"ann@example.com\""), "{stdout}");
    assert!(stdout.contains("sentiment  "), "{stdout}");
}

#[test]
fn missing_unknown_and_malformed_data_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.yaml");
    let err = fails(["eval", "--data", str_path(&missing), "--encoder", "none"]);
    assert!(
        err.contains("cannot read") && err.contains("nope.yaml"),
        "{err}"
    );

    let err = fails([
        "train",
        "--data",
        str_path(&missing),
        "--out",
        str_path(&dir.path().join("m.model")),
    ]);
    assert!(err.contains("nope.yaml"), "{err}");
    assert!(!dir.path().join("m.model").exists());

    let txt = dir.path().join("data.txt");
    std::fs::write(&txt, "hello\n").unwrap();
    let err = fails(["eval", "--data", str_path(&txt), "--encoder", "none"]);
    assert!(err.contains("data.txt: cannot tell the format"), "{err}");

    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "text,category\nhello,greeting\nbye,\n").unwrap();
    let err = fails(["eval", "--data", str_path(&csv), "--encoder", "none"]);
    assert!(
        err.contains("bad.csv line 3 field category: empty category"),
        "{err}"
    );

    let yaml = dir.path().join("bad.yaml");
    std::fs::write(
        &yaml,
        "version: 1\nintents:\n  - name: greet\n    exmples: [hi]\n",
    )
    .unwrap();
    let err = fails([
        "train",
        "--data",
        str_path(&yaml),
        "--out",
        str_path(&dir.path().join("m.model")),
    ]);
    assert!(
        err.contains("bad.yaml line 4") && err.contains("exmples"),
        "{err}"
    );
}

#[test]
fn unknown_splits_are_refused_with_the_available_ones() {
    let clinc = fixture("clinc_tiny.json");
    let err = fails([
        "eval",
        "--data",
        str_path(&clinc),
        "--split",
        "bogus",
        "--encoder",
        "none",
    ]);
    assert!(
        err.contains("clinc_tiny.json: no split \"bogus\" (the file has test, train, val)"),
        "{err}"
    );
    let err = fails([
        "eval",
        "--train",
        str_path(&clinc),
        "--test",
        str_path(&clinc),
        "--test-split",
        "oos_val",
        "--encoder",
        "none",
    ]);
    assert!(err.contains("no split \"oos_val\""), "{err}");
    // Single-split formats take no split.
    let err = fails([
        "eval",
        "--data",
        str_path(&fixture("support.yaml")),
        "--split",
        "val",
        "--encoder",
        "none",
    ]);
    assert!(err.contains("support.yaml: no split \"val\""), "{err}");
}

#[test]
fn corrupt_and_missing_model_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let test = fixture("banking_test.csv");

    let junk = dir.path().join("junk.model");
    std::fs::write(&junk, "not a model at all").unwrap();
    let err = fails([
        "eval",
        "--model",
        str_path(&junk),
        "--test",
        str_path(&test),
    ]);
    assert!(
        err.contains("junk.model") && err.contains("not a Concierge intent model"),
        "{err}"
    );
    let err = fails(["analyze", "hello", "--model", str_path(&junk)]);
    assert!(err.contains("junk.model"), "{err}");

    // A real model cut short: the header is right, the body is not.
    let model = dir.path().join("good.model");
    ok([
        "train",
        "--data",
        str_path(&fixture("banking_train.csv")),
        "--out",
        str_path(&model),
        "--encoder",
        "none",
    ]);
    let bytes = std::fs::read(&model).unwrap();
    let truncated = dir.path().join("truncated.model");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = fails([
        "eval",
        "--model",
        str_path(&truncated),
        "--test",
        str_path(&test),
    ]);
    assert!(
        err.contains("truncated.model") && err.contains("corrupt model"),
        "{err}"
    );

    let err = fails([
        "eval",
        "--model",
        str_path(&dir.path().join("absent.model")),
        "--test",
        str_path(&test),
    ]);
    assert!(err.contains("absent.model"), "{err}");
}

#[test]
fn bad_flags_are_refused_before_any_work() {
    let yaml = fixture("support.yaml");
    let dir = tempfile::tempdir().unwrap();

    // clap's usage errors: exit code 2, naming the flag.
    for (args, flag) in [
        (
            vec!["eval", "--data", str_path(&yaml), "--holdout", "1.5"],
            "--holdout",
        ),
        (
            vec!["eval", "--data", str_path(&yaml), "--holdout", "0"],
            "--holdout",
        ),
        (vec!["eval", "--train", str_path(&yaml)], "--test"),
        (
            vec!["eval", "--data", str_path(&yaml), "--test", str_path(&yaml)],
            "--test",
        ),
        (
            vec!["eval", "--data", str_path(&yaml), "--encoder", "bert"],
            "--encoder",
        ),
        (vec!["eval"], "--train"),
        (
            vec!["eval", "--data", str_path(&yaml), "--oos-recall", "1.5"],
            "--oos-recall",
        ),
    ] {
        let out = nlu(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(flag), "{args:?}: {stderr}");
    }

    // The dense encoder was asked for and is not there: the directory is named.
    let err = fails([
        "eval",
        "--data",
        str_path(&yaml),
        "--encoder",
        "minilm",
        "--models-dir",
        str_path(&dir.path().join("no-models")),
    ]);
    assert!(err.contains("dense"), "{err}");

    // split: outputs must be distinct CSV files, not the input.
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    let err = fails([
        "split",
        "--data",
        str_path(&yaml),
        "--train-out",
        str_path(&a),
        "--test-out",
        str_path(&a),
    ]);
    assert!(err.contains("same file"), "{err}");
    let err = fails([
        "split",
        "--data",
        str_path(&yaml),
        "--train-out",
        str_path(&dir.path().join("a.txt")),
        "--test-out",
        str_path(&b),
    ]);
    assert!(err.contains("--train-out") && err.contains(".csv"), "{err}");
    // Three examples per intent: 10% of each rounds to none.
    let err = fails([
        "split",
        "--data",
        str_path(&fixture("banking_test.csv")),
        "--fraction",
        "0.1",
        "--train-out",
        str_path(&a),
        "--test-out",
        str_path(&b),
    ]);
    assert!(err.contains("selects no examples"), "{err}");
    assert!(!a.exists() && !b.exists());
}
