//! `spawn_app()`: a real server on port 0 over a fresh database, with typed
//! helpers for the requests the tests keep making and one assertion for the
//! error format.

use std::future::Future;
use std::sync::{Arc, Once};
use std::time::Duration;

use concierge_core::config::Config;
use concierge_core::engine::{ConversationEngine, PlaceholderEngine};
use concierge_core::model::Organization;
use concierge_core::{ConversationId, OrgId, Role, SubscriptionTier, UserId};
use concierge_server::state::AppState;
use concierge_server::{admin, Application};
use concierge_store::testing::{postgres_admin_url, TestDb};
use futures::{SinkExt, StreamExt};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The password every test staff account gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// How long a test waits for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A running server and the database behind it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    state: AppState,
    db: Option<TestDb>,
    /// The PostgreSQL server the database lives on (for cleanup after a panic).
    pg_admin: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

static TRACING: Once = Once::new();

fn init_tracing() {
    TRACING.call_once(|| {
        if std::env::var("TEST_LOG").is_ok_and(|v| !v.is_empty() && v != "0") {
            let filter =
                tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new("debug,sqlx=warn,hyper=info")
                });
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .init();
        }
    });
}

/// The configuration every test starts from: port 0 and a rate limit high
/// enough that only the rate-limit test ever meets it.
pub fn test_config() -> Config {
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    config.rate_limit.enabled = true;
    config.rate_limit.per_second = 10_000;
    config.rate_limit.burst = 10_000;
    config
}

/// A server over a fresh SQLite database with the test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server over a fresh SQLite database; `configure` adjusts the test configuration.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with_engine(Arc::new(PlaceholderEngine), configure).await
}

/// A server over a fresh SQLite database answering with `engine`.
pub async fn spawn_app_with_engine(
    engine: Arc<dyn ConversationEngine>,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let db = TestDb::sqlite().await.expect("sqlite test db");
    start(db, None, engine, configure).await
}

/// A server over a fresh PostgreSQL database on `admin_url`'s server.
pub async fn spawn_app_on_postgres(admin_url: &str) -> TestApp {
    let db = TestDb::postgres(admin_url).await.expect("postgres test db");
    start(
        db,
        Some(admin_url.to_owned()),
        Arc::new(PlaceholderEngine),
        |_| {},
    )
    .await
}

