//! `concierge kb …`: ingest articles, search, evaluate retrieval, benchmark.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use concierge_core::config::Config;
use concierge_core::OrgId;
use concierge_knowledge::ingest::{collect_files, read_file, IngestDefaults};
use concierge_knowledge::{demo, eval, ArticleInput, KnowledgeBase, SearchMode, SearchQuery};
use concierge_nlu::intent::Encoder;
use concierge_store::{NewOrganization, Store};

use crate::nlu::EncoderArgs;

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Ingest articles from files and directories (.md, .html, .txt, .json, .jsonl, .csv)
    /// into a tenant's knowledge base, or the built-in demo base with --demo.
    Ingest(IngestArgs),
    /// Search a tenant's knowledge base.
    Search(SearchArgs),
    /// Recall@1, recall@5, MRR and latency of retrieval on a question set.
    Eval(EvalArgs),
    /// Rebuild a tenant's search indexes from the database.
    Rebuild(TenantArgs),
    /// Ingestion rate and search latency on a generated corpus.
    Bench(BenchArgs),
    /// Answer a question from the knowledge base with citations, through the
    /// configured language models (the local responder by default).
    Ask(crate::answer::AskArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TenantArgs {
    /// The tenant's slug.
    #[arg(long, default_value = "demo")]
    pub tenant: String,
    #[command(flatten)]
    pub encoder: EncoderArgs,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or directories to read.
    #[arg(value_name = "PATH", required_unless_present = "demo")]
    pub paths: Vec<PathBuf>,
    /// Ingest the built-in demo knowledge base.
    #[arg(long)]
    pub demo: bool,
    /// Language of articles that do not name one.
    #[arg(long, default_value = "en")]
    pub language: String,
    /// Category of articles that do not name one.
    #[arg(long)]
    pub category: Option<String>,
    #[command(flatten)]
    pub tenant: TenantArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Hybrid,
    Lexical,
    Dense,
}

impl From<ModeArg> for SearchMode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Hybrid => SearchMode::Hybrid,
            ModeArg::Lexical => SearchMode::Lexical,
            ModeArg::Dense => SearchMode::Dense,
        }
    }
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The question.
    pub query: String,
    /// Passages to return.
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
    /// Only articles in this language.
    #[arg(long)]
    pub language: Option<String>,
    /// Only articles in this category.
    #[arg(long)]
    pub category: Option<String>,
    /// Only articles with this tag (repeatable: any of them).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    #[arg(long, value_enum, default_value_t = ModeArg::Hybrid)]
    pub mode: ModeArg,
    #[command(flatten)]
    pub tenant: TenantArgs,
    /// Print the passages as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// JSON Lines questions: `{"question": "...", "relevant": ["slug, id or URL", ...]}`
    /// [default with --demo: the demo evaluation set].
    #[arg(long, value_name = "FILE")]
    pub questions: Option<PathBuf>,
    /// Evaluate against a scratch in-memory base holding only the demo
    /// knowledge base (reproducible; leaves the configured database alone).
    #[arg(long)]
    pub demo: bool,
    #[arg(long, value_enum, default_value_t = ModeArg::Hybrid)]
    pub mode: ModeArg,
    #[command(flatten)]
    pub tenant: TenantArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Articles in the generated corpus.
    #[arg(long, default_value_t = 10_000)]
    pub articles: usize,
    /// Searches to time.
    #[arg(long, default_value_t = 2_000)]
    pub queries: usize,
    #[arg(long, value_enum, default_value_t = ModeArg::Lexical)]
    pub mode: ModeArg,
    #[command(flatten)]
    pub encoder: EncoderArgs,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Where a configuration keeps its knowledge indexes.
pub fn index_dir(config: &Config) -> PathBuf {
    config.data_dir.join("knowledge")
}

fn encoder(args: &EncoderArgs) -> anyhow::Result<Option<Arc<dyn Encoder>>> {
    crate::nlu::knowledge_encoder(args)
}

