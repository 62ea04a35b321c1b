//! Decoding change events: an Avro binary payload read with the schema its
//! `schema_id` names, the `ChangeEventHeader` pulled out, the field bitmaps
//! (`"0x0C"`, nested `"3-0x02"`) turned back into field names, and the
//! non-null fields as JSON (date-times as Salesforce's REST strings).

use apache_avro::schema::{RecordSchema, Schema};
use apache_avro::types::Value as Avro;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};

use super::PubSubError;

/// Longest bitmap string decoded (in characters).
const MAX_BITMAP_LEN: usize = 4096;

/// One change event, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEventMessage {
    /// The topic it arrived on.
    pub topic: String,
    /// Its opaque replay id.
    pub replay_id: Vec<u8>,
    /// `Case`, `CaseComment`, …
    pub entity_name: String,
    /// `CREATE`, `UPDATE`, `DELETE`, `UNDELETE` or a `GAP_*` type.
    pub change_type: String,
    /// The records changed.
    pub record_ids: Vec<String>,
    /// Names of the fields changed (nested compound fields as `Parent.Child`).
    pub changed_fields: Vec<String>,
    /// Names of the fields set to null.
    pub nulled_fields: Vec<String>,
    /// Where the change came from (`com/salesforce/api/rest/60.0`, …).
    pub change_origin: String,
    /// The user who committed it.
    pub commit_user: String,
    /// When it was committed.
    pub commit_timestamp: DateTime<Utc>,
    /// The non-null payload fields.
    pub fields: Map<String, Value>,
}

fn record_schema(schema: &Schema) -> Option<&RecordSchema> {
    match schema {
        Schema::Record(r) => Some(r),
        Schema::Union(u) => u.variants().iter().find_map(record_schema),
        _ => None,
    }
}

/// Field names from a bitmap in hex (`0x…`): bit `i` names field `i`.
fn bitmap_names(
    hex: &str,
    record: &RecordSchema,
    prefix: &str,
) -> Result<Vec<String>, PubSubError> {
    let digits = hex
        .strip_prefix("0x")
        .or_else(|| hex.strip_prefix("0X"))
        .ok_or_else(|| PubSubError::Decode(format!("bitmap without 0x: {hex}")))?;
    let mut names = Vec::new();
    for (k, c) in digits.chars().rev().enumerate() {
        let nibble = c
            .to_digit(16)
            .ok_or_else(|| PubSubError::Decode(format!("bad hex in bitmap {hex}")))?;
        for bit in 0..4 {
            if nibble & (1 << bit) != 0 {
                let pos = k * 4 + bit;
                let field = record.fields.get(pos).ok_or_else(|| {
                    PubSubError::Decode(format!(
                        "bitmap {hex} names field {pos} but {} has {} fields",
                        record.name.name,
                        record.fields.len()
                    ))
                })?;
                names.push((pos, format!("{prefix}{}", field.name)));
            }
        }
    }
    names.sort();
    Ok(names.into_iter().map(|(_, n)| n).collect())
}

/// Turns Salesforce's `changedFields`/`nulledFields`/`diffFields` list back
/// into field names: a top-level bitmap `0x…`, nested bitmaps `P-0x…` for the
/// compound field at position `P` (giving `Parent.Child`), and plain names
/// (as CometD sends them) passed through.
pub fn decode_field_bitmaps(
    schema: &Schema,
    entries: &[String],
) -> Result<Vec<String>, PubSubError> {
    let record = record_schema(schema)
        .ok_or_else(|| PubSubError::Decode("the event schema is not a record".into()))?;
    let mut out = Vec::new();
    for entry in entries {
        if entry.len() > MAX_BITMAP_LEN {
            return Err(PubSubError::Decode("bitmap too long".into()));
        }
        if entry.starts_with("0x") || entry.starts_with("0X") {
            out.extend(bitmap_names(entry, record, "")?);
        } else if let Some((parent, hex)) = entry.split_once('-') {
            let pos: usize = parent
                .parse()
                .map_err(|_| PubSubError::Decode(format!("bad nested bitmap {entry}")))?;
            let field = record.fields.get(pos).ok_or_else(|| {
                PubSubError::Decode(format!("nested bitmap {entry}: no field {pos}"))
            })?;
            let child = record_schema(&field.schema).ok_or_else(|| {
                PubSubError::Decode(format!(
                    "nested bitmap {entry}: {} is not compound",
                    field.name
                ))
            })?;
            out.extend(bitmap_names(hex, child, &format!("{}.", field.name))?);
        } else {
            out.push(entry.clone());
        }
    }
    Ok(out)
}

/// Salesforce's REST date-time format, e.g. `2024-05-01T10:00:00.000+0000`.
fn rest_datetime(ms: i64) -> Option<String> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string())
}

