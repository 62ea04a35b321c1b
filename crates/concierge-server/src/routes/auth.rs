//! Sign-in for staff (email + password → access + rotating refresh token),
//! refresh with reuse detection, logout, web-chat visitor tokens, and `me`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use concierge_core::validate;
use concierge_core::{OrgId, Role, TokenFamilyId, UserId, UserStatus};
use concierge_store::RefreshToken;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Principal};
use crate::error::{ApiError, ApiResult, Code, ErrorBody};
use crate::extract::AppJson;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/token", post(token))
        .route("/v1/auth/refresh", post(refresh))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/auth/visitor", post(visitor))
        .route("/v1/auth/me", get(me))
}

/// The caller's address, for rate-limiting unauthenticated endpoints.
#[derive(Debug)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.server.trust_forwarded_for {
            if let Some(first) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
            {
                return Ok(ClientAddr(first.trim().to_owned()));
            }
        }
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(ClientAddr(addr.unwrap_or_else(|| "unknown".to_owned())))
    }
}

/// Staff sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "admin@demo.concierge.local", "password": "correct horse battery staple", "tenant": "demo"}))]
pub struct TokenRequest {
    pub email: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
    /// The tenant's slug. May be omitted when the email belongs to one tenant only.
    pub tenant: Option<String>,
}

/// Tokens for a signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single use: each refresh returns a new one. Reusing an old one signs the session out.
    pub refresh_token: String,
    pub refresh_expires_in: u64,
    pub user: UserInfo,
}

/// Who a token belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserInfo {
    #[schema(value_type = Option<String>, format = Uuid)]
    pub id: Option<UserId>,
    #[schema(value_type = String, format = Uuid)]
    pub org_id: OrgId,
    pub role: Role,
    pub email: Option<String>,
}

/// Signs a staff member in.
#[utoipa::path(post, path = "/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse),
              (status = 401, description = "Wrong email, password or tenant", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn token(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    AppJson(req): AppJson<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    state.limiter.check(&format!("signin:{addr}"))?;
    let email = validate::email("email", &req.email)?;
    let denied = || ApiError::new(Code::InvalidCredentials, "wrong email, password or tenant");
    let org = match &req.tenant {
        Some(slug) => state.store.organization_by_slug(slug).await?.map(|o| o.id),
        None => {
            let tenants = state.store.staff_tenants_for_email(&email).await?;
            if tenants.len() > 1 {
                return Err(ApiError::field(
                    "tenant",
                    "this email belongs to several tenants; name one",
                ));
            }
            tenants.first().copied()
        }
    };
    let creds = match org {
        Some(org) => state.store.user_credentials(org, &email).await?,
        None => None,
    };
    let hash = creds.as_ref().and_then(|c| c.password_hash.clone());
    // The password is checked even for unknown accounts, so timing tells nothing.
    let ok = auth::verify_password(req.password, hash).await;
    let creds = creds.filter(|_| ok).ok_or_else(denied)?;
    let user = creds.user;
    if user.status != UserStatus::Active || !user.role.is_staff() {
        return Err(denied());
    }
    Ok(Json(
        start_session(&state, user, TokenFamilyId::new()).await?,
    ))
}

/// Issues an access token and a new refresh token of `family` for `user`.
async fn start_session(
    state: &AppState,
    user: concierge_core::model::User,
    family: TokenFamilyId,
) -> ApiResult<TokenResponse> {
    let (org, role) = (user.org_id, user.role);
    let user_id = user.id;
    let access = state
        .tokens
        .issue(org, user_id, role, Some(family), state.tokens.access_ttl)?;
    let secret = format!("crt_{}", auth::random_secret(32));
    let expires_at = Utc::now()
        + chrono::Duration::from_std(state.tokens.refresh_ttl)
            .unwrap_or_else(|_| chrono::Duration::days(30));
    state
        .store
        .insert_refresh_token(&RefreshToken {
            id: uuid::Uuid::now_v7(),
            org_id: org,
            user_id,
            family_id: family,
            token_hash: auth::sha256(&secret),
            expires_at,
            used_at: None,
            revoked_at: None,
        })
        .await?;
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl.as_secs(),
        refresh_token: secret,
        refresh_expires_in: state.tokens.refresh_ttl.as_secs(),
        user: UserInfo {
            id: Some(user_id),
            org_id: org,
            role,
            email: user.email,
        },
    })
}

