//! Unit tests: payload decoding and the field bitmaps, including a property
//! test that any set of positions survives encode → decode.

use apache_avro::types::Value as Avro;
use apache_avro::Schema;
use proptest::prelude::*;
use serde_json::json;

use super::*;

const FIELDS: usize = 40;

/// A Salesforce-shaped ContactChangeEvent: header, a compound `Name` at
/// position 1 (FirstName, LastName, Salutation), then plain fields.
fn schema() -> Schema {
    let strings = json!({"type": "array", "items": "string"});
    let mut fields = vec![
        json!({"name": "ChangeEventHeader", "type": {"type": "record", "name": "ChangeEventHeader", "fields": [
            {"name": "entityName", "type": "string"},
            {"name": "recordIds", "type": strings},
            {"name": "changeType", "type": {"type": "enum", "name": "ChangeType", "symbols": ["CREATE", "UPDATE"]}},
            {"name": "changeOrigin", "type": "string"},
            {"name": "transactionKey", "type": "string"},
            {"name": "sequenceNumber", "type": "int"},
            {"name": "commitTimestamp", "type": "long"},
            {"name": "commitNumber", "type": "long"},
            {"name": "commitUser", "type": "string"},
            {"name": "nulledFields", "type": strings},
            {"name": "diffFields", "type": strings},
            {"name": "changedFields", "type": strings}]}}),
        json!({"name": "Name", "type": ["null", {"type": "record", "name": "Switchable_PersonName", "fields": [
            {"name": "Salutation", "type": ["null", "string"], "default": null},
            {"name": "FirstName", "type": ["null", "string"], "default": null},
            {"name": "LastName", "type": ["null", "string"], "default": null}]}], "default": null}),
        json!({"name": "LastModifiedDate", "type": ["null", "long"], "doc": "Audit:DateTime", "default": null}),
        json!({"name": "Birthdate", "type": ["null", "int"], "doc": "Data:Date", "default": null}),
    ];
    for i in fields.len()..FIELDS {
        fields
            .push(json!({"name": format!("F{i}__c"), "type": ["null", "string"], "default": null}));
    }
    Schema::parse(&json!({"type": "record", "name": "ContactChangeEvent", "namespace": "com.sforce.eventbus", "fields": fields}))
        .unwrap()
}

