//! The BM25 index of chunks (tantivy), on local disk or in memory.
//!
//! One index holds every tenant; each document carries its tenant and every
//! query is wrapped in a mandatory tenant clause, so one tenant's search can
//! never return another's chunk. Text is indexed per language (an analyser
//! with that language's stop words and Snowball stemmer, then ASCII folding)
//! in `title_<lang>`, `headings_<lang>` and `body_<lang>` fields; a query is
//! analysed by every language present, each field scoring with its own
//! statistics, title and headings boosted.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Mutex, RwLock};

use concierge_core::knowledge::{Citation, Passage};
use concierge_core::model::KnowledgeEntry;
use concierge_core::{KnowledgeId, OrgId};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::chunk::Chunk;
use crate::error::KnowledgeError;

/// Languages with their own analyser; any other language uses `xx`
/// (lower-casing and ASCII folding, no stemming).
pub const LANGUAGES: &[(&str, Option<Language>)] = &[
    ("en", Some(Language::English)),
    ("es", Some(Language::Spanish)),
    ("fr", Some(Language::French)),
    ("de", Some(Language::German)),
    ("pt", Some(Language::Portuguese)),
    ("it", Some(Language::Italian)),
    ("nl", Some(Language::Dutch)),
    ("sv", Some(Language::Swedish)),
    ("da", Some(Language::Danish)),
    ("no", Some(Language::Norwegian)),
    ("fi", Some(Language::Finnish)),
    ("ru", Some(Language::Russian)),
    ("ro", Some(Language::Romanian)),
    ("hu", Some(Language::Hungarian)),
    ("tr", Some(Language::Turkish)),
    ("xx", None),
];

/// The analyser slot of an ISO 639-1 code.
pub fn analyser_language(code: &str) -> &'static str {
    let code = match code {
        "nb" | "nn" => "no",
        c => c,
    };
    LANGUAGES
        .iter()
        .map(|(c, _)| *c)
        .find(|c| *c == code)
        .unwrap_or("xx")
}

const TITLE_BOOST: f32 = 2.0;
const HEADINGS_BOOST: f32 = 1.3;
/// Query terms beyond this many (after analysis, per language) are ignored.
pub const MAX_QUERY_TERMS: usize = 32;
/// Writer memory budget.
const WRITER_BYTES: usize = 50_000_000;

/// Up to this many chunks (all tenants), a commit merges the index into one segment.
const MERGE_ALL_BELOW: u64 = 50_000;

impl SearchIndex {
    /// Segments of the searchable index (one after a commit of a small index).
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }
}

#[derive(Debug, Clone, Copy)]
struct LangFields {
    title: Field,
    headings: Field,
    body: Field,
}

