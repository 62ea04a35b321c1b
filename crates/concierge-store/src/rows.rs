//! Row shapes shared by both backends (every field type decodes from SQLite
//! and PostgreSQL alike) and their conversion into domain records.

use chrono::{DateTime, Utc};
use concierge_core::model::*;
use concierge_core::*;
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use crate::error::{Result, StoreError};

pub(crate) fn kind<T: std::str::FromStr<Err = UnknownKind>>(s: &str) -> Result<T> {
    s.parse()
        .map_err(|e: UnknownKind| StoreError::Corrupt(e.to_string()))
}

fn opt_kind<T: std::str::FromStr<Err = UnknownKind>>(s: Option<&str>) -> Result<Option<T>> {
    s.map(kind).transpose()
}

pub(crate) const ORG_COLUMNS: &str =
    "id, slug, name, salesforce_org_id, subscription_tier, settings, feature_flags, widget_key, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    id: Uuid,
    slug: String,
    name: String,
    salesforce_org_id: Option<String>,
    subscription_tier: String,
    settings: Json<Value>,
    feature_flags: Json<Value>,
    widget_key: String,
    created_at: DateTime<Utc>,
}

impl OrgRow {
    pub(crate) fn into_domain(self) -> Result<Organization> {
        Ok(Organization {
            id: OrgId(self.id),
            slug: self.slug,
            name: self.name,
            salesforce_org_id: self.salesforce_org_id,
            subscription_tier: kind(&self.subscription_tier)?,
            settings: self.settings.0,
            feature_flags: self.feature_flags.0,
            widget_key: self.widget_key,
            created_at: self.created_at,
        })
    }
}

pub(crate) const USER_COLUMNS: &str =
    "id, org_id, external_id, email, display_name, password_hash, role, customer_tier, status, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    org_id: Uuid,
    external_id: Option<String>,
    email: Option<String>,
    display_name: Option<String>,
    password_hash: Option<String>,
    role: String,
    customer_tier: Option<String>,
    status: String,
    created_at: DateTime<Utc>,
}

impl UserRow {
    pub(crate) fn into_credentials(self) -> Result<crate::UserCredentials> {
        let password_hash = self.password_hash.clone();
        Ok(crate::UserCredentials {
            user: self.into_domain()?,
            password_hash,
        })
    }

    pub(crate) fn into_domain(self) -> Result<User> {
        Ok(User {
            id: UserId(self.id),
            org_id: OrgId(self.org_id),
            external_id: self.external_id,
            email: self.email,
            display_name: self.display_name,
            role: kind(&self.role)?,
            customer_tier: opt_kind(self.customer_tier.as_deref())?,
            status: kind(&self.status)?,
            created_at: self.created_at,
        })
    }
}

pub(crate) const API_KEY_COLUMNS: &str =
    "id, org_id, name, prefix, key_hash, role, created_at, last_used_at, revoked_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    id: Uuid,
    org_id: Uuid,
    name: String,
    prefix: String,
    key_hash: Vec<u8>,
    role: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl ApiKeyRow {
    pub(crate) fn into_credentials(self) -> Result<crate::ApiKeyCredentials> {
        let key_hash = self.key_hash.clone();
        Ok(crate::ApiKeyCredentials {
            key: self.into_domain()?,
            key_hash,
        })
    }

    pub(crate) fn into_domain(self) -> Result<ApiKey> {
        Ok(ApiKey {
            id: ApiKeyId(self.id),
            org_id: OrgId(self.org_id),
            name: self.name,
            prefix: self.prefix,
            role: kind(&self.role)?,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        })
    }
}

pub(crate) const REFRESH_COLUMNS: &str =
    "id, org_id, user_id, family_id, token_hash, expires_at, used_at, revoked_at";

