//! Building a [`Store`] from a [`Seed`]: custom fields first, then users,
//! queues, accounts, contacts, cases with comments and articles, resolving
//! `key` references; every error names its path in the seed.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use super::{Seed, SeedError, SeedField, DEFAULT_ORG_ID};
use crate::db::write::Mode;
use crate::db::{format_datetime, DbError, Record, Store};
use crate::schema::{FieldDef, FieldType, Schema};

fn seed_err(path: String, e: DbError) -> SeedError {
    let fields = e.fields();
    let path = match fields.first() {
        Some(f) => format!("{path}.{f}"),
        None => path,
    };
    SeedError {
        path,
        message: format!("{}: {}", e.error_code(), e.message()),
    }
}

fn put(rec: &mut Record, k: &str, v: &Option<String>) {
    if let Some(v) = v {
        rec.insert(k.to_string(), Value::String(v.clone()));
    }
}

fn extra(rec: &mut Record, fields: &BTreeMap<String, Value>) {
    for (k, v) in fields {
        rec.insert(k.clone(), v.clone());
    }
}

fn custom_field(f: &SeedField) -> FieldDef {
    let t = f.field_type.unwrap_or(FieldType::String);
    let mut d = FieldDef::new(&f.name, f.label.as_deref().unwrap_or(&f.name), t);
    if let Some(l) = f.length {
        d.length = l;
    }
    d.external_id = f.external_id;
    d.unique = f.unique;
    d.nillable = !f.required;
    d.picklist_values = f.values.clone();
    d.reference_to = f.reference_to.clone();
    d.relationship_name = f.relationship_name.clone();
    d.default_value = f.default.clone();
    d
}

/// Builds the store a seed describes.
pub(crate) fn load(seed: &Seed) -> Result<Store, DbError> {
    load_inner(seed).map_err(|e| DbError::InvalidField {
        message: e.to_string(),
        fields: vec![e.path],
    })
}