/// The knowledge base `serve` runs: indexes under the configured directory,
/// the configured encoder, brought up to date with the database.
pub async fn open_for_server(config: &Config, store: Store) -> anyhow::Result<Arc<KnowledgeBase>> {
    use concierge_core::config::KnowledgeEncoder;
    let args = EncoderArgs {
        encoder: match config.knowledge.encoder {
            KnowledgeEncoder::Auto => crate::nlu::EncoderChoice::Auto,
            KnowledgeEncoder::None => crate::nlu::EncoderChoice::None,
            KnowledgeEncoder::Minilm => crate::nlu::EncoderChoice::Minilm,
            KnowledgeEncoder::Static => crate::nlu::EncoderChoice::Static,
        },
        models_dir: config.knowledge.models_dir.clone(),
        threads: None,
    };
    let dir = config
        .knowledge
        .index_dir
        .clone()
        .unwrap_or_else(|| index_dir(config));
    let kb = KnowledgeBase::open(
        store,
        Some(&dir),
        encoder(&args).context("knowledge.encoder")?,
    )
    .with_context(|| format!("cannot open the knowledge index in {}", dir.display()))?;
    Ok(Arc::new(kb))
}

/// Loads the demo articles into `org` and keeps every tenant's index in step
/// with the database, in the background.
pub fn spawn_sync(kb: Arc<KnowledgeBase>, demo_org: Option<OrgId>, interval_secs: u64) {
    tokio::spawn(async move {
        if let Some(org) = demo_org {
            match demo::articles() {
                Ok(articles) => match kb.ingest(org, &articles).await {
                    Ok(r) => tracing::info!(
                        created = r.created,
                        chunks = r.chunks,
                        embedded = r.embedded,
                        "demo knowledge base loaded"
                    ),
                    Err(e) => {
                        tracing::error!(error.message = %e, "cannot load the demo knowledge base")
                    }
                },
                Err(e) => {
                    tracing::error!(error.message = %e, "the built-in demo knowledge base does not parse")
                }
            }
        }
        loop {
            match kb.sync_all().await {
                Ok(r) if r.indexed + r.removed > 0 => {
                    tracing::info!(
                        indexed = r.indexed,
                        removed = r.removed,
                        embedded = r.embedded,
                        "knowledge index synced"
                    )
                }
                Ok(_) => {}
                // Database down: the index keeps serving what it has; the next round retries.
                Err(e) => {
                    tracing::warn!(error.message = %e, "knowledge sync failed; retrying later")
                }
            }
            if interval_secs == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_secs(interval_secs)).await;
        }
    });
}

pub async fn run(command: KbCommand, config: Config) -> anyhow::Result<()> {
    match command {
        KbCommand::Ingest(args) => ingest(args, &config).await,
        KbCommand::Search(args) => search(args, &config).await,
        KbCommand::Eval(args) => evaluate(args, &config).await,
        KbCommand::Rebuild(args) => {
            let (kb, org) = open(&config, &args).await?;
            let report = kb.rebuild(org).await?;
            println!(
                "rebuilt: {} articles indexed, {} chunks embedded",
                report.indexed, report.embedded
            );
            Ok(())
        }
        KbCommand::Bench(args) => bench(args).await,
        KbCommand::Ask(args) => crate::answer::ask(args, &config).await,
    }
}

pub async fn open(config: &Config, tenant: &TenantArgs) -> anyhow::Result<(KnowledgeBase, OrgId)> {
    let store = crate::commands::open_store(config).await?;
    let org = match store.organization_by_slug(&tenant.tenant).await? {
        Some(o) => o.id,
        None => bail!(
            "no tenant with slug `{}` (create one with `concierge tenant create`)",
            tenant.tenant
        ),
    };
    let kb = KnowledgeBase::open(store, Some(&index_dir(config)), encoder(&tenant.encoder)?).context(
        "cannot open the knowledge index (if `concierge serve` is running it holds the index: stop it, \
         or ingest through it)",
    )?;
    kb.sync(org)
        .await
        .context("bringing the index up to date with the database")?;
    Ok((kb, org))
}

