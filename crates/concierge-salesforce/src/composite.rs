//! Composite requests (≤ 25 sub-requests, later ones referencing earlier
//! results as `@{ref.id}`) and sObject collections (≤ 200 records, each
//! result reported even when others fail).

use std::collections::{BTreeMap, HashSet};

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::execute::Call;
use crate::retry::Idempotency;
use crate::soql::validate_name;
use crate::{Client, Error};

/// Most sub-requests in one composite request.
pub const MAX_COMPOSITE_SUBREQUESTS: usize = 25;
/// Most records in one collection request.
pub const MAX_COLLECTION_RECORDS: usize = 200;

/// One sub-request of [`Client::composite`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeSubrequest {
    /// `GET`, `POST`, `PATCH`, `PUT` or `DELETE`.
    pub method: String,
    /// A `/services/data/vXX.X/…` URL (see [`Client::rest_path`]); may hold `@{ref.field}`.
    pub url: String,
    /// Name later sub-requests use in `@{referenceId.id}`.
    pub reference_id: String,
    /// Request body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Extra headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_headers: Option<BTreeMap<String, String>>,
}

impl CompositeSubrequest {
    /// A sub-request without extra headers.
    pub fn new(
        method: &str,
        url: impl Into<String>,
        reference_id: &str,
        body: Option<Value>,
    ) -> Self {
        CompositeSubrequest {
            method: method.to_owned(),
            url: url.into(),
            reference_id: reference_id.to_owned(),
            body,
            http_headers: None,
        }
    }
}

/// One sub-response.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompositeSubresponse {
    /// The sub-request's response body (an error array on failure).
    #[serde(default)]
    pub body: Value,
    /// Its headers.
    #[serde(default)]
    pub http_headers: BTreeMap<String, String>,
    /// Its status.
    pub http_status_code: u16,
    /// The sub-request's `referenceId`.
    pub reference_id: String,
}

/// One error of a collection item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveError {
    /// e.g. `REQUIRED_FIELD_MISSING`.
    #[serde(default)]
    pub status_code: String,
    /// Message.
    #[serde(default)]
    pub message: String,
    /// Fields concerned.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// The result for one record of a collection request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SaveResult {
    /// The record id (absent when the item failed on create).
    #[serde(default)]
    pub id: Option<String>,
    /// Whether this item was saved.
    pub success: bool,
    /// Why it was not.
    #[serde(default)]
    pub errors: Vec<SaveError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompositeBody {
    composite_response: Vec<CompositeSubresponse>,
}

fn valid_reference(r: &str) -> bool {
    let mut chars = r.chars();
    r.len() <= 80
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Client {
    /// `POST composite`: up to 25 sub-requests in one API call. Retried
    /// after a timeout only when every sub-request is a GET.
    pub async fn composite(
        &self,
        all_or_none: bool,
        requests: Vec<CompositeSubrequest>,
    ) -> Result<Vec<CompositeSubresponse>, Error> {
        if requests.is_empty() || requests.len() > MAX_COMPOSITE_SUBREQUESTS {
            return Err(Error::invalid(
                "compositeRequest",
                format!("needs 1..={MAX_COMPOSITE_SUBREQUESTS} sub-requests"),
            ));
        }
        let mut seen = HashSet::new();
        for r in &requests {
            if !matches!(
                r.method.as_str(),
                "GET" | "POST" | "PATCH" | "PUT" | "DELETE"
            ) {
                return Err(Error::invalid(
                    "method",
                    format!("{:?} is not allowed", r.method),
                ));
            }
            if !valid_reference(&r.reference_id) || !seen.insert(r.reference_id.as_str()) {
                return Err(Error::invalid(
                    "referenceId",
                    format!("{:?} is invalid or repeated", r.reference_id),
                ));
            }
            if !r.url.starts_with("/services/data/") {
                return Err(Error::invalid(
                    "url",
                    "sub-request URLs start with /services/data/",
                ));
            }
        }
        let idempotency = if requests.iter().all(|r| r.method == "GET") {
            Idempotency::Idempotent
        } else {
            Idempotency::NonIdempotent
        };
        let body = serde_json::json!({ "allOrNone": all_or_none, "compositeRequest": requests });
        let call = Call::data(Method::POST, "composite", &["composite"])
            .idempotency(idempotency)
            .json(&body)?;
        let reply: CompositeBody = self.execute(call).await?.json()?;
        Ok(reply.composite_response)
    }

    fn check_collection(records: &[Value], need_id: bool) -> Result<(), Error> {
        if records.is_empty() || records.len() > MAX_COLLECTION_RECORDS {
            return Err(Error::invalid(
                "records",
                format!("needs 1..={MAX_COLLECTION_RECORDS} records"),
            ));
        }
        for (i, r) in records.iter().enumerate() {
            let ty = r.pointer("/attributes/type").and_then(Value::as_str);
            match ty {
                Some(t) => validate_name(t)?,
                None => {
                    return Err(Error::invalid(
                        "records",
                        format!("record {i} has no attributes.type"),
                    ))
                }
            }
            if need_id
                && r.get("id")
                    .or_else(|| r.get("Id"))
                    .and_then(Value::as_str)
                    .is_none()
            {
                return Err(Error::invalid("records", format!("record {i} has no Id")));
            }
        }
        Ok(())
    }

    /// `POST composite/sobjects`: creates up to 200 records; one result
    /// per record, failures included. Not retried once it may have been sent.
    pub async fn create_collection(
        &self,
        all_or_none: bool,
        records: Vec<Value>,
    ) -> Result<Vec<SaveResult>, Error> {
        Self::check_collection(&records, false)?;
        let body = serde_json::json!({ "allOrNone": all_or_none, "records": records });
        let call = Call::data(
            Method::POST,
            "create_collection",
            &["composite", "sobjects"],
        )
        .json(&body)?;
        self.execute(call).await?.json()
    }

    /// `PATCH composite/sobjects`: updates up to 200 records (each with `Id`).
    pub async fn update_collection(
        &self,
        all_or_none: bool,
        records: Vec<Value>,
    ) -> Result<Vec<SaveResult>, Error> {
        Self::check_collection(&records, true)?;
        let body = serde_json::json!({ "allOrNone": all_or_none, "records": records });
        let call = Call::data(
            Method::PATCH,
            "update_collection",
            &["composite", "sobjects"],
        )
        .json(&body)?;
        self.execute(call).await?.json()
    }
}
