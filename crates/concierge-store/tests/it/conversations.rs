use concierge_core::*;
use concierge_store::*;
use serde_json::json;

use crate::{on_both, org};

fn new_conv(channel: Channel) -> NewConversation {
    NewConversation {
        customer_id: None,
        channel,
        metadata: json!({"source": "test"}),
        context: json!({}),
    }
}

#[tokio::test]
async fn messages_update_counters_status_and_outbox_in_one_transaction() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let c = s
            .create_conversation(o.id, &new_conv(Channel::Web))
            .await
            .unwrap();
        assert_eq!(c.status, ConversationStatus::Initialized);
        assert_eq!(c.metadata, json!({"source": "test"}));

        let mut user = NewMessage::text(SenderType::User, None, "my login fails");
        user.sentiment = Some(-0.4);
        let mut ai = NewMessage::text(SenderType::AiAgent, None, "let's reset it");
        ai.intent = Some("password_reset".into());
        ai.intent_confidence = Some(0.9);
        let (c2, stored) = s.append_messages(o.id, c.id, &[user, ai]).await.unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!(c2.status, ConversationStatus::Active);
        assert_eq!(
            (c2.message_count, c2.user_message_count, c2.ai_message_count),
            (2, 1, 1)
        );
        assert_eq!(c2.sentiment, Some(-0.4));

        let mut ai2 = NewMessage::text(SenderType::AiAgent, None, "done");
        ai2.intent_confidence = Some(0.5);
        let (c3, _) = s.append_messages(o.id, c.id, &[ai2]).await.unwrap();
        assert!((c3.ai_confidence_avg.unwrap() - 0.7).abs() < 1e-9);
        assert_eq!(c3.ai_confidence_min, Some(0.5));

        let msgs = s.list_messages(o.id, c.id, 100).await.unwrap();
        let texts: Vec<_> = msgs.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(texts, ["my login fails", "let's reset it", "done"]);
        assert_eq!(msgs[1].intent.as_deref(), Some("password_reset"));
        assert_eq!(
            s.list_messages(o.id, c.id, 1).await.unwrap()[0].content,
            "done"
        );
        // The engine's history: the last two, oldest first, sender and text only.
        assert_eq!(
            s.list_history(o.id, c.id, 2).await.unwrap(),
            [
                (SenderType::AiAgent, "let's reset it".to_owned()),
                (SenderType::AiAgent, "done".to_owned())
            ]
        );
        // … and the same with the conversation, in one read.
        let (with, history) = s.conversation_with_history(o.id, c.id, 2).await.unwrap();
        assert_eq!(with, s.get_conversation(o.id, c.id).await.unwrap());
        assert_eq!(history, s.list_history(o.id, c.id, 2).await.unwrap());
        let (_, all) = s.conversation_with_history(o.id, c.id, 50).await.unwrap();
        let all: Vec<_> = all.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(all, ["my login fails", "let's reset it", "done"]);
        assert!(s
            .conversation_with_history(o.id, c.id, 0)
            .await
            .unwrap()
            .1
            .is_empty());
        let empty = s
            .create_conversation(o.id, &new_conv(Channel::Api))
            .await
            .unwrap();
        let (fresh, none) = s
            .conversation_with_history(o.id, empty.id, 10)
            .await
            .unwrap();
        assert_eq!((fresh.id, none.len()), (empty.id, 0));

        // 2 × conversation.created + 3 × message.created + the status change
        // (initialized → active) are waiting for delivery.
        assert_eq!(
            s.count_outbox(o.id, OutboxStatus::Pending).await.unwrap(),
            6
        );
        db
    })
    .await;
}

#[tokio::test]
async fn status_machine_is_enforced_by_the_store() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let c = s
            .create_conversation(o.id, &new_conv(Channel::Api))
            .await
            .unwrap();
        let err = s
            .set_conversation_status(o.id, c.id, ConversationStatus::Resolved)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidTransition { .. }),
            "{err:?}"
        );
        s.set_conversation_status(o.id, c.id, ConversationStatus::Active)
            .await
            .unwrap();
        let r = s
            .set_conversation_status(o.id, c.id, ConversationStatus::Resolved)
            .await
            .unwrap();
        assert!(r.ended_at.is_some());
        s.set_conversation_status(o.id, c.id, ConversationStatus::Archived)
            .await
            .unwrap();
        let err = s
            .append_messages(
                o.id,
                c.id,
                &[NewMessage::text(SenderType::User, None, "hello?")],
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidTransition { .. }),
            "{err:?}"
        );
        // Nothing was stored by the refused append.
        assert!(s.list_messages(o.id, c.id, 10).await.unwrap().is_empty());
        db
    })
    .await;
}

#[tokio::test]
async fn listing_pages_with_a_cursor_and_filters() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let mut ids = Vec::new();
        for i in 0..25 {
            let ch = if i % 5 == 0 {
                Channel::Email
            } else {
                Channel::Web
            };
            ids.push(s.create_conversation(o.id, &new_conv(ch)).await.unwrap().id);
        }
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = s
                .list_conversations(o.id, &ConversationFilter::default(), after, 10)
                .await
                .unwrap();
            assert!(page.items.len() <= 10);
            seen.extend(page.items.iter().map(|c| c.id));
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        ids.reverse();
        assert_eq!(seen, ids, "every conversation once, newest first");

        let email = ConversationFilter {
            channel: Some(Channel::Email),
            ..Default::default()
        };
        let page = s.list_conversations(o.id, &email, None, 100).await.unwrap();
        assert_eq!(page.items.len(), 5);
        assert!(page.items.iter().all(|c| c.channel == Channel::Email));
        assert!(page.next.is_none());

        s.set_conversation_status(o.id, ids[0], ConversationStatus::Active)
            .await
            .unwrap();
        let active = ConversationFilter {
            status: Some(ConversationStatus::Active),
            ..Default::default()
        };
        let page = s
            .list_conversations(o.id, &active, None, 100)
            .await
            .unwrap();
        assert_eq!(
            page.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![ids[0]]
        );

        let future = ConversationFilter {
            from: Some(now() + chrono::Duration::hours(1)),
            ..Default::default()
        };
        assert!(s
            .list_conversations(o.id, &future, None, 100)
            .await
            .unwrap()
            .items
            .is_empty());
        let past = ConversationFilter {
            to: Some(now() + chrono::Duration::hours(1)),
            ..Default::default()
        };
        assert_eq!(
            s.list_conversations(o.id, &past, None, 100)
                .await
                .unwrap()
                .items
                .len(),
            25
        );
        db
    })
    .await;
}

#[tokio::test]
async fn customers_are_upserted_by_external_id() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let a = s
            .upsert_customer(o.id, "visitor-1", Some("v@example.com"))
            .await
            .unwrap();
        let b = s.upsert_customer(o.id, "visitor-1", None).await.unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(a.role, Role::Customer);
        let c = s
            .create_conversation(
                o.id,
                &NewConversation {
                    customer_id: Some(a.id),
                    ..new_conv(Channel::Web)
                },
            )
            .await
            .unwrap();
        s.create_conversation(o.id, &new_conv(Channel::Web))
            .await
            .unwrap();
        let mine = ConversationFilter {
            customer_id: Some(a.id),
            ..Default::default()
        };
        let page = s.list_conversations(o.id, &mine, None, 50).await.unwrap();
        assert_eq!(
            page.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![c.id]
        );
        db
    })
    .await;
}
