//! Escalations become Cases: one per conversation however often it is
//! retried, with the Contact (found or created), Account, queue owner,
//! priority and origin; customer context for the rules; faults degrade to
//! the outbox and recover.

use concierge_engine::cases::{CaseError, CaseRequest};
use concierge_sfsim::faults::Fault;

use super::*;

fn request(c: &Conversation, email: &str, queue: &str) -> CaseRequest {
    CaseRequest {
        conversation_id: c.id,
        subject: "Conversation escalated".into(),
        description: "Dashboards stopped refreshing.".into(),
        priority: Priority::Critical,
        queue: Some(queue.into()),
        contact_email: Some(email.into()),
        origin: "Chat".into(),
        details: json!({"title": "Dashboards not refreshing after upgrade",
            "summary": "Hank's dashboards stopped refreshing after the upgrade; he asked for a person.",
            "customer": {"name": "Hank Scorpio", "email": email, "tier": "enterprise"},
            "reason": "customer_requested_human", "last_intent": "reports_dashboards", "confidence": 0.87}),
    }
}

#[tokio::test]
async fn an_escalation_creates_exactly_one_case_with_the_whole_context() {
    let env = env().await;
    let c = env.conversation(Some("hank.scorpio@globex.example")).await;
    let cases = env.sf.case_system();
    let r = request(&c, "hank.scorpio@globex.example", "enterprise");
    let first = cases.upsert_case(env.org, &r).await.unwrap();
    // The turn is retried: still one Case, same number.
    let again = cases.upsert_case(env.org, &r).await.unwrap();
    assert_eq!(first.case_number, again.case_number);
    assert!(first.case_number.len() == 8 && first.case_number.chars().all(|d| d.is_ascii_digit()));

    let rows = env.soql(&format!(
        "SELECT Id, CaseNumber, Subject, Description, Priority, Origin, OwnerId, ContactId, AccountId, SuppliedEmail \
         FROM Case WHERE Concierge_Conversation_Id__c = '{}'", c.id.0));
    assert_eq!(rows.len(), 1, "one Case per conversation");
    let case = &rows[0];
    assert_eq!(case["CaseNumber"], json!(first.case_number));
    assert_eq!(case["Subject"], "Dashboards not refreshing after upgrade");
    assert!(case["Description"]
        .as_str()
        .unwrap()
        .contains("asked for a person"));
    assert!(case["Description"]
        .as_str()
        .unwrap()
        .contains("reports_dashboards"));
    assert_eq!(case["Priority"], "High");
    assert_eq!(case["Origin"], "Chat");
    assert_eq!(case["SuppliedEmail"], "hank.scorpio@globex.example");
    let hank =
        env.soql("SELECT Id, AccountId FROM Contact WHERE Email = 'hank.scorpio@globex.example'");
    assert_eq!(case["ContactId"], hank[0]["Id"]);
    assert_eq!(case["AccountId"], hank[0]["AccountId"]);
    let queue =
        env.soql("SELECT Id FROM Group WHERE Type = 'Queue' AND Name = 'Enterprise Escalations'");
    assert_eq!(case["OwnerId"], queue[0]["Id"]);

    // The conversation knows its Case.
    let stored = env.store().get_conversation(env.org, c.id).await.unwrap();
    assert_eq!(stored.salesforce_case_id.as_deref(), case["Id"].as_str());
    assert_eq!(
        stored.metadata["salesforce"]["case_number"],
        json!(first.case_number)
    );
    assert!(stored.metadata["salesforce"]["case_url"]
        .as_str()
        .unwrap()
        .contains("/lightning/r/Case/"));
}

#[tokio::test]
async fn an_unknown_customer_gets_a_new_contact() {
    let env = env().await;
    let c = env.conversation(Some("new.person@example.org")).await;
    let mut r = request(&c, "new.person@example.org", "billing");
    r.details["customer"]["name"] = json!("Ada Lovelace");
    env.sf.case_system().upsert_case(env.org, &r).await.unwrap();
    let contact = env
        .soql("SELECT Id, FirstName, LastName FROM Contact WHERE Email = 'new.person@example.org'");
    assert_eq!(contact.len(), 1);
    assert_eq!(contact[0]["FirstName"], "Ada");
    assert_eq!(contact[0]["LastName"], "Lovelace");
    let case = env.soql(&format!(
        "SELECT ContactId, Owner.Name FROM Case WHERE Concierge_Conversation_Id__c = '{}'",
        c.id.0
    ));
    assert_eq!(case[0]["ContactId"], contact[0]["Id"]);
    assert_eq!(case[0]["Owner"]["Name"], "Billing");
}

