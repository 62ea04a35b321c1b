//! Language identification: which language a customer writes in, as an
//! ISO 639-1 code with a confidence in 0..1.
//!
//! [`detect`] uses [whatlang](https://docs.rs/whatlang) (trigram and alphabet
//! statistics compiled into the crate, no model download) over 70 languages,
//! among them the 20 most spoken: en, zh, hi, es, fr, ar, bn, pt, ru, ur,
//! id, de, ja, mr, te, tr, ta, vi, ko, it, plus pl, nl, uk, fa, th, el, he,
//! sv, cs, ro, hu … ([`supported_languages`]). Swahili is not among them.
//!
//! whatlang's character statistics are weak between close relatives on a
//! sentence or two (Spanish/Portuguese, Russian/Ukrainian, Urdu/Persian), so
//! a vote of frequent function words in 22 languages arbitrates: when it
//! clearly prefers another of those languages (two words or more ahead, or
//! one when whatlang is unsure), it wins; when it agrees, it raises the
//! confidence. A decisive vote (four words or more ahead, which nothing
//! overturns) settles a longer text without the trigram statistics, which
//! are most of the cost; the one difference is a text in a language without
//! a list that still gives one of the listed languages four function words
//! more than any other. When the final confidence is still below [`HINT_CONFIDENCE`],
//! the tenant's hint is returned instead (with that confidence) if it is
//! written in the text's script: a weak guess should not beat the prior.
//!
//! Before detection the text is cleaned of what is not prose in any
//! language — tokens with digits, `_`, `@`, `/` or inner dots (ids, error
//! codes, emails, URLs, `System.LimitException`) — and only the first
//! [`MAX_SCAN_CHARS`] characters are read, so huge input costs no more than
//! a paragraph.
//!
//! **Mixed scripts.** Letters are grouped by script (CJK ideographs, kana
//! and Hangul weigh 3 letters each, since one carries about a word's worth
//! of text); the dominant script decides, letters of other scripts are
//! ignored ("Service Cloudでログインできません" is Japanese), and the confidence
//! is multiplied by the dominant script's share of the letters.
//!
//! **Short text.** Below [`MIN_LETTERS`] letters ("ok", "hi", "thanks!")
//! statistics are unreliable, so:
//! - a script used by one language only (Hangul, kana, Thai, Greek, Tamil …)
//!   still decides, with confidence [`SCRIPT_ONLY_CONFIDENCE`];
//! - otherwise the tenant's default language `hint` is returned, with
//!   confidence [`HINT_CONFIDENCE`], when it is written in the text's script
//!   (an English hint does not override "привет");
//! - otherwise a non-Latin script gives the detector's guess at
//!   [`HINT_CONFIDENCE`] at most, and Latin gives `und` with confidence 0.
//!
//! Empty input, or input without letters, returns the hint (confidence
//! [`HINT_CONFIDENCE`]) or `und` (confidence 0).

mod stopwords;

use whatlang::Lang;

use crate::Language;

/// Fewer letters than this and the text is "short" (see the module docs).
pub const MIN_LETTERS: usize = 12;
/// Only this many characters of the cleaned text are examined.
pub const MAX_SCAN_CHARS: usize = 1000;
/// Confidence of a hint returned for short or letterless text.
pub const HINT_CONFIDENCE: f64 = 0.3;
/// Confidence of a short text in a script that only one language uses.
pub const SCRIPT_ONLY_CONFIDENCE: f64 = 0.6;
/// The code for "undetermined".
pub const UNDETERMINED: &str = "und";

