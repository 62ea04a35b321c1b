//! The store's error type. sqlx errors are classified once, here, so callers
//! match on meaning (not found, conflict, unavailable) rather than driver codes.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist for this tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique constraint: `field` names what collided.
    #[error("{field} already exists")]
    Conflict { field: String },
    /// The database rejected a value (CHECK or foreign key).
    #[error("invalid value: {0}")]
    Invalid(String),
    /// A state change that the domain forbids.
    #[error("cannot change conversation from {from} to {to}")]
    InvalidTransition { from: String, to: String },
    /// The database cannot be reached or the pool is exhausted; safe to retry.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Any other database failure.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// A row held a value this version does not understand.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Migrations failed.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Short alias.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound("record"),
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => StoreError::Unavailable(e),
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() {
                    StoreError::Conflict {
                        field: conflict_field(db.constraint(), db.message()),
                    }
                } else if db.is_check_violation() || db.is_foreign_key_violation() {
                    StoreError::Invalid(db.constraint().unwrap_or("constraint").to_owned())
                } else if db.message().contains("append-only") {
                    StoreError::Invalid("audit_log is append-only".to_owned())
                } else {
                    StoreError::Database(e)
                }
            }
            _ => StoreError::Database(e),
        }
    }
}

/// Turns a constraint name (PostgreSQL) or message (SQLite: `UNIQUE constraint failed: users.org_id, users.email`)
/// into the API field it protects.
fn conflict_field(constraint: Option<&str>, message: &str) -> String {
    let text = constraint.unwrap_or(message);
    for (needle, field) in [
        ("slug", "slug"),
        ("email", "email"),
        ("external_id", "external_id"),
        ("idempotency_key", "idempotency_key"),
        ("prefix", "prefix"),
        ("widget_key", "widget_key"),
    ] {
        if text.contains(needle) {
            return field.to_owned();
        }
    }
    "record".to_owned()
}

impl StoreError {
    /// Whether retrying later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_names_map_to_fields() {
        assert_eq!(conflict_field(Some("users_org_id_email_key"), ""), "email");
        assert_eq!(
            conflict_field(None, "UNIQUE constraint failed: organizations.slug"),
            "slug"
        );
        assert_eq!(
            conflict_field(None, "UNIQUE constraint failed: x.y"),
            "record"
        );
    }
}
