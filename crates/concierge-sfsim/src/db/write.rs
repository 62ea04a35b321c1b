//! Writes on the [`Store`]: body validation against the schema, derived and
//! system fields, uniqueness, soft delete, upsert, and the change event each
//! write produces.

use chrono::Utc;
use serde_json::Value;

use super::coerce::{coerce, format_datetime};
use super::store::storage_name;
use super::{DbError, Record, Store, WriteCtx, MAX_BODY_FIELDS, MAX_RECORDS};
use crate::events::{ChangeEvent, ChangeType};
use crate::ids;
use crate::schema::{FieldType, ObjectDef};

/// What a body is validated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Create,
    Update,
    /// Seeding: read-only fields may be set.
    System,
}

fn no_such_column(name: &str, obj: &ObjectDef) -> DbError {
    DbError::InvalidField {
        message: format!("No such column '{name}' on sobject of type {}", obj.name),
        fields: vec![name.to_string()],
    }
}

pub(super) fn is_deleted(row: &Record) -> bool {
    row.get("IsDeleted") == Some(&Value::Bool(true))
}

impl Store {
    /// Validates and coerces a body: canonical field names → stored values.
    pub(crate) fn validate_body(
        &self,
        obj: &ObjectDef,
        body: Record,
        mode: Mode,
    ) -> Result<Vec<(String, Value)>, DbError> {
        if body.len() > MAX_BODY_FIELDS {
            return Err(DbError::LimitExceeded {
                message: format!("a record may set at most {MAX_BODY_FIELDS} fields"),
            });
        }
        let mut out: Vec<(String, Value)> = Vec::with_capacity(body.len());
        let mut not_writable = Vec::new();
        for (name, value) in body {
            if name == "attributes" {
                continue;
            }
            let field = obj.field(&name).ok_or_else(|| no_such_column(&name, obj))?;
            if field.name == "Id" {
                if mode == Mode::Create {
                    return Err(DbError::InvalidField {
                        message: "The Id field should not be specified in the sobject data.".into(),
                        fields: vec!["Id".into()],
                    });
                }
                if mode == Mode::Update {
                    continue; // Salesforce ignores an Id in an update body
                }
            }
            let writable = match mode {
                Mode::Create => field.createable,
                Mode::Update => field.updateable,
                Mode::System => true,
            };
            if !writable {
                not_writable.push(field.name.clone());
                continue;
            }
            out.push((field.name.clone(), value));
        }
        if !not_writable.is_empty() {
            return Err(DbError::NotWritable {
                fields: not_writable,
            });
        }
        let mut coerced = Vec::with_capacity(out.len());
        let mut nulled_required = Vec::new();
        for (name, value) in out {
            let Some(field) = obj.field(&name) else {
                continue;
            };
            let v = coerce(&self.schema, field, &value)?;
            if v.is_null() && !field.nillable && mode != Mode::System {
                nulled_required.push(field.name.clone());
            }
            if field.field_type == FieldType::Reference {
                if let Some(id) = v.as_str() {
                    match self.find(id) {
                        None => {
                            return Err(DbError::InvalidCrossReference {
                                message: format!("{}: invalid cross reference id", field.label),
                                fields: vec![field.name.clone()],
                            })
                        }
                        Some((_, row)) if is_deleted(row) => return Err(DbError::EntityIsDeleted),
                        Some(_) => {}
                    }
                }
            }
            coerced.push((name, v));
        }
        if !nulled_required.is_empty() && mode == Mode::Update {
            return Err(DbError::RequiredFieldMissing {
                fields: nulled_required,
            });
        }
        Ok(coerced)
    }

