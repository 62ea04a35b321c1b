//! Compiles a validated [`RuleDocument`] into what evaluation walks: the
//! enabled rules in evaluation order, each condition as a tree of [`Node`]s
//! with intents interned to small integers, channel and tier sets as bit
//! masks, and every keyword of the set in one Aho-Corasick automaton whose
//! matches set bits the keyword leaves test.

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::AhoCorasick;

use super::error::RuleError;
use super::facts::Risk;
use super::model::{
    Condition, EmotionName, IntentFlag, NumericFact, Range, RuleAction, RuleDocument, RuleKind,
    Stop,
};

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub id: Arc<str>,
    pub kind: RuleKind,
    pub priority: i32,
    pub stop: Stop,
    pub when: Node,
    pub actions: Arc<[RuleAction]>,
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    All(Box<[Node]>),
    Any(Box<[Node]>),
    Not(Box<Node>),
    /// Bit set over interned intent ids.
    Intent(Box<[u64]>),
    IntentEscalate,
    /// Bit per [`Risk`] (low = 1, medium = 2, high = 4).
    IntentRisk(u8),
    OutOfScope(bool),
    Number(Value, Bounds),
    Language(Box<[Box<str>]>),
    /// Bit per `Channel as u32`.
    Channel(u32),
    /// Bit per `CustomerTier as u32`.
    Tier(u32),
    Entity(Box<[Box<str>]>),
    /// Index of the keyword leaf in the per-evaluation hit set.
    Keywords(u32),
    BusinessHours(bool),
    WorkflowActive(bool),
}

/// Which number a [`Node::Number`] reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value {
    Fact(NumericFact),
    Emotion(EmotionName),
}

/// A compiled range: `lo <(=) v <(=) hi`, missing bounds infinite.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    lo: f64,
    lo_strict: bool,
    hi: f64,
    hi_strict: bool,
}

impl Bounds {
    fn new(range: &Range) -> Self {
        let (lo, lo_strict) = match (range.gt, range.gte) {
            (Some(v), _) => (v, true),
            (None, Some(v)) => (v, false),
            (None, None) => (f64::NEG_INFINITY, false),
        };
        let (hi, hi_strict) = match (range.lt, range.lte) {
            (Some(v), _) => (v, true),
            (None, Some(v)) => (v, false),
            (None, None) => (f64::INFINITY, false),
        };
        Bounds {
            lo,
            lo_strict,
            hi,
            hi_strict,
        }
    }

    /// Whether `v` is within; NaN never is.
    #[inline]
    pub fn contains(&self, v: f64) -> bool {
        let above = if self.lo_strict {
            v > self.lo
        } else {
            v >= self.lo
        };
        let below = if self.hi_strict {
            v < self.hi
        } else {
            v <= self.hi
        };
        above && below
    }
}

pub(crate) fn risk_bit(risk: Risk) -> u8 {
    match risk {
        Risk::Low => 1,
        Risk::Medium => 2,
        Risk::High => 4,
    }
}

/// One distinct keyword of the set.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// The keyword starts with a word character, so the match must not
    /// follow one.
    pub left_word: bool,
    /// The keyword ends with a word character, so the match must not be
    /// followed by one.
    pub right_word: bool,
    /// The keyword leaves that list it.
    pub leaves: Box<[u32]>,
}

/// Every keyword of a rule set in one automaton.
#[derive(Debug, Clone)]
pub(crate) struct KeywordMatcher {
    pub automaton: AhoCorasick,
    pub patterns: Box<[Pattern]>,
    pub leaves: u32,
}

/// A compiled rule set.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// Enabled rules, highest priority first, ties in file order.
    pub rules: Box<[CompiledRule]>,
    pub intents: HashMap<Box<str>, u32>,
    pub keywords: Option<KeywordMatcher>,
}

/// A word character for keyword boundaries.
#[inline]
pub(crate) fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Lower case, with every run of white space as one space: how keywords and
/// (non-plain) texts are compared.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    if space {
        out.push(' ');
    }
    out
}

#[derive(Default)]
struct Builder {
    intents: HashMap<Box<str>, u32>,
    patterns: Vec<String>,
    pattern_ids: HashMap<String, usize>,
    pattern_leaves: Vec<Vec<u32>>,
    keyword_leaves: u32,
}

impl Builder {
    fn intent_id(&mut self, name: &str) -> u32 {
        let next = self.intents.len() as u32;
        *self.intents.entry(name.into()).or_insert(next)
    }

