//! The knowledge base end to end on a real database (SQLite always,
//! PostgreSQL when reachable): the demo base ingested, searched, versioned,
//! expired, isolated per tenant, and rebuilt from the database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use concierge_core::OrgId;
use concierge_knowledge::index::Filters;
use concierge_knowledge::{demo, ArticleInput, KnowledgeBase, SearchMode, SearchQuery};
use concierge_nlu::intent::Encoder;
use concierge_store::testing::{postgres_admin_url, TestDb};
use concierge_store::{NewOrganization, Store};

async fn org(store: &Store, slug: &str) -> OrgId {
    store
        .create_organization(&NewOrganization {
            slug: slug.into(),
            name: slug.into(),
            subscription_tier: concierge_core::SubscriptionTier::Professional,
            salesforce_org_id: None,
            widget_key: format!("pk_{slug}_0123456789"),
        })
        .await
        .unwrap()
        .id
}

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        ..SearchQuery::default()
    }
}

/// An English article with no category, tags, source or expiry.
fn article(slug: &str, title: &str, body: &str) -> ArticleInput {
    ArticleInput {
        slug: slug.into(),
        title: title.into(),
        body: body.into(),
        category: None,
        tags: vec![],
        language: "en".into(),
        source_url: None,
        source_version: None,
        expires_at: None,
        translation_of: None,
    }
}

fn slugs(kb: &KnowledgeBase, org: OrgId, query: &SearchQuery) -> Vec<String> {
    kb.search(org, query)
        .unwrap()
        .into_iter()
        .map(|p| p.citation.slug)
        .collect()
}

#[test]
fn the_demo_base_is_large_varied_and_valid() {
    let articles = demo::articles().unwrap();
    assert!(articles.len() >= 60, "{}", articles.len());
    let mut categories: Vec<&str> = articles
        .iter()
        .filter_map(|a| a.category.as_deref())
        .collect();
    categories.sort();
    categories.dedup();
    assert!(categories.len() >= 15, "{categories:?}");
    for lang in ["en", "es", "fr", "de"] {
        assert!(
            articles.iter().any(|a| a.language == lang),
            "no {lang} article"
        );
    }
    let questions = demo::eval_questions().unwrap();
    assert!(questions.len() >= 150);
    for q in &questions {
        for r in &q.relevant {
            assert!(
                articles.iter().any(|a| &a.slug == r),
                "{r} is not a demo slug"
            );
        }
    }
}

