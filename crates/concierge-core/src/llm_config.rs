//! Configuration of language models (`[llm]`): external providers, which
//! tasks use them in which order, prices, per-tenant budgets, prompts,
//! grounding, retries and circuit breaking. With no providers (the default)
//! every task is answered by the local grounded responder, which needs no key.
//!
//! API keys are [`SecretString`]s: given inline (`api_key`), through an
//! environment variable (`api_key_env`) or a file (`api_key_file`), resolved
//! by [`finish_llm`] when the configuration is loaded. They are never
//! serialised and `Debug` redacts them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::config::ConfigError;

/// `[llm]`: language models.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LlmConfig {
    /// External providers (`[[llm.providers]]`); empty: the local responder only.
    pub providers: Vec<LlmProviderConfig>,
    /// Which providers each task tries, in order; the local responder always ends the chain.
    pub routes: LlmRoutesConfig,
    /// Monthly spending limits per tenant.
    pub budgets: LlmBudgetConfig,
    /// Prompt templates.
    pub prompts: LlmPromptConfig,
    /// When an answer counts as grounded.
    pub grounding: LlmGroundingConfig,
    /// Retries of one provider before the next is tried.
    pub retry: LlmRetryConfig,
    /// Circuit breaking per provider.
    pub breaker: LlmBreakerConfig,
    /// Size and time limits.
    pub limits: LlmLimitsConfig,
    /// Send personal data (emails, phone and card numbers …) to external providers
    /// unmasked. Off: it is replaced by placeholders and restored in the reply.
    /// Tenants can be allowed one by one with `pii_allowed_tenants`.
    pub allow_pii: bool,
    /// Tenants (slug or organization id) whose personal data may leave unmasked.
    pub pii_allowed_tenants: Vec<String>,
}

/// The wire format a provider speaks.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LlmProviderKind {
    /// OpenAI Chat Completions and compatible servers (vLLM, Ollama, llama.cpp …):
    /// `POST {base_url}/chat/completions` with `Authorization: Bearer`.
    Openai,
    /// Azure OpenAI: `POST {base_url}/openai/deployments/{deployment}/chat/completions?api-version=…`
    /// with an `api-key` header.
    AzureOpenai,
    /// Anthropic Messages API: `POST {base_url}/v1/messages`.
    Anthropic,
}

/// One external provider: an endpoint and the model it serves.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmProviderConfig {
    /// Unique name used by routes, metrics and usage records (`openai`, `claude`, `ollama` …).
    pub name: String,
    pub kind: LlmProviderKind,
    /// Unset: `https://api.openai.com/v1` or `https://api.anthropic.com`; required for Azure.
    /// For OpenAI-compatible servers include the version path (`http://127.0.0.1:11434/v1`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Model name sent with each request (Azure: informational, the deployment decides).
    pub model: String,
    /// Azure deployment name.
    #[serde(default)]
    pub deployment: Option<String>,
    /// Azure `api-version` query parameter, or the `anthropic-version` header.
    #[serde(default)]
    pub api_version: Option<String>,
    /// The API key (a secret; prefer `api_key_env` or `api_key_file`). Local servers need none.
    #[serde(default)]
    pub api_key: Option<SecretString>,
    /// Read the API key from this environment variable.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Read the API key from this file (for secret mounts).
    #[serde(default)]
    pub api_key_file: Option<PathBuf>,
    /// USD per million input (prompt) tokens.
    #[serde(default)]
    pub input_usd_per_mtok: f64,
    /// USD per million output (completion) tokens.
    #[serde(default)]
    pub output_usd_per_mtok: f64,
    /// Seconds to wait for a whole non-streamed response, or for the first byte of a stream.
    #[serde(default = "default_provider_timeout_secs")]
    pub timeout_secs: u64,
    /// Seconds to establish a connection.
    #[serde(default = "default_connect_timeout_secs")]
    pub connect_timeout_secs: u64,
    /// Largest completion requested (`max_tokens`).
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// Sampling temperature; unset: the provider's default.
    #[serde(default)]
    pub temperature: Option<f32>,
}

