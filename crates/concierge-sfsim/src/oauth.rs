//! OAuth 2.0 as Salesforce speaks it: `POST /services/oauth2/token` with the
//! JWT bearer, client credentials, refresh token and username-password flows,
//! `POST /services/oauth2/revoke` and `GET /services/oauth2/userinfo`.
//! The partner SOAP `login` call lives in `soap`. Claims and credentials are checked in `grants`; tokens live in
//! [`crate::session::Sessions`].

mod grants;
mod soap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashMap;

use crate::error::{ApiError, OAuthError, SimError};
use crate::server::{SimConfig, SimState};
use crate::session::Session;

/// Largest token-endpoint body accepted (a JWT assertion is a few KB).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A connected app allowed to obtain tokens.
#[derive(Clone)]
pub struct ConnectedApp {
    /// The consumer key (`client_id`, the JWT `iss`).
    pub client_id: String,
    /// The consumer secret; also the HMAC key of the token response's `signature`.
    pub client_secret: SecretString,
    /// PEM RSA public key (`-----BEGIN PUBLIC KEY-----`) that verifies JWT bearer assertions;
    /// without one the app cannot use the JWT flow.
    pub jwt_public_key_pem: Option<String>,
    /// The user the client-credentials flow runs as (default: the first active user).
    pub run_as_username: Option<String>,
}

impl std::fmt::Debug for ConnectedApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectedApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("jwt", &self.jwt_public_key_pem.is_some())
            .field("run_as_username", &self.run_as_username)
            .finish()
    }
}

/// A user's password for the username-password flow.
#[derive(Clone)]
pub struct UserCredential {
    /// The user's username.
    pub username: String,
    /// The password.
    pub password: SecretString,
    /// The security token clients append to the password (optional here).
    pub security_token: Option<SecretString>,
}

impl std::fmt::Debug for UserCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCredential")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Checks every app's public key parses, so a bad key fails at start-up.
pub(crate) fn check_apps(config: &SimConfig) -> Result<(), SimError> {
    for app in &config.connected_apps {
        if let Some(pem) = &app.jwt_public_key_pem {
            jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| {
                SimError::Config(format!("connected app {}: public key: {e}", app.client_id))
            })?;
        }
    }
    Ok(())
}

/// The OAuth endpoints.
pub fn router(state: SimState) -> Router {
    Router::new()
        .route("/services/oauth2/token", post(token))
        .route("/services/oauth2/revoke", post(revoke).get(revoke_get))
        .route("/services/oauth2/userinfo", get(userinfo).post(userinfo))
        .route("/id/{org}/{user}", get(userinfo))
        .route("/services/Soap/u/{version}", post(soap::login))
        .with_state(state)
}

/// Parses a form body (and the query string, which Salesforce also reads).
fn form(query: &HashMap<String, String>, body: &[u8]) -> HashMap<String, String> {
    let mut params = query.clone();
    params.extend(url::form_urlencoded::parse(body).into_owned());
    params
}

async fn token(
    State(state): State<SimState>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if body.len() > MAX_FORM_BYTES {
        return OAuthError::new("invalid_request", "request too large").into_response();
    }
    let params = form(&query, &body);
    let grant_type = params.get("grant_type").map(String::as_str).unwrap_or("");
    let result = match grant_type {
        "urn:ietf:params:oauth:grant-type:jwt-bearer" => grants::jwt_bearer(&state, &params),
        "client_credentials" => grants::client_credentials(&state, &params, &headers),
        "password" => grants::password(&state, &params),
        "refresh_token" => grants::refresh(&state, &params),
        "" => Err(OAuthError::new(
            "unsupported_grant_type",
            "grant type not supported",
        )),
        _ => Err(OAuthError::new(
            "unsupported_grant_type",
            "grant type not supported",
        )),
    };
    match result {
        Ok(body) => (StatusCode::OK, Json(body)).into_response(),
        Err(e) => {
            tracing::debug!(grant_type, error = e.error, "token request refused");
            e.into_response()
        }
    }
}