async fn story(db: &TestDb) {
    let store = db.store.clone();
    let dir = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open(store.clone(), Some(dir.path()), None).unwrap();
    let acme = org(&store, "acme").await;
    let articles = demo::articles().unwrap();
    let report = kb.ingest(acme, &articles).await.unwrap();
    assert_eq!(report.created, articles.len());
    assert!(report.chunks > articles.len() * 2, "{report:?}");

    // A customer question finds the right article, with an exact citation.
    let hits = kb.search(acme, &q("how do I reset my password")).unwrap();
    assert_eq!(
        hits[0].citation.slug,
        "reset-password",
        "{:?}",
        hits.iter().map(|h| &h.citation.slug).collect::<Vec<_>>()
    );
    let entry = store
        .get_knowledge(acme, hits[0].citation.article_id)
        .await
        .unwrap();
    for h in &hits {
        let e = store
            .get_knowledge(acme, h.citation.article_id)
            .await
            .unwrap();
        let span: String = e
            .body
            .chars()
            .skip(h.citation.start as usize)
            .take((h.citation.end - h.citation.start) as usize)
            .collect();
        assert_eq!(span, h.text, "citation offsets point at the passage");
        assert_eq!(h.citation.version, e.version);
        assert_eq!(h.citation.url, e.source_url);
    }
    assert_eq!(entry.slug, "reset-password");
    let distinct: std::collections::HashSet<_> =
        hits.iter().map(|h| h.citation.article_id).collect();
    assert_eq!(
        distinct.len(),
        hits.len(),
        "one passage per article by default"
    );

    // Error codes and Apex exception names are searchable as written.
    assert_eq!(
        slugs(&kb, acme, &q("REQUEST_LIMIT_EXCEEDED"))[0],
        "request-limit-exceeded"
    );
    // A small index is one segment after its commit (searches pay per segment).
    assert_eq!(kb.num_segments(), 1);

    // Reading the query as some languages only matches articles in them.
    let as_languages = |text: &str, langs: &[&str]| {
        let mut query = q(text);
        query.read_as = langs.iter().map(|l| (*l).to_owned()).collect();
        query.limit = 20;
        query.per_article = 1;
        kb.search(acme, &query).unwrap()
    };
    let everywhere = as_languages("restablecer contraseña olvidada password", &[]);
    let languages: std::collections::HashSet<&str> =
        everywhere.iter().map(|h| h.language.as_str()).collect();
    assert!(
        languages.contains("es") && languages.contains("en"),
        "{languages:?}"
    );
    for (langs, allowed) in [
        (&["es"][..], &["es"][..]),
        (&["en"], &["en"]),
        (&["es", "en"], &["es", "en"]),
    ] {
        let hits = as_languages("restablecer contraseña olvidada password", langs);
        assert!(!hits.is_empty(), "{langs:?}");
        assert!(
            hits.iter().all(|h| allowed.contains(&h.language.as_str())),
            "{langs:?}: {:?}",
            hits.iter().map(|h| &h.language).collect::<Vec<_>>()
        );
    }

    // Re-ingesting unchanged content writes nothing; a changed article gets a new version.
    let again = kb.ingest(acme, &articles).await.unwrap();
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, articles.len())
    );
    let mut edited = articles
        .iter()
        .find(|a| a.slug == "reset-password")
        .unwrap()
        .clone();
    edited.body.push_str(
        "\n\n## Kiosk mode\n\nOn shared zebrafish kiosks, ask the front desk for a reset token.",
    );
    let r = kb
        .ingest(acme, std::slice::from_ref(&edited))
        .await
        .unwrap();
    assert_eq!(r.updated, 1);
    let hits = kb.search(acme, &q("zebrafish kiosk reset token")).unwrap();
    assert_eq!(hits[0].citation.slug, "reset-password");
    assert_eq!(hits[0].citation.version, 2);
    assert!(hits[0].text.contains("zebrafish"));

    // Tenants never see each other's articles.
    let globex = org(&store, "globex").await;
    assert!(kb.search(globex, &q("reset password")).unwrap().is_empty());
    let own = ArticleInput {
        slug: "reset-password".into(),
        body: "Globex resets passwords by phone only.".into(),
        ..edited.clone()
    };
    kb.ingest(globex, &[own]).await.unwrap();
    let theirs = kb.search(globex, &q("reset password")).unwrap();
    assert_eq!(theirs.len(), 1);
    assert!(theirs[0].text.contains("Globex"));
    assert!(kb
        .search(acme, &q("Globex resets passwords by phone"))
        .unwrap()
        .iter()
        .all(|p| !p.text.contains("Globex")));

    // Expired articles are not served, unless asked about an earlier date.
    let expired = articles
        .iter()
        .find(|a| a.expires_at.is_some_and(|t| t < Utc::now()))
        .expect("the demo has an expired article");
    let probe = SearchQuery {
        limit: 50,
        ..q(&expired.title)
    };
    assert!(!slugs(&kb, acme, &probe).contains(&expired.slug));
    let then = SearchQuery {
        at: Some(Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap()),
        ..probe.clone()
    };
    assert!(slugs(&kb, acme, &then).contains(&expired.slug));

    // Filters.
    let es = SearchQuery {
        language: Some("es".into()),
        ..q("restablecer la contraseña")
    };
    let hits = kb.search(acme, &es).unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|p| p.language == "es"));
    let billing = SearchQuery {
        category: Some("billing".into()),
        limit: 20,
        ..q("invoice payment")
    };
    assert!(kb
        .search(acme, &billing)
        .unwrap()
        .iter()
        .all(|p| p.category.as_deref() == Some("billing")));
    let none = SearchQuery {
        tags: vec!["no-such-tag".into()],
        ..q("password")
    };
    assert!(kb.search(acme, &none).unwrap().is_empty());
    // A Spanish question prefers the Spanish translation.
    let pref = SearchQuery {
        prefer_language: Some("es".into()),
        ..q("olvidé mi contraseña, cómo la restablezco")
    };
    assert_eq!(kb.search(acme, &pref).unwrap()[0].language, "es");

    // Bad queries are typed errors naming the field.
    assert!(kb
        .search(acme, &q("  "))
        .unwrap_err()
        .to_string()
        .contains("`query`"));
    let big = SearchQuery {
        limit: 51,
        ..q("x")
    };
    assert!(kb
        .search(acme, &big)
        .unwrap_err()
        .to_string()
        .contains("`limit`"));
    let _ = kb
        .search(acme, &q("\u{0}\u{1}((( AND OR NOT \"unterminated"))
        .unwrap();

    // Citations and resolutions are counted per article.
    let hits = kb.search(acme, &q("reset my password")).unwrap();
    kb.record_citations(acme, &[hits[0].citation.clone()])
        .await
        .unwrap();
    drop(kb);

    // A new node with an empty index directory rebuilds it from the database.
    let dir2 = tempfile::tempdir().unwrap();
    let node2 = KnowledgeBase::open(store.clone(), Some(dir2.path()), None).unwrap();
    assert!(node2
        .search(acme, &q("reset my password"))
        .unwrap()
        .is_empty());
    let sync = node2.sync_all().await.unwrap();
    assert_eq!(sync.indexed, articles.len() + 1);
    assert_eq!(
        slugs(&node2, acme, &q("zebrafish kiosk"))[0],
        "reset-password"
    );
    // … and the first node's directory still holds its index after a restart.
    let reopened = KnowledgeBase::open(store.clone(), Some(dir.path()), None).unwrap();
    assert_eq!(
        slugs(&reopened, acme, &q("zebrafish kiosk"))[0],
        "reset-password"
    );
    let noop = reopened.sync(acme).await.unwrap();
    assert_eq!((noop.indexed, noop.removed), (0, 0));

    // Retiring an article removes it from search on this node and, after a sync, on others.
    let id = hits[0].citation.article_id;
    assert!(reopened.retire(acme, id).await.unwrap());
    assert!(!slugs(&reopened, acme, &q("zebrafish kiosk")).contains(&"reset-password".to_owned()));
    let s = node2.sync(acme).await.unwrap();
    assert_eq!(s.removed, 1);
    assert!(!slugs(&node2, acme, &q("zebrafish kiosk")).contains(&"reset-password".to_owned()));
}

