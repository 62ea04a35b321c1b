//! Errors: [`SimError`] (the crate's error enum, for starting and running the
//! simulator) and the two wire error shapes Salesforce clients expect —
//! [`ApiError`], the REST array `[{"message","errorCode","fields"?}]`, and
//! [`OAuthError`], the token endpoint's `{"error","error_description"}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;

use crate::db::DbError;

/// What can go wrong starting or running the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Binding or accepting on the listening socket.
    #[error("socket error: {0}")]
    Io(#[from] std::io::Error),
    /// The TLS certificate or key could not be read or used.
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// The configuration is inconsistent (e.g. a connected app's public key is not a PEM RSA key).
    #[error("configuration: {0}")]
    Config(String),
}

/// One entry of a REST error array.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorItem {
    /// Human-readable message, as Salesforce words it.
    pub message: String,
    /// Stable code such as `INVALID_SESSION_ID`.
    #[serde(rename = "errorCode")]
    pub error_code: String,
    /// Fields the error is about; omitted when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
}

/// A REST error: HTTP status plus Salesforce's error array.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status (300 for multiple upsert matches, 4xx, 5xx).
    pub status: StatusCode,
    /// The body's entries (one in practice).
    pub errors: Vec<ErrorItem>,
    /// For 300 Multiple Choices: the record URLs, sent instead of the error array.
    pub choices: Option<Vec<String>>,
}

impl ApiError {
    /// An error with one entry and no fields.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            errors: vec![ErrorItem {
                message: message.into(),
                error_code: code.to_string(),
                fields: None,
            }],
            choices: None,
        }
    }

    /// Adds the fields the error is about.
    pub fn with_fields(mut self, fields: Vec<String>) -> Self {
        for e in &mut self.errors {
            e.fields = Some(fields.clone());
        }
        self
    }

    /// 401 INVALID_SESSION_ID.
    pub fn invalid_session() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    /// 404 NOT_FOUND.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    /// 400 with a code.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 403 REQUEST_LIMIT_EXCEEDED.
    pub fn request_limit() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
    }

    /// 400 JSON_PARSER_ERROR for a body that is not the JSON expected.
    pub fn json_parser(detail: impl std::fmt::Display) -> Self {
        Self::bad_request("JSON_PARSER_ERROR", format!("Unexpected JSON: {detail}"))
    }

    /// 500 UNKNOWN_EXCEPTION; the detail is logged, never sent.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error.message = %detail, "internal simulator error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support.",
        )
    }

    /// The first entry's code (for tests and composite bookkeeping).
    pub fn code(&self) -> &str {
        self.errors.first().map_or("", |e| e.error_code.as_str())
    }

    /// The JSON body this error is sent with.
    pub fn body(&self) -> serde_json::Value {
        match &self.choices {
            Some(urls) => json!(urls),
            None => json!(self.errors),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        let status =
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let fields = e.fields();
        let mut err = Self::new(status, e.error_code(), e.message());
        if !fields.is_empty() {
            err = err.with_fields(fields.iter().map(|f| f.to_string()).collect());
        }
        err
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// The token endpoint's error: `{"error","error_description"}`.
#[derive(Debug, Clone)]
pub struct OAuthError {
    /// 400 for grant problems, 401 for bad client credentials.
    pub status: StatusCode,
    /// `invalid_grant`, `invalid_client_id`, `invalid_client`, `unsupported_grant_type`, …
    pub error: &'static str,
    /// Salesforce's description text.
    pub description: String,
}

impl OAuthError {
    /// A 400 with the given code and description.
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    /// `invalid_grant` / `authentication failure`.
    pub fn auth_failure() -> Self {
        Self::new("invalid_grant", "authentication failure")
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response()
    }
}
