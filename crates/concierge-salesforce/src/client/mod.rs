//! The [`Client`]: one shared `reqwest::Client` (rustls, timeouts), the
//! cached session with single-flight authentication, the latest
//! `Sforce-Limit-Info`, and the counters. The request loop (re-auth on 401,
//! retries with backoff) lives in `execute`; the REST resources are
//! implemented in their own modules as further `impl Client` blocks.

pub(crate) mod execute;

use std::sync::Arc;

use jsonwebtoken::EncodingKey;
use parking_lot::{Mutex, RwLock};
use secrecy::ExposeSecret;

use crate::auth::{self, Session};
use crate::config::SalesforceConfig;
use crate::limits::LimitInfo;
use crate::metrics::{ClientMetrics, Counters};
use crate::retry;
use crate::Error;

/// A Salesforce REST client. Cheap to clone: clones share the HTTP
/// connection pool, the session and the counters.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) config: SalesforceConfig,
    jwt_key: Option<EncodingKey>,
    session: RwLock<Option<Session>>,
    /// Held while authenticating, so concurrent callers share one token request.
    auth_lock: tokio::sync::Mutex<()>,
    pub(crate) limit_info: Mutex<Option<LimitInfo>>,
    pub(crate) counters: Counters,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("login_url", &self.inner.config.login_url.as_str())
            .field("api_version", &self.inner.config.api_version)
            .field("auth", &self.inner.config.auth.name())
            .field("authenticated", &self.inner.session.read().is_some())
            .finish()
    }
}

impl Client {
    /// Builds the client (no network yet): validates the configuration,
    /// parses the JWT key, and sets up the HTTP client with rustls and the
    /// extra root CA, if any.
    pub fn new(config: SalesforceConfig) -> Result<Self, Error> {
        config.validate()?;
        let jwt_key = auth::jwt_key(&config.auth)?;
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = &config.extra_root_ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| Error::Config(format!("extra_root_ca_pem: {e}")))?;
            if certs.is_empty() {
                return Err(Error::Config(
                    "extra_root_ca_pem holds no certificate".into(),
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                config,
                jwt_key,
                session: RwLock::new(None),
                auth_lock: tokio::sync::Mutex::new(()),
                limit_info: Mutex::new(None),
                counters: Counters::default(),
            }),
        })
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &SalesforceConfig {
        &self.inner.config
    }

    /// The cached session, authenticating first when there is none.
    /// Concurrent callers wait for the same token request.
    pub async fn session(&self) -> Result<Session, Error> {
        if let Some(s) = self.inner.session.read().clone() {
            return Ok(s);
        }
        let _guard = self.inner.auth_lock.lock().await;
        if let Some(s) = self.inner.session.read().clone() {
            return Ok(s);
        }
        let session = self.authenticate().await?;
        *self.inner.session.write() = Some(session.clone());
        Ok(session)
    }

    /// Drops the cached session; the next call authenticates again.
    pub async fn invalidate_session(&self) {
        *self.inner.session.write() = None;
    }

    /// Drops the cached session only if it is still `stale` (another caller
    /// may already have replaced it).
    pub(crate) fn invalidate_if_current(&self, stale: &Session) {
        let mut guard = self.inner.session.write();
        let is_current = guard
            .as_ref()
            .is_some_and(|s| s.access_token.expose_secret() == stale.access_token.expose_secret());
        if is_current {
            *guard = None;
        }
    }

    /// Revokes the cached access token (if any) and forgets it.
    pub async fn revoke(&self) -> Result<(), Error> {
        let session = self.inner.session.write().take();
        match session {
            Some(s) => {
                auth::revoke(
                    &self.inner.http,
                    &self.inner.config.login_url,
                    &s.access_token,
                    self.inner.config.timeout,
                )
                .await
            }
            None => Ok(()),
        }
    }

    /// API usage from the latest `Sforce-Limit-Info` header, if any response carried one.
    pub fn last_limit_info(&self) -> Option<LimitInfo> {
        *self.inner.limit_info.lock()
    }

    /// A snapshot of the counters.
    pub fn metrics(&self) -> ClientMetrics {
        self.inner.counters.snapshot()
    }

    /// `/services/data/v{api_version}/{relative}`: the form composite
    /// sub-request URLs take.
    pub fn rest_path(&self, relative: &str) -> String {
        format!(
            "/services/data/v{}/{}",
            self.inner.config.api_version,
            relative.trim_start_matches('/')
        )
    }

    /// One token request, retried on transient failures (a token request
    /// creates nothing, so it is safe to repeat).
    async fn authenticate(&self) -> Result<Session, Error> {
        let cfg = &self.inner.config;
        let mut attempt = 0;
        loop {
            let result =
                auth::request_token(&self.inner.http, cfg, self.inner.jwt_key.as_ref()).await;
            match result {
                Ok(session) => {
                    self.inner.counters.authentication();
                    tracing::debug!(flow = cfg.auth.name(), org_id = %session.org_id, "authenticated");
                    return Ok(session);
                }
                Err(e) if e.is_retryable() && attempt < cfg.max_retries => {
                    attempt += 1;
                    self.inner.counters.retry();
                    let wait =
                        retry::backoff(attempt, cfg.retry_base_delay, cfg.retry_max_delay, None);
                    tracing::warn!(flow = cfg.auth.name(), attempt, error = %e, "token request failed; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    self.inner.counters.error(e.error_code().unwrap_or("AUTH"));
                    tracing::warn!(flow = cfg.auth.name(), error = %e, "authentication failed");
                    return Err(e);
                }
            }
        }
    }
}
