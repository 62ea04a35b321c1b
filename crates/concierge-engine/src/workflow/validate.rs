//! Validation of workflow definitions: what serde cannot check — names,
//! unique workflows and triggers, choice options, patterns, languages and the
//! slots that templates refer to. Every error names the workflow and the field.

use std::collections::HashMap;

use regex::RegexBuilder;

use super::def::{ChoiceOption, Localized, SlotKind, WorkflowDef};
use super::lang::words;
use super::template;
use super::WorkflowError;

/// The most a slot may set `max_attempts` to.
const MAX_ATTEMPTS_LIMIT: u32 = 10;

/// The options of a `plan` slot that lists none.
fn default_plan_options() -> Vec<ChoiceOption> {
    let option = |value: &str, synonyms: &[&str]| ChoiceOption {
        value: value.to_owned(),
        synonyms: synonyms.iter().map(|s| (*s).to_owned()).collect(),
        label: None,
    };
    vec![
        option("starter", &["starter edition"]),
        option("professional", &["pro", "professional edition"]),
        option("enterprise", &["enterprise edition"]),
        option("unlimited", &["unlimited edition"]),
    ]
}

fn invalid(workflow: &str, field: impl Into<String>, message: impl Into<String>) -> WorkflowError {
    WorkflowError::Invalid {
        workflow: workflow.to_owned(),
        field: field.into(),
        message: message.into(),
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Which names a template may use.
#[derive(Clone, Copy)]
enum Scope {
    /// The slots before this index (a prompt only sees what was asked before it).
    Before(usize),
    /// Every slot.
    Slots,
    /// Every slot and `result.*`.
    SlotsAndResult,
}

/// Checks every definition, compiles slot patterns and fills in `plan`
/// options; the first problem found is returned.
pub(crate) fn validate(defs: &mut [WorkflowDef]) -> Result<(), WorkflowError> {
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut triggers: HashMap<String, String> = HashMap::new();
    for (index, def) in defs.iter_mut().enumerate() {
        let wf = def.name.clone();
        if !is_identifier(&wf) {
            return Err(invalid(
                &format!("#{index}"),
                "name",
                format!("`{wf}` is not a snake_case name (a-z, 0-9, _)"),
            ));
        }
        if names.insert(wf.clone(), index).is_some() {
            return Err(invalid(&wf, "name", "duplicate workflow name"));
        }
        if def.title.trim().is_empty() {
            return Err(invalid(&wf, "title", "must not be empty"));
        }
        for (i, trigger) in def.triggers.iter().enumerate() {
            if trigger.trim().is_empty() || trigger.contains(char::is_whitespace) {
                return Err(invalid(&wf, format!("triggers[{i}]"), "not an intent name"));
            }
            if let Some(other) = triggers.insert(trigger.clone(), wf.clone()) {
                return Err(invalid(
                    &wf,
                    format!("triggers[{i}]"),
                    format!("intent `{trigger}` already starts workflow `{other}`"),
                ));
            }
        }
        validate_slots(def)?;
        let slots: Vec<String> = def.slots.iter().map(|s| s.name.clone()).collect();
        for (i, slot) in def.slots.iter().enumerate() {
            check_text(
                &wf,
                &slots,
                &format!("slots[{i}].prompt"),
                &slot.prompt,
                Scope::Before(i),
            )?;
            if let Some(text) = &slot.invalid {
                check_text(
                    &wf,
                    &slots,
                    &format!("slots[{i}].invalid"),
                    text,
                    Scope::Before(i),
                )?;
            }
        }
        if let Some(confirm) = &def.confirm {
            check_text(&wf, &slots, "confirm", confirm, Scope::Slots)?;
        }
        check_text(&wf, &slots, "success", &def.success, Scope::SlotsAndResult)?;
        check_text(&wf, &slots, "failure", &def.failure, Scope::Slots)?;
        if !is_identifier(&def.action.kind) {
            return Err(invalid(
                &wf,
                "action.kind",
                format!("`{}` is not a snake_case action type", def.action.kind),
            ));
        }
        for (key, value) in &def.action.params {
            let field = format!("action.params.{key}");
            if key.trim().is_empty() {
                return Err(invalid(&wf, field, "parameter names must not be empty"));
            }
            check_template(&wf, &slots, &field, value, Scope::Slots)?;
        }
    }
    Ok(())
}

fn validate_slots(def: &mut WorkflowDef) -> Result<(), WorkflowError> {
    let wf = def.name.clone();
    let mut seen = Vec::new();
    for (i, slot) in def.slots.iter_mut().enumerate() {
        let field = |f: &str| format!("slots[{i}].{f}");
        if !is_identifier(&slot.name) {
            return Err(invalid(
                &wf,
                field("name"),
                format!("`{}` is not a snake_case name (a-z, 0-9, _)", slot.name),
            ));
        }
        if slot.name == "result" {
            return Err(invalid(
                &wf,
                field("name"),
                "`result` is reserved for the action's result",
            ));
        }
        if seen.contains(&slot.name) {
            return Err(invalid(
                &wf,
                field("name"),
                format!("duplicate slot `{}`", slot.name),
            ));
        }
        seen.push(slot.name.clone());
        if slot.max_attempts == 0 || slot.max_attempts > MAX_ATTEMPTS_LIMIT {
            return Err(invalid(
                &wf,
                field("max_attempts"),
                format!("must be between 1 and {MAX_ATTEMPTS_LIMIT}"),
            ));
        }
        match slot.kind {
            SlotKind::Choice | SlotKind::Plan => {
                if slot.kind == SlotKind::Plan && slot.options.is_empty() {
                    slot.options = default_plan_options();
                }
                if slot.options.len() < 2 {
                    return Err(invalid(
                        &wf,
                        field("options"),
                        "a choice needs at least two options",
                    ));
                }
                check_options(&wf, &field("options"), &slot.options)?;
            }
            _ if !slot.options.is_empty() => {
                return Err(invalid(
                    &wf,
                    field("options"),
                    "options apply only to `choice` and `plan` slots",
                ));
            }
            _ => {}
        }
        if let Some(pattern) = &slot.pattern {
            let compiled = RegexBuilder::new(&format!("^(?:{pattern})$"))
                .size_limit(1 << 20)
                .build()
                .map_err(|e| {
                    invalid(
                        &wf,
                        field("pattern"),
                        format!("not a valid regular expression: {e}"),
                    )
                })?;
            slot.pattern_re = Some(compiled);
        }
    }
    Ok(())
}

fn check_options(wf: &str, field: &str, options: &[ChoiceOption]) -> Result<(), WorkflowError> {
    // Every phrase (folded to words) selects exactly one option.
    let mut owner: HashMap<Vec<String>, &str> = HashMap::new();
    for (j, option) in options.iter().enumerate() {
        if option.value.trim().is_empty() {
            return Err(invalid(
                wf,
                format!("{field}[{j}].value"),
                "must not be empty",
            ));
        }
        if let Some(label) = &option.label {
            check_languages(wf, &format!("{field}[{j}].label"), label)?;
        }
        for phrase in option.phrases() {
            let key = words(&phrase);
            if key.is_empty() {
                return Err(invalid(
                    wf,
                    format!("{field}[{j}]"),
                    format!("`{phrase}` has no words to match"),
                ));
            }
            match owner.get(&key) {
                Some(other) if *other != option.value => {
                    return Err(invalid(
                        wf,
                        format!("{field}[{j}]"),
                        format!("`{phrase}` also selects option `{other}`"),
                    ));
                }
                Some(_) => {}
                None => {
                    owner.insert(key, &option.value);
                }
            }
        }
    }
    Ok(())
}

fn check_languages(wf: &str, field: &str, text: &Localized) -> Result<(), WorkflowError> {
    if !text.has("en") {
        return Err(invalid(
            wf,
            field,
            "needs an `en` text (the fallback for other languages)",
        ));
    }
    for (language, value) in &text.0 {
        let ok = language.len() == 2 && language.chars().all(|c| c.is_ascii_lowercase());
        if !ok {
            return Err(invalid(
                wf,
                format!("{field}.{language}"),
                "language keys are two-letter ISO 639-1 codes (en, es, fr, de …)",
            ));
        }
        if value.trim().is_empty() {
            return Err(invalid(
                wf,
                format!("{field}.{language}"),
                "must not be empty",
            ));
        }
    }
    Ok(())
}

fn check_text(
    wf: &str,
    slots: &[String],
    field: &str,
    text: &Localized,
    scope: Scope,
) -> Result<(), WorkflowError> {
    check_languages(wf, field, text)?;
    for (language, value) in &text.0 {
        check_template(wf, slots, &format!("{field}.{language}"), value, scope)?;
    }
    Ok(())
}

fn check_template(
    wf: &str,
    slots: &[String],
    field: &str,
    text: &str,
    scope: Scope,
) -> Result<(), WorkflowError> {
    let vars = template::variables(text).map_err(|e| invalid(wf, field, e))?;
    for var in vars {
        if var.starts_with("result.") {
            if matches!(scope, Scope::SlotsAndResult) {
                continue;
            }
            return Err(invalid(
                wf,
                field,
                format!("`{{{{ {var} }}}}`: the action's result is only available in `success`"),
            ));
        }
        let Some(position) = slots.iter().position(|s| s == var) else {
            return Err(invalid(
                wf,
                field,
                format!("`{{{{ {var} }}}}` is not a slot of this workflow"),
            ));
        };
        if let Scope::Before(limit) = scope {
            if position >= limit {
                return Err(invalid(
                    wf,
                    field,
                    format!("`{{{{ {var} }}}}` is not known yet when this is said (slots are asked in order)"),
                ));
            }
        }
    }
    Ok(())
}
