//! sObject resources: the version list, describes, and record create, read,
//! update, delete and upsert by external id.

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use crate::client::execute::{Call, Target};
use crate::retry::Idempotency;
use crate::soql::{validate_id, validate_name};
use crate::{Client, Error};

/// Longest external-id value accepted in a URL.
const MAX_EXTERNAL_ID_LEN: usize = 255;
/// Most fields in a `?fields=` list.
const MAX_FIELDS: usize = 500;

/// One entry of `GET /services/data/`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiVersion {
    /// e.g. `"Winter '25"`.
    #[serde(default)]
    pub label: String,
    /// e.g. `"/services/data/v62.0"`.
    #[serde(default)]
    pub url: String,
    /// e.g. `"62.0"`.
    pub version: String,
}

/// A picklist entry of a field describe.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PicklistValue {
    /// API value.
    pub value: String,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Whether it can be chosen.
    #[serde(default)]
    pub active: bool,
    /// Whether it is the default.
    #[serde(default)]
    pub default_value: bool,
}

/// A field of an sObject describe.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDescribe {
    /// API name.
    pub name: String,
    /// Salesforce type (`string`, `picklist`, `reference`, `id`, …).
    #[serde(rename = "type", default)]
    pub field_type: String,
    /// Whether the field is an external id (upsert key).
    #[serde(default)]
    pub external_id: bool,
    /// Whether it can be set on create.
    #[serde(default)]
    pub createable: bool,
    /// Whether it can be updated.
    #[serde(default)]
    pub updateable: bool,
    /// Maximum length for text fields.
    #[serde(default)]
    pub length: u64,
    /// Whether it accepts null.
    #[serde(default)]
    pub nillable: bool,
    /// Picklist entries.
    #[serde(default)]
    pub picklist_values: Vec<PicklistValue>,
}

/// `GET sobjects/{Type}/describe`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SObjectDescribe {
    /// API name.
    pub name: String,
    /// Label.
    #[serde(default)]
    pub label: String,
    /// Fields.
    #[serde(default)]
    pub fields: Vec<FieldDescribe>,
}

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsertOutcome {
    /// The record id.
    pub id: String,
    /// Whether the record was created (201) rather than updated.
    pub created: bool,
}

#[derive(Deserialize)]
struct SaveBody {
    id: String,
    #[serde(default)]
    created: Option<bool>,
}

fn require_object(fields: &Value) -> Result<(), Error> {
    if fields.is_object() {
        Ok(())
    } else {
        Err(Error::invalid("fields", "must be a JSON object"))
    }
}

fn validate_external_value(value: &str) -> Result<(), Error> {
    if value.is_empty() || value.len() > MAX_EXTERNAL_ID_LEN {
        return Err(Error::invalid("external id", "must be 1..=255 bytes"));
    }
    Ok(())
}

impl Client {
    /// `GET /services/data/`: the API versions the org serves.
    pub async fn versions(&self) -> Result<Vec<ApiVersion>, Error> {
        self.execute(Call::new(Method::GET, "versions", Target::DataRoot))
            .await?
            .json()
    }

    /// `GET sobjects/`: the global describe, as JSON.
    pub async fn describe_global(&self) -> Result<Value, Error> {
        self.execute(Call::data(Method::GET, "describe_global", &["sobjects"]).slash())
            .await?
            .json()
    }

    /// `GET sobjects/{Type}/describe`.
    pub async fn describe(&self, sobject: &str) -> Result<SObjectDescribe, Error> {
        validate_name(sobject)?;
        self.execute(
            Call::data(Method::GET, "describe", &["sobjects", sobject, "describe"])
                .sobject(sobject),
        )
        .await?
        .json()
    }

    /// `POST sobjects/{Type}/` → the new id. Not retried once it may have
    /// reached Salesforce (see [`crate::retry`]); use [`Client::upsert`]
    /// for an idempotent create.
    pub async fn create(&self, sobject: &str, fields: &Value) -> Result<String, Error> {
        validate_name(sobject)?;
        require_object(fields)?;
        let call = Call::data(Method::POST, "create", &["sobjects", sobject])
            .slash()
            .sobject(sobject)
            .json(fields)?;
        let body: SaveBody = self.execute(call).await?.json()?;
        Ok(body.id)
    }

