use concierge_core::knowledge::{Citation, Passage};
use concierge_core::{KnowledgeId, OrgId};
use concierge_nlu::Emotions;

use super::*;
use crate::task::{TaskRequest, Turn};

pub(crate) fn passage(title: &str, lang: &str, text: &str) -> Passage {
    Passage {
        citation: Citation {
            article_id: KnowledgeId::new(),
            slug: title.to_lowercase().replace(' ', "-"),
            version: 1,
            title: title.to_owned(),
            url: None,
            chunk: 0,
            start: 0,
            end: text.chars().count() as u32,
            score: 1.0,
        },
        text: text.to_owned(),
        headings: vec![title.to_owned()],
        language: lang.to_owned(),
        category: None,
    }
}

fn kb() -> Vec<Passage> {
    vec![
        passage(
            "Reset your password",
            "en",
            "If you forgot your password, you can reset it yourself. To reset your password:\n1. Open the login page and click Forgot password.\n2. Enter the email address of your account.\n3. Follow the link in the email within 30 minutes.\nThe link expires after 30 minutes.",
        ),
        passage(
            "Update billing details",
            "en",
            "Billing administrators can change the card on file under Settings > Billing. Invoices are sent on the first day of each month.",
        ),
        passage(
            "Restablecer la contraseña",
            "es",
            "Si olvidó su contraseña, puede restablecerla. Abra la página de inicio de sesión y haga clic en ¿Olvidó su contraseña? Siga el enlace del correo en 30 minutos.",
        ),
    ]
}

fn ask(question: &str, lang: &str, passages: Vec<Passage>) -> TaskRequest {
    let mut r = TaskRequest::new(Task::Answer, OrgId::new(), question);
    r.language = Some(lang.to_owned());
    r.passages = passages;
    r
}

#[test]
fn answers_from_the_best_passage_with_its_steps_and_a_citation() {
    let local = LocalResponder::new(0.2);
    let out = local.respond(&ask("How do I reset my password?", "en", kb()));
    assert!(
        out.grounded && !out.offered_human && !out.clarifying,
        "{out:?}"
    );
    assert!(out.text.contains("Forgot password"), "{}", out.text);
    assert!(out.text.contains("[1]"), "{}", out.text);
    assert!(
        !out.text.contains("Invoices"),
        "irrelevant passage used: {}",
        out.text
    );
    assert_eq!(out.citations.len(), out.text.matches("[").count());
    assert_eq!(out.citations[0].title, "Reset your password");
    assert_eq!(out.provider, crate::LOCAL);
}

#[test]
fn prefers_the_article_in_the_customers_language() {
    let local = LocalResponder::new(0.2);
    let out = local.respond(&ask(
        "¿Cómo restablecer mi contraseña olvidada?",
        "es",
        kb(),
    ));
    assert_eq!(
        out.citations[0].title, "Restablecer la contraseña",
        "{out:?}"
    );
    assert!(out.text.contains("Olvidó"), "{}", out.text);

    // Without a Spanish article, the English one is used and the answer says so.
    let english_only: Vec<Passage> = kb().into_iter().filter(|p| p.language == "en").collect();
    let out = local.respond(&ask("password reset", "es", english_only));
    assert!(out.grounded);
    assert!(
        out.text.starts_with(phrases("es").other_language),
        "{}",
        out.text
    );
}

#[test]
fn says_honestly_when_nothing_is_relevant_and_offers_a_human() {
    let local = LocalResponder::new(0.2);
    for lang in ["en", "es", "fr", "de"] {
        let out = local.respond(&ask("Can I bring my dog to the office party?", lang, kb()));
        assert!(out.offered_human && !out.grounded, "{lang}: {out:?}");
        assert!(out.citations.is_empty());
        assert_eq!(out.text, phrases(lang).dont_know);
    }
    let out = local.respond(&ask("reset password", "en", Vec::new()));
    assert!(out.offered_human);
}

