//! Reading a slot's value from a message: entities of the slot's kind first,
//! then a pattern over the text, then (only when the message answers the
//! slot's own question) looser forms such as a bare number or the whole text.
//! Values are normalised (case numbers zero-padded, usernames lower-cased)
//! and checked against the slot's `pattern`.
//!
//! When a message holds several different values of the kind, the one after
//! "to"/"new" ("change my email from a@x.com to b@x.com") wins; otherwise an
//! answer takes the last one and a message that was not an answer fills
//! nothing (the question is asked instead of guessing).

use std::sync::OnceLock;

use regex::Regex;

use super::def::{SlotDef, SlotKind};
use super::lang::{words, yes_no};
use super::state::TurnInput;

/// The longest value a `text` slot keeps, in characters.
pub const MAX_TEXT_CHARS: usize = 500;

/// How a message relates to the slot being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The message answers this slot's question.
    Answer,
    /// Any other message (the trigger, an answer to another slot, the confirmation).
    Prefill,
}

/// A candidate value and whether a "to"/"new" word points at it.
#[derive(Debug, Clone)]
struct Found {
    value: String,
    targeted: bool,
}

/// Words right before the value meant ("to b@x.com", "a enterprise").
#[rustfmt::skip]
const TO_WORDS: &[&str] = &[
    "to", "into", "a", "al", "en", "vers", "auf", "zu", "zum", "zur", "nach", "in",
];

/// Words shortly before the value meant ("my new one is b@x.com").
#[rustfmt::skip]
const NEW_WORDS: &[&str] = &[
    "new", "nueva", "nuevo", "nouvelle", "nouveau", "neue", "neuer", "neu",
];

fn targeted(before: &[String]) -> bool {
    before
        .last()
        .is_some_and(|w| TO_WORDS.contains(&w.as_str()))
        || before
            .iter()
            .rev()
            .take(4)
            .any(|w| NEW_WORDS.contains(&w.as_str()))
}

fn found_at(text: &str, byte: usize, value: String) -> Found {
    let before = words(text.get(..byte).unwrap_or(""));
    Found {
        value,
        targeted: targeted(&before),
    }
}

/// The byte offset of character `index` in `text` (entities count characters).
fn char_to_byte(text: &str, index: usize) -> usize {
    text.char_indices()
        .nth(index)
        .map(|(b, _)| b)
        .unwrap_or(text.len())
}

struct Patterns {
    email: Regex,
    url: Regex,
    case: Regex,
    number: Regex,
    phone: Regex,
    record_id: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static RE: OnceLock<Option<Patterns>> = OnceLock::new();
    RE.get_or_init(|| {
        let build = || -> Result<Patterns, regex::Error> {
            Ok(Patterns {
                email: Regex::new(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")?,
                url: Regex::new(r#"(?i)\b(?:https?://|www\.)[^\s<>"']+"#)?,
                case: Regex::new(
                    r"(?i)\b(in\s+)?(?:case|ticket|caso|cas|dossier|fall|vorgang)s?(?:\s+(?:number|no\.?|num|nr\.?|nummer|n[uú]mero|num[eé]ro|n°|nº|id))?\s*[:#]?\s*#?\s*([0-9]{1,10})\b",
                )?,
                number: Regex::new(r"(?:^|[^\w])#?([0-9]{1,10})\b")?,
                phone: Regex::new(r"\+?[0-9][0-9 ().-]{5,}[0-9]")?,
                record_id: Regex::new(r"\b[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?\b")?,
            })
        };
        match build() {
            Ok(p) => Some(p),
            Err(error) => {
                tracing::error!(%error, "workflow slot pattern does not compile");
                None
            }
        }
    })
    .as_ref()
}

/// Entities of `kind` in the message, as candidates (the normalised entity
/// value when it is a string, else the text as written).
fn entities(input: &TurnInput<'_>, kind: &str, value_key: Option<&str>) -> Vec<Found> {
    input
        .entities
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| {
            let value = match value_key {
                Some(key) => e.value.get(key).and_then(|v| v.as_str()),
                None => e.value.as_str(),
            }
            .unwrap_or(&e.text)
            .to_owned();
            found_at(input.text, char_to_byte(input.text, e.start), value)
        })
        .collect()
}

fn regex_all(text: &str, re: &Regex) -> Vec<Found> {
    re.find_iter(text)
        .map(|m| found_at(text, m.start(), m.as_str().to_owned()))
        .collect()
}

/// `candidates` unless empty, else `then()`.
fn or_else(candidates: Vec<Found>, then: impl FnOnce() -> Vec<Found>) -> Vec<Found> {
    if candidates.is_empty() {
        then()
    } else {
        candidates
    }
}

fn email_candidates(input: &TurnInput<'_>) -> Vec<Found> {
    or_else(entities(input, "email", None), || {
        patterns().map_or_else(Vec::new, |p| regex_all(input.text, &p.email))
    })
}

fn normalise_email(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('.');
    let (local, domain) = raw.split_once('@')?;
    let valid = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !raw.contains(char::is_whitespace)
        && !domain.contains('@');
    valid.then(|| format!("{local}@{}", domain.to_lowercase()))
}

fn case_candidates(input: &TurnInput<'_>, mode: Mode) -> Vec<Found> {
    let Some(p) = patterns() else {
        return Vec::new();
    };
    let text = input.text;
    or_else(entities(input, "case_number", None), || {
        or_else(
            p.case
                .captures_iter(text)
                .filter(|c| c.get(1).is_none()) // "in case 2 users …"
                .filter_map(|c| c.get(2))
                .map(|m| found_at(text, m.start(), m.as_str().to_owned()))
                .collect(),
            || {
                if mode == Mode::Prefill {
                    return Vec::new();
                }
                // An answer: bare numbers; the longest is the case number
                // ("it's 1234, opened on the 12th").
                let numbers: Vec<Found> = p
                    .number
                    .captures_iter(text)
                    .filter_map(|c| c.get(1))
                    .map(|m| found_at(text, m.start(), m.as_str().to_owned()))
                    .collect();
                let longest = numbers.iter().map(|f| f.value.len()).max().unwrap_or(0);
                numbers
                    .into_iter()
                    .filter(|f| f.value.len() == longest)
                    .collect()
            },
        )
    })
}

/// Digits zero-padded to 8 (Salesforce's default case number format); at
/// most 10 digits, not all zeros.
pub(crate) fn normalise_case_number(raw: &str) -> Option<String> {
    let digits = raw.trim().trim_start_matches('#');
    let ok = !digits.is_empty()
        && digits.len() <= 10
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits.chars().any(|c| c != '0');
    ok.then(|| format!("{digits:0>8}"))
}

fn normalise_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if !(7..=15).contains(&digits.len()) {
        return None;
    }
    Some(if raw.trim_start().starts_with('+') {
        format!("+{digits}")
    } else {
        digits
    })
}

