//! Grounded answers from the command line (`concierge kb ask`) and the
//! database-backed language-model accounting the server and CLI share.

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clap::Args;
use concierge_core::config::Config;
use concierge_core::OrgId;
use concierge_knowledge::SearchQuery;
use concierge_llm::accounting::{SinkError, UsageRecord, UsageSink};
use concierge_llm::{Router, Task, TaskRequest};
use concierge_store::{NewLlmUsage, Store};

use crate::kb::TenantArgs;

/// Records every language-model call in the database (`llm_usage`), which
/// budgets and usage reports read back.
#[derive(Debug, Clone)]
pub struct StoreUsageSink(pub Store);

#[async_trait]
impl UsageSink for StoreUsageSink {
    async fn record(&self, r: &UsageRecord) -> Result<(), SinkError> {
        let usage = NewLlmUsage {
            conversation_id: r.conversation_id,
            provider: r.provider.clone(),
            model: r.model.clone(),
            task: r.task.as_str().to_owned(),
            prompt_tokens: i64::from(r.prompt_tokens),
            completion_tokens: i64::from(r.completion_tokens),
            cost_micros: i64::try_from(r.cost_micros).unwrap_or(i64::MAX),
            at: r.at,
        };
        Ok(self.0.record_llm_usage(r.org_id, &usage).await?)
    }

    async fn spent_since(&self, org: OrgId, since: DateTime<Utc>) -> Result<u64, SinkError> {
        let micros = self.0.llm_cost_since(org, since).await?;
        Ok(u64::try_from(micros).unwrap_or(0))
    }
}

/// Options of `concierge kb ask`.
#[derive(Debug, Args)]
pub struct AskArgs {
    /// The customer's question.
    pub question: String,
    #[command(flatten)]
    pub tenant: TenantArgs,
    /// Print the whole outcome (text, citations, provider, fallbacks, usage) as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Retrieves passages for the question and answers it through the
/// configured language-model route (the local responder by default).
pub async fn ask(args: AskArgs, config: &Config) -> anyhow::Result<()> {
    let (kb, org) = crate::kb::open(config, &args.tenant).await?;
    let language = concierge_nlu::language::detect(&args.question, None);
    let sentiment = concierge_nlu::sentiment::SentimentAnalyzer::new().score(&args.question);
    let emotions = concierge_nlu::emotion::emotions(&args.question, &sentiment);
    let lang =
        (language.code != concierge_nlu::language::UNDETERMINED).then(|| language.code.clone());
    let query = SearchQuery {
        text: args.question.clone(),
        prefer_language: lang.clone(),
        limit: 5,
        ..SearchQuery::default()
    };
    let kb2 = kb.clone();
    let passages = tokio::task::spawn_blocking(move || kb2.search(org, &query)).await??;
    let sink = Arc::new(StoreUsageSink(kb.store().clone()));
    let router = Router::from_config(&config.llm, sink).context("llm configuration")?;
    let mut request = TaskRequest::new(Task::Answer, org, args.question.clone());
    request.passages = passages;
    request.language = lang;
    request.emotions = emotions;
    let outcome = router.run(request).await;
    if args.json {
        println!("{}", serde_json::to_string(&outcome)?);
        return Ok(());
    }
    println!("{}", outcome.text);
    if !outcome.citations.is_empty() {
        println!();
        for (i, c) in outcome.citations.iter().enumerate() {
            println!(
                "[{}] {} — {}",
                i + 1,
                c.title,
                c.url.as_deref().unwrap_or(&c.slug)
            );
        }
    }
    println!();
    println!(
        "(answered by {}{}{})",
        outcome.provider,
        if outcome.grounded { ", grounded" } else { "" },
        if outcome.offered_human {
            ", offered a human"
        } else {
            ""
        }
    );
    for f in &outcome.fallbacks {
        println!("(skipped {}: {:?})", f.provider, f.reason);
    }
    Ok(())
}
