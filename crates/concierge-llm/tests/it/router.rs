//! The router end to end: real HTTP to local servers in both wire formats.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Duration as ChronoDuration, Utc};
use concierge_core::knowledge::{Citation, Passage};
use concierge_core::llm_config::{finish_llm, LlmConfig};
use concierge_core::{ConversationId, KnowledgeId, OrgId};
use concierge_llm::{
    CircuitState, ManualClock, MemoryUsageSink, Router, Task, TaskEvent, TaskOutcome, TaskRequest,
    UsageRecord, UsageSink, LOCAL,
};
use futures::StreamExt;
use prometheus_client::registry::Registry;

use crate::server::*;

/// `[llm]` TOML for providers at the mock servers: (name, kind, server).
fn config(providers: &[(&str, &str, &MockServer)], extra: &str) -> LlmConfig {
    let mut toml_text = String::new();
    for (name, kind, server) in providers {
        let base = if *kind == "anthropic" {
            server.url.clone()
        } else {
            format!("{}/v1", server.url)
        };
        toml_text.push_str(&format!(
            "[[providers]]\nname = \"{name}\"\nkind = \"{kind}\"\nbase_url = \"{base}\"\nmodel = \"{name}-model\"\napi_key = \"key-{name}\"\ninput_usd_per_mtok = 2.0\noutput_usd_per_mtok = 10.0\ntimeout_secs = 3\n\n"
        ));
    }
    let names: Vec<String> = providers.iter().map(|p| format!("\"{}\"", p.0)).collect();
    let route = names.join(", ");
    toml_text.push_str(&format!(
        "[routes]\nanswer = [{route}]\nsummarize = [{route}]\nclassify = [{route}]\nassist = [{route}]\n\n[retry]\nbase_delay_ms = 1\nmax_delay_ms = 5\nmax_retry_after_ms = 1000\n\n{extra}\n"
    ));
    let mut c: LlmConfig = toml::from_str(&toml_text).unwrap();
    finish_llm(&mut c, 30).unwrap();
    c
}

fn passage(title: &str, text: &str) -> Passage {
    Passage {
        citation: Citation {
            article_id: KnowledgeId::new(),
            slug: title.to_lowercase().replace(' ', "-"),
            version: 1,
            title: title.into(),
            url: Some(format!("https://help.example.com/{}", title.len())),
            chunk: 0,
            start: 0,
            end: text.chars().count() as u32,
            score: 3.0,
        },
        text: text.into(),
        headings: vec![title.into()],
        language: "en".into(),
        category: None,
    }
}

fn kb() -> Vec<Passage> {
    vec![
        passage("Reset your password", "To reset your password, click Forgot password on the login page and follow the link we email you."),
        passage("Password rules", "A password needs at least 12 characters. Passwords expire after 90 days."),
        passage("Invoices", "Invoices are emailed on the first day of each month."),
    ]
}

fn question(text: &str) -> TaskRequest {
    let mut r = TaskRequest::new(Task::Answer, OrgId::new(), text);
    r.conversation_id = Some(ConversationId::new());
    r.language = Some("en".into());
    r.passages = kb();
    r
}

fn router(c: &LlmConfig, sink: Arc<MemoryUsageSink>) -> Router {
    Router::from_config(c, sink).unwrap()
}

async fn collect(router: &Arc<Router>, req: TaskRequest) -> (String, TaskOutcome) {
    let mut s = router.stream(req);
    let mut text = String::new();
    while let Some(ev) = s.next().await {
        match ev {
            TaskEvent::Delta(d) => text.push_str(&d),
            TaskEvent::Done(o) => return (text, *o),
        }
    }
    panic!("stream ended without Done");
}

#[tokio::test]
async fn the_default_configuration_answers_locally() {
    let r = Router::from_config(&LlmConfig::default(), Arc::new(MemoryUsageSink::new())).unwrap();
    let out = r.run(question("How do I reset my password?")).await;
    assert_eq!(out.provider, LOCAL);
    assert!(
        out.grounded && out.text.contains("Forgot password"),
        "{out:?}"
    );
    assert!(out.fallbacks.is_empty());
}

