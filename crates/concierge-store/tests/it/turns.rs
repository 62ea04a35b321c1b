//! A turn's effects written with its messages, and the engine's records:
//! queues, SLA breaches, idle conversations, moderation review, cases,
//! tenant rules and analytics facts.

use chrono::Duration;
use concierge_core::*;
use concierge_store::*;
use serde_json::json;

use crate::{on_both, org};

async fn conversation(s: &Store, o: OrgId) -> model::Conversation {
    s.create_conversation(
        o,
        &NewConversation {
            customer_id: None,
            channel: Channel::Web,
            metadata: json!({}),
            context: json!({}),
        },
    )
    .await
    .unwrap()
}

fn knowledge_article(slug: &str) -> NewKnowledgeVersion {
    NewKnowledgeVersion {
        id: None,
        title: format!("Title of {slug}"),
        body: format!("Body of {slug}"),
        category: None,
        tags: vec![],
        language: "en".into(),
        source_url: None,
        slug: Some(slug.to_owned()),
        expires_at: None,
        translation_of: None,
        content_hash: None,
    }
}

fn escalation(
    c: ConversationId,
    queue: &str,
    deadline: Option<chrono::DateTime<chrono::Utc>>,
) -> NewEscalation {
    NewEscalation {
        conversation_id: c,
        reason: "customer_requested_human".into(),
        priority: Priority::High,
        queue: queue.into(),
        sla_deadline: deadline,
        first_response_deadline: deadline,
        tier: Some(CustomerTier::Enterprise),
        summary: json!({"title": "Login fails after MFA reset"}),
    }
}

fn user_and_ai(text: &str) -> Vec<NewMessage> {
    let mut user = NewMessage::text(SenderType::User, None, text);
    user.analysis = json!({"language": "en", "toxicity": 0.9});
    user.moderation = Some("blocked".into());
    let mut ai = NewMessage::text(SenderType::AiAgent, None, "A colleague will help.");
    ai.analysis = json!({"decision": "escalate"});
    vec![user, ai]
}

#[tokio::test]
async fn a_turn_writes_its_messages_and_effects_together() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let c = conversation(s, o.id).await;
        let effects = TurnEffects {
            context: Some(json!({"slots": {"email": "jane@example.com"}})),
            escalation: Some(escalation(
                c.id,
                "billing",
                Some(now() + Duration::hours(4)),
            )),
            flag: Some(NewModerationFlag {
                level: "blocked".into(),
                score: 0.91,
                categories: json!({"insult": 0.9}),
            }),
            events: vec![("engine.decision".into(), json!({"decision": "escalate"}))],
            ..TurnEffects::default()
        };
        let r = s
            .record_turn(o.id, c.id, &user_and_ai("you useless idiots"), &effects)
            .await
            .unwrap();
        assert_eq!(r.messages.len(), 2);
        assert_eq!(r.messages[0].moderation.as_deref(), Some("blocked"));
        assert_eq!(r.messages[1].analysis, json!({"decision": "escalate"}));
        let conv = &r.conversation;
        assert_eq!(conv.status, ConversationStatus::Escalated);
        assert!(conv.escalated);
        assert_eq!(conv.queue.as_deref(), Some("billing"));
        assert_eq!(conv.priority, Some(Priority::High));
        assert_eq!(
            conv.context,
            json!({"slots": {"email": "jane@example.com"}})
        );
        assert!(conv.first_response_at.is_some(), "the AI answered");
        let e = r.escalation.unwrap();
        assert_eq!(e.summary["title"], "Login fails after MFA reset");
        assert_eq!(e.tier.as_deref(), Some("enterprise"));
        assert_eq!(
            s.escalation_for(o.id, c.id).await.unwrap().unwrap().id,
            e.id
        );
        let flags = s.moderation_flags(o.id, Some("pending"), 10).await.unwrap();
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].message_id, r.messages[0].id);
        let reviewed = s
            .review_moderation_flag(o.id, flags[0].id, "reviewed", None, Some("ok"))
            .await
            .unwrap();
        assert_eq!(reviewed.review_status, "reviewed");
        assert!(s
            .moderation_flags(o.id, Some("pending"), 10)
            .await
            .unwrap()
            .is_empty());
        // created + 2 messages + status change + escalation + the caller's event.
        assert_eq!(
            s.count_outbox(o.id, OutboxStatus::Pending).await.unwrap(),
            6
        );
        // A context is kept when a later turn does not replace it.
        let r = s
            .append_messages(
                o.id,
                c.id,
                &[NewMessage::text(SenderType::User, None, "hello?")],
            )
            .await
            .unwrap();
        assert_eq!(r.0.context["slots"]["email"], "jane@example.com");
        db
    })
    .await;
}

