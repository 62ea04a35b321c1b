//! Each OAuth flow sends exactly the documented form fields; the JWT is
//! RS256 with the right claims; failures are typed; the token response's
//! instance URL becomes the REST base; revoke forgets the session.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use concierge_salesforce::{AuthFlow, Client, Error, SalesforceConfig};
use serde_json::json;

use crate::support::{config, field, form, org, serve};

const PRIVATE_KEY: &str = include_str!("../fixtures/jwt_private_key.pem");
const PUBLIC_KEY: &str = include_str!("../fixtures/jwt_public_key.pem");

fn versions_route() -> Router {
    Router::new().route(
        "/services/data/",
        get(|| async {
            Json(json!([{"label":"Winter '25","url":"/services/data/v62.0","version":"62.0"}]))
        }),
    )
}

fn last_form(org: &crate::support::Org) -> (axum::http::HeaderMap, Vec<(String, String)>) {
    let reqs = org.state.token_requests.lock().unwrap();
    let (h, b) = reqs.last().unwrap().clone();
    (h, form(&b))
}

#[tokio::test]
async fn jwt_bearer_sends_a_signed_rs256_assertion() {
    let org = org(|_| versions_route()).await;
    let mut cfg = config(&org.url);
    cfg.auth = AuthFlow::JwtBearer {
        client_id: "3MVG9jwtapp".into(),
        username: "integration@acme.example".into(),
        private_key_pem: PRIVATE_KEY.into(),
        audience: None,
    };
    let client = Client::new(cfg).unwrap();
    let session = client.session().await.unwrap();
    assert_eq!(session.org_id, "00Dxx0000001gPLEAY");
    assert_eq!(session.user_id, "005xx000001Sv6AAAS");

    let (headers, f) = last_form(&org);
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(
        field(&f, "grant_type"),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    );
    let assertion = field(&f, "assertion").unwrap();

    let aud = org.url.origin().ascii_serialization();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[aud.as_str()]);
    validation.set_issuer(&["3MVG9jwtapp"]);
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()).unwrap();
    let data = jsonwebtoken::decode::<serde_json::Value>(assertion, &key, &validation).unwrap();
    assert_eq!(data.header.alg, jsonwebtoken::Algorithm::RS256);
    let claims = data.claims;
    assert_eq!(claims["sub"], "integration@acme.example");
    assert_eq!(claims["aud"], aud.as_str());
    let exp = claims["exp"].as_i64().expect("exp is a number");
    let now = chrono::Utc::now().timestamp();
    assert!(
        (now + 170..=now + 181).contains(&exp),
        "exp {exp} now {now}"
    );

    // A different key fails verification: the signature is real.
    let other = jsonwebtoken::DecodingKey::from_secret(b"not-the-key");
    assert!(jsonwebtoken::decode::<serde_json::Value>(assertion, &other, &validation).is_err());
}

#[tokio::test]
async fn jwt_audience_is_configurable() {
    let org = org(|_| versions_route()).await;
    let mut cfg = config(&org.url);
    cfg.auth = AuthFlow::JwtBearer {
        client_id: "cid".into(),
        username: "u@x.example".into(),
        private_key_pem: PRIVATE_KEY.into(),
        audience: Some("https://test.salesforce.com".into()),
    };
    Client::new(cfg).unwrap().session().await.unwrap();
    let (_, f) = last_form(&org);
    let token = field(&f, "assertion").unwrap();
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"], "https://test.salesforce.com");
}

#[tokio::test]
async fn client_credentials_uses_http_basic() {
    let org = org(|_| versions_route()).await;
    let client = Client::new(config(&org.url)).unwrap();
    client.session().await.unwrap();
    let (headers, f) = last_form(&org);
    assert_eq!(
        f,
        vec![("grant_type".to_owned(), "client_credentials".to_owned())]
    );
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("3MVG9client:s3cr3t")
    );
    assert_eq!(headers.get("authorization").unwrap(), expected.as_str());
}

#[tokio::test]
async fn refresh_token_sends_its_fields() {
    let org = org(|_| versions_route()).await;
    let mut cfg = config(&org.url);
    cfg.auth = AuthFlow::RefreshToken {
        client_id: "cid".into(),
        client_secret: Some("csecret".into()),
        refresh_token: "5Aep861refresh".into(),
    };
    Client::new(cfg.clone()).unwrap().session().await.unwrap();
    let (headers, f) = last_form(&org);
    assert!(headers.get("authorization").is_none());
    assert_eq!(field(&f, "grant_type"), Some("refresh_token"));
    assert_eq!(field(&f, "refresh_token"), Some("5Aep861refresh"));
    assert_eq!(field(&f, "client_id"), Some("cid"));
    assert_eq!(field(&f, "client_secret"), Some("csecret"));
    assert_eq!(f.len(), 4);

    cfg.auth = AuthFlow::RefreshToken {
        client_id: "cid".into(),
        client_secret: None,
        refresh_token: "5Aep861refresh".into(),
    };
    Client::new(cfg).unwrap().session().await.unwrap();
    let (_, f) = last_form(&org);
    assert_eq!(f.len(), 3);
    assert_eq!(field(&f, "client_secret"), None);
}

