//! The rules document as written by a tenant (YAML or JSON): plain serde
//! types, with no behaviour beyond (de)serialisation. Conditions and actions
//! are single-key maps (`{confidence: {lt: 0.5}}`, `{route: {queue: billing}}`);
//! their serde impls live in [`super::serde_impl`] because serde_norway reads
//! enums from YAML tags, not from single-key maps.

use concierge_core::{Channel, CustomerTier, Priority};
use serde::{Deserialize, Serialize};

use super::facts::Risk;
use super::hours::BusinessHours;

/// The format version this module reads.
pub const RULES_FORMAT_VERSION: u32 = 1;

/// A tenant's rules document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDocument {
    /// Format version; must be [`RULES_FORMAT_VERSION`].
    pub version: u32,
    /// The opening hours the `business_hours` condition refers to (the
    /// caller computes the fact with [`BusinessHours::contains`]); when absent,
    /// [`BusinessHours::default`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<BusinessHours>,
    /// The rules, in file order (the tie-break between equal priorities).
    pub rules: Vec<Rule>,
}

/// One rule: when the condition holds, the actions apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique within the document, `[a-z0-9_-]{1,64}`.
    pub id: String,
    /// A short human-readable title.
    pub name: String,
    /// Why the rule exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What the rule is for.
    pub kind: RuleKind,
    /// Higher is evaluated first; equal priorities keep file order. Default 0.
    #[serde(default)]
    pub priority: i32,
    /// A disabled rule is validated but never evaluated. Default true.
    #[serde(default = "enabled_default", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// The condition over the message's facts.
    pub when: Condition,
    /// What to do when it holds (at least one action).
    pub then: Vec<RuleAction>,
    /// What firing this rule stops (default: nothing).
    #[serde(default, skip_serializing_if = "Stop::is_none")]
    pub stop: Stop,
}

fn enabled_default() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

/// What a rule is for. The engine treats each kind's actions the same way;
/// the kind groups rules for `stop: kind`, the admin UI and analytics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Hand the conversation to a human.
    Escalation,
    /// Choose the queue (and priority) a conversation belongs to.
    Routing,
    /// Tag, prioritise, reply, start a workflow, notify.
    Automation,
    /// Checks on a message or reply (reject, warn, tag).
    Validation,
}

impl RuleKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [RuleKind] = &[
        RuleKind::Escalation,
        RuleKind::Routing,
        RuleKind::Automation,
        RuleKind::Validation,
    ];

    /// The canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Escalation => "escalation",
            RuleKind::Routing => "routing",
            RuleKind::Automation => "automation",
            RuleKind::Validation => "validation",
        }
    }
}

impl std::fmt::Display for RuleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What firing a rule stops. Written `stop: true`, `stop: false` or
/// `stop: kind`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Stop {
    /// Lower-priority rules are still evaluated (`false`, the default).
    #[default]
    None,
    /// Lower-priority rules of the same kind are skipped; others still run
    /// (`kind`). The default escalation rules use it so that exactly one
    /// escalation — the most important — fires.
    Kind,
    /// No lower-priority rule is evaluated (`true`).
    All,
}

impl Stop {
    /// Whether this is [`Stop::None`] (the default, omitted when serialised).
    pub fn is_none(&self) -> bool {
        *self == Stop::None
    }
}

/// A condition: a combinator or a test of one fact. Written as a map with a
/// single key (`{any: [..]}`, `{confidence: {lt: 0.5}}`).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Every sub-condition holds (`all: [..]`, non-empty).
    All(Vec<Condition>),
    /// At least one sub-condition holds (`any: [..]`, non-empty).
    Any(Vec<Condition>),
    /// The sub-condition does not hold (`not: {..}`).
    Not(Box<Condition>),
    /// The intent is one of these names (`intent: [refund_request]`).
    Intent(Vec<String>),
    /// The intent carries this flag in the intents file (`intent_flag: escalate`).
    IntentFlag(IntentFlag),
    /// The intent's risk is one of these (`intent_risk: [high]`).
    IntentRisk(Vec<Risk>),
    /// The message matched no intent well enough (`out_of_scope: true`).
    OutOfScope(bool),
    /// A numeric fact is within a range (`confidence: {lt: 0.5}`).
    Number(NumericFact, Range),
    /// An emotion's score is within a range (`emotion: {name: anger, gte: 0.8}`).
    Emotion(EmotionCondition),
    /// The language is one of these ISO 639-1 codes (`language: [en, es]`).
    Language(Vec<String>),
    /// The channel is one of these (`channel: [web, slack]`).
    Channel(Vec<Channel>),
    /// The customer's tier is one of these (`tier: [enterprise, vip]`);
    /// false when the tier is unknown.
    Tier(Vec<CustomerTier>),
    /// At least one entity of one of these kinds was extracted
    /// (`entity: [email, sf_error_code]`).
    Entity(Vec<String>),
    /// One of these words or phrases occurs in the message, whole words
    /// only, case-insensitively (`keywords: ["real person"]`).
    Keywords(Vec<String>),
    /// The message arrived within (true) or outside (false) business hours.
    BusinessHours(bool),
    /// A workflow is (true) or is not (false) in progress.
    WorkflowActive(bool),
}

/// A flag an intent carries in the intents file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentFlag {
    /// `escalate: true`: the intent calls for a human.
    Escalate,
}

