//! The [`Provider`] seam and what both wire formats share: one HTTP client
//! per provider, error-body and status mapping, `Retry-After`, bounded body
//! reads, and the driver that turns a server-sent-event body into
//! [`StreamEvent`]s with idle and total time limits.

pub mod anthropic;
pub mod openai;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use concierge_core::llm_config::{LlmLimitsConfig, LlmProviderConfig, LlmProviderKind};
use futures::StreamExt;
use secrecy::SecretString;

use crate::error::LlmError;
use crate::sse::{SseEvent, SseParser};
use crate::types::{ChatRequest, ChatResponse, ChatStream, StreamEvent};

pub use anthropic::AnthropicProvider;
pub use openai::OpenAiProvider;

/// A chat model behind some API. Implementations hold one shared HTTP client.
#[async_trait]
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// The configured name (routes, metrics and usage records use it).
    fn name(&self) -> &str;
    /// The model requested.
    fn model(&self) -> &str;
    /// One complete reply.
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError>;
    /// A streamed reply. Errors before the first event come back here; later
    /// ones as the stream's items (after which it ends).
    async fn stream(&self, request: &ChatRequest) -> Result<ChatStream, LlmError>;
}

/// Everything a provider needs, with durations rather than config seconds so
/// tests can use short timeouts.
#[derive(Debug, Clone)]
pub struct ProviderOptions {
    pub name: String,
    /// Base URL without a trailing slash (`https://api.openai.com/v1`).
    pub base_url: String,
    pub model: String,
    pub api_key: Option<SecretString>,
    /// Whole non-streamed call, or until a stream's response headers.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Default `max_tokens` when a request does not set one.
    pub max_tokens: u32,
    pub temperature: Option<f32>,
    pub max_response_bytes: usize,
    /// A stream silent this long is abandoned.
    pub stream_idle: Duration,
    /// A stream running this long is cut off.
    pub max_stream: Duration,
}

impl ProviderOptions {
    /// Options for `name` at `base_url` with the default limits.
    pub fn new(name: &str, base_url: &str, model: &str) -> Self {
        let limits = LlmLimitsConfig::default();
        Self {
            name: name.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            api_key: None,
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            max_tokens: 800,
            temperature: None,
            max_response_bytes: limits.max_response_bytes,
            stream_idle: Duration::from_secs(limits.stream_idle_secs),
            max_stream: Duration::from_secs(limits.max_stream_secs),
        }
    }

    /// Sets the API key.
    pub fn with_key(mut self, key: &str) -> Self {
        self.api_key = Some(SecretString::from(key.to_owned()));
        self
    }

    fn from_config(p: &LlmProviderConfig, limits: &LlmLimitsConfig) -> Self {
        Self {
            name: p.name.clone(),
            base_url: p.effective_base_url(),
            model: p.model.clone(),
            api_key: p.api_key.clone(),
            timeout: Duration::from_secs(p.timeout_secs),
            connect_timeout: Duration::from_secs(p.connect_timeout_secs),
            max_tokens: p.max_tokens,
            temperature: p.temperature,
            max_response_bytes: limits.max_response_bytes,
            stream_idle: Duration::from_secs(limits.stream_idle_secs),
            max_stream: Duration::from_secs(limits.max_stream_secs),
        }
    }

    /// The one client this provider uses for every call: connect timeout, no
    /// redirects (a redirect must not carry our key elsewhere), rustls.
    fn client(&self) -> Result<reqwest::Client, LlmError> {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("concierge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmError::Config(format!("HTTP client: {e}")))
    }
}

/// Builds the provider a configuration entry describes (keys already
/// resolved by `Config::finish`).
pub fn build_provider(
    config: &LlmProviderConfig,
    limits: &LlmLimitsConfig,
) -> Result<Arc<dyn Provider>, LlmError> {
    let options = ProviderOptions::from_config(config, limits);
    Ok(match config.kind {
        LlmProviderKind::Openai => Arc::new(OpenAiProvider::new(options)?),
        LlmProviderKind::AzureOpenai => Arc::new(OpenAiProvider::azure(
            options,
            config.deployment.as_deref().unwrap_or_default(),
            config.api_version.as_deref().unwrap_or_default(),
        )?),
        LlmProviderKind::Anthropic => Arc::new(AnthropicProvider::new(
            options,
            config.api_version.as_deref(),
        )?),
    })
}

/// Maps a transport error (never including the URL, which may be private).
pub(crate) fn transport_error(e: reqwest::Error) -> LlmError {
    let e = e.without_url();
    if e.is_timeout() {
        LlmError::Timeout(e.to_string())
    } else if e.is_connect() {
        LlmError::Connect(e.to_string())
    } else {
        LlmError::Connect(format!("{e}"))
    }
}

/// Sends `request` and waits at most `timeout` for the response headers.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<reqwest::Response, LlmError> {
    match tokio::time::timeout(timeout, request.send()).await {
        Ok(r) => r.map_err(transport_error),
        Err(_) => Err(LlmError::Timeout(format!(
            "no response within {} ms",
            timeout.as_millis()
        ))),
    }
}