#[tokio::test]
async fn an_illegal_status_change_refuses_the_whole_turn() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let c = conversation(s, o.id).await;
        let done = TurnEffects {
            status: Some(ConversationStatus::Resolved),
            resolution: Some("ai".into()),
            ..Default::default()
        };
        let r = s
            .record_turn(
                o.id,
                c.id,
                &[NewMessage::text(
                    SenderType::User,
                    None,
                    "thanks, that fixed it",
                )],
                &done,
            )
            .await
            .unwrap();
        let conv = r.conversation;
        assert_eq!(conv.status, ConversationStatus::Resolved);
        assert_eq!(conv.resolution_type.as_deref(), Some("ai"));
        assert!(conv.resolution_seconds.unwrap() >= 0);
        assert!(conv.ended_at.is_some());
        // Nothing leads back to initialized: nothing is written.
        let bad = TurnEffects {
            status: Some(ConversationStatus::Initialized),
            ..Default::default()
        };
        let err = s
            .record_turn(
                o.id,
                c.id,
                &[NewMessage::text(SenderType::User, None, "lost?")],
                &bad,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidTransition { .. }), "{err}");
        assert_eq!(s.list_messages(o.id, c.id, 10).await.unwrap().len(), 1);
        // Reopening clears the resolution; a resolved conversation may move on
        // through active in one turn (resolved → active → waiting_for_user).
        let reopen = TurnEffects {
            status: Some(ConversationStatus::WaitingForUser),
            ..Default::default()
        };
        let r = s
            .record_turn(
                o.id,
                c.id,
                &[NewMessage::text(SenderType::User, None, "it broke again")],
                &reopen,
            )
            .await
            .unwrap();
        assert_eq!(r.conversation.status, ConversationStatus::WaitingForUser);
        assert_eq!(r.conversation.resolution_type, None);
        assert_eq!(r.conversation.ended_at, None);
        db
    })
    .await;
}

#[tokio::test]
async fn concurrent_turns_with_effects_all_land() {
    on_both(|db| async move {
        let s = db.store.clone();
        let o = org(&s, "acme").await;
        let articles: Vec<KnowledgeId> = s
            .upsert_knowledge(
                o.id,
                &[knowledge_article("reset"), knowledge_article("limits")],
            )
            .await
            .unwrap()
            .into_iter()
            .map(|(id, _, _)| id)
            .collect();
        let mut ids = Vec::new();
        for _ in 0..24 {
            ids.push(conversation(&s, o.id).await.id);
        }
        let mut tasks = Vec::new();
        for (n, id) in ids.iter().copied().enumerate() {
            let s = s.clone();
            // Every reply cites the first article; every third also the second.
            let cited = if n % 3 == 0 {
                articles.clone()
            } else {
                articles[..1].to_vec()
            };
            tasks.push(tokio::spawn(async move {
                let effects = if n % 2 == 0 {
                    TurnEffects {
                        escalation: Some(escalation(id, "general_support", None)),
                        cited,
                        ..Default::default()
                    }
                } else {
                    TurnEffects {
                        context: Some(json!({"n": n})),
                        queue: Some("billing".into()),
                        cited,
                        ..Default::default()
                    }
                };
                s.record_turn(o.id, id, &user_and_ai("hi"), &effects)
                    .await
                    .unwrap()
            }));
        }
        for (n, t) in tasks.into_iter().enumerate() {
            let r = t.await.unwrap();
            if n % 2 == 0 {
                assert!(r.escalation.is_some());
                assert_eq!(r.conversation.status, ConversationStatus::Escalated);
            } else {
                assert!(r.escalation.is_none());
                assert_eq!(r.conversation.context, json!({"n": n}));
                assert_eq!(r.conversation.queue.as_deref(), Some("billing"));
            }
        }
        let counts = s.queue_counts(o.id).await.unwrap();
        assert_eq!(counts.len(), 1);
        assert_eq!(
            (
                counts[0].queue.as_str(),
                counts[0].open,
                counts[0].unassigned
            ),
            ("general_support", 12, 12)
        );
        // The citation counters were written with the turns, whether the
        // writer grouped them or not: 24 citations of the first article, 8
        // of the second.
        let mut usage: Vec<(KnowledgeId, i64)> = s
            .knowledge_usage(o.id)
            .await
            .unwrap()
            .into_iter()
            .map(|u| (u.knowledge_id, u.cited))
            .collect();
        usage.sort_by_key(|(_, cited)| std::cmp::Reverse(*cited));
        assert_eq!(usage, vec![(articles[0], 24), (articles[1], 8)]);
        db
    })
    .await;
}

