//! Light text processing for lexical relevance: tokens folded to lower case
//! without accents, stop words dropped, a few support compounds joined
//! ("log in" → `login`), a light suffix-stripping stemmer per language, and
//! sentence segmentation that keeps list items and "…:" lead-ins apart.
//! Deliberately small and deterministic: it ranks a handful of retrieved
//! passages, it is not a search engine.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Lower-cases and strips the common Latin accents.
pub fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
        'ñ' | 'Ñ' => 'n',
        'ç' | 'Ç' => 'c',
        'ß' => 's',
        c => c.to_lowercase().next().unwrap_or(c),
    }
}

const STOP_EN: &[&str] = &[
    "a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "does", "doing", "for", "from", "get", "got", "had", "has", "have",
    "hello", "hi", "how", "i", "if", "im", "in", "into", "is", "it", "its", "just", "me", "my",
    "no", "not", "of", "on", "or", "our", "please", "so", "some", "than", "thank", "thanks",
    "that", "the", "their", "them", "then", "there", "this", "to", "too", "up", "us", "was", "we",
    "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
    "want", "need", "help", "there", "s", "t", "dont", "cant", "also", "all", "should", "here",
    "these", "those",
];
const STOP_ES: &[&str] = &[
    "a", "al", "como", "con", "cual", "de", "del", "el", "ella", "en", "es", "esta", "este",
    "hola", "la", "las", "lo", "los", "me", "mi", "mis", "no", "o", "para", "pero", "por", "puedo",
    "que", "se", "si", "su", "sus", "tengo", "un", "una", "y", "ya", "yo", "mas", "muy", "gracias",
    "favor", "quiero", "necesito", "ayuda", "le", "les", "nos", "tu", "usted", "cuando", "donde",
];
const STOP_FR: &[&str] = &[
    "a", "au", "aux", "avec", "bonjour", "ce", "ces", "comment", "dans", "de", "des", "du", "elle",
    "en", "est", "et", "il", "je", "j", "la", "le", "les", "l", "ma", "mais", "me", "mes", "mon",
    "ne", "pas", "pour", "qu", "que", "qui", "sur", "se", "son", "sa", "un", "une", "vous",
    "votre", "vos", "nous", "merci", "peux", "puis", "d", "y", "ou", "ai", "aide", "besoin",
    "plus", "tres",
];
const STOP_DE: &[&str] = &[
    "am", "an", "auf", "aus", "bei", "bitte", "das", "dass", "dem", "den", "der", "des", "die",
    "ein", "eine", "einen", "einer", "es", "fur", "hallo", "ich", "ihr", "im", "in", "ist", "kann",
    "mein", "meine", "mit", "nicht", "oder", "sie", "sind", "und", "uber", "um", "von", "wie",
    "wir", "zu", "danke", "mich", "mir", "was", "wo", "wenn", "hilfe", "brauche", "noch", "schon",
    "habe", "hat",
];

/// The stop words of `lang` (English for any other), as a set built once.
fn stop_words(lang: &str) -> &'static HashSet<&'static str> {
    static SETS: LazyLock<[HashSet<&'static str>; 4]> = LazyLock::new(|| {
        [STOP_EN, STOP_ES, STOP_FR, STOP_DE].map(|words| words.iter().copied().collect())
    });
    let i = match lang {
        "es" => 1,
        "fr" => 2,
        "de" => 3,
        _ => 0,
    };
    &SETS[i]
}

/// Adjacent words that support questions write apart but mean one thing.
const COMPOUNDS: &[(&str, &str, &str)] = &[
    ("log", "in", "login"),
    ("sign", "in", "login"),
    ("signin", "", "login"),
    ("logon", "", "login"),
    ("log", "on", "login"),
    ("log", "out", "logout"),
    ("sign", "out", "logout"),
    ("sign", "up", "signup"),
    ("e", "mail", "email"),
    ("pass", "word", "password"),
    ("two", "factor", "mfa"),
    ("2fa", "", "mfa"),
    ("multi", "factor", "mfa"),
    ("set", "up", "setup"),
];

