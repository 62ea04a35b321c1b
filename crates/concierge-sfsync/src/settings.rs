//! A tenant's Salesforce connection, as stored under `settings.salesforce`
//! of its organization: org login URL, the OAuth flow and where its secret
//! lives, field mappings (tier, external id) and the queue mapping.
//!
//! Secrets are never stored in the settings document: a flow names a file or
//! an environment variable that holds them (or, for the bundled simulator,
//! the process hands them over in memory). Validation errors name the field,
//! e.g. `salesforce.auth.private_key_file`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where a tenant's Salesforce connection is configured.
pub const SETTINGS_KEY: &str = "salesforce";

/// A tenant's Salesforce settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TenantSalesforce {
    /// Off: escalations stay in Concierge's own case store.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `https://login.salesforce.com`, `https://test.salesforce.com` or the
    /// org's My Domain. Ignored for the `simulator` flow.
    #[serde(default)]
    pub login_url: Option<String>,
    /// REST API version, e.g. `62.0`.
    #[serde(default = "default_version")]
    pub api_version: String,
    pub auth: AuthSettings,
    /// The Pub/Sub API endpoint (`https://api.pubsub.salesforce.com:7443`).
    #[serde(default)]
    pub pubsub_url: Option<String>,
    /// Field mappings.
    #[serde(default)]
    pub fields: FieldMapping,
    /// Concierge queue → Salesforce queue (a Group of type Queue, by name or id).
    #[serde(default)]
    pub queues: BTreeMap<String, String>,
    /// The Salesforce queue for escalations whose queue is not mapped.
    #[serde(default)]
    pub default_queue: Option<String>,
    /// Link to the conversation in Concierge, `{id}` replaced (goes on the Case).
    #[serde(default)]
    pub conversation_url: Option<String>,
    /// Import published Knowledge articles in these languages (`en_US`, `de` …; empty: none).
    #[serde(default)]
    pub knowledge_languages: Vec<String>,
    /// The Knowledge article type to import from, and its body field.
    #[serde(default = "default_knowledge_object")]
    pub knowledge_object: String,
    #[serde(default = "default_knowledge_body")]
    pub knowledge_body_field: String,
    /// Receive Case and CaseComment changes (Pub/Sub API).
    #[serde(default = "yes")]
    pub subscribe: bool,
}

/// How Concierge signs in to the org.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "flow", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthSettings {
    /// OAuth 2.0 JWT bearer with the connected app's private key (recommended).
    JwtBearer {
        client_id: String,
        username: String,
        private_key_file: PathBuf,
    },
    /// Client credentials (My Domain only).
    ClientCredentials {
        client_id: String,
        #[serde(default)]
        client_secret_file: Option<PathBuf>,
        #[serde(default)]
        client_secret_env: Option<String>,
    },
    /// Username and password (deprecated by Salesforce, still common).
    Password {
        client_id: String,
        username: String,
        #[serde(default)]
        client_secret_file: Option<PathBuf>,
        #[serde(default)]
        client_secret_env: Option<String>,
        #[serde(default)]
        password_file: Option<PathBuf>,
        #[serde(default)]
        password_env: Option<String>,
    },
    /// The simulator this process started (`[salesforce] simulator = true`).
    Simulator,
}

/// Which Salesforce fields carry Concierge's facts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldMapping {
    /// The Case's external id field holding the conversation id (upsert key).
    #[serde(default = "default_external_id")]
    pub external_id: String,
    /// Where the customer's tier lives: `Account.<Field>` or `Contact.<Field>`.
    #[serde(default = "default_tier")]
    pub tier: String,
}

impl Default for FieldMapping {
    fn default() -> Self {
        Self {
            external_id: default_external_id(),
            tier: default_tier(),
        }
    }
}

fn yes() -> bool {
    true
}
fn default_version() -> String {
    "62.0".to_owned()
}
fn default_external_id() -> String {
    "Concierge_Conversation_Id__c".to_owned()
}
fn default_knowledge_object() -> String {
    "Knowledge__kav".to_owned()
}
fn default_knowledge_body() -> String {
    "Body__c".to_owned()
}
fn default_tier() -> String {
    "Account.Support_Tier__c".to_owned()
}

/// A settings value that cannot work, with the field that holds it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SettingsError {
    pub field: String,
    pub message: String,
}

