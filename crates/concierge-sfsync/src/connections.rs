//! One Salesforce client per connected tenant, built from its settings and
//! rebuilt when they change. Every node reads the settings from the
//! database, so a connection configured on one node reaches the others
//! within [`Connections::TTL`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use concierge_core::OrgId;
use concierge_salesforce::{AuthFlow, Client, SalesforceConfig};
use concierge_store::Store;
use secrecy::SecretString;
use url::Url;

use crate::settings::{AuthSettings, TenantSalesforce};

/// The simulator this process started, and how to sign in to it.
#[derive(Clone)]
pub struct SimulatorLink {
    /// The simulator's base URL (login and instance).
    pub url: Url,
    pub client_id: String,
    pub client_secret: SecretString,
    /// The tenant (slug) connected to it when it has no settings of its own.
    pub tenant_slug: String,
    /// Link to a conversation in Concierge (`{id}` replaced), put on its Case.
    pub conversation_url: Option<String>,
}

impl std::fmt::Debug for SimulatorLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorLink")
            .field("url", &self.url.as_str())
            .field("client_id", &self.client_id)
            .field("tenant_slug", &self.tenant_slug)
            .finish_non_exhaustive()
    }
}

/// A tenant's live connection.
#[derive(Debug)]
pub struct Connection {
    pub org: OrgId,
    pub settings: TenantSalesforce,
    pub client: Client,
    /// The Pub/Sub endpoint for this org.
    pub pubsub_url: Url,
    /// Queue name → Group id, learned on first use.
    queue_ids: Mutex<HashMap<String, String>>,
}

impl Connection {
    pub(crate) fn cached_queue(&self, name: &str) -> Option<String> {
        self.queue_ids.lock().ok()?.get(name).cloned()
    }

    pub(crate) fn remember_queue(&self, name: &str, id: &str) {
        if let Ok(mut m) = self.queue_ids.lock() {
            m.insert(name.to_owned(), id.to_owned());
        }
    }
}

/// Why a tenant has no connection.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("invalid Salesforce settings: {0}")]
    Settings(#[from] crate::settings::SettingsError),
    #[error("cannot read a Salesforce secret for {field}: {message}")]
    Secret { field: String, message: String },
    #[error("the simulator flow needs `[salesforce] simulator = true`")]
    NoSimulator,
    #[error("salesforce client: {0}")]
    Client(String),
    #[error("store: {0}")]
    Store(String),
}

type Entry = (Instant, String, Option<Arc<Connection>>);

/// Tenants' connections, cached.
#[derive(Debug, Clone)]
pub struct Connections {
    store: Store,
    simulator: Option<SimulatorLink>,
    cache: Arc<Mutex<HashMap<OrgId, Entry>>>,
}

impl Connections {
    /// How long a node keeps a tenant's connection before re-reading its settings.
    pub const TTL: Duration = Duration::from_secs(10);

    pub fn new(store: Store, simulator: Option<SimulatorLink>) -> Self {
        Self {
            store,
            simulator,
            cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The simulator link, if this process runs one.
    pub fn simulator(&self) -> Option<&SimulatorLink> {
        self.simulator.as_ref()
    }

    /// The tenant's connection, or `None` when it is not connected (or its
    /// settings are invalid: that is logged, and the tenant keeps working
    /// with Concierge's own cases).
    pub async fn get(&self, org: OrgId) -> Option<Arc<Connection>> {
        if let Ok(cache) = self.cache.lock() {
            if let Some((at, _, conn)) = cache.get(&org) {
                if at.elapsed() < Self::TTL {
                    return conn.clone();
                }
            }
        }
        match self.load(org).await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(org = %org.0, error.message = %e, "salesforce connection unavailable");
                None
            }
        }
    }

