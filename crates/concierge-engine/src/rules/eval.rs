//! Evaluation: walks the compiled rules in priority order over one
//! message's [`Facts`] and lists the rules that fired. Nothing is allocated
//! per rule: the intent is looked up once, the text is scanned for keywords
//! once (and only when a keyword leaf is reached), and a fired rule shares
//! its id and actions with the rule set.

use std::sync::Arc;

use concierge_core::Priority;

use super::compile::{is_word, normalize, risk_bit, Compiled, KeywordMatcher, Node, Value};
use super::facts::Facts;
use super::model::{EmotionName, NumericFact, RuleAction, RuleKind, Stop};

/// The outcome of evaluating a rule set over one message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// The rules that fired, highest priority first.
    pub fired: Vec<Fired>,
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    /// The rule's id.
    pub rule_id: Arc<str>,
    /// The rule's kind.
    pub kind: RuleKind,
    /// The rule's priority.
    pub priority: i32,
    /// Its actions, in the rule's order (shared with the rule set).
    pub actions: Arc<[RuleAction]>,
}

impl Evaluation {
    /// Whether no rule fired.
    pub fn is_empty(&self) -> bool {
        self.fired.is_empty()
    }

    /// Whether the rule with this id fired.
    pub fn fired(&self, rule_id: &str) -> bool {
        self.fired.iter().any(|f| &*f.rule_id == rule_id)
    }

    /// Every action with the rule it came from, highest priority first.
    pub fn actions(&self) -> impl Iterator<Item = (&Fired, &RuleAction)> {
        self.fired
            .iter()
            .flat_map(|f| f.actions.iter().map(move |a| (f, a)))
    }

    /// The escalation to perform: the first `escalate` action, with its rule.
    pub fn escalation(&self) -> Option<(&Fired, &RuleAction)> {
        self.actions()
            .find(|(_, a)| matches!(a, RuleAction::Escalate { .. }))
    }

    /// The queue: that of the first `escalate` naming one, else the first
    /// `route`.
    pub fn queue(&self) -> Option<&str> {
        let escalated = self.actions().find_map(|(_, a)| match a {
            RuleAction::Escalate { queue: Some(q), .. } => Some(q.as_str()),
            _ => None,
        });
        escalated.or_else(|| {
            self.actions().find_map(|(_, a)| match a {
                RuleAction::Route { queue } => Some(queue.as_str()),
                _ => None,
            })
        })
    }

    /// The highest priority any `escalate`, `set_priority` or `create_case`
    /// action names: rules can raise a conversation's priority, and the most
    /// urgent reading wins.
    pub fn priority(&self) -> Option<Priority> {
        self.actions()
            .filter_map(|(_, a)| match a {
                RuleAction::Escalate { priority, .. } | RuleAction::CreateCase { priority } => {
                    *priority
                }
                RuleAction::SetPriority(p) => Some(*p),
                _ => None,
            })
            .max_by_key(|p| priority_rank(*p))
    }

    /// The tags to add, in order (duplicates possible).
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.actions().filter_map(|(_, a)| match a {
            RuleAction::Tag(t) => Some(t.as_str()),
            _ => None,
        })
    }
}

fn priority_rank(p: Priority) -> u8 {
    match p {
        Priority::Low => 0,
        Priority::Medium => 1,
        Priority::High => 2,
        Priority::Critical => 3,
    }
}

/// Which keyword leaves matched; computed on first use.
enum Hits {
    Pending,
    Inline([u64; 4]),
    Heap(Vec<u64>),
}

impl Hits {
    fn new(leaves: u32) -> Hits {
        if leaves <= 256 {
            Hits::Inline([0; 4])
        } else {
            Hits::Heap(vec![0; leaves as usize / 64 + 1])
        }
    }

    fn words(&mut self) -> &mut [u64] {
        match self {
            Hits::Pending => &mut [],
            Hits::Inline(w) => w,
            Hits::Heap(w) => w,
        }
    }

    fn get(&self, leaf: u32) -> bool {
        let words: &[u64] = match self {
            Hits::Pending => &[],
            Hits::Inline(w) => w,
            Hits::Heap(w) => w,
        };
        words
            .get(leaf as usize / 64)
            .is_some_and(|w| w >> (leaf % 64) & 1 == 1)
    }
}

struct Cx<'c, 'f, 'a> {
    facts: &'f Facts<'a>,
    intent: Option<u32>,
    keywords: Option<&'c KeywordMatcher>,
    hits: Hits,
}

