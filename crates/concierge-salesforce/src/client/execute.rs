//! The request loop every REST and Bulk call goes through: resolve the URL
//! on the session's instance, send with the bearer token, record
//! `Sforce-Limit-Info`, re-authenticate once on 401 `INVALID_SESSION_ID`,
//! and retry transient failures by the rule in [`crate::retry`]. Each call
//! runs in a `tracing` span (method, operation, sobject, status, attempts,
//! duration) that never carries a token.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::Method;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use super::Client;
use crate::auth::Session;
use crate::http::{error_from_response, read_limited, retry_after, transport_error, MAX_BODY};
use crate::limits::LimitInfo;
use crate::retry::{self, Failure, Idempotency};
use crate::Error;

/// Where a call goes on the instance.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// Segments under `/services/data/v{version}/` (each percent-encoded);
    /// `slash` adds a trailing `/`.
    Data { segments: Vec<String>, slash: bool },
    /// `/services/data/` itself (the version list).
    DataRoot,
    /// A server-given absolute path (`nextRecordsUrl`), validated.
    Path(String),
}

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    None,
    Json(Vec<u8>),
}

/// One logical call.
#[derive(Debug)]
pub(crate) struct Call {
    pub method: Method,
    pub target: Target,
    pub query: Vec<(&'static str, String)>,
    pub body: Body,
    pub accept: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub idempotency: Idempotency,
    pub op: &'static str,
    pub sobject: Option<String>,
}

impl Call {
    pub(crate) fn new(method: Method, op: &'static str, target: Target) -> Self {
        let idempotency = if method == Method::POST {
            Idempotency::NonIdempotent
        } else {
            Idempotency::Idempotent
        };
        Call {
            method,
            target,
            query: Vec::new(),
            body: Body::None,
            accept: "application/json",
            headers: Vec::new(),
            idempotency,
            op,
            sobject: None,
        }
    }

    pub(crate) fn data(method: Method, op: &'static str, segments: &[&str]) -> Self {
        let segments = segments.iter().map(|s| (*s).to_owned()).collect();
        Call::new(
            method,
            op,
            Target::Data {
                segments,
                slash: false,
            },
        )
    }

    pub(crate) fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid("body", format!("not serializable: {e}")))?;
        if bytes.len() > MAX_BODY {
            return Err(Error::invalid("body", "request body larger than 32 MiB"));
        }
        self.body = Body::Json(bytes);
        Ok(self)
    }

    pub(crate) fn sobject(mut self, sobject: &str) -> Self {
        self.sobject = Some(sobject.to_owned());
        self
    }

    pub(crate) fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    pub(crate) fn slash(mut self) -> Self {
        if let Target::Data { slash, .. } = &mut self.target {
            *slash = true;
        }
        self
    }
}

/// Why a call failed: while getting a session, or the call itself.
#[derive(Debug)]
enum Failed {
    Authenticating(Error),
    Calling(Error),
}

/// A successful (2xx or 300) response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode(e.to_string()))
    }
}

