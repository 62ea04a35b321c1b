//! One test per VADER rule; expected values are the reference package's.

use super::*;

fn compound(text: &str) -> f64 {
    SentimentAnalyzer::new().score(text).compound
}

#[test]
fn lexicon_word_scores_as_the_reference() {
    let s = SentimentAnalyzer::new().score("The fix is good.");
    assert_eq!(s.compound, 0.4404);
    assert_eq!((s.positive, s.neutral, s.negative), (0.492, 0.508, 0.0));
    assert_eq!(s.label, SentimentLabel::Positive);
}

#[test]
fn negation_flips_and_dampens() {
    assert_eq!(compound("The fix is not good."), -0.3412);
    assert_eq!(compound("no good"), -0.3412);
    assert_eq!(compound("It isn't bad at all."), 0.431);
    assert_eq!(
        SentimentAnalyzer::new().score("The fix is not good.").label,
        SentimentLabel::Negative
    );
}

#[test]
fn boosters_and_dampeners() {
    assert_eq!(compound("The fix is very good."), 0.4927);
    assert_eq!(compound("The fix is kind of good."), 0.3832);
    assert!(compound("The fix is very good.") > compound("The fix is good."));
    assert!(compound("The fix is kind of good.") < compound("The fix is good."));
}

#[test]
fn all_caps_emphasis_only_among_lowercase() {
    assert_eq!(compound("The fix is GOOD."), 0.5622);
    assert_eq!(compound("The fix is VERY good."), 0.6028);
    // Everything in capitals is no emphasis at all.
    assert_eq!(compound("GOOD"), compound("good"));
}

#[test]
fn exclamation_and_question_emphasis() {
    assert_eq!(compound("The fix is good!!!"), 0.5826);
    assert_eq!(compound("Is this good???"), 0.533);
    // More than four exclamation marks add nothing more.
    assert_eq!(compound("good!!!!"), compound("good!!!!!!!!"));
}

#[test]
fn but_shifts_weight_to_the_second_clause() {
    let s = SentimentAnalyzer::new().score("The product is great, but the support is terrible.");
    assert_eq!(s.compound, 0.2382);
    assert_eq!((s.positive, s.neutral, s.negative), (0.375, 0.369, 0.255));
    assert_eq!(compound("good good but good good"), 0.891);
}

#[test]
fn but_reproduces_the_first_equal_value_quirk() {
    // Reference loop: the value at k updates the *first* equal entry.
    let mut s = vec![1.9, 1.9, 0.0, 1.9];
    but_check(&["good", "good", "but", "good"], &mut s);
    assert_eq!(s, vec![0.95, 0.95, 0.0, 2.8499999999999996]);
    // 0.95 after "but" equals the already halved first value, so the
    // reference halves that one again and leaves the later one alone.
    let mut s = vec![1.9, 0.0, 0.95];
    but_check(&["good", "but", "x"], &mut s);
    assert_eq!(s, vec![0.475, 0.0, 0.95]);
}

#[test]
fn least_negates_unless_at_least() {
    assert_eq!(compound("This is the least helpful answer."), -0.3252);
    assert_eq!(compound("At least it is helpful."), 0.4215);
}

#[test]
fn special_idioms_and_never_this() {
    assert_eq!(compound("The new pricing is the bomb."), 0.6124);
    assert_eq!(
        compound("Sentiment analysis has never been this good!"),
        0.5672
    );
    assert_eq!(compound("Without a doubt, excellent idea."), 0.7013);
    assert_eq!(compound("Meet me at the bus stop."), 0.0);
}

#[test]
fn emoji_and_emoticons() {
    assert_eq!(compound("Thanks 🙂"), 0.6815);
    assert_eq!(compound("Still broken :("), -0.7184);
}

#[test]
fn emoji_replacement_spacing_matches_the_reference() {
    let lexicon = Lexicon::get();
    assert_eq!(lexicon.replace_emojis("ok👍"), "ok thumbs up");
    assert_eq!(lexicon.replace_emojis("👍👍"), "thumbs up thumbs up");
    assert_eq!(lexicon.replace_emojis("👍!"), "thumbs up!");
    assert!(matches!(lexicon.replace_emojis("plain"), Cow::Borrowed(_)));
}

#[test]
fn empty_and_wordless_text_is_all_zero() {
    for text in ["", "   ", "\n\t"] {
        let s = SentimentAnalyzer::new().score(text);
        assert_eq!(
            (s.compound, s.positive, s.neutral, s.negative),
            (0.0, 0.0, 0.0, 0.0)
        );
        assert_eq!(s.label, SentimentLabel::Neutral);
    }
}

#[test]
fn huge_input_is_truncated_not_rejected() {
    let text = "this is terrible and slow. ".repeat(2_000);
    let s = SentimentAnalyzer::new().score(&text);
    assert!(s.compound < -0.9);
    assert_eq!(truncate_chars("héllo", 2), "hé");
    assert_eq!(truncate_chars("hé", 5), "hé");
}

#[test]
fn lexicons_are_complete() {
    let lexicon = Lexicon::get();
    // 7,520 lines with 14 duplicate words; 1,212 single-character emoji.
    assert_eq!(lexicon.words.len(), 7_506);
    assert_eq!(lexicon.emojis.len(), 1_212);
    assert_eq!(lexicon.words.get("good"), Some(&1.9));
}