/// Light suffix stripping: English `-ies/-ied/-ing/-ed/-es/-s`, then a final
/// `-e`, undoubling consonants; Spanish, French and German plural and
/// inflection endings. Stems keep at least three characters.
pub fn stem(word: &str, lang: &str) -> String {
    if word.chars().nth(3).is_none() || word.bytes().any(|b| b.is_ascii_digit()) {
        return word.to_owned();
    }
    let strip = |w: &str, suffix: &str, replace: &str| -> Option<String> {
        let rest = w.strip_suffix(suffix)?;
        (rest.chars().count() >= 3).then(|| format!("{rest}{replace}"))
    };
    let english = !matches!(lang, "es" | "fr" | "de");
    let mut w = word.to_owned();
    // Two passes: a plural (or the English inflection), then one ending.
    type Suffixes = &'static [(&'static str, &'static str)];
    let (plurals, endings): (Suffixes, Suffixes) = match lang {
        "es" => (
            &[("ciones", "cion"), ("es", ""), ("s", "")],
            &[
                ("ar", ""),
                ("er", ""),
                ("ir", ""),
                ("o", ""),
                ("a", ""),
                ("e", ""),
            ],
        ),
        "fr" => (
            &[("ements", "ement"), ("x", ""), ("s", "")],
            &[("er", ""), ("ez", ""), ("e", "")],
        ),
        "de" => (
            &[
                ("ungen", "ung"),
                ("en", ""),
                ("er", ""),
                ("es", ""),
                ("n", ""),
                ("s", ""),
            ],
            &[("e", "")],
        ),
        _ => (
            &[
                ("ies", "y"),
                ("ied", "y"),
                ("ing", ""),
                ("ed", ""),
                ("sses", "ss"),
                ("es", "e"),
                ("s", ""),
            ],
            &[],
        ),
    };
    for list in [plurals, endings] {
        for (suffix, replace) in list {
            if *suffix == "s"
                && english
                && (w.ends_with("ss") || w.ends_with("us") || w.ends_with("is"))
            {
                continue;
            }
            if let Some(s) = strip(&w, suffix, replace) {
                w = s;
                break;
            }
        }
    }
    if english {
        if let Some(s) = strip(&w, "e", "") {
            w = s;
        }
        let mut last = w.chars().rev();
        let (a, b) = (last.next(), last.next());
        let long = w.chars().nth(3).is_some();
        if long && a == b && a.is_some_and(|c| !"aeiouls".contains(c)) {
            w.pop();
        }
    }
    w
}

/// Raw lower-cased, accent-folded words (no stop-word removal).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            cur.push(fold(c));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Content terms of `text` in language `lang`: words with compounds joined,
/// stop words removed, stemmed.
pub fn terms(text: &str, lang: &str) -> Vec<String> {
    let words = words(text);
    let stops = stop_words(lang);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let next = words.get(i + 1).map(String::as_str).unwrap_or("");
        let joined = COMPOUNDS
            .iter()
            .find(|(a, b, _)| *a == w && (b.is_empty() || *b == next));
        if let Some((_, b, joined)) = joined {
            out.push((*joined).to_owned());
            i += if b.is_empty() { 1 } else { 2 };
            continue;
        }
        let lone_letter = w.chars().count() == 1 && !w.chars().all(|c| c.is_ascii_digit());
        if !(stops.contains(w) || lone_letter) {
            out.push(stem(w, lang));
        }
        i += 1;
    }
    out
}

/// Term weights over a small collection: `ln(1 + (n + 1) / (df + 0.5))`, so
/// a term in every document still counts a little.
#[derive(Debug, Clone)]
pub struct Idf {
    df: HashMap<String, usize>,
    n: usize,
}

impl Idf {
    /// Weights from the term sets of `docs`.
    pub fn new<'a>(docs: impl IntoIterator<Item = &'a HashSet<String>>) -> Self {
        let mut df = HashMap::new();
        let mut n = 0;
        for doc in docs {
            n += 1;
            for t in doc {
                *df.entry(t.clone()).or_insert(0) += 1;
            }
        }
        Self { df, n }
    }

    /// The weight of `term`.
    pub fn weight(&self, term: &str) -> f64 {
        let df = self.df.get(term).copied().unwrap_or(0) as f64;
        (1.0 + (self.n as f64 + 1.0) / (df + 0.5)).ln()
    }
}

/// Weighted share (0..1) of `query` terms found in `doc`.
pub fn coverage(query: &[String], doc: &HashSet<String>, idf: &Idf) -> f64 {
    let unique: HashSet<&String> = query.iter().collect();
    let total: f64 = unique.iter().map(|t| idf.weight(t)).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let hit: f64 = unique
        .iter()
        .filter(|t| doc.contains(t.as_str()))
        .map(|t| idf.weight(t))
        .sum();
    hit / total
}

