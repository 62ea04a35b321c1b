//! Knowledge queries (PublishStatus required) and SOSL on the demo org.

use super::super::db::{opts, org};

#[test]
fn knowledge_queries_need_publish_status() {
    let db = org();
    let rows = db
        .query(
            "SELECT Id, Title, UrlName, Summary, ArticleNumber, KnowledgeArticleId, LastPublishedDate FROM KnowledgeArticleVersion \
             WHERE PublishStatus = 'Online' AND Language = 'en_US' AND IsLatestVersion = true ORDER BY Title",
            &opts(),
        )
        .unwrap();
    assert!(rows.len() >= 5);
    assert!(rows
        .iter()
        .all(|r| r["attributes"]["type"] == "KnowledgeArticleVersion"
            && r["ArticleNumber"].is_string()));
    let kav = db.query("SELECT Title, Body__c FROM Knowledge__kav WHERE PublishStatus = 'Online' AND UrlName = 'reset-password'", &opts()).unwrap();
    assert!(kav[0]["Body__c"]
        .as_str()
        .unwrap()
        .contains("Forgot password"));
    let e = db
        .query(
            "SELECT Body__c FROM KnowledgeArticleVersion WHERE PublishStatus = 'Online'",
            &opts(),
        )
        .unwrap_err();
    assert_eq!(e.error_code(), "INVALID_FIELD");
}

#[test]
fn sosl_search() {
    let db = org();
    let hits = db
        .search("FIND {password} IN ALL FIELDS RETURNING KnowledgeArticleVersion(Id, Title, Language WHERE PublishStatus = 'Online' AND Language = 'en_US')", "62.0")
        .unwrap();
    let titles: Vec<&str> = hits.iter().map(|h| h["Title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"How to reset your password"), "{titles:?}");
    assert!(hits
        .iter()
        .all(|h| h["Language"] == "en_US" && h["attributes"]["type"] == "KnowledgeArticleVersion"));
    // Without RETURNING: Id only, from every searchable object (the contact, and
    // the case whose ContactEmail is the contact's).
    let hits = db.search("find {SCORPIO}", "62.0").unwrap();
    let mut types: Vec<&str> = hits
        .iter()
        .map(|h| h["attributes"]["type"].as_str().unwrap())
        .collect();
    types.sort();
    assert_eq!(types, vec!["Case", "Contact"]);
    assert!(hits.iter().all(|h| h.len() == 2 && h["Id"].is_string()));
    let hits = db
        .search("FIND {hank.scorpio@globex.example} IN EMAIL FIELDS RETURNING Contact(Name, Account.Name), Account", "62.0")
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["Name"], "Hank Scorpio");
    assert_eq!(hits[0]["Account"]["Name"], "Globex Corporation");
    let hits = db
        .search(
            "FIND {pass*d} RETURNING Knowledge__kav(Title WHERE PublishStatus = 'Online' LIMIT 1)",
            "62.0",
        )
        .unwrap();
    assert_eq!(hits.len(), 1);
    let both = db
        .search(
            "FIND {globex OR initech} RETURNING Account(Name ORDER BY Name)",
            "62.0",
        )
        .unwrap();
    let names: Vec<&str> = both.iter().map(|h| h["Name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Globex Corporation", "Initech"]);
    assert!(
        db.search("FIND {globex initech} RETURNING Account(Name)", "62.0")
            .unwrap()
            .is_empty(),
        "words are ANDed"
    );
    assert_eq!(
        db.search("FIND {hank} RETURNING Contact LIMIT 0", "62.0")
            .unwrap()
            .len(),
        0
    );
    for bad in [
        "FIND password",
        "FIND {a}",
        "FIND {unterminated",
        "SELECT Id FROM Case",
        "FIND {ok} RETURNING",
    ] {
        let e = db.search(bad, "62.0").expect_err(bad);
        assert!(
            ["MALFORMED_SEARCH", "MALFORMED_QUERY"].contains(&e.error_code()),
            "{bad}: {e:?}"
        );
    }
    assert_eq!(
        db.search("FIND {hank} RETURNING Nope", "62.0")
            .unwrap_err()
            .error_code(),
        "INVALID_TYPE"
    );
}
