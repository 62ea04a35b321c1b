//! Configuration: defaults that run with no file, then a TOML file, then
//! `CONCIERGE_*` environment variables (double underscore for nesting, e.g.
//! `CONCIERGE_DATABASE__URL`), then CLI flags. Loading lives in the binary;
//! this module owns the types, their defaults, validation and the commented
//! default file printed by `concierge config default`.
//!
//! Secrets (`database.url`, `auth.jwt_secret`) are [`SecretString`]s: their
//! `Debug` output is redacted and they are never serialised.

use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use crate::llm_config::LlmConfig;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directory for the embedded SQLite database and other local state.
    pub data_dir: PathBuf,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub rate_limit: RateLimitConfig,
    pub websocket: WebSocketConfig,
    pub log: LogConfig,
    pub bootstrap: BootstrapConfig,
    /// The knowledge base: index location, dense encoder, sync with the database.
    pub knowledge: KnowledgeConfig,
    /// Language models: providers, routes, prices, budgets (default: the local responder only).
    pub llm: LlmConfig,
    /// The conversation engine: moderation thresholds, background jobs, routing defaults.
    pub engine: EngineConfig,
    /// Salesforce: the bundled simulator and the sync with tenants' orgs.
    pub salesforce: SalesforceSection,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            auth: AuthConfig::default(),
            rate_limit: RateLimitConfig::default(),
            websocket: WebSocketConfig::default(),
            log: LogConfig::default(),
            bootstrap: BootstrapConfig::default(),
            knowledge: KnowledgeConfig::default(),
            llm: LlmConfig::default(),
            engine: EngineConfig::default(),
            salesforce: SalesforceSection::default(),
        }
    }
}

/// HTTP listener and request handling.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The URL users reach this server at (printed at start-up); derived from `listen` when unset.
    pub public_url: Option<String>,
    /// A request that takes longer is answered with 503.
    pub request_timeout_secs: u64,
    /// Largest accepted request body.
    pub body_limit_bytes: usize,
    /// Origins allowed by CORS (exact match, e.g. `https://www.example.com`). Empty allows none.
    pub cors_allowed_origins: Vec<String>,
    /// Use the first `X-Forwarded-For` address as the client address (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// How long the conversation engine may take before the customer gets a fallback reply.
    pub engine_timeout_secs: u64,
    /// Serve the web UI (widget, console, admin) from this directory, laid
    /// out like `web/dist`. Unset: the copy built into the binary (debug
    /// builds read `web/dist` from the source tree instead).
    pub web_dir: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            request_timeout_secs: 30,
            body_limit_bytes: 256 * 1024,
            cors_allowed_origins: Vec::new(),
            trust_forwarded_for: false,
            engine_timeout_secs: 10,
            web_dir: None,
        }
    }
}

/// Where conversations are stored.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `postgres://user:pass@host/db` or `sqlite://path`. Unset: SQLite at `<data_dir>/concierge.db`.
    pub url: Option<SecretString>,
    /// Read the URL from this file instead (for secret mounts).
    pub url_file: Option<PathBuf>,
    /// Pool size (PostgreSQL; SQLite uses one writer plus this many readers).
    pub max_connections: Option<u32>,
}

/// Tokens and sessions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// HMAC secret for access tokens (≥ 32 bytes). Unset: generated once and kept in the database.
    pub jwt_secret: Option<SecretString>,
    /// Read the JWT secret from this file instead.
    pub jwt_secret_file: Option<PathBuf>,
    /// Lifetime of an access token.
    pub access_token_ttl_secs: u64,
    /// Lifetime of a refresh token (each use rotates it).
    pub refresh_token_ttl_secs: u64,
    /// Lifetime of a web-chat visitor token.
    pub visitor_token_ttl_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            jwt_secret_file: None,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            visitor_token_ttl_secs: 24 * 3600,
        }
    }
}

