//! The data layer without HTTP: ids, CRUD with Salesforce's validation errors,
//! upsert, soft delete, derived fields, the change-event log, seeds, describe.

mod events;
mod seed;

use concierge_sfsim::db::{Db, DbError, QueryOpts, Record, Upserted, WriteCtx};
use concierge_sfsim::ids;
use concierge_sfsim::schema::{FieldDef, FieldType};
use concierge_sfsim::seed::Seed;
use serde_json::{json, Value};

/// A fresh demo org.
pub fn org() -> Db {
    Db::from_seed(&Seed::demo()).unwrap()
}

/// The integration user's write context.
pub fn ctx(db: &Db) -> WriteCtx {
    let user = db.user_by_username("concierge@acme.example").unwrap();
    WriteCtx::rest(user["Id"].as_str().unwrap(), "62.0")
}

/// A JSON object literal as a record.
pub fn rec(v: Value) -> Record {
    v.as_object().unwrap().clone()
}

/// Query options with a fixed `now`: Friday 2026-12-04 17:00 UTC.
pub fn opts() -> QueryOpts {
    QueryOpts {
        include_deleted: false,
        api_version: "62.0".into(),
        now: chrono::DateTime::parse_from_rfc3339("2026-12-04T17:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc),
    }
}

/// The id of the first row a query returns.
pub fn first_id(db: &Db, soql: &str) -> String {
    db.query(soql, &opts()).unwrap()[0]["Id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn err_of<T: std::fmt::Debug>(r: Result<T, DbError>) -> DbError {
    r.expect_err("expected an error")
}

#[test]
fn ids_checksums_and_normalisation() {
    assert_eq!(ids::to18("001D000000IqhSL").unwrap(), "001D000000IqhSLIAZ");
    assert_eq!(ids::to18("0015000000VALDt").unwrap(), "0015000000VALDtAAP");
    assert_eq!(
        ids::normalize("001D000000IqhSL").unwrap(),
        "001D000000IqhSLIAZ"
    );
    assert_eq!(
        ids::normalize("001d000000iqhsliaz").unwrap(),
        "001D000000IqhSLIAZ"
    );
    assert_eq!(ids::normalize("001D000000IqhS"), None);
    assert_eq!(ids::normalize("001D000000IqhSL!AZ"), None);
    let a = ids::new_id("500");
    assert_eq!(a.len(), 18);
    assert!(a.starts_with("500"));
    assert_eq!(ids::normalize(&a).unwrap(), a);
    assert_ne!(ids::new_id("500"), a);
}

#[test]
fn create_and_get_a_case_in_rest_shape() {
    let db = org();
    let c = ctx(&db);
    let contact = first_id(
        &db,
        "SELECT Id FROM Contact WHERE Email = 'peter.gibbons@initech.example'",
    );
    let id = db
        .create(
            &c,
            "case",
            rec(json!({"subject": "Printer on fire", "ContactId": contact, "origin": "web"})),
        )
        .unwrap();
    assert!(id.starts_with("500") && id.len() == 18);
    let got = db.get("Case", &id, None, "v62.0").unwrap();
    assert_eq!(
        got["attributes"],
        json!({"type": "Case", "url": format!("/services/data/v62.0/sobjects/Case/{id}")})
    );
    assert_eq!(got["Subject"], "Printer on fire");
    assert_eq!(
        got["Origin"], "Web",
        "picklist values take their canonical case"
    );
    assert_eq!(got["Status"], "New");
    assert_eq!(got["Priority"], "Medium");
    assert_eq!(got["IsClosed"], false);
    assert_eq!(got["ContactEmail"], "peter.gibbons@initech.example");
    assert_eq!(got["OwnerId"], c.user_id);
    assert_eq!(got["CreatedById"], c.user_id);
    assert_eq!(got["Description"], Value::Null);
    let created = got["CreatedDate"].as_str().unwrap();
    assert_eq!(created.len(), "2026-12-04T17:00:00.000+0000".len());
    assert!(
        created.ends_with("+0000") && created.as_bytes()[19] == b'.',
        "{created}"
    );
    // 15-character ids work too; fields= limits the answer.
    let some = db
        .get(
            "Case",
            &id[..15],
            Some(&["subject".into(), "CaseNumber".into()]),
            "62.0",
        )
        .unwrap();
    assert_eq!(
        some.keys().cloned().collect::<Vec<_>>(),
        vec!["CaseNumber", "Subject", "attributes"]
    );
    let e = err_of(db.get("Case", &id, Some(&["Nope".into()]), "62.0"));
    assert_eq!(
        (e.error_code(), e.http_status(), e.fields()),
        ("INVALID_FIELD", 400, vec!["Nope".to_string()])
    );
    let e = err_of(db.get("Case", "500abc", None, "62.0"));
    assert_eq!(e.error_code(), "MALFORMED_ID");
    let e = err_of(db.get("Case", &ids::new_id("500"), None, "62.0"));
    assert_eq!((e.error_code(), e.http_status()), ("NOT_FOUND", 404));
    let e = err_of(db.get("Nope__c", &id, None, "62.0"));
    assert_eq!(e.http_status(), 404);
}

#[test]
fn case_numbers_increase_and_is_closed_follows_status() {
    let db = org();
    let c = ctx(&db);
    let a = db.create(&c, "Case", rec(json!({"Subject": "a"}))).unwrap();
    let b = db.create(&c, "Case", rec(json!({"Subject": "b"}))).unwrap();
    let na: u64 = db.get("Case", &a, None, "62.0").unwrap()["CaseNumber"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let nb_s = db.get("Case", &b, None, "62.0").unwrap()["CaseNumber"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(nb_s.len(), 8);
    assert!(na >= 1000);
    assert_eq!(nb_s.parse::<u64>().unwrap(), na + 1);
    db.update(&c, "Case", &a, rec(json!({"Status": "Closed"})))
        .unwrap();
    let got = db.get("Case", &a, None, "62.0").unwrap();
    assert_eq!(got["IsClosed"], true);
    assert!(got["ClosedDate"].is_string());
    db.update(&c, "Case", &a, rec(json!({"Status": "Working"})))
        .unwrap();
    let got = db.get("Case", &a, None, "62.0").unwrap();
    assert_eq!(
        (got["IsClosed"].clone(), got["ClosedDate"].clone()),
        (json!(false), Value::Null)
    );
}

fn code_status_fields(e: &DbError) -> (&'static str, u16, Vec<String>) {
    (e.error_code(), e.http_status(), e.fields())
}

#[test]
fn writes_are_validated_like_salesforce() {
    let db = org();
    let c = ctx(&db);
    let case = |body: Value| db.create(&c, "Case", rec(body));
    let e = err_of(case(json!({"Subject": "x", "Bogus__c": 1})));
    assert_eq!(
        code_status_fields(&e),
        ("INVALID_FIELD", 400, vec!["Bogus__c".into()])
    );
    assert!(e.message().contains("Bogus__c"));
    let e = err_of(case(json!({"Id": ids::new_id("500"), "Subject": "x"})));
    assert_eq!(e.error_code(), "INVALID_FIELD");
    assert_eq!(
        e.message(),
        "The Id field should not be specified in the sobject data."
    );
    let e = err_of(case(json!({"CaseNumber": "1", "IsClosed": true})));
    assert_eq!(
        code_status_fields(&e),
        (
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            400,
            vec!["CaseNumber".into(), "IsClosed".into()]
        )
    );
    assert!(e
        .message()
        .starts_with("Unable to create/update fields: CaseNumber, IsClosed."));
    let e = err_of(db.create(&c, "Contact", rec(json!({"FirstName": "No"}))));
    assert_eq!(
        code_status_fields(&e),
        ("REQUIRED_FIELD_MISSING", 400, vec!["LastName".into()])
    );
    assert_eq!(e.message(), "Required fields are missing: [LastName]");
    let e = err_of(db.create(&c, "Account", rec(json!({}))));
    assert_eq!(e.fields(), vec!["Name".to_string()]);
    let e = err_of(case(json!({"Subject": "x".repeat(256)})));
    assert_eq!(
        code_status_fields(&e),
        ("STRING_TOO_LONG", 400, vec!["Subject".into()])
    );
    assert!(e.message().contains("max length=255"), "{}", e.message());
    assert!(
        case(json!({"Subject": "é".repeat(255)})).is_ok(),
        "Subject counts characters"
    );
    let e = err_of(case(json!({"Status": "Pending"})));
    assert_eq!(
        code_status_fields(&e),
        (
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            400,
            vec!["Status".into()]
        )
    );
    assert_eq!(
        e.message(),
        "Status: bad value for restricted picklist field: Pending"
    );
    let e = err_of(case(json!({"ContactId": "not-an-id"})));
    assert_eq!(
        code_status_fields(&e),
        ("MALFORMED_ID", 400, vec!["ContactId".into()])
    );
    let account = first_id(&db, "SELECT Id FROM Account LIMIT 1");
    let e = err_of(case(json!({"ContactId": account})));
    assert_eq!(
        code_status_fields(&e),
        ("FIELD_INTEGRITY_EXCEPTION", 400, vec!["ContactId".into()])
    );
    let e = err_of(case(json!({"ContactId": ids::new_id("003")})));
    assert_eq!(e.error_code(), "INVALID_CROSS_REFERENCE_KEY");
    let e = err_of(case(json!({"IsEscalated": "yes"})));
    assert_eq!(
        (e.error_code(), e.http_status()),
        ("JSON_PARSER_ERROR", 400)
    );
    let e = err_of(case(json!({"SuppliedEmail": "not an email"})));
    assert_eq!(e.error_code(), "INVALID_EMAIL_ADDRESS");
    let e = err_of(db.create(&c, "Nope", rec(json!({}))));
    assert_eq!((e.error_code(), e.http_status()), ("NOT_FOUND", 404));
    // Case-insensitive names are stored canonically.
    let id = case(json!({"SUBJECT": "loud", "isescalated": "true"})).unwrap();
    let got = db.get("Case", &id, None, "62.0").unwrap();
    assert_eq!(
        (got["Subject"].clone(), got["IsEscalated"].clone()),
        (json!("loud"), json!(true))
    );
    // Unique external id.
    case(json!({"Concierge_Conversation_Id__c": "conv-1"})).unwrap();
    let e = err_of(case(json!({"concierge_conversation_id__c": "CONV-1"})));
    assert_eq!(
        code_status_fields(&e),
        (
            "DUPLICATE_VALUE",
            400,
            vec!["Concierge_Conversation_Id__c".into()]
        )
    );
    assert!(e.message().starts_with("duplicate value found: Concierge_Conversation_Id__c duplicates value on record with id: 500"));
    let e = err_of(case(
        json!({"Concierge_Conversation_Id__c": "x".repeat(65)}),
    ));
    assert_eq!(e.error_code(), "STRING_TOO_LONG");
    // Updates: read-only, required nulled, unknown ids.
    let e = err_of(db.update(&c, "Case", &id, rec(json!({"ClosedDate": null}))));
    assert_eq!(e.error_code(), "INVALID_FIELD_FOR_INSERT_UPDATE");
    let contact = first_id(&db, "SELECT Id FROM Contact LIMIT 1");
    let e = err_of(db.update(&c, "Contact", &contact, rec(json!({"LastName": null}))));
    assert_eq!(
        code_status_fields(&e),
        ("REQUIRED_FIELD_MISSING", 400, vec!["LastName".into()])
    );
    let e = err_of(db.update(
        &c,
        "Case",
        &ids::new_id("500"),
        rec(json!({"Subject": "x"})),
    ));
    assert_eq!((e.error_code(), e.http_status()), ("NOT_FOUND", 404));
    let e = err_of(db.update(&c, "Case", "bad", rec(json!({"Subject": "x"}))));
    assert_eq!(e.error_code(), "MALFORMED_ID");
}

#[test]
fn case_comment_bodies_are_limited_in_bytes() {
    let db = org();
    let c = ctx(&db);
    let case = db
        .create(&c, "Case", rec(json!({"Subject": "comments"})))
        .unwrap();
    let ok = db.create(
        &c,
        "CaseComment",
        rec(json!({"ParentId": case, "CommentBody": "é".repeat(2000)})),
    );
    assert!(ok.is_ok());
    let e = err_of(db.create(
        &c,
        "CaseComment",
        rec(json!({"ParentId": case, "CommentBody": "é".repeat(2001)})),
    ));
    assert_eq!(
        code_status_fields(&e),
        ("STRING_TOO_LONG", 400, vec!["CommentBody".into()])
    );
    let e = err_of(db.create(&c, "CaseComment", rec(json!({"CommentBody": "orphan"}))));
    assert_eq!(e.fields(), vec!["ParentId".to_string()]);
    let comment = ok.unwrap();
    let e = err_of(db.update(&c, "CaseComment", &comment, rec(json!({"ParentId": case}))));
    assert_eq!(e.error_code(), "INVALID_FIELD_FOR_INSERT_UPDATE");
}

#[test]
fn delete_is_soft_and_visible_to_query_all() {
    let db = org();
    let c = ctx(&db);
    let id = db
        .create(&c, "Case", rec(json!({"Subject": "to delete"})))
        .unwrap();
    let comment = db
        .create(
            &c,
            "CaseComment",
            rec(json!({"ParentId": id, "CommentBody": "bye"})),
        )
        .unwrap();
    db.delete(&c, "Case", &id).unwrap();
    assert_eq!(
        err_of(db.get("Case", &id, None, "62.0")).error_code(),
        "ENTITY_IS_DELETED"
    );
    let e = err_of(db.delete(&c, "Case", &id));
    assert_eq!(
        (e.error_code(), e.http_status()),
        ("ENTITY_IS_DELETED", 404)
    );
    assert_eq!(
        err_of(db.update(&c, "Case", &id, rec(json!({"Subject": "x"})))).error_code(),
        "ENTITY_IS_DELETED"
    );
    let q = format!("SELECT Id, IsDeleted FROM Case WHERE Id = '{id}'");
    assert!(db.query(&q, &opts()).unwrap().is_empty());
    let mut all = opts();
    all.include_deleted = true;
    let rows = db.query(&q, &all).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["IsDeleted"], true);
    let cq = format!("SELECT Id FROM CaseComment WHERE Id = '{comment}'");
    assert!(
        db.query(&cq, &opts()).unwrap().is_empty(),
        "comments go with their case"
    );
    db.undelete(&c, "Case", &id).unwrap();
    assert_eq!(db.query(&q, &opts()).unwrap().len(), 1);
    // purge (composite rollback) removes the row for good, without an event.
    let events_before = db.events().len();
    let records_before = db.record_count();
    db.purge("Case", &id).unwrap();
    assert_eq!(db.record_count(), records_before - 1);
    assert!(db.query(&q, &all).unwrap().is_empty());
    assert_eq!(db.events().len(), events_before);
    assert_eq!(db.purge("Case", &id).unwrap_err().error_code(), "NOT_FOUND");
    let id = db
        .create(&c, "Case", rec(json!({"Subject": "again"})))
        .unwrap();
    let q = format!("SELECT Id FROM Case WHERE Id = '{id}'");
    assert_eq!(db.query(&q, &opts()).unwrap().len(), 1);
}

#[test]
fn upsert_creates_updates_and_refuses_ambiguity() {
    let db = org();
    let c = ctx(&db);
    let f = "Concierge_Conversation_Id__c";
    let r = db
        .upsert(
            &c,
            "Case",
            f,
            "conv-9",
            rec(json!({"Subject": "first"})),
            false,
        )
        .unwrap();
    let Upserted::Created(id) = r else {
        panic!("expected Created, got {r:?}")
    };
    assert_eq!(db.get("Case", &id, None, "62.0").unwrap()[f], "conv-9");
    let r = db
        .upsert(
            &c,
            "Case",
            "concierge_conversation_id__c",
            "conv-9",
            rec(json!({"Subject": "second"})),
            false,
        )
        .unwrap();
    assert_eq!(r, Upserted::Updated(id.clone()));
    assert_eq!(
        db.get("Case", &id, None, "62.0").unwrap()["Subject"],
        "second"
    );
    let e = err_of(db.upsert(
        &c,
        "Case",
        f,
        "conv-404",
        rec(json!({"Subject": "x"})),
        true,
    ));
    assert_eq!((e.error_code(), e.http_status()), ("NOT_FOUND", 404));
    let e = err_of(db.upsert(&c, "Case", "Subject", "x", rec(json!({})), false));
    assert_eq!((e.error_code(), e.http_status()), ("NOT_FOUND", 404));
    assert!(e.message().contains("Subject"));
    // A non-unique external id can match several records: 300.
    let mut ext = FieldDef::new("Legacy_Ref__c", "Legacy Ref", FieldType::String);
    ext.external_id = true;
    db.add_custom_field("Case", ext).unwrap();
    let a = db
        .create(&c, "Case", rec(json!({"Legacy_Ref__c": "L1"})))
        .unwrap();
    let b = db
        .create(&c, "Case", rec(json!({"Legacy_Ref__c": "L1"})))
        .unwrap();
    let e = err_of(db.upsert(&c, "Case", "Legacy_Ref__c", "L1", rec(json!({})), false));
    assert_eq!(e.http_status(), 300);
    assert_eq!(e, DbError::MultipleMatches(vec![a, b]));
}

#[test]
fn unique_and_external_id_lookups_follow_every_change() {
    let db = org();
    let c = ctx(&db);
    let f = "Concierge_Conversation_Id__c";
    let a = db.create(&c, "Case", rec(json!({f: "x"}))).unwrap();
    db.update(&c, "Case", &a, rec(json!({f: "y"}))).unwrap();
    let b = db.create(&c, "Case", rec(json!({f: "X"}))).unwrap();
    let dup = db.create(&c, "Case", rec(json!({f: "Y"}))).unwrap_err();
    assert!(dup.message().ends_with(&a), "{}", dup.message());
    db.delete(&c, "Case", &a).unwrap();
    let c2 = db.create(&c, "Case", rec(json!({f: "y"}))).unwrap();
    assert_eq!(
        db.undelete(&c, "Case", &a).unwrap_err().error_code(),
        "DUPLICATE_VALUE"
    );
    let up = db
        .upsert(&c, "Case", f, "Y", rec(json!({"Subject": "s"})), false)
        .unwrap();
    assert_eq!(up, Upserted::Updated(c2.clone()));
    assert_eq!(
        db.upsert(&c, "Case", f, "x", rec(json!({})), true).unwrap(),
        Upserted::Updated(b)
    );
    db.purge("Case", &c2).unwrap();
    let again = db
        .upsert(&c, "Case", f, "y", rec(json!({})), false)
        .unwrap();
    assert!(
        matches!(again, Upserted::Created(ref id) if *id != a && *id != c2),
        "{again:?}"
    );
    // Many records: still one match each, found without a scan.
    for i in 0..2_000 {
        db.create(&c, "Case", rec(json!({f: format!("bulk-{i}")})))
            .unwrap();
    }
    let hit = db
        .upsert(
            &c,
            "Case",
            f,
            "BULK-1999",
            rec(json!({"Subject": "found"})),
            true,
        )
        .unwrap();
    let Upserted::Updated(id) = hit else {
        panic!("{hit:?}")
    };
    assert_eq!(db.get("Case", &id, None, "62.0").unwrap()[f], "bulk-1999");
}

#[test]
fn every_user_has_a_user_login_that_can_be_unlocked() {
    let db = org();
    let users = db.query("SELECT Id FROM User", &opts()).unwrap();
    let logins = db
        .query(
            "SELECT Id, UserId, IsPasswordLocked, IsFrozen FROM UserLogin",
            &opts(),
        )
        .unwrap();
    assert_eq!(logins.len(), users.len(), "{logins:?}");
    assert!(logins
        .iter()
        .all(|l| l["IsPasswordLocked"] == false && l["IsFrozen"] == false));

    // A user created through the API gets one too.
    let ctx = ctx(&db);
    let id = db
        .create(
            &ctx,
            "User",
            rec(json!({"Username": "pat@example.com.sbx", "LastName": "Lee", "Email": "pat@example.com"})),
        )
        .unwrap();
    let login = db
        .query(
            &format!("SELECT Id, IsPasswordLocked FROM UserLogin WHERE UserId = '{id}'"),
            &opts(),
        )
        .unwrap();
    assert_eq!(login.len(), 1);
    let login_id = login[0]["Id"].as_str().unwrap().to_owned();
    assert!(login_id.starts_with("060"), "{login_id}");

    // Locked, then unlocked; the user it belongs to cannot be changed.
    for locked in [true, false] {
        db.update(
            &ctx,
            "UserLogin",
            &login_id,
            rec(json!({"IsPasswordLocked": locked})),
        )
        .unwrap();
        let row = db.get("UserLogin", &login_id, None, "62.0").unwrap();
        assert_eq!(row["IsPasswordLocked"], locked);
    }
    let other = users[0]["Id"].as_str().unwrap();
    assert!(db
        .update(&ctx, "UserLogin", &login_id, rec(json!({"UserId": other})))
        .is_err());
}