impl Client {
    /// Runs a call to completion: auth, re-auth, retries.
    pub(crate) async fn execute(&self, call: Call) -> Result<Reply, Error> {
        let span = tracing::debug_span!(
            "salesforce",
            method = %call.method,
            op = call.op,
            sobject = call.sobject.as_deref().unwrap_or(""),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self.execute_inner(&call).instrument(span.clone()).await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        let e = match result {
            Ok(reply) => return Ok(reply),
            // Authentication failures were counted where they happened.
            Err(Failed::Authenticating(e)) => return Err(e),
            Err(Failed::Calling(e)) => e,
        };
        let code = match &e {
            Error::Timeout => "TIMEOUT",
            Error::Transport(_) => "TRANSPORT",
            Error::Decode(_) => "DECODE",
            other => other.error_code().unwrap_or("OTHER"),
        };
        self.inner.counters.error(code);
        span.in_scope(|| tracing::debug!(error = %e, "salesforce call failed"));
        Err(e)
    }

    async fn execute_inner(&self, call: &Call) -> Result<Reply, Failed> {
        let cfg = &self.inner.config;
        let mut attempt: u32 = 0;
        let mut reauthenticated = false;
        loop {
            let session = self.session().await.map_err(Failed::Authenticating)?;
            let url = self
                .resolve(&session, &call.target)
                .map_err(Failed::Calling)?;
            tracing::Span::current().record("attempts", attempt + 1);
            let (failure, retry_after) = match self.send_once(call, &session, url).await {
                Ok(reply) => return Ok(reply),
                Err(failed) => failed,
            };
            if let Failure::Response(Error::Api { status: 401, .. }) = &failure {
                if !reauthenticated {
                    reauthenticated = true;
                    self.inner.counters.reauth();
                    tracing::debug!("session rejected (401); re-authenticating once");
                    self.invalidate_if_current(&session);
                    continue;
                }
            }
            if attempt < cfg.max_retries && retry::should_retry(&failure, call.idempotency) {
                attempt += 1;
                self.inner.counters.retry();
                let wait = retry::backoff(
                    attempt,
                    cfg.retry_base_delay,
                    cfg.retry_max_delay,
                    retry_after,
                );
                tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, error = %failure.error(), "retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(Failed::Calling(failure.into_error()));
        }
    }

    /// One attempt. A failure comes with the server's `Retry-After`, if any.
    async fn send_once(
        &self,
        call: &Call,
        session: &Session,
        url: Url,
    ) -> Result<Reply, (Failure, Option<Duration>)> {
        self.inner.counters.call();
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url)
            .bearer_auth(session.access_token.expose_secret())
            .header(reqwest::header::ACCEPT, call.accept);
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        if let Body::Json(bytes) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone());
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) if e.is_connect() => return Err((Failure::NotSent(transport_error(e)), None)),
            Err(e) => return Err((Failure::MaybeSent(transport_error(e)), None)),
        };
        let status = response.status().as_u16();
        tracing::Span::current().record("status", status);
        let headers = response.headers().clone();
        if let Some(info) = headers
            .get("sforce-limit-info")
            .and_then(|v| v.to_str().ok())
            .and_then(LimitInfo::parse_header)
        {
            *self.inner.limit_info.lock() = Some(info);
        }
        let body = match read_limited(response, MAX_BODY).await {
            Ok(b) => b,
            Err(e @ Error::Decode(_)) => return Err((Failure::Response(e), None)),
            Err(e) => return Err((Failure::MaybeSent(e), None)),
        };
        if (200..300).contains(&status) || status == 300 {
            Ok(Reply {
                status,
                headers,
                body,
            })
        } else {
            let error = error_from_response(status, &headers, &body);
            Err((Failure::Response(error), retry_after(&headers)))
        }
    }

    /// The URL for a target on the session's instance.
    fn resolve(&self, session: &Session, target: &Target) -> Result<Url, Error> {
        let mut url = session.instance_url.clone();
        url.set_query(None);
        url.set_fragment(None);
        match target {
            Target::Data { segments, slash } => {
                let version = format!("v{}", self.inner.config.api_version);
                let mut path = url
                    .path_segments_mut()
                    .map_err(|()| Error::Decode("instance_url cannot carry a path".into()))?;
                path.pop_if_empty()
                    .extend(["services", "data", version.as_str()]);
                path.extend(segments);
                if *slash {
                    path.push("");
                }
            }
            Target::DataRoot => url.set_path("/services/data/"),
            Target::Path(p) => {
                let (path, query) = match p.split_once('?') {
                    Some((path, query)) => (path, Some(query)),
                    None => (p.as_str(), None),
                };
                let safe = path.starts_with("/services/")
                    && !path.contains("..")
                    && !path.contains("//")
                    && !path.contains('\\')
                    && path.len() <= 2048
                    && path.chars().all(|c| c.is_ascii_graphic());
                if !safe {
                    return Err(Error::invalid("next_records_url", "not a /services/ path"));
                }
                url.set_path(path);
                url.set_query(query);
            }
        }
        Ok(url)
    }
}