#[derive(sqlx::FromRow)]
pub(crate) struct RefreshRow {
    id: Uuid,
    org_id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: Vec<u8>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl RefreshRow {
    pub(crate) fn into_domain(self) -> crate::RefreshToken {
        crate::RefreshToken {
            id: self.id,
            org_id: OrgId(self.org_id),
            user_id: UserId(self.user_id),
            family_id: TokenFamilyId(self.family_id),
            token_hash: self.token_hash,
            expires_at: self.expires_at,
            used_at: self.used_at,
            revoked_at: self.revoked_at,
        }
    }
}

pub(crate) const CONVERSATION_COLUMNS: &str = "id, org_id, customer_id, channel, status, started_at, \
    last_activity_at, ended_at, message_count, user_message_count, ai_message_count, ai_confidence_sum, \
    ai_confidence_n, ai_confidence_min, sentiment, escalated, escalation_reason, resolution_type, \
    resolution_seconds, satisfaction, context, metadata, salesforce_case_id, queue, priority, assignee_id, \
    first_response_at, csat_comment";

/// A conversation with its recent history as JSON text
/// ([`crate::Store::conversation_with_history`]).
#[derive(sqlx::FromRow)]
pub(crate) struct ConversationWithHistory {
    #[sqlx(flatten)]
    pub conversation: ConversationRow,
    pub history: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConversationRow {
    id: Uuid,
    org_id: Uuid,
    customer_id: Option<Uuid>,
    channel: String,
    status: String,
    started_at: DateTime<Utc>,
    last_activity_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    message_count: i64,
    user_message_count: i64,
    ai_message_count: i64,
    ai_confidence_sum: f64,
    ai_confidence_n: i64,
    ai_confidence_min: Option<f64>,
    sentiment: Option<f64>,
    escalated: bool,
    escalation_reason: Option<String>,
    resolution_type: Option<String>,
    resolution_seconds: Option<i64>,
    satisfaction: Option<i32>,
    context: Json<Value>,
    metadata: Json<Value>,
    salesforce_case_id: Option<String>,
    queue: Option<String>,
    priority: Option<String>,
    assignee_id: Option<Uuid>,
    first_response_at: Option<DateTime<Utc>>,
    csat_comment: Option<String>,
}

impl ConversationRow {
    /// The running AI confidence total: (sum, count).
    pub(crate) fn confidence_totals(&self) -> (f64, i64) {
        (self.ai_confidence_sum, self.ai_confidence_n)
    }

    pub(crate) fn into_domain(self) -> Result<Conversation> {
        Ok(Conversation {
            id: ConversationId(self.id),
            org_id: OrgId(self.org_id),
            customer_id: self.customer_id.map(UserId),
            channel: kind(&self.channel)?,
            status: kind(&self.status)?,
            started_at: self.started_at,
            last_activity_at: self.last_activity_at,
            ended_at: self.ended_at,
            message_count: self.message_count,
            user_message_count: self.user_message_count,
            ai_message_count: self.ai_message_count,
            ai_confidence_avg: (self.ai_confidence_n > 0)
                .then(|| self.ai_confidence_sum / self.ai_confidence_n as f64),
            ai_confidence_min: self.ai_confidence_min,
            sentiment: self.sentiment,
            escalated: self.escalated,
            escalation_reason: self.escalation_reason,
            resolution_type: self.resolution_type,
            resolution_seconds: self.resolution_seconds,
            satisfaction: self.satisfaction,
            context: self.context.0,
            metadata: self.metadata.0,
            salesforce_case_id: self.salesforce_case_id,
            queue: self.queue,
            priority: self.priority.as_deref().map(kind).transpose()?,
            assignee_id: self.assignee_id.map(UserId),
            first_response_at: self.first_response_at,
            csat_comment: self.csat_comment,
        })
    }
}

pub(crate) const MESSAGE_COLUMNS: &str =
    "id, conversation_id, sender_type, sender_id, content, content_type, \
    intent, intent_confidence, entities, sentiment, attachments, created_at, edited_at, deleted_at, \
    analysis, moderation";

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    id: Uuid,
    conversation_id: Uuid,
    sender_type: String,
    sender_id: Option<Uuid>,
    content: String,
    content_type: String,
    intent: Option<String>,
    intent_confidence: Option<f64>,
    entities: Json<Value>,
    sentiment: Option<f64>,
    attachments: Json<Value>,
    created_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    deleted_at: Option<DateTime<Utc>>,
    analysis: Json<Value>,
    moderation: Option<String>,
}

impl MessageRow {
    pub(crate) fn into_domain(self) -> Result<Message> {
        Ok(Message {
            id: MessageId(self.id),
            conversation_id: ConversationId(self.conversation_id),
            sender_type: kind(&self.sender_type)?,
            sender_id: self.sender_id.map(UserId),
            content: self.content,
            content_type: kind(&self.content_type)?,
            intent: self.intent,
            intent_confidence: self.intent_confidence,
            entities: self.entities.0,
            sentiment: self.sentiment,
            attachments: self.attachments.0,
            created_at: self.created_at,
            edited_at: self.edited_at,
            deleted_at: self.deleted_at,
            analysis: self.analysis.0,
            moderation: self.moderation,
        })
    }
}

pub(crate) const AUDIT_COLUMNS: &str = "id, org_id, actor, action, target, details, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    id: i64,
    org_id: Uuid,
    actor: String,
    action: String,
    target: Option<String>,
    details: Json<Value>,
    created_at: DateTime<Utc>,
}

