//! Tenant rules: what happens to each customer message once it is
//! understood — escalate to a human, route to a queue, tag, raise the
//! priority, reply, start a workflow, create a case, notify someone.
//!
//! This module owns the rules document format (YAML or JSON), its
//! validation (every error names the rule and the field), its compilation
//! into a [`RuleSet`], and evaluation over one message's [`Facts`]. It
//! decides nothing about side effects: the engine reads the [`Evaluation`]
//! and acts.
//!
//! # The document
//!
//! ```yaml
//! version: 1
//! business_hours: {utc_offset: "+02:00", days: [mon, tue, wed, thu, fri], open: "09:00", close: "17:00"}
//! rules:
//!   - id: human_request              # unique, [a-z0-9_-]{1,64}
//!     name: Customer asks for a human
//!     description: optional
//!     kind: escalation               # escalation | routing | automation | validation
//!     priority: 100                  # higher first; ties keep file order; default 0
//!     enabled: true                  # default true
//!     when:
//!       any:
//!         - intent: [speak_to_human]
//!         - keywords: ["real person", "human agent"]
//!     then:
//!       - escalate: { queue: general_support, priority: high, reason: customer_requested_human }
//!     stop: kind                     # false (default) | kind | true
//! ```
//!
//! **Conditions** are maps with one key. Combinators: `all: [..]`,
//! `any: [..]` (non-empty), `not: {..}`, nested at most 8 deep. Leaves:
//! `intent: [names]`, `intent_flag: escalate`, `intent_risk: [low|medium|high]`,
//! `out_of_scope: bool`, `language: [en, es]`, `channel: [web, slack, ..]`,
//! `tier: [standard|premium|enterprise|vip]` (false when the tier is unknown),
//! `entity: [email, sf_error_code, ..]` (one such entity is present),
//! `keywords: [..]` (whole words or phrases, case-insensitive, white space
//! runs count as one space), `business_hours: bool`, `workflow_active: bool`,
//! and ranges `{lt, lte, gt, gte}` (one or two) over `confidence`,
//! `toxicity` (0..1), `sentiment` (−1..1), `sentiment_trend` (−2..2),
//! `negative_streak`, `message_count`, `fallback_count`, `open_cases` (whole
//! numbers ≥ 0) and `emotion: {name: anger, gte: 0.8}` (anger, frustration,
//! confusion, urgency, anxiety, satisfaction; 0..1). A list of one may be
//! written as its element (`intent: refund_request`).
//!
//! **Actions** (`then`, non-empty): `escalate: {queue?, priority?, reason}`,
//! `route: {queue}`, `set_priority: high` (or `{priority: high}`),
//! `tag: name`, `reply: {template}` (or `reply: "text"`),
//! `start_workflow: {workflow}`, `create_case: {}` (or `{priority}`),
//! `notify: {target, message}` with target `supervisors`, `admins`,
//! `queue:<name>` or `email:<address>`. Replies and notification messages are
//! templates over `{{ customer_name }}`, `{{ intent }}`, `{{ queue }}`,
//! `{{ case_number }}`, and from the case system `{{ open_case }}` (the newest
//! open case's number), `{{ open_cases }}` and `{{ account }}` ([`render_template`]).
//!
//! **Order and `stop`.** Enabled rules are evaluated highest priority first.
//! When a rule with `stop: true` fires, no later rule is evaluated; with
//! `stop: kind`, later rules of the same kind are skipped while the others
//! still run. The default escalation rules use `stop: kind`: the most
//! important escalation alone decides queue, priority and reason, and
//! routing, tagging and automation rules still apply.
//!
//! **Combining actions** ([`Evaluation`] helpers): the escalation is the
//! first `escalate`; the queue is the first escalation's queue, else the
//! first `route` (an `escalate` without a queue goes where routing says); the
//! priority is the highest named by any `escalate`, `set_priority` or
//! `create_case`.
//!
//! # Speed
//!
//! Conditions compile to a tree of small enums; intents are interned once
//! per set and looked up once per evaluation; every keyword of the set sits
//! in one Aho-Corasick automaton that scans the text once, on first need.
//! Evaluating the 50-rule benchmark set takes 0.3–0.85 µs depending on the
//! message's length (`cargo bench -p concierge-engine --bench rules`).

mod compile;
mod error;
mod eval;
mod facts;
mod hours;
mod model;
mod serde_impl;
mod template;
#[cfg(test)]
mod tests;
mod validate;

pub use error::RuleError;
pub use eval::{Evaluation, Fired};
pub use facts::{Emotions, Facts, Risk};
pub use hours::BusinessHours;
pub use model::{
    Condition, EmotionCondition, EmotionName, IntentFlag, NumericFact, Range, Rule, RuleAction,
    RuleDocument, RuleKind, Stop, RULES_FORMAT_VERSION,
};
pub use template::{check_template, render_template, TEMPLATE_VARIABLES};
pub use validate::{Validation, MAX_DEPTH, MAX_KEYWORD_CHARS, MAX_RULES};

use compile::Compiled;

