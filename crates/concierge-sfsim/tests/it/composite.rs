//! Composite: references between subrequests, all-or-none rollback with
//! PROCESSING_HALTED, one API call for the whole request; collections with a
//! failing item, with and without all-or-none.

use serde_json::{json, Value};

use crate::query::urlencode;
use crate::{json_of, TestSim, V};

async fn count(sim: &TestSim, token: &str, soql: &str) -> u64 {
    let (_, body) = json_of(
        sim.get(token, &sim.api(&format!("query?q={}", urlencode(soql))))
            .await,
    )
    .await;
    body["totalSize"].as_u64().unwrap()
}

#[tokio::test]
async fn references_flow_between_subrequests_and_count_once() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let before = sim.sim.state().limits.api.used();
    let req = json!({
        "allOrNone": true,
        "compositeRequest": [
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Account"), "referenceId": "acc", "body": {"Name": "Composite Co"}},
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Contact"), "referenceId": "con", "body": {"LastName": "Ref", "AccountId": "@{acc.id}"}},
            {"method": "GET", "url": format!("/services/data/{V}/sobjects/Contact/@{{con.id}}?fields=AccountId,LastName"), "referenceId": "read"},
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Case"), "referenceId": "case", "body": {"Subject": "For @{read.LastName}", "ContactId": "@{con.id}"}}
        ]
    });
    let (status, body) = json_of(sim.post(&token, &sim.api("composite"), &req).await).await;
    assert_eq!(status, 200, "{body}");
    let r = body["compositeResponse"].as_array().unwrap();
    assert_eq!(r.len(), 4);
    assert_eq!(r[0]["httpStatusCode"], 201);
    assert_eq!(r[0]["referenceId"], "acc");
    let acc = r[0]["body"]["id"].as_str().unwrap();
    assert_eq!(
        r[0]["httpHeaders"]["Location"],
        json!(format!("/services/data/{V}/sobjects/Account/{acc}"))
    );
    assert_eq!(r[2]["httpStatusCode"], 200);
    assert_eq!(r[2]["body"]["AccountId"], json!(acc));
    assert_eq!(r[3]["httpStatusCode"], 201, "{body}");
    let case_id = r[3]["body"]["id"].as_str().unwrap();
    let (_, case) = json_of(
        sim.get(&token, &sim.api(&format!("sobjects/Case/{case_id}")))
            .await,
    )
    .await;
    assert_eq!(case["Subject"], "For Ref");
    // The composite call counted as one API call.
    assert_eq!(sim.sim.state().limits.api.used(), before + 2);
}

