//! Toxicity as the engine will see it: obfuscated abuse caught, support
//! vocabulary left alone, thresholds applied.

use super::*;

fn score(text: &str) -> f64 {
    toxicity(text).score
}

#[test]
fn plain_insults_and_profanity() {
    assert!(score("you are an idiot") >= WARN_THRESHOLD);
    assert!(score("fuck you") >= BLOCK_THRESHOLD);
    assert!(score("you fucking moron") >= BLOCK_THRESHOLD);
    let t = toxicity("this is bullshit");
    assert!(t.categories.profanity > 0.5, "{t:?}");
    assert_eq!(t.categories.threat, 0.0);
}

#[test]
fn obfuscated_insults_are_caught() {
    for text in [
        "you are an 1d10t",
        "y0u @r3 4n 1d10t",
        "f u c k you",
        "f.u.c.k you",
        "F*CK YOU",
        "you're so stuuuuupid",
        "YoU iDiOt",
        "you are an i d i o t",
        "ur a m0r0n",
        "you $tupid @$$hole",
        "fu ck you",
        "you are an іdіot", // Cyrillic і
        "you are an id\u{200b}iot",
        "sh!t f*ck you b1tch",
        "you dumbaaaass",
        "f*** you",
        "F*** OFF",
        "you stupid b****",
    ] {
        let t = toxicity(text);
        assert!(t.score >= WARN_THRESHOLD, "{text:?} scored {t:?}");
    }
    // A first letter and a mask read as the swear word, which alone is
    // profanity below the warning, as the word itself would be.
    let masked = toxicity("this s*** again");
    assert!(masked.categories.profanity > 0.3, "{masked:?}");
    assert!(masked.score < WARN_THRESHOLD, "{masked:?}");
}

#[test]
fn threats_reach_block() {
    for text in [
        "I will kill you",
        "i'm going to k1ll y0u",
        "I know where you live",
        "kill yourself",
        "I'm going to burn down your office",
        "you deserve to die",
        "kys",
    ] {
        let t = toxicity(text);
        assert!(t.score >= BLOCK_THRESHOLD, "{text:?} scored {t:?}");
        assert!(
            t.categories.threat >= BLOCK_THRESHOLD,
            "{text:?} scored {t:?}"
        );
    }
}

#[test]
fn support_vocabulary_stays_clean() {
    for text in [
        "Please kill the process and restart the job.",
        "kill -9 the worker, it is stuck",
        "Can you execute the batch job again?",
        "We hit the API limit again today.",
        "Messages end up in the dead letter queue.",
        "Abort the deployment, the tests failed.",
        "The assignment rule for this class of cases is wrong.",
        "Our analysis of the Scunthorpe account shows a spike.",
        "The OOM killer terminated the process.",
        "I'll shoot you an email with the logs.",
        "I'll hit you up tomorrow about the invoice.",
        "You beat me to it, thanks!",
        "This bug is killing me.",
        "Drop the table and truncate the staging data.",
        "The deploy bombed, we need to roll back.",
        "Empty the trash and run garbage collection.",
        "Sorry for the dumb question, how do I reset my password?",
        "The build is dead again, fatal error in the compiler.",
        "Execute anonymous Apex fails with a fatal exception.",
        "Our cocktail bar in Essex uses your booking widget.",
        "The page hangs when I click Save.",
        "Terminate all instances in the sandbox.",
        "The script kills all child processes on exit.",
        "Please assess the cost of the upgrade.",
        "Dick from accounting asked about the invoice.",
        "Masked card number: 4*** **** **** 1234",
        "Search for a*** to match every account.",
        "",
    ] {
        let t = toxicity(text);
        assert!(t.score < 0.3, "{text:?} scored {t:?}");
    }
}

#[test]
fn frustration_without_abuse_is_allowed() {
    for text in [
        "This damn app crashed again, fix it!",
        "This is a stupid design, why does it reset my filters?",
        "What the hell happened to my dashboard?",
        "Your product is useless and your support is slow.",
        "I'm pissed off, the sync failed three times.",
    ] {
        let t = toxicity(text);
        assert!(t.score < WARN_THRESHOLD, "{text:?} scored {t:?}");
    }
}

#[test]
fn insults_aimed_at_people_weigh_more_than_at_things() {
    assert!(score("you are stupid") > score("this stupid form"));
    assert!(score("your agent is an idiot") > score("what an idiotic error message"));
    assert!(score("you stupid bot") > score("your stupid app"));
}

#[test]
fn identity_attacks_and_sexual_content() {
    let t = toxicity("immigrants are vermin");
    assert!(t.categories.identity_attack >= 0.8, "{t:?}");
    let t = toxicity("kill all jews");
    assert!(t.score >= BLOCK_THRESHOLD, "{t:?}");
    let t = toxicity("send nudes");
    assert!(t.categories.sexual >= 0.8, "{t:?}");
    assert!(toxicity("women are stupid").categories.identity_attack >= 0.6);
    assert_eq!(
        toxicity("Chinese is a language").categories.identity_attack,
        0.0
    );
}

#[test]
fn third_person_and_negated_threats_weigh_less() {
    // In support, "them" is usually processes.
    assert!(score("can you kill them?") < WARN_THRESHOLD);
    assert!(score("I would never hurt you") < WARN_THRESHOLD);
    assert!(score("I will kill you") > score("I will kill them"));
}

#[test]
fn repetition_adds_with_diminishing_returns() {
    let once = score("shit");
    let thrice = score("shit shit shit");
    assert!(thrice > once);
    assert!(thrice < BLOCK_THRESHOLD);
}

#[test]
fn thresholds_classify_and_override() {
    let t = ToxicityThresholds::default();
    assert_eq!((t.warn, t.block), (0.6, 0.8));
    assert_eq!(t.classify(0.59), Moderation::Allow);
    assert_eq!(t.classify(0.6), Moderation::Warn);
    assert_eq!(t.classify(0.8), Moderation::Block);
    assert_eq!(t.classify(f64::NAN), Moderation::Allow);

    let strict = t
        .with_override(&ToxicityThresholdsOverride {
            warn: Some(0.4),
            block: None,
        })
        .unwrap();
    assert_eq!(strict.classify(0.5), Moderation::Warn);
    assert!(ToxicityThresholds::new(0.9, 0.5).is_err());
    assert!(ToxicityThresholds::new(-0.1, 0.5).is_err());
    assert!(ToxicityThresholds::new(0.5, f64::NAN).is_err());

    let parsed: ToxicityThresholdsOverride = serde_json::from_str(r#"{"block":0.9}"#).unwrap();
    assert_eq!(parsed.block, Some(0.9));
    assert!(serde_json::from_str::<ToxicityThresholds>(r#"{"warm":0.1}"#).is_err());
}

#[test]
fn combining_is_bounded() {
    let mut c = Combined::default();
    for w in [0.9, 0.9, 0.9, 1.5, f64::NAN, -1.0, f64::INFINITY] {
        c.add(w);
    }
    let s = c.score(0.6);
    assert!((0.0..=1.0).contains(&s));
}

#[test]
fn huge_and_odd_input() {
    let huge = "you idiot ".repeat(2_000);
    assert!(score(&huge) <= 1.0);
    for text in [
        "\u{0}\u{1}\u{fffd}",
        "🤬🤬🤬",
        "1111 |||| **** ####",
        "ﷺ ﷽",
        "a\u{301}\u{301}",
    ] {
        let t = toxicity(text);
        assert!((0.0..=1.0).contains(&t.score), "{text:?}");
    }
}
