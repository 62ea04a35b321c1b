//! The OpenAI-compatible client against a server speaking Chat Completions.

use std::time::Duration;

use concierge_llm::{
    ChatMessage, ChatRequest, FinishReason, LlmError, OpenAiProvider, Provider, ProviderOptions,
    StreamEvent, ToolChoice, ToolSpec,
};
use futures::StreamExt;
use serde_json::json;

use crate::server::*;

fn provider(server: &MockServer) -> OpenAiProvider {
    let mut o = ProviderOptions::new("openai", &format!("{}/v1", server.url), "gpt-test")
        .with_key("sk-test-123");
    o.timeout = Duration::from_millis(800);
    o.stream_idle = Duration::from_millis(500);
    OpenAiProvider::new(o).unwrap()
}

fn request() -> ChatRequest {
    ChatRequest {
        system: Some("You are terse.".into()),
        messages: vec![ChatMessage::user("Hello?")],
        ..Default::default()
    }
}

/// Collects a stream: the text deltas and the final event or error.
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
    (
        text,
        Err(LlmError::MalformedStream(
            "ended without Finished or error".into(),
        )),
    )
}

#[tokio::test]
async fn complete_sends_the_wire_format_and_parses_the_reply() {
    let server = MockServer::start().await;
    server.push(Reply::json(openai_text("Hi there.", 12, 3)));
    let r = provider(&server).complete(&request()).await.unwrap();
    assert_eq!(r.text, "Hi there.");
    assert_eq!((r.usage.prompt_tokens, r.usage.completion_tokens), (12, 3));
    assert_eq!(r.finish_reason, FinishReason::Stop);
    assert_eq!(r.model, "gpt-test-2024");

    let req = &server.requests()[0];
    assert_eq!(req.uri, "/v1/chat/completions");
    assert_eq!(req.headers["authorization"], "Bearer sk-test-123");
    assert_eq!(req.body["model"], "gpt-test");
    assert_eq!(
        req.body["messages"][0],
        json!({"role": "system", "content": "You are terse."})
    );
    assert_eq!(
        req.body["messages"][1],
        json!({"role": "user", "content": "Hello?"})
    );
    assert!(req.body.get("stream").is_none());
}

#[tokio::test]
async fn azure_uses_the_deployment_url_and_api_key_header() {
    let server = MockServer::start().await;
    server.push(Reply::json(openai_text("ok", 1, 1)));
    let o = ProviderOptions::new("azure", &server.url, "gpt-4o").with_key("azure-key");
    let p = OpenAiProvider::azure(o, "support-gpt4o", "2024-10-21").unwrap();
    p.complete(&request()).await.unwrap();
    let req = &server.requests()[0];
    assert_eq!(
        req.uri,
        "/openai/deployments/support-gpt4o/chat/completions?api-version=2024-10-21"
    );
    assert_eq!(req.headers["api-key"], "azure-key");
    assert!(req.headers.get("authorization").is_none());
    assert!(req.body.get("model").is_none());
}

#[tokio::test]
async fn tool_calls_round_trip_non_streamed() {
    let server = MockServer::start().await;
    server.push(Reply::json(json!({
        "id": "c", "object": "chat.completion", "model": "gpt-test",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_9", "type": "function", "function": {"name": "case_status", "arguments": "{\"case\":\"00012345\"}"}}]}}],
        "usage": {"prompt_tokens": 30, "completion_tokens": 9, "total_tokens": 39}
    })));
    let mut req = request();
    req.tools = vec![ToolSpec {
        name: "case_status".into(),
        description: "Look up a case".into(),
        parameters: json!({"type": "object", "properties": {"case": {"type": "string"}}, "required": ["case"]}),
    }];
    req.tool_choice = ToolChoice::Required;
    let r = provider(&server).complete(&req).await.unwrap();
    assert_eq!(r.finish_reason, FinishReason::ToolCalls);
    assert_eq!(r.tool_calls[0].name, "case_status");
    assert_eq!(
        r.tool_calls[0].parsed_arguments().unwrap(),
        json!({"case": "00012345"})
    );
    let sent = &server.requests()[0].body;
    assert_eq!(sent["tools"][0]["function"]["name"], "case_status");
    assert_eq!(sent["tool_choice"], "required");
}

