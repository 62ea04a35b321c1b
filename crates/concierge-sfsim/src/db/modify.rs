//! Changes to existing records: update, soft delete (with a case's comments),
//! undelete and upsert by external id, each producing its change event.

use chrono::Utc;
use serde_json::Value;

use super::coerce::format_datetime;
use super::store::storage_name;
use super::write::{is_deleted, Mode};
use super::{DbError, Record, Store, Upserted, WriteCtx};
use crate::events::{ChangeEvent, ChangeType};
use crate::ids;
use crate::schema::ObjectDef;

impl Store {
    /// Looks a live record up for a write: MALFORMED_ID, NOT_FOUND or
    /// ENTITY_IS_DELETED.
    fn live_id(&self, obj: &ObjectDef, id: &str) -> Result<String, DbError> {
        let canonical = ids::normalize(id).ok_or_else(|| DbError::MalformedId {
            message: format!("{} ID: id value of incorrect type: {id}", obj.name),
            fields: vec!["Id".into()],
        })?;
        let row = self.row(obj, &canonical).ok_or_else(DbError::not_found)?;
        if is_deleted(row) {
            return Err(DbError::EntityIsDeleted);
        }
        Ok(canonical)
    }

    /// Updates a record; the UPDATE event lists the fields that changed (plus
    /// LastModifiedDate), the nulled ones, and their new values.
    pub(crate) fn update(
        &mut self,
        ctx: &WriteCtx,
        object: &str,
        id: &str,
        body: Record,
    ) -> Result<ChangeEvent, DbError> {
        let obj = self.object_or_404(object)?.clone();
        let id = self.live_id(&obj, id)?;
        let values = self.validate_body(&obj, body, Mode::Update)?;
        let before = self.row(&obj, &id).cloned().unwrap_or_default();
        let mut row = before.clone();
        let now = format_datetime(Utc::now());
        for (k, v) in values {
            row.insert(k, v);
        }
        row.insert("LastModifiedDate".into(), Value::String(now.clone()));
        row.insert("SystemModstamp".into(), Value::String(now.clone()));
        row.insert(
            "LastModifiedById".into(),
            Value::String(ctx.user_id.clone()),
        );
        self.derive(&obj, &mut row, &now);
        self.check_unique(&obj, &row, &id)?;
        let mut e = Self::event(ctx, &obj, ChangeType::Update, vec![id.clone()]);
        for f in &obj.fields {
            if f.name == "SystemModstamp" || f.name == "LastModifiedById" {
                continue;
            }
            let old = before.get(&f.name).unwrap_or(&Value::Null);
            let new = row.get(&f.name).unwrap_or(&Value::Null);
            if old != new {
                e.changed_fields.push(f.name.clone());
                if new.is_null() {
                    e.nulled_fields.push(f.name.clone());
                }
                e.values.insert(f.name.clone(), new.clone());
            }
        }
        // Every update touches LastModifiedDate, even within the same millisecond.
        if !e.changed_fields.iter().any(|f| f == "LastModifiedDate") {
            e.changed_fields.push("LastModifiedDate".into());
            e.values
                .insert("LastModifiedDate".into(), Value::String(now.clone()));
        }
        self.insert_row(storage_name(&obj), id, row);
        Ok(e)
    }

