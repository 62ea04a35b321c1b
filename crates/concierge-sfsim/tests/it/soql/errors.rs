//! Query errors: MALFORMED_QUERY with Salesforce's row and column, unknown
//! fields, types and relationships, literal type mismatches, limits.

use concierge_sfsim::db::DbError;

use super::super::db::opts;
use super::{err, fixture};

fn position(e: &DbError) -> (usize, usize) {
    match e {
        DbError::MalformedQuery { row, column, .. } => (*row, *column),
        other => panic!("not MALFORMED_QUERY: {other:?}"),
    }
}

#[test]
fn errors_are_salesforce_shaped_with_positions() {
    let f = fixture();
    let e = err(&f, "SELECT Id FROM Case WHERE");
    assert_eq!((e.error_code(), e.http_status()), ("MALFORMED_QUERY", 400));
    assert_eq!(position(&e), (1, 26));
    assert!(
        e.message().contains("ERROR at Row:1:Column:26"),
        "{}",
        e.message()
    );
    assert!(
        e.message().contains("unexpected token: <EOF>"),
        "{}",
        e.message()
    );
    let e = err(&f, "SELECT Id\nFROM Case\nWHERE Subject = = 'x'");
    assert_eq!(position(&e), (3, 17));
    assert!(e.message().contains("unexpected token: '='"));
    let e = err(&f, "SELECT Id, Foo FROM Case");
    assert_eq!(
        (e.error_code(), e.fields()),
        ("INVALID_FIELD", vec!["Foo".to_string()])
    );
    assert!(
        e.message()
            .contains("No such column 'Foo' on entity 'Case'"),
        "{}",
        e.message()
    );
    assert!(e.message().contains("Column:12"), "{}", e.message());
    let e = err(&f, "SELECT Contact.Bogus.Name FROM Case");
    assert_eq!(e.error_code(), "INVALID_FIELD");
    assert!(e
        .message()
        .contains("Didn't understand relationship 'Bogus'"));
    let e = err(&f, "SELECT Id FROM Nope");
    assert_eq!((e.error_code(), e.http_status()), ("INVALID_TYPE", 400));
    assert!(e
        .message()
        .starts_with("sObject type 'Nope' is not supported."));
    let e = err(&f, "SELECT Id FROM Case WHERE Subject = 5");
    assert!(
        e.message()
            .contains("must be of type string and should be enclosed in quotes"),
        "{}",
        e.message()
    );
    let e = err(&f, "SELECT Id FROM Case WHERE IsClosed = 'true'");
    assert!(
        e.message()
            .contains("must be of type boolean and should not be enclosed in quotes"),
        "{}",
        e.message()
    );
    assert_eq!(
        err(&f, "SELECT Id FROM Case WHERE IsClosed LIKE 'x'").error_code(),
        "INVALID_QUERY_FILTER_OPERATOR"
    );
    assert_eq!(
        err(&f, "SELECT Id FROM Case WHERE Id = 'xyz'").error_code(),
        "INVALID_QUERY_FILTER_OPERATOR"
    );
    assert_eq!(
        err(
            &f,
            "SELECT Id FROM Case WHERE Due__c = 2026-12-04T00:00:00Z"
        )
        .error_code(),
        "MALFORMED_QUERY"
    );
    assert_eq!(
        err(&f, "SELECT Id FROM Case WHERE Subject < null").error_code(),
        "MALFORMED_QUERY"
    );
    for bad in [
        "",
        "SELECT",
        "SELECT FROM Case",
        "SELECT Id FROM",
        "SELECT Id FROM Case GROUP BY Status",
        "SELECT Id FROM Case LIMIT -1",
        "SELECT Id FROM Case LIMIT x",
        "SELECT Id FROM Case WHERE Subject IN ()",
        "SELECT Id FROM Case WHERE Subject = :bind",
        "SELECT Id FROM Case WHERE (Subject = 'a'",
        "SELECT Id FROM Case WHERE Subject = 'unterminated",
        "SELECT Id FROM Case WHERE CreatedDate = LAST_N_DAYS",
        "SELECT Id FROM Case WHERE CreatedDate = 2026-13-45",
        "SELECT COUNT(), Id FROM Case",
        "SELECT Id, (SELECT Id, (SELECT Id FROM CaseComments) FROM CaseComments) FROM Case",
        "SELECT Id FROM KnowledgeArticleVersion",
        "SELECT Description FROM Case ORDER BY Description",
        "DELETE FROM Case",
    ] {
        let e = f.db.query(bad, &opts()).expect_err(bad);
        assert_eq!(e.error_code(), "MALFORMED_QUERY", "{bad}: {e:?}");
    }
    let long = format!(
        "SELECT Id FROM Case WHERE Subject = '{}'",
        "x".repeat(100_001)
    );
    assert_eq!(err(&f, &long).error_code(), "MALFORMED_QUERY");
    let deep = format!(
        "SELECT Id FROM Case WHERE {}Subject = 'x'{}",
        "(".repeat(5_000),
        ")".repeat(5_000)
    );
    assert_eq!(err(&f, &deep).error_code(), "MALFORMED_QUERY");
    // Accepted no-op clauses.
    assert_eq!(
        f.db.query(
            "SELECT Id FROM Case WITH SECURITY_ENFORCED LIMIT 1 FOR VIEW",
            &opts()
        )
        .unwrap()
        .len(),
        1
    );
}
