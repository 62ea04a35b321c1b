//! Service levels: how soon a human must first answer and resolve an
//! escalation, by priority × customer tier, and what a breach does.

use chrono::{DateTime, Duration, Utc};
use concierge_core::{CustomerTier, Priority};
use serde::{Deserialize, Serialize};

/// Minutes to first response and to resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
}

/// The SLA policy: targets per priority for standard customers, shortened
/// by tier (premium ×0.75, enterprise ×0.5, vip ×0.25).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub low: Targets,
    pub medium: Targets,
    pub high: Targets,
    pub critical: Targets,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        let t = |first_response_minutes, resolution_minutes| Targets {
            first_response_minutes,
            resolution_minutes,
        };
        Self {
            low: t(8 * 60, 72 * 60),
            medium: t(4 * 60, 24 * 60),
            high: t(60, 8 * 60),
            critical: t(15, 4 * 60),
        }
    }
}

/// Deadlines of one escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub first_response: DateTime<Utc>,
    pub resolution: DateTime<Utc>,
    pub first_response_minutes: i64,
}

impl SlaPolicy {
    /// The targets for `priority` and `tier`.
    pub fn targets(&self, priority: Priority, tier: Option<CustomerTier>) -> Targets {
        let base = match priority {
            Priority::Low => self.low,
            Priority::Medium => self.medium,
            Priority::High => self.high,
            Priority::Critical => self.critical,
        };
        let (num, den) = match tier {
            Some(CustomerTier::Vip) => (1, 4),
            Some(CustomerTier::Enterprise) => (1, 2),
            Some(CustomerTier::Premium) => (3, 4),
            Some(CustomerTier::Standard) | None => (1, 1),
        };
        Targets {
            first_response_minutes: (base.first_response_minutes * num / den).max(1),
            resolution_minutes: (base.resolution_minutes * num / den).max(1),
        }
    }

    /// Deadlines for an escalation made at `at`.
    pub fn deadlines(
        &self,
        priority: Priority,
        tier: Option<CustomerTier>,
        at: DateTime<Utc>,
    ) -> Deadlines {
        let t = self.targets(priority, tier);
        Deadlines {
            first_response: at + Duration::minutes(t.first_response_minutes),
            resolution: at + Duration::minutes(t.resolution_minutes),
            first_response_minutes: t.first_response_minutes,
        }
    }
}

/// The priority a breach raises an escalation to: one level up.
pub fn bump(priority: Priority) -> Priority {
    match priority {
        Priority::Low => Priority::Medium,
        Priority::Medium => Priority::High,
        Priority::High | Priority::Critical => Priority::Critical,
    }
}

/// The default priority of an escalation by tier, when no rule sets one.
pub fn default_priority(tier: Option<CustomerTier>) -> Priority {
    match tier {
        Some(CustomerTier::Vip) | Some(CustomerTier::Enterprise) => Priority::High,
        _ => Priority::Medium,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_shorten_targets_and_breaches_raise_priority() {
        let p = SlaPolicy::default();
        assert_eq!(p.targets(Priority::High, None).first_response_minutes, 60);
        assert_eq!(
            p.targets(Priority::High, Some(CustomerTier::Enterprise))
                .first_response_minutes,
            30
        );
        assert_eq!(
            p.targets(Priority::Critical, Some(CustomerTier::Vip))
                .first_response_minutes,
            3
        );
        let at = Utc::now();
        let d = p.deadlines(Priority::Medium, Some(CustomerTier::Premium), at);
        assert_eq!(d.first_response - at, Duration::minutes(180));
        assert_eq!(d.resolution - at, Duration::minutes(18 * 60));
        assert_eq!(bump(Priority::Low), Priority::Medium);
        assert_eq!(bump(Priority::Critical), Priority::Critical);
        assert_eq!(default_priority(Some(CustomerTier::Vip)), Priority::High);
    }
}
