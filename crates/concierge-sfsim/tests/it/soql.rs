//! SOQL and SOSL against a small org with known data and a fixed `now`
//! (Friday 2026-12-04 17:00 UTC): every WHERE operator and date literal,
//! ordering, paging, parent paths, child subqueries, errors with positions,
//! and a property test that no input panics.

mod aggregate;
mod client;
mod errors;
mod search;

use concierge_sfsim::db::{Db, DbError, QueryOpts, WriteCtx};
use concierge_sfsim::schema::{FieldDef, FieldType, Schema};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::db::{opts, rec};

struct Fixture {
    db: Db,
    queue: String,
}

/// Four cases k1..k4 (subjects start with their key), three contacts, two accounts, a queue.
fn fixture() -> Fixture {
    let db = Db::new(Schema::standard(), "00D5g000004ABCD");
    db.add_custom_field(
        "Case",
        FieldDef::new("Score__c", "Score", FieldType::Double),
    )
    .unwrap();
    db.add_custom_field("Case", FieldDef::new("Due__c", "Due", FieldType::Date))
        .unwrap();
    db.add_custom_field("Case", FieldDef::new("Sla__c", "SLA", FieldType::DateTime))
        .unwrap();
    let boot = WriteCtx::rest("005000000000001", "62.0");
    let user = db
        .create(
            &boot,
            "User",
            rec(json!({"Username": "u@x.example", "LastName": "User", "Email": "u@x.example"})),
        )
        .unwrap();
    let c = WriteCtx::rest(&user, "62.0");
    let acme = db
        .create(
            &c,
            "Account",
            rec(json!({"Name": "Acme", "Industry": "Technology"})),
        )
        .unwrap();
    let beta = db
        .create(&c, "Account", rec(json!({"Name": "Beta"})))
        .unwrap();
    let ann = db
        .create(&c, "Contact", rec(json!({"FirstName": "Ann", "LastName": "Lee", "Email": "ann@acme.example", "AccountId": acme})))
        .unwrap();
    let bob = db
        .create(
            &c,
            "Contact",
            rec(json!({"FirstName": "Bob", "LastName": "Stone", "AccountId": beta})),
        )
        .unwrap();
    let cy = db
        .create(
            &c,
            "Contact",
            rec(json!({"FirstName": "Cy", "LastName": "Young"})),
        )
        .unwrap();
    let queue = db
        .create(
            &c,
            "Group",
            rec(json!({"Name": "Tier1 Support", "Type": "Queue"})),
        )
        .unwrap();
    let k1 = db
        .create(&c, "Case", rec(json!({"Subject": "k1 Login fails", "Priority": "High", "Status": "New", "ContactId": ann,
            "Score__c": 10, "Due__c": "2026-12-04", "Sla__c": "2026-12-04T10:00:00Z", "OwnerId": queue})))
        .unwrap();
    db.create(&c, "Case", rec(json!({"Subject": "k2 50% discount_code", "Priority": "Low", "Status": "Closed", "ContactId": bob,
        "Score__c": 2.5, "Due__c": "2026-12-03", "Sla__c": "2026-11-28T12:00:00Z"})))
        .unwrap();
    db.create(
        &c,
        "Case",
        rec(
            json!({"Subject": "k3 It's broken\\ now", "Priority": "Medium", "Status": "Working",
        "Due__c": "2026-12-05", "Sla__c": "2026-11-15T00:00:00.000+0000"}),
        ),
    )
    .unwrap();
    db.create(&c, "Case", rec(json!({"Subject": "k4 Line\nbreak", "Priority": "High", "Status": "Escalated", "ContactId": cy,
        "Score__c": 7, "Due__c": "2026-01-15", "Sla__c": "2025-12-31T23:59:59Z"})))
        .unwrap();
    db.create(
        &c,
        "CaseComment",
        rec(json!({"ParentId": k1, "CommentBody": "first", "IsPublished": true})),
    )
    .unwrap();
    db.create(
        &c,
        "CaseComment",
        rec(json!({"ParentId": k1, "CommentBody": "second"})),
    )
    .unwrap();
    Fixture { db, queue }
}

