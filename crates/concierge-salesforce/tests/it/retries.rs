//! Re-authentication on 401, one token request under concurrency, retries
//! with backoff (403 REQUEST_LIMIT_EXCEEDED, 503, UNABLE_TO_LOCK_ROW,
//! timeouts on idempotent calls), giving up after max_retries, Retry-After,
//! and never repeating a create that may have reached the server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use concierge_salesforce::{Client, Error};
use serde_json::json;

use crate::support::{config, org, sf_error};

const V: &str = "/services/data/v62.0";
const CASE: &str = "500xx000000bZ3aAAE";

fn case_json() -> Json<serde_json::Value> {
    Json(json!({"attributes":{"type":"Case"},"Id":CASE}))
}

#[tokio::test]
async fn reauthenticates_once_on_invalid_session() {
    let org = org(|_| {
        Router::new().route(
            &format!("{V}/sobjects/Case/{{id}}"),
            get(|headers: HeaderMap| async move {
                if headers.get("authorization").unwrap() == "Bearer token-1" {
                    sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
                } else {
                    case_json().into_response()
                }
            }),
        )
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    let rec = client.get("Case", CASE, None).await.unwrap();
    assert_eq!(rec["Id"], CASE);
    assert_eq!(org.state.tokens(), 2);
    let m = client.metrics();
    assert_eq!(m.reauths, 1);
    assert_eq!(m.authentications, 2);
    assert_eq!(m.calls, 2);
}

#[tokio::test]
async fn a_second_401_is_an_error() {
    let org = org(|_| {
        Router::new().route(
            &format!("{V}/sobjects/Case/{{id}}"),
            get(|| async { sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid") }),
        )
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    let e = client.get("Case", CASE, None).await.unwrap_err();
    assert!(matches!(e, Error::Api { status: 401, .. }));
    assert_eq!(e.error_code(), Some("INVALID_SESSION_ID"));
    assert!(!e.to_string().contains("token-"), "{e}");
    assert_eq!(org.state.tokens(), 2);
    assert_eq!(org.state.seen().len(), 2);
}

#[tokio::test]
async fn twenty_concurrent_calls_share_one_authentication() {
    let org = org(|_| {
        Router::new().route(
            &format!("{V}/sobjects/Case/{{id}}"),
            get(|| async { case_json() }),
        )
    })
    .await;
    org.state.token_delay_ms.store(100, Ordering::SeqCst);
    let client = Client::new(config(&org.url)).unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.get("Case", CASE, None).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(org.state.tokens(), 1);
    assert_eq!(org.state.seen().len(), 20);
}

#[tokio::test]
async fn twenty_concurrent_401s_share_one_reauthentication() {
    let org = org(|_| {
        Router::new().route(
            &format!("{V}/sobjects/Case/{{id}}"),
            get(|headers: HeaderMap| async move {
                if headers.get("authorization").unwrap() == "Bearer token-1" {
                    sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
                } else {
                    case_json().into_response()
                }
            }),
        )
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    client.session().await.unwrap();
    org.state.token_delay_ms.store(50, Ordering::SeqCst);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.get("Case", CASE, None).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(org.state.tokens(), 2);
}

/// A route failing `failures` times with `fail`, then answering a Case.
fn flaky(failures: usize, fail: fn() -> axum::response::Response) -> (Router, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let router = Router::new().route(
        &format!("{V}/sobjects/Case/{{id}}"),
        get(move || {
            let n = c.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < failures {
                    fail()
                } else {
                    case_json().into_response()
                }
            }
        }),
    );
    (router, calls)
}

#[tokio::test]
async fn retries_request_limit_exceeded_then_succeeds() {
    let (router, calls) = flaky(2, || {
        sf_error(
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentPerOrgLongTxn Limit exceeded.",
        )
    });
    let org = org(move |_| router).await;
    let client = Client::new(config(&org.url)).unwrap();
    client.get("Case", CASE, None).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(client.metrics().retries, 2);
    assert!(client.metrics().errors_by_code.is_empty());
}

#[tokio::test]
async fn retries_503_and_lock_row_then_succeeds() {
    let (router, calls) = flaky(1, || {
        (StatusCode::SERVICE_UNAVAILABLE, "<html>Maintenance</html>").into_response()
    });
    let org1 = org(move |_| router).await;
    let client = Client::new(config(&org1.url)).unwrap();
    client.get("Case", CASE, None).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let (router, calls) = flaky(2, || {
        sf_error(
            400,
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record",
        )
    });
    let org2 = org(move |_| router).await;
    let client = Client::new(config(&org2.url)).unwrap();
    client.get("Case", CASE, None).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn gives_up_after_max_retries() {
    let (router, calls) = flaky(usize::MAX, || {
        sf_error(503, "SERVER_UNAVAILABLE", "Server unavailable")
    });
    let org1 = org(move |_| router).await;
    let mut cfg = config(&org1.url);
    cfg.max_retries = 2;
    let client = Client::new(cfg).unwrap();
    let e = client.get("Case", CASE, None).await.unwrap_err();
    assert!(matches!(e, Error::Unavailable(_)), "{e:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let m = client.metrics();
    assert_eq!(m.retries, 2);
    assert_eq!(m.errors_by_code.get("SERVER_UNAVAILABLE"), Some(&1));

    let (router, calls) = flaky(usize::MAX, || {
        sf_error(
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
    });
    let org2 = org(move |_| router).await;
    let mut cfg = config(&org2.url);
    cfg.max_retries = 0;
    let client = Client::new(cfg).unwrap();
    let e = client.get("Case", CASE, None).await.unwrap_err();
    assert!(matches!(e, Error::RequestLimitExceeded { .. }));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn honours_retry_after() {
    let (router, calls) = flaky(1, || {
        let mut r = sf_error(
            403,
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentPerOrgLongTxn Limit exceeded.",
        );
        r.headers_mut().insert("retry-after", "1".parse().unwrap());
        r
    });
    let org1 = org(move |_| router).await;
    let mut cfg = config(&org1.url);
    cfg.retry_max_delay = Duration::from_secs(5);
    let client = Client::new(cfg).unwrap();
    let started = Instant::now();
    client.get("Case", CASE, None).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // A 503 with Retry-After too.
    let (router, calls) = flaky(1, || {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "1")],
            "down for maintenance",
        )
            .into_response()
    });
    let org2 = org(move |_| router).await;
    let mut cfg = config(&org2.url);
    cfg.retry_max_delay = Duration::from_secs(5);
    let client = Client::new(cfg).unwrap();
    let started = Instant::now();
    client.get("Case", CASE, None).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_create_that_timed_out_is_not_repeated_but_a_read_is() {
    let creates = Arc::new(AtomicUsize::new(0));
    let reads = Arc::new(AtomicUsize::new(0));
    let (c, r) = (creates.clone(), reads.clone());
    let org = org(move |_| {
        Router::new()
            .route(
                &format!("{V}/sobjects/Case/"),
                post(move || {
                    c.fetch_add(1, Ordering::SeqCst);
                    async {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        StatusCode::CREATED
                    }
                }),
            )
            .route(
                &format!("{V}/sobjects/Case/{{id}}"),
                get(move || {
                    r.fetch_add(1, Ordering::SeqCst);
                    async {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        case_json()
                    }
                }),
            )
    })
    .await;
    let mut cfg = config(&org.url);
    cfg.timeout = Duration::from_millis(600);
    cfg.max_retries = 2;
    let client = Client::new(cfg).unwrap();
    let e = client
        .create("Case", &json!({"Subject":"x"}))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout), "{e:?}");
    assert_eq!(creates.load(Ordering::SeqCst), 1);
    let e = client.get("Case", CASE, None).await.unwrap_err();
    assert!(matches!(e, Error::Timeout), "{e:?}");
    assert_eq!(reads.load(Ordering::SeqCst), 3);
    assert_eq!(client.metrics().errors_by_code.get("TIMEOUT"), Some(&2));
}

#[tokio::test]
async fn a_create_refused_with_lock_row_is_retried() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let org = org(move |_| {
        Router::new().route(
            &format!("{V}/sobjects/Case/"),
            post(move || {
                let n = c.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        sf_error(
                            400,
                            "UNABLE_TO_LOCK_ROW",
                            "unable to obtain exclusive access to this record",
                        )
                    } else {
                        (
                            StatusCode::CREATED,
                            Json(json!({"id":CASE,"success":true,"errors":[]})),
                        )
                            .into_response()
                    }
                }
            }),
        )
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    assert_eq!(
        client
            .create("Case", &json!({"Subject":"x"}))
            .await
            .unwrap(),
        CASE
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    // Bind then drop a listener: nothing listens on that port any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = url::Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let mut cfg = config(&url);
    cfg.max_retries = 1;
    let client = Client::new(cfg).unwrap();
    let e = client.session().await.unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert_eq!(client.metrics().retries, 1);
}
