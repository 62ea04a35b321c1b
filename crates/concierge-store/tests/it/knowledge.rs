//! Knowledge upserts (slug matching, content-hash no-ops, superseding),
//! usage counters and language-model accounting, on both backends.

use chrono::Duration;
use concierge_core::KnowledgeId;
use concierge_store::*;

use crate::{on_both, org};

fn article(slug: &str, body: &str) -> NewKnowledgeVersion {
    NewKnowledgeVersion {
        id: None,
        title: format!("Title of {slug}"),
        body: body.to_owned(),
        category: Some("login".into()),
        tags: vec!["a".into(), "b".into()],
        language: "en".into(),
        source_url: Some(format!("https://help.example/{slug}")),
        slug: Some(slug.to_owned()),
        expires_at: None,
        translation_of: None,
        content_hash: Some(format!("hash:{body}")),
    }
}

#[tokio::test]
async fn upserts_match_by_slug_skip_unchanged_and_supersede_changed() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let first = s
            .upsert_knowledge(o.id, &[article("reset", "v1"), article("mfa", "v1")])
            .await
            .unwrap();
        assert!(first
            .iter()
            .all(|(_, v, out)| *v == 1 && *out == UpsertOutcome::Created));
        assert_ne!(first[0].0, first[1].0);

        let again = s
            .upsert_knowledge(o.id, &[article("reset", "v1"), article("mfa", "v2")])
            .await
            .unwrap();
        assert_eq!(again[0], (first[0].0, 1, UpsertOutcome::Unchanged));
        assert_eq!(again[1], (first[1].0, 2, UpsertOutcome::Updated));

        let current = s.current_knowledge(o.id).await.unwrap();
        assert_eq!(
            current
                .iter()
                .map(|e| (e.slug.as_str(), e.version, e.body.as_str()))
                .collect::<Vec<_>>(),
            [("mfa", 2, "v2"), ("reset", 1, "v1")]
        );
        let versions = s.knowledge_versions(o.id, first[1].0).await.unwrap();
        assert_eq!(
            versions
                .iter()
                .map(|v| (v.version, v.is_current))
                .collect::<Vec<_>>(),
            [(2, true), (1, false)]
        );

        // Another tenant's article with the same slug is a different article.
        let other = org(s, "globex").await;
        let theirs = s
            .upsert_knowledge(other.id, &[article("reset", "v1")])
            .await
            .unwrap();
        assert_eq!(theirs[0].2, UpsertOutcome::Created);
        assert_ne!(theirs[0].0, first[0].0);
        assert_eq!(s.current_knowledge(other.id).await.unwrap().len(), 1);
        assert!(
            s.get_knowledge(other.id, first[0].0).await.is_err(),
            "tenant isolation"
        );

        let mut tenants = s.tenants_with_knowledge().await.unwrap();
        tenants.sort();
        let mut expected = vec![o.id, other.id];
        expected.sort();
        assert_eq!(tenants, expected);

        assert!(s.retire_knowledge(o.id, first[0].0).await.unwrap());
        assert!(!s.retire_knowledge(o.id, first[0].0).await.unwrap());
        assert_eq!(s.current_knowledge(o.id).await.unwrap().len(), 1);
        // A retired slug can be ingested again as a new article.
        let back = s
            .upsert_knowledge(o.id, &[article("reset", "v3")])
            .await
            .unwrap();
        assert_eq!(back[0].2, UpsertOutcome::Created);

        let unknown = s
            .upsert_knowledge(
                o.id,
                &[NewKnowledgeVersion {
                    id: Some(KnowledgeId::new()),
                    ..article("x", "y")
                }],
            )
            .await;
        assert!(matches!(unknown, Err(StoreError::NotFound(_))));
        db
    })
    .await;
}

#[tokio::test]
async fn usage_counters_and_llm_accounting() {
    on_both(|db| async move {
        let s = &db.store;
        let o = org(s, "acme").await;
        let ids: Vec<KnowledgeId> = s
            .upsert_knowledge(o.id, &[article("a", "1"), article("b", "1")])
            .await
            .unwrap()
            .into_iter()
            .map(|(id, _, _)| id)
            .collect();
        let at = now();
        s.record_knowledge_citations(o.id, &ids, at).await.unwrap();
        s.record_knowledge_citations(o.id, &ids[..1], at)
            .await
            .unwrap();
        s.record_knowledge_resolutions(o.id, &ids[..1])
            .await
            .unwrap();
        let usage = s.knowledge_usage(o.id).await.unwrap();
        assert_eq!(usage.len(), 2);
        assert_eq!(
            (usage[0].knowledge_id, usage[0].cited, usage[0].resolved),
            (ids[0], 2, 1)
        );
        assert_eq!(
            (usage[1].knowledge_id, usage[1].cited, usage[1].resolved),
            (ids[1], 1, 0)
        );
        let other = org(s, "globex").await;
        assert!(s.knowledge_usage(other.id).await.unwrap().is_empty());

        let call = |provider: &str, cost: i64, at| NewLlmUsage {
            conversation_id: None,
            provider: provider.to_owned(),
            model: "m".into(),
            task: "answer".into(),
            prompt_tokens: 100,
            completion_tokens: 20,
            cost_micros: cost,
            at,
        };
        let now = now();
        s.record_llm_usage(o.id, &call("openai", 1500, now))
            .await
            .unwrap();
        s.record_llm_usage(o.id, &call("openai", 500, now))
            .await
            .unwrap();
        s.record_llm_usage(o.id, &call("anthropic", 7, now - Duration::days(40)))
            .await
            .unwrap();
        s.record_llm_usage(other.id, &call("openai", 99, now))
            .await
            .unwrap();
        assert_eq!(
            s.llm_cost_since(o.id, now - Duration::days(30))
                .await
                .unwrap(),
            2000
        );
        assert_eq!(
            s.llm_cost_since(o.id, now - Duration::days(60))
                .await
                .unwrap(),
            2007
        );
        assert_eq!(
            s.llm_cost_since(other.id, now - Duration::days(60))
                .await
                .unwrap(),
            99
        );
        let totals = s
            .llm_usage_totals(o.id, now - Duration::days(60))
            .await
            .unwrap();
        assert_eq!(totals.len(), 2);
        assert_eq!(totals[1].provider, "openai");
        assert_eq!(
            (
                totals[1].calls,
                totals[1].prompt_tokens,
                totals[1].completion_tokens,
                totals[1].cost_micros
            ),
            (2, 200, 40, 2000)
        );
        db
    })
    .await;
}
