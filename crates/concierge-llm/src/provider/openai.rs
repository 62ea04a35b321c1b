//! OpenAI Chat Completions and every server that speaks it (vLLM, Ollama,
//! llama.cpp server, LiteLLM …), plus the Azure OpenAI variant (deployment in
//! the path, `api-version` query, `api-key` header).
//!
//! Streaming sends `stream: true` with `stream_options.include_usage`; chunks
//! carry `choices[].delta.content` and `delta.tool_calls[]` fragments keyed by
//! `index`, a last chunk carries `usage`, and `data: [DONE]` ends the stream.

use std::collections::{BTreeMap, VecDeque};

use async_trait::async_trait;
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use super::{
    drive, error_from_response, event_json, read_limited, send, Provider, ProviderOptions,
    StreamDecoder,
};
use crate::error::LlmError;
use crate::sse::SseEvent;
use crate::types::{
    ChatMessage, ChatRequest, ChatResponse, ChatStream, FinishReason, StreamEvent, ToolCall,
    ToolChoice, Usage,
};

/// An OpenAI-compatible endpoint.
#[derive(Debug)]
pub struct OpenAiProvider {
    options: ProviderOptions,
    client: reqwest::Client,
    /// `{base}/chat/completions`, or Azure's deployment URL.
    url: String,
    azure: bool,
}

impl OpenAiProvider {
    /// OpenAI or a compatible server at `options.base_url` (e.g. `https://api.openai.com/v1`).
    pub fn new(options: ProviderOptions) -> Result<Self, LlmError> {
        let url = format!("{}/chat/completions", options.base_url);
        Ok(Self {
            client: options.client()?,
            options,
            url,
            azure: false,
        })
    }

    /// Azure OpenAI: `options.base_url` is the resource (`https://x.openai.azure.com`).
    pub fn azure(
        options: ProviderOptions,
        deployment: &str,
        api_version: &str,
    ) -> Result<Self, LlmError> {
        let mut url = url::Url::parse(&format!(
            "{}/openai/deployments/{deployment}/chat/completions",
            options.base_url
        ))
        .map_err(|e| LlmError::Config(format!("Azure URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("api-version", api_version);
        Ok(Self {
            client: options.client()?,
            options,
            url: url.to_string(),
            azure: true,
        })
    }

    fn request(&self, req: &ChatRequest, stream: bool) -> reqwest::RequestBuilder {
        let mut body = request_body(req, &self.options, stream);
        if self.azure {
            // The deployment picks the model; Azure ignores or rejects `model`.
            if let Some(o) = body.as_object_mut() {
                o.remove("model");
            }
        }
        let mut builder = self.client.post(&self.url).json(&body);
        if let Some(key) = &self.options.api_key {
            builder = if self.azure {
                builder.header("api-key", key.expose_secret())
            } else {
                builder.bearer_auth(key.expose_secret())
            };
        }
        builder
    }
}

#[async_trait]
impl Provider for OpenAiProvider {
    fn name(&self) -> &str {
        &self.options.name
    }

    fn model(&self) -> &str {
        &self.options.model
    }

    async fn complete(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let limit = self.options.max_response_bytes;
        let response = send(
            self.request(req, false).timeout(self.options.timeout),
            self.options.timeout,
        )
        .await?;
        if !response.status().is_success() {
            return Err(error_from_response(response, limit).await);
        }
        let body = read_limited(response, limit).await?;
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| LlmError::MalformedResponse(format!("not JSON: {e}")))?;
        parse_response(&value)
    }

    async fn stream(&self, req: &ChatRequest) -> Result<ChatStream, LlmError> {
        let o = &self.options;
        let response = send(self.request(req, true), o.timeout).await?;
        if !response.status().is_success() {
            return Err(error_from_response(response, o.max_response_bytes).await);
        }
        Ok(drive(
            response,
            Decoder::default(),
            o.max_response_bytes,
            o.stream_idle,
            o.max_stream,
        ))
    }
}

/// The JSON body of a Chat Completions request.
pub(crate) fn request_body(req: &ChatRequest, o: &ProviderOptions, stream: bool) -> Value {
    let mut messages = Vec::new();
    if let Some(system) = &req.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    for m in &req.messages {
        messages.push(match m {
            ChatMessage::User { content } => json!({"role": "user", "content": content}),
            ChatMessage::Assistant {
                content,
                tool_calls,
            } if tool_calls.is_empty() => json!({"role": "assistant", "content": content}),
            ChatMessage::Assistant {
                content,
                tool_calls,
            } => json!({
                "role": "assistant",
                "content": if content.is_empty() { Value::Null } else { json!(content) },
                "tool_calls": tool_calls.iter().map(|t| json!({
                    "id": t.id,
                    "type": "function",
                    "function": {"name": t.name, "arguments": t.arguments},
                })).collect::<Vec<_>>(),
            }),
            ChatMessage::Tool {
                call_id, content, ..
            } => json!({"role": "tool", "tool_call_id": call_id, "content": content}),
        });
    }
    let mut body = json!({
        "model": o.model,
        "messages": messages,
        "max_tokens": req.max_tokens.unwrap_or(o.max_tokens),
    });
    if let Some(t) = req.temperature.or(o.temperature) {
        body["temperature"] = json!(t);
    }
    if !req.tools.is_empty() {
        body["tools"] = req
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "function": {
                    "name": t.name, "description": t.description, "parameters": t.parameters,
                }})
            })
            .collect();
        body["tool_choice"] = match &req.tool_choice {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::None => json!("none"),
            ToolChoice::Required => json!("required"),
            ToolChoice::Tool(name) => json!({"type": "function", "function": {"name": name}}),
        };
    }
    if stream {
        body["stream"] = json!(true);
        body["stream_options"] = json!({"include_usage": true});
    }
    body
}