async fn ingest(args: IngestArgs, config: &Config) -> anyhow::Result<()> {
    let mut articles: Vec<ArticleInput> = Vec::new();
    if args.demo {
        articles.extend(demo::articles()?);
    }
    let defaults = IngestDefaults {
        language: args.language.clone(),
        category: args.category.clone(),
    };
    let files = collect_files(&args.paths)?;
    for file in &files {
        articles.extend(read_file(file, &defaults)?);
    }
    if articles.is_empty() {
        bail!(
            "no articles found in {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let (kb, org) = open(config, &args.tenant).await?;
    let started = Instant::now();
    let report = kb.ingest(org, &articles).await?;
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        let mut v = serde_json::to_value(&report)?;
        v["files"] = files.len().into();
        v["seconds"] = seconds.into();
        println!("{v}");
    } else {
        if report.deferred {
            println!(
                "note: a running server holds the index; the articles are stored and it indexes them \
                 within knowledge.sync_interval_secs"
            );
        }
        println!(
            "{} articles from {} files in {seconds:.2} s: {} created, {} updated, {} unchanged; {} chunks indexed, {} embedded",
            articles.len(),
            files.len() + usize::from(args.demo),
            report.created,
            report.updated,
            report.unchanged,
            report.chunks,
            report.embedded
        );
    }
    Ok(())
}

async fn search(args: SearchArgs, config: &Config) -> anyhow::Result<()> {
    let (kb, org) = open(config, &args.tenant).await?;
    let query = SearchQuery {
        text: args.query.clone(),
        language: args.language.clone(),
        category: args.category.clone(),
        tags: args.tags.clone(),
        limit: args.limit,
        mode: args.mode.into(),
        ..SearchQuery::default()
    };
    let started = Instant::now();
    let passages = kb.search(org, &query)?;
    let micros = started.elapsed().as_secs_f64() * 1e6;
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "passages": passages, "took_us": micros })
        );
        return Ok(());
    }
    if passages.is_empty() {
        println!("no passage matches");
    }
    for (i, p) in passages.iter().enumerate() {
        let c = &p.citation;
        println!(
            "[{}] {} (v{}, chunk {}, chars {}..{}, score {:.4})",
            i + 1,
            c.title,
            c.version,
            c.chunk,
            c.start,
            c.end,
            c.score
        );
        if let Some(url) = &c.url {
            println!("    {url}");
        }
        let preview: String = p.text.chars().take(240).collect();
        println!("    {}", preview.replace('\n', " "));
    }
    Ok(())
}

async fn evaluate(args: EvalArgs, config: &Config) -> anyhow::Result<()> {
    let questions = match &args.questions {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            eval::parse_questions(&text, &path.display().to_string())?
        }
        None if args.demo => demo::eval_questions()?,
        None => bail!("--questions FILE is required (or --demo for the demo evaluation set)"),
    };
    let (kb, org, _scratch) = if args.demo {
        let (kb, org, db) = scratch_base(encoder(&args.tenant.encoder)?).await?;
        kb.ingest(org, &demo::articles()?).await?;
        (kb, org, Some(db))
    } else {
        let (kb, org) = open(config, &args.tenant).await?;
        (kb, org, None)
    };
    let mode: SearchMode = args.mode.into();
    let report = tokio::task::spawn_blocking(move || eval::evaluate(&kb, org, &questions, mode))
        .await
        .context("evaluation stopped")??;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{} questions, {:?} ({}): recall@1 {:.3}  recall@5 {:.3}  MRR {:.3}  p50 {:.0} µs  p99 {:.0} µs",
            report.n,
            report.mode,
            report.encoder.as_deref().unwrap_or("no encoder"),
            report.recall_at_1,
            report.recall_at_5,
            report.mrr,
            report.p50_us,
            report.p99_us
        );
        for m in &report.misses {
            println!("  not in top 5: {m}");
        }
    }
    Ok(())
}

/// A throw-away SQLite database in a temporary directory with one tenant.
async fn scratch_base(
    encoder: Option<Arc<dyn Encoder>>,
) -> anyhow::Result<(KnowledgeBase, OrgId, ScratchDir)> {
    let dir = ScratchDir::new()?;
    let url = format!("sqlite://{}?mode=rwc", dir.0.join("kb.db").display());
    let store = Store::connect(&url, None).await?;
    store.migrate().await?;
    let org = store
        .create_organization(&NewOrganization {
            slug: "eval".into(),
            name: "Evaluation".into(),
            subscription_tier: concierge_core::SubscriptionTier::Enterprise,
            salesforce_org_id: None,
            widget_key: format!("pk_eval_{}", uuid::Uuid::new_v4().simple()),
        })
        .await?
        .id;
    let kb = KnowledgeBase::open(store, Some(&dir.0.join("index")), encoder)?;
    Ok((kb, org, dir))
}