/// Per-client rate limiting (token bucket).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    pub enabled: bool,
    /// Sustained requests per second per client (API key, user, or address).
    pub per_second: u32,
    /// Bucket size: requests a client may burst above the sustained rate.
    pub burst: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            per_second: 20,
            burst: 60,
        }
    }
}

/// WebSocket connections.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WebSocketConfig {
    /// A socket that sends nothing (not even a heartbeat) for this long is closed.
    pub idle_timeout_secs: u64,
    /// Largest accepted frame.
    pub max_frame_bytes: usize,
}

impl Default for WebSocketConfig {
    fn default() -> Self {
        Self {
            idle_timeout_secs: 90,
            max_frame_bytes: 64 * 1024,
        }
    }
}

/// Log output.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter such as `info` or `concierge_server=debug,info`.
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            format: LogFormat::Json,
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Json,
    Pretty,
}

/// What happens on the first start of an empty database.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapConfig {
    /// Create a `demo` tenant with an admin account and print how to sign in.
    pub demo_tenant: bool,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self { demo_tenant: true }
    }
}

/// The knowledge base.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeConfig {
    /// Where the search indexes live (default: `<data_dir>/knowledge`). They
    /// are rebuilt from the database when missing.
    pub index_dir: Option<PathBuf>,
    /// Dense encoder for hybrid search: `auto` (the static encoder distilled
    /// from all-MiniLM-L6-v2 when `make run` / `concierge nlu distill` made it,
    /// else all-MiniLM-L6-v2 itself when its files are under `models_dir`,
    /// else BM25 only), `none` (BM25 only), `static` or `minilm` (required).
    pub encoder: KnowledgeEncoder,
    /// Directory holding the local models (default: `$CONCIERGE_MODELS_DIR`, else `./models`).
    pub models_dir: Option<PathBuf>,
    /// How often a node re-reads the database for articles another node changed (0: never).
    pub sync_interval_secs: u64,
    /// Load the built-in demo knowledge base into the `demo` tenant when it is created.
    pub demo_articles: bool,
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        Self {
            index_dir: None,
            encoder: KnowledgeEncoder::Auto,
            models_dir: None,
            sync_interval_secs: 30,
            demo_articles: true,
        }
    }
}

/// The conversation engine.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// Toxicity at or above this gets the customer a warning (0..1).
    pub moderation_warn: f64,
    /// Toxicity at or above this is stored flagged and not answered (0..1).
    pub moderation_block: f64,
    /// Conversations waiting on the customer close as abandoned after this many hours.
    pub abandon_after_hours: u64,
    /// Seconds between runs of the background jobs (SLA breaches, abandonment).
    pub jobs_interval_secs: u64,
    /// Earlier messages the engine reads for each turn (summary, language model).
    pub history_window: usize,
    /// Seconds a node may keep a tenant's rules before re-reading them.
    pub rules_cache_secs: u64,
    /// The queue escalations go to when no rule names one.
    pub default_queue: String,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            moderation_warn: 0.6,
            moderation_block: 0.8,
            abandon_after_hours: 24,
            jobs_interval_secs: 60,
            history_window: 20,
            rules_cache_secs: 5,
            default_queue: "general_support".to_owned(),
        }
    }
}

/// Salesforce: the bundled simulator and the sync with tenants' orgs. A
/// tenant's own org connection lives in its settings (`settings.salesforce`,
/// set through `PUT /v1/admin/salesforce`), so every node shares it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SalesforceSection {
    /// Start the bundled Salesforce simulator (a seeded demo org) in-process and
    /// connect the `demo` tenant to it, so escalations create real Cases over HTTP.
    pub simulator: bool,
    /// Where the simulator listens (port 0: any free port, printed at start).
    pub simulator_listen: SocketAddr,
    /// Seconds an escalation waits for Salesforce before the customer is told
    /// without a case number (the outbox then finishes the Case).
    pub case_timeout_secs: u64,
    /// Milliseconds between outbox dispatch rounds when the outbox was empty.
    pub dispatch_interval_ms: u64,
    /// Deliveries of one outbox event before it is dead-lettered.
    pub max_attempts: u32,
    /// Seconds between knowledge imports from Salesforce (0: never).
    pub knowledge_import_interval_secs: u64,
}

