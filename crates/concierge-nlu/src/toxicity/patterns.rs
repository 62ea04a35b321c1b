//! Context: who an insult is aimed at, threats (a violent verb aimed at a
//! person), set phrases, and attacks on groups.
//!
//! Context is what keeps support vocabulary clean: "kill the process",
//! "hit the API limit" and "shoot me an email" name no person to harm,
//! "this stupid form" insults no one, while "kill you", "you stupid …" and
//! "<group> are vermin" do.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::context::{
    DEHUMANISING, FATES, FILLERS, GROUPS, INTENT, NEGATORS, OBJECTS, PEOPLE, PHRASES, THINGS, VERBS,
};
use super::lexicon::Term;
use super::{Category, Scores};

use Category::{IdentityAttack, Insult, Sexual, Threat};

/// The word sets, hashed once.
struct Words {
    phrases: HashMap<&'static str, Vec<usize>>,
    verbs: HashMap<&'static str, f64>,
    people: HashSet<&'static str>,
    fillers: HashSet<&'static str>,
    things: HashSet<&'static str>,
    objects: HashSet<&'static str>,
    groups: HashSet<&'static str>,
    dehumanising: HashSet<&'static str>,
    fates: HashSet<&'static str>,
    intent: HashSet<&'static str>,
    negators: HashSet<&'static str>,
}

impl Words {
    fn get() -> &'static Words {
        static WORDS: OnceLock<Words> = OnceLock::new();
        WORDS.get_or_init(|| {
            let mut phrases: HashMap<&'static str, Vec<usize>> = HashMap::new();
            for (i, (words, _, _)) in PHRASES.iter().enumerate() {
                if let Some(first) = words.first() {
                    phrases.entry(*first).or_default().push(i);
                }
            }
            let set = |words: &[&'static str]| words.iter().copied().collect::<HashSet<_>>();
            Words {
                phrases,
                verbs: VERBS.iter().copied().collect(),
                people: set(PEOPLE),
                fillers: set(FILLERS),
                things: set(THINGS),
                objects: set(OBJECTS),
                groups: set(GROUPS),
                dehumanising: set(DEHUMANISING),
                fates: set(FATES),
                intent: set(INTENT),
                negators: set(NEGATORS),
            }
        })
    }
}

/// Every word the patterns look for, so an obfuscated spelling of one
/// ("k1ll", "w1ll") can be resolved to it.
pub(super) fn vocabulary() -> impl Iterator<Item = &'static str> {
    PHRASES
        .iter()
        .flat_map(|(words, _, _)| words.iter().copied())
        .chain(VERBS.iter().map(|(verb, _)| *verb))
        .chain(PEOPLE.iter().copied())
        .chain(OBJECTS.iter().copied())
        .chain(GROUPS.iter().copied())
        .chain(INTENT.iter().copied())
        .chain(FATES.iter().copied())
}

