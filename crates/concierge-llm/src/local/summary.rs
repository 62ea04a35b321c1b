//! Extractive conversation summaries: the issue (the customer's first
//! substantive sentence), what was tried (sentences that say so), and the
//! status (read from the last turns).

use crate::local::phrases::{phrases, RESOLVED_CUES, TRIED_CUES, UNRESOLVED_CUES};
use crate::prompt::ToneAdjustment;
use crate::task::{Speaker, Task, TaskOutcome, TaskRequest, Turn};
use crate::text;

/// At most this many "tried" items.
const MAX_TRIED: usize = 3;
/// Longer sentences are cut to this many characters.
const MAX_ITEM_CHARS: usize = 160;

fn folded(s: &str) -> String {
    s.chars()
        .map(text::fold)
        .collect::<String>()
        .replace('’', "'")
}

fn contains_cue(sentence: &str, cues: &[&str]) -> bool {
    let f = folded(sentence);
    let words: Vec<&str> = f
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .collect();
    cues.iter().any(|cue| {
        if cue.contains(' ') || cue.contains('\'') {
            f.contains(cue)
        } else {
            words.contains(cue)
        }
    })
}

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_ITEM_CHARS {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(MAX_ITEM_CHARS).collect();
    out.push('…');
    out
}

/// The summary of `request.history` plus its question (if any).
pub(crate) fn summarize(request: &TaskRequest) -> TaskOutcome {
    let lang = request.language_or_default();
    let p = phrases(lang);
    let mut turns: Vec<Turn> = request.history.clone();
    if !request.question.trim().is_empty() {
        turns.push(Turn {
            speaker: Speaker::Customer,
            text: request.question.clone(),
        });
    }
    let customer: Vec<&Turn> = turns
        .iter()
        .filter(|t| t.speaker == Speaker::Customer)
        .collect();

    // Issue: the first customer sentence with enough content (greetings skipped).
    let issue = customer
        .iter()
        .flat_map(|t| text::sentences(&t.text))
        .find(|s| text::terms(&s.text, lang).len() >= 2)
        .map(|s| clip(&s.text))
        .or_else(|| customer.first().map(|t| clip(t.text.trim())))
        .unwrap_or_default();

    // Tried: customer sentences that say so, and what the assistant or an agent suggested.
    let mut tried: Vec<String> = Vec::new();
    for t in &turns {
        for s in text::sentences(&t.text) {
            let relevant = match t.speaker {
                Speaker::Customer => contains_cue(&s.text, TRIED_CUES) && clip(&s.text) != issue,
                // The first sentence of a suggestion usually names the fix.
                Speaker::Assistant | Speaker::Agent => false,
            };
            if relevant && tried.len() < MAX_TRIED && !tried.contains(&clip(&s.text)) {
                tried.push(clip(&s.text));
            }
        }
        if matches!(t.speaker, Speaker::Assistant | Speaker::Agent) && tried.len() < MAX_TRIED {
            let first = text::sentences(&t.text)
                .into_iter()
                .map(|s| s.text)
                .find(|s| text::terms(s, lang).len() >= 3 && !s.ends_with('?'));
            if let Some(s) = first {
                let item = clip(&s);
                if !tried.contains(&item) {
                    tried.push(item);
                }
            }
        }
    }

    // Status: from the customer's last message, and who spoke last.
    let last_customer = customer.last().map(|t| t.text.as_str()).unwrap_or_default();
    let status = if contains_cue(last_customer, UNRESOLVED_CUES) {
        p.needs_agent
    } else if contains_cue(last_customer, RESOLVED_CUES) {
        p.resolved
    } else if turns.last().is_some_and(|t| t.speaker != Speaker::Customer) {
        p.waiting
    } else {
        p.needs_agent
    };
    let mut status = status.to_owned();
    if ToneAdjustment::from_emotions(&request.emotions).apologetic {
        status.push_str(&format!("; {}", p.frustrated));
    }

    let tried = if tried.is_empty() {
        p.nothing_yet.to_owned()
    } else {
        tried.join(" · ")
    };
    let text = format!(
        "{}: {issue}\n{}: {tried}\n{}: {status}",
        p.issue, p.tried, p.status
    );
    let mut outcome = TaskOutcome::local(Task::Summarize, text);
    outcome.grounded = false;
    outcome
}