/// The encoder side, as the server writes it: big-endian hex, bit `i` = field `i`.
fn encode_bitmap(positions: &[usize]) -> String {
    let top = positions.iter().copied().max().unwrap_or(0);
    let mut bytes = vec![0u8; top / 8 + 1];
    let len = bytes.len();
    for &p in positions {
        bytes[len - 1 - p / 8] |= 1 << (p % 8);
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    format!("0x{hex}")
}

fn field_names(schema: &Schema) -> Vec<String> {
    let Schema::Record(r) = schema else { panic!() };
    r.fields.iter().map(|f| f.name.clone()).collect()
}

#[test]
fn decodes_salesforce_examples() {
    let s = schema();
    assert_eq!(
        decode_field_bitmaps(&s, &["0x0C".into()]).unwrap(),
        vec!["LastModifiedDate", "Birthdate"]
    );
    assert_eq!(
        decode_field_bitmaps(&s, &["0x02".into(), "1-0x06".into()]).unwrap(),
        vec!["Name", "Name.FirstName", "Name.LastName"]
    );
    assert_eq!(
        decode_field_bitmaps(&s, &["Status".into()]).unwrap(),
        vec!["Status"]
    );
    assert!(decode_field_bitmaps(&s, &[encode_bitmap(&[FIELDS])]).is_err());
    assert!(decode_field_bitmaps(&s, &["2-0x01".into()]).is_err());
    assert!(decode_field_bitmaps(&s, &["0xZZ".into()]).is_err());
}

proptest! {
    #[test]
    fn top_level_bitmaps_round_trip(positions in proptest::collection::btree_set(0..FIELDS, 0..FIELDS)) {
        let s = schema();
        let names = field_names(&s);
        let positions: Vec<usize> = positions.into_iter().collect();
        let entries = if positions.is_empty() { vec![] } else { vec![encode_bitmap(&positions)] };
        let decoded = decode_field_bitmaps(&s, &entries).unwrap();
        let expected: Vec<String> = positions.iter().map(|&p| names[p].clone()).collect();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn nested_bitmaps_round_trip(children in proptest::collection::btree_set(0usize..3, 1..3)) {
        let s = schema();
        let children: Vec<usize> = children.into_iter().collect();
        let decoded = decode_field_bitmaps(&s, &[format!("1-{}", encode_bitmap(&children))]).unwrap();
        let child_names = ["Salutation", "FirstName", "LastName"];
        let expected: Vec<String> = children.iter().map(|&c| format!("Name.{}", child_names[c])).collect();
        prop_assert_eq!(decoded, expected);
    }
}

#[test]
fn decodes_a_payload_into_a_message() {
    let s = schema();
    let header = Avro::Record(vec![
        ("entityName".into(), Avro::String("Contact".into())),
        (
            "recordIds".into(),
            Avro::Array(vec![Avro::String("003000000000001AAA".into())]),
        ),
        ("changeType".into(), Avro::Enum(1, "UPDATE".into())),
        (
            "changeOrigin".into(),
            Avro::String("com/salesforce/api/rest/60.0".into()),
        ),
        ("transactionKey".into(), Avro::String("tx".into())),
        ("sequenceNumber".into(), Avro::Int(1)),
        ("commitTimestamp".into(), Avro::Long(1_714_557_600_000)),
        ("commitNumber".into(), Avro::Long(9)),
        (
            "commitUser".into(),
            Avro::String("005000000000001AAA".into()),
        ),
        (
            "nulledFields".into(),
            Avro::Array(vec![Avro::String(encode_bitmap(&[3]))]),
        ),
        ("diffFields".into(), Avro::Array(vec![])),
        (
            "changedFields".into(),
            Avro::Array(vec![Avro::String(encode_bitmap(&[2, 3]))]),
        ),
    ]);
    let mut record = vec![
        ("ChangeEventHeader".to_string(), header),
        ("Name".into(), Avro::Union(0, Box::new(Avro::Null))),
        (
            "LastModifiedDate".into(),
            Avro::Union(1, Box::new(Avro::Long(1_714_557_600_000))),
        ),
        ("Birthdate".into(), Avro::Union(0, Box::new(Avro::Null))),
    ];
    for i in record.len()..FIELDS {
        record.push((format!("F{i}__c"), Avro::Union(0, Box::new(Avro::Null))));
    }
    record[5].1 = Avro::Union(1, Box::new(Avro::String("x".into())));
    let payload = apache_avro::to_avro_datum(&s, Avro::Record(record)).unwrap();
    let m = decode_event(&s, "/data/ContactChangeEvent", &[1, 2], &payload).unwrap();
    assert_eq!(m.entity_name, "Contact");
    assert_eq!(m.change_type, "UPDATE");
    assert_eq!(m.record_ids, vec!["003000000000001AAA"]);
    assert_eq!(m.changed_fields, vec!["LastModifiedDate", "Birthdate"]);
    assert_eq!(m.nulled_fields, vec!["Birthdate"]);
    assert_eq!(m.commit_timestamp.timestamp_millis(), 1_714_557_600_000);
    assert_eq!(m.replay_id, vec![1, 2]);
    assert_eq!(m.fields.len(), 2);
    assert_eq!(
        m.fields["LastModifiedDate"],
        json!("2024-05-01T10:00:00.000+0000")
    );
    assert_eq!(m.fields["F5__c"], json!("x"));
    assert!(decode_event(&s, "t", &[], &payload[..payload.len() / 2]).is_err());
}
