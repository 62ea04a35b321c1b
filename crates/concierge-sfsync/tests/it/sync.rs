//! Our changes → Salesforce through the outbox: the transcript as comments
//! (once, whatever the redeliveries), status and priority, the conflict
//! rule, and dead letters.

use concierge_sfsync::outbound::stamp_key;
use concierge_sfsync::transcript::part_of;

use super::*;

async fn escalated_with_case(env: &Env) -> (Conversation, String) {
    let c = env.conversation(Some("gavin@hooli.example")).await;
    env.escalate(
        &c,
        json!({"title": "Dashboards broken", "summary": "Gavin needs a person."}),
    )
    .await;
    env.dispatch().await;
    let c = env.store().get_conversation(env.org, c.id).await.unwrap();
    let case = c
        .salesforce_case_id
        .clone()
        .expect("the escalated event created the Case");
    (c, case)
}

fn comments(env: &Env, case: &str) -> Vec<String> {
    env.soql(&format!(
        "SELECT CommentBody FROM CaseComment WHERE ParentId = '{case}'"
    ))
    .iter()
    .map(|r| r["CommentBody"].as_str().unwrap().to_owned())
    .collect()
}

#[tokio::test]
async fn the_transcript_reaches_the_case_once() {
    let env = env().await;
    let (c, case) = escalated_with_case(&env).await;
    let bodies = comments(&env, &case);
    let conv = c.id.0.to_string();
    let parts: Vec<usize> = bodies.iter().filter_map(|b| part_of(b, &conv)).collect();
    assert_eq!(parts, vec![1], "one transcript comment: {bodies:?}");
    let t = bodies.iter().find(|b| part_of(b, &conv).is_some()).unwrap();
    assert!(t.contains("Customer: My dashboards stopped refreshing"));
    assert!(t.contains("Concierge (AI): Let me check"));

    // The escalated event is delivered again (a node died before completing it).
    let payload = json!({"conversation_id": c.id});
    env.store()
        .enqueue_outbox(env.org, "conversation.escalated", &payload)
        .await
        .unwrap();
    env.dispatch().await;
    assert_eq!(
        comments(&env, &case).len(),
        bodies.len(),
        "no duplicate comments"
    );

    // A customer message after the escalation follows as its own comment, once.
    env.store()
        .append_messages(
            env.org,
            c.id,
            &[NewMessage::text(
                SenderType::User,
                None,
                "Any news? Still broken.",
            )],
        )
        .await
        .unwrap();
    env.dispatch().await;
    let after = comments(&env, &case);
    assert_eq!(
        after
            .iter()
            .filter(|b| b.contains("Customer: Any news? Still broken."))
            .count(),
        1
    );
}

#[tokio::test]
async fn resolution_closes_the_case_and_breaches_raise_its_priority() {
    let env = env().await;
    let (c, case) = escalated_with_case(&env).await;
    let status = |env: &Env| {
        env.soql(&format!(
            "SELECT Status, Priority, IsEscalated FROM Case WHERE Id = '{case}'"
        ))[0]
            .clone()
    };
    assert_eq!(
        status(&env)["Status"],
        "New",
        "a new Case waits in its queue"
    );

    let payload = json!({"conversation_id": c.id, "escalation_id": "x", "kind": "first_response",
        "queue": "enterprise", "priority": "critical"});
    env.store()
        .enqueue_outbox(env.org, "sla.breached", &payload)
        .await
        .unwrap();
    env.dispatch().await;
    assert_eq!(status(&env)["IsEscalated"], true);
    assert_eq!(status(&env)["Priority"], "High");

    env.store()
        .resolve_conversation(env.org, c.id, "human", Some("fixed"))
        .await
        .unwrap();
    env.dispatch().await;
    assert_eq!(status(&env)["Status"], "Closed");
}

#[tokio::test]
async fn a_newer_change_in_salesforce_wins_and_the_losing_write_is_recorded() {
    let env = env().await;
    let (c, case) = escalated_with_case(&env).await;
    // An agent reopened work on the Case in Salesforce *after* our change below is made.
    env.sim
        .db()
        .update(
            &env.as_agent(),
            "Case",
            &case,
            serde_json::from_value(json!({"Status": "Working"})).unwrap(),
        )
        .unwrap();
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    env.store()
        .put_sync_state(
            env.org,
            &stamp_key("sf", &case, "Status"),
            &later.timestamp_millis().to_string(),
        )
        .await
        .unwrap();
    env.store()
        .resolve_conversation(env.org, c.id, "human", None)
        .await
        .unwrap();
    env.dispatch().await;
    let row = &env.soql(&format!("SELECT Status FROM Case WHERE Id = '{case}'"))[0];
    assert_eq!(row["Status"], "Working", "Salesforce's newer write stands");
    let audit = env.store().list_audit(env.org, 50).await.unwrap();
    let conflict = audit
        .iter()
        .find(|a| a.action == "salesforce.sync_conflict")
        .expect("recorded");
    assert_eq!(conflict.details["field"], "Status");
    assert_eq!(conflict.details["winner"], "salesforce");
    assert_eq!(conflict.details["lost_value"], "Closed");
}