fn finish_reason(s: &str) -> FinishReason {
    match s {
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        "content_filter" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_owned()),
    }
}

fn usage(v: &Value) -> Usage {
    let n = |k: &str| v[k].as_u64().unwrap_or(0).min(u64::from(u32::MAX)) as u32;
    Usage {
        prompt_tokens: n("prompt_tokens"),
        completion_tokens: n("completion_tokens"),
    }
}

/// A non-streamed Chat Completions response.
pub(crate) fn parse_response(v: &Value) -> Result<ChatResponse, LlmError> {
    let choice = v["choices"]
        .get(0)
        .ok_or_else(|| LlmError::MalformedResponse("no choices".into()))?;
    let message = &choice["message"];
    if !message.is_object() {
        return Err(LlmError::MalformedResponse(
            "the choice has no message".into(),
        ));
    }
    let mut tool_calls = Vec::new();
    for call in message["tool_calls"].as_array().into_iter().flatten() {
        let f = &call["function"];
        let name = f["name"]
            .as_str()
            .ok_or_else(|| LlmError::MalformedResponse("a tool call has no name".into()))?;
        tool_calls.push(ToolCall {
            id: call["id"].as_str().unwrap_or_default().to_owned(),
            name: name.to_owned(),
            arguments: f["arguments"].as_str().unwrap_or_default().to_owned(),
        });
    }
    Ok(ChatResponse {
        text: message["content"].as_str().unwrap_or_default().to_owned(),
        tool_calls,
        finish_reason: finish_reason(choice["finish_reason"].as_str().unwrap_or("stop")),
        usage: usage(&v["usage"]),
        model: v["model"].as_str().unwrap_or_default().to_owned(),
    })
}

/// Assembles streamed chunks.
#[derive(Debug, Default)]
struct Decoder {
    text: String,
    /// Tool calls by the `index` the chunks give them.
    calls: BTreeMap<u64, ToolCall>,
    finish: Option<FinishReason>,
    usage: Usage,
    model: String,
    done: bool,
}

