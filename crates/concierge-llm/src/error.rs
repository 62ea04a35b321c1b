//! [`LlmError`]: everything that can go wrong talking to a model, typed so the
//! router can tell a retryable hiccup from a request that will never work.

use std::time::Duration;

/// A failed model call. Messages carry the provider's own error text (never
/// our prompt or key).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// 401/403: the key is missing, wrong or not allowed.
    #[error("authentication failed ({status}): {message}")]
    Unauthorized { status: u16, message: String },
    /// 400/404/413/422: the provider refused the request itself.
    #[error("request rejected ({status}): {message}")]
    BadRequest { status: u16, message: String },
    /// 429: too many requests or tokens; `retry_after` is the provider's hint.
    #[error("rate limited: {message}")]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    /// The account's quota or credit is used up (OpenAI's 429 `insufficient_quota`):
    /// waiting will not help.
    #[error("quota exhausted: {0}")]
    QuotaExceeded(String),
    /// 5xx, Anthropic's 529 `overloaded_error`, or an `error` event in a stream.
    #[error("provider error ({status}): {message}")]
    Server {
        status: u16,
        retry_after: Option<Duration>,
        message: String,
    },
    /// No complete response in time (connect, first byte, idle stream or whole call).
    #[error("timed out: {0}")]
    Timeout(String),
    /// The connection failed or broke before a response arrived.
    #[error("connection failed: {0}")]
    Connect(String),
    /// A response body that is not what the wire format promises.
    #[error("malformed response: {0}")]
    MalformedResponse(String),
    /// A stream that carried invalid data or ended before its final event.
    #[error("malformed stream: {0}")]
    MalformedStream(String),
    /// The response (or stream) grew past `llm.limits.max_response_bytes`.
    #[error("response larger than {limit} bytes")]
    ResponseTooLarge { limit: usize },
    /// The prompt is longer than `llm.limits.max_prompt_chars`.
    #[error("prompt of {chars} characters exceeds the limit of {limit}")]
    PromptTooLong { chars: usize, limit: usize },
    /// The provider's circuit is open after repeated failures.
    #[error("circuit open for provider `{0}`")]
    CircuitOpen(String),
    /// A provider that cannot be built from its configuration.
    #[error("invalid provider configuration: {0}")]
    Config(String),
    /// A prompt template failed to load or render (names the template).
    #[error("prompt template `{name}`: {message}")]
    Template { name: String, message: String },
}

impl LlmError {
    /// Whether the same request may succeed if sent again to the same
    /// provider (after a backoff). The router additionally never retries once
    /// output reached the caller.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::Timeout(_)
                | Self::Connect(_)
                | Self::MalformedStream(_)
        )
    }

    /// The provider's hint for when to retry, if it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::Server { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Whether the failure says something about the provider's health (and
    /// so counts towards opening its circuit). A request the provider
    /// rejected, or one we refused to send, does not.
    pub fn counts_against_provider(&self) -> bool {
        !matches!(
            self,
            Self::BadRequest { .. }
                | Self::PromptTooLong { .. }
                | Self::CircuitOpen(_)
                | Self::Template { .. }
        )
    }

    /// A short stable label for metrics and fallback trails.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unauthorized { .. } => "unauthorized",
            Self::BadRequest { .. } => "bad_request",
            Self::RateLimited { .. } => "rate_limited",
            Self::QuotaExceeded(_) => "quota_exceeded",
            Self::Server { .. } => "server_error",
            Self::Timeout(_) => "timeout",
            Self::Connect(_) => "connect",
            Self::MalformedResponse(_) => "malformed_response",
            Self::MalformedStream(_) => "malformed_stream",
            Self::ResponseTooLarge { .. } => "response_too_large",
            Self::PromptTooLong { .. } => "prompt_too_long",
            Self::CircuitOpen(_) => "circuit_open",
            Self::Config(_) => "config",
            Self::Template { .. } => "template",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_errors_are_transient_ones() {
        let rl = LlmError::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
            message: "slow down".into(),
        };
        assert!(rl.is_retryable());
        assert_eq!(rl.retry_after(), Some(Duration::from_secs(2)));
        assert!(LlmError::Timeout("x".into()).is_retryable());
        assert!(!LlmError::Unauthorized {
            status: 401,
            message: "bad key".into()
        }
        .is_retryable());
        let bad = LlmError::BadRequest {
            status: 400,
            message: "no".into(),
        };
        assert!(!bad.is_retryable());
        assert!(!bad.counts_against_provider());
        assert!(LlmError::Connect("refused".into()).counts_against_provider());
    }
}
