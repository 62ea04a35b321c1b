//! Serde for the single-key maps of the rules document (conditions, actions)
//! and for `stop`. Written by hand because serde_norway reads and writes
//! enums as YAML tags (`!route {..}`), while rules are written
//! `route: {queue: billing}` in YAML and `{"route": {"queue": "billing"}}` in
//! JSON. Errors name the offending key, so `serde_path_to_error` can point at
//! it.

use std::fmt;

use concierge_core::Priority;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::model::{Condition, NumericFact, RuleAction, Stop};

/// A list that may also be written as its single element (`intent: refund_request`).
struct OneOrMany<T>(Vec<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list (or a single value)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let one = T::deserialize(de::value::StrDeserializer::<E>::new(v))?;
                Ok(OneOrMany(vec![one]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(256));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }
        }
        deserializer.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A map key that must be one of `KEYS`; refused while the key is read, so
/// the error path ends with the key itself (`when.intnet`).
struct Key<const ACTION: bool>(String);

impl<'de, const ACTION: bool> Deserialize<'de> for Key<ACTION> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = String::deserialize(deserializer)?;
        let known = if ACTION { ACTION_KEYS } else { CONDITION_KEYS };
        if known.contains(&key.as_str()) {
            Ok(Key(key))
        } else {
            Err(de::Error::unknown_field(&key, known))
        }
    }
}

