//! Analytics as JSON for charts: every bucket of the range with the
//! figures the CSV has plus escalations by reason and language-model cost,
//! the range's top intents; filters validated by field; tenants apart.

use std::sync::Arc;

use chrono::{Duration, DurationRound, Utc};
use concierge_core::Role;
use concierge_store::NewLlmUsage;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, assert_invalid_field, spawn_app_with_engine};
use crate::staff_feed::Escalating;

#[tokio::test]
async fn the_series_has_every_bucket_with_the_charts_figures() {
    let app = spawn_app_with_engine(Arc::new(Escalating), |_| {}).await;
    let s = app.admin_session("acme").await;
    let v = app.visitor(&s.tenant.org.widget_key, None).await;

    // Three conversations today: one escalated, one resolved and rated 4, one open.
    let escalated = app.new_conversation_id(&v.access_token).await;
    app.say(&v.access_token, escalated, "escalate to tech")
        .await;
    let rated = app.new_conversation_id(&v.access_token).await;
    app.say(&v.access_token, rated, "hello").await;
    let resp = app
        .post(
            &format!("/v1/conversations/{rated}/resolve"),
            &v.access_token,
            &json!({}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = app
        .post(
            &format!("/v1/conversations/{rated}/csat"),
            &v.access_token,
            &json!({ "score": 4 }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let open = app.new_conversation_id(&v.access_token).await;
    app.say(&v.access_token, open, "hi").await;
    // Two language-model calls today.
    for cost in [1_500_000, 250_000] {
        app.state()
            .store
            .record_llm_usage(
                s.org(),
                &NewLlmUsage {
                    conversation_id: None,
                    provider: "test".into(),
                    model: "m".into(),
                    task: "answer".into(),
                    prompt_tokens: 10,
                    completion_tokens: 5,
                    cost_micros: cost,
                    at: Utc::now(),
                },
            )
            .await
            .unwrap();
    }

    let today = Utc::now().duration_trunc(Duration::days(1)).unwrap();
    let from = (today - Duration::days(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = (today + Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let query = format!("/v1/analytics/series?from={from}&to={to}&bucket=day").replace('+', "%2B");
    let resp = app.get(&query, s.token()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let series: Value = resp.json().await.unwrap();
    assert_eq!(series["bucket"], "day");
    let points = series["points"].as_array().unwrap();
    assert_eq!(points.len(), 3, "{series}");
    for empty in &points[..2] {
        assert_eq!(empty["conversations"], 0);
        assert_eq!(empty["deflection_rate"], Value::Null);
        assert_eq!(empty["llm_cost_usd"], 0.0);
    }
    let p = &points[2];
    assert_eq!(p["start"].as_str().unwrap()[..10], today.to_rfc3339()[..10]);
    assert_eq!(p["conversations"], 3, "{p}");
    assert_eq!(p["escalated"], 1);
    assert_eq!(p["escalations_by_reason"], json!({ "customer_request": 1 }));
    assert_eq!(p["csat_avg"], 4.0);
    assert_eq!(p["csat_responses"], 1);
    assert_eq!(p["llm_cost_usd"], 1.75);
    assert!(p["first_response_seconds_avg"].is_number(), "{p}");
    assert_eq!(series["llm_cost_usd"], 1.75);
    assert!(series["top_intents"].is_array());

    // Hourly buckets over a day: 24 points.
    let hour_from = (today - Duration::days(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let resp = app
        .get(
            &format!(
                "/v1/analytics/series?from={hour_from}&to={}&bucket=hour",
                today.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            s.token(),
        )
        .await;
    let hourly: Value = resp.json().await.unwrap();
    assert_eq!(hourly["points"].as_array().unwrap().len(), 24, "{hourly}");

    // The channel filter: nothing on email.
    let resp = app.get(&format!("{query}&channel=email"), s.token()).await;
    let email: Value = resp.json().await.unwrap();
    assert_eq!(email["channel"], "email");
    assert_eq!(email["points"][2]["conversations"], 0);

    // Another tenant sees nothing of it.
    let other = app.admin_session("other").await;
    let theirs: Value = app.get(&query, other.token()).await.json().await.unwrap();
    assert!(theirs["points"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["conversations"] == 0));
    assert_eq!(theirs["llm_cost_usd"], 0.0);
    app.stop().await;
}

#[tokio::test]
async fn series_parameters_are_validated_and_guarded() {
    let app = spawn_app_with_engine(Arc::new(Escalating), |_| {}).await;
    let s = app.admin_session("acme").await;
    for (q, field) in [
        ("bucket=week", "bucket"),
        ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from"),
        ("from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"),
        (
            "from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&bucket=hour",
            "bucket",
        ),
        ("channel=fax", "channel"),
        ("from=yesterday", "from"),
    ] {
        assert_invalid_field(
            app.get(&format!("/v1/analytics/series?{q}"), s.token())
                .await,
            field,
        )
        .await;
    }
    // The same filters on the overview and the CSV.
    assert_invalid_field(
        app.get("/v1/analytics/overview?bucket=week", s.token())
            .await,
        "bucket",
    )
    .await;
    assert_invalid_field(
        app.get("/v1/analytics/series.csv?channel=fax", s.token())
            .await,
        "channel",
    )
    .await;
    let resp = app
        .get("/v1/analytics/series.csv?channel=web", s.token())
        .await;
    assert_eq!(resp.status(), StatusCode::OK);

    app.create_staff(s.org(), "agent@acme.test", Role::Agent)
        .await;
    let agent = app.sign_in_ok("agent@acme.test", "acme").await;
    assert_error(
        app.get("/v1/analytics/series", &agent.access_token).await,
        StatusCode::FORBIDDEN,
        1002,
    )
    .await;
    app.stop().await;
}
