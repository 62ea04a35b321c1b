//! Chunk embeddings per tenant, searched exhaustively by cosine similarity.
//!
//! Vectors are unit length, so cosine is a dot product over a contiguous
//! row-major matrix. A search scans an int8 copy of the vectors (one scale
//! per row: a quarter of the memory traffic of f32, and integer
//! multiply-adds the compiler vectorises), keeps the best few times `limit`
//! rows, and re-scores those exactly in f32, so the order returned is the
//! exact cosine order. The figures are in `docs/PERFORMANCE.md`. Each tenant's
//! vectors are saved beside the text index so a restart does not re-encode
//! them; they can always be recomputed from the database.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use concierge_core::{KnowledgeId, OrgId};
use serde::{Deserialize, Serialize};

use crate::error::KnowledgeError;
use crate::index::Filters;

/// What a vector row needs to be filtered and fused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorMeta {
    /// [`chunk_key`](crate::index::chunk_key), as in the text index.
    pub key: u64,
    pub article: KnowledgeId,
    pub language: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    /// Seconds since the epoch (`i64::MAX`: never).
    pub expires: i64,
}

/// Rows kept from the int8 scan per row asked for, before the exact re-score.
const RESCORE_FACTOR: usize = 4;
/// ... and at least this many more than asked for.
const RESCORE_MIN_EXTRA: usize = 16;

#[derive(Debug, Default, Serialize, Deserialize)]
struct TenantVectors {
    dim: usize,
    encoder: String,
    meta: Vec<VectorMeta>,
    data: Vec<f32>,
    /// `data` quantised row by row (derived, not saved).
    #[serde(skip)]
    codes: Vec<i8>,
    /// Each row's quantisation scale: `data ≈ codes × scale`.
    #[serde(skip)]
    scales: Vec<f32>,
}

impl TenantVectors {
    fn push(&mut self, meta: VectorMeta, v: &[f32]) {
        self.meta.push(meta);
        self.data.extend_from_slice(v);
        self.scales.push(quantize_into(v, &mut self.codes));
    }

    /// Rebuilds the int8 rows from `data` (after loading).
    fn quantize_all(&mut self) {
        self.codes = Vec::with_capacity(self.data.len());
        self.scales = self
            .data
            .chunks_exact(self.dim.max(1))
            .map(|row| quantize_into(row, &mut self.codes))
            .collect();
    }

    fn remove_article(&mut self, article: KnowledgeId) {
        let dim = self.dim;
        let mut i = 0;
        while i < self.meta.len() {
            if self.meta[i].article == article {
                let last = self.meta.len() - 1;
                self.meta.swap_remove(i);
                self.scales.swap_remove(i);
                if i != last {
                    let (head, tail) = self.data.split_at_mut(last * dim);
                    head[i * dim..(i + 1) * dim].copy_from_slice(&tail[..dim]);
                    let (head, tail) = self.codes.split_at_mut(last * dim);
                    head[i * dim..(i + 1) * dim].copy_from_slice(&tail[..dim]);
                }
                self.data.truncate(last * dim);
                self.codes.truncate(last * dim);
            } else {
                i += 1;
            }
        }
    }
}

/// Appends `v` quantised to int8 (symmetric, one scale for the row) to
/// `codes` and returns the scale.
fn quantize_into(v: &[f32], codes: &mut Vec<i8>) -> f32 {
    let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    // |x / scale| ≤ 127, so the cast cannot saturate.
    #[allow(clippy::cast_possible_truncation)]
    codes.extend(v.iter().map(|x| (x / scale).round() as i8));
    scale
}

/// Every tenant's chunk vectors.
#[derive(Debug)]
pub struct VectorIndex {
    dim: usize,
    encoder: String,
    dir: Option<PathBuf>,
    tenants: RwLock<HashMap<OrgId, TenantVectors>>,
}

impl VectorIndex {
    /// An index of `dim`-dimensional vectors made by `encoder`, saved under
    /// `dir` (`None`: memory only). Saved vectors of another encoder or
    /// dimension are ignored.
    pub fn open(dir: Option<&Path>, dim: usize, encoder: &str) -> Self {
        Self {
            dim,
            encoder: encoder.to_owned(),
            dir: dir.map(Path::to_path_buf),
            tenants: RwLock::new(HashMap::new()),
        }
    }