/// The numeric facts a `{lt, lte, gt, gte}` range can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumericFact {
    /// Intent confidence, 0..1.
    Confidence,
    /// Sentiment compound, −1..1.
    Sentiment,
    /// Change of the compound against the conversation's earlier average,
    /// −2..2 (negative = worsening).
    SentimentTrend,
    /// Consecutive customer messages with compound < −0.5, this one included.
    NegativeStreak,
    /// Toxicity score, 0..1.
    Toxicity,
    /// Customer messages so far, this one included.
    MessageCount,
    /// Times the agent could not help so far.
    FallbackCount,
    /// The customer's open cases.
    OpenCases,
}

impl NumericFact {
    /// Every numeric fact.
    pub const ALL: &'static [NumericFact] = &[
        NumericFact::Confidence,
        NumericFact::Sentiment,
        NumericFact::SentimentTrend,
        NumericFact::NegativeStreak,
        NumericFact::Toxicity,
        NumericFact::MessageCount,
        NumericFact::FallbackCount,
        NumericFact::OpenCases,
    ];

    /// The key naming it in a document.
    pub fn as_str(self) -> &'static str {
        match self {
            NumericFact::Confidence => "confidence",
            NumericFact::Sentiment => "sentiment",
            NumericFact::SentimentTrend => "sentiment_trend",
            NumericFact::NegativeStreak => "negative_streak",
            NumericFact::Toxicity => "toxicity",
            NumericFact::MessageCount => "message_count",
            NumericFact::FallbackCount => "fallback_count",
            NumericFact::OpenCases => "open_cases",
        }
    }

    /// The values the fact can take: `(min, max, whole numbers only)`.
    pub fn domain(self) -> (f64, f64, bool) {
        match self {
            NumericFact::Confidence | NumericFact::Toxicity => (0.0, 1.0, false),
            NumericFact::Sentiment => (-1.0, 1.0, false),
            NumericFact::SentimentTrend => (-2.0, 2.0, false),
            NumericFact::NegativeStreak
            | NumericFact::MessageCount
            | NumericFact::FallbackCount
            | NumericFact::OpenCases => (0.0, f64::from(u32::MAX), true),
        }
    }
}

/// Bounds on a number: one or two of `lt`, `lte`, `gt`, `gte` (at most one
/// upper and one lower bound).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Less than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    /// Less than or equal to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<f64>,
    /// Greater than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    /// Greater than or equal to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<f64>,
}

/// `emotion: {name: anger, gte: 0.8}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmotionCondition {
    /// Which emotion.
    pub name: EmotionName,
    /// Less than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    /// Less than or equal to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<f64>,
    /// Greater than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    /// Greater than or equal to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<f64>,
}

impl EmotionCondition {
    /// The bounds.
    pub fn range(&self) -> Range {
        Range {
            lt: self.lt,
            lte: self.lte,
            gt: self.gt,
            gte: self.gte,
        }
    }
}

/// The emotions the NLU scores (each 0..1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmotionName {
    /// Anger.
    Anger,
    /// Frustration.
    Frustration,
    /// Confusion.
    Confusion,
    /// Urgency.
    Urgency,
    /// Anxiety.
    Anxiety,
    /// Satisfaction.
    Satisfaction,
}

/// What a rule does when it fires. Written as a map with a single key
/// (`escalate: {reason: ..}`, `tag: vip`, `set_priority: high`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleAction {
    /// Hand the conversation to a human. Without a queue, the queue chosen by
    /// routing applies (see [`super::Evaluation::queue`]), else the tenant's
    /// default.
    Escalate {
        /// The queue, when the rule names one.
        queue: Option<String>,
        /// The escalation's priority, when the rule names one.
        priority: Option<Priority>,
        /// A stable snake_case reason (`customer_requested_human`).
        reason: String,
    },
    /// Assign the conversation to a queue.
    Route {
        /// The queue.
        queue: String,
    },
    /// Raise (or set) the conversation's priority.
    SetPriority(Priority),
    /// Add a tag (`[a-z0-9_:-]{1,64}`).
    Tag(String),
    /// Send a templated reply; see [`super::render_template`].
    Reply {
        /// The text, with `{{ name }}` placeholders.
        template: String,
    },
    /// Start a workflow by name.
    StartWorkflow {
        /// The workflow's name.
        workflow: String,
    },
    /// Create a Salesforce case.
    CreateCase {
        /// Its priority, when the rule names one.
        priority: Option<Priority>,
    },
    /// Notify people: `supervisors`, `admins`, `queue:<name>` or
    /// `email:<address>`.
    Notify {
        /// Who.
        target: String,
        /// What (a template, like replies).
        message: String,
    },
}

impl RuleAction {
    /// The key naming the action in a document.
    pub fn name(&self) -> &'static str {
        match self {
            RuleAction::Escalate { .. } => "escalate",
            RuleAction::Route { .. } => "route",
            RuleAction::SetPriority(_) => "set_priority",
            RuleAction::Tag(_) => "tag",
            RuleAction::Reply { .. } => "reply",
            RuleAction::StartWorkflow { .. } => "start_workflow",
            RuleAction::CreateCase { .. } => "create_case",
            RuleAction::Notify { .. } => "notify",
        }
    }
}