#[tokio::test]
async fn falls_back_to_the_next_provider_and_accounts_the_answer() {
    let first = MockServer::start().await;
    let second = MockServer::start().await;
    first.always(Reply::Json(
        500,
        openai_error("boom", "server_error", ""),
        vec![],
    ));
    second.push(Reply::json(anthropic_text(
        "Click Forgot password on the login page [1].",
        1000,
        200,
    )));
    let sink = Arc::new(MemoryUsageSink::new());
    let r = router(
        &config(
            &[("gpt", "openai", &first), ("claude", "anthropic", &second)],
            "",
        ),
        sink.clone(),
    );
    let req = question("How do I reset my password?");
    let (org, conv) = (req.org_id, req.conversation_id);
    let out = r.run(req).await;

    assert_eq!(out.provider, "claude");
    assert_eq!(out.model, "claude-test");
    assert_eq!(first.hits(), 2, "a 500 is retried once (max_attempts = 2)");
    assert_eq!(out.fallbacks.len(), 1);
    assert_eq!(
        (
            out.fallbacks[0].provider.as_str(),
            out.fallbacks[0].reason.as_str()
        ),
        ("gpt", "server_error")
    );
    assert_eq!(out.citations[0].title, "Reset your password");
    assert!(out.grounded && !out.offered_human);
    assert_eq!(out.prompt_version.as_deref(), Some("answer.v1"));
    // 1000 × $2 + 200 × $10 per million tokens = 4000 micro-USD.
    assert_eq!(out.cost_micros, 4000);
    let records: Vec<UsageRecord> = sink.records();
    assert_eq!(records.len(), 1);
    let rec = &records[0];
    assert_eq!(
        (rec.org_id, rec.conversation_id, rec.provider.as_str()),
        (org, conv, "claude")
    );
    assert_eq!(
        (rec.prompt_tokens, rec.completion_tokens, rec.cost_micros),
        (1000, 200, 4000)
    );
    assert!(!rec.estimated);
    assert_eq!(
        sink.spent_since(org, Utc::now() - ChronoDuration::hours(1))
            .await
            .unwrap(),
        4000
    );

    // The prompt sent was grounded: numbered passages and the rules.
    let sent = &second.requests()[0].body;
    let user = sent["messages"][0]["content"][0]["text"].as_str().unwrap();
    assert!(user.contains("[1] Reset your password"), "{user}");
    assert!(sent["system"].as_str().unwrap().contains("[NO_ANSWER]"));

    let mut registry = Registry::default();
    r.register_metrics(&mut registry);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    assert!(text.contains("concierge_llm_requests_total{provider=\"gpt\",task=\"answer\",outcome=\"server_error\"} 2"), "{text}");
    assert!(
        text.contains("concierge_llm_cost_micro_usd_total{provider=\"claude\"} 4000"),
        "{text}"
    );
    assert!(text.contains("concierge_llm_tokens_total{provider=\"claude\",model=\"claude-test\",kind=\"completion\"} 200"), "{text}");
}

#[tokio::test]
async fn when_every_provider_fails_the_local_responder_answers() {
    let a = MockServer::start().await;
    let b = MockServer::start().await;
    a.always(Reply::Json(
        401,
        openai_error("bad key", "invalid_request_error", "invalid_api_key"),
        vec![],
    ));
    b.always(Reply::Json(
        529,
        anthropic_error("overloaded_error", "Overloaded"),
        vec![],
    ));
    let r = router(
        &config(&[("a", "openai", &a), ("b", "anthropic", &b)], ""),
        Arc::new(MemoryUsageSink::new()),
    );
    let out = r.run(question("How do I reset my password?")).await;
    assert_eq!(out.provider, LOCAL);
    assert!(
        out.grounded && out.text.contains("Forgot password"),
        "{out:?}"
    );
    let reasons: Vec<(&str, &str)> = out
        .fallbacks
        .iter()
        .map(|f| (f.provider.as_str(), f.reason.as_str()))
        .collect();
    assert_eq!(reasons, [("a", "unauthorized"), ("b", "server_error")]);
    assert_eq!(a.hits(), 1, "401 is not retried");
    assert_eq!(b.hits(), 2, "529 is retried");
}

#[tokio::test]
async fn retry_after_is_honoured_when_short_and_skipped_when_long() {
    let a = MockServer::start().await;
    let b = MockServer::start().await;
    a.push(Reply::Json(
        429,
        openai_error("slow down", "requests", "rate_limit_exceeded"),
        vec![("retry-after-ms", "150".into())],
    ));
    a.push(Reply::json(openai_text("Use Forgot password [1].", 10, 5)));
    let r = router(
        &config(&[("a", "openai", &a), ("b", "openai", &b)], ""),
        Arc::new(MemoryUsageSink::new()),
    );
    let started = Instant::now();
    let out = r.run(question("reset password")).await;
    assert_eq!(out.provider, "a");
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "waited for retry-after"
    );
    assert_eq!(a.hits(), 2);

    a.push(Reply::Json(
        429,
        openai_error("slow down", "requests", "rate_limit_exceeded"),
        vec![("retry-after", "120".into())],
    ));
    b.push(Reply::json(openai_text("Use Forgot password [1].", 10, 5)));
    let started = Instant::now();
    let out = r.run(question("reset password")).await;
    assert_eq!(out.provider, "b");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "did not wait two minutes"
    );
    assert_eq!(a.hits(), 3);
    assert_eq!(out.fallbacks[0].reason, "rate_limited");
}

