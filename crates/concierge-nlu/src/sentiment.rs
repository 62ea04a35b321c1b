//! Lexicon-and-rules sentiment: a faithful port of VADER 3.3.2
//! (Hutto & Gilbert, 2014; MIT, see `data/VADER-LICENSE`).
//!
//! Every rule of the reference `vaderSentiment.py` is here, in its order and
//! with its constants and quirks (the `but` rule's first-equal-value update,
//! `never so`/`this` boosting even without `never`, idioms looked up only for
//! words three places in), so [`SentimentAnalyzer::score`] agrees with the
//! Python package; `tests/it/sentiment_reference.rs` checks that against a
//! fixture the Python package produced. Both lexicons are embedded: nothing
//! is read or fetched at run time.
//!
//! ```
//! use concierge_nlu::sentiment::SentimentAnalyzer;
//! use concierge_nlu::SentimentLabel;
//!
//! let analyzer = SentimentAnalyzer::new();
//! let sentiment = analyzer.score("The fix works, thanks so much :)");
//! assert_eq!(sentiment.label, SentimentLabel::Positive);
//! ```

mod pytext;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use crate::{Sentiment, SentimentLabel};

/// Text longer than this many characters is scored on its first
/// `MAX_CHARS` characters only, which bounds the work per call.
pub const MAX_CHARS: usize = 5_000;

/// A compound score at or above this is positive; at or below its negation,
/// negative (the thresholds VADER's authors recommend).
pub const LABEL_THRESHOLD: f64 = 0.05;

const VADER_LEXICON: &str = include_str!("../data/vader_lexicon.txt");
const EMOJI_LEXICON: &str = include_str!("../data/emoji_utf8_lexicon.txt");

/// Mean intensity added by a booster word ("very") or removed by a dampener.
const B_INCR: f64 = 0.293;
const B_DECR: f64 = -0.293;
/// Mean intensity added by writing a word in ALL CAPS among lowercase words.
const C_INCR: f64 = 0.733;
/// Scale applied to a negated word's valence.
const N_SCALAR: f64 = -0.74;
/// Normalisation constant: roughly the largest expected raw sum.
const ALPHA: f64 = 15.0;

/// Scores sentiment. Cheap to create and to copy: the lexicons are parsed
/// once per process, on first use, and shared.
#[derive(Clone, Copy)]
pub struct SentimentAnalyzer {
    lexicon: &'static Lexicon,
}

impl fmt::Debug for SentimentAnalyzer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentimentAnalyzer")
            .field("words", &self.lexicon.words.len())
            .field("emojis", &self.lexicon.emojis.len())
            .finish()
    }
}

impl Default for SentimentAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

/// The two embedded lexicons, parsed.
struct Lexicon {
    /// Word or emoticon → mean valence (−4..4).
    words: HashMap<&'static str, f64>,
    /// Emoji → its description, which is then scored as words. Only
    /// single-character emoji: the reference replaces character by character,
    /// so longer sequences in its file never match.
    emojis: HashMap<char, &'static str>,
}

impl Lexicon {
    fn get() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(Lexicon::parse)
    }

    fn parse() -> Lexicon {
        let mut words = HashMap::with_capacity(7_600);
        for line in VADER_LEXICON.lines() {
            let mut fields = line.trim().split('\t');
            if let (Some(word), Some(Ok(valence))) =
                (fields.next(), fields.next().map(str::parse::<f64>))
            {
                words.insert(word, valence);
            }
        }
        let mut emojis = HashMap::with_capacity(1_300);
        for line in EMOJI_LEXICON.lines() {
            let mut fields = line.trim().split('\t');
            if let (Some(emoji), Some(description)) = (fields.next(), fields.next()) {
                let mut chars = emoji.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    emojis.insert(c, description);
                }
            }
        }
        Lexicon { words, emojis }
    }

    fn contains(&self, word: &str) -> bool {
        self.words.contains_key(word)
    }

    /// Replaces each emoji by its description, with a space before it unless
    /// one is already there (and, as the reference, none after it).
    fn replace_emojis<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let is_emoji = |c: char| !c.is_ascii() && self.emojis.contains_key(&c);
        if text.is_ascii() || !text.chars().any(is_emoji) {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 64);
        let mut prev_space = true;
        for c in text.chars() {
            match self.emojis.get(&c) {
                Some(description) => {
                    if !prev_space {
                        out.push(' ');
                    }
                    out.push_str(description);
                    prev_space = false;
                }
                None => {
                    out.push(c);
                    prev_space = c == ' ';
                }
            }
        }
        Cow::Owned(out)
    }
}