/// The keys (k1..k4) of the cases matching `filter`, in CaseNumber order
/// unless `filter` orders itself.
fn keys(f: &Fixture, filter: &str) -> Vec<String> {
    let soql = if filter.to_ascii_uppercase().contains("ORDER BY")
        || filter
            .trim_start()
            .to_ascii_uppercase()
            .starts_with("LIMIT")
    {
        format!("SELECT Subject FROM Case {filter}")
    } else {
        format!("SELECT Subject FROM Case {filter} ORDER BY CaseNumber")
    };
    f.db.query(&soql, &opts())
        .unwrap_or_else(|e| panic!("{soql}: {e}"))
        .iter()
        .map(|r| r["Subject"].as_str().unwrap()[..2].to_string())
        .collect()
}

fn err(f: &Fixture, soql: &str) -> DbError {
    f.db.query(soql, &opts()).expect_err(soql)
}

#[test]
fn comparison_operators() {
    let f = fixture();
    let cases: &[(&str, &[&str])] = &[
        ("WHERE Priority = 'High'", &["k1", "k4"]),
        ("WHERE priority = 'high'", &["k1", "k4"]),
        ("WHERE Priority != 'High'", &["k2", "k3"]),
        ("WHERE Priority <> 'High'", &["k2", "k3"]),
        ("WHERE Score__c > 5", &["k1", "k4"]),
        ("WHERE Score__c >= 7", &["k1", "k4"]),
        ("WHERE Score__c < 7", &["k2"]),
        ("WHERE Score__c <= 7", &["k2", "k4"]),
        ("WHERE Score__c = 2.5", &["k2"]),
        ("WHERE Score__c != 10", &["k2", "k3", "k4"]),
        ("WHERE Score__c = null", &["k3"]),
        ("WHERE Score__c != null", &["k1", "k2", "k4"]),
        ("WHERE ContactId = null", &["k3"]),
        ("WHERE IsClosed = true", &["k2"]),
        ("WHERE IsEscalated = false", &["k1", "k2", "k3", "k4"]),
        ("WHERE Priority IN ('High', 'Low')", &["k1", "k2", "k4"]),
        ("WHERE Priority NOT IN ('High')", &["k2", "k3"]),
        ("WHERE Score__c IN (7, 10)", &["k1", "k4"]),
        ("WHERE Sla__c > 2026-12-01T00:00:00Z", &["k1"]),
        (
            "WHERE Sla__c <= 2026-11-28T12:00:00.000+0000",
            &["k2", "k3", "k4"],
        ),
        ("WHERE Due__c < 2026-12-04", &["k2", "k4"]),
        ("WHERE Due__c = 2026-12-05", &["k3"]),
    ];
    for (filter, want) in cases {
        assert_eq!(keys(&f, filter), *want, "{filter}");
    }
}

#[test]
fn like_and_string_escapes() {
    let f = fixture();
    let cases: &[(&str, &[&str])] = &[
        ("WHERE Subject LIKE 'k1%'", &["k1"]),
        ("WHERE Subject LIKE '%LOGIN%'", &["k1"]),
        ("WHERE Subject LIKE 'k_ %'", &["k1", "k2", "k3", "k4"]),
        ("WHERE Subject LIKE '%50\\% %'", &["k2"]),
        ("WHERE Subject LIKE '%discount\\_code'", &["k2"]),
        ("WHERE Subject LIKE 'k2 50_ %'", &["k2"]),
        ("WHERE Subject LIKE '%\\_%'", &["k2"]),
        ("WHERE Subject = 'k3 It\\'s broken\\\\ now'", &["k3"]),
        ("WHERE Subject = 'k4 Line\\nbreak'", &["k4"]),
        ("WHERE Subject = 'K2 50\\% DISCOUNT\\_CODE'", &["k2"]),
    ];
    for (filter, want) in cases {
        assert_eq!(keys(&f, filter), *want, "{filter}");
    }
    let e = err(&f, "SELECT Id FROM Case WHERE Subject = 'bad \\q escape'");
    assert_eq!(e.error_code(), "MALFORMED_QUERY");
}

