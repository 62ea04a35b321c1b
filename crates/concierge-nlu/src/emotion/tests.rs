//! Realistic support messages, compared with each other: the orderings the
//! engine relies on, not exact numbers.

use super::*;
use crate::sentiment::SentimentAnalyzer;

fn e(text: &str) -> Emotions {
    emotions(text, &SentimentAnalyzer::new().score(text))
}

const NEUTRAL_QUESTION: &str = "How do I add a custom field to the Case page layout?";

#[test]
fn angry_repeat_complaint_is_more_frustrated_than_a_question() {
    let angry = e(
        "This is the THIRD time I'm asking!!! The sync is still broken and nobody has answered.",
    );
    let neutral = e(NEUTRAL_QUESTION);
    assert!(angry.frustration > 0.8, "{angry:?}");
    assert!(
        angry.frustration > neutral.frustration + 0.5,
        "{angry:?} vs {neutral:?}"
    );
    assert!(angry.anger > neutral.anger, "{angry:?} vs {neutral:?}");
    assert!(neutral.frustration < 0.2, "{neutral:?}");
}

#[test]
fn production_down_is_urgent() {
    let down = e("Production is down, need help ASAP");
    assert!(down.urgency > 0.8, "{down:?}");
    assert!(down.urgency > e(NEUTRAL_QUESTION).urgency + 0.5);
    let relaxed = e("No rush, whenever you can: could you rename our sandbox?");
    assert!(relaxed.urgency < 0.1, "{relaxed:?}");
    assert!(e("URGENT: customers cant log in right now!").urgency > 0.8);
}

#[test]
fn worry_about_data_is_anxiety() {
    let worried =
        e("I'm worried we will lose data during the migration, I'm afraid we'll lose everything.");
    assert!(worried.anxiety > 0.8, "{worried:?}");
    assert!(worried.anxiety > worried.urgency, "{worried:?}");
    let calm = e("I'm not worried about the migration, the backup looks fine.");
    assert!(calm.anxiety < worried.anxiety - 0.5, "{calm:?}");
}

#[test]
fn not_understanding_is_confusion() {
    let lost = e("I don't understand. What does this mean?? The error message is confusing.");
    assert!(lost.confusion > 0.85, "{lost:?}");
    assert!(lost.confusion > e("Please update my billing address.").confusion + 0.6);
    assert!(lost.satisfaction < 0.2, "{lost:?}");
}

#[test]
fn thanks_that_fixed_it_is_satisfaction() {
    let happy = e("Thanks, that fixed it! Perfect.");
    assert!(happy.satisfaction > 0.8, "{happy:?}");
    assert!(happy.frustration < 0.1 && happy.anger < 0.1, "{happy:?}");
    let polite = e("Thanks in advance, how do I export a report?");
    assert!(polite.satisfaction < happy.satisfaction - 0.5, "{polite:?}");
}

#[test]
fn negated_or_sarcastic_thanks_is_not_satisfaction() {
    let not_happy = e("I'm not happy, this is not helpful at all.");
    assert!(not_happy.satisfaction < 0.1, "{not_happy:?}");
    assert!(not_happy.frustration > 0.5, "{not_happy:?}");
    let sarcastic = e("Thanks for nothing. Still broken.");
    assert!(sarcastic.satisfaction < 0.1, "{sarcastic:?}");
    assert!(sarcastic.frustration > 0.7, "{sarcastic:?}");
    let mixed = e("Thanks, but it still doesn't work.");
    assert!(mixed.frustration > mixed.satisfaction, "{mixed:?}");
}

#[test]
fn shouting_and_exclamations_intensify() {
    let calm = e("the import failed again");
    let loud = e("THE IMPORT FAILED AGAIN!!!");
    assert!(loud.frustration > calm.frustration, "{loud:?} vs {calm:?}");
    assert!(loud.anger > calm.anger, "{loud:?} vs {calm:?}");
    // Acronyms are not shouting.
    let acronyms = e("the SOQL query in the API and SSO setup failed again");
    assert!(acronyms.anger < loud.anger, "{acronyms:?}");
    // Shouting praise is not anger.
    let praise = e("THANK YOU SO MUCH!!! IT WORKS NOW");
    assert!(
        praise.anger < 0.1 && praise.satisfaction > 0.8,
        "{praise:?}"
    );
}

#[test]
fn stretched_and_repeated_words_intensify() {
    let plain = e("please fix this, it is broken");
    let stretched = e("pleeeease fix this, it is broken broken");
    assert!(
        stretched.frustration > plain.frustration,
        "{stretched:?} vs {plain:?}"
    );
}

#[test]
fn neutral_message_is_calm() {
    let calm = e("Please update the billing contact on our account to Maria.");
    for (name, value) in [
        ("anger", calm.anger),
        ("frustration", calm.frustration),
        ("confusion", calm.confusion),
        ("urgency", calm.urgency),
        ("anxiety", calm.anxiety),
    ] {
        assert!(value < 0.15, "{name} {value} in {calm:?}");
    }
}

#[test]
fn anger_at_the_company() {
    let furious = e("This is unacceptable. We are paying customers and I want to speak to a manager. Worst support ever.");
    assert!(furious.anger > 0.85, "{furious:?}");
    assert!(furious.anger > e("The export is a bit slow today.").anger + 0.6);
}

#[test]
fn empty_and_odd_input() {
    let zero = Sentiment {
        compound: 0.0,
        label: crate::SentimentLabel::Neutral,
        positive: 0.0,
        neutral: 0.0,
        negative: 0.0,
    };
    assert_eq!(emotions("", &zero), Emotions::default());
    let nan = Sentiment {
        compound: f64::NAN,
        ..zero.clone()
    };
    let odd = emotions("\u{0}\u{fffd} 🤬 ﷽ ???", &nan);
    for v in [
        odd.anger,
        odd.frustration,
        odd.confusion,
        odd.urgency,
        odd.anxiety,
        odd.satisfaction,
    ] {
        assert!((0.0..=1.0).contains(&v));
    }
    let huge = "STILL BROKEN!!! ".repeat(1_000);
    assert!(e(&huge).frustration <= 1.0);
}
