//! The local responder: every task without a model, deterministically.
//!
//! An answer is composed from the best passages' most relevant sentences
//! (term overlap with light stemming, weighted by rarity across the
//! candidates), cited as `[1]`, `[2]`. Passages in the customer's language
//! are preferred; an article in another language is used only when none in
//! theirs is relevant, and the answer says so. When the two best candidates
//! come from different articles, score about the same and the question is
//! short, it asks which one the customer means. When nothing is relevant it
//! says so and offers a human. Summaries are extractive; classification
//! returns no label; agent-assist drafts a reply from the passages.

mod phrases;
mod summary;

use std::collections::HashSet;

use concierge_core::knowledge::{Citation, Passage};

use crate::grounding::{passage_terms, relevance};
use crate::prompt::ToneAdjustment;
use crate::task::{Speaker, Task, TaskOutcome, TaskRequest};
use crate::text::{self, Idf, Sentence};

pub use phrases::{phrases, Phrases};

/// Two candidates within this much relevance of each other are "close".
const CLOSE: f64 = 0.1;
/// A question with at most this many content terms is short enough to be ambiguous.
const SHORT_QUESTION_TERMS: usize = 4;
/// At most this many prose sentences in an answer (list steps come on top).
const MAX_SENTENCES: usize = 3;
/// At most this many list steps.
const MAX_STEPS: usize = 6;
/// A second passage joins the answer only when it is at least this share as
/// relevant as the first (a weakly related article adds noise, not help).
const SECOND_PASSAGE_SHARE: f64 = 0.6;

/// Answers without a model. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LocalResponder {
    min_relevance: f64,
}

/// A passage that made the cut, with its place in the request.
#[derive(Debug, Clone, Copy)]
struct Candidate<'a> {
    passage: &'a Passage,
    relevance: f64,
    score: f64,
}

impl LocalResponder {
    /// A responder that treats passages below `min_relevance` as irrelevant.
    pub fn new(min_relevance: f64) -> Self {
        Self { min_relevance }
    }

    /// Does `request`'s task.
    pub fn respond(&self, request: &TaskRequest) -> TaskOutcome {
        match request.task {
            Task::Answer => self.answer(request, false),
            Task::Assist => self.answer(request, true),
            Task::Summarize => summary::summarize(request),
            Task::Classify => TaskOutcome::local(Task::Classify, String::new()),
        }
    }

    /// The customer is told honestly that nothing was found and offered a human.
    pub fn dont_know(&self, request: &TaskRequest) -> TaskOutcome {
        let p = phrases(request.language_or_default());
        let mut outcome = TaskOutcome::local(request.task, String::new());
        if request.task == Task::Assist {
            outcome.text = p.assist_none.to_owned();
        } else {
            outcome.text = p.dont_know.to_owned();
            outcome.offered_human = true;
        }
        outcome
    }

    /// Relevant passages, best first, preferring the customer's language.
    /// The flag is true when they are in another language.
    fn candidates<'a>(&self, request: &'a TaskRequest) -> (Vec<Candidate<'a>>, bool) {
        let lang = request.language_or_default();
        // Scored in each passage's own language, so an article in another
        // language can still match on shared words.
        let scores = relevance(&request.question, None, &request.passages);
        let mut all: Vec<Candidate<'a>> = request
            .passages
            .iter()
            .zip(scores)
            .enumerate()
            .map(|(rank, (passage, r))| {
                let relevance = r.unwrap_or(0.0);
                Candidate {
                    passage,
                    relevance,
                    // Retrieval order breaks ties.
                    score: relevance + 0.02 / (1.0 + rank as f64),
                }
            })
            .filter(|c| c.relevance >= self.min_relevance && c.relevance > 0.0)
            .collect();
        all.sort_by(|a, b| b.score.total_cmp(&a.score));
        let same: Vec<Candidate<'a>> = all
            .iter()
            .copied()
            .filter(|c| c.passage.language == lang)
            .collect();
        if same.is_empty() && !all.is_empty() {
            (all, true)
        } else {
            (same, false)
        }
    }

    fn answer(&self, request: &TaskRequest, for_agent: bool) -> TaskOutcome {
        let (candidates, foreign) = self.candidates(request);
        let Some(best) = candidates.first().copied() else {
            return self.dont_know(request);
        };
        let p = phrases(request.language_or_default());
        if !for_agent {
            if let Some(outcome) = self.clarify(request, &candidates, p) {
                return outcome;
            }
        }
        let adjust = ToneAdjustment::from_emotions(&request.emotions);
        let q = text::terms(&request.question, &best.passage.language);
        let mut groups: Vec<(Vec<String>, &Passage)> = Vec::new();
        let first = best_sentences(&q, best.passage, MAX_SENTENCES);
        let mut covered: HashSet<String> = first
            .iter()
            .flat_map(|s| text::terms(s, &best.passage.language))
            .collect();
        let used = first.iter().filter(|s| !is_step(s)).count();
        groups.push((first, best.passage));
        if !adjust.concise && used < MAX_SENTENCES {
            // A second passage only if it adds something the first did not say.
            if let Some(second) = candidates
                .get(1)
                .filter(|c| c.relevance >= SECOND_PASSAGE_SHARE * best.relevance)
            {
                let extra = best_sentences(&q, second.passage, 1);
                let adds = extra
                    .iter()
                    .flat_map(|s| text::terms(s, &second.passage.language))
                    .any(|t| q.contains(&t) && !covered.contains(&t));
                if adds {
                    covered.extend(
                        extra
                            .iter()
                            .flat_map(|s| text::terms(s, &second.passage.language)),
                    );
                    groups.push((extra, second.passage));
                }
            }
        }
        let mut out = String::new();
        if adjust.apologetic && !for_agent {
            out.push_str(p.sorry);
            out.push(' ');
        }
        if foreign {
            out.push_str(p.other_language);
            out.push(' ');
        }
        let mut citations: Vec<Citation> = Vec::new();
        for (i, (lines, passage)) in groups.iter().enumerate() {
            citations.push(passage.citation.clone());
            let marker = format!("[{}]", i + 1);
            let mut group = String::new();
            for line in lines {
                if is_step(line) {
                    group.push('\n');
                } else if !group.is_empty() {
                    group.push(' ');
                }
                group.push_str(line);
            }
            if i > 0 {
                out.push(if group.starts_with('\n') { ' ' } else { '\n' });
            }
            out.push_str(group.trim_start_matches('\n'));
            out.push(' ');
            out.push_str(&marker);
        }
        let mut outcome = TaskOutcome::local(request.task, out.trim().to_owned());
        outcome.citations = citations;
        outcome.grounded = true;
        outcome
    }

    fn clarify(
        &self,
        request: &TaskRequest,
        candidates: &[Candidate<'_>],
        p: &Phrases,
    ) -> Option<TaskOutcome> {
        let (a, b) = (candidates.first()?, candidates.get(1)?);
        let short =
            text::terms(&request.question, &a.passage.language).len() <= SHORT_QUESTION_TERMS;
        let different = a.passage.citation.article_id != b.passage.citation.article_id;
        let close = a.relevance - b.relevance <= CLOSE;
        let (ta, tb) = (title(a.passage), title(b.passage));
        // Never ask twice in a row.
        let prefix = p.clarify.split("{a}").next().unwrap_or(p.clarify);
        let asked = request
            .history
            .iter()
            .rev()
            .find(|t| t.speaker == Speaker::Assistant)
            .is_some_and(|t| t.text.starts_with(prefix));
        if !(short && different && close) || asked || ta.eq_ignore_ascii_case(&tb) {
            return None;
        }
        let text = p
            .clarify
            .replace("{a}", &format!("“{ta}”"))
            .replace("{b}", &format!("“{tb}”"));
        let mut outcome = TaskOutcome::local(request.task, text);
        outcome.clarifying = true;
        Some(outcome)
    }
}