impl Default for SalesforceSection {
    fn default() -> Self {
        Self {
            simulator: true,
            simulator_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            case_timeout_secs: 5,
            dispatch_interval_ms: 200,
            max_attempts: 8,
            knowledge_import_interval_secs: 300,
        }
    }
}

/// Which dense encoder the knowledge base uses.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum KnowledgeEncoder {
    Auto,
    None,
    Minilm,
    /// The static encoder distilled from MiniLM (`concierge nlu distill`).
    Static,
}

/// A configuration value that cannot work, with the key that holds it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration key `{key}`: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn bad(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        message: message.into(),
    }
}

/// The database a [`Config`] points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl Config {
    /// Checks values that parse but cannot work, and reads `*_file` secrets.
    pub fn finish(mut self) -> Result<Self, ConfigError> {
        if let Some(path) = &self.database.url_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                bad(
                    "database.url_file",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            self.database.url = Some(SecretString::from(text.trim().to_owned()));
        }
        if let Some(path) = &self.auth.jwt_secret_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                bad(
                    "auth.jwt_secret_file",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            self.auth.jwt_secret = Some(SecretString::from(text.trim().to_owned()));
        }
        if let Some(url) = &self.database.url {
            let u = url.expose_secret();
            if !(u.starts_with("postgres://")
                || u.starts_with("postgresql://")
                || u.starts_with("sqlite:"))
            {
                // Never echo the URL: it may hold a password.
                return Err(bad(
                    "database.url",
                    "must start with postgres://, postgresql:// or sqlite:",
                ));
            }
        }
        if let Some(secret) = &self.auth.jwt_secret {
            if secret.expose_secret().len() < 32 {
                return Err(bad("auth.jwt_secret", "must be at least 32 bytes"));
            }
        }
        if self.database.max_connections == Some(0) {
            return Err(bad("database.max_connections", "must be at least 1"));
        }
        if self.auth.access_token_ttl_secs < 30 {
            return Err(bad("auth.access_token_ttl_secs", "must be at least 30"));
        }
        if self.auth.refresh_token_ttl_secs < self.auth.access_token_ttl_secs {
            return Err(bad(
                "auth.refresh_token_ttl_secs",
                "must not be shorter than auth.access_token_ttl_secs",
            ));
        }
        let e = &self.engine;
        if !(0.0..=1.0).contains(&e.moderation_warn) {
            return Err(bad("engine.moderation_warn", "must be between 0 and 1"));
        }
        if !(0.0..=1.0).contains(&e.moderation_block) || e.moderation_block < e.moderation_warn {
            return Err(bad(
                "engine.moderation_block",
                "must be between engine.moderation_warn and 1",
            ));
        }
        if e.abandon_after_hours == 0 {
            return Err(bad("engine.abandon_after_hours", "must be at least 1"));
        }
        if e.jobs_interval_secs == 0 {
            return Err(bad("engine.jobs_interval_secs", "must be at least 1"));
        }
        if e.history_window > 200 {
            return Err(bad("engine.history_window", "must be at most 200"));
        }
        if e.default_queue.trim().is_empty() || e.default_queue.len() > 64 {
            return Err(bad("engine.default_queue", "must be 1–64 characters"));
        }
        if self.server.request_timeout_secs == 0 {
            return Err(bad("server.request_timeout_secs", "must be at least 1"));
        }
        if self.server.engine_timeout_secs == 0
            || self.server.engine_timeout_secs >= self.server.request_timeout_secs
        {
            // Otherwise the request would time out before the fallback reply
            // is stored, and the customer's message would be lost.
            return Err(bad(
                "server.engine_timeout_secs",
                "must be at least 1 and below server.request_timeout_secs",
            ));
        }
        if self.server.body_limit_bytes < 1024 {
            return Err(bad("server.body_limit_bytes", "must be at least 1024"));
        }
        if self.rate_limit.enabled
            && (self.rate_limit.per_second == 0 || self.rate_limit.burst == 0)
        {
            return Err(bad(
                "rate_limit",
                "per_second and burst must be at least 1 when enabled",
            ));
        }
        for (i, origin) in self.server.cors_allowed_origins.iter().enumerate() {
            let ok = url::Url::parse(origin)
                .map(|u| u.origin().is_tuple())
                .unwrap_or(false);
            if !ok {
                return Err(bad(
                    &format!("server.cors_allowed_origins[{i}]"),
                    format!("`{origin}` is not an origin"),
                ));
            }
        }
        if self.websocket.idle_timeout_secs == 0 {
            return Err(bad("websocket.idle_timeout_secs", "must be at least 1"));
        }
        let sf = &self.salesforce;
        if sf.case_timeout_secs == 0 || sf.case_timeout_secs >= self.server.engine_timeout_secs {
            return Err(bad(
                "salesforce.case_timeout_secs",
                "must be at least 1 and below server.engine_timeout_secs",
            ));
        }
        if !(10..=60_000).contains(&sf.dispatch_interval_ms) {
            return Err(bad(
                "salesforce.dispatch_interval_ms",
                "must be between 10 and 60000",
            ));
        }
        if !(1..=100).contains(&sf.max_attempts) {
            return Err(bad("salesforce.max_attempts", "must be between 1 and 100"));
        }
        crate::llm_config::finish_llm(&mut self.llm, self.server.engine_timeout_secs)?;
        Ok(self)
    }

    /// Which backend the configuration selects.
    pub fn database_kind(&self) -> DatabaseKind {
        match &self.database.url {
            Some(u) if u.expose_secret().starts_with("postgres") => DatabaseKind::Postgres,
            _ => DatabaseKind::Sqlite,
        }
    }

    /// The URL to print for humans.
    pub fn public_url(&self) -> String {
        match &self.server.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.server.listen),
        }
    }
}

