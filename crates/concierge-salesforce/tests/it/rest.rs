//! REST resources against a local server: CRUD paths and bodies, typed
//! errors (JSON and not), upsert 201/200/204/300, query pagination via
//! nextRecordsUrl, describes, SOSL, limits and `Sforce-Limit-Info`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use concierge_salesforce::soql::Soql;
use concierge_salesforce::{Client, Error, LimitInfo};
use serde_json::{json, Value};

use crate::support::{config, org, sf_error};

const V: &str = "/services/data/v62.0";

#[tokio::test]
async fn crud_paths_bodies_and_limit_info() {
    let created: Arc<Mutex<Vec<Value>>> = Arc::default();
    let c2 = created.clone();
    let org = org(move |_| {
        Router::new()
            .route(
                &format!("{V}/sobjects/Case/"),
                post(move |Json(body): Json<Value>| {
                    c2.lock().unwrap().push(body);
                    async {
                        (
                            StatusCode::CREATED,
                            [("sforce-limit-info", "api-usage=18/5000")],
                            Json(json!({"id":"500xx000000bZ3aAAE","errors":[],"success":true})),
                        )
                    }
                }),
            )
            .route(
                &format!("{V}/sobjects/Case/{{id}}"),
                get(|Path(id): Path<String>, RawQuery(q): RawQuery| async move {
                    (
                        [("sforce-limit-info", "api-usage=19/5000")],
                        Json(json!({"attributes":{"type":"Case","url":format!("{V}/sobjects/Case/{id}")},"Id":id,"Subject":"Help","q":q})),
                    )
                })
                .patch(|Json(b): Json<Value>| async move {
                    assert_eq!(b["Status"], "Escalated");
                    StatusCode::NO_CONTENT
                })
                .delete(|| async { StatusCode::NO_CONTENT }),
            )
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    assert_eq!(client.last_limit_info(), None);
    let id = client
        .create(
            "Case",
            &json!({"Subject":"Help","Description":"it's broken"}),
        )
        .await
        .unwrap();
    assert_eq!(id, "500xx000000bZ3aAAE");
    assert_eq!(created.lock().unwrap()[0]["Description"], "it's broken");
    assert_eq!(
        client.last_limit_info(),
        Some(LimitInfo {
            used: 18,
            max: 5000
        })
    );

    let rec = client
        .get("Case", &id, Some(&["Id", "Subject"]))
        .await
        .unwrap();
    assert_eq!(rec["Subject"], "Help");
    assert_eq!(rec["q"], "fields=Id%2CSubject");
    assert_eq!(client.last_limit_info().unwrap().used, 19);

    client
        .update("Case", &id, &json!({"Status":"Escalated"}))
        .await
        .unwrap();
    client.delete("Case", &id).await.unwrap();

    let seen = org.state.seen();
    let methods: Vec<_> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        methods,
        vec![
            ("POST", "/services/data/v62.0/sobjects/Case/"),
            (
                "GET",
                "/services/data/v62.0/sobjects/Case/500xx000000bZ3aAAE"
            ),
            (
                "PATCH",
                "/services/data/v62.0/sobjects/Case/500xx000000bZ3aAAE"
            ),
            (
                "DELETE",
                "/services/data/v62.0/sobjects/Case/500xx000000bZ3aAAE"
            ),
        ]
    );
    assert!(seen
        .iter()
        .all(|s| s.authorization.as_deref() == Some("Bearer token-1")));
    assert_eq!(org.state.tokens(), 1);
    assert_eq!(client.metrics().calls, 4);

    // Refused locally, nothing sent.
    assert!(matches!(
        client.get("Case", "../../x", None).await,
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        client.create("Case; DROP", &json!({})).await,
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        client.create("Case", &json!([1])).await,
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(org.state.seen().len(), 4);
}

#[tokio::test]
async fn error_bodies_are_typed() {
    let org = org(|_| {
        Router::new()
            .route(&format!("{V}/query"), get(|| async { sf_error(400, "MALFORMED_QUERY", "unexpected token: FORM") }))
            .route(
                &format!("{V}/sobjects/Case/{{id}}"),
                get(|| async { (StatusCode::NOT_FOUND, "<html>Not Found</html>").into_response() })
                    .delete(|| async {
                        (StatusCode::BAD_REQUEST, Json(json!({"message":"entity is deleted","errorCode":"ENTITY_IS_DELETED"})))
                    }),
            )
            .route(
                &format!("{V}/sobjects/Contact/"),
                post(|| async {
                    (
                        StatusCode::BAD_REQUEST,
                        Json(json!([{"message":"Required fields are missing: [LastName]","errorCode":"REQUIRED_FIELD_MISSING","fields":["LastName"]}])),
                    )
                }),
            )
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    let e = client
        .query::<Value>(&Soql::raw_trusted("SELECT Id FORM Case"))
        .await
        .unwrap_err();
    assert_eq!(e.error_code(), Some("MALFORMED_QUERY"));
    assert!(matches!(e, Error::Api { status: 400, .. }));
    let e = client
        .get("Case", "500xx000000bZ3aAAE", None)
        .await
        .unwrap_err();
    match &e {
        Error::Api {
            status: 404,
            errors,
        } => {
            assert_eq!(errors[0].error_code, "HTTP_404");
            assert!(errors[0].message.contains("Not Found"));
        }
        other => panic!("{other:?}"),
    }
    let e = client
        .delete("Case", "500xx000000bZ3aAAE")
        .await
        .unwrap_err();
    assert_eq!(e.error_code(), Some("ENTITY_IS_DELETED"));
    match client
        .create("Contact", &json!({"FirstName":"Ann"}))
        .await
        .unwrap_err()
    {
        Error::Api { errors, .. } => {
            assert_eq!(errors[0].error_code, "REQUIRED_FIELD_MISSING");
            assert_eq!(errors[0].fields, vec!["LastName".to_owned()]);
        }
        other => panic!("{other:?}"),
    }
    let m = client.metrics();
    assert_eq!(m.errors_by_code.get("MALFORMED_QUERY"), Some(&1));
    assert_eq!(m.retries, 0);
}

#[tokio::test]
async fn upsert_created_updated_and_multiple_choices() {
    let org = org(|_| {
        Router::new().route(
            &format!("{V}/sobjects/Case/Concierge_Conversation_Id__c/{{value}}"),
            patch(|Path(value): Path<String>, Json(body): Json<Value>| async move {
                assert_eq!(body["Subject"], "Refund");
                match value.as_str() {
                    "conv/1 new" => (StatusCode::CREATED, Json(json!({"id":"500xx0000000001AAA","success":true,"errors":[],"created":true}))).into_response(),
                    "conv-2" => (StatusCode::OK, Json(json!({"id":"500xx0000000002AAA","success":true,"errors":[],"created":false}))).into_response(),
                    "conv-3" => StatusCode::NO_CONTENT.into_response(),
                    "conv-dup" => (StatusCode::MULTIPLE_CHOICES, Json(json!([
                        "/services/data/v62.0/sobjects/Case/500xx0000000004AAA",
                        "/services/data/v62.0/sobjects/Case/500xx0000000005AAA"]))).into_response(),
                    _ => sf_error(404, "NOT_FOUND", "Provided external ID field does not exist or is not accessible"),
                }
            })
            .get(|Path(value): Path<String>| async move {
                assert_eq!(value, "conv-3");
                Json(json!({"attributes":{"type":"Case"},"Id":"500xx0000000003AAA"}))
            }),
        )
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    let body = json!({"Subject":"Refund"});
    let f = "Concierge_Conversation_Id__c";
    let o = client.upsert("Case", f, "conv/1 new", &body).await.unwrap();
    assert_eq!((o.id.as_str(), o.created), ("500xx0000000001AAA", true));
    let o = client.upsert("Case", f, "conv-2", &body).await.unwrap();
    assert_eq!((o.id.as_str(), o.created), ("500xx0000000002AAA", false));
    let o = client.upsert("Case", f, "conv-3", &body).await.unwrap();
    assert_eq!((o.id.as_str(), o.created), ("500xx0000000003AAA", false));
    match client.upsert("Case", f, "conv-dup", &body).await {
        Err(Error::MultipleChoices(urls)) => {
            assert_eq!(urls.len(), 2);
            assert!(urls[1].ends_with("500xx0000000005AAA"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        client
            .upsert("Case", f, "other", &body)
            .await
            .unwrap_err()
            .error_code(),
        Some("NOT_FOUND")
    );
    // The value is one encoded path segment.
    assert_eq!(
        org.state.seen()[0].path,
        "/services/data/v62.0/sobjects/Case/Concierge_Conversation_Id__c/conv%2F1%20new"
    );
}

#[tokio::test]
async fn query_follows_next_records_url() {
    let org = org(|_| {
        Router::new()
            .route(
                &format!("{V}/query"),
                get(|RawQuery(q): RawQuery| async move {
                    let q = q.unwrap();
                    let decoded: HashMap<String, String> =
                        url::form_urlencoded::parse(q.as_bytes()).into_owned().collect();
                    assert_eq!(decoded["q"], "SELECT Id, Subject FROM Case WHERE Status = 'New'");
                    Json(json!({"totalSize":5,"done":false,"nextRecordsUrl":format!("{V}/query/01gxx0000000001-2"),
                        "records":[{"attributes":{"type":"Case"},"Id":"1","Subject":"a"},{"attributes":{"type":"Case"},"Id":"2","Subject":"b"}]}))
                }),
            )
            .route(
                &format!("{V}/query/{{cursor}}"),
                get(|Path(cursor): Path<String>| async move {
                    if cursor == "01gxx0000000001-2" {
                        Json(json!({"totalSize":5,"done":false,"nextRecordsUrl":format!("{V}/query/01gxx0000000001-4"),
                            "records":[{"Id":"3","Subject":"c"},{"Id":"4","Subject":"d"}]}))
                    } else {
                        Json(json!({"totalSize":5,"done":true,"records":[{"Id":"5","Subject":"e"}]}))
                    }
                }),
            )
    })
    .await;
    let mut cfg = config(&org.url);
    cfg.query_batch_size = Some(200);
    let client = Client::new(cfg).unwrap();
    let soql = Soql::select(&["Id", "Subject"])
        .from("Case")
        .where_eq("Status", "New")
        .build()
        .unwrap();

    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "PascalCase")]
    struct Row {
        id: String,
        subject: String,
    }
    let first = client.query::<Row>(&soql).await.unwrap();
    assert_eq!(first.total_size, 5);
    assert!(!first.done);
    let next = first.next_records_url.clone().unwrap();
    let second = client.query_more::<Row>(&next).await.unwrap();
    assert_eq!(second.records[0].id, "3");

    let all: Vec<Row> = client.query_all_pages(&soql, 100).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["1", "2", "3", "4", "5"]
    );
    assert_eq!(all[4].subject, "e");
    let capped: Vec<Row> = client.query_all_pages(&soql, 3).await.unwrap();
    assert_eq!(capped.len(), 3);

    let seen = org.state.seen();
    assert!(seen
        .iter()
        .all(|s| s.headers.get("sforce-query-options").unwrap() == "batchSize=200"));
    assert_eq!(seen[1].path, "/services/data/v62.0/query/01gxx0000000001-2");

    // A nextRecordsUrl pointing elsewhere is refused.
    for evil in [
        "https://evil.example/services/data/x",
        "//evil.example/services/",
        "/services/../oauth2/token",
        "/other",
    ] {
        assert!(
            matches!(
                client.query_more::<Row>(evil).await,
                Err(Error::InvalidInput { .. })
            ),
            "{evil}"
        );
    }
}

#[tokio::test]
async fn limits_describe_search_and_versions() {
    let org = org(|_| {
        Router::new()
            .route(&format!("{V}/limits/"), get(|| async {
                Json(json!({"DailyApiRequests":{"Max":15000,"Remaining":14998},"DailyBulkApiRequests":{"Max":10000,"Remaining":10000},"SingleEmail":{"Max":15,"Remaining":15},"Custom":{"Max":1,"Remaining":0}}))
            }))
            .route(&format!("{V}/sobjects/Case/describe"), get(|| async {
                Json(json!({"name":"Case","label":"Case","fields":[
                    {"name":"Status","type":"picklist","externalId":false,"createable":true,"updateable":true,"length":40,"nillable":true,
                     "picklistValues":[{"value":"New","label":"New","active":true,"defaultValue":true}]},
                    {"name":"Concierge_Conversation_Id__c","type":"string","externalId":true,"createable":true,"updateable":true,"length":64,"nillable":true}]}))
            }))
            .route(&format!("{V}/search/"), get(|RawQuery(q): RawQuery| async move {
                assert!(q.unwrap().starts_with("q=FIND"));
                Json(json!({"searchRecords":[{"attributes":{"type":"Contact"},"Id":"003xx0000000001AAA"}]}))
            }))
            .route(&format!("{V}/sobjects/"), get(|| async { Json(json!({"sobjects":[{"name":"Case"}]})) }))
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    let limits = client.limits().await.unwrap();
    assert_eq!(limits.daily_api_requests.max, 15000);
    assert_eq!(limits.daily_api_requests.remaining, 14998);
    assert_eq!(limits.single_email.unwrap().max, 15);
    assert!(limits.raw.contains_key("Custom"));
    let d = client.describe("Case").await.unwrap();
    assert_eq!(d.fields[0].picklist_values[0].value, "New");
    assert!(d.fields[1].external_id);
    assert_eq!(d.fields[1].field_type, "string");
    let hits = client
        .search(&format!(
            "FIND {{{}}} IN EMAIL FIELDS RETURNING Contact(Id)",
            concierge_salesforce::escape_sosl("ann@x.example")
        ))
        .await
        .unwrap();
    assert_eq!(hits[0]["Id"], "003xx0000000001AAA");
    assert_eq!(
        client.describe_global().await.unwrap()["sobjects"][0]["name"],
        "Case"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    fn big_stream() -> axum::body::Body {
        let chunks =
            (0..33).map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; 1 << 20])));
        axum::body::Body::from_stream(tokio_stream::iter(chunks))
    }
    let org = org(|_| {
        Router::new()
            // Streamed: no Content-Length, the limit trips while reading.
            .route(&format!("{V}/limits/"), get(|| async { big_stream() }))
            // Declared: refused from the Content-Length alone.
            .route(
                &format!("{V}/sobjects/"),
                get(|| async { vec![b' '; 33 << 20] }),
            )
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    for e in [
        client.limits().await.unwrap_err(),
        client.describe_global().await.unwrap_err(),
    ] {
        match e {
            Error::Decode(m) => assert!(m.contains("larger than"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(client.metrics().retries, 0);
}