fn bad(field: &str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        field: format!("{SETTINGS_KEY}.{field}"),
        message: message.into(),
    }
}

/// Salesforce API names: letters, digits and underscores (custom ones end in `__c`).
fn api_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && s.len() <= 80
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl TenantSalesforce {
    /// Reads the settings from a tenant's `settings` document: `Ok(None)`
    /// when it has none, an error naming the field when they are invalid.
    pub fn from_tenant_settings(settings: &Value) -> Result<Option<Self>, SettingsError> {
        match settings.get(SETTINGS_KEY) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => Self::parse(v).map(Some),
        }
    }

    /// Parses and validates one settings document.
    pub fn parse(value: &Value) -> Result<Self, SettingsError> {
        let s: Self = serde_json::from_value(value.clone()).map_err(|e| {
            let text = e.to_string();
            // serde names the offending key in its message; keep it.
            let field = text
                .split('`')
                .nth(1)
                .map(str::to_owned)
                .unwrap_or_else(|| "document".to_owned());
            bad(&field, text)
        })?;
        s.validate()?;
        Ok(s)
    }

    /// Checks values that parse but cannot work.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !matches!(self.auth, AuthSettings::Simulator) {
            let url = self
                .login_url
                .as_deref()
                .ok_or_else(|| bad("login_url", "required for this auth flow"))?;
            let parsed =
                url::Url::parse(url).map_err(|e| bad("login_url", format!("not a URL: {e}")))?;
            if parsed.scheme() != "https" {
                return Err(bad("login_url", "must be https://"));
            }
        }
        let v = self.api_version.split('.').collect::<Vec<_>>();
        let version_ok = v.len() == 2
            && v[1] == "0"
            && v[0]
                .parse::<u32>()
                .map(|n| (20..=99).contains(&n))
                .unwrap_or(false);
        if !version_ok {
            return Err(bad("api_version", "must look like 62.0"));
        }
        if let Some(u) = &self.pubsub_url {
            url::Url::parse(u).map_err(|e| bad("pubsub_url", format!("not a URL: {e}")))?;
        }
        if !api_name(&self.fields.external_id) {
            return Err(bad("fields.external_id", "must be a field API name"));
        }
        if !api_name(&self.knowledge_object) {
            return Err(bad("knowledge_object", "must be an object API name"));
        }
        if !api_name(&self.knowledge_body_field) {
            return Err(bad("knowledge_body_field", "must be a field API name"));
        }
        match self.fields.tier.split_once('.') {
            Some(("Account" | "Contact", f)) if api_name(f) => {}
            _ => {
                return Err(bad(
                    "fields.tier",
                    "must be Account.<Field> or Contact.<Field>",
                ))
            }
        }
        for (k, v) in &self.queues {
            if v.trim().is_empty() || v.len() > 80 {
                return Err(bad(
                    &format!("queues.{k}"),
                    "must name a queue (1–80 characters)",
                ));
            }
        }
        if let Some(u) = &self.conversation_url {
            if !u.contains("{id}") {
                return Err(bad("conversation_url", "must contain {id}"));
            }
        }
        for (i, l) in self.knowledge_languages.iter().enumerate() {
            if l.is_empty()
                || l.len() > 10
                || !l.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
            {
                return Err(bad(
                    &format!("knowledge_languages[{i}]"),
                    "must be a locale like en_US",
                ));
            }
        }
        match &self.auth {
            AuthSettings::JwtBearer {
                client_id,
                username,
                ..
            } => {
                nonempty("auth.client_id", client_id)?;
                nonempty("auth.username", username)?;
            }
            AuthSettings::ClientCredentials {
                client_id,
                client_secret_file,
                client_secret_env,
            } => {
                nonempty("auth.client_id", client_id)?;
                if client_secret_file.is_none() && client_secret_env.is_none() {
                    return Err(bad(
                        "auth.client_secret_file",
                        "client_secret_file or client_secret_env is required",
                    ));
                }
            }
            AuthSettings::Password {
                client_id,
                username,
                client_secret_file,
                client_secret_env,
                password_file,
                password_env,
            } => {
                nonempty("auth.client_id", client_id)?;
                nonempty("auth.username", username)?;
                if client_secret_file.is_none() && client_secret_env.is_none() {
                    return Err(bad(
                        "auth.client_secret_file",
                        "client_secret_file or client_secret_env is required",
                    ));
                }
                if password_file.is_none() && password_env.is_none() {
                    return Err(bad(
                        "auth.password_file",
                        "password_file or password_env is required",
                    ));
                }
            }
            AuthSettings::Simulator => {}
        }
        Ok(())
    }

    /// The Salesforce queue for a Concierge queue.
    pub fn queue_for(&self, queue: Option<&str>) -> Option<&str> {
        queue
            .and_then(|q| self.queues.get(q))
            .or(self.default_queue.as_ref())
            .map(String::as_str)
    }

    /// The settings the bundled simulator's `demo` tenant uses.
    pub fn simulator_demo() -> Self {
        let queues = [
            ("general_support", "Tier1 Support"),
            ("technical_support", "Tier2 Support"),
            ("billing", "Billing"),
            ("enterprise", "Enterprise Escalations"),
            ("vip", "Enterprise Escalations"),
        ];
        Self {
            enabled: true,
            login_url: None,
            api_version: default_version(),
            auth: AuthSettings::Simulator,
            pubsub_url: None,
            fields: FieldMapping::default(),
            queues: queues
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
            default_queue: Some("Tier1 Support".to_owned()),
            conversation_url: None,
            knowledge_languages: vec!["en_US".to_owned(), "de".to_owned()],
            knowledge_object: default_knowledge_object(),
            knowledge_body_field: default_knowledge_body(),
            subscribe: true,
        }
    }
}

