//! The scenario file format (documented in `scenarios/README.md`): serde
//! types that reject unknown keys, and the checks serde cannot express. Every
//! error names the file, the turn (`turns[i]`, counted from 0) and the field.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use concierge_core::{
    ActionStatus, Channel, ContentType, ConversationStatus, CustomerTier, Priority,
};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

/// A scenario file that does not read or does not make sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    pub file: PathBuf,
    /// Where in the file, e.g. `turns[2].expect.intent` (empty: the whole file).
    pub field: String,
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}: {}: {}",
                self.file.display(),
                self.field,
                self.message
            )
        }
    }
}

impl std::error::Error for FormatError {}

/// One conversation, checked and ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub file: PathBuf,
    pub name: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub channel: Channel,
    pub customer: Customer,
    pub turns: Vec<Turn>,
    pub outcome: Option<Outcome>,
}

impl Scenario {
    /// Whether any turn needs a staff sign-in (agent actions and `advance`).
    pub fn needs_staff(&self) -> bool {
        self.turns.iter().any(|t| t.action.needs_staff())
    }
}

/// Who the customer is. Only the keys given are sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub email: Option<String>,
    pub name: Option<String>,
    pub tier: Option<CustomerTier>,
    pub language: Option<String>,
}

/// One step of the conversation and what to check after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub action: Action,
    pub expect: Expect,
}

/// What a turn does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The customer writes (through the service API key).
    Say {
        text: String,
        content_type: ContentType,
    },
    /// The staff user replies (claiming the conversation first if needed).
    AgentSay(String),
    /// The staff user claims the conversation.
    Claim,
    /// The staff user moves the conversation to another queue.
    Transfer(String),
    /// The staff user resolves the conversation.
    Resolve,
    /// The customer rates the conversation.
    Csat { score: u8, comment: Option<String> },
    /// Time passes: the `sla` and `abandon` jobs run this much later than
    /// the previous `advance` (cumulative).
    Advance(Duration),
}

impl Action {
    /// The key that names this kind of turn in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Say { .. } => "say",
            Action::AgentSay(_) => "agent_say",
            Action::Claim => "claim",
            Action::Transfer(_) => "transfer",
            Action::Resolve => "resolve",
            Action::Csat { .. } => "csat",
            Action::Advance(_) => "advance",
        }
    }

    fn needs_staff(&self) -> bool {
        !matches!(self, Action::Say { .. } | Action::Csat { .. })
    }
}

/// A customer rating.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Csat {
    pub score: u8,
    pub comment: Option<String>,
}

/// `none`, `warned` or `blocked`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moderation {
    None,
    Warned,
    Blocked,
}

impl Moderation {
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::None => "none",
            Moderation::Warned => "warned",
            Moderation::Blocked => "blocked",
        }
    }
}

/// Checks on one turn's reply. On turns other than `say` only `status` is allowed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The detected intent is one of these.
    pub intent: Option<OneOrMany>,
    /// Whether this reply escalated the conversation.
    pub escalated: Option<bool>,
    /// The conversation's status after the turn.
    pub status: Option<ConversationStatus>,
    pub reply_contains_any: Option<Vec<String>>,
    pub reply_contains_all: Option<Vec<String>>,
    pub reply_contains_none: Option<Vec<String>>,
    /// At least one of these articles (slug or id) is cited.
    pub cites: Option<OneOrMany>,
    /// Nothing is cited.
    pub no_citations: Option<bool>,
    /// An action of this type was taken.
    pub action: Option<String>,
    /// … and has this status.
    pub action_status: Option<ActionStatus>,
    pub language: Option<String>,
    pub moderation: Option<Moderation>,
    pub queue: Option<String>,
    pub priority: Option<Priority>,
    /// Each of these texts appears in some quick reply.
    pub quick_replies_contains: Option<OneOrMany>,
    /// The workflow the reply belongs to.
    pub workflow: Option<String>,
}