/// Scores everything but the single listed words: phrases, insults aimed
/// at people, threats and attacks on groups.
pub(super) fn score(words: &[&str], hits: &[Option<&'static Term>], scores: &mut Scores) {
    let sets = Words::get();
    for (j, word) in words.iter().enumerate() {
        if let Some(candidates) = sets.phrases.get(word) {
            for &p in candidates {
                let (phrase, category, weight) = PHRASES[p];
                if words[j..].starts_with(phrase) {
                    scores.add(category, weight);
                }
            }
        }
        if let Some(term) = hits[j] {
            if term.insult > 0.0 || term.insult_directed > 0.0 {
                let weight = if is_directed(sets, words, hits, j, term) {
                    term.insult_directed
                } else {
                    term.insult
                };
                scores.add(Insult, weight);
            }
        }
        if let Some(&strength) = sets.verbs.get(word) {
            threat(sets, words, j, strength, scores);
        }
        if sets.groups.contains(word) {
            group_attack(sets, words, hits, j, scores);
        }
    }
}

/// Whether the insult at `j` is aimed at a person: a person word before it
/// with only fillers (or other insults) between, as in "you are such an
/// idiot", "ur a m0r0n", "the agent is useless". An adjective followed by
/// a thing describes the thing ("your stupid app").
fn is_directed(
    sets: &Words,
    words: &[&str],
    hits: &[Option<&'static Term>],
    j: usize,
    term: &Term,
) -> bool {
    if term.adjective
        && words
            .get(j + 1)
            .is_some_and(|next| sets.things.contains(next))
    {
        return false;
    }
    for k in (j.saturating_sub(5)..j).rev() {
        if sets.people.contains(words[k]) {
            return true;
        }
        if !(sets.fillers.contains(words[k]) || hits[k].is_some()) {
            return false;
        }
    }
    false
}

/// Who a violent verb is aimed at.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    /// The reader: "you", "your family".
    Second,
    /// "yourself": encouraging self-harm.
    SelfHarm,
    /// Someone else: "him", "them" (often processes, in support).
    Third,
    /// A group of people: "kill all <group>".
    Group,
}

/// Scores the violent verb at `j` if it is aimed at a person.
fn threat(sets: &Words, words: &[&str], j: usize, strength: f64, scores: &mut Scores) {
    let mut k = j + 1;
    while k < words.len()
        && k <= j + 3
        && matches!(
            words[k],
            "the" | "all" | "of" | "every" | "single" | "one" | "down" | "fucking" | "damn"
        )
    {
        k += 1;
    }
    let Some(&first) = words.get(k) else {
        return;
    };
    let after = |at: usize| {
        let mut at = at;
        while words
            .get(at)
            .is_some_and(|w| matches!(*w, "whole" | "entire" | "little" | "fucking" | "damn"))
        {
            at += 1;
        }
        (at, words.get(at).copied())
    };
    let (end, target) = match first {
        "you" | "u" | "ya" | "yu" | "yall" | "thee" => (k, Target::Second),
        "yourself" | "yourselves" | "urself" => (k, Target::SelfHarm),
        "your" | "ur" | "his" | "their" | "her" => {
            let (end, object) = after(k + 1);
            match object {
                Some(object) if sets.objects.contains(object) => {
                    let who = if matches!(first, "your" | "ur") {
                        Target::Second
                    } else {
                        Target::Third
                    };
                    (end, who)
                }
                _ if first == "her" => (k, Target::Third),
                _ => return,
            }
        }
        "him" | "them" | "everyone" | "everybody" | "anyone" | "anybody" => (k, Target::Third),
        group if sets.groups.contains(group) => (k, Target::Group),
        _ => return,
    };
    if words
        .get(end + 1)
        .is_some_and(|next| is_benign(words[j], next))
    {
        return;
    }
    let before = &words[j.saturating_sub(4)..j];
    let intent = before.iter().any(|w| sets.intent.contains(w));
    let negated = before.iter().any(|w| sets.negators.contains(w));
    let base = match (target, intent) {
        (Target::SelfHarm, _) => 0.9,
        (Target::Second, true) => 0.95,
        (Target::Second, false) => 0.78,
        (Target::Third, true) => 0.7,
        (Target::Third, false) => 0.4,
        (Target::Group, _) => 0.85,
    };
    let weight = base * strength * if negated { 0.3 } else { 1.0 };
    scores.add(Threat, weight);
    if target == Target::Group {
        scores.add(IdentityAttack, weight);
    }
    if words[j].starts_with("rap") {
        scores.add(Sexual, 0.8);
    }
}

/// Everyday idioms that look like threats: "shoot you an email", "hit you
/// up", "beat you to it", "kill you with kindness".
fn is_benign(verb: &str, next: &str) -> bool {
    match verb {
        "shoot" | "shooting" => matches!(
            next,
            "an" | "a" | "over" | "some" | "the" | "that" | "this" | "back" | "my"
        ),
        "hit" => matches!(next, "up" | "back"),
        "beat" | "beating" => matches!(next, "to" | "at" | "by" | "in"),
        "kill" | "killing" => next == "with",
        _ => false,
    }
}

/// Attacks on the group named at `j`: "<group> are vermin", "<group>
/// should die", "i hate <group>", "death to <group>".
fn group_attack(
    sets: &Words,
    words: &[&str],
    hits: &[Option<&'static Term>],
    j: usize,
    scores: &mut Scores,
) {
    if let Some(link) = words.get(j + 1) {
        match *link {
            "are" | "r" | "is" => {
                let rest = words.iter().zip(hits).skip(j + 2).take(4);
                for (word, hit) in rest {
                    let insulting = hit.is_some_and(|t| t.insult_directed >= 0.5 || t.insult > 0.0);
                    if insulting || sets.dehumanising.contains(word) {
                        scores.add(IdentityAttack, 0.8);
                        break;
                    }
                    if !matches!(
                        *word,
                        "all"
                            | "just"
                            | "so"
                            | "such"
                            | "a"
                            | "bunch"
                            | "of"
                            | "nothing"
                            | "but"
                            | "the"
                            | "fucking"
                            | "bloody"
                            | "damn"
                            | "total"
                            | "complete"
                            | "like"
                            | "basically"
                            | "literally"
                    ) {
                        break;
                    }
                }
            }
            "should" | "must" | "deserve" | "need" | "ought" => {
                let wished = words.iter().skip(j + 2).take(3);
                if wished.clone().any(|w| sets.fates.contains(w)) {
                    scores.add(IdentityAttack, 0.9);
                    scores.add(Threat, 0.8);
                }
            }
            "suck" => scores.add(IdentityAttack, 0.6),
            _ => {}
        }
    }
    let before = |n: usize| j.checked_sub(n).map(|i| words[i]);
    let hated = before(1) == Some("hate")
        || (matches!(before(1), Some("all" | "the" | "those" | "these"))
            && before(2) == Some("hate"));
    if hated {
        scores.add(IdentityAttack, 0.75);
    }
    if before(2) == Some("death") && before(1) == Some("to") {
        scores.add(IdentityAttack, 0.9);
        scores.add(Threat, 0.7);
    }
}