fn default_provider_timeout_secs() -> u64 {
    20
}
fn default_connect_timeout_secs() -> u64 {
    5
}
fn default_max_tokens() -> u32 {
    800
}

impl std::fmt::Debug for LlmProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmProviderConfig")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("deployment", &self.deployment)
            .field("api_version", &self.api_version)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("api_key_env", &self.api_key_env)
            .field("api_key_file", &self.api_key_file)
            .field("input_usd_per_mtok", &self.input_usd_per_mtok)
            .field("output_usd_per_mtok", &self.output_usd_per_mtok)
            .field("timeout_secs", &self.timeout_secs)
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .finish()
    }
}

impl LlmProviderConfig {
    /// The endpoint base with defaults applied and no trailing slash.
    pub fn effective_base_url(&self) -> String {
        let base = match (&self.base_url, self.kind) {
            (Some(u), _) => u.as_str(),
            (None, LlmProviderKind::Anthropic) => "https://api.anthropic.com",
            (None, _) => "https://api.openai.com/v1",
        };
        base.trim_end_matches('/').to_owned()
    }
}

/// Provider names per task, tried in order before the local responder.
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LlmRoutesConfig {
    /// Customer answers grounded in knowledge.
    pub answer: Vec<String>,
    /// Conversation summaries (hand-over to a human, Case description).
    pub summarize: Vec<String>,
    /// Intent classification when the NLU model is unsure.
    pub classify: Vec<String>,
    /// Suggested replies for human agents.
    pub assist: Vec<String>,
}

/// Monthly spending limits in USD; a tenant over its limit is answered locally.
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LlmBudgetConfig {
    /// Limit for every tenant per calendar month (UTC); unset: unlimited.
    pub monthly_usd: Option<f64>,
    /// Limits for single tenants, keyed by tenant slug or organization id.
    pub tenants: BTreeMap<String, f64>,
}

/// Prompt templates.
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LlmPromptConfig {
    /// Directory of overrides: `<dir>/<task>.jinja` for everyone,
    /// `<dir>/<tenant slug>/<task>.jinja` for one tenant. Unset: the built-in templates.
    pub dir: Option<PathBuf>,
}

/// When retrieved passages may ground an answer.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LlmGroundingConfig {
    /// Share (0..1) of the question's weighted terms a passage must contain to count as
    /// relevant. Below it for every passage, no model is asked: the customer is told
    /// honestly and offered a human.
    pub min_relevance: f64,
    /// At most this many passages go into a prompt.
    pub max_passages: usize,
}

impl Default for LlmGroundingConfig {
    fn default() -> Self {
        Self {
            min_relevance: 0.2,
            max_passages: 5,
        }
    }
}

/// Retries of one provider (only for retryable errors, and never once output reached the caller).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LlmRetryConfig {
    /// Attempts per provider, the first included.
    pub max_attempts: u32,
    /// First backoff ceiling; doubles per attempt, with full jitter.
    pub base_delay_ms: u64,
    /// Largest backoff.
    pub max_delay_ms: u64,
    /// A `Retry-After` longer than this moves on to the next provider instead of waiting.
    pub max_retry_after_ms: u64,
}

impl Default for LlmRetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 2,
            base_delay_ms: 200,
            max_delay_ms: 2000,
            max_retry_after_ms: 3000,
        }
    }
}

/// Circuit breaking per provider.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LlmBreakerConfig {
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// Seconds the circuit stays open before one probe request is let through.
    pub cooldown_secs: u64,
}

impl Default for LlmBreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            cooldown_secs: 30,
        }
    }
}

/// Size and time limits.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LlmLimitsConfig {
    /// A prompt longer than this (characters) is not sent; the local responder answers.
    pub max_prompt_chars: usize,
    /// Largest response body (or whole stream) read from a provider.
    pub max_response_bytes: usize,
    /// A stream still running after this many seconds is cut off.
    pub max_stream_secs: u64,
    /// A stream silent for this many seconds is abandoned.
    pub stream_idle_secs: u64,
    /// All providers of one task together get this long before the local responder answers.
    /// Keep it below `server.engine_timeout_secs`.
    pub deadline_secs: u64,
}

