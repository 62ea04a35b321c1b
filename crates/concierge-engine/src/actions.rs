//! The action executor: every side effect a workflow asks for goes through
//! here. Each run has an idempotency key and a status record (pending →
//! running → completed | failed | cancelled), transient failures are retried
//! with jittered backoff, every outcome is audited, and nothing runs without
//! the authorisation its definition requires.
//!
//! The handlers in this file are the embedded default. Cases (outage
//! reports, plan changes) go through the [`CaseSystem`]; the identity
//! requests (password reset link, unlock, contact email change) are recorded
//! as outbox events for the Salesforce integration to perform in the org.
//! It performs the contact email change and the unlock (on the customer's
//! own user only); the password reset link is still a **placeholder** in
//! that nothing outside Concierge acts on it yet: Salesforce's REST reset
//! (`DELETE sobjects/User/{id}/password`) returns a generated password to
//! the caller instead of sending the user a link, and the link needs Apex
//! (`System.resetPassword(id, true)`) installed in the customer's org.

use std::sync::Arc;
use std::time::Duration;

use concierge_core::engine::ActionSummary;
use concierge_core::{ActionStatus, ConversationId, OrgId, Priority};
use concierge_store::{NewAction, NewAudit, Store};
use rand::Rng;
use serde_json::{json, Value};

use crate::cases::{CaseError, CaseRequest, CaseSystem};
use crate::workflow::{ActionRequest, Authorization};

/// Attempts per action, including the first.
const ATTEMPTS: u32 = 3;
/// First retry delay; doubled each time, with up to 50% jitter.
const BASE_DELAY: Duration = Duration::from_millis(40);

/// Who asks for an action, and what is known about them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub conversation: ConversationId,
    /// The customer's email on record, when the customer is identified.
    pub customer_email: Option<String>,
    /// Staff act for themselves (agent console), never the customer.
    pub staff: bool,
}

impl Actor {
    fn allowed(&self, needed: &Authorization) -> bool {
        match needed {
            Authorization::None => true,
            Authorization::VerifiedCustomer => self.staff || self.customer_email.is_some(),
            Authorization::Staff => self.staff,
        }
    }
}

/// How an action ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Done; the result fills the workflow's success text.
    Completed(Value),
    /// The thing asked about does not exist (e.g. an unknown case number).
    NotFound,
    /// The actor may not do this; nothing ran.
    Unauthorized,
    /// It failed after retries.
    Failed(String),
}

/// An action's outcome and its record.
#[derive(Debug, Clone)]
pub struct Executed {
    pub outcome: Outcome,
    pub summary: Option<ActionSummary>,
    /// Outbox events to write with the turn.
    pub events: Vec<(String, Value)>,
}

/// Runs actions.
#[derive(Debug, Clone)]
pub struct ActionExecutor {
    store: Store,
    cases: Arc<dyn CaseSystem>,
}

enum Failure {
    Transient(String),
    Permanent(String),
    NotFound,
}

impl From<CaseError> for Failure {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::Unavailable(m) => Failure::Transient(m),
            CaseError::Refused(m) => Failure::Permanent(m),
        }
    }
}

impl ActionExecutor {
    pub fn new(store: Store, cases: Arc<dyn CaseSystem>) -> Self {
        Self { store, cases }
    }

    /// Runs `request` for `actor` in `org`, once per idempotency key.
    pub async fn execute(&self, org: OrgId, actor: &Actor, request: &ActionRequest) -> Executed {
        let params = json!(request.params);
        if !actor.allowed(&request.authorization) {
            self.audit(org, actor, request, "unauthorized").await;
            return Executed {
                outcome: Outcome::Unauthorized,
                summary: None,
                events: vec![],
            };
        }
        let record = match self
            .store
            .create_action(
                org,
                &NewAction {
                    conversation_id: Some(actor.conversation),
                    action_type: request.kind.clone(),
                    idempotency_key: Some(request.idempotency_key.clone()),
                    parameters: params.clone(),
                },
            )
            .await
        {
            Ok(r) => r,
            Err(e) => {
                return Executed {
                    outcome: Outcome::Failed(format!("not recorded: {e}")),
                    summary: None,
                    events: vec![],
                };
            }
        };
        let summary = |status| {
            Some(ActionSummary {
                id: record.id,
                action_type: record.action_type.clone(),
                status,
            })
        };
        // The same request again (a retried turn): report what happened the first time.
        if record.status == ActionStatus::Completed {
            let result = record.result.clone().unwrap_or(Value::Null);
            return Executed {
                outcome: Outcome::Completed(result),
                summary: summary(ActionStatus::Completed),
                events: vec![],
            };
        }
        let _ = self
            .store
            .update_action(org, record.id, ActionStatus::Running, None)
            .await;
        let mut attempt = 0;
        let (outcome, status, events) = loop {
            attempt += 1;
            match self.run(org, actor, request).await {
                Ok((result, events)) => {
                    let _ = self
                        .store
                        .update_action(org, record.id, ActionStatus::Completed, Some(&result))
                        .await;
                    break (Outcome::Completed(result), ActionStatus::Completed, events);
                }
                Err(Failure::NotFound) => {
                    let result = json!({"error": "not_found"});
                    let _ = self
                        .store
                        .update_action(org, record.id, ActionStatus::Failed, Some(&result))
                        .await;
                    break (Outcome::NotFound, ActionStatus::Failed, vec![]);
                }
                Err(Failure::Transient(m)) if attempt < ATTEMPTS => {
                    tracing::warn!(action = %request.kind, attempt, error.message = %m, "action failed; retrying");
                    let base = BASE_DELAY * 2u32.pow(attempt - 1);
                    let jitter = rand::thread_rng().gen_range(0..=base.as_millis() as u64 / 2);
                    tokio::time::sleep(base + Duration::from_millis(jitter)).await;
                }
                Err(Failure::Transient(m) | Failure::Permanent(m)) => {
                    let result = json!({"error": m});
                    let _ = self
                        .store
                        .update_action(org, record.id, ActionStatus::Failed, Some(&result))
                        .await;
                    break (Outcome::Failed(m), ActionStatus::Failed, vec![]);
                }
            }
        };
        self.audit(org, actor, request, status.as_str()).await;
        Executed {
            outcome,
            summary: summary(status),
            events,
        }
    }