#[tokio::test]
async fn the_circuit_opens_then_half_opens_for_one_probe() {
    let a = MockServer::start().await;
    a.always(Reply::Json(
        503,
        openai_error("down", "server_error", ""),
        vec![],
    ));
    let c = config(
        &[("a", "openai", &a)],
        "[breaker]\nfailure_threshold = 2\ncooldown_secs = 30\n",
    );
    let clock = Arc::new(ManualClock::new());
    let r = Router::builder(&c).clock(clock.clone()).build().unwrap();

    let out = r.run(question("reset password")).await;
    assert_eq!(out.provider, LOCAL);
    assert_eq!(a.hits(), 2);
    assert_eq!(r.circuit_state("a"), Some(CircuitState::Open));

    let out = r.run(question("reset password")).await;
    assert_eq!(a.hits(), 2, "an open circuit sends nothing");
    assert_eq!(out.fallbacks[0].reason, "circuit_open");
    assert_eq!(out.provider, LOCAL);

    clock.advance(Duration::from_secs(30));
    assert_eq!(r.circuit_state("a"), Some(CircuitState::HalfOpen));
    let _ = r.run(question("reset password")).await;
    assert_eq!(a.hits(), 3, "one probe, not retried");
    assert_eq!(
        r.circuit_state("a"),
        Some(CircuitState::Open),
        "a failed probe re-opens"
    );

    clock.advance(Duration::from_secs(30));
    a.push(Reply::json(openai_text("Use Forgot password [1].", 10, 5)));
    let out = r.run(question("reset password")).await;
    assert_eq!(out.provider, "a");
    assert_eq!(r.circuit_state("a"), Some(CircuitState::Closed));
}

#[tokio::test]
async fn an_exhausted_budget_answers_locally_without_calling_out() {
    let a = MockServer::start().await;
    a.always(Reply::json(openai_text("Use Forgot password [1].", 10, 5)));
    let c = config(
        &[("a", "openai", &a)],
        "[budgets]\nmonthly_usd = 1.0\ntenants = { acme = 0.01 }\n",
    );
    let sink = Arc::new(MemoryUsageSink::new());
    let r = router(&c, sink.clone());
    let mut req = question("reset password");
    req.tenant.slug = "acme".into();
    let record = |at, cost| UsageRecord {
        org_id: req.org_id,
        conversation_id: None,
        provider: "a".into(),
        model: "m".into(),
        task: Task::Answer,
        prompt_tokens: 1,
        completion_tokens: 1,
        cost_micros: cost,
        estimated: false,
        at,
    };
    // Last month's spending does not count.
    let last_month = concierge_llm::accounting::month_start(Utc::now()) - ChronoDuration::days(3);
    sink.record(&record(last_month, 50_000)).await.unwrap();
    let out = r.run(req.clone()).await;
    assert_eq!(out.provider, "a");

    sink.record(&record(Utc::now(), 20_000)).await.unwrap();
    let hits = a.hits();
    let out = r.run(req.clone()).await;
    assert_eq!(a.hits(), hits, "no call once over budget");
    assert_eq!(out.provider, LOCAL);
    assert_eq!(out.fallbacks[0].reason, "budget_exceeded");
    assert!(out.grounded, "the local responder still answers: {out:?}");

    // Another tenant has the default (larger) budget.
    let mut other = question("reset password");
    other.tenant.slug = "globex".into();
    assert_eq!(r.run(other.clone()).await.provider, "a");

    // A budget in the tenant's settings wins over the configuration.
    let mut raised = req.clone();
    raised.tenant.monthly_budget_usd = Some(100.0);
    assert_eq!(r.run(raised).await.provider, "a");
    let spent = sink
        .spent_since(other.org_id, Utc::now() - ChronoDuration::hours(1))
        .await
        .unwrap();
    other.tenant.monthly_budget_usd = Some(spent as f64 / 1e6);
    assert_eq!(r.run(other).await.provider, LOCAL);
}

