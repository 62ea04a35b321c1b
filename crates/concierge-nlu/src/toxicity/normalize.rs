//! Undoing obfuscation before the word lists are consulted.
//!
//! Per whitespace-separated token: lowercase; drop zero-width characters
//! and apostrophes; fold accents, and Cyrillic or Greek look-alikes in
//! otherwise Latin words; read l33t (4→a, 3→e, 0→o, 5→s, 7→t, @→a, $→s,
//! !→i, 9→g, 8→b; 1 and | as i or l, whichever makes a known word); read
//! masks ("sh*t", "f**k"); join letters split by punctuation ("f.u.c.k").
//! Across tokens: join runs of single letters ("f u c k", "i d i o t") and
//! pairs of fragments that make a listed word ("fu ck"). Stretched letters
//! ("stuuupid") are handled by the lookup itself.
//!
//! All words go into one buffer; tokens are ranges into it.

use super::lexicon::Index;

/// At most this many 1s or |s in a word are tried both ways (2⁴ spellings).
const MAX_AMBIGUOUS: usize = 4;

/// One character of a token, classified.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Item {
    /// A letter (accents folded) or a digit that is not l33t.
    Char(char),
    /// A l33t symbol and the letter it stands for.
    Leet { to: char, from: char },
    /// `1` or `|`: an i or an l.
    Ambiguous,
    /// `*` or `#`: any letter.
    Mask,
    /// Punctuation inside or around a word.
    Separator,
}

/// The de-obfuscated words of a text.
#[derive(Debug, Default)]
pub(super) struct Normalized {
    buf: String,
    tokens: Vec<(usize, usize)>,
}

impl Normalized {
    pub fn words(&self) -> Vec<&str> {
        self.tokens.iter().map(|&(s, e)| &self.buf[s..e]).collect()
    }

    fn word(&self, i: usize) -> &str {
        let (s, e) = self.tokens[i];
        &self.buf[s..e]
    }

    fn push(&mut self, word: &str) {
        let start = self.buf.len();
        self.buf.push_str(word);
        self.tokens.push((start, self.buf.len()));
    }

    fn push_chars(&mut self, chars: impl Iterator<Item = char>) {
        let start = self.buf.len();
        self.buf.extend(chars);
        self.tokens.push((start, self.buf.len()));
    }
}

/// The de-obfuscated words of `text`.
pub(super) fn normalize(text: &str, index: &Index) -> Normalized {
    let mut out = Normalized {
        buf: String::with_capacity(text.len() + 16),
        tokens: Vec::with_capacity(text.len() / 4 + 1),
    };
    let mut items = Vec::with_capacity(32);
    let mut scratch = String::with_capacity(32);
    for raw in text.split(char::is_whitespace).filter(|t| !t.is_empty()) {
        classify(raw, &mut items);
        trim(&mut items);
        emit(&items, index, &mut out, &mut scratch);
    }
    let out = join_spaced_letters(out, index);
    join_fragments(out, index)
}

/// Zero-width and invisible formatting characters used to split words.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{34f}'
    )
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '`' | '\u{b4}')
}

fn classify(raw: &str, items: &mut Vec<Item>) {
    items.clear();
    let latin = raw.chars().any(|c| c.is_ascii_alphabetic());
    for c in raw.chars() {
        if is_invisible(c) || is_apostrophe(c) {
            continue;
        }
        for c in c.to_lowercase() {
            items.push(item(c, latin));
        }
    }
}

fn item(c: char, latin: bool) -> Item {
    let leet = |to| Item::Leet { to, from: c };
    match c {
        'a'..='z' => Item::Char(c),
        '4' | '@' => leet('a'),
        '3' => leet('e'),
        '0' => leet('o'),
        '5' | '$' => leet('s'),
        '7' => leet('t'),
        '9' => leet('g'),
        '8' => leet('b'),
        '!' => leet('i'),
        '1' | '|' => Item::Ambiguous,
        '*' | '#' => Item::Mask,
        c if c.is_alphabetic() => Item::Char(fold(c, latin)),
        c if c.is_numeric() => Item::Char(c),
        _ => Item::Separator,
    }
}

