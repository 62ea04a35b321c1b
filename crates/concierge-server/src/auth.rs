//! Identity: password hashing (argon2id, off the async threads), access
//! tokens (short-lived HS256 JWTs), rotating refresh tokens, API keys, and
//! the [`Principal`] extractor that every protected handler takes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine as _;
use chrono::Utc;
use concierge_core::{ApiKeyId, OrgId, Role, TokenFamilyId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{ApiError, Code};
use crate::state::AppState;

/// Who is calling, established from a bearer token or an API key.
#[derive(Debug, Clone)]
pub struct Principal {
    pub org: OrgId,
    pub role: Role,
    /// The signed-in user (staff or customer); `None` for API keys.
    pub user: Option<UserId>,
    pub api_key: Option<ApiKeyId>,
    /// The refresh-token family of a staff session.
    pub family: Option<TokenFamilyId>,
    /// When the credential stops being valid (unix seconds); `None` for API keys.
    pub expires_at: Option<i64>,
}

impl Principal {
    /// A string naming the actor in audit lines and rate-limit buckets.
    pub fn actor(&self) -> String {
        match (self.user, self.api_key) {
            (Some(u), _) => format!("user:{u}"),
            (None, Some(k)) => format!("api_key:{k}"),
            _ => "unknown".to_owned(),
        }
    }

    /// Fails with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "the {} role may not do this",
                self.role
            )))
        }
    }

    /// Whether the caller is a customer, confined to their own conversations.
    pub fn customer(&self) -> Option<UserId> {
        (self.role == Role::Customer).then_some(self.user).flatten()
    }
}

/// JWT claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: uuid::Uuid,
    /// Tenant id.
    pub org: uuid::Uuid,
    pub role: Role,
    /// Refresh-token family (staff sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fam: Option<uuid::Uuid>,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

const ISSUER: &str = "concierge";

/// Signs and checks access tokens; hashes and checks secrets.
#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub visitor_ttl: Duration,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

impl TokenService {
    pub fn new(secret: &SecretString, auth: &concierge_core::config::AuthConfig) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            access_ttl: Duration::from_secs(auth.access_token_ttl_secs),
            refresh_ttl: Duration::from_secs(auth.refresh_token_ttl_secs),
            visitor_ttl: Duration::from_secs(auth.visitor_token_ttl_secs),
        }
    }

    /// Issues an access token valid for `ttl`.
    pub fn issue(
        &self,
        org: OrgId,
        user: UserId,
        role: Role,
        family: Option<TokenFamilyId>,
        ttl: Duration,
    ) -> Result<String, ApiError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.0,
            org: org.0,
            role,
            fam: family.map(|f| f.0),
            iat: now,
            exp: now + ttl.as_secs() as i64,
            iss: ISSUER.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal(&e))
    }

    /// Checks an access token's signature, issuer and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => Ok(data.claims),
            Err(e) => match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => Err(ApiError::new(
                    Code::TokenExpired,
                    "the access token has expired; refresh it",
                )),
                _ => Err(ApiError::unauthorized("the access token is not valid")),
            },
        }
    }
}

/// A random URL-safe secret of `bytes` bytes.
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill(&mut buf[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a high-entropy secret (API keys, refresh tokens). These secrets
/// are random, so a fast hash is the right tool; passwords use argon2id.
pub fn sha256(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Hashes a password with argon2id on the blocking pool.
pub async fn hash_password(password: SecretString) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ApiError::internal(&std::io::Error::other(e.to_string())))
    })
    .await
    .map_err(|e| ApiError::internal(&e))?
}

/// A valid argon2id hash of a random password, checked when the account does
/// not exist so that timing does not reveal which emails are registered.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Checks a password on the blocking pool. `hash` is `None` for unknown
/// users; the work is done anyway.
pub async fn verify_password(password: SecretString, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let dummy = DUMMY_HASH.get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(b"not-a-real-password", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        });
        let (hash, real) = match &hash {
            Some(h) => (h.as_str(), true),
            None => (dummy.as_str(), false),
        };
        let ok = PasswordHash::new(hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && real
    })
    .await
    .unwrap_or(false)
}

/// The prefix every Concierge API key starts with, so leaked keys are recognisable.
pub const API_KEY_PREFIX: &str = "ck_";

/// A new API key: `ck_<8-char id>_<secret>`. Returns (full key, public prefix).
pub fn generate_api_key() -> (String, String) {
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let id: String = (0..8)
        .map(|_| ALNUM[rng.gen_range(0..ALNUM.len())] as char)
        .collect();
    let prefix = format!("{API_KEY_PREFIX}{id}");
    (format!("{prefix}_{}", random_secret(30)), prefix)
}

/// The public prefix of a presented key, if it has the right shape.
pub fn api_key_prefix(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(API_KEY_PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 8 && secret.len() >= 20 && key.len() <= 128)
        .then(|| &key[..API_KEY_PREFIX.len() + 8])
}

/// Verified API keys, remembered briefly so a request does not always cost a
/// database read. Revocation on this node clears the entry at once; other
/// nodes notice within [`API_KEY_CACHE_TTL`].
#[derive(Debug, Default, Clone)]
pub struct ApiKeyCache {
    inner: Arc<Mutex<CachedKeys>>,
}

