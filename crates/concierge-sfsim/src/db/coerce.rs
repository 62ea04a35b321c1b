//! Turning the JSON values of a create or update body into the stored value of
//! a field, with Salesforce's validation errors (type mismatch, length,
//! picklist, email, reference ids); and the date formats Salesforce prints.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use super::DbError;
use crate::ids;
use crate::schema::{FieldDef, FieldType, Schema};

/// A date-time the way Salesforce prints it: `2026-12-04T17:00:00.000+0000`.
pub fn format_datetime(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// Parses the date-time forms Salesforce accepts (`…Z`, `…+0000`, `…+00:00`,
/// with or without milliseconds).
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    None
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn json_error(expected: &str, v: &Value) -> DbError {
    let (kind, shown) = match v {
        Value::String(s) => ("VALUE_STRING", s.clone()),
        Value::Number(n) => ("VALUE_NUMBER_INT", n.to_string()),
        Value::Bool(b) => (if *b { "VALUE_TRUE" } else { "VALUE_FALSE" }, b.to_string()),
        Value::Array(_) => ("START_ARRAY", "[".to_string()),
        Value::Object(_) => ("START_OBJECT", "{".to_string()),
        Value::Null => ("VALUE_NULL", "null".to_string()),
    };
    DbError::JsonParser {
        message: format!(
            "Cannot deserialize instance of {expected} from {kind} value {shown} or request may be missing a required field"
        ),
    }
}

fn text_of(field: &FieldDef, v: &Value) -> Result<String, DbError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(json_error(
            match field.field_type {
                FieldType::TextArea | FieldType::LongTextArea => "textarea",
                _ => "string",
            },
            v,
        )),
    }
}

fn plausible_email(s: &str) -> bool {
    let mut parts = s.splitn(2, '@');
    let local = parts.next().unwrap_or("");
    let domain = parts.next().unwrap_or("");
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// The stored value of `field` for the body value `v`. `Null` stays `Null`
/// except on booleans, where it means `false` (Salesforce booleans are never
/// null). Reference ids are normalised to 18 characters and checked against the
/// field's target objects (existence is checked by the caller).
pub fn coerce(schema: &Schema, field: &FieldDef, v: &Value) -> Result<Value, DbError> {
    if v.is_null() {
        return Ok(if field.field_type == FieldType::Boolean {
            Value::Bool(false)
        } else {
            Value::Null
        });
    }
    match field.field_type {
        FieldType::Boolean => match v {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(json_error("boolean", v)),
        },
        FieldType::Double | FieldType::Currency | FieldType::Int => {
            let n = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|n| n.is_finite())
            .ok_or_else(|| {
                json_error(
                    if field.field_type == FieldType::Int {
                        "int"
                    } else {
                        "double"
                    },
                    v,
                )
            })?;
            if field.field_type == FieldType::Int {
                if n.fract() != 0.0 || n.abs() > i32::MAX as f64 {
                    return Err(json_error("int", v));
                }
                Ok(Value::from(n as i64))
            } else {
                Ok(serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .unwrap_or(Value::Null))
            }
        }
        FieldType::Date => match v {
            Value::String(s) => parse_date(s)
                .or_else(|| parse_datetime(s).map(|t| t.date_naive()))
                .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
                .ok_or_else(|| json_error("date", v)),
            _ => Err(json_error("date", v)),
        },
        FieldType::DateTime => match v {
            Value::String(s) => parse_datetime(s)
                .or_else(|| {
                    parse_date(s)
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .map(|n| n.and_utc())
                })
                .map(|t| Value::String(format_datetime(t)))
                .ok_or_else(|| json_error("datetime", v)),
            _ => Err(json_error("datetime", v)),
        },
        FieldType::Id | FieldType::Reference => {
            let s = match v {
                Value::String(s) => s.clone(),
                _ => return Err(json_error("id", v)),
            };
            if s.is_empty() {
                return Ok(Value::Null);
            }
            let id = ids::normalize(&s).ok_or_else(|| DbError::MalformedId {
                message: format!("{}: id value of incorrect type: {s}", field.label),
                fields: vec![field.name.clone()],
            })?;
            let target = schema.object_for_id(&id);
            let fits = target.is_some_and(|t| {
                field
                    .reference_to
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(&t.name))
            });
            if !fits && field.field_type == FieldType::Reference {
                return Err(DbError::FieldIntegrity {
                    message: format!("{}: id value of incorrect type: {s}", field.label),
                    fields: vec![field.name.clone()],
                });
            }
            Ok(Value::String(id))
        }
        FieldType::Picklist => {
            let s = text_of(field, v)?;
            if s.is_empty() {
                return Ok(Value::Null);
            }
            match field
                .picklist_values
                .iter()
                .find(|p| p.eq_ignore_ascii_case(&s))
            {
                Some(p) => Ok(Value::String(p.clone())),
                None if field.picklist_values.is_empty() => Ok(Value::String(s)),
                None => Err(DbError::BadPicklist {
                    field: field.name.clone(),
                    label: field.label.clone(),
                    value: s,
                }),
            }
        }
        _ => {
            let s = text_of(field, v)?;
            if s.is_empty() {
                return Ok(Value::Null);
            }
            // CaseComment.CommentBody is limited in bytes; other text in characters.
            let len = if field.name == "CommentBody" {
                s.len()
            } else {
                s.chars().count()
            };
            if field.length > 0 && len > field.length as usize {
                return Err(DbError::StringTooLong {
                    field: field.name.clone(),
                    label: field.label.clone(),
                    value: s,
                    max: field.length,
                });
            }
            if field.field_type == FieldType::Email && !plausible_email(&s) {
                return Err(DbError::InvalidEmail {
                    field: field.name.clone(),
                    label: field.label.clone(),
                    value: s,
                });
            }
            Ok(Value::String(s))
        }
    }
}
