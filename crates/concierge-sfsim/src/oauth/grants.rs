//! The four grant types: what each checks and which error it answers with.

use std::collections::HashMap;

use axum::http::HeaderMap;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::ExposeSecret;
use serde_json::Value;

use super::{token_response, ConnectedApp};
use crate::error::OAuthError;
use crate::server::SimState;
use crate::session::Session;

/// Login hosts a JWT `aud` may name (besides the simulator's own URL).
const LOGIN_HOSTS: [&str; 2] = ["login.salesforce.com", "test.salesforce.com"];

/// A user as the OAuth layer needs it.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: String,
    pub username: String,
    pub email: String,
    pub name: String,
    pub first_name: Value,
    pub last_name: String,
    pub alias: Value,
    pub time_zone: String,
    pub language: String,
    pub active: bool,
    pub password: Option<String>,
    pub security_token: Option<String>,
}

pub(crate) fn find_user(state: &SimState, username: &str) -> Option<User> {
    let u = state.db.user_by_username(username)?;
    let text = |k: &str| u.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let (password, security_token) = user_password(state, &text("Username"));
    Some(User {
        id: text("Id"),
        username: text("Username"),
        email: text("Email"),
        name: text("Name"),
        first_name: u.get("FirstName").cloned().unwrap_or(Value::Null),
        last_name: text("LastName"),
        alias: u.get("Alias").cloned().unwrap_or(Value::Null),
        time_zone: text("TimeZoneSidKey"),
        language: text("LanguageLocaleKey"),
        active: u.get("IsActive").and_then(Value::as_bool).unwrap_or(true),
        password,
        security_token,
    })
}

/// A user's password and security token: an explicit credential from the
/// configuration, else the configured default password (no token).
fn user_password(state: &SimState, username: &str) -> (Option<String>, Option<String>) {
    let config = &state.config;
    match config
        .user_credentials
        .iter()
        .find(|c| c.username.eq_ignore_ascii_case(username))
    {
        Some(c) => (
            Some(c.password.expose_secret().to_string()),
            c.security_token
                .as_ref()
                .map(|t| t.expose_secret().to_string()),
        ),
        None => (
            config
                .default_password
                .as_ref()
                .map(|p| p.expose_secret().to_string()),
            None,
        ),
    }
}

fn session_for(state: &SimState, user: &User) -> Session {
    Session {
        user_id: user.id.clone(),
        org_id: state.db.org_id().to_string(),
        username: user.username.clone(),
        instance_url: state.base_url.to_string(),
    }
}

fn app<'a>(
    state: &'a SimState,
    client_id: Option<&String>,
) -> Result<&'a ConnectedApp, OAuthError> {
    client_id
        .and_then(|id| state.config.app(id))
        .ok_or_else(|| OAuthError::new("invalid_client_id", "client identifier invalid"))
}

fn check_secret(app: &ConnectedApp, secret: &str) -> Result<(), OAuthError> {
    let expected = app.client_secret.expose_secret().as_bytes();
    let given = secret.as_bytes();
    let same = expected.len() == given.len()
        && expected
            .iter()
            .zip(given)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(OAuthError::new(
            "invalid_client",
            "invalid client credentials",
        ))
    }
}

/// The active user with this username whose password (with or without the
/// security token appended) is `given`.
pub(crate) fn check_password(state: &SimState, username: &str, given: &str) -> Option<User> {
    let user = find_user(state, username)?;
    let pw = user.password.as_deref()?;
    let with_token = format!("{pw}{}", user.security_token.as_deref().unwrap_or(""));
    (user.active && (given == pw || given == with_token)).then_some(user)
}

/// The session a user gets.
pub(crate) fn session_of(state: &SimState, user: &User) -> Session {
    session_for(state, user)
}

/// `grant_type=password`: username, password (+ security token), client id and secret.
pub(super) fn password(state: &SimState, p: &HashMap<String, String>) -> Result<Value, OAuthError> {
    let app = app(state, p.get("client_id"))?;
    check_secret(app, p.get("client_secret").map_or("", String::as_str))?;
    let (Some(username), Some(given)) = (p.get("username"), p.get("password")) else {
        return Err(OAuthError::auth_failure());
    };
    let user = check_password(state, username, given).ok_or_else(OAuthError::auth_failure)?;
    Ok(token_response(
        state,
        app,
        session_for(state, &user),
        true,
        None,
    ))
}