const DEFAULT_YAML: &str = include_str!("defaults.yaml");

/// A validated, compiled rules document: immutable, `Send + Sync`, cheap to
/// share in an `Arc`.
#[derive(Debug, Clone)]
pub struct RuleSet {
    document: RuleDocument,
    compiled: Compiled,
}

impl RuleSet {
    /// Loads a YAML document (JSON is YAML too).
    pub fn from_yaml(text: &str) -> Result<RuleSet, RuleError> {
        Self::from_yaml_checked(text, &Validation::default())
    }

    /// Loads a JSON document.
    pub fn from_json(text: &str) -> Result<RuleSet, RuleError> {
        Self::from_json_checked(text, &Validation::default())
    }

    /// Loads a YAML document and checks the names it uses against `validation`.
    pub fn from_yaml_checked(
        text: &str,
        validation: &Validation<'_>,
    ) -> Result<RuleSet, RuleError> {
        let syntax = |e: serde_norway::Error| {
            let location = e.location();
            RuleError::syntax(
                without_position(e.to_string()),
                location.as_ref().map(|l| l.line()),
                location.as_ref().map(|l| l.column()),
            )
        };
        let mut value: serde_norway::Value = serde_norway::from_str(text).map_err(syntax)?;
        // Anchors and aliases resolve while parsing; `<<:` merge keys here.
        value.apply_merge().map_err(syntax)?;
        let document = serde_path_to_error::deserialize(&value).map_err(|e| {
            let rule_id = |i: usize| {
                let id = value.get("rules")?.get(i)?.get("id")?.as_str()?;
                (!id.is_empty()).then(|| id.to_owned())
            };
            RuleError::schema(e.path(), e.inner().to_string(), rule_id)
        })?;
        Self::from_document_checked(document, validation)
    }

    /// Loads a JSON document and checks the names it uses against `validation`.
    pub fn from_json_checked(
        text: &str,
        validation: &Validation<'_>,
    ) -> Result<RuleSet, RuleError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            RuleError::syntax(
                without_position(e.to_string()),
                Some(e.line()),
                Some(e.column()),
            )
        })?;
        let document = serde_path_to_error::deserialize(&value).map_err(|e| {
            let rule_id = |i: usize| {
                let id = value.get("rules")?.get(i)?.get("id")?.as_str()?;
                (!id.is_empty()).then(|| id.to_owned())
            };
            RuleError::schema(e.path(), e.inner().to_string(), rule_id)
        })?;
        Self::from_document_checked(document, validation)
    }

    /// Validates and compiles a document.
    pub fn from_document(document: RuleDocument) -> Result<RuleSet, RuleError> {
        Self::from_document_checked(document, &Validation::default())
    }

    /// Validates (with the extra checks of `validation`) and compiles a document.
    pub fn from_document_checked(
        document: RuleDocument,
        validation: &Validation<'_>,
    ) -> Result<RuleSet, RuleError> {
        if let Some(error) = document.problems(validation).into_iter().next() {
            return Err(error);
        }
        let compiled = compile::compile(&document)?;
        Ok(RuleSet { document, compiled })
    }

    /// A set with no rules: nothing ever fires.
    pub fn empty() -> RuleSet {
        let document = RuleDocument {
            version: RULES_FORMAT_VERSION,
            business_hours: None,
            rules: Vec::new(),
        };
        let compiled = Compiled {
            rules: Box::new([]),
            intents: Default::default(),
            keywords: None,
        };
        RuleSet { document, compiled }
    }

    /// The default rules shipped with Concierge ([`RuleSet::default_yaml`]).
    pub fn defaults() -> RuleSet {
        match Self::from_yaml(DEFAULT_YAML) {
            Ok(set) => set,
            // Unreachable: a unit test loads the embedded file.
            Err(error) => {
                tracing::error!(%error, "the embedded default rules do not load; using no rules");
                RuleSet::empty()
            }
        }
    }

    /// The commented YAML of the default rules.
    pub fn default_yaml() -> &'static str {
        DEFAULT_YAML
    }

    /// The document the set was loaded from.
    pub fn document(&self) -> &RuleDocument {
        &self.document
    }

    /// The business hours of the document, or the default.
    pub fn business_hours(&self) -> BusinessHours {
        self.document.business_hours.unwrap_or_default()
    }

    /// The number of rules in the document (disabled ones included).
    pub fn len(&self) -> usize {
        self.document.rules.len()
    }

    /// Whether the document has no rules.
    pub fn is_empty(&self) -> bool {
        self.document.rules.is_empty()
    }

    /// The number of enabled rules, the ones evaluated.
    pub fn enabled_len(&self) -> usize {
        self.compiled.rules.len()
    }

    /// Evaluates the enabled rules over one message's facts.
    pub fn evaluate(&self, facts: &Facts<'_>) -> Evaluation {
        eval::evaluate(&self.compiled, facts)
    }
}

/// A parser message without its trailing ` at line L column C`.
fn without_position(mut message: String) -> String {
    if let Some(at) = message.find(" at line ") {
        message.truncate(at);
    }
    message
}
