//! The Anthropic Messages API: `POST {base}/v1/messages` with `x-api-key` and
//! `anthropic-version`, a top-level `system`, content blocks (`text`,
//! `tool_use`, `tool_result`), `stop_reason` and `usage.input_tokens` /
//! `output_tokens`. Streams are named events: `message_start`,
//! `content_block_start`, `content_block_delta` (`text_delta`,
//! `input_json_delta`), `content_block_stop`, `message_delta`,
//! `message_stop`, `ping` and `error`.

use std::collections::{BTreeMap, VecDeque};

use async_trait::async_trait;
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use super::{
    drive, error_from_response, error_from_status, event_json, read_limited, send, Provider,
    ProviderOptions, StreamDecoder,
};
use crate::error::LlmError;
use crate::sse::SseEvent;
use crate::types::{
    ChatMessage, ChatRequest, ChatResponse, ChatStream, FinishReason, StreamEvent, ToolCall,
    ToolChoice, Usage,
};

/// The API version header sent unless configured otherwise.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// An Anthropic Messages endpoint.
#[derive(Debug)]
pub struct AnthropicProvider {
    options: ProviderOptions,
    client: reqwest::Client,
    url: String,
    version: String,
}

impl AnthropicProvider {
    /// `options.base_url` is `https://api.anthropic.com` (no `/v1`).
    pub fn new(options: ProviderOptions, version: Option<&str>) -> Result<Self, LlmError> {
        Ok(Self {
            client: options.client()?,
            url: format!("{}/v1/messages", options.base_url),
            version: version.unwrap_or(ANTHROPIC_VERSION).to_owned(),
            options,
        })
    }

    fn request(&self, req: &ChatRequest, stream: bool) -> reqwest::RequestBuilder {
        let mut builder = self
            .client
            .post(&self.url)
            .header("anthropic-version", &self.version)
            .json(&request_body(req, &self.options, stream));
        if let Some(key) = &self.options.api_key {
            builder = builder.header("x-api-key", key.expose_secret());
        }
        builder
    }
}

#[async_trait]
impl Provider for AnthropicProvider {
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

/// The JSON body of a Messages request. Consecutive turns of one role are
/// merged (the API wants user and assistant to alternate; several tool
/// results form one user turn).
pub(crate) fn request_body(req: &ChatRequest, o: &ProviderOptions, stream: bool) -> Value {
    let mut turns: Vec<(&str, Vec<Value>)> = Vec::new();
    for m in &req.messages {
        let (role, blocks) = match m {
            ChatMessage::User { content } => {
                ("user", vec![json!({"type": "text", "text": content})])
            }
            ChatMessage::Assistant {
                content,
                tool_calls,
            } => {
                let mut blocks = Vec::new();
                if !content.is_empty() {
                    blocks.push(json!({"type": "text", "text": content}));
                }
                for t in tool_calls {
                    let input: Value =
                        serde_json::from_str(&t.arguments).unwrap_or_else(|_| json!({}));
                    blocks.push(
                        json!({"type": "tool_use", "id": t.id, "name": t.name, "input": input}),
                    );
                }
                ("assistant", blocks)
            }
            ChatMessage::Tool {
                call_id,
                content,
                is_error,
            } => (
                "user",
                vec![
                    json!({"type": "tool_result", "tool_use_id": call_id, "content": content, "is_error": is_error}),
                ],
            ),
        };
        match turns.last_mut() {
            Some((r, b)) if *r == role => b.extend(blocks),
            _ => turns.push((role, blocks)),
        }
    }
    let messages: Vec<Value> = turns
        .into_iter()
        .map(|(role, content)| json!({"role": role, "content": content}))
        .collect();
    let mut body = json!({
        "model": o.model,
        "max_tokens": req.max_tokens.unwrap_or(o.max_tokens),
        "messages": messages,
    });
    if let Some(system) = &req.system {
        body["system"] = json!(system);
    }
    if let Some(t) = req.temperature.or(o.temperature) {
        // Anthropic's range is 0..1.
        body["temperature"] = json!(t.clamp(0.0, 1.0));
    }
    if !req.tools.is_empty() && req.tool_choice != ToolChoice::None {
        body["tools"] = req
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
        body["tool_choice"] = match &req.tool_choice {
            ToolChoice::Required => json!({"type": "any"}),
            ToolChoice::Tool(name) => json!({"type": "tool", "name": name}),
            _ => json!({"type": "auto"}),
        };
    }
    if stream {
        body["stream"] = json!(true);
    }
    body
}

fn stop_reason(s: &str) -> FinishReason {
    match s {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "max_tokens" => FinishReason::Length,
        "tool_use" => FinishReason::ToolCalls,
        "refusal" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_owned()),
    }
}

