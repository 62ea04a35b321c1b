//! Cross-tenant reads and writes are impossible: by the repository filter on
//! both backends, and on PostgreSQL also by row-level security under
//! hand-written SQL.

use concierge_core::*;
use concierge_store::*;
use serde_json::json;

use crate::{on_both, org};

#[tokio::test]
async fn a_tenant_cannot_read_or_write_another_tenants_conversation() {
    on_both(|db| async move {
        let s = &db.store;
        let a = org(s, "alpha").await;
        let b = org(s, "beta").await;
        let conv = NewConversation {
            customer_id: None,
            channel: Channel::Web,
            metadata: json!({}),
            context: json!({}),
        };
        let cb = s.create_conversation(b.id, &conv).await.unwrap();
        s.append_messages(
            b.id,
            cb.id,
            &[NewMessage::text(SenderType::User, None, "secret of beta")],
        )
        .await
        .unwrap();

        assert!(matches!(
            s.get_conversation(a.id, cb.id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(s.list_messages(a.id, cb.id, 10).await.unwrap().is_empty());
        assert!(s.list_history(a.id, cb.id, 10).await.unwrap().is_empty());
        assert!(matches!(
            s.conversation_with_history(a.id, cb.id, 10).await,
            Err(StoreError::NotFound(_))
        ));
        let page = s
            .list_conversations(a.id, &ConversationFilter::default(), None, 100)
            .await
            .unwrap();
        assert!(page.items.is_empty());
        let err = s
            .append_messages(
                a.id,
                cb.id,
                &[NewMessage::text(SenderType::User, None, "intrusion")],
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)));
        let err = s
            .set_conversation_status(a.id, cb.id, ConversationStatus::Active)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)));
        // beta's data is untouched.
        assert_eq!(s.list_messages(b.id, cb.id, 10).await.unwrap().len(), 1);
        assert_eq!(s.list_history(b.id, cb.id, 10).await.unwrap().len(), 1);
        assert_eq!(
            s.conversation_with_history(b.id, cb.id, 10)
                .await
                .unwrap()
                .1
                .len(),
            1
        );
        assert_eq!(
            s.get_conversation(b.id, cb.id).await.unwrap().status,
            ConversationStatus::Active
        );
        db
    })
    .await;
}

#[tokio::test]
async fn users_and_keys_are_scoped_to_their_tenant() {
    on_both(|db| async move {
        let s = &db.store;
        let a = org(s, "alpha").await;
        let b = org(s, "beta").await;
        let staff = |email: &str| NewUser {
            external_id: None,
            email: Some(email.to_owned()),
            display_name: None,
            password_hash: Some("$argon2id$placeholder".into()),
            role: Role::Admin,
            customer_tier: None,
        };
        let ub = s
            .create_user(b.id, &staff("boss@beta.example"))
            .await
            .unwrap();
        // The same email may exist in two tenants, but not twice in one.
        s.create_user(a.id, &staff("boss@beta.example"))
            .await
            .unwrap();
        let err = s
            .create_user(b.id, &staff("boss@beta.example"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict { field } if field == "email"),
            "{err:?}"
        );

        assert!(matches!(
            s.get_user(a.id, ub.id).await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(
            s.user_credentials(b.id, "boss@beta.example")
                .await
                .unwrap()
                .unwrap()
                .user
                .id,
            ub.id
        );
        let mut tenants = s
            .staff_tenants_for_email("boss@beta.example")
            .await
            .unwrap();
        tenants.sort();
        let mut want = vec![a.id, b.id];
        want.sort();
        assert_eq!(tenants, want);

        let key = s
            .create_api_key(
                b.id,
                &NewApiKey {
                    name: "ci".into(),
                    prefix: "ck_beta1234".into(),
                    key_hash: vec![1; 32],
                    role: Role::Service,
                    created_by: Some(ub.id),
                },
            )
            .await
            .unwrap();
        assert!(matches!(
            s.revoke_api_key(a.id, key.id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(s.list_api_keys(a.id).await.unwrap().is_empty());
        assert!(s
            .api_key_by_prefix("ck_beta1234")
            .await
            .unwrap()
            .unwrap()
            .key
            .revoked_at
            .is_none());
        db
    })
    .await;
}

/// PostgreSQL only: row-level security hides other tenants from any query
/// run in a tenant transaction, and refuses writes into another tenant.
#[tokio::test]
async fn row_level_security_hides_other_tenants_from_hand_written_sql() {
    let Some(url) = concierge_store::testing::postgres_admin_url().await else {
        eprintln!("PostgreSQL not reachable: skipped");
        return;
    };
    let db = concierge_store::testing::TestDb::postgres(&url)
        .await
        .unwrap();
    let s = &db.store;
    let a = org(s, "alpha").await;
    let b = org(s, "beta").await;
    let conv = NewConversation {
        customer_id: None,
        channel: Channel::Web,
        metadata: json!({}),
        context: json!({}),
    };
    for _ in 0..3 {
        let c = s.create_conversation(b.id, &conv).await.unwrap();
        s.append_messages(
            b.id,
            c.id,
            &[NewMessage::text(SenderType::User, None, "beta only")],
        )
        .await
        .unwrap();
    }
    s.create_conversation(a.id, &conv).await.unwrap();

    let pg = s.as_postgres().unwrap();
    let mut tx = pg.tenant_tx(a.id).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 1, "alpha sees only its own conversation");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE org_id = $1")
        .bind(b.id.0)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0, "even naming beta's id explicitly finds nothing");
    let updated = sqlx::query("UPDATE conversations SET escalated = true")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 1);
    tx.rollback().await.unwrap();

    let mut tx = pg.tenant_tx(a.id).await.unwrap();
    let err = sqlx::query(
        "INSERT INTO conversations (id, org_id, channel, status, started_at, last_activity_at) \
         VALUES (gen_random_uuid(), $1, 'web', 'active', now(), now())",
    )
    .bind(b.id.0)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);

    // The tenant setting does not outlive its transaction on the pooled connection.
    let mut tx = pg.tenant_tx(b.id).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM conversations")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 3);
    tx.commit().await.unwrap();
    db.destroy().await;
}
