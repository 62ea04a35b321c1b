//! The knowledge base: articles in the database, chunks in the search
//! indexes, and hybrid search over both indexes.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use concierge_core::knowledge::{Citation, Passage};
use concierge_core::model::KnowledgeEntry;
use concierge_core::{KnowledgeId, OrgId};
use concierge_nlu::intent::Encoder;
use concierge_store::{NewKnowledgeVersion, Store, UpsertOutcome, MAX_UPSERT_BATCH};
use serde::Serialize;

use crate::article::ArticleInput;
use crate::chunk::{chunk, Chunk, ChunkOptions};
use crate::error::KnowledgeError;
use crate::index::{article_key, chunk_key, Filters, SearchIndex};
use crate::vector::{VectorIndex, VectorMeta};

/// Reciprocal rank fusion constant (Cormack et al. 2009).
const RRF_K: f32 = 60.0;
/// Candidates taken from each index before fusion.
const CANDIDATES: usize = 40;
/// Longest accepted query, in bytes.
pub const MAX_QUERY_BYTES: usize = 2_000;
/// Most passages one search returns.
pub const MAX_LIMIT: usize = 50;

/// How to rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchMode {
    /// BM25 and vectors fused by reciprocal rank (BM25 alone when no encoder is configured).
    #[default]
    Hybrid,
    /// BM25 only.
    Lexical,
    /// Vectors only (empty when no encoder is configured).
    Dense,
}

/// One search.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    /// Only articles in this language.
    pub language: Option<String>,
    /// Rank passages in this language first among near ties (the customer's language).
    pub prefer_language: Option<String>,
    pub category: Option<String>,
    /// Only articles with at least one of these tags.
    pub tags: Vec<String>,
    /// Passages to return (1..=50; 0 means 5).
    pub limit: usize,
    /// Passages per article (0 means 1): one per article gives distinct citations.
    pub per_article: usize,
    pub mode: SearchMode,
    /// Expiry is judged at this instant (`None`: now).
    pub at: Option<DateTime<Utc>>,
    /// The lexical search reads the query with only these languages'
    /// analysers, so it matches only articles in them (the customer's
    /// language and the base language, when the caller knows them); empty:
    /// every indexed language. Dense search is not affected.
    pub read_as: Vec<String>,
}

/// What an ingestion did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub chunks: usize,
    /// Chunks embedded by the dense encoder.
    pub embedded: usize,
    /// True when another process (a running server) holds the index: the
    /// articles are stored and that process indexes them at its next sync.
    pub deferred: bool,
}

/// What a sync with the database did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub indexed: usize,
    pub removed: usize,
    pub unchanged: usize,
    pub embedded: usize,
}

/// Articles, their chunks, and search. Cheap to clone (shared state).
#[derive(Clone, Debug)]
pub struct KnowledgeBase {
    inner: Arc<Inner>,
}

impl std::ops::Deref for KnowledgeBase {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase")
            .field("index", &self.index)
            .field(
                "encoder",
                &self.encoder.as_ref().map(|e| e.name().to_owned()),
            )
            .finish_non_exhaustive()
    }
}