/// Runs `story` against a server on SQLite and, when PostgreSQL is reachable,
/// against one on PostgreSQL.
pub async fn on_both<F, Fut>(story: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = TestApp>,
{
    story(spawn_app().await).await.stop().await;
    match postgres_admin_url().await {
        Some(url) => story(spawn_app_on_postgres(&url).await).await.stop().await,
        None => eprintln!("PostgreSQL not reachable: PostgreSQL half of this test skipped"),
    }
}

async fn start(
    db: TestDb,
    pg_admin: Option<String>,
    engine: Arc<dyn ConversationEngine>,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    init_tracing();
    let mut config = test_config();
    configure(&mut config);
    let app = Application::build(config, db.store.clone(), engine)
        .await
        .expect("application builds");
    serve(app, db, pg_admin).await
}

/// A server with the real conversation engine (shipped intent model, local
/// responder, no knowledge) and the Salesforce integration over `link`.
pub async fn spawn_app_with_salesforce(
    link: concierge_sfsync::SimulatorLink,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    init_tracing();
    let db = TestDb::sqlite().await.expect("sqlite test db");
    let mut config = test_config();
    configure(&mut config);
    let store = db.store.clone();
    let sf = concierge_sfsync::Salesforce::new(store.clone(), &config.salesforce, Some(link), None);
    let sink = Arc::new(concierge_llm::MemoryUsageSink::default());
    let router = concierge_llm::Router::from_config(&config.llm, sink).unwrap();
    let engine = concierge_engine::Engine::new(concierge_engine::EngineParts {
        store: store.clone(),
        config: config.engine.clone(),
        analyzer: concierge_nlu::Analyzer::try_default().unwrap(),
        knowledge: None,
        router: Arc::new(router),
        cases: sf.case_system(),
        clock: Arc::new(chrono::Utc::now),
    });
    let app = Application::build_with_salesforce(config, store, Arc::new(engine), sf)
        .await
        .expect("application builds");
    serve(app, db, None).await
}

/// A server with the real conversation engine (shipped intent model, local
/// responder, local cases) and an in-memory knowledge base.
pub async fn spawn_app_with_knowledge() -> TestApp {
    init_tracing();
    let db = TestDb::sqlite().await.expect("sqlite test db");
    let config = test_config();
    let store = db.store.clone();
    let sink = Arc::new(concierge_llm::MemoryUsageSink::default());
    let router = concierge_llm::Router::from_config(&config.llm, sink).unwrap();
    let kb = concierge_knowledge::KnowledgeBase::open(store.clone(), None, None).unwrap();
    let engine = concierge_engine::Engine::new(concierge_engine::EngineParts {
        store: store.clone(),
        config: config.engine.clone(),
        analyzer: concierge_nlu::Analyzer::try_default().unwrap(),
        knowledge: Some(kb),
        router: Arc::new(router),
        cases: Arc::new(concierge_engine::cases::LocalCases::new(store.clone())),
        clock: Arc::new(chrono::Utc::now),
    });
    let app = Application::build_with_engine(config, store, Arc::new(engine))
        .await
        .expect("application builds");
    serve(app, db, None).await
}

async fn serve(app: Application, db: TestDb, pg_admin: Option<String>) -> TestApp {
    let port = app.port();
    let state = app.state().clone();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .timeout(PATIENCE)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let test_app = TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client,
        state,
        db: Some(db),
        pg_admin,
        shutdown: Some(tx),
        server: Some(server),
    };
    test_app.wait_until_live().await;
    test_app
}

/// What `POST /v1/auth/token` and `/v1/auth/refresh` return.
#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub user: Value,
}

/// A tenant with its first admin.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub org: Organization,
    pub admin_email: String,
}

/// A tenant whose admin is signed in.
#[derive(Debug, Clone)]
pub struct Session {
    pub tenant: Tenant,
    pub tokens: Tokens,
}

impl Session {
    pub fn token(&self) -> &str {
        &self.tokens.access_token
    }
    pub fn org(&self) -> OrgId {
        self.tenant.org.id
    }
}

/// A web-chat visitor's token.
#[derive(Debug, Clone, Deserialize)]
pub struct Visitor {
    pub access_token: String,
    pub visitor_id: String,
    pub customer_id: UserId,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The server's shared state (its store, hub, token service).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn backend(&self) -> &'static str {
        self.state.store.backend().as_str()
    }

