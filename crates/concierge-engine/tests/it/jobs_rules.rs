//! Background jobs against the engine's clock, and rules changed at run time.

use chrono::Duration;
use concierge_core::*;

use crate::on_both;

#[tokio::test]
async fn an_unanswered_escalation_breaches_its_sla_once_and_is_raised() {
    on_both(true, |h| async move {
        let c = h.customer("vip@example.com", Some(CustomerTier::Vip)).await;
        let (r, _) = h.say(c.id, "I need to speak to a human agent now").await;
        let e = r.plan.escalation.as_ref().unwrap();
        assert_eq!(e.priority, Priority::High);
        assert_eq!(
            h.engine.run_sla_job(h.engine.now()).await.unwrap(),
            0,
            "not yet due"
        );
        h.advance(Duration::hours(2));
        assert_eq!(h.engine.run_sla_job(h.engine.now()).await.unwrap(), 1);
        assert_eq!(
            h.engine.run_sla_job(h.engine.now()).await.unwrap(),
            0,
            "recorded once"
        );
        let esc =
            h.db.store
                .escalation_for(h.org, c.id)
                .await
                .unwrap()
                .unwrap();
        assert_eq!(esc.breach_kind.as_deref(), Some("first_response"));
        assert_eq!(esc.priority, Priority::Critical);
        h
    })
    .await;
}

#[tokio::test]
async fn idle_conversations_are_abandoned_after_a_day() {
    on_both(false, |h| async move {
        let c = h.customer("idle@example.com", None).await;
        h.say(c.id, "hello").await;
        assert_eq!(
            h.engine
                .run_abandon_job(h.engine.now() + Duration::hours(23))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            h.engine
                .run_abandon_job(h.engine.now() + Duration::hours(25))
                .await
                .unwrap(),
            1
        );
        let c = h.db.store.get_conversation(h.org, c.id).await.unwrap();
        assert_eq!(c.status, ConversationStatus::Abandoned);
        h
    })
    .await;
}

#[tokio::test]
async fn rules_changed_at_run_time_apply_at_once_and_bad_ones_name_rule_and_field() {
    on_both(false, |h| async move {
        let bad = "version: 1\nrules:\n  - id: vip_words\n    name: x\n    kind: escalation\n    priority: 10\n    when: { confidence: { lt: 1.5 } }\n    then: [ { escalate: { reason: r } } ]\n";
        let err = h.engine.put_rules(h.org, bad, "yaml", "test").await.unwrap_err().to_string();
        assert!(err.contains("vip_words") && err.contains("confidence"), "{err}");
        let unknown = bad.replace("confidence: { lt: 1.5 }", "intent: [no_such_intent]");
        let err = h.engine.put_rules(h.org, &unknown, "yaml", "test").await.unwrap_err().to_string();
        assert!(err.contains("no_such_intent"), "{err}");

        let c = h.customer("fruit@example.com", None).await;
        let (r, _) = h.say(c.id, "my banana integration is broken").await;
        assert!(r.plan.escalation.is_none());
        let good = "version: 1\nrules:\n  - id: banana\n    name: Banana escalations\n    kind: escalation\n    priority: 10\n    when: { keywords: [banana] }\n    then: [ { escalate: { queue: fruit_desk, priority: low, reason: banana_mentioned } } ]\n";
        let (version, set) = h.engine.put_rules(h.org, good, "yaml", "test").await.unwrap();
        assert_eq!((version, set.len()), (1, 1));
        let (r, rec) = h.say(c.id, "the banana sync fails again").await;
        let e = r.plan.escalation.as_ref().expect("the new rule applies without a restart");
        assert_eq!((e.queue.as_str(), e.reason.as_str(), e.priority), ("fruit_desk", "banana_mentioned", Priority::Low));
        assert_eq!(rec.conversation.queue.as_deref(), Some("fruit_desk"));
        h
    })
    .await;
}