fn record_id_candidates(input: &TurnInput<'_>, mode: Mode) -> Vec<Found> {
    or_else(entities(input, "salesforce_id", Some("id")), || {
        if mode == Mode::Prefill {
            return Vec::new();
        }
        patterns().map_or_else(Vec::new, |p| {
            regex_all(input.text, &p.record_id)
                .into_iter()
                .filter(|f| {
                    f.value.chars().any(|c| c.is_ascii_digit())
                        && f.value.chars().any(|c| c.is_ascii_alphabetic())
                })
                .collect()
        })
    })
}

/// Set phrases in which a quantifier is not an answer about people: "won't
/// load at all" says nothing about who is affected. Words as [`words`]
/// folds them (lower case, no accents).
#[rustfmt::skip]
const IDIOMS: &[&[&str]] = &[
    &["at", "all"], &["after", "all"], &["all", "right"], &["all", "the", "time"],
    &["all", "day"], &["all", "along"], &["all", "of", "a", "sudden"],
    &["for", "some", "reason"], &["some", "time"], &["some", "point"],
    &["todos", "los", "dias"], &["todas", "las", "veces"], &["algunas", "veces"],
    &["du", "tout"], &["tout", "le", "temps"], &["tous", "les", "jours"], &["toute", "la", "journee"],
    &["alle", "paar"], &["den", "ganzen", "tag"], &["die", "ganze", "zeit"],
];

/// Whether `message[start..end]` lies inside one of the [`IDIOMS`].
fn inside_idiom(message: &[String], start: usize, end: usize) -> bool {
    IDIOMS.iter().any(|idiom| {
        let n = idiom.len();
        // Every placement of the idiom that covers the span.
        (end.saturating_sub(n)..=start).any(|at| {
            message
                .get(at..at + n)
                .is_some_and(|w| w.iter().eq(idiom.iter()))
        })
    })
}