/// The identity URL of a user, as Salesforce writes it in `id`.
pub fn identity_url(org_id: &str, user_id: &str) -> String {
    format!("https://login.salesforce.com/id/{org_id}/{user_id}")
}

/// Issues a session and builds the token response body.
pub(crate) fn token_response(
    state: &SimState,
    app: &ConnectedApp,
    session: Session,
    with_refresh: bool,
    from_refresh: Option<&str>,
) -> Value {
    let id = identity_url(&session.org_id, &session.user_id);
    let refresh = with_refresh.then(|| {
        state
            .sessions
            .issue_refresh(&app.client_id, session.clone())
    });
    let parent = refresh.as_deref().or(from_refresh);
    let access = state.sessions.issue(session.clone(), parent);
    let issued_at = chrono::Utc::now().timestamp_millis().to_string();
    let signature = sign(app.client_secret.expose_secret(), &id, &issued_at);
    let mut body = json!({
        "access_token": access,
        "instance_url": session.instance_url,
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": signature,
        "scope": if with_refresh || from_refresh.is_some() { "refresh_token api full" } else { "api full" },
    });
    if let (Some(r), Some(obj)) = (refresh, body.as_object_mut()) {
        obj.insert("refresh_token".into(), Value::String(r));
    }
    body
}

/// base64(HMAC-SHA256(client_secret, id + issued_at)).
pub fn sign(client_secret: &str, id: &str, issued_at: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes()) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(issued_at.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn revoke(
    State(state): State<SimState>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if body.len() > MAX_FORM_BYTES {
        return OAuthError::new("invalid_request", "request too large").into_response();
    }
    revoke_token(&state, form(&query, &body).get("token"))
}

async fn revoke_get(
    State(state): State<SimState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    revoke_token(&state, query.get("token"))
}

fn revoke_token(state: &SimState, token: Option<&String>) -> Response {
    match token {
        Some(t) if state.sessions.revoke(t) => StatusCode::OK.into_response(),
        _ => OAuthError::new("unsupported_token_type", "this token type is not supported")
            .into_response(),
    }
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    v.strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("OAuth "))
        .map(str::trim)
}

async fn userinfo(State(state): State<SimState>, headers: HeaderMap) -> Response {
    let Some(session) = bearer(&headers).and_then(|t| state.sessions.validate(t)) else {
        return ApiError::invalid_session().into_response();
    };
    let Some(user) = grants::find_user(&state, &session.username) else {
        return ApiError::invalid_session().into_response();
    };
    let base = &session.instance_url;
    let id = identity_url(&session.org_id, &session.user_id);
    let body = json!({
        "sub": id,
        "user_id": session.user_id,
        "organization_id": session.org_id,
        "preferred_username": session.username,
        "nickname": user.alias,
        "name": user.name,
        "email": user.email,
        "email_verified": true,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "zoneinfo": user.time_zone,
        "photos": {},
        "profile": format!("{base}/{}", session.user_id),
        "picture": Value::Null,
        "address": {},
        "is_salesforce_integration_user": false,
        "urls": {
            "enterprise": format!("{base}/services/Soap/c/{{version}}/{}", session.org_id),
            "partner": format!("{base}/services/Soap/u/{{version}}/{}", session.org_id),
            "rest": format!("{base}/services/data/v{{version}}/"),
            "sobjects": format!("{base}/services/data/v{{version}}/sobjects/"),
            "search": format!("{base}/services/data/v{{version}}/search/"),
            "query": format!("{base}/services/data/v{{version}}/query/"),
            "profile": format!("{base}/{}", session.user_id),
        },
        "active": user.active,
        "user_type": "STANDARD",
        "language": user.language,
        "locale": user.language,
        "utcOffset": 0,
        "updated_at": chrono::Utc::now().to_rfc3339(),
        "is_app_installed": true,
        "organization_name": state.config.org_name.clone().unwrap_or_else(|| state.db.org_name()),
    });
    (StatusCode::OK, Json(body)).into_response()
}
