//! The provider-neutral chat vocabulary: what we send ([`ChatRequest`]), what
//! comes back ([`ChatResponse`], or [`StreamEvent`]s), tools and token usage.
//! Each provider maps these to and from its own wire format.

use std::pin::Pin;

use futures::Stream;
use serde::{Deserialize, Serialize};

use crate::error::LlmError;

/// One conversation turn sent to a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum ChatMessage {
    /// The customer (or, for agent-assist, the task description).
    User { content: String },
    /// An earlier model turn, possibly asking for tools.
    Assistant {
        content: String,
        tool_calls: Vec<ToolCall>,
    },
    /// A tool's result, answering the call with `call_id`.
    Tool {
        call_id: String,
        content: String,
        is_error: bool,
    },
}

impl ChatMessage {
    /// A user turn.
    pub fn user(content: impl Into<String>) -> Self {
        Self::User {
            content: content.into(),
        }
    }
    /// An assistant turn with text only.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::Assistant {
            content: content.into(),
            tool_calls: Vec::new(),
        }
    }
    /// A tool result.
    pub fn tool_result(call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Self::Tool {
            call_id: call_id.into(),
            content: content.into(),
            is_error: false,
        }
    }

    /// Characters of text this turn carries (for the prompt size limit).
    pub fn chars(&self) -> usize {
        match self {
            Self::User { content } => content.chars().count(),
            Self::Assistant {
                content,
                tool_calls,
            } => {
                content.chars().count()
                    + tool_calls
                        .iter()
                        .map(|t| t.arguments.chars().count() + t.name.len())
                        .sum::<usize>()
            }
            Self::Tool { content, .. } => content.chars().count(),
        }
    }
}

/// A function the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON Schema of the arguments object.
    pub parameters: serde_json::Value,
}

/// Whether and which tool the model must call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolChoice {
    /// The model decides.
    #[default]
    Auto,
    /// No tool calls.
    None,
    /// At least one tool call.
    Required,
    /// This tool.
    Tool(String),
}

/// A tool call the model made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The provider's call id, echoed in the tool result.
    pub id: String,
    pub name: String,
    /// The arguments as the model wrote them (a JSON object, assembled from
    /// streamed fragments); see [`ToolCall::parsed_arguments`].
    pub arguments: String,
}

impl ToolCall {
    /// The arguments as JSON (`{}` when the model sent none).
    pub fn parsed_arguments(&self) -> Result<serde_json::Value, LlmError> {
        if self.arguments.trim().is_empty() {
            return Ok(serde_json::Value::Object(Default::default()));
        }
        serde_json::from_str(&self.arguments).map_err(|e| {
            LlmError::MalformedResponse(format!("tool call `{}` arguments: {e}", self.name))
        })
    }
}

/// A request to a chat model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// System instructions (OpenAI: a leading `system` message; Anthropic: top-level `system`).
    pub system: Option<String>,
    pub messages: Vec<ChatMessage>,
    pub tools: Vec<ToolSpec>,
    pub tool_choice: ToolChoice,
    /// Unset: the provider's configured maximum.
    pub max_tokens: Option<u32>,
    /// Unset: the provider's configured temperature.
    pub temperature: Option<f32>,
}

impl ChatRequest {
    /// Characters of text in the request (system, turns and tool schemas).
    pub fn chars(&self) -> usize {
        self.system.as_deref().map_or(0, |s| s.chars().count())
            + self.messages.iter().map(ChatMessage::chars).sum::<usize>()
            + self
                .tools
                .iter()
                .map(|t| t.description.chars().count() + t.parameters.to_string().len())
                .sum::<usize>()
    }
}

/// Tokens a call consumed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

impl Usage {
    /// Adds another call's usage.
    pub fn add(&mut self, other: Usage) {
        self.prompt_tokens = self.prompt_tokens.saturating_add(other.prompt_tokens);
        self.completion_tokens = self
            .completion_tokens
            .saturating_add(other.completion_tokens);
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// A natural end (OpenAI `stop`, Anthropic `end_turn` / `stop_sequence`).
    #[default]
    Stop,
    /// The token limit cut the answer (`length`, `max_tokens`).
    Length,
    /// The model wants tool results (`tool_calls`, `tool_use`).
    ToolCalls,
    /// The provider's filter removed content.
    ContentFilter,
    /// Anything else, as the provider named it.
    Other(String),
}

/// A complete model reply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub finish_reason: FinishReason,
    pub usage: Usage,
    /// The model that answered, as the provider reported it.
    pub model: String,
}

/// One event of a streamed reply. A stream that ends without
/// [`StreamEvent::Finished`] ended in an error instead.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// More answer text.
    TextDelta(String),
    /// A tool call began (`index` orders calls within the reply).
    ToolCallStarted {
        index: usize,
        id: String,
        name: String,
    },
    /// A fragment of a tool call's JSON arguments.
    ToolCallDelta { index: usize, arguments: String },
    /// The reply is complete: everything above, assembled, with usage.
    Finished(ChatResponse),
}

/// A streamed reply.
pub type ChatStream = Pin<Box<dyn Stream<Item = Result<StreamEvent, LlmError>> + Send>>;
