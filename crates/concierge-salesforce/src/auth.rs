//! OAuth 2.0 against `{login_url}/services/oauth2/token`: the JWT bearer,
//! client-credentials, refresh-token and username-password flows exactly as
//! SALESFORCE.md describes them, the token response turned into a
//! [`Session`], and token revocation. Nothing here logs a secret.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::{AuthFlow, SalesforceConfig};
use crate::http::{read_limited, MAX_AUTH_BODY};
use crate::Error;

/// Lifetime of a JWT bearer assertion (Salesforce allows at most 3 minutes).
const JWT_LIFETIME_SECS: i64 = 180;

/// An authenticated session: the bearer token and where to send REST calls.
#[derive(Debug, Clone)]
pub struct Session {
    /// The bearer token (redacted in `Debug`).
    pub access_token: SecretString,
    /// The org's instance; the base of every REST call.
    pub instance_url: Url,
    /// The org id (from the identity URL `…/id/{orgId}/{userId}`).
    pub org_id: String,
    /// The user id (from the identity URL).
    pub user_id: String,
    /// When Salesforce issued the token (our clock when it did not say).
    pub issued_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct JwtClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    instance_url: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    issued_at: Option<String>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: String,
}

/// The default JWT `aud`: the login URL's origin (`https://login.salesforce.com`,
/// `https://test.salesforce.com`, or the simulator), except for My Domain
/// login URLs, where Salesforce expects the authorization server's URL:
/// `https://test.salesforce.com` for sandboxes (`*.sandbox.my.salesforce.com`),
/// `https://login.salesforce.com` otherwise (`*.my.salesforce.com`).
pub(crate) fn default_audience(login_url: &Url) -> String {
    let host = login_url
        .host_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if host.ends_with(".sandbox.my.salesforce.com") {
        "https://test.salesforce.com".to_owned()
    } else if host.ends_with(".my.salesforce.com") {
        "https://login.salesforce.com".to_owned()
    } else {
        login_url.origin().ascii_serialization()
    }
}

/// `{login_url}/services/oauth2/{endpoint}`, keeping any path prefix of the login URL.
pub(crate) fn oauth_url(login_url: &Url, endpoint: &str) -> Url {
    let mut url = login_url.clone();
    let base = login_url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{base}/services/oauth2/{endpoint}"));
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// Parses the JWT key once, when the client is built.
pub(crate) fn jwt_key(flow: &AuthFlow) -> Result<Option<EncodingKey>, Error> {
    match flow {
        AuthFlow::JwtBearer {
            private_key_pem, ..
        } => EncodingKey::from_rsa_pem(private_key_pem.expose_secret().as_bytes())
            .map(Some)
            .map_err(|e| Error::Config(format!("JWT private key: {e}"))),
        _ => Ok(None),
    }
}

/// Signs the JWT bearer assertion: RS256, `iss`, `sub`, `aud`, numeric `exp` = now + 3 min.
pub(crate) fn jwt_assertion(
    key: &EncodingKey,
    client_id: &str,
    username: &str,
    audience: &str,
) -> Result<String, Error> {
    let claims = JwtClaims {
        iss: client_id,
        sub: username,
        aud: audience,
        exp: Utc::now().timestamp() + JWT_LIFETIME_SECS,
    };
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, key)
        .map_err(|e| Error::Config(format!("signing the JWT assertion: {e}")))
}

/// One token request for the configured flow.
pub(crate) async fn request_token(
    http: &reqwest::Client,
    config: &SalesforceConfig,
    key: Option<&EncodingKey>,
) -> Result<Session, Error> {
    let url = oauth_url(&config.login_url, "token");
    let mut form: Vec<(&str, String)> = Vec::with_capacity(6);
    let mut basic: Option<(&str, &SecretString)> = None;
    match &config.auth {
        AuthFlow::JwtBearer {
            client_id,
            username,
            audience,
            ..
        } => {
            let key = key.ok_or_else(|| Error::Config("JWT key not loaded".into()))?;
            let aud = audience
                .clone()
                .unwrap_or_else(|| default_audience(&config.login_url));
            form.push((
                "grant_type",
                "urn:ietf:params:oauth:grant-type:jwt-bearer".into(),
            ));
            form.push(("assertion", jwt_assertion(key, client_id, username, &aud)?));
        }
        AuthFlow::ClientCredentials {
            client_id,
            client_secret,
        } => {
            form.push(("grant_type", "client_credentials".into()));
            basic = Some((client_id, client_secret));
        }
        AuthFlow::RefreshToken {
            client_id,
            client_secret,
            refresh_token,
        } => {
            form.push(("grant_type", "refresh_token".into()));
            form.push(("refresh_token", refresh_token.expose_secret().to_owned()));
            form.push(("client_id", client_id.clone()));
            if let Some(secret) = client_secret {
                form.push(("client_secret", secret.expose_secret().to_owned()));
            }
        }
        AuthFlow::Password {
            client_id,
            client_secret,
            username,
            password,
            security_token,
        } => {
            let mut pass = password.expose_secret().to_owned();
            if let Some(token) = security_token {
                pass.push_str(token.expose_secret());
            }
            form.push(("grant_type", "password".into()));
            form.push(("client_id", client_id.clone()));
            form.push(("client_secret", client_secret.expose_secret().to_owned()));
            form.push(("username", username.clone()));
            form.push(("password", pass));
        }
    }
    let mut request = http
        .post(url)
        .form(&form)
        .header("Accept", "application/json");
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret.expose_secret()));
    }
    let response = request.send().await.map_err(crate::http::transport_error)?;
    let status = response.status();
    let body = read_limited(response, MAX_AUTH_BODY).await?;
    if !status.is_success() {
        return Err(auth_error(status.as_u16(), &body));
    }
    let token: TokenResponse =
        serde_json::from_slice(&body).map_err(|e| Error::Decode(format!("token response: {e}")))?;
    session_from(token)
}

