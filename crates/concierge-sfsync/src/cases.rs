//! The engine's `CaseSystem` on Salesforce. For a connected tenant an
//! escalation becomes a Case upserted on the conversation id (so a retried
//! turn cannot open two), with the Contact found or created by email (and
//! its Account), the mapped queue as owner, Priority and Origin mapped, and
//! the summary card as Description. Tenants without a connection keep
//! Concierge's own cases.
//!
//! The call waits at most `case_timeout`; when Salesforce is slow, down or
//! rate-limited the customer is told without a case number and the outbox
//! finishes the Case later (`salesforce.case_upsert`), so nothing is lost.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use concierge_core::model::Case;
use concierge_core::{CaseId, OrgId, Priority};
use concierge_engine::cases::{CaseError, CaseRequest, CaseSystem, CustomerInfo, LocalCases};
use concierge_salesforce::{Error as SfError, Order, Soql};
use concierge_store::Store;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::connections::{Connection, Connections};
use crate::metrics::SyncMetrics;
use crate::transcript;

/// Salesforce's Case priority for ours.
pub fn case_priority(p: Priority) -> &'static str {
    match p {
        Priority::Critical | Priority::High => "High",
        Priority::Medium => "Medium",
        Priority::Low => "Low",
    }
}

/// Our priority for Salesforce's (unknown values read as medium).
pub fn priority_from_case(p: &str) -> Priority {
    match p {
        "High" => Priority::High,
        "Low" => Priority::Low,
        _ => Priority::Medium,
    }
}

/// Salesforce's Case Origin for a conversation's.
pub fn case_origin(origin: &str) -> &'static str {
    match origin {
        "Email" | "email" => "Email",
        "Chat" | "web" => "Chat",
        "whatsapp" | "slack" | "teams" => "Chat",
        "Phone" | "phone" => "Phone",
        _ => "Web",
    }
}

/// A contact as the sync reads it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContactRow {
    pub id: String,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub account: Option<Value>,
}

/// What Salesforce knows of a customer: available to rules as facts.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CustomerContext {
    pub contact_id: Option<String>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    /// The value of the configured tier field, lower-cased.
    pub tier: Option<String>,
    /// Numbers of the customer's open Cases.
    pub open_cases: Vec<String>,
}

/// The Case created or updated for a request.
#[derive(Debug, Clone, PartialEq)]
pub struct PushedCase {
    pub id: String,
    pub number: String,
    pub created: bool,
}

/// `CaseSystem` over Salesforce for connected tenants, the local store otherwise.
#[derive(Debug, Clone)]
pub struct SalesforceCases {
    local: LocalCases,
    store: Store,
    connections: Connections,
    timeout: Duration,
    metrics: SyncMetrics,
}

impl SalesforceCases {
    pub fn new(
        store: Store,
        connections: Connections,
        timeout: Duration,
        metrics: SyncMetrics,
    ) -> Self {
        Self {
            local: LocalCases::new(store.clone()),
            store,
            connections,
            timeout,
            metrics,
        }
    }

    pub fn connections(&self) -> &Connections {
        &self.connections
    }
}

fn sf_err(e: SfError) -> CaseError {
    if e.is_retryable() {
        CaseError::Unavailable(e.to_string())
    } else {
        CaseError::Refused(e.to_string())
    }
}

/// Serialises a request for the outbox (`salesforce.case_upsert`).
pub fn request_to_json(r: &CaseRequest) -> Value {
    json!({
        "conversation_id": r.conversation_id,
        "subject": r.subject,
        "description": r.description,
        "priority": r.priority,
        "queue": r.queue,
        "contact_email": r.contact_email,
        "origin": r.origin,
        "details": r.details,
    })
}

/// Reads a request back from the outbox.
pub fn request_from_json(v: &Value) -> Option<CaseRequest> {
    Some(CaseRequest {
        conversation_id: serde_json::from_value(v.get("conversation_id")?.clone()).ok()?,
        subject: v.get("subject")?.as_str()?.to_owned(),
        description: v.get("description")?.as_str()?.to_owned(),
        priority: serde_json::from_value(v.get("priority")?.clone()).ok()?,
        queue: v.get("queue").and_then(Value::as_str).map(str::to_owned),
        contact_email: v
            .get("contact_email")
            .and_then(Value::as_str)
            .map(str::to_owned),
        origin: v.get("origin")?.as_str()?.to_owned(),
        details: v.get("details").cloned().unwrap_or(Value::Null),
    })
}

