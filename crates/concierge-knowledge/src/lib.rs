//! Concierge's knowledge base: articles ingested from Markdown, HTML, text,
//! JSON/JSONL and CSV; versioned in the database; chunked by structure with
//! exact character offsets; searched by BM25 (tantivy, per-language
//! analysers) fused with dense vectors (the NLU crate's local encoder) by
//! reciprocal rank; every passage carries a [`Citation`](concierge_core::knowledge::Citation).
//!
//! ```text
//! files ─► ingest::read_file ─► ArticleInput ─► KnowledgeBase::ingest ─► store (versions)
//!                                                                    └─► chunk ─► SearchIndex (BM25)
//!                                                                              └─► VectorIndex (encoder)
//! query ─► KnowledgeBase::search ─► BM25 ∪ vectors ─► RRF ─► one passage per article ─► Passage + Citation
//! ```

/// Articles as read from files, with validation and content hashes.
pub mod article;
/// The knowledge base: ingestion, sync with the database, hybrid search.
pub mod base;
/// Structural chunking with character offsets.
pub mod chunk;
/// The demo knowledge base compiled into the binary.
pub mod demo;
/// Errors.
pub mod error;
/// Retrieval evaluation (recall@k, MRR, latency).
pub mod eval;
/// HTML to Markdown.
pub mod html;
/// The BM25 chunk index.
pub mod index;
/// File readers.
pub mod ingest;
/// Article bodies as safe HTML for the help center.
pub mod render;
/// The dense chunk index.
pub mod vector;

pub use article::ArticleInput;
pub use base::{IngestReport, KnowledgeBase, SearchMode, SearchQuery, SyncReport};
pub use error::KnowledgeError;
pub use eval::{evaluate, EvalQuestion, EvalReport};