#[test]
fn boolean_logic_and_parent_filters() {
    let f = fixture();
    let cases: &[(&str, &[&str])] = &[
        ("WHERE Priority = 'High' AND Score__c > 8", &["k1"]),
        (
            "WHERE Priority = 'Low' OR Status = 'Working'",
            &["k2", "k3"],
        ),
        ("WHERE NOT Priority = 'High'", &["k2", "k3"]),
        (
            "WHERE (Priority = 'High' OR Priority = 'Low') AND NOT (Score__c < 5)",
            &["k1", "k4"],
        ),
        ("WHERE Contact.Account.Name = 'Acme'", &["k1"]),
        ("WHERE Account.Name = 'Beta'", &["k2"]),
        ("WHERE Owner.Name = 'Tier1 Support'", &["k1"]),
        ("WHERE Contact.Email LIKE '%@acme.example'", &["k1"]),
    ];
    for (filter, want) in cases {
        assert_eq!(keys(&f, filter), *want, "{filter}");
    }
    let e = err(
        &f,
        "SELECT Id FROM Case WHERE Priority = 'High' AND Score__c > 8 OR Status = 'New'",
    );
    assert_eq!(e.error_code(), "MALFORMED_QUERY");
    assert!(
        e.message().contains("unexpected token: 'OR'"),
        "{}",
        e.message()
    );
}

#[test]
fn date_literals_relative_to_now() {
    let f = fixture();
    let cases: &[(&str, &[&str])] = &[
        ("WHERE Due__c = TODAY", &["k1"]),
        ("WHERE Due__c = YESTERDAY", &["k2"]),
        ("WHERE Due__c = TOMORROW", &["k3"]),
        ("WHERE Due__c > TODAY", &["k3"]),
        ("WHERE Due__c >= TODAY", &["k1", "k3"]),
        ("WHERE Due__c < TODAY", &["k2", "k4"]),
        ("WHERE Due__c <= TODAY", &["k1", "k2", "k4"]),
        ("WHERE Due__c != TODAY", &["k2", "k3", "k4"]),
        ("WHERE Due__c = LAST_N_DAYS:1", &["k1", "k2"]),
        ("WHERE Due__c = NEXT_N_DAYS:3", &["k3"]),
        ("WHERE Due__c = THIS_WEEK", &["k1", "k2", "k3"]),
        ("WHERE Due__c = THIS_MONTH", &["k1", "k2", "k3"]),
        ("WHERE Due__c = THIS_YEAR", &["k1", "k2", "k3", "k4"]),
        ("WHERE Sla__c = TODAY", &["k1"]),
        ("WHERE Sla__c = LAST_WEEK", &["k2"]),
        ("WHERE Sla__c = LAST_MONTH", &["k2", "k3"]),
        ("WHERE Sla__c = THIS_YEAR", &["k1", "k2", "k3"]),
        ("WHERE Sla__c < THIS_YEAR", &["k4"]),
        ("WHERE Sla__c = LAST_N_DAYS:7", &["k1", "k2"]),
        ("WHERE Sla__c = NEXT_N_DAYS:7", &[]),
    ];
    for (filter, want) in cases {
        assert_eq!(keys(&f, filter), *want, "{filter}");
    }
    // The real CreatedDate is now, so it is in THIS_WEEK only when the tests run near 'now'.
    let mut real = opts();
    real.now = chrono::Utc::now();
    assert_eq!(
        f.db.count("SELECT COUNT() FROM Case WHERE CreatedDate = TODAY", &real)
            .unwrap(),
        4
    );
    assert_eq!(
        f.db.count(
            "SELECT COUNT() FROM Case WHERE CreatedDate = LAST_N_DAYS:3",
            &real
        )
        .unwrap(),
        4
    );
    assert_eq!(
        f.db.count(
            "SELECT COUNT() FROM Case WHERE CreatedDate < YESTERDAY",
            &real
        )
        .unwrap(),
        0
    );
}

