//! Token and cost accounting: a price per provider, a [`UsageRecord`] per
//! answered call sent to a [`UsageSink`] (in memory here; the database sink
//! lives in `concierge-store`), and per-tenant monthly [`Budgets`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use concierge_core::llm_config::LlmConfig;
use concierge_core::{ConversationId, OrgId};
use serde::{Deserialize, Serialize};

use crate::task::Task;
use crate::types::Usage;

/// USD per million tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub input_usd_per_mtok: f64,
    pub output_usd_per_mtok: f64,
}

impl Price {
    /// Cost of `usage` in millionths of a US dollar, rounded up so that many
    /// tiny calls never add up to nothing.
    pub fn cost_micros(&self, usage: Usage) -> u64 {
        // USD per million tokens == micro-USD per token.
        let micros = f64::from(usage.prompt_tokens) * self.input_usd_per_mtok
            + f64::from(usage.completion_tokens) * self.output_usd_per_mtok;
        if micros.is_finite() && micros > 0.0 {
            micros.ceil() as u64
        } else {
            0
        }
    }
}

/// Prices by provider name (from `[[llm.providers]]`).
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    prices: HashMap<String, Price>,
}

impl PriceTable {
    /// The prices configured for each provider.
    pub fn from_config(config: &LlmConfig) -> Self {
        Self {
            prices: config
                .providers
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        Price {
                            input_usd_per_mtok: p.input_usd_per_mtok,
                            output_usd_per_mtok: p.output_usd_per_mtok,
                        },
                    )
                })
                .collect(),
        }
    }

    /// Sets one provider's price.
    pub fn set(&mut self, provider: &str, price: Price) {
        self.prices.insert(provider.to_owned(), price);
    }

    /// The cost of `usage` on `provider` (unknown providers are free).
    pub fn cost_micros(&self, provider: &str, usage: Usage) -> u64 {
        self.prices
            .get(provider)
            .map_or(0, |p| p.cost_micros(usage))
    }
}

/// One answered model call, for billing, budgets and reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageRecord {
    pub org_id: OrgId,
    pub conversation_id: Option<ConversationId>,
    /// The provider's configured name.
    pub provider: String,
    /// The model as the provider reported it (or as configured).
    pub model: String,
    pub task: Task,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// Millionths of a US dollar.
    pub cost_micros: u64,
    /// True when the provider reported no usage and the counts are estimated
    /// from text length (about four characters per token).
    pub estimated: bool,
    pub at: DateTime<Utc>,
}

/// An error from a sink (a database error, typically).
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Where usage records go. Object-safe; implementations must be cheap to
/// call from the answer path (the router awaits `record`).
#[async_trait]
pub trait UsageSink: Send + Sync + std::fmt::Debug {
    /// Stores one record.
    async fn record(&self, record: &UsageRecord) -> Result<(), SinkError>;
    /// Micro-USD the tenant spent at or after `since` (the router passes the
    /// start of the current UTC month).
    async fn spent_since(&self, org_id: OrgId, since: DateTime<Utc>) -> Result<u64, SinkError>;
}

/// Summed usage: (prompt tokens, completion tokens, micro-USD) per
/// (tenant, conversation, provider).
pub type UsageTotals = BTreeMap<(OrgId, Option<ConversationId>, String), (u64, u64, u64)>;

/// Keeps records in memory (the single-process default and tests). Records
/// older than [`MemoryUsageSink::RETENTION_DAYS`] before the newest are
/// dropped, and at most [`MemoryUsageSink::MAX_RECORDS`] are kept, so a
/// long-running node does not grow without bound; this month's budget
/// figures stay exact unless a month holds more calls than the cap.
#[derive(Debug, Default)]
pub struct MemoryUsageSink {
    records: Mutex<Vec<UsageRecord>>,
}

impl MemoryUsageSink {
    /// Records are kept this long (two calendar months and a bit).
    pub const RETENTION_DAYS: i64 = 62;
    /// At most this many records are kept (the oldest go first).
    pub const MAX_RECORDS: usize = 200_000;

    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every record so far.
    pub fn records(&self) -> Vec<UsageRecord> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Totals (prompt tokens, completion tokens, micro-USD) per
    /// (tenant, conversation, provider).
    pub fn totals(&self) -> UsageTotals {
        let mut out = BTreeMap::new();
        for r in self.records() {
            let e = out
                .entry((r.org_id, r.conversation_id, r.provider.clone()))
                .or_insert((0, 0, 0));
            e.0 += u64::from(r.prompt_tokens);
            e.1 += u64::from(r.completion_tokens);
            e.2 += r.cost_micros;
        }
        out
    }
}

