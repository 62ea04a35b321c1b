//! Background jobs: SLA breach detection (a breach re-prioritises the
//! escalation, notifies through the outbox, and is audited) and closing
//! idle conversations as abandoned. Both are safe to run on every node at
//! once: each change is conditional, so it happens exactly once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::pipeline::Engine;
use crate::sla;

/// What one run of the jobs did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JobReport {
    /// SLA breaches recorded.
    pub breaches: u32,
    /// Conversations closed as abandoned.
    pub abandoned: u32,
}

impl Engine {
    /// Records every SLA breach due at `as_of`.
    pub async fn run_sla_job(
        &self,
        as_of: DateTime<Utc>,
    ) -> Result<u32, concierge_store::StoreError> {
        let mut n = 0;
        loop {
            let due = self.store.due_escalations(as_of, 200).await?;
            if due.is_empty() {
                return Ok(n);
            }
            let mut progressed = false;
            for e in due {
                let kind = match (e.first_response_at, e.first_response_deadline) {
                    (None, Some(d)) if d < as_of => "first_response",
                    _ => "resolution",
                };
                if let Some(b) = self
                    .store
                    .mark_breached(e.org_id, e.id, kind, sla::bump(e.priority), as_of)
                    .await?
                {
                    tracing::info!(escalation = %b.id.0, kind, queue = %b.queue, "SLA breached");
                    n += 1;
                    progressed = true;
                }
            }
            if !progressed {
                return Ok(n);
            }
        }
    }

    /// Closes conversations idle for longer than `engine.abandon_after_hours` at `as_of`.
    pub async fn run_abandon_job(
        &self,
        as_of: DateTime<Utc>,
    ) -> Result<u32, concierge_store::StoreError> {
        let hours = i64::try_from(self.config.abandon_after_hours).unwrap_or(24);
        let before = as_of - chrono::Duration::hours(hours);
        let mut n = 0;
        loop {
            let idle = self.store.idle_conversations(before, 200).await?;
            if idle.is_empty() {
                return Ok(n);
            }
            let mut progressed = false;
            for (org, id) in idle {
                if self
                    .store
                    .abandon_conversation(org, id, before, as_of)
                    .await?
                {
                    n += 1;
                    progressed = true;
                }
            }
            if !progressed {
                return Ok(n);
            }
        }
    }

    /// Both jobs once, as of `as_of`.
    pub async fn run_jobs(
        &self,
        as_of: DateTime<Utc>,
    ) -> Result<JobReport, concierge_store::StoreError> {
        Ok(JobReport {
            breaches: self.run_sla_job(as_of).await?,
            abandoned: self.run_abandon_job(as_of).await?,
        })
    }
}

/// Runs the jobs every `engine.jobs_interval_secs` until `shutdown` resolves.
/// A failed run (database down) is logged and retried at the next tick.
pub async fn run_periodically(
    engine: Arc<Engine>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let every = Duration::from_secs(engine.config.jobs_interval_secs.max(1));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tick.tick() => {
                match engine.run_jobs(engine.now()).await {
                    Ok(r) if r != JobReport::default() => tracing::info!(breaches = r.breaches, abandoned = r.abandoned, "background jobs"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error.message = %e, "background jobs failed; retrying at the next tick"),
                }
            }
        }
    }
}