impl SentimentAnalyzer {
    /// The analyzer; the embedded lexicons are parsed on the first call in
    /// the process (a few milliseconds) and shared afterwards.
    pub fn new() -> Self {
        Self {
            lexicon: Lexicon::get(),
        }
    }

    /// Scores `text`: compound −1..1 (rounded to 4 places), the positive,
    /// neutral and negative proportions (3 places) and the label. Text with
    /// no words scores all zeros and is neutral.
    pub fn score(&self, text: &str) -> Sentiment {
        let text = truncate_chars(text, MAX_CHARS);
        let replaced = self.lexicon.replace_emojis(text);
        let text = pytext::strip(&replaced);

        let tokens: Vec<&str> = pytext::split(text)
            .map(pytext::strip_punc_if_word)
            .collect();
        let lowered: Vec<Cow<'_, str>> = tokens.iter().map(|t| pytext::lower(t)).collect();
        let lower: Vec<&str> = lowered.iter().map(AsRef::as_ref).collect();
        let upper: Vec<bool> = tokens.iter().map(|t| pytext::is_upper(t)).collect();
        let caps = upper.iter().filter(|u| **u).count();
        let words = Words {
            lower: &lower,
            upper: &upper,
            // Some, but not all, tokens are in ALL CAPS.
            is_cap_diff: caps > 0 && caps < tokens.len(),
        };

        let mut sentiments = Vec::with_capacity(tokens.len());
        for (i, word) in lower.iter().enumerate() {
            // Boosters and "kind of" modify others and carry no valence.
            let kind_of = *word == "kind" && lower.get(i + 1) == Some(&"of");
            if booster(word).is_some() || kind_of {
                sentiments.push(0.0);
            } else {
                sentiments.push(self.valence(&words, i));
            }
        }
        but_check(&lower, &mut sentiments);
        score_valence(&sentiments, text)
    }

    /// VADER's `sentiment_valence`: the lexicon valence of word `i` adjusted
    /// by "no", capitals, the three words before it and "least".
    fn valence(&self, words: &Words<'_>, i: usize) -> f64 {
        let lex = self.lexicon;
        let w = words.lower;
        let Some(&base) = lex.words.get(w[i]) else {
            return 0.0;
        };
        let mut valence = base;

        // "no" before another lexicon word negates that word instead.
        if w[i] == "no" && i + 1 < w.len() && lex.contains(w[i + 1]) {
            valence = 0.0;
        }
        if (i > 0 && w[i - 1] == "no")
            || (i > 1 && w[i - 2] == "no")
            || (i > 2 && w[i - 3] == "no" && matches!(w[i - 1], "or" | "nor"))
        {
            valence = base * N_SCALAR;
        }

        if words.upper[i] && words.is_cap_diff {
            if valence > 0.0 {
                valence += C_INCR;
            } else {
                valence -= C_INCR;
            }
        }

        for start_i in 0..3 {
            // Boosters and negations up to three words back, the farther the
            // weaker, unless that word carries sentiment of its own.
            let j = match i.checked_sub(start_i + 1) {
                Some(j) if !lex.contains(w[j]) => j,
                _ => continue,
            };
            let mut s = scalar_inc_dec(w[j], words.upper[j], valence, words.is_cap_diff);
            if start_i == 1 && s != 0.0 {
                s *= 0.95;
            }
            if start_i == 2 && s != 0.0 {
                s *= 0.9;
            }
            valence += s;
            valence = negation_check(valence, w, start_i, i);
            if start_i == 2 {
                valence = special_idioms_check(valence, w, i);
            }
        }

        self.least_check(valence, w, i)
    }

    /// "least good" negates; "at least" and "very least" do not.
    fn least_check(&self, valence: f64, w: &[&str], i: usize) -> f64 {
        let lex = self.lexicon;
        if i > 1 && !lex.contains(w[i - 1]) && w[i - 1] == "least" {
            if w[i - 2] != "at" && w[i - 2] != "very" {
                return valence * N_SCALAR;
            }
        } else if i > 0 && !lex.contains(w[i - 1]) && w[i - 1] == "least" {
            return valence * N_SCALAR;
        }
        valence
    }
}

/// The tokens of one text, lowercased, with their ALL-CAPS flags.
struct Words<'a> {
    lower: &'a [&'a str],
    upper: &'a [bool],
    is_cap_diff: bool,
}

