//! One-vs-rest linear classifiers trained by dual coordinate descent: the
//! L2-regularised squared-hinge (L2-loss) SVM of liblinear
//! (Hsieh et al., "A Dual Coordinate Descent Method for Large-scale Linear
//! SVM", ICML 2008), with its shrinking heuristic and a bias feature.
//!
//! Training writes the weights feature-major — each feature's row holds one
//! weight per class — so scoring a sparse vector touches one contiguous row
//! per active feature.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::features::SparseVec;
use super::SplitMix64;

/// Rows of sparse vectors (compressed sparse rows).
#[derive(Debug, Clone, Default)]
pub(crate) struct Csr {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

impl Csr {
    pub(crate) fn new() -> Self {
        Self {
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, v: &SparseVec) {
        self.indices.extend_from_slice(&v.indices);
        self.values.extend_from_slice(&v.values);
        self.indptr.push(self.indices.len());
    }

    pub(crate) fn rows(&self) -> usize {
        self.indptr.len() - 1
    }

    pub(crate) fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }
}

/// Solver settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SvmParams {
    /// Inverse regularisation strength.
    pub c: f64,
    /// Stop when the projected gradient's spread is below this (liblinear's
    /// default for the dual solvers is 0.1).
    pub eps: f64,
    /// Upper bound on passes over the data.
    pub max_iter: usize,
    /// Value of the constant bias feature (regularised like the others).
    pub bias: f64,
}

impl Default for SvmParams {
    fn default() -> Self {
        Self {
            c: 1.0,
            eps: 0.1,
            max_iter: 1000,
            bias: 1.0,
        }
    }
}

/// Class weights, feature-major: `weights[f * classes + k]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Linear {
    pub(crate) classes: usize,
    pub(crate) features: usize,
    pub(crate) weights: Vec<f32>,
    pub(crate) bias: Vec<f32>,
}

impl Linear {
    /// Decision scores of every class for `x`, into `scores`.
    pub(crate) fn scores_into(&self, x: &SparseVec, scores: &mut Vec<f32>) {
        scores.clear();
        scores.extend_from_slice(&self.bias);
        let k = self.classes;
        for (&f, &v) in x.indices.iter().zip(&x.values) {
            let f = f as usize;
            if let Some(row) = self.weights.get(f * k..(f + 1) * k) {
                for (s, w) in scores.iter_mut().zip(row) {
                    *s += v * w;
                }
            }
        }
    }
}

/// Trains one binary classifier per class on `threads` threads.
pub(crate) fn train_ovr(
    x: &Csr,
    features: usize,
    labels: &[u32],
    classes: usize,
    params: &SvmParams,
    seed: u64,
    threads: usize,
) -> Linear {
    let q: Vec<f64> = (0..x.rows())
        .map(|i| {
            let (_, v) = x.row(i);
            v.iter().map(|&a| f64::from(a) * f64::from(a)).sum::<f64>() + params.bias * params.bias
        })
        .collect();
    let out = Mutex::new(Linear {
        classes,
        features,
        weights: vec![0.0; features * classes],
        bias: vec![0.0; classes],
    });
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, classes.max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut w = vec![0.0f64; features];
                loop {
                    let class = next.fetch_add(1, Ordering::Relaxed);
                    if class >= classes {
                        break;
                    }
                    w.iter_mut().for_each(|v| *v = 0.0);
                    let b = solve(
                        x,
                        &q,
                        labels,
                        class as u32,
                        params,
                        seed ^ class as u64,
                        &mut w,
                    );
                    let mut out = match out.lock() {
                        Ok(guard) => guard,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                    for (f, &v) in w.iter().enumerate() {
                        out.weights[f * classes + class] = v as f32;
                    }
                    out.bias[class] = b as f32;
                }
            });
        }
    });
    match out.into_inner() {
        Ok(linear) => linear,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Dual coordinate descent for one class against the rest; fills `w` and
/// returns the bias weight.
fn solve(
    x: &Csr,
    q: &[f64],
    labels: &[u32],
    class: u32,
    params: &SvmParams,
    seed: u64,
    w: &mut [f64],
) -> f64 {
    let n = x.rows();
    let d = 0.5 / params.c;
    let y: Vec<f64> = labels
        .iter()
        .map(|&l| if l == class { 1.0 } else { -1.0 })
        .collect();
    let mut alpha = vec![0.0f64; n];
    let mut b = 0.0f64;
    let mut index: Vec<usize> = (0..n).collect();
    let mut active = n;
    let mut rng = SplitMix64::new(seed);
    // With the squared hinge alpha has no upper bound, so only the lower
    // bound shrinks (liblinear's PGmin_old never fires).
    let mut pg_max_old = f64::INFINITY;
    for _ in 0..params.max_iter {
        let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
        rng.shuffle(&mut index[..active]);
        let mut s = 0;
        while s < active {
            let i = index[s];
            let (idx, val) = x.row(i);
            let mut dot = b * params.bias;
            for (&f, &v) in idx.iter().zip(val) {
                dot += w[f as usize] * f64::from(v);
            }
            let g = y[i] * dot - 1.0 + d * alpha[i];
            let mut pg = 0.0;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active -= 1;
                    index.swap(s, active);
                    continue;
                }
                if g < 0.0 {
                    pg = g;
                }
            } else {
                pg = g;
            }
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / (q[i] + d)).max(0.0);
                let step = (alpha[i] - old) * y[i];
                for (&f, &v) in idx.iter().zip(val) {
                    w[f as usize] += step * f64::from(v);
                }
                b += step * params.bias;
            }
            s += 1;
        }
        if pg_max - pg_min <= params.eps {
            if active == n {
                break;
            }
            active = n;
            pg_max_old = f64::INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
    }
    b * params.bias
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vec(pairs: &[(u32, f32)]) -> SparseVec {
        SparseVec {
            indices: pairs.iter().map(|p| p.0).collect(),
            values: pairs.iter().map(|p| p.1).collect(),
        }
    }

    #[test]
    fn separates_three_classes() {
        let mut x = Csr::new();
        let mut labels = Vec::new();
        for k in 0..3u32 {
            for j in 0..5u32 {
                x.push(&vec(&[(k, 1.0), (3 + j, 0.3)]));
                labels.push(k);
            }
        }
        let model = train_ovr(&x, 8, &labels, 3, &SvmParams::default(), 7, 2);
        let mut scores = Vec::new();
        for k in 0..3u32 {
            model.scores_into(&vec(&[(k, 1.0)]), &mut scores);
            let best = (0..3).max_by(|&a, &b| scores[a].total_cmp(&scores[b]));
            assert_eq!(best, Some(k as usize), "{scores:?}");
        }
    }
}
