//! The store's behaviour, proven on SQLite always and on PostgreSQL whenever
//! it is reachable (see `concierge_store::testing`). Each test gets its own
//! database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;

use concierge_store::testing::{postgres_admin_url, TestDb};
use concierge_store::*;

mod conversations;
mod isolation;
mod knowledge;
mod records;
mod salesforce;
mod turns;

/// Runs `story` against a fresh SQLite database and, when reachable, a fresh
/// PostgreSQL database.
pub async fn on_both<F, Fut>(story: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = TestDb>,
{
    let db = TestDb::sqlite().await.expect("sqlite test db");
    story(db).await.destroy().await;
    match postgres_admin_url().await {
        Some(url) => {
            let db = TestDb::postgres(&url).await.expect("postgres test db");
            story(db).await.destroy().await;
        }
        None => eprintln!("PostgreSQL not reachable: PostgreSQL half of this test skipped"),
    }
}

pub async fn org(store: &Store, slug: &str) -> concierge_core::model::Organization {
    store
        .create_organization(&NewOrganization {
            slug: slug.to_owned(),
            name: format!("{slug} Inc."),
            subscription_tier: concierge_core::SubscriptionTier::Professional,
            salesforce_org_id: None,
            widget_key: format!("pk_test_{slug}_{}", uuid::Uuid::new_v4().simple()),
        })
        .await
        .expect("create org")
}

/// Executes raw SQL on a new connection of the same database (as the owner:
/// no tenant is set), for tests of database-level guarantees.
pub async fn raw(db: &TestDb, sql: &str) -> Result<(), sqlx::Error> {
    use sqlx::{Connection, Executor};
    if db.url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(&db.url).await?;
        c.execute(sql).await.map(|_| ())
    } else {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await?;
        c.execute(sql).await.map(|_| ())
    }
}