#[tokio::test]
async fn streams_text_with_usage_from_the_last_chunk() {
    let server = MockServer::start().await;
    server.push(Reply::sse(openai_stream(
        &["Your case ", "is ", "open."],
        40,
        5,
    )));
    let (text, done) = drain(&provider(&server), &request()).await;
    let done = done.unwrap();
    assert_eq!(text, "Your case is open.");
    assert_eq!(done.text, text);
    assert_eq!(
        (done.usage.prompt_tokens, done.usage.completion_tokens),
        (40, 5)
    );
    let body = &server.requests()[0].body;
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
}

#[tokio::test]
async fn streamed_tool_call_arguments_are_assembled() {
    let server = MockServer::start().await;
    server.push(Reply::sse(openai_tool_stream(&[
        (
            0,
            "call_a",
            "case_status",
            &["{\"ca", "se\": \"0001", "2345\"}"],
        ),
        (1, "call_b", "escalate", &["{\"reason\"", ": \"angry\"}"]),
    ])));
    let p = provider(&server);
    let mut s = p.stream(&request()).await.unwrap();
    let mut started = Vec::new();
    let mut finished = None;
    while let Some(ev) = s.next().await {
        match ev.unwrap() {
            StreamEvent::ToolCallStarted { index, name, .. } => started.push((index, name)),
            StreamEvent::Finished(r) => finished = Some(r),
            _ => {}
        }
    }
    let r = finished.expect("finished");
    assert_eq!(
        started,
        vec![(0, "case_status".to_owned()), (1, "escalate".to_owned())]
    );
    assert_eq!(r.tool_calls[0].id, "call_a");
    assert_eq!(
        r.tool_calls[0].parsed_arguments().unwrap(),
        json!({"case": "00012345"})
    );
    assert_eq!(
        r.tool_calls[1].parsed_arguments().unwrap(),
        json!({"reason": "angry"})
    );
    assert_eq!(r.finish_reason, FinishReason::ToolCalls);
}

#[tokio::test]
async fn error_bodies_and_statuses_become_typed_errors() {
    let server = MockServer::start().await;
    let p = provider(&server);
    server.push(Reply::Json(
        401,
        openai_error(
            "Incorrect API key provided",
            "invalid_request_error",
            "invalid_api_key",
        ),
        vec![],
    ));
    let e = p.complete(&request()).await.unwrap_err();
    assert!(
        matches!(&e, LlmError::Unauthorized { status: 401, message } if message.contains("Incorrect API key")),
        "{e:?}"
    );
    assert!(!e.is_retryable());

    server.push(Reply::Json(
        400,
        openai_error(
            "max_tokens is too large",
            "invalid_request_error",
            "invalid_value",
        ),
        vec![],
    ));
    assert!(matches!(
        p.complete(&request()).await.unwrap_err(),
        LlmError::BadRequest { status: 400, .. }
    ));

    server.push(Reply::Json(
        429,
        openai_error("Rate limit reached", "requests", "rate_limit_exceeded"),
        vec![("retry-after", "7".into())],
    ));
    let e = p.complete(&request()).await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(e.is_retryable());

    server.push(Reply::Json(
        429,
        openai_error(
            "You exceeded your current quota",
            "insufficient_quota",
            "insufficient_quota",
        ),
        vec![],
    ));
    let e = p.complete(&request()).await.unwrap_err();
    assert!(matches!(e, LlmError::QuotaExceeded(_)) && !e.is_retryable());

    for status in [500, 503] {
        server.push(Reply::Json(
            status,
            openai_error("The server had an error", "server_error", ""),
            vec![],
        ));
        let e = p.complete(&request()).await.unwrap_err();
        assert!(
            matches!(e, LlmError::Server { status: s, .. } if s == status),
            "{e:?}"
        );
        assert!(e.is_retryable());
    }
    server.push(Reply::Text(
        502,
        "<html><body>Bad gateway</body></html>".into(),
    ));
    let e = p.complete(&request()).await.unwrap_err();
    assert!(e.to_string().contains("Bad gateway"), "{e}");

    // A streamed request gets the same typed error before any event.
    server.push(Reply::Json(
        503,
        openai_error("overloaded", "server_error", ""),
        vec![("retry-after-ms", "250".into())],
    ));
    let (_, r) = drain(&p, &request()).await;
    assert_eq!(
        r.unwrap_err().retry_after(),
        Some(Duration::from_millis(250))
    );
}

