//! Retrieval evaluation: a JSON Lines file of `{"question", "relevant": [...]}`
//! where each relevant entry is an article id, slug or URL.

use std::time::Instant;

use concierge_core::knowledge::Passage;
use concierge_core::OrgId;
use serde::{Deserialize, Serialize};

use crate::base::{KnowledgeBase, SearchMode, SearchQuery};
use crate::error::KnowledgeError;

/// One evaluation question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalQuestion {
    pub question: String,
    pub relevant: Vec<String>,
}

/// Parses the JSON Lines evaluation format; errors name the line.
pub fn parse_questions(text: &str, origin: &str) -> Result<Vec<EvalQuestion>, KnowledgeError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{origin}:{}", i + 1);
        let q: EvalQuestion = serde_json::from_str(line)
            .map_err(|e| KnowledgeError::invalid(&at, "json", e.to_string()))?;
        if q.question.trim().is_empty() {
            return Err(KnowledgeError::invalid(
                &at,
                "question",
                "must not be empty",
            ));
        }
        if q.relevant.is_empty() {
            return Err(KnowledgeError::invalid(
                &at,
                "relevant",
                "must name at least one article",
            ));
        }
        out.push(q);
    }
    Ok(out)
}

/// Retrieval quality and latency over a question set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// Share of questions whose first passage is from a relevant article.
    pub recall_at_1: f64,
    /// Share of questions with a relevant article among the first five passages.
    pub recall_at_5: f64,
    /// Mean over questions of the share of their relevant articles found in the first five.
    pub full_recall_at_5: f64,
    /// Mean reciprocal rank of the first relevant article (0 when none in the first ten).
    pub mrr: f64,
    pub n: usize,
    pub p50_us: f64,
    pub p99_us: f64,
    pub mode: SearchMode,
    /// The dense encoder used, if any.
    pub encoder: Option<String>,
    /// Questions with no relevant article in the first five.
    pub misses: Vec<String>,
}

fn matches(p: &Passage, relevant: &str) -> bool {
    let c = &p.citation;
    c.slug == relevant || c.article_id.to_string() == relevant || c.url.as_deref() == Some(relevant)
}

/// Runs every question against `org` (one article per rank).
pub fn evaluate(
    kb: &KnowledgeBase,
    org: OrgId,
    questions: &[EvalQuestion],
    mode: SearchMode,
) -> Result<EvalReport, KnowledgeError> {
    let mut at1 = 0usize;
    let mut at5 = 0usize;
    let mut full5 = 0.0f64;
    let mut rr = 0.0f64;
    let mut micros = Vec::with_capacity(questions.len());
    let mut misses = Vec::new();
    for q in questions {
        let query = SearchQuery {
            text: q.question.clone(),
            limit: 10,
            mode,
            ..SearchQuery::default()
        };
        let started = Instant::now();
        let passages = kb.search(org, &query)?;
        micros.push(started.elapsed().as_secs_f64() * 1e6);
        let first = passages
            .iter()
            .position(|p| q.relevant.iter().any(|r| matches(p, r)));
        if first == Some(0) {
            at1 += 1;
        }
        if first.is_some_and(|r| r < 5) {
            at5 += 1;
        } else {
            misses.push(q.question.clone());
        }
        if let Some(r) = first {
            rr += 1.0 / (r as f64 + 1.0);
        }
        let found = q
            .relevant
            .iter()
            .filter(|r| passages.iter().take(5).any(|p| matches(p, r)))
            .count();
        full5 += found as f64 / q.relevant.len() as f64;
    }
    let n = questions.len().max(1) as f64;
    micros.sort_by(f64::total_cmp);
    Ok(EvalReport {
        recall_at_1: at1 as f64 / n,
        recall_at_5: at5 as f64 / n,
        full_recall_at_5: full5 / n,
        mrr: rr / n,
        n: questions.len(),
        p50_us: percentile(&micros, 0.50),
        p99_us: percentile(&micros, 0.99),
        mode,
        encoder: if mode == SearchMode::Lexical {
            None
        } else {
            kb.encoder_name().map(str::to_owned)
        },
        misses,
    })
}

/// Nearest-rank percentile of sorted values (the NLU evaluation's).
pub use concierge_nlu::eval::percentile;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_parse_with_line_numbers_in_errors() {
        let ok = "{\"question\":\"q\",\"relevant\":[\"a\"]}\n\n{\"question\":\"r\",\"relevant\":[\"b\",\"c\"]}\n";
        assert_eq!(parse_questions(ok, "e.jsonl").unwrap().len(), 2);
        let e = parse_questions("{\"question\":\"q\",\"relevant\":[]}", "e.jsonl").unwrap_err();
        assert!(
            e.to_string().contains("e.jsonl:1") && e.to_string().contains("`relevant`"),
            "{e}"
        );
        let e = parse_questions("{\"question\":\"q\"}\n{", "e.jsonl").unwrap_err();
        assert!(e.to_string().contains("e.jsonl:1"), "{e}");
    }

    #[test]
    fn percentiles() {
        assert_eq!(percentile(&[], 0.5), 0.0);
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
    }
}
