//! Workflow definitions as written in YAML. Serde checks their shape
//! (unknown keys are errors); `validate` checks the rest.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// Invalid answers accepted for one slot (or one confirmation) before the
/// workflow gives up, unless the slot sets `max_attempts`.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// The definitions file: `version: 1` and the workflows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkflowFile {
    pub version: u32,
    #[serde(default)]
    pub workflows: Vec<WorkflowDef>,
}

/// One workflow: the slots it collects, the optional confirmation, the action
/// it requests and what it says afterwards.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowDef {
    /// Unique snake_case name (`password_reset`); stored in [`super::WorkflowState`].
    pub name: String,
    /// A short human title for the admin UI.
    pub title: String,
    /// What the workflow does, for the admin UI.
    #[serde(default)]
    pub description: String,
    /// Intents that start it; an intent starts at most one workflow.
    #[serde(default)]
    pub triggers: Vec<String>,
    /// The values to collect, asked in this order.
    #[serde(default)]
    pub slots: Vec<SlotDef>,
    /// The question asked once every slot is filled; no confirmation when absent.
    #[serde(default)]
    pub confirm: Option<Localized>,
    /// The side effect the engine's executor performs.
    pub action: ActionDef,
    /// Said after the action succeeded; may use `{{ result.field }}`.
    pub success: Localized,
    /// Said after the action failed (the engine then hands over to a person).
    pub failure: Localized,
}

/// One value a workflow collects.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotDef {
    /// snake_case name, used in templates as `{{ name }}`.
    pub name: String,
    /// What kind of value it is; decides how it is recognised and normalised.
    pub kind: SlotKind,
    /// The question that asks for it.
    pub prompt: Localized,
    /// Said (before the prompt again) when an answer is not a valid value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<Localized>,
    /// Fill it from any message before it is asked (the triggering message,
    /// answers to other slots, the confirmation): from an entity of its kind,
    /// or an option named in the message. Answers to its own prompt are always
    /// read. Free `text` and `yes_no` slots are only filled by their own answer.
    #[serde(default = "yes")]
    pub from_entities: bool,
    /// A regular expression the whole (normalised) value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The options of a `choice` slot (at least two); `plan` slots default to
    /// the Salesforce editions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// Invalid answers accepted before the workflow gives up (1–10).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// `pattern`, compiled and anchored, once validated.
    #[serde(skip)]
    pub(crate) pattern_re: Option<Regex>,
}

fn yes() -> bool {
    true
}

fn default_max_attempts() -> u32 {
    DEFAULT_MAX_ATTEMPTS
}

/// How a slot's value is recognised, validated and normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    /// An email address (an `email` entity, or an address in the text).
    Email,
    /// A phone number (a `phone` entity, E.164); a bare number as an answer.
    Phone,
    /// A Salesforce case number, zero-padded to 8 digits (`case 1234` → `00001234`).
    CaseNumber,
    /// A 15- or 18-character Salesforce record id.
    SalesforceId,
    /// A Salesforce username: shaped like an email address, lower-cased.
    Username,
    /// A subscription plan: a choice that defaults to starter, professional,
    /// enterprise and unlimited.
    Plan,
    /// Free text: the whole answer, trimmed, at most 500 characters.
    Text,
    /// One of `options`, by value, synonym or label (whole words, any case).
    Choice,
    /// `yes` or `no`.
    YesNo,
    /// A URL.
    Url,
}

/// One option of a choice slot. YAML accepts a plain string (`starter`) or
/// `{value, synonyms, label}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChoiceOption {
    /// The value stored in the slot and passed to the action.
    pub value: String,
    /// Other ways customers say it ("pro", "next month").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
    /// What the customer sees (quick replies, templates); labels also match
    /// as synonyms. The value, with `_` as spaces, when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Localized>,
}

impl ChoiceOption {
    /// The customer-facing label in `language`.
    pub fn label(&self, language: &str) -> String {
        match &self.label {
            Some(label) => label.get(language).to_owned(),
            None => {
                let spaced = self.value.replace('_', " ");
                let mut chars = spaced.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect(),
                    None => String::new(),
                }
            }
        }
    }

    /// Every phrase that selects this option: value, synonyms and labels.
    pub(crate) fn phrases(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(self.value.replace('_', " "))
            .chain(self.synonyms.iter().cloned())
            .chain(self.label.iter().flat_map(|l| l.0.values().cloned()))
    }
}

impl<'de> Deserialize<'de> for ChoiceOption {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            value: String,
            #[serde(default)]
            synonyms: Vec<String>,
            #[serde(default)]
            label: Option<Localized>,
        }
        struct OptionVisitor;
        impl<'de> Visitor<'de> for OptionVisitor {
            type Value = ChoiceOption;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an option value or {value, synonyms, label}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ChoiceOption, E> {
                Ok(ChoiceOption {
                    value: v.to_owned(),
                    synonyms: Vec::new(),
                    label: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ChoiceOption, A::Error> {
                let full = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ChoiceOption {
                    value: full.value,
                    synonyms: full.synonyms,
                    label: full.label,
                })
            }
        }
        deserializer.deserialize_any(OptionVisitor)
    }
}

/// The side effect a workflow requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDef {
    /// The executor's action type (`password_reset`, `case_status_lookup` …).
    pub kind: String,
    /// Who must the customer be for the executor to run it.
    pub authorization: Authorization,
    /// Parameters passed to the executor; values are templates over the slots.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// What the executor must check before running an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authorization {
    /// Anyone in the conversation.
    None,
    /// The customer's identity is verified (a signed-in widget user, a
    /// matched and verified contact).
    VerifiedCustomer,
    /// Only a staff member acting in the conversation.
    Staff,
}

/// A text in several languages. YAML accepts a plain string (used for every
/// language) or a map from language code to text; `en` is required and is
/// the fallback.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Localized(pub BTreeMap<String, String>);

impl Localized {
    /// The text for `language` (`es`, `es-MX`), else the English text.
    pub fn get(&self, language: &str) -> &str {
        let primary = language.split(['-', '_']).next().unwrap_or("");
        self.0
            .get(&primary.to_ascii_lowercase())
            .or_else(|| self.0.get("en"))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Whether a text is written for `language` itself (no fallback).
    pub fn has(&self, language: &str) -> bool {
        self.0.contains_key(language)
    }
}

impl<'de> Deserialize<'de> for Localized {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LocalizedVisitor;
        impl<'de> Visitor<'de> for LocalizedVisitor {
            type Value = Localized;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text or a map from language code to text")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Localized, E> {
                Ok(Localized(BTreeMap::from([("en".to_owned(), v.to_owned())])))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Localized, A::Error> {
                BTreeMap::deserialize(de::value::MapAccessDeserializer::new(map)).map(Localized)
            }
        }
        deserializer.deserialize_any(LocalizedVisitor)
    }
}
