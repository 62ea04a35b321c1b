//! The objects the simulated org knows — their fields, types, relationships and
//! key prefixes — and the describe metadata REST serves for them
//! (`GET sobjects/` and `GET sobjects/{Type}/describe`). The standard objects
//! are defined in [`standard`]; seeds add custom fields.

mod standard;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::db::DbError;

/// Most custom fields an object may have (a Salesforce edition limit).
pub const MAX_CUSTOM_FIELDS: usize = 500;

/// A field's data type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Id,
    String,
    TextArea,
    LongTextArea,
    Picklist,
    Boolean,
    Date,
    DateTime,
    Double,
    Int,
    Currency,
    Reference,
    Email,
    Phone,
    Url,
    AutoNumber,
}

impl FieldType {
    /// The `type` describe reports.
    pub fn describe_name(&self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::String | FieldType::AutoNumber => "string",
            FieldType::TextArea | FieldType::LongTextArea => "textarea",
            FieldType::Picklist => "picklist",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Double => "double",
            FieldType::Int => "int",
            FieldType::Currency => "currency",
            FieldType::Reference => "reference",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
        }
    }

    /// The `soapType` describe reports.
    pub fn soap_type(&self) -> &'static str {
        match self {
            FieldType::Id | FieldType::Reference => "tns:ID",
            FieldType::Boolean => "xsd:boolean",
            FieldType::Date => "xsd:date",
            FieldType::DateTime => "xsd:dateTime",
            FieldType::Double | FieldType::Currency => "xsd:double",
            FieldType::Int => "xsd:int",
            _ => "xsd:string",
        }
    }

    /// Whether values of this type are text (compared case-insensitively,
    /// searchable by SOSL, bounded by `length`).
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::TextArea
                | FieldType::LongTextArea
                | FieldType::Picklist
                | FieldType::Email
                | FieldType::Phone
                | FieldType::Url
                | FieldType::AutoNumber
        )
    }

    /// Whether values of this type are numbers.
    pub fn is_number(&self) -> bool {
        matches!(
            self,
            FieldType::Double | FieldType::Int | FieldType::Currency
        )
    }
}

/// One field of an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    pub label: String,
    pub field_type: FieldType,
    /// Maximum length in characters for text fields (0 otherwise).
    pub length: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    pub external_id: bool,
    pub unique: bool,
    pub custom: bool,
    /// Objects a reference field may point to (two or more: polymorphic).
    pub reference_to: Vec<String>,
    /// The relationship name of a reference field (`Contact` for `ContactId`).
    pub relationship_name: Option<String>,
    /// Allowed values of a (restricted) picklist.
    pub picklist_values: Vec<String>,
    pub default_value: Option<Value>,
}

impl FieldDef {
    /// A field of this type with sensible defaults: nillable, createable and
    /// updateable, not unique, standard.
    pub fn new(name: &str, label: &str, field_type: FieldType) -> Self {
        let length = match field_type {
            FieldType::Id | FieldType::Reference => 18,
            FieldType::String | FieldType::Email | FieldType::Url | FieldType::Picklist => 255,
            FieldType::Phone => 40,
            FieldType::TextArea => 255,
            FieldType::LongTextArea => 32_000,
            FieldType::AutoNumber => 30,
            _ => 0,
        };
        FieldDef {
            name: name.to_string(),
            label: label.to_string(),
            field_type,
            length,
            nillable: true,
            createable: true,
            updateable: true,
            external_id: false,
            unique: false,
            custom: name.ends_with("__c"),
            reference_to: Vec::new(),
            relationship_name: None,
            picklist_values: Vec::new(),
            default_value: None,
        }
    }

    /// Whether a create must give this field a value.
    pub fn required(&self) -> bool {
        !self.nillable && self.createable && self.default_value.is_none()
    }

