//! Conversations in Spanish, French and German, and the English fallback.

use serde_json::json;

use super::*;

#[test]
fn spanish_confirmation_yes_and_no() {
    let lib = library();
    let (mut chat, step) = Chat::start(
        &lib,
        "update_contact_email",
        "quiero cambiar mi correo",
        "es",
    );
    let Step::Ask { prompt, .. } = step else {
        panic!("{step:?}")
    };
    assert!(prompt.starts_with("¿Qué dirección de correo"), "{prompt}");
    let step = chat.say("nuevo@empresa.es");
    let Step::Confirm {
        text,
        quick_replies,
    } = step
    else {
        panic!("{step:?}")
    };
    assert_eq!(
        text,
        "¿Actualizo el correo electrónico de tu ficha de contacto a nuevo@empresa.es?"
    );
    assert_eq!(quick_replies, ["Sí", "No"]);
    let mut declined = chat.clone();
    let request = execute(chat.say("Sí, por favor"));
    assert_eq!(request.params["new_email"], "nuevo@empresa.es");
    let step = declined.say("no, gracias");
    let Step::Cancelled { message } = step else {
        panic!("{step:?}")
    };
    assert!(message.starts_with("De acuerdo"), "{message}");
}

#[test]
fn french_confirmation_yes_and_no() {
    let lib = library();
    let (mut chat, step) = Chat::start(
        &lib,
        "unlock_user",
        "mon compte est verrouillé : marie@exemple.fr",
        "fr",
    );
    let Step::Confirm {
        text,
        quick_replies,
    } = step
    else {
        panic!("{step:?}")
    };
    assert_eq!(
        text,
        "Dois-je débloquer l'utilisateur Salesforce marie@exemple.fr ?"
    );
    assert_eq!(quick_replies, ["Oui", "Non"]);
    let mut declined = chat.clone();
    let mut unclear = chat.clone();
    assert_eq!(
        execute(chat.say("oui, vas-y")).params["username"],
        "marie@exemple.fr"
    );
    assert!(matches!(declined.say("Non merci"), Step::Cancelled { .. }));
    let Step::Confirm { text, .. } = unclear.say("pourquoi ?") else {
        panic!()
    };
    assert!(
        text.starts_with("Merci de répondre par oui ou par non."),
        "{text}"
    );
    assert!(matches!(unclear.say("annuler"), Step::Cancelled { .. }));
}

#[test]
fn german_plan_change_with_labels_and_synonyms() {
    let lib = library();
    let (mut chat, step) = Chat::start(
        &lib,
        "plan_change",
        "Wir möchten auf Enterprise upgraden",
        "de",
    );
    assert_eq!(chat.state.slots["plan"], "enterprise");
    let Step::Ask {
        slot,
        prompt,
        quick_replies,
    } = step
    else {
        panic!("{step:?}")
    };
    assert_eq!(slot, "effective");
    assert!(
        prompt.starts_with("Soll die Änderung sofort gelten"),
        "{prompt}"
    );
    assert_eq!(quick_replies, ["Sofort", "Nächster Abrechnungszeitraum"]);
    let step = chat.say("ab nächsten Monat bitte");
    let Step::Confirm {
        text,
        quick_replies,
    } = step
    else {
        panic!("{step:?}")
    };
    assert_eq!(
        text,
        "Soll ich den Wechsel zum Tarif Enterprise beantragen? Zeitpunkt: Nächster Abrechnungszeitraum."
    );
    assert_eq!(quick_replies, ["Ja", "Nein"]);
    let mut declined = chat.clone();
    let request = execute(chat.say("Ja, genau"));
    assert_eq!(request.params["effective"], "next_billing_cycle");
    assert!(matches!(declined.say("nein"), Step::Cancelled { .. }));
    assert!(chat
        .def
        .render_success(&chat.state, &json!({}), "de")
        .starts_with("Erledigt: Ich habe den Wechsel zu Enterprise beantragt"));
}

#[test]
fn cancel_phrases_in_every_language() {
    let lib = library();
    for (language, phrase) in [
        ("es", "olvídalo"),
        ("fr", "laisse tomber"),
        ("de", "abbrechen"),
        ("en", "stop"),
    ] {
        let (mut chat, _) = Chat::start(&lib, "report_outage", "outage", language);
        let step = chat.say(phrase);
        let Step::Cancelled { message } = step else {
            panic!("{language}: {step:?}")
        };
        assert_eq!(message, lang::cancelled_message(language));
    }
}

#[test]
fn other_languages_fall_back_to_english() {
    let lib = library();
    let (mut chat, step) = Chat::start(&lib, "case_status", "status do meu caso", "pt-BR");
    let Step::Ask { prompt, .. } = step else {
        panic!("{step:?}")
    };
    assert!(prompt.starts_with("Sure, I can check that."), "{prompt}");
    let request = execute(chat.say("00001234"));
    let result = json!({"status": "Closed", "subject": "Export", "owner": "Support"});
    assert!(chat
        .def
        .render_success(&chat.state, &result, "pt-BR")
        .starts_with("Case 00001234"));
    assert_eq!(request.params["case_number"], "00001234");
}

#[test]
fn spanish_and_french_answers_to_choices() {
    let lib = library();
    let (mut chat, _) = Chat::start(&lib, "report_outage", "caída del servicio", "es");
    chat.say("No puedo iniciar sesión");
    assert_eq!(execute(chat.say("solo yo")).params["impact"], "just_me");
    let (mut chat, _) = Chat::start(&lib, "report_outage", "panne", "fr");
    chat.say("Les rapports ne se chargent pas");
    assert_eq!(
        execute(chat.say("tout le monde")).params["impact"],
        "all_users"
    );
}