/// Accented Latin letters to their base letter; in a word that also has
/// plain Latin letters, Cyrillic and Greek look-alikes to Latin.
fn fold(c: char, latin: bool) -> char {
    let folded = match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è'..='ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'ì'..='ï' | 'ī' | 'į' | 'ı' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ù'..='ü' | 'ū' | 'ů' | 'ű' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'š' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        _ => c,
    };
    if !latin {
        return folded;
    }
    match folded {
        'а' | 'α' => 'a',
        'е' | 'ε' => 'e',
        'о' | 'ο' => 'o',
        'р' | 'ρ' => 'p',
        'с' => 'c',
        'у' => 'y',
        'х' => 'x',
        'і' | 'ι' => 'i',
        'ѕ' => 's',
        'ј' => 'j',
        'ԁ' => 'd',
        'к' | 'κ' => 'k',
        'ν' => 'v',
        'τ' => 't',
        'υ' => 'u',
        other => other,
    }
}

/// Drops punctuation around the word, including sentence-ending "!" and
/// the asterisks of *emphasis*, but keeps leading "$" and "@" ("$hit").
fn trim(items: &mut Vec<Item>) {
    let edge = |it: &Item| matches!(it, Item::Separator | Item::Leet { from: '!', .. });
    let end = items.iter().rposition(|it| !edge(it)).map_or(0, |p| p + 1);
    items.truncate(end);
    let start = items.iter().position(|it| !edge(it)).unwrap_or(items.len());
    items.drain(..start);
    while items.len() > 2 && items.first() == Some(&Item::Mask) && items.last() == Some(&Item::Mask)
    {
        items.pop();
        items.remove(0);
    }
}

/// Pushes the word(s) of one classified token.
fn emit(items: &[Item], index: &Index, out: &mut Normalized, scratch: &mut String) {
    let has_letter = items
        .iter()
        .any(|it| matches!(it, Item::Char(c) if c.is_alphabetic()));
    if !has_letter {
        return;
    }
    if !items.contains(&Item::Separator) {
        resolve(items, index, scratch);
        out.push(scratch);
        return;
    }
    // "f.u.c.k", "sh.it", "stu-pid": joined if that makes a known word or
    // every piece is one letter; otherwise "dead-letter" is two words.
    let joined: Vec<Item> = items
        .iter()
        .copied()
        .filter(|it| *it != Item::Separator)
        .collect();
    resolve(&joined, index, scratch);
    let pieces = || {
        items
            .split(|it| *it == Item::Separator)
            .filter(|p| !p.is_empty())
    };
    if index.known(scratch) || pieces().all(|p| p.len() == 1) {
        out.push(scratch);
        return;
    }
    for piece in pieces() {
        if piece
            .iter()
            .any(|it| matches!(it, Item::Char(c) if c.is_alphabetic()))
        {
            resolve(piece, index, scratch);
            out.push(scratch);
        }
    }
}

/// Writes the reading of `items` into `out`: masks matched against the
/// word lists, 1s and |s read as whichever of i or l makes a known word.
fn resolve(items: &[Item], index: &Index, out: &mut String) {
    let ambiguous = items.iter().filter(|it| **it == Item::Ambiguous).count();
    let masks = items.iter().filter(|it| **it == Item::Mask).count();
    let letters = items.len() - ambiguous - masks;

    if masks > 0 && letters >= 2 && masks <= letters {
        let unmasked = index.unmask(items.len(), |i, c| match items[i] {
            Item::Char(x) | Item::Leet { to: x, .. } => x == c,
            Item::Ambiguous => c == 'i' || c == 'l',
            Item::Mask => c.is_ascii_lowercase(),
            Item::Separator => false,
        });
        if let Some(word) = unmasked {
            out.clear();
            out.push_str(word);
            return;
        }
    }
    if let [Item::Char(initial), rest @ ..] = items {
        if rest.len() >= 2 && rest.iter().all(|it| *it == Item::Mask) {
            if let Some(word) = index.unmask_initial(*initial, items.len()) {
                out.clear();
                out.push_str(word);
                return;
            }
        }
    }
    if ambiguous > 0 && ambiguous <= MAX_AMBIGUOUS {
        for variant in 0..(1u32 << ambiguous) {
            spell(items, variant, out);
            if index.known(out) {
                return;
            }
        }
    }
    spell(items, 0, out);
}

/// One spelling: bit n of `variant` reads the n-th ambiguous item as l.
fn spell(items: &[Item], variant: u32, out: &mut String) {
    out.clear();
    let mut n = 0;
    for it in items {
        match *it {
            Item::Char(c) | Item::Leet { to: c, .. } => out.push(c),
            Item::Ambiguous => {
                out.push(if variant >> n & 1 == 1 { 'l' } else { 'i' });
                n += 1;
            }
            Item::Mask | Item::Separator => {}
        }
    }
}

