//! Sparse text features: TF-IDF over word n-grams and over character
//! n-grams inside word boundaries (scikit-learn's `char_wb`).
//!
//! Text is lower-cased and split into words at every character that is not
//! a letter or digit; apostrophes inside words are dropped (`can't` →
//! `cant`) and, optionally, every ASCII digit becomes `0` (`2 weeks` and
//! `3 weeks` share their features). The normalised text is kept as
//! `" w1 w2 … wn "`, so a word n-gram and a space-padded word are plain
//! slices of it and nothing is allocated per n-gram.
//!
//! Each n-gram is identified by a 64-bit hash of its bytes (FNV-1a with a
//! per-family seed, then a finaliser); the vocabulary maps the hashes seen
//! in training (at least `min_df` times) to feature ids. 64-bit collisions
//! are negligible at vocabulary sizes in the millions. Each family's vector
//! is TF-IDF weighted (optionally with sublinear tf `1 + ln tf`, smooth idf
//! `ln((1 + n) / (1 + df)) + 1`) and L2-normalised on its own, then scaled
//! by its weight, as a `FeatureUnion` of two `TfidfVectorizer`s would be.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

/// How text becomes features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureConfig {
    /// Word n-gram lengths, inclusive (`[1, 3]`: uni-, bi- and trigrams);
    /// `[0, 0]` turns word features off.
    pub word_ngrams: [u8; 2],
    /// Character n-gram lengths inside space-padded words, inclusive;
    /// `[0, 0]` turns character features off.
    pub char_ngrams: [u8; 2],
    /// Keep n-grams seen in at least this many training texts.
    pub min_df: u32,
    /// Use `1 + ln tf` instead of raw term counts.
    pub sublinear_tf: bool,
    /// Read every ASCII digit as `0`.
    pub fold_digits: bool,
    /// Weight of the word block (each block is L2-normalised first).
    pub word_weight: f32,
    /// Weight of the character block.
    pub char_weight: f32,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            word_ngrams: [1, 3],
            char_ngrams: [2, 5],
            min_df: 1,
            sublinear_tf: true,
            fold_digits: false,
            word_weight: 1.0,
            char_weight: 1.5,
        }
    }
}

impl FeatureConfig {
    /// Names of the feature families, for reports
    /// (`tfidf-word-1-3`, `tfidf-char-2-5`).
    pub fn encoder_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        if let Some((lo, hi)) = range(self.word_ngrams) {
            names.push(format!("tfidf-word-{lo}-{hi}"));
        }
        if let Some((lo, hi)) = range(self.char_ngrams) {
            names.push(format!("tfidf-char-{lo}-{hi}"));
        }
        names
    }
}

fn range([lo, hi]: [u8; 2]) -> Option<(usize, usize)> {
    let lo = lo.max(1) as usize;
    let hi = hi as usize;
    (hi >= lo).then_some((lo, hi))
}

/// A sparse vector: parallel feature ids and values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseVec {
    pub fn clear(&mut self) {
        self.indices.clear();
        self.values.clear();
    }

    pub fn len(&self) -> usize {
        self.indices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    pub fn push(&mut self, index: u32, value: f32) {
        self.indices.push(index);
        self.values.push(value);
    }
}

/// Buffers reused from one text to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    text: String,
    words: Vec<(usize, usize)>,
    offsets: Vec<usize>,
    word_keys: Vec<u64>,
    char_keys: Vec<u64>,
    ids: Vec<u32>,
}

const WORD_SEED: u64 = 0x9e37_79b9_7f4a_7c15;
const CHAR_SEED: u64 = 0xc2b2_ae3d_27d4_eb4f;