fn tokens(v: &Value, key: &str) -> Option<u32> {
    v[key].as_u64().map(|n| n.min(u64::from(u32::MAX)) as u32)
}

/// A non-streamed Messages response.
pub(crate) fn parse_response(v: &Value) -> Result<ChatResponse, LlmError> {
    let blocks = v["content"]
        .as_array()
        .ok_or_else(|| LlmError::MalformedResponse("no content blocks".into()))?;
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    for block in blocks {
        match block["type"].as_str() {
            Some("text") => text.push_str(block["text"].as_str().unwrap_or_default()),
            Some("tool_use") => tool_calls.push(ToolCall {
                id: block["id"].as_str().unwrap_or_default().to_owned(),
                name: block["name"].as_str().unwrap_or_default().to_owned(),
                arguments: block["input"].to_string(),
            }),
            _ => {}
        }
    }
    Ok(ChatResponse {
        text,
        tool_calls,
        finish_reason: stop_reason(v["stop_reason"].as_str().unwrap_or("end_turn")),
        usage: Usage {
            prompt_tokens: tokens(&v["usage"], "input_tokens").unwrap_or(0),
            completion_tokens: tokens(&v["usage"], "output_tokens").unwrap_or(0),
        },
        model: v["model"].as_str().unwrap_or_default().to_owned(),
    })
}

/// The typed error for a stream's `error` event.
fn stream_error(error: &Value) -> LlmError {
    let message = error["message"]
        .as_str()
        .unwrap_or("stream error")
        .to_owned();
    let status = match error["type"].as_str().unwrap_or_default() {
        "overloaded_error" => 529,
        "rate_limit_error" => 429,
        "authentication_error" => 401,
        "permission_error" => 403,
        "invalid_request_error" => 400,
        "request_too_large" => 413,
        _ => 500,
    };
    error_from_status(status, None, message, None)
}

/// Assembles streamed events.
#[derive(Debug, Default)]
struct Decoder {
    started: bool,
    text: String,
    /// Content-block index → tool call (in the order the calls began).
    calls: BTreeMap<u64, (usize, ToolCall)>,
    finish: Option<FinishReason>,
    usage: Usage,
    model: String,
    done: bool,
}

