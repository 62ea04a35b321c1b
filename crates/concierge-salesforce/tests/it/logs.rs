//! What the client logs: a span per call with method, operation, sobject,
//! status and duration — and never a token or a secret, even through
//! authentication, re-authentication and failures.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use concierge_salesforce::{AuthFlow, Client};
use serde_json::json;

use crate::support::{config, org, sf_error};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn spans_carry_call_details_and_never_secrets() {
    let org = org(|_| {
        Router::new().route(
            "/services/data/v62.0/sobjects/Case/{id}",
            get(|headers: HeaderMap| async move {
                if headers.get("authorization").unwrap() == "Bearer token-1" {
                    sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
                } else {
                    Json(json!({"Id":"500xx000000bZ3aAAE"})).into_response()
                }
            }),
        )
    })
    .await;
    let mut cfg = config(&org.url);
    cfg.auth = AuthFlow::Password {
        client_id: "cid".into(),
        client_secret: "client-secret-value".into(),
        username: "agent@acme.example".into(),
        password: "password-value".into(),
        security_token: Some("security-token-value".into()),
    };
    let client = Client::new(cfg.clone()).unwrap();

    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("concierge_salesforce=trace")
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    client
        .get("Case", "500xx000000bZ3aAAE", None)
        .await
        .unwrap();
    let _ = client
        .get("Case", "500xx0000000BADAAA", Some(&["Bad Field"]))
        .await;
    let session = client.session().await.unwrap();
    let rendered = format!("{client:?} {session:?} {cfg:?}");

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("salesforce"), "{logs}");
    assert!(
        logs.contains("op=\"get\"") || logs.contains("op=get"),
        "{logs}"
    );
    assert!(
        logs.contains("sobject=\"Case\"") || logs.contains("sobject=Case"),
        "{logs}"
    );
    assert!(logs.contains("status=401"), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("duration_ms"), "{logs}");
    for secret in [
        "token-1",
        "token-2",
        "client-secret-value",
        "password-value",
        "security-token-value",
    ] {
        assert!(!logs.contains(secret), "{secret} in logs: {logs}");
        assert!(!rendered.contains(secret), "{secret} in Debug: {rendered}");
    }
}
