//! [`Store`]: the tables behind [`super::Db`]'s lock, record lookup by id, and
//! the REST shape of a stored record.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Value};

use super::{DbError, Record};
use crate::ids;
use crate::schema::{ObjectDef, Schema};

/// The org's data: schema, tables (storage name → id → stored record) and
/// autonumber counters.
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) schema: Schema,
    pub(crate) org_id: String,
    pub(crate) org_name: String,
    tables: HashMap<String, BTreeMap<String, Record>>,
    pub(crate) autonumbers: HashMap<String, u64>,
    records: usize,
    /// Live rows by (storage name, field) and lower-cased value: built on
    /// first use for unique and external-id fields, then kept up to date by
    /// every row change, so uniqueness checks and upserts do not scan.
    indexes: HashMap<(String, String), HashMap<String, BTreeSet<String>>>,
}

/// The index key of a stored value (text compared case-insensitively).
fn index_key(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn live(row: &Record) -> bool {
    row.get("IsDeleted") != Some(&Value::Bool(true))
}

/// The table an object's records live in: article types (`Knowledge__kav`)
/// share KnowledgeArticleVersion's.
pub(crate) fn storage_name(obj: &ObjectDef) -> &str {
    if obj.name.ends_with("__kav") {
        "KnowledgeArticleVersion"
    } else {
        &obj.name
    }
}

/// `/services/data/v59.0/sobjects/Case/500…`.
pub(crate) fn record_url(api_version: &str, object: &str, id: &str) -> String {
    format!(
        "/services/data/v{}/sobjects/{object}/{id}",
        api_version.trim_start_matches('v')
    )
}

/// `{"type": …, "url": …}`.
pub(crate) fn attributes(api_version: &str, object: &str, id: &str) -> Value {
    json!({"type": object, "url": record_url(api_version, object, id)})
}

impl Store {
    pub(crate) fn new(schema: Schema, org_id: &str) -> Self {
        Store {
            schema,
            // An 18-character org id is kept as given (examples in docs often carry
            // a made-up suffix); a 15-character one gets its checksum.
            org_id: if org_id.len() == 15 {
                ids::to18(org_id).unwrap_or_else(|| org_id.to_string())
            } else {
                org_id.to_string()
            },
            org_name: "Simulated Org".to_string(),
            tables: HashMap::new(),
            autonumbers: HashMap::new(),
            records: 0,
            indexes: HashMap::new(),
        }
    }

    /// Records stored, deleted ones included.
    pub(crate) fn len(&self) -> usize {
        self.records
    }

    /// The object definition, or NOT_FOUND (the REST answer for an unknown type).
    pub(crate) fn object_or_404(&self, name: &str) -> Result<&ObjectDef, DbError> {
        self.schema.object(name).ok_or_else(DbError::not_found)
    }

    /// All stored rows of an object (deleted included), in creation order.
    pub(crate) fn rows<'a>(&'a self, obj: &ObjectDef) -> impl Iterator<Item = &'a Record> + 'a {
        self.tables
            .get(storage_name(obj))
            .into_iter()
            .flat_map(|t| t.values())
    }

    /// The stored row with this (canonical, 18-character) id of this object.
    pub(crate) fn row(&self, obj: &ObjectDef, id: &str) -> Option<&Record> {
        self.tables.get(storage_name(obj))?.get(id)
    }

    /// A row to change in place: only for fields no index covers.
    pub(crate) fn row_mut(&mut self, obj_storage: &str, id: &str) -> Option<&mut Record> {
        self.tables.get_mut(obj_storage)?.get_mut(id)
    }

    /// Inserts or replaces a row, keeping the indexes up to date.
    pub(crate) fn insert_row(&mut self, obj_storage: &str, id: String, row: Record) {
        self.reindex(obj_storage, &id, Some(&row));
        if self
            .tables
            .entry(obj_storage.to_string())
            .or_default()
            .insert(id, row)
            .is_none()
        {
            self.records += 1;
        }
    }

    /// Moves `id` in every index of `storage` from its current row's values to
    /// `new`'s (`None`, or a deleted row: out of the indexes).
    fn reindex(&mut self, storage: &str, id: &str, new: Option<&Record>) {
        let old = self
            .tables
            .get(storage)
            .and_then(|t| t.get(id))
            .filter(|r| live(r));
        let new = new.filter(|r| live(r));
        for ((s, field), idx) in self.indexes.iter_mut() {
            if s != storage {
                continue;
            }
            if let Some(k) = old.and_then(|r| r.get(field)).and_then(index_key) {
                if let Some(set) = idx.get_mut(&k) {
                    set.remove(id);
                    if set.is_empty() {
                        idx.remove(&k);
                    }
                }
            }
            if let Some(k) = new.and_then(|r| r.get(field)).and_then(index_key) {
                idx.entry(k).or_default().insert(id.to_string());
            }
        }
    }

    /// The ids of live rows of `storage` whose `field` equals `value`
    /// (case-insensitively), in id (creation) order.
    pub(crate) fn lookup(&mut self, storage: &str, field: &str, value: &Value) -> Vec<String> {
        let key = (storage.to_string(), field.to_string());
        if !self.indexes.contains_key(&key) {
            let mut idx: HashMap<String, BTreeSet<String>> = HashMap::new();
            for (id, row) in self.tables.get(storage).into_iter().flatten() {
                if let Some(k) = row.get(field).filter(|_| live(row)).and_then(index_key) {
                    idx.entry(k).or_default().insert(id.clone());
                }
            }
            self.indexes.insert(key.clone(), idx);
        }
        let Some(k) = index_key(value) else {
            return Vec::new();
        };
        self.indexes
            .get(&key)
            .and_then(|idx| idx.get(&k))
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Removes a row for good.
    pub(crate) fn purge(&mut self, object: &str, id: &str) -> Result<(), DbError> {
        let obj = self.object_or_404(object)?;
        let table = storage_name(obj).to_string();
        let id = ids::normalize(id).ok_or_else(DbError::not_found)?;
        self.reindex(&table, &id, None);
        match self.tables.get_mut(&table).and_then(|t| t.remove(&id)) {
            Some(_) => {
                self.records -= 1;
                Ok(())
            }
            None => Err(DbError::not_found()),
        }
    }

    /// The stored row with this id, whatever its object (by key prefix), and
    /// the object it belongs to.
    pub(crate) fn find(&self, id: &str) -> Option<(&ObjectDef, &Record)> {
        let id = ids::normalize(id)?;
        let obj = self.schema.object_for_id(&id)?;
        Some((obj, self.row(obj, &id)?))
    }

    /// The REST shape of a stored row: `attributes`, then every field of
    /// `obj` (or just `fields`, canonical names) with null for unset ones.
    pub(crate) fn shape(
        &self,
        obj: &ObjectDef,
        row: &Record,
        fields: Option<&[String]>,
        api_version: &str,
    ) -> Record {
        let id = row.get("Id").and_then(Value::as_str).unwrap_or_default();
        let mut out = Record::new();
        out.insert("attributes".into(), attributes(api_version, &obj.name, id));
        match fields {
            Some(names) => {
                for n in names {
                    out.insert(n.clone(), row.get(n).cloned().unwrap_or(Value::Null));
                }
            }
            None => {
                for f in &obj.fields {
                    out.insert(
                        f.name.clone(),
                        row.get(&f.name).cloned().unwrap_or(Value::Null),
                    );
                }
            }
        }
        out
    }

    /// `GET sobjects/{Type}/{id}`.
    pub(crate) fn get(
        &self,
        object: &str,
        id: &str,
        fields: Option<&[String]>,
        api_version: &str,
    ) -> Result<Record, DbError> {
        let obj = self.object_or_404(object)?;
        let canonical = ids::normalize(id).ok_or_else(|| DbError::MalformedId {
            message: format!("{} ID: id value of incorrect type: {id}", obj.name),
            fields: vec!["Id".to_string()],
        })?;
        let row = self.row(obj, &canonical).ok_or_else(DbError::not_found)?;
        if !live(row) {
            return Err(DbError::EntityIsDeleted);
        }
        let names = match fields {
            None => None,
            Some(list) => {
                let mut names = Vec::with_capacity(list.len());
                for n in list {
                    let f = obj.field(n.trim()).ok_or_else(|| DbError::InvalidField {
                        message: format!(
                            "No such column '{}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
                            n.trim(),
                            obj.name
                        ),
                        fields: vec![n.trim().to_string()],
                    })?;
                    names.push(f.name.clone());
                }
                Some(names)
            }
        };
        Ok(self.shape(obj, row, names.as_deref(), api_version))
    }

    pub(crate) fn user_by_username(&self, username: &str) -> Option<Record> {
        let obj = self.schema.object("User")?;
        let row = self.rows(obj).find(|r| {
            r.get("IsDeleted") != Some(&Value::Bool(true))
                && r.get("Username")
                    .and_then(Value::as_str)
                    .is_some_and(|u| u.eq_ignore_ascii_case(username))
        })?;
        Some(self.shape(obj, row, None, "59.0"))
    }
}
