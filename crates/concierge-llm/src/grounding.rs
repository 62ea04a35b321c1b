//! Grounding: which passages are relevant enough to answer from, and the
//! [`OutputFilter`](crate::grounding::OutputFilter) every model reply goes through on its way out. The filter
//! works on streamed deltas and whole texts alike; it
//!
//! - renumbers citation markers by first appearance (`[3]` first becomes
//!   `[1]`, so `[n]` is always `citations[n-1]`) and drops markers that name
//!   no passage;
//! - restores masked personal data (`[EMAIL_1]` → the address);
//! - removes the `[NO_ANSWER]` marker the prompt asks a model to start with
//!   when the passages do not answer, and remembers it.
//!
//! A bracket token split across chunks is held back until it is complete
//! (at most [`MAX_TOKEN`](crate::grounding::MAX_TOKEN) characters), so no placeholder or marker ever
//! reaches the customer half-transformed.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use concierge_core::knowledge::{Citation, Passage};

use crate::pii::{PiiDetector, PiiMap};
use crate::text;

/// The longest bracket token held back while streaming.
pub const MAX_TOKEN: usize = 32;

/// The marker a model writes when the passages do not answer the question.
pub const NO_ANSWER_MARKER: &str = "[NO_ANSWER]";

/// Lexical relevance (0..1) of each passage to `question`: the weighted
/// share of the question's terms found in the passage's text, headings and
/// title. `None` when the passage is in another language than the question,
/// where word overlap says nothing.
pub fn relevance(question: &str, language: Option<&str>, passages: &[Passage]) -> Vec<Option<f64>> {
    let question = without_pii(question);
    let docs: Vec<Arc<PassageTerms>> = passages.iter().map(passage_terms).collect();
    let idf = text::Idf::new(docs.iter().map(|d| &d.all));
    passages
        .iter()
        .zip(docs.iter().map(|d| &d.all))
        .map(|(p, doc)| {
            let known = language.filter(|l| !l.is_empty() && *l != "und");
            if known.is_some_and(|l| l != p.language) {
                return None;
            }
            let q = text::terms(&question, &p.language);
            Some(text::coverage(&q, doc, &idf))
        })
        .collect()
}

/// A passage read for lexical relevance: its sentences, each sentence's
/// terms, and the terms of the whole passage with its headings and title.
#[derive(Debug)]
pub struct PassageTerms {
    /// Terms of the text, headings and title.
    pub all: HashSet<String>,
    pub sentences: Vec<text::Sentence>,
    /// Terms of each sentence, in order.
    pub sentence_terms: Vec<HashSet<String>>,
}

/// Passages read at most this many at a time are remembered; past it the
/// memory starts over.
const PASSAGE_CACHE: usize = 4096;

/// [`PassageTerms`] of `p`, remembered by content: a knowledge base's popular
/// passages are retrieved over and over, and tokenising and stemming them
/// again for every answer was a tenth of a turn's CPU. The key hashes
/// everything the terms depend on (text, headings, title, language), so a
/// changed passage is simply a new entry.
pub fn passage_terms(p: &Passage) -> Arc<PassageTerms> {
    /// (content hash, text length) → the passage read.
    type Cache = Mutex<HashMap<(u64, usize), Arc<PassageTerms>>>;
    static CACHE: LazyLock<Cache> = LazyLock::new(|| Mutex::new(HashMap::new()));
    let key = {
        let mut h = std::hash::DefaultHasher::new();
        (&p.text, &p.headings, &p.citation.title, &p.language).hash(&mut h);
        (h.finish(), p.text.len())
    };
    if let Some(hit) = CACHE.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let terms = Arc::new(read_passage(p));
    if let Ok(mut cache) = CACHE.lock() {
        if cache.len() >= PASSAGE_CACHE {
            cache.clear();
        }
        cache.insert(key, terms.clone());
    }
    terms
}

fn read_passage(p: &Passage) -> PassageTerms {
    let mut all: HashSet<String> = text::terms(&p.text, &p.language).into_iter().collect();
    for h in p.headings.iter().chain([&p.citation.title]) {
        all.extend(text::terms(h, &p.language));
    }
    let sentences = text::sentences(&p.text);
    let sentence_terms = sentences
        .iter()
        .map(|s| text::terms(&s.text, &p.language).into_iter().collect())
        .collect();
    PassageTerms {
        all,
        sentences,
        sentence_terms,
    }
}