    async fn audit(&self, org: OrgId, actor: &Actor, request: &ActionRequest, status: &str) {
        let entry = NewAudit {
            actor: if actor.staff {
                "staff".into()
            } else {
                "ai_agent".into()
            },
            action: format!("action.{}", request.kind),
            target: Some(format!("conversation:{}", actor.conversation.0)),
            details: json!({"status": status, "idempotency_key": request.idempotency_key, "workflow": request.workflow}),
        };
        if let Err(e) = self.store.append_audit(org, &entry).await {
            tracing::warn!(error.message = %e, "audit entry not written");
        }
    }

    async fn run(
        &self,
        org: OrgId,
        actor: &Actor,
        r: &ActionRequest,
    ) -> Result<(Value, Vec<(String, Value)>), Failure> {
        let p = |k: &str| r.params.get(k).cloned().unwrap_or_default();
        let conversation = actor.conversation;
        match r.kind.as_str() {
            "password_reset" => {
                // Only the address on record gets a link; the reply is the same
                // either way, so it does not reveal which addresses have accounts.
                let email = p("email");
                let on_record = actor
                    .customer_email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&email));
                let events = if on_record {
                    vec![(
                        "identity.password_reset_requested".to_owned(),
                        json!({"conversation_id": conversation, "email": email}),
                    )]
                } else {
                    vec![]
                };
                Ok((json!({"email": email, "sent": on_record}), events))
            }
            // The Salesforce integration unlocks the user only when it is the
            // customer's own (its email is the verified one sent here).
            "unlock_user" => Ok((
                json!({"username": p("username")}),
                vec![(
                    "identity.unlock_requested".to_owned(),
                    json!({"conversation_id": conversation, "username": p("username"),
                        "email": actor.customer_email}),
                )],
            )),
            "update_contact_email" => Ok((
                json!({"new_email": p("new_email")}),
                vec![(
                    "contact.email_change_requested".to_owned(),
                    json!({"conversation_id": conversation, "old_email": actor.customer_email, "new_email": p("new_email")}),
                )],
            )),
            "case_status_lookup" => {
                let number = p("case_number");
                let case = self
                    .cases
                    .case_by_number(org, &number)
                    .await?
                    .ok_or(Failure::NotFound)?;
                // A customer sees only their own cases.
                if !actor.staff {
                    let mine = match (&case.contact_email, &actor.customer_email) {
                        (Some(c), Some(me)) => c.eq_ignore_ascii_case(me),
                        _ => false,
                    };
                    if !mine {
                        return Err(Failure::NotFound);
                    }
                }
                Ok((
                    json!({
                        "case_number": case.case_number, "status": case.status, "subject": case.subject,
                        "owner": case.queue.map(|q| crate::summary::humanize(&q)).unwrap_or_else(|| "Support team".into()),
                        "priority": case.priority,
                    }),
                    vec![],
                ))
            }
            "plan_change_request" => {
                let case = self
                    .cases
                    .upsert_case(
                        org,
                        &CaseRequest {
                            conversation_id: conversation,
                            subject: format!(
                                "Plan change request: {} ({})",
                                p("plan"),
                                p("effective")
                            ),
                            description: format!(
                                "The customer asked to change their plan to {} effective {}.",
                                p("plan"),
                                p("effective")
                            ),
                            priority: Priority::Medium,
                            queue: Some("billing".into()),
                            contact_email: actor.customer_email.clone(),
                            origin: "Chat".into(),
                            details: json!({"plan": p("plan"), "effective": p("effective")}),
                        },
                    )
                    .await?;
                Ok((
                    json!({"case_number": case.case_number, "plan": p("plan"), "effective": p("effective")}),
                    vec![],
                ))
            }
            "report_outage" => {
                let priority = match p("impact").as_str() {
                    "all_users" => Priority::Critical,
                    "some_users" => Priority::High,
                    _ => Priority::Medium,
                };
                let case = self
                    .cases
                    .upsert_case(
                        org,
                        &CaseRequest {
                            conversation_id: conversation,
                            subject: format!(
                                "Outage report: {}",
                                p("affected").chars().take(120).collect::<String>()
                            ),
                            description: format!(
                                "Reported through chat. Not working: {}. Impact: {}.",
                                p("affected"),
                                p("impact")
                            ),
                            priority,
                            queue: Some("technical_support".into()),
                            contact_email: actor.customer_email.clone(),
                            origin: "Chat".into(),
                            details: json!({"affected": p("affected"), "impact": p("impact")}),
                        },
                    )
                    .await?;
                Ok((
                    json!({"case_number": case.case_number, "priority": priority}),
                    vec![],
                ))
            }
            other => Err(Failure::Permanent(format!(
                "no handler for action `{other}`"
            ))),
        }
    }
}