fn auth_error(status: u16, body: &[u8]) -> Error {
    if let Ok(e) = serde_json::from_slice::<OAuthError>(body) {
        return Error::Auth {
            error: e.error,
            description: e.error_description,
        };
    }
    if status >= 500 {
        return Error::Unavailable(format!("token endpoint answered HTTP {status}"));
    }
    Error::Auth {
        error: format!("http_{status}"),
        description: crate::http::snippet(body),
    }
}

fn session_from(token: TokenResponse) -> Result<Session, Error> {
    let instance_url =
        Url::parse(&token.instance_url).map_err(|e| Error::Decode(format!("instance_url: {e}")))?;
    if !matches!(instance_url.scheme(), "https" | "http") || instance_url.host().is_none() {
        return Err(Error::Decode("instance_url is not an http(s) URL".into()));
    }
    // Identity URL: https://login.salesforce.com/id/{orgId}/{userId}
    let mut ids = token.id.trim_end_matches('/').rsplit('/');
    let user_id = ids.next().unwrap_or_default().to_owned();
    let org_id = ids.next().unwrap_or_default().to_owned();
    let issued_at = token
        .issued_at
        .and_then(|ms| ms.parse::<i64>().ok())
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
        .unwrap_or_else(Utc::now);
    Ok(Session {
        access_token: SecretString::from(token.access_token),
        instance_url,
        org_id,
        user_id,
        issued_at,
    })
}

/// `POST {login}/services/oauth2/revoke` with `token=…`.
pub(crate) async fn revoke(
    http: &reqwest::Client,
    login_url: &Url,
    token: &SecretString,
    timeout: Duration,
) -> Result<(), Error> {
    let response = http
        .post(oauth_url(login_url, "revoke"))
        .timeout(timeout)
        .form(&[("token", token.expose_secret())])
        .send()
        .await
        .map_err(crate::http::transport_error)?;
    let status = response.status();
    let body = read_limited(response, MAX_AUTH_BODY).await?;
    if status.is_success() {
        Ok(())
    } else {
        Err(auth_error(status.as_u16(), &body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_audience() {
        let login = Url::parse("https://login.salesforce.com").unwrap();
        assert_eq!(default_audience(&login), "https://login.salesforce.com");
        assert_eq!(
            oauth_url(&login, "token").as_str(),
            "https://login.salesforce.com/services/oauth2/token"
        );
        let test = Url::parse("https://test.salesforce.com/").unwrap();
        assert_eq!(default_audience(&test), "https://test.salesforce.com");
        let my = Url::parse("https://acme.my.salesforce.com").unwrap();
        assert_eq!(default_audience(&my), "https://login.salesforce.com");
        let sandbox = Url::parse("https://acme--uat.sandbox.my.salesforce.com").unwrap();
        assert_eq!(default_audience(&sandbox), "https://test.salesforce.com");
        let sim = Url::parse("http://127.0.0.1:8443/prefix/").unwrap();
        assert_eq!(default_audience(&sim), "http://127.0.0.1:8443");
        assert_eq!(
            oauth_url(&sim, "revoke").as_str(),
            "http://127.0.0.1:8443/prefix/services/oauth2/revoke"
        );
    }

    #[test]
    fn session_from_token_response() {
        let s = session_from(TokenResponse {
            access_token: "00Dxx!secret".into(),
            instance_url: "https://na1.salesforce.com".into(),
            id: "https://login.salesforce.com/id/00Dxx0000001gPL/005xx000001Sv6A".into(),
            issued_at: Some("1700000000000".into()),
        })
        .unwrap();
        assert_eq!(s.org_id, "00Dxx0000001gPL");
        assert_eq!(s.user_id, "005xx000001Sv6A");
        assert_eq!(s.issued_at.timestamp(), 1_700_000_000);
        assert!(!format!("{s:?}").contains("secret"));
    }

    #[test]
    fn oauth_errors() {
        let e = auth_error(
            400,
            br#"{"error":"invalid_grant","error_description":"authentication failure"}"#,
        );
        assert!(matches!(e, Error::Auth { ref error, .. } if error == "invalid_grant"));
        assert!(matches!(
            auth_error(503, b"<html>down</html>"),
            Error::Unavailable(_)
        ));
        assert!(
            matches!(auth_error(404, b"nope"), Error::Auth { ref error, .. } if error == "http_404")
        );
    }
}