/// The commented default configuration (`concierge config default`). A test
/// checks it parses to exactly [`Config::default`].
pub const DEFAULT_CONFIG_TOML: &str = r#"# Concierge configuration. Every key is optional: these are the defaults.
# Precedence: defaults < this file (--config) < CONCIERGE_* environment
# variables (CONCIERGE_SERVER__LISTEN=0.0.0.0:8080) < command-line flags.

# Directory for the embedded SQLite database and other local state.
data_dir = "./data"

[server]
# Address to listen on.
listen = "127.0.0.1:8080"
# The URL users reach this server at, printed at start-up. Unset: derived from `listen`.
# public_url = "https://support.example.com"
# Seconds before a request is abandoned with 503.
request_timeout_secs = 30
# Largest accepted request body, in bytes.
body_limit_bytes = 262144
# Origins allowed to call the API from a browser (exact match). Empty allows none.
cors_allowed_origins = []
# Trust the first X-Forwarded-For address as the client (only behind your own proxy).
trust_forwarded_for = false
# Seconds the conversation engine may take before the customer gets a fallback reply.
engine_timeout_secs = 10
# Serve the web UI from this directory (laid out like web/dist) instead of the
# copy built into the binary.
# web_dir = "./web/dist"

[database]
# postgres://user:password@host:5432/concierge switches to PostgreSQL; nothing else changes.
# Unset: SQLite at <data_dir>/concierge.db. This value is a secret and is never logged.
# url = "postgres://concierge@127.0.0.1:5432/concierge"
# Or read it from a file (for secret mounts):
# url_file = "/run/secrets/database_url"
# Pool size. Unset: 16 on PostgreSQL; on SQLite one writer plus 4 readers.
# max_connections = 16

[auth]
# HMAC secret for access tokens, at least 32 bytes. Unset: generated once and kept
# in the database, so every node of a cluster shares it. A secret: never logged.
# jwt_secret = "…"
# jwt_secret_file = "/run/secrets/jwt_secret"
access_token_ttl_secs = 900
refresh_token_ttl_secs = 2592000
visitor_token_ttl_secs = 86400

