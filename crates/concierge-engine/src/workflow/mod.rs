//! Declarative multi-turn workflows: collect slots, validate them, confirm,
//! then ask the engine's executor to act (send a password reset link, look
//! up a case, change a plan …).
//!
//! A [`WorkflowLibrary`] holds the definitions (the shipped
//! [`defaults.yaml`](WorkflowLibrary::default_yaml) or a tenant's own YAML,
//! validated by [`WorkflowLibrary::from_yaml`]). The engine starts a
//! workflow when a message's intent is one of its triggers
//! ([`WorkflowLibrary::for_intent`] → [`WorkflowDef::start`]), keeps the small
//! [`WorkflowState`] in the conversation, and calls [`WorkflowDef::advance`]
//! once per following message. Each call returns a [`Step`]: ask, retry,
//! confirm, execute an [`ActionRequest`], cancelled, or give up. The workflow
//! never performs side effects itself.
//!
//! - `def` — the YAML definition types; `validate` — their validation.
//! - `slots` — reading and normalising slot values from a message.
//! - `state` — the state machine.
//! - `lang` — yes/no/cancel words and fixed sentences in en, es, fr, de.
//! - `template` — `{{ slot }}` / `{{ result.field }}` substitution.

mod def;
mod lang;
mod slots;
mod state;
mod template;
#[cfg(test)]
mod tests;
mod validate;

use std::collections::HashMap;

pub use def::{
    ActionDef, Authorization, ChoiceOption, Localized, SlotDef, SlotKind, WorkflowDef,
    DEFAULT_MAX_ATTEMPTS,
};
pub use lang::{give_up_message, is_cancel, lang_code, yes_no, LANGUAGES};
pub use slots::MAX_TEXT_CHARS;
pub use state::{idempotency_key, ActionRequest, Pending, Step, TurnInput, WorkflowState};

/// The shipped workflows (password reset, case status, contact email update,
/// user unlock, plan change, outage report).
const DEFAULT_YAML: &str = include_str!("defaults.yaml");

/// Why workflow definitions were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// Not YAML, or a problem outside any one workflow (such as `version`).
    #[error("workflow definitions: {message}")]
    File {
        /// What is wrong, with the line and column when known.
        message: String,
    },
    /// A workflow's field is wrong.
    #[error("workflow `{workflow}` field `{field}`: {message}")]
    Invalid {
        /// The workflow's name (`#3` when it has none yet).
        workflow: String,
        /// The field's path inside the workflow (`slots[1].options`).
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// The workflows of a tenant (or the defaults), indexed by name and trigger.
/// Cheap to share: build once, read from any thread.
#[derive(Debug, Clone, Default)]
pub struct WorkflowLibrary {
    defs: Vec<WorkflowDef>,
    by_intent: HashMap<String, usize>,
}

impl WorkflowLibrary {
    /// The shipped workflows. They are validated by the tests; should they
    /// ever fail to load, the error is logged and the library is empty.
    pub fn defaults() -> WorkflowLibrary {
        Self::from_yaml(DEFAULT_YAML).unwrap_or_else(|error| {
            tracing::error!(%error, "the shipped workflow definitions do not load");
            WorkflowLibrary::default()
        })
    }

    /// The shipped definitions as YAML (a starting point for a tenant's own).
    pub fn default_yaml() -> &'static str {
        DEFAULT_YAML
    }

    /// Parses and validates definitions; errors name the workflow and field.
    pub fn from_yaml(text: &str) -> Result<WorkflowLibrary, WorkflowError> {
        let deserializer = serde_norway::Deserializer::from_str(text);
        let file: def::WorkflowFile =
            serde_path_to_error::deserialize(deserializer).map_err(|e| parse_error(text, e))?;
        if file.version != 1 {
            return Err(WorkflowError::File {
                message: format!(
                    "`version` is {}, but only version 1 is supported",
                    file.version
                ),
            });
        }
        let mut defs = file.workflows;
        validate::validate(&mut defs)?;
        let by_intent = defs
            .iter()
            .enumerate()
            .flat_map(|(i, d)| d.triggers.iter().map(move |t| (t.clone(), i)))
            .collect();
        Ok(WorkflowLibrary { defs, by_intent })
    }

    /// The workflow named `name`.
    pub fn get(&self, name: &str) -> Option<&WorkflowDef> {
        self.defs.iter().find(|d| d.name == name)
    }

    /// The workflow that `intent` starts, if any.
    pub fn for_intent(&self, intent: &str) -> Option<&WorkflowDef> {
        self.by_intent.get(intent).and_then(|i| self.defs.get(*i))
    }

    /// Every workflow's name, in definition order.
    pub fn names(&self) -> Vec<&str> {
        self.defs.iter().map(|d| d.name.as_str()).collect()
    }

    /// Every definition, in order (serialisable for the admin API).
    pub fn definitions(&self) -> &[WorkflowDef] {
        &self.defs
    }
}

/// A serde error as a [`WorkflowError`] naming the workflow (by its `name`
/// when the YAML has one) and the field.
fn parse_error(
    text: &str,
    error: serde_path_to_error::Error<serde_norway::Error>,
) -> WorkflowError {
    use serde_path_to_error::Segment;

    let path: Vec<&Segment> = error.path().iter().collect();
    let message = strip_path_prefix(&error.inner().to_string());
    let (Some(Segment::Map { key }), Some(Segment::Seq { index })) = (path.first(), path.get(1))
    else {
        return WorkflowError::File {
            message: if path.is_empty() {
                message
            } else {
                format!("field `{}`: {message}", error.path())
            },
        };
    };
    if key != "workflows" {
        return WorkflowError::File {
            message: format!("field `{}`: {message}", error.path()),
        };
    }
    let workflow = serde_norway::from_str::<serde_norway::Value>(text)
        .ok()
        .and_then(|v| {
            v.get("workflows")?
                .get(*index)?
                .get("name")?
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| format!("#{index}"));
    let mut field = String::new();
    for segment in &path[2..] {
        match segment {
            Segment::Seq { index } => field.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(key);
            }
            Segment::Unknown => field.push_str(".?"),
        }
    }
    WorkflowError::Invalid {
        workflow,
        field: if field.is_empty() {
            ".".to_owned()
        } else {
            field
        },
        message,
    }
}

/// serde_norway prefixes its messages with its own path (`workflows[0].name: …`);
/// the error already names the field.
fn strip_path_prefix(message: &str) -> String {
    match message.split_once(": ") {
        Some((prefix, rest)) if !prefix.contains(' ') && !prefix.is_empty() => rest.to_owned(),
        _ => message.to_owned(),
    }
}
