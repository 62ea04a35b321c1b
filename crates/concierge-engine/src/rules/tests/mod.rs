//! Tests of the rules module as a whole, beside the unit tests of each
//! file: loading and errors, evaluation semantics, the default rules, and
//! properties over random facts.

mod defaults;
mod loading;
mod props;
mod semantics;

use super::*;

pub(super) fn rules(yaml_rules: &str) -> RuleSet {
    let text = format!("version: 1\nrules:\n{yaml_rules}");
    RuleSet::from_yaml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

pub(super) fn error(yaml_rules: &str) -> RuleError {
    let text = format!("version: 1\nrules:\n{yaml_rules}");
    match RuleSet::from_yaml(&text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

pub(super) fn assert_error(e: &RuleError, rule: Option<&str>, field: &str, message_part: &str) {
    assert_eq!(e.rule.as_deref(), rule, "{e}");
    assert_eq!(e.field, field, "{e}");
    assert!(
        e.message.contains(message_part),
        "`{}` lacks `{message_part}`",
        e.message
    );
}

/// A one-rule document firing on `when`.
pub(super) fn one(when: &str) -> RuleSet {
    rules(&format!(
        "  - {{id: r, name: R, kind: automation, when: {when}, then: [{{tag: hit}}]}}\n"
    ))
}

pub(super) fn fires(set: &RuleSet, facts: &Facts<'_>) -> bool {
    set.evaluate(facts).fired("r")
}

pub(super) fn text(text: &str) -> Facts<'_> {
    Facts {
        text,
        ..Facts::default()
    }
}
