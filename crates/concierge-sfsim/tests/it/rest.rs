//! REST: versions, describe, record create/read/update/delete/upsert, error
//! bodies, content types, and the limit header.

use serde_json::{json, Value};

use crate::{json_of, TestSim, V};

#[tokio::test]
async fn versions_list_needs_no_auth_and_has_no_limit_header() {
    let sim = TestSim::start().await;
    let res = sim
        .http
        .get(sim.url("/services/data/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("sforce-limit-info").is_none());
    let body: Value = res.json().await.unwrap();
    let list = body.as_array().unwrap();
    assert_eq!(list.first().unwrap()["version"], "44.0");
    assert_eq!(
        list.last().unwrap(),
        &json!({"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"})
    );
    assert_eq!(list.len(), 19);
}

#[tokio::test]
async fn unsupported_version_is_404_and_no_token_is_401() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let (status, body) = json_of(
        sim.get(&token, &sim.url("/services/data/v20.0/sobjects/"))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");
    let res = sim.http.get(sim.api("sobjects/")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let (status, body) = json_of(sim.get("00Dxx!AQnope", &sim.api("sobjects/")).await).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
}

#[tokio::test]
async fn describe_global_and_object() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let (status, body) = json_of(sim.get(&token, &sim.api("sobjects/")).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["encoding"], "UTF-8");
    assert_eq!(body["maxBatchSize"], 200);
    let names: Vec<&str> = body["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for n in ["Account", "Case", "Contact", "CaseComment", "User"] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let (status, body) = json_of(sim.get(&token, &sim.api("sobjects/Case/describe")).await).await;
    assert_eq!(status, 200);
    let ext = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Concierge_Conversation_Id__c")
        .unwrap();
    assert_eq!(ext["externalId"], true);
    assert_eq!(
        body["urls"]["sobject"],
        json!(format!("/services/data/{V}/sobjects/Case"))
    );
    let (status, body) = json_of(sim.get(&token, &sim.api("sobjects/Case")).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["objectDescribe"]["name"], "Case");
    let (status, body) =
        json_of(sim.get(&token, &sim.api("sobjects/Nope__c/describe")).await).await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");
}

#[tokio::test]
async fn record_lifecycle() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let res = sim
        .post(
            &token,
            &sim.api("sobjects/Case/"),
            &json!({"Subject": "Printer on fire", "Origin": "Web"}),
        )
        .await;
    assert!(res
        .headers()
        .get("sforce-limit-info")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("api-usage="));
    let (status, body) = json_of(res).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    assert_eq!(body, json!({"id": id, "errors": [], "success": true}));
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("500"));

    let (status, body) = json_of(
        sim.get(
            &token,
            &sim.api(&format!("sobjects/Case/{id}?fields=Subject,Status")),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["attributes"],
        json!({"type": "Case", "url": format!("/services/data/{V}/sobjects/Case/{id}")})
    );
    assert_eq!(body["Subject"], "Printer on fire");

    let res = sim
        .patch(
            &token,
            &sim.api(&format!("sobjects/Case/{id}")),
            &json!({"Subject": "Printer extinguished"}),
        )
        .await;
    assert_eq!(res.status(), 204);
    let (_, body) = json_of(
        sim.get(&token, &sim.api(&format!("sobjects/Case/{id}")))
            .await,
    )
    .await;
    assert_eq!(body["Subject"], "Printer extinguished");
    assert!(body.get("CaseNumber").is_some());

    let res = sim
        .delete(&token, &sim.api(&format!("sobjects/Case/{id}")))
        .await;
    assert_eq!(res.status(), 204);
    let (status, body) = json_of(
        sim.get(&token, &sim.api(&format!("sobjects/Case/{id}")))
            .await,
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        body[0]["errorCode"] == "NOT_FOUND" || body[0]["errorCode"] == "ENTITY_IS_DELETED",
        "{body}"
    );
}

#[tokio::test]
async fn create_errors_carry_codes_and_fields() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let (status, body) = json_of(
        sim.post(
            &token,
            &sim.api("sobjects/Case/"),
            &json!({"Id": "500000000000000AAA", "Subject": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!([{"message": "The Id field should not be specified in the sobject data.", "errorCode": "INVALID_FIELD", "fields": ["Id"]}])
    );
    let (status, body) = json_of(
        sim.post(
            &token,
            &sim.api("sobjects/Contact/"),
            &json!({"FirstName": "No"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "REQUIRED_FIELD_MISSING");
    assert_eq!(body[0]["fields"], json!(["LastName"]));
    let (status, body) = json_of(
        sim.post(&token, &sim.api("sobjects/Case/"), &json!({"Bogus__c": 1}))
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_FIELD");
    // Malformed JSON, wrong content type, wrong method.
    let res = sim
        .http
        .post(sim.api("sobjects/Case/"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(res).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "JSON_PARSER_ERROR");
    let res = sim
        .http
        .post(sim.api("sobjects/Case/"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let res = sim
        .http
        .put(sim.api("sobjects/Case/500000000000000AAA"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(res).await;
    assert_eq!(status, 405);
    assert_eq!(body[0]["errorCode"], "METHOD_NOT_ALLOWED");
    let (status, body) = json_of(sim.get(&token, &sim.api("sobjects/Case/garbage")).await).await;
    assert!(status == 400 || status == 404, "{status}");
    assert!(
        body[0]["errorCode"] == "MALFORMED_ID" || body[0]["errorCode"] == "NOT_FOUND",
        "{body}"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let sim = TestSim::start_with(|c| c.max_body_bytes = 1024).await;
    let token = sim.token().await;
    let big = "x".repeat(4096);
    let res = sim
        .post(
            &token,
            &sim.api("sobjects/Case/"),
            &json!({"Description": big}),
        )
        .await;
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn upsert_creates_updates_and_reports_multiple_matches() {
    let sim = TestSim::start().await;
    let token = sim.token().await;
    let url = sim.api("sobjects/Case/Concierge_Conversation_Id__c/conv-123");
    let (status, body) = json_of(sim.patch(&token, &url, &json!({"Subject": "First"})).await).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    assert_eq!(
        body,
        json!({"id": id, "errors": [], "success": true, "created": true})
    );
    let (status, body) =
        json_of(sim.patch(&token, &url, &json!({"Subject": "Second"})).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"id": id, "errors": [], "success": true, "created": false})
    );
    let (status, body) = json_of(sim.get(&token, &url).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["Subject"], "Second");
    // updateOnly refuses to create.
    let (status, body) = json_of(
        sim.patch(
            &token,
            &format!(
                "{}?updateOnly=true",
                sim.api("sobjects/Case/Concierge_Conversation_Id__c/conv-new")
            ),
            &json!({"Subject": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    // Unknown external-id field.
    let (status, body) = json_of(
        sim.patch(
            &token,
            &sim.api("sobjects/Case/Nope__c/1"),
            &json!({"Subject": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");
    // Older versions answer an update with 204.
    let old = sim.url("/services/data/v45.0/sobjects/Case/Concierge_Conversation_Id__c/conv-123");
    assert_eq!(
        sim.patch(&token, &old, &json!({"Subject": "Third"}))
            .await
            .status(),
        204
    );

    // Two records sharing a non-unique external id → 300 with both URLs.
    let mut field = concierge_sfsim::schema::FieldDef::new(
        "Legacy_Key__c",
        "Legacy Key",
        concierge_sfsim::schema::FieldType::String,
    );
    field.external_id = true;
    sim.sim.db().add_custom_field("Case", field).unwrap();
    let a = sim
        .create(
            &token,
            "Case",
            json!({"Subject": "a", "Legacy_Key__c": "dup"}),
        )
        .await;
    let b = sim
        .create(
            &token,
            "Case",
            json!({"Subject": "b", "Legacy_Key__c": "dup"}),
        )
        .await;
    let (status, body) = json_of(
        sim.patch(
            &token,
            &sim.api("sobjects/Case/Legacy_Key__c/dup"),
            &json!({"Subject": "c"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 300);
    let mut urls: Vec<String> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect();
    urls.sort();
    let mut expected = vec![
        format!("/services/data/{V}/sobjects/Case/{a}"),
        format!("/services/data/{V}/sobjects/Case/{b}"),
    ];
    expected.sort();
    assert_eq!(urls, expected);
}

#[tokio::test]
async fn limits_count_real_calls_and_refuse_past_the_max() {
    let sim = TestSim::start_with(|c| c.daily_api_limit = 5).await;
    let token = sim.token().await;
    let (status, body) = json_of(sim.get(&token, &sim.api("limits/")).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["DailyApiRequests"], json!({"Max": 5, "Remaining": 4}));
    for key in [
        "DailyBulkApiRequests",
        "DailyAsyncApexExecutions",
        "DataStorageMB",
        "FileStorageMB",
        "SingleEmail",
    ] {
        assert!(body[key]["Max"].is_number(), "{key}");
    }
    let res = sim.get(&token, &sim.api("sobjects/")).await;
    assert_eq!(res.headers()["sforce-limit-info"], "api-usage=2/5");
    sim.get(&token, &sim.api("sobjects/")).await;
    sim.get(&token, &sim.api("sobjects/")).await;
    let res = sim.get(&token, &sim.api("sobjects/")).await;
    assert_eq!(res.headers()["sforce-limit-info"], "api-usage=5/5");
    let (status, body) = json_of(sim.get(&token, &sim.api("sobjects/")).await).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    );
    // The versions list is not counted and still answers.
    assert_eq!(
        sim.http
            .get(sim.url("/services/data/"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
