//! Hyper-parameter search on validation splits carved from TRAINING data
//! only (never the held-out evaluation data). Ignored by default; run with
//!
//! ```text
//! NLU_DATA=banking77 NLU_GRID='[{"svm":{"c":0.5}},{"svm":{"c":1.0}}]' \
//!   cargo test --release -p concierge-nlu --test it tuning -- --ignored --nocapture
//! ```
//!
//! `NLU_DATA` is `banking77` (its 80 % training part under the evaluation
//! split, itself split 80/20), `clinc150` (its `train` split, 80/20) or
//! `default` (the shipped intents, 80/20).
//! Each grid entry is a partial [`TrainOptions`] in JSON.

use concierge_nlu::data::Dataset;
use concierge_nlu::eval::{evaluate, evaluate_model, EvalOptions, EvalReport};
use concierge_nlu::intent::{IntentModel, TrainOptions};

use crate::datasets::{banking77, clinc150, EVAL_SEED, HOLDOUT};

#[test]
#[ignore = "hyper-parameter search; needs ../shared/data and a release build"]
fn tuning_grid_on_train_validation_split() {
    let which = std::env::var("NLU_DATA").unwrap_or_else(|_| "banking77".to_owned());
    let train = match which.as_str() {
        "banking77" => {
            let Some(data) = banking77() else { return };
            data.stratified_split(HOLDOUT, EVAL_SEED).0
        }
        "clinc150" => {
            let Some(data) = clinc150("train") else {
                return;
            };
            data
        }
        _ => concierge_nlu::intent::default_data::default_dataset().unwrap(),
    };
    // A different seed from the evaluation split's.
    let (fit, validation) = train.stratified_split(0.2, 7);
    // NLU_EXPORT=dir writes the two parts as CSV, to compare with other
    // toolkits on exactly the same split.
    if let Ok(dir) = std::env::var("NLU_EXPORT") {
        for (name, part) in [("fit", &fit), ("validation", &validation)] {
            let mut w = csv::Writer::from_path(format!("{dir}/{which}-{name}.csv")).unwrap();
            w.write_record(["text", "category"]).unwrap();
            for e in &part.examples {
                w.write_record([e.text.as_str(), e.intent.as_deref().unwrap_or("oos")])
                    .unwrap();
            }
        }
    }
    for (entry, options) in grid() {
        let report = evaluate(
            &fit,
            &validation,
            &EvalOptions {
                train: options,
                ..EvalOptions::default()
            },
        )
        .unwrap();
        line(&which, &entry, &report);
    }
}

/// `NLU_GRID`: a JSON list of partial [`TrainOptions`] (`[{}]`, the
/// defaults, when unset), each with the JSON it came from.
pub fn grid() -> Vec<(serde_json::Value, TrainOptions)> {
    let grid = std::env::var("NLU_GRID").unwrap_or_else(|_| "[{}]".to_owned());
    let grid: Vec<serde_json::Value> = serde_json::from_str(&grid).unwrap();
    grid.into_iter()
        .map(|entry| (entry.clone(), serde_json::from_value(entry).unwrap()))
        .collect()
}

/// One line of a grid's results.
pub fn line(which: &str, entry: &serde_json::Value, report: &EvalReport) {
    println!(
        "{which} {entry} acc={:.4} f1={:.4} in={:?} oos_rec={:?} oos_prec={:?} train={:.1}s feats={} T={:.3} t={:.3} p50={:.0}us p99={:.0}us bytes={}",
        report.accuracy,
        report.macro_f1,
        report.in_scope_accuracy,
        report.oos_recall,
        report.oos_precision,
        report.train_seconds,
        report.features,
        report.temperature,
        report.threshold,
        report.p50_us,
        report.p99_us,
        report.model_bytes,
    );
}

/// In-scope accuracy and out-of-scope recall of `model` on `data` at a
/// range of thresholds, one line each.
pub fn threshold_curve(model: &IntentModel, data: &Dataset) {
    let mut model = model.clone();
    let calibrated = model.threshold();
    for t in [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, calibrated] {
        model.set_threshold(t);
        let r = evaluate_model(&model, data).unwrap();
        println!(
            "threshold {t:.3}: in_scope_accuracy={:.4} oos_recall={:.4} oos_precision={:.4} accuracy={:.4}",
            r.in_scope_accuracy.unwrap_or(0.0),
            r.oos_recall.unwrap_or(0.0),
            r.oos_precision.unwrap_or(0.0),
            r.accuracy
        );
    }
}

#[test]
#[ignore = "threshold trade-off on a CLINC150 train/validation split; release build"]
fn tuning_threshold_curve_clinc150_train_split() {
    let Some(train) = clinc150("train") else {
        return;
    };
    let (fit, validation) = train.stratified_split(0.2, 7);
    let options: TrainOptions = match std::env::var("NLU_OPTIONS") {
        Ok(json) => serde_json::from_str(&json).unwrap(),
        Err(_) => TrainOptions::default(),
    };
    let model = IntentModel::train(&fit, &options).unwrap();
    println!("{:?}", model.info().calibration);
    threshold_curve(&model, &validation);
}

#[test]
#[ignore = "threshold trade-off on a split of the default intents; release build"]
fn tuning_threshold_curve_default_intents() {
    let data = concierge_nlu::intent::default_data::default_dataset().unwrap();
    let (fit, validation) = data.stratified_split(0.2, 7);
    let options: TrainOptions = match std::env::var("NLU_OPTIONS") {
        Ok(json) => serde_json::from_str(&json).unwrap(),
        Err(_) => TrainOptions::default(),
    };
    let model = IntentModel::train(&fit, &options).unwrap();
    println!("{:?}", model.info().calibration);
    threshold_curve(&model, &validation);
}