#[tokio::test]
async fn ingest_search_version_expire_isolate_and_rebuild() {
    let db = TestDb::sqlite().await.unwrap();
    story(&db).await;
    db.destroy().await;
    if let Some(url) = postgres_admin_url().await {
        let db = TestDb::postgres(&url).await.unwrap();
        story(&db).await;
        db.destroy().await;
    }
}

#[tokio::test]
async fn usage_counters_follow_citations() {
    let db = TestDb::sqlite().await.unwrap();
    let kb = KnowledgeBase::open(db.store.clone(), None, None).unwrap();
    let acme = org(&db.store, "acme").await;
    kb.ingest(acme, &demo::articles().unwrap()).await.unwrap();
    let hits = kb
        .search(acme, &q("how do I set up multi-factor authentication"))
        .unwrap();
    kb.record_citations(acme, &[hits[0].citation.clone(), hits[0].citation.clone()])
        .await
        .unwrap();
    kb.record_resolution(
        acme,
        &hits[..1]
            .iter()
            .map(|p| p.citation.clone())
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    let usage = db.store.knowledge_usage(acme).await.unwrap();
    assert_eq!(usage.len(), 1);
    assert_eq!(
        (usage[0].knowledge_id, usage[0].cited, usage[0].resolved),
        (hits[0].citation.article_id, 1, 1)
    );
    db.destroy().await;
}

/// A deterministic bag-of-words hashing encoder: a real (if weak) dense
/// signal, so fusion is tested without model files.
#[derive(Debug)]
struct HashingEncoder;

impl Encoder for HashingEncoder {
    fn name(&self) -> &str {
        "test-hashing-64"
    }
    fn dim(&self) -> usize {
        64
    }
    fn encode(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        texts
            .iter()
            .map(|t| {
                let mut v = vec![0.0f32; 64];
                for w in t
                    .to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| w.len() > 2)
                {
                    let h = w.bytes().fold(1469598103934665603u64, |h, b| {
                        (h ^ u64::from(b)).wrapping_mul(1099511628211)
                    });
                    v[(h % 64) as usize] += 1.0;
                }
                let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
                v.iter().map(|x| x / n).collect()
            })
            .collect()
    }
}

