//! The demo knowledge base for Salesforce customer support (written for
//! Concierge; see `demo/README.md`), compiled into the binary.

use crate::article::ArticleInput;
use crate::error::KnowledgeError;
use crate::eval::{parse_questions, EvalQuestion};
use crate::ingest::{parse, Format, IngestDefaults};

mod files {
    include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));
}

/// Every demo article, parsed and validated.
pub fn articles() -> Result<Vec<ArticleInput>, KnowledgeError> {
    let defaults = IngestDefaults::default();
    let mut out = Vec::with_capacity(files::ARTICLES.len());
    for (name, text) in files::ARTICLES {
        let stem = name.trim_end_matches(".md");
        out.extend(parse(
            Format::Markdown,
            text,
            &format!("demo/articles/{name}"),
            stem,
            &defaults,
        )?);
    }
    Ok(out)
}

/// The demo evaluation set.
pub fn eval_questions() -> Result<Vec<EvalQuestion>, KnowledgeError> {
    parse_questions(files::EVAL_JSONL, "demo/eval.jsonl")
}