#[tokio::test]
async fn personal_data_never_reaches_the_provider_and_is_restored() {
    let a = MockServer::start().await;
    let c = config(&[("a", "openai", &a)], "");
    let r = Arc::new(router(&c, Arc::new(MemoryUsageSink::new())));
    let email = "jane.doe@example.com";
    let phone = "+1 415 555 0132";
    let card = "4111 1111 1111 1111";
    let ask = || {
        let mut q = question(&format!(
            "I forgot my password. My email is {email}, phone {phone}, card {card}."
        ));
        q.history.push(concierge_llm::Turn {
            speaker: concierge_llm::Speaker::Customer,
            text: format!("Reach me at {email}"),
        });
        q
    };

    a.push(Reply::json(openai_text(
        "We sent a reset link to [EMAIL_1] [1].",
        10,
        5,
    )));
    let out = r.run(ask()).await;
    assert_eq!(out.text, format!("We sent a reset link to {email} [1]."));

    // Streamed, with the placeholder split across chunks.
    a.push(Reply::sse(openai_stream(
        &[
            "Link sent to [EMA",
            "IL_1",
            "] and a text to [PHO",
            "NE_1]. See [1",
            "].",
        ],
        10,
        5,
    )));
    let (streamed, out) = collect(&r, ask()).await;
    assert_eq!(
        streamed,
        format!("Link sent to {email} and a text to {phone}. See [1].")
    );
    assert_eq!(out.text, streamed);
    assert!(!out.truncated);

    for req in a.requests() {
        for raw in [email, "415 555 0132", "4111 1111 1111 1111", "4111"] {
            assert!(!req.raw.contains(raw), "{raw} leaked: {}", req.raw);
        }
        assert!(
            req.raw.contains("[EMAIL_1]") && req.raw.contains("[CARD_1]"),
            "{}",
            req.raw
        );
    }

    // A tenant allowed to share personal data sends it as is.
    a.push(Reply::json(openai_text("Done [1].", 10, 5)));
    let mut allowed = ask();
    allowed.tenant.allow_pii = true;
    r.run(allowed).await;
    assert!(a.requests().last().unwrap().raw.contains(email));
}

#[tokio::test]
async fn citations_map_markers_to_passages() {
    let a = MockServer::start().await;
    a.push(Reply::json(openai_text(
        "Passwords need 12 characters [2]. Reset it from the login page [1][2]. See also [7].",
        10,
        5,
    )));
    let r = router(
        &config(&[("a", "openai", &a)], ""),
        Arc::new(MemoryUsageSink::new()),
    );
    let req = question("What are the password rules and how do I reset my password?");
    let passages = req.passages.clone();
    let out = r.run(req).await;
    assert_eq!(
        out.text,
        "Passwords need 12 characters [1]. Reset it from the login page [2][1]. See also."
    );
    assert_eq!(
        out.citations,
        vec![passages[1].citation.clone(), passages[0].citation.clone()]
    );
    assert!(out.grounded);
}

#[tokio::test]
async fn no_relevant_passage_means_no_call_and_an_offer_of_a_human() {
    let a = MockServer::start().await;
    let r = router(
        &config(&[("a", "openai", &a)], ""),
        Arc::new(MemoryUsageSink::new()),
    );
    let out = r
        .run(question("Can I bring my dog to your office party?"))
        .await;
    assert_eq!(a.hits(), 0);
    assert!(out.offered_human && !out.grounded && out.citations.is_empty());
    assert_eq!(out.fallbacks[0].reason, "no_relevant_passage");

    // The model may also say the passages do not answer.
    a.push(Reply::json(openai_text(
        "[NO_ANSWER] I could not find that; shall I connect you with a colleague?",
        10,
        5,
    )));
    let out = r.run(question("Can I reset my password by phone?")).await;
    assert_eq!(out.provider, "a");
    assert!(out.offered_human && !out.grounded && out.citations.is_empty());
    assert_eq!(
        out.text,
        "I could not find that; shall I connect you with a colleague?"
    );
}

