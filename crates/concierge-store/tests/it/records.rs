use concierge_core::*;
use concierge_store::*;
use serde_json::json;

use crate::{on_both, org, raw};

#[tokio::test]
async fn the_database_itself_rejects_bad_values_and_audit_edits() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let id = s.append_audit(o.id, &NewAudit {
            actor: "user:1".into(),
            action: "apikey.create".into(),
            target: Some("key:1".into()),
            details: json!({"name": "ci"}),
        })
        .await
        .unwrap();
        let audit = s.list_audit(o.id, 10).await.unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].id, id);

        let err = raw(&db, "UPDATE audit_log SET action = 'forged'").await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        let err = raw(&db, "DELETE FROM audit_log").await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        assert_eq!(s.list_audit(o.id, 10).await.unwrap()[0].action, "apikey.create");

        // CHECK constraints on closed sets, independent of Rust.
        let c = s
            .create_conversation(o.id, &NewConversation {
                customer_id: None, channel: Channel::Web, metadata: json!({}), context: json!({}),
            })
            .await
            .unwrap();
        let hex = c.id.0.simple().to_string();
        let (idv, orgv) = if db.url.starts_with("postgres") {
            (format!("'{}'", c.id.0), format!("'{}'", o.id.0))
        } else {
            (format!("x'{hex}'"), format!("x'{}'", o.id.0.simple()))
        };
        for (column, value) in [("status", "'bogus'"), ("channel", "'fax'")] {
            let err = raw(&db, &format!("UPDATE conversations SET {column} = {value} WHERE id = {idv}"))
                .await
                .unwrap_err();
            assert!(err.to_string().to_lowercase().contains("check"), "{column}: {err}");
        }
        let err = raw(&db, &format!(
            "INSERT INTO messages (id, org_id, conversation_id, sender_type, content, content_type, created_at) \
             VALUES ({idv}, {orgv}, {idv}, 'robot', 'x', 'text', '2026-01-01T00:00:00Z')"))
            .await
            .unwrap_err();
        assert!(err.to_string().to_lowercase().contains("check"), "{err}");
        db
    })
    .await;
}

#[tokio::test]
async fn refresh_tokens_are_single_use_and_families_revoke() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let u = s
            .create_user(
                o.id,
                &NewUser {
                    external_id: None,
                    email: Some("a@acme.example".into()),
                    display_name: None,
                    password_hash: None,
                    role: Role::Agent,
                    customer_tier: None,
                },
            )
            .await
            .unwrap();
        let family = TokenFamilyId::new();
        let t = RefreshToken {
            id: uuid::Uuid::now_v7(),
            org_id: o.id,
            user_id: u.id,
            family_id: family,
            token_hash: vec![7; 32],
            expires_at: now() + chrono::Duration::days(1),
            used_at: None,
            revoked_at: None,
        };
        s.insert_refresh_token(&t).await.unwrap();
        let found = s.refresh_token_by_hash(&[7; 32]).await.unwrap().unwrap();
        assert_eq!(found.family_id, family);
        assert!(s.consume_refresh_token(o.id, t.id, now()).await.unwrap());
        assert!(
            !s.consume_refresh_token(o.id, t.id, now()).await.unwrap(),
            "second use is a replay"
        );
        assert!(!s.token_family_revoked(o.id, family).await.unwrap());
        assert_eq!(s.revoke_token_family(o.id, family).await.unwrap(), 1);
        assert!(s.token_family_revoked(o.id, family).await.unwrap());
        db
    })
    .await;
}

#[tokio::test]
async fn outbox_events_are_claimed_once_per_lease_and_dead_lettered() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let conv = NewConversation {
            customer_id: None,
            channel: Channel::Web,
            metadata: json!({}),
            context: json!({}),
        };
        s.create_conversation(o.id, &conv).await.unwrap();
        s.create_conversation(o.id, &conv).await.unwrap();
        let first = s.claim_outbox(10, 60).await.unwrap();
        assert_eq!(first.len(), 2);
        assert!(first
            .iter()
            .all(|e| e.topic == "conversation.created" && e.attempts == 1));
        assert!(
            s.claim_outbox(10, 60).await.unwrap().is_empty(),
            "leased events are not handed out twice"
        );

        s.complete_outbox(first[0].id).await.unwrap();
        s.fail_outbox(
            first[1].id,
            "webhook said 500",
            Some(now() - chrono::Duration::seconds(1)),
        )
        .await
        .unwrap();
        let retry = s.claim_outbox(10, 60).await.unwrap();
        assert_eq!(retry.len(), 1);
        assert_eq!(retry[0].attempts, 2);
        s.fail_outbox(retry[0].id, "gave up", None).await.unwrap();
        assert_eq!(s.count_outbox(o.id, OutboxStatus::Dead).await.unwrap(), 1);
        assert_eq!(
            s.count_outbox(o.id, OutboxStatus::Delivered).await.unwrap(),
            1
        );
        assert_eq!(
            s.count_outbox(o.id, OutboxStatus::Pending).await.unwrap(),
            0
        );
        db
    })
    .await;
}

