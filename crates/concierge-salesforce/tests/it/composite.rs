//! Composite requests with `@{ref.id}` references and sObject collections
//! with partial failure, against a local server.

use std::collections::HashMap;

use axum::routing::post;
use axum::{Json, Router};
use concierge_salesforce::{Client, CompositeSubrequest, Error};
use serde_json::{json, Value};

use crate::support::{config, org};

const V: &str = "/services/data/v62.0";

fn resolve_refs(text: &str, ids: &HashMap<String, String>) -> String {
    let mut out = text.to_owned();
    for (r, id) in ids {
        out = out.replace(&format!("@{{{r}.id}}"), id);
    }
    out
}

#[tokio::test]
async fn composite_with_references() {
    let org = org(|_| {
        Router::new().route(
            &format!("{V}/composite"),
            post(|Json(body): Json<Value>| async move {
                assert_eq!(body["allOrNone"], true);
                let mut ids = HashMap::new();
                let mut out = Vec::new();
                for (i, sub) in body["compositeRequest"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .enumerate()
                {
                    let reference = sub["referenceId"].as_str().unwrap().to_owned();
                    let resolved: Value =
                        serde_json::from_str(&resolve_refs(&sub.to_string(), &ids)).unwrap();
                    assert!(
                        !resolved.to_string().contains("@{"),
                        "unresolved reference: {resolved}"
                    );
                    let id = format!("id{i}");
                    ids.insert(reference.clone(), id.clone());
                    out.push(
                        json!({"body":{"id":id,"success":true,"errors":[],"echo":resolved},
                        "httpHeaders":{"Location":format!("{V}/sobjects/x/{id}")},
                        "httpStatusCode":201,"referenceId":reference}),
                    );
                }
                Json(json!({"compositeResponse": out}))
            }),
        )
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    let reqs = vec![
        CompositeSubrequest::new(
            "POST",
            client.rest_path("sobjects/Account"),
            "NewAccount",
            Some(json!({"Name":"Acme"})),
        ),
        CompositeSubrequest::new(
            "POST",
            client.rest_path("sobjects/Contact"),
            "NewContact",
            Some(json!({"LastName":"Doe","AccountId":"@{NewAccount.id}"})),
        ),
        CompositeSubrequest::new(
            "POST",
            client.rest_path("sobjects/Case"),
            "NewCase",
            Some(
                json!({"Subject":"Hi","ContactId":"@{NewContact.id}","AccountId":"@{NewAccount.id}"}),
            ),
        ),
    ];
    let res = client.composite(true, reqs).await.unwrap();
    assert_eq!(res.len(), 3);
    assert_eq!(res[2].reference_id, "NewCase");
    assert_eq!(res[2].http_status_code, 201);
    assert_eq!(res[2].body["echo"]["body"]["ContactId"], "id1");
    assert_eq!(res[2].body["echo"]["body"]["AccountId"], "id0");
    assert_eq!(
        res[2].body["echo"]["url"],
        "/services/data/v62.0/sobjects/Case"
    );
    assert!(res[0].http_headers["Location"].ends_with("/id0"));

    // Limits: ≤ 25 sub-requests, unique references.
    let many = (0..26)
        .map(|i| {
            CompositeSubrequest::new("GET", client.rest_path("limits"), &format!("r{i}"), None)
        })
        .collect();
    assert!(matches!(
        client.composite(false, many).await,
        Err(Error::InvalidInput { .. })
    ));
    let dup = vec![
        CompositeSubrequest::new("GET", client.rest_path("limits"), "a", None),
        CompositeSubrequest::new("GET", client.rest_path("limits"), "a", None),
    ];
    assert!(matches!(
        client.composite(false, dup).await,
        Err(Error::InvalidInput { .. })
    ));
}

#[tokio::test]
async fn collections_report_partial_failure() {
    let org = org(|_| {
        Router::new().route(
            &format!("{V}/composite/sobjects"),
            post(|Json(body): Json<Value>| async move {
                assert_eq!(body["allOrNone"], false);
                let out: Vec<Value> = body["records"].as_array().unwrap().iter().enumerate().map(|(i, r)| {
                    if r.get("LastName").is_some() {
                        json!({"id":format!("003xx00000000{i:02}AAA"),"success":true,"errors":[]})
                    } else {
                        json!({"success":false,"errors":[{"statusCode":"REQUIRED_FIELD_MISSING","message":"Required fields are missing: [LastName]","fields":["LastName"]}]})
                    }
                }).collect();
                Json(out)
            })
            .patch(|Json(body): Json<Value>| async move {
                let out: Vec<Value> = body["records"].as_array().unwrap().iter()
                    .map(|r| json!({"id":r["id"],"success":true,"errors":[]})).collect();
                Json(out)
            }),
        )
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    let res = client
        .create_collection(
            false,
            vec![
                json!({"attributes":{"type":"Contact"},"LastName":"Doe"}),
                json!({"attributes":{"type":"Contact"},"FirstName":"NoLast"}),
            ],
        )
        .await
        .unwrap();
    assert!(res[0].success);
    assert_eq!(res[0].id.as_deref(), Some("003xx0000000000AAA"));
    assert!(!res[1].success);
    assert_eq!(res[1].id, None);
    assert_eq!(res[1].errors[0].status_code, "REQUIRED_FIELD_MISSING");
    assert_eq!(res[1].errors[0].fields, vec!["LastName".to_owned()]);

    let res = client
        .update_collection(
            true,
            vec![json!({"attributes":{"type":"Case"},"id":"500xx0000000001AAA","Status":"Closed"})],
        )
        .await
        .unwrap();
    assert_eq!(res[0].id.as_deref(), Some("500xx0000000001AAA"));

    // Refused locally: no type, no id, too many.
    assert!(client
        .create_collection(false, vec![json!({"LastName":"x"})])
        .await
        .is_err());
    assert!(client
        .update_collection(false, vec![json!({"attributes":{"type":"Case"}})])
        .await
        .is_err());
    let many = (0..201)
        .map(|_| json!({"attributes":{"type":"Contact"},"LastName":"x"}))
        .collect();
    assert!(client.create_collection(false, many).await.is_err());
    assert_eq!(org.state.seen().len(), 2);
}
