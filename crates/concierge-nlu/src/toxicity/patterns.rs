//! Context: who an insult is aimed at, threats (a violent verb aimed at a
//! person), set phrases, and attacks on groups.
//!
//! Context is what keeps support vocabulary clean: "kill the process",
//! "hit the API limit" and "shoot me an email" name no person to harm,
//! "this stupid form" insults no one, while "kill you", "you stupid …" and
//! "<group> are vermin" do.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::lexicon::Term;
use super::{Category, Scores};

use Category::{IdentityAttack, Insult, Profanity, Sexual, Threat};

/// Set phrases, matched on normalised words (apostrophes dropped, so
/// "you're" is "youre").
const PHRASES: &[(&[&str], Category, f64)] = &[
    (&["fuck", "you"], Insult, 0.85),
    (&["fuck", "u"], Insult, 0.85),
    (&["fuck", "ya"], Insult, 0.85),
    (&["fuck", "off"], Insult, 0.8),
    (&["fuck", "yourself"], Insult, 0.85),
    (&["go", "fuck", "yourself"], Insult, 0.9),
    (&["screw", "you"], Insult, 0.65),
    (&["screw", "u"], Insult, 0.65),
    (&["go", "to", "hell"], Insult, 0.6),
    (&["shut", "up"], Insult, 0.35),
    (&["shut", "the", "fuck", "up"], Insult, 0.75),
    (&["piece", "of", "shit"], Insult, 0.8),
    (&["piece", "of", "crap"], Insult, 0.45),
    (&["piece", "of", "garbage"], Insult, 0.4),
    (&["piece", "of", "trash"], Insult, 0.45),
    (&["son", "of", "a", "bitch"], Insult, 0.8),
    (&["kiss", "my", "ass"], Insult, 0.7),
    (&["eat", "shit"], Insult, 0.8),
    (&["you", "suck"], Insult, 0.5),
    (&["u", "suck"], Insult, 0.5),
    (&["you", "guys", "suck"], Insult, 0.5),
    (&["get", "a", "brain"], Insult, 0.5),
    (&["get", "a", "life"], Insult, 0.4),
    (&["get", "lost"], Insult, 0.3),
    (&["what", "the", "hell"], Profanity, 0.3),
    (&["bloody", "hell"], Profanity, 0.3),
    (&["hell", "no"], Profanity, 0.2),
    (&["suck", "my", "dick"], Sexual, 0.75),
    (&["suck", "my", "dick"], Insult, 0.75),
    (&["suck", "my", "cock"], Sexual, 0.75),
    (&["suck", "my", "cock"], Insult, 0.75),
    (&["suck", "my", "balls"], Sexual, 0.6),
    (&["suck", "my", "balls"], Insult, 0.7),
    (&["jerk", "off"], Sexual, 0.75),
    (&["send", "nudes"], Sexual, 0.85),
    (&["send", "me", "nudes"], Sexual, 0.85),
    (&["sleep", "with", "me"], Sexual, 0.6),
    (&["have", "sex", "with"], Sexual, 0.6),
    (&["sexual", "favors"], Sexual, 0.6),
    (&["sexual", "favours"], Sexual, 0.6),
    (&["take", "off", "your", "clothes"], Sexual, 0.7),
    (&["i", "know", "where", "you", "live"], Threat, 0.85),
    (&["watch", "your", "back"], Threat, 0.7),
    (&["you", "are", "dead"], Threat, 0.75),
    (&["youre", "dead"], Threat, 0.75),
    (&["ur", "dead"], Threat, 0.75),
    (&["you", "will", "regret"], Threat, 0.55),
    (&["youll", "regret"], Threat, 0.55),
    (&["you", "will", "pay", "for", "this"], Threat, 0.5),
    (&["youll", "pay", "for", "this"], Threat, 0.5),
    (&["die", "in", "a", "fire"], Threat, 0.85),
    (&["go", "die"], Threat, 0.8),
    (&["hope", "you", "die"], Threat, 0.85),
    (&["you", "should", "die"], Threat, 0.85),
    (&["you", "deserve", "to", "die"], Threat, 0.85),
    (&["drop", "dead"], Threat, 0.7),
    (&["i", "will", "find", "you"], Threat, 0.7),
    (&["ill", "find", "you"], Threat, 0.7),
    (&["im", "coming", "for", "you"], Threat, 0.65),
    (&["i", "am", "coming", "for", "you"], Threat, 0.65),
    (
        &["go", "back", "to", "your", "country"],
        IdentityAttack,
        0.8,
    ),
    (
        &["go", "back", "where", "you", "came", "from"],
        IdentityAttack,
        0.75,
    ),
];