/// A temporary directory removed on drop.
#[derive(Debug)]
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> anyhow::Result<Self> {
        let p =
            std::env::temp_dir().join(format!("concierge-kb-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&p)?;
        Ok(Self(p))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A corpus shaped like a support base: the demo articles' sentences
/// recombined under new titles, with a rare "product code" per article.
fn generated_corpus(n: usize) -> anyhow::Result<(Vec<ArticleInput>, Vec<String>)> {
    let demo = demo::articles()?;
    let sentences: Vec<String> = demo
        .iter()
        .flat_map(|a| {
            a.body
                .split(['.', '\n'])
                .map(str::trim)
                .filter(|s| s.len() > 30)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let titles: Vec<&str> = demo.iter().map(|a| a.title.as_str()).collect();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut articles = Vec::with_capacity(n);
    let mut queries = Vec::new();
    for i in 0..n {
        let title = format!("{} ({i})", titles[(next() % titles.len() as u64) as usize]);
        let mut body = String::new();
        for s in 0..3 {
            body.push_str(&format!("## Part {s}\n\n"));
            for _ in 0..4 {
                body.push_str(&sentences[(next() % sentences.len() as u64) as usize]);
                body.push_str(". ");
            }
            body.push_str("\n\n");
        }
        let pick = &sentences[(next() % sentences.len() as u64) as usize];
        queries.push(
            pick.split_whitespace()
                .take(8)
                .collect::<Vec<_>>()
                .join(" "),
        );
        articles.push(ArticleInput {
            slug: format!("gen-{i}"),
            title,
            body,
            category: Some("generated".into()),
            tags: vec![format!("t{}", i % 50)],
            language: "en".into(),
            source_url: None,
            source_version: None,
            expires_at: None,
            translation_of: None,
        });
    }
    Ok((articles, queries))
}

async fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let enc = match args.mode {
        ModeArg::Lexical => None,
        _ => encoder(&args.encoder)?,
    };
    let encoder_name = enc.as_ref().map(|e| e.name().to_owned());
    let (articles, queries) = generated_corpus(args.articles)?;
    let (kb, org, _dir) = scratch_base(enc).await?;
    let started = Instant::now();
    let report = kb.ingest(org, &articles).await?;
    let ingest_seconds = started.elapsed().as_secs_f64();
    let mode: SearchMode = args.mode.into();
    let n = args.queries.max(1);
    let (micros, hits) =
        tokio::task::spawn_blocking(move || -> anyhow::Result<(Vec<f64>, usize)> {
            // Warm the caches once.
            for q in queries.iter().take(50) {
                kb.search(
                    org,
                    &SearchQuery {
                        text: q.clone(),
                        mode,
                        ..SearchQuery::default()
                    },
                )?;
            }
            let mut micros = Vec::with_capacity(n);
            let mut hits = 0;
            for i in 0..n {
                let q = SearchQuery {
                    text: queries[i % queries.len()].clone(),
                    mode,
                    ..SearchQuery::default()
                };
                let t = Instant::now();
                hits += kb.search(org, &q)?.len();
                micros.push(t.elapsed().as_secs_f64() * 1e6);
            }
            Ok((micros, hits))
        })
        .await??;
    let mut sorted = micros.clone();
    sorted.sort_by(f64::total_cmp);
    let out = serde_json::json!({
        "articles": args.articles,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "ingest_seconds": ingest_seconds,
        "articles_per_second": args.articles as f64 / ingest_seconds,
        "queries": n,
        "mode": mode,
        "encoder": encoder_name,
        "mean_passages": hits as f64 / n as f64,
        "p50_us": eval::percentile(&sorted, 0.50),
        "p99_us": eval::percentile(&sorted, 0.99),
        "max_us": sorted.last().copied().unwrap_or(0.0),
    });
    if args.json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}