impl StreamDecoder for Decoder {
    fn event(&mut self, event: SseEvent, out: &mut VecDeque<StreamEvent>) -> Result<(), LlmError> {
        let v = event_json(&event.data)?;
        let kind = event
            .event
            .as_deref()
            .or_else(|| v["type"].as_str())
            .unwrap_or_default()
            .to_owned();
        if kind != "message_start" && kind != "ping" && kind != "error" && !self.started {
            return Err(LlmError::MalformedStream(format!(
                "`{kind}` before message_start"
            )));
        }
        match kind.as_str() {
            "message_start" => {
                self.started = true;
                let m = &v["message"];
                self.model = m["model"].as_str().unwrap_or_default().to_owned();
                self.usage.prompt_tokens = tokens(&m["usage"], "input_tokens").unwrap_or(0);
                self.usage.completion_tokens = tokens(&m["usage"], "output_tokens").unwrap_or(0);
            }
            "content_block_start" => {
                let block = &v["content_block"];
                let index = v["index"].as_u64().unwrap_or(0);
                match block["type"].as_str() {
                    Some("tool_use") => {
                        let call = ToolCall {
                            id: block["id"].as_str().unwrap_or_default().to_owned(),
                            name: block["name"].as_str().unwrap_or_default().to_owned(),
                            arguments: String::new(),
                        };
                        let order = self.calls.len();
                        out.push_back(StreamEvent::ToolCallStarted {
                            index: order,
                            id: call.id.clone(),
                            name: call.name.clone(),
                        });
                        self.calls.insert(index, (order, call));
                    }
                    Some("text") => {
                        if let Some(t) = block["text"].as_str().filter(|t| !t.is_empty()) {
                            self.text.push_str(t);
                            out.push_back(StreamEvent::TextDelta(t.to_owned()));
                        }
                    }
                    _ => {}
                }
            }
            "content_block_delta" => {
                let delta = &v["delta"];
                match delta["type"].as_str() {
                    Some("text_delta") => {
                        let t = delta["text"].as_str().unwrap_or_default();
                        if !t.is_empty() {
                            self.text.push_str(t);
                            out.push_back(StreamEvent::TextDelta(t.to_owned()));
                        }
                    }
                    Some("input_json_delta") => {
                        let index = v["index"].as_u64().unwrap_or(0);
                        let part = delta["partial_json"].as_str().unwrap_or_default();
                        let Some((order, call)) = self.calls.get_mut(&index) else {
                            return Err(LlmError::MalformedStream(
                                "input_json_delta for a block that is not a tool call".into(),
                            ));
                        };
                        if !part.is_empty() {
                            call.arguments.push_str(part);
                            out.push_back(StreamEvent::ToolCallDelta {
                                index: *order,
                                arguments: part.to_owned(),
                            });
                        }
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(r) = v["delta"]["stop_reason"].as_str() {
                    self.finish = Some(stop_reason(r));
                }
                if let Some(n) = tokens(&v["usage"], "output_tokens") {
                    self.usage.completion_tokens = n;
                }
                if let Some(n) = tokens(&v["usage"], "input_tokens") {
                    self.usage.prompt_tokens = n;
                }
            }
            "message_stop" => {
                self.done = true;
                let calls = std::mem::take(&mut self.calls);
                let mut calls: Vec<(usize, ToolCall)> = calls.into_values().collect();
                calls.sort_by_key(|(order, _)| *order);
                out.push_back(StreamEvent::Finished(ChatResponse {
                    text: std::mem::take(&mut self.text),
                    tool_calls: calls.into_iter().map(|(_, c)| c).collect(),
                    finish_reason: self.finish.take().unwrap_or_default(),
                    usage: self.usage,
                    model: std::mem::take(&mut self.model),
                }));
            }
            "error" => return Err(stream_error(&v["error"])),
            // ping, content_block_stop and event types added later.
            _ => {}
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

    fn ev(name: &str, data: Value) -> SseEvent {
        SseEvent {
            event: Some(name.into()),
            data: data.to_string(),
        }
    }

    #[test]
    fn consecutive_tool_results_form_one_user_turn() {
        let req = ChatRequest {
            system: Some("sys".into()),
            messages: vec![
                ChatMessage::user("q"),
                ChatMessage::Assistant {
                    content: "let me look".into(),
                    tool_calls: vec![
                        ToolCall {
                            id: "t1".into(),
                            name: "a".into(),
                            arguments: "{\"k\":1}".into(),
                        },
                        ToolCall {
                            id: "t2".into(),
                            name: "b".into(),
                            arguments: String::new(),
                        },
                    ],
                },
                ChatMessage::tool_result("t1", "one"),
                ChatMessage::tool_result("t2", "two"),
            ],
            ..Default::default()
        };
        let b = request_body(
            &req,
            &ProviderOptions::new("c", "http://h", "claude"),
            false,
        );
        assert_eq!(b["system"], "sys");
        let msgs = b["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[1]["content"][1]["input"], json!({"k": 1}));
        assert_eq!(msgs[1]["content"][2]["input"], json!({}));
        assert_eq!(msgs[2]["role"], "user");
        assert_eq!(msgs[2]["content"].as_array().unwrap().len(), 2);
        assert_eq!(msgs[2]["content"][1]["tool_use_id"], "t2");
    }

    #[test]
    fn a_streamed_tool_use_is_assembled_with_usage() {
        let mut d = Decoder::default();
        let mut out = VecDeque::new();
        let events = [
            ev(
                "message_start",
                json!({"type":"message_start","message":{"id":"m","model":"claude-x","usage":{"input_tokens":21,"output_tokens":1}}}),
            ),
            ev(
                "content_block_start",
                json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
            ),
            ev(
                "content_block_delta",
                json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking"}}),
            ),
            ev("ping", json!({"type":"ping"})),
            ev(
                "content_block_stop",
                json!({"type":"content_block_stop","index":0}),
            ),
            ev(
                "content_block_start",
                json!({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"tu_1","name":"order_status","input":{}}}),
            ),
            ev(
                "content_block_delta",
                json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"order\": "}}),
            ),
            ev(
                "content_block_delta",
                json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"A-1\"}"}}),
            ),
            ev(
                "message_delta",
                json!({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":17}}),
            ),
            ev("message_stop", json!({"type":"message_stop"})),
        ];
        for e in events {
            d.event(e, &mut out).unwrap();
        }
        let Some(StreamEvent::Finished(r)) = out.pop_back() else {
            panic!("not finished")
        };
        assert_eq!(r.text, "Checking");
        assert_eq!(
            r.tool_calls[0].parsed_arguments().unwrap(),
            json!({"order": "A-1"})
        );
        assert_eq!(r.finish_reason, FinishReason::ToolCalls);
        assert_eq!(
            r.usage,
            Usage {
                prompt_tokens: 21,
                completion_tokens: 17
            }
        );
    }

    #[test]
    fn an_error_event_is_typed() {
        let mut d = Decoder::default();
        let e = d
            .event(
                ev("error", json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})),
                &mut VecDeque::new(),
            )
            .unwrap_err();
        assert!(matches!(e, LlmError::Server { status: 529, .. }), "{e:?}");
    }
}
