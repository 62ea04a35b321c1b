//! Turning decision scores into meaningful confidences, and choosing the
//! out-of-scope threshold, from held-out (out-of-fold) predictions.
//!
//! - **Temperature.** Confidences are `softmax(scores / T)`; `T` minimises
//!   the negative log-likelihood of the true intents of held-out in-scope
//!   examples (Guo et al., 2017), found by golden-section search on `ln T`.
//! - **Threshold.** A message is out of scope when its best in-scope
//!   confidence is below `t` (or when an explicit out-of-scope class wins).
//!   `t` maximises `in-scope accuracy(t) + weight × out-of-scope recall(t)`
//!   over the held-out examples — in-scope accuracy counting a rejected
//!   in-scope message as wrong. Without out-of-scope examples there is
//!   nothing to balance and `t` is 0: every message gets an intent.
//! - **Threshold for a target recall.** Alternatively, `t` is the lowest
//!   threshold that rejects at least a given share of the held-out
//!   out-of-scope messages — an operating point chosen by out-of-scope
//!   recall, whatever the in-scope accuracy it costs.

/// Softmax of `scores / temperature`, into `out`.
pub(crate) fn softmax_into(scores: &[f32], temperature: f32, out: &mut Vec<f32>) {
    out.clear();
    let t = if temperature.is_finite() && temperature > 0.0 {
        temperature
    } else {
        1.0
    };
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        let n = scores.len().max(1) as f32;
        out.extend(scores.iter().map(|_| 1.0 / n));
        return;
    }
    let mut sum = 0.0;
    for &s in scores {
        let e = ((s - max) / t).exp();
        sum += e;
        out.push(e);
    }
    for p in out.iter_mut() {
        *p /= sum;
    }
}

/// Mean negative log-likelihood of `labels` under `softmax(scores / t)`.
fn nll(scores: &[Vec<f32>], labels: &[usize], t: f64) -> f64 {
    let mut total = 0.0;
    for (s, &y) in scores.iter().zip(labels) {
        let max = s.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
        let log_z = s
            .iter()
            .map(|&v| ((f64::from(v) - max) / t).exp())
            .sum::<f64>()
            .ln();
        let sy = s.get(y).copied().unwrap_or(f32::NEG_INFINITY) as f64;
        total += -((sy - max) / t - log_z);
    }
    total / scores.len().max(1) as f64
}

/// The temperature that best calibrates held-out `scores` against their
/// true classes; 1 when there is nothing to fit.
pub(crate) fn fit_temperature(scores: &[Vec<f32>], labels: &[usize]) -> f32 {
    if scores.is_empty() {
        return 1.0;
    }
    let (mut lo, mut hi) = ((0.005f64).ln(), (20.0f64).ln());
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    let f = |log_t: f64| nll(scores, labels, log_t.exp());
    let mut a = hi - phi * (hi - lo);
    let mut b = lo + phi * (hi - lo);
    let (mut fa, mut fb) = (f(a), f(b));
    for _ in 0..40 {
        if fa < fb {
            hi = b;
            b = a;
            fb = fa;
            a = hi - phi * (hi - lo);
            fa = f(a);
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + phi * (hi - lo);
            fb = f(b);
        }
    }
    (((lo + hi) / 2.0).exp()) as f32
}

/// One held-out in-scope prediction: the best in-scope confidence (0 when
/// the out-of-scope class won) and whether that intent was right.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InScope {
    pub(crate) confidence: f32,
    pub(crate) correct: bool,
}

