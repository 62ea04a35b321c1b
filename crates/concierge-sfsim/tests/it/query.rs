//! Query: paging over more than 2,000 records through `nextRecordsUrl`,
//! `batchSize`, `queryAll` with deleted rows, bad SOQL and locators, SOSL.

use serde_json::{json, Value};

use crate::{json_of, TestSim, V};

/// Creates `n` cases straight in the database (fast) with a marker subject.
fn bulk_cases(sim: &TestSim, n: usize, marker: &str) -> Vec<String> {
    let db = sim.sim.db();
    let user = db.user_by_username(&sim.username()).unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let ctx = concierge_sfsim::db::WriteCtx::rest(&user, "62.0");
    (0..n)
        .map(|i| {
            let mut r = serde_json::Map::new();
            r.insert("Subject".into(), json!(format!("{marker} {i}")));
            db.create(&ctx, "Case", r).unwrap()
        })
        .collect()
}

async fn get_json(sim: &TestSim, token: &str, url: &str, batch: Option<usize>) -> (u16, Value) {
    let mut req = sim.http.get(url).bearer_auth(token);
    if let Some(b) = batch {
        req = req.header("Sforce-Query-Options", format!("batchSize={b}"));
    }
    json_of(req.send().await.unwrap()).await
}

#[tokio::test]
async fn paging_over_more_than_2000_records() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let ids = bulk_cases(&sim, 2300, "Paging");
    let q = urlencode("SELECT Id, Subject FROM Case WHERE Subject LIKE 'Paging%'");
    let (status, body) = get_json(&sim, &token, &sim.api(&format!("query?q={q}")), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["totalSize"], 2300);
    assert_eq!(body["done"], false);
    assert_eq!(body["records"].as_array().unwrap().len(), 2000);
    let next = body["nextRecordsUrl"].as_str().unwrap().to_string();
    assert!(
        next.starts_with(&format!("/services/data/{V}/query/01g")),
        "{next}"
    );
    assert!(next.ends_with("-2000"), "{next}");
    let first_url = &body["records"][0]["attributes"]["url"];
    assert!(first_url
        .as_str()
        .unwrap()
        .starts_with(&format!("/services/data/{V}/sobjects/Case/")));

    let (status, page2) = get_json(&sim, &token, &sim.url(&next), None).await;
    assert_eq!(status, 200, "{page2}");
    assert_eq!(page2["done"], true);
    assert_eq!(page2["totalSize"], 2300);
    assert_eq!(page2["records"].as_array().unwrap().len(), 300);
    assert!(page2.get("nextRecordsUrl").is_none());

    let mut seen: Vec<String> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .chain(page2["records"].as_array().unwrap())
        .map(|r| r["Id"].as_str().unwrap().to_string())
        .collect();
    seen.sort();
    let mut expected = ids;
    expected.sort();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn batch_size_header_sets_the_page() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    bulk_cases(&sim, 450, "Batch");
    let q = urlencode("SELECT Id FROM Case WHERE Subject LIKE 'Batch%'");
    let (_, p1) = get_json(&sim, &token, &sim.api(&format!("query/?q={q}")), Some(200)).await;
    assert_eq!(p1["records"].as_array().unwrap().len(), 200);
    let (_, p2) = get_json(
        &sim,
        &token,
        &sim.url(p1["nextRecordsUrl"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(p2["records"].as_array().unwrap().len(), 200);
    assert_eq!(p2["done"], false);
    let (_, p3) = get_json(
        &sim,
        &token,
        &sim.url(p2["nextRecordsUrl"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(p3["records"].as_array().unwrap().len(), 50);
    assert_eq!(p3["done"], true);
    // A batch size below 200 is raised to 200.
    let (_, p) = get_json(&sim, &token, &sim.api(&format!("query?q={q}")), Some(10)).await;
    assert_eq!(p["records"].as_array().unwrap().len(), 200);
}

#[tokio::test]
async fn unknown_locator_is_invalid_query_locator() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let (status, body) = get_json(&sim, &token, &sim.api("query/01gNOPENOPENOPE-2000"), None).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn query_all_sees_deleted_rows() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let id = sim
        .create(&token, "Case", json!({"Subject": "Doomed case"}))
        .await;
    assert_eq!(
        sim.delete(&token, &sim.api(&format!("sobjects/Case/{id}")))
            .await
            .status(),
        204
    );
    let q = urlencode("SELECT Id, IsDeleted FROM Case WHERE Subject = 'Doomed case'");
    let (_, body) = get_json(&sim, &token, &sim.api(&format!("query?q={q}")), None).await;
    assert_eq!(body["totalSize"], 0);
    let (status, body) = get_json(&sim, &token, &sim.api(&format!("queryAll?q={q}")), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["totalSize"], 1);
    assert_eq!(body["records"][0]["Id"], json!(id));
    assert_eq!(body["records"][0]["IsDeleted"], true);
}

#[tokio::test]
async fn malformed_soql_and_count() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let (status, body) = get_json(
        &sim,
        &token,
        &sim.api(&format!("query?q={}", urlencode("SELEKT Id FROM Case"))),
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "MALFORMED_QUERY");
    let (status, body) = get_json(&sim, &token, &sim.api("query"), None).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "MALFORMED_QUERY");
    bulk_cases(&sim, 7, "Counted");
    let (status, body) = get_json(
        &sim,
        &token,
        &sim.api(&format!(
            "query?q={}",
            urlencode("SELECT COUNT() FROM Case WHERE Subject LIKE 'Counted%'")
        )),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"totalSize": 7, "done": true, "records": []}));
}

#[tokio::test]
async fn sosl_search() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let id = sim
        .create(
            &token,
            "Case",
            json!({"Subject": "Zanzibar router meltdown"}),
        )
        .await;
    let q = urlencode("FIND {Zanzibar} RETURNING Case(Id, Subject)");
    let (status, body) = get_json(&sim, &token, &sim.api(&format!("search/?q={q}")), None).await;
    assert_eq!(status, 200, "{body}");
    let hits = body["searchRecords"].as_array().unwrap();
    assert!(hits.iter().any(|r| r["Id"] == json!(id)), "{body}");
    assert_eq!(hits[0]["attributes"]["type"], "Case");
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