/// Key hash → the principal it authenticates and when it was verified.
type CachedKeys = HashMap<Vec<u8>, (Principal, Instant)>;

pub const API_KEY_CACHE_TTL: Duration = Duration::from_secs(10);

impl ApiKeyCache {
    fn get(&self, hash: &[u8]) -> Option<Principal> {
        let map = self.inner.lock().ok()?;
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < API_KEY_CACHE_TTL)
            .map(|(p, _)| p.clone())
    }

    fn put(&self, hash: Vec<u8>, p: Principal) {
        if let Ok(mut map) = self.inner.lock() {
            if map.len() > 10_000 {
                map.retain(|_, (_, at)| at.elapsed() < API_KEY_CACHE_TTL);
            }
            map.insert(hash, (p, Instant::now()));
        }
    }

    /// Forgets every cached key of `id`.
    pub fn forget(&self, id: ApiKeyId) {
        if let Ok(mut map) = self.inner.lock() {
            map.retain(|_, (p, _)| p.api_key != Some(id));
        }
    }
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let token = bearer(parts).ok_or_else(|| {
        ApiError::unauthorized(
            "missing credentials: send `Authorization: Bearer <token or API key>`",
        )
    })?;
    if token.starts_with(API_KEY_PREFIX) {
        return authenticate_api_key(&token, state).await;
    }
    let claims = state.tokens.verify(&token)?;
    Ok(Principal {
        org: OrgId(claims.org),
        role: claims.role,
        user: Some(UserId(claims.sub)),
        api_key: None,
        family: claims.fam.map(TokenFamilyId),
        expires_at: Some(claims.exp),
    })
}

async fn authenticate_api_key(key: &str, state: &AppState) -> Result<Principal, ApiError> {
    let invalid = || ApiError::unauthorized("the API key is not valid");
    let prefix = api_key_prefix(key).ok_or_else(invalid)?;
    let presented = sha256(key);
    if let Some(p) = state.api_keys.get(&presented) {
        return Ok(p);
    }
    let stored = state
        .store
        .api_key_by_prefix(prefix)
        .await?
        .ok_or_else(invalid)?;
    if !bool::from(stored.key_hash.as_slice().ct_eq(presented.as_slice())) {
        return Err(invalid());
    }
    if stored.key.revoked_at.is_some() {
        return Err(ApiError::new(
            Code::TokenRevoked,
            "the API key has been revoked",
        ));
    }
    let p = Principal {
        org: stored.key.org_id,
        role: stored.key.role,
        user: None,
        api_key: Some(stored.key.id),
        family: None,
        expires_at: None,
    };
    // Best effort: a failed touch must not fail the request.
    if let Err(e) = state.store.touch_api_key(p.org, stored.key.id).await {
        tracing::warn!(error.message = %e, "could not record API key use");
    }
    state.api_keys.put(presented, p.clone());
    Ok(p)
}

/// The bearer credential from `Authorization`, or `?access_token=` (WebSocket
/// clients in browsers cannot set headers).
pub(crate) fn bearer(parts: &Parts) -> Option<String> {
    if let Some(v) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        let (scheme, token) = v.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    if parts.uri.path() == "/v1/ws" {
        let q = parts.uri.query()?;
        return url_query_value(q, "access_token");
    }
    None
}

fn url_query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.to_owned())
    })
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        let p = authenticate(parts, state).await?;
        tracing::Span::current().record("tenant", tracing::field::display(p.org));
        state.limiter.check(&p.actor())?;
        parts.extensions.insert(p.clone());
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_have_a_recognisable_prefix() {
        let (key, prefix) = generate_api_key();
        assert!(key.starts_with("ck_"));
        assert_eq!(api_key_prefix(&key), Some(prefix.as_str()));
        assert_eq!(prefix.len(), 11);
        assert_eq!(api_key_prefix("ck_short_x"), None);
        assert_eq!(api_key_prefix("sk_abcdefgh_aaaaaaaaaaaaaaaaaaaaaaaa"), None);
    }

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let secret = SecretString::from("a".repeat(40));
        let svc = TokenService::new(&secret, &Default::default());
        let org = OrgId::new();
        let t = svc
            .issue(
                org,
                UserId::new(),
                Role::Agent,
                None,
                Duration::from_secs(60),
            )
            .unwrap();
        let c = svc.verify(&t).unwrap();
        assert_eq!(c.org, org.0);
        assert_eq!(c.role, Role::Agent);

        let other = TokenService::new(&SecretString::from("b".repeat(40)), &Default::default());
        assert_eq!(other.verify(&t).unwrap_err().code, Code::Unauthorized);

        let now = Utc::now().timestamp();
        let expired = Claims {
            sub: uuid::Uuid::nil(),
            org: org.0,
            role: Role::Agent,
            fam: None,
            iat: now - 100,
            exp: now - 60,
            iss: ISSUER.into(),
        };
        let t =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &expired, &svc.encoding).unwrap();
        assert_eq!(svc.verify(&t).unwrap_err().code, Code::TokenExpired);
    }

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password(SecretString::from("correct horse battery"))
            .await
            .unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify_password(SecretString::from("correct horse battery"), Some(h.clone())).await
        );
        assert!(!verify_password(SecretString::from("wrong horse battery"), Some(h)).await);
        assert!(!verify_password(SecretString::from("anything"), None).await);
    }
}
