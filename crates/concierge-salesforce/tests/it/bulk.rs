//! Bulk API 2.0 queries against a local server: job creation body, polling
//! until JobComplete, locator paging (`Sforce-Locator` ending in "null"),
//! CSV with quoted commas and newlines, failed jobs and wait timeouts.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use concierge_salesforce::soql::Soql;
use concierge_salesforce::{Client, Error};
use serde_json::{json, Value};

use crate::support::{config, org};

const V: &str = "/services/data/v62.0";
const JOB: &str = "750xx000000001AAA";

const PAGE1: &str = "\"Id\",\"Subject\",\"Description\"\n\"500A\",\"Refund, please\",\"line one\nline two\"\n\"500B\",\"Say \"\"hi\"\"\",\"\"\n";
const PAGE2: &str = "\"Id\",\"Subject\",\"Description\"\n\"500C\",\"Last\",\"x,y\"\n";

fn bulk_org_routes(
    state_after: usize,
    final_state: &'static str,
    job_body: Arc<Mutex<Option<Value>>>,
    polls: Arc<AtomicUsize>,
) -> Router {
    Router::new()
        .route(
            &format!("{V}/jobs/query"),
            post(move |Json(body): Json<Value>| {
                *job_body.lock().unwrap() = Some(body);
                async { Json(json!({"id":JOB,"operation":"query","object":"Case","state":"UploadComplete"})) }
            }),
        )
        .route(
            &format!("{V}/jobs/query/{{id}}"),
            axum::routing::patch(|Path(id): Path<String>, Json(body): Json<Value>| async move {
                assert_eq!(body, json!({"state":"Aborted"}));
                Json(json!({"id":id,"operation":"query","object":"Case","state":"Aborted"}))
            })
            .get(move |Path(id): Path<String>| {
                assert_eq!(id, JOB);
                let n = polls.fetch_add(1, Ordering::SeqCst);
                async move {
                    let state = if n < state_after { "InProgress" } else { final_state };
                    Json(json!({"id":JOB,"operation":"query","object":"Case","state":state,
                        "numberRecordsProcessed":3,"errorMessage": if final_state == "Failed" { json!("INVALID_FIELD: No such column") } else { Value::Null }}))
                }
            }),
        )
        .route(
            &format!("{V}/jobs/query/{{id}}/results"),
            get(|Query(q): Query<HashMap<String, String>>| async move {
                match q.get("locator").map(String::as_str) {
                    None => (StatusCode::OK, [("sforce-locator", "MjAwMDAw"), ("sforce-numberofrecords", "2"), ("content-type", "text/csv")], PAGE1),
                    Some("MjAwMDAw") => (StatusCode::OK, [("sforce-locator", "null"), ("sforce-numberofrecords", "1"), ("content-type", "text/csv")], PAGE2),
                    Some(_) => (StatusCode::BAD_REQUEST, [("sforce-locator", ""), ("sforce-numberofrecords", "0"), ("content-type", "text/plain")], "bad locator"),
                }
            }),
        )
}

#[tokio::test]
async fn bulk_query_polls_pages_and_parses_csv() {
    let body = Arc::new(Mutex::new(None));
    let polls = Arc::new(AtomicUsize::new(0));
    let (b, p) = (body.clone(), polls.clone());
    let org = org(move |_| bulk_org_routes(2, "JobComplete", b, p)).await;
    let client = Client::new(config(&org.url)).unwrap();
    let soql = Soql::select(&["Id", "Subject", "Description"])
        .from("Case")
        .build()
        .unwrap();

    let rows = client
        .bulk_query_all_rows(&soql, Duration::from_millis(5), Duration::from_secs(5))
        .await
        .unwrap();
    let sent = body.lock().unwrap().clone().unwrap();
    assert_eq!(sent["operation"], "query");
    assert_eq!(sent["query"], "SELECT Id, Subject, Description FROM Case");
    assert_eq!(polls.load(Ordering::SeqCst), 3);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["Subject"], "Refund, please");
    assert_eq!(rows[0]["Description"], "line one\nline two");
    assert_eq!(rows[1]["Subject"], "Say \"hi\"");
    assert_eq!(rows[1]["Description"], "");
    assert_eq!(rows[2]["Description"], "x,y");

    // Page by page.
    let page = client.bulk_query_results(JOB, None, Some(2)).await.unwrap();
    assert_eq!(page.number_of_records, 2);
    assert_eq!(page.next_locator.as_deref(), Some("MjAwMDAw"));
    let page = client
        .bulk_query_results(JOB, page.next_locator.as_deref(), Some(2))
        .await
        .unwrap();
    assert_eq!(page.next_locator, None);
    assert_eq!(page.csv, PAGE2);
    let seen = org.state.seen();
    let last = seen.last().unwrap();
    assert_eq!(last.headers.get("accept").unwrap(), "text/csv");
    assert!(last.query.as_deref().unwrap().contains("maxRecords=2"));

    // queryAll.
    client.bulk_query(&soql, true).await.unwrap();
    assert_eq!(
        body.lock().unwrap().clone().unwrap()["operation"],
        "queryAll"
    );
}

#[tokio::test]
async fn failed_job_and_wait_timeout() {
    let org1 = org(|_| bulk_org_routes(0, "Failed", Arc::default(), Arc::default())).await;
    let client = Client::new(config(&org1.url)).unwrap();
    let e = client
        .bulk_query_wait(JOB, Duration::from_millis(5), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(e.error_code(), Some("BULK_JOB_FAILED"));
    assert!(e.to_string().contains("No such column"));

    let org2 =
        org(|_| bulk_org_routes(usize::MAX, "JobComplete", Arc::default(), Arc::default())).await;
    let client = Client::new(config(&org2.url)).unwrap();
    let e = client
        .bulk_query_wait(JOB, Duration::from_millis(10), Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout));
    assert!(!org2.state.seen().iter().any(|s| s.method == "PATCH"));

    // The whole run aborts the job it gave up on.
    let soql = Soql::select(&["Id"]).from("Case").build().unwrap();
    let e = client
        .bulk_query_all_rows(&soql, Duration::from_millis(10), Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout));
    let last = org2.state.seen().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        ("PATCH", "/services/data/v62.0/jobs/query/750xx000000001AAA")
    );
    assert!(matches!(
        client
            .bulk_query_wait("../x", Duration::ZERO, Duration::ZERO)
            .await,
        Err(Error::InvalidInput { .. })
    ));
}
