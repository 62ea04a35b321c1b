//! Analytics: per-tenant aggregates over a time range and channel —
//! conversations, deflection (resolved by the AI), escalation rate and
//! reasons, first-contact resolution, resolution and first-response times
//! (average and p90), CSAT, intent distribution, average confidence,
//! fallback rate, and language-model tokens and cost — overall and per
//! time bucket.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use concierge_core::OrgId;
use concierge_store::{ConversationFacts, Store, StoreError};
use serde::Serialize;

/// Conversations read per report at most.
pub const MAX_CONVERSATIONS: u32 = 200_000;

/// Language-model calls read for the per-bucket cost at most.
pub const MAX_LLM_CALLS: u32 = 1_000_000;

/// Time bucket of the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Hour,
    Day,
}

/// The aggregates of a set of conversations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub conversations: u64,
    /// Closed (resolved or abandoned).
    pub closed: u64,
    pub resolved_by_ai: u64,
    pub resolved_by_human: u64,
    pub abandoned: u64,
    pub escalated: u64,
    /// Resolved by the AI / all conversations.
    pub deflection_rate: Option<f64>,
    /// Escalated / all conversations.
    pub escalation_rate: Option<f64>,
    /// Resolved and never reopened / resolved.
    pub first_contact_resolution: Option<f64>,
    pub resolution_seconds_avg: Option<f64>,
    pub resolution_seconds_p90: Option<f64>,
    pub first_response_seconds_avg: Option<f64>,
    pub first_response_seconds_p90: Option<f64>,
    pub csat_avg: Option<f64>,
    pub csat_responses: u64,
    /// Mean of the AI's confidence over its replies.
    pub confidence_avg: Option<f64>,
}

/// One bucket of the series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub start: DateTime<Utc>,
    #[serde(flatten)]
    pub totals: Totals,
    /// Escalations of the bucket's conversations by reason.
    pub escalation_reasons: BTreeMap<String, u64>,
    /// Language-model spend of calls made in the bucket (every channel).
    pub llm_cost_usd: f64,
}

/// Tokens and cost of one provider and model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LlmCost {
    pub provider: String,
    pub model: String,
    pub calls: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost_usd: f64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub channel: Option<String>,
    pub totals: Totals,
    pub series: Vec<Point>,
    pub escalation_reasons: BTreeMap<String, u64>,
    pub intents: BTreeMap<String, i64>,
    /// AI replies by decision (answer, workflow, fallback, escalate …).
    pub decisions: BTreeMap<String, i64>,
    /// Fallbacks / AI replies.
    pub fallback_rate: Option<f64>,
    pub llm: Vec<LlmCost>,
    /// The report read at most [`MAX_CONVERSATIONS`] conversations and there were more.
    pub truncated: bool,
}

/// Builds the report for `org` over `[from, to)`.
pub async fn report(
    store: &Store,
    org: OrgId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    channel: Option<&str>,
    bucket: Bucket,
) -> Result<Report, StoreError> {
    let facts = store
        .conversation_facts(org, from, to, channel, MAX_CONVERSATIONS + 1)
        .await?;
    let truncated = facts.len() > MAX_CONVERSATIONS as usize;
    let facts = &facts[..facts.len().min(MAX_CONVERSATIONS as usize)];
    let step = match bucket {
        Bucket::Hour => Duration::hours(1),
        Bucket::Day => Duration::days(1),
    };
    let mut buckets: BTreeMap<DateTime<Utc>, Vec<&ConversationFacts>> = BTreeMap::new();
    for f in facts {
        let start = f.started_at.duration_trunc(step).unwrap_or(f.started_at);
        buckets.entry(start).or_default().push(f);
    }
    let mut costs: BTreeMap<DateTime<Utc>, i64> = BTreeMap::new();
    for (at, micros) in store
        .llm_costs_between(org, from, to, MAX_LLM_CALLS)
        .await?
    {
        let start = at.duration_trunc(step).unwrap_or(at);
        *costs.entry(start).or_insert(0) += micros;
        // A bucket with spend but no conversations still shows.
        buckets.entry(start).or_default();
    }
    let series = buckets
        .into_iter()
        .map(|(start, fs)| Point {
            start,
            totals: totals(&fs),
            escalation_reasons: reasons_of(&fs),
            llm_cost_usd: costs.get(&start).copied().unwrap_or(0) as f64 / 1_000_000.0,
        })
        .collect();
    let all: Vec<&ConversationFacts> = facts.iter().collect();
    let reasons = reasons_of(&all);
    let (intents, decisions) = store.message_counts(org, from, to, channel).await?;
    let intents: BTreeMap<String, i64> = intents
        .into_iter()
        .map(|c| (c.name.unwrap_or_else(|| "unclassified".into()), c.count))
        .collect();
    let decisions: BTreeMap<String, i64> = decisions
        .into_iter()
        .map(|c| (c.name.unwrap_or_else(|| "none".into()), c.count))
        .collect();
    let replies: i64 = decisions.values().sum();
    let fallback_rate =
        (replies > 0).then(|| *decisions.get("fallback").unwrap_or(&0) as f64 / replies as f64);
    let llm = store
        .llm_usage_totals_between(org, from, to)
        .await?
        .into_iter()
        .map(|t| LlmCost {
            provider: t.provider,
            model: t.model,
            calls: t.calls,
            prompt_tokens: t.prompt_tokens,
            completion_tokens: t.completion_tokens,
            cost_usd: t.cost_micros as f64 / 1_000_000.0,
        })
        .collect();
    Ok(Report {
        from,
        to,
        channel: channel.map(str::to_owned),
        totals: totals(&all),
        series,
        escalation_reasons: reasons,
        intents,
        decisions,
        fallback_rate,
        llm,
        truncated,
    })
}