#[test]
fn asks_which_one_when_two_articles_match_a_short_question_equally() {
    let local = LocalResponder::new(0.2);
    let passages = vec![
        passage(
            "Change your email address",
            "en",
            "You can change the email address of your account under Profile > Email.",
        ),
        passage(
            "Email notifications",
            "en",
            "Choose which email notifications you receive under Profile > Notifications.",
        ),
    ];
    let out = local.respond(&ask("email", "en", passages.clone()));
    assert!(out.clarifying, "{out:?}");
    assert!(
        out.text.contains("Change your email address") && out.text.contains("Email notifications")
    );
    assert!(out.citations.is_empty());

    // A specific question is answered directly.
    let out = local.respond(&ask(
        "How can I change my email address on my account profile?",
        "en",
        passages.clone(),
    ));
    assert!(!out.clarifying && out.grounded, "{out:?}");
    assert_eq!(out.citations[0].title, "Change your email address");

    // And the assistant does not ask twice in a row.
    let mut again = ask("email", "en", passages);
    again.history.push(Turn {
        speaker: Speaker::Assistant,
        text: local
            .respond(&ask("email", "en", again.passages.clone()))
            .text,
    });
    assert!(!local.respond(&again).clarifying);
}

#[test]
fn a_frustrated_customer_gets_an_apology_and_a_shorter_answer() {
    let local = LocalResponder::new(0.2);
    let calm = local.respond(&ask("reset password link email", "en", kb()));
    let mut r = ask("reset password link email", "en", kb());
    r.emotions = Emotions {
        frustration: 0.9,
        ..Emotions::default()
    };
    let upset = local.respond(&r);
    assert!(
        upset.text.starts_with(phrases("en").sorry),
        "{}",
        upset.text
    );
    assert!(!calm.text.starts_with(phrases("en").sorry));
    assert!(upset.citations.len() <= calm.citations.len());
}

#[test]
fn is_deterministic() {
    let local = LocalResponder::new(0.2);
    let r = ask("How do I reset my password?", "en", kb());
    assert_eq!(local.respond(&r), local.respond(&r));
}

#[test]
fn summarises_issue_attempts_and_status() {
    let mut r = TaskRequest::new(
        Task::Summarize,
        OrgId::new(),
        "It still doesn't work, I want to talk to a person.",
    );
    r.history = vec![
        Turn { speaker: Speaker::Customer, text: "Hi. I cannot log in to the customer portal since this morning.".into() },
        Turn { speaker: Speaker::Assistant, text: "You can reset your password from the login page with Forgot password. Did that help?".into() },
        Turn { speaker: Speaker::Customer, text: "I already tried resetting my password twice.".into() },
    ];
    let out = LocalResponder::new(0.2).respond(&r);
    let lines: Vec<&str> = out.text.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.text);
    assert!(
        lines[0].starts_with("Issue:") && lines[0].contains("cannot log in"),
        "{}",
        out.text
    );
    assert!(lines[1].contains("already tried resetting"), "{}", out.text);
    assert!(lines[1].contains("Forgot password"), "{}", out.text);
    assert_eq!(lines[2], "Status: needs an agent");

    let mut done = r.clone();
    done.question = "Thanks, that worked!".into();
    assert!(LocalResponder::new(0.2)
        .respond(&done)
        .text
        .ends_with("Status: resolved"));
}

#[test]
fn assist_drafts_from_passages_and_classify_has_no_label() {
    let local = LocalResponder::new(0.2);
    let mut r = ask("customer asks how to reset the password", "en", kb());
    r.task = Task::Assist;
    let out = local.respond(&r);
    assert!(out.grounded && !out.offered_human && out.text.contains("[1]"));
    r.passages.clear();
    let none = local.respond(&r);
    assert_eq!(none.text, phrases("en").assist_none);
    assert!(!none.offered_human);

    r.task = Task::Classify;
    r.labels = vec!["billing".into()];
    assert_eq!(local.respond(&r).label, None);
}

#[test]
fn a_weakly_related_second_passage_stays_out_of_the_answer() {
    let local = LocalResponder::new(0.1);
    let strong = passage(
        "Daily API request limit",
        "en",
        "When the daily API request limit is exceeded, integration calls fail with REQUEST_LIMIT_EXCEEDED until the rolling 24-hour window frees capacity. Check usage under System Overview.",
    );
    let weak = passage(
        "Sandbox refresh",
        "en",
        "After a refresh, integration credentials in the sandbox are not active.",
    );
    // "sandbox" is in the question and only in the weak passage, so it would add a term.
    let question = "our integration fails with request limit exceeded in the sandbox, what can we do about the daily API limit";
    let out = local.respond(&ask(question, "en", vec![strong.clone(), weak.clone()]));
    assert_eq!(out.citations.len(), 1, "{}", out.text);
    assert_eq!(out.citations[0].slug, strong.citation.slug);
    assert!(!out.text.contains("credentials"), "{}", out.text);
}