    fn node(&mut self, condition: &Condition) -> Node {
        match condition {
            Condition::All(c) => Node::All(c.iter().map(|c| self.node(c)).collect()),
            Condition::Any(c) => Node::Any(c.iter().map(|c| self.node(c)).collect()),
            Condition::Not(c) => Node::Not(Box::new(self.node(c))),
            Condition::Intent(names) => {
                let ids: Vec<u32> = names.iter().map(|n| self.intent_id(n)).collect();
                let words = ids.iter().max().map_or(0, |m| *m as usize / 64 + 1);
                let mut bits = vec![0u64; words];
                for id in ids {
                    bits[id as usize / 64] |= 1 << (id % 64);
                }
                Node::Intent(bits.into())
            }
            Condition::IntentFlag(IntentFlag::Escalate) => Node::IntentEscalate,
            Condition::IntentRisk(risks) => {
                Node::IntentRisk(risks.iter().fold(0, |m, r| m | risk_bit(*r)))
            }
            Condition::OutOfScope(b) => Node::OutOfScope(*b),
            Condition::Number(fact, range) => Node::Number(Value::Fact(*fact), Bounds::new(range)),
            Condition::Emotion(e) => Node::Number(Value::Emotion(e.name), Bounds::new(&e.range())),
            Condition::Language(codes) => {
                Node::Language(codes.iter().map(|c| c.as_str().into()).collect())
            }
            Condition::Channel(channels) => {
                Node::Channel(channels.iter().fold(0, |m, c| m | 1 << (*c as u32)))
            }
            Condition::Tier(tiers) => Node::Tier(tiers.iter().fold(0, |m, t| m | 1 << (*t as u32))),
            Condition::Entity(kinds) => {
                Node::Entity(kinds.iter().map(|k| k.as_str().into()).collect())
            }
            Condition::Keywords(words) => {
                let leaf = self.keyword_leaves;
                self.keyword_leaves += 1;
                for word in words {
                    let pattern = normalize(word.trim());
                    let id = match self.pattern_ids.get(&pattern) {
                        Some(id) => *id,
                        None => {
                            self.pattern_ids
                                .insert(pattern.clone(), self.patterns.len());
                            self.patterns.push(pattern);
                            self.pattern_leaves.push(Vec::new());
                            self.patterns.len() - 1
                        }
                    };
                    if self.pattern_leaves[id].last() != Some(&leaf) {
                        self.pattern_leaves[id].push(leaf);
                    }
                }
                Node::Keywords(leaf)
            }
            Condition::BusinessHours(b) => Node::BusinessHours(*b),
            Condition::WorkflowActive(b) => Node::WorkflowActive(*b),
        }
    }
}

/// Compiles a document that passed [`RuleDocument::problems`].
pub(crate) fn compile(document: &RuleDocument) -> Result<Compiled, RuleError> {
    let mut builder = Builder::default();
    let mut rules: Vec<CompiledRule> = document
        .rules
        .iter()
        .filter(|rule| rule.enabled)
        .map(|rule| CompiledRule {
            id: rule.id.as_str().into(),
            kind: rule.kind,
            priority: rule.priority,
            stop: rule.stop,
            when: builder.node(&rule.when),
            actions: rule.then.as_slice().into(),
        })
        .collect();
    // Stable: equal priorities keep file order.
    rules.sort_by_key(|rule| std::cmp::Reverse(rule.priority));

    let keywords = if builder.patterns.is_empty() {
        None
    } else {
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&builder.patterns)
            .map_err(|e| {
                RuleError::new(None, "rules", format!("cannot compile the keywords: {e}"))
            })?;
        let patterns = builder
            .patterns
            .iter()
            .zip(builder.pattern_leaves)
            .map(|(text, leaves)| Pattern {
                left_word: text.chars().next().is_some_and(is_word),
                right_word: text.chars().next_back().is_some_and(is_word),
                leaves: leaves.into(),
            })
            .collect();
        Some(KeywordMatcher {
            automaton,
            patterns,
            leaves: builder.keyword_leaves,
        })
    };
    Ok(Compiled {
        rules: rules.into(),
        intents: builder.intents,
        keywords,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_lowercases_and_collapses_space() {
        assert_eq!(normalize("Talk  TO\n\ta Human"), "talk to a human");
        assert_eq!(normalize("PARLER À UN HUMAIN"), "parler à un humain");
        assert_eq!(normalize("  x  "), "x ");
    }

    #[test]
    fn bounds_follow_strictness() {
        let b = Bounds::new(&Range {
            gte: Some(0.5),
            lt: Some(0.9),
            ..Range::default()
        });
        assert!(b.contains(0.5) && b.contains(0.89));
        assert!(!b.contains(0.9) && !b.contains(0.49) && !b.contains(f64::NAN));
        let b = Bounds::new(&Range {
            gt: Some(2.0),
            ..Range::default()
        });
        assert!(!b.contains(2.0) && b.contains(2.5) && b.contains(f64::INFINITY));
    }
}
