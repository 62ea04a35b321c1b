//! Emotions tuned for support conversations: anger, frustration,
//! confusion, urgency, anxiety and satisfaction, each 0..1.
//!
//! Rule-and-lexicon based: weighted cue phrases per emotion (`cues`), with
//! negation ("not urgent", "not happy"), boosters ("really frustrated") and
//! message-level intensity (shouting in capitals, exclamation marks,
//! stretched letters, repeated words), combined with the sentiment compound.
//! Each emotion's evidence is summed and saturated with `1 − e^(−x)`, so
//! one clear cue gives about 0.6 and several push towards 1.
//!
//! ```
//! use concierge_nlu::emotion::emotions;
//! use concierge_nlu::sentiment::SentimentAnalyzer;
//!
//! let text = "Production is down, we need help ASAP!";
//! let e = emotions(text, &SentimentAnalyzer::new().score(text));
//! assert!(e.urgency > 0.8);
//! ```

mod cues;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::{Emotions, Sentiment};

/// Text longer than this many characters is read up to `MAX_CHARS` only.
pub const MAX_CHARS: usize = 5_000;

const ANGER: usize = 0;
const FRUSTRATION: usize = 1;
const CONFUSION: usize = 2;
const URGENCY: usize = 3;
const ANXIETY: usize = 4;
const SATISFACTION: usize = 5;

/// Scores the emotions in `text`, given its sentiment (from
/// [`crate::sentiment::SentimentAnalyzer::score`]).
pub fn emotions(text: &str, sentiment: &Sentiment) -> Emotions {
    let text = match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let words = Words::read(text);
    let raw = match_cues(&words);
    combine(&raw, &words.signals, sentiment.compound)
}

/// One cue phrase, split into words.
#[derive(Debug)]
struct Cue {
    words: Vec<&'static str>,
    emotion: usize,
    weight: f64,
}

/// Cues by first word, longest first; built once.
fn cue_index() -> &'static HashMap<&'static str, Vec<Cue>> {
    static INDEX: OnceLock<HashMap<&'static str, Vec<Cue>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let lists = [
            (ANGER, cues::ANGER),
            (FRUSTRATION, cues::FRUSTRATION),
            (CONFUSION, cues::CONFUSION),
            (URGENCY, cues::URGENCY),
            (ANXIETY, cues::ANXIETY),
            (SATISFACTION, cues::SATISFACTION),
        ];
        let mut index: HashMap<&'static str, Vec<Cue>> = HashMap::new();
        for (emotion, list) in lists {
            for &(phrase, weight) in list {
                let words: Vec<&'static str> = phrase.split(' ').collect();
                if let Some(first) = words.first() {
                    index.entry(*first).or_default().push(Cue {
                        words,
                        emotion,
                        weight,
                    });
                }
            }
        }
        for cues in index.values_mut() {
            cues.sort_by_key(|cue| std::cmp::Reverse(cue.words.len()));
        }
        index
    })
}

/// A message's words (lowercase, apostrophes dropped) and its
/// message-level signals.
#[derive(Debug, Default)]
struct Words {
    buf: String,
    /// `(start, end, punctuation before it)`.
    tokens: Vec<(usize, usize, bool)>,
    signals: Signals,
}

/// What the message's form says about intensity.
#[derive(Debug, Default, Clone, Copy)]
struct Signals {
    /// 0..1: how much of the message is SHOUTED.
    shout: f64,
    exclamations: usize,
    questions: usize,
    /// "?!" or "!?".
    interrobang: bool,
    /// A letter stretched three times or more ("pleeease").
    elongated: bool,
    /// The same word twice in a row ("help help").
    repeated: bool,
}

impl Words {
    fn word(&self, i: usize) -> &str {
        let (s, e, _) = self.tokens[i];
        &self.buf[s..e]
    }

    fn boundary_before(&self, i: usize) -> bool {
        self.tokens[i].2
    }

