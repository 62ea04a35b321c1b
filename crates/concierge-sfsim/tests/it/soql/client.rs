//! The queries Concierge's Salesforce sync sends, verbatim, against the demo
//! org; and `FIELDS()`.

use serde_json::Value;

use super::super::db::{opts, org};

#[test]
fn the_sync_layers_queries_run_on_the_demo_org() {
    let db = org();
    let o = opts();
    let kav = db
        .query(
            "SELECT Id, KnowledgeArticleId, Title, UrlName, Summary, ArticleNumber, Language, LastPublishedDate, Body__c \
             FROM Knowledge__kav WHERE (PublishStatus = 'Online') AND (Language = 'en_US') \
             AND (LastPublishedDate > 2020-01-01T00:00:00Z) ORDER BY LastPublishedDate ASC LIMIT 2000",
            &o,
        )
        .unwrap();
    assert!(kav.len() >= 5);
    assert!(kav
        .iter()
        .all(|r| r["Body__c"].as_str().is_some_and(|b| b.starts_with("<p>"))));
    assert!(kav
        .iter()
        .all(|r| r["attributes"]["type"] == "Knowledge__kav"));
    let later = db
        .query(
            "SELECT Id FROM Knowledge__kav WHERE (PublishStatus = 'Online') AND (Language = 'en_US') AND (LastPublishedDate > 2999-01-01T00:00:00Z)",
            &o,
        )
        .unwrap();
    assert!(later.is_empty());
    let contact = db
        .query("SELECT Id, FirstName, LastName, AccountId, Account.Support_Tier__c FROM Contact WHERE (Email = 'hank.scorpio@globex.example') ORDER BY CreatedDate ASC", &o)
        .unwrap();
    assert_eq!(contact[0]["Account"]["Support_Tier__c"], "enterprise");
    let id = contact[0]["Id"].as_str().unwrap();
    let open = db
        .query(
            &format!(
                "SELECT Id, CaseNumber, Subject, Status, Priority, Origin, ContactEmail, CreatedDate, LastModifiedDate FROM Case \
                 WHERE (ContactId = '{id}') AND (IsClosed = false) ORDER BY CreatedDate DESC"
            ),
            &o,
        )
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["ContactEmail"], "hank.scorpio@globex.example");
    let number = open[0]["CaseNumber"].as_str().unwrap();
    let by_number = db
        .query(
            &format!("SELECT Id, Subject FROM Case WHERE (CaseNumber = '{number}') LIMIT 1"),
            &o,
        )
        .unwrap();
    assert_eq!(by_number[0]["Id"], open[0]["Id"]);
    let queue = db
        .query(
            "SELECT Id, Name FROM Group WHERE (Type = 'Queue') AND (Name = 'Billing')",
            &o,
        )
        .unwrap();
    assert!(queue[0]["Id"].as_str().unwrap().starts_with("00G"));
    let case_id = open[0]["Id"].as_str().unwrap();
    let comments = db
        .query(
            &format!("SELECT Id, CommentBody FROM CaseComment WHERE (ParentId = '{case_id}')"),
            &o,
        )
        .unwrap();
    assert_eq!(comments.len(), 1);
}

#[test]
fn fields_functions() {
    let db = org();
    let o = opts();
    let rows = db.query("SELECT FIELDS(STANDARD) FROM Case", &o).unwrap();
    assert!(!rows.is_empty());
    assert!(rows[0].contains_key("Subject") && rows[0].contains_key("CaseNumber"));
    assert!(!rows[0].contains_key("Concierge_Conversation_Id__c"));
    let custom = db
        .query("SELECT Id, FIELDS(CUSTOM) FROM Case LIMIT 1", &o)
        .unwrap();
    let keys: Vec<&String> = custom[0].keys().collect();
    assert_eq!(
        keys,
        vec!["Concierge_Conversation_Id__c", "Id", "attributes"]
    );
    let all = db
        .query("SELECT FIELDS(ALL) FROM Account LIMIT 200", &o)
        .unwrap();
    assert!(all[0].contains_key("Support_Tier__c") && all[0].contains_key("Name"));
    for bad in [
        "SELECT FIELDS(ALL) FROM Case",
        "SELECT FIELDS(CUSTOM) FROM Case LIMIT 201",
        "SELECT FIELDS(SOME) FROM Case",
    ] {
        let e = db.query(bad, &o).unwrap_err();
        assert_eq!(e.error_code(), "MALFORMED_QUERY", "{bad}");
    }
    assert!(rows.iter().all(|r| r["IsDeleted"] == Value::Bool(false)));
}