#[test]
fn order_limit_offset() {
    let f = fixture();
    let cases: &[(&str, &[&str])] = &[
        (
            "ORDER BY Score__c DESC NULLS LAST",
            &["k1", "k4", "k2", "k3"],
        ),
        ("ORDER BY Score__c DESC", &["k1", "k4", "k2", "k3"]),
        ("ORDER BY Score__c", &["k3", "k2", "k4", "k1"]),
        (
            "ORDER BY Score__c ASC NULLS LAST",
            &["k2", "k4", "k1", "k3"],
        ),
        (
            "ORDER BY Priority ASC, Score__c DESC",
            &["k1", "k4", "k2", "k3"],
        ),
        (
            "ORDER BY Contact.LastName NULLS LAST",
            &["k1", "k2", "k4", "k3"],
        ),
        ("ORDER BY Sla__c DESC", &["k1", "k2", "k3", "k4"]),
        ("ORDER BY CaseNumber LIMIT 2", &["k1", "k2"]),
        ("ORDER BY CaseNumber LIMIT 2 OFFSET 1", &["k2", "k3"]),
        ("ORDER BY CaseNumber OFFSET 3", &["k4"]),
        ("ORDER BY CaseNumber OFFSET 10", &[]),
        ("LIMIT 0", &[]),
    ];
    for (filter, want) in cases {
        assert_eq!(keys(&f, filter), *want, "{filter}");
    }
}

#[test]
fn parent_paths_nest_in_rest_shape() {
    let f = fixture();
    let rows = f
        .db
        .query(
            "select Id, Subject, Contact.Name, Contact.Account.Name, Owner.Name, Case.Priority from case where Subject like 'k%' order by CaseNumber",
            &opts(),
        )
        .unwrap();
    assert_eq!(rows.len(), 4);
    let k1 = &rows[0];
    let id = k1["Id"].as_str().unwrap();
    assert_eq!(
        k1["attributes"],
        json!({"type": "Case", "url": format!("/services/data/v62.0/sobjects/Case/{id}")})
    );
    assert_eq!(k1["Priority"], "High");
    assert_eq!(k1["Contact"]["attributes"]["type"], "Contact");
    assert_eq!(k1["Contact"]["Name"], "Ann Lee");
    assert_eq!(k1["Contact"]["Account"]["attributes"]["type"], "Account");
    assert_eq!(k1["Contact"]["Account"]["Name"], "Acme");
    assert_eq!(k1["Owner"]["attributes"]["type"], "Group");
    assert_eq!(
        k1["Owner"]["attributes"]["url"],
        format!("/services/data/v62.0/sobjects/Group/{}", f.queue)
    );
    assert_eq!(k1["Owner"]["Name"], "Tier1 Support");
    assert_eq!(
        rows[1]["Owner"]["attributes"]["type"], "User",
        "a polymorphic owner has its own type"
    );
    assert_eq!(rows[1]["Owner"]["Name"], "User");
    assert_eq!(rows[2]["Contact"], Value::Null, "no parent: null");
    assert_eq!(
        rows[3]["Contact"]["Account"],
        Value::Null,
        "a contact without account"
    );
}