#[tokio::test]
async fn streams_fall_back_only_before_the_first_delta() {
    let a = MockServer::start().await;
    let b = MockServer::start().await;
    let c = config(&[("a", "openai", &a), ("b", "anthropic", &b)], "");
    let r = Arc::new(router(&c, Arc::new(MemoryUsageSink::new())));

    // a fails before any text (500, then a stream broken before its first delta): b answers.
    a.push(Reply::Json(
        500,
        openai_error("boom", "server_error", ""),
        vec![],
    ));
    a.push(Reply::sse_then_drop(vec![
        openai_stream(&[], 1, 1)[0].clone(),
        "data: {\"choices\":[]}\n\n".into(),
    ]));
    b.push(Reply::sse(anthropic_stream(
        &["Click Forgot ", "password [1]."],
        30,
        8,
    )));
    let (text, out) = collect(&r, question("How do I reset my password?")).await;
    assert_eq!(out.provider, "b");
    assert_eq!(text, "Click Forgot password [1].");
    assert_eq!(out.text, text);
    assert_eq!(a.hits(), 2);
    assert_eq!(out.usage.completion_tokens, 8);
    assert!(!out.truncated);

    // a breaks after delivering text: no second answer is spliced on.
    let mut chunks = openai_stream(&["Click Forgot ", "password"], 1, 1);
    chunks.truncate(3);
    a.push(Reply::sse_then_drop(chunks));
    let b_hits = b.hits();
    let (text, out) = collect(&r, question("How do I reset my password?")).await;
    assert_eq!(text, "Click Forgot");
    assert_eq!(out.text, text);
    assert_eq!(out.provider, "a");
    assert!(out.truncated);
    assert_eq!(b.hits(), b_hits, "no fallback once text reached the caller");
    assert_eq!(out.fallbacks.last().unwrap().reason, "malformed_stream");
    assert!(
        out.usage.prompt_tokens > 0,
        "usage estimated when none was reported"
    );
}

#[tokio::test]
async fn local_answers_stream_too() {
    let r = Arc::new(
        Router::from_config(&LlmConfig::default(), Arc::new(MemoryUsageSink::new())).unwrap(),
    );
    let (text, out) = collect(&r, question("How do I reset my password?")).await;
    assert_eq!(text, out.text);
    assert_eq!(out.provider, LOCAL);
}

#[tokio::test]
async fn classify_and_summarize_use_their_templates() {
    let a = MockServer::start().await;
    let r = router(
        &config(&[("a", "openai", &a)], ""),
        Arc::new(MemoryUsageSink::new()),
    );
    a.push(Reply::json(openai_text("billing", 30, 1)));
    let mut req = TaskRequest::new(Task::Classify, OrgId::new(), "Why was I charged twice?");
    req.labels = vec!["billing".into(), "login".into()];
    let out = r.run(req).await;
    assert_eq!(out.label.as_deref(), Some("billing"));
    let sent = &a.requests()[0].body;
    assert!(sent["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("- login"));
    assert_eq!(sent["temperature"], 0.0);

    a.push(Reply::json(openai_text(
        "Issue: double charge\nTried: nothing yet\nStatus: needs an agent",
        30,
        12,
    )));
    let mut req = TaskRequest::new(Task::Summarize, OrgId::new(), "");
    req.history.push(concierge_llm::Turn {
        speaker: concierge_llm::Speaker::Customer,
        text: "I was charged twice, email me at jane@example.com".into(),
    });
    let out = r.run(req).await;
    assert!(out.text.starts_with("Issue: double charge"));
    assert!(!a.requests()[1].raw.contains("jane@example.com"));
}

#[tokio::test]
async fn azure_from_configuration_and_the_task_deadline() {
    let az = MockServer::start().await;
    az.push(Reply::json(openai_text("Use Forgot password [1].", 10, 5)));
    let toml_text = format!(
        "[[providers]]\nname = \"az\"\nkind = \"azure_openai\"\nbase_url = \"{}\"\ndeployment = \"gpt4o-support\"\napi_version = \"2024-10-21\"\nmodel = \"gpt-4o\"\napi_key = \"azure-secret\"\n\n[routes]\nanswer = [\"az\"]\n\n[limits]\ndeadline_secs = 1\n",
        az.url
    );
    let mut c: LlmConfig = toml::from_str(&toml_text).unwrap();
    finish_llm(&mut c, 30).unwrap();
    let r = router(&c, Arc::new(MemoryUsageSink::new()));
    let out = r.run(question("reset password")).await;
    assert_eq!(out.provider, "az");
    let req = &az.requests()[0];
    assert_eq!(
        req.uri,
        "/openai/deployments/gpt4o-support/chat/completions?api-version=2024-10-21"
    );
    assert_eq!(req.headers["api-key"], "azure-secret");

    // A provider slower than the task's deadline: the local responder answers in time.
    az.push(Reply::Delay(
        Duration::from_secs(5),
        Box::new(Reply::json(openai_text("late", 1, 1))),
    ));
    let started = Instant::now();
    let out = r.run(question("How do I reset my password?")).await;
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.provider, LOCAL);
    assert_eq!(out.fallbacks[0].reason, "deadline");
    assert!(out.grounded);
}