impl KnowledgeBase {
    /// Opens the indexes under `dir` (`None`: in memory). With an encoder,
    /// chunks also get vectors and search is hybrid.
    pub fn open(
        store: Store,
        dir: Option<&Path>,
        encoder: Option<Arc<dyn Encoder>>,
    ) -> Result<Self, KnowledgeError> {
        let index = SearchIndex::open(dir.map(|d| d.join("text")).as_deref())?;
        let vectors = encoder.as_ref().map(|e| {
            VectorIndex::open(dir.map(|d| d.join("vectors")).as_deref(), e.dim(), e.name())
        });
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                index,
                vectors,
                encoder,
                chunking: ChunkOptions::default(),
                write: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The dense encoder's name, if one is configured.
    pub fn encoder_name(&self) -> Option<&str> {
        self.encoder.as_ref().map(|e| e.name())
    }

    /// True when a search may take milliseconds of CPU (a model encodes the
    /// query): async callers should run it on a blocking thread. False with
    /// BM25 alone or a fast encoder (the static one), whose searches take
    /// well under a millisecond.
    pub fn search_is_slow(&self) -> bool {
        self.encoder.as_ref().is_some_and(|e| !e.is_fast())
    }

    /// The database the base reads and writes.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Stores articles (new versions only where content changed) and indexes them.
    /// Slugs must be unique within one call.
    pub async fn ingest(
        &self,
        org: OrgId,
        articles: &[ArticleInput],
    ) -> Result<IngestReport, KnowledgeError> {
        let mut seen = HashSet::new();
        for a in articles {
            a.validate(&a.slug)?;
            if !seen.insert(a.slug.as_str()) {
                return Err(KnowledgeError::invalid(
                    &a.slug,
                    "slug",
                    "appears twice in one ingestion",
                ));
            }
        }
        let _guard = self.write.lock().await;
        let mut report = IngestReport::default();
        let mut changed: Vec<KnowledgeEntry> = Vec::new();
        for batch in articles.chunks(MAX_UPSERT_BATCH) {
            let rows: Vec<NewKnowledgeVersion> = batch.iter().map(to_new_version).collect();
            let written = self.store.upsert_knowledge(org, &rows).await?;
            for ((id, version, outcome), a) in written.into_iter().zip(batch) {
                match outcome {
                    UpsertOutcome::Unchanged => {
                        report.unchanged += 1;
                        continue;
                    }
                    UpsertOutcome::Created => report.created += 1,
                    UpsertOutcome::Updated => report.updated += 1,
                }
                changed.push(to_entry(org, id, version, a));
            }
        }
        let (chunks, embedded) = match self.index_entries_blocking(org, changed).await {
            Ok(done) => done,
            Err(e) if e.is_index_locked() => {
                report.deferred = true;
                (0, 0)
            }
            Err(e) => return Err(e),
        };
        report.chunks = chunks;
        report.embedded = embedded;
        Ok(report)
    }

    /// [`Inner::index_entries`] on a blocking thread: chunking, indexing and
    /// (above all) encoding are CPU work that must not stall the runtime.
    async fn index_entries_blocking(
        &self,
        org: OrgId,
        entries: Vec<KnowledgeEntry>,
    ) -> Result<(usize, usize), KnowledgeError> {
        if entries.is_empty() {
            return Ok((0, 0));
        }
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.index_entries(org, &entries))
            .await
            .map_err(|e| KnowledgeError::invalid("index", "task", e.to_string()))?
    }
}

/// The shared state behind a [`KnowledgeBase`].
pub struct Inner {
    store: Store,
    index: SearchIndex,
    vectors: Option<VectorIndex>,
    encoder: Option<Arc<dyn Encoder>>,
    chunking: ChunkOptions,
    /// Serialises index writers (ingest / sync) so they do not interleave commits.
    write: tokio::sync::Mutex<()>,
}

impl Inner {
    /// Chunks, indexes and embeds `entries`, then commits.
    fn index_entries(
        &self,
        org: OrgId,
        entries: &[KnowledgeEntry],
    ) -> Result<(usize, usize), KnowledgeError> {
        let chunked: Vec<(&KnowledgeEntry, Vec<Chunk>)> = entries
            .iter()
            .map(|e| (e, chunk(&e.body, &self.chunking)))
            .collect();
        let mut total = 0;
        for (entry, chunks) in &chunked {
            self.index.put_article(entry, chunks)?;
            total += chunks.len();
        }
        let embedded = self.embed(org, &chunked);
        if !entries.is_empty() {
            self.index.commit()?;
            if let Some(v) = &self.vectors {
                v.save(org)?;
            }
        }
        Ok((total, embedded))
    }

