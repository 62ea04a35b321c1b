//! Domain records as the rest of the system sees them. The store maps rows to
//! these; the API serialises them (secrets never live here).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::id::*;
use crate::kinds::*;

/// A tenant.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Organization {
    pub id: OrgId,
    /// Short unique name used in sign-in (`demo`).
    pub slug: String,
    pub name: String,
    /// The Salesforce org id (00D…), when connected.
    pub salesforce_org_id: Option<String>,
    pub subscription_tier: SubscriptionTier,
    pub settings: Value,
    pub feature_flags: Value,
    /// Publishable key for the web widget (safe to embed in a page).
    pub widget_key: String,
    pub created_at: DateTime<Utc>,
}

/// A staff member or a customer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    /// The customer's id in the tenant's own systems (or a web visitor id).
    pub external_id: Option<String>,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub role: Role,
    pub customer_tier: Option<CustomerTier>,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
}

/// A conversation and its running metrics.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Conversation {
    pub id: ConversationId,
    pub org_id: OrgId,
    pub customer_id: Option<UserId>,
    pub channel: Channel,
    pub status: ConversationStatus,
    pub started_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub message_count: i64,
    pub user_message_count: i64,
    pub ai_message_count: i64,
    pub ai_confidence_avg: Option<f64>,
    pub ai_confidence_min: Option<f64>,
    pub sentiment: Option<f64>,
    pub escalated: bool,
    pub escalation_reason: Option<String>,
    pub resolution_type: Option<String>,
    pub resolution_seconds: Option<i64>,
    pub satisfaction: Option<i32>,
    pub context: Value,
    pub metadata: Value,
    pub salesforce_case_id: Option<String>,
    /// The queue the conversation is routed to (set by routing or escalation).
    pub queue: Option<String>,
    /// Its priority, once routed or escalated.
    pub priority: Option<Priority>,
    /// The human agent who claimed it.
    pub assignee_id: Option<UserId>,
    /// When the customer first got an answer (from the AI or a human).
    pub first_response_at: Option<DateTime<Utc>>,
    /// The comment left with the CSAT score.
    pub csat_comment: Option<String>,
}

/// One message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub sender_type: SenderType,
    pub sender_id: Option<UserId>,
    pub content: String,
    pub content_type: ContentType,
    pub intent: Option<String>,
    pub intent_confidence: Option<f64>,
    pub entities: Value,
    pub sentiment: Option<f64>,
    pub attachments: Value,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// What the engine understood and did for this message: language,
    /// emotions, toxicity, citations, decision (an object; `{}` when none).
    pub analysis: Value,
    /// `warned` or `blocked` when moderation flagged the message.
    pub moderation: Option<String>,
}

/// Metadata of an API key (never the key itself).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub org_id: OrgId,
    pub name: String,
    /// The recognisable, non-secret start of the key (`ck_live_ab12cd34`).
    pub prefix: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One line of the append-only audit log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub org_id: OrgId,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub details: Value,
    pub created_at: DateTime<Utc>,
}

/// A side effect waiting to be delivered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct OutboxEvent {
    pub id: i64,
    pub org_id: OrgId,
    pub topic: String,
    pub payload: Value,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A hand-off to a human.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Escalation {
    pub id: EscalationId,
    pub org_id: OrgId,
    pub conversation_id: ConversationId,
    pub reason: String,
    pub priority: Priority,
    pub queue: String,
    pub assignee_id: Option<UserId>,
    pub sla_deadline: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The summary card handed to the human agent (an object).
    pub summary: Value,
    /// The customer's tier when escalated (SLA policy input).
    pub tier: Option<String>,
    /// When a human must first answer.
    pub first_response_deadline: Option<DateTime<Utc>>,
    /// When a human first answered.
    pub first_response_at: Option<DateTime<Utc>>,
    /// When an agent claimed it.
    pub claimed_at: Option<DateTime<Utc>>,
    /// When an SLA was breached.
    pub breached_at: Option<DateTime<Utc>>,
    /// Which SLA was breached: `first_response` or `resolution`.
    pub breach_kind: Option<String>,
}

/// Something the agent does on the customer's behalf.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Action {
    pub id: ActionId,
    pub org_id: OrgId,
    pub conversation_id: Option<ConversationId>,
    pub action_type: String,
    pub status: ActionStatus,
    pub idempotency_key: Option<String>,
    pub parameters: Value,
    pub result: Option<Value>,
    pub retries: i32,
    pub next_retry_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One version of a knowledge article.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct KnowledgeEntry {
    pub id: KnowledgeId,
    pub org_id: OrgId,
    pub version: i32,
    pub is_current: bool,
    pub title: String,
    pub body: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub language: String,
    pub source_url: Option<String>,
    /// The article's stable external key, unique among current articles of a tenant.
    pub slug: String,
    /// After this instant the article is no longer served.
    pub expires_at: Option<DateTime<Utc>>,
    /// The slug of the article this one translates.
    pub translation_of: Option<String>,
    /// Hash of the content fields; re-ingesting identical content adds no version.
    pub content_hash: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A support case recorded by the local case system (the Salesforce issue
/// adds the real one behind the same seam).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Case {
    pub id: CaseId,
    pub org_id: OrgId,
    pub conversation_id: Option<ConversationId>,
    /// Eight digits, per tenant, like Salesforce's CaseNumber (`00001001`).
    pub case_number: String,
    pub subject: String,
    pub description: String,
    /// `New`, `Working`, `Escalated`, `Closed` (Salesforce's default picklist).
    pub status: String,
    pub priority: Priority,
    /// Where it came from: `Chat`, `Web`, `Email`, …
    pub origin: String,
    pub queue: Option<String>,
    pub contact_email: Option<String>,
    /// The idempotency key the case was created with (e.g. the conversation id).
    pub external_id: Option<String>,
    /// Everything else the case carries (summary card, transcript excerpt …).
    pub details: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A message moderation flagged, with its review state.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ModerationFlag {
    pub id: FlagId,
    pub org_id: OrgId,
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    /// `warned` or `blocked`.
    pub level: String,
    pub score: f64,
    pub categories: Value,
    /// `pending`, `reviewed` or `resolved`.
    pub review_status: String,
    pub reviewed_by: Option<UserId>,
    pub review_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
}