#[async_trait]
impl UsageSink for MemoryUsageSink {
    async fn record(&self, record: &UsageRecord) -> Result<(), SinkError> {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let horizon = record.at - chrono::Duration::days(Self::RETENTION_DAYS);
        if records.first().is_some_and(|r| r.at < horizon) {
            records.retain(|r| r.at >= horizon);
        }
        if records.len() >= Self::MAX_RECORDS {
            let excess = records.len() + 1 - Self::MAX_RECORDS;
            records.drain(..excess);
        }
        records.push(record.clone());
        Ok(())
    }

    async fn spent_since(&self, org_id: OrgId, since: DateTime<Utc>) -> Result<u64, SinkError> {
        Ok(self
            .records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|r| r.org_id == org_id && r.at >= since)
            .map(|r| r.cost_micros)
            .sum())
    }
}

/// The first instant of `at`'s UTC calendar month.
pub fn month_start(at: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(at.year(), at.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(at)
}

/// Monthly limits per tenant, in micro-USD.
#[derive(Debug, Clone, Default)]
pub struct Budgets {
    default_micros: Option<u64>,
    tenants: HashMap<String, u64>,
}

/// US dollars as micro-USD (negative and NaN as 0).
pub fn usd_to_micros(usd: f64) -> u64 {
    (usd * 1_000_000.0).round().max(0.0) as u64
}

impl Budgets {
    /// From `[llm.budgets]`.
    pub fn from_config(config: &LlmConfig) -> Self {
        Self {
            default_micros: config.budgets.monthly_usd.map(usd_to_micros),
            tenants: config
                .budgets
                .tenants
                .iter()
                .map(|(k, v)| (k.clone(), usd_to_micros(*v)))
                .collect(),
        }
    }

    /// The tenant's monthly limit: its own (by slug, then by id), else the
    /// default; `None` is unlimited.
    pub fn limit_micros(&self, slug: &str, org_id: OrgId) -> Option<u64> {
        self.tenants
            .get(slug)
            .or_else(|| self.tenants.get(&org_id.to_string()))
            .copied()
            .or(self.default_micros)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_micro_usd_rounded_up() {
        let p = Price {
            input_usd_per_mtok: 0.15,
            output_usd_per_mtok: 0.60,
        };
        let u = Usage {
            prompt_tokens: 1000,
            completion_tokens: 500,
        };
        // 1000 × 0.15 + 500 × 0.60 = 450 micro-USD.
        assert_eq!(p.cost_micros(u), 450);
        let one = Usage {
            prompt_tokens: 1,
            completion_tokens: 0,
        };
        assert_eq!(p.cost_micros(one), 1);
        assert_eq!(Price::default().cost_micros(u), 0);
    }

    #[test]
    fn budgets_prefer_the_tenant_override() {
        let config: LlmConfig =
            toml::from_str("[budgets]\nmonthly_usd = 5.0\ntenants = { acme = 0.5 }\n").unwrap();
        let b = Budgets::from_config(&config);
        let org = OrgId::new();
        assert_eq!(b.limit_micros("acme", org), Some(500_000));
        assert_eq!(b.limit_micros("other", org), Some(5_000_000));
        assert_eq!(Budgets::default().limit_micros("x", org), None);
    }

    #[tokio::test]
    async fn the_memory_sink_sums_this_month_and_forgets_old_records() {
        let sink = MemoryUsageSink::new();
        let org = OrgId::new();
        let now = Utc.with_ymd_and_hms(2026, 5, 20, 12, 0, 0).unwrap();
        let rec = |at, cost| UsageRecord {
            org_id: org,
            conversation_id: None,
            provider: "p".into(),
            model: "m".into(),
            task: Task::Answer,
            prompt_tokens: 1,
            completion_tokens: 1,
            cost_micros: cost,
            estimated: false,
            at,
        };
        sink.record(&rec(now - chrono::Duration::days(100), 7))
            .await
            .unwrap();
        sink.record(&rec(now - chrono::Duration::days(30), 5))
            .await
            .unwrap();
        sink.record(&rec(now, 3)).await.unwrap();
        sink.record(&UsageRecord {
            org_id: OrgId::new(),
            ..rec(now, 1000)
        })
        .await
        .unwrap();
        assert_eq!(sink.spent_since(org, month_start(now)).await.unwrap(), 3);
        assert_eq!(sink.records().len(), 3, "the 100-day-old record is gone");
        let totals = sink.totals();
        assert_eq!(totals[&(org, None, "p".to_owned())], (2, 2, 8));
    }

    #[test]
    fn month_start_is_the_first_at_midnight_utc() {
        let at = Utc.with_ymd_and_hms(2026, 3, 17, 15, 4, 5).unwrap();
        assert_eq!(
            month_start(at),
            Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
        );
    }
}