impl Expect {
    /// The keys set, in declaration order (for error messages).
    fn keys(&self) -> Vec<&'static str> {
        let set = [
            ("intent", self.intent.is_some()),
            ("escalated", self.escalated.is_some()),
            ("status", self.status.is_some()),
            ("reply_contains_any", self.reply_contains_any.is_some()),
            ("reply_contains_all", self.reply_contains_all.is_some()),
            ("reply_contains_none", self.reply_contains_none.is_some()),
            ("cites", self.cites.is_some()),
            ("no_citations", self.no_citations.is_some()),
            ("action", self.action.is_some()),
            ("action_status", self.action_status.is_some()),
            ("language", self.language.is_some()),
            ("moderation", self.moderation.is_some()),
            ("queue", self.queue.is_some()),
            ("priority", self.priority.is_some()),
            (
                "quick_replies_contains",
                self.quick_replies_contains.is_some(),
            ),
            ("workflow", self.workflow.is_some()),
        ];
        set.into_iter()
            .filter(|(_, on)| *on)
            .map(|(k, _)| k)
            .collect()
    }
}

/// Checks on the conversation after the last turn.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub status: Option<ConversationStatus>,
    /// The conversation's `resolution_type`: ai, human, abandoned or customer.
    pub resolved_by: Option<ResolvedBy>,
    pub escalated: Option<bool>,
    pub queue: Option<String>,
    pub priority: Option<Priority>,
    pub satisfaction: Option<u8>,
    pub sla_breached: Option<bool>,
    pub messages_at_least: Option<u32>,
}

/// Who resolved (or ended) a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolvedBy {
    Ai,
    Human,
    Abandoned,
    Customer,
}

impl ResolvedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ResolvedBy::Ai => "ai",
            ResolvedBy::Human => "human",
            ResolvedBy::Abandoned => "abandoned",
            ResolvedBy::Customer => "customer",
        }
    }
}

/// A string or a list of strings (`intent: a` or `intent: [a, b]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOrMany(pub Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The file as written; [`parse`] turns it into a [`Scenario`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    channel: Option<Channel>,
    #[serde(default)]
    customer: Customer,
    turns: Vec<RawTurn>,
    outcome: Option<Outcome>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTurn {
    say: Option<String>,
    content_type: Option<ContentType>,
    agent_say: Option<String>,
    claim: Option<bool>,
    transfer: Option<String>,
    resolve: Option<bool>,
    csat: Option<Csat>,
    advance: Option<String>,
    expect: Option<Expect>,
}

/// Parses and checks one scenario file's text.
pub fn parse(file: &Path, text: &str) -> Result<Scenario, FormatError> {
    let err = |field: String, message: String| FormatError {
        file: file.to_owned(),
        field,
        message,
    };
    // serde_norway's messages already name the path (`turns[1].expect: unknown field …`).
    let raw: RawScenario =
        serde_norway::from_str(text).map_err(|e| err(String::new(), e.to_string()))?;
    if raw.name.trim().is_empty() {
        return Err(err("name".into(), "must not be empty".into()));
    }
    if raw.turns.is_empty() {
        return Err(err("turns".into(), "must list at least one turn".into()));
    }
    let turns = raw
        .turns
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            turn::turn(t).map_err(|(field, message)| err(format!("turns[{i}]{field}"), message))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(o) = &raw.outcome {
        if let Some(s) = o.satisfaction {
            if !(1..=5).contains(&s) {
                return Err(err(
                    "outcome.satisfaction".into(),
                    format!("{s} is not a score from 1 to 5"),
                ));
            }
        }
    }
    Ok(Scenario {
        file: file.to_owned(),
        name: raw.name.trim().to_owned(),
        description: raw.description,
        tags: raw.tags,
        channel: raw.channel.unwrap_or(Channel::Web),
        customer: raw.customer,
        turns,
        outcome: raw.outcome,
    })
}

/// Turn checks and durations.
mod turn;

#[cfg(test)]
mod tests;