/// `grant_type=client_credentials`: id and secret as HTTP Basic or in the body.
pub(super) fn client_credentials(
    state: &SimState,
    p: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<Value, OAuthError> {
    let basic = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        });
    let (id, secret) = match basic {
        Some((id, secret)) => (Some(id), secret),
        None => (
            p.get("client_id").cloned(),
            p.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    let app = app(state, id.as_ref())?;
    check_secret(app, &secret)?;
    let user = match &app.run_as_username {
        Some(u) => find_user(state, u),
        None => first_active_username(state).and_then(|u| find_user(state, &u)),
    }
    .filter(|u| u.active)
    .ok_or_else(|| OAuthError::new("invalid_grant", "no client credentials user enabled"))?;
    Ok(token_response(
        state,
        app,
        session_for(state, &user),
        false,
        None,
    ))
}

fn first_active_username(state: &SimState) -> Option<String> {
    let rows = state
        .db
        .query(
            "SELECT Username FROM User WHERE IsActive = true ORDER BY CreatedDate LIMIT 1",
            &crate::db::QueryOpts::new(state.config.current_version()),
        )
        .ok()?;
    rows.first()?.get("Username")?.as_str().map(str::to_string)
}

/// `grant_type=refresh_token`: a token the password flow issued, for the same app.
pub(super) fn refresh(state: &SimState, p: &HashMap<String, String>) -> Result<Value, OAuthError> {
    let app = app(state, p.get("client_id"))?;
    if let Some(secret) = p.get("client_secret") {
        check_secret(app, secret)?;
    }
    let token = p.get("refresh_token").map_or("", String::as_str);
    let grant = state
        .sessions
        .refresh_grant(token)
        .filter(|g| g.client_id == app.client_id)
        .ok_or_else(|| OAuthError::new("invalid_grant", "expired access/refresh token"))?;
    let user = find_user(state, &grant.session.username)
        .filter(|u| u.active)
        .ok_or_else(|| OAuthError::new("invalid_grant", "expired access/refresh token"))?;
    let session = session_for(state, &user);
    Ok(token_response(state, app, session, false, Some(token)))
}

/// The claims of a JWT, read without checking the signature (to find the app).
fn unverified_claims(assertion: &str) -> Option<Value> {
    let payload = assertion.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `exp` in seconds, per the strictness setting.
fn exp_seconds(exp: &Value, strict: bool) -> Option<i64> {
    let raw = match exp {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?,
        Value::String(s) if !strict => s.trim().parse::<f64>().ok()? as i64,
        _ => return None,
    };
    // Seconds until the year 5138; larger means milliseconds (sfdx-core).
    if raw > 100_000_000_000 {
        if strict {
            return None;
        }
        return Some(raw / 1000);
    }
    Some(raw)
}

fn aud_ok(state: &SimState, aud: &Value, strict: bool) -> bool {
    let one = |a: &str| {
        let a = a.trim().trim_end_matches('/');
        if a.eq_ignore_ascii_case(&state.base_url) {
            return true;
        }
        let host = match a.strip_prefix("https://") {
            Some(h) => h,
            None if strict => return false,
            None => a.strip_prefix("http://").unwrap_or(a),
        };
        let own = state
            .base_url
            .split_once("://")
            .map_or(&*state.base_url, |(_, h)| h);
        LOGIN_HOSTS.iter().any(|h| host.eq_ignore_ascii_case(h))
            || (!strict && host.eq_ignore_ascii_case(own))
    };
    match aud {
        Value::String(s) => one(s),
        Value::Array(items) => items.iter().filter_map(Value::as_str).any(one),
        _ => false,
    }
}

/// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`: an RS256 assertion
/// signed with the key of the app named by `iss`, for the user named by `sub`.
pub(super) fn jwt_bearer(
    state: &SimState,
    p: &HashMap<String, String>,
) -> Result<Value, OAuthError> {
    let invalid = || OAuthError::new("invalid_grant", "invalid assertion");
    let assertion = p.get("assertion").ok_or_else(invalid)?;
    let claims = unverified_claims(assertion).ok_or_else(invalid)?;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .map(str::to_string);
    let app = app(state, iss.as_ref())?;
    let pem = app.jwt_public_key_pem.as_ref().ok_or_else(invalid)?;
    let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| invalid())?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let verified = jsonwebtoken::decode::<Value>(assertion, &key, &validation)
        .map_err(|_| invalid())?
        .claims;
    let strict = state.config.strict_jwt;
    let aud = verified.get("aud").unwrap_or(&Value::Null);
    if !aud_ok(state, aud, strict) {
        return Err(OAuthError::new("invalid_grant", "audience is invalid"));
    }
    let exp = verified
        .get("exp")
        .and_then(|e| exp_seconds(e, strict))
        .ok_or_else(invalid)?;
    if exp <= chrono::Utc::now().timestamp() {
        return Err(OAuthError::new(
            "invalid_grant",
            "expired access/refresh token",
        ));
    }
    let sub = verified.get("sub").and_then(Value::as_str).unwrap_or("");
    let user = find_user(state, sub)
        .filter(|u| u.active)
        .ok_or_else(|| OAuthError::new("invalid_grant", "user hasn't approved this consumer"))?;
    Ok(token_response(
        state,
        app,
        session_for(state, &user),
        false,
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exp_variants() {
        assert_eq!(
            exp_seconds(&json!(1_700_000_000), true),
            Some(1_700_000_000)
        );
        assert_eq!(exp_seconds(&json!("1700000000"), true), None);
        assert_eq!(
            exp_seconds(&json!("1700000000"), false),
            Some(1_700_000_000)
        );
        assert_eq!(
            exp_seconds(&json!(1_700_000_000_123i64), false),
            Some(1_700_000_000)
        );
        assert_eq!(exp_seconds(&json!(1_700_000_000_123i64), true), None);
        assert_eq!(exp_seconds(&json!(null), false), None);
    }

    #[test]
    fn claims_without_verifying() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"iss":"x"}"#);
        assert_eq!(
            unverified_claims(&format!("h.{payload}.s")),
            Some(json!({"iss":"x"}))
        );
        assert_eq!(unverified_claims("garbage"), None);
    }
}
