//! The Anthropic client against a server speaking the Messages API.

use std::time::Duration;

use concierge_llm::{
    AnthropicProvider, ChatMessage, ChatRequest, FinishReason, LlmError, Provider, ProviderOptions,
    StreamEvent, ToolSpec,
};
use futures::StreamExt;
use serde_json::json;

use crate::server::*;

fn provider(server: &MockServer) -> AnthropicProvider {
    let mut o = ProviderOptions::new("claude", &server.url, "claude-test").with_key("sk-ant-test");
    o.timeout = Duration::from_millis(800);
    o.stream_idle = Duration::from_millis(500);
    AnthropicProvider::new(o, None).unwrap()
}

fn request() -> ChatRequest {
    ChatRequest {
        system: Some("Be kind.".into()),
        messages: vec![ChatMessage::user("Where is my order?")],
        max_tokens: Some(300),
        ..Default::default()
    }
}

async fn drain(
    p: &dyn Provider,
    req: &ChatRequest,
) -> (String, Result<concierge_llm::ChatResponse, LlmError>) {
    let mut s = match p.stream(req).await {
        Ok(s) => s,
        Err(e) => return (String::new(), Err(e)),
    };
    let mut text = String::new();
    while let Some(ev) = s.next().await {
        match ev {
            Ok(StreamEvent::TextDelta(t)) => text.push_str(&t),
            Ok(StreamEvent::Finished(r)) => return (text, Ok(r)),
            Ok(_) => {}
            Err(e) => return (text, Err(e)),
        }
    }
    (text, Err(LlmError::MalformedStream("no end".into())))
}

#[tokio::test]
async fn complete_sends_headers_and_top_level_system() {
    let server = MockServer::start().await;
    server.push(Reply::json(anthropic_text("It shipped yesterday.", 25, 6)));
    let r = provider(&server).complete(&request()).await.unwrap();
    assert_eq!(r.text, "It shipped yesterday.");
    assert_eq!((r.usage.prompt_tokens, r.usage.completion_tokens), (25, 6));
    assert_eq!(r.finish_reason, FinishReason::Stop);

    let req = &server.requests()[0];
    assert_eq!(req.uri, "/v1/messages");
    assert_eq!(req.headers["x-api-key"], "sk-ant-test");
    assert_eq!(req.headers["anthropic-version"], "2023-06-01");
    assert_eq!(req.body["system"], "Be kind.");
    assert_eq!(req.body["max_tokens"], 300);
    assert_eq!(req.body["messages"][0]["role"], "user");
    assert_eq!(
        req.body["messages"][0]["content"][0]["text"],
        "Where is my order?"
    );
}

#[tokio::test]
async fn tool_use_blocks_in_both_modes() {
    let server = MockServer::start().await;
    server.push(Reply::json(json!({
        "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-test",
        "content": [{"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "toolu_1", "name": "order_status", "input": {"order": "A-77"}}],
        "stop_reason": "tool_use", "usage": {"input_tokens": 50, "output_tokens": 20}
    })));
    let mut req = request();
    req.tools = vec![ToolSpec {
        name: "order_status".into(),
        description: "Order status".into(),
        parameters: json!({"type": "object", "properties": {"order": {"type": "string"}}}),
    }];
    let p = provider(&server);
    let r = p.complete(&req).await.unwrap();
    assert_eq!(r.finish_reason, FinishReason::ToolCalls);
    assert_eq!(
        r.tool_calls[0].parsed_arguments().unwrap(),
        json!({"order": "A-77"})
    );
    assert_eq!(
        server.requests()[0].body["tools"][0]["input_schema"]["type"],
        "object"
    );

    server.push(Reply::sse(vec![
        event("message_start", json!({"type": "message_start", "message": {"id": "m", "model": "claude-test", "usage": {"input_tokens": 50, "output_tokens": 1}}})),
        event("content_block_start", json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "toolu_2", "name": "order_status", "input": {}}})),
        event("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": ""}})),
        event("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{\"ord"}})),
        event("ping", json!({"type": "ping"})),
        event("content_block_delta", json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "er\": \"A-77\"}"}})),
        event("content_block_stop", json!({"type": "content_block_stop", "index": 0})),
        event("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 33}})),
        event("message_stop", json!({"type": "message_stop"})),
    ]));
    let (_, r) = drain(&p, &req).await;
    let r = r.unwrap();
    assert_eq!(r.tool_calls[0].id, "toolu_2");
    assert_eq!(
        r.tool_calls[0].parsed_arguments().unwrap(),
        json!({"order": "A-77"})
    );
    assert_eq!((r.usage.prompt_tokens, r.usage.completion_tokens), (50, 33));
    assert_eq!(server.requests()[1].body["stream"], true);
}