impl AuditRow {
    pub(crate) fn into_domain(self) -> AuditEntry {
        AuditEntry {
            id: self.id,
            org_id: OrgId(self.org_id),
            actor: self.actor,
            action: self.action,
            target: self.target,
            details: self.details.0,
            created_at: self.created_at,
        }
    }
}

pub(crate) const OUTBOX_COLUMNS: &str =
    "id, org_id, topic, payload, status, attempts, next_attempt_at, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct OutboxRow {
    id: i64,
    org_id: Uuid,
    topic: String,
    payload: Json<Value>,
    status: String,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

impl OutboxRow {
    pub(crate) fn into_domain(self) -> Result<OutboxEvent> {
        Ok(OutboxEvent {
            id: self.id,
            org_id: OrgId(self.org_id),
            topic: self.topic,
            payload: self.payload.0,
            status: kind(&self.status)?,
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at,
            created_at: self.created_at,
        })
    }
}

pub(crate) const ESCALATION_COLUMNS: &str =
    "id, org_id, conversation_id, reason, priority, queue, assignee_id, \
    sla_deadline, resolution, created_at, resolved_at, summary, tier, first_response_deadline, \
    first_response_at, claimed_at, breached_at, breach_kind";

#[derive(sqlx::FromRow)]
pub(crate) struct EscalationRow {
    id: Uuid,
    org_id: Uuid,
    conversation_id: Uuid,
    reason: String,
    priority: String,
    queue: String,
    assignee_id: Option<Uuid>,
    sla_deadline: Option<DateTime<Utc>>,
    resolution: Option<String>,
    created_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    summary: Json<Value>,
    tier: Option<String>,
    first_response_deadline: Option<DateTime<Utc>>,
    first_response_at: Option<DateTime<Utc>>,
    claimed_at: Option<DateTime<Utc>>,
    breached_at: Option<DateTime<Utc>>,
    breach_kind: Option<String>,
}

impl EscalationRow {
    pub(crate) fn into_domain(self) -> Result<Escalation> {
        Ok(Escalation {
            id: EscalationId(self.id),
            org_id: OrgId(self.org_id),
            conversation_id: ConversationId(self.conversation_id),
            reason: self.reason,
            priority: kind(&self.priority)?,
            queue: self.queue,
            assignee_id: self.assignee_id.map(UserId),
            sla_deadline: self.sla_deadline,
            resolution: self.resolution,
            created_at: self.created_at,
            resolved_at: self.resolved_at,
            summary: self.summary.0,
            tier: self.tier,
            first_response_deadline: self.first_response_deadline,
            first_response_at: self.first_response_at,
            claimed_at: self.claimed_at,
            breached_at: self.breached_at,
            breach_kind: self.breach_kind,
        })
    }
}

