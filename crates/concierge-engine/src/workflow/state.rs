//! The workflow state machine: one call per customer message.
//!
//! ```text
//! start ──► Ask(slot 1) ──► … ──► Ask(slot n) ──► Confirm ──yes──► Execute
//!             │ invalid: Retry (max_attempts, then GiveUp)  │ no: Cancelled
//!             └─ "cancel" at any step: Cancelled            └ other: Confirm again
//! ```
//!
//! Slots are asked in order; a message may fill later slots too (the
//! triggering message "reset the password for jane@example.com" fills
//! `email` and goes straight to `Execute`). The state is small, serde
//! (de)serialisable and stored by the engine between messages; every
//! decision is derived from the definition and the state, so an edited
//! definition simply continues with whatever is still missing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::def::{Authorization, SlotDef, SlotKind, WorkflowDef, DEFAULT_MAX_ATTEMPTS};
use super::lang::{self, is_cancel, yes_no};
use super::slots::{extract, same_family, Mode};
use super::template;

/// One customer message, as the engine understood it.
#[derive(Debug, Clone, Copy)]
pub struct TurnInput<'a> {
    /// The message text.
    pub text: &'a str,
    /// Entities the NLU found in `text` (character offsets into it).
    pub entities: &'a [concierge_nlu::Entity],
    /// The classified intent, if any.
    pub intent: Option<&'a str>,
    /// The conversation language (`en`, `es`, `fr`, `de`; anything else
    /// uses the English texts).
    pub language: &'a str,
}

impl<'a> TurnInput<'a> {
    /// A message with its entities, no intent, in `language`.
    pub fn new(text: &'a str, entities: &'a [concierge_nlu::Entity], language: &'a str) -> Self {
        Self {
            text,
            entities,
            intent: None,
            language,
        }
    }
}

/// Where a workflow is waiting; kept in the conversation between messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pending {
    /// Waiting for the answer to this slot's question.
    Slot(String),
    /// Waiting for yes or no to the confirmation.
    Confirm,
    /// The action was requested; the engine renders its outcome and drops the state.
    Done,
}

/// A running workflow, stored by the engine in the conversation context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowState {
    /// The workflow's name.
    pub workflow: String,
    /// The slots filled so far, normalised.
    pub slots: BTreeMap<String, String>,
    /// What the next message should answer.
    pub pending: Pending,
    /// Invalid answers given to the pending question.
    pub attempts: u32,
}

impl WorkflowState {
    /// True once the action was requested.
    pub fn is_done(&self) -> bool {
        self.pending == Pending::Done
    }
}

/// What the engine does with a message, decided by the workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Ask for a slot (quick replies for choice and yes/no slots).
    Ask {
        /// The slot asked for.
        slot: String,
        /// The question, rendered in the conversation's language.
        prompt: String,
        /// Suggested answers, possibly none.
        quick_replies: Vec<String>,
    },
    /// The answer was not a valid value: say so and ask again.
    Retry {
        /// The slot asked for.
        slot: String,
        /// The invalid-answer text followed by the question.
        message: String,
        /// Suggested answers, possibly none.
        quick_replies: Vec<String>,
    },
    /// Every slot is filled: ask the customer to confirm.
    Confirm {
        /// The confirmation question.
        text: String,
        /// Localized yes and no.
        quick_replies: Vec<String>,
    },
    /// Run the action (the workflow is then [`Pending::Done`]).
    Execute(ActionRequest),
    /// The customer cancelled; the engine drops the state and offers more help.
    Cancelled {
        /// What to tell the customer.
        message: String,
    },
    /// Too many invalid answers: the engine drops the state and escalates.
    GiveUp {
        /// Why, for the escalation note and logs (not for the customer; see
        /// [`super::give_up_message`]).
        reason: String,
    },
}

/// The side effect a finished workflow asks the engine's executor to perform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionRequest {
    /// The workflow's name.
    pub workflow: String,
    /// The executor's action type.
    pub kind: String,
    /// What the executor must check first.
    pub authorization: Authorization,
    /// The action's parameters, rendered from the slots.
    pub params: BTreeMap<String, String>,
    /// Hex SHA-256 of the workflow, the engine's seed, the action type and
    /// the parameters: the same request in the same conversation always has
    /// the same key, so a retried turn does not act twice.
    pub idempotency_key: String,
}

