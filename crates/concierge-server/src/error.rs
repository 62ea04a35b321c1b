//! The API's one error format: `{"error": {"code", "name", "message",
//! "details", "request_id"}}`, driven by a single table of
//! code → HTTP status → stable name. Internal error text is logged with its
//! cause chain and never sent; the client gets the request id to quote.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use concierge_core::validate::FieldError;
use concierge_store::StoreError;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:ident, $name:literal;)*) => {
        /// Stable error codes. The number and name never change meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code { $($variant),* }

        impl Code {
            pub fn number(self) -> u16 { match self { $(Code::$variant => $code),* } }
            pub fn status(self) -> StatusCode { match self { $(Code::$variant => StatusCode::$status),* } }
            pub fn name(self) -> &'static str { match self { $(Code::$variant => $name),* } }
            /// Every code, for the documentation table.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];
        }
    };
}

error_codes! {
    Unauthorized       = 1001, UNAUTHORIZED,          "unauthorized";
    Forbidden          = 1002, FORBIDDEN,             "forbidden";
    TokenExpired       = 1003, UNAUTHORIZED,          "token_expired";
    InvalidCredentials = 1004, UNAUTHORIZED,          "invalid_credentials";
    TokenRevoked       = 1005, UNAUTHORIZED,          "token_revoked";
    MalformedRequest   = 2000, BAD_REQUEST,           "malformed_request";
    Validation         = 2001, UNPROCESSABLE_ENTITY,  "validation_failed";
    PayloadTooLarge    = 2002, PAYLOAD_TOO_LARGE,     "payload_too_large";
    UnsupportedMedia   = 2003, UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type";
    ConversationNotFound = 3001, NOT_FOUND,           "conversation_not_found";
    NotFound           = 3002, NOT_FOUND,             "not_found";
    Conflict           = 3003, CONFLICT,              "conflict";
    InvalidState       = 3004, CONFLICT,              "invalid_state";
    MethodNotAllowed   = 3005, METHOD_NOT_ALLOWED,    "method_not_allowed";
    RateLimited        = 4001, TOO_MANY_REQUESTS,     "rate_limited";
    Database           = 4002, SERVICE_UNAVAILABLE,   "database_unavailable";
    Timeout            = 4003, SERVICE_UNAVAILABLE,   "timeout";
    Upstream           = 4004, BAD_GATEWAY,           "upstream_unavailable";
    UiNotBuilt         = 4005, SERVICE_UNAVAILABLE,   "ui_not_built";
    Internal           = 5001, INTERNAL_SERVER_ERROR, "internal";
}

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
    pub details: Value,
    /// Seconds until a retry may succeed (429, 503).
    pub retry_after: Option<u64>,
}

/// The error body, for the OpenAPI document.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": 2001, "name": "validation_failed", "message": "content: must not be empty",
    "details": {"field": "content"}, "request_id": "01HZX3J5W2Q9"}))]
pub struct ErrorDetail {
    /// Stable numeric code (see the table in the API guide).
    pub code: u16,
    /// Stable snake_case name of the code.
    pub name: &'static str,
    /// Human-readable explanation; safe to show.
    pub message: String,
    /// Structured details, e.g. `{"field": "content"}`.
    #[schema(value_type = Object)]
    pub details: Value,
    /// Quote this when reporting a problem.
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: json!({}),
            retry_after: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// A validation error naming `field`.
    pub fn field(field: &str, message: impl std::fmt::Display) -> Self {
        Self::new(Code::Validation, format!("{field}: {message}"))
            .with_details(json!({ "field": field }))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(Code::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(Code::Forbidden, message)
    }

    /// Logs `err` with its cause chain and returns a generic 500.
    pub fn internal(err: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error.message = %err, error.cause_chain = ?cause_chain(err), "internal error");
        Self::new(
            Code::Internal,
            "internal error; quote the request id when reporting it",
        )
    }
}

fn cause_chain(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = err.source();
    while let Some(e) = cur {
        out.push(e.to_string());
        cur = e.source();
    }
    out
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::field(&e.field, &e.message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::NotFound("conversation") => {
                Self::new(Code::ConversationNotFound, "conversation not found")
            }
            StoreError::NotFound(what) => Self::new(Code::NotFound, format!("{what} not found")),
            StoreError::Conflict { field } => {
                Self::new(Code::Conflict, format!("{field} already exists"))
                    .with_details(json!({ "field": field }))
            }
            StoreError::InvalidTransition { from, to } => Self::new(
                Code::InvalidState,
                format!("conversation cannot go from {from} to {to}"),
            )
            .with_details(json!({ "from": from, "to": to })),
            StoreError::Invalid(_) => {
                Self::new(Code::Validation, "a value was rejected by the database")
            }
            StoreError::Unavailable(_) => {
                tracing::error!(error.message = %e, error.cause_chain = ?cause_chain(&e), "database unavailable");
                let mut err =
                    Self::new(Code::Database, "the database is unavailable; retry shortly");
                err.retry_after = Some(2);
                err
            }
            StoreError::Corrupt(_) | StoreError::Migrate(_) => ApiError::internal(&e),
            _ => {
                tracing::error!(error.message = %e, error.cause_chain = ?cause_chain(&e), "store error");
                Self::new(
                    Code::Database,
                    "a database error occurred; quote the request id when reporting it",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = crate::middleware::current_request_id();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.number(),
                name: self.code.name(),
                message: self.message,
                details: self.details,
                request_id,
            },
        };
        let mut response = (self.code.status(), axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// Short alias for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.code.name(),
            self.code.number(),
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_statuses_match_their_class() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.number()), "duplicate {}", c.number());
            let s = c.status().as_u16();
            match c.number() / 1000 {
                1 => assert!(s == 401 || s == 403),
                2 => assert!((400..500).contains(&s)),
                3 => assert!((404..=409).contains(&s)),
                5 => assert!(s >= 500),
                _ => {}
            }
        }
    }

    #[test]
    fn store_errors_map_without_leaking_text() {
        let e: ApiError = StoreError::Unavailable(sqlx_io()).into();
        assert_eq!(e.code, Code::Database);
        assert!(!e.message.contains("refused"));
        assert_eq!(e.retry_after, Some(2));
        let e: ApiError = StoreError::Corrupt("status `bogus`".into()).into();
        assert_eq!(e.code, Code::Internal);
        assert!(!e.message.contains("bogus"));
        let e: ApiError = StoreError::NotFound("conversation").into();
        assert_eq!(e.code.status(), StatusCode::NOT_FOUND);
    }

    fn sqlx_io() -> sqlx::Error {
        sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        ))
    }
}
