//! Local servers speaking Salesforce's wire format: a token endpoint that
//! issues `token-1`, `token-2`, … with the server itself as the instance URL,
//! a request log, and a client configuration with fast retries.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use concierge_salesforce::{AuthFlow, SalesforceConfig};
use serde_json::json;
use url::Url;

/// What the server saw of one REST request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub headers: HeaderMap,
}

#[derive(Debug, Default)]
pub struct OrgState {
    /// Form bodies posted to the token endpoint, with their headers.
    pub token_requests: Mutex<Vec<(HeaderMap, String)>>,
    pub tokens_issued: AtomicUsize,
    /// Delay before the token endpoint answers (to widen races).
    pub token_delay_ms: AtomicUsize,
    /// Every request but the token endpoint's.
    pub seen: Mutex<Vec<Seen>>,
    pub base: Mutex<String>,
}

impl OrgState {
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
    pub fn tokens(&self) -> usize {
        self.tokens_issued.load(Ordering::SeqCst)
    }
    pub fn base(&self) -> String {
        self.base.lock().unwrap().clone()
    }
}

pub struct Org {
    pub url: Url,
    pub state: Arc<OrgState>,
}

/// Binds 127.0.0.1:0 and serves the router; returns the address.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    addr
}

async fn token(State(state): State<Arc<OrgState>>, headers: HeaderMap, body: String) -> Response {
    let delay = state.token_delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
    }
    state.token_requests.lock().unwrap().push((headers, body));
    let n = state.tokens_issued.fetch_add(1, Ordering::SeqCst) + 1;
    Json(json!({
        "access_token": format!("token-{n}"),
        "instance_url": state.base(),
        "id": "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001Sv6AAAS",
        "token_type": "Bearer",
        "issued_at": "1700000000000",
        "signature": "c2lnbmF0dXJl",
        "scope": "api"
    }))
    .into_response()
}

async fn record(State(state): State<Arc<OrgState>>, req: Request, next: Next) -> Response {
    if req.uri().path() != "/services/oauth2/token" {
        let seen = Seen {
            method: req.method().to_string(),
            path: req.uri().path().to_owned(),
            query: req.uri().query().map(str::to_owned),
            authorization: req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            headers: req.headers().clone(),
        };
        state.seen.lock().unwrap().push(seen);
    }
    next.run(req).await
}

/// An org: the token endpoint plus the test's routes (given the shared state).
pub async fn org(routes: impl FnOnce(Arc<OrgState>) -> Router) -> Org {
    let state = Arc::new(OrgState::default());
    let router = Router::new()
        .route("/services/oauth2/token", post(token))
        .with_state(state.clone())
        .merge(routes(state.clone()))
        .layer(middleware::from_fn_with_state(state.clone(), record));
    let addr = serve(router).await;
    let url = Url::parse(&format!("http://{addr}")).unwrap();
    *state.base.lock().unwrap() = url.as_str().trim_end_matches('/').to_owned();
    Org { url, state }
}

/// Client credentials against `url`, fast retries, short timeouts.
pub fn config(url: &Url) -> SalesforceConfig {
    let mut cfg = SalesforceConfig::new(
        url.clone(),
        AuthFlow::ClientCredentials {
            client_id: "3MVG9client".into(),
            client_secret: "s3cr3t".into(),
        },
    );
    cfg.retry_base_delay = Duration::from_millis(1);
    cfg.retry_max_delay = Duration::from_millis(20);
    cfg.timeout = Duration::from_secs(5);
    cfg.connect_timeout = Duration::from_secs(2);
    cfg
}

/// A Salesforce error array response.
pub fn sf_error(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (
        status,
        [("sforce-limit-info", "api-usage=1/15000")],
        Json(json!([{ "message": message, "errorCode": code }])),
    )
        .into_response()
}

/// Parses an `application/x-www-form-urlencoded` body.
pub fn form(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

pub fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