/// Hash map keyed by n-gram hashes, which are already well mixed.
type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) fn hash(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325 ^ seed;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // murmur3's finaliser: spreads FNV's weak high bits.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Lower-cases `text` into `out` as `" w1 w2 … "` and records each word's
/// byte range in `out`.
fn normalize(text: &str, fold_digits: bool, out: &mut String, words: &mut Vec<(usize, usize)>) {
    out.clear();
    words.clear();
    out.push(' ');
    let mut start = None;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(out.len());
            }
            if c.is_ascii() {
                let c = c.to_ascii_lowercase();
                out.push(if fold_digits && c.is_ascii_digit() {
                    '0'
                } else {
                    c
                });
            } else {
                out.extend(c.to_lowercase());
            }
        } else if start.is_some() && matches!(c, '\'' | '’') {
            // can't → cant, customer's → customers
        } else if let Some(s) = start.take() {
            words.push((s, out.len()));
            out.push(' ');
        }
    }
    if let Some(s) = start {
        words.push((s, out.len()));
        out.push(' ');
    }
}

impl FeatureConfig {
    /// The n-gram keys of `text`, in `scratch.word_keys` and
    /// `scratch.char_keys` (with repeats).
    fn keys(&self, text: &str, scratch: &mut Scratch) {
        let Scratch {
            text: norm,
            words,
            offsets,
            word_keys,
            char_keys,
            ..
        } = scratch;
        normalize(text, self.fold_digits, norm, words);
        word_keys.clear();
        char_keys.clear();
        let bytes = norm.as_bytes();
        if let Some((lo, hi)) = range(self.word_ngrams) {
            for n in lo..=hi {
                for w in words.windows(n) {
                    let (start, end) = (w[0].0, w[n - 1].1);
                    word_keys.push(hash(WORD_SEED ^ n as u64, &bytes[start..end]));
                }
            }
        }
        if let Some((lo, hi)) = range(self.char_ngrams) {
            for &(start, end) in words.iter() {
                // The word with the spaces around it.
                let padded = &norm[start - 1..end + 1];
                offsets.clear();
                offsets.extend(padded.char_indices().map(|(i, _)| i));
                offsets.push(padded.len());
                let chars = offsets.len() - 1;
                for n in lo..=hi.min(chars) {
                    for k in 0..=chars - n {
                        let slice = &padded.as_bytes()[offsets[k]..offsets[k + n]];
                        char_keys.push(hash(CHAR_SEED, slice));
                    }
                }
            }
        }
    }
}

/// A fitted vocabulary with idf weights. Feature ids: the word block
/// first (`0..n_word`), then the character block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Featurizer {
    config: FeatureConfig,
    keys: Vec<u64>,
    idf: Vec<f32>,
    n_word: usize,
    #[serde(skip)]
    index: KeyMap<u32>,
}

impl PartialEq for Featurizer {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
            && self.keys == other.keys
            && self.idf == other.idf
            && self.n_word == other.n_word
    }
}

impl Featurizer {
    /// Learns the vocabulary and idf weights from training texts.
    pub fn fit<S: AsRef<str>>(config: &FeatureConfig, texts: &[S]) -> Featurizer {
        let mut scratch = Scratch::default();
        let mut word_df: KeyMap<u32> = KeyMap::default();
        let mut char_df: KeyMap<u32> = KeyMap::default();
        for text in texts {
            config.keys(text.as_ref(), &mut scratch);
            for (keys, df) in [
                (&mut scratch.word_keys, &mut word_df),
                (&mut scratch.char_keys, &mut char_df),
            ] {
                keys.sort_unstable();
                keys.dedup();
                for &k in keys.iter() {
                    *df.entry(k).or_default() += 1;
                }
            }
        }
        let n = texts.len() as f64;
        let min_df = config.min_df.max(1);
        let mut keys = Vec::new();
        let mut idf = Vec::new();
        let mut n_word = 0;
        for (block, df) in [word_df, char_df].into_iter().enumerate() {
            let mut kept: Vec<(u64, u32)> = df.into_iter().filter(|&(_, d)| d >= min_df).collect();
            kept.sort_unstable();
            for (k, d) in kept {
                keys.push(k);
                idf.push((((1.0 + n) / (1.0 + f64::from(d))).ln() + 1.0) as f32);
            }
            if block == 0 {
                n_word = keys.len();
            }
        }
        let mut featurizer = Featurizer {
            config: config.clone(),
            keys,
            idf,
            n_word,
            index: KeyMap::default(),
        };
        featurizer.build_index();
        featurizer
    }