/// A sentence (or list item) of a passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub text: String,
    /// A numbered or bulleted line.
    pub list_item: bool,
}

/// Splits text into sentences: at line breaks, and after `.`, `!` or `?`
/// followed by a space and an upper-case letter, digit or opening mark (so
/// "e.g. this" and "v2.1" stay whole). Markdown headings are dropped (the
/// passage carries its headings separately).
pub fn sentences(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let list_item = line.starts_with(['-', '*', '•'])
            || line.split_once(['.', ')']).is_some_and(|(n, _)| {
                !n.is_empty() && n.len() <= 3 && n.chars().all(|c| c.is_ascii_digit())
            });
        if list_item {
            out.push(Sentence {
                text: line.to_owned(),
                list_item: true,
            });
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut start = 0;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if matches!(c, '.' | '!' | '?' | '。')
                && chars.get(i + 1).is_some_and(|c| c.is_whitespace())
                && chars.get(i + 2).is_some_and(|c| {
                    c.is_uppercase()
                        || c.is_ascii_digit()
                        || matches!(c, '"' | '“' | '(' | '¿' | '¡')
                })
                && !abbreviation(&chars[start..i])
            {
                let s: String = chars[start..=i].iter().collect();
                out.push(Sentence {
                    text: s.trim().to_owned(),
                    list_item: false,
                });
                start = i + 1;
            }
            i += 1;
        }
        let s: String = chars[start..].iter().collect();
        if !s.trim().is_empty() {
            out.push(Sentence {
                text: s.trim().to_owned(),
                list_item: false,
            });
        }
    }
    out
}

fn abbreviation(before: &[char]) -> bool {
    let word: String = before
        .iter()
        .rev()
        .take_while(|c| !c.is_whitespace())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let w = word.to_lowercase();
    matches!(
        w.as_str(),
        "e.g" | "i.e" | "etc" | "vs" | "mr" | "mrs" | "dr" | "p.ej" | "z.b" | "bzw" | "no"
    ) || (w.chars().count() == 1 && w.chars().all(char::is_alphabetic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_meet_across_inflections() {
        for (a, b) in [
            ("passwords", "password"),
            ("resetting", "reset"),
            ("locked", "locking"),
            ("codes", "code"),
            ("verified", "verify"),
            ("enabled", "enable"),
        ] {
            assert_eq!(stem(a, "en"), stem(b, "en"), "{a} / {b}");
        }
        assert_eq!(stem("contraseñas", "es"), stem("contraseña", "es"));
        assert_eq!(
            stem("Rechnungen", "de").to_lowercase(),
            stem("rechnung", "de")
        );
    }

    #[test]
    fn terms_join_compounds_and_drop_stop_words() {
        assert_eq!(
            terms("I can't log in to my account", "en"),
            ["login", "account"]
        );
        assert_eq!(terms("Sign-in fails", "en"), ["login", "fail"]);
        assert_eq!(
            terms("¿Cómo cambio mis contraseñas?", "es"),
            terms("cambiar la contraseña", "es")
        );
    }

    #[test]
    fn sentences_split_on_punctuation_and_lines_but_not_abbreviations() {
        let s = sentences(
            "# Reset\nOpen Settings, e.g. from the menu. Then choose Security.\nTo reset it:\n1. Click Reset.\n- Check your inbox",
        );
        let texts: Vec<&str> = s.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Open Settings, e.g. from the menu.",
                "Then choose Security.",
                "To reset it:",
                "1. Click Reset.",
                "- Check your inbox"
            ]
        );
        assert!(s[3].list_item && s[4].list_item && !s[2].list_item);
    }

    #[test]
    fn coverage_weighs_rare_terms_higher() {
        let a: HashSet<String> = terms("reset your password from the login page", "en")
            .into_iter()
            .collect();
        let b: HashSet<String> = terms("update your billing address", "en")
            .into_iter()
            .collect();
        let idf = Idf::new([&a, &b]);
        let q = terms("how do I reset my password", "en");
        assert!(coverage(&q, &a, &idf) > 0.99);
        assert!(coverage(&q, &b, &idf) < 0.01);
    }
}
