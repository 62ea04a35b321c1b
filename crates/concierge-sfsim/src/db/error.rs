//! [`DbError`]: the one error type of the data layer. Every variant knows the
//! Salesforce `errorCode`, HTTP status, `fields` and `message` REST sends.

/// An error of the simulated org, shaped like Salesforce's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DbError {
    /// The record, object or external-id field does not exist (404).
    #[error("NOT_FOUND: {message}")]
    NotFound { message: String },
    /// An unknown sObject type in a query or search (400).
    #[error("INVALID_TYPE: sObject type '{object}' is not supported")]
    InvalidType { object: String },
    /// An unknown or misplaced field (400).
    #[error("INVALID_FIELD: {message}")]
    InvalidField {
        message: String,
        fields: Vec<String>,
    },
    /// A malformed record id (400).
    #[error("MALFORMED_ID: {message}")]
    MalformedId {
        message: String,
        fields: Vec<String>,
    },
    /// SOQL outside the supported subset or syntactically wrong (400).
    #[error("MALFORMED_QUERY: {message}")]
    MalformedQuery {
        message: String,
        row: usize,
        column: usize,
    },
    /// A malformed SOSL search (400).
    #[error("MALFORMED_SEARCH: {message}")]
    MalformedSearch { message: String },
    /// An operator that does not apply to the field or value (400).
    #[error("INVALID_QUERY_FILTER_OPERATOR: {message}")]
    InvalidFilter { message: String },
    /// Required fields absent on create or nulled on update (400).
    #[error("REQUIRED_FIELD_MISSING: {fields:?}")]
    RequiredFieldMissing { fields: Vec<String> },
    /// The record is in the recycle bin (404).
    #[error("ENTITY_IS_DELETED: entity is deleted")]
    EntityIsDeleted,
    /// A unique field already holds this value on another record (400).
    #[error("DUPLICATE_VALUE: {message}")]
    DuplicateValue {
        message: String,
        fields: Vec<String>,
    },
    /// A read-only field in a create or update body (400).
    #[error("INVALID_FIELD_FOR_INSERT_UPDATE: {fields:?}")]
    NotWritable { fields: Vec<String> },
    /// A text value longer than the field allows (400).
    #[error("STRING_TOO_LONG: {field} (max length={max})")]
    StringTooLong {
        field: String,
        label: String,
        value: String,
        max: u32,
    },
    /// A value not in a restricted picklist (400).
    #[error("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: {field}: {value}")]
    BadPicklist {
        field: String,
        label: String,
        value: String,
    },
    /// A malformed email address (400).
    #[error("INVALID_EMAIL_ADDRESS: {field}: {value}")]
    InvalidEmail {
        field: String,
        label: String,
        value: String,
    },
    /// A reference to the wrong kind of object (400).
    #[error("FIELD_INTEGRITY_EXCEPTION: {message}")]
    FieldIntegrity {
        message: String,
        fields: Vec<String>,
    },
    /// A reference to a record that does not exist (400).
    #[error("INVALID_CROSS_REFERENCE_KEY: {message}")]
    InvalidCrossReference {
        message: String,
        fields: Vec<String>,
    },
    /// A value of the wrong JSON type (400).
    #[error("JSON_PARSER_ERROR: {message}")]
    JsonParser { message: String },
    /// Several records match an upsert's external id (300).
    #[error("MULTIPLE_CHOICES: {0:?}")]
    MultipleMatches(Vec<String>),
    /// An org or input limit (400).
    #[error("LIMIT_EXCEEDED: {message}")]
    LimitExceeded { message: String },
    /// The org holds as many records as it may (400).
    #[error("STORAGE_LIMIT_EXCEEDED: storage limit exceeded")]
    StorageLimit,
}