#[derive(Debug, Clone)]
struct Fields {
    org: Field,
    article_id: Field,
    slug: Field,
    version: Field,
    title: Field,
    url: Field,
    language: Field,
    category: Field,
    tags: Field,
    expires: Field,
    chunk: Field,
    start: Field,
    end: Field,
    text: Field,
    headings: Field,
    key: Field,
    article_key: Field,
    per_lang: Vec<(&'static str, LangFields)>,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let mut per_lang = Vec::new();
    let org = b.add_text_field("org", STRING);
    let article_id = b.add_text_field("article_id", STRING | STORED);
    let slug = b.add_text_field("slug", STRING | STORED);
    let version = b.add_u64_field("version", STORED);
    let title = b.add_text_field("title", STORED);
    let url = b.add_text_field("url", STORED);
    let language = b.add_text_field("language", STRING | STORED);
    let category = b.add_text_field("category", STRING | STORED);
    let tags = b.add_text_field("tags", STRING | STORED);
    let expires = b.add_i64_field("expires", INDEXED | FAST | STORED);
    let chunk = b.add_u64_field("chunk", INDEXED | STORED);
    let start = b.add_u64_field("start", STORED);
    let end = b.add_u64_field("end", STORED);
    let text = b.add_text_field("text", STORED);
    let headings = b.add_text_field("headings", STORED);
    let key = b.add_u64_field("key", INDEXED | FAST);
    let article_key = b.add_u64_field("article_key", FAST);
    for (code, _) in LANGUAGES {
        let opts = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(&format!("lang_{code}"))
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        per_lang.push((
            *code,
            LangFields {
                title: b.add_text_field(&format!("title_{code}"), opts.clone()),
                headings: b.add_text_field(&format!("headings_{code}"), opts.clone()),
                body: b.add_text_field(&format!("body_{code}"), opts),
            },
        ));
    }
    let fields = Fields {
        org,
        article_id,
        slug,
        version,
        title,
        url,
        language,
        category,
        tags,
        expires,
        chunk,
        start,
        end,
        text,
        headings,
        key,
        article_key,
        per_lang,
    };
    (b.build(), fields)
}

fn analyser(language: Option<Language>) -> TextAnalyzer {
    let mut b = TextAnalyzer::builder(SimpleTokenizer::default())
        .dynamic()
        .filter_dynamic(RemoveLongFilter::limit(40))
        .filter_dynamic(LowerCaser);
    if let Some(lang) = language {
        if let Some(stop) = StopWordFilter::new(lang) {
            b = b.filter_dynamic(stop);
        }
        b = b.filter_dynamic(Stemmer::new(lang));
    }
    b.filter_dynamic(AsciiFoldingFilter).build()
}

/// Filters every search applies besides the tenant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Only articles in this language.
    pub language: Option<String>,
    /// Only articles in this category.
    pub category: Option<String>,
    /// Only articles with at least one of these tags.
    pub tags: Vec<String>,
    /// Skip articles that expired at or before this instant (seconds since the epoch).
    pub now: i64,
    /// Read the query with only these languages' analysers (empty: all).
    pub read_as: Vec<String>,
}

/// A scored chunk.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub score: f32,
    pub address: DocAddress,
    /// [`chunk_key`] of the chunk.
    pub key: u64,
    /// [`article_key`] of its article.
    pub article: u64,
}

