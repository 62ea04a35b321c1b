//! Conversations through the pipeline: answers with citations, workflows
//! with their actions, escalation with its card and case, moderation, a
//! human in charge, topic switches, and degradation without knowledge.

use concierge_core::engine::ConversationEngine;
use concierge_core::*;

use crate::on_both;

#[tokio::test]
async fn a_knowledge_question_gets_a_grounded_answer_with_citations() {
    on_both(true, |h| async move {
        let c = h.customer("dev@example.com", None).await;
        let (reply, record) = h
            .say(
                c.id,
                "How do I fix INVALID_SESSION_ID errors in our integration?",
            )
            .await;
        let plan = &reply.plan;
        assert!(!plan.citations.is_empty(), "{}", reply.content);
        assert!(reply.content.contains("[1]"), "{}", reply.content);
        assert_eq!(plan.reply_analysis["decision"], "answer");
        assert_eq!(
            record.conversation.status,
            ConversationStatus::WaitingForUser
        );
        assert!(!reply.requires_escalation);
        let usage = h.db.store.knowledge_usage(h.org).await.unwrap();
        assert!(usage.iter().any(|u| u.cited >= 1), "citations are counted");
        // The customer's message carries its analysis.
        assert_eq!(record.messages[0].analysis["language"]["code"], "en");
        h
    })
    .await;
}

#[tokio::test]
async fn the_password_reset_workflow_runs_its_action_once_and_resolves() {
    on_both(true, |h| async move {
        let c = h.customer("jane@example.com", None).await;
        let (r1, _) = h.say(c.id, "I forgot my password and can't log in").await;
        assert_eq!(r1.intent.as_deref(), Some("password_reset"));
        assert!(
            r1.content.to_lowercase().contains("email"),
            "{}",
            r1.content
        );
        assert_eq!(r1.plan.workflow.as_ref().unwrap()["name"], "password_reset");
        let (r2, rec) = h.say(c.id, "jane@example.com").await;
        assert!(r2.content.contains("reset link"), "{}", r2.content);
        assert_eq!(r2.plan.actions.len(), 1);
        assert_eq!(r2.plan.actions[0].action_type, "password_reset");
        assert_eq!(r2.plan.actions[0].status, ActionStatus::Completed);
        assert_eq!(rec.conversation.status, ConversationStatus::Resolved);
        assert_eq!(rec.conversation.resolution_type.as_deref(), Some("ai"));
        assert!(r2
            .plan
            .events
            .iter()
            .any(|(t, _)| t == "identity.password_reset_requested"));
        // The audit log records the action.
        let audit = h.db.store.list_audit(h.org, 10).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "action.password_reset"));
        h
    })
    .await;
}

#[tokio::test]
async fn an_anonymous_customer_cannot_run_a_verified_action() {
    on_both(true, |h| async move {
        let c = h.anonymous().await;
        let (r, rec) = h
            .say(c.id, "please reset the password for bob@example.com")
            .await;
        assert!(
            r.plan.actions.is_empty(),
            "nothing ran: {:?}",
            r.plan.actions
        );
        let e = r.plan.escalation.as_ref().expect("handed to a human");
        assert_eq!(e.reason, "authorization_required");
        assert_eq!(rec.conversation.status, ConversationStatus::Escalated);
        h
    })
    .await;
}

#[tokio::test]
async fn asking_for_a_human_escalates_with_a_card_a_case_and_deadlines() {
    on_both(true, |h| async move {
        let c = h
            .customer("sam@example.com", Some(CustomerTier::Enterprise))
            .await;
        h.say(
            c.id,
            "Our API calls fail with REQUEST_LIMIT_EXCEEDED since this morning",
        )
        .await;
        let (r, rec) = h.say(c.id, "I want to talk to a real person please").await;
        let e = r.plan.escalation.as_ref().expect("escalated");
        assert_eq!(e.reason, "customer_requested_human");
        assert_eq!(e.tier, Some(CustomerTier::Enterprise));
        let card = &e.summary;
        assert!(
            card["title"]
                .as_str()
                .unwrap()
                .contains("REQUEST_LIMIT_EXCEEDED"),
            "{card}"
        );
        assert!(
            card["summary"]
                .as_str()
                .unwrap()
                .contains("asked for a human"),
            "{card}"
        );
        let number = card["case_number"].as_str().expect("a case was opened");
        assert!(r.content.contains(number), "{}", r.content);
        let first = e.first_response_deadline.unwrap() - h.engine.now();
        assert!(
            first <= chrono::Duration::minutes(30),
            "enterprise gets a short first response: {first}"
        );
        assert!(rec.escalation.is_some());
        assert_eq!(rec.conversation.status, ConversationStatus::Escalated);
        let case =
            h.db.store
                .case_by_number(h.org, number)
                .await
                .unwrap()
                .unwrap();
        assert_eq!(case.contact_email.as_deref(), Some("sam@example.com"));
        // From now on a human has it: the AI stays silent.
        let (r, rec) = h.say(c.id, "hello? anyone there?").await;
        assert!(r.plan.silent);
        assert_eq!(rec.messages.len(), 1);
        assert_eq!(rec.conversation.status, ConversationStatus::WaitingForAgent);
        h
    })
    .await;
}

