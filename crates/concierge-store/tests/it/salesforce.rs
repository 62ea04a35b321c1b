//! What the Salesforce sync keeps: the Case behind a conversation, sync
//! state, tenant settings, and dead letters that admins list and retry.

use concierge_core::*;
use concierge_store::*;
use serde_json::json;

use crate::{on_both, org};

#[tokio::test]
async fn a_conversation_is_found_by_its_salesforce_case_in_its_own_tenant_only() {
    on_both(|db| async move {
        let s = &db.store;
        let (a, b) = (org(s, "sfa").await.id, org(s, "sfb").await.id);
        let new = NewConversation {
            customer_id: None,
            channel: Channel::Web,
            metadata: json!({"customer": {"name": "Jane"}}),
            context: json!({}),
        };
        let c = s.create_conversation(a, &new).await.unwrap();
        assert!(s
            .conversation_by_salesforce_case(a, "500000000000001AAA")
            .await
            .unwrap()
            .is_none());
        let updated = s
            .set_salesforce_case(
                a,
                c.id,
                "500000000000001AAA",
                "00001027",
                Some("https://sf.example/500"),
            )
            .await
            .unwrap();
        assert_eq!(
            updated.salesforce_case_id.as_deref(),
            Some("500000000000001AAA")
        );
        // The metadata keeps what it had and gains the case.
        assert_eq!(updated.metadata["customer"]["name"], "Jane");
        assert_eq!(updated.metadata["salesforce"]["case_number"], "00001027");
        let found = s
            .conversation_by_salesforce_case(a, "500000000000001AAA")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, c.id);
        assert!(s
            .conversation_by_salesforce_case(b, "500000000000001AAA")
            .await
            .unwrap()
            .is_none());
        assert!(matches!(
            s.set_salesforce_case(b, c.id, "x", "1", None).await,
            Err(StoreError::NotFound(_))
        ));
        db
    })
    .await;
}

#[tokio::test]
async fn sync_state_and_tenant_settings_replace_per_tenant() {
    on_both(|db| async move {
        let s = &db.store;
        let (a, b) = (org(s, "ssa").await.id, org(s, "ssb").await.id);
        assert_eq!(
            s.sync_state(a, "pubsub:/data/CaseChangeEvent")
                .await
                .unwrap(),
            None
        );
        s.put_sync_state(a, "pubsub:/data/CaseChangeEvent", "0001")
            .await
            .unwrap();
        s.put_sync_state(a, "pubsub:/data/CaseChangeEvent", "0002")
            .await
            .unwrap();
        assert_eq!(
            s.sync_state(a, "pubsub:/data/CaseChangeEvent")
                .await
                .unwrap()
                .as_deref(),
            Some("0002")
        );
        assert_eq!(
            s.sync_state(b, "pubsub:/data/CaseChangeEvent")
                .await
                .unwrap(),
            None
        );
        assert!(s.put_sync_state(a, "", "x").await.is_err());

        let t = s
            .set_organization_setting(a, "salesforce", &json!({"auth": {"flow": "simulator"}}))
            .await
            .unwrap();
        assert_eq!(t.settings["salesforce"]["auth"]["flow"], "simulator");
        let t = s
            .set_organization_setting(a, "other", &json!(1))
            .await
            .unwrap();
        assert_eq!(
            t.settings["salesforce"]["auth"]["flow"], "simulator",
            "other keys are kept"
        );
        let t = s
            .set_organization_setting(a, "salesforce", &serde_json::Value::Null)
            .await
            .unwrap();
        assert!(t.settings.get("salesforce").is_none());
        assert_eq!(s.get_organization(b).await.unwrap().settings, json!({}));
        let all = s.list_organizations().await.unwrap();
        assert!(all.iter().any(|o| o.id == a) && all.iter().any(|o| o.id == b));
        db
    })
    .await;
}

#[tokio::test]
async fn dead_letters_are_listed_and_retried_by_their_tenant() {
    on_both(|db| async move {
        let s = &db.store;
        let (a, b) = (org(s, "dla").await.id, org(s, "dlb").await.id);
        s.enqueue_outbox(a, "salesforce.case_upsert", &json!({"n": 1}))
            .await
            .unwrap();
        let claimed = s.claim_outbox(10, 60).await.unwrap();
        let ev = claimed
            .iter()
            .find(|e| e.topic == "salesforce.case_upsert")
            .unwrap();
        s.fail_outbox(ev.id, "REQUIRED_FIELD_MISSING: LastName", None)
            .await
            .unwrap();
        let dead = s.list_outbox(a, OutboxStatus::Dead, 10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(
            dead[0].last_error.as_deref(),
            Some("REQUIRED_FIELD_MISSING: LastName")
        );
        assert!(s
            .list_outbox(b, OutboxStatus::Dead, 10)
            .await
            .unwrap()
            .is_empty());
        assert!(
            !s.retry_dead_outbox(b, ev.id).await.unwrap(),
            "another tenant cannot retry it"
        );
        assert!(s.retry_dead_outbox(a, ev.id).await.unwrap());
        assert!(
            !s.retry_dead_outbox(a, ev.id).await.unwrap(),
            "no longer dead"
        );
        let again = s.claim_outbox(10, 60).await.unwrap();
        let back = again.iter().find(|e| e.id == ev.id).unwrap();
        assert_eq!(back.attempts, 1, "attempts start over");
        assert_eq!(back.payload, json!({"n": 1}));
        db
    })
    .await;
}
