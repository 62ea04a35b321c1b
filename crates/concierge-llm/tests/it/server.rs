//! A local HTTP server on 127.0.0.1:0 that replies from a script, speaking
//! the providers' real wire formats (JSON bodies, server-sent events written
//! chunk by chunk, error bodies, delays and dropped connections), and
//! records every request it receives.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use futures::StreamExt;
use serde_json::{json, Value};

/// What the server answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status, JSON body and extra headers.
    Json(u16, Value, Vec<(&'static str, String)>),
    /// A plain body.
    Text(u16, String),
    /// `text/event-stream`, each string written (and flushed) separately.
    /// With `drop_connection`, the connection is cut after the last chunk.
    Sse {
        chunks: Vec<String>,
        drop_connection: bool,
        pause: Duration,
    },
    /// Wait, then reply.
    Delay(Duration, Box<Reply>),
}

impl Reply {
    pub fn sse(chunks: Vec<String>) -> Self {
        Reply::Sse {
            chunks,
            drop_connection: false,
            pause: Duration::from_millis(2),
        }
    }
    pub fn sse_then_drop(chunks: Vec<String>) -> Self {
        Reply::Sse {
            chunks,
            drop_connection: true,
            pause: Duration::from_millis(2),
        }
    }
    pub fn json(v: Value) -> Self {
        Reply::Json(200, v, Vec::new())
    }
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub raw: String,
    pub body: Value,
}

#[derive(Debug, Default)]
struct Shared {
    script: Mutex<VecDeque<Reply>>,
    /// Answers once the script is used up.
    default: Mutex<Option<Reply>>,
    requests: Mutex<Vec<Recorded>>,
}

/// A running mock provider.
#[derive(Debug, Clone)]
pub struct MockServer {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    shared: Arc<Shared>,
}

impl MockServer {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Self { url, shared }
    }

    /// Queues replies, answered in order.
    pub fn push(&self, reply: Reply) -> &Self {
        self.shared.script.lock().unwrap().push_back(reply);
        self
    }

    /// The reply once the queue is empty.
    pub fn always(&self, reply: Reply) -> &Self {
        *self.shared.default.lock().unwrap() = Some(reply);
        self
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn hits(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw = String::from_utf8_lossy(&body).into_owned();
    shared.requests.lock().unwrap().push(Recorded {
        uri: uri.to_string(),
        headers,
        body: serde_json::from_str(&raw).unwrap_or(Value::Null),
        raw,
    });
    let reply = shared.script.lock().unwrap().pop_front();
    let reply = reply.or_else(|| shared.default.lock().unwrap().clone());
    let reply = reply.unwrap_or(Reply::Text(599, "unscripted request".into()));
    respond(reply).await
}

fn respond(reply: Reply) -> futures::future::BoxFuture<'static, Response> {
    Box::pin(async move {
        match reply {
            Reply::Delay(d, inner) => {
                tokio::time::sleep(d).await;
                respond(*inner).await
            }
            Reply::Json(status, v, headers) => {
                let mut b = Response::builder()
                    .status(StatusCode::from_u16(status).unwrap())
                    .header("content-type", "application/json");
                for (k, v) in headers {
                    b = b.header(k, v);
                }
                b.body(Body::from(v.to_string())).unwrap()
            }
            Reply::Text(status, t) => Response::builder()
                .status(StatusCode::from_u16(status).unwrap())
                .header("content-type", "text/html")
                .body(Body::from(t))
                .unwrap(),
            Reply::Sse {
                chunks,
                drop_connection,
                pause,
            } => {
                let n = chunks.len();
                let stream = futures::stream::iter(chunks.into_iter().enumerate()).then(
                    move |(i, c)| async move {
                        tokio::time::sleep(pause).await;
                        if drop_connection && i + 1 == n {
                            // Send the last chunk, then fail the body: hyper
                            // aborts the connection mid-response.
                            return Err(std::io::Error::other("dropped"));
                        }
                        Ok::<_, std::io::Error>(Bytes::from(c))
                    },
                );
                Response::builder()
                    .status(200)
                    .header("content-type", "text/event-stream")
                    .header("cache-control", "no-cache")
                    .body(Body::from_stream(stream))
                    .unwrap()
            }
        }
    })
}

// ----- OpenAI wire format -----

pub fn openai_text(text: &str, prompt: u32, completion: u32) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000,
        "model": "gpt-test-2024",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": null},
                     "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    })
}

pub fn openai_error(message: &str, kind: &str, code: &str) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    let v = json!({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000,
        "model": "gpt-test-2024",
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]
    });
    format!("data: {v}\n\n")
}

/// A streamed text reply: a role chunk, one chunk per part, a finish chunk,
/// the usage chunk and `[DONE]`.
pub fn openai_stream(parts: &[&str], prompt: u32, completion: u32) -> Vec<String> {
    let mut out = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    out.extend(parts.iter().map(|p| chunk(json!({"content": p}), None)));
    out.push(chunk(json!({}), Some("stop")));
    out.push(format!(
        "data: {}\n\n",
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-test-2024", "choices": [],
               "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}})
    ));
    out.push("data: [DONE]\n\n".into());
    out
}

/// Streamed tool calls: `(index, id, name, argument fragments)`, interleaved.
pub fn openai_tool_stream(calls: &[(u32, &str, &str, &[&str])]) -> Vec<String> {
    let mut out = vec![chunk(json!({"role": "assistant", "content": null}), None)];
    for (index, id, name, _) in calls {
        out.push(chunk(
            json!({"tool_calls": [{"index": index, "id": id, "type": "function", "function": {"name": name, "arguments": ""}}]}),
            None,
        ));
    }
    let longest = calls.iter().map(|c| c.3.len()).max().unwrap_or(0);
    for i in 0..longest {
        for (index, _, _, frags) in calls {
            if let Some(f) = frags.get(i) {
                out.push(chunk(
                    json!({"tool_calls": [{"index": index, "function": {"arguments": f}}]}),
                    None,
                ));
            }
        }
    }
    out.push(chunk(json!({}), Some("tool_calls")));
    out.push("data: [DONE]\n\n".into());
    out
}

// ----- Anthropic wire format -----

pub fn anthropic_text(text: &str, input: u32, output: u32) -> Value {
    json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": input, "output_tokens": output}
    })
}

pub fn anthropic_error(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}})
}

pub fn event(name: &str, data: Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// A streamed text reply with a ping, as the API sends it.
pub fn anthropic_stream(parts: &[&str], input: u32, output: u32) -> Vec<String> {
    let mut out = vec![
        event(
            "message_start",
            json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant",
            "model": "claude-test", "content": [], "stop_reason": null, "usage": {"input_tokens": input, "output_tokens": 1}}}),
        ),
        event(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        event("ping", json!({"type": "ping"})),
    ];
    out.extend(parts.iter().map(|p| {
        event("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}}))
    }));
    out.push(event(
        "content_block_stop",
        json!({"type": "content_block_stop", "index": 0}),
    ));
    out.push(event("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": output}})));
    out.push(event("message_stop", json!({"type": "message_stop"})));
    out
}