[rate_limit]
# Token bucket per client (API key, signed-in user, or address).
enabled = true
per_second = 20
burst = 60

[websocket]
# Close sockets silent for this long (clients send heartbeats).
idle_timeout_secs = 90
max_frame_bytes = 65536

[log]
# A tracing filter: "info", "debug", "concierge_server=debug,info" …
level = "info"
# "json" (one object per line) or "pretty".
format = "json"

[bootstrap]
# On the first start of an empty database, create a `demo` tenant and print how to sign in.
demo_tenant = true

[knowledge]
# Search indexes (rebuilt from the database when missing). Default: <data_dir>/knowledge.
# index_dir = "./data/knowledge"
# Dense encoder for hybrid search: "auto" (the static encoder distilled from all-MiniLM-L6-v2
# when `make run` / `concierge nlu distill` made it: sub-millisecond searches; else
# all-MiniLM-L6-v2 itself when `make models` fetched it: better recall@1, ~10-30 ms a search;
# else BM25 only), "none" (BM25 only), "static" or "minilm" (fail to start without it).
encoder = "auto"
# models_dir = "./models"
# Seconds between re-reads of the database for articles changed by other nodes (0: never).
sync_interval_secs = 30
# Load the built-in Salesforce-support demo articles into the `demo` tenant when it is created.
demo_articles = true

[engine]
# Toxicity (0..1) at which the customer is warned, and at which the message is
# stored flagged for review and not answered.
moderation_warn = 0.6
moderation_block = 0.8
# Conversations waiting on the customer close as abandoned after this many hours.
abandon_after_hours = 24
# Seconds between runs of the background jobs (SLA breach detection, abandonment).
jobs_interval_secs = 60
# Earlier messages read for each turn (summary card, language model context).
history_window = 20
# Seconds a node may keep a tenant's rules before re-reading them (rules changed
# through the admin API apply at once on the node that took the change).
rules_cache_secs = 5
# Where escalations go when no rule names a queue.
default_queue = "general_support"

[salesforce]
# Start the bundled Salesforce simulator (a seeded demo org) in-process and connect
# the `demo` tenant to it, so escalations create real Cases over real HTTP. A tenant's
# own org is configured in its settings (PUT /v1/admin/salesforce), not here.
simulator = true
# Where the simulator listens; port 0 picks a free port (printed at start).
simulator_listen = "127.0.0.1:0"
# Seconds an escalation waits for Salesforce before telling the customer without a
# case number; the outbox then creates the Case (idempotently) when Salesforce answers.
case_timeout_secs = 5
# Milliseconds between outbox dispatch rounds when there was nothing to deliver.
dispatch_interval_ms = 200
# Deliveries of one outbox event before it is dead-lettered (GET /v1/admin/outbox?status=dead).
max_attempts = 8
# Seconds between imports of published Salesforce Knowledge articles (0: never).
knowledge_import_interval_secs = 300

[llm]
# Language models. With no providers every answer, summary and suggestion comes
# from the built-in local responder (grounded in the knowledge base, no key needed).
# Send personal data (emails, phone and card numbers …) to external providers
# unmasked. Off: it is replaced by placeholders like [EMAIL_1] and restored in the reply.
allow_pii = false
# Tenants (slug or organization id) allowed to send personal data unmasked.
pii_allowed_tenants = []