/// Reads a whole body, refusing more than `limit` bytes.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, LlmError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(LlmError::ResponseTooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > limit {
            return Err(LlmError::ResponseTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Turns a non-success response into the matching error, reading the
/// provider's error body (both formats keep the text at `error.message`).
pub(crate) async fn error_from_response(response: reqwest::Response, limit: usize) -> LlmError {
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers(), SystemTime::now());
    let body = read_limited(response, limit.min(64 * 1024))
        .await
        .unwrap_or_default();
    let (message, code) = error_message(&body);
    error_from_status(status, retry_after, message, code.as_deref())
}

/// The error for an HTTP status and the provider's message.
pub(crate) fn error_from_status(
    status: u16,
    retry_after: Option<Duration>,
    message: String,
    code: Option<&str>,
) -> LlmError {
    match status {
        401 | 403 => LlmError::Unauthorized { status, message },
        408 => LlmError::Timeout(message),
        429 if code == Some("insufficient_quota") => LlmError::QuotaExceeded(message),
        429 => LlmError::RateLimited {
            retry_after,
            message,
        },
        500..=599 => LlmError::Server {
            status,
            retry_after,
            message,
        },
        _ => LlmError::BadRequest { status, message },
    }
}

/// The message and code/type of an error body: OpenAI
/// `{"error":{"message","type","code"}}`, Anthropic
/// `{"type":"error","error":{"type","message"}}`, Ollama `{"error":"…"}`, or
/// the start of a plain-text body.
pub(crate) fn error_message(body: &[u8]) -> (String, Option<String>) {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    if let Some(v) = parsed {
        let err = &v["error"];
        if let Some(m) = err["message"].as_str() {
            let code = err["code"]
                .as_str()
                .or_else(|| err["type"].as_str())
                .map(str::to_owned);
            return (clip(m), code);
        }
        if let Some(m) = err.as_str().or_else(|| v["message"].as_str()) {
            return (clip(m), None);
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        ("(no error body)".to_owned(), None)
    } else {
        (clip(text), None)
    }
}

fn clip(s: &str) -> String {
    const MAX: usize = 500;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// When to retry, from `retry-after-ms` (OpenAI) or `retry-after` (seconds
/// or an HTTP date, relative to `now`).
pub(crate) fn retry_after(
    headers: &reqwest::header::HeaderMap,
    now: SystemTime,
) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_millis(ms as u64));
        }
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Turns one provider's SSE events into [`StreamEvent`]s.
pub(crate) trait StreamDecoder: Send + 'static {
    /// Handles one event, queueing what it yields.
    fn event(&mut self, event: SseEvent, out: &mut VecDeque<StreamEvent>) -> Result<(), LlmError>;
    /// Whether the final event was seen (anything after it is ignored).
    fn finished(&self) -> bool;
}

struct Driver<D> {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    parser: SseParser,
    decoder: D,
    queue: VecDeque<StreamEvent>,
    error: Option<LlmError>,
    done: bool,
    read: usize,
    limit: usize,
    idle: Duration,
    deadline: tokio::time::Instant,
}

