//! Checks a parsed [`RuleDocument`] beyond what its types enforce: ids,
//! ranges, limits, names and templates, and — with a [`Validation`] — that
//! the intents, workflows and queues it names exist. Every problem names the
//! rule and the field.

use std::collections::HashMap;

use super::error::RuleError;
use super::model::{Condition, Range, RuleAction, RuleDocument, RULES_FORMAT_VERSION};
use super::template::check_template;

/// At most this many rules in a document.
pub const MAX_RULES: usize = 500;
/// At most this many nested `all` / `any` / `not` levels in a condition.
pub const MAX_DEPTH: usize = 8;
/// At most this many characters in a keyword.
pub const MAX_KEYWORD_CHARS: usize = 100;
const MAX_ACTIONS: usize = 32;
const MAX_LIST: usize = 1_000;

/// Optional checks against the tenant's configuration: when a list is given,
/// a rule naming something absent from it is an error.
#[derive(Debug, Clone, Copy, Default)]
pub struct Validation<'a> {
    /// The intents the tenant's NLU model knows (`out_of_scope` is always accepted).
    pub intents: Option<&'a [&'a str]>,
    /// The tenant's workflows.
    pub workflows: Option<&'a [&'a str]>,
    /// The tenant's queues.
    pub queues: Option<&'a [&'a str]>,
}

impl RuleDocument {
    /// Every problem with the document, in document order (empty when it is
    /// valid). [`super::RuleSet::from_document_checked`] rejects a document
    /// with the first of them; an editor can show them all.
    pub fn problems(&self, validation: &Validation<'_>) -> Vec<RuleError> {
        let mut errors = Vec::new();
        if self.version != RULES_FORMAT_VERSION {
            errors.push(RuleError::new(
                None,
                "version",
                format!(
                    "unsupported version {}; expected {RULES_FORMAT_VERSION}",
                    self.version
                ),
            ));
        }
        if self.rules.len() > MAX_RULES {
            errors.push(RuleError::new(
                None,
                "rules",
                format!(
                    "{} rules; at most {MAX_RULES} are allowed",
                    self.rules.len()
                ),
            ));
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (index, rule) in self.rules.iter().enumerate() {
            let label = if rule.id.is_empty() {
                format!("rules[{index}]")
            } else {
                rule.id.clone()
            };
            let mut cx = Checker {
                rule: label,
                errors: &mut errors,
                validation,
            };
            if !is_name(&rule.id, 64, false) {
                cx.error("id", "must be 1 to 64 characters of a-z, 0-9, `_` and `-`");
            } else if let Some(first) = seen.insert(&rule.id, index) {
                cx.error(
                    "id",
                    format!("duplicate id; rules[{first}] has the same id"),
                );
            }
            if rule.name.trim().is_empty() || rule.name.chars().count() > 200 {
                cx.error("name", "must be 1 to 200 characters");
            }
            if rule
                .description
                .as_ref()
                .is_some_and(|d| d.chars().count() > 2_000)
            {
                cx.error("description", "must be at most 2000 characters");
            }
            cx.condition(&rule.when, "when".to_owned(), 0);
            if rule.then.is_empty() {
                cx.error("then", "must list at least one action");
            } else if rule.then.len() > MAX_ACTIONS {
                cx.error("then", format!("at most {MAX_ACTIONS} actions are allowed"));
            }
            for (i, action) in rule.then.iter().enumerate() {
                cx.action(action, &format!("then[{i}].{}", action.name()));
            }
        }
        errors
    }
}

struct Checker<'e, 'v> {
    rule: String,
    errors: &'e mut Vec<RuleError>,
    validation: &'e Validation<'v>,
}

impl Checker<'_, '_> {
    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .push(RuleError::new(Some(self.rule.clone()), field, message));
    }

    fn list<T>(&mut self, items: &[T], path: &str) -> bool {
        if items.is_empty() {
            self.error(path, "must not be empty");
            false
        } else if items.len() > MAX_LIST {
            self.error(path, format!("at most {MAX_LIST} entries are allowed"));
            false
        } else {
            true
        }
    }