#[test]
fn child_subqueries_nest_total_size_done_records() {
    let f = fixture();
    let rows = f
        .db
        .query(
            "SELECT Subject, (SELECT CommentBody, IsPublished FROM CaseComments ORDER BY CommentBody DESC), \
             (SELECT Id FROM CaseComments WHERE IsPublished = true LIMIT 5) FROM Case WHERE Subject LIKE 'k1%' OR Subject LIKE 'k2%' ORDER BY Subject",
            &opts(),
        )
        .unwrap();
    let comments = &rows[0]["CaseComments"];
    // Two subqueries on one relationship: the later one wins the key, as in a JSON object.
    assert_eq!(comments["totalSize"], 1);
    assert_eq!(comments["done"], true);
    let rows = f
        .db
        .query(
            "SELECT Subject, (SELECT CommentBody, IsPublished FROM CaseComments ORDER BY CommentBody DESC) FROM Case ORDER BY Subject LIMIT 2",
            &opts(),
        )
        .unwrap();
    let c = &rows[0]["CaseComments"];
    assert_eq!(c["totalSize"], 2);
    assert_eq!(c["done"], true);
    let bodies: Vec<&str> = c["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["CommentBody"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, vec!["second", "first"]);
    assert_eq!(c["records"][0]["attributes"]["type"], "CaseComment");
    assert_eq!(c["records"][1]["IsPublished"], true);
    assert_eq!(rows[1]["CaseComments"], Value::Null, "no children: null");
    let acct = f
        .db
        .query("SELECT Name, (SELECT LastName FROM Contacts), (SELECT Subject FROM Cases) FROM Account WHERE Name = 'Acme'", &opts())
        .unwrap();
    assert_eq!(acct[0]["Contacts"]["records"][0]["LastName"], "Lee");
    assert_eq!(
        acct[0]["Cases"]["totalSize"], 1,
        "the case's account comes from its contact"
    );
    let e = err(&f, "SELECT Id, (SELECT Id FROM Nopes) FROM Case");
    assert_eq!(e.http_status(), 400);
}

#[test]
fn count_and_query_all() {
    let f = fixture();
    let o = opts();
    assert_eq!(
        f.db.count("SELECT COUNT() FROM Case WHERE Priority = 'High'", &o)
            .unwrap(),
        2
    );
    assert_eq!(f.db.count("SELECT COUNT() FROM Case", &o).unwrap(), 4);
    let out =
        f.db.query_output("SELECT COUNT() FROM Case WHERE Priority = 'High'", &o)
            .unwrap();
    assert_eq!((out.total_size, out.records.len()), (2, 0));
    assert_eq!(f.db.count("SELECT Id FROM Case LIMIT 3", &o).unwrap(), 3);
    let c = WriteCtx::rest("005000000000001", "62.0");
    let id =
        f.db.query("SELECT Id FROM Case WHERE Priority = 'Low'", &o)
            .unwrap()[0]["Id"]
            .as_str()
            .unwrap()
            .to_string();
    f.db.delete(&c, "Case", &id).unwrap();
    assert_eq!(f.db.count("SELECT COUNT() FROM Case", &o).unwrap(), 3);
    let all = QueryOpts {
        include_deleted: true,
        ..opts()
    };
    assert_eq!(f.db.count("SELECT COUNT() FROM Case", &all).unwrap(), 4);
    assert_eq!(
        f.db.count("SELECT COUNT() FROM Case WHERE IsDeleted = true", &all)
            .unwrap(),
        1
    );
    // 15- and 18-character ids compare equal.
    let k1 =
        f.db.query(
            "SELECT Id FROM Case WHERE Priority = 'High' ORDER BY CaseNumber LIMIT 1",
            &o,
        )
        .unwrap()[0]["Id"]
            .as_str()
            .unwrap()
            .to_string();
    assert_eq!(
        f.db.count(
            &format!("SELECT COUNT() FROM Case WHERE Id = '{}'", &k1[..15]),
            &o
        )
        .unwrap(),
        1
    );
    assert_eq!(
        f.db.count(
            &format!("SELECT COUNT() FROM Case WHERE Id IN ('{k1}')"),
            &o
        )
        .unwrap(),
        1
    );
}

const VOCAB: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "ORDER",
    "BY",
    "LIMIT",
    "OFFSET",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "COUNT()",
    "(",
    ")",
    ",",
    ".",
    "=",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "'x'",
    "'\\'",
    "null",
    "true",
    "1",
    "-2.5",
    "2026-01-01",
    "2026-01-01T00:00:00Z",
    "TODAY",
    "LAST_N_DAYS:3",
    ":",
    "Id",
    "Subject",
    "Case",
    "Contact",
    "Contact.Account.Name",
    "Owner.Name",
    "CaseComments",
    "Score__c",
    "{",
    "}",
    "FIND",
    "RETURNING",
    "*",
    "é",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let f = fixture();
        if let Err(e) = f.db.query(&text, &opts()) {
            prop_assert_eq!(e.http_status(), 400, "{:?}", e);
        }
        if let Err(e) = f.db.search(&text, "62.0") {
            prop_assert_eq!(e.http_status(), 400, "{:?}", e);
        }
    }

    #[test]
    fn soql_like_token_soup_never_panics(toks in proptest::collection::vec(proptest::sample::select(VOCAB), 0..30)) {
        let f = fixture();
        let text = toks.join(" ");
        for q in [text.clone(), format!("SELECT Id FROM Case WHERE {text}")] {
            if let Err(e) = f.db.query(&q, &opts()) {
                prop_assert!(
                    ["MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE", "INVALID_QUERY_FILTER_OPERATOR"].contains(&e.error_code()),
                    "{}: {:?}", q, e
                );
            }
        }
        if let Err(e) = f.db.search(&format!("FIND {{xy}} {text}"), "62.0") {
            prop_assert_eq!(e.http_status(), 400, "{:?}", e);
        }
    }
}