#[tokio::test]
async fn agents_claim_transfer_and_resolve_and_slas_breach_once() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let agent = s
            .create_user(
                o.id,
                &NewUser {
                    external_id: None,
                    email: Some("agent@acme.test".into()),
                    display_name: Some("Ann".into()),
                    password_hash: None,
                    role: Role::Agent,
                    customer_tier: None,
                },
            )
            .await
            .unwrap();
        let c = conversation(s, o.id).await;
        let deadline = now() + Duration::minutes(30);
        s.record_turn(
            o.id,
            c.id,
            &user_and_ai("human please"),
            &TurnEffects {
                escalation: Some(escalation(c.id, "general_support", Some(deadline))),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let claimed = s.claim_conversation(o.id, c.id, agent.id).await.unwrap();
        assert_eq!(claimed.assignee_id, Some(agent.id));
        let e = s.escalation_for(o.id, c.id).await.unwrap().unwrap();
        assert_eq!(e.assignee_id, Some(agent.id));
        assert!(e.claimed_at.is_some());

        // Nothing is due yet; an hour later the deadline has passed.
        assert!(s.due_escalations(now(), 100).await.unwrap().is_empty());
        let later = now() + Duration::hours(1);
        let due = s.due_escalations(later, 100).await.unwrap();
        assert_eq!(due.len(), 1);
        let b = s
            .mark_breached(o.id, due[0].id, "first_response", Priority::Critical, later)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(b.priority, Priority::Critical);
        assert_eq!(b.breach_kind.as_deref(), Some("first_response"));
        assert!(s
            .mark_breached(o.id, due[0].id, "first_response", Priority::Critical, later)
            .await
            .unwrap()
            .is_none());
        assert!(s.due_escalations(later, 100).await.unwrap().is_empty());
        assert_eq!(
            s.get_conversation(o.id, c.id).await.unwrap().priority,
            Some(Priority::Critical)
        );
        assert!(s
            .list_audit(o.id, 10)
            .await
            .unwrap()
            .iter()
            .any(|a| a.action == "sla.breached"));

        // A human reply is the escalation's first response.
        let mut reply = NewMessage::text(SenderType::HumanAgent, Some(agent.id), "Hi, Ann here.");
        reply.analysis = json!({});
        s.record_turn(
            o.id,
            c.id,
            &[reply],
            &TurnEffects {
                status: Some(ConversationStatus::WaitingForUser),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(s
            .escalation_for(o.id, c.id)
            .await
            .unwrap()
            .unwrap()
            .first_response_at
            .is_some());

        let moved = s
            .transfer_conversation(o.id, c.id, "billing", None)
            .await
            .unwrap();
        assert_eq!(
            (moved.queue.as_deref(), moved.assignee_id),
            (Some("billing"), None)
        );
        assert_eq!(
            s.escalation_for(o.id, c.id).await.unwrap().unwrap().queue,
            "billing"
        );

        let done = s
            .resolve_conversation(o.id, c.id, "human", Some("reset the MFA device"))
            .await
            .unwrap();
        assert_eq!(done.status, ConversationStatus::Resolved);
        assert_eq!(done.resolution_type.as_deref(), Some("human"));
        assert!(s
            .escalation_for(o.id, c.id)
            .await
            .unwrap()
            .unwrap()
            .resolved_at
            .is_some());
        assert!(s.open_escalations(o.id, None, 10).await.unwrap().is_empty());
        let err = s.resolve_conversation(o.id, c.id, "human", None).await;
        assert!(err.is_ok(), "resolving twice is idempotent: {err:?}");
        let rated = s
            .set_csat(o.id, c.id, 5, Some("quick and kind"))
            .await
            .unwrap();
        assert_eq!(
            (rated.satisfaction, rated.csat_comment.as_deref()),
            (Some(5), Some("quick and kind"))
        );
        assert!(matches!(
            s.set_csat(o.id, c.id, 6, None).await,
            Err(StoreError::Invalid(_))
        ));
        db
    })
    .await;
}

#[tokio::test]
async fn idle_conversations_are_abandoned_once() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let c = conversation(s, o.id).await;
        s.append_messages(
            o.id,
            c.id,
            &[NewMessage::text(SenderType::User, None, "hi")],
        )
        .await
        .unwrap();
        assert!(s
            .idle_conversations(now() - Duration::hours(24), 10)
            .await
            .unwrap()
            .is_empty());
        let cutoff = now() + Duration::seconds(1);
        let idle = s.idle_conversations(cutoff, 10).await.unwrap();
        assert_eq!(idle, vec![(o.id, c.id)]);
        assert!(s
            .abandon_conversation(o.id, c.id, cutoff, now())
            .await
            .unwrap());
        assert!(!s
            .abandon_conversation(o.id, c.id, cutoff, now())
            .await
            .unwrap());
        let c = s.get_conversation(o.id, c.id).await.unwrap();
        assert_eq!(c.status, ConversationStatus::Abandoned);
        assert_eq!(c.resolution_type.as_deref(), Some("abandoned"));
        db
    })
    .await;
}