#[tokio::test]
async fn escalations_actions_and_knowledge_versions() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let conv = NewConversation {
            customer_id: None,
            channel: Channel::Web,
            metadata: json!({}),
            context: json!({}),
        };
        let c = s.create_conversation(o.id, &conv).await.unwrap();
        let e = s
            .create_escalation(
                o.id,
                &NewEscalation {
                    conversation_id: c.id,
                    reason: "customer asked for a human".into(),
                    priority: Priority::High,
                    queue: "tier2".into(),
                    sla_deadline: Some(now() + chrono::Duration::hours(1)),
                    first_response_deadline: None,
                    tier: None,
                    summary: json!({"title": "needs a human"}),
                },
            )
            .await
            .unwrap();
        assert_eq!(e.priority, Priority::High);
        let c = s.get_conversation(o.id, c.id).await.unwrap();
        assert!(c.escalated);
        assert_eq!(c.status, ConversationStatus::Escalated);
        assert_eq!(c.queue.as_deref(), Some("tier2"));
        assert_eq!(c.priority, Some(Priority::High));
        assert_eq!(e.summary, json!({"title": "needs a human"}));
        assert_eq!(
            c.escalation_reason.as_deref(),
            Some("customer asked for a human")
        );

        let new = NewAction {
            conversation_id: Some(c.id),
            action_type: "password_reset".into(),
            idempotency_key: Some("conv-1:reset".into()),
            parameters: json!({"email": "jane@example.com"}),
        };
        let a1 = s.create_action(o.id, &new).await.unwrap();
        let a2 = s.create_action(o.id, &new).await.unwrap();
        assert_eq!(a1.id, a2.id, "same idempotency key, same action");
        let done = s
            .update_action(
                o.id,
                a1.id,
                ActionStatus::Completed,
                Some(&json!({"sent": true})),
            )
            .await
            .unwrap();
        assert_eq!(done.status, ActionStatus::Completed);
        assert_eq!(done.result, Some(json!({"sent": true})));

        let v1 = s
            .put_knowledge(
                o.id,
                &NewKnowledgeVersion {
                    id: None,
                    title: "Reset your password".into(),
                    body: "Go to Settings.".into(),
                    category: Some("login".into()),
                    tags: vec!["password".into()],
                    language: "en".into(),
                    source_url: None,
                    slug: None,
                    expires_at: None,
                    translation_of: None,
                    content_hash: None,
                },
            )
            .await
            .unwrap();
        let v2 = s
            .put_knowledge(
                o.id,
                &NewKnowledgeVersion {
                    id: Some(v1.id),
                    body: "Go to Settings → Security.".into(),
                    ..NewKnowledgeVersion {
                        id: None,
                        title: "Reset your password".into(),
                        body: String::new(),
                        category: Some("login".into()),
                        tags: vec!["password".into()],
                        language: "en".into(),
                        source_url: None,
                        slug: None,
                        expires_at: None,
                        translation_of: None,
                        content_hash: None,
                    }
                },
            )
            .await
            .unwrap();
        assert_eq!(v2.version, 2);
        let versions = s.knowledge_versions(o.id, v1.id).await.unwrap();
        assert_eq!(
            versions
                .iter()
                .map(|v| (v.version, v.is_current))
                .collect::<Vec<_>>(),
            [(2, true), (1, false)]
        );
        assert_eq!(versions[0].tags, ["password"]);
        db
    })
    .await;
}

#[tokio::test]
async fn instance_settings_keep_the_first_value() {
    on_both(|db| async move {
        let s = &db.store;
        assert_eq!(
            s.instance_setting_or_insert("jwt", "first").await.unwrap(),
            "first"
        );
        assert_eq!(
            s.instance_setting_or_insert("jwt", "second").await.unwrap(),
            "first"
        );
        assert_eq!(s.count_organizations().await.unwrap(), 0);
        let o = org(s, "acme").await;
        assert_eq!(s.count_organizations().await.unwrap(), 1);
        assert_eq!(
            s.organization_by_slug("acme").await.unwrap().unwrap().id,
            o.id
        );
        assert_eq!(
            s.organization_by_widget_key(&o.widget_key)
                .await
                .unwrap()
                .unwrap()
                .id,
            o.id
        );
        assert!(s.organization_by_slug("nope").await.unwrap().is_none());
        let err = s
            .create_organization(&NewOrganization {
                slug: "acme".into(),
                name: "again".into(),
                subscription_tier: SubscriptionTier::Free,
                salesforce_org_id: None,
                widget_key: "pk_other".into(),
            })
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict { field } if field == "slug"),
            "{err:?}"
        );
        db
    })
    .await;
}
