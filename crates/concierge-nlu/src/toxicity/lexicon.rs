//! The word lists and the index that looks words up in them.
//!
//! Kept deliberately moderate: the common English profanity, insults,
//! sexual terms and identity slurs a support desk actually meets, each with
//! a weight per category. Words that are also ordinary support vocabulary
//! ("kill", "execute", "hit", "dead", "abort", "trash", "garbage") carry no
//! weight on their own; only the patterns in `super::patterns` (a threat
//! verb aimed at a person, an insult aimed at "you") give them one.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// One listed word and what it weighs in each category (0..1).
#[derive(Debug, Clone, Copy)]
pub(super) struct Term {
    pub word: &'static str,
    pub profanity: f64,
    /// Insult weight when not aimed at anyone ("this stupid form").
    pub insult: f64,
    /// Insult weight when aimed at a person ("you stupid …").
    pub insult_directed: f64,
    pub identity: f64,
    pub sexual: f64,
    pub threat: f64,
    /// Matched only as written: collapsing repeated letters would turn it
    /// into a common word ("ass" → "as", "nigger" → "niger").
    pub exact: bool,
    /// Also matched inside longer words ("clusterfuck"); only for roots that
    /// no ordinary English word contains.
    pub root: bool,
    /// Inflections ("idiots", "fucking", "shitty") count too.
    pub inflects: bool,
    /// An adjective: in "your stupid app" it is aimed at the app.
    pub adjective: bool,
}

const fn term(word: &'static str) -> Term {
    Term {
        word,
        profanity: 0.0,
        insult: 0.0,
        insult_directed: 0.0,
        identity: 0.0,
        sexual: 0.0,
        threat: 0.0,
        exact: false,
        root: false,
        inflects: true,
        adjective: false,
    }
}

impl Term {
    const fn prof(self, w: f64) -> Self {
        Term {
            profanity: w,
            ..self
        }
    }
    const fn insult(self, undirected: f64, directed: f64) -> Self {
        Term {
            insult: undirected,
            insult_directed: directed,
            ..self
        }
    }
    const fn adj(self, undirected: f64, directed: f64) -> Self {
        Term {
            adjective: true,
            ..self.insult(undirected, directed)
        }
    }
    const fn identity(self, w: f64) -> Self {
        Term {
            identity: w,
            ..self
        }
    }
    const fn sexual(self, w: f64) -> Self {
        Term { sexual: w, ..self }
    }
    const fn threat(self, w: f64) -> Self {
        Term { threat: w, ..self }
    }
    const fn exact(self) -> Self {
        Term {
            exact: true,
            ..self
        }
    }
    const fn root(self) -> Self {
        Term { root: true, ..self }
    }
    const fn fixed(self) -> Self {
        Term {
            inflects: false,
            ..self
        }
    }
}

