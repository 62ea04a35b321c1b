//! Fresh, isolated databases for tests: a temporary SQLite file, or a
//! uuid-named PostgreSQL database that is dropped afterwards.
//!
//! PostgreSQL is used when `TEST_DATABASE_URL` is set (then it must be
//! reachable) or when the default local server
//! (`postgres://postgres@127.0.0.1:5432/postgres`) answers.

use std::path::PathBuf;

use crate::{Result, Store};

const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A test database; dropping it removes the file or database.
#[derive(Debug)]
pub struct TestDb {
    pub store: Store,
    /// The URL the store was opened with (a new connection may be made to it).
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Dir(PathBuf),
    Pg { admin_url: String, name: String },
}

/// The PostgreSQL server URL to test against, if any is reachable.
pub async fn postgres_admin_url() -> Option<String> {
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        return Some(url);
    }
    let ok = tokio::time::timeout(std::time::Duration::from_secs(2), async {
        use sqlx::Connection;
        sqlx::PgConnection::connect(DEFAULT_PG)
            .await
            .map(drop)
            .is_ok()
    })
    .await
    .unwrap_or(false);
    ok.then(|| DEFAULT_PG.to_owned())
}

impl TestDb {
    /// A migrated SQLite database in a new temporary directory.
    pub async fn sqlite() -> Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("concierge-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let url = format!("sqlite://{}", dir.join("test.db").display());
        let store = Store::connect(&url, Some(4)).await?;
        store.migrate().await?;
        Ok(Self {
            store,
            url,
            cleanup: Cleanup::Dir(dir),
        })
    }

    /// A migrated PostgreSQL database of its own on `admin_url`'s server.
    pub async fn postgres(admin_url: &str) -> Result<Self> {
        use sqlx::{Connection, Executor};
        let name = format!("concierge_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url).await?;
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        admin.close().await?;
        let url = crate::postgres::with_database_name(admin_url, &name);
        let store = Store::connect(&url, Some(8)).await?;
        store.migrate().await?;
        Ok(Self {
            store,
            url,
            cleanup: Cleanup::Pg {
                admin_url: admin_url.to_owned(),
                name,
            },
        })
    }

    /// Closes the store and removes the database.
    pub async fn destroy(self) {
        self.store.close().await;
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Pg { admin_url, name } => {
                use sqlx::{Connection, Executor};
                if let Ok(mut admin) = sqlx::PgConnection::connect(admin_url).await {
                    let _ = admin
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}