#[tokio::test]
async fn customer_context_reads_tier_account_and_open_cases() {
    let env = env().await;
    let cases = env.sf.case_system();
    let peter = cases
        .customer(env.org, "peter.gibbons@initech.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(peter.tier.as_deref(), Some("premium"));
    assert_eq!(peter.account.as_deref(), Some("Initech"));
    let open = env.soql(
        "SELECT CaseNumber FROM Case WHERE Contact.Email = 'peter.gibbons@initech.example' AND IsClosed = false");
    assert!(
        !open.is_empty(),
        "the demo org seeds an open case for Peter"
    );
    for row in &open {
        assert!(peter
            .open_cases
            .contains(&row["CaseNumber"].as_str().unwrap().to_owned()));
    }
    // Someone Salesforce does not know.
    let nobody = cases
        .customer(env.org, "nobody@nowhere.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(nobody.tier, None);
    assert!(nobody.open_cases.is_empty());
    // case_by_number reads Salesforce.
    let number = open[0]["CaseNumber"].as_str().unwrap();
    let found = cases
        .case_by_number(env.org, number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.case_number, number);
    assert!(cases
        .case_by_number(env.org, "09999999")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn lock_contention_is_retried_and_still_one_case() {
    let env = env().await;
    let c = env.conversation(Some("maria.lopez@globex.example")).await;
    env.sim.faults().inject(Fault::UnableToLockRow { times: 2 });
    let case = env
        .sf
        .case_system()
        .upsert_case(
            env.org,
            &request(&c, "maria.lopez@globex.example", "general_support"),
        )
        .await
        .unwrap();
    let rows = env.soql(&format!(
        "SELECT CaseNumber FROM Case WHERE Concierge_Conversation_Id__c = '{}'",
        c.id.0
    ));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["CaseNumber"], json!(case.case_number));
}

#[tokio::test]
async fn a_rate_limited_org_defers_the_case_to_the_outbox_which_finishes_it() {
    let env = env_with(|s| s.case_timeout_secs = 2).await;
    let c = env.conversation(Some("alice@umbrella.example")).await;
    env.sim
        .faults()
        .inject(Fault::RequestLimitExceeded { times: 1000 });
    let r = request(&c, "alice@umbrella.example", "vip");
    let err = env
        .sf
        .case_system()
        .upsert_case(env.org, &r)
        .await
        .unwrap_err();
    assert!(matches!(err, CaseError::Unavailable(_)), "{err:?}");
    let pending = env
        .store()
        .list_outbox(env.org, OutboxStatus::Pending, 50)
        .await
        .unwrap();
    assert!(pending.iter().any(|e| e.topic == "salesforce.case_upsert"));
    assert!(env
        .soql(&format!(
            "SELECT Id FROM Case WHERE Concierge_Conversation_Id__c = '{}'",
            c.id.0
        ))
        .is_empty());

    // Salesforce recovers; the dispatcher creates the Case (once).
    env.sim.faults().clear();
    env.dispatch().await;
    let rows = env.soql(&format!(
        "SELECT Id FROM Case WHERE Concierge_Conversation_Id__c = '{}'",
        c.id.0
    ));
    assert_eq!(rows.len(), 1);
    let stored = env.store().get_conversation(env.org, c.id).await.unwrap();
    assert_eq!(stored.salesforce_case_id.as_deref(), rows[0]["Id"].as_str());
    assert!(env
        .store()
        .list_outbox(env.org, OutboxStatus::Dead, 50)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_tenant_without_salesforce_keeps_its_own_cases() {
    let env = env().await;
    let other = env
        .store()
        .create_organization(&NewOrganization {
            slug: "local-only".into(),
            name: "Local".into(),
            subscription_tier: SubscriptionTier::Free,
            salesforce_org_id: None,
            widget_key: "pk_test_local_only".into(),
        })
        .await
        .unwrap();
    let c = env
        .store()
        .create_conversation(
            other.id,
            &NewConversation {
                customer_id: None,
                channel: Channel::Web,
                metadata: json!({}),
                context: json!({}),
            },
        )
        .await
        .unwrap();
    let case = env
        .sf
        .case_system()
        .upsert_case(other.id, &request(&c, "x@local.example", "billing"))
        .await
        .unwrap();
    assert_eq!(
        case.case_number, "00001001",
        "numbered by Concierge's own store"
    );
    assert!(env
        .soql(&format!(
            "SELECT Id FROM Case WHERE Concierge_Conversation_Id__c = '{}'",
            c.id.0
        ))
        .is_empty());
}