pub(super) fn load_inner(seed: &Seed) -> Result<Store, SeedError> {
    let mut schema = Schema::standard();
    for (object, fields) in &seed.custom_fields {
        for (i, f) in fields.iter().enumerate() {
            schema
                .add_custom_field(object, custom_field(f))
                .map_err(|e| SeedError {
                    path: format!("custom_fields.{object}[{i}]"),
                    message: e.message(),
                })?;
        }
    }
    let org_id = seed.org_id.as_deref().unwrap_or(DEFAULT_ORG_ID);
    if crate::ids::normalize(org_id).is_none() || !org_id.starts_with("00D") {
        return Err(SeedError {
            path: "org_id".into(),
            message: format!("not a 15/18-character org id starting 00D: {org_id}"),
        });
    }
    let mut store = Store::new(schema, org_id);
    if let Some(n) = &seed.org_name {
        store.org_name = n.clone();
    }
    let mut keys: HashMap<String, String> = HashMap::new();
    let key_of = |keys: &HashMap<String, String>,
                  path: String,
                  k: &Option<String>|
     -> Result<Option<String>, SeedError> {
        match k {
            None => Ok(None),
            Some(k) => keys.get(k).cloned().map(Some).ok_or(SeedError {
                path,
                message: format!("no record with key '{k}' defined before this one"),
            }),
        }
    };
    let mut system_user = String::from("005000000000000AAA");
    let insert = |store: &mut Store,
                  keys: &mut HashMap<String, String>,
                  user: &str,
                  path: String,
                  object: &str,
                  rec: Record,
                  key: &Option<String>,
                  id: &Option<String>|
     -> Result<String, SeedError> {
        let (new_id, _) = store
            .insert(user, object, rec, Mode::System, id.as_deref())
            .map_err(|e| seed_err(path.clone(), e))?;
        if let Some(k) = key {
            if keys.insert(k.clone(), new_id.clone()).is_some() {
                return Err(SeedError {
                    path: format!("{path}.key"),
                    message: format!("duplicate key '{k}'"),
                });
            }
        }
        Ok(new_id)
    };
    for (i, u) in seed.users.iter().enumerate() {
        let mut rec = Map::new();
        rec.insert("Username".into(), json!(u.username));
        put(&mut rec, "FirstName", &u.first_name);
        rec.insert("LastName".into(), json!(u.last_name));
        rec.insert("Email".into(), json!(u.email));
        let alias = u
            .alias
            .clone()
            .or_else(|| Some(u.last_name.chars().take(8).collect()));
        put(&mut rec, "Alias", &alias);
        put(&mut rec, "Title", &u.title);
        rec.insert(
            "CompanyName".into(),
            json!(seed.org_name.clone().unwrap_or_default()),
        );
        extra(&mut rec, &u.fields);
        let id = insert(
            &mut store,
            &mut keys,
            &system_user.clone(),
            format!("users[{i}]"),
            "User",
            rec,
            &u.key,
            &u.id,
        )?;
        if i == 0 {
            system_user = id.clone();
            // The first user created itself.
            if let Some(row) = store.row_mut("User", &id) {
                row.insert("CreatedById".into(), json!(id));
                row.insert("LastModifiedById".into(), json!(id));
            }
        }
    }
    let user = system_user.clone();
    for (i, q) in seed.queues.iter().enumerate() {
        let mut rec = Map::new();
        rec.insert("Name".into(), json!(q.name));
        let dev = q
            .developer_name
            .clone()
            .unwrap_or_else(|| q.name.replace(' ', "_"));
        rec.insert("DeveloperName".into(), json!(dev));
        rec.insert("Type".into(), json!("Queue"));
        put(&mut rec, "Email", &q.email);
        insert(
            &mut store,
            &mut keys,
            &user,
            format!("queues[{i}]"),
            "Group",
            rec,
            &q.key,
            &q.id,
        )?;
    }
    for (i, a) in seed.accounts.iter().enumerate() {
        let mut rec = Map::new();
        rec.insert("Name".into(), json!(a.name));
        put(&mut rec, "Type", &a.account_type);
        put(&mut rec, "Industry", &a.industry);
        put(&mut rec, "Phone", &a.phone);
        put(&mut rec, "Website", &a.website);
        extra(&mut rec, &a.fields);
        insert(
            &mut store,
            &mut keys,
            &user,
            format!("accounts[{i}]"),
            "Account",
            rec,
            &a.key,
            &a.id,
        )?;
    }
    for (i, c) in seed.contacts.iter().enumerate() {
        let path = format!("contacts[{i}]");
        let mut rec = Map::new();
        put(&mut rec, "FirstName", &c.first_name);
        rec.insert("LastName".into(), json!(c.last_name));
        put(&mut rec, "Email", &c.email);
        put(&mut rec, "Phone", &c.phone);
        put(&mut rec, "Title", &c.title);
        put(
            &mut rec,
            "AccountId",
            &key_of(&keys, format!("{path}.account"), &c.account)?,
        );
        extra(&mut rec, &c.fields);
        insert(
            &mut store, &mut keys, &user, path, "Contact", rec, &c.key, &c.id,
        )?;
    }
    for (i, c) in seed.cases.iter().enumerate() {
        let path = format!("cases[{i}]");
        let mut rec = Map::new();
        rec.insert("Subject".into(), json!(c.subject));
        put(&mut rec, "Description", &c.description);
        put(&mut rec, "Status", &c.status);
        put(&mut rec, "Priority", &c.priority);
        put(&mut rec, "Origin", &c.origin);
        put(&mut rec, "Type", &c.case_type);
        put(&mut rec, "Reason", &c.reason);
        put(&mut rec, "SuppliedEmail", &c.supplied_email);
        put(&mut rec, "SuppliedName", &c.supplied_name);
        let contact = key_of(&keys, format!("{path}.contact"), &c.contact)?;
        let mut account = key_of(&keys, format!("{path}.account"), &c.account)?;
        if account.is_none() {
            account = contact
                .as_deref()
                .and_then(|id| store.find(id))
                .and_then(|(_, r)| {
                    r.get("AccountId")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
        }
        put(&mut rec, "ContactId", &contact);
        put(&mut rec, "AccountId", &account);
        put(
            &mut rec,
            "OwnerId",
            &key_of(&keys, format!("{path}.owner"), &c.owner)?,
        );
        put(
            &mut rec,
            "ParentId",
            &key_of(&keys, format!("{path}.parent"), &c.parent)?,
        );
        if let Some(t) = &c.created {
            rec.insert("CreatedDate".into(), json!(t));
            rec.insert("LastModifiedDate".into(), json!(t));
            rec.insert("SystemModstamp".into(), json!(t));
        }
        extra(&mut rec, &c.fields);
        let case_id = insert(
            &mut store,
            &mut keys,
            &user,
            path.clone(),
            "Case",
            rec,
            &c.key,
            &c.id,
        )?;
        for (j, cm) in c.comments.iter().enumerate() {
            let mut rec = Map::new();
            rec.insert("ParentId".into(), json!(case_id));
            rec.insert("CommentBody".into(), json!(cm.body));
            rec.insert("IsPublished".into(), json!(cm.published));
            insert(
                &mut store,
                &mut keys,
                &user,
                format!("{path}.comments[{j}]"),
                "CaseComment",
                rec,
                &None,
                &None,
            )?;
        }
    }
    let now = format_datetime(chrono::Utc::now());
    for (i, a) in seed.knowledge.iter().enumerate() {
        let mut rec = Map::new();
        rec.insert("Title".into(), json!(a.title));
        rec.insert("UrlName".into(), json!(a.url_name));
        put(&mut rec, "Summary", &a.summary);
        put(&mut rec, "Body__c", &a.body);
        rec.insert(
            "Language".into(),
            json!(a.language.clone().unwrap_or_else(|| "en_US".into())),
        );
        let status = a.status.clone().unwrap_or_else(|| "Online".into());
        rec.insert("PublishStatus".into(), json!(status));
        let published = a
            .published
            .clone()
            .or_else(|| (status == "Online").then(|| now.clone()));
        put(&mut rec, "LastPublishedDate", &published);
        rec.insert("IsVisibleInPkb".into(), json!(true));
        insert(
            &mut store,
            &mut keys,
            &user,
            format!("knowledge[{i}]"),
            "Knowledge__kav",
            rec,
            &a.key,
            &None,
        )?;
    }
    Ok(store)
}