    /// One entry of describe's `fields` array.
    pub fn describe_json(&self) -> Value {
        let picklist: Vec<Value> = self
            .picklist_values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                json!({"active": true, "defaultValue": i == 0 && self.default_value.is_some(),
                       "label": v, "validFor": null, "value": v})
            })
            .collect();
        let is_bool = self.field_type == FieldType::Boolean;
        json!({
            "name": self.name,
            "label": self.label,
            "type": self.field_type.describe_name(),
            "soapType": self.field_type.soap_type(),
            "length": if self.field_type.is_text() { self.length } else { 0 },
            "byteLength": if self.field_type.is_text() { self.length * 3 } else { 18 },
            "precision": if self.field_type.is_number() { 18 } else { 0 },
            "scale": if self.field_type == FieldType::Int { 0 } else if self.field_type.is_number() { 2 } else { 0 },
            "digits": if self.field_type == FieldType::Int { 9 } else { 0 },
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "externalId": self.external_id,
            "unique": self.unique,
            "custom": self.custom,
            "idLookup": self.field_type == FieldType::Id || self.external_id,
            "autoNumber": self.field_type == FieldType::AutoNumber,
            "calculated": false,
            "caseSensitive": false,
            "defaultedOnCreate": self.default_value.is_some() || (is_bool && !self.nillable),
            "defaultValue": self.default_value.clone().unwrap_or(Value::Null),
            "filterable": self.field_type != FieldType::LongTextArea,
            "groupable": !matches!(self.field_type, FieldType::LongTextArea | FieldType::TextArea | FieldType::Double | FieldType::Currency),
            "sortable": self.field_type != FieldType::LongTextArea,
            "nameField": self.name == "Name" || self.name == "CaseNumber" || self.name == "Title",
            "namePointing": self.reference_to.len() > 1,
            "polymorphicForeignKey": self.reference_to.len() > 1,
            "referenceTo": self.reference_to,
            "relationshipName": self.relationship_name,
            "restrictedPicklist": self.field_type == FieldType::Picklist,
            "picklistValues": picklist,
            "htmlFormatted": false,
            "inlineHelpText": null,
            "permissionable": self.nillable && self.custom,
            "deprecatedAndHidden": false,
        })
    }
}

/// A parent-to-child relationship (`Account.Contacts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildRelationship {
    pub relationship_name: String,
    pub child_object: String,
    /// The reference field on the child (`AccountId`).
    pub field: String,
}

/// One object (sObject type).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectDef {
    pub name: String,
    pub label: String,
    pub label_plural: String,
    pub key_prefix: String,
    pub custom: bool,
    pub fields: Vec<FieldDef>,
    pub child_relationships: Vec<ChildRelationship>,
}

impl ObjectDef {
    /// The field with this name, case-insensitively.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The reference field whose relationship name is `name`
    /// (case-insensitive): `Contact` → `ContactId`.
    pub fn relationship(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| {
            f.relationship_name
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(name))
        })
    }

    /// The child relationship with this name, case-insensitively.
    pub fn child_relationship(&self, name: &str) -> Option<&ChildRelationship> {
        self.child_relationships
            .iter()
            .find(|c| c.relationship_name.eq_ignore_ascii_case(name))
    }

    fn urls(&self, api_version: &str) -> Value {
        let base = format!("/services/data/v{}/sobjects/{}", api_version, self.name);
        json!({
            "sobject": base,
            "describe": format!("{base}/describe"),
            "rowTemplate": format!("{base}/{{ID}}"),
        })
    }

    /// The body of `GET sobjects/{Type}/describe`.
    pub fn describe_json(&self, api_version: &str) -> Value {
        let mut v = self.describe_global_entry(api_version);
        let fields: Vec<Value> = self.fields.iter().map(FieldDef::describe_json).collect();
        let children: Vec<Value> = self
            .child_relationships
            .iter()
            .map(|c| {
                json!({"cascadeDelete": false, "childSObject": c.child_object, "deprecatedAndHidden": false,
                       "field": c.field, "relationshipName": c.relationship_name, "restrictedDelete": false})
            })
            .collect();
        if let Value::Object(map) = &mut v {
            map.insert("fields".into(), Value::Array(fields));
            map.insert("childRelationships".into(), Value::Array(children));
            map.insert("recordTypeInfos".into(), json!([]));
            map.insert("supportedScopes".into(), json!([]));
            map.insert("namedLayoutInfos".into(), json!([]));
            map.insert("actionOverrides".into(), json!([]));
            map.insert("networkScopeFieldName".into(), Value::Null);
            map.insert("listviewable".into(), Value::Null);
            map.insert("lookupLayoutable".into(), Value::Null);
            map.insert("sobjectDescribeOption".into(), json!("FULL"));
        }
        v
    }

    /// One entry of `GET sobjects/`'s `sobjects` array.
    pub fn describe_global_entry(&self, api_version: &str) -> Value {
        let read_only = matches!(self.name.as_str(), "KnowledgeArticleVersion");
        json!({
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label_plural,
            "keyPrefix": self.key_prefix,
            "custom": self.custom,
            "customSetting": false,
            "activateable": false,
            "createable": !read_only,
            "updateable": !read_only,
            "deletable": !read_only,
            "undeletable": !read_only,
            "queryable": true,
            "retrieveable": true,
            "searchable": true,
            "layoutable": true,
            "mergeable": false,
            "replicateable": true,
            "triggerable": !read_only,
            "feedEnabled": false,
            "mruEnabled": true,
            "hasSubtypes": false,
            "isSubtype": false,
            "isInterface": false,
            "deprecatedAndHidden": false,
            "associateEntityType": null,
            "associateParentEntity": null,
            "dataTranslationEnabled": null,
            "deepCloneable": false,
            "defaultImplementation": null,
            "extendedBy": null,
            "extendsInterfaces": null,
            "implementedBy": null,
            "implementsInterfaces": null,
            "urls": self.urls(api_version),
        })
    }
}