/// The first `max` characters of `text`.
fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// VADER's `BOOSTER_DICT`: degree adverbs that raise or lower the intensity
/// of the word they precede.
fn booster(word: &str) -> Option<f64> {
    match word {
        "absolutely" | "amazingly" | "awfully" | "completely" | "considerable" | "considerably"
        | "decidedly" | "deeply" | "effing" | "enormous" | "enormously" | "entirely"
        | "especially" | "exceptional" | "exceptionally" | "extreme" | "extremely"
        | "fabulously" | "flipping" | "flippin" | "frackin" | "fracking" | "fricking"
        | "frickin" | "frigging" | "friggin" | "fully" | "fuckin" | "fucking" | "fuggin"
        | "fugging" | "greatly" | "hella" | "highly" | "hugely" | "incredible" | "incredibly"
        | "intensely" | "major" | "majorly" | "more" | "most" | "particularly" | "purely"
        | "quite" | "really" | "remarkably" | "so" | "substantially" | "thoroughly" | "total"
        | "totally" | "tremendous" | "tremendously" | "uber" | "unbelievably" | "unusually"
        | "utter" | "utterly" | "very" => Some(B_INCR),
        "almost" | "barely" | "hardly" | "just enough" | "kind of" | "kinda" | "kindof"
        | "kind-of" | "less" | "little" | "marginal" | "marginally" | "occasional"
        | "occasionally" | "partly" | "scarce" | "scarcely" | "slight" | "slightly"
        | "somewhat" | "sort of" | "sorta" | "sortof" | "sort-of" => Some(B_DECR),
        _ => None,
    }
}

/// VADER's `negated` for one (lowercased) word: a word of `NEGATE`, or any
/// word containing "n't".
fn is_negation(word: &str) -> bool {
    matches!(
        word,
        "aint"
            | "arent"
            | "cannot"
            | "cant"
            | "couldnt"
            | "darent"
            | "didnt"
            | "doesnt"
            | "ain't"
            | "aren't"
            | "can't"
            | "couldn't"
            | "daren't"
            | "didn't"
            | "doesn't"
            | "dont"
            | "hadnt"
            | "hasnt"
            | "havent"
            | "isnt"
            | "mightnt"
            | "mustnt"
            | "neither"
            | "don't"
            | "hadn't"
            | "hasn't"
            | "haven't"
            | "isn't"
            | "mightn't"
            | "mustn't"
            | "neednt"
            | "needn't"
            | "never"
            | "none"
            | "nope"
            | "nor"
            | "not"
            | "nothing"
            | "nowhere"
            | "oughtnt"
            | "shant"
            | "shouldnt"
            | "uhuh"
            | "wasnt"
            | "werent"
            | "oughtn't"
            | "shan't"
            | "shouldn't"
            | "uh-uh"
            | "wasn't"
            | "weren't"
            | "without"
            | "wont"
            | "wouldnt"
            | "won't"
            | "wouldn't"
            | "rarely"
            | "seldom"
            | "despite"
    ) || word.contains("n't")
}

/// VADER's `SPECIAL_CASES`: phrases whose valence replaces the word's.
/// (`badass` is in the reference table too, but only ever looked up as part
/// of a two- or three-word sequence, so it can never match.)
fn special_case(words: &[&str]) -> Option<f64> {
    match words {
        ["the", "shit"] | ["the", "bomb"] | ["to", "die", "for"] => Some(3.0),
        ["bad", "ass"] => Some(1.5),
        ["bus", "stop"] => Some(0.0),
        ["yeah", "right"] => Some(-2.0),
        ["kiss", "of", "death"] => Some(-1.5),
        ["beating", "heart"] => Some(3.5),
        _ => None,
    }
}

/// VADER's `scalar_inc_dec`: the booster adjustment that `word` (one of the
/// three before a sentiment word) gives to `valence`.
fn scalar_inc_dec(word: &str, is_upper: bool, valence: f64, is_cap_diff: bool) -> f64 {
    let Some(mut scalar) = booster(word) else {
        return 0.0;
    };
    if valence < 0.0 {
        scalar = -scalar;
    }
    if is_upper && is_cap_diff {
        if valence > 0.0 {
            scalar += C_INCR;
        } else {
            scalar -= C_INCR;
        }
    }
    scalar
}