impl DbError {
    /// The Salesforce `errorCode`.
    pub fn error_code(&self) -> &'static str {
        match self {
            DbError::NotFound { .. } => "NOT_FOUND",
            DbError::InvalidType { .. } => "INVALID_TYPE",
            DbError::InvalidField { .. } => "INVALID_FIELD",
            DbError::MalformedId { .. } => "MALFORMED_ID",
            DbError::MalformedQuery { .. } => "MALFORMED_QUERY",
            DbError::MalformedSearch { .. } => "MALFORMED_SEARCH",
            DbError::InvalidFilter { .. } => "INVALID_QUERY_FILTER_OPERATOR",
            DbError::RequiredFieldMissing { .. } => "REQUIRED_FIELD_MISSING",
            DbError::EntityIsDeleted => "ENTITY_IS_DELETED",
            DbError::DuplicateValue { .. } => "DUPLICATE_VALUE",
            DbError::NotWritable { .. } => "INVALID_FIELD_FOR_INSERT_UPDATE",
            DbError::StringTooLong { .. } => "STRING_TOO_LONG",
            DbError::BadPicklist { .. } => "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            DbError::InvalidEmail { .. } => "INVALID_EMAIL_ADDRESS",
            DbError::FieldIntegrity { .. } => "FIELD_INTEGRITY_EXCEPTION",
            DbError::InvalidCrossReference { .. } => "INVALID_CROSS_REFERENCE_KEY",
            DbError::JsonParser { .. } => "JSON_PARSER_ERROR",
            DbError::MultipleMatches(_) => "MULTIPLE_CHOICES",
            DbError::LimitExceeded { .. } => "LIMIT_EXCEEDED",
            DbError::StorageLimit => "STORAGE_LIMIT_EXCEEDED",
        }
    }

    /// The HTTP status Salesforce answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            DbError::NotFound { .. } | DbError::EntityIsDeleted => 404,
            DbError::MultipleMatches(_) => 300,
            _ => 400,
        }
    }

    /// The `fields` of the error body.
    pub fn fields(&self) -> Vec<String> {
        match self {
            DbError::InvalidField { fields, .. }
            | DbError::MalformedId { fields, .. }
            | DbError::DuplicateValue { fields, .. }
            | DbError::FieldIntegrity { fields, .. }
            | DbError::InvalidCrossReference { fields, .. }
            | DbError::RequiredFieldMissing { fields }
            | DbError::NotWritable { fields } => fields.clone(),
            DbError::StringTooLong { field, .. }
            | DbError::BadPicklist { field, .. }
            | DbError::InvalidEmail { field, .. } => vec![field.clone()],
            _ => Vec::new(),
        }
    }

    /// The `message` of the error body, worded as Salesforce words it.
    pub fn message(&self) -> String {
        match self {
            DbError::NotFound { message }
            | DbError::InvalidField { message, .. }
            | DbError::MalformedId { message, .. }
            | DbError::MalformedSearch { message }
            | DbError::InvalidFilter { message }
            | DbError::DuplicateValue { message, .. }
            | DbError::FieldIntegrity { message, .. }
            | DbError::InvalidCrossReference { message, .. }
            | DbError::JsonParser { message }
            | DbError::LimitExceeded { message } => message.clone(),
            DbError::MalformedQuery { message, .. } => message.clone(),
            DbError::InvalidType { object } => format!(
                "sObject type '{object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
            ),
            DbError::RequiredFieldMissing { fields } => {
                format!("Required fields are missing: [{}]", fields.join(", "))
            }
            DbError::EntityIsDeleted => "entity is deleted".to_string(),
            DbError::NotWritable { fields } => format!(
                "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                fields.join(", ")
            ),
            DbError::StringTooLong { label, value, max, .. } => {
                let shown: String = value.chars().take(40).collect();
                format!("{label}: data value too large: {shown} (max length={max})")
            }
            DbError::BadPicklist { label, value, .. } => {
                format!("{label}: bad value for restricted picklist field: {value}")
            }
            DbError::InvalidEmail { label, value, .. } => {
                format!("{label}: invalid email address: {value}")
            }
            DbError::MultipleMatches(ids) => format!(
                "More than one record found for external id field: {}",
                ids.join(", ")
            ),
            DbError::StorageLimit => {
                "storage limit exceeded: the simulated org holds at most 1,000,000 records".to_string()
            }
        }
    }

    /// NOT_FOUND with Salesforce's generic text.
    pub(crate) fn not_found() -> Self {
        DbError::NotFound {
            message: "The requested resource does not exist".to_string(),
        }
    }
}
