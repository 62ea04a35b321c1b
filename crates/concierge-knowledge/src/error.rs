//! The knowledge crate's errors.

use concierge_store::StoreError;

/// Why ingesting or searching failed.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// An input document is malformed or breaks a limit; `origin` names the
    /// file (and row or line), `field` the offending field.
    #[error("{origin}: field `{field}`: {message}")]
    Invalid {
        origin: String,
        field: String,
        message: String,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A file's extension names no format we read.
    #[error("{0}: unsupported file type (expected .md, .markdown, .html, .htm, .txt, .json, .jsonl or .csv)")]
    UnsupportedFormat(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The search index failed (disk, corruption).
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A search request is malformed.
    #[error("field `{field}`: {message}")]
    Query {
        field: &'static str,
        message: String,
    },
}

impl KnowledgeError {
    /// True when another process (a running server) holds the index's writer lock.
    pub fn is_index_locked(&self) -> bool {
        matches!(self, Self::Index(tantivy::TantivyError::LockFailure(..)))
    }

    pub(crate) fn invalid(origin: &str, field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            origin: origin.to_owned(),
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

impl From<tantivy::directory::error::OpenDirectoryError> for KnowledgeError {
    fn from(e: tantivy::directory::error::OpenDirectoryError) -> Self {
        Self::Index(e.into())
    }
}

impl From<tantivy::query::QueryParserError> for KnowledgeError {
    fn from(e: tantivy::query::QueryParserError) -> Self {
        Self::Query {
            field: "query",
            message: e.to_string(),
        }
    }
}