/// Violent verbs and how much they weigh when aimed at a person.
const VERBS: &[(&str, f64)] = &[
    ("kill", 1.0),
    ("kills", 1.0),
    ("killing", 1.0),
    ("murder", 1.0),
    ("murdering", 1.0),
    ("shoot", 1.0),
    ("shooting", 1.0),
    ("stab", 1.0),
    ("stabbing", 1.0),
    ("strangle", 1.0),
    ("behead", 1.0),
    ("lynch", 1.0),
    ("rape", 1.0),
    ("raping", 1.0),
    ("torture", 1.0),
    ("hurt", 0.85),
    ("hurting", 0.85),
    ("beat", 0.85),
    ("beating", 0.85),
    ("punch", 0.85),
    ("slap", 0.85),
    ("kick", 0.85),
    ("smash", 0.85),
    ("break", 0.85),
    ("destroy", 0.9),
    ("burn", 0.9),
    ("bomb", 0.9),
    ("attack", 0.85),
    ("assault", 0.85),
    ("choke", 0.85),
    ("hang", 0.85),
    ("hit", 0.85),
    ("end", 0.85),
    ("ruin", 0.7),
];

/// A person addressed or talked about: what an insult is aimed at.
const PEOPLE: &[&str] = &[
    "you",
    "u",
    "ya",
    "yu",
    "yall",
    "youre",
    "ur",
    "your",
    "yourself",
    "thou",
    "he",
    "she",
    "they",
    "hes",
    "shes",
    "theyre",
    "him",
    "her",
    "them",
    "agent",
    "agents",
    "bot",
    "rep",
    "reps",
    "staff",
    "team",
    "support",
    "guy",
    "guys",
    "people",
    "person",
    "assistant",
    "manager",
    "managers",
    "developer",
    "developers",
    "devs",
    "engineer",
    "engineers",
    "boss",
    "company",
    "folks",
    "man",
    "dude",
    "bro",
    "everyone",
    "everybody",
];

/// Words that may stand between a person and the insult aimed at them.
const FILLERS: &[&str] = &[
    "are",
    "r",
    "re",
    "is",
    "am",
    "be",
    "being",
    "been",
    "was",
    "were",
    "such",
    "so",
    "a",
    "an",
    "the",
    "total",
    "totally",
    "complete",
    "completely",
    "absolute",
    "absolutely",
    "utter",
    "utterly",
    "really",
    "very",
    "just",
    "freaking",
    "bloody",
    "most",
    "biggest",
    "real",
    "little",
    "big",
    "all",
    "of",
    "bunch",
    "what",
    "like",
    "one",
    "another",
    "and",
    "truly",
    "pure",
    "fat",
    "as",
    "sound",
    "sounds",
    "look",
    "looks",
    "act",
    "acting",
    "lot",
    "also",
    "too",
    "even",
    "still",
    "always",
    "clearly",
    "literally",
    "seriously",
    "actually",
    "more",
    "than",
    "ever",
    "some",
    "kind",
    "sort",
];

