//! The database a run uses: a SQLite file in a new temporary directory, or a
//! uuid-named PostgreSQL database dropped afterwards.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use concierge_core::OrgId;

/// Counts the tenant's message rows straight from the database.
pub(super) async fn count_messages(url: &str, org: OrgId) -> anyhow::Result<u64> {
    use sqlx::Connection;
    const SQL: &str = "SELECT count(*) FROM messages WHERE org_id = $1";
    let n: i64 = if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await?;
        let n = sqlx::query_scalar(SQL)
            .bind(org.0)
            .fetch_one(&mut c)
            .await?;
        c.close().await?;
        n
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await?;
        let n = sqlx::query_scalar(SQL)
            .bind(org.0)
            .fetch_one(&mut c)
            .await?;
        c.close().await?;
        n
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// A database that exists for one run.
pub(super) struct ScratchDb {
    pub(super) url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Pg { admin_url: String, name: String },
}

impl ScratchDb {
    pub(super) async fn create(postgres: Option<&str>, dir: Option<&Path>) -> anyhow::Result<Self> {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        match postgres {
            Some(admin_url) => {
                use sqlx::{Connection, Executor};
                if !(admin_url.starts_with("postgres://") || admin_url.starts_with("postgresql://"))
                {
                    bail!("--database takes a postgres:// URL (SQLite is the default)");
                }
                let name = format!("concierge_bench_{tag}");
                let mut admin = sqlx::PgConnection::connect(admin_url)
                    .await
                    .context("cannot connect to the PostgreSQL server given by --database")?;
                admin
                    .execute(format!("CREATE DATABASE {name}").as_str())
                    .await?;
                admin.close().await?;
                Ok(Self {
                    url: concierge_store::postgres::with_database_name(admin_url, &name),
                    cleanup: Cleanup::Pg {
                        admin_url: admin_url.to_owned(),
                        name,
                    },
                })
            }
            None => {
                let parent = dir.map_or_else(std::env::temp_dir, PathBuf::from);
                let dir = parent.join(format!("concierge-bench-{tag}"));
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                Ok(Self {
                    url: format!("sqlite://{}", dir.join("bench.db").display()),
                    cleanup: Cleanup::Dir(dir),
                })
            }
        }
    }

    pub(super) async fn destroy(self) {
        match self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Pg { admin_url, name } => {
                use sqlx::{Connection, Executor};
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    if let Err(e) = admin.execute(sql.as_str()).await {
                        eprintln!("warning: could not drop the benchmark database {name}: {e}");
                    }
                    let _ = admin.close().await;
                }
            }
        }
    }
}