#[tokio::test]
async fn password_flow_appends_the_security_token() {
    let org = org(|_| versions_route()).await;
    let mut cfg = config(&org.url);
    cfg.auth = AuthFlow::Password {
        client_id: "cid".into(),
        client_secret: "csecret".into(),
        username: "agent@acme.example".into(),
        password: "p@ss word".into(),
        security_token: Some("TOKEN123".into()),
    };
    Client::new(cfg).unwrap().session().await.unwrap();
    let (_, f) = last_form(&org);
    assert_eq!(field(&f, "grant_type"), Some("password"));
    assert_eq!(field(&f, "client_id"), Some("cid"));
    assert_eq!(field(&f, "client_secret"), Some("csecret"));
    assert_eq!(field(&f, "username"), Some("agent@acme.example"));
    assert_eq!(field(&f, "password"), Some("p@ss wordTOKEN123"));
    assert_eq!(f.len(), 5);
}

#[tokio::test]
async fn oauth_failure_is_typed_and_never_retried() {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = calls.clone();
    let router = Router::new().route(
        "/services/oauth2/token",
        post(move || {
            c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async {
                (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"error":"invalid_grant","error_description":"authentication failure"})),
                )
            }
        }),
    );
    let addr = serve(router).await;
    let url = url::Url::parse(&format!("http://{addr}")).unwrap();
    let client = Client::new(config(&url)).unwrap();
    match client.session().await {
        Err(Error::Auth { error, description }) => {
            assert_eq!(error, "invalid_grant");
            assert_eq!(description, "authentication failure");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(
        client.metrics().errors_by_code.get("invalid_grant"),
        Some(&1)
    );
    // Through a REST call: the same typed error, counted once.
    assert!(matches!(client.versions().await, Err(Error::Auth { .. })));
    assert_eq!(
        client.metrics().errors_by_code.get("invalid_grant"),
        Some(&2)
    );
    assert_eq!(client.metrics().errors_by_code.len(), 1);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn token_endpoint_503_is_retried() {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = calls.clone();
    let router = Router::new().route(
        "/services/oauth2/token",
        post(move || {
            let n = c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                if n == 0 {
                    (StatusCode::SERVICE_UNAVAILABLE, "maintenance").into_response()
                } else {
                    Json(json!({"access_token":"t","instance_url":"http://127.0.0.1:9","id":"https://x/id/00D/005","issued_at":"1"}))
                        .into_response()
                }
            }
        }),
    );
    let addr = serve(router).await;
    let url = url::Url::parse(&format!("http://{addr}")).unwrap();
    let client = Client::new(config(&url)).unwrap();
    let s = client.session().await.unwrap();
    assert_eq!(s.instance_url.as_str(), "http://127.0.0.1:9/");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn instance_url_from_the_token_response_is_the_rest_base() {
    // The instance: a second server that only serves REST.
    let instance = org(|_| versions_route()).await;
    // The login server hands out the instance's URL.
    let instance_url = instance.url.as_str().trim_end_matches('/').to_owned();
    let login = org(|state| {
        let _ = state;
        Router::new()
    })
    .await;
    *login.state.base.lock().unwrap() = instance_url;
    let client = Client::new(config(&login.url)).unwrap();
    let versions = client.versions().await.unwrap();
    assert_eq!(versions[0].version, "62.0");
    assert_eq!(instance.state.seen().len(), 1);
    assert_eq!(
        instance.state.seen()[0].authorization.as_deref(),
        Some("Bearer token-1")
    );
    assert!(login.state.seen().is_empty());
}

#[tokio::test]
async fn revoke_posts_the_token_and_forgets_the_session() {
    let revoked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let r = revoked.clone();
    let org = org(move |_| {
        versions_route().route(
            "/services/oauth2/revoke",
            post(move |body: String| {
                r.lock().unwrap().push(body);
                async { StatusCode::OK }
            }),
        )
    })
    .await;
    let client = Client::new(config(&org.url)).unwrap();
    client.versions().await.unwrap();
    client.revoke().await.unwrap();
    assert_eq!(revoked.lock().unwrap().as_slice(), ["token=token-1"]);
    client.versions().await.unwrap();
    assert_eq!(org.state.tokens(), 2);
    assert_eq!(
        org.state.seen().last().unwrap().authorization.as_deref(),
        Some("Bearer token-2")
    );
}

#[test]
fn bad_configuration_is_refused() {
    let url = url::Url::parse("https://login.salesforce.com").unwrap();
    let cfg = SalesforceConfig::new(
        url,
        AuthFlow::JwtBearer {
            client_id: "c".into(),
            username: "u".into(),
            private_key_pem: "not a key".into(),
            audience: None,
        },
    );
    assert!(matches!(Client::new(cfg), Err(Error::Config(_))));
}