# Providers, each an endpoint and a model. Kinds: "openai" (OpenAI and any
# compatible server: vLLM, Ollama, llama.cpp), "azure_openai", "anthropic".
# Keys are secrets, never logged: api_key, api_key_env or api_key_file.
# Prices are USD per million tokens and drive cost accounting and budgets.
#
# [[llm.providers]]
# name = "openai"
# kind = "openai"
# model = "gpt-4o-mini"
# api_key_env = "OPENAI_API_KEY"
# input_usd_per_mtok = 0.15
# output_usd_per_mtok = 0.60
# timeout_secs = 20
# max_tokens = 800
#
# [[llm.providers]]
# name = "claude"
# kind = "anthropic"
# model = "claude-3-5-haiku-latest"
# api_key_file = "/run/secrets/anthropic_api_key"
# input_usd_per_mtok = 0.80
# output_usd_per_mtok = 4.00
#
# [[llm.providers]]
# name = "azure"
# kind = "azure_openai"
# base_url = "https://my-resource.openai.azure.com"
# deployment = "gpt-4o"
# api_version = "2024-10-21"
# model = "gpt-4o"
# api_key_env = "AZURE_OPENAI_API_KEY"
#
# [[llm.providers]]
# name = "ollama"
# kind = "openai"
# base_url = "http://127.0.0.1:11434/v1"
# model = "llama3.1:8b"

[llm.routes]
# Providers tried in order for each task; the local responder always ends the chain.
answer = []
summarize = []
classify = []
assist = []
# answer = ["openai", "claude"]
# summarize = ["ollama", "openai"]

[llm.budgets]
# Monthly limit in USD per tenant (UTC calendar month). Over it, the tenant is
# answered by the local responder. Unset: unlimited.
# monthly_usd = 25.0
# Per-tenant limits, by tenant slug or organization id.
tenants = {}
# tenants = { acme = 200.0 }

[llm.prompts]
# Override templates: <dir>/<task>.jinja for all, <dir>/<tenant slug>/<task>.jinja for one
# tenant (tasks: answer, summarize, classify, assist). Unset: the built-in templates.
# dir = "./prompts"

[llm.grounding]
# Share of the question's weighted terms a passage must contain to ground an answer;
# when none does, no model is asked and the customer is offered a human.
min_relevance = 0.2
# Passages per prompt.
max_passages = 5

[llm.retry]
# Attempts per provider for retryable errors (429, 5xx, timeouts), before any
# text reached the customer; full-jitter exponential backoff.
max_attempts = 2
base_delay_ms = 200
max_delay_ms = 2000
# A Retry-After longer than this moves on to the next provider.
max_retry_after_ms = 3000

[llm.breaker]
# Consecutive failures that open a provider's circuit, and seconds before a probe.
failure_threshold = 5
cooldown_secs = 30

[llm.limits]
max_prompt_chars = 48000
max_response_bytes = 1048576
max_stream_secs = 120
stream_idle_secs = 30
# All providers of one task together; keep below server.engine_timeout_secs.
deadline_secs = 8
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commented_default_file_is_the_default() {
        let parsed: Config = toml::from_str(DEFAULT_CONFIG_TOML).unwrap();
        assert_eq!(format!("{parsed:?}"), format!("{:?}", Config::default()));
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        let err = toml::from_str::<Config>("[server]\nlisten_on = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("listen_on"), "{err}");
    }

    #[test]
    fn bad_values_name_the_key_and_hide_secrets() {
        let mut c = Config::default();
        c.database.url = Some(SecretString::from("mysql://root:hunter2@db/x"));
        let err = c.finish().unwrap_err();
        assert_eq!(err.key, "database.url");
        assert!(!err.to_string().contains("hunter2"));

        let mut c = Config::default();
        c.auth.jwt_secret = Some(SecretString::from("short"));
        assert_eq!(c.finish().unwrap_err().key, "auth.jwt_secret");

        let mut c = Config::default();
        c.server.engine_timeout_secs = c.server.request_timeout_secs;
        assert_eq!(c.finish().unwrap_err().key, "server.engine_timeout_secs");

        let mut c = Config::default();
        c.server.cors_allowed_origins = vec!["not a url".into()];
        assert_eq!(
            c.finish().unwrap_err().key,
            "server.cors_allowed_origins[0]"
        );
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let mut c = Config::default();
        c.database.url = Some(SecretString::from("postgres://u:hunter2@h/db"));
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(c.database_kind(), DatabaseKind::Postgres);
    }
}