    /// Soft-deletes a record (and a Case's comments); one DELETE event per record.
    pub(crate) fn delete(
        &mut self,
        ctx: &WriteCtx,
        object: &str,
        id: &str,
    ) -> Result<Vec<ChangeEvent>, DbError> {
        let obj = self.object_or_404(object)?.clone();
        let id = self.live_id(&obj, id)?;
        let mut events = vec![Self::event(ctx, &obj, ChangeType::Delete, vec![id.clone()])];
        let mut doomed = vec![(storage_name(&obj).to_string(), id.clone())];
        if obj.name == "Case" {
            if let Some(cc) = self.schema.object("CaseComment").cloned() {
                let parent = Value::String(id.clone());
                let children: Vec<String> = self
                    .lookup(storage_name(&cc), "ParentId", &parent)
                    .into_iter()
                    .filter(|c| {
                        self.row(&cc, c)
                            .is_some_and(|r| r.get("ParentId") == Some(&parent))
                    })
                    .collect();
                if !children.is_empty() {
                    // One write call, one transaction: same key, next sequence number.
                    let mut e = Self::event(ctx, &cc, ChangeType::Delete, children.clone());
                    e.transaction_key = events[0].transaction_key.clone();
                    e.sequence_number = 2;
                    events.push(e);
                }
                doomed.extend(children.into_iter().map(|c| ("CaseComment".to_string(), c)));
            }
        }
        let now = Value::String(format_datetime(Utc::now()));
        for (table, rid) in doomed {
            if let Some(mut row) = self.row_mut(&table, &rid).map(|r| r.clone()) {
                row.insert("IsDeleted".into(), Value::Bool(true));
                row.insert("LastModifiedDate".into(), now.clone());
                row.insert("SystemModstamp".into(), now.clone());
                row.insert(
                    "LastModifiedById".into(),
                    Value::String(ctx.user_id.clone()),
                );
                self.insert_row(&table, rid, row);
            }
        }
        Ok(events)
    }

    /// Restores a soft-deleted record.
    pub(crate) fn undelete(
        &mut self,
        ctx: &WriteCtx,
        object: &str,
        id: &str,
    ) -> Result<ChangeEvent, DbError> {
        let obj = self.object_or_404(object)?.clone();
        let canonical = ids::normalize(id).ok_or_else(|| DbError::MalformedId {
            message: format!("{} ID: id value of incorrect type: {id}", obj.name),
            fields: vec!["Id".into()],
        })?;
        let row = self
            .row(&obj, &canonical)
            .cloned()
            .ok_or_else(DbError::not_found)?;
        if !is_deleted(&row) {
            return Err(DbError::InvalidField {
                message: "UNDELETE_FAILED: the record is not in the recycle bin".into(),
                fields: Vec::new(),
            });
        }
        let mut restored = row;
        restored.insert("IsDeleted".into(), Value::Bool(false));
        self.check_unique(&obj, &restored, &canonical)?;
        let e = Self::event(ctx, &obj, ChangeType::Undelete, vec![canonical.clone()]);
        self.insert_row(storage_name(&obj), canonical, restored);
        Ok(e)
    }

    /// Upsert by external id (or `Id`).
    pub(crate) fn upsert(
        &mut self,
        ctx: &WriteCtx,
        object: &str,
        ext_field: &str,
        value: &str,
        mut body: Record,
        update_only: bool,
    ) -> Result<(Upserted, ChangeEvent), DbError> {
        let obj = self.object_or_404(object)?.clone();
        let field = obj
            .field(ext_field)
            .filter(|f| f.external_id || f.name == "Id")
            .ok_or_else(|| DbError::NotFound {
                message: format!(
                    "Provided external ID field does not exist or is not accessible: {ext_field}"
                ),
            })?
            .clone();
        let matches: Vec<String> = if field.name == "Id" {
            ids::normalize(value)
                .filter(|id| self.row(&obj, id).is_some_and(|r| !is_deleted(r)))
                .into_iter()
                .collect()
        } else {
            let probe = Value::String(value.to_string());
            self.lookup(storage_name(&obj), &field.name, &probe)
        };
        // The body may repeat the external id; the URL's value wins.
        let dup_key = body
            .keys()
            .find(|k| k.eq_ignore_ascii_case(&field.name))
            .cloned();
        if let Some(k) = dup_key {
            body.remove(&k);
        }
        match matches.as_slice() {
            [] if update_only || field.name == "Id" => Err(DbError::not_found()),
            [] => {
                body.insert(field.name.clone(), Value::String(value.to_string()));
                let (id, e) = self.create(ctx, &obj.name, body)?;
                Ok((Upserted::Created(id), e))
            }
            [one] => {
                let e = self.update(ctx, &obj.name, one, body)?;
                Ok((Upserted::Updated(one.clone()), e))
            }
            _ => Err(DbError::MultipleMatches(matches)),
        }
    }
}
