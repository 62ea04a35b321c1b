//! The analyzer end to end with the default model: typical support
//! messages, and any input whatsoever without a panic.

use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use concierge_nlu::analyzer::MAX_CHARS;
use concierge_nlu::entities::EntityConfig;
use concierge_nlu::{Analysis, Analyzer, Context, NluError, SentimentLabel};
use proptest::prelude::*;

fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(|| Analyzer::try_default().unwrap())
}

fn ctx() -> Context {
    Context::new(Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap()).with_language_hint("en")
}

fn check(a: &Analysis) {
    let unit = 0.0..=1.0;
    assert!(unit.contains(&a.language.confidence), "{a:?}");
    assert!(unit.contains(&a.intent.confidence), "{a:?}");
    assert!(!a.intent.name.is_empty());
    for alt in &a.intent.alternatives {
        assert!(unit.contains(&alt.confidence), "{a:?}");
    }
    assert!((-1.0..=1.0).contains(&a.sentiment.compound), "{a:?}");
    assert!(unit.contains(&a.toxicity.score), "{a:?}");
    for e in &a.entities {
        assert!(e.start < e.end, "{a:?}");
    }
}

#[test]
fn analyses_a_support_message() {
    let text = "I'm really frustrated: I forgot my password and the reset email \
                to jane.doe@acme.com never arrived. Please call me tomorrow at 3pm!";
    let a = analyzer().analyze(text, &ctx()).unwrap();
    check(&a);
    assert_eq!(a.language.code, "en");
    assert_eq!(a.intent.name, "password_reset");
    assert!(!a.intent.out_of_scope);
    assert!(
        a.entities.iter().any(|e| e.kind == "email"),
        "{:?}",
        a.entities
    );
    assert!(
        a.entities.iter().any(|e| e.kind == "datetime"),
        "{:?}",
        a.entities
    );
    assert_eq!(a.sentiment.label, SentimentLabel::Negative);
    assert!(a.emotions.frustration > 0.3, "{:?}", a.emotions);
}

#[test]
fn off_topic_and_empty_messages_are_out_of_scope() {
    for text in ["", "   ", "what's the weather like in Paris tomorrow"] {
        let a = analyzer().analyze(text, &ctx()).unwrap();
        check(&a);
        assert!(a.intent.out_of_scope, "{text:?}: {:?}", a.intent);
        assert_eq!(a.intent.name, "out_of_scope");
    }
}

#[test]
fn long_text_is_analysed_on_its_prefix() {
    let text = "I forgot my password. ".repeat(1000);
    assert!(matches!(
        Analyzer::check_length(&text),
        Err(NluError::TooLong {
            limit: MAX_CHARS,
            ..
        })
    ));
    let a = analyzer().analyze(&text, &ctx()).unwrap();
    check(&a);
    assert_eq!(a.intent.name, "password_reset");
    assert!(Analyzer::check_length("short").is_ok());
}

#[test]
fn tenant_entity_settings_apply() {
    let gb = Analyzer::with_default_model(EntityConfig {
        default_region: "GB".to_owned(),
        ..EntityConfig::default()
    })
    .unwrap();
    let a = gb.analyze("call me on 020 7946 0018", &ctx()).unwrap();
    let phone = a.entities.iter().find(|e| e.kind == "phone").unwrap();
    assert_eq!(phone.value, "+442079460018");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_text_gets_an_analysis(text in "\\PC{0,300}") {
        check(&analyzer().analyze(&text, &ctx()).unwrap());
    }

    #[test]
    fn binary_looking_text_gets_an_analysis(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        check(&analyzer().analyze(&text, &ctx()).unwrap());
    }

    #[test]
    fn mixed_scripts_get_an_analysis(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("password reset"), Just("пароль"), Just("パスワード"), Just("كلمة المرور"),
                Just("비밀번호"), Just("🙂"), Just("\u{200b}"), Just("\u{0}"), Just("123-456"),
                Just("System.LimitException"), Just("\u{202e}"), Just("e\u{301}"),
            ],
            0..40,
        )
    ) {
        check(&analyzer().analyze(&parts.concat(), &ctx()).unwrap());
    }
}

#[test]
fn a_model_without_intents_says_out_of_scope() {
    let analyzer = Analyzer::new(
        concierge_nlu::intent::IntentModel::out_of_scope_only(),
        EntityConfig::default(),
    );
    let a = analyzer.analyze("I forgot my password", &ctx()).unwrap();
    check(&a);
    assert!(a.intent.out_of_scope);
    assert!(a.intent.alternatives.is_empty());
    assert_eq!(
        Analyzer::default().model().intents().len(),
        Analyzer::try_default().unwrap().model().intents().len()
    );
}