/// Streams a successful SSE response through `decoder`. The stream ends
/// after the decoder's final event; a body that ends before it, breaks,
/// stalls for `idle`, runs past `max_duration` or grows past `limit` bytes
/// yields one error and ends.
pub(crate) fn drive<D: StreamDecoder>(
    response: reqwest::Response,
    decoder: D,
    limit: usize,
    idle: Duration,
    max_duration: Duration,
) -> ChatStream {
    let driver = Driver {
        body: response.bytes_stream().boxed(),
        parser: SseParser::new(limit.min(1024 * 1024)),
        decoder,
        queue: VecDeque::new(),
        error: None,
        done: false,
        read: 0,
        limit,
        idle,
        deadline: tokio::time::Instant::now() + max_duration,
    };
    futures::stream::unfold(driver, |mut d| async move {
        loop {
            if let Some(event) = d.queue.pop_front() {
                return Some((Ok(event), d));
            }
            if let Some(e) = d.error.take() {
                d.done = true;
                return Some((Err(e), d));
            }
            if d.done || d.decoder.finished() {
                return None;
            }
            let now = tokio::time::Instant::now();
            let left = d.deadline.saturating_duration_since(now);
            let wait = d.idle.min(left);
            match tokio::time::timeout(wait, d.body.next()).await {
                Err(_) => {
                    let why = if left <= d.idle {
                        "the stream ran past its time limit"
                    } else {
                        "the stream went silent"
                    };
                    d.error = Some(LlmError::Timeout(why.to_owned()));
                }
                Ok(None) => {
                    let why = if d.parser.has_partial() {
                        "the stream ended in the middle of an event"
                    } else {
                        "the stream ended before its final event"
                    };
                    d.error = Some(LlmError::MalformedStream(why.to_owned()));
                }
                Ok(Some(Err(e))) => {
                    d.error = Some(LlmError::MalformedStream(format!(
                        "the connection broke mid-stream: {}",
                        e.without_url()
                    )));
                }
                Ok(Some(Ok(chunk))) => {
                    d.read += chunk.len();
                    if d.read > d.limit {
                        d.error = Some(LlmError::ResponseTooLarge { limit: d.limit });
                        continue;
                    }
                    let mut events = Vec::new();
                    let fed = d.parser.feed(&chunk, &mut events);
                    for event in events {
                        if d.decoder.finished() {
                            break;
                        }
                        if let Err(e) = d.decoder.event(event, &mut d.queue) {
                            d.error = Some(e);
                            break;
                        }
                    }
                    if let (Err(e), None) = (fed, &d.error) {
                        d.error = Some(LlmError::MalformedStream(e.to_string()));
                    }
                }
            }
        }
    })
    .boxed()
}

/// Parses one event's JSON data.
pub(crate) fn event_json(data: &str) -> Result<serde_json::Value, LlmError> {
    serde_json::from_str(data)
        .map_err(|e| LlmError::MalformedStream(format!("an event is not valid JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn retry_after_in_seconds_milliseconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        h.insert("retry-after", HeaderValue::from_str(&later).unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        h.insert("retry-after", HeaderValue::from_str(&past).unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(250)));
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn error_bodies_of_both_formats_and_plain_text() {
        let openai = br#"{"error":{"message":"Invalid API key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
        assert_eq!(
            error_message(openai),
            ("Invalid API key".into(), Some("invalid_api_key".into()))
        );
        let anthropic =
            br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        assert_eq!(
            error_message(anthropic),
            ("Overloaded".into(), Some("overloaded_error".into()))
        );
        assert_eq!(
            error_message(br#"{"error":"model not found"}"#).0,
            "model not found"
        );
        assert_eq!(
            error_message(b"<html>502 Bad Gateway</html>").0,
            "<html>502 Bad Gateway</html>"
        );
        assert_eq!(error_message(&[b'x'; 2000]).0.chars().count(), 501);
    }

    #[test]
    fn statuses_map_to_typed_errors() {
        let m = || "m".to_owned();
        assert!(matches!(
            error_from_status(401, None, m(), None),
            LlmError::Unauthorized { .. }
        ));
        assert!(matches!(
            error_from_status(400, None, m(), None),
            LlmError::BadRequest { .. }
        ));
        assert!(matches!(
            error_from_status(429, Some(Duration::from_secs(1)), m(), None),
            LlmError::RateLimited {
                retry_after: Some(_),
                ..
            }
        ));
        assert!(matches!(
            error_from_status(429, None, m(), Some("insufficient_quota")),
            LlmError::QuotaExceeded(_)
        ));
        assert!(matches!(
            error_from_status(529, None, m(), None),
            LlmError::Server { status: 529, .. }
        ));
        assert!(error_from_status(503, None, m(), None).is_retryable());
    }
}
