//! HTTP plumbing shared by every call: size-limited body reads, turning
//! reqwest failures and Salesforce error bodies into [`Error`]s, and reading
//! `Retry-After`.

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::error::ApiError;
use crate::Error;

/// Largest response body we read (REST and Bulk result pages).
pub(crate) const MAX_BODY: usize = 32 * 1024 * 1024;
/// Largest OAuth response body we read.
pub(crate) const MAX_AUTH_BODY: usize = 64 * 1024;
/// How much of a non-JSON error body ends up in an error message.
const SNIPPET_CHARS: usize = 300;

/// Reads a body, refusing more than `limit` bytes.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, Error> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(Error::Decode(format!(
            "response body larger than {limit} bytes"
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > limit {
            return Err(Error::Decode(format!(
                "response body larger than {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A reqwest failure as an [`Error`], without the URL (it may carry query text).
pub(crate) fn transport_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::Timeout;
    }
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    Error::Transport(message)
}

/// The start of a body as text, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.chars().take(SNIPPET_CHARS).collect();
    if text.chars().count() > SNIPPET_CHARS {
        s.push('…');
    }
    s
}

/// `Retry-After` in seconds (HTTP dates are ignored).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Parses a REST error body: the documented array, a single object, or
/// anything else (a synthetic `HTTP_<status>` entry with the body's start).
pub(crate) fn api_errors(status: u16, body: &[u8]) -> Vec<ApiError> {
    if let Ok(errors) = serde_json::from_slice::<Vec<ApiError>>(body) {
        if !errors.is_empty() {
            return errors;
        }
    }
    if let Ok(e) = serde_json::from_slice::<ApiError>(body) {
        if !e.error_code.is_empty() {
            return vec![e];
        }
    }
    vec![ApiError {
        message: snippet(body),
        error_code: format!("HTTP_{status}"),
        fields: Vec::new(),
    }]
}

/// The typed error for a non-success REST response.
pub(crate) fn error_from_response(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let errors = api_errors(status, body);
    let has = |code: &str| errors.iter().any(|e| e.error_code == code);
    if has("REQUEST_LIMIT_EXCEEDED") {
        return Error::RequestLimitExceeded {
            retry_after: retry_after(headers),
        };
    }
    if status == 503 || has("SERVER_UNAVAILABLE") {
        let message = errors
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_default();
        return Error::Unavailable(message);
    }
    Error::Api { status, errors }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies() {
        let h = HeaderMap::new();
        let e = error_from_response(
            400,
            &h,
            br#"[{"message":"No such column 'Foo'","errorCode":"INVALID_FIELD","fields":["Foo"]}]"#,
        );
        match e {
            Error::Api { status, errors } => {
                assert_eq!(status, 400);
                assert_eq!(errors[0].error_code, "INVALID_FIELD");
                assert_eq!(errors[0].fields, vec!["Foo".to_owned()]);
            }
            other => panic!("{other:?}"),
        }
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        let e = error_from_response(
            403,
            &h,
            br#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#,
        );
        assert!(
            matches!(e, Error::RequestLimitExceeded { retry_after: Some(d) } if d.as_secs() == 7)
        );
        let e = error_from_response(500, &HeaderMap::new(), b"<html>oops</html>");
        assert_eq!(e.error_code(), Some("HTTP_500"));
        assert!(matches!(
            error_from_response(503, &HeaderMap::new(), b""),
            Error::Unavailable(_)
        ));
    }
}