/// VADER's `_negation_check` for the word `start_i + 1` places before `i`.
fn negation_check(valence: f64, w: &[&str], start_i: usize, i: usize) -> f64 {
    match start_i {
        0 if is_negation(w[i - 1]) => valence * N_SCALAR,
        1 => {
            if w[i - 2] == "never" && matches!(w[i - 1], "so" | "this") {
                valence * 1.25
            } else if w[i - 2] == "without" && w[i - 1] == "doubt" {
                valence
            } else if is_negation(w[i - 2]) {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        2 => {
            // As the reference's operator precedence has it: "so" or "this"
            // right before the word boosts, "never" or not.
            if (w[i - 3] == "never" && matches!(w[i - 2], "so" | "this"))
                || matches!(w[i - 1], "so" | "this")
            {
                valence * 1.25
            } else if w[i - 3] == "without" && (w[i - 2] == "doubt" || w[i - 1] == "doubt") {
                valence
            } else if is_negation(w[i - 3]) {
                valence * N_SCALAR
            } else {
                valence
            }
        }
        _ => valence,
    }
}

/// VADER's `_special_idioms_check` (called only when `i >= 3`).
fn special_idioms_check(mut valence: f64, w: &[&str], i: usize) -> f64 {
    let sequences: [&[&str]; 5] = [
        &w[i - 1..=i],
        &w[i - 2..=i],
        &w[i - 2..i],
        &w[i - 3..i],
        &w[i - 3..i - 1],
    ];
    if let Some(v) = sequences.iter().find_map(|seq| special_case(seq)) {
        valence = v;
    }
    if let Some(v) = w.get(i..i + 2).and_then(special_case) {
        valence = v;
    }
    if let Some(v) = w.get(i..i + 3).and_then(special_case) {
        valence = v;
    }
    // Two-word dampeners such as "kind of" just before the word.
    for pair in [&w[i - 3..i - 1], &w[i - 2..i]] {
        if let [a, b] = pair {
            if let Some(scalar) = booster_bigram(a, b) {
                valence += scalar;
            }
        }
    }
    valence
}

/// The two-word entries of `BOOSTER_DICT`.
fn booster_bigram(a: &str, b: &str) -> Option<f64> {
    match (a, b) {
        ("just", "enough") | ("kind", "of") | ("sort", "of") => Some(B_DECR),
        _ => None,
    }
}

/// VADER's `_but_check`: words before the first "but" count half, words
/// after it one and a half times. Reproduces the reference's loop exactly,
/// including its quirk of updating the first entry *equal* to the current
/// one (`list.index`), which matters when a value repeats.
fn but_check(lower: &[&str], sentiments: &mut [f64]) {
    let Some(bi) = lower.iter().position(|w| *w == "but") else {
        return;
    };
    for k in 0..sentiments.len() {
        let sentiment = sentiments[k];
        let si = sentiments[..=k]
            .iter()
            .position(|s| *s == sentiment)
            .unwrap_or(k);
        if si < bi {
            sentiments[si] = sentiment * 0.5;
        } else if si > bi {
            sentiments[si] = sentiment * 1.5;
        }
    }
}

/// Emphasis from exclamation marks (up to four) and from two or more
/// question marks.
fn punctuation_emphasis(text: &str) -> f64 {
    let ep_count = text.bytes().filter(|b| *b == b'!').count().min(4);
    let qm_count = text.bytes().filter(|b| *b == b'?').count();
    let qm_amplifier = match qm_count {
        0 | 1 => 0.0,
        2 | 3 => qm_count as f64 * 0.18,
        _ => 0.96,
    };
    ep_count as f64 * 0.292 + qm_amplifier
}

/// `score / sqrt(score² + alpha)`, within −1..1.
fn normalize(score: f64) -> f64 {
    (score / (score * score + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

/// VADER's `score_valence`: the compound score and the proportions.
fn score_valence(sentiments: &[f64], text: &str) -> Sentiment {
    if sentiments.is_empty() {
        return sentiment(0.0, 0.0, 0.0, 0.0);
    }
    let mut sum_s: f64 = sentiments.iter().fold(0.0, |acc, s| acc + s);
    let punct_emph_amplifier = punctuation_emphasis(text);
    if sum_s > 0.0 {
        sum_s += punct_emph_amplifier;
    } else if sum_s < 0.0 {
        sum_s -= punct_emph_amplifier;
    }
    let compound = normalize(sum_s);

    // `_sift_sentiment_scores`: +1/−1 per sentiment word compensates for
    // neutral words counting 1 each.
    let (mut pos_sum, mut neg_sum, mut neu_count) = (0.0_f64, 0.0_f64, 0usize);
    for &s in sentiments {
        if s > 0.0 {
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu_count += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += punct_emph_amplifier;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= punct_emph_amplifier;
    }
    let total = pos_sum + neg_sum.abs() + neu_count as f64;
    sentiment(
        compound,
        (pos_sum / total).abs(),
        (neu_count as f64 / total).abs(),
        (neg_sum / total).abs(),
    )
}

/// Rounds as the reference does and labels by [`LABEL_THRESHOLD`].
fn sentiment(compound: f64, positive: f64, neutral: f64, negative: f64) -> Sentiment {
    let compound = pytext::round(compound, 4);
    let label = if compound >= LABEL_THRESHOLD {
        SentimentLabel::Positive
    } else if compound <= -LABEL_THRESHOLD {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    };
    Sentiment {
        compound,
        label,
        positive: pytext::round(positive, 3),
        neutral: pytext::round(neutral, 3),
        negative: pytext::round(negative, 3),
    }
}

#[cfg(test)]
mod tests;
