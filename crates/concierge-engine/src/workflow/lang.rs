//! The few words a workflow must understand in every language (yes, no,
//! cancel) and the fixed sentences it says itself (cancelled, please answer
//! yes or no, …) in English, Spanish, French and German.
//!
//! Matching works on [`words`]: lower-cased, accents folded ("olvídalo" and
//! "olvidalo" are the same word), split on anything that is not a letter, a
//! digit or an apostrophe. Phrases match whole words only, so "yesterday" is
//! not "yes" and "stopped" is not "stop".

/// The languages with built-in wording; everything else falls back to English.
pub const LANGUAGES: [&str; 4] = ["en", "es", "fr", "de"];

/// The supported language for `language` (`es-MX` → `es`, `pt` → `en`).
pub fn lang_code(language: &str) -> &'static str {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|code| **code == primary)
        .copied()
        .unwrap_or("en")
}

/// Lower-cases `text` and folds the accents of the Latin letters used by the
/// supported languages (`á` → `a`, `ß` → `ss`, `’` → `'`).
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => out.push('o'),
            'ú' | 'ù' | 'û' | 'ü' => out.push('u'),
            'ñ' => out.push('n'),
            'ç' => out.push('c'),
            'ß' => out.push_str("ss"),
            '’' | '‘' | '`' => out.push('\''),
            c => out.push(c),
        }
    }
    out
}

/// The folded words of `text`.
pub(crate) fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The number of words of the longest phrase in `phrases` that `words` starts with.
fn longest_prefix(words: &[String], phrases: &[&str]) -> Option<usize> {
    phrases
        .iter()
        .filter_map(|phrase| {
            let mut n = 0;
            for (i, p) in phrase.split(' ').enumerate() {
                if words.get(i).map(String::as_str) != Some(p) {
                    return None;
                }
                n = i + 1;
            }
            Some(n)
        })
        .max()
}

#[rustfmt::skip]
const YES: &[&str] = &[
    // en
    "yes", "yeah", "yea", "yep", "yup", "sure", "ok", "okay", "correct", "right", "confirm",
    "confirmed", "go ahead", "do it", "please do", "absolutely", "of course", "that's right",
    "thats right", "that's correct", "sounds good", "definitely", "affirmative", "no problem",
    "no worries", "alright", "all right", "fine", "yes please", "perfect",
    // es
    "si", "claro", "vale", "de acuerdo", "correcto", "adelante", "por supuesto", "dale", "exacto",
    "eso es", "perfecto", "hazlo",
    // fr
    "oui", "ouais", "d'accord", "bien sur", "exact", "exactement", "vas y", "allez y", "c'est ca",
    "parfait", "ok pour moi", "volontiers", "entendu",
    // de
    "ja", "jawohl", "klar", "genau", "richtig", "gerne", "gern", "passt", "einverstanden",
    "mach das", "machen sie das", "naturlich", "selbstverstandlich", "stimmt", "jep",
];

#[rustfmt::skip]
const NO: &[&str] = &[
    // en
    "no", "n", "nope", "nah", "no thanks", "no thank you", "don't", "dont", "do not", "negative",
    "wrong", "incorrect", "not really", "no way",
    // es
    "para nada", "incorrecto", "no gracias", "de ninguna manera",
    // fr
    "non", "pas du tout", "non merci", "surtout pas",
    // de
    "nein", "nee", "ne", "falsch", "lieber nicht", "nein danke", "auf keinen fall",
];

/// A yes or a no at the start of `text` in any supported language ("yes
/// please", "sí", "oui, vas-y", "nein danke"), or `None` when it is neither.
/// "No problem" and "no worries" are yes.
pub fn yes_no(text: &str) -> Option<bool> {
    let trimmed = text.trim();
    if trimmed == "👍" {
        return Some(true);
    }
    if trimmed == "👎" {
        return Some(false);
    }
    let words = words(text);
    let yes = longest_prefix(&words, YES);
    let no = longest_prefix(&words, NO);
    match (yes, no) {
        (Some(y), Some(n)) => Some(y > n),
        (Some(_), None) => Some(true),
        (None, Some(_)) => Some(false),
        (None, None) => None,
    }
}

