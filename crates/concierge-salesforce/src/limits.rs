//! Org limits: the `Sforce-Limit-Info` header every REST response carries
//! (`api-usage=18/5000`) and the `limits/` resource.

use std::collections::BTreeMap;

use serde::Deserialize;

/// API usage from the latest `Sforce-Limit-Info` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitInfo {
    /// Requests used in the rolling 24 h window.
    pub used: u64,
    /// The org's daily maximum.
    pub max: u64,
}

impl LimitInfo {
    /// Parses `api-usage=N/M` out of a header value that may also carry
    /// other entries (`per-app-api-usage=…`).
    pub fn parse_header(value: &str) -> Option<LimitInfo> {
        value.split(',').find_map(|part| {
            let rest = part.trim().strip_prefix("api-usage=")?;
            let (used, max) = rest.split_once('/')?;
            let max = max.split(|c: char| !c.is_ascii_digit()).next()?;
            Some(LimitInfo {
                used: used.trim().parse().ok()?,
                max: max.parse().ok()?,
            })
        })
    }

    /// Requests left today.
    pub fn remaining(&self) -> u64 {
        self.max.saturating_sub(self.used)
    }
}

/// One limit of the `limits/` resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct LimitValue {
    /// The limit.
    #[serde(rename = "Max", default)]
    pub max: i64,
    /// What is left.
    #[serde(rename = "Remaining", default)]
    pub remaining: i64,
}

/// The `limits/` resource: the ones Concierge watches, plus every entry raw.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// `DailyApiRequests`.
    pub daily_api_requests: LimitValue,
    /// `DailyBulkApiRequests`, when present.
    pub daily_bulk_api_requests: Option<LimitValue>,
    /// `DailyAsyncApexExecutions`, when present.
    pub daily_async_apex_executions: Option<LimitValue>,
    /// `DataStorageMB`, when present.
    pub data_storage_mb: Option<LimitValue>,
    /// `SingleEmail`, when present.
    pub single_email: Option<LimitValue>,
    /// Every entry as Salesforce sent it.
    pub raw: BTreeMap<String, serde_json::Value>,
}

impl Limits {
    pub(crate) fn from_raw(raw: BTreeMap<String, serde_json::Value>) -> Result<Self, crate::Error> {
        let get = |k: &str| -> Option<LimitValue> {
            raw.get(k)
                .and_then(|v| serde_json::from_value(v.clone()).ok())
        };
        let daily_api_requests = get("DailyApiRequests")
            .ok_or_else(|| crate::Error::Decode("limits without DailyApiRequests".into()))?;
        Ok(Limits {
            daily_api_requests,
            daily_bulk_api_requests: get("DailyBulkApiRequests"),
            daily_async_apex_executions: get("DailyAsyncApexExecutions"),
            data_storage_mb: get("DataStorageMB"),
            single_email: get("SingleEmail"),
            raw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_limit_info() {
        assert_eq!(
            LimitInfo::parse_header("api-usage=18/5000"),
            Some(LimitInfo {
                used: 18,
                max: 5000
            })
        );
        assert_eq!(
            LimitInfo::parse_header("api-usage=25/5000, per-app-api-usage=17/250(appName=sample)"),
            Some(LimitInfo {
                used: 25,
                max: 5000
            })
        );
        assert_eq!(LimitInfo::parse_header("per-app-api-usage=17/250"), None);
        assert_eq!(LimitInfo::parse_header("api-usage=x/5000"), None);
    }
}