/// Finds the contact with this email (oldest first), with its account and tier field.
pub async fn find_contact(conn: &Connection, email: &str) -> Result<Option<ContactRow>, SfError> {
    let tier = &conn.settings.fields.tier;
    let mut fields = vec!["Id", "AccountId", "Email", "Name", "Account.Name"];
    let tier_path;
    if let Some(f) = tier.strip_prefix("Contact.") {
        fields.push(f);
    } else {
        tier_path = tier.clone();
        fields.push(&tier_path);
    }
    let q = Soql::select(&fields)
        .from("Contact")
        .where_eq("Email", email)
        .order_by("CreatedDate", Order::Asc)
        .limit(1)
        .build()?;
    let page = conn.client.query::<Value>(&q).await?;
    Ok(page.records.into_iter().next().and_then(|v| {
        serde_json::from_value::<ContactRow>(v.clone())
            .ok()
            .map(|mut c| {
                // Keep the raw record for the tier field wherever it lives.
                if c.account.is_none() {
                    c.account = v.get("Account").cloned();
                }
                if let Some(f) = tier.strip_prefix("Contact.") {
                    c.account = Some(
                        json!({ "Name": c.account.as_ref().and_then(|a| a.get("Name")).cloned(),
                    "__tier": v.get(f).cloned() }),
                    );
                }
                c
            })
    }))
}

fn tier_of(conn: &Connection, c: &ContactRow) -> Option<String> {
    let account = c.account.as_ref()?;
    let v = match conn.settings.fields.tier.strip_prefix("Account.") {
        Some(f) => account.get(f),
        None => account.get("__tier"),
    }?;
    v.as_str().map(|s| s.to_lowercase())
}