    /// Gives every chunk without a vector one; returns how many were encoded.
    fn embed(&self, org: OrgId, chunked: &[(&KnowledgeEntry, Vec<Chunk>)]) -> usize {
        let (Some(vectors), Some(encoder)) = (&self.vectors, &self.encoder) else {
            return 0;
        };
        let have = vectors.chunk_keys(org);
        let mut texts: Vec<String> = Vec::new();
        let mut wanted: Vec<(usize, usize)> = Vec::new();
        for (ei, (entry, chunks)) in chunked.iter().enumerate() {
            for (ci, c) in chunks.iter().enumerate() {
                if !have.contains(&chunk_key(entry.id, entry.version, c.index)) {
                    texts.push(embedding_text(entry, c));
                    wanted.push((ei, ci));
                }
            }
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mut fresh: HashMap<u64, Vec<f32>> = HashMap::new();
        for ((ei, ci), v) in wanted.iter().zip(encoder.encode(&refs)) {
            let (entry, chunks) = &chunked[*ei];
            fresh.insert(chunk_key(entry.id, entry.version, chunks[*ci].index), v);
        }
        let old_keys: HashSet<u64> = chunked
            .iter()
            .flat_map(|(e, cs)| cs.iter().map(|c| chunk_key(e.id, e.version, c.index)))
            .filter(|k| have.contains(k))
            .collect();
        let mut kept = vectors.vectors_of(org, &old_keys);
        for (entry, chunks) in chunked {
            let rows = chunks
                .iter()
                .filter_map(|c| {
                    let key = chunk_key(entry.id, entry.version, c.index);
                    let v = fresh.remove(&key).or_else(|| kept.remove(&key))?;
                    Some((
                        VectorMeta {
                            key,
                            article: entry.id,
                            language: entry.language.clone(),
                            category: entry.category.clone(),
                            tags: entry.tags.clone(),
                            expires: entry.expires_at.map_or(i64::MAX, |t| t.timestamp()),
                        },
                        v,
                    ))
                })
                .collect();
            vectors.put_article(org, entry.id, rows);
        }
        refs.len()
    }
}

impl KnowledgeBase {
    /// Brings the indexes of `org` up to date with the database: articles
    /// whose current version is not indexed are (re)indexed, withdrawn ones
    /// removed. Run at start and after another node changed articles.
    pub async fn sync(&self, org: OrgId) -> Result<SyncReport, KnowledgeError> {
        match self.sync_inner(org).await {
            // Another process (a running server) owns the index and syncs it itself.
            Err(e) if e.is_index_locked() => Ok(SyncReport::default()),
            other => other,
        }
    }

    async fn sync_inner(&self, org: OrgId) -> Result<SyncReport, KnowledgeError> {
        let current = self.store.current_knowledge(org).await?;
        let _guard = self.write.lock().await;
        if let Some(v) = &self.vectors {
            if v.is_empty(org) {
                v.load(org);
            }
        }
        let indexed = self.index.indexed_versions(org)?;
        let keep: HashSet<KnowledgeId> = current.iter().map(|e| e.id).collect();
        let mut report = SyncReport::default();
        for id in indexed.keys().filter(|id| !keep.contains(id)) {
            self.index.remove_article(*id)?;
            report.removed += 1;
        }
        if let Some(v) = &self.vectors {
            v.retain_articles(org, &keep);
        }
        let stale: Vec<KnowledgeEntry> = current
            .iter()
            .filter(|e| {
                let fresh = indexed.get(&e.id) == Some(&e.version);
                if fresh {
                    report.unchanged += 1;
                }
                !fresh
            })
            .cloned()
            .collect();
        report.indexed = stale.len();
        let reindexed = !stale.is_empty();
        let (_, embedded) = match self.index_entries_blocking(org, stale).await {
            Ok(done) => done,
            // Another process owns the index and will sync it itself.
            Err(e) if e.is_index_locked() => return Ok(SyncReport::default()),
            Err(e) => return Err(e),
        };
        report.embedded = embedded;
        if report.removed > 0 && !reindexed {
            self.index.commit()?;
            if let Some(v) = &self.vectors {
                v.save(org)?;
            }
        }
        // Chunks of unchanged articles may still lack vectors (an encoder
        // added since they were indexed). Counting is cheap; re-chunking
        // every article is done only when the counts disagree.
        if let (Some(v), Some(_)) = (&self.vectors, &self.encoder) {
            if v.len(org) < self.index.count_chunks(org)? {
                let inner = self.inner.clone();
                report.embedded +=
                    tokio::task::spawn_blocking(move || -> Result<usize, KnowledgeError> {
                        let have = inner
                            .vectors
                            .as_ref()
                            .map(|v| v.chunk_keys(org))
                            .unwrap_or_default();
                        let chunked: Vec<(&KnowledgeEntry, Vec<Chunk>)> = current
                            .iter()
                            .map(|e| (e, chunk(&e.body, &inner.chunking)))
                            .filter(|(e, cs)| {
                                cs.iter()
                                    .any(|c| !have.contains(&chunk_key(e.id, e.version, c.index)))
                            })
                            .collect();
                        let n = inner.embed(org, &chunked);
                        if let Some(v) = &inner.vectors {
                            v.save(org)?;
                        }
                        Ok(n)
                    })
                    .await
                    .map_err(|e| KnowledgeError::invalid("index", "task", e.to_string()))??;
            }
        }
        Ok(report)
    }