/// Detects the language of `text`. `hint` is the tenant's default language
/// (`en`, `pt-BR`, `fr_FR`, `deu` …), used for short text only.
pub fn detect(text: &str, hint: Option<&str>) -> Language {
    let hint = hint.and_then(normalize_code);
    let cleaned = clean(text);
    let Some(dominant) = dominant_script(&cleaned) else {
        return fallback(hint.as_deref());
    };
    let only_dominant: String = cleaned
        .chars()
        .map(|c| {
            if c.is_alphabetic() && bucket(c) != dominant.bucket {
                ' '
            } else {
                c
            }
        })
        .collect();
    // Longer text with a decisive function-word vote: the vote would win
    // over (or agree with) the trigram statistics anyway, at full vote
    // confidence, so they are not computed.
    let vote = (dominant.weight >= MIN_LETTERS)
        .then(|| stopwords::vote(&only_dominant))
        .flatten();
    if let Some(vote) = vote.filter(|v| v.margin >= DECISIVE_MARGIN) {
        return temper(vote.code, 1.0, &dominant, hint.as_deref());
    }
    let Some(info) = whatlang::detect(&only_dominant) else {
        return fallback(hint.as_deref());
    };
    let code = iso639_1(info.lang());
    let script_only = is_single_language_script(info.script());

    if dominant.weight < MIN_LETTERS {
        if script_only {
            return language(code, SCRIPT_ONLY_CONFIDENCE);
        }
        if let Some(hint) = hint.as_deref() {
            if script_family(hint) == script_family(code) {
                return language(hint, HINT_CONFIDENCE);
            }
        }
        if script_family(code) == Family::Latin {
            return language(UNDETERMINED, 0.0);
        }
        return language(code, info.confidence().min(HINT_CONFIDENCE));
    }

    // Longer text: whatlang's answer, arbitrated by function words among the
    // languages that have lists, then tempered by length and by how much of
    // the text is in the dominant script.
    let (mut code, mut confidence) = (code, info.confidence());
    if let Some(vote) = vote {
        let vote_confidence = (vote.margin as f64 / DECISIVE_MARGIN as f64).min(1.0);
        if vote.code == code {
            confidence = confidence.max(vote_confidence);
        } else if (vote.margin >= 2 && (stopwords::knows(code) || confidence < 0.3))
            || (vote.margin >= 1 && confidence < 0.3)
        {
            code = vote.code;
            confidence = vote_confidence;
        }
    }
    temper(code, confidence, &dominant, hint.as_deref())
}

/// A function-word vote this many words ahead has full confidence; it is
/// one that no trigram statistics overturn (see [`detect`]).
const DECISIVE_MARGIN: usize = 4;

/// The confidence tempered by length and by the dominant script's share of
/// the letters; the tenant's hint instead when that is too unsure to beat
/// it and the hint fits the script.
fn temper(code: &str, confidence: f64, dominant: &Dominant, hint: Option<&str>) -> Language {
    let length = 0.5 + 0.5 * (dominant.weight as f64 / 40.0).min(1.0);
    let confidence = confidence * length * dominant.share;
    if confidence < HINT_CONFIDENCE {
        if let Some(hint) = hint {
            if script_family(hint) == script_family(code) {
                return language(hint, HINT_CONFIDENCE);
            }
        }
    }
    language(code, confidence)
}

/// ISO 639-1 codes of every language [`detect`] can return (besides `und`).
pub fn supported_languages() -> Vec<&'static str> {
    Lang::all().iter().map(|l| iso639_1(*l)).collect()
}

/// `"en-US"`, `"EN"`, `"pt_BR"`, `"eng"` → `"en"`/`"pt"`; `None` for
/// something that is not a language code. Unknown two-letter codes (`sw`)
/// are kept: a tenant may hint a language the detector does not know.
pub fn normalize_code(code: &str) -> Option<String> {
    let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    if !primary.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    match primary.len() {
        2 => Some(primary),
        3 => Lang::from_code(primary.as_str()).map(|l| iso639_1(l).to_owned()),
        _ => None,
    }
}

fn language(code: &str, confidence: f64) -> Language {
    Language {
        code: code.to_owned(),
        confidence: if confidence.is_finite() {
            confidence.clamp(0.0, 1.0)
        } else {
            0.0
        },
    }
}

fn fallback(hint: Option<&str>) -> Language {
    match hint {
        Some(hint) => language(hint, HINT_CONFIDENCE),
        None => language(UNDETERMINED, 0.0),
    }
}