/// The Group id of a Salesforce queue (by name or developer name; an id is used as is).
pub async fn queue_id(conn: &Connection, name: &str) -> Result<Option<String>, SfError> {
    if (name.len() == 15 || name.len() == 18) && name.starts_with("00G") {
        return Ok(Some(name.to_owned()));
    }
    if let Some(id) = conn.cached_queue(name) {
        return Ok(Some(id));
    }
    let q = Soql::select(&["Id", "Name"])
        .from("Group")
        .where_eq("Type", "Queue")
        .where_eq("Name", name)
        .limit(1)
        .build()?;
    let page = conn.client.query::<Value>(&q).await?;
    let id = page
        .records
        .first()
        .and_then(|r| r.get("Id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(id) = &id {
        conn.remember_queue(name, id);
    }
    Ok(id)
}

/// Creates or updates the conversation's Case in Salesforce and records it
/// on the conversation. Idempotent: the Case is upserted on the external id.
pub async fn push_case(
    conn: &Connection,
    store: &Store,
    org: OrgId,
    r: &CaseRequest,
) -> Result<PushedCase, SfError> {
    let settings = &conn.settings;
    let conversation = r.conversation_id.0.to_string();
    let mut fields = serde_json::Map::new();
    let card = &r.details;
    let url = settings
        .conversation_url
        .as_ref()
        .map(|u| u.replace("{id}", &conversation));
    fields.insert(
        "Subject".into(),
        json!(transcript::subject(card, &r.subject)),
    );
    fields.insert(
        "Description".into(),
        json!(transcript::description(
            card,
            &r.description,
            url.as_deref()
        )),
    );
    fields.insert("Priority".into(), json!(case_priority(r.priority)));
    fields.insert("Origin".into(), json!(case_origin(&r.origin)));
    if let Some(email) = &r.contact_email {
        fields.insert("SuppliedEmail".into(), json!(email));
        let contact = match find_contact(conn, email).await? {
            Some(c) => Some(c),
            None => {
                let local = email.split('@').next().unwrap_or("Customer");
                let name = card
                    .pointer("/customer/name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or(local);
                let (first, last) = match name.trim().rsplit_once(' ') {
                    Some((f, l)) => (Some(f), l),
                    None => (None, name.trim()),
                };
                let mut body = json!({ "LastName": last, "Email": email });
                if let Some(f) = first {
                    body["FirstName"] = json!(f);
                }
                let id = conn.client.create("Contact", &body).await?;
                Some(ContactRow {
                    id,
                    account_id: None,
                    email: Some(email.clone()),
                    name: None,
                    account: None,
                })
            }
        };
        if let Some(c) = contact {
            fields.insert("ContactId".into(), json!(c.id));
            if let Some(a) = c.account_id {
                fields.insert("AccountId".into(), json!(a));
            }
        }
    }
    if let Some(q) = settings.queue_for(r.queue.as_deref()) {
        match queue_id(conn, q).await? {
            Some(id) => {
                fields.insert("OwnerId".into(), json!(id));
            }
            None => tracing::warn!(
                queue = q,
                "salesforce queue not found; the Case keeps its default owner"
            ),
        }
    }
    let outcome = conn
        .client
        .upsert(
            "Case",
            &settings.fields.external_id,
            &conversation,
            &Value::Object(fields),
        )
        .await?;
    let case = conn
        .client
        .get("Case", &outcome.id, Some(&["CaseNumber", "Status"]))
        .await?;
    let number = case
        .get("CaseNumber")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let session = conn.client.session().await?;
    let link = format!(
        "{}/lightning/r/Case/{}/view",
        session.instance_url.as_str().trim_end_matches('/'),
        outcome.id
    );
    if let Err(e) = store
        .set_salesforce_case(org, r.conversation_id, &outcome.id, &number, Some(&link))
        .await
    {
        tracing::warn!(error.message = %e, "case created in salesforce but not recorded on the conversation");
    }
    Ok(PushedCase {
        id: outcome.id,
        number,
        created: outcome.created,
    })
}

fn to_model(org: OrgId, r: &CaseRequest, pushed: &PushedCase) -> Case {
    let now = Utc::now();
    Case {
        id: CaseId::new(),
        org_id: org,
        conversation_id: Some(r.conversation_id),
        case_number: pushed.number.clone(),
        subject: r.subject.clone(),
        description: r.description.clone(),
        status: "New".to_owned(),
        priority: r.priority,
        origin: r.origin.clone(),
        queue: r.queue.clone(),
        contact_email: r.contact_email.clone(),
        external_id: Some(r.conversation_id.0.to_string()),
        details: json!({ "salesforce": { "id": pushed.id, "number": pushed.number } }),
        created_at: now,
        updated_at: now,
    }
}

fn case_from_record(org: OrgId, v: &Value) -> Case {
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let conversation = v
        .get("Concierge_Conversation_Id__c")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<uuid::Uuid>().ok())
        .map(concierge_core::ConversationId);
    let when = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.3f%z").ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(Utc::now)
    };
    Case {
        id: CaseId::new(),
        org_id: org,
        conversation_id: conversation,
        case_number: s("CaseNumber"),
        subject: s("Subject"),
        description: String::new(),
        status: s("Status"),
        priority: priority_from_case(&s("Priority")),
        origin: s("Origin"),
        queue: None,
        contact_email: v
            .get("ContactEmail")
            .and_then(Value::as_str)
            .map(str::to_owned),
        external_id: conversation.map(|c| c.0.to_string()),
        details: json!({ "salesforce": { "id": s("Id"), "number": s("CaseNumber") } }),
        created_at: when("CreatedDate"),
        updated_at: when("LastModifiedDate"),
    }
}

const CASE_FIELDS: &[&str] = &[
    "Id",
    "CaseNumber",
    "Subject",
    "Status",
    "Priority",
    "Origin",
    "ContactEmail",
    "CreatedDate",
    "LastModifiedDate",
];