#[rustfmt::skip]
const CANCEL: &[&str] = &[
    // en
    "cancel", "cancel that", "cancel it", "cancel this", "stop", "stop it", "never mind",
    "nevermind", "nvm", "forget it", "forget about it", "forget that", "no thanks", "no thank you",
    "abort", "quit", "exit", "changed my mind", "i changed my mind", "i've changed my mind",
    "i have changed my mind", "don't bother", "dont bother", "not anymore", "leave it",
    // es
    "cancelar", "cancela", "cancelalo", "cancelo", "olvidalo", "olvidelo", "olvida", "olvidate",
    "dejalo", "dejelo", "detente", "para", "no gracias", "ya no", "basta", "cambie de opinion",
    "he cambiado de opinion",
    // fr
    "annuler", "annule", "annulez", "laisse tomber", "laissez tomber", "oublie", "oubliez",
    "oublie ca", "oubliez ca", "arrete", "arretez", "non merci", "tant pis", "j'ai change d'avis",
    // de
    "abbrechen", "abbruch", "brich ab", "brechen sie ab", "stopp", "vergiss es",
    "vergessen sie es", "nein danke", "lass es", "lass mal", "halt", "doch nicht",
    "ich habe es mir anders uberlegt",
];

/// Words that may open a cancel ("no, cancel", "ok never mind", "actually, stop").
#[rustfmt::skip]
const CANCEL_OPENERS: &[&str] = &[
    "no", "ok", "okay", "oh", "actually", "please", "just", "nah", "hmm", "um", "non", "nein",
    "bueno", "pues", "alors", "bon", "ach", "nee", "ah", "sorry", "perdon", "pardon",
];

/// Words that may follow a cancel ("cancel please", "never mind, thanks").
#[rustfmt::skip]
const CANCEL_FILLERS: &[&str] = &[
    "please", "thanks", "thank", "you", "it", "that", "this", "all", "everything", "then",
    "anyway", "now", "por", "favor", "gracias", "todo", "eso", "esto", "entonces", "merci", "s'il",
    "vous", "plait", "te", "ca", "tout", "finalement", "bitte", "danke", "das", "es", "alles",
    "dann", "doch",
];

/// The whole message asks to stop the workflow: a cancel phrase ("cancel",
/// "never mind", "olvídalo", "annuler", "abbrechen" …), optionally opened by
/// "no"/"ok"/"actually" and closed by "please"/"thanks". A message that only
/// mentions cancelling ("the cancel button is broken") is not a cancel.
pub fn is_cancel(text: &str) -> bool {
    let words = words(text);
    let start = words
        .iter()
        .take_while(|w| CANCEL_OPENERS.contains(&w.as_str()))
        .count();
    // Try every split between openers and the phrase ("no thanks" is itself
    // a phrase, so the opener "no" must not always be consumed).
    (0..=start).any(|skip| {
        let rest = &words[skip..];
        longest_prefix(rest, CANCEL).is_some_and(|n| {
            rest[n..]
                .iter()
                .all(|w| CANCEL_FILLERS.contains(&w.as_str()))
        })
    })
}

/// Localized `[yes, no]` quick replies.
pub fn yes_no_labels(language: &str) -> [&'static str; 2] {
    match lang_code(language) {
        "es" => ["Sí", "No"],
        "fr" => ["Oui", "Non"],
        "de" => ["Ja", "Nein"],
        _ => ["Yes", "No"],
    }
}

/// What the customer sees when a workflow is cancelled.
pub fn cancelled_message(language: &str) -> &'static str {
    match lang_code(language) {
        "es" => "De acuerdo, lo he cancelado. ¿Hay algo más en lo que pueda ayudarte?",
        "fr" => "Pas de problème, j'ai annulé. Puis-je vous aider pour autre chose ?",
        "de" => "Kein Problem, ich habe das abgebrochen. Kann ich Ihnen sonst noch helfen?",
        _ => "No problem, I've cancelled that. Is there anything else I can help you with?",
    }
}