/// A passage's article title, else its first heading.
fn title(p: &Passage) -> String {
    let t = p.citation.title.trim();
    if t.is_empty() {
        p.headings.first().cloned().unwrap_or_default()
    } else {
        t.to_owned()
    }
}

fn is_step(line: &str) -> bool {
    line.starts_with(['-', '*', '•'])
        || line.split_once(['.', ')']).is_some_and(|(n, _)| {
            !n.is_empty() && n.len() <= 3 && n.chars().all(|c| c.is_ascii_digit())
        })
}

/// The passage's most relevant sentences in their original order: up to
/// `max` prose sentences scoring at least 60 % of the best, with the list
/// a chosen sentence introduces (or belongs to) kept whole.
fn best_sentences(q: &[String], passage: &Passage, max: usize) -> Vec<String> {
    let read = passage_terms(passage);
    let (sentences, terms) = (&read.sentences, &read.sentence_terms);
    if sentences.is_empty() {
        return Vec::new();
    }
    let idf = Idf::new(terms.iter());
    let scores: Vec<f64> = sentences
        .iter()
        .zip(terms)
        .enumerate()
        .map(|(i, (s, t))| {
            let words = s.text.split_whitespace().count();
            let fragment = if words < 3 && !s.list_item { 0.5 } else { 1.0 };
            text::coverage(q, t, &idf) * fragment + 0.01 / (1.0 + i as f64)
        })
        .collect();
    let top = scores.iter().copied().fold(0.0, f64::max);
    let mut chosen: Vec<usize> = if top <= 0.011 {
        // Matched on headings or title only: the passage's lead answers.
        (0..sentences.len().min(2)).collect()
    } else {
        let mut order: Vec<usize> = (0..sentences.len()).collect();
        order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
        order
            .into_iter()
            .filter(|i| scores[*i] >= 0.6 * top)
            .take(max)
            .collect()
    };
    chosen.sort_unstable();
    let mut keep = vec![false; sentences.len()];
    for &i in &chosen {
        keep[i] = true;
        expand_list(sentences, i, &mut keep);
    }
    let mut steps = 0;
    let mut out = Vec::new();
    for (s, k) in sentences.iter().zip(keep) {
        if !k {
            continue;
        }
        if s.list_item {
            steps += 1;
            if steps > MAX_STEPS {
                continue;
            }
        }
        out.push(s.text.clone());
    }
    out
}

/// Keeps the list that sentence `i` introduces (it ends with `:`) or
/// belongs to (with its lead-in).
fn expand_list(sentences: &[Sentence], i: usize, keep: &mut [bool]) {
    let mut start = i;
    if sentences[i].list_item {
        while start > 0 && sentences[start - 1].list_item {
            start -= 1;
        }
        if start > 0 && sentences[start - 1].text.ends_with(':') {
            keep[start - 1] = true;
        }
    } else if !sentences[i].text.ends_with(':') {
        return;
    } else {
        start = i + 1;
    }
    let mut j = start;
    while j < sentences.len() && sentences[j].list_item {
        keep[j] = true;
        j += 1;
    }
}

#[cfg(test)]
mod tests;