/// A well-mixed 64-bit key (SplitMix64 finaliser over the inputs).
fn mix(mut h: u64, v: u64) -> u64 {
    h ^= v;
    h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The 64-bit key of an article id.
pub fn article_key(id: KnowledgeId) -> u64 {
    let (hi, lo) = id.0.as_u64_pair();
    mix(mix(0x4b4e_4f57, hi), lo)
}

/// The 64-bit key of one chunk of one article version.
pub fn chunk_key(id: KnowledgeId, version: i32, chunk: u32) -> u64 {
    mix(
        mix(article_key(id), u64::from(version.unsigned_abs())),
        u64::from(chunk),
    )
}

/// The chunk index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// Created on the first write: a process that only searches never takes
    /// the index's writer lock (so `concierge kb search` works beside a running server).
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    /// Analyser slots that hold at least one document.
    languages: RwLock<BTreeSet<&'static str>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("languages", &self.languages)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens (or creates) the index in `dir`; `None` keeps it in memory.
    /// An index written with another schema is discarded and recreated empty
    /// (it is rebuilt from the database).
    pub fn open(dir: Option<&Path>) -> Result<Self, KnowledgeError> {
        let (schema, fields) = schema();
        let index = match dir {
            None => Index::create_in_ram(schema),
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|source| KnowledgeError::Io {
                    path: dir.display().to_string(),
                    source,
                })?;
                let mmap = tantivy::directory::MmapDirectory::open(dir)?;
                match Index::open_or_create(mmap, schema.clone()) {
                    Ok(index) => index,
                    Err(e) => {
                        tracing::warn!(error.message = %e, path = %dir.display(), "search index unusable; recreating it empty");
                        for entry in
                            std::fs::read_dir(dir).map_err(|source| KnowledgeError::Io {
                                path: dir.display().to_string(),
                                source,
                            })?
                        {
                            let path = entry
                                .map_err(|source| KnowledgeError::Io {
                                    path: dir.display().to_string(),
                                    source,
                                })?
                                .path();
                            if path.is_file() {
                                let _ = std::fs::remove_file(&path);
                            }
                        }
                        Index::create_in_dir(dir, schema)?
                    }
                }
            }
        };
        for (code, lang) in LANGUAGES {
            index
                .tokenizers()
                .register(&format!("lang_{code}"), analyser(*lang));
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let this = Self {
            index,
            reader,
            writer: Mutex::new(None),
            fields,
            languages: RwLock::new(BTreeSet::new()),
        };
        this.refresh_languages();
        Ok(this)
    }

    fn refresh_languages(&self) {
        let searcher = self.reader.searcher();
        let mut present = BTreeSet::new();
        for (code, f) in &self.fields.per_lang {
            let any = searcher.segment_readers().iter().any(|seg| {
                seg.inverted_index(f.body)
                    .map(|ii| ii.terms().num_terms() > 0)
                    .unwrap_or(false)
            });
            if any {
                present.insert(*code);
            }
        }
        if let Ok(mut l) = self.languages.write() {
            *l = present;
        }
    }

    /// Runs `f` with the writer, opening it (and taking the directory's
    /// writer lock) on first use.
    fn write<R>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<R, KnowledgeError>,
    ) -> Result<R, KnowledgeError> {
        // A panic while holding the writer leaves nothing half-written that
        // tantivy would not roll back at the next commit.
        let mut guard = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.is_none() {
            // One indexing thread: each commit makes one segment rather
            // than one per thread.
            *guard = Some(self.index.writer_with_num_threads(1, WRITER_BYTES)?);
        }
        match guard.as_mut() {
            Some(w) => f(w),
            None => Err(KnowledgeError::invalid("index", "writer", "unavailable")),
        }
    }

    /// Replaces every chunk of `entry`'s article with `chunks` (not visible until [`commit`](Self::commit)).
    pub fn put_article(
        &self,
        entry: &KnowledgeEntry,
        chunks: &[Chunk],
    ) -> Result<(), KnowledgeError> {
        self.write(|writer| self.put_article_with(writer, entry, chunks))
    }

    fn put_article_with(
        &self,
        writer: &mut IndexWriter,
        entry: &KnowledgeEntry,
        chunks: &[Chunk],
    ) -> Result<(), KnowledgeError> {
        let f = &self.fields;
        let article = entry.id.0.simple().to_string();
        writer.delete_term(Term::from_field_text(f.article_id, &article));
        let slot = analyser_language(&entry.language);
        let lang = f
            .per_lang
            .iter()
            .find(|(c, _)| *c == slot)
            .map(|(_, l)| *l)
            .ok_or_else(|| KnowledgeError::invalid("index", "language", "no analyser"))?;
        let org = entry.org_id.0.simple().to_string();
        let expires = entry.expires_at.map_or(i64::MAX, |t| t.timestamp());
        for c in chunks {
            let mut doc = TantivyDocument::default();
            doc.add_text(f.org, &org);
            doc.add_text(f.article_id, &article);
            doc.add_text(f.slug, &entry.slug);
            doc.add_u64(f.version, u64::try_from(entry.version).unwrap_or(0));
            doc.add_text(f.title, &entry.title);
            if let Some(url) = &entry.source_url {
                doc.add_text(f.url, url);
            }
            doc.add_text(f.language, &entry.language);
            if let Some(cat) = &entry.category {
                doc.add_text(f.category, cat);
            }
            for tag in &entry.tags {
                doc.add_text(f.tags, tag);
            }
            doc.add_i64(f.expires, expires);
            doc.add_u64(f.chunk, u64::from(c.index));
            doc.add_u64(f.start, u64::from(c.start));
            doc.add_u64(f.end, u64::from(c.end));
            doc.add_text(f.text, &c.text);
            doc.add_text(f.headings, c.headings.join("\u{1f}"));
            doc.add_u64(f.key, chunk_key(entry.id, entry.version, c.index));
            doc.add_u64(f.article_key, article_key(entry.id));
            doc.add_text(lang.title, &entry.title);
            doc.add_text(lang.headings, c.headings.join(" "));
            doc.add_text(lang.body, &c.text);
            writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Removes an article's chunks (not visible until [`commit`](Self::commit)).
    pub fn remove_article(&self, id: KnowledgeId) -> Result<(), KnowledgeError> {
        self.write(|writer| {
            writer.delete_term(Term::from_field_text(
                self.fields.article_id,
                &id.0.simple().to_string(),
            ));
            Ok(())
        })
    }

    /// Removes every chunk of a tenant (not visible until [`commit`](Self::commit)).
    pub fn remove_tenant(&self, org: OrgId) -> Result<(), KnowledgeError> {
        self.write(|writer| {
            writer.delete_term(Term::from_field_text(
                self.fields.org,
                &org.0.simple().to_string(),
            ));
            Ok(())
        })
    }

    /// Makes every change since the last commit durable and visible.
    pub fn commit(&self) -> Result<(), KnowledgeError> {
        self.write(|w| {
            w.commit()?;
            // Every search pays per segment: a term lookup, a weight and a
            // scorer for each query term in each one. A small index is
            // merged into one segment at once (milliseconds for the demo
            // base); a large one is left to the merge policy.
            let segments = self.index.searchable_segment_ids()?;
            if segments.len() > 1 && self.reader.searcher().num_docs() <= MERGE_ALL_BELOW {
                w.merge(&segments).wait()?;
            }
            Ok(())
        })?;
        self.reader.reload()?;
        self.refresh_languages();
        Ok(())
    }

    /// The version of every article of `org` in the index.
    pub fn indexed_versions(
        &self,
        org: OrgId,
    ) -> Result<HashMap<KnowledgeId, i32>, KnowledgeError> {
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let query = BooleanQuery::new(vec![
            (Occur::Must, term_query(f.org, &org.0.simple().to_string())),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.chunk, 0),
                    IndexRecordOption::Basic,
                )),
            ),
        ]);
        let addresses = searcher.search(&query, &tantivy::collector::DocSetCollector)?;
        let mut out = HashMap::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            let id = str_field(&doc, f.article_id).and_then(|s| uuid::Uuid::parse_str(s).ok());
            let version = u64_field(&doc, f.version).and_then(|v| i32::try_from(v).ok());
            if let (Some(id), Some(version)) = (id, version) {
                out.insert(KnowledgeId(id), version);
            }
        }
        Ok(out)
    }

    /// Number of chunk documents of `org`.
    pub fn count_chunks(&self, org: OrgId) -> Result<usize, KnowledgeError> {
        let query = term_query(self.fields.org, &org.0.simple().to_string());
        Ok(self
            .reader
            .searcher()
            .search(&*query, &tantivy::collector::Count)?)
    }

    /// Number of chunk documents (all tenants).
    pub fn num_chunks(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn filter_clauses(&self, org: OrgId, filters: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, term_query(f.org, &org.0.simple().to_string())),
            (
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Excluded(Term::from_field_i64(f.expires, filters.now)),
                    Bound::Unbounded,
                )),
            ),
        ];
        if let Some(lang) = &filters.language {
            clauses.push((Occur::Must, term_query(f.language, lang)));
        }
        if let Some(cat) = &filters.category {
            clauses.push((Occur::Must, term_query(f.category, cat)));
        }
        if !filters.tags.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = filters
                .tags
                .iter()
                .map(|t| (Occur::Should, term_query(f.tags, t)))
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        clauses
    }

    /// The best `limit` chunks of `org` for `query` by BM25.
    pub fn search(
        &self,
        org: OrgId,
        query: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Hit>, KnowledgeError> {
        let languages: Vec<&'static str> = match self.languages.read() {
            Ok(l) => l.iter().copied().collect(),
            Err(_) => Vec::new(),
        };
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // A document's text is indexed only in its own language's fields,
        // so another language's analyser can match only that language's
        // articles: with a language filter, or languages to read as, the
        // other fields are not searched at all.
        let wanted = |code: &str| match &filters.language {
            Some(l) => analyser_language(l) == code,
            None => {
                filters.read_as.is_empty()
                    || filters.read_as.iter().any(|l| analyser_language(l) == code)
            }
        };
        for (code, lf) in &self.fields.per_lang {
            if !languages.contains(code) || !wanted(code) {
                continue;
            }
            let mut analyser = match self.index.tokenizers().get(&format!("lang_{code}")) {
                Some(a) => a,
                None => continue,
            };
            let mut terms: Vec<String> = Vec::new();
            let mut stream = analyser.token_stream(query);
            while stream.advance() {
                let t = &stream.token().text;
                if !terms.contains(t) {
                    terms.push(t.clone());
                }
                if terms.len() >= MAX_QUERY_TERMS {
                    break;
                }
            }
            for t in &terms {
                for (field, boost) in [
                    (lf.title, TITLE_BOOST),
                    (lf.headings, HEADINGS_BOOST),
                    (lf.body, 1.0),
                ] {
                    let q = TermQuery::new(
                        Term::from_field_text(field, t),
                        IndexRecordOption::WithFreqs,
                    );
                    should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost))));
                }
            }
        }
        if should.is_empty() {
            return Ok(Vec::new());
        }
        let mut clauses = self.filter_clauses(org, filters);
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(should))));
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit.max(1)).order_by_score(),
        )?;
        let mut columns: HashMap<
            u32,
            (
                tantivy::columnar::Column<u64>,
                tantivy::columnar::Column<u64>,
            ),
        > = HashMap::new();
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let cols = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let ff = searcher.segment_reader(address.segment_ord).fast_fields();
                    v.insert((ff.u64("key")?, ff.u64("article_key")?))
                }
            };
            hits.push(Hit {
                score,
                address,
                key: cols.0.first(address.doc_id).unwrap_or(0),
                article: cols.1.first(address.doc_id).unwrap_or(0),
            });
        }
        Ok(hits)
    }

    /// Finds a chunk by [`chunk_key`] within `org` and the filters.
    pub fn find_chunk(
        &self,
        org: OrgId,
        key: u64,
        filters: &Filters,
    ) -> Result<Option<DocAddress>, KnowledgeError> {
        let mut clauses = self.filter_clauses(org, filters);
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_u64(self.fields.key, key),
                IndexRecordOption::Basic,
            )),
        ));
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(1).order_by_score(),
        )?;
        Ok(top.first().map(|(_, a)| *a))
    }

    /// Reads a hit back as a passage with its citation (`score` as given).
    pub fn passage(&self, address: DocAddress, score: f32) -> Result<Passage, KnowledgeError> {
        let f = &self.fields;
        let searcher = self.reader.searcher();
        let doc: TantivyDocument = searcher.doc(address)?;
        let s = |field| str_field(&doc, field).unwrap_or_default().to_owned();
        let n = |field| {
            u64_field(&doc, field)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0)
        };
        let article_id = uuid::Uuid::parse_str(&s(f.article_id))
            .map_err(|_| KnowledgeError::invalid("index", "article_id", "corrupt document"))?;
        let headings = s(f.headings);
        let passage = Passage {
            citation: Citation {
                article_id: KnowledgeId(article_id),
                slug: s(f.slug),
                version: i32::try_from(n(f.version)).unwrap_or(0),
                title: s(f.title),
                url: str_field(&doc, f.url).map(str::to_owned),
                chunk: n(f.chunk),
                start: n(f.start),
                end: n(f.end),
                score,
            },
            text: s(f.text),
            headings: if headings.is_empty() {
                Vec::new()
            } else {
                headings.split('\u{1f}').map(str::to_owned).collect()
            },
            language: s(f.language),
            category: str_field(&doc, f.category).map(str::to_owned),
        };
        Ok(passage)
    }
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

fn str_field(doc: &TantivyDocument, field: Field) -> Option<&str> {
    doc.get_first(field).and_then(|v| v.as_str())
}

fn u64_field(doc: &TantivyDocument, field: Field) -> Option<u64> {
    doc.get_first(field).and_then(|v| v.as_u64())
}