fn is_single_letter(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic())
}

/// Joins runs of three or more single letters: "f u c k" → "fuck". A run
/// that is not itself a word yields the listed words hidden in it
/// ("u r a f u c k i n g i d i o t" → "fuck", "idiot"), or stays as it was.
fn join_spaced_letters(words: Normalized, index: &Index) -> Normalized {
    let n = words.tokens.len();
    if n < 3 {
        return words;
    }
    let mut out = Normalized {
        buf: String::with_capacity(words.buf.len()),
        tokens: Vec::with_capacity(n),
    };
    let mut i = 0;
    while i < n {
        let run = (i..n)
            .take_while(|&k| is_single_letter(words.word(k)))
            .count();
        if run >= 3 {
            let joined: String = (i..i + run).map(|k| words.word(k)).collect();
            let hidden = index.find_in(&joined);
            if !hidden.is_empty() {
                hidden.into_iter().for_each(|w| out.push(w));
            } else if index.known(&joined) {
                out.push(&joined);
            } else {
                (i..i + run).for_each(|k| out.push(words.word(k)));
            }
            i += run;
        } else {
            out.push(words.word(i));
            i += 1;
        }
    }
    out
}

/// Joins two short fragments that together make a listed word of four
/// letters or more while neither is one: "fu ck" → "fuck", "idi ot".
fn join_fragments(words: Normalized, index: &Index) -> Normalized {
    let n = words.tokens.len();
    let short = |w: &str| w.chars().count() <= 3 && w.chars().all(char::is_alphabetic);
    let joinable = |a: &str, b: &str| {
        short(a)
            && short(b)
            && a.len() + b.len() >= 4
            && index.lookup(a).is_none()
            && index.lookup(b).is_none()
    };
    if !(0..n.saturating_sub(1)).any(|i| joinable(words.word(i), words.word(i + 1))) {
        return words;
    }
    let mut out = Normalized::default();
    let mut joined = String::new();
    let mut i = 0;
    while i < n {
        if i + 1 < n && joinable(words.word(i), words.word(i + 1)) {
            joined.clear();
            joined.push_str(words.word(i));
            joined.push_str(words.word(i + 1));
            if index.lookup_whole(&joined).is_some() {
                out.push_chars(joined.chars());
                i += 2;
                continue;
            }
        }
        out.push(words.word(i));
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        normalize(text, Index::get())
            .words()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn leet_and_masks() {
        assert_eq!(words("you 1d10t"), ["you", "idiot"]);
        assert_eq!(words("k1ll y0u"), ["kill", "you"]);
        assert_eq!(words("ki11"), ["kill"]);
        assert_eq!(words("$h!t"), ["shit"]);
        assert_eq!(words("@$$hole"), ["asshole"]);
        assert_eq!(words("sh*t!"), ["shit"]);
        assert_eq!(words("f**k"), ["fuck"]);
        assert_eq!(words("*sigh*"), ["sigh"]);
    }

    #[test]
    fn spacing_and_punctuation() {
        assert_eq!(words("f u c k you"), ["fuck", "you"]);
        assert_eq!(words("you are an i d i o t"), ["you", "are", "an", "idiot"]);
        assert_eq!(words("f.u.c.k"), ["fuck"]);
        assert_eq!(words("f-u-c-k off"), ["fuck", "off"]);
        assert_eq!(words("fu ck"), ["fuck"]);
        assert_eq!(words("u r a f u c k i n g i d i o t"), ["fuck", "idiot"]);
        assert_eq!(words("a b c"), ["a", "b", "c"]);
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        assert_eq!(
            words("Don't kill the dead-letter queue, it's 2FA!"),
            ["dont", "kill", "the", "dead", "letter", "queue", "its", "2fa"]
        );
        assert_eq!(words("v2.3.1 costs $100"), ["v2", "costs"]);
        assert_eq!(
            words("the server is hit by traffic"),
            ["the", "server", "is", "hit", "by", "traffic"]
        );
        assert_eq!(words("Zürich café"), ["zurich", "cafe"]);
        assert_eq!(words("id\u{200b}iot"), ["idiot"]);
        assert_eq!(words("іdіot"), ["idiot"]);
        assert_eq!(words("Привет мир"), ["привет", "мир"]);
        assert!(words("").is_empty());
        assert!(words("123 456 !!!").is_empty());
    }
}
