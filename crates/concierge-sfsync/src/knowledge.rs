//! Published Salesforce Knowledge articles into Concierge's knowledge base,
//! per language and incremental by `LastPublishedDate`: each run asks only
//! for articles published after the newest one the last run saw (the
//! watermark is kept per tenant and language in the sync state).
//!
//! Articles become `sf-<UrlName>` in our base, so a newer published version
//! of the same article replaces the old one as a new version. Articles
//! archived in Salesforce are not retired here (the incremental query only
//! sees publications); a full re-import does not remove them either.

use chrono::{DateTime, Utc};
use concierge_core::OrgId;
use concierge_knowledge::{ArticleInput, KnowledgeBase};
use concierge_salesforce::{Condition, Order, Soql};
use serde::Serialize;
use serde_json::Value;

use crate::connections::Connection;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Articles read from Salesforce.
    pub fetched: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Articles skipped (no body, invalid), with why.
    pub skipped: Vec<String>,
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("salesforce: {0}")]
    Salesforce(#[from] concierge_salesforce::Error),
    #[error("knowledge base: {0}")]
    Knowledge(#[from] concierge_knowledge::KnowledgeError),
    #[error("store: {0}")]
    Store(#[from] concierge_store::StoreError),
}

/// ISO 639-1 for a Salesforce locale (`en_US` → `en`).
pub fn language_of(locale: &str) -> String {
    locale
        .split(['_', '-'])
        .next()
        .unwrap_or("en")
        .to_lowercase()
}

/// A slug our base accepts, from the article's URL name.
pub fn slug_of(url_name: &str, locale: &str) -> String {
    let clean: String = url_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let clean = clean.trim_matches('-');
    let lang = language_of(locale);
    let base = if lang == "en" {
        format!("sf-{clean}")
    } else {
        format!("sf-{clean}-{lang}")
    };
    base.chars().take(120).collect()
}

fn watermark_key(locale: &str) -> String {
    format!("knowledge:{locale}:last_published")
}

/// Imports the tenant's newly published articles in every configured language.
pub async fn import(
    conn: &Connection,
    kb: &KnowledgeBase,
    org: OrgId,
    full: bool,
) -> Result<ImportReport, ImportError> {
    let store = kb.store().clone();
    let mut report = ImportReport::default();
    let settings = &conn.settings;
    let body_field = settings.knowledge_body_field.as_str();
    let instance = conn.client.session().await?.instance_url;
    for locale in &settings.knowledge_languages {
        let since = if full {
            None
        } else {
            store
                .sync_state(org, &watermark_key(locale))
                .await?
                .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        let mut q = Soql::select(&[
            "Id",
            "KnowledgeArticleId",
            "Title",
            "UrlName",
            "Summary",
            "ArticleNumber",
            "Language",
            "LastPublishedDate",
            body_field,
        ])
        .from(&settings.knowledge_object)
        .where_eq("PublishStatus", "Online")
        .where_eq("Language", locale);
        if let Some(since) = since {
            // SOQL datetime literals have whole seconds: ask from the second
            // the watermark falls in, and drop what it already covered below.
            let floor = DateTime::from_timestamp(since.timestamp(), 0).unwrap_or(since);
            q = q.and(Condition::ge("LastPublishedDate", floor));
        }
        let q = q
            .order_by("LastPublishedDate", Order::Asc)
            .limit(2000)
            .build()?;
        let rows = conn.client.query_all_pages::<Value>(&q, 2000).await?;
        let published = |r: &Value| {
            r.get("LastPublishedDate")
                .and_then(Value::as_str)
                .and_then(|t| DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.3f%z").ok())
                .map(|t| t.with_timezone(&Utc))
        };
        let rows: Vec<Value> = rows
            .into_iter()
            .filter(|r| match (since, published(r)) {
                (Some(s), Some(p)) => p > s,
                _ => true,
            })
            .collect();
        report.fetched += rows.len();
        let mut newest = since;
        let mut articles = Vec::new();
        for r in &rows {
            let s = |k: &str| {
                r.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            };
            let body = match s(body_field) {
                b if !b.is_empty() => b,
                _ => s("Summary"),
            };
            if body.is_empty() || s("Title").is_empty() || s("UrlName").is_empty() {
                report.skipped.push(format!(
                    "{}: no title, URL name or body",
                    s("ArticleNumber")
                ));
                continue;
            }
            if let Some(p) = published(r) {
                newest = Some(newest.map_or(p, |n: DateTime<Utc>| n.max(p)));
            }
            let article = ArticleInput {
                slug: slug_of(&s("UrlName"), locale),
                title: s("Title"),
                body,
                category: Some("salesforce-knowledge".to_owned()),
                tags: vec!["salesforce".to_owned(), s("ArticleNumber")]
                    .into_iter()
                    .filter(|t| !t.is_empty())
                    .collect(),
                language: language_of(locale),
                source_url: Some(format!(
                    "{}/articles/{}/Knowledge/{}",
                    instance.as_str().trim_end_matches('/'),
                    locale,
                    s("UrlName")
                )),
                source_version: Some(s("LastPublishedDate")),
                expires_at: None,
                translation_of: None,
            };
            if let Err(e) = article.validate(&article.slug) {
                report.skipped.push(format!("{}: {e}", s("ArticleNumber")));
                continue;
            }
            if !articles
                .iter()
                .any(|a: &ArticleInput| a.slug == article.slug)
            {
                articles.push(article);
            }
        }
        if !articles.is_empty() {
            let r = kb.ingest(org, &articles).await?;
            report.created += r.created;
            report.updated += r.updated;
            report.unchanged += r.unchanged;
        }
        if let Some(n) = newest {
            store
                .put_sync_state(org, &watermark_key(locale), &n.to_rfc3339())
                .await?;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_and_slugs() {
        assert_eq!(language_of("en_US"), "en");
        assert_eq!(language_of("de"), "de");
        assert_eq!(language_of("pt-BR"), "pt");
        assert_eq!(
            slug_of("Reset-Your-Password", "en_US"),
            "sf-reset-your-password"
        );
        assert_eq!(
            slug_of("Passwort zurücksetzen", "de"),
            "sf-passwort-zur-cksetzen-de"
        );
    }
}
