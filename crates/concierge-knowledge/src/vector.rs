//! Chunk embeddings per tenant, searched exhaustively by cosine similarity.
//!
//! Vectors are unit length, so cosine is a dot product over a contiguous
//! row-major matrix (the compiler vectorises the loop). An exact scan of a
//! demo-sized base takes microseconds, and of 50,000 chunks a few
//! milliseconds; the figures are in `docs/PERFORMANCE.md`. Each tenant's
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

#[derive(Debug, Default, Serialize, Deserialize)]
struct TenantVectors {
    dim: usize,
    encoder: String,
    meta: Vec<VectorMeta>,
    data: Vec<f32>,
}

impl TenantVectors {
    fn remove_article(&mut self, article: KnowledgeId) {
        let mut i = 0;
        while i < self.meta.len() {
            if self.meta[i].article == article {
                let last = self.meta.len() - 1;
                self.meta.swap_remove(i);
                if i != last {
                    let (head, tail) = self.data.split_at_mut(last * self.dim);
                    head[i * self.dim..(i + 1) * self.dim].copy_from_slice(&tail[..self.dim]);
                }
                self.data.truncate(last * self.dim);
            } else {
                i += 1;
            }
        }
    }
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
            Ok(t)
                if t.dim == self.dim
                    && t.encoder == self.encoder
                    && t.data.len() == t.meta.len() * t.dim =>
            {
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
            t.meta.push(meta);
            t.data.extend_from_slice(&v);
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
        let mut best: Vec<(f32, usize)> = Vec::with_capacity(limit + 1);
        for (i, row) in t.data.chunks_exact(t.dim).enumerate() {
            let score = dot(row, query);
            if best.len() == limit && score <= best[limit - 1].0 {
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
            best.truncate(limit);
        }
        best.into_iter()
            .map(|(s, i)| (t.meta[i].key, t.meta[i].article, s))
            .collect()
    }
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

    #[test]
    fn dot_matches_naive() {
        let a: Vec<f32> = (0..19).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..19).map(|i| 1.0 - i as f32 * 0.1).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-3);
    }
}