    fn read(text: &str) -> Words {
        let mut words = Words {
            buf: String::with_capacity(text.len()),
            tokens: Vec::with_capacity(text.len() / 5 + 1),
            signals: Signals::default(),
        };
        let mut start: Option<usize> = None;
        let (mut letters, mut upper) = (0usize, 0usize);
        let (mut caps_words, mut letter_words) = (0usize, 0usize);
        let mut boundary = false;
        let mut run = (' ', 0usize);
        let mut last_punct = ' ';

        let mut finish = |words: &mut Words,
                          start: &mut Option<usize>,
                          boundary: &mut bool,
                          letters: usize,
                          upper: usize| {
            if let Some(s) = start.take() {
                let end = words.buf.len();
                words.tokens.push((s, end, *boundary));
                *boundary = false;
                if letters > 0 {
                    letter_words += 1;
                }
                if letters >= 3 && upper == letters && !is_acronym(&words.buf[s..end]) {
                    caps_words += 1;
                }
            }
        };

        for c in text.chars() {
            if c.is_alphanumeric() {
                if start.is_none() {
                    start = Some(words.buf.len());
                    letters = 0;
                    upper = 0;
                }
                if c.is_alphabetic() {
                    letters += 1;
                    upper += usize::from(c.is_uppercase());
                }
                run = if run.0 == c { (c, run.1 + 1) } else { (c, 1) };
                if run.1 >= 3 && c.is_alphabetic() && c != 'w' {
                    words.signals.elongated = true;
                }
                words.buf.extend(c.to_lowercase());
                last_punct = ' ';
            } else if start.is_some() && matches!(c, '\'' | '\u{2019}' | '`') {
                // "don't" → "dont"
            } else {
                finish(&mut words, &mut start, &mut boundary, letters, upper);
                run = (' ', 0);
                match c {
                    '!' => words.signals.exclamations += 1,
                    '?' => words.signals.questions += 1,
                    _ => {}
                }
                if matches!((last_punct, c), ('?', '!') | ('!', '?')) {
                    words.signals.interrobang = true;
                }
                if matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\n') {
                    boundary = true;
                    last_punct = c;
                } else if !c.is_whitespace() {
                    last_punct = ' ';
                }
            }
        }
        finish(&mut words, &mut start, &mut boundary, letters, upper);

        words.signals.shout = match caps_words {
            0 => 0.0,
            1 if letter_words <= 4 => 0.4,
            1 => 0.15,
            n => (n as f64 / letter_words.max(1) as f64 * 1.5).min(1.0),
        };
        words.signals.repeated = (1..words.tokens.len()).any(|i| {
            let w = words.word(i);
            w.len() >= 2 && w == words.word(i - 1) && w.chars().all(char::is_alphabetic)
        });
        words
    }
}

/// Capitalised by convention, not for shouting.
fn is_acronym(word: &str) -> bool {
    matches!(
        word,
        "api"
            | "sso"
            | "crm"
            | "sla"
            | "url"
            | "csv"
            | "sql"
            | "soql"
            | "sosl"
            | "apex"
            | "sfdc"
            | "http"
            | "https"
            | "json"
            | "xml"
            | "uat"
            | "cpq"
            | "saml"
            | "oauth"
            | "dns"
            | "aws"
            | "gcp"
            | "pdf"
            | "ssl"
            | "tls"
            | "vpn"
            | "erp"
            | "ceo"
            | "cto"
            | "cfo"
            | "eta"
            | "faq"
            | "usa"
            | "utc"
            | "gmt"
            | "est"
            | "pst"
            | "cet"
            | "asap"
            | "eod"
            | "gdpr"
            | "sms"
            | "mfa"
            | "otp"
            | "sdk"
            | "cli"
            | "ide"
            | "cdn"
            | "rest"
            | "soap"
            | "html"
            | "css"
            | "jwt"
            | "ldap"
            | "smtp"
            | "imap"
            | "ftp"
            | "sftp"
            | "ssh"
            | "ram"
            | "cpu"
            | "gpu"
            | "usb"
            | "ios"
            | "llc"
            | "inc"
            | "ltd"
            | "dev"
            | "prod"
            | "hipaa"
            | "sox"
            | "kpi"
            | "roi"
            | "b2b"
            | "b2c"
            | "iot"
            | "nda"
    )
}

fn is_negator(word: &str) -> bool {
    matches!(
        word,
        "not"
            | "no"
            | "never"
            | "dont"
            | "doesnt"
            | "didnt"
            | "isnt"
            | "wasnt"
            | "arent"
            | "werent"
            | "cant"
            | "cannot"
            | "wont"
            | "wouldnt"
            | "without"
            | "hardly"
            | "nobody"
            | "nothing"
            | "neither"
            | "nor"
            | "aint"
            | "havent"
            | "hasnt"
    )
}

fn is_booster(word: &str) -> bool {
    matches!(
        word,
        "very"
            | "really"
            | "so"
            | "extremely"
            | "totally"
            | "absolutely"
            | "incredibly"
            | "super"
            | "completely"
            | "truly"
            | "quite"
            | "deeply"
            | "highly"
            | "seriously"
            | "utterly"
            | "beyond"
    )
}

