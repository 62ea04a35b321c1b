//! Bulk API 2.0 query jobs: create, poll to JobComplete, CSV results across
//! locator pages, abort, delete, list.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{json_of, TestSim, V};

async fn wait_complete(sim: &TestSim, token: &str, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, info) =
            json_of(sim.get(token, &sim.api(&format!("jobs/query/{id}"))).await).await;
        assert_eq!(status, 200, "{info}");
        if info["state"] == "JobComplete" {
            return info;
        }
        assert!(
            ["UploadComplete", "InProgress"].contains(&info["state"].as_str().unwrap()),
            "{info}"
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "job never completed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn query_job_to_csv_pages() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let acc = sim
        .create(&token, "Account", json!({"Name": "Bulk, \"Quoted\" Inc"}))
        .await;
    for i in 0..5 {
        sim.create(
            &token,
            "Case",
            json!({"Subject": format!("Bulk case {i}"), "AccountId": acc}),
        )
        .await;
    }
    let (status, info) = json_of(sim.post(&token, &sim.api("jobs/query"), &json!({
        "operation": "query",
        "query": "SELECT Id, Subject, Account.Name FROM Case WHERE Subject LIKE 'Bulk case%' ORDER BY Subject"
    })).await).await;
    assert_eq!(status, 200, "{info}");
    for k in [
        "id",
        "operation",
        "object",
        "createdById",
        "createdDate",
        "state",
        "concurrencyMode",
        "contentType",
        "apiVersion",
        "lineEnding",
        "columnDelimiter",
    ] {
        assert!(info.get(k).is_some(), "{k} missing from {info}");
    }
    assert_eq!(info["state"], "UploadComplete");
    assert_eq!(info["object"], "Case");
    assert_eq!(info["contentType"], "CSV");
    assert_eq!(info["apiVersion"], 62.0);
    let id = info["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("750"));
    let done = wait_complete(&sim, &token, &id).await;
    assert_eq!(done["numberRecordsProcessed"], 5);

    let res = sim
        .get(
            &token,
            &sim.api(&format!("jobs/query/{id}/results?maxRecords=3")),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv");
    assert_eq!(res.headers()["sforce-numberofrecords"], "3");
    let locator = res.headers()["sforce-locator"]
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(locator, "null");
    let page1 = res.text().await.unwrap();
    let lines: Vec<&str> = page1.lines().collect();
    assert_eq!(lines[0], "Id,Subject,Account.Name");
    assert_eq!(lines.len(), 4);
    assert!(
        lines[1].ends_with(",Bulk case 0,\"Bulk, \"\"Quoted\"\" Inc\""),
        "{}",
        lines[1]
    );

    let res = sim
        .get(
            &token,
            &sim.api(&format!(
                "jobs/query/{id}/results?locator={locator}&maxRecords=3"
            )),
        )
        .await;
    assert_eq!(res.headers()["sforce-locator"], "null");
    assert_eq!(res.headers()["sforce-numberofrecords"], "2");
    let page2 = res.text().await.unwrap();
    let lines: Vec<&str> = page2.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[2].contains("Bulk case 4"));

    let (status, list) = json_of(sim.get(&token, &sim.api("jobs/query")).await).await;
    assert_eq!(status, 200);
    assert!(list["records"]
        .as_array()
        .unwrap()
        .iter()
        .any(|j| j["id"] == json!(id)));
    assert_eq!(
        sim.delete(&token, &sim.api(&format!("jobs/query/{id}")))
            .await
            .status(),
        204
    );
    assert_eq!(
        sim.get(&token, &sim.api(&format!("jobs/query/{id}")))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn bad_jobs_are_refused_and_finished_jobs_cannot_be_aborted() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let (status, body) = json_of(
        sim.post(
            &token,
            &sim.api("jobs/query"),
            &json!({"operation": "query", "query": "SELEKT nonsense"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = json_of(
        sim.post(
            &token,
            &sim.api("jobs/query"),
            &json!({"operation": "insert", "query": "SELECT Id FROM Case"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    let (_, info) = json_of(
        sim.post(
            &token,
            &sim.api("jobs/query"),
            &json!({"operation": "queryAll", "query": "SELECT Id FROM Case", "lineEnding": "CRLF"}),
        )
        .await,
    )
    .await;
    let id = info["id"].as_str().unwrap().to_string();
    wait_complete(&sim, &token, &id).await;
    let res = sim
        .get(&token, &sim.api(&format!("jobs/query/{id}/results")))
        .await;
    assert!(res.text().await.unwrap().starts_with("Id\r\n"));
    let (status, _) = json_of(
        sim.patch(
            &token,
            &sim.api(&format!("jobs/query/{id}")),
            &json!({"state": "Aborted"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    let _ = V;
}

async fn wait_ingest(sim: &TestSim, token: &str, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, info) =
            json_of(sim.get(token, &sim.api(&format!("jobs/ingest/{id}"))).await).await;
        assert_eq!(status, 200, "{info}");
        if ["JobComplete", "Failed", "Aborted"].contains(&info["state"].as_str().unwrap()) {
            return info;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "ingest job never finished"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn run_ingest(sim: &TestSim, token: &str, job: Value, csv: &str) -> (String, Value) {
    let (status, info) = json_of(sim.post(token, &sim.api("jobs/ingest/"), &job).await).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["state"], "Open");
    let id = info["id"].as_str().unwrap().to_string();
    assert_eq!(
        info["contentUrl"],
        json!(format!("services/data/{V}/jobs/ingest/{id}/batches"))
    );
    let res = sim
        .http
        .put(sim.api(&format!("jobs/ingest/{id}/batches")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let (status, info) = json_of(
        sim.patch(
            token,
            &sim.api(&format!("jobs/ingest/{id}")),
            &json!({"state": "UploadComplete"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{info}");
    let done = wait_ingest(sim, token, &id).await;
    (id, done)
}

#[tokio::test]
async fn ingest_insert_with_a_failing_row() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let csv = "FirstName,LastName,Email\nAda,Ingested,ada@ingest.example\n\"Bob, Jr\",Ingested,\nNo,,nolast@ingest.example\n";
    let (id, done) = run_ingest(
        &sim,
        &token,
        json!({"object": "Contact", "operation": "insert", "contentType": "CSV", "lineEnding": "LF"}),
        csv,
    )
    .await;
    assert_eq!(done["state"], "JobComplete", "{done}");
    assert_eq!(done["numberRecordsProcessed"], 3);
    assert_eq!(done["numberRecordsFailed"], 1);

    let ok = sim
        .get(
            &token,
            &sim.api(&format!("jobs/ingest/{id}/successfulResults/")),
        )
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = ok.lines().collect();
    assert_eq!(lines[0], "sf__Id,sf__Created,FirstName,LastName,Email");
    assert_eq!(lines.len(), 3);
    assert!(
        lines[1].starts_with("003") && lines[1].contains(",true,Ada,Ingested,"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("\"Bob, Jr\""), "{}", lines[2]);

    let bad = sim
        .get(
            &token,
            &sim.api(&format!("jobs/ingest/{id}/failedResults/")),
        )
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = bad.lines().collect();
    assert_eq!(lines[0], "sf__Id,sf__Error,FirstName,LastName,Email");
    assert!(lines[1].contains("REQUIRED_FIELD_MISSING"), "{}", lines[1]);

    let q = crate::query::urlencode("SELECT COUNT() FROM Contact WHERE LastName = 'Ingested'");
    let (_, body) = json_of(sim.get(&token, &sim.api(&format!("query?q={q}"))).await).await;
    assert_eq!(body["totalSize"], 2);
}

#[tokio::test]
async fn ingest_upsert_by_external_id() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let url = sim.api("sobjects/Case/Concierge_Conversation_Id__c/bulk-1");
    let (status, _) = json_of(sim.patch(&token, &url, &json!({"Subject": "Before"})).await).await;
    assert_eq!(status, 201);
    let csv = "Concierge_Conversation_Id__c,Subject\nbulk-1,After\nbulk-2,Brand new\n";
    let (id, done) = run_ingest(
        &sim,
        &token,
        json!({"object": "Case", "operation": "upsert", "externalIdFieldName": "Concierge_Conversation_Id__c"}),
        csv,
    )
    .await;
    assert_eq!(done["numberRecordsFailed"], 0, "{done}");
    let ok = sim
        .get(
            &token,
            &sim.api(&format!("jobs/ingest/{id}/successfulResults/")),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(ok.contains(",false,bulk-1,After"), "{ok}");
    assert!(ok.contains(",true,bulk-2,Brand new"), "{ok}");
    let (_, case) = json_of(sim.get(&token, &url).await).await;
    assert_eq!(case["Subject"], "After");
    // A finished job refuses more data.
    let res = sim
        .http
        .put(sim.api(&format!("jobs/ingest/{id}/batches")))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body("Subject\nx\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}
