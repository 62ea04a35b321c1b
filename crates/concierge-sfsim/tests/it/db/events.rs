//! The change-event log: one event per changed record with the changed and
//! nulled fields and values; replay ids, filters, retention, subscribers.

use concierge_sfsim::events::{ChangeEvent, ChangeType, EventLog};
use concierge_sfsim::ids;
use serde_json::{json, Value};

use super::{ctx, org, rec};

#[test]
fn every_write_appends_a_change_event() {
    let db = org();
    let c = ctx(&db);
    let log = db.events();
    assert!(log.is_empty(), "seeding appends no events");
    let id = db
        .create(
            &c,
            "Case",
            rec(json!({"Subject": "evented", "Description": "d"})),
        )
        .unwrap();
    db.update(
        &c,
        "Case",
        &id,
        rec(json!({"Status": "Closed", "Description": null, "Subject": "evented"})),
    )
    .unwrap();
    db.delete(&c, "Case", &id).unwrap();
    let events = log.after(None, None, 100);
    assert_eq!(events.len(), 3);
    let kinds: Vec<_> = events.iter().map(|e| e.change_type.as_str()).collect();
    assert_eq!(kinds, vec!["CREATE", "UPDATE", "DELETE"]);
    assert!(events
        .windows(2)
        .all(|w| w[0].replay_id < w[1].replay_id && w[0].commit_number < w[1].commit_number));
    assert!(events
        .iter()
        .all(|e| e.entity_name == "Case" && e.record_ids == vec![id.clone()]));
    assert!(events
        .iter()
        .all(|e| e.commit_user == c.user_id && e.change_origin == "com/salesforce/api/rest/62.0"));
    assert_ne!(events[0].transaction_key, events[1].transaction_key);
    assert_eq!(events[0].values["Subject"], "evented");
    assert_eq!(events[0].values["Status"], "New");
    let upd = &events[1];
    for f in [
        "Status",
        "IsClosed",
        "ClosedDate",
        "Description",
        "LastModifiedDate",
    ] {
        assert!(
            upd.changed_fields.contains(&f.to_string()),
            "{f} in {:?}",
            upd.changed_fields
        );
    }
    assert!(
        !upd.changed_fields.contains(&"Subject".to_string()),
        "unchanged values are not changes"
    );
    assert_eq!(upd.nulled_fields, vec!["Description".to_string()]);
    assert_eq!(upd.values["Status"], "Closed");
    assert_eq!(upd.values["Description"], Value::Null);
    // after() from a replay id, filtered by entity.
    let contact = db
        .create(&c, "Contact", rec(json!({"LastName": "Evented"})))
        .unwrap();
    let only = log.after(
        Some(events[1].replay_id),
        Some(&["contact".to_string()]),
        10,
    );
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].record_ids, vec![contact]);
    assert_eq!(log.after(Some(events[0].replay_id), None, 1).len(), 1);
    assert_eq!(log.earliest_replay_id(), Some(events[0].replay_id));
    assert_eq!(log.latest_replay_id(), Some(only[0].replay_id));
}

#[test]
fn a_cascading_delete_is_one_transaction() {
    let db = org();
    let c = ctx(&db);
    let case = db
        .create(&c, "Case", rec(json!({"Subject": "with comments"})))
        .unwrap();
    db.create(
        &c,
        "CaseComment",
        rec(json!({"ParentId": case, "CommentBody": "a"})),
    )
    .unwrap();
    db.create(
        &c,
        "CaseComment",
        rec(json!({"ParentId": case, "CommentBody": "b"})),
    )
    .unwrap();
    let before = db.events().latest_replay_id();
    db.delete(&c, "Case", &case).unwrap();
    let events = db.events().after(before, None, 10);
    assert_eq!(events.len(), 2);
    assert_eq!(
        (
            events[0].entity_name.as_str(),
            events[1].entity_name.as_str()
        ),
        ("Case", "CaseComment")
    );
    assert_eq!(events[1].record_ids.len(), 2);
    assert_eq!(events[0].transaction_key, events[1].transaction_key);
    assert_eq!(
        (events[0].sequence_number, events[1].sequence_number),
        (1, 2)
    );
}

fn event(ts: i64) -> ChangeEvent {
    ChangeEvent {
        replay_id: 0,
        entity_name: "Case".into(),
        change_type: ChangeType::Update,
        record_ids: vec![ids::new_id("500")],
        change_origin: "test".into(),
        transaction_key: "t".into(),
        sequence_number: 1,
        commit_timestamp: ts,
        commit_number: 0,
        commit_user: "005".into(),
        changed_fields: vec![],
        nulled_fields: vec![],
        diff_fields: vec![],
        values: Default::default(),
    }
}

#[test]
fn the_event_log_drops_old_and_excess_events() {
    let now = chrono::Utc::now().timestamp_millis();
    let log = EventLog::new(chrono::Duration::hours(72), 3);
    let old = log.append(event(now - 73 * 3_600_000));
    assert_eq!(old, 1);
    assert!(
        log.after(None, None, 10).is_empty(),
        "older than the retention window"
    );
    for _ in 0..4 {
        log.append(event(now));
    }
    let kept: Vec<u64> = log
        .after(None, None, 10)
        .iter()
        .map(|e| e.replay_id)
        .collect();
    assert_eq!(kept, vec![3, 4, 5]);
    assert_eq!(log.earliest_replay_id(), Some(3));
    assert_eq!(log.latest_replay_id(), Some(5));
}

#[tokio::test]
async fn subscribers_see_appends() {
    let log = EventLog::new(chrono::Duration::hours(72), 100);
    let mut rx = log.subscribe();
    assert_eq!(*rx.borrow(), 0);
    let writer = log.clone();
    let task =
        tokio::spawn(async move { writer.append(event(chrono::Utc::now().timestamp_millis())) });
    let id = task.await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), rx.changed())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(*rx.borrow_and_update(), id);
}
