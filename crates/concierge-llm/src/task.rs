//! What the engine asks for ([`TaskRequest`]) and what it gets back
//! ([`TaskOutcome`]): structured enough that the local responder can do every
//! task without a model.

use concierge_core::knowledge::{Citation, Passage};
use concierge_core::{ConversationId, OrgId};
use concierge_nlu::{Analysis, Emotions};
use serde::{Deserialize, Serialize};

use crate::types::Usage;

/// The jobs models do for Concierge; each has its own route and template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Answer the customer from knowledge passages, with citations.
    Answer,
    /// Summarise the conversation (issue, what was tried, status).
    Summarize,
    /// Pick an intent label when the NLU model is unsure.
    Classify,
    /// Suggest a reply to a human agent.
    Assist,
}

impl Task {
    /// Every task.
    pub const ALL: [Task; 4] = [Task::Answer, Task::Summarize, Task::Classify, Task::Assist];

    /// The name used in routes, template files and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Answer => "answer",
            Task::Summarize => "summarize",
            Task::Classify => "classify",
            Task::Assist => "assist",
        }
    }
}

/// The voice of a tenant's answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    #[default]
    Professional,
    Friendly,
    Technical,
}

impl Tone {
    /// The template variable's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Professional => "professional",
            Tone::Friendly => "friendly",
            Tone::Technical => "technical",
        }
    }
}

/// The tenant's settings that shape a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantSettings {
    /// The tenant's slug: selects prompt overrides and budget overrides.
    pub slug: String,
    /// The company name the assistant speaks for.
    pub display_name: String,
    pub tone: Tone,
    /// Personal data may go to external providers unmasked (also allowed by
    /// `llm.allow_pii` or `llm.pii_allowed_tenants`).
    pub allow_pii: bool,
    /// The tenant's monthly limit in USD when set (e.g. from its plan);
    /// otherwise `llm.budgets` decides.
    pub monthly_budget_usd: Option<f64>,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            slug: "default".to_owned(),
            display_name: "our company".to_owned(),
            tone: Tone::Professional,
            allow_pii: false,
            monthly_budget_usd: None,
        }
    }
}

/// Who said a turn of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Customer,
    /// The automated assistant.
    Assistant,
    /// A human agent.
    Agent,
}

/// One earlier turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub speaker: Speaker,
    pub text: String,
}

/// One task with everything it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRequest {
    pub task: Task,
    pub org_id: OrgId,
    pub conversation_id: Option<ConversationId>,
    pub tenant: TenantSettings,
    /// The customer's latest message (the question to answer or classify).
    pub question: String,
    /// Earlier turns, oldest first (summaries read these).
    pub history: Vec<Turn>,
    /// Retrieved passages, best first.
    pub passages: Vec<Passage>,
    /// Detected ISO 639-1 language of the customer (`None`/`und`: unknown).
    pub language: Option<String>,
    /// How the customer feels (drives the tone adjustment).
    pub emotions: Emotions,
    /// Labels to choose from (classification).
    pub labels: Vec<String>,
}

impl TaskRequest {
    /// A request for `task` with no context yet.
    pub fn new(task: Task, org_id: OrgId, question: impl Into<String>) -> Self {
        Self {
            task,
            org_id,
            conversation_id: None,
            tenant: TenantSettings::default(),
            question: question.into(),
            history: Vec::new(),
            passages: Vec::new(),
            language: None,
            emotions: Emotions::default(),
            labels: Vec::new(),
        }
    }

    /// Takes the language and emotions from an NLU analysis of the question.
    pub fn with_analysis(mut self, analysis: &Analysis) -> Self {
        self.language = Some(analysis.language.code.clone());
        self.emotions = analysis.emotions.clone();
        self
    }

    /// The customer's language if known (`en` otherwise).
    pub fn language_or_default(&self) -> &str {
        match self.language.as_deref() {
            Some(l) if !l.is_empty() && l != "und" => l,
            _ => "en",
        }
    }
}

/// Why a provider did not answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FallbackStep {
    /// The provider's name (or `budget`, `grounding` for decisions made before any call).
    pub provider: String,
    /// A stable reason (`server_error`, `timeout`, `circuit_open`, `budget_exceeded` …).
    pub reason: String,
    /// Human-readable detail (the provider's message; never prompt text).
    pub detail: String,
}

/// The result of a task. Every task has one: when no provider can answer,
/// the local responder does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskOutcome {
    pub task: Task,
    /// The reply (answer, summary, suggestion; for classification the raw reply).
    pub text: String,
    /// The passages the text cites, in marker order: `[1]` is `citations[0]`.
    pub citations: Vec<Citation>,
    /// The provider that answered, or `local`.
    pub provider: String,
    /// The model that answered (`local` for the local responder).
    pub model: String,
    /// Providers tried before the answer, and why each did not answer.
    pub fallbacks: Vec<FallbackStep>,
    pub usage: Usage,
    /// Millionths of a US dollar.
    pub cost_micros: u64,
    /// The answer rests on cited passages.
    pub grounded: bool,
    /// The reply offers a human (nothing relevant was found, or the model said it did not know).
    pub offered_human: bool,
    /// The reply is a clarifying question.
    pub clarifying: bool,
    /// A streamed reply broke off after part of it reached the caller (it
    /// cannot be taken back, so no other provider was tried); `text` is what
    /// was delivered.
    pub truncated: bool,
    /// The chosen label (classification only; `None` when unsure).
    pub label: Option<String>,
    /// The template that built the prompt (`answer.v1`, `acme/answer.v3` …); `None` locally.
    pub prompt_version: Option<String>,
}

impl TaskOutcome {
    /// An outcome by the local responder.
    pub(crate) fn local(task: Task, text: String) -> Self {
        Self {
            task,
            text,
            citations: Vec::new(),
            provider: crate::LOCAL.to_owned(),
            model: crate::LOCAL.to_owned(),
            fallbacks: Vec::new(),
            usage: Usage::default(),
            cost_micros: 0,
            grounded: false,
            offered_human: false,
            clarifying: false,
            truncated: false,
            label: None,
            prompt_version: None,
        }
    }
}
