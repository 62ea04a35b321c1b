//! Seeds (the demo org, errors that name the field) and describe metadata.

use concierge_sfsim::db::Db;
use concierge_sfsim::ids;
use concierge_sfsim::schema::{FieldDef, FieldType, Schema};
use concierge_sfsim::seed::Seed;
use serde_json::json;

use super::opts;

#[test]
fn the_demo_seed_loads() {
    let seed = Seed::demo();
    assert!(!seed.users.is_empty());
    let db = Db::from_seed(&seed).unwrap();
    assert_eq!(db.org_id(), "00D5g000004ABCDEAA");
    assert_eq!(db.org_name(), "Acme Support (simulated)");
    let user = db.user_by_username("CONCIERGE@acme.example").unwrap();
    assert_eq!(user["attributes"]["type"], "User");
    assert_eq!(user["Id"], ids::to18("0055g00000CnCrG").unwrap());
    assert!(db.user_by_username("admin@acme.example").is_some());
    assert!(db.user_by_username("nobody@acme.example").is_none());
    let o = opts();
    let queues = db
        .query(
            "SELECT Name FROM Group WHERE Type = 'Queue' ORDER BY Name",
            &o,
        )
        .unwrap();
    let names: Vec<&str> = queues.iter().map(|q| q["Name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        vec![
            "Billing",
            "Enterprise Escalations",
            "Tier1 Support",
            "Tier2 Support"
        ]
    );
    let tiers = db.query("SELECT Support_Tier__c FROM Account", &o).unwrap();
    assert!(tiers.len() >= 5);
    assert!(tiers.iter().any(|a| a["Support_Tier__c"] == "vip"));
    assert!(
        db.count("SELECT COUNT() FROM Contact WHERE Email != null", &o)
            .unwrap()
            >= 10
    );
    let en = db
        .count("SELECT COUNT() FROM KnowledgeArticleVersion WHERE PublishStatus = 'Online' AND Language = 'en_US'", &o)
        .unwrap();
    assert!((5..=10).contains(&en), "{en}");
    let de = db.count("SELECT COUNT() FROM KnowledgeArticleVersion WHERE PublishStatus = 'Online' AND Language = 'de'", &o).unwrap();
    assert_eq!(de, 1);
    let f = db
        .schema()
        .object("Case")
        .unwrap()
        .field("concierge_conversation_id__c")
        .unwrap()
        .clone();
    assert!(f.external_id && f.unique && f.custom && f.length == 64);
}

#[test]
fn a_bad_seed_names_the_field() {
    let e = Seed::from_yaml("cases:\n  - subject: x\n    priorty: High\n").unwrap_err();
    assert!(e.path.starts_with("cases[0]"), "{e}");
    assert!(e.message.contains("priorty"), "{e}");
    let e = Seed::from_yaml("cases:\n  - subject: x\n    priority: Urgent\n").unwrap_err();
    assert_eq!(e.path, "cases[0].Priority", "{e}");
    assert!(
        e.message
            .contains("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        "{e}"
    );
    let e = Seed::from_yaml("contacts:\n  - last_name: X\n    account: nowhere\n").unwrap_err();
    assert_eq!(e.path, "contacts[0].account", "{e}");
    let e = Seed::from_yaml("accounts:\n  - name: X\n    industry: [a]\n").unwrap_err();
    assert!(e.path.starts_with("accounts[0].industry"), "{e}");
    let e = Seed::from_yaml(
        "users:\n  - {username: a@x.example, last_name: A, email: a@x.example}\n  - {username: A@x.example, last_name: B, email: b@x.example}\n",
    )
    .unwrap_err();
    assert_eq!(e.path, "users[1].Username", "{e}");
    assert!(e.message.contains("DUPLICATE_VALUE"), "{e}");
    // JSON is YAML too.
    let json = Seed::from_yaml(r#"{"org_name": "J", "accounts": [{"key": "a", "name": "A"}], "contacts": [{"last_name": "L", "account": "a"}]}"#).unwrap();
    let db = Db::from_seed(&json).unwrap();
    assert_eq!(db.org_name(), "J");
    assert_eq!(
        db.query("SELECT Account.Name FROM Contact", &opts())
            .unwrap()[0]["Account"]["Name"],
        "A"
    );
    let e = Seed::from_yaml("org_id: nope\n").unwrap_err();
    assert_eq!(e.path, "org_id");
}

#[test]
fn describe_reports_fields_and_relationships() {
    let schema = Schema::standard();
    assert!(schema.object("case").is_some());
    let case = schema.object("Case").unwrap();
    let d = case.describe_json("62.0");
    assert_eq!(d["name"], "Case");
    assert_eq!(d["keyPrefix"], "500");
    assert_eq!(
        d["urls"]["describe"],
        "/services/data/v62.0/sobjects/Case/describe"
    );
    let fields = d["fields"].as_array().unwrap();
    let by_name = |n: &str| fields.iter().find(|f| f["name"] == n).unwrap().clone();
    assert_eq!(by_name("CaseNumber")["autoNumber"], true);
    assert_eq!(by_name("CaseNumber")["createable"], false);
    assert_eq!(by_name("Subject")["length"], 255);
    assert_eq!(by_name("Description")["length"], 32000);
    assert_eq!(by_name("OwnerId")["referenceTo"], json!(["User", "Group"]));
    assert_eq!(by_name("OwnerId")["relationshipName"], "Owner");
    let status_field = by_name("Status");
    let status: Vec<&str> = status_field["picklistValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_str().unwrap())
        .collect();
    assert_eq!(status, vec!["New", "Working", "Escalated", "Closed"]);
    let rels: Vec<&str> = d["childRelationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["relationshipName"].as_str().unwrap())
        .collect();
    assert!(rels.contains(&"CaseComments"));
    let acct = schema.object("Account").unwrap();
    assert!(
        acct.child_relationship("contacts").is_some() && acct.child_relationship("Cases").is_some()
    );
    let entry = acct.describe_global_entry("62.0");
    assert_eq!(entry["name"], "Account");
    assert!(entry.get("fields").is_none());
    let kav = schema.object("KnowledgeArticleVersion").unwrap();
    for f in [
        "Id",
        "KnowledgeArticleId",
        "Title",
        "UrlName",
        "Summary",
        "ArticleNumber",
        "PublishStatus",
        "Language",
        "IsLatestVersion",
        "LastPublishedDate",
    ] {
        assert!(kav.field(f).is_some(), "{f}");
    }
    assert!(schema
        .object("Knowledge__kav")
        .unwrap()
        .field("Body__c")
        .is_some());
    let mut s = schema.clone();
    let e = s
        .add_custom_field("Case", FieldDef::new("NoSuffix", "x", FieldType::String))
        .unwrap_err();
    assert_eq!(e.error_code(), "INVALID_FIELD");
    s.add_custom_field(
        "Case",
        FieldDef::new("Score__c", "Score", FieldType::Double),
    )
    .unwrap();
    assert_eq!(
        s.add_custom_field("Case", FieldDef::new("score__c", "x", FieldType::Double))
            .unwrap_err()
            .error_code(),
        "DUPLICATE_VALUE"
    );
}