/// Whether a negator stands in the two words before `i`, within its clause.
fn negated(words: &Words, i: usize) -> bool {
    for k in (i.saturating_sub(2)..i).rev() {
        if words.boundary_before(k + 1) {
            return false;
        }
        if is_negator(words.word(k)) {
            return true;
        }
    }
    false
}

/// The summed cue weights per emotion.
fn match_cues(words: &Words) -> [f64; 6] {
    let index = cue_index();
    let mut raw = [0.0; 6];
    // Per emotion, the end of the last match: longest match first, no overlap.
    let mut covered = [0usize; 6];
    // The end of the last phrase of any emotion: inside it, single words do
    // not count for another emotion ("works now" is not urgent).
    let mut claimed = 0usize;
    let n = words.tokens.len();
    for i in 0..n {
        let Some(cues) = index.get(words.word(i)) else {
            continue;
        };
        for cue in cues {
            let len = cue.words.len();
            if i + len > n || !(0..len).all(|k| words.word(i + k) == cue.words[k]) {
                continue;
            }
            if len > 1 {
                claimed = claimed.max(i + len);
            } else if i < claimed {
                continue;
            }
            if i < covered[cue.emotion] {
                continue;
            }
            covered[cue.emotion] = i + len;
            let mut weight = cue.weight;
            let self_negating = cue.words.first().is_some_and(|w| is_negator(w));
            if weight > 0.0 && !self_negating && negated(words, i) {
                // "not happy" is frustration; "not worried" is nothing.
                if cue.emotion == SATISFACTION {
                    raw[FRUSTRATION] += weight * 0.5;
                }
                continue;
            }
            let boosted = i > 0 && !words.boundary_before(i) && is_booster(words.word(i - 1));
            if weight > 0.0 && boosted {
                weight *= 1.3;
            }
            raw[cue.emotion] += weight;
        }
    }
    raw
}

/// Cue evidence, message form and sentiment into the six scores.
fn combine(raw: &[f64; 6], s: &Signals, compound: f64) -> Emotions {
    let compound = if compound.is_finite() {
        compound.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let negative = (-compound).max(0.0);
    let positive = compound.max(0.0);
    let excl = s.exclamations.min(5) as f64;
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let hostile = raw[ANGER] + raw[FRUSTRATION] > 0.0 || compound <= -0.05;
    let pleased = !hostile && (raw[SATISFACTION] > 0.0 || compound >= 0.05);
    let intensity =
        1.0 + 0.35 * s.shout + 0.06 * excl + 0.15 * flag(s.elongated) + 0.1 * flag(s.repeated);

    let anger = raw[ANGER] * intensity
        + flag(hostile) * (0.5 * s.shout + 0.05 * excl)
        + flag(raw[ANGER] + raw[FRUSTRATION] > 0.0) * (negative - 0.4).max(0.0) * 0.8
        + 0.2 * flag(s.interrobang && hostile);
    let frustration = raw[FRUSTRATION] * intensity
        + negative * 0.6
        + flag(hostile)
            * (0.06 * excl + 0.2 * flag(s.repeated) + 0.2 * s.shout + 0.15 * flag(s.elongated));
    let questions = match s.questions {
        0 => 0.0,
        1 => 0.1,
        2 => 0.25,
        _ => 0.35,
    };
    let confusion = raw[CONFUSION] + questions + 0.2 * flag(s.interrobang);
    let urgent = raw[URGENCY] > 0.0;
    let urgency = raw[URGENCY] * (1.0 + 0.3 * s.shout + 0.05 * excl)
        + flag(urgent) * 0.05 * excl
        + flag(urgent || hostile) * 0.15 * flag(s.repeated);
    let anxiety = raw[ANXIETY] * (1.0 + 0.1 * excl) + flag(raw[ANXIETY] > 0.0) * 0.3 * negative;
    let satisfaction = raw[SATISFACTION]
        * if pleased {
            1.0 + 0.06 * excl + 0.2 * s.shout
        } else {
            1.0
        }
        // Politeness ("please", "help") is positive but not satisfaction.
        + flag(pleased) * positive * if raw[SATISFACTION] > 0.0 { 0.5 } else { 0.1 }
        - negative * 0.5
        - 0.6 * (raw[ANGER] + raw[FRUSTRATION]);

    Emotions {
        anger: saturate(anger),
        frustration: saturate(frustration),
        confusion: saturate(confusion),
        urgency: saturate(urgency),
        anxiety: saturate(anxiety),
        satisfaction: saturate(satisfaction),
    }
}

/// Evidence ≥ 0 to 0..1: `1 − e^(−x)`, rounded to 3 places.
fn saturate(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return 0.0;
    }
    ((1.0 - (-x).exp()) * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests;