#[tokio::test]
async fn hybrid_search_fuses_vectors_and_survives_restart_without_re_encoding() {
    let db = TestDb::sqlite().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let enc: Arc<dyn Encoder> = Arc::new(HashingEncoder);
    let kb = KnowledgeBase::open(db.store.clone(), Some(dir.path()), Some(enc.clone())).unwrap();
    let acme = org(&db.store, "acme").await;
    let articles = demo::articles().unwrap();
    let r = kb.ingest(acme, &articles).await.unwrap();
    assert_eq!(r.embedded, r.chunks);
    let dense = SearchQuery {
        mode: SearchMode::Dense,
        ..q("reset forgotten password")
    };
    let hits = kb.search(acme, &dense).unwrap();
    assert!(!hits.is_empty());
    let hybrid = kb.search(acme, &q("reset forgotten password")).unwrap();
    assert_eq!(hybrid[0].citation.slug, "reset-password");
    // Dense filters apply too.
    let es = SearchQuery {
        language: Some("es".into()),
        ..dense.clone()
    };
    assert!(kb
        .search(acme, &es)
        .unwrap()
        .iter()
        .all(|p| p.language == "es"));
    drop(kb);

    let again = KnowledgeBase::open(db.store.clone(), Some(dir.path()), Some(enc)).unwrap();
    let s = again.sync(acme).await.unwrap();
    assert_eq!((s.indexed, s.embedded), (0, 0), "saved vectors are reused");
    assert_eq!(again.search(acme, &dense).unwrap().len(), hits.len());
    let _ = Filters::default();
    db.destroy().await;
}

#[tokio::test]
async fn the_demo_evaluation_set_meets_its_floor() {
    let db = TestDb::sqlite().await.unwrap();
    let kb = KnowledgeBase::open(db.store.clone(), None, None).unwrap();
    let acme = org(&db.store, "acme").await;
    kb.ingest(acme, &demo::articles().unwrap()).await.unwrap();
    let report = concierge_knowledge::evaluate(
        &kb,
        acme,
        &demo::eval_questions().unwrap(),
        SearchMode::Lexical,
    )
    .unwrap();
    eprintln!(
        "lexical: r@1 {:.3} r@5 {:.3} mrr {:.3}",
        report.recall_at_1, report.recall_at_5, report.mrr
    );
    for m in &report.misses {
        eprintln!("  miss: {m}");
    }
    assert!(report.recall_at_5 >= 0.80, "{report:?}");
    db.destroy().await;
}