#[tokio::test]
async fn a_toxic_message_is_blocked_flagged_and_explained() {
    on_both(true, |h| async move {
        let c = h.customer("troll@example.com", None).await;
        let (r, rec) = h.say(c.id, "you f*cking useless idiots, go to hell").await;
        let m = r.plan.moderation.as_ref().expect("moderated");
        assert_eq!(m.level, "blocked");
        assert_eq!(r.plan.sender, Some(SenderType::System));
        assert!(r.content.contains("abusive"), "{}", r.content);
        assert_eq!(rec.messages[0].moderation.as_deref(), Some("blocked"));
        let flags =
            h.db.store
                .moderation_flags(h.org, Some("pending"), 10)
                .await
                .unwrap();
        assert_eq!(flags.len(), 1);
        h
    })
    .await;
}

#[tokio::test]
async fn without_knowledge_the_agent_falls_back_and_escalates_on_the_third_miss() {
    on_both(false, |h| async move {
        let c = h.customer("lost@example.com", None).await;
        for i in 0..2 {
            let (r, _) = h
                .say(c.id, "what's the weather like in Lisbon tomorrow?")
                .await;
            assert_eq!(
                r.plan.reply_analysis["decision"], "fallback",
                "turn {i}: {}",
                r.content
            );
            assert!(r.plan.citations.is_empty());
        }
        let (r, _) = h.say(c.id, "can you recommend a good pizza place?").await;
        let e = r
            .plan
            .escalation
            .as_ref()
            .expect("third fallback escalates");
        assert_eq!(e.reason, "repeated_fallback");
        h
    })
    .await;
}

#[tokio::test]
async fn a_topic_switch_pauses_the_workflow_and_offers_to_resume() {
    on_both(true, |h| async move {
        let c = h.customer("kim@example.com", None).await;
        let (r, _) = h.say(c.id, "our instance is down, nobody can log in").await;
        assert_eq!(
            r.plan.workflow.as_ref().unwrap()["name"],
            "report_outage",
            "{}",
            r.content
        );
        let (r, _) = h
            .say(c.id, "wait, first: how do I export a report to Excel?")
            .await;
        assert_ne!(
            r.plan.reply_analysis["decision"], "workflow",
            "{}",
            r.content
        );
        assert!(
            r.content.contains("outage"),
            "offers to come back: {}",
            r.content
        );
        h
    })
    .await;
}

#[tokio::test]
async fn a_retried_action_does_not_run_twice() {
    on_both(true, |h| async move {
        let c = h.customer("pat@example.com", None).await;
        h.say(
            c.id,
            "we have an outage: the login page shows error 500 for everyone",
        )
        .await;
        let (r1, _) = h.say(c.id, "all users").await;
        let number = r1.plan.actions.first().map(|a| a.id);
        // The same request again in the same conversation: same idempotency key, same action.
        h.say(
            c.id,
            "we have an outage: the login page shows error 500 for everyone",
        )
        .await;
        let (r2, _) = h.say(c.id, "all users").await;
        assert_eq!(
            r2.plan.actions.first().map(|a| a.id),
            number,
            "{} / {}",
            r1.content,
            r2.content
        );
        h
    })
    .await;
}

#[tokio::test]
async fn the_engine_reports_its_name_and_window() {
    on_both(false, |h| async move {
        assert_eq!(h.engine.name(), "pipeline");
        assert_eq!(h.engine.history_window(), 20);
        h
    })
    .await;
}

#[tokio::test]
async fn a_watched_answer_is_streamed_and_the_stream_adds_up_to_the_reply() {
    on_both(true, |h| async move {
        let c = h.customer("live@example.com", None).await;
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let sink_seen = seen.clone();
        let sink = concierge_core::engine::DeltaSink(std::sync::Arc::new(move |d| {
            sink_seen.lock().unwrap().push(d);
        }));
        let (r, _) = h
            .say_with(
                c.id,
                "How do I fix INVALID_SESSION_ID errors in our integration?",
                Some(sink),
            )
            .await;
        assert!(!r.plan.citations.is_empty(), "{}", r.content);
        let streamed = seen.lock().unwrap().concat();
        assert!(!streamed.is_empty(), "nothing was streamed");
        assert_eq!(streamed, r.content, "the deltas add up to the stored reply");
        h
    })
    .await;
}