impl Default for LlmLimitsConfig {
    fn default() -> Self {
        Self {
            max_prompt_chars: 48_000,
            max_response_bytes: 1024 * 1024,
            max_stream_secs: 120,
            stream_idle_secs: 30,
            deadline_secs: 8,
        }
    }
}

fn bad(key: String, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key,
        message: message.into(),
    }
}

/// Validates `[llm]` and resolves `api_key_env` / `api_key_file` into `api_key`.
/// `engine_timeout_secs` is the engine's limit the deadline must stay under
/// when external providers are configured. Errors name the key
/// (`llm.providers[1].base_url`); keys are never echoed.
pub fn finish_llm(llm: &mut LlmConfig, engine_timeout_secs: u64) -> Result<(), ConfigError> {
    let mut names = std::collections::BTreeSet::new();
    for (i, p) in llm.providers.iter_mut().enumerate() {
        let key = |field: &str| format!("llm.providers[{i}].{field}");
        let valid_name = !p.name.is_empty()
            && p.name.len() <= 64
            && p.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !valid_name || p.name == "local" {
            return Err(bad(
                key("name"),
                "must be 1-64 letters, digits, `-`, `_` or `.`, and not `local`",
            ));
        }
        if !names.insert(p.name.clone()) {
            return Err(bad(key("name"), format!("`{}` is used twice", p.name)));
        }
        if let Some(base) = &p.base_url {
            let ok = url::Url::parse(base)
                .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .unwrap_or(false);
            if !ok {
                return Err(bad(
                    key("base_url"),
                    format!("`{base}` is not an http(s) URL"),
                ));
            }
        }
        if p.model.trim().is_empty() {
            return Err(bad(key("model"), "must not be empty"));
        }
        if p.kind == LlmProviderKind::AzureOpenai {
            if p.base_url.is_none() {
                return Err(bad(key("base_url"), "is required for azure_openai"));
            }
            if p.deployment.as_deref().unwrap_or("").is_empty() {
                return Err(bad(key("deployment"), "is required for azure_openai"));
            }
            if p.api_version.as_deref().unwrap_or("").is_empty() {
                return Err(bad(key("api_version"), "is required for azure_openai"));
            }
        }
        let sources = [
            p.api_key.is_some(),
            p.api_key_env.is_some(),
            p.api_key_file.is_some(),
        ];
        if sources.iter().filter(|s| **s).count() > 1 {
            return Err(bad(
                key("api_key"),
                "set only one of api_key, api_key_env and api_key_file",
            ));
        }
        if let Some(var) = &p.api_key_env {
            let value = std::env::var(var).map_err(|_| {
                bad(
                    key("api_key_env"),
                    format!("environment variable `{var}` is not set"),
                )
            })?;
            p.api_key = Some(SecretString::from(value.trim().to_owned()));
        }
        if let Some(path) = &p.api_key_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                bad(
                    key("api_key_file"),
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            p.api_key = Some(SecretString::from(text.trim().to_owned()));
        }
        if let Some(k) = &p.api_key {
            if k.expose_secret().is_empty() || k.expose_secret().contains(['\n', '\r']) {
                return Err(bad(key("api_key"), "must be one non-empty line"));
            }
        }
        let needs_key = matches!(
            p.kind,
            LlmProviderKind::Anthropic | LlmProviderKind::AzureOpenai
        ) || p.base_url.is_none();
        if needs_key && p.api_key.is_none() {
            return Err(bad(key("api_key"), "this provider needs an API key"));
        }
        for (field, price) in [
            ("input_usd_per_mtok", p.input_usd_per_mtok),
            ("output_usd_per_mtok", p.output_usd_per_mtok),
        ] {
            if !price.is_finite() || price < 0.0 {
                return Err(bad(key(field), "must be a non-negative number"));
            }
        }
        if p.timeout_secs == 0 {
            return Err(bad(key("timeout_secs"), "must be at least 1"));
        }
        if p.connect_timeout_secs == 0 {
            return Err(bad(key("connect_timeout_secs"), "must be at least 1"));
        }
        if p.max_tokens == 0 {
            return Err(bad(key("max_tokens"), "must be at least 1"));
        }
        if let Some(t) = p.temperature {
            if !(0.0..=2.0).contains(&t) {
                return Err(bad(key("temperature"), "must be between 0 and 2"));
            }
        }
    }
    let routes = [
        ("answer", &llm.routes.answer),
        ("summarize", &llm.routes.summarize),
        ("classify", &llm.routes.classify),
        ("assist", &llm.routes.assist),
    ];
    for (task, chain) in routes {
        let mut seen = std::collections::BTreeSet::new();
        for (i, name) in chain.iter().enumerate() {
            if !names.contains(name) {
                return Err(bad(
                    format!("llm.routes.{task}[{i}]"),
                    format!("no provider is named `{name}`"),
                ));
            }
            if !seen.insert(name) {
                return Err(bad(
                    format!("llm.routes.{task}[{i}]"),
                    format!("`{name}` is listed twice"),
                ));
            }
        }
    }
    let valid_usd = |v: f64| v.is_finite() && v >= 0.0;
    if let Some(v) = llm.budgets.monthly_usd {
        if !valid_usd(v) {
            return Err(bad(
                "llm.budgets.monthly_usd".into(),
                "must be a non-negative number",
            ));
        }
    }
    for (tenant, v) in &llm.budgets.tenants {
        if !valid_usd(*v) {
            return Err(bad(
                format!("llm.budgets.tenants.{tenant}"),
                "must be a non-negative number",
            ));
        }
    }
    if let Some(dir) = &llm.prompts.dir {
        if !dir.is_dir() {
            return Err(bad(
                "llm.prompts.dir".into(),
                format!("{} is not a directory", dir.display()),
            ));
        }
    }
    let g = &llm.grounding;
    if !(0.0..=1.0).contains(&g.min_relevance) {
        return Err(bad(
            "llm.grounding.min_relevance".into(),
            "must be between 0 and 1",
        ));
    }
    if g.max_passages == 0 || g.max_passages > 20 {
        return Err(bad(
            "llm.grounding.max_passages".into(),
            "must be between 1 and 20",
        ));
    }
    let r = &llm.retry;
    if r.max_attempts == 0 || r.max_attempts > 5 {
        return Err(bad(
            "llm.retry.max_attempts".into(),
            "must be between 1 and 5",
        ));
    }
    if r.max_delay_ms < r.base_delay_ms {
        return Err(bad(
            "llm.retry.max_delay_ms".into(),
            "must not be below llm.retry.base_delay_ms",
        ));
    }
    if llm.breaker.failure_threshold == 0 {
        return Err(bad(
            "llm.breaker.failure_threshold".into(),
            "must be at least 1",
        ));
    }
    if llm.breaker.cooldown_secs == 0 {
        return Err(bad(
            "llm.breaker.cooldown_secs".into(),
            "must be at least 1",
        ));
    }
    let l = &llm.limits;
    if l.max_prompt_chars < 1000 {
        return Err(bad(
            "llm.limits.max_prompt_chars".into(),
            "must be at least 1000",
        ));
    }
    if l.max_response_bytes < 1024 {
        return Err(bad(
            "llm.limits.max_response_bytes".into(),
            "must be at least 1024",
        ));
    }
    if l.max_stream_secs == 0 || l.stream_idle_secs == 0 {
        return Err(bad(
            "llm.limits".into(),
            "max_stream_secs and stream_idle_secs must be at least 1",
        ));
    }
    if l.deadline_secs == 0 {
        return Err(bad("llm.limits.deadline_secs".into(), "must be at least 1"));
    }
    // Only matters when a provider can be slow: the local responder is instant.
    if !llm.providers.is_empty() && l.deadline_secs >= engine_timeout_secs {
        return Err(bad(
            "llm.limits.deadline_secs".into(),
            "must be below server.engine_timeout_secs when providers are configured",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(toml_text: &str) -> LlmConfig {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn the_default_is_local_only_and_valid() {
        let mut c = LlmConfig::default();
        assert!(c.providers.is_empty());
        finish_llm(&mut c, 10).unwrap();
    }

    #[test]
    fn a_full_example_parses_and_validates() {
        let mut c = provider(
            r#"
            [[providers]]
            name = "openai"
            kind = "openai"
            model = "gpt-4o-mini"
            api_key = "sk-test"
            input_usd_per_mtok = 0.15
            output_usd_per_mtok = 0.6

            [[providers]]
            name = "ollama"
            kind = "openai"
            base_url = "http://127.0.0.1:11434/v1"
            model = "llama3.1"

            [routes]
            answer = ["openai", "ollama"]

            [budgets]
            monthly_usd = 50.0
            tenants = { acme = 500.0 }
            "#,
        );
        finish_llm(&mut c, 10).unwrap();
        assert_eq!(
            c.providers[1].effective_base_url(),
            "http://127.0.0.1:11434/v1"
        );
        assert_eq!(c.budgets.tenants["acme"], 500.0);
    }

    #[test]
    fn errors_name_the_key_and_hide_the_secret() {
        let mut c = provider(
            r#"
            [[providers]]
            name = "a"
            kind = "openai"
            model = "m"
            base_url = "http://127.0.0.1:1/v1"
            [[providers]]
            name = "b"
            kind = "openai"
            model = "m"
            base_url = "ftp://x"
            api_key = "sk-hunter2"
            "#,
        );
        let err = finish_llm(&mut c, 10).unwrap_err();
        assert_eq!(err.key, "llm.providers[1].base_url");
        assert!(!err.to_string().contains("hunter2"));
        assert!(!format!("{c:?}").contains("hunter2"));

        let mut c = provider(
            "[[providers]]\nname = \"a\"\nkind = \"openai\"\nmodel = \"m\"\nbase_url = \"http://h/v1\"\n[routes]\nanswer = [\"a\", \"nope\"]\n",
        );
        assert_eq!(
            finish_llm(&mut c, 10).unwrap_err().key,
            "llm.routes.answer[1]"
        );

        let mut c = provider("[[providers]]\nname = \"a\"\nkind = \"anthropic\"\nmodel = \"m\"\n");
        assert_eq!(
            finish_llm(&mut c, 10).unwrap_err().key,
            "llm.providers[0].api_key"
        );

        let mut c = provider(
            "[[providers]]\nname = \"a\"\nkind = \"openai\"\nmodel = \"m\"\nbase_url = \"http://h/v1\"\napi_key_env = \"CONCIERGE_TEST_SURELY_UNSET_VAR\"\n",
        );
        assert_eq!(
            finish_llm(&mut c, 10).unwrap_err().key,
            "llm.providers[0].api_key_env"
        );

        let mut c = provider(
            "[[providers]]\nname = \"a\"\nkind = \"openai\"\nmodel = \"m\"\nbase_url = \"http://h/v1\"\n",
        );
        assert_eq!(
            finish_llm(&mut c, 8).unwrap_err().key,
            "llm.limits.deadline_secs"
        );

        let mut c = provider("[budgets]\ntenants = { acme = -1.0 }\n");
        assert_eq!(
            finish_llm(&mut c, 10).unwrap_err().key,
            "llm.budgets.tenants.acme"
        );
    }

    #[test]
    fn api_keys_are_read_from_files() {
        let dir = std::env::temp_dir().join(format!("concierge-llm-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key");
        std::fs::write(&file, "sk-from-file\n").unwrap();
        let mut c = provider(&format!(
            "[[providers]]\nname = \"a\"\nkind = \"anthropic\"\nmodel = \"m\"\napi_key_file = {:?}\n",
            file.display().to_string()
        ));
        finish_llm(&mut c, 10).unwrap();
        assert_eq!(
            c.providers[0].api_key.as_ref().unwrap().expose_secret(),
            "sk-from-file"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