    /// Fields computed from others: names, Case.IsClosed/ClosedDate/ContactEmail.
    pub(super) fn derive(&self, obj: &ObjectDef, row: &mut Record, now: &str) {
        let s = |row: &Record, k: &str| row.get(k).and_then(Value::as_str).map(str::to_string);
        match obj.name.as_str() {
            "Contact" | "User" => {
                let name = [s(row, "FirstName"), s(row, "LastName")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                row.insert(
                    "Name".into(),
                    if name.is_empty() {
                        Value::Null
                    } else {
                        Value::String(name)
                    },
                );
            }
            "Case" => {
                let closed = s(row, "Status").as_deref() == Some("Closed");
                let was_closed = row.get("IsClosed") == Some(&Value::Bool(true));
                row.insert("IsClosed".into(), Value::Bool(closed));
                if closed && (!was_closed || row.get("ClosedDate").is_none_or(Value::is_null)) {
                    row.insert("ClosedDate".into(), Value::String(now.to_string()));
                } else if !closed {
                    row.insert("ClosedDate".into(), Value::Null);
                }
                let contact =
                    s(row, "ContactId").and_then(|id| self.find(&id).map(|(_, r)| r.clone()));
                let get = |k: &str| {
                    contact
                        .as_ref()
                        .and_then(|c| c.get(k).cloned())
                        .unwrap_or(Value::Null)
                };
                row.insert("ContactEmail".into(), get("Email"));
                row.insert("ContactPhone".into(), get("Phone"));
                // Salesforce fills a case's account from its contact when none is given.
                if row.get("AccountId").is_none_or(Value::is_null) {
                    row.insert("AccountId".into(), get("AccountId"));
                }
            }
            _ => {}
        }
    }

    pub(super) fn check_unique(
        &mut self,
        obj: &ObjectDef,
        row: &Record,
        self_id: &str,
    ) -> Result<(), DbError> {
        let storage = storage_name(obj).to_string();
        for f in obj.fields.iter().filter(|f| f.unique) {
            let Some(v) = row.get(&f.name).filter(|v| !v.is_null()) else {
                continue;
            };
            let others = self.lookup(&storage, &f.name, v);
            if let Some(other_id) = others.iter().find(|o| o.as_str() != self_id) {
                return Err(DbError::DuplicateValue {
                    message: format!(
                        "duplicate value found: {} duplicates value on record with id: {other_id}",
                        f.name
                    ),
                    fields: vec![f.name.clone()],
                });
            }
        }
        Ok(())
    }

    fn next_autonumber(&mut self, key: &str, start: u64) -> u64 {
        let n = self.autonumbers.entry(key.to_string()).or_insert(start);
        let v = *n;
        *n += 1;
        v
    }

    /// Inserts a validated record; returns the id and the full stored row.
    pub(crate) fn insert(
        &mut self,
        user_id: &str,
        object: &str,
        body: Record,
        mode: Mode,
        explicit_id: Option<&str>,
    ) -> Result<(String, Record), DbError> {
        if self.len() >= MAX_RECORDS {
            return Err(DbError::StorageLimit);
        }
        let obj = self.object_or_404(object)?.clone();
        let mut body = body;
        let explicit_id = match (mode, explicit_id) {
            (Mode::System, Some(id)) => Some(id.to_string()),
            (Mode::System, None) => body
                .remove("Id")
                .and_then(|v| v.as_str().map(str::to_string)),
            _ => None,
        };
        let values = self.validate_body(&obj, body, mode)?;
        let now = format_datetime(Utc::now());
        let id = match explicit_id {
            Some(raw) => {
                let id = ids::normalize(&raw).ok_or_else(|| DbError::MalformedId {
                    message: format!("{} ID: id value of incorrect type: {raw}", obj.name),
                    fields: vec!["Id".into()],
                })?;
                if self.find(&id).is_some()
                    || self
                        .schema
                        .object_for_id(&id)
                        .is_none_or(|o| storage_name(o) != storage_name(&obj))
                {
                    return Err(DbError::DuplicateValue {
                        message: format!("duplicate or misplaced id: {id}"),
                        fields: vec!["Id".into()],
                    });
                }
                id
            }
            None => ids::new_id(&obj.key_prefix),
        };
        let mut row = Record::new();
        row.insert("Id".into(), Value::String(id.clone()));
        for f in &obj.fields {
            if let Some(d) = &f.default_value {
                row.insert(f.name.clone(), d.clone());
            }
        }
        row.insert("IsDeleted".into(), Value::Bool(false));
        for k in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
            row.insert(k.into(), Value::String(now.clone()));
        }
        for k in ["CreatedById", "LastModifiedById"] {
            row.insert(k.into(), Value::String(user_id.to_string()));
        }
        if obj.field("OwnerId").is_some() {
            row.insert("OwnerId".into(), Value::String(user_id.to_string()));
        }
        if obj.name == "Case" {
            let n = self.next_autonumber("Case", 1000);
            row.insert("CaseNumber".into(), Value::String(format!("{n:08}")));
        }
        if storage_name(&obj) == "KnowledgeArticleVersion" {
            let n = self.next_autonumber("KnowledgeArticleVersion", 1000);
            row.insert("ArticleNumber".into(), Value::String(format!("{n:09}")));
            row.insert(
                "KnowledgeArticleId".into(),
                Value::String(ids::new_id("kA0")),
            );
            row.insert("VersionNumber".into(), Value::from(1));
            row.insert("IsLatestVersion".into(), Value::Bool(true));
        }
        for (k, v) in values {
            row.insert(k, v);
        }
        let missing: Vec<String> = obj
            .fields
            .iter()
            .filter(|f| !f.nillable && row.get(&f.name).is_none_or(Value::is_null))
            .map(|f| f.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(DbError::RequiredFieldMissing { fields: missing });
        }
        self.derive(&obj, &mut row, &now);
        self.check_unique(&obj, &row, &id)?;
        let storage = storage_name(&obj).to_string();
        self.insert_row(&storage, id.clone(), row.clone());
        if obj.name == "User" {
            // Salesforce gives every user its login settings.
            let mut login = Record::new();
            login.insert("UserId".into(), Value::String(id.clone()));
            self.insert(user_id, "UserLogin", login, Mode::System, None)?;
        }
        Ok((id, row))
    }

    pub(super) fn event(
        ctx: &WriteCtx,
        obj: &ObjectDef,
        change_type: ChangeType,
        ids: Vec<String>,
    ) -> ChangeEvent {
        ChangeEvent {
            replay_id: 0,
            entity_name: obj.name.clone(),
            change_type,
            record_ids: ids,
            change_origin: ctx.change_origin.clone(),
            transaction_key: uuid::Uuid::new_v4().to_string(),
            sequence_number: 1,
            commit_timestamp: Utc::now().timestamp_millis(),
            commit_number: 0,
            commit_user: ctx.user_id.clone(),
            changed_fields: Vec::new(),
            nulled_fields: Vec::new(),
            diff_fields: Vec::new(),
            values: serde_json::Map::new(),
        }
    }

    /// Creates a record and its CREATE event (all non-null fields as values).
    pub(crate) fn create(
        &mut self,
        ctx: &WriteCtx,
        object: &str,
        body: Record,
    ) -> Result<(String, ChangeEvent), DbError> {
        let (id, row) = self.insert(&ctx.user_id, object, body, Mode::Create, None)?;
        let obj = self.object_or_404(object)?;
        let mut e = Self::event(ctx, obj, ChangeType::Create, vec![id.clone()]);
        e.values = row.into_iter().filter(|(_, v)| !v.is_null()).collect();
        Ok((id, e))
    }
}