    fn file(&self, org: OrgId) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("vectors-{}.bin", org.0.simple())))
    }

    /// Loads a tenant's saved vectors (if any) into memory.
    pub fn load(&self, org: OrgId) {
        let Some(path) = self.file(org) else { return };
        let Ok(bytes) = std::fs::read(&path) else {
            return;
        };
        match postcard::from_bytes::<TenantVectors>(&bytes) {
            Ok(mut t)
                if t.dim == self.dim
                    && t.encoder == self.encoder
                    && t.data.len() == t.meta.len() * t.dim =>
            {
                t.quantize_all();
                if let Ok(mut map) = self.tenants.write() {
                    map.insert(org, t);
                }
            }
            Ok(_) => {
                tracing::info!(path = %path.display(), "saved vectors are from another encoder; re-encoding")
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error.message = %e, "saved vectors unreadable; re-encoding")
            }
        }
    }

    /// Writes a tenant's vectors to disk (atomically).
    pub fn save(&self, org: OrgId) -> Result<(), KnowledgeError> {
        let Some(path) = self.file(org) else {
            return Ok(());
        };
        let bytes = {
            let map = self
                .tenants
                .read()
                .map_err(|_| KnowledgeError::invalid("vectors", "lock", "poisoned"))?;
            match map.get(&org) {
                Some(t) => postcard::to_allocvec(t)
                    .map_err(|e| KnowledgeError::invalid("vectors", "encode", e.to_string()))?,
                None => return Ok(()),
            }
        };
        let io = |source| KnowledgeError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let tmp = path.with_extension("bin.tmp");
        std::fs::write(&tmp, bytes).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    /// Chunk keys of `org` that already have a vector.
    pub fn chunk_keys(&self, org: OrgId) -> HashSet<u64> {
        self.tenants
            .read()
            .map(|m| {
                m.get(&org)
                    .map(|t| t.meta.iter().map(|m| m.key).collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }

    /// The vector of every chunk key of `org` in `keys` that has one.
    pub fn vectors_of(&self, org: OrgId, keys: &HashSet<u64>) -> HashMap<u64, Vec<f32>> {
        let Ok(map) = self.tenants.read() else {
            return HashMap::new();
        };
        let Some(t) = map.get(&org) else {
            return HashMap::new();
        };
        t.meta
            .iter()
            .zip(t.data.chunks_exact(t.dim.max(1)))
            .filter(|(m, _)| keys.contains(&m.key))
            .map(|(m, v)| (m.key, v.to_vec()))
            .collect()
    }

    /// Replaces an article's vectors. `rows` pairs each chunk's metadata with its vector.
    pub fn put_article(&self, org: OrgId, article: KnowledgeId, rows: Vec<(VectorMeta, Vec<f32>)>) {
        let Ok(mut map) = self.tenants.write() else {
            return;
        };
        let t = map.entry(org).or_insert_with(|| TenantVectors {
            dim: self.dim,
            encoder: self.encoder.clone(),
            ..TenantVectors::default()
        });
        t.remove_article(article);
        for (meta, v) in rows {
            if v.len() != self.dim {
                continue;
            }
            t.push(meta, &v);
        }
    }

    /// Drops an article's vectors.
    pub fn remove_article(&self, org: OrgId, article: KnowledgeId) {
        if let Ok(mut map) = self.tenants.write() {
            if let Some(t) = map.get_mut(&org) {
                t.remove_article(article);
            }
        }
    }

    /// Drops every vector of `org` except those of `keep`.
    pub fn retain_articles(&self, org: OrgId, keep: &HashSet<KnowledgeId>) {
        if let Ok(mut map) = self.tenants.write() {
            if let Some(t) = map.get_mut(&org) {
                let gone: HashSet<KnowledgeId> = t
                    .meta
                    .iter()
                    .map(|m| m.article)
                    .filter(|a| !keep.contains(a))
                    .collect();
                for a in gone {
                    t.remove_article(a);
                }
            }
        }
    }

    /// Number of vectors held for `org`.
    pub fn len(&self, org: OrgId) -> usize {
        self.tenants
            .read()
            .map(|m| m.get(&org).map_or(0, |t| t.meta.len()))
            .unwrap_or(0)
    }

    /// True when `org` has no vectors.
    pub fn is_empty(&self, org: OrgId) -> bool {
        self.len(org) == 0
    }

    /// The `limit` chunks of `org` most similar to `query` (a unit vector)
    /// that pass the filters: `(chunk key, article, similarity)`, best first.
    pub fn search(
        &self,
        org: OrgId,
        query: &[f32],
        filters: &Filters,
        limit: usize,
    ) -> Vec<(u64, KnowledgeId, f32)> {
        let Ok(map) = self.tenants.read() else {
            return Vec::new();
        };
        let Some(t) = map.get(&org) else {
            return Vec::new();
        };
        if query.len() != t.dim || limit == 0 {
            return Vec::new();
        }
        let mut q = Vec::with_capacity(t.dim);
        quantize_into(query, &mut q);
        // The int8 scan (scores up to the query's positive scale).
        let keep = (limit * RESCORE_FACTOR).max(limit + RESCORE_MIN_EXTRA);
        let mut dots = Vec::with_capacity(t.meta.len());
        pulp::Arch::new().dispatch(Scan {
            codes: &t.codes,
            query: &q,
            dim: t.dim,
            out: &mut dots,
        });
        let mut best: Vec<(f32, usize)> = Vec::with_capacity(keep + 1);
        for (i, &d) in dots.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let score = d as f32 * t.scales[i];
            if best.len() == keep && score <= best[keep - 1].0 {
                continue;
            }
            let m = &t.meta[i];
            if m.expires <= filters.now
                || filters.language.as_ref().is_some_and(|l| *l != m.language)
                || filters
                    .category
                    .as_ref()
                    .is_some_and(|c| m.category.as_ref() != Some(c))
                || (!filters.tags.is_empty()
                    && !m.tags.iter().any(|tag| filters.tags.contains(tag)))
            {
                continue;
            }
            let at = best.partition_point(|(s, _)| *s >= score);
            best.insert(at, (score, i));
            best.truncate(keep);
        }
        // The exact re-score of the survivors.
        for (score, i) in &mut best {
            *score = dot(&t.data[*i * t.dim..(*i + 1) * t.dim], query);
        }
        best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        best.truncate(limit);
        best.into_iter()
            .map(|(s, i)| (t.meta[i].key, t.meta[i].article, s))
            .collect()
    }
}

/// The int8 dot product of every row with the query, compiled for the best
/// instruction set the CPU offers (pulp picks AVX2 or better at run time;
/// the default x86-64 target would otherwise get SSE2).
struct Scan<'a> {
    codes: &'a [i8],
    query: &'a [i8],
    dim: usize,
    out: &'a mut Vec<i32>,
}

impl pulp::WithSimd for Scan<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        for row in self.codes.chunks_exact(self.dim.max(1)) {
            self.out.push(dot_i8(row, self.query));
        }
    }
}

