//! The vocabulary shared by retrieval (`concierge-knowledge`) and answering
//! (`concierge-llm`): a retrieved [`Passage`] and the [`Citation`] that says
//! exactly where it came from.
//!
//! Offsets are **character** offsets (Unicode scalar values, like the NLU
//! entity spans) into the article body of the cited version, so a client can
//! highlight the passage in the article it links to.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::id::KnowledgeId;

/// Where a passage came from: the article, its version, and the span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Citation {
    /// The article (all versions share the id).
    pub article_id: KnowledgeId,
    /// The article's stable external key (the `slug` of an ingested file).
    pub slug: String,
    /// The version the passage was taken from.
    pub version: i32,
    pub title: String,
    /// The article's public URL, when it has one.
    pub url: Option<String>,
    /// The chunk's position within the article (0-based).
    pub chunk: u32,
    /// Character offset of the passage's first character in the article body.
    pub start: u32,
    /// Character offset one past the passage's last character.
    pub end: u32,
    /// Retrieval score (higher is better; only comparable within one search).
    pub score: f32,
}

/// A retrieved piece of an article, ready to ground an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Passage {
    pub citation: Citation,
    /// The chunk text (`body[start..end]` in characters).
    pub text: String,
    /// The headings above the chunk, outermost first (`["Reset a password", "From the login page"]`).
    pub headings: Vec<String>,
    /// ISO 639-1 language of the article.
    pub language: String,
    pub category: Option<String>,
}