/// What Salesforce knows of the customer with this email.
pub async fn customer_context(conn: &Connection, email: &str) -> Result<CustomerContext, SfError> {
    let Some(contact) = find_contact(conn, email).await? else {
        return Ok(CustomerContext::default());
    };
    let q = Soql::select(&["CaseNumber"])
        .from("Case")
        .where_eq("ContactId", &contact.id)
        .where_eq("IsClosed", false)
        .order_by("CreatedDate", Order::Desc)
        .limit(20)
        .build()?;
    let open = conn.client.query::<Value>(&q).await?;
    Ok(CustomerContext {
        tier: tier_of(conn, &contact),
        account_name: contact
            .account
            .as_ref()
            .and_then(|a| a.get("Name"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        contact_id: Some(contact.id),
        account_id: contact.account_id,
        open_cases: open
            .records
            .iter()
            .filter_map(|r| {
                r.get("CaseNumber")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .collect(),
    })
}

#[async_trait]
impl CaseSystem for SalesforceCases {
    fn name(&self) -> &'static str {
        "salesforce"
    }

    async fn upsert_case(&self, org: OrgId, r: &CaseRequest) -> Result<Case, CaseError> {
        let Some(conn) = self.connections.get(org).await else {
            return self.local.upsert_case(org, r).await;
        };
        let started = std::time::Instant::now();
        let result =
            tokio::time::timeout(self.timeout, push_case(&conn, &self.store, org, r)).await;
        let failure = match result {
            Ok(Ok(pushed)) => {
                self.metrics.call("case_upsert", "ok", started.elapsed());
                return Ok(to_model(org, r, &pushed));
            }
            Ok(Err(e)) => {
                self.metrics.call(
                    "case_upsert",
                    e.error_code().unwrap_or("error"),
                    started.elapsed(),
                );
                if !e.is_retryable() {
                    return Err(sf_err(e));
                }
                e.to_string()
            }
            Err(_) => {
                self.metrics
                    .call("case_upsert", "timeout", started.elapsed());
                "timed out".to_owned()
            }
        };
        // Finish it later: the outbox retries until Salesforce answers.
        tracing::warn!(error.message = %failure, "salesforce case deferred to the outbox");
        if let Err(e) = self
            .store
            .enqueue_outbox(org, crate::outbound::TOPIC_CASE_UPSERT, &request_to_json(r))
            .await
        {
            tracing::error!(error.message = %e, "cannot defer the salesforce case");
        }
        Err(CaseError::Unavailable(failure))
    }

    async fn customer(&self, org: OrgId, email: &str) -> Result<Option<CustomerInfo>, CaseError> {
        let Some(conn) = self.connections.get(org).await else {
            return Ok(None);
        };
        let started = std::time::Instant::now();
        match tokio::time::timeout(self.timeout, customer_context(&conn, email)).await {
            Ok(Ok(c)) => {
                self.metrics
                    .call("customer_context", "ok", started.elapsed());
                Ok(Some(CustomerInfo {
                    tier: c.tier,
                    account: c.account_name,
                    open_cases: c.open_cases,
                }))
            }
            Ok(Err(e)) => {
                self.metrics.call(
                    "customer_context",
                    e.error_code().unwrap_or("error"),
                    started.elapsed(),
                );
                Err(sf_err(e))
            }
            Err(_) => {
                self.metrics
                    .call("customer_context", "timeout", started.elapsed());
                Err(CaseError::Unavailable("timed out".into()))
            }
        }
    }

    async fn case_by_number(&self, org: OrgId, number: &str) -> Result<Option<Case>, CaseError> {
        let Some(conn) = self.connections.get(org).await else {
            return self.local.case_by_number(org, number).await;
        };
        let q = Soql::select(CASE_FIELDS)
            .from("Case")
            .where_eq("CaseNumber", number)
            .limit(1)
            .build()
            .map_err(sf_err)?;
        let page = conn.client.query::<Value>(&q).await.map_err(sf_err)?;
        Ok(page.records.first().map(|v| case_from_record(org, v)))
    }

    async fn open_cases(&self, org: OrgId, email: &str) -> Result<Vec<Case>, CaseError> {
        let Some(conn) = self.connections.get(org).await else {
            return self.local.open_cases(org, email).await;
        };
        let Some(contact) = find_contact(&conn, email).await.map_err(sf_err)? else {
            return Ok(Vec::new());
        };
        let q = Soql::select(CASE_FIELDS)
            .from("Case")
            .where_eq("ContactId", &contact.id)
            .where_eq("IsClosed", false)
            .order_by("CreatedDate", Order::Desc)
            .limit(50)
            .build()
            .map_err(sf_err)?;
        let page = conn.client.query::<Value>(&q).await.map_err(sf_err)?;
        Ok(page
            .records
            .iter()
            .map(|v| case_from_record(org, v))
            .collect())
    }
}

/// Shared handle used by the binary to build the engine's case system.
pub fn shared(cases: SalesforceCases) -> Arc<dyn CaseSystem> {
    Arc::new(cases)
}
