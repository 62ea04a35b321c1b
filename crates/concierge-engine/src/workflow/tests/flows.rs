//! Each shipped workflow driven end to end in English.

use serde_json::json;

use super::*;

#[test]
fn password_reset_asks_rejects_then_executes() {
    let lib = library();
    let (mut chat, step) = Chat::start(&lib, "password_reset", "I forgot my password", "en");
    let Step::Ask {
        slot,
        prompt,
        quick_replies,
    } = step
    else {
        panic!("{step:?}")
    };
    assert_eq!(slot, "email");
    assert!(
        prompt.contains("email address on your Salesforce login"),
        "{prompt}"
    );
    assert!(quick_replies.is_empty());

    let step = chat.say("it's jane at example dot com");
    let Step::Retry { slot, message, .. } = step else {
        panic!("{step:?}")
    };
    assert_eq!(slot, "email");
    assert!(
        message.starts_with("That doesn't look like an email address."),
        "{message}"
    );
    assert!(
        message.ends_with("What's the email address on your Salesforce login?"),
        "{message}"
    );
    assert_eq!(chat.state.attempts, 1);

    let request = execute(chat.say("Sorry: Jane.Doe@Example.COM"));
    assert_eq!(request.workflow, "password_reset");
    assert_eq!(request.kind, "password_reset");
    assert_eq!(request.authorization, Authorization::VerifiedCustomer);
    assert_eq!(request.params["email"], "Jane.Doe@example.com");
    assert!(chat.state.is_done());
    let success = chat.def.render_success(&chat.state, &json!({}), "en");
    assert_eq!(
        success,
        "Done: I've sent a reset link to Jane.Doe@example.com. It's valid for 24 hours. \
         Check your spam folder if you don't see it in a few minutes."
    );
    assert!(chat
        .def
        .render_failure(&chat.state, "en")
        .contains("passing this to a colleague"));
}

#[test]
fn a_value_in_the_triggering_message_goes_straight_to_execute() {
    let lib = library();
    let (chat, step) = Chat::start(
        &lib,
        "password_reset",
        "reset the password for jane@example.com",
        "en",
    );
    assert_eq!(execute(step).params["email"], "jane@example.com");
    assert_eq!(chat.state.slots["email"], "jane@example.com");
}

#[test]
fn max_attempts_invalid_answers_give_up() {
    let lib = library();
    let (mut chat, _) = Chat::start(&lib, "password_reset", "password reset please", "en");
    assert!(matches!(chat.say("I don't know"), Step::Retry { .. }));
    assert!(matches!(chat.say("what?"), Step::Retry { .. }));
    let step = chat.say("no idea honestly");
    let Step::GiveUp { reason } = step else {
        panic!("{step:?}")
    };
    assert!(
        reason.contains("`email`") && reason.contains("3 attempts"),
        "{reason}"
    );
}

#[test]
fn case_status_pads_case_numbers_and_renders_the_result() {
    let lib = library();
    let (mut chat, step) = Chat::start(&lib, "case_status", "What's the status of my case?", "en");
    assert_eq!(asked(&step), "case_number");
    assert!(matches!(chat.say("I lost it"), Step::Retry { .. }));
    let request = execute(chat.say("it's case 1234"));
    assert_eq!(request.kind, "case_status_lookup");
    assert_eq!(request.params["case_number"], "00001234");
    let result = json!({"status": "Working", "subject": "Login page broken", "owner": "Ana Silva"});
    assert_eq!(
        chat.def.render_success(&chat.state, &result, "en"),
        "Case 00001234 (\"Login page broken\") is Working. It's being handled by Ana Silva."
    );

    // The NLU's case_number entity in the triggering message.
    let (_, step) = Chat::start(&lib, "case_status", "Any news on case #00012345?", "en");
    assert_eq!(execute(step).params["case_number"], "00012345");
    // A bare number answers the question; the longest number is the case.
    let (mut chat, _) = Chat::start(&lib, "case_status", "case status", "en");
    assert_eq!(
        execute(chat.say("00004321, opened on the 12th")).params["case_number"],
        "00004321"
    );
    // "In case 2 …" is not a case number.
    let (_, step) = Chat::start(
        &lib,
        "case_status",
        "in case 2 of us ask, where do I see case status?",
        "en",
    );
    assert_eq!(asked(&step), "case_number");
}

