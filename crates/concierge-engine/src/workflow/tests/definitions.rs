//! Definition errors name the workflow and the field.

use super::*;

/// A valid two-workflow file; tests break one thing at a time.
const BASE: &str = r#"
version: 1
workflows:
  - name: resend_invoice
    title: Resend invoice
    triggers: [invoice_request]
    slots:
      - name: email
        kind: email
        prompt: "Where should I send it?"
    action: { kind: resend_invoice, authorization: verified_customer, params: { to: "{{ email }}" } }
    success: "Sent to {{ email }}."
    failure: "That failed."
  - name: plan_change
    title: Plan change
    triggers: [plan_upgrade]
    slots:
      - name: code
        kind: text
        prompt: "Your code?"
      - name: plan
        kind: choice
        prompt: { en: "Which plan?", es: "¿Qué plan?" }
        options: [starter, { value: professional, synonyms: [pro] }]
    confirm: "Change to {{ plan }}?"
    action: { kind: plan_change_request, authorization: staff }
    success: "Requested {{ result.id }}."
    failure: "That failed."
"#;

fn error(yaml: &str) -> String {
    match WorkflowLibrary::from_yaml(yaml) {
        Ok(_) => panic!("accepted:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

fn broken(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    error(&BASE.replacen(from, to, 1))
}

#[test]
fn the_base_file_loads() {
    let lib = WorkflowLibrary::from_yaml(BASE).unwrap();
    assert_eq!(lib.names(), ["resend_invoice", "plan_change"]);
    let slot = &lib.get("plan_change").unwrap().slots[1];
    assert_eq!(slot.options[0].value, "starter");
    assert_eq!(slot.max_attempts, DEFAULT_MAX_ATTEMPTS);
    assert!(slot.from_entities);
    assert_eq!(slot.prompt.get("es"), "¿Qué plan?");
    assert_eq!(slot.prompt.get("de"), "Which plan?");
}

#[test]
fn unknown_keys_name_the_workflow_and_field() {
    let e = broken(
        "        kind: choice\n",
        "        kind: choice\n        colour: red\n",
    );
    assert!(
        e.starts_with("workflow `plan_change` field `slots[1].colour`: unknown field `colour`"),
        "{e}"
    );
    let e = broken(
        "    title: Resend invoice\n",
        "    title: Resend invoice\n    tittle: x\n",
    );
    assert!(
        e.starts_with("workflow `resend_invoice` field `tittle`: unknown field"),
        "{e}"
    );
    let e = broken("version: 1\n", "version: 1\nextra: true\n");
    assert!(
        e.starts_with("workflow definitions: field `extra`: unknown field `extra`"),
        "{e}"
    );
}

#[test]
fn duplicate_names_and_triggers() {
    let e = broken("name: plan_change", "name: resend_invoice");
    assert_eq!(
        e,
        "workflow `resend_invoice` field `name`: duplicate workflow name"
    );
    let e = broken(
        "triggers: [plan_upgrade]",
        "triggers: [plan_upgrade, invoice_request]",
    );
    assert_eq!(
        e,
        "workflow `plan_change` field `triggers[1]`: intent `invoice_request` already starts workflow `resend_invoice`"
    );
    let e = broken("      - name: plan\n", "      - name: code\n");
    assert_eq!(
        e,
        "workflow `plan_change` field `slots[1].name`: duplicate slot `code`"
    );
}

#[test]
fn templates_may_only_use_known_slots() {
    let e = broken("Change to {{ plan }}?", "Change to {{ tier }}?");
    assert_eq!(
        e,
        "workflow `plan_change` field `confirm.en`: `{{ tier }}` is not a slot of this workflow"
    );
    let e = broken(
        "params: { to: \"{{ email }}\" }",
        "params: { to: \"{{ mail }}\" }",
    );
    assert!(
        e.starts_with("workflow `resend_invoice` field `action.params.to`: `{{ mail }}`"),
        "{e}"
    );
    let e = broken(
        "failure: \"That failed.\"\n  - name: plan",
        "failure: \"{{ result.x }}\"\n  - name: plan",
    );
    assert!(
        e.starts_with(
            "workflow `resend_invoice` field `failure.en`: `{{ result.x }}`: the action's result"
        ),
        "{e}"
    );
    let e = broken(
        "prompt: \"Your code?\"",
        "prompt: \"Your code for {{ plan }}?\"",
    );
    assert!(
        e.starts_with(
            "workflow `plan_change` field `slots[0].prompt.en`: `{{ plan }}` is not known yet"
        ),
        "{e}"
    );
    let e = broken("Sent to {{ email }}.", "Sent to {{ email .");
    assert!(
        e.starts_with("workflow `resend_invoice` field `success.en`: `{{` without a closing"),
        "{e}"
    );
}

#[test]
fn choices_need_two_distinct_options() {
    let e = broken(
        "options: [starter, { value: professional, synonyms: [pro] }]",
        "options: [starter]",
    );
    assert_eq!(
        e,
        "workflow `plan_change` field `slots[1].options`: a choice needs at least two options"
    );
    let e = broken("synonyms: [pro]", "synonyms: [Starter]");
    assert_eq!(e, "workflow `plan_change` field `slots[1].options[1]`: `Starter` also selects option `starter`");
    let e = broken(
        "        prompt: \"Your code?\"\n",
        "        prompt: \"Your code?\"\n        options: [a, b]\n",
    );
    assert!(
        e.contains("field `slots[0].options`: options apply only to `choice` and `plan` slots"),
        "{e}"
    );
}

#[test]
fn enums_languages_patterns_and_version() {
    let e = broken("authorization: staff", "authorization: admin");
    assert!(
        e.starts_with(
            "workflow `plan_change` field `action.authorization`: unknown variant `admin`"
        ),
        "{e}"
    );
    let e = broken("kind: email", "kind: postcode");
    assert!(
        e.starts_with(
            "workflow `resend_invoice` field `slots[0].kind`: unknown variant `postcode`"
        ),
        "{e}"
    );
    let e = broken(
        "{ en: \"Which plan?\", es: \"¿Qué plan?\" }",
        "{ es: \"¿Qué plan?\" }",
    );
    assert!(
        e.starts_with("workflow `plan_change` field `slots[1].prompt`: needs an `en` text"),
        "{e}"
    );
    let e = broken("es: \"¿Qué plan?\"", "spanish: \"¿Qué plan?\"");
    assert!(
        e.starts_with("workflow `plan_change` field `slots[1].prompt.spanish`: language keys"),
        "{e}"
    );
    let e = broken(
        "        kind: text\n",
        "        kind: text\n        pattern: \"[a-z\"\n",
    );
    assert!(
        e.starts_with(
            "workflow `plan_change` field `slots[0].pattern`: not a valid regular expression"
        ),
        "{e}"
    );
    let e = broken(
        "        kind: text\n",
        "        kind: text\n        max_attempts: 0\n",
    );
    assert!(
        e.starts_with("workflow `plan_change` field `slots[0].max_attempts`"),
        "{e}"
    );
    let e = broken("name: resend_invoice", "name: Resend Invoice");
    assert!(
        e.starts_with("workflow `#0` field `name`: `Resend Invoice` is not a snake_case name"),
        "{e}"
    );
    let e = broken("    title: Resend invoice\n", "");
    assert!(
        e.starts_with("workflow `resend_invoice` field `.`: missing field `title`"),
        "{e}"
    );
    assert_eq!(
        broken("version: 1", "version: 2"),
        "workflow definitions: `version` is 2, but only version 1 is supported"
    );
    assert!(error("workflows: [").starts_with("workflow definitions: "));
}

#[test]
fn a_pattern_restricts_the_value() {
    let yaml = BASE.replacen(
        "        kind: text\n",
        "        kind: text\n        pattern: \"[A-Z]{3}-[0-9]{4}\"\n",
        1,
    );
    let lib = WorkflowLibrary::from_yaml(&yaml).unwrap();
    let def = lib.get("plan_change").unwrap();
    let (mut state, _) = def.start(&TurnInput::new("upgrade", &[], "en"), "s");
    // The pattern must match the whole value.
    let step = def.advance(&mut state, &TurnInput::new("ABC-12345", &[], "en"), "s");
    assert!(matches!(step, Step::Retry { .. }), "{step:?}");
    let step = def.advance(&mut state, &TurnInput::new("ABC-1234", &[], "en"), "s");
    assert_eq!(asked(&step), "plan");
    assert_eq!(state.slots["code"], "ABC-1234");
}

#[test]
fn plan_slots_default_to_the_editions() {
    let yaml = BASE.replacen(
        "        kind: choice\n        prompt: { en: \"Which plan?\", es: \"¿Qué plan?\" }\n        options: [starter, { value: professional, synonyms: [pro] }]\n",
        "        kind: plan\n        prompt: \"Which plan?\"\n",
        1,
    );
    let lib = WorkflowLibrary::from_yaml(&yaml).unwrap();
    let options: Vec<&str> = lib.get("plan_change").unwrap().slots[1]
        .options
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(
        options,
        ["starter", "professional", "enterprise", "unlimited"]
    );
}