/// Escalated conversations by reason.
fn reasons_of(fs: &[&ConversationFacts]) -> BTreeMap<String, u64> {
    let mut reasons = BTreeMap::new();
    for f in fs.iter().filter(|f| f.escalated) {
        *reasons
            .entry(
                f.escalation_reason
                    .clone()
                    .unwrap_or_else(|| "unknown".into()),
            )
            .or_insert(0) += 1;
    }
    reasons
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

fn avg_p90(mut v: Vec<f64>) -> (Option<f64>, Option<f64>) {
    if v.is_empty() {
        return (None, None);
    }
    v.sort_by(f64::total_cmp);
    let avg = v.iter().sum::<f64>() / v.len() as f64;
    let idx = ((v.len() as f64 * 0.9).ceil() as usize).clamp(1, v.len()) - 1;
    (Some(avg), Some(v[idx]))
}

/// Aggregates one set of conversations.
pub fn totals(fs: &[&ConversationFacts]) -> Totals {
    let n = fs.len() as u64;
    let by = |how: &str| {
        fs.iter()
            .filter(|f| f.resolution_type.as_deref() == Some(how))
            .count() as u64
    };
    let resolved: Vec<&&ConversationFacts> = fs.iter().filter(|f| f.status == "resolved").collect();
    let fcr = resolved.iter().filter(|f| f.reopens == 0).count() as u64;
    let (res_avg, res_p90) = avg_p90(
        fs.iter()
            .filter(|f| f.status == "resolved")
            .filter_map(|f| f.resolution_seconds.map(|s| s as f64))
            .collect(),
    );
    let (fr_avg, fr_p90) = avg_p90(
        fs.iter()
            .filter_map(|f| {
                f.first_response_at
                    .map(|t| (t - f.started_at).num_milliseconds() as f64 / 1000.0)
            })
            .collect(),
    );
    let csat: Vec<f64> = fs
        .iter()
        .filter_map(|f| f.satisfaction.map(f64::from))
        .collect();
    let conf_n: i64 = fs.iter().map(|f| f.ai_confidence_n).sum();
    let conf_sum: f64 = fs.iter().map(|f| f.ai_confidence_sum).sum();
    let escalated = fs.iter().filter(|f| f.escalated).count() as u64;
    let resolved_by_ai = by("ai");
    Totals {
        conversations: n,
        closed: fs
            .iter()
            .filter(|f| matches!(f.status.as_str(), "resolved" | "abandoned" | "archived"))
            .count() as u64,
        resolved_by_ai,
        resolved_by_human: by("human"),
        abandoned: by("abandoned"),
        escalated,
        deflection_rate: ratio(resolved_by_ai, n),
        escalation_rate: ratio(escalated, n),
        first_contact_resolution: ratio(fcr, resolved.len() as u64),
        resolution_seconds_avg: res_avg,
        resolution_seconds_p90: res_p90,
        first_response_seconds_avg: fr_avg,
        first_response_seconds_p90: fr_p90,
        csat_avg: (!csat.is_empty()).then(|| csat.iter().sum::<f64>() / csat.len() as f64),
        csat_responses: csat.len() as u64,
        confidence_avg: (conf_n > 0).then(|| conf_sum / conf_n as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(
        status: &str,
        how: Option<&str>,
        escalated: bool,
        reopens: i64,
        secs: Option<i64>,
        csat: Option<i32>,
    ) -> ConversationFacts {
        let started = Utc::now();
        ConversationFacts {
            channel: "web".into(),
            status: status.into(),
            started_at: started,
            first_response_at: Some(started + Duration::seconds(2)),
            escalated,
            escalation_reason: escalated.then(|| "customer_requested_human".into()),
            resolution_type: how.map(str::to_owned),
            resolution_seconds: secs,
            satisfaction: csat,
            ai_confidence_sum: 1.6,
            ai_confidence_n: 2,
            user_message_count: 2,
            reopens,
        }
    }

    #[test]
    fn totals_compute_rates_times_and_csat() {
        let fs = [
            fact("resolved", Some("ai"), false, 0, Some(60), Some(5)),
            fact("resolved", Some("ai"), false, 1, Some(120), None),
            fact("resolved", Some("human"), true, 0, Some(3600), Some(3)),
            fact("active", None, false, 0, None, None),
        ];
        let refs: Vec<&ConversationFacts> = fs.iter().collect();
        let t = totals(&refs);
        assert_eq!(t.conversations, 4);
        assert_eq!(t.deflection_rate, Some(0.5));
        assert_eq!(t.escalation_rate, Some(0.25));
        assert_eq!(t.first_contact_resolution, Some(2.0 / 3.0));
        assert_eq!(t.resolution_seconds_p90, Some(3600.0));
        assert_eq!(t.resolution_seconds_avg, Some(1260.0));
        assert_eq!(t.csat_avg, Some(4.0));
        assert_eq!(t.first_response_seconds_avg, Some(2.0));
        assert!((t.confidence_avg.unwrap() - 0.8).abs() < 1e-9);
        let empty = totals(&[]);
        assert_eq!((empty.deflection_rate, empty.csat_avg), (None, None));
    }
}
