//! The simulator's integration tests: one binary, one module per feature,
//! each test against its own simulator on port 0 over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk;
mod composite;
mod db;
mod faults;
mod jsforce;
mod oauth;
mod pubsub;
mod query;
mod rest;
mod simple_salesforce;
mod soql;
mod tls;

use std::net::SocketAddr;

use concierge_sfsim::oauth::ConnectedApp;
use concierge_sfsim::{RunningSim, SimConfig};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

/// The API version the tests speak.
pub const V: &str = "v62.0";
/// The test connected app (its public key is the fixture's).
pub const APP_ID: &str = "test-app";
pub const APP_SECRET: &str = "test-app-secret";
pub const ADMIN_TOKEN: &str = "test-admin-token";

pub const PRIVATE_KEY: &[u8] = include_bytes!("../fixtures/jwt_private.pem");
pub const OTHER_PRIVATE_KEY: &[u8] = include_bytes!("../fixtures/jwt_other_private.pem");
pub const PUBLIC_KEY: &str = include_str!("../fixtures/jwt_public.pem");

/// A simulator for one test plus an HTTP client.
#[derive(Debug)]
pub struct TestSim {
    pub sim: RunningSim,
    pub http: reqwest::Client,
}

/// The test configuration: the default app plus `test-app` with the fixture key.
pub fn test_config() -> SimConfig {
    let mut config = SimConfig::default();
    config.connected_apps.push(ConnectedApp {
        client_id: APP_ID.into(),
        client_secret: APP_SECRET.to_string().into(),
        jwt_public_key_pem: Some(PUBLIC_KEY.into()),
        run_as_username: None,
    });
    config.admin_token = ADMIN_TOKEN.to_string().into();
    config
}

impl TestSim {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(f: impl FnOnce(&mut SimConfig)) -> Self {
        let mut config = test_config();
        f(&mut config);
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let sim = concierge_sfsim::start(config, addr).await.unwrap();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap();
        Self { sim, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.url())
    }

    /// `/services/data/v62.0/{rest}`.
    pub fn api(&self, rest: &str) -> String {
        self.url(&format!("/services/data/{V}/{rest}"))
    }

    /// An active user's username from the org.
    pub fn username(&self) -> String {
        let rows = self
            .sim
            .db()
            .query(
                "SELECT Username FROM User WHERE IsActive = true ORDER BY Username LIMIT 1",
                &concierge_sfsim::db::QueryOpts::new("62.0"),
            )
            .unwrap();
        rows[0]["Username"].as_str().unwrap().to_string()
    }

    /// A JWT bearer assertion from the test app for `claims` merged over the defaults.
    pub fn assertion(&self, key: &[u8], overrides: Value) -> String {
        let mut claims = json!({
            "iss": APP_ID,
            "sub": self.username(),
            "aud": "https://login.salesforce.com",
            "exp": chrono::Utc::now().timestamp() + 180,
        });
        for (k, v) in overrides.as_object().unwrap() {
            claims[k] = v.clone();
        }
        jsonwebtoken::encode(
            &Header::new(Algorithm::RS256),
            &claims,
            &EncodingKey::from_rsa_pem(key).unwrap(),
        )
        .unwrap()
    }

    /// POSTs a form to the token endpoint.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url("/services/oauth2/token"))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// A fresh access token through the JWT bearer flow.
    pub async fn token(&self) -> String {
        let assertion = self.assertion(PRIVATE_KEY, json!({}));
        let res = self
            .token_request(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &assertion),
            ])
            .await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn get(&self, token: &str, url: &str) -> reqwest::Response {
        self.http.get(url).bearer_auth(token).send().await.unwrap()
    }

    pub async fn post(&self, token: &str, url: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(url)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, token: &str, url: &str, body: &Value) -> reqwest::Response {
        self.http
            .patch(url)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, token: &str, url: &str) -> reqwest::Response {
        self.http
            .delete(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Creates a record over REST and returns its id.
    pub async fn create(&self, token: &str, object: &str, body: Value) -> String {
        let res = self
            .post(token, &self.api(&format!("sobjects/{object}/")), &body)
            .await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_string()
    }
}

/// Reads a response as `(status, JSON body or Null)`.
pub async fn json_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, body)
}