#[inline(always)]
fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    // Sixteen independent lanes let the loop vectorise (i8 × i8 fits in
    // i16; the sums are i32: 384 × 127² is far from overflow).
    let mut acc = [0i32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..16 {
            acc[k] += i32::from(x[k]) * i32::from(y[k]);
        }
    }
    let mut sum: i32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        sum += i32::from(*x) * i32::from(*y);
    }
    sum
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent accumulators let the loop vectorise.
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        sum += x * y;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(chunk: u64, article: KnowledgeId, lang: &str) -> VectorMeta {
        VectorMeta {
            key: chunk,
            article,
            language: lang.into(),
            category: None,
            tags: vec![],
            expires: i64::MAX,
        }
    }

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn nearest_first_filtered_and_per_tenant() {
        let idx = VectorIndex::open(None, 3, "test");
        let (org, other) = (OrgId::new(), OrgId::new());
        let (a, b) = (KnowledgeId::new(), KnowledgeId::new());
        idx.put_article(
            org,
            a,
            vec![
                (meta(10, a, "en"), unit(&[1.0, 0.0, 0.0])),
                (meta(11, a, "en"), unit(&[0.7, 0.7, 0.0])),
            ],
        );
        idx.put_article(org, b, vec![(meta(20, b, "es"), unit(&[0.0, 1.0, 0.0]))]);
        idx.put_article(
            other,
            KnowledgeId::new(),
            vec![(meta(90, b, "en"), unit(&[1.0, 0.0, 0.0]))],
        );
        let f = Filters::default();
        let hits = idx.search(org, &unit(&[1.0, 0.1, 0.0]), &f, 10);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), [10, 11, 20]);
        let es = Filters {
            language: Some("es".into()),
            ..Filters::default()
        };
        assert_eq!(idx.search(org, &unit(&[1.0, 0.0, 0.0]), &es, 10).len(), 1);
        assert_eq!(idx.search(org, &unit(&[1.0, 0.0, 0.0]), &f, 1).len(), 1);

        idx.put_article(org, a, vec![(meta(12, a, "en"), unit(&[0.0, 0.0, 1.0]))]);
        assert_eq!(idx.len(org), 2);
        let hits = idx.search(org, &unit(&[0.0, 0.0, 1.0]), &f, 1);
        assert_eq!(hits[0].0, 12);
        assert!((hits[0].2 - 1.0).abs() < 1e-6);
        idx.remove_article(org, b);
        assert_eq!(idx.len(org), 1);
        assert_eq!(idx.len(other), 1);
    }

    #[test]
    fn saved_vectors_load_back_and_other_encoders_are_ignored() {
        let dir = std::env::temp_dir().join(format!("concierge-vectors-{}", uuid::Uuid::new_v4()));
        let org = OrgId::new();
        let a = KnowledgeId::new();
        let idx = VectorIndex::open(Some(&dir), 2, "enc");
        idx.put_article(org, a, vec![(meta(10, a, "en"), unit(&[1.0, 1.0]))]);
        idx.save(org).unwrap();
        let again = VectorIndex::open(Some(&dir), 2, "enc");
        again.load(org);
        assert_eq!(again.chunk_keys(org).into_iter().collect::<Vec<_>>(), [10]);
        let other = VectorIndex::open(Some(&dir), 2, "other-encoder");
        other.load(org);
        assert!(other.is_empty(org));
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Deterministic pseudo-random unit vectors.
    fn random_units(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        (0..n)
            .map(|_| unit(&(0..dim).map(|_| next()).collect::<Vec<_>>()))
            .collect()
    }

    fn exact_top(rows: &[(u64, Vec<f32>)], query: &[f32], limit: usize) -> Vec<u64> {
        let mut scored: Vec<(f32, u64)> = rows.iter().map(|(k, v)| (dot(v, query), *k)).collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().take(limit).map(|(_, k)| k).collect()
    }

    #[test]
    fn the_int8_scan_returns_the_exact_cosine_order() {
        let dim = 48;
        let dir = std::env::temp_dir().join(format!("concierge-vectors-{}", uuid::Uuid::new_v4()));
        let idx = VectorIndex::open(Some(&dir), dim, "enc");
        let org = OrgId::new();
        let articles: Vec<KnowledgeId> = (0..40).map(|_| KnowledgeId::new()).collect();
        let vectors = random_units(2_000, dim, 7);
        let mut rows: Vec<(u64, KnowledgeId, Vec<f32>)> = Vec::new();
        for (i, v) in vectors.into_iter().enumerate() {
            rows.push((i as u64, articles[i % articles.len()], v));
        }
        for &a in &articles {
            idx.put_article(
                org,
                a,
                rows.iter()
                    .filter(|r| r.1 == a)
                    .map(|r| (meta(r.0, a, "en"), r.2.clone()))
                    .collect(),
            );
        }
        // Drop some articles so the swap-removes move int8 rows too.
        for &a in articles.iter().step_by(7) {
            idx.remove_article(org, a);
        }
        rows.retain(|r| !articles.iter().step_by(7).any(|a| *a == r.1));
        let live: Vec<(u64, Vec<f32>)> = rows.iter().map(|r| (r.0, r.2.clone())).collect();
        idx.save(org).unwrap();
        let reloaded = VectorIndex::open(Some(&dir), dim, "enc");
        reloaded.load(org);
        let f = Filters::default();
        for query in random_units(50, dim, 99) {
            let want = exact_top(&live, &query, 10);
            for index in [&idx, &reloaded] {
                let got = index.search(org, &query, &f, 10);
                assert_eq!(got.iter().map(|h| h.0).collect::<Vec<_>>(), want);
                let exact = dot(&live.iter().find(|r| r.0 == got[0].0).unwrap().1, &query);
                assert!((got[0].2 - exact).abs() < 1e-6, "scores are exact");
            }
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn quantised_rows_approximate_the_vector() {
        let v = unit(&[0.3, -0.9, 0.05, 0.0, 0.41]);
        let mut codes = Vec::new();
        let scale = quantize_into(&v, &mut codes);
        assert_eq!(codes.iter().map(|c| c.unsigned_abs()).max(), Some(127));
        for (x, c) in v.iter().zip(&codes) {
            assert!((x - f32::from(*c) * scale).abs() <= scale / 2.0 + 1e-7);
        }
        let a: Vec<i8> = (0..37).map(|i| (i * 7 % 255 - 127) as i8).collect();
        let b: Vec<i8> = (0..37).map(|i| (127 - i * 5 % 255) as i8).collect();
        let naive: i32 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| i32::from(*x) * i32::from(*y))
            .sum();
        assert_eq!(dot_i8(&a, &b), naive);
        let mut zero = Vec::new();
        assert_eq!(quantize_into(&[0.0; 4], &mut zero), 1.0);
        assert_eq!(zero, [0; 4]);
    }

    #[test]
    fn dot_matches_naive() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 * 0.1).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-3);
    }
}