const CONDITION_KEYS: &[&str] = &[
    "all",
    "any",
    "not",
    "intent",
    "intent_flag",
    "intent_risk",
    "out_of_scope",
    "confidence",
    "sentiment",
    "sentiment_trend",
    "negative_streak",
    "toxicity",
    "message_count",
    "fallback_count",
    "open_cases",
    "emotion",
    "language",
    "channel",
    "tier",
    "entity",
    "keywords",
    "business_hours",
    "workflow_active",
];

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Condition;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a condition: a map with one key such as `all`, `any`, `not`, `intent`, `confidence` or `keywords`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Condition, A::Error> {
                let Some(Key(key)) = map.next_key::<Key<false>>()? else {
                    return Err(de::Error::custom(
                        "empty condition; expected one key such as `all`, `any`, `intent` or `confidence`",
                    ));
                };
                let condition = match key.as_str() {
                    "all" => Condition::All(map.next_value()?),
                    "any" => Condition::Any(map.next_value()?),
                    "not" => Condition::Not(map.next_value()?),
                    "intent" => Condition::Intent(map.next_value::<OneOrMany<_>>()?.0),
                    "intent_flag" => Condition::IntentFlag(map.next_value()?),
                    "intent_risk" => Condition::IntentRisk(map.next_value::<OneOrMany<_>>()?.0),
                    "out_of_scope" => Condition::OutOfScope(map.next_value()?),
                    "emotion" => Condition::Emotion(map.next_value()?),
                    "language" => Condition::Language(map.next_value::<OneOrMany<_>>()?.0),
                    "channel" => Condition::Channel(map.next_value::<OneOrMany<_>>()?.0),
                    "tier" => Condition::Tier(map.next_value::<OneOrMany<_>>()?.0),
                    "entity" => Condition::Entity(map.next_value::<OneOrMany<_>>()?.0),
                    "keywords" => Condition::Keywords(map.next_value::<OneOrMany<_>>()?.0),
                    "business_hours" => Condition::BusinessHours(map.next_value()?),
                    "workflow_active" => Condition::WorkflowActive(map.next_value()?),
                    other => match NumericFact::ALL.iter().find(|f| f.as_str() == other) {
                        Some(fact) => Condition::Number(*fact, map.next_value()?),
                        None => return Err(de::Error::unknown_field(other, CONDITION_KEYS)),
                    },
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format_args!(
                        "a condition has exactly one key but this one has `{key}` and `{extra}`; \
                         combine conditions with `all` or `any`"
                    )));
                }
                Ok(condition)
            }
        }
        deserializer.deserialize_map(V)
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Condition::All(c) => map.serialize_entry("all", c)?,
            Condition::Any(c) => map.serialize_entry("any", c)?,
            Condition::Not(c) => map.serialize_entry("not", c)?,
            Condition::Intent(v) => map.serialize_entry("intent", v)?,
            Condition::IntentFlag(v) => map.serialize_entry("intent_flag", v)?,
            Condition::IntentRisk(v) => map.serialize_entry("intent_risk", v)?,
            Condition::OutOfScope(v) => map.serialize_entry("out_of_scope", v)?,
            Condition::Number(fact, range) => map.serialize_entry(fact.as_str(), range)?,
            Condition::Emotion(v) => map.serialize_entry("emotion", v)?,
            Condition::Language(v) => map.serialize_entry("language", v)?,
            Condition::Channel(v) => map.serialize_entry("channel", v)?,
            Condition::Tier(v) => map.serialize_entry("tier", v)?,
            Condition::Entity(v) => map.serialize_entry("entity", v)?,
            Condition::Keywords(v) => map.serialize_entry("keywords", v)?,
            Condition::BusinessHours(v) => map.serialize_entry("business_hours", v)?,
            Condition::WorkflowActive(v) => map.serialize_entry("workflow_active", v)?,
        }
        map.end()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EscalateArgs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    queue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    priority: Option<Priority>,
    reason: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueArgs {
    queue: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkflowArgs {
    workflow: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyArgs {
    target: String,
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriorityArgs {
    priority: Priority,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CaseArgs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    priority: Option<Priority>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyArgs {
    template: String,
}

/// `set_priority: high` or `set_priority: {priority: high}`.
struct PriorityArg(Priority);

impl<'de> Deserialize<'de> for PriorityArg {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PriorityArg;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a priority (low, medium, high, critical) or {priority: ..}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PriorityArg, E> {
                v.parse().map(PriorityArg).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PriorityArg, A::Error> {
                PriorityArgs::deserialize(MapAccessDeserializer::new(map))
                    .map(|a| PriorityArg(a.priority))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// `create_case: {}`, `create_case: {priority: high}` or `create_case: null`.
struct CaseArg(CaseArgs);

impl<'de> Deserialize<'de> for CaseArg {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CaseArg;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("{} or {priority: ..}")
            }
            fn visit_unit<E: de::Error>(self) -> Result<CaseArg, E> {
                Ok(CaseArg(CaseArgs::default()))
            }
            fn visit_none<E: de::Error>(self) -> Result<CaseArg, E> {
                Ok(CaseArg(CaseArgs::default()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CaseArg, A::Error> {
                CaseArgs::deserialize(MapAccessDeserializer::new(map)).map(CaseArg)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// `reply: "text"` or `reply: {template: "text"}`.
struct ReplyArg(String);

impl<'de> Deserialize<'de> for ReplyArg {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ReplyArg;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a template string or {template: ..}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ReplyArg, E> {
                Ok(ReplyArg(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ReplyArg, A::Error> {
                ReplyArgs::deserialize(MapAccessDeserializer::new(map))
                    .map(|a| ReplyArg(a.template))
            }
        }
        deserializer.deserialize_any(V)
    }
}

const ACTION_KEYS: &[&str] = &[
    "escalate",
    "route",
    "set_priority",
    "tag",
    "reply",
    "start_workflow",
    "create_case",
    "notify",
];

impl<'de> Deserialize<'de> for RuleAction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RuleAction;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "an action: a map with one key such as `escalate`, `route`, `tag` or `reply`",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RuleAction, A::Error> {
                let Some(Key(key)) = map.next_key::<Key<true>>()? else {
                    return Err(de::Error::custom(
                        "empty action; expected one key such as `escalate`, `route`, `tag` or `reply`",
                    ));
                };
                let action = match key.as_str() {
                    "escalate" => {
                        let a: EscalateArgs = map.next_value()?;
                        RuleAction::Escalate {
                            queue: a.queue,
                            priority: a.priority,
                            reason: a.reason,
                        }
                    }
                    "route" => RuleAction::Route {
                        queue: map.next_value::<QueueArgs>()?.queue,
                    },
                    "set_priority" => RuleAction::SetPriority(map.next_value::<PriorityArg>()?.0),
                    "tag" => RuleAction::Tag(map.next_value()?),
                    "reply" => RuleAction::Reply {
                        template: map.next_value::<ReplyArg>()?.0,
                    },
                    "start_workflow" => RuleAction::StartWorkflow {
                        workflow: map.next_value::<WorkflowArgs>()?.workflow,
                    },
                    "create_case" => RuleAction::CreateCase {
                        priority: map.next_value::<CaseArg>()?.0.priority,
                    },
                    "notify" => {
                        let a: NotifyArgs = map.next_value()?;
                        RuleAction::Notify {
                            target: a.target,
                            message: a.message,
                        }
                    }
                    other => return Err(de::Error::unknown_field(other, ACTION_KEYS)),
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format_args!(
                        "an action has exactly one key but this one has `{key}` and `{extra}`; \
                         list each action separately under `then`"
                    )));
                }
                Ok(action)
            }
        }
        deserializer.deserialize_map(V)
    }
}

impl Serialize for RuleAction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            RuleAction::Escalate {
                queue,
                priority,
                reason,
            } => map.serialize_entry(
                "escalate",
                &EscalateArgs {
                    queue: queue.clone(),
                    priority: *priority,
                    reason: reason.clone(),
                },
            )?,
            RuleAction::Route { queue } => map.serialize_entry(
                "route",
                &QueueArgs {
                    queue: queue.clone(),
                },
            )?,
            RuleAction::SetPriority(p) => map.serialize_entry("set_priority", p)?,
            RuleAction::Tag(t) => map.serialize_entry("tag", t)?,
            RuleAction::Reply { template } => map.serialize_entry(
                "reply",
                &ReplyArgs {
                    template: template.clone(),
                },
            )?,
            RuleAction::StartWorkflow { workflow } => map.serialize_entry(
                "start_workflow",
                &WorkflowArgs {
                    workflow: workflow.clone(),
                },
            )?,
            RuleAction::CreateCase { priority } => map.serialize_entry(
                "create_case",
                &CaseArgs {
                    priority: *priority,
                },
            )?,
            RuleAction::Notify { target, message } => map.serialize_entry(
                "notify",
                &NotifyArgs {
                    target: target.clone(),
                    message: message.clone(),
                },
            )?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Stop {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Stop;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false or `kind`")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Stop, E> {
                Ok(if v { Stop::All } else { Stop::None })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Stop, E> {
                match v {
                    "kind" => Ok(Stop::Kind),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl Serialize for Stop {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Stop::None => serializer.serialize_bool(false),
            Stop::All => serializer.serialize_bool(true),
            Stop::Kind => serializer.serialize_str("kind"),
        }
    }
}