    /// `GET sobjects/{Type}/{id}[?fields=…]`.
    pub async fn get(
        &self,
        sobject: &str,
        id: &str,
        fields: Option<&[&str]>,
    ) -> Result<Value, Error> {
        validate_name(sobject)?;
        validate_id(id)?;
        let mut call = Call::data(Method::GET, "get", &["sobjects", sobject, id]).sobject(sobject);
        if let Some(fields) = fields {
            if fields.is_empty() || fields.len() > MAX_FIELDS {
                return Err(Error::invalid("fields", format!("1..={MAX_FIELDS} names")));
            }
            for f in fields {
                validate_name(f)?;
            }
            call.query.push(("fields", fields.join(",")));
        }
        self.execute(call).await?.json()
    }

    /// `GET sobjects/{Type}/{ExtField}/{value}`.
    pub async fn get_by_external_id(
        &self,
        sobject: &str,
        field: &str,
        value: &str,
    ) -> Result<Value, Error> {
        validate_name(sobject)?;
        validate_name(field)?;
        validate_external_value(value)?;
        let call = Call::data(
            Method::GET,
            "get_by_external_id",
            &["sobjects", sobject, field, value],
        )
        .sobject(sobject);
        self.execute(call).await?.json()
    }

    /// `PATCH sobjects/{Type}/{id}` (204).
    pub async fn update(&self, sobject: &str, id: &str, fields: &Value) -> Result<(), Error> {
        validate_name(sobject)?;
        validate_id(id)?;
        require_object(fields)?;
        let call = Call::data(Method::PATCH, "update", &["sobjects", sobject, id])
            .sobject(sobject)
            .json(fields)?;
        self.execute(call).await.map(|_| ())
    }

    /// `DELETE sobjects/{Type}/{id}` (204).
    pub async fn delete(&self, sobject: &str, id: &str) -> Result<(), Error> {
        validate_name(sobject)?;
        validate_id(id)?;
        let call =
            Call::data(Method::DELETE, "delete", &["sobjects", sobject, id]).sobject(sobject);
        self.execute(call).await.map(|_| ())
    }

    /// `PATCH sobjects/{Type}/{ExtField}/{value}`: 201 created, 200 (with a
    /// body) or 204 updated, 300 several matches ([`Error::MultipleChoices`]).
    /// On a bare 204 (older API versions) the id is read back by external id.
    /// Retried like any idempotent call: the external id makes it safe.
    pub async fn upsert(
        &self,
        sobject: &str,
        ext_field: &str,
        value: &str,
        fields: &Value,
    ) -> Result<UpsertOutcome, Error> {
        self.upsert_inner(sobject, ext_field, value, fields, false)
            .await
    }

    /// Like [`Client::upsert`] with `?updateOnly=true`: updates the record
    /// with this external id, and fails (404 `NOT_FOUND`) instead of creating one.
    pub async fn upsert_update_only(
        &self,
        sobject: &str,
        ext_field: &str,
        value: &str,
        fields: &Value,
    ) -> Result<UpsertOutcome, Error> {
        self.upsert_inner(sobject, ext_field, value, fields, true)
            .await
    }

    async fn upsert_inner(
        &self,
        sobject: &str,
        ext_field: &str,
        value: &str,
        fields: &Value,
        update_only: bool,
    ) -> Result<UpsertOutcome, Error> {
        validate_name(sobject)?;
        validate_name(ext_field)?;
        validate_external_value(value)?;
        require_object(fields)?;
        let mut call = Call::data(
            Method::PATCH,
            "upsert",
            &["sobjects", sobject, ext_field, value],
        )
        .sobject(sobject)
        .idempotency(Idempotency::Idempotent)
        .json(fields)?;
        if update_only {
            call.query.push(("updateOnly", "true".to_owned()));
        }
        let reply = self.execute(call).await?;
        match reply.status {
            300 => {
                let urls: Vec<Value> = reply.json()?;
                Err(Error::MultipleChoices(
                    urls.into_iter()
                        .map(|u| match u {
                            Value::String(s) => s,
                            other => other.to_string(),
                        })
                        .collect(),
                ))
            }
            201 | 200 => {
                let body: SaveBody = reply.json()?;
                Ok(UpsertOutcome {
                    id: body.id,
                    created: body.created.unwrap_or(reply.status == 201),
                })
            }
            204 => {
                let record = self.get_by_external_id(sobject, ext_field, value).await?;
                let id = record
                    .get("Id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Error::Decode("upserted record without Id".into()))?;
                Ok(UpsertOutcome {
                    id: id.to_owned(),
                    created: false,
                })
            }
            other => Err(Error::Decode(format!("unexpected upsert status {other}"))),
        }
    }
}