/// The threshold maximising in-scope accuracy + `weight` × out-of-scope
/// recall; `oos` holds held-out out-of-scope messages' best in-scope
/// confidences. Returns 0 when `oos` is empty.
pub(crate) fn choose_threshold(in_scope: &[InScope], oos: &[f32], weight: f64) -> f32 {
    if oos.is_empty() || in_scope.is_empty() {
        return 0.0;
    }
    // Sweep the candidate thresholds upwards: raising t past a confidence
    // rejects that message.
    let mut events: Vec<(f32, f64)> = Vec::with_capacity(in_scope.len() + oos.len());
    let n_in = in_scope.len() as f64;
    let n_oos = oos.len() as f64;
    // Confidences below 0 mark messages the out-of-scope class took: they
    // are rejected at any threshold.
    for p in in_scope {
        if p.correct && p.confidence >= 0.0 {
            events.push((p.confidence, -1.0 / n_in));
        }
    }
    for &c in oos.iter().filter(|&&c| c >= 0.0) {
        events.push((c, weight / n_oos));
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    // At t = 0 every message is accepted (except those the out-of-scope
    // class already took, which count either way).
    let mut gain = 0.0;
    let (mut best_gain, mut best_t) = (0.0, 0.0f32);
    let mut i = 0;
    while i < events.len() {
        let c = events[i].0;
        while i < events.len() && events[i].0 == c {
            gain += events[i].1;
            i += 1;
        }
        if gain > best_gain + 1e-12 {
            best_gain = gain;
            // Midway to the next confidence, so both sides keep a margin.
            let next = events.get(i).map_or(c, |e| e.0);
            best_t = (c + next) / 2.0;
            if i == events.len() {
                best_t = c + 1e-6;
            }
        }
    }
    best_t
}

/// The lowest threshold at which at least `target` (0..=1) of the held-out
/// out-of-scope messages, whose best in-scope confidences are `oos`, are
/// rejected (a message is rejected when its confidence is below the
/// threshold; negative confidences — the out-of-scope class won — always
/// are). Returns 0 when `oos` is empty or the target is already met at 0.
pub(crate) fn threshold_for_recall(oos: &[f32], target: f64) -> f32 {
    if oos.is_empty() {
        return 0.0;
    }
    let mut sorted: Vec<f32> = oos.iter().copied().filter(|c| c.is_finite()).collect();
    sorted.sort_by(f32::total_cmp);
    let n = oos.len();
    let needed = ((target.clamp(0.0, 1.0) * n as f64) - 1e-9).ceil().max(0.0) as usize;
    let Some(needed) = needed.checked_sub(1) else {
        return 0.0;
    };
    let Some(&last) = sorted.get(needed.min(sorted.len().saturating_sub(1))) else {
        return 0.0;
    };
    if last < 0.0 {
        return 0.0;
    }
    // Midway to the next confidence when there is a gap, so both sides keep
    // a margin; just above `last` otherwise (ties are all rejected).
    match sorted.get(needed + 1) {
        Some(&next) if next > last => (last + next) / 2.0,
        _ => last.next_up(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one() {
        let mut out = Vec::new();
        softmax_into(&[1.0, 2.0, 3.0], 0.5, &mut out);
        assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(out[2] > out[1] && out[1] > out[0]);
        softmax_into(&[], 1.0, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn temperature_sharpens_confident_scores() {
        // Margins of 0.5 that are always right: a low temperature fits.
        let scores = vec![vec![0.5, 0.0, 0.0]; 10];
        let labels = vec![0; 10];
        assert!(fit_temperature(&scores, &labels) < 0.1);
        // Always wrong: a high temperature (flat) fits.
        let labels = vec![1; 10];
        assert!(fit_temperature(&scores, &labels) > 1.0);
    }

    #[test]
    fn threshold_separates() {
        let in_scope: Vec<InScope> = [0.9, 0.8, 0.7, 0.6]
            .iter()
            .map(|&confidence| InScope {
                confidence,
                correct: true,
            })
            .collect();
        let t = choose_threshold(&in_scope, &[0.2, 0.3, 0.4], 1.0);
        assert!(t > 0.4 && t < 0.6, "{t}");
        assert_eq!(choose_threshold(&in_scope, &[], 1.0), 0.0);
    }

    fn recall(oos: &[f32], t: f32) -> f64 {
        oos.iter().filter(|&&c| c < t).count() as f64 / oos.len() as f64
    }

    #[test]
    fn threshold_for_recall_is_the_lowest_that_reaches_the_target() {
        let oos = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.4, 0.8, 0.6, 0.05];
        for target in [0.1, 0.3, 0.5, 0.85, 0.9, 1.0] {
            let t = threshold_for_recall(&oos, target);
            assert!(recall(&oos, t) >= target, "target {target}: t {t}");
            // Any lower threshold (the next confidence down) misses it.
            let below = oos
                .iter()
                .copied()
                .filter(|&c| c < t)
                .fold(0.0f32, f32::max);
            assert!(recall(&oos, below) < target, "target {target}: t {t}");
        }
        // 0.85 of ten needs nine rejected: between 0.8 and 0.9.
        let t = threshold_for_recall(&oos, 0.85);
        assert!((t - 0.85).abs() < 1e-6, "{t}");
        // Everything: just above the top.
        assert!(threshold_for_recall(&oos, 1.0) > 0.9);
        assert_eq!(threshold_for_recall(&oos, 0.0), 0.0);
        assert_eq!(threshold_for_recall(&[], 0.9), 0.0);
    }

    #[test]
    fn threshold_for_recall_counts_the_out_of_scope_class_and_ties() {
        // Six of ten already taken by the out-of-scope class (negative).
        let oos = [-1.0, -1.0, -1.0, -1.0, -1.0, -1.0, 0.5, 0.5, 0.5, 0.9];
        assert_eq!(threshold_for_recall(&oos, 0.6), 0.0);
        // 0.7 needs one of the tied 0.5s, so all three go.
        let t = threshold_for_recall(&oos, 0.7);
        assert!(t > 0.5 && t < 0.9, "{t}");
        assert!((recall(&oos, t) - 0.9).abs() < 1e-9);
    }
}