/// The listed words.
const TERMS: &[Term] = &[
    // Profanity.
    term("fuck").prof(0.7).root(),
    term("fucker").prof(0.7).insult(0.5, 0.85),
    term("motherfucker").prof(0.8).insult(0.6, 0.9),
    term("fuckyou").prof(0.7).insult(0.85, 0.85),
    term("fuckoff").prof(0.7).insult(0.8, 0.8),
    term("shit").prof(0.55).root(),
    term("bullshit").prof(0.6),
    term("crap").prof(0.25),
    term("damn").prof(0.25),
    term("dammit").prof(0.3),
    term("goddamn").prof(0.35),
    term("goddamnit").prof(0.35),
    term("piss").prof(0.35),
    term("wtf").prof(0.45),
    term("stfu").prof(0.5).insult(0.6, 0.7),
    term("gtfo").prof(0.5).insult(0.5, 0.7),
    term("bollocks").prof(0.35),
    term("ass").prof(0.4).insult(0.0, 0.6).exact(),
    term("arse").prof(0.35).insult(0.0, 0.6),
    term("asshole").prof(0.5).insult(0.6, 0.85),
    term("arsehole").prof(0.5).insult(0.6, 0.85),
    term("bastard").prof(0.45).insult(0.5, 0.8),
    term("bitch").prof(0.5).insult(0.5, 0.85).root(),
    term("cunt").prof(0.8).insult(0.7, 0.95),
    term("twat").prof(0.5).insult(0.6, 0.85).root(),
    term("wanker").prof(0.4).insult(0.5, 0.85),
    term("dick").prof(0.2).insult(0.1, 0.75).fixed(),
    term("cock").prof(0.3).sexual(0.5).fixed(),
    term("prick").insult(0.3, 0.75).fixed(),
    term("pussy").sexual(0.55).insult(0.3, 0.7),
    term("shithead").prof(0.5).insult(0.6, 0.85),
    term("dipshit").prof(0.5).insult(0.6, 0.85),
    term("jackass").prof(0.3).insult(0.5, 0.8),
    term("dumbass").prof(0.3).insult(0.55, 0.85),
    term("douche").insult(0.45, 0.8),
    term("douchebag").insult(0.5, 0.8),
    // Insults: mild when about a thing, strong when aimed at a person.
    term("idiot").insult(0.5, 0.78),
    term("idiotic").adj(0.35, 0.65),
    term("moron").insult(0.5, 0.78),
    term("moronic").adj(0.35, 0.65),
    term("imbecile").insult(0.5, 0.78),
    term("cretin").insult(0.5, 0.78),
    term("stupid").adj(0.25, 0.68),
    term("dumb").adj(0.2, 0.65),
    term("retard").insult(0.6, 0.85).identity(0.4),
    term("loser").insult(0.25, 0.65),
    term("incompetent").adj(0.1, 0.5),
    term("useless").adj(0.05, 0.45),
    term("pathetic").adj(0.2, 0.55),
    term("worthless").adj(0.2, 0.65),
    term("brainless").adj(0.2, 0.65),
    term("clueless").adj(0.05, 0.45),
    term("ignorant").adj(0.1, 0.5),
    term("disgusting").adj(0.1, 0.55),
    term("ugly").adj(0.1, 0.6),
    term("scum").insult(0.45, 0.8),
    term("scumbag").insult(0.5, 0.85),
    term("jerk").insult(0.3, 0.68).fixed(),
    term("jerks").insult(0.3, 0.68),
    term("clown").insult(0.05, 0.55),
    term("fool").insult(0.15, 0.55),
    term("liar").insult(0.2, 0.6),
    term("creep").insult(0.2, 0.6),
    term("nitwit").insult(0.4, 0.7),
    term("dimwit").insult(0.4, 0.7),
    term("halfwit").insult(0.4, 0.7),
    term("buffoon").insult(0.3, 0.65),
    term("parasite").insult(0.05, 0.7),
    term("vermin").insult(0.2, 0.75),
    term("pig").insult(0.0, 0.6).fixed(),
    term("swine").insult(0.1, 0.65),
    term("rat").insult(0.0, 0.5).fixed(),
    term("trash").insult(0.0, 0.6).fixed(),
    term("garbage").insult(0.0, 0.55).fixed(),
    // Sexual.
    term("porn").sexual(0.5),
    term("porno").sexual(0.5),
    term("nudes").sexual(0.5),
    term("horny").sexual(0.6),
    term("blowjob").sexual(0.85),
    term("handjob").sexual(0.85),
    term("dildo").sexual(0.7),
    term("orgasm").sexual(0.6),
    term("tits").sexual(0.55),
    term("boobs").sexual(0.5),
    term("cumshot").sexual(0.9),
    term("milf").sexual(0.6),
    term("slut").sexual(0.6).insult(0.6, 0.85).root(),
    term("whore").sexual(0.6).insult(0.6, 0.85).root(),
    term("hooker").sexual(0.4).insult(0.2, 0.6),
    term("sexy").sexual(0.3),
    term("rapist").sexual(0.5).insult(0.3, 0.8),
    term("molest").sexual(0.8).threat(0.5),
    // Identity slurs.
    term("nigger")
        .identity(0.95)
        .insult(0.6, 0.9)
        .exact()
        .root(),
    term("nigga").identity(0.6),
    term("faggot").identity(0.9).insult(0.6, 0.9).root(),
    term("fag").identity(0.7).insult(0.4, 0.8).exact(),
    term("dyke").identity(0.6),
    term("tranny").identity(0.75),
    term("kike").identity(0.9),
    term("spic").identity(0.8).exact(),
    term("wetback").identity(0.85),
    term("raghead").identity(0.85),
    term("towelhead").identity(0.85),
    term("paki").identity(0.7),
    term("gook").identity(0.8),
    // Self-harm encouragement.
    term("kys").threat(0.9).exact(),
];

/// Suffixes stripped when a word is not listed as written, longest first.
const SUFFIXES: &[&str] = &[
    "ings", "ing", "ers", "ies", "ity", "est", "ish", "in", "ed", "er", "es", "ic", "s", "y",
];