#[test]
fn update_contact_email_confirms_and_accepts_a_correction() {
    let lib = library();
    let (mut chat, step) = Chat::start(
        &lib,
        "update_contact_email",
        "I need to update my email address",
        "en",
    );
    assert_eq!(asked(&step), "new_email");
    let step = chat.say("new.me@acme.io");
    let Step::Confirm {
        text,
        quick_replies,
    } = step
    else {
        panic!("{step:?}")
    };
    assert_eq!(
        text,
        "Update the email on your contact record to new.me@acme.io?"
    );
    assert_eq!(quick_replies, ["Yes", "No"]);
    assert_eq!(chat.state.pending, Pending::Confirm);

    // A new value at the confirmation changes the slot and asks again.
    let step = chat.say("no, use bob@acme.io instead");
    let Step::Confirm { text, .. } = step else {
        panic!("{step:?}")
    };
    assert_eq!(
        text,
        "Update the email on your contact record to bob@acme.io?"
    );
    let request = execute(chat.say("yes"));
    assert_eq!(request.kind, "update_contact_email");
    assert_eq!(request.params["new_email"], "bob@acme.io");
    assert_eq!(
        chat.def.render_success(&chat.state, &json!({}), "en"),
        "Done: your contact record now uses bob@acme.io."
    );

    // "from old to new": the address after "to" is the new one.
    let (_, step) = Chat::start(
        &lib,
        "update_contact_email",
        "change my email from old@acme.io to new@acme.io",
        "en",
    );
    let Step::Confirm { text, .. } = step else {
        panic!("{step:?}")
    };
    assert!(text.ends_with("to new@acme.io?"), "{text}");
    let (_, step) = Chat::start(
        &lib,
        "update_contact_email",
        "my old address a@acme.io is wrong, the new one is b@acme.io",
        "en",
    );
    let Step::Confirm { text, .. } = step else {
        panic!("{step:?}")
    };
    assert!(text.ends_with("to b@acme.io?"), "{text}");
    // Two addresses and nothing to tell them apart: ask.
    let (_, step) = Chat::start(
        &lib,
        "update_contact_email",
        "is a@acme.io or b@acme.io on my contact?",
        "en",
    );
    assert_eq!(asked(&step), "new_email");
}

#[test]
fn unclear_confirmations_are_asked_again_then_give_up() {
    let lib = library();
    let (mut chat, _) = Chat::start(
        &lib,
        "update_contact_email",
        "update my contact email to a@b.io",
        "en",
    );
    let step = chat.say("hmm, what does that do?");
    let Step::Confirm { text, .. } = step else {
        panic!("{step:?}")
    };
    assert_eq!(
        text,
        "Please answer yes or no. Update the email on your contact record to a@b.io?"
    );
    assert!(matches!(chat.say("which record?"), Step::Confirm { .. }));
    assert!(matches!(chat.say("I'm not sure"), Step::GiveUp { .. }));
}

#[test]
fn no_at_the_confirmation_cancels() {
    let lib = library();
    let (mut chat, _) = Chat::start(
        &lib,
        "unlock_user",
        "my account is locked, username jane@acme.com",
        "en",
    );
    let step = chat.say("no");
    let Step::Cancelled { message } = step else {
        panic!("{step:?}")
    };
    assert!(message.contains("anything else"), "{message}");
}

#[test]
fn unlock_user_takes_an_email_shaped_username() {
    let lib = library();
    let (mut chat, step) = Chat::start(&lib, "unlock_user", "I'm locked out of Salesforce", "en");
    assert_eq!(asked(&step), "username");
    let step = chat.say("my username is jdoe");
    let Step::Retry { message, .. } = step else {
        panic!("{step:?}")
    };
    assert!(
        message.starts_with("Salesforce usernames look like an email address"),
        "{message}"
    );
    let step = chat.say("Jane.Doe@Acme.com.uat");
    let Step::Confirm { text, .. } = step else {
        panic!("{step:?}")
    };
    assert_eq!(text, "Unlock the Salesforce user jane.doe@acme.com.uat?");
    let request = execute(chat.say("yes please"));
    assert_eq!(request.kind, "unlock_user");
    assert_eq!(request.params["username"], "jane.doe@acme.com.uat");
}

