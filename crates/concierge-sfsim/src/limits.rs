//! Org limits: the daily API request counter (a rolling 24-hour window, as
//! Salesforce counts it) behind `Sforce-Limit-Info` and `REQUEST_LIMIT_EXCEEDED`,
//! the Bulk API counter, and the body of `GET limits/`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::{json, Value};

/// The rolling window over which API calls count.
pub const WINDOW: Duration = Duration::from_secs(24 * 3600);

/// A rolling-window counter of calls.
#[derive(Debug, Clone)]
pub struct Counter {
    max: u32,
    calls: Arc<Mutex<VecDeque<Instant>>>,
}

impl Counter {
    /// A counter allowing `max` calls per 24 hours.
    pub fn new(max: u32) -> Self {
        Self {
            max,
            calls: Arc::new(Mutex::new(VecDeque::new())),
        }
    }

    /// The allowance per window.
    pub fn max(&self) -> u32 {
        self.max
    }

    fn prune(calls: &mut VecDeque<Instant>, now: Instant) {
        while let Some(first) = calls.front() {
            if now.duration_since(*first) >= WINDOW {
                calls.pop_front();
            } else {
                break;
            }
        }
    }

    /// Records one call if the allowance has room: `Ok(used)` after counting it,
    /// `Err(used)` when the limit is already reached (the call is not counted).
    pub fn try_count(&self) -> Result<u32, u32> {
        let now = Instant::now();
        let mut calls = self.calls.lock();
        Self::prune(&mut calls, now);
        let used = u32::try_from(calls.len()).unwrap_or(u32::MAX);
        if used >= self.max {
            return Err(used);
        }
        calls.push_back(now);
        Ok(used + 1)
    }

    /// Calls counted in the current window.
    pub fn used(&self) -> u32 {
        let mut calls = self.calls.lock();
        Self::prune(&mut calls, Instant::now());
        u32::try_from(calls.len()).unwrap_or(u32::MAX)
    }

    /// `{"Max":…, "Remaining":…}`.
    pub fn json(&self) -> Value {
        json!({"Max": self.max, "Remaining": self.max.saturating_sub(self.used())})
    }
}

/// The org's counted limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// DailyApiRequests: every REST call but the versions list.
    pub api: Counter,
    /// DailyBulkApiRequests / DailyBulkV2QueryJobs: Bulk API jobs created.
    pub bulk: Counter,
}

impl Limits {
    /// Limits for an org with the given daily API allowance.
    pub fn new(daily_api_limit: u32) -> Self {
        Self {
            api: Counter::new(daily_api_limit),
            bulk: Counter::new(15_000),
        }
    }

    /// The `Sforce-Limit-Info` header value.
    pub fn header_value(&self) -> String {
        format!("api-usage={}/{}", self.api.used(), self.api.max())
    }

    /// The body of `GET limits/` (Developer Edition figures for what is not counted).
    pub fn body(&self, data_storage_used_mb: u32) -> Value {
        let fixed = |max: u32| json!({"Max": max, "Remaining": max});
        json!({
            "ActiveScratchOrgs": fixed(3),
            "AnalyticsExternalDataSizeMB": fixed(40960),
            "ConcurrentAsyncGetReportInstances": fixed(200),
            "ConcurrentSyncReportRuns": fixed(20),
            "DailyAnalyticsDataflowJobExecutions": fixed(60),
            "DailyApiRequests": self.api.json(),
            "DailyAsyncApexExecutions": fixed(250_000),
            "DailyAsyncApexTests": fixed(500),
            "DailyBulkApiBatches": fixed(15_000),
            "DailyBulkApiRequests": self.bulk.json(),
            "DailyBulkV2QueryFileStorageMB": fixed(976_562),
            "DailyBulkV2QueryJobs": json!({"Max": 10_000, "Remaining": 10_000u32.saturating_sub(self.bulk.used())}),
            "DailyDurableGenericStreamingApiEvents": fixed(10_000),
            "DailyDurableStreamingApiEvents": fixed(10_000),
            "DailyGenericStreamingApiEvents": fixed(10_000),
            "DailyStandardVolumePlatformEvents": fixed(10_000),
            "DailyStreamingApiEvents": fixed(10_000),
            "DailyWorkflowEmails": fixed(405),
            "DataStorageMB": json!({"Max": 5, "Remaining": 5u32.saturating_sub(data_storage_used_mb)}),
            "FileStorageMB": fixed(20),
            "HourlyAsyncReportRuns": fixed(1200),
            "HourlyDashboardRefreshes": fixed(200),
            "HourlyDashboardResults": fixed(5000),
            "HourlyDashboardStatuses": fixed(999_999_999),
            "HourlyLongTermIdMapping": fixed(100_000),
            "HourlyODataCallout": fixed(10_000),
            "HourlyPublishedPlatformEvents": fixed(50_000),
            "HourlyPublishedStandardVolumePlatformEvents": fixed(50_000),
            "HourlyShortTermIdMapping": fixed(100_000),
            "HourlySyncReportRuns": fixed(500),
            "HourlyTimeBasedWorkflow": fixed(50),
            "MassEmail": fixed(10),
            "MonthlyPlatformEventsUsageEntitlement": fixed(0),
            "Package2VersionCreates": fixed(6),
            "PermissionSets": json!({"Max": 1500, "Remaining": 1500}),
            "SingleEmail": fixed(15),
            "StreamingApiConcurrentClients": fixed(20),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up_to_the_limit() {
        let c = Counter::new(2);
        assert_eq!(c.try_count(), Ok(1));
        assert_eq!(c.try_count(), Ok(2));
        assert_eq!(c.try_count(), Err(2));
        assert_eq!(c.json(), json!({"Max": 2, "Remaining": 0}));
    }
}