/// The lists, indexed; built once per process.
#[derive(Debug)]
pub(super) struct Index {
    /// Every term by its spelling (repeats squeezed to two).
    exact: HashMap<&'static str, usize>,
    /// Non-exact terms by their spelling with all repeats collapsed.
    collapsed: HashMap<String, usize>,
    /// Root terms: collapsed, or squeezed for exact terms.
    roots: Vec<(String, usize)>,
    /// Non-exact terms of four letters or more, collapsed, for runs of
    /// spaced-out letters.
    long: Vec<(String, usize)>,
    /// Every other word the patterns use, so obfuscated spellings of
    /// "you" or "kill" can be recognised.
    vocabulary: HashSet<&'static str>,
}

impl Index {
    pub fn get() -> &'static Index {
        static INDEX: OnceLock<Index> = OnceLock::new();
        INDEX.get_or_init(Index::build)
    }

    fn build() -> Index {
        let mut exact = HashMap::new();
        let mut collapsed = HashMap::new();
        let mut roots = Vec::new();
        let mut long = Vec::new();
        for (i, t) in TERMS.iter().enumerate() {
            exact.insert(t.word, i);
            if !t.exact {
                collapsed.insert(collapse(t.word), i);
                if t.word.len() >= 4 {
                    long.push((collapse(t.word), i));
                }
            }
            if t.root {
                let key = if t.exact {
                    squeeze(t.word)
                } else {
                    collapse(t.word)
                };
                roots.push((key, i));
            }
        }
        let vocabulary = super::patterns::vocabulary().collect();
        Index {
            exact,
            collapsed,
            roots,
            long,
            vocabulary,
        }
    }

    /// The term `word` (lowercase, de-obfuscated) is, allowing stretched
    /// letters ("stuuupid"), inflections and, for roots, compounds
    /// ("clusterfuck").
    pub fn lookup(&self, word: &str) -> Option<&'static Term> {
        self.lookup_with(word, true)
    }

    /// As [`Index::lookup`], without compounds: for words put together
    /// from pieces, where "is hit" must not become "ishit".
    pub fn lookup_whole(&self, word: &str) -> Option<&'static Term> {
        self.lookup_with(word, false)
    }

    fn lookup_with(&self, word: &str, compounds: bool) -> Option<&'static Term> {
        if !word.is_ascii() || word.len() < 2 {
            return None;
        }
        let squeezed = squeeze(word);
        if let Some(&i) = self.exact.get(squeezed.as_str()) {
            return Some(&TERMS[i]);
        }
        let collapsed = collapse(word);
        if let Some(&i) = self.collapsed.get(&collapsed) {
            return Some(&TERMS[i]);
        }
        for suffix in SUFFIXES {
            if let Some(stem) = collapsed.strip_suffix(suffix).filter(|s| s.len() >= 3) {
                if let Some(&i) = self.collapsed.get(stem) {
                    if TERMS[i].inflects {
                        return Some(&TERMS[i]);
                    }
                }
            }
            // Exact terms take only plurals ("asses").
            if matches!(*suffix, "s" | "es") {
                if let Some(stem) = squeezed.strip_suffix(suffix) {
                    if let Some(&i) = self.exact.get(stem) {
                        if TERMS[i].exact && TERMS[i].inflects {
                            return Some(&TERMS[i]);
                        }
                    }
                }
            }
        }
        if !compounds {
            return None;
        }
        self.roots
            .iter()
            .find(|(root, i)| {
                let word = if TERMS[*i].exact {
                    &squeezed
                } else {
                    &collapsed
                };
                word.contains(root.as_str())
            })
            .map(|(_, i)| &TERMS[*i])
    }

    /// Whether `word` means something here: a term or a pattern word.
    pub fn known(&self, word: &str) -> bool {
        self.vocabulary.contains(word) || self.lookup(word).is_some()
    }

    /// The swear word a first letter and a mask stand for ("f***", "s***",
    /// "c***"): the strongest profanity of exactly that length with that
    /// initial, if one is stronger than every other. Mild words are never
    /// masked this way, so "f***" is not "fool".
    pub fn unmask_initial(&self, initial: char, len: usize) -> Option<&'static str> {
        let mut fits = TERMS
            .iter()
            .filter(|t| t.profanity >= 0.5 && t.word.len() == len && t.word.starts_with(initial));
        let first = fits.next()?;
        let (mut best, mut tie) = (first, false);
        for t in fits {
            if t.profanity > best.profanity {
                (best, tie) = (t, false);
            } else if t.profanity == best.profanity {
                tie = true;
            }
        }
        (!tie).then_some(best.word)
    }

    /// The term a masked spelling stands for ("f**k", "sh*t", "a**hole"):
    /// `matches(i, c)` says whether position `i` may be letter `c`.
    pub fn unmask(
        &self,
        len: usize,
        matches: impl Fn(usize, char) -> bool,
    ) -> Option<&'static str> {
        TERMS.iter().map(|t| t.word).find(|word| {
            if word.len() > len {
                return false;
            }
            let head = word.chars().enumerate().all(|(i, c)| matches(i, c));
            if !head {
                return false;
            }
            let rest = len - word.len();
            rest == 0
                || SUFFIXES.iter().any(|suffix| {
                    suffix.len() == rest
                        && suffix
                            .chars()
                            .enumerate()
                            .all(|(i, c)| matches(word.len() + i, c))
                })
        })
    }

    /// The terms hidden in a run of spaced-out letters ("urafuckingidiot"),
    /// left to right. Only terms of four letters or more, to stay clear of
    /// chance matches.
    pub fn find_in(&self, run: &str) -> Vec<&'static str> {
        let run = collapse(run);
        let mut found = Vec::new();
        let mut at = 0;
        while at < run.len() {
            let hit = self
                .long
                .iter()
                .filter(|(key, _)| run[at..].starts_with(key.as_str()))
                .max_by_key(|(key, _)| key.len());
            match hit {
                Some((key, i)) => {
                    found.push(TERMS[*i].word);
                    at += key.len();
                }
                None => at += run[at..].chars().next().map_or(1, char::len_utf8),
            }
        }
        found
    }
}

