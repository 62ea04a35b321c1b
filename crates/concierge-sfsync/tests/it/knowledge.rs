//! Published Salesforce Knowledge articles into the knowledge base,
//! incremental by LastPublishedDate.

use concierge_knowledge::SearchQuery;

use super::*;

#[tokio::test]
async fn published_articles_are_imported_and_only_new_ones_next_time() {
    let env = env().await;
    let online = env.soql(
        "SELECT Id, Title, Language FROM Knowledge__kav WHERE PublishStatus = 'Online' AND (Language = 'en_US' OR Language = 'de')");
    assert!(
        online.len() >= 3,
        "the demo org publishes articles: {online:?}"
    );
    let first = env.sf.import_knowledge(env.org, false).await.unwrap();
    assert_eq!(first.fetched, online.len(), "{first:?}");
    assert_eq!(
        first.created + first.skipped.len(),
        online.len(),
        "{first:?}"
    );
    assert!(first.created >= 3);

    // Searchable in our base, with the Salesforce article as the source.
    let kb = env.sf.knowledge.as_ref().unwrap();
    let title = online.iter().find(|r| r["Language"] == "en_US").unwrap()["Title"]
        .as_str()
        .unwrap()
        .to_owned();
    let hits = kb
        .search(
            env.org,
            &SearchQuery {
                text: title.clone(),
                ..SearchQuery::default()
            },
        )
        .unwrap();
    assert!(!hits.is_empty());
    assert!(
        hits[0]
            .citation
            .url
            .as_deref()
            .unwrap_or_default()
            .contains("/articles/"),
        "{:?}",
        hits[0].citation
    );

    // Nothing new: nothing fetched.
    let again = env.sf.import_knowledge(env.org, false).await.unwrap();
    assert_eq!(again.fetched, 0, "{again:?}");
    // A full import reads everything again and finds it unchanged.
    let full = env.sf.import_knowledge(env.org, true).await.unwrap();
    assert_eq!(full.fetched, online.len());
    assert_eq!(full.created, 0);
}