/// `text` with personal data blanked out: an email address or a card number
/// says nothing about which article answers, but its pieces would dilute
/// the question's terms.
pub fn without_pii(text: &str) -> String {
    static DETECTOR: OnceLock<PiiDetector> = OnceLock::new();
    let spans = DETECTOR.get_or_init(PiiDetector::new).detect(text);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for s in spans {
        out.push_str(&text[last..s.start]);
        out.push(' ');
        last = s.end;
    }
    out.push_str(&text[last..]);
    out
}

/// Whether a model may be asked: some passage clears `floor`, or some
/// passage's relevance cannot be judged lexically (another language).
pub fn worth_asking(relevance: &[Option<f64>], floor: f64) -> bool {
    relevance.iter().any(|r| r.is_none_or(|r| r >= floor))
}

/// Transforms model text on its way to the customer. See the module docs.
#[derive(Debug)]
pub struct OutputFilter {
    pii: PiiMap,
    passages: usize,
    /// Original passage numbers in the order they were first cited.
    cited: Vec<usize>,
    pending: String,
    no_answer: bool,
    skip_space: bool,
    /// Whitespace held back until more content follows.
    space: String,
    /// The last token was a dropped marker.
    dropped: bool,
}

impl OutputFilter {
    /// A filter for a reply grounded in `passages` passages (numbered from 1),
    /// restoring `pii`.
    pub fn new(passages: usize, pii: PiiMap) -> Self {
        Self {
            pii,
            passages,
            cited: Vec::new(),
            pending: String::new(),
            no_answer: false,
            skip_space: false,
            space: String::new(),
            dropped: false,
        }
    }

    /// Feeds a delta; returns the text that may be shown now.
    pub fn push(&mut self, delta: &str) -> String {
        self.pending.push_str(delta);
        self.drain(false)
    }

    /// Flushes what was held back at the end of the reply.
    pub fn finish(&mut self) -> String {
        self.drain(true)
    }

    /// Whole text in one go.
    pub fn apply(&mut self, text: &str) -> String {
        let mut out = self.push(text);
        out.push_str(&self.finish());
        out
    }

    /// Original passage numbers (1-based) in citation order.
    pub fn cited(&self) -> &[usize] {
        &self.cited
    }

    /// The citations, in marker order, for `passages`.
    pub fn citations(&self, passages: &[Passage]) -> Vec<Citation> {
        self.cited
            .iter()
            .filter_map(|n| passages.get(n - 1).map(|p| p.citation.clone()))
            .collect()
    }

    /// Whether the model said the passages do not answer.
    pub fn said_no_answer(&self) -> bool {
        self.no_answer
    }

    fn drain(&mut self, end: bool) -> String {
        let mut out = String::new();
        let pending = std::mem::take(&mut self.pending);
        let mut rest = pending.as_str();
        loop {
            if self.skip_space {
                // Whitespace after the no-answer marker is dropped, however
                // the stream splits it.
                rest = rest.trim_start();
                if rest.is_empty() {
                    return out;
                }
                self.skip_space = false;
            }
            let Some(open) = rest.find('[') else {
                self.emit(&mut out, rest);
                return out;
            };
            self.emit(&mut out, &rest[..open]);
            let after = &rest[open..];
            let window: String = after.chars().take(MAX_TOKEN).collect();
            match window.find(']') {
                Some(close) => {
                    let token = &after[..=close];
                    self.transform(token, &mut out);
                    rest = &after[close + 1..];
                }
                None if !end && window.chars().count() < MAX_TOKEN => {
                    self.pending = after.to_owned();
                    return out;
                }
                None => {
                    self.emit(&mut out, "[");
                    rest = &after[1..];
                }
            }
        }
    }

    /// Appends `s`, holding trailing whitespace back until more content
    /// follows (so a dropped marker before punctuation leaves no gap, and
    /// the reply never ends in whitespace).
    fn emit(&mut self, out: &mut String, s: &str) {
        let content = s.trim_end();
        if !content.is_empty() {
            let tight = self.dropped
                && (content.starts_with(['.', ',', ';', ':', '!', '?', ')'])
                    || content.starts_with(char::is_whitespace));
            if !tight {
                out.push_str(&self.space);
            }
            self.space.clear();
            self.dropped = false;
            out.push_str(content);
        }
        self.space.push_str(&s[content.len()..]);
    }