    fn condition(&mut self, condition: &Condition, path: String, depth: usize) {
        match condition {
            Condition::All(children) | Condition::Any(children) => {
                let key = if matches!(condition, Condition::All(_)) {
                    "all"
                } else {
                    "any"
                };
                let path = format!("{path}.{key}");
                if depth >= MAX_DEPTH {
                    return self.error(
                        &path,
                        format!("conditions nest at most {MAX_DEPTH} levels deep"),
                    );
                }
                if self.list(children, &path) {
                    for (i, child) in children.iter().enumerate() {
                        self.condition(child, format!("{path}[{i}]"), depth + 1);
                    }
                }
            }
            Condition::Not(child) => {
                let path = format!("{path}.not");
                if depth >= MAX_DEPTH {
                    return self.error(
                        &path,
                        format!("conditions nest at most {MAX_DEPTH} levels deep"),
                    );
                }
                self.condition(child, path, depth + 1);
            }
            Condition::Intent(names) => {
                let path = format!("{path}.intent");
                if self.list(names, &path) {
                    for (i, name) in names.iter().enumerate() {
                        self.intent(name, &format!("{path}[{i}]"));
                    }
                }
            }
            Condition::IntentRisk(risks) => {
                self.list(risks, &format!("{path}.intent_risk"));
            }
            Condition::Channel(channels) => {
                self.list(channels, &format!("{path}.channel"));
            }
            Condition::Tier(tiers) => {
                self.list(tiers, &format!("{path}.tier"));
            }
            Condition::Language(codes) => {
                let path = format!("{path}.language");
                if self.list(codes, &path) {
                    for (i, code) in codes.iter().enumerate() {
                        if !(2..=3).contains(&code.len())
                            || !code.bytes().all(|b| b.is_ascii_lowercase())
                        {
                            self.error(
                                &format!("{path}[{i}]"),
                                format!("`{code}` is not a language code; expected ISO 639-1 in lower case, e.g. en"),
                            );
                        }
                    }
                }
            }
            Condition::Entity(kinds) => {
                let path = format!("{path}.entity");
                if self.list(kinds, &path) {
                    for (i, kind) in kinds.iter().enumerate() {
                        if !is_name(kind, 64, false) {
                            self.error(
                                &format!("{path}[{i}]"),
                                format!(
                                    "`{kind}` is not an entity kind, e.g. email or sf_error_code"
                                ),
                            );
                        }
                    }
                }
            }
            Condition::Keywords(words) => {
                let path = format!("{path}.keywords");
                if self.list(words, &path) {
                    for (i, word) in words.iter().enumerate() {
                        if word.trim().is_empty() {
                            self.error(&format!("{path}[{i}]"), "must not be blank");
                        } else if word.chars().count() > MAX_KEYWORD_CHARS {
                            self.error(
                                &format!("{path}[{i}]"),
                                format!("must be at most {MAX_KEYWORD_CHARS} characters"),
                            );
                        }
                    }
                }
            }
            Condition::Number(fact, range) => {
                let (min, max, whole) = fact.domain();
                self.range(range, &format!("{path}.{}", fact.as_str()), min, max, whole);
            }
            Condition::Emotion(emotion) => {
                self.range(
                    &emotion.range(),
                    &format!("{path}.emotion"),
                    0.0,
                    1.0,
                    false,
                );
            }
            Condition::IntentFlag(_)
            | Condition::OutOfScope(_)
            | Condition::BusinessHours(_)
            | Condition::WorkflowActive(_) => {}
        }
    }

    fn intent(&mut self, name: &str, path: &str) {
        if !is_name(name, 100, true) {
            return self.error(path, format!("`{name}` is not an intent name"));
        }
        if let Some(known) = self.validation.intents {
            if name != concierge_nlu::data::OUT_OF_SCOPE && !known.contains(&name) {
                self.error(
                    path,
                    format!("unknown intent `{name}`; {}", suggest(name, known)),
                );
            }
        }
    }

    fn range(&mut self, range: &Range, path: &str, min: f64, max: f64, whole: bool) {
        let bounds = [
            ("lt", range.lt),
            ("lte", range.lte),
            ("gt", range.gt),
            ("gte", range.gte),
        ];
        if bounds.iter().all(|(_, b)| b.is_none()) {
            return self.error(path, "give at least one of lt, lte, gt, gte");
        }
        if range.lt.is_some() && range.lte.is_some() {
            self.error(path, "give `lt` or `lte`, not both");
        }
        if range.gt.is_some() && range.gte.is_some() {
            self.error(path, "give `gt` or `gte`, not both");
        }
        for (key, value) in bounds {
            let Some(value) = value else { continue };
            let field = format!("{path}.{key}");
            if whole {
                if !(value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= max) {
                    self.error(&field, "must be a whole number ≥ 0");
                }
            } else if !(value.is_finite() && (min..=max).contains(&value)) {
                self.error(&field, format!("must be between {min} and {max}"));
            }
        }
        let upper = range
            .lt
            .map(|v| (v, true, "lt"))
            .or(range.lte.map(|v| (v, false, "lte")));
        let lower = range
            .gt
            .map(|v| (v, true, "gt"))
            .or(range.gte.map(|v| (v, false, "gte")));
        if let (Some((hi, hi_strict, hi_key)), Some((lo, lo_strict, lo_key))) = (upper, lower) {
            if lo > hi || (lo == hi && (hi_strict || lo_strict)) {
                self.error(
                    path,
                    format!("no value satisfies `{lo_key}: {lo}` and `{hi_key}: {hi}`"),
                );
            }
        }
    }