#[tokio::test]
async fn all_or_none_rolls_back_and_halts() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let existing = sim
        .create(&token, "Case", json!({"Subject": "Untouched"}))
        .await;
    let survivor = sim
        .create(&token, "Case", json!({"Subject": "Survivor"}))
        .await;
    let req = json!({
        "allOrNone": true,
        "compositeRequest": [
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Account"), "referenceId": "acc", "body": {"Name": "Rollback Co"}},
            {"method": "PATCH", "url": format!("/services/data/{V}/sobjects/Case/{existing}"), "referenceId": "upd", "body": {"Subject": "Touched"}},
            {"method": "DELETE", "url": format!("/services/data/{V}/sobjects/Case/{survivor}"), "referenceId": "del"},
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Contact"), "referenceId": "bad", "body": {"FirstName": "No last name"}},
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Account"), "referenceId": "never", "body": {"Name": "Never"}}
        ]
    });
    let (status, body) = json_of(sim.post(&token, &sim.api("composite"), &req).await).await;
    assert_eq!(status, 200, "{body}");
    let r = body["compositeResponse"].as_array().unwrap();
    assert_eq!(r.len(), 5);
    for i in [0, 1, 2, 4] {
        assert_eq!(r[i]["httpStatusCode"], 400, "{body}");
        assert_eq!(r[i]["body"][0]["errorCode"], "PROCESSING_HALTED");
    }
    assert_eq!(r[4]["referenceId"], "never");
    assert_eq!(r[3]["httpStatusCode"], 400);
    assert_eq!(r[3]["body"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
    // The deleted case is back, and the created account left no trace even for queryAll.
    let (status, _) = json_of(
        sim.get(&token, &sim.api(&format!("sobjects/Case/{survivor}")))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let q = crate::query::urlencode("SELECT COUNT() FROM Account WHERE Name = 'Rollback Co'");
    let (_, all) = json_of(sim.get(&token, &sim.api(&format!("queryAll?q={q}"))).await).await;
    assert_eq!(all["totalSize"], 0);
    assert_eq!(
        count(
            &sim,
            &token,
            "SELECT COUNT() FROM Account WHERE Name = 'Rollback Co'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &sim,
            &token,
            "SELECT COUNT() FROM Account WHERE Name = 'Never'"
        )
        .await,
        0
    );
    let (_, case) = json_of(
        sim.get(&token, &sim.api(&format!("sobjects/Case/{existing}")))
            .await,
    )
    .await;
    assert_eq!(case["Subject"], "Untouched");
}

#[tokio::test]
async fn without_all_or_none_later_requests_still_run() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let req = json!({
        "compositeRequest": [
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Contact"), "referenceId": "bad", "body": {"FirstName": "x"}},
            {"method": "GET", "url": format!("/services/data/{V}/sobjects/Contact/@{{bad.id}}"), "referenceId": "dep"},
            {"method": "POST", "url": format!("/services/data/{V}/sobjects/Account"), "referenceId": "ok", "body": {"Name": "Independent Co"}}
        ]
    });
    let (status, body) = json_of(sim.post(&token, &sim.api("composite"), &req).await).await;
    assert_eq!(status, 200);
    let r = body["compositeResponse"].as_array().unwrap();
    assert_eq!(r[0]["httpStatusCode"], 400);
    assert_eq!(r[1]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(r[2]["httpStatusCode"], 201);
    let too_many: Vec<Value> = (0..26).map(|i| json!({"method": "GET", "url": format!("/services/data/{V}/limits"), "referenceId": format!("r{i}")})).collect();
    let (status, _) = json_of(
        sim.post(
            &token,
            &sim.api("composite"),
            &json!({"compositeRequest": too_many}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn collections_report_each_item() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let records = json!({"records": [
        {"attributes": {"type": "Account"}, "Name": "Coll One"},
        {"attributes": {"type": "Contact"}, "FirstName": "Missing"},
        {"Name": "No type"},
        {"attributes": {"type": "Account"}, "Name": "Coll Two"}
    ]});
    let (status, body) = json_of(
        sim.post(&token, &sim.api("composite/sobjects"), &records)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let r = body.as_array().unwrap();
    assert_eq!(r.len(), 4);
    assert_eq!(r[0]["success"], true);
    assert_eq!(r[0]["errors"], json!([]));
    assert!(r[0]["id"].as_str().unwrap().starts_with("001"));
    assert_eq!(r[1]["success"], false);
    assert_eq!(r[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(r[1]["errors"][0]["fields"], json!(["LastName"]));
    assert_eq!(r[2]["success"], false);
    assert_eq!(r[3]["success"], true);

    // Update both accounts, one with a bad id.
    let a = r[0]["id"].as_str().unwrap();
    let upd = json!({"records": [
        {"attributes": {"type": "Account"}, "id": a, "Name": "Coll One Renamed"},
        {"attributes": {"type": "Account"}, "id": "001000000000000AAA", "Name": "Ghost"}
    ]});
    let (status, body) = json_of(
        sim.patch(&token, &sim.api("composite/sobjects"), &upd)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["success"], true);
    assert_eq!(body[1]["success"], false);

    // Delete by ids.
    let b = r[3]["id"].as_str().unwrap();
    let (status, body) = json_of(
        sim.delete(&token, &sim.api(&format!("composite/sobjects?ids={a},{b}")))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!([{"id": a, "success": true, "errors": []}, {"id": b, "success": true, "errors": []}])
    );
}

#[tokio::test]
async fn collections_all_or_none_rolls_back() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let records = json!({"allOrNone": true, "records": [
        {"attributes": {"type": "Account"}, "Name": "AON One"},
        {"attributes": {"type": "Contact"}, "FirstName": "Missing"},
        {"attributes": {"type": "Account"}, "Name": "AON Two"}
    ]});
    let (status, body) = json_of(
        sim.post(&token, &sim.api("composite/sobjects/"), &records)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let r = body.as_array().unwrap();
    assert_eq!(r[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    for i in [0, 2] {
        assert_eq!(r[i]["success"], false);
        assert_eq!(
            r[i]["errors"][0]["statusCode"],
            "ALL_OR_NONE_OPERATION_ROLLED_BACK"
        );
    }
    assert_eq!(
        count(
            &sim,
            &token,
            "SELECT COUNT() FROM Account WHERE Name LIKE 'AON%'"
        )
        .await,
        0
    );
}
