//! Evaluation of the intent classifier: train on one data set, classify
//! another, and report accuracy, macro-F1, out-of-scope detection and
//! per-message latency as one serialisable [`EvalReport`].
//!
//! ```json
//! {"accuracy": 0.93, "macro_f1": 0.93, "n": 2001, "train_seconds": 4.1,
//!  "p50_us": 21.0, "p99_us": 48.0, "encoders": ["tfidf-word-1-3", "tfidf-char-2-5"], …}
//! ```
//!
//! `in_scope_accuracy`, `oos_recall` and `oos_precision` appear when the
//! evaluation data has out-of-scope examples (CLINC150 style). Out of scope
//! counts as one more label in `accuracy` and `macro_f1`; in
//! `in_scope_accuracy` an in-scope message judged out of scope is wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::data::{Dataset, OUT_OF_SCOPE};
use crate::intent::{CalibrationReport, Encoder, IntentModel, ModelError, TrainOptions};

/// How to evaluate.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    pub train: TrainOptions,
    /// A dense encoder to train and classify with (sparse-only without).
    pub encoder: Option<Arc<dyn Encoder>>,
}

/// The held-out split an evaluation used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Holdout {
    pub fraction: f64,
    pub seed: u64,
}

/// Evaluation results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Share of evaluation messages given the right label (out of scope
    /// included).
    pub accuracy: f64,
    /// Unweighted mean of per-label F1 over the labels present in the
    /// evaluation data or the predictions.
    pub macro_f1: f64,
    /// Evaluation messages.
    pub n: usize,
    pub train_seconds: f64,
    /// Median per-message classification latency, microseconds.
    pub p50_us: f64,
    /// 99th-percentile per-message classification latency, microseconds.
    pub p99_us: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_scope_accuracy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oos_recall: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oos_precision: Option<f64>,
    /// Feature families and encoders the model used.
    pub encoders: Vec<String>,
    /// Extras: what was trained on and what came out.
    pub dataset: String,
    pub n_train: usize,
    pub intents: usize,
    pub features: usize,
    pub temperature: f32,
    pub threshold: f32,
    /// What calibrating the threshold measured on held-out folds of the
    /// training data, and the out-of-scope recall it aimed at, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationReport>,
    pub model_bytes: usize,
    pub load_seconds: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout: Option<Holdout>,
}

/// Trains on `train`, evaluates on `test`.
pub fn evaluate(
    train: &Dataset,
    test: &Dataset,
    options: &EvalOptions,
) -> Result<EvalReport, ModelError> {
    let model = IntentModel::train_with_encoder(train, &options.train, options.encoder.clone())?;
    let mut report = evaluate_model(&model, test)?;
    report.n_train = train.examples.len();
    Ok(report)
}

/// Splits `data` (stratified, `fraction` held out, seeded), trains on the
/// rest and evaluates on the held-out part.
pub fn evaluate_holdout(
    data: &Dataset,
    fraction: f64,
    seed: u64,
    options: &EvalOptions,
) -> Result<EvalReport, ModelError> {
    let (train, test) = data.stratified_split(fraction, seed);
    let mut report = evaluate(&train, &test, options)?;
    report.holdout = Some(Holdout { fraction, seed });
    Ok(report)
}