    /// Polls `/health/live` until the server answers.
    async fn wait_until_live(&self) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match self.client.get(self.url("/health/live")).send().await {
                Ok(r) if r.status() == StatusCode::OK => return,
                _ if tokio::time::Instant::now() > deadline => {
                    panic!("server on port {} did not become live", self.port)
                }
                _ => tokio::task::yield_now().await,
            }
        }
    }

    /// Stops the server and removes its database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            match tokio::time::timeout(PATIENCE, server).await {
                Ok(joined) => joined.expect("server task").expect("server ran"),
                Err(_) => panic!("server did not shut down within {PATIENCE:?}"),
            }
        }
        if let Some(db) = self.db.take() {
            db.destroy().await;
        }
    }

    /// A request with a bearer token (none when `token` is empty).
    pub fn request(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        let rb = self.client.request(method, self.url(path));
        if token.is_empty() {
            rb
        } else {
            rb.bearer_auth(token)
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, token).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A tenant `slug` with an admin `admin@<slug>.test` whose password is [`PASSWORD`].
    pub async fn create_tenant(&self, slug: &str) -> Tenant {
        let store = &self.state.store;
        let org = admin::create_tenant(
            store,
            slug,
            &format!("{slug} Inc."),
            SubscriptionTier::Professional,
        )
        .await
        .unwrap();
        let admin_email = format!("admin@{slug}.test");
        self.create_staff(org.id, &admin_email, Role::Admin).await;
        Tenant { org, admin_email }
    }

    /// A staff member of `org` whose password is [`PASSWORD`].
    pub async fn create_staff(&self, org: OrgId, email: &str, role: Role) -> UserId {
        let (user, generated) = admin::create_staff_user(
            &self.state.store,
            org,
            email,
            role,
            Some(SecretString::from(PASSWORD)),
            "test",
        )
        .await
        .unwrap();
        assert!(generated.is_none(), "a given password is not replaced");
        user.id
    }

    pub async fn sign_in(&self, email: &str, password: &str, tenant: Option<&str>) -> Response {
        let mut body = json!({ "email": email, "password": password });
        if let Some(t) = tenant {
            body["tenant"] = json!(t);
        }
        self.post("/v1/auth/token", "", &body).await
    }

    /// Signs a staff member in and returns the tokens.
    pub async fn sign_in_ok(&self, email: &str, tenant: &str) -> Tokens {
        let resp = self.sign_in(email, PASSWORD, Some(tenant)).await;
        assert_eq!(resp.status(), StatusCode::OK, "sign-in of {email}");
        resp.json().await.unwrap()
    }

    /// A new tenant `slug` with its admin signed in.
    pub async fn admin_session(&self, slug: &str) -> Session {
        let tenant = self.create_tenant(slug).await;
        let tokens = self.sign_in_ok(&tenant.admin_email, slug).await;
        Session { tenant, tokens }
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post(
            "/v1/auth/refresh",
            "",
            &json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    /// Creates an API key with an admin's token; returns the key and its record.
    pub async fn create_api_key(&self, token: &str, name: &str, role: &str) -> (String, Value) {
        let resp = self
            .post(
                "/v1/api-keys",
                token,
                &json!({ "name": name, "role": role }),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let body: Value = resp.json().await.unwrap();
        (
            body["key"].as_str().unwrap().to_owned(),
            body["api_key"].clone(),
        )
    }

    /// A visitor token for `widget_key`.
    pub async fn visitor(&self, widget_key: &str, visitor_id: Option<&str>) -> Visitor {
        let mut body = json!({ "widget_key": widget_key });
        if let Some(v) = visitor_id {
            body["visitor_id"] = json!(v);
        }
        let resp = self.post("/v1/auth/visitor", "", &body).await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    pub async fn create_conversation(&self, token: &str, body: &Value) -> Response {
        self.post("/v1/conversations", token, body).await
    }

    /// Starts a web conversation and returns it.
    pub async fn new_conversation(&self, token: &str) -> Value {
        let resp = self
            .create_conversation(token, &json!({ "channel": "web" }))
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        resp.json().await.unwrap()
    }

    /// Starts a web conversation and returns its id.
    pub async fn new_conversation_id(&self, token: &str) -> ConversationId {
        id_of(&self.new_conversation(token).await)
    }

    pub async fn post_message(&self, token: &str, id: ConversationId, content: &str) -> Response {
        self.post(
            &format!("/v1/conversations/{id}/messages"),
            token,
            &json!({ "content": content }),
        )
        .await
    }

    /// Posts a message that must be accepted; returns the result body.
    pub async fn say(&self, token: &str, id: ConversationId, content: &str) -> Value {
        let resp = self.post_message(token, id, content).await;
        assert_eq!(resp.status(), StatusCode::OK, "posting {content:?}");
        resp.json().await.unwrap()
    }

    /// A conversation with its messages (must be readable).
    pub async fn conversation(&self, token: &str, id: ConversationId) -> Value {
        let resp = self.get(&format!("/v1/conversations/{id}"), token).await;
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.unwrap()
    }

    /// Opens a WebSocket with the token in the query, optionally subscribed to `conversation`.
    pub async fn ws(&self, token: &str, conversation: Option<ConversationId>) -> WsClient {
        let mut url = format!("ws://127.0.0.1:{}/v1/ws?access_token={token}", self.port);
        if let Some(c) = conversation {
            url.push_str(&format!("&conversation_id={c}"));
        }
        let (stream, resp) = tokio::time::timeout(PATIENCE, tokio_tungstenite::connect_async(url))
            .await
            .expect("WebSocket handshake in time")
            .expect("WebSocket handshake");
        assert_eq!(resp.status(), StatusCode::SWITCHING_PROTOCOLS);
        WsClient { stream }
    }
}

impl Drop for TestApp {
    /// After a panic, `stop` never ran: remove the database anyway.
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let Some(db) = self.db.take() else { return };
        let url = db.url.clone();
        match self.pg_admin.take() {
            None => {
                if let Some(dir) = url
                    .strip_prefix("sqlite://")
                    .and_then(|p| std::path::Path::new(p).parent())
                {
                    let _ = std::fs::remove_dir_all(dir);
                }
            }
            Some(admin_url) => {
                // Not on the test's runtime, which is unwinding: a thread of our own.
                let name = url.rsplit('/').next().unwrap_or_default().to_owned();
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async {
                        use sqlx::{Connection, Executor};
                        if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                            let _ = c
                                .execute(
                                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                                )
                                .await;
                        }
                    });
                })
                .join();
            }
        }
        drop(db);
    }
}