/// Runs of three or more of a letter squeezed to two ("asssss" → "ass").
fn squeeze(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut prev = None;
    let mut run = 0;
    for c in word.chars() {
        run = if Some(c) == prev { run + 1 } else { 1 };
        prev = Some(c);
        if run <= 2 {
            out.push(c);
        }
    }
    out
}

/// Every run of a letter collapsed to one ("stuuupid" → "stupid",
/// "asshole" → "ashole").
pub(super) fn collapse(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut prev = None;
    for c in word.chars() {
        if Some(c) != prev {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &str) -> Option<&'static str> {
        Index::get().lookup(w).map(|t| t.word)
    }

    #[test]
    fn stretched_and_inflected_words_are_found() {
        assert_eq!(word("stuuuupid"), Some("stupid"));
        assert_eq!(word("idiots"), Some("idiot"));
        assert_eq!(word("fucking"), Some("fuck"));
        assert_eq!(word("shitty"), Some("shit"));
        assert_eq!(word("asssss"), Some("ass"));
        assert_eq!(word("asses"), Some("ass"));
        assert_eq!(word("clusterfuck"), Some("fuck"));
        assert_eq!(word("assholes"), Some("asshole"));
    }

    #[test]
    fn ordinary_words_are_not_found() {
        for w in [
            "as",
            "class",
            "classes",
            "assignment",
            "assess",
            "passes",
            "analysis",
            "scunthorpe",
            "cocktail",
            "cocky",
            "dickens",
            "niger",
            "hello",
            "shell",
            "button",
            "therapist",
            "grape",
            "rated",
            "jerky",
            "kill",
            "execute",
            "dead",
            "abort",
            "trash",
            "garbage",
            "fatal",
        ] {
            let hit = word(w);
            let harmless = hit.is_none()
                || Index::get()
                    .lookup(w)
                    .is_some_and(|t| t.profanity + t.insult + t.sexual + t.identity == 0.0);
            assert!(harmless, "{w} → {hit:?}");
        }
    }

    #[test]
    fn masks_resolve_to_listed_words() {
        let unmask = |pattern: &str| {
            let chars: Vec<char> = pattern.chars().collect();
            Index::get().unmask(chars.len(), |i, c| chars[i] == '*' || chars[i] == c)
        };
        assert_eq!(unmask("f**k"), Some("fuck"));
        assert_eq!(unmask("sh*t"), Some("shit"));
        assert_eq!(unmask("a**hole"), Some("asshole"));
        assert_eq!(unmask("f***ing"), Some("fuck"));
        assert_eq!(unmask("b*g"), None);
    }

    #[test]
    fn runs_of_letters_reveal_terms() {
        assert_eq!(Index::get().find_in("urafuckingidiot"), ["fuck", "idiot"]);
        assert!(Index::get().find_in("abcdefg").is_empty());
    }

    #[test]
    fn squeeze_and_collapse() {
        assert_eq!(squeeze("asssss"), "ass");
        assert_eq!(squeeze("good"), "good");
        assert_eq!(collapse("stuuupid"), "stupid");
    }
}