fn to_json(value: &Avro, doc: Option<&str>) -> Value {
    let doc = doc.unwrap_or("");
    match value {
        Avro::Null => Value::Null,
        Avro::Boolean(b) => Value::Bool(*b),
        Avro::Int(i) if doc.ends_with(":Date") => chrono::NaiveDate::default()
            .checked_add_signed(chrono::Duration::days(i64::from(*i)))
            .map_or(Value::from(*i), |d| Value::String(d.to_string())),
        Avro::Int(i) => Value::from(*i),
        Avro::Long(l) if doc.ends_with(":DateTime") => {
            rest_datetime(*l).map_or(Value::from(*l), Value::String)
        }
        Avro::Long(l) => Value::from(*l),
        Avro::Float(f) => Value::from(f64::from(*f)),
        Avro::Double(d) => Value::from(*d),
        Avro::String(s) | Avro::Enum(_, s) => Value::String(s.clone()),
        Avro::Union(_, inner) => to_json(inner, Some(doc)),
        Avro::Array(items) => Value::Array(items.iter().map(|v| to_json(v, None)).collect()),
        Avro::Map(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), to_json(v, None)))
                .collect(),
        ),
        Avro::Record(fields) => Value::Object(
            fields
                .iter()
                .filter(|(_, v)| !is_null(v))
                .map(|(k, v)| (k.clone(), to_json(v, None)))
                .collect(),
        ),
        Avro::TimestampMillis(ms) => rest_datetime(*ms).map_or(Value::from(*ms), Value::String),
        Avro::Date(d) => to_json(&Avro::Int(*d), Some(":Date")),
        other => Value::String(format!("{other:?}")),
    }
}

fn is_null(v: &Avro) -> bool {
    match v {
        Avro::Null => true,
        Avro::Union(_, inner) => is_null(inner),
        _ => false,
    }
}

fn header_field<'a>(header: &'a [(String, Avro)], name: &str) -> Option<&'a Avro> {
    header
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| match v {
            Avro::Union(_, inner) => inner.as_ref(),
            other => other,
        })
}

fn header_string(header: &[(String, Avro)], name: &str) -> String {
    match header_field(header, name) {
        Some(Avro::String(s)) | Some(Avro::Enum(_, s)) => s.clone(),
        _ => String::new(),
    }
}

fn header_strings(header: &[(String, Avro)], name: &str) -> Vec<String> {
    match header_field(header, name) {
        Some(Avro::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Avro::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Decodes one event's Avro binary payload with its schema.
pub fn decode_event(
    schema: &Schema,
    topic: &str,
    replay_id: &[u8],
    payload: &[u8],
) -> Result<ChangeEventMessage, PubSubError> {
    let value = apache_avro::from_avro_datum(schema, &mut &payload[..], None)
        .map_err(|e| PubSubError::Decode(format!("Avro payload: {e}")))?;
    let Avro::Record(fields) = value else {
        return Err(PubSubError::Decode("the payload is not a record".into()));
    };
    let record = record_schema(schema)
        .ok_or_else(|| PubSubError::Decode("the event schema is not a record".into()))?;
    let header = match fields
        .iter()
        .find(|(n, _)| n == "ChangeEventHeader")
        .map(|(_, v)| v)
    {
        Some(Avro::Record(h)) => h.clone(),
        Some(Avro::Union(_, inner)) => match inner.as_ref() {
            Avro::Record(h) => h.clone(),
            _ => return Err(PubSubError::Decode("no ChangeEventHeader".into())),
        },
        _ => return Err(PubSubError::Decode("no ChangeEventHeader".into())),
    };
    let commit_ms = match header_field(&header, "commitTimestamp") {
        Some(Avro::Long(l)) => *l,
        Some(Avro::TimestampMillis(l)) => *l,
        _ => return Err(PubSubError::Decode("no commitTimestamp".into())),
    };
    let commit_timestamp = Utc
        .timestamp_millis_opt(commit_ms)
        .single()
        .ok_or_else(|| PubSubError::Decode(format!("commitTimestamp {commit_ms} out of range")))?;
    let mut out = Map::new();
    for (name, v) in &fields {
        if name == "ChangeEventHeader" || is_null(v) {
            continue;
        }
        let doc = record
            .fields
            .iter()
            .find(|f| &f.name == name)
            .and_then(|f| f.doc.as_deref());
        out.insert(name.clone(), to_json(v, doc));
    }
    Ok(ChangeEventMessage {
        topic: topic.to_string(),
        replay_id: replay_id.to_vec(),
        entity_name: header_string(&header, "entityName"),
        change_type: header_string(&header, "changeType"),
        record_ids: header_strings(&header, "recordIds"),
        changed_fields: decode_field_bitmaps(schema, &header_strings(&header, "changedFields"))?,
        nulled_fields: decode_field_bitmaps(schema, &header_strings(&header, "nulledFields"))?,
        change_origin: header_string(&header, "changeOrigin"),
        commit_user: header_string(&header, "commitUser"),
        commit_timestamp,
        fields: out,
    })
}

#[cfg(test)]
mod tests;
