//! Aggregate queries (GROUP BY with COUNT, COUNT_DISTINCT, MIN, MAX, SUM,
//! AVG) and semi-/anti-joins (`IN (SELECT Id …)`).

use serde_json::{json, Value};

use super::super::db::opts;
use super::{err, fixture};

#[test]
fn aggregates_with_and_without_group_by() {
    let f = fixture();
    let o = opts();
    let all = f.db.query("SELECT COUNT(Id) FROM Case", &o).unwrap();
    assert_eq!(
        all,
        vec![
            json!({"attributes": {"type": "AggregateResult"}, "expr0": 4})
                .as_object()
                .unwrap()
                .clone()
        ]
    );
    let high =
        f.db.query("SELECT COUNT(Id) n FROM Case WHERE Priority = 'High'", &o)
            .unwrap();
    assert_eq!(high[0]["n"], 2);
    let stats = f
        .db
        .query(
            "SELECT COUNT_DISTINCT(Priority), MIN(Sla__c), MAX(Score__c) top, AVG(Score__c) FROM Case",
            &o,
        )
        .unwrap();
    assert_eq!(stats[0]["expr0"], 3);
    assert_eq!(stats[0]["expr1"], "2025-12-31T23:59:59.000+0000");
    assert_eq!(stats[0]["top"], 10.0);
    assert_eq!(stats[0]["expr2"], 6.5);
    let grouped = f
        .db
        .query(
            "SELECT Priority, COUNT(Id) n, MAX(Score__c), SUM(Score__c) total FROM Case GROUP BY Priority ORDER BY Priority DESC",
            &o,
        )
        .unwrap();
    let rows: Vec<(Value, Value, Value, Value)> = grouped
        .iter()
        .map(|r| {
            (
                r["Priority"].clone(),
                r["n"].clone(),
                r["expr0"].clone(),
                r["total"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (json!("Medium"), json!(1), Value::Null, Value::Null),
            (json!("Low"), json!(1), json!(2.5), json!(2.5)),
            (json!("High"), json!(2), json!(10.0), json!(17.0)),
        ]
    );
    let by_account = f
        .db
        .query("SELECT Account.Name, COUNT(Id) FROM Case GROUP BY Account.Name ORDER BY Account.Name NULLS LAST LIMIT 2", &o)
        .unwrap();
    assert_eq!(by_account.len(), 2);
    assert_eq!(
        (
            by_account[0]["Name"].clone(),
            by_account[0]["expr0"].clone()
        ),
        (json!("Acme"), json!(1))
    );
    for bad in [
        "SELECT Subject, COUNT(Id) FROM Case GROUP BY Priority",
        "SELECT SUM(Subject) FROM Case",
        "SELECT Priority FROM Case GROUP BY Priority HAVING COUNT(Id) > 1",
        "SELECT Priority, COUNT(Id) FROM Case GROUP BY Priority ORDER BY Subject",
        "SELECT COUNT(Nope__c) FROM Case",
    ] {
        let e = err(&f, bad);
        assert!(
            ["MALFORMED_QUERY", "INVALID_FIELD"].contains(&e.error_code()),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn semi_and_anti_joins() {
    let f = fixture();
    let keys = |filter: &str| super::keys(&f, filter);
    assert_eq!(
        keys("WHERE ContactId IN (SELECT Id FROM Contact WHERE Email LIKE '%@acme.example')"),
        vec!["k1"]
    );
    assert_eq!(
        keys("WHERE AccountId IN (SELECT Id FROM Account WHERE Name IN ('Acme', 'Beta'))"),
        vec!["k1", "k2"]
    );
    assert_eq!(
        keys("WHERE ContactId NOT IN (SELECT Id FROM Contact WHERE LastName = 'Lee')"),
        vec!["k2", "k3", "k4"]
    );
    assert_eq!(keys("WHERE Id IN (SELECT ParentId FROM CaseComment WHERE IsPublished = true) AND Priority = 'High'"), vec!["k1"]);
    let accounts = f
        .db
        .query("SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE FirstName = 'Bob')", &opts())
        .unwrap();
    assert_eq!(accounts[0]["Name"], "Beta");
    for bad in [
        "SELECT Id FROM Case WHERE ContactId IN (SELECT Id, LastName FROM Contact)",
        "SELECT Id FROM Case WHERE Subject IN (SELECT Id FROM Contact)",
        "SELECT Id FROM Case WHERE ContactId IN (SELECT LastName FROM Contact)",
        "SELECT Id FROM Case WHERE ContactId IN (SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account))",
        "SELECT Id FROM Case WHERE ContactId IN (SELECT Id FROM Contact",
    ] {
        assert_eq!(err(&f, bad).error_code(), "MALFORMED_QUERY", "{bad}");
    }
    assert_eq!(
        err(
            &f,
            "SELECT Id FROM Case WHERE ContactId IN (SELECT Id FROM Nope)"
        )
        .error_code(),
        "INVALID_TYPE"
    );
}