#[tokio::test]
async fn cases_are_numbered_per_tenant_and_idempotent() {
    on_both(|db| async move {
        let s = &db.store;
        let a = org(s, "acme").await;
        let b = org(s, "globex").await;
        let c = conversation(s, a.id).await;
        let new = |key: &str| NewCase {
            conversation_id: Some(c.id),
            subject: "Login fails".into(),
            description: "MFA".into(),
            status: "New".into(),
            priority: Priority::High,
            origin: "Chat".into(),
            queue: Some("general_support".into()),
            contact_email: Some("jane@example.com".into()),
            external_id: Some(key.into()),
            details: json!({}),
        };
        let (one, how) = s.upsert_case(a.id, &new("conv-1")).await.unwrap();
        assert_eq!(
            (one.case_number.as_str(), how),
            ("00001001", CaseOutcome::Created)
        );
        let (again, how) = s.upsert_case(a.id, &new("conv-1")).await.unwrap();
        assert_eq!((again.id, how), (one.id, CaseOutcome::Updated));
        let (two, _) = s.upsert_case(a.id, &new("conv-2")).await.unwrap();
        assert_eq!(two.case_number, "00001002");
        let (other, _) = s.upsert_case(b.id, &new("conv-1")).await.unwrap();
        assert_eq!(other.case_number, "00001001");
        assert_eq!(
            s.case_by_number(a.id, "00001002")
                .await
                .unwrap()
                .unwrap()
                .id,
            two.id
        );
        assert!(
            s.case_by_number(b.id, "00001002").await.unwrap().is_none(),
            "other tenants' cases are invisible"
        );
        assert_eq!(
            s.cases_for_contact(a.id, "jane@example.com", true)
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            s.get_conversation(a.id, c.id)
                .await
                .unwrap()
                .salesforce_case_id
                .as_deref(),
            Some("00001001")
        );
        db
    })
    .await;
}

#[tokio::test]
async fn rules_are_versioned_and_analytics_reads_facts() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        assert!(s.tenant_rules(o.id).await.unwrap().is_none());
        assert_eq!(
            s.put_tenant_rules(o.id, "version: 1\nrules: []\n", "yaml", "user:1")
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            s.put_tenant_rules(o.id, "{\"version\":1,\"rules\":[]}", "json", "user:1")
                .await
                .unwrap(),
            2
        );
        let r = s.tenant_rules(o.id).await.unwrap().unwrap();
        assert_eq!((r.version, r.format.as_str()), (2, "json"));

        let c = conversation(s, o.id).await;
        let mut user = NewMessage::text(SenderType::User, None, "reset my password");
        user.intent = Some("password_reset".into());
        let mut ai = NewMessage::text(SenderType::AiAgent, None, "Sent.");
        ai.analysis = json!({"decision": "workflow"});
        ai.intent_confidence = Some(0.8);
        s.record_turn(
            o.id,
            c.id,
            &[user, ai],
            &TurnEffects {
                status: Some(ConversationStatus::Resolved),
                resolution: Some("ai".into()),
                context: Some(json!({"reopens": 1})),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let from = now() - Duration::hours(1);
        let to = now() + Duration::hours(1);
        let facts = s
            .conversation_facts(o.id, from, to, None, 1000)
            .await
            .unwrap();
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].resolution_type.as_deref(), Some("ai"));
        assert_eq!(facts[0].reopens, 1);
        assert!(facts[0].first_response_at.is_some());
        assert!(s
            .conversation_facts(o.id, from, to, Some("email"), 1000)
            .await
            .unwrap()
            .is_empty());
        let (intents, decisions) = s.message_counts(o.id, from, to, None).await.unwrap();
        assert_eq!(
            intents,
            vec![NamedCount {
                name: Some("password_reset".into()),
                count: 1
            }]
        );
        assert_eq!(
            decisions,
            vec![NamedCount {
                name: Some("workflow".into()),
                count: 1
            }]
        );
        db
    })
    .await;
}