/// The org's objects. Cheap enough to clone (a few dozen fields each).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    objects: Vec<ObjectDef>,
}

impl Schema {
    /// The standard objects the simulator models: Account, Contact, Case,
    /// CaseComment, User, Group, KnowledgeArticleVersion and Knowledge__kav.
    pub fn standard() -> Self {
        Schema {
            objects: standard::objects(),
        }
    }

    /// A schema of exactly these objects (for tests and custom orgs).
    pub fn from_objects(objects: Vec<ObjectDef>) -> Self {
        Schema { objects }
    }

    /// The object with this name, case-insensitively.
    pub fn object(&self, name: &str) -> Option<&ObjectDef> {
        self.objects
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
    }

    /// The object whose key prefix starts this id.
    pub fn object_for_id(&self, id: &str) -> Option<&ObjectDef> {
        let prefix = crate::ids::key_prefix(id)?;
        self.objects.iter().find(|o| o.key_prefix == prefix)
    }

    /// Every object, in definition order.
    pub fn objects(&self) -> impl Iterator<Item = &ObjectDef> {
        self.objects.iter()
    }

    /// Adds a custom field (its name must end in `__c` and be new on the
    /// object). A reference field also adds the child relationship to its
    /// parent when it names one.
    pub fn add_custom_field(&mut self, object: &str, mut field: FieldDef) -> Result<(), DbError> {
        let valid_name = field.name.ends_with("__c")
            && field.name.len() <= 43
            && field
                .name
                .trim_end_matches("__c")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && field
                .name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic());
        if !valid_name {
            return Err(DbError::InvalidField {
                message: format!(
                    "Invalid custom field name '{}': it must start with a letter, use letters, digits and underscores, end in __c and be at most 40 characters before the suffix",
                    field.name
                ),
                fields: vec![field.name.clone()],
            });
        }
        let obj = self
            .objects
            .iter_mut()
            .find(|o| o.name.eq_ignore_ascii_case(object))
            .ok_or_else(|| DbError::InvalidType {
                object: object.to_string(),
            })?;
        if obj.field(&field.name).is_some() {
            return Err(DbError::DuplicateValue {
                message: format!(
                    "duplicate value found: field {} already exists on {}",
                    field.name, obj.name
                ),
                fields: vec![field.name.clone()],
            });
        }
        if obj.fields.iter().filter(|f| f.custom).count() >= MAX_CUSTOM_FIELDS {
            return Err(DbError::LimitExceeded {
                message: format!("{} already has {MAX_CUSTOM_FIELDS} custom fields", obj.name),
            });
        }
        field.custom = true;
        let child_name = obj.name.clone();
        let parent_links: Vec<(String, String)> = if field.field_type == FieldType::Reference {
            field
                .relationship_name
                .iter()
                .flat_map(|rel| {
                    field
                        .reference_to
                        .iter()
                        .map(move |p| (p.clone(), format!("{}s", rel.trim_end_matches("__r"))))
                })
                .collect()
        } else {
            Vec::new()
        };
        let field_name = field.name.clone();
        obj.fields.push(field);
        for (parent, rel) in parent_links {
            if let Some(p) = self
                .objects
                .iter_mut()
                .find(|o| o.name.eq_ignore_ascii_case(&parent))
            {
                p.child_relationships.push(ChildRelationship {
                    relationship_name: format!("{rel}__r"),
                    child_object: child_name.clone(),
                    field: field_name.clone(),
                });
            }
        }
        Ok(())
    }
}
