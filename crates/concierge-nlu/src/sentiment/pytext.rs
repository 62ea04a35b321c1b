//! The few Python `str` behaviours VADER relies on, reproduced exactly so the
//! port scores like the reference: `isspace`/`split()`, `strip(punctuation)`,
//! `lower()`, `isupper()` and `round()`.

use std::borrow::Cow;

/// Python's `str.isspace` for one character: Unicode `White_Space` plus the
/// four ASCII separators U+001C..U+001F, which Python also splits on.
pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `text.strip()`.
pub(super) fn strip(text: &str) -> &str {
    text.trim_matches(is_space)
}

/// `text.split()`: runs of whitespace separate, no empty pieces.
pub(super) fn split(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_space).filter(|piece| !piece.is_empty())
}

/// VADER's `_strip_punc_if_word`: strip leading and trailing ASCII
/// punctuation (`string.punctuation`), unless that leaves two characters or
/// fewer, in which case the token was probably an emoticon and stays whole.
pub(super) fn strip_punc_if_word(token: &str) -> &str {
    let stripped = token.trim_matches(|c: char| c.is_ascii_punctuation());
    if stripped.chars().nth(2).is_none() {
        token
    } else {
        stripped
    }
}

/// `token.lower()`, borrowing when nothing changes (the common case).
pub(super) fn lower(token: &str) -> Cow<'_, str> {
    if token
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(token)
    } else {
        Cow::Owned(token.to_lowercase())
    }
}

/// `token.isupper()`: no lowercase or titlecase character and at least one
/// uppercase one (so `"2FA"` is upper and `":)"` is not).
pub(super) fn is_upper(token: &str) -> bool {
    let mut cased = false;
    for c in token.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// The 31 characters of general category `Lt` (Unicode 14, as Python 3.11).
fn is_titlecase(c: char) -> bool {
    matches!(
        c,
        '\u{1c5}'
            | '\u{1c8}'
            | '\u{1cb}'
            | '\u{1f2}'
            | '\u{1f88}'..='\u{1f8f}'
            | '\u{1f98}'..='\u{1f9f}'
            | '\u{1fa8}'..='\u{1faf}'
            | '\u{1fbc}'
            | '\u{1fcc}'
            | '\u{1ffc}'
    )
}

/// Python's `round(x, digits)`: correctly rounded, ties to even on the exact
/// binary value. Rust's fixed-precision formatting rounds the same way, so
/// format and read back (four calls per score; cheap next to the rest).
pub(super) fn round(x: f64, digits: usize) -> f64 {
    format!("{x:.digits$}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_matches_python() {
        let python = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \u{85}\u{a0}\u{1680}\u{2000}\u{2001}\u{2002}\
                      \u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200a}\u{2028}\
                      \u{2029}\u{202f}\u{205f}\u{3000}";
        for c in python.chars() {
            assert!(is_space(c), "{c:?}");
        }
        let count = (0..=0x3000u32)
            .filter_map(char::from_u32)
            .filter(|c| is_space(*c))
            .count();
        assert_eq!(count, python.chars().count());
        assert_eq!(
            split(" a\u{1c}b\u{a0} c ").collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn punctuation_is_stripped_from_words_but_not_emoticons() {
        assert_eq!(strip_punc_if_word("great!!!"), "great");
        assert_eq!(strip_punc_if_word("'quoted'"), "quoted");
        assert_eq!(strip_punc_if_word(":)"), ":)");
        assert_eq!(strip_punc_if_word(":-)"), ":-)");
        assert_eq!(strip_punc_if_word("ok."), "ok.");
        assert_eq!(strip_punc_if_word("(yes)"), "yes");
        assert_eq!(strip_punc_if_word("¡hola!"), "¡hola");
    }

    #[test]
    fn isupper_matches_python() {
        assert!(is_upper("GOOD"));
        assert!(is_upper("2FA"));
        assert!(is_upper("ÉTÉ!"));
        assert!(!is_upper("Good"));
        assert!(!is_upper(":)"));
        assert!(!is_upper("123"));
        assert!(!is_upper("\u{1c5}A"));
    }

    #[test]
    fn round_ties_like_python() {
        assert_eq!(round(0.0005, 3), 0.001);
        assert_eq!(round(0.125, 2), 0.12);
        assert_eq!(round(2.675, 2), 2.67);
        assert_eq!(round(0.0625, 3), 0.062);
        assert_eq!(round(-0.42155, 4), -0.4215);
    }

    #[test]
    fn lower_borrows_when_unchanged() {
        assert!(matches!(lower("fine"), Cow::Borrowed(_)));
        assert_eq!(lower("ΟΔΟΣ"), "\u{3bf}\u{3b4}\u{3bf}\u{3c2}");
        assert_eq!(lower("NOT"), "not");
    }
}
