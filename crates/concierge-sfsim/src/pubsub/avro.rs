//! Change events as Salesforce ships them over the Pub/Sub API: one Avro
//! record schema per entity (`com.sforce.eventbus.CaseChangeEvent`, …) with a
//! `ChangeEventHeader` record first and then every object field as a
//! `["null", type]` union; payloads in Avro binary (no container header);
//! `changedFields`/`nulledFields`/`diffFields` as bitmaps of field positions in
//! hex (`"0x0C"`).

use apache_avro::types::Value as Avro;
use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::events::ChangeEvent;
use crate::schema::{FieldType, ObjectDef};

/// The change types the header's enum knows, in Salesforce's order.
pub const CHANGE_TYPES: [&str; 10] = [
    "CREATE",
    "UPDATE",
    "DELETE",
    "UNDELETE",
    "GAP_CREATE",
    "GAP_UPDATE",
    "GAP_DELETE",
    "GAP_UNDELETE",
    "GAP_OVERFLOW",
    "SNAPSHOT",
];

/// An entity's change-event schema: its id, JSON and parsed form.
#[derive(Debug, Clone)]
pub struct EntitySchema {
    /// A stable hash of [`EntitySchema::json`] (22 characters, base64url).
    pub id: String,
    /// The Avro schema JSON `GetSchema` serves.
    pub json: String,
    /// The parsed schema, for encoding.
    pub schema: apache_avro::Schema,
    /// The object fields after the header, with their types; the field at
    /// index `i` here has Avro position `i + 1`.
    pub fields: Vec<(String, FieldType)>,
}

/// The Avro record name of an entity's change event (`CaseChangeEvent`;
/// `Foo__c` gives `Foo__ChangeEvent`).
pub fn event_name(entity: &str) -> String {
    match entity.strip_suffix("__c") {
        Some(base) => format!("{base}__ChangeEvent"),
        None => format!("{entity}ChangeEvent"),
    }
}

fn avro_type(t: FieldType) -> (&'static str, &'static str) {
    match t {
        FieldType::Boolean => ("boolean", "Data:Boolean"),
        FieldType::Int => ("int", "Data:Int"),
        FieldType::Double => ("double", "Data:Double"),
        FieldType::Currency => ("double", "Data:Currency"),
        FieldType::Date => ("int", "Data:Date"),
        FieldType::DateTime => ("long", "Data:DateTime"),
        FieldType::Id | FieldType::Reference => ("string", "Data:Reference"),
        _ => ("string", "Data:Text"),
    }
}

fn header_schema() -> Value {
    let strings = json!({"type": "array", "items": "string"});
    json!({
        "type": "record",
        "name": "ChangeEventHeader",
        "namespace": "com.sforce.eventbus",
        "fields": [
            {"name": "entityName", "type": "string"},
            {"name": "recordIds", "type": strings},
            {"name": "changeType", "type": {"type": "enum", "name": "ChangeType",
                "namespace": "com.sforce.eventbus", "symbols": CHANGE_TYPES}},
            {"name": "changeOrigin", "type": "string"},
            {"name": "transactionKey", "type": "string"},
            {"name": "sequenceNumber", "type": "int"},
            {"name": "commitTimestamp", "type": "long"},
            {"name": "commitNumber", "type": "long"},
            {"name": "commitUser", "type": "string"},
            {"name": "nulledFields", "type": strings},
            {"name": "diffFields", "type": strings},
            {"name": "changedFields", "type": strings},
        ]
    })
}

/// Builds the change-event schema of an object (every field but `Id`, whose
/// value travels in the header's `recordIds`).
pub fn entity_schema(object: &ObjectDef) -> Result<EntitySchema, apache_avro::Error> {
    let fields: Vec<(String, FieldType)> = object
        .fields
        .iter()
        .filter(|f| f.name != "Id")
        .map(|f| (f.name.clone(), f.field_type))
        .collect();
    let mut avro_fields = vec![json!({
        "name": "ChangeEventHeader", "type": header_schema(), "doc": "Data:ChangeEventHeader"
    })];
    for (name, t) in &fields {
        let (ty, doc) = avro_type(*t);
        avro_fields.push(json!({"name": name, "type": ["null", ty], "doc": doc, "default": null}));
    }
    let json = json!({
        "type": "record",
        "name": event_name(&object.name),
        "namespace": "com.sforce.eventbus",
        "fields": avro_fields,
    })
    .to_string();
    let schema = apache_avro::Schema::parse_str(&json)?;
    Ok(EntitySchema {
        id: schema_id(&json),
        json,
        schema,
        fields,
    })
}

