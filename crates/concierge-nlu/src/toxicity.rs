//! Toxicity: an overall score and five categories (insult, profanity,
//! threat, identity attack, sexual), each 0..1, from word lists and context
//! rules, resistant to the usual obfuscation (l33t, masks, spacing,
//! punctuation inside words, stretched letters, look-alike letters).
//!
//! Three layers: `normalize` undoes obfuscation, `lexicon` weighs listed
//! words, `patterns` adds context (who an insult or a violent verb is
//! aimed at, set phrases, attacks on groups). Support vocabulary ("kill the
//! process", "hit the API limit", "dead letter queue", "abort the
//! deployment") stays near zero because its words only weigh in context.
//!
//! The engine moderates with [`ToxicityThresholds::classify`]: warn at
//! [`WARN_THRESHOLD`], block at [`BLOCK_THRESHOLD`], per tenant overridable.
//!
//! ```
//! use concierge_nlu::toxicity::{toxicity, Moderation, ToxicityThresholds};
//!
//! let thresholds = ToxicityThresholds::default();
//! assert_eq!(thresholds.classify(toxicity("please kill the stuck job").score), Moderation::Allow);
//! assert_eq!(thresholds.classify(toxicity("i will k1ll y0u").score), Moderation::Block);
//! ```

mod context;
mod lexicon;
mod normalize;
mod patterns;

use serde::{Deserialize, Serialize};

use crate::{Toxicity, ToxicityCategories};

/// Text longer than this many characters is scored on its first
/// `MAX_CHARS` characters only, which bounds the work per call.
pub const MAX_CHARS: usize = 5_000;

/// Default score from which the engine warns.
pub const WARN_THRESHOLD: f64 = 0.6;

/// Default score from which the engine blocks.
pub const BLOCK_THRESHOLD: f64 = 0.8;

/// What to do with a message, by its toxicity score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moderation {
    Allow,
    Warn,
    Block,
}

/// The scores at which a message is warned about and blocked.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToxicityThresholds {
    /// Warn from this score (0..1).
    pub warn: f64,
    /// Block from this score (0..1, at least `warn`).
    pub block: f64,
}

impl Default for ToxicityThresholds {
    fn default() -> Self {
        Self {
            warn: WARN_THRESHOLD,
            block: BLOCK_THRESHOLD,
        }
    }
}

/// A tenant's changes to the default thresholds; unset fields keep them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToxicityThresholdsOverride {
    /// Warn from this score instead.
    pub warn: Option<f64>,
    /// Block from this score instead.
    pub block: Option<f64>,
}

/// Thresholds outside 0..1 or with `block` below `warn`.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("toxicity thresholds must satisfy 0 ≤ warn ≤ block ≤ 1 (got warn {warn}, block {block})")]
pub struct InvalidThresholds {
    pub warn: f64,
    pub block: f64,
}

impl ToxicityThresholds {
    /// Checked thresholds.
    pub fn new(warn: f64, block: f64) -> Result<Self, InvalidThresholds> {
        // Written so that NaN fails too.
        if (0.0..=1.0).contains(&warn) && (warn..=1.0).contains(&block) {
            Ok(Self { warn, block })
        } else {
            Err(InvalidThresholds { warn, block })
        }
    }

    /// These thresholds with a tenant's override applied, checked.
    pub fn with_override(
        self,
        tenant: &ToxicityThresholdsOverride,
    ) -> Result<Self, InvalidThresholds> {
        Self::new(
            tenant.warn.unwrap_or(self.warn),
            tenant.block.unwrap_or(self.block),
        )
    }

    /// What to do with a message of toxicity `score`.
    pub fn classify(&self, score: f64) -> Moderation {
        if score >= self.block {
            Moderation::Block
        } else if score >= self.warn {
            Moderation::Warn
        } else {
            Moderation::Allow
        }
    }
}

/// Scores `text`. Never fails: empty, huge, binary-looking or non-Latin
/// text scores what its recognisable words weigh, usually zero.
pub fn toxicity(text: &str) -> Toxicity {
    let text = match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let index = lexicon::Index::get();
    let normalized = normalize::normalize(text, index);
    let words = normalized.words();
    let hits: Vec<_> = words.iter().map(|w| index.lookup(w)).collect();

    let mut scores = Scores::default();
    for term in hits.iter().flatten() {
        scores.add(Category::Profanity, term.profanity);
        scores.add(Category::IdentityAttack, term.identity);
        scores.add(Category::Sexual, term.sexual);
        scores.add(Category::Threat, term.threat);
    }
    patterns::score(&words, &hits, &mut scores);
    scores.finish()
}

/// The five categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Insult,
    Profanity,
    Threat,
    IdentityAttack,
    Sexual,
}

/// Evidence so far, per category.
#[derive(Debug, Default)]
struct Scores([Combined; 5]);

impl Scores {
    fn add(&mut self, category: Category, weight: f64) {
        self.0[category as usize].add(weight);
    }

    fn finish(self) -> Toxicity {
        let [insult, profanity, threat, identity_attack, sexual] = self.0.map(|c| c.score(0.5));
        let mut overall = Combined::default();
        for category in [insult, profanity, threat, identity_attack, sexual] {
            overall.add(category);
        }
        Toxicity {
            score: round3(overall.score(0.6)),
            categories: ToxicityCategories {
                insult: round3(insult),
                profanity: round3(profanity),
                threat: round3(threat),
                identity_attack: round3(identity_attack),
                sexual: round3(sexual),
            },
        }
    }
}

/// Several pieces of evidence as one score: the strongest, raised part of
/// the way towards 1 by the others (a noisy-or of the rest, scaled). One
/// strong signal decides; repetition and variety add, with diminishing
/// returns, so "shit shit shit" warns but does not block.
#[derive(Debug, Clone, Copy)]
struct Combined {
    max: f64,
    /// Π(1 − w) over every weight but the maximum.
    rest: f64,
}

impl Default for Combined {
    fn default() -> Self {
        Self {
            max: 0.0,
            rest: 1.0,
        }
    }
}

impl Combined {
    fn add(&mut self, weight: f64) {
        let weight = if weight.is_finite() {
            weight.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if weight <= 0.0 {
            return;
        }
        if weight > self.max {
            self.rest *= 1.0 - self.max;
            self.max = weight;
        } else {
            self.rest *= 1.0 - weight;
        }
    }

    fn score(&self, share: f64) -> f64 {
        (self.max + (1.0 - self.max) * share * (1.0 - self.rest)).clamp(0.0, 1.0)
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests;