#[test]
fn plan_change_collects_two_choices() {
    let lib = library();
    let (mut chat, step) = Chat::start(&lib, "plan_change", "I want to upgrade our plan", "en");
    let Step::Ask {
        slot,
        quick_replies,
        ..
    } = step
    else {
        panic!("{step:?}")
    };
    assert_eq!(slot, "plan");
    assert_eq!(
        quick_replies,
        ["Starter", "Professional", "Enterprise", "Unlimited"]
    );

    let step = chat.say("pro");
    let Step::Ask {
        slot,
        quick_replies,
        ..
    } = step
    else {
        panic!("{step:?}")
    };
    assert_eq!(slot, "effective");
    assert_eq!(quick_replies, ["Now", "Next billing cycle"]);
    assert_eq!(chat.state.slots["plan"], "professional");

    let step = chat.say("banana");
    let Step::Retry { message, .. } = step else {
        panic!("{step:?}")
    };
    assert_eq!(
        message,
        "Please choose one of: Now, Next billing cycle. \
         Should the change take effect now or at the start of your next billing cycle?"
    );
    let step = chat.say("at the end of the cycle");
    let Step::Confirm { text, .. } = step else {
        panic!("{step:?}")
    };
    assert_eq!(
        text,
        "Shall I request the change to the Professional plan? Timing: Next billing cycle."
    );
    let request = execute(chat.say("yes"));
    assert_eq!(request.kind, "plan_change_request");
    assert_eq!(request.params["plan"], "professional");
    assert_eq!(request.params["effective"], "next_billing_cycle");
}

#[test]
fn plan_change_reads_both_choices_from_one_message() {
    let lib = library();
    let (chat, step) = Chat::start(
        &lib,
        "plan_change",
        "upgrade us from Starter to Enterprise Edition right away",
        "en",
    );
    assert!(matches!(step, Step::Confirm { .. }), "{step:?}");
    assert_eq!(chat.state.slots["plan"], "enterprise");
    assert_eq!(chat.state.slots["effective"], "now");
    // A quick reply's number and label both answer.
    let (mut chat, _) = Chat::start(&lib, "plan_change", "downgrade please", "en");
    assert_eq!(asked(&chat.say("2")), "effective");
    assert_eq!(chat.state.slots["plan"], "professional");
    assert!(matches!(
        chat.say("Next billing cycle"),
        Step::Confirm { .. }
    ));
    // Two plans and no "to": ask rather than guess.
    let (_, step) = Chat::start(&lib, "plan_change", "is starter or unlimited better?", "en");
    assert_eq!(asked(&step), "plan");
}

#[test]
fn report_outage_takes_free_text_and_impact() {
    let lib = library();
    let (mut chat, step) = Chat::start(&lib, "report_outage", "Salesforce is down!", "en");
    assert_eq!(asked(&step), "affected");
    assert!(matches!(chat.say("   "), Step::Retry { .. }));
    let step = chat.say("Reports won't load");
    let Step::Ask {
        slot,
        quick_replies,
        ..
    } = step
    else {
        panic!("{step:?}")
    };
    assert_eq!(slot, "impact");
    assert_eq!(quick_replies, ["All users", "Some users", "Just me"]);
    let request = execute(chat.say("everyone in the office"));
    assert_eq!(request.authorization, Authorization::None);
    assert_eq!(request.params["affected"], "Reports won't load");
    assert_eq!(request.params["impact"], "all_users");
    let success = chat
        .def
        .render_success(&chat.state, &json!({"case_number": "00001042"}), "en");
    assert!(success.contains("case 00001042"), "{success}");

    // The answer to one slot may also answer the next.
    let (mut chat, _) = Chat::start(&lib, "report_outage", "outage", "en");
    let request = execute(chat.say("Dashboards time out for some of us"));
    assert_eq!(request.params["impact"], "some_users");

    // ...but not through an idiom: "at all" says nothing about who is affected.
    for (answer, lang) in [
        ("Reports won't load at all", "en"),
        ("It has been failing all day", "en"),
        ("Ça plante tous les jours", "fr"),
        ("Es stürzt alle paar Minuten ab", "de"),
    ] {
        let (mut chat, _) = Chat::start(&lib, "report_outage", "outage", lang);
        assert_eq!(asked(&chat.say(answer)), "impact", "{answer}");
        let request = execute(chat.say("all of us"));
        assert_eq!(request.params["impact"], "all_users", "{answer}");
    }

    // Free text is kept to 500 characters.
    let (mut chat, _) = Chat::start(&lib, "report_outage", "service outage", "en");
    chat.say(&"é".repeat(600));
    assert_eq!(chat.state.slots["affected"].chars().count(), MAX_TEXT_CHARS);
}