#[tokio::test]
async fn a_second_process_can_search_and_ingest_beside_the_index_owner() {
    let db = TestDb::sqlite().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let acme = org(&db.store, "acme").await;
    let server = KnowledgeBase::open(db.store.clone(), Some(dir.path()), None).unwrap();
    server
        .ingest(acme, &demo::articles().unwrap()[..10])
        .await
        .unwrap();

    // The CLI opens the same directory while the server holds the writer.
    let cli = KnowledgeBase::open(db.store.clone(), Some(dir.path()), None).unwrap();
    let before = cli.search(acme, &q("password")).unwrap_or_default().len();
    let extra = article(
        "narwhal-policy",
        "Narwhal policy",
        "Narwhal accounts renew every leap year.",
    );
    let r = cli
        .ingest(acme, std::slice::from_ref(&extra))
        .await
        .unwrap();
    assert!(r.deferred, "{r:?}");
    assert_eq!(r.created, 1, "stored in the database all the same");
    assert_eq!(
        cli.sync(acme).await.unwrap(),
        concierge_knowledge::SyncReport::default()
    );
    let _ = before;

    // The owner picks it up at its next sync.
    let s = server.sync(acme).await.unwrap();
    assert_eq!(s.indexed, 1);
    assert_eq!(
        slugs(&server, acme, &q("narwhal leap year"))[0],
        "narwhal-policy"
    );
    db.destroy().await;
}

/// Vectors that know two words: "ledger" texts point one way, "statement"
/// texts the opposite way, every other text in between (nearer "ledger").
#[derive(Debug)]
struct LedgerEncoder;

impl Encoder for LedgerEncoder {
    fn name(&self) -> &str {
        "test-ledger-2"
    }
    fn dim(&self) -> usize {
        2
    }
    fn encode(&self, texts: &[&str]) -> Vec<Vec<f32>> {
        texts
            .iter()
            .map(|t| {
                let t = t.to_lowercase();
                if t.contains("ledger") {
                    vec![1.0, 0.0]
                } else if t.contains("statement") {
                    vec![0.0, 1.0]
                } else {
                    vec![0.6, 0.8]
                }
            })
            .collect()
    }
}

/// The passage an article is cited by is the chunk that holds the
/// customer's words (BM25's best), not the one the vectors like, even when
/// the vectors' chunk would win the fusion.
#[tokio::test]
async fn hybrid_search_cites_the_section_that_holds_the_words() {
    let db = TestDb::sqlite().await.unwrap();
    let enc: Arc<dyn Encoder> = Arc::new(LedgerEncoder);
    let kb = KnowledgeBase::open(db.store.clone(), None, Some(enc)).unwrap();
    let acme = org(&db.store, "acme").await;
    kb.ingest(
        acme,
        &[
            article(
                "month-end",
                "Month end",
                "## Reconcile\n\nReconcile the invoice totals with the bank statement every month.\n\n\
                 ## Ledger\n\nThe ledger lists every ledger entry in posting order.\n",
            ),
            article("travel", "Travel", "Managers approve travel expenses.\n"),
            article("holidays", "Holidays", "Public holidays follow the office calendar.\n"),
        ],
    )
    .await
    .unwrap();
    // BM25 puts the Reconcile section first and the Ledger section second;
    // the vectors put the Ledger section first and Reconcile last, so by
    // chunk the Ledger section has the higher fused score.
    let hits = kb
        .search(acme, &q("how do I reconcile invoice totals in the ledger"))
        .unwrap();
    assert_eq!(hits[0].citation.slug, "month-end", "{hits:#?}");
    assert!(
        hits[0].text.contains("Reconcile the invoice totals"),
        "{:#?}",
        hits[0]
    );
    // Vectors alone cite the Ledger section.
    let dense = SearchQuery {
        mode: SearchMode::Dense,
        ..q("how do I reconcile invoice totals in the ledger")
    };
    let hits = kb.search(acme, &dense).unwrap();
    assert!(hits[0].text.contains("ledger entry"), "{:#?}", hits[0]);
    db.destroy().await;
}