/// The deterministic key of an action request (see [`ActionRequest::idempotency_key`]).
pub fn idempotency_key(
    workflow: &str,
    seed: &str,
    kind: &str,
    params: &BTreeMap<String, String>,
) -> String {
    let mut hash = Sha256::new();
    // Length-prefixed fields, so no choice of values can collide with another.
    let mut field = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    field(b"concierge.workflow.v1");
    field(workflow.as_bytes());
    field(seed.as_bytes());
    field(kind.as_bytes());
    for (key, value) in params {
        field(key.as_bytes());
        field(value.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl WorkflowDef {
    /// Starts the workflow on its triggering message, filling every slot the
    /// message already holds, and says what to do next.
    pub fn start(&self, input: &TurnInput<'_>, seed: &str) -> (WorkflowState, Step) {
        let mut state = WorkflowState {
            workflow: self.name.clone(),
            slots: BTreeMap::new(),
            pending: Pending::Slot(String::new()),
            attempts: 0,
        };
        self.prefill(&mut state, input, Vec::new());
        let step = self.next(&mut state, input.language, seed);
        (state, step)
    }

    /// Takes the customer's next message and says what to do next.
    /// Calling it again after [`Step::Execute`] repeats the same request
    /// (same idempotency key).
    pub fn advance(&self, state: &mut WorkflowState, input: &TurnInput<'_>, seed: &str) -> Step {
        let language = input.language;
        if state.workflow != self.name {
            return Step::GiveUp {
                reason: format!(
                    "the state belongs to workflow `{}`, not `{}`",
                    state.workflow, self.name
                ),
            };
        }
        if state.pending == Pending::Done {
            return self.execute(state, seed);
        }
        if is_cancel(input.text) {
            return Step::Cancelled {
                message: lang::cancelled_message(language).to_owned(),
            };
        }
        match state.pending.clone() {
            Pending::Slot(name) => {
                let Some(slot) = self
                    .slot(&name)
                    .filter(|_| !state.slots.contains_key(&name))
                else {
                    // The definition changed since the question was asked.
                    return self.next(state, language, seed);
                };
                match extract(slot, input, Mode::Answer) {
                    Some(value) => {
                        state.slots.insert(name, value.clone());
                        self.prefill(state, input, vec![(slot.kind, value)]);
                        self.next(state, language, seed)
                    }
                    None => {
                        state.attempts += 1;
                        if state.attempts >= slot.max_attempts {
                            return Step::GiveUp {
                                reason: format!(
                                    "workflow `{}`: no valid `{}` after {} attempts",
                                    self.name, slot.name, state.attempts
                                ),
                            };
                        }
                        Step::Retry {
                            slot: slot.name.clone(),
                            message: format!(
                                "{} {}",
                                self.invalid_text(slot, state, language),
                                self.prompt(slot, state, language)
                            ),
                            quick_replies: quick_replies(slot, language),
                        }
                    }
                }
            }
            Pending::Confirm => self.on_confirm(state, input, seed),
            Pending::Done => self.execute(state, seed),
        }
    }

    /// The success text for the executor's `result` (a JSON object whose
    /// fields `{{ result.field }}` refers to).
    pub fn render_success(
        &self,
        state: &WorkflowState,
        result: &serde_json::Value,
        language: &str,
    ) -> String {
        self.render(self.success.get(language), state, Some(result), language)
    }

    /// The failure text, said when the executor could not perform the action.
    pub fn render_failure(&self, state: &WorkflowState, language: &str) -> String {
        self.render(self.failure.get(language), state, None, language)
    }

    fn slot(&self, name: &str) -> Option<&SlotDef> {
        self.slots.iter().find(|s| s.name == name)
    }

    /// Fills empty slots from a message that was not their answer; `used`
    /// holds values already taken from this message, which a slot of the
    /// same family does not take again.
    fn prefill(
        &self,
        state: &mut WorkflowState,
        input: &TurnInput<'_>,
        mut used: Vec<(SlotKind, String)>,
    ) {
        for slot in &self.slots {
            if state.slots.contains_key(&slot.name) {
                continue;
            }
            if let Some(value) = extract(slot, input, Mode::Prefill) {
                if used
                    .iter()
                    .any(|(k, v)| same_family(*k, slot.kind) && *v == value)
                {
                    continue;
                }
                used.push((slot.kind, value.clone()));
                state.slots.insert(slot.name.clone(), value);
            }
        }
    }

    /// The step after a slot was filled: the next question, the confirmation
    /// or the action.
    fn next(&self, state: &mut WorkflowState, language: &str, seed: &str) -> Step {
        let set_pending = |state: &mut WorkflowState, pending: Pending| {
            if state.pending != pending {
                state.pending = pending;
                state.attempts = 0;
            }
        };
        if let Some(slot) = self
            .slots
            .iter()
            .find(|s| !state.slots.contains_key(&s.name))
        {
            set_pending(state, Pending::Slot(slot.name.clone()));
            return Step::Ask {
                slot: slot.name.clone(),
                prompt: self.prompt(slot, state, language),
                quick_replies: quick_replies(slot, language),
            };
        }
        if self.confirm.is_some() {
            set_pending(state, Pending::Confirm);
            return self.confirm_step(state, language, None);
        }
        self.execute(state, seed)
    }

    fn on_confirm(&self, state: &mut WorkflowState, input: &TurnInput<'_>, seed: &str) -> Step {
        let language = input.language;
        // "No, use bob@example.com": a new value for a slot changes it and
        // the (updated) question is asked again.
        let mut changed = false;
        let mut used = Vec::new();
        for slot in &self.slots {
            let Some(value) = extract(slot, input, Mode::Prefill) else {
                continue;
            };
            if used
                .iter()
                .any(|(k, v)| same_family(*k, slot.kind) && *v == value)
            {
                continue;
            }
            used.push((slot.kind, value.clone()));
            if state.slots.get(&slot.name) != Some(&value) {
                state.slots.insert(slot.name.clone(), value);
                changed = true;
            }
        }
        if changed {
            state.attempts = 0;
            return self.confirm_step(state, language, None);
        }
        match yes_no(input.text) {
            Some(true) => self.execute(state, seed),
            Some(false) => Step::Cancelled {
                message: lang::cancelled_message(language).to_owned(),
            },
            None => {
                state.attempts += 1;
                if state.attempts >= DEFAULT_MAX_ATTEMPTS {
                    return Step::GiveUp {
                        reason: format!(
                            "workflow `{}`: no yes or no to the confirmation after {} attempts",
                            self.name, state.attempts
                        ),
                    };
                }
                self.confirm_step(state, language, Some(lang::answer_yes_no(language)))
            }
        }
    }

    fn confirm_step(&self, state: &WorkflowState, language: &str, before: Option<&str>) -> Step {
        let question = self
            .confirm
            .as_ref()
            .map(|c| self.render(c.get(language), state, None, language))
            .unwrap_or_default();
        Step::Confirm {
            text: match before {
                Some(before) => format!("{before} {question}"),
                None => question,
            },
            quick_replies: lang::yes_no_labels(language)
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        }
    }

    fn execute(&self, state: &mut WorkflowState, seed: &str) -> Step {
        state.pending = Pending::Done;
        state.attempts = 0;
        let params: BTreeMap<String, String> = self
            .action
            .params
            .iter()
            .map(|(key, value)| {
                let rendered = template::render(value, |name| state.slots.get(name).cloned());
                (key.clone(), rendered)
            })
            .collect();
        Step::Execute(ActionRequest {
            workflow: self.name.clone(),
            kind: self.action.kind.clone(),
            authorization: self.action.authorization,
            idempotency_key: idempotency_key(&self.name, seed, &self.action.kind, &params),
            params,
        })
    }

    fn prompt(&self, slot: &SlotDef, state: &WorkflowState, language: &str) -> String {
        self.render(slot.prompt.get(language), state, None, language)
    }

    fn invalid_text(&self, slot: &SlotDef, state: &WorkflowState, language: &str) -> String {
        match &slot.invalid {
            Some(text) => self.render(text.get(language), state, None, language),
            None if slot.options.is_empty() => lang::default_invalid(language).to_owned(),
            None => {
                let labels: Vec<String> = slot.options.iter().map(|o| o.label(language)).collect();
                lang::choose_one_of(language, &labels)
            }
        }
    }

    /// Renders a customer-facing text: choice slots show their option's
    /// label in `language`, other slots their value.
    fn render(
        &self,
        text: &str,
        state: &WorkflowState,
        result: Option<&serde_json::Value>,
        language: &str,
    ) -> String {
        template::render(text, |name| {
            if let Some(path) = name.strip_prefix("result.") {
                let value = result.and_then(|r| template::json_field(r, path));
                if value.is_none() {
                    tracing::warn!(workflow = %self.name, field = name, "action result lacks a field the text uses");
                }
                return value;
            }
            let value = state.slots.get(name)?;
            let label = self
                .slot(name)
                .and_then(|slot| slot.options.iter().find(|o| &o.value == value))
                .map(|option| option.label(language));
            Some(label.unwrap_or_else(|| value.clone()))
        })
    }
}

/// Suggested answers: option labels for choices, yes/no for yes/no slots.
fn quick_replies(slot: &SlotDef, language: &str) -> Vec<String> {
    match slot.kind {
        SlotKind::Choice | SlotKind::Plan => {
            slot.options.iter().map(|o| o.label(language)).collect()
        }
        SlotKind::YesNo => lang::yes_no_labels(language)
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        _ => Vec::new(),
    }
}
