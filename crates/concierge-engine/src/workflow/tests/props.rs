//! Property tests: any text, in any workflow step, gives a step and a state
//! that still round-trips through JSON, without panicking.

use proptest::prelude::*;

use super::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_message_at_any_step_is_handled(
        workflow in 0usize..6,
        answers in proptest::collection::vec("\\PC{0,60}", 0..4),
        last in "\\PC{0,200}",
    ) {
        let lib = library();
        let def = &lib.definitions()[workflow];
        let (mut state, _) = def.start(&TurnInput::new("hello", &[], "en"), "seed");
        for text in answers.iter().chain(std::iter::once(&last)) {
            let found = entities(text);
            let step = def.advance(&mut state, &TurnInput::new(text, &found, "es"), "seed");
            let back: Step = serde_json::from_value(serde_json::to_value(&step).unwrap()).unwrap();
            prop_assert_eq!(back, step);
            let json = serde_json::to_string(&state).unwrap();
            prop_assert_eq!(serde_json::from_str::<WorkflowState>(&json).unwrap(), state.clone());
            for value in state.slots.values() {
                prop_assert!(value.chars().count() <= MAX_TEXT_CHARS);
            }
        }
        let _ = yes_no(&last);
        let _ = is_cancel(&last);
    }
}
