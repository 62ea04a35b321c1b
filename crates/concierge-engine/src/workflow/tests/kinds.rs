//! The slot kinds the shipped workflows do not use: phone, URL, record id,
//! yes/no; and `from_entities: false`.

use super::*;

const YAML: &str = r#"
version: 1
workflows:
  - name: callback
    title: Call me back
    triggers: [callback]
    slots:
      - name: phone
        kind: phone
        prompt: "Which number should we call?"
      - name: page
        kind: url
        prompt: "Which page is it about?"
      - name: record
        kind: salesforce_id
        prompt: "Which record?"
      - name: urgent
        kind: yes_no
        prompt: "Is it urgent?"
      - name: contact
        kind: email
        from_entities: false
        prompt: "Which email should we copy?"
    action:
      kind: schedule_callback
      authorization: none
      params: { phone: "{{ phone }}", page: "{{ page }}", record: "{{ record }}", urgent: "{{ urgent }}", cc: "{{ contact }}" }
    success: "We'll call {{ phone }}."
    failure: "That failed."
"#;

#[test]
fn phone_url_record_id_yes_no_and_no_prefill() {
    let lib = WorkflowLibrary::from_yaml(YAML).unwrap();
    let (mut chat, step) = Chat::start(
        &lib,
        "callback",
        "please call me on +1 415 555 0132 about https://acme.my.salesforce.com/lightning/page, cc jane@acme.com",
        "en",
    );
    // The phone and the URL came from the message; the email did not
    // (from_entities: false), so it is asked for later.
    assert_eq!(chat.state.slots["phone"], "+14155550132");
    assert_eq!(
        chat.state.slots["page"],
        "https://acme.my.salesforce.com/lightning/page"
    );
    assert_eq!(asked(&step), "record");
    assert!(matches!(chat.say("the big account"), Step::Retry { .. }));
    let step = chat.say("it's 001Dn00000AbCdE");
    let Step::Ask {
        slot,
        quick_replies,
        ..
    } = step
    else {
        panic!("{step:?}")
    };
    assert_eq!(
        (slot.as_str(), chat.state.slots["record"].as_str()),
        ("urgent", "001Dn00000AbCdE")
    );
    assert_eq!(quick_replies, ["Yes", "No"]);
    assert!(matches!(chat.say("maybe"), Step::Retry { .. }));
    assert_eq!(asked(&chat.say("nope")), "contact");
    let request = execute(chat.say("jane@acme.com"));
    assert_eq!(request.params["urgent"], "no");
    assert_eq!(request.params["cc"], "jane@acme.com");
}

#[test]
fn bare_answers_for_phone_and_record_ids() {
    let lib = WorkflowLibrary::from_yaml(YAML).unwrap();
    let (mut chat, step) = Chat::start(&lib, "callback", "call me back", "en");
    assert_eq!(asked(&step), "phone");
    assert!(matches!(chat.say("12345"), Step::Retry { .. }));
    // The NLU's phone entity (E.164) when it finds one …
    let mut entity = chat.clone();
    assert_eq!(asked(&entity.say("0044 20 7946 0958")), "page");
    assert_eq!(entity.state.slots["phone"], "+442079460958");
    // … else the digits of a number-like answer.
    assert_eq!(asked(&chat.say("555-0132 ext 9")), "page");
    assert_eq!(chat.state.slots["phone"], "5550132");
    assert_eq!(asked(&chat.say("www.acme.com/help.")), "record");
    assert_eq!(chat.state.slots["page"], "https://www.acme.com/help");
}