/// Things an adjective insult may describe ("your stupid app").
const THINGS: &[&str] = &[
    "app",
    "application",
    "product",
    "system",
    "software",
    "tool",
    "platform",
    "feature",
    "features",
    "bug",
    "bugs",
    "update",
    "updates",
    "release",
    "page",
    "pages",
    "form",
    "forms",
    "ui",
    "interface",
    "website",
    "site",
    "service",
    "process",
    "policy",
    "rule",
    "rules",
    "question",
    "questions",
    "email",
    "emails",
    "message",
    "messages",
    "thing",
    "things",
    "crm",
    "report",
    "reports",
    "dashboard",
    "integration",
    "api",
    "error",
    "errors",
    "setup",
    "config",
    "configuration",
    "design",
    "layout",
    "button",
    "workflow",
    "flow",
    "mistake",
    "idea",
    "ideas",
    "answer",
    "answers",
    "response",
    "responses",
    "reply",
    "replies",
    "ticket",
    "tickets",
    "case",
    "cases",
    "documentation",
    "docs",
    "article",
    "price",
    "pricing",
    "plan",
    "license",
    "account",
    "password",
    "code",
    "script",
    "field",
    "fields",
    "record",
    "records",
    "data",
    "file",
    "files",
    "limit",
    "fee",
    "fees",
    "charge",
    "charges",
    "invoice",
    "survey",
    "link",
    "menu",
    "screen",
    "setting",
    "settings",
    "option",
    "options",
    "search",
    "result",
    "results",
    "job",
    "jobs",
    "sync",
    "import",
    "export",
    "login",
    "portal",
    "chat",
    "widget",
];

/// What a violent verb may be aimed at through "your" ("burn your office").
const OBJECTS: &[&str] = &[
    "family",
    "kids",
    "children",
    "wife",
    "husband",
    "mom",
    "mother",
    "dad",
    "father",
    "daughter",
    "son",
    "office",
    "house",
    "home",
    "car",
    "staff",
    "people",
    "team",
    "employees",
    "agents",
    "dog",
    "face",
    "legs",
    "neck",
    "teeth",
    "bones",
    "ass",
    "life",
    "career",
];

/// Groups of people that attacks on identity name.
const GROUPS: &[&str] = &[
    "jews",
    "jew",
    "muslims",
    "muslim",
    "christians",
    "blacks",
    "whites",
    "asians",
    "mexicans",
    "indians",
    "immigrants",
    "migrants",
    "foreigners",
    "refugees",
    "gays",
    "lesbians",
    "homosexuals",
    "trans",
    "transgenders",
    "transgender",
    "women",
    "arabs",
    "chinese",
    "africans",
    "hispanics",
    "latinos",
    "catholics",
    "hindus",
    "sikhs",
    "buddhists",
    "atheists",
    "disabled",
];

/// Words that dehumanise when said of a group.
const DEHUMANISING: &[&str] = &[
    "animals",
    "vermin",
    "subhuman",
    "subhumans",
    "savages",
    "savage",
    "parasites",
    "scum",
    "trash",
    "garbage",
    "inferior",
    "filth",
    "filthy",
    "dirty",
    "criminals",
    "terrorists",
    "rapists",
    "apes",
    "monkeys",
    "cockroaches",
    "rats",
    "pigs",
    "dogs",
    "evil",
    "degenerates",
    "degenerate",
    "diseased",
    "plague",
    "cancer",
    "disease",
];

/// Fates wished on a group after "should" or "must".
const FATES: &[&str] = &[
    "die",
    "burn",
    "hang",
    "rot",
    "suffer",
    "gassed",
    "shot",
    "killed",
    "exterminated",
    "eradicated",
];

/// Words before a violent verb that make it an intention.
const INTENT: &[&str] = &[
    "will", "ill", "gonna", "going", "want", "wanna", "gon", "shall", "should", "must", "would",
    "wish", "hope", "to", "ima", "imma", "im", "let", "lets", "about", "finna", "gotta",
];

/// Words before a violent verb that deny it.
const NEGATORS: &[&str] = &[
    "not", "never", "dont", "wont", "wouldnt", "didnt", "cant", "no", "nobody",
];

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