    /// Rebuilds the hash → id map (after deserialising).
    pub(crate) fn build_index(&mut self) {
        let mut index = KeyMap::with_capacity_and_hasher(self.keys.len(), Default::default());
        for (id, &k) in self.keys.iter().enumerate() {
            index.insert(k, id as u32);
        }
        self.index = index;
    }

    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The features of `text`, appended to `out` (cleared first), sorted by
    /// feature id.
    pub fn transform_into(&self, text: &str, scratch: &mut Scratch, out: &mut SparseVec) {
        out.clear();
        self.config.keys(text, scratch);
        let Scratch {
            word_keys,
            char_keys,
            ids,
            ..
        } = scratch;
        for (keys, weight) in [
            (&*word_keys, self.config.word_weight),
            (&*char_keys, self.config.char_weight),
        ] {
            ids.clear();
            ids.extend(keys.iter().filter_map(|k| self.index.get(k).copied()));
            if ids.is_empty() {
                continue;
            }
            ids.sort_unstable();
            let start = out.len();
            let mut norm = 0.0f32;
            let mut i = 0;
            while i < ids.len() {
                let id = ids[i];
                let mut j = i + 1;
                while j < ids.len() && ids[j] == id {
                    j += 1;
                }
                let tf = (j - i) as f32;
                let tf = if self.config.sublinear_tf {
                    1.0 + tf.ln()
                } else {
                    tf
                };
                let value = tf * self.idf[id as usize];
                norm += value * value;
                out.push(id, value);
                i = j;
            }
            let scale = weight / norm.sqrt().max(f32::MIN_POSITIVE);
            for v in &mut out.values[start..] {
                *v *= scale;
            }
        }
    }

    /// The features of `text` in a new vector.
    pub fn transform(&self, text: &str) -> SparseVec {
        let mut out = SparseVec::default();
        self.transform_into(text, &mut Scratch::default(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_words() {
        let mut out = String::new();
        let mut words = Vec::new();
        normalize("I CAN'T log-in (2FA) Ünïcode!", true, &mut out, &mut words);
        assert_eq!(out, " i cant log in 0fa ünïcode ");
        let got: Vec<&str> = words.iter().map(|&(s, e)| &out[s..e]).collect();
        assert_eq!(got, ["i", "cant", "log", "in", "0fa", "ünïcode"]);
        normalize("  ...  ", false, &mut out, &mut words);
        assert_eq!(out, " ");
        assert!(words.is_empty());
    }

    #[test]
    fn vectors_are_normalised_per_block() {
        let texts = [
            "reset my password",
            "my password expired",
            "refund my order",
        ];
        let f = Featurizer::fit(&FeatureConfig::default(), &texts);
        let v = f.transform("please reset my password");
        let (mut word, mut chars) = (0.0, 0.0);
        for (&i, &x) in v.indices.iter().zip(&v.values) {
            if (i as usize) < f.n_word {
                word += x * x;
            } else {
                chars += x * x;
            }
        }
        assert!((word - 1.0).abs() < 1e-5, "{word}");
        // The character block is scaled by its weight.
        assert!((chars - 1.5 * 1.5).abs() < 1e-4, "{chars}");
        assert!(v.indices.windows(2).all(|w| w[0] < w[1]));
        assert!(f.transform("").is_empty());
        // Nothing of it was seen in training.
        assert!(f.transform("zzzz qqqq").is_empty());
    }

    #[test]
    fn min_df_prunes() {
        let texts = ["alpha beta", "alpha gamma"];
        let config = FeatureConfig {
            char_ngrams: [0, 0],
            min_df: 2,
            ..FeatureConfig::default()
        };
        let f = Featurizer::fit(&config, &texts);
        assert_eq!(f.len(), 1);
        assert_eq!(config.encoder_names(), ["tfidf-word-1-3"]);
    }
}