    /// Forgets a tenant's connection (its settings changed on this node).
    pub fn invalidate(&self, org: OrgId) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(&org);
        }
    }

    /// The settings in force for a tenant: its own, or the simulator's for
    /// the simulator's tenant.
    pub async fn settings_for(
        &self,
        org: OrgId,
    ) -> Result<Option<TenantSalesforce>, ConnectionError> {
        let tenant = self
            .store
            .get_organization(org)
            .await
            .map_err(|e| ConnectionError::Store(e.to_string()))?;
        if let Some(s) = TenantSalesforce::from_tenant_settings(&tenant.settings)? {
            return Ok(s.enabled.then_some(s));
        }
        Ok(self
            .simulator
            .as_ref()
            .filter(|sim| sim.tenant_slug == tenant.slug)
            .map(|sim| TenantSalesforce {
                conversation_url: sim.conversation_url.clone(),
                ..TenantSalesforce::simulator_demo()
            }))
    }

    async fn load(&self, org: OrgId) -> Result<Option<Arc<Connection>>, ConnectionError> {
        let settings = self.settings_for(org).await?;
        let fingerprint = settings
            .as_ref()
            .map(|s| serde_json::to_string(s).unwrap_or_default())
            .unwrap_or_default();
        // The same settings keep the same client (and its token).
        if let Ok(cache) = self.cache.lock() {
            if let Some((_, fp, conn)) = cache.get(&org) {
                if *fp == fingerprint {
                    let conn = conn.clone();
                    drop(cache);
                    self.store_entry(org, fingerprint, conn.clone());
                    return Ok(conn);
                }
            }
        }
        let conn = match settings {
            Some(s) => Some(Arc::new(self.connect(org, s)?)),
            None => None,
        };
        self.store_entry(org, fingerprint, conn.clone());
        Ok(conn)
    }

    fn store_entry(&self, org: OrgId, fingerprint: String, conn: Option<Arc<Connection>>) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(org, (Instant::now(), fingerprint, conn));
        }
    }

    fn connect(
        &self,
        org: OrgId,
        settings: TenantSalesforce,
    ) -> Result<Connection, ConnectionError> {
        let (login_url, auth, pubsub) = match &settings.auth {
            AuthSettings::Simulator => {
                let sim = self
                    .simulator
                    .as_ref()
                    .ok_or(ConnectionError::NoSimulator)?;
                (
                    sim.url.clone(),
                    AuthFlow::ClientCredentials {
                        client_id: sim.client_id.clone(),
                        client_secret: sim.client_secret.clone(),
                    },
                    sim.url.clone(),
                )
            }
            other => {
                let login = settings.login_url.as_deref().unwrap_or_default();
                let login =
                    Url::parse(login).map_err(|e| ConnectionError::Client(e.to_string()))?;
                let pubsub = settings
                    .pubsub_url
                    .as_deref()
                    .unwrap_or("https://api.pubsub.salesforce.com:7443");
                let pubsub =
                    Url::parse(pubsub).map_err(|e| ConnectionError::Client(e.to_string()))?;
                (login, auth_flow(other)?, pubsub)
            }
        };
        let mut config = SalesforceConfig::new(login_url, auth);
        config.api_version = settings.api_version.clone();
        config.user_agent = format!("concierge/{}", env!("CARGO_PKG_VERSION"));
        let client = Client::new(config).map_err(|e| ConnectionError::Client(e.to_string()))?;
        Ok(Connection {
            org,
            settings,
            client,
            pubsub_url: pubsub,
            queue_ids: Mutex::new(HashMap::new()),
        })
    }
}

fn read_secret(
    field: &str,
    file: Option<&std::path::Path>,
    env: Option<&str>,
) -> Result<SecretString, ConnectionError> {
    let err = |message: String| ConnectionError::Secret {
        field: field.to_owned(),
        message,
    };
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
        return Ok(SecretString::from(text.trim().to_owned()));
    }
    if let Some(var) = env {
        let v = std::env::var(var)
            .map_err(|_| err(format!("environment variable {var} is not set")))?;
        return Ok(SecretString::from(v));
    }
    Err(err("no file or environment variable named".to_owned()))
}

fn auth_flow(a: &AuthSettings) -> Result<AuthFlow, ConnectionError> {
    Ok(match a {
        AuthSettings::JwtBearer {
            client_id,
            username,
            private_key_file,
        } => AuthFlow::JwtBearer {
            client_id: client_id.clone(),
            username: username.clone(),
            private_key_pem: read_secret(
                "salesforce.auth.private_key_file",
                Some(private_key_file),
                None,
            )?,
            audience: None,
        },
        AuthSettings::ClientCredentials {
            client_id,
            client_secret_file,
            client_secret_env,
        } => AuthFlow::ClientCredentials {
            client_id: client_id.clone(),
            client_secret: read_secret(
                "salesforce.auth.client_secret_file",
                client_secret_file.as_deref(),
                client_secret_env.as_deref(),
            )?,
        },
        AuthSettings::Password {
            client_id,
            username,
            client_secret_file,
            client_secret_env,
            password_file,
            password_env,
        } => AuthFlow::Password {
            client_id: client_id.clone(),
            client_secret: read_secret(
                "salesforce.auth.client_secret_file",
                client_secret_file.as_deref(),
                client_secret_env.as_deref(),
            )?,
            username: username.clone(),
            password: read_secret(
                "salesforce.auth.password_file",
                password_file.as_deref(),
                password_env.as_deref(),
            )?,
            security_token: None,
        },
        AuthSettings::Simulator => return Err(ConnectionError::NoSimulator),
    })
}