    /// Syncs every tenant that has articles.
    pub async fn sync_all(&self) -> Result<SyncReport, KnowledgeError> {
        let mut total = SyncReport::default();
        for org in self.store.tenants_with_knowledge().await? {
            let r = self.sync(org).await?;
            total.indexed += r.indexed;
            total.removed += r.removed;
            total.unchanged += r.unchanged;
            total.embedded += r.embedded;
        }
        Ok(total)
    }

    /// Drops and rebuilds the indexes of `org` from the database.
    pub async fn rebuild(&self, org: OrgId) -> Result<SyncReport, KnowledgeError> {
        {
            let _guard = self.write.lock().await;
            self.index.remove_tenant(org)?;
            self.index.commit()?;
        }
        self.sync(org).await
    }

    /// Withdraws an article (its history stays in the database).
    pub async fn retire(&self, org: OrgId, id: KnowledgeId) -> Result<bool, KnowledgeError> {
        let done = self.store.retire_knowledge(org, id).await?;
        if !done {
            // Not a current article of `org` (another tenant's id, or retired
            // already): the index entries are not ours to remove.
            return Ok(false);
        }
        let _guard = self.write.lock().await;
        self.index.remove_article(id)?;
        self.index.commit()?;
        if let Some(v) = &self.vectors {
            v.remove_article(org, id);
            v.save(org)?;
        }
        Ok(done)
    }

    /// Counts the articles an answer cited.
    pub async fn record_citations(
        &self,
        org: OrgId,
        citations: &[Citation],
    ) -> Result<(), KnowledgeError> {
        let ids = distinct_articles(citations);
        Ok(self
            .store
            .record_knowledge_citations(org, &ids, Utc::now())
            .await?)
    }

    /// Counts a resolution for the articles a resolved conversation cited.
    pub async fn record_resolution(
        &self,
        org: OrgId,
        citations: &[Citation],
    ) -> Result<(), KnowledgeError> {
        let ids = distinct_articles(citations);
        Ok(self.store.record_knowledge_resolutions(org, &ids).await?)
    }

    /// Number of chunks in the text index (all tenants).
    pub fn num_chunks(&self) -> u64 {
        self.index.num_chunks()
    }

    /// Segments of the text index (a small index is one after each commit).
    pub fn num_segments(&self) -> usize {
        self.index.num_segments()
    }

    /// Searches `org`'s current, unexpired articles. CPU-bound: from async
    /// code with an encoder configured, call it on a blocking thread.
    pub fn search(&self, org: OrgId, query: &SearchQuery) -> Result<Vec<Passage>, KnowledgeError> {
        let text = query.text.trim();
        if text.is_empty() {
            return Err(KnowledgeError::Query {
                field: "query",
                message: "must not be empty".into(),
            });
        }
        if text.len() > MAX_QUERY_BYTES {
            return Err(KnowledgeError::Query {
                field: "query",
                message: format!("longer than {MAX_QUERY_BYTES} bytes"),
            });
        }
        if query.limit > MAX_LIMIT {
            return Err(KnowledgeError::Query {
                field: "limit",
                message: format!("at most {MAX_LIMIT}"),
            });
        }
        let limit = if query.limit == 0 { 5 } else { query.limit };
        let per_article = query.per_article.max(1);
        let filters = Filters {
            language: query.language.clone(),
            category: query.category.clone(),
            tags: query.tags.clone(),
            now: query.at.unwrap_or_else(Utc::now).timestamp(),
            read_as: query.read_as.clone(),
        };

        // Chunks are fused by reciprocal rank, the vectors' share weighted by
        // the encoder's `fusion_weight`, and an article ranks by its best
        // chunk. The passage it is cited by is its best lexical chunk, though:
        // BM25 knows which section holds the customer's words, where the
        // vectors may prefer a neighbouring section of the same article. Only
        // an article that BM25 did not find is cited by its best vector chunk.
        // At most 2 × CANDIDATES chunks: plain vectors beat hashing here.
        let mut chunks: Vec<ChunkHit> = Vec::with_capacity(2 * CANDIDATES);
        let use_lexical = query.mode != SearchMode::Dense;
        let use_dense = query.mode != SearchMode::Lexical;
        if use_lexical {
            let hits = self.index.search(org, text, &filters, CANDIDATES)?;
            for (rank, hit) in hits.into_iter().enumerate() {
                chunks.push(ChunkHit {
                    key: hit.key,
                    article: hit.article,
                    address: Some(hit.address),
                    score: rrf(rank),
                });
            }
        }
        if use_dense {
            if let (Some(vectors), Some(encoder)) = (&self.vectors, &self.encoder) {
                if !vectors.is_empty(org) {
                    let q = encoder.encode(&[text]);
                    let weight = encoder.fusion_weight();
                    if let Some(q) = q.first() {
                        let hits = vectors.search(org, q, &filters, CANDIDATES);
                        for (rank, (key, article, _)) in hits.into_iter().enumerate() {
                            let score = weight * rrf(rank);
                            match chunks.iter_mut().find(|c| c.key == key) {
                                Some(c) => c.score += score,
                                None => chunks.push(ChunkHit {
                                    key,
                                    article: article_key(article),
                                    address: None,
                                    score,
                                }),
                            }
                        }
                    }
                }
            }
        }
        // (article, best chunk score), best first.
        let mut ranked: Vec<(u64, f32)> = Vec::with_capacity(chunks.len());
        for c in &chunks {
            match ranked.iter_mut().find(|(a, _)| *a == c.article) {
                Some(best) => best.1 = best.1.max(c.score),
                None => ranked.push((c.article, c.score)),
            }
        }
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));