impl StreamDecoder for Decoder {
    fn event(&mut self, event: SseEvent, out: &mut VecDeque<StreamEvent>) -> Result<(), LlmError> {
        let data = event.data.trim();
        if data == "[DONE]" {
            self.done = true;
            let tool_calls = std::mem::take(&mut self.calls).into_values().collect();
            out.push_back(StreamEvent::Finished(ChatResponse {
                text: std::mem::take(&mut self.text),
                tool_calls,
                finish_reason: self.finish.take().unwrap_or_default(),
                usage: self.usage,
                model: std::mem::take(&mut self.model),
            }));
            return Ok(());
        }
        let v = event_json(data)?;
        if v["error"].is_object() {
            // vLLM and OpenAI report failures mid-stream as an error chunk.
            let message = v["error"]["message"].as_str().unwrap_or("stream error");
            return Err(LlmError::Server {
                status: v["error"]["code"].as_u64().unwrap_or(500).min(599) as u16,
                retry_after: None,
                message: message.to_owned(),
            });
        }
        if let Some(m) = v["model"].as_str() {
            if self.model.is_empty() {
                self.model = m.to_owned();
            }
        }
        if v["usage"].is_object() {
            self.usage = usage(&v["usage"]);
        }
        for choice in v["choices"].as_array().into_iter().flatten() {
            if choice["index"].as_u64().unwrap_or(0) != 0 {
                continue;
            }
            let delta = &choice["delta"];
            if let Some(text) = delta["content"].as_str() {
                if !text.is_empty() {
                    self.text.push_str(text);
                    out.push_back(StreamEvent::TextDelta(text.to_owned()));
                }
            }
            for call in delta["tool_calls"].as_array().into_iter().flatten() {
                let Some(index) = call["index"].as_u64() else {
                    return Err(LlmError::MalformedStream(
                        "a tool call fragment has no index".into(),
                    ));
                };
                let f = &call["function"];
                let entry = self.calls.entry(index).or_insert_with(|| ToolCall {
                    id: String::new(),
                    name: String::new(),
                    arguments: String::new(),
                });
                let starting = entry.name.is_empty();
                if let Some(id) = call["id"].as_str() {
                    entry.id = id.to_owned();
                }
                if let Some(name) = f["name"].as_str() {
                    entry.name.push_str(name);
                }
                if starting && !entry.name.is_empty() {
                    out.push_back(StreamEvent::ToolCallStarted {
                        index: index as usize,
                        id: entry.id.clone(),
                        name: entry.name.clone(),
                    });
                }
                if let Some(args) = f["arguments"].as_str() {
                    if !args.is_empty() {
                        entry.arguments.push_str(args);
                        out.push_back(StreamEvent::ToolCallDelta {
                            index: index as usize,
                            arguments: args.to_owned(),
                        });
                    }
                }
            }
            if let Some(reason) = choice["finish_reason"].as_str() {
                self.finish = Some(finish_reason(reason));
            }
        }
        Ok(())
    }

    fn finished(&self) -> bool {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ToolSpec;

    #[test]
    fn request_body_has_system_tools_and_stream_options() {
        let req = ChatRequest {
            system: Some("be brief".into()),
            messages: vec![
                ChatMessage::user("hi"),
                ChatMessage::Assistant {
                    content: String::new(),
                    tool_calls: vec![ToolCall {
                        id: "c1".into(),
                        name: "lookup".into(),
                        arguments: "{\"q\":1}".into(),
                    }],
                },
                ChatMessage::tool_result("c1", "found"),
            ],
            tools: vec![ToolSpec {
                name: "lookup".into(),
                description: "d".into(),
                parameters: json!({"type": "object"}),
            }],
            tool_choice: ToolChoice::Tool("lookup".into()),
            ..Default::default()
        };
        let o = ProviderOptions::new("x", "http://h/v1", "m");
        let b = request_body(&req, &o, true);
        assert_eq!(b["messages"][0]["role"], "system");
        assert_eq!(
            b["messages"][2]["tool_calls"][0]["function"]["arguments"],
            "{\"q\":1}"
        );
        assert!(b["messages"][2]["content"].is_null());
        assert_eq!(b["messages"][3]["tool_call_id"], "c1");
        assert_eq!(b["tool_choice"]["function"]["name"], "lookup");
        assert_eq!(b["stream_options"]["include_usage"], true);
        assert_eq!(b["max_tokens"], 800);
    }

    #[test]
    fn streamed_tool_call_fragments_are_assembled_by_index() {
        let mut d = Decoder::default();
        let mut out = VecDeque::new();
        let chunks = [
            r#"{"model":"m1","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":""}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"g","arguments":"{\"y\""}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"x\":"}}]}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}},{"index":1,"function":{"arguments":":2}"}}]},"finish_reason":"tool_calls"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}"#,
            "[DONE]",
        ];
        for c in chunks {
            d.event(
                SseEvent {
                    event: None,
                    data: c.into(),
                },
                &mut out,
            )
            .unwrap();
        }
        let Some(StreamEvent::Finished(r)) = out.pop_back() else {
            panic!("no final event")
        };
        assert_eq!(r.tool_calls.len(), 2);
        assert_eq!(r.tool_calls[0].parsed_arguments().unwrap(), json!({"x": 1}));
        assert_eq!(r.tool_calls[1].parsed_arguments().unwrap(), json!({"y": 2}));
        assert_eq!(r.finish_reason, FinishReason::ToolCalls);
        assert_eq!(r.usage.completion_tokens, 4);
        assert_eq!(r.model, "m1");
        assert!(d.finished());
    }
}