/// A stable id for a schema JSON: base64url of the first 16 bytes of its SHA-256.
pub fn schema_id(json: &str) -> String {
    use base64::Engine;
    let digest = Sha256::digest(json.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Encodes a set of field names as Salesforce's bitmap list: one hex string
/// of the top-level positions (bit `i` = Avro field `i`; empty when none
/// match). Names the schema lacks are left out.
pub fn field_bitmap(schema: &EntitySchema, names: &[String]) -> Vec<String> {
    let positions: Vec<usize> = names
        .iter()
        .filter_map(|n| {
            schema
                .fields
                .iter()
                .position(|(f, _)| f.eq_ignore_ascii_case(n))
                .map(|p| p + 1)
        })
        .collect();
    if positions.is_empty() {
        return Vec::new();
    }
    vec![bitmap_hex(&positions)]
}

/// `0x`-prefixed, big-endian, upper-case hex of a bitmap with these bits set.
pub fn bitmap_hex(positions: &[usize]) -> String {
    let top = positions.iter().copied().max().unwrap_or(0);
    let mut bytes = vec![0u8; top / 8 + 1];
    let len = bytes.len();
    for &p in positions {
        bytes[len - 1 - p / 8] |= 1 << (p % 8);
    }
    let mut out = String::with_capacity(2 + 2 * len);
    out.push_str("0x");
    for b in bytes {
        out.push_str(&format!("{b:02X}"));
    }
    out
}

fn strings(v: &[String]) -> Avro {
    Avro::Array(v.iter().map(|s| Avro::String(s.clone())).collect())
}

/// Parses the date-times the REST layer stores (`2024-05-01T10:00:00.000+0000`,
/// RFC 3339) into epoch milliseconds.
fn datetime_ms(s: &str) -> Option<i64> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .map(|d| d.timestamp_millis())
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|d| d.and_utc().timestamp_millis())
        })
}

fn field_value(t: FieldType, v: &Value) -> Option<Avro> {
    let inner = match (avro_type(t).0, v) {
        (_, Value::Null) => return None,
        ("boolean", Value::Bool(b)) => Avro::Boolean(*b),
        ("int", Value::Number(n)) if t == FieldType::Int => {
            Avro::Int(i32::try_from(n.as_i64()?).ok()?)
        }
        ("double", Value::Number(n)) => Avro::Double(n.as_f64()?),
        ("int", Value::String(s)) if t == FieldType::Date => {
            let d = NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()?;
            Avro::Int(i32::try_from(d.signed_duration_since(NaiveDate::default()).num_days()).ok()?)
        }
        ("long", Value::String(s)) => Avro::Long(datetime_ms(s)?),
        ("long", Value::Number(n)) => Avro::Long(n.as_i64()?),
        ("string", Value::String(s)) => Avro::String(s.clone()),
        ("string", other) => Avro::String(other.to_string()),
        _ => return None,
    };
    Some(inner)
}