/// Said before the confirmation question again when the answer was neither
/// yes nor no.
pub fn answer_yes_no(language: &str) -> &'static str {
    match lang_code(language) {
        "es" => "Por favor, responde sí o no.",
        "fr" => "Merci de répondre par oui ou par non.",
        "de" => "Bitte antworten Sie mit Ja oder Nein.",
        _ => "Please answer yes or no.",
    }
}

/// The invalid-answer text for slots that define none.
pub fn default_invalid(language: &str) -> &'static str {
    match lang_code(language) {
        "es" => "Perdona, no lo he entendido.",
        "fr" => "Désolé, je n'ai pas compris.",
        "de" => "Entschuldigung, das habe ich nicht verstanden.",
        _ => "Sorry, I didn't catch that.",
    }
}

/// The invalid-answer text for choice slots that define none: lists the options.
pub fn choose_one_of(language: &str, options: &[String]) -> String {
    let list = options.join(", ");
    match lang_code(language) {
        "es" => format!("Elige una de estas opciones: {list}."),
        "fr" => format!("Choisissez l'une de ces options : {list}."),
        "de" => format!("Bitte wählen Sie eine dieser Optionen: {list}."),
        _ => format!("Please choose one of: {list}."),
    }
}

/// What the engine may say when a workflow gives up ([`super::Step::GiveUp`])
/// before it hands the conversation to a person.
pub fn give_up_message(language: &str) -> &'static str {
    match lang_code(language) {
        "es" => "No consigo entenderlo bien, así que te paso con un compañero que podrá ayudarte.",
        "fr" => "J'ai du mal à bien comprendre, je vous transfère donc à un collègue qui pourra vous aider.",
        "de" => "Ich komme hier nicht weiter und verbinde Sie mit einem Kollegen, der Ihnen helfen kann.",
        _ => "I'm having trouble getting this right, so I'm passing you to a colleague who can help.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_no_in_four_languages() {
        for yes in [
            "yes",
            "Yes please!",
            "yep",
            "sure, go ahead",
            "OK",
            "sí",
            "Si, por favor",
            "claro",
            "oui",
            "Oui, vas-y",
            "d’accord",
            "ja",
            "Ja, bitte",
            "genau",
            "no problem",
            "👍",
        ] {
            assert_eq!(yes_no(yes), Some(true), "{yes}");
        }
        for no in [
            "no",
            "No.",
            "nope",
            "no thanks",
            "don't",
            "non",
            "Non merci",
            "nein",
            "Nein danke",
            "nee",
            "no, gracias",
            "👎",
        ] {
            assert_eq!(yes_no(no), Some(false), "{no}");
        }
        for neither in [
            "yesterday",
            "not sure",
            "maybe",
            "what?",
            "",
            "nobody knows",
            "jane@x.com",
        ] {
            assert_eq!(yes_no(neither), None, "{neither}");
        }
    }

    #[test]
    fn cancel_is_the_whole_message() {
        for cancel in [
            "cancel",
            "Cancel please",
            "never mind",
            "Nevermind, thanks",
            "no, cancel that",
            "forget it",
            "stop",
            "ok never mind",
            "olvídalo",
            "Olvidalo",
            "cancelar por favor",
            "annuler",
            "laisse tomber",
            "abbrechen",
            "Vergiss es",
            "no thanks",
            "actually, stop",
        ] {
            assert!(is_cancel(cancel), "{cancel}");
        }
        for not in [
            "the cancel button is broken",
            "I want to cancel my subscription",
            "stop sign",
            "no",
            "yes",
            "it stopped working",
            "",
        ] {
            assert!(!is_cancel(not), "{not}");
        }
    }

    #[test]
    fn languages_fall_back_to_english() {
        assert_eq!(lang_code("es-MX"), "es");
        assert_eq!(lang_code("FR"), "fr");
        assert_eq!(lang_code("pt"), "en");
        assert_eq!(lang_code(""), "en");
        assert_eq!(yes_no_labels("de"), ["Ja", "Nein"]);
        assert_eq!(cancelled_message("it"), cancelled_message("en"));
    }

    #[test]
    fn folding_and_words() {
        assert_eq!(fold("Olvídalo ÜBER Straße"), "olvidalo uber strasse");
        assert_eq!(words("Oui, c’est ça!"), ["oui", "c'est", "ca"]);
    }
}
