//! The crate's one error type, typed from Salesforce's OAuth and REST error
//! bodies. No variant ever carries an access token, a refresh token or a
//! client secret: messages come from Salesforce's error bodies or from us.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One entry of a REST error body: `[{"message","errorCode","fields"}]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Salesforce's human-readable message.
    #[serde(default)]
    pub message: String,
    /// The stable code, e.g. `INVALID_FIELD` or `MALFORMED_QUERY`.
    #[serde(rename = "errorCode", default)]
    pub error_code: String,
    /// Fields the error is about, when Salesforce names them.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// Everything that can go wrong talking to Salesforce.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The OAuth token endpoint refused us (`{"error","error_description"}`).
    #[error("Salesforce authentication failed: {error}: {description}")]
    Auth {
        /// OAuth error, e.g. `invalid_grant`.
        error: String,
        /// OAuth error description, e.g. `authentication failure`.
        description: String,
    },
    /// A REST call failed with a typed error body.
    #[error("Salesforce API error (HTTP {status}): {}", summarize(.errors))]
    Api {
        /// HTTP status.
        status: u16,
        /// The error entries (a synthetic `HTTP_<status>` entry for non-JSON bodies).
        errors: Vec<ApiError>,
    },
    /// 403 `REQUEST_LIMIT_EXCEEDED` (after retries, if any were allowed).
    #[error("Salesforce request limit exceeded")]
    RequestLimitExceeded {
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// 503 or `SERVER_UNAVAILABLE`.
    #[error("Salesforce unavailable: {0}")]
    Unavailable(String),
    /// The request (or a bulk job wait) timed out.
    #[error("Salesforce request timed out")]
    Timeout,
    /// Connection, TLS or protocol failure.
    #[error("transport error talking to Salesforce: {0}")]
    Transport(String),
    /// A response we could not read or decode.
    #[error("could not decode Salesforce response: {0}")]
    Decode(String),
    /// Upsert matched several records (HTTP 300); the record URLs.
    #[error("external id matches {} records", .0.len())]
    MultipleChoices(Vec<String>),
    /// The caller passed something we refuse to send.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// What was invalid (a parameter or field name).
        field: String,
        /// Why.
        message: String,
    },
    /// The client configuration is unusable.
    #[error("Salesforce client configuration: {0}")]
    Config(String),
}

fn summarize(errors: &[ApiError]) -> String {
    match errors.first() {
        None => "no error details".to_owned(),
        Some(e) if errors.len() == 1 => format!("{}: {}", e.error_code, e.message),
        Some(e) => format!(
            "{}: {} (+{} more)",
            e.error_code,
            e.message,
            errors.len() - 1
        ),
    }
}

impl Error {
    /// The Salesforce error code (first entry of an API error, the OAuth
    /// error, or the code implied by the variant).
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Api { errors, .. } => errors.first().map(|e| e.error_code.as_str()),
            Error::Auth { error, .. } => Some(error.as_str()),
            Error::RequestLimitExceeded { .. } => Some("REQUEST_LIMIT_EXCEEDED"),
            Error::Unavailable(_) => Some("SERVER_UNAVAILABLE"),
            Error::MultipleChoices(_) => Some("MULTIPLE_CHOICES"),
            _ => None,
        }
    }

    /// Whether the failure is transient (worth retrying after a backoff).
    /// Whether a retry is *safe* also depends on the request: see
    /// [`crate::retry`] for the idempotency rule the client applies.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RequestLimitExceeded { .. } | Error::Unavailable(_) | Error::Timeout => true,
            // A certificate the client does not trust will not become trusted
            // by asking again; every other connection failure may pass.
            Error::Transport(message) => !message.to_ascii_lowercase().contains("certificate"),
            Error::Api { status, errors } => {
                matches!(status, 502..=504)
                    || errors.iter().any(|e| {
                        matches!(
                            e.error_code.as_str(),
                            "UNABLE_TO_LOCK_ROW" | "SERVER_UNAVAILABLE"
                        )
                    })
            }
            _ => false,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_retryability() {
        let lock = Error::Api {
            status: 400,
            errors: vec![ApiError {
                message: "unable to obtain exclusive access".into(),
                error_code: "UNABLE_TO_LOCK_ROW".into(),
                fields: vec![],
            }],
        };
        assert_eq!(lock.error_code(), Some("UNABLE_TO_LOCK_ROW"));
        assert!(lock.is_retryable());
        let bad = Error::Api {
            status: 400,
            errors: vec![ApiError {
                message: "unexpected token".into(),
                error_code: "MALFORMED_QUERY".into(),
                fields: vec![],
            }],
        };
        assert!(!bad.is_retryable());
        assert!(bad.to_string().contains("MALFORMED_QUERY"));
        assert!(Error::RequestLimitExceeded { retry_after: None }.is_retryable());
        assert!(!Error::MultipleChoices(vec![]).is_retryable());
        assert!(Error::Transport("connection reset by peer".into()).is_retryable());
        assert!(!Error::Transport("invalid peer certificate: UnknownIssuer".into()).is_retryable());
    }
}
