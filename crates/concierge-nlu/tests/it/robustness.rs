//! Any input, however odd, scores without panicking and within range:
//! arbitrary Unicode, binary-looking bytes, mixed scripts, huge texts.

use concierge_nlu::emotion::emotions;
use concierge_nlu::sentiment::SentimentAnalyzer;
use concierge_nlu::toxicity::toxicity;
use concierge_nlu::{Emotions, Sentiment, SentimentLabel, Toxicity};
use proptest::prelude::*;

fn in_unit(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

fn check_sentiment(s: &Sentiment) {
    assert!((-1.0..=1.0).contains(&s.compound), "{s:?}");
    for p in [s.positive, s.neutral, s.negative] {
        assert!(in_unit(p), "{s:?}");
    }
    let expected = if s.compound >= 0.05 {
        SentimentLabel::Positive
    } else if s.compound <= -0.05 {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    };
    assert_eq!(s.label, expected);
}

fn check_emotions(e: &Emotions) {
    for v in [
        e.anger,
        e.frustration,
        e.confusion,
        e.urgency,
        e.anxiety,
        e.satisfaction,
    ] {
        assert!(in_unit(v), "{e:?}");
    }
}

fn check_toxicity(t: &Toxicity) {
    let c = &t.categories;
    for v in [
        t.score,
        c.insult,
        c.profanity,
        c.threat,
        c.identity_attack,
        c.sexual,
    ] {
        assert!(in_unit(v), "{t:?}");
    }
}

fn check_all(text: &str) {
    let sentiment = SentimentAnalyzer::new().score(text);
    check_sentiment(&sentiment);
    check_emotions(&emotions(text, &sentiment));
    check_toxicity(&toxicity(text));
}

/// Words that exercise the rules, mixed with noise.
fn support_words() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "not", "no", "very", "kind", "of", "but", "least", "you", "are", "idiot", "f", "u", "c",
        "k", "1d10t", "sh*t", "k1ll", "y0u", "!!!", "???", ":)", "😡", "👍", "ASAP", "STILL",
        "broken", "again", "thanks", "worried", "urgent", "|", "*", "@$$", "i", "d", "o", "t", "ї",
        "中文", "\u{200b}", "\u{0}", "\u{fffd}", "ß", "İ", "ǅ", "ﷺ", "a\u{301}",
    ]);
    prop::collection::vec(word, 0..40).prop_map(|words| words.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_unicode_never_panics(text in any::<String>()) {
        check_all(&text);
    }

    #[test]
    fn binary_looking_input_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_all(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn rule_words_in_any_order_never_panic(text in support_words()) {
        check_all(&text);
    }

    #[test]
    fn mixed_scripts_never_panic(text in "[a-zA-Z0-9 !?.*@$|\\u{0400}-\\u{04ff}\\u{4e00}-\\u{4e40}\\u{0600}-\\u{0640}\\u{1f600}-\\u{1f640}]{0,200}") {
        check_all(&text);
    }
}

#[test]
fn huge_input_is_bounded() {
    let huge = "You are SO stupid!!! Production is down 😡 k1ll ".repeat(2_000);
    assert!(huge.chars().count() > 50_000);
    let started = std::time::Instant::now();
    check_all(&huge);
    // Truncation keeps even debug builds far below a second.
    assert!(started.elapsed().as_secs() < 5);
}