pub(crate) const ACTION_COLUMNS: &str =
    "id, org_id, conversation_id, action_type, status, idempotency_key, \
    parameters, result, retries, next_retry_at, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ActionRow {
    id: Uuid,
    org_id: Uuid,
    conversation_id: Option<Uuid>,
    action_type: String,
    status: String,
    idempotency_key: Option<String>,
    parameters: Json<Value>,
    result: Option<Json<Value>>,
    retries: i32,
    next_retry_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl ActionRow {
    pub(crate) fn into_domain(self) -> Result<Action> {
        Ok(Action {
            id: ActionId(self.id),
            org_id: OrgId(self.org_id),
            conversation_id: self.conversation_id.map(ConversationId),
            action_type: self.action_type,
            status: kind(&self.status)?,
            idempotency_key: self.idempotency_key,
            parameters: self.parameters.0,
            result: self.result.map(|j| j.0),
            retries: self.retries,
            next_retry_at: self.next_retry_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) const KNOWLEDGE_COLUMNS: &str =
    "id, org_id, version, is_current, title, body, category, tags, language, source_url, slug, expires_at, \
     translation_of, content_hash, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct KnowledgeRow {
    id: Uuid,
    org_id: Uuid,
    version: i32,
    is_current: bool,
    title: String,
    body: String,
    category: Option<String>,
    tags: Json<Vec<String>>,
    language: String,
    source_url: Option<String>,
    slug: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    translation_of: Option<String>,
    content_hash: Option<String>,
    created_at: DateTime<Utc>,
}

impl KnowledgeRow {
    pub(crate) fn into_domain(self) -> KnowledgeEntry {
        KnowledgeEntry {
            id: KnowledgeId(self.id),
            org_id: OrgId(self.org_id),
            version: self.version,
            is_current: self.is_current,
            title: self.title,
            body: self.body,
            category: self.category,
            tags: self.tags.0,
            language: self.language,
            source_url: self.source_url,
            slug: self.slug.unwrap_or_else(|| self.id.simple().to_string()),
            expires_at: self.expires_at,
            translation_of: self.translation_of,
            content_hash: self.content_hash,
            created_at: self.created_at,
        }
    }
}

pub(crate) const CASE_COLUMNS: &str =
    "id, org_id, conversation_id, case_number, subject, description, status, \
    priority, origin, queue, contact_email, external_id, details, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    id: Uuid,
    org_id: Uuid,
    conversation_id: Option<Uuid>,
    case_number: String,
    subject: String,
    description: String,
    status: String,
    priority: String,
    origin: String,
    queue: Option<String>,
    contact_email: Option<String>,
    external_id: Option<String>,
    details: Json<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl CaseRow {
    pub(crate) fn into_domain(self) -> Result<Case> {
        Ok(Case {
            id: CaseId(self.id),
            org_id: OrgId(self.org_id),
            conversation_id: self.conversation_id.map(ConversationId),
            case_number: self.case_number,
            subject: self.subject,
            description: self.description,
            status: self.status,
            priority: kind(&self.priority)?,
            origin: self.origin,
            queue: self.queue,
            contact_email: self.contact_email,
            external_id: self.external_id,
            details: self.details.0,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub(crate) const FLAG_COLUMNS: &str =
    "id, org_id, conversation_id, message_id, level, score, categories, \
    review_status, reviewed_by, review_note, created_at, reviewed_at";

#[derive(sqlx::FromRow)]
pub(crate) struct FlagRow {
    id: Uuid,
    org_id: Uuid,
    conversation_id: Uuid,
    message_id: Uuid,
    level: String,
    score: f64,
    categories: Json<Value>,
    review_status: String,
    reviewed_by: Option<Uuid>,
    review_note: Option<String>,
    created_at: DateTime<Utc>,
    reviewed_at: Option<DateTime<Utc>>,
}

impl FlagRow {
    pub(crate) fn into_domain(self) -> ModerationFlag {
        ModerationFlag {
            id: FlagId(self.id),
            org_id: OrgId(self.org_id),
            conversation_id: ConversationId(self.conversation_id),
            message_id: MessageId(self.message_id),
            level: self.level,
            score: self.score,
            categories: self.categories.0,
            review_status: self.review_status,
            reviewed_by: self.reviewed_by.map(UserId),
            review_note: self.review_note,
            created_at: self.created_at,
            reviewed_at: self.reviewed_at,
        }
    }
}