/// Drops tokens that are identifiers rather than words, and caps the length.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_SCAN_CHARS * 4));
    let mut chars = 0;
    for token in text.split_whitespace() {
        let trimmed = token.trim_matches(|c: char| !c.is_alphanumeric());
        let code_like = trimmed.chars().any(|c| {
            c.is_ascii_digit() || matches!(c, '_' | '@' | '/' | '\\' | '=' | '.' | '<' | '>')
        });
        if code_like {
            continue;
        }
        // A long token (Chinese, Japanese and Thai have no spaces) is cut.
        for c in token.chars().take(MAX_SCAN_CHARS.saturating_sub(chars)) {
            out.push(c);
            chars += 1;
        }
        out.push(' ');
        chars += 1;
        if chars >= MAX_SCAN_CHARS {
            break;
        }
    }
    out
}

/// The script of a letter, coarsely: Latin, CJK (ideographs, kana and
/// Hangul together, as Japanese and Korean mix them), the main alphabets by
/// their Unicode ranges, and otherwise the 128-code-point block.
fn bucket(c: char) -> u32 {
    let cp = u32::from(c);
    match cp {
        0..=0x24F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF => 0,
        0x1100..=0x11FF | 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF => {
            1
        }
        0x370..=0x3FF | 0x1F00..=0x1FFF => 2,
        0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => 3,
        0x590..=0x5FF | 0xFB1D..=0xFB4F => 4,
        0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => 5,
        0x10A0..=0x10FF | 0x1C90..=0x1CBF | 0x2D00..=0x2D2F => 6,
        0x1200..=0x139F | 0x2D80..=0x2DDF => 7,
        0x1000..=0x109F => 8,
        _ => 16 + (cp >> 7),
    }
}

struct Dominant {
    bucket: u32,
    /// Weighted letters in the dominant bucket.
    weight: usize,
    /// Its share of all weighted letters.
    share: f64,
}

fn dominant_script(text: &str) -> Option<Dominant> {
    let mut counts: Vec<(u32, usize)> = Vec::new();
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        let b = bucket(c);
        let weight = if b == 1 { 3 } else { 1 };
        match counts.iter_mut().find(|(k, _)| *k == b) {
            Some((_, n)) => *n += weight,
            None => counts.push((b, weight)),
        }
    }
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let &(bucket, weight) = counts.iter().max_by_key(|(_, n)| *n)?;
    Some(Dominant {
        bucket,
        weight,
        share: weight as f64 / total.max(1) as f64,
    })
}

/// Scripts whose letters alone tell the language.
fn is_single_language_script(script: whatlang::Script) -> bool {
    use whatlang::Script as S;
    !matches!(
        script,
        S::Latin | S::Cyrillic | S::Arabic | S::Devanagari | S::Hebrew | S::Mandarin
    )
}

#[derive(Debug, PartialEq, Eq)]
enum Family {
    Latin,
    Cyrillic,
    Arabic,
    Devanagari,
    Hebrew,
    Cjk,
    Other(&'static str),
}

/// The script a language is written in, for checking a hint against text.
fn script_family(code: &str) -> Family {
    match code {
        "ru" | "uk" | "be" | "bg" | "mk" | "sr" | "kk" | "ky" | "mn" | "tg" => Family::Cyrillic,
        "ar" | "ur" | "fa" | "ps" | "ug" => Family::Arabic,
        "hi" | "mr" | "ne" | "sa" => Family::Devanagari,
        "he" | "yi" => Family::Hebrew,
        "zh" | "ja" | "ko" => Family::Cjk,
        "el" => Family::Other("greek"),
        "th" => Family::Other("thai"),
        "bn" => Family::Other("bengali"),
        "ta" => Family::Other("tamil"),
        "te" => Family::Other("telugu"),
        "ka" => Family::Other("georgian"),
        "hy" => Family::Other("armenian"),
        _ => Family::Latin,
    }
}

fn iso639_1(lang: Lang) -> &'static str {
    match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
        Lang::Cym => "cy",
    }
}

#[cfg(test)]
mod tests;