/// Evaluates an already trained model on `test`.
pub fn evaluate_model(model: &IntentModel, test: &Dataset) -> Result<EvalReport, ModelError> {
    let mut latencies = Vec::with_capacity(test.examples.len());
    let mut predicted = Vec::with_capacity(test.examples.len());
    for example in &test.examples {
        let started = Instant::now();
        let intent = model.classify(&example.text);
        latencies.push(started.elapsed().as_secs_f64() * 1e6);
        predicted.push((!intent.out_of_scope).then_some(intent.name));
    }
    let gold: Vec<Option<&str>> = test.examples.iter().map(|e| e.intent.as_deref()).collect();
    let predicted: Vec<Option<&str>> = predicted.iter().map(Option::as_deref).collect();
    let scores = score(&gold, &predicted);

    let bytes = model.to_bytes()?;
    let started = Instant::now();
    drop(IntentModel::from_bytes_with_encoder(
        &bytes,
        model.encoder.clone(),
    )?);
    let load_seconds = started.elapsed().as_secs_f64();

    latencies.sort_by(f64::total_cmp);
    Ok(EvalReport {
        accuracy: scores.accuracy,
        macro_f1: scores.macro_f1,
        n: gold.len(),
        train_seconds: model.info().seconds,
        p50_us: percentile(&latencies, 0.50),
        p99_us: percentile(&latencies, 0.99),
        in_scope_accuracy: scores.in_scope_accuracy,
        oos_recall: scores.oos_recall,
        oos_precision: scores.oos_precision,
        encoders: model.encoders(),
        dataset: test.name.clone(),
        n_train: model.info().examples + model.info().oos_examples,
        intents: model.intents().len(),
        features: model.feature_count(),
        temperature: model.temperature(),
        threshold: model.threshold(),
        calibration: model.info().calibration.clone(),
        model_bytes: bytes.len(),
        load_seconds,
        holdout: None,
    })
}

/// Label-level scores of predictions against gold labels (`None`: out of
/// scope).
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub in_scope_accuracy: Option<f64>,
    pub oos_recall: Option<f64>,
    pub oos_precision: Option<f64>,
}

/// Scores `predicted` against `gold`. The out-of-scope figures are `Some`
/// when `gold` has out-of-scope examples.
pub fn score(gold: &[Option<&str>], predicted: &[Option<&str>]) -> Scores {
    let label = |l: Option<&str>| l.unwrap_or(OUT_OF_SCOPE).to_owned();
    let n = gold.len().min(predicted.len());
    let mut labels = BTreeSet::new();
    // label -> (true positives, gold count, predicted count)
    let mut counts: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut right = 0;
    for (&g, &p) in gold.iter().zip(predicted) {
        let (g, p) = (label(g), label(p));
        counts.entry(g.clone()).or_default().1 += 1;
        counts.entry(p.clone()).or_default().2 += 1;
        if g == p {
            right += 1;
            counts.entry(g.clone()).or_default().0 += 1;
        }
        labels.insert(g);
        labels.insert(p);
    }
    let f1: f64 = counts
        .values()
        .map(|&(tp, g, p)| {
            if g + p == 0 {
                0.0
            } else {
                2.0 * tp as f64 / (g + p) as f64
            }
        })
        .sum();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let in_scope = gold.iter().filter(|g| g.is_some()).count();
    let in_scope_right = gold
        .iter()
        .zip(predicted)
        .filter(|(g, p)| g.is_some() && g == p)
        .count();
    let oos = counts.get(OUT_OF_SCOPE).copied().unwrap_or_default();
    let has_oos = oos.1 > 0;
    Scores {
        accuracy: ratio(right, n),
        macro_f1: if labels.is_empty() {
            0.0
        } else {
            f1 / labels.len() as f64
        },
        in_scope_accuracy: has_oos.then(|| ratio(in_scope_right, in_scope)),
        oos_recall: has_oos.then(|| ratio(oos.0, oos.1)),
        oos_precision: has_oos.then(|| ratio(oos.0, oos.2)),
    }
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_with_out_of_scope() {
        let gold = [Some("a"), Some("a"), Some("b"), None];
        let predicted = [Some("a"), None, Some("b"), None];
        let s = score(&gold, &predicted);
        assert_eq!(s.accuracy, 0.75);
        assert_eq!(s.in_scope_accuracy, Some(2.0 / 3.0));
        assert_eq!(s.oos_recall, Some(1.0));
        assert_eq!(s.oos_precision, Some(0.5));
        // F1: a = 2/3, b = 1, oos = 2/3.
        assert!((s.macro_f1 - (2.0 / 3.0 + 1.0 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn no_out_of_scope_figures_without_out_of_scope_gold() {
        let s = score(&[Some("a")], &[Some("a")]);
        assert_eq!(s.accuracy, 1.0);
        assert_eq!(s.macro_f1, 1.0);
        assert_eq!(s.oos_recall, None);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