/// Options named in the text: every whole-word occurrence of a value,
/// synonym or label; in an answer also the option's number ("2").
fn choice_candidates(slot: &SlotDef, text: &str, mode: Mode) -> Vec<Found> {
    if mode == Mode::Answer {
        if let Ok(n) = text.trim().trim_end_matches('.').parse::<usize>() {
            if let Some(option) = n.checked_sub(1).and_then(|i| slot.options.get(i)) {
                return vec![Found {
                    value: option.value.clone(),
                    targeted: false,
                }];
            }
        }
    }
    let message = words(text);
    let mut found = Vec::new();
    for option in &slot.options {
        for phrase in option.phrases() {
            let phrase = words(&phrase);
            if phrase.is_empty() || phrase.len() > message.len() {
                continue;
            }
            for start in 0..=message.len() - phrase.len() {
                if message[start..start + phrase.len()] == phrase[..]
                    && !inside_idiom(&message, start, start + phrase.len())
                {
                    found.push((
                        start,
                        Found {
                            value: option.value.clone(),
                            targeted: targeted(&message[..start]),
                        },
                    ));
                }
            }
        }
    }
    found.sort_by_key(|(start, _)| *start);
    found.into_iter().map(|(_, f)| f).collect()
}

/// The raw candidates for `slot` in the message, in order of appearance.
fn candidates(slot: &SlotDef, input: &TurnInput<'_>, mode: Mode) -> Vec<(Found, Option<String>)> {
    let text = input.text;
    let normalised = |found: Vec<Found>, f: &dyn Fn(&str) -> Option<String>| {
        found
            .into_iter()
            .map(|c| {
                let n = f(&c.value);
                (c, n)
            })
            .collect()
    };
    match slot.kind {
        SlotKind::Email => normalised(email_candidates(input), &normalise_email),
        SlotKind::Username => normalised(email_candidates(input), &|v| {
            normalise_email(v).map(|e| e.to_lowercase())
        }),
        SlotKind::CaseNumber => normalised(case_candidates(input, mode), &normalise_case_number),
        SlotKind::Phone => {
            let found = or_else(entities(input, "phone", None), || {
                match (mode, patterns()) {
                    (Mode::Answer, Some(p)) => regex_all(text, &p.phone),
                    _ => Vec::new(),
                }
            });
            normalised(found, &normalise_phone)
        }
        SlotKind::Url => {
            let found = or_else(entities(input, "url", None), || {
                patterns().map_or_else(Vec::new, |p| regex_all(text, &p.url))
            });
            normalised(found, &|v| {
                let v = v.trim_end_matches(['.', ',', ')', ';', '!', '?']);
                (!v.is_empty()).then(|| v.to_owned())
            })
        }
        SlotKind::SalesforceId => {
            normalised(record_id_candidates(input, mode), &|v| Some(v.to_owned()))
        }
        SlotKind::Choice | SlotKind::Plan => {
            normalised(choice_candidates(slot, text, mode), &|v| Some(v.to_owned()))
        }
        SlotKind::Text => {
            if mode == Mode::Prefill {
                return Vec::new();
            }
            let trimmed = text.trim();
            let value: String = trimmed.chars().take(MAX_TEXT_CHARS).collect();
            let found = Found {
                value: value.clone(),
                targeted: false,
            };
            vec![(found, (!value.is_empty()).then_some(value))]
        }
        SlotKind::YesNo => {
            if mode == Mode::Prefill {
                return Vec::new();
            }
            let value = yes_no(text).map(|yes| if yes { "yes" } else { "no" }.to_owned());
            let found = Found {
                value: value.clone().unwrap_or_default(),
                targeted: false,
            };
            vec![(found, value)]
        }
    }
}

/// The value of `slot` in the message, if it holds exactly one (see the
/// module docs for how several are resolved), normalised and valid.
pub(crate) fn extract(slot: &SlotDef, input: &TurnInput<'_>, mode: Mode) -> Option<String> {
    if mode == Mode::Prefill && !slot.from_entities {
        return None;
    }
    let mut valid: Vec<Found> = Vec::new();
    for (found, value) in candidates(slot, input, mode) {
        let Some(value) = value else { continue };
        if slot
            .pattern_re
            .as_ref()
            .is_some_and(|re| !re.is_match(&value))
        {
            continue;
        }
        match valid.iter_mut().find(|f| f.value == value) {
            Some(same) => same.targeted |= found.targeted,
            None => valid.push(Found {
                value,
                targeted: found.targeted,
            }),
        }
    }
    if valid.len() <= 1 {
        return valid.pop().map(|f| f.value);
    }
    let mut targeted = valid.iter().filter(|f| f.targeted);
    match (targeted.next(), targeted.next()) {
        (Some(only), None) => Some(only.value.clone()),
        _ if mode == Mode::Answer => valid.pop().map(|f| f.value),
        _ => None,
    }
}

/// Whether two slots read the same kind of value (one value must not fill both).
pub(crate) fn same_family(a: SlotKind, b: SlotKind) -> bool {
    let family = |k: SlotKind| match k {
        SlotKind::Email | SlotKind::Username => 0,
        SlotKind::Choice | SlotKind::Plan => 1,
        other => 2 + other as u8,
    };
    family(a) == family(b)
}
