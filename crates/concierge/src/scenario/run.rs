//! The HTTP driver: each scenario is one conversation on a Concierge server,
//! driven through its public API exactly as an integration would. The
//! customer speaks through the service API key; agent turns and `advance`
//! use a staff sign-in (a JWT, renewed when it expires).

use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::check;
use super::format::{Action, Scenario, Turn};
use super::report::{ScenarioResult, TurnResult};

/// The customer side of each conversation.
mod customer;

use customer::{by_customer, create_body};

/// Longest a single request may take (an engine calling a remote language
/// model can be slow; a hung server must not hang the run).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// How often a rate-limited request is retried (after `Retry-After`).
const RATE_LIMIT_RETRIES: u32 = 5;

/// Where and as whom to run.
#[derive(Debug, Clone)]
pub struct Target {
    /// e.g. `http://127.0.0.1:8080` (no trailing slash).
    pub base: String,
    /// A `service` API key: the customer's side of the conversation.
    pub api_key: String,
    /// An admin (or agent) for agent turns and `advance`.
    pub staff: Option<StaffLogin>,
}

/// Staff credentials for `POST /v1/auth/token`.
#[derive(Clone)]
pub struct StaffLogin {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for StaffLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffLogin")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A request that did not succeed, as one failure line.
#[derive(Debug)]
struct HttpError {
    status: Option<StatusCode>,
    message: String,
}

#[derive(Debug, Clone, Copy)]
enum Auth {
    Service,
    Staff,
}

/// What a conversation's earlier turns did.
#[derive(Debug, Default)]
struct State {
    /// This scenario's agent has claimed the conversation.
    claimed: bool,
    /// How far `advance` has moved the clock, cumulatively.
    offset: Duration,
}

/// Drives scenarios against one server with one shared HTTP client.
#[derive(Debug)]
pub struct Driver {
    client: reqwest::Client,
    target: Target,
    /// The staff access token, signed in on first use.
    token: tokio::sync::Mutex<Option<String>>,
}

impl Driver {
    pub fn new(target: Target) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("concierge-scenario/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            target,
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// Runs the scenarios, `concurrency` at a time, in no particular order.
    /// Scenarios with the same customer email share that customer, so they
    /// run one after the other (one's tier or language never leaks into
    /// another's conversation halfway).
    pub async fn run_all(&self, scenarios: &[Scenario], concurrency: usize) -> Vec<ScenarioResult> {
        let groups: Vec<Vec<ScenarioResult>> = futures::stream::iter(by_customer(scenarios))
            .map(|group| async move {
                let mut out = Vec::with_capacity(group.len());
                for s in group {
                    out.push(self.run(s).await);
                }
                out
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        groups.into_iter().flatten().collect()
    }

    /// Runs one scenario as one conversation.
    pub async fn run(&self, s: &Scenario) -> ScenarioResult {
        let started = Instant::now();
        let mut result = ScenarioResult {
            file: s.file.display().to_string(),
            name: s.name.clone(),
            passed: false,
            duration_ms: 0,
            turns: Vec::with_capacity(s.turns.len()),
            failures: Vec::new(),
        };
        if let Err(e) = self.drive(s, &mut result).await {
            result.failures.push(e);
        }
        result.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        result.finish();
        result
    }

    /// The conversation; `Err` is a failure that stopped it.
    async fn drive(&self, s: &Scenario, result: &mut ScenarioResult) -> Result<(), String> {
        let conversation = self
            .call(
                Method::POST,
                "/v1/conversations",
                Auth::Service,
                Some(&create_body(s)),
            )
            .await
            .map_err(|e| format!("starting the conversation failed: {}", e.message))?;
        let Some(id) = conversation["id"].as_str().map(str::to_owned) else {
            return Err(format!(
                "starting the conversation returned no `id`: {conversation}"
            ));
        };
        let path = format!("/v1/conversations/{id}");
        let mut state = State::default();
        for (index, turn) in s.turns.iter().enumerate() {
            let mut t = TurnResult {
                index,
                say: None,
                response: None,
                intent: None,
                passed: false,
                failures: Vec::new(),
                kind: turn.action.kind(),
            };
            let outcome = self.play(&path, turn, &mut state, &mut t).await;
            let stopped = outcome.err();
            if let Some(e) = &stopped {
                t.failures.push(e.message.clone());
            }
            t.passed = t.failures.is_empty();
            result.turns.push(t);
            if stopped.is_some() {
                let left = s.turns.len() - index - 1;
                let skipped = match (left, s.outcome.is_some()) {
                    (0, false) => String::new(),
                    (0, true) => "; the outcome was not checked".to_owned(),
                    (n, false) => format!("; {n} later turn(s) not run"),
                    (n, true) => format!("; {n} later turn(s) not run, the outcome not checked"),
                };
                return Err(format!(
                    "stopped at turns[{index}] ({} failed){skipped}",
                    turn.action.kind()
                ));
            }
        }
        if let Some(o) = &s.outcome {
            let conversation = self
                .call(Method::GET, &path, Auth::Service, None)
                .await
                .map_err(|e| format!("outcome: {}", e.message))?;
            result.failures.extend(
                check::check_outcome(o, &conversation)
                    .into_iter()
                    .map(|f| format!("outcome.{f}")),
            );
        }
        Ok(())
    }

    /// Plays one turn and checks its expectations into `t`; `Err` is a
    /// request that failed.
    async fn play(
        &self,
        path: &str,
        turn: &Turn,
        state: &mut State,
        t: &mut TurnResult,
    ) -> Result<(), HttpError> {
        let staff = |suffix: &str, body: Value| {
            let url = format!("{path}/{suffix}");
            async move {
                self.call(Method::POST, &url, Auth::Staff, Some(&body))
                    .await
            }
        };
        match &turn.action {
            Action::Say { text, content_type } => {
                t.say = Some(text.clone());
                let body = json!({"content": text, "content_type": content_type});
                let messages = format!("{path}/messages");
                let reply = self
                    .call(Method::POST, &messages, Auth::Service, Some(&body))
                    .await?;
                t.response = reply["response"].as_str().map(str::to_owned);
                t.intent = reply["intent"].as_str().map(str::to_owned);
                let conversation = if check::needs_conversation(&turn.expect, &reply) {
                    Some(self.call(Method::GET, path, Auth::Service, None).await?)
                } else {
                    None
                };
                t.failures = check::check_reply(&turn.expect, &reply, conversation.as_ref());
                return Ok(());
            }
            Action::AgentSay(text) => {
                if !state.claimed {
                    // Someone (this agent) already holding it is fine.
                    match staff("claim", json!({})).await {
                        Err(e) if e.status != Some(StatusCode::CONFLICT) => return Err(e),
                        _ => {}
                    }
                    state.claimed = true;
                }
                staff("messages", json!({"content": text, "content_type": "text"})).await?;
            }
            Action::Claim => {
                staff("claim", json!({})).await?;
                state.claimed = true;
            }
            Action::Transfer(queue) => {
                staff("transfer", json!({ "queue": queue })).await?;
            }
            Action::Resolve => {
                staff("resolve", json!({})).await?;
            }
            Action::Csat { score, comment } => {
                let mut body = json!({ "score": score });
                if let Some(c) = comment {
                    body["comment"] = json!(c);
                }
                let url = format!("{path}/csat");
                self.call(Method::POST, &url, Auth::Service, Some(&body))
                    .await?;
            }
            Action::Advance(by) => {
                state.offset += *by;
                let as_of = Utc::now()
                    + chrono::Duration::from_std(state.offset).unwrap_or(chrono::Duration::MAX);
                let body = json!({ "as_of": as_of.to_rfc3339() });
                for job in ["sla", "abandon"] {
                    let url = format!("/v1/admin/jobs/{job}/run");
                    self.call(Method::POST, &url, Auth::Staff, Some(&body))
                        .await?;
                }
            }
        }
        if let Some(want) = turn.expect.status {
            let conversation = self.call(Method::GET, path, Auth::Service, None).await?;
            t.failures = check::check_status(want, &conversation);
        }
        Ok(())
    }

    /// One API call with the given identity; a staff token that expired is
    /// renewed once.
    async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Auth,
        body: Option<&Value>,
    ) -> Result<Value, HttpError> {
        match auth {
            Auth::Service => {
                self.send(method, path, Some(&self.target.api_key), body)
                    .await
            }
            Auth::Staff => {
                let token = self.staff_token(false).await?;
                match self.send(method.clone(), path, Some(&token), body).await {
                    Err(e) if e.status == Some(StatusCode::UNAUTHORIZED) => {
                        let token = self.staff_token(true).await?;
                        self.send(method, path, Some(&token), body).await
                    }
                    other => other,
                }
            }
        }
    }

    async fn staff_token(&self, renew: bool) -> Result<String, HttpError> {
        let mut token = self.token.lock().await;
        if renew {
            *token = None;
        }
        if let Some(t) = token.as_ref() {
            return Ok(t.clone());
        }
        let Some(login) = &self.target.staff else {
            return Err(HttpError {
                status: None,
                message: "this turn needs a staff sign-in: pass --admin-email and --admin-password with --url".into(),
            });
        };
        let body = json!({"email": login.email, "password": login.password});
        let reply = self
            .send(Method::POST, "/v1/auth/token", None, Some(&body))
            .await
            .map_err(|e| HttpError {
                status: e.status,
                message: format!("staff sign-in failed: {}", e.message),
            })?;
        let Some(t) = reply["access_token"].as_str() else {
            return Err(HttpError {
                status: None,
                message: "staff sign-in returned no access_token".into(),
            });
        };
        *token = Some(t.to_owned());
        Ok(t.to_owned())
    }

    /// Sends one request; waits out `429 Retry-After` a few times.
    async fn send(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, HttpError> {
        let what = format!("{method} {path}");
        let mut attempt = 0;
        loop {
            let mut req = self
                .client
                .request(method.clone(), format!("{}{path}", self.target.base));
            if let Some(b) = bearer {
                req = req.bearer_auth(b);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req.send().await.map_err(|e| HttpError {
                status: None,
                message: format!("{what}: {e}"),
            })?;
            let status = resp.status();
            if status == StatusCode::TOO_MANY_REQUESTS && attempt < RATE_LIMIT_RETRIES {
                attempt += 1;
                let wait = resp
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1)
                    .clamp(1, 30);
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            let text = resp.text().await.map_err(|e| HttpError {
                status: Some(status),
                message: format!("{what}: reading the response: {e}"),
            })?;
            let value: Value = if text.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            };
            if status.is_success() {
                return Ok(value);
            }
            return Err(HttpError {
                status: Some(status),
                message: format!("{what}: {}", describe_error(status, &value)),
            });
        }
    }
}

/// `422 validation_failed: … (field customer.tier)` from our error body.
fn describe_error(status: StatusCode, body: &Value) -> String {
    let e = &body["error"];
    let name = e["name"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| (!e["code"].is_null()).then(|| shown(&e["code"])));
    match (name, e["message"].as_str()) {
        (Some(name), Some(message)) => {
            let field = e["details"]["field"]
                .as_str()
                .map(|f| format!(" (field {f})"))
                .unwrap_or_default();
            format!("{} {name}: {message}{field}", status.as_u16())
        }
        _ => format!(
            "{} {}",
            status.as_u16(),
            shown(body).chars().take(300).collect::<String>()
        ),
    }
}

fn shown(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_read_as_one_line_with_the_field() {
        let body = json!({"error": {"code": 2001, "name": "validation_failed", "message": "unknown field", "details": {"field": "customer.tier"}}});
        assert_eq!(
            describe_error(StatusCode::UNPROCESSABLE_ENTITY, &body),
            "422 validation_failed: unknown field (field customer.tier)"
        );
        assert_eq!(
            describe_error(
                StatusCode::BAD_GATEWAY,
                &Value::String("upstream down".into())
            ),
            "502 upstream down"
        );
        let body = json!({"error": {"code": 3003, "message": "email already exists"}});
        assert_eq!(
            describe_error(StatusCode::CONFLICT, &body),
            "409 3003: email already exists"
        );
    }
}
