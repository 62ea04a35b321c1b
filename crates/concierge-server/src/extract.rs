//! Extractors whose rejections use our error format instead of axum's plain text.

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::error::{ApiError, Code};

/// `Json<T>` that rejects in our format, naming the offending field when serde can.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::new(
                Code::UnsupportedMedia,
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(Code::PayloadTooLarge, "the request body is too large")
            } else {
                ApiError::new(Code::MalformedRequest, "the request body could not be read")
            }
        })?;
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => Ok(AppJson(v)),
            // serde_json classifies some type errors in well-formed JSON as
            // syntax errors (`{"channel": 3}` where an enum is expected reads
            // as "expected value"): only a body that does not parse is malformed.
            Err(JsonRejection::JsonSyntaxError(e))
                if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok() =>
            {
                let mut err = data_error(&e);
                if let Some(field) = err.details["field"].as_str() {
                    err.message = format!("{field}: has the wrong type or an unknown value");
                }
                Err(err)
            }
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// Whether the request says its body is JSON (`application/json`, or
/// `application/<something>+json`, parameters allowed).
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", subtype)) => subtype == "json" || subtype.ends_with("+json"),
        _ => false,
    }
}

/// A 422 from a serde error, naming the field when the message does.
fn data_error(e: &(dyn std::error::Error + 'static)) -> ApiError {
    // serde's message reads "`field`: problem at line 1 column 7" or
    // "missing field `content`" — both name the field.
    let text = e
        .source()
        .map(|s| s.to_string())
        .unwrap_or_else(|| e.to_string());
    let field = field_from_serde(&text);
    let mut err = ApiError::new(Code::Validation, text);
    if let Some(f) = field {
        err.details = json!({ "field": f });
    }
    err
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match &r {
        JsonRejection::JsonDataError(e) => data_error(e),
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::new(Code::MalformedRequest, "the body is not valid JSON")
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            Code::UnsupportedMedia,
            "send the body as JSON with `Content-Type: application/json`",
        ),
        JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(Code::PayloadTooLarge, "the request body is too large")
        }
        _ => ApiError::new(Code::MalformedRequest, "the request body could not be read"),
    }
}

/// Pulls the field name out of a serde error message.
fn field_from_serde(text: &str) -> Option<String> {
    if let Some(rest) = text.strip_prefix("missing field `") {
        return rest.split('`').next().map(str::to_owned);
    }
    if let Some(rest) = text.strip_prefix("unknown field `") {
        return rest.split('`').next().map(str::to_owned);
    }
    // serde_path_to_error style: "channel: unknown variant ..."
    let (head, _) = text.split_once(": ")?;
    let ok = !head.is_empty()
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c));
    ok.then(|| head.to_owned())
}

/// `Query<T>` that rejects in our format.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for AppQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(AppQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let text = e.body_text();
                let text = text
                    .trim_start_matches("Failed to deserialize query string: ")
                    .to_owned();
                let mut err = ApiError::new(Code::Validation, text.clone());
                if let Some(f) = field_from_serde(&text) {
                    err.details = json!({ "field": f });
                }
                Err(err)
            }
            Err(_) => Err(ApiError::new(
                Code::MalformedRequest,
                "the query string could not be read",
            )),
        }
    }
}

/// `Path<T>` that rejects in our format (e.g. a malformed id is a 404, not a 400 in plain text).
#[derive(Debug, Clone, Copy, Default)]
pub struct AppPath<T>(pub T);

impl<S, T> FromRequestParts<S> for AppPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(AppPath(v)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(ApiError::new(
                Code::NotFound,
                "no such resource: the id in the path is malformed",
            )
            .with_details(json!({ "field": "id" }))),
            Err(_) => Err(ApiError::new(Code::Internal, "path parameters missing")),
        }
    }
}

/// A JSON body that may be absent (an empty body is `T::default()`), or
/// is rejected in our error format like [`AppJson`].
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            crate::error::Code::MalformedRequest,
            format!("the body is not valid JSON for this endpoint: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{field_from_serde, json_content_type};
    use axum::http::{header, HeaderMap, HeaderValue};

    #[test]
    fn json_content_types_are_recognised() {
        let is_json = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(v));
            json_content_type(&h)
        };
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("Application/JSON;charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/jsonx"));
        assert!(!json_content_type(&HeaderMap::new()));
    }

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(
            field_from_serde("missing field `content` at line 1 column 2").as_deref(),
            Some("content")
        );
        assert_eq!(
            field_from_serde("unknown field `foo`, expected one of").as_deref(),
            Some("foo")
        );
        assert_eq!(
            field_from_serde("channel: unknown variant `fax`").as_deref(),
            Some("channel")
        );
        assert_eq!(field_from_serde("invalid type: integer"), None);
    }
}
