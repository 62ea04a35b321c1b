//! The seed file that fills a new org (YAML or JSON): custom fields, users,
//! queues, accounts, contacts, cases with comments, and knowledge articles.
//! Records refer to each other by `key`. [`Seed::demo`] is the compiled-in demo
//! org (`seed/demo.yaml`). Errors name the offending field by path
//! (`cases[2].priority: …`).

mod load;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

pub(crate) use load::load;
use load::load_inner;

use crate::schema::FieldType;

const DEMO_YAML: &str = include_str!("../seed/demo.yaml");
/// Largest seed text accepted (bytes).
pub const MAX_SEED_BYTES: usize = 16 * 1024 * 1024;
/// The org id used when the seed gives none.
pub const DEFAULT_ORG_ID: &str = "00D5g000004ABCDEAA";

/// A seed that could not be read or loaded; `path` names the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("seed error at {path}: {message}")]
pub struct SeedError {
    pub path: String,
    pub message: String,
}

/// A custom field to add to an object.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedField {
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(rename = "type")]
    pub field_type: Option<FieldType>,
    #[serde(default)]
    pub length: Option<u32>,
    #[serde(default)]
    pub external_id: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub required: bool,
    /// Picklist values.
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub reference_to: Vec<String>,
    #[serde(default)]
    pub relationship_name: Option<String>,
    #[serde(default)]
    pub default: Option<Value>,
}

/// A user.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    pub username: String,
    #[serde(default)]
    pub first_name: Option<String>,
    pub last_name: String,
    pub email: String,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
}

/// A queue (a Group with Type = 'Queue').
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedQueue {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub developer_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// An account.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedAccount {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, rename = "type")]
    pub account_type: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
}

/// A contact; `account` is an account key.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedContact {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    pub last_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
}

/// A comment on a seeded case.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedComment {
    pub body: String,
    #[serde(default)]
    pub published: bool,
}

/// A case; `contact`, `account`, `owner` (user or queue) and `parent` are keys.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCase {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    pub subject: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub origin: Option<String>,
    #[serde(default, rename = "type")]
    pub case_type: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub supplied_email: Option<String>,
    #[serde(default)]
    pub supplied_name: Option<String>,
    /// CreatedDate (ISO 8601); now when absent.
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub comments: Vec<SeedComment>,
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
}

/// A knowledge article version (`Knowledge__kav`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedArticle {
    #[serde(default)]
    pub key: Option<String>,
    pub title: String,
    pub url_name: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// Online (default), Draft or Archived.
    #[serde(default)]
    pub status: Option<String>,
    /// LastPublishedDate (ISO 8601); now for online articles when absent.
    #[serde(default)]
    pub published: Option<String>,
}

/// A whole seed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub org_name: Option<String>,
    #[serde(default)]
    pub custom_fields: BTreeMap<String, Vec<SeedField>>,
    #[serde(default)]
    pub users: Vec<SeedUser>,
    #[serde(default)]
    pub queues: Vec<SeedQueue>,
    #[serde(default)]
    pub accounts: Vec<SeedAccount>,
    #[serde(default)]
    pub contacts: Vec<SeedContact>,
    #[serde(default)]
    pub cases: Vec<SeedCase>,
    #[serde(default)]
    pub knowledge: Vec<SeedArticle>,
}

impl Seed {
    /// Reads a seed from YAML (JSON is YAML too) and checks that it loads.
    pub fn from_yaml(text: &str) -> Result<Self, SeedError> {
        if text.len() > MAX_SEED_BYTES {
            return Err(SeedError {
                path: "(file)".into(),
                message: format!("larger than {MAX_SEED_BYTES} bytes"),
            });
        }
        let de = serde_norway::Deserializer::from_str(text);
        let seed: Seed = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            SeedError {
                path: if path == "." { "(root)".into() } else { path },
                message: e.into_inner().to_string(),
            }
        })?;
        load_inner(&seed)?;
        Ok(seed)
    }

    /// The compiled-in demo org, "Acme Support (simulated)".
    pub fn demo() -> Self {
        match Self::from_yaml(DEMO_YAML) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "the compiled-in demo seed does not load");
                Seed::default()
            }
        }
    }
}