/// Encodes one event's payload (Avro binary, no header) with its entity's schema.
pub fn encode_event(
    schema: &EntitySchema,
    event: &ChangeEvent,
) -> Result<Vec<u8>, apache_avro::Error> {
    let change_type = event.change_type.as_str();
    let symbol = CHANGE_TYPES
        .iter()
        .position(|s| *s == change_type)
        .unwrap_or(0);
    let header = Avro::Record(vec![
        ("entityName".into(), Avro::String(event.entity_name.clone())),
        ("recordIds".into(), strings(&event.record_ids)),
        (
            "changeType".into(),
            Avro::Enum(symbol as u32, change_type.to_string()),
        ),
        (
            "changeOrigin".into(),
            Avro::String(event.change_origin.clone()),
        ),
        (
            "transactionKey".into(),
            Avro::String(event.transaction_key.clone()),
        ),
        ("sequenceNumber".into(), Avro::Int(event.sequence_number)),
        ("commitTimestamp".into(), Avro::Long(event.commit_timestamp)),
        ("commitNumber".into(), Avro::Long(event.commit_number)),
        ("commitUser".into(), Avro::String(event.commit_user.clone())),
        (
            "nulledFields".into(),
            strings(&field_bitmap(schema, &event.nulled_fields)),
        ),
        (
            "diffFields".into(),
            strings(&field_bitmap(schema, &event.diff_fields)),
        ),
        (
            "changedFields".into(),
            strings(&field_bitmap(schema, &event.changed_fields)),
        ),
    ]);
    let mut record = Vec::with_capacity(schema.fields.len() + 1);
    record.push(("ChangeEventHeader".to_string(), header));
    for (name, t) in &schema.fields {
        let value = event
            .values
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| {
                let avro = field_value(*t, v);
                if avro.is_none() && !v.is_null() {
                    tracing::warn!(field = %name, "change-event value does not fit the field type; sent as null");
                }
                avro
            });
        let union = match value {
            Some(v) => Avro::Union(1, Box::new(v)),
            None => Avro::Union(0, Box::new(Avro::Null)),
        };
        record.push((name.clone(), union));
    }
    apache_avro::to_avro_datum(&schema.schema, Avro::Record(record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::ChangeType;
    use crate::schema::Schema;

    fn case_schema() -> EntitySchema {
        let schema = Schema::standard();
        entity_schema(schema.object("Case").unwrap()).unwrap()
    }

    #[test]
    fn bitmap_sets_bits_from_the_right() {
        assert_eq!(bitmap_hex(&[2, 3]), "0x0C");
        assert_eq!(bitmap_hex(&[0]), "0x01");
        assert_eq!(bitmap_hex(&[8]), "0x0100");
        assert_eq!(bitmap_hex(&[1, 15]), "0x8002");
    }

    #[test]
    fn schema_is_salesforce_shaped_and_stable() {
        let a = case_schema();
        let b = case_schema();
        assert_eq!(a.id, b.id);
        assert_eq!(a.id.len(), 22);
        let v: Value = serde_json::from_str(&a.json).unwrap();
        assert_eq!(v["name"], "CaseChangeEvent");
        assert_eq!(v["namespace"], "com.sforce.eventbus");
        assert_eq!(v["fields"][0]["name"], "ChangeEventHeader");
        assert_eq!(v["fields"][1]["type"][0], "null");
        assert!(a.fields.iter().any(|(n, _)| n == "Status"));
        assert!(!a.fields.iter().any(|(n, _)| n == "Id"));
    }

    #[test]
    fn encodes_an_update_that_decodes_back() {
        let s = case_schema();
        let mut values = serde_json::Map::new();
        values.insert("Status".into(), json!("Closed"));
        values.insert(
            "LastModifiedDate".into(),
            json!("2024-05-01T10:00:00.000+0000"),
        );
        let event = ChangeEvent {
            replay_id: 7,
            entity_name: "Case".into(),
            change_type: ChangeType::Update,
            record_ids: vec!["500000000000001AAA".into()],
            change_origin: "com/salesforce/api/rest/60.0".into(),
            transaction_key: "tx".into(),
            sequence_number: 1,
            commit_timestamp: 1_714_557_600_000,
            commit_number: 3,
            commit_user: "005000000000001AAA".into(),
            changed_fields: vec!["Status".into(), "LastModifiedDate".into()],
            nulled_fields: vec![],
            diff_fields: vec![],
            values,
        };
        let bytes = encode_event(&s, &event).unwrap();
        let decoded = apache_avro::from_avro_datum(&s.schema, &mut bytes.as_slice(), None).unwrap();
        let Avro::Record(fields) = decoded else {
            panic!("not a record")
        };
        let status = fields.iter().find(|(n, _)| n == "Status").unwrap();
        assert_eq!(
            status.1,
            Avro::Union(1, Box::new(Avro::String("Closed".into())))
        );
        let modified = fields
            .iter()
            .find(|(n, _)| n == "LastModifiedDate")
            .unwrap();
        assert_eq!(
            modified.1,
            Avro::Union(1, Box::new(Avro::Long(1_714_557_600_000)))
        );
        let Avro::Record(header) = &fields[0].1 else {
            panic!("no header")
        };
        let changed = header.iter().find(|(n, _)| n == "changedFields").unwrap();
        let status_pos = s.fields.iter().position(|(n, _)| n == "Status").unwrap() + 1;
        let modified_pos = s
            .fields
            .iter()
            .position(|(n, _)| n == "LastModifiedDate")
            .unwrap()
            + 1;
        assert_eq!(
            changed.1,
            Avro::Array(vec![Avro::String(bitmap_hex(&[status_pos, modified_pos]))])
        );
    }
}
