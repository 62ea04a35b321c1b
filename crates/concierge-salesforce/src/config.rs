//! Client configuration: where to log in, which API version, which OAuth 2.0
//! flow, timeouts, retries and the extra CA to trust. Secrets live in
//! `secrecy` types so `Debug` never prints them.

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

/// How the client authenticates (see SALESFORCE.md, "OAuth 2.0").
#[derive(Debug, Clone)]
pub enum AuthFlow {
    /// JWT bearer: an RS256 assertion signed with the connected app's key.
    JwtBearer {
        /// Connected-app consumer key (`iss`).
        client_id: String,
        /// The Salesforce username (`sub`).
        username: String,
        /// PEM (PKCS#8 or PKCS#1) RSA private key.
        private_key_pem: SecretString,
        /// `aud`; default: the login URL's origin, or `https://login.salesforce.com`
        /// (`https://test.salesforce.com` for sandboxes) for a My Domain login URL.
        audience: Option<String>,
    },
    /// Client credentials (My Domain only), sent as HTTP Basic.
    ClientCredentials {
        /// Consumer key.
        client_id: String,
        /// Consumer secret.
        client_secret: SecretString,
    },
    /// A refresh token obtained earlier (web-server flow).
    RefreshToken {
        /// Consumer key.
        client_id: String,
        /// Consumer secret, when the connected app requires it.
        client_secret: Option<SecretString>,
        /// The refresh token.
        refresh_token: SecretString,
    },
    /// Username-password (deprecated by Salesforce, still used).
    Password {
        /// Consumer key.
        client_id: String,
        /// Consumer secret.
        client_secret: SecretString,
        /// Username.
        username: String,
        /// Password.
        password: SecretString,
        /// Security token, appended to the password when present.
        security_token: Option<SecretString>,
    },
}

impl AuthFlow {
    /// The flow's name, for logs and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            AuthFlow::JwtBearer { .. } => "jwt_bearer",
            AuthFlow::ClientCredentials { .. } => "client_credentials",
            AuthFlow::RefreshToken { .. } => "refresh_token",
            AuthFlow::Password { .. } => "password",
        }
    }
}

/// Everything [`crate::Client::new`] needs.
#[derive(Debug, Clone)]
pub struct SalesforceConfig {
    /// `https://login.salesforce.com`, `https://test.salesforce.com`, a My Domain, or the simulator.
    pub login_url: Url,
    /// REST API version without the `v`, e.g. `"62.0"`.
    pub api_version: String,
    /// The OAuth flow.
    pub auth: AuthFlow,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// A PEM CA certificate to trust besides the public roots (a self-signed
    /// simulator). TLS is always verified.
    pub extra_root_ca_pem: Option<String>,
    /// Retries of transient failures (see [`crate::retry`]); 0 disables them.
    pub max_retries: u32,
    /// `User-Agent` header.
    pub user_agent: String,
    /// First backoff delay; doubles each retry (with jitter).
    pub retry_base_delay: Duration,
    /// Longest single backoff delay (also caps `Retry-After`).
    pub retry_max_delay: Duration,
    /// `Sforce-Query-Options: batchSize=N` for queries (Salesforce honours 200..=2000).
    pub query_batch_size: Option<u32>,
}

impl SalesforceConfig {
    /// A configuration with defaults: API v62.0, 30 s timeout, 10 s connect
    /// timeout, 3 retries from 250 ms up to 10 s.
    pub fn new(login_url: Url, auth: AuthFlow) -> Self {
        SalesforceConfig {
            login_url,
            api_version: "62.0".to_owned(),
            auth,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            extra_root_ca_pem: None,
            max_retries: 3,
            user_agent: concat!("concierge-salesforce/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry_base_delay: Duration::from_millis(250),
            retry_max_delay: Duration::from_secs(10),
            query_batch_size: None,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), crate::Error> {
        let bad = |m: &str| Err(crate::Error::Config(m.to_owned()));
        if !matches!(self.login_url.scheme(), "https" | "http") || self.login_url.host().is_none() {
            return bad("login_url must be an http(s) URL with a host");
        }
        let v = &self.api_version;
        let ok_version = v.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && a.len() <= 3
                && b.len() == 1
                && a.chars().chain(b.chars()).all(|c| c.is_ascii_digit())
        });
        if !ok_version {
            return bad("api_version must look like \"62.0\"");
        }
        if self.max_retries > 10 {
            return bad("max_retries must be at most 10");
        }
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return bad("timeouts must be positive");
        }
        if let Some(n) = self.query_batch_size {
            if !(200..=2000).contains(&n) {
                return bad("query_batch_size must be within 200..=2000");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let cfg = SalesforceConfig::new(
            Url::parse("https://login.salesforce.com").unwrap(),
            AuthFlow::Password {
                client_id: "cid".into(),
                client_secret: "very-secret-1".into(),
                username: "u@example.com".into(),
                password: "hunter2-pass".into(),
                security_token: Some("tok-secret-3".into()),
            },
        );
        let dbg = format!("{cfg:?}");
        assert!(dbg.contains("u@example.com"));
        for secret in ["very-secret-1", "hunter2-pass", "tok-secret-3"] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
        assert!(cfg.validate().is_ok());
    }

    #[test]
    fn validation() {
        let mut cfg = SalesforceConfig::new(
            Url::parse("https://login.salesforce.com").unwrap(),
            AuthFlow::ClientCredentials {
                client_id: "c".into(),
                client_secret: "s".into(),
            },
        );
        cfg.api_version = "v62".into();
        assert!(cfg.validate().is_err());
        cfg.api_version = "62.0".into();
        cfg.query_batch_size = Some(10);
        assert!(cfg.validate().is_err());
    }
}