/// A refresh token to exchange.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchanges a refresh token for new tokens. A token used twice revokes its whole family.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse),
              (status = 401, description = "Unknown, expired, revoked or reused token", body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    AppJson(req): AppJson<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    state.limiter.check(&format!("signin:{addr}"))?;
    if req.refresh_token.len() > 256 {
        return Err(ApiError::field("refresh_token", "is not a refresh token"));
    }
    let invalid = || {
        ApiError::new(
            Code::TokenRevoked,
            "the refresh token is not valid; sign in again",
        )
    };
    let stored = state
        .store
        .refresh_token_by_hash(&auth::sha256(&req.refresh_token))
        .await?
        .ok_or_else(invalid)?;
    if stored.revoked_at.is_some() {
        return Err(invalid());
    }
    if stored.expires_at < Utc::now() {
        return Err(ApiError::new(
            Code::TokenExpired,
            "the refresh token has expired; sign in again",
        ));
    }
    if !state
        .store
        .consume_refresh_token(stored.org_id, stored.id, concierge_store::now())
        .await?
    {
        // Reuse of a rotated token: someone else may hold it. End the session everywhere.
        let n = state
            .store
            .revoke_token_family(stored.org_id, stored.family_id)
            .await?;
        tracing::warn!(family = %stored.family_id, revoked = n, "refresh token reuse; session family revoked");
        return Err(invalid());
    }
    let user = state.store.get_user(stored.org_id, stored.user_id).await?;
    if user.status != UserStatus::Active {
        return Err(invalid());
    }
    Ok(Json(start_session(&state, user, stored.family_id).await?))
}

/// Ends the session: every refresh token of this sign-in is revoked. Access
/// tokens are stateless and lapse within `auth.access_token_ttl_secs`.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn logout(State(state): State<AppState>, p: Principal) -> ApiResult<StatusCode> {
    if let Some(family) = p.family {
        state.store.revoke_token_family(p.org, family).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A web-chat visitor asks for a token with the tenant's publishable key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"widget_key": "pk_demo_3f9a…", "visitor_id": "v_Q2x1ZXNzLWJ5LW5vLW9uZS0xMjM0NTY3"}))]
pub struct VisitorRequest {
    /// The tenant's publishable widget key (safe to embed in a page).
    pub widget_key: String,
    /// The `visitor_id` a previous call returned, to continue as the same
    /// visitor. It is a bearer secret (192 random bits): the widget keeps it
    /// like a session cookie. Omit it to start as a new visitor.
    pub visitor_id: Option<String>,
    pub email: Option<String>,
}

/// A visitor token, scoped to that visitor's conversations.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitorResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub visitor_id: String,
    #[schema(value_type = String, format = Uuid)]
    pub customer_id: UserId,
}

/// Exchanges a publishable widget key for a short-lived customer token.
#[utoipa::path(post, path = "/v1/auth/visitor", tag = "auth", request_body = VisitorRequest,
    responses((status = 200, body = VisitorResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn visitor(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    AppJson(req): AppJson<VisitorRequest>,
) -> ApiResult<Json<VisitorResponse>> {
    state.limiter.check(&format!("visitor:{addr}"))?;
    if req.widget_key.len() > 128 {
        return Err(ApiError::field("widget_key", "is not a widget key"));
    }
    let org = state
        .store
        .organization_by_widget_key(&req.widget_key)
        .await?
        .ok_or_else(|| ApiError::unauthorized("unknown widget key"))?;
    let visitor_id = match req.visitor_id {
        Some(v) => {
            if !is_visitor_id(&v) {
                return Err(ApiError::field(
                    "visitor_id",
                    "must be a visitor_id issued by this endpoint (v_ and 32 URL-safe characters)",
                ));
            }
            v
        }
        None => new_visitor_id(),
    };
    let email = req
        .email
        .as_deref()
        .map(|e| validate::email("email", e))
        .transpose()?;
    let customer = state
        .store
        .upsert_customer(org.id, &visitor_external_id(&visitor_id), email.as_deref())
        .await?;
    let access_token = state.tokens.issue(
        org.id,
        customer.id,
        Role::Customer,
        None,
        state.tokens.visitor_ttl,
    )?;
    Ok(Json(VisitorResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.tokens.visitor_ttl.as_secs(),
        visitor_id,
        customer_id: customer.id,
    }))
}

/// A new visitor id: `v_` and 32 URL-safe random characters (192 bits).
fn new_visitor_id() -> String {
    format!("v_{}", auth::random_secret(24))
}

/// Whether `v` has the shape of an issued visitor id, so that guessable ids
/// ("v-alice") cannot be used to take over a visitor.
fn is_visitor_id(v: &str) -> bool {
    v.len() == 34
        && v.starts_with("v_")
        && v[2..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The customer's external id: a hash of the visitor id, so the database
/// never holds the bearer secret itself.
fn visitor_external_id(visitor_id: &str) -> String {
    let digest = auth::sha256(visitor_id);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("visitor:{hex}")
}

/// The caller's identity.
#[utoipa::path(get, path = "/v1/auth/me", tag = "auth",
    responses((status = 200, body = UserInfo), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, p: Principal) -> ApiResult<Json<UserInfo>> {
    let email = match p.user {
        Some(u) => state.store.get_user(p.org, u).await?.email,
        None => None,
    };
    Ok(Json(UserInfo {
        id: p.user,
        org_id: p.org,
        role: p.role,
        email,
    }))
}