#[tokio::test]
async fn slow_responses_time_out() {
    let server = MockServer::start().await;
    let p = provider(&server);
    server.push(Reply::Delay(
        Duration::from_secs(3),
        Box::new(Reply::json(openai_text("late", 1, 1))),
    ));
    let started = std::time::Instant::now();
    let e = p.complete(&request()).await.unwrap_err();
    assert!(matches!(e, LlmError::Timeout(_)), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // A stream that starts and then goes silent.
    let mut chunks = openai_stream(&["Hel"], 1, 1);
    chunks.truncate(2);
    server.push(Reply::Sse {
        chunks: vec![chunks[0].clone(), chunks[1].clone(), String::new()],
        drop_connection: false,
        pause: Duration::from_secs(2),
    });
    let (_, r) = drain(&p, &request()).await;
    assert!(matches!(r, Err(LlmError::Timeout(_))), "{r:?}");
}

#[tokio::test]
async fn broken_streams_are_typed_errors_after_the_deltas_they_delivered() {
    let server = MockServer::start().await;
    let p = provider(&server);

    // The connection drops mid-stream.
    let mut chunks = openai_stream(&["Part one, ", "part two"], 1, 1);
    chunks.truncate(3);
    server.push(Reply::sse_then_drop(chunks));
    let (text, r) = drain(&p, &request()).await;
    assert_eq!(text, "Part one, ");
    assert!(matches!(r, Err(LlmError::MalformedStream(_))), "{r:?}");

    // The body ends cleanly but without [DONE].
    let mut chunks = openai_stream(&["Part one"], 1, 1);
    chunks.pop();
    server.push(Reply::sse(chunks));
    let (text, r) = drain(&p, &request()).await;
    assert_eq!(text, "Part one");
    assert!(
        matches!(&r, Err(LlmError::MalformedStream(m)) if m.contains("before its final event")),
        "{r:?}"
    );

    // A chunk that is not JSON.
    server.push(Reply::sse(vec![
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\n".into(),
        "data: {not json\n\n".into(),
    ]));
    let (text, r) = drain(&p, &request()).await;
    assert_eq!(text, "ok");
    assert!(
        matches!(&r, Err(LlmError::MalformedStream(m)) if m.contains("JSON")),
        "{r:?}"
    );

    // An error object in the middle of a stream (vLLM, OpenAI).
    server.push(Reply::sse(vec![
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n".into(),
        format!(
            "data: {}\n\n",
            openai_error("The model is overloaded", "server_error", "")
        ),
    ]));
    let (_, r) = drain(&p, &request()).await;
    assert!(
        matches!(&r, Err(LlmError::Server { message, .. }) if message.contains("overloaded")),
        "{r:?}"
    );
}

#[tokio::test]
async fn oversized_responses_are_refused() {
    let server = MockServer::start().await;
    let mut o = ProviderOptions::new("openai", &format!("{}/v1", server.url), "m");
    o.max_response_bytes = 2048;
    let p = OpenAiProvider::new(o).unwrap();
    server.push(Reply::json(openai_text(&"x".repeat(5000), 1, 1)));
    assert!(matches!(
        p.complete(&request()).await.unwrap_err(),
        LlmError::ResponseTooLarge { .. }
    ));
    server.push(Reply::sse(openai_stream(
        &[&"y".repeat(1500), &"z".repeat(1500)],
        1,
        1,
    )));
    let (_, r) = drain(&p, &request()).await;
    assert!(matches!(r, Err(LlmError::ResponseTooLarge { .. })), "{r:?}");
}