    fn transform(&mut self, token: &str, out: &mut String) {
        let inner = &token[1..token.len() - 1];
        if token.eq_ignore_ascii_case(NO_ANSWER_MARKER) {
            self.no_answer = true;
            self.skip_space = true;
            self.space.clear();
            return;
        }
        if let Some(original) = self.pii.original(inner) {
            let original = original.to_owned();
            self.emit(out, &original);
            return;
        }
        let numbers: Option<Vec<usize>> = inner
            .split(',')
            .map(|n| n.trim().parse::<usize>().ok())
            .collect();
        match numbers {
            Some(numbers) if !inner.trim().is_empty() => {
                let mut mapped = Vec::new();
                let mut seen = HashSet::new();
                for n in numbers {
                    if n == 0 || n > self.passages {
                        continue;
                    }
                    let pos = match self.cited.iter().position(|c| *c == n) {
                        Some(p) => p,
                        None => {
                            self.cited.push(n);
                            self.cited.len() - 1
                        }
                    };
                    if seen.insert(pos) {
                        mapped.push((pos + 1).to_string());
                    }
                }
                if mapped.is_empty() {
                    self.dropped = true;
                } else {
                    self.emit(out, &format!("[{}]", mapped.join(", ")));
                }
            }
            _ => self.emit(out, token),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn masked() -> (PiiMap, String) {
        let mut map = PiiMap::new();
        let t = map.mask(&PiiDetector::new(), "write to jane@example.com");
        (map, t)
    }

    #[test]
    fn markers_are_renumbered_by_first_use_and_unknown_ones_dropped() {
        let mut f = OutputFilter::new(3, PiiMap::new());
        let out = f.apply("Reset it in Settings [3]. Then sign in again [1, 3] [7]. See [x].");
        assert_eq!(
            out,
            "Reset it in Settings [1]. Then sign in again [2, 1]. See [x]."
        );
        assert_eq!(f.cited(), &[3, 1]);
    }

    #[test]
    fn the_no_answer_marker_is_removed_and_remembered() {
        let mut f = OutputFilter::new(2, PiiMap::new());
        let out = f.apply("[NO_ANSWER] I could not find that. Shall I connect you with a person?");
        assert_eq!(
            out,
            "I could not find that. Shall I connect you with a person?"
        );
        assert!(f.said_no_answer());
    }

    #[test]
    fn placeholders_are_restored() {
        let (map, t) = masked();
        assert!(t.contains("[EMAIL_1]"));
        let mut f = OutputFilter::new(0, map);
        assert_eq!(
            f.apply("We wrote to [EMAIL_1]."),
            "We wrote to jane@example.com."
        );
    }

    #[test]
    fn a_lone_bracket_is_not_held_forever() {
        let mut f = OutputFilter::new(1, PiiMap::new());
        let long = format!("a [{}", "b".repeat(40));
        assert_eq!(f.push(&long), long);
        assert_eq!(f.push("x ["), "x");
        assert_eq!(f.finish(), " [");
    }

    proptest! {
        /// Streaming in any pieces gives exactly the whole-text result.
        #[test]
        fn chunking_never_changes_the_output(cuts in proptest::collection::vec(0usize..120, 0..10)) {
            let (map, _) = masked();
            let text = "[NO_ANSWER]  Hi [EMAIL_1], see [2] and [1,2] or [9]; [EMAIL_1] [unknown] [ end";
            let mut whole = OutputFilter::new(2, map.clone());
            let expected = whole.apply(text);
            let chars: Vec<char> = text.chars().collect();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (chars.len() + 1)).collect();
            cuts.sort_unstable();
            let mut f = OutputFilter::new(2, map);
            let mut got = String::new();
            let mut last = 0;
            for c in cuts {
                got.push_str(&f.push(&chars[last..c].iter().collect::<String>()));
                last = c;
            }
            got.push_str(&f.push(&chars[last..].iter().collect::<String>()));
            got.push_str(&f.finish());
            prop_assert_eq!(&got, &expected);
            prop_assert!(!got.contains("EMAIL_1"));
            prop_assert_eq!(f.cited(), whole.cited());
            prop_assert!(f.said_no_answer());
        }
    }
}
