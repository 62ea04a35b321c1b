//! The case-system seam: where escalations become support cases. The local
//! implementation records cases in Concierge's own store; the Salesforce
//! issue adds the real Salesforce Case behind the same trait.

use async_trait::async_trait;
use concierge_core::model::Case;
use concierge_core::{ConversationId, OrgId, Priority};
use concierge_store::{NewCase, Store};
use serde_json::Value;

/// A case to open or update for a conversation.
#[derive(Debug, Clone)]
pub struct CaseRequest {
    pub conversation_id: ConversationId,
    pub subject: String,
    pub description: String,
    pub priority: Priority,
    pub queue: Option<String>,
    pub contact_email: Option<String>,
    /// Origin: `Chat`, `Email`, …
    pub origin: String,
    /// The summary card and anything else the case should carry.
    pub details: Value,
}

/// What a case system failed at.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("case system unavailable: {0}")]
    Unavailable(String),
    #[error("case system refused the request: {0}")]
    Refused(String),
}

/// What the case system knows of a customer, found by email: read before
/// the engine decides, so rules and replies can use it ("you already have
/// case 00001234 open").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerInfo {
    /// The customer's tier as the case system records it (`enterprise`, …).
    pub tier: Option<String>,
    /// The account (company) name.
    pub account: Option<String>,
    /// Numbers of the customer's open cases, newest first.
    pub open_cases: Vec<String>,
}

/// Opens and reads support cases.
#[async_trait]
pub trait CaseSystem: Send + Sync + std::fmt::Debug {
    /// A short name for logs (`local`, `salesforce`).
    fn name(&self) -> &'static str;
    /// Creates the conversation's case, or updates it if it exists
    /// (idempotent on the conversation).
    async fn upsert_case(&self, org: OrgId, request: &CaseRequest) -> Result<Case, CaseError>;
    /// A case by its number.
    async fn case_by_number(&self, org: OrgId, number: &str) -> Result<Option<Case>, CaseError>;
    /// Open cases of a contact.
    async fn open_cases(&self, org: OrgId, email: &str) -> Result<Vec<Case>, CaseError>;
    /// What the case system knows of a customer (`None`: nothing beyond
    /// [`CaseSystem::open_cases`], the local store's case).
    async fn customer(&self, _org: OrgId, _email: &str) -> Result<Option<CustomerInfo>, CaseError> {
        Ok(None)
    }
}

/// Cases kept in Concierge's own database (the embedded default until
/// Salesforce is connected).
#[derive(Debug, Clone)]
pub struct LocalCases {
    store: Store,
}

impl LocalCases {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

fn unavailable(e: concierge_store::StoreError) -> CaseError {
    CaseError::Unavailable(e.to_string())
}

#[async_trait]
impl CaseSystem for LocalCases {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn upsert_case(&self, org: OrgId, r: &CaseRequest) -> Result<Case, CaseError> {
        let new = NewCase {
            conversation_id: Some(r.conversation_id),
            subject: r.subject.chars().take(255).collect(),
            description: r.description.chars().take(32_000).collect(),
            status: "New".to_owned(),
            priority: r.priority,
            origin: r.origin.clone(),
            queue: r.queue.clone(),
            contact_email: r.contact_email.clone(),
            external_id: Some(r.conversation_id.0.to_string()),
            details: r.details.clone(),
        };
        self.store
            .upsert_case(org, &new)
            .await
            .map(|(c, _)| c)
            .map_err(unavailable)
    }

    async fn case_by_number(&self, org: OrgId, number: &str) -> Result<Option<Case>, CaseError> {
        self.store
            .case_by_number(org, number)
            .await
            .map_err(unavailable)
    }

    async fn open_cases(&self, org: OrgId, email: &str) -> Result<Vec<Case>, CaseError> {
        self.store
            .cases_for_contact(org, email, true)
            .await
            .map_err(unavailable)
    }
}