        let mut out: Vec<Passage> = Vec::with_capacity(limit);
        let enough = |n: usize| n >= limit * 2 || (query.prefer_language.is_none() && n >= limit);
        'rounds: for round in 0..per_article {
            for &(article, score) in &ranked {
                // The article's chunks in the order found: lexical first.
                let Some(chunk) = chunks.iter().filter(|c| c.article == article).nth(round) else {
                    continue;
                };
                let address = match chunk.address {
                    Some(a) => a,
                    None => match self.index.find_chunk(org, chunk.key, &filters)? {
                        Some(a) => a,
                        None => continue,
                    },
                };
                out.push(self.index.passage(address, score)?);
                if enough(out.len()) {
                    break 'rounds;
                }
            }
        }
        if let Some(lang) = &query.prefer_language {
            // Within 20% of the best fused score, the customer's language wins.
            let best = out.first().map_or(0.0, |p| p.citation.score);
            out.sort_by(|a, b| {
                let ka = (
                    a.language == *lang && a.citation.score >= best * 0.8,
                    a.citation.score,
                );
                let kb = (
                    b.language == *lang && b.citation.score >= best * 0.8,
                    b.citation.score,
                );
                kb.0.cmp(&ka.0).then(kb.1.total_cmp(&ka.1))
            });
        }
        out.truncate(limit);
        Ok(out)
    }
}

/// A chunk either index found: its article, its lexical address (when BM25
/// found it) and its fused score.
struct ChunkHit {
    key: u64,
    article: u64,
    address: Option<tantivy::DocAddress>,
    score: f32,
}

fn rrf(rank: usize) -> f32 {
    1.0 / (RRF_K + rank as f32 + 1.0)
}

fn distinct_articles(citations: &[Citation]) -> Vec<KnowledgeId> {
    let mut ids: Vec<KnowledgeId> = citations.iter().map(|c| c.article_id).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// What the encoder sees for a chunk: title and headings give it context.
fn embedding_text(entry: &KnowledgeEntry, c: &Chunk) -> String {
    let mut s = entry.title.clone();
    for h in &c.headings {
        s.push_str(" — ");
        s.push_str(h);
    }
    s.push('\n');
    s.push_str(&c.text);
    s
}

fn to_new_version(a: &ArticleInput) -> NewKnowledgeVersion {
    NewKnowledgeVersion {
        id: None,
        title: a.title.clone(),
        body: a.body.clone(),
        category: a.category.clone(),
        tags: a.tags.clone(),
        language: a.language.clone(),
        source_url: a.source_url.clone(),
        slug: Some(a.slug.clone()),
        expires_at: a.expires_at,
        translation_of: a.translation_of.clone(),
        content_hash: Some(a.content_hash()),
    }
}

fn to_entry(org: OrgId, id: KnowledgeId, version: i32, a: &ArticleInput) -> KnowledgeEntry {
    KnowledgeEntry {
        id,
        org_id: org,
        version,
        is_current: true,
        title: a.title.clone(),
        body: a.body.clone(),
        category: a.category.clone(),
        tags: a.tags.clone(),
        language: a.language.clone(),
        source_url: a.source_url.clone(),
        slug: a.slug.clone(),
        expires_at: a.expires_at,
        translation_of: a.translation_of.clone(),
        content_hash: Some(a.content_hash()),
        created_at: Utc::now(),
    }
}