#[tokio::test]
async fn a_refused_event_is_dead_lettered_with_its_error_and_can_be_retried() {
    let env = env_with(|s| s.max_attempts = 2).await;
    // A request Salesforce refuses whatever we do: a queue-less request whose
    // subject is missing is malformed.
    env.store()
        .enqueue_outbox(env.org, "salesforce.case_upsert", &json!({"subject": 1}))
        .await
        .unwrap();
    env.dispatch().await;
    let dead = env
        .store()
        .list_outbox(env.org, OutboxStatus::Dead, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].topic, "salesforce.case_upsert");
    assert!(dead[0].last_error.as_deref().unwrap().contains("malformed"));
    assert!(env
        .store()
        .retry_dead_outbox(env.org, dead[0].id)
        .await
        .unwrap());
    env.dispatch().await;
    assert_eq!(
        env.store()
            .list_outbox(env.org, OutboxStatus::Dead, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_dead_letter_after_the_last_attempt_when_salesforce_stays_down() {
    let env = env_with(|s| s.max_attempts = 1).await;
    let c = env.conversation(Some("richard@hooli.example")).await;
    env.escalate(&c, json!({"title": "Outage"})).await;
    env.sim
        .faults()
        .inject(concierge_sfsim::faults::Fault::ServiceUnavailable { times: 10_000 });
    env.dispatch().await;
    let dead = env
        .store()
        .list_outbox(env.org, OutboxStatus::Dead, 10)
        .await
        .unwrap();
    assert!(
        dead.iter().any(|e| e.topic == "conversation.escalated"),
        "{dead:?}"
    );
    env.sim.faults().clear();
}

#[tokio::test]
async fn an_email_change_reaches_the_contact() {
    let env = env().await;
    let payload = json!({"conversation_id": uuid::Uuid::now_v7(), "old_email": "joanna.smith@initech.example",
        "new_email": "joanna@initech.example"});
    env.store()
        .enqueue_outbox(env.org, "contact.email_change_requested", &payload)
        .await
        .unwrap();
    env.dispatch().await;
    assert!(env
        .soql("SELECT Id FROM Contact WHERE Email = 'joanna.smith@initech.example'")
        .is_empty());
    let moved = env.soql("SELECT LastName FROM Contact WHERE Email = 'joanna@initech.example'");
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["LastName"], "Smith");
    assert!(env
        .store()
        .list_outbox(env.org, OutboxStatus::Dead, 10)
        .await
        .unwrap()
        .is_empty());
}

/// A customer's own Salesforce user, created in the org and locked out.
fn locked_user(env: &Env, username: &str, email: &str) -> String {
    let db = env.sim.db();
    let mut user = concierge_sfsim::db::Record::new();
    user.insert("Username".into(), json!(username));
    user.insert("LastName".into(), json!("Customer"));
    user.insert("Email".into(), json!(email));
    let user_id = db.create(&env.as_agent(), "User", user).unwrap();
    let login = env.soql(&format!(
        "SELECT Id, IsPasswordLocked FROM UserLogin WHERE UserId = '{user_id}'"
    ));
    assert_eq!(login.len(), 1, "every user has its UserLogin");
    assert_eq!(login[0]["IsPasswordLocked"], false);
    let login_id = login[0]["Id"].as_str().unwrap().to_owned();
    let mut lock = concierge_sfsim::db::Record::new();
    lock.insert("IsPasswordLocked".into(), json!(true));
    db.update(&env.as_agent(), "UserLogin", &login_id, lock)
        .unwrap();
    user_id
}

fn is_locked(env: &Env, user_id: &str) -> bool {
    env.soql(&format!(
        "SELECT IsPasswordLocked FROM UserLogin WHERE UserId = '{user_id}'"
    ))[0]["IsPasswordLocked"]
        == true
}

#[tokio::test]
async fn an_unlock_request_unlocks_the_customers_own_user_only() {
    let env = env().await;
    let mine = locked_user(
        &env,
        "peter@initech.example.sandbox",
        "peter@initech.example",
    );
    let theirs = locked_user(&env, "bill@initech.example.sandbox", "bill@initech.example");
    let request = |username: &str, email: Option<&str>| json!({"conversation_id": uuid::Uuid::now_v7(), "username": username, "email": email});
    for payload in [
        // Peter asks for his own user (the email on record matches, in any case).
        request(
            "peter@initech.example.sandbox",
            Some("Peter@Initech.example"),
        ),
        // Peter asks for Bill's: refused, nothing changes.
        request(
            "bill@initech.example.sandbox",
            Some("peter@initech.example"),
        ),
        // An unverified customer, and a username that does not exist.
        request("bill@initech.example.sandbox", None),
        request("nobody@initech.example", Some("peter@initech.example")),
    ] {
        env.store()
            .enqueue_outbox(env.org, "identity.unlock_requested", &payload)
            .await
            .unwrap();
    }
    env.dispatch().await;
    assert!(
        !is_locked(&env, &mine),
        "the customer's own user is unlocked"
    );
    assert!(
        is_locked(&env, &theirs),
        "another person's user stays locked"
    );

    let audit = env.store().list_audit(env.org, 50).await.unwrap();
    let actions: Vec<(&str, Option<&str>)> = audit
        .iter()
        .filter(|a| a.action.contains("unlock"))
        .map(|a| (a.action.as_str(), a.target.as_deref()))
        .collect();
    assert!(
        actions.contains(&(
            "salesforce.user_unlocked",
            Some("salesforce-user:peter@initech.example.sandbox")
        )),
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|(a, _)| *a == "salesforce.unlock_refused")
            .count(),
        3,
        "{actions:?}"
    );
    // Refusals are decisions, not failures: nothing is dead-lettered.
    assert!(env
        .store()
        .list_outbox(env.org, OutboxStatus::Dead, 10)
        .await
        .unwrap()
        .is_empty());
}
