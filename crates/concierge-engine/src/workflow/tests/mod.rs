//! Workflow tests: the shipped definitions, whole conversations driven with
//! the entities the NLU really extracts, and definition errors.

mod definitions;
mod flows;
mod kinds;
mod languages;
mod props;

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use concierge_nlu::entities::EntityExtractor;
use concierge_nlu::Entity;

use super::*;

/// The entities the NLU extracts from `text` (the same extractor the
/// analyzer runs, without training an intent model).
pub(super) fn entities(text: &str) -> Vec<Entity> {
    static EXTRACTOR: OnceLock<EntityExtractor> = OnceLock::new();
    let reference = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    EXTRACTOR
        .get_or_init(EntityExtractor::default)
        .extract(text, reference)
}

pub(super) fn library() -> WorkflowLibrary {
    WorkflowLibrary::from_yaml(WorkflowLibrary::default_yaml()).unwrap()
}

/// A conversation with one workflow, as the engine would drive it.
#[derive(Clone)]
pub(super) struct Chat<'a> {
    pub def: &'a WorkflowDef,
    pub state: WorkflowState,
    pub language: &'static str,
    pub seed: &'static str,
}

impl<'a> Chat<'a> {
    /// Starts `workflow` on `text` (the triggering message).
    pub fn start(
        lib: &'a WorkflowLibrary,
        workflow: &str,
        text: &str,
        language: &'static str,
    ) -> (Self, Step) {
        let def = lib.get(workflow).unwrap();
        let found = entities(text);
        let input = TurnInput {
            text,
            entities: &found,
            intent: def.triggers.first().map(String::as_str),
            language,
        };
        let seed = "conversation-1";
        let (state, step) = def.start(&input, seed);
        (
            Chat {
                def,
                state,
                language,
                seed,
            },
            step,
        )
    }

    /// The customer says `text`; the state also goes through a JSON round
    /// trip before every turn, as it does when the engine stores it.
    pub fn say(&mut self, text: &str) -> Step {
        let json = serde_json::to_string(&self.state).unwrap();
        self.state = serde_json::from_str(&json).unwrap();
        let found = entities(text);
        self.def.advance(
            &mut self.state,
            &TurnInput::new(text, &found, self.language),
            self.seed,
        )
    }
}

pub(super) fn execute(step: Step) -> ActionRequest {
    match step {
        Step::Execute(request) => request,
        other => panic!("expected Execute, got {other:?}"),
    }
}

pub(super) fn asked(step: &Step) -> &str {
    match step {
        Step::Ask { slot, .. } | Step::Retry { slot, .. } => slot,
        other => panic!("expected Ask or Retry, got {other:?}"),
    }
}

#[test]
fn the_shipped_workflows_load_with_four_languages() {
    let lib = WorkflowLibrary::defaults();
    assert_eq!(
        lib.names(),
        [
            "password_reset",
            "case_status",
            "update_contact_email",
            "unlock_user",
            "plan_change",
            "report_outage"
        ]
    );
    for def in lib.definitions() {
        let mut texts: Vec<(String, &Localized)> = vec![
            ("success".into(), &def.success),
            ("failure".into(), &def.failure),
        ];
        texts.extend(def.confirm.iter().map(|c| ("confirm".into(), c)));
        for slot in &def.slots {
            texts.push((format!("{}.prompt", slot.name), &slot.prompt));
            texts.extend(
                slot.invalid
                    .iter()
                    .map(|t| (format!("{}.invalid", slot.name), t)),
            );
            for option in &slot.options {
                texts.extend(
                    option
                        .label
                        .iter()
                        .map(|t| (format!("{}.{}", slot.name, option.value), t)),
                );
            }
        }
        for (field, text) in texts {
            for language in LANGUAGES {
                assert!(text.has(language), "{} {field} lacks {language}", def.name);
            }
        }
    }
    assert!(lib.definitions()[0]
        .success
        .get("en")
        .contains("reset link"));
}

#[test]
fn intents_find_their_workflow() {
    let lib = library();
    let name = |intent: &str| lib.for_intent(intent).map(|d| d.name.as_str());
    assert_eq!(name("password_reset"), Some("password_reset"));
    assert_eq!(name("case_status"), Some("case_status"));
    assert_eq!(name("contact_update"), Some("update_contact_email"));
    assert_eq!(name("account_locked"), Some("unlock_user"));
    assert_eq!(name("plan_upgrade"), Some("plan_change"));
    assert_eq!(name("plan_downgrade"), Some("plan_change"));
    assert_eq!(name("service_outage"), Some("report_outage"));
    assert_eq!(name("greeting"), None);
    assert!(lib.get("nope").is_none());
}

#[test]
fn actions_and_authorizations() {
    let lib = library();
    let action = |name: &str| {
        let d = lib.get(name).unwrap();
        (d.action.kind.as_str(), d.action.authorization)
    };
    assert_eq!(
        action("password_reset"),
        ("password_reset", Authorization::VerifiedCustomer)
    );
    assert_eq!(
        action("case_status"),
        ("case_status_lookup", Authorization::VerifiedCustomer)
    );
    assert_eq!(
        action("update_contact_email"),
        ("update_contact_email", Authorization::VerifiedCustomer)
    );
    assert_eq!(
        action("unlock_user"),
        ("unlock_user", Authorization::VerifiedCustomer)
    );
    assert_eq!(
        action("plan_change"),
        ("plan_change_request", Authorization::VerifiedCustomer)
    );
    assert_eq!(
        action("report_outage"),
        ("report_outage", Authorization::None)
    );
}

#[test]
fn definitions_serialize_for_the_admin_api() {
    let lib = library();
    let json = serde_json::to_value(lib.definitions()).unwrap();
    assert_eq!(json[0]["name"], "password_reset");
    assert_eq!(json[0]["action"]["authorization"], "verified_customer");
    assert_eq!(json[4]["slots"][0]["options"][1]["value"], "professional");
    assert_eq!(json[4]["slots"][0]["options"][1]["synonyms"][0], "pro");
    // What is served can be loaded back.
    let yaml =
        serde_norway::to_string(&serde_json::json!({"version": 1, "workflows": json})).unwrap();
    let again = WorkflowLibrary::from_yaml(&yaml).unwrap();
    assert_eq!(again.names(), lib.names());
}

#[test]
fn the_library_is_shareable() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<WorkflowLibrary>();
    send_sync::<WorkflowState>();
}