#[tokio::test]
async fn streams_text_across_events() {
    let server = MockServer::start().await;
    server.push(Reply::sse(anthropic_stream(
        &["Your order ", "ships ", "today."],
        18,
        7,
    )));
    let (text, r) = drain(&provider(&server), &request()).await;
    let r = r.unwrap();
    assert_eq!(text, "Your order ships today.");
    assert_eq!(r.text, text);
    assert_eq!((r.usage.prompt_tokens, r.usage.completion_tokens), (18, 7));
}

#[tokio::test]
async fn error_bodies_and_overload_become_typed_errors() {
    let server = MockServer::start().await;
    let p = provider(&server);
    server.push(Reply::Json(
        401,
        anthropic_error("authentication_error", "invalid x-api-key"),
        vec![],
    ));
    let e = p.complete(&request()).await.unwrap_err();
    assert!(
        matches!(&e, LlmError::Unauthorized { message, .. } if message == "invalid x-api-key"),
        "{e:?}"
    );

    server.push(Reply::Json(
        400,
        anthropic_error("invalid_request_error", "messages: roles must alternate"),
        vec![],
    ));
    assert!(matches!(
        p.complete(&request()).await.unwrap_err(),
        LlmError::BadRequest { .. }
    ));

    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(20));
    server.push(Reply::Json(
        429,
        anthropic_error(
            "rate_limit_error",
            "Number of requests has exceeded your rate limit",
        ),
        vec![("retry-after", at)],
    ));
    let e = p.complete(&request()).await.unwrap_err();
    let wait = e.retry_after().expect("retry-after date");
    assert!(
        wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
        "{wait:?}"
    );

    server.push(Reply::Json(
        529,
        anthropic_error("overloaded_error", "Overloaded"),
        vec![],
    ));
    let e = p.complete(&request()).await.unwrap_err();
    assert!(
        matches!(e, LlmError::Server { status: 529, .. }) && e.is_retryable(),
        "{e:?}"
    );

    server.push(Reply::Json(
        500,
        anthropic_error("api_error", "Internal server error"),
        vec![],
    ));
    assert!(p.complete(&request()).await.unwrap_err().is_retryable());
}

#[tokio::test]
async fn stream_errors_disconnects_and_malformed_events() {
    let server = MockServer::start().await;
    let p = provider(&server);

    // An `error` event after some text.
    let mut chunks = anthropic_stream(&["Partial"], 5, 5);
    chunks.truncate(4);
    chunks.push(event(
        "error",
        anthropic_error("overloaded_error", "Overloaded"),
    ));
    server.push(Reply::sse(chunks));
    let (text, r) = drain(&p, &request()).await;
    assert_eq!(text, "Partial");
    assert!(
        matches!(r, Err(LlmError::Server { status: 529, .. })),
        "{r:?}"
    );

    // The connection drops before message_stop.
    let mut chunks = anthropic_stream(&["One ", "two"], 5, 5);
    chunks.truncate(5);
    server.push(Reply::sse_then_drop(chunks));
    let (text, r) = drain(&p, &request()).await;
    assert_eq!(text, "One ");
    assert!(matches!(r, Err(LlmError::MalformedStream(_))), "{r:?}");

    // Invalid JSON in an event.
    let mut chunks = anthropic_stream(&["x"], 5, 5);
    chunks.insert(3, "event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\n\n".into());
    server.push(Reply::sse(chunks));
    let (_, r) = drain(&p, &request()).await;
    assert!(matches!(r, Err(LlmError::MalformedStream(_))), "{r:?}");

    // A slow first byte.
    server.push(Reply::Delay(
        Duration::from_secs(3),
        Box::new(Reply::sse(anthropic_stream(&["late"], 1, 1))),
    ));
    let (_, r) = drain(&p, &request()).await;
    assert!(matches!(r, Err(LlmError::Timeout(_))), "{r:?}");
}