impl Cx<'_, '_, '_> {
    fn keyword(&mut self, leaf: u32) -> bool {
        if matches!(self.hits, Hits::Pending) {
            if let Some(matcher) = self.keywords {
                let mut hits = Hits::new(matcher.leaves);
                scan(matcher, self.facts.text, hits.words());
                self.hits = hits;
            }
        }
        self.hits.get(leaf)
    }

    fn number(&self, value: Value) -> f64 {
        let f = self.facts;
        match value {
            Value::Fact(NumericFact::Confidence) => f.confidence,
            Value::Fact(NumericFact::Sentiment) => f.sentiment,
            Value::Fact(NumericFact::SentimentTrend) => f.sentiment_trend,
            Value::Fact(NumericFact::NegativeStreak) => f64::from(f.negative_streak),
            Value::Fact(NumericFact::Toxicity) => f.toxicity,
            Value::Fact(NumericFact::MessageCount) => f64::from(f.message_count),
            Value::Fact(NumericFact::FallbackCount) => f64::from(f.fallback_count),
            Value::Fact(NumericFact::OpenCases) => f64::from(f.open_cases),
            Value::Emotion(EmotionName::Anger) => f.emotions.anger,
            Value::Emotion(EmotionName::Frustration) => f.emotions.frustration,
            Value::Emotion(EmotionName::Confusion) => f.emotions.confusion,
            Value::Emotion(EmotionName::Urgency) => f.emotions.urgency,
            Value::Emotion(EmotionName::Anxiety) => f.emotions.anxiety,
            Value::Emotion(EmotionName::Satisfaction) => f.emotions.satisfaction,
        }
    }

    fn eval(&mut self, node: &Node) -> bool {
        let f = self.facts;
        match node {
            Node::All(children) => children.iter().all(|c| self.eval(c)),
            Node::Any(children) => children.iter().any(|c| self.eval(c)),
            Node::Not(child) => !self.eval(child),
            Node::Intent(bits) => self.intent.is_some_and(|id| {
                bits.get(id as usize / 64)
                    .is_some_and(|w| w >> (id % 64) & 1 == 1)
            }),
            Node::IntentEscalate => f.intent_escalate,
            Node::IntentRisk(mask) => mask & risk_bit(f.intent_risk) != 0,
            Node::OutOfScope(b) => f.out_of_scope == *b,
            Node::Number(value, bounds) => bounds.contains(self.number(*value)),
            Node::Language(codes) => codes.iter().any(|c| c.eq_ignore_ascii_case(f.language)),
            Node::Channel(mask) => mask >> (f.channel as u32) & 1 == 1,
            Node::Tier(mask) => f.tier.is_some_and(|t| mask >> (t as u32) & 1 == 1),
            Node::Entity(kinds) => f
                .entity_kinds
                .iter()
                .any(|k| kinds.iter().any(|x| **x == **k)),
            Node::Keywords(leaf) => self.keyword(*leaf),
            Node::BusinessHours(b) => f.business_hours == *b,
            Node::WorkflowActive(b) => f.workflow_active == *b,
        }
    }
}

/// Sets the bit of every keyword leaf with a whole-word match in `text`.
fn scan(matcher: &KeywordMatcher, text: &str, hits: &mut [u64]) {
    // Plain text (ASCII, single spaces) is matched as is: the automaton folds
    // ASCII case. Anything else is lower-cased and its white space collapsed
    // first, as the keywords were.
    let normalized;
    let haystack = if is_plain(text) {
        text
    } else {
        normalized = normalize(text);
        normalized.as_str()
    };
    for m in matcher.automaton.find_overlapping_iter(haystack) {
        let Some(pattern) = matcher.patterns.get(m.pattern().as_usize()) else {
            continue;
        };
        if pattern.left_word
            && haystack
                .get(..m.start())
                .and_then(|s| s.chars().next_back())
                .is_some_and(is_word)
        {
            continue;
        }
        if pattern.right_word
            && haystack
                .get(m.end()..)
                .and_then(|s| s.chars().next())
                .is_some_and(is_word)
        {
            continue;
        }
        for leaf in pattern.leaves.iter() {
            if let Some(word) = hits.get_mut(*leaf as usize / 64) {
                *word |= 1 << (leaf % 64);
            }
        }
    }
}

/// ASCII with no white space but single spaces.
fn is_plain(text: &str) -> bool {
    let mut previous_space = false;
    for b in text.bytes() {
        match b {
            b' ' if previous_space => return false,
            b' ' => previous_space = true,
            b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => return false,
            _ if !b.is_ascii() => return false,
            _ => previous_space = false,
        }
    }
    true
}

/// Evaluates the compiled rules over `facts`.
pub(crate) fn evaluate(compiled: &Compiled, facts: &Facts<'_>) -> Evaluation {
    let mut cx = Cx {
        facts,
        intent: facts
            .intent
            .and_then(|name| compiled.intents.get(name).copied()),
        keywords: compiled.keywords.as_ref(),
        hits: Hits::Pending,
    };
    let mut fired = Vec::new();
    let mut stopped_kinds = 0u8;
    for rule in compiled.rules.iter() {
        let kind_bit = 1u8 << (rule.kind as u8);
        if stopped_kinds & kind_bit != 0 || !cx.eval(&rule.when) {
            continue;
        }
        fired.push(Fired {
            rule_id: rule.id.clone(),
            kind: rule.kind,
            priority: rule.priority,
            actions: rule.actions.clone(),
        });
        match rule.stop {
            Stop::None => {}
            Stop::Kind => stopped_kinds |= kind_bit,
            Stop::All => break,
        }
    }
    Evaluation { fired }
}