/// The `id` of a conversation body.
pub fn id_of(conversation: &Value) -> ConversationId {
    conversation["id"]
        .as_str()
        .expect("conversation has an id")
        .parse()
        .unwrap()
}

/// Asserts `resp` is an error in our format with `status` and `code`, whose
/// `request_id` is the `X-Request-ID` header. Returns the `error` object.
pub async fn assert_error(resp: Response, status: StatusCode, code: u16) -> Value {
    let header_id = resp
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned())
        .expect("every response has X-Request-ID");
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let actual = resp.status();
    let text = resp.text().await.unwrap();
    assert_eq!(actual, status, "status; body: {text}");
    assert!(
        content_type.starts_with("application/json"),
        "error content type {content_type:?}; body: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let error = &body["error"];
    assert_eq!(error["code"], code, "code; body: {text}");
    assert!(
        error["name"].as_str().is_some_and(|n| !n.is_empty()),
        "name; body: {text}"
    );
    assert!(error["message"].is_string(), "message; body: {text}");
    assert!(error["details"].is_object(), "details; body: {text}");
    assert_eq!(error["request_id"], header_id, "request_id; body: {text}");
    error.clone()
}

/// Asserts a 422 naming `field`.
pub async fn assert_invalid_field(resp: Response, field: &str) -> Value {
    let error = assert_error(resp, StatusCode::UNPROCESSABLE_ENTITY, 2001).await;
    assert_eq!(error["details"]["field"], field, "{error}");
    error
}

/// A WebSocket client that reads JSON events.
pub struct WsClient {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    pub async fn send_json(&mut self, event: &Value) {
        self.send_text(&event.to_string()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream.send(WsMessage::text(text)).await.unwrap();
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.stream.send(WsMessage::binary(bytes)).await.unwrap();
    }

    /// The next event (control frames skipped); fails after [`PATIENCE`] or on close.
    pub async fn next_event(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.stream.next())
                .await
                .expect("a WebSocket event in time")
                .expect("the socket is open")
                .expect("a readable frame");
            match frame {
                WsMessage::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
                WsMessage::Ping(_) | WsMessage::Pong(_) => continue,
                other => panic!("expected a JSON text frame, got {other:?}"),
            }
        }
    }

    /// The next event, which must be of type `ty`.
    pub async fn expect(&mut self, ty: &str) -> Value {
        let event = self.next_event().await;
        assert_eq!(event["type"], ty, "{event}");
        event
    }

    /// Reads until the server closes the socket; `None` if it stays open for `within`.
    pub async fn wait_for_close(&mut self, within: Duration) -> Option<Option<u16>> {
        let read = async {
            loop {
                match self.stream.next().await {
                    None | Some(Err(_)) => return None,
                    Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                    Some(Ok(_)) => continue,
                }
            }
        };
        tokio::time::timeout(within, read).await.ok()
    }
}