fn nonempty(field: &str, v: &str) -> Result<(), SettingsError> {
    if v.trim().is_empty() || v.len() > 255 {
        return Err(bad(field, "must be 1–255 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_settings_mean_not_connected() {
        assert_eq!(
            TenantSalesforce::from_tenant_settings(&json!({})).unwrap(),
            None
        );
        assert_eq!(
            TenantSalesforce::from_tenant_settings(&json!({"salesforce": null})).unwrap(),
            None
        );
    }

    #[test]
    fn a_jwt_connection_parses_with_defaults() {
        let s = TenantSalesforce::parse(&json!({
            "login_url": "https://login.salesforce.com",
            "auth": {"flow": "jwt_bearer", "client_id": "3MVG9", "username": "int@acme.example",
                     "private_key_file": "/etc/concierge/sf.key"},
            "queues": {"billing": "Billing"}
        }))
        .unwrap();
        assert_eq!(s.api_version, "62.0");
        assert_eq!(s.fields.external_id, "Concierge_Conversation_Id__c");
        assert_eq!(s.queue_for(Some("billing")), Some("Billing"));
        assert_eq!(s.queue_for(Some("other")), None);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (
                json!({"auth": {"flow": "jwt_bearer", "client_id": "a", "username": "u", "private_key_file": "k"}}),
                "salesforce.login_url",
            ),
            (
                json!({"login_url": "http://login.salesforce.com", "auth": {"flow": "client_credentials",
                "client_id": "a", "client_secret_env": "SF_SECRET"}}),
                "salesforce.login_url",
            ),
            (
                json!({"auth": {"flow": "simulator"}, "api_version": "v62"}),
                "salesforce.api_version",
            ),
            (
                json!({"auth": {"flow": "simulator"}, "fields": {"tier": "Case.X__c"}}),
                "salesforce.fields.tier",
            ),
            (
                json!({"auth": {"flow": "simulator"}, "fields": {"external_id": "a b"}}),
                "salesforce.fields.external_id",
            ),
            (
                json!({"auth": {"flow": "simulator"}, "conversation_url": "https://x/"}),
                "salesforce.conversation_url",
            ),
            (
                json!({"auth": {"flow": "simulator"}, "queues": {"billing": " "}}),
                "salesforce.queues.billing",
            ),
            (
                json!({"login_url": "https://x.my.salesforce.com", "auth": {"flow": "client_credentials", "client_id": "a"}}),
                "salesforce.auth.client_secret_file",
            ),
            (
                json!({"auth": {"flow": "simulator"}, "colour": 1}),
                "salesforce.colour",
            ),
        ];
        for (doc, field) in cases {
            let e = TenantSalesforce::parse(&doc).unwrap_err();
            assert_eq!(e.field, field, "{doc} → {e}");
        }
    }

    #[test]
    fn the_simulator_demo_settings_are_valid() {
        let s = TenantSalesforce::simulator_demo();
        s.validate().unwrap();
        let round = TenantSalesforce::parse(&serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(round, s);
    }
}