/// A valid conversation per workflow: trigger, then answers up to Execute.
fn scripts() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        (
            "password_reset",
            vec!["I forgot my password", "jane@example.com"],
        ),
        ("case_status", vec!["case status", "00001234"]),
        (
            "update_contact_email",
            vec!["update my email", "new@acme.io", "yes"],
        ),
        (
            "unlock_user",
            vec!["I'm locked out", "jane@acme.com", "yes"],
        ),
        (
            "plan_change",
            vec!["change my plan", "enterprise", "now", "yes"],
        ),
        ("report_outage", vec!["it's down", "login fails", "just me"]),
    ]
}

#[test]
fn cancel_works_at_every_stage_of_every_workflow() {
    let lib = library();
    for (workflow, script) in scripts() {
        // The full script executes…
        let (mut chat, _) = Chat::start(&lib, workflow, script[0], "en");
        let last = script[1..]
            .iter()
            .map(|answer| chat.say(answer))
            .last()
            .unwrap();
        execute(last);
        // …and cancelling before any of its answers cancels.
        for stop in 1..script.len() {
            let (mut chat, _) = Chat::start(&lib, workflow, script[0], "en");
            for answer in &script[1..stop] {
                chat.say(answer);
            }
            for cancel in ["never mind", "cancel please", "Forget it."] {
                let step = chat.clone().say(cancel);
                assert!(
                    matches!(step, Step::Cancelled { .. }),
                    "{workflow} at {stop}: {step:?}"
                );
            }
        }
    }
}

#[test]
fn idempotency_keys_are_deterministic() {
    let lib = library();
    let def = lib.get("password_reset").unwrap();
    let text = "reset the password for jane@example.com";
    let found = entities(text);
    let input = TurnInput::new(text, &found, "en");
    let key = |seed: &str| execute(def.start(&input, seed).1).idempotency_key;
    assert_eq!(key("conv-1"), key("conv-1"));
    assert_ne!(key("conv-1"), key("conv-2"));
    assert_eq!(key("conv-1").len(), 64);
    let other = "reset the password for bob@example.com";
    let found = entities(other);
    let other_key =
        execute(def.start(&TurnInput::new(other, &found, "en"), "conv-1").1).idempotency_key;
    assert_ne!(other_key, key("conv-1"));

    // Asking again after Execute repeats the same request.
    let (mut chat, step) = Chat::start(&lib, "password_reset", text, "en");
    let json = serde_json::to_value(&step).unwrap();
    assert_eq!(json["step"], "execute");
    assert_eq!(json["authorization"], "verified_customer");
    assert_eq!(serde_json::from_value::<Step>(json).unwrap(), step);
    let first = execute(step);
    assert_eq!(execute(chat.say("hello?")), first);
}

#[test]
fn state_survives_json_mid_flow() {
    let lib = library();
    let (mut chat, _) = Chat::start(&lib, "plan_change", "I'd like to switch plans", "en");
    chat.say("unlimited");
    let json = serde_json::to_value(&chat.state).unwrap();
    assert_eq!(
        json,
        json!({"workflow": "plan_change", "slots": {"plan": "unlimited"}, "pending": {"slot": "effective"}, "attempts": 0})
    );
    let mut restored: WorkflowState = serde_json::from_value(json).unwrap();
    assert_eq!(restored, chat.state);
    let def = lib.get("plan_change").unwrap();
    let step = def.advance(
        &mut restored,
        &TurnInput::new("immediately", &[], "en"),
        "s",
    );
    assert!(matches!(step, Step::Confirm { .. }));
    assert_eq!(
        serde_json::to_value(&restored.pending).unwrap(),
        json!("confirm")
    );
}

#[test]
fn a_state_from_another_workflow_is_refused() {
    let lib = library();
    let (chat, _) = Chat::start(&lib, "plan_change", "change plan", "en");
    let mut state = chat.state;
    let step = lib.get("case_status").unwrap().advance(
        &mut state,
        &TurnInput::new("00001234", &[], "en"),
        "s",
    );
    assert!(matches!(step, Step::GiveUp { .. }));
}