    fn action(&mut self, action: &RuleAction, path: &str) {
        match action {
            RuleAction::Escalate { queue, reason, .. } => {
                if let Some(queue) = queue {
                    self.queue(queue, &format!("{path}.queue"));
                }
                if !is_code(reason, "") {
                    self.error(&format!("{path}.reason"), "must be a snake_case code of 1 to 64 characters, e.g. customer_requested_human");
                }
            }
            RuleAction::Route { queue } => self.queue(queue, &format!("{path}.queue")),
            RuleAction::SetPriority(_) | RuleAction::CreateCase { .. } => {}
            RuleAction::Tag(tag) => {
                if !is_code(tag, ":-") {
                    self.error(
                        path,
                        "must be 1 to 64 characters of a-z, 0-9, `_`, `-` and `:`",
                    );
                }
            }
            RuleAction::Reply { template } => {
                self.template(template, &format!("{path}.template"), 4_000)
            }
            RuleAction::StartWorkflow { workflow } => {
                let field = format!("{path}.workflow");
                if !is_name(workflow, 64, true) {
                    return self.error(&field, format!("`{workflow}` is not a workflow name"));
                }
                if let Some(known) = self.validation.workflows {
                    if !known.contains(&workflow.as_str()) {
                        self.error(
                            &field,
                            format!(
                                "unknown workflow `{workflow}`; {}",
                                suggest(workflow, known)
                            ),
                        );
                    }
                }
            }
            RuleAction::Notify { target, message } => {
                let field = format!("{path}.target");
                match target.split_once(':') {
                    None if target == "supervisors" || target == "admins" => {}
                    Some(("queue", queue)) => self.queue(queue, &field),
                    Some(("email", address))
                        if address.len() <= 254
                            && address.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
                            && !address.contains(char::is_whitespace) => {}
                    _ => self.error(
                        &field,
                        format!("`{target}` is not a target; expected supervisors, admins, queue:<name> or email:<address>"),
                    ),
                }
                self.template(message, &format!("{path}.message"), 1_000);
            }
        }
    }

    fn queue(&mut self, queue: &str, path: &str) {
        if !is_name(queue, 80, true) {
            return self.error(path, format!("`{queue}` is not a queue name"));
        }
        if let Some(known) = self.validation.queues {
            if !known.contains(&queue) {
                self.error(
                    path,
                    format!("unknown queue `{queue}`; {}", suggest(queue, known)),
                );
            }
        }
    }

    fn template(&mut self, template: &str, path: &str, max: usize) {
        if template.trim().is_empty() {
            self.error(path, "must not be empty");
        } else if template.chars().count() > max {
            self.error(path, format!("must be at most {max} characters"));
        } else if let Err(message) = check_template(template) {
            self.error(path, message);
        }
    }
}

/// 1..=`max` ASCII characters: lower-case letters, digits, `_` and `-`; with
/// `loose`, also upper case and `.` (queue, intent and workflow names).
fn is_name(text: &str, max: usize, loose: bool) -> bool {
    (1..=max).contains(&text.len())
        && text.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || b == b'_'
                || b == b'-'
                || (loose && (b.is_ascii_uppercase() || b == b'.'))
        })
}

/// A snake_case code of 1..=64 characters, allowing `extra` punctuation.
fn is_code(text: &str, extra: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || extra.contains(c))
}

/// "did you mean `x`?" when a known name is close, else the known names.
fn suggest(name: &str, known: &[&str]) -> String {
    let close = known
        .iter()
        .filter(|k| {
            k.starts_with(name.get(..3).unwrap_or(name)) || name.contains(**k) || k.contains(name)
        })
        .take(3)
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>();
    if !close.is_empty() {
        format!("did you mean {}?", close.join(" or "))
    } else if known.len() <= 12 {
        format!("known: {}", known.join(", "))
    } else {
        format!("{} are known", known.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes() {
        assert!(is_name("human_request", 64, false));
        assert!(!is_name("Human", 64, false));
        assert!(is_name("Tier_2.Support", 80, true));
        assert!(!is_name("", 64, true));
        assert!(!is_name("a b", 64, true));
        assert!(is_code("legal:gdpr", ":-"));
        assert!(!is_code("legal:gdpr", ""));
    }

    #[test]
    fn suggestions_point_at_close_names() {
        assert_eq!(
            suggest("refund", &["refund_request", "billing_question"]),
            "did you mean `refund_request`?"
        );
        assert_eq!(suggest("zzz", &["a", "b"]), "known: a, b");
    }
}
