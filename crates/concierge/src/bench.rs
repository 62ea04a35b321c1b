//! `concierge bench api`: throughput and latency of create-conversation +
//! post-message through the real HTTP API.
//!
//! The benchmark starts the real server in this process — the same router,
//! middleware, authentication and store as `concierge serve`, with the
//! placeholder engine, so the AI stages are excluded — on a loopback port
//! against a fresh database: a SQLite file in a new temporary directory, or a
//! uuid-named PostgreSQL database (dropped afterwards) with `--database`.
//! Rate limiting is off and no log subscriber is installed.
//!
//! It creates a tenant and a service API key, then `--concurrency` workers
//! sharing one HTTP client each create a conversation and post
//! `--messages-per-conversation` messages to it, until `--conversations` have
//! been done or `--duration-secs` has passed. A warm-up round runs first and
//! is not measured. Each operation's latency (request sent to response body
//! read) goes to an HDR histogram. Every post stores two rows (the customer's
//! message and the reply); the stored rows are counted in the database at the
//! end and must match.
//!
//! The load generator runs in the same process and shares the machine's cores
//! with the server, so the figures are a lower bound for a server with the
//! machine to itself.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use concierge_core::config::Config;
use concierge_core::engine::PlaceholderEngine;
use concierge_core::{Role, SubscriptionTier};
use concierge_server::{admin, Application};
use concierge_store::Store;
use hdrhistogram::Histogram;

/// The report: statistics, machine, CPU use, the table.
mod report;
/// The database a run uses, and counting what it stored.
mod scratch;
pub mod sync;

use report::{Machine, OpStats, Report};
use scratch::ScratchDb;

/// Options of `concierge bench api`.
#[derive(Debug, clap::Args)]
pub struct ApiBenchArgs {
    /// Where to run: `sqlite` (a fresh file in a temporary directory) or a
    /// PostgreSQL server URL (e.g. postgres://postgres@127.0.0.1:5432/postgres),
    /// on which a uuid-named database is created and dropped afterwards.
    /// Repeat it to run one after the other and compare them to the first.
    #[arg(long, value_name = "sqlite|URL", default_value = "sqlite")]
    pub database: Vec<String>,
    /// Directory for the SQLite file (default: the system temporary directory).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Concurrent clients, each working on one conversation at a time.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Conversations to create in the measured round.
    #[arg(long, default_value_t = 5000)]
    pub conversations: u64,
    /// Messages posted to each conversation after creating it.
    #[arg(long, default_value_t = 10)]
    pub messages_per_conversation: u64,
    /// Conversations in the unmeasured warm-up round.
    #[arg(long, default_value_t = 256)]
    pub warmup_conversations: u64,
    /// Stop the measured round after this long even if conversations remain.
    #[arg(long, default_value_t = 60)]
    pub duration_secs: u64,
    /// Database connections (`database.max_connections`; default: the server's default).
    #[arg(long)]
    pub max_connections: Option<u32>,
    /// The engine answering each post: `placeholder` (storage and HTTP only)
    /// or `pipeline` (the conversation engine with embedded defaults: the
    /// shipped intent model, the demo knowledge base, the local responder,
    /// rules, local cases).
    #[arg(
        long,
        value_name = "placeholder|pipeline",
        default_value = "placeholder"
    )]
    pub engine: String,
    /// With `--engine pipeline`: the knowledge base's dense encoder (`none`,
    /// `static`, `minilm`, or `auto`: the static encoder when distilled,
    /// else all-MiniLM-L6-v2 when `make models` fetched it).
    #[arg(long, value_name = "none|auto|static|minilm", default_value = "none")]
    pub encoder: String,
    /// Hold this many conversations open: create them all first, then post
    /// (`--conversations` × `--messages-per-conversation` messages in all) to
    /// them in turn, so every one of them is active throughout the measured
    /// round. The create line then reports the set-up.
    #[arg(long, default_value_t = 0)]
    pub held: u64,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The customer message every post sends (a realistic length, ~90 characters).
const MESSAGE: &str =
    "Hi, I can't log in after the password reset: the portal says INVALID_SESSION_ID. Can you help?";

/// With the pipeline, posts cycle through questions the demo knowledge base
/// answers (each a grounded answer with citations, so every post gets a reply).
const QUESTIONS: [&str; 5] = [
    MESSAGE,
    "Our integration gets REQUEST_LIMIT_EXCEEDED every afternoon, how many API calls do we get per day?",
    "My trigger fails with System.LimitException: Too many SOQL queries: 101, how do I fix it?",
    "Emails from our org land in spam, how do we set up DKIM for Salesforce?",
    "How do I import contacts from a CSV file without creating duplicates?",
];

pub async fn api(args: ApiBenchArgs) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.messages_per_conversation == 0 {
        bail!("--concurrency and --messages-per-conversation must be at least 1");
    }
    let mut reports = Vec::with_capacity(args.database.len());
    for target in &args.database {
        let postgres = (target != "sqlite").then_some(target.as_str());
        let db = ScratchDb::create(postgres, args.dir.as_deref()).await?;
        let result = run(&args, &db).await;
        db.destroy().await;
        let report = result?;
        if !args.json {
            report::print_table(&report);
            println!();
        }
        reports.push(report);
    }
    let ratios = report::ratios(&reports);
    if args.json {
        let all = serde_json::json!({ "runs": reports, "ratios_first_to_others": ratios });
        println!("{}", serde_json::to_string_pretty(&all)?);
    } else {
        report::print_ratios(&ratios);
    }
    for r in &reports {
        if r.errors > 0 {
            bail!(
                "{}: {} requests failed; first failure: {}",
                r.backend,
                r.errors,
                r.first_error.as_deref().unwrap_or("?")
            );
        }
        if r.rows_counted != r.rows_expected {
            bail!(
                "{}: the database holds {} messages of the tenant, expected {}",
                r.backend,
                r.rows_counted,
                r.rows_expected
            );
        }
    }
    Ok(())
}

async fn run(args: &ApiBenchArgs, db: &ScratchDb) -> anyhow::Result<Report> {
    let mut config = Config::default();
    config.server.listen = ([127, 0, 0, 1], 0).into();
    config.rate_limit.enabled = false;
    config.database.max_connections = args.max_connections;
    let store = Store::connect(&db.url, config.database.max_connections)
        .await
        .context("cannot open the benchmark database")?;
    store.migrate().await.context("migration failed")?;
    let org =
        admin::create_tenant(&store, "bench", "Benchmark", SubscriptionTier::Enterprise).await?;
    let (key, _) =
        admin::create_api_key(&store, org.id, "bench", Role::Service, None, "bench").await?;

    let pipeline = match args.engine.as_str() {
        "placeholder" => false,
        "pipeline" => true,
        other => bail!("--engine must be placeholder or pipeline, not {other}"),
    };
    let app = if pipeline {
        config.knowledge.encoder = match args.encoder.as_str() {
            "none" => concierge_core::config::KnowledgeEncoder::None,
            "auto" => concierge_core::config::KnowledgeEncoder::Auto,
            "static" => concierge_core::config::KnowledgeEncoder::Static,
            "minilm" => concierge_core::config::KnowledgeEncoder::Minilm,
            other => bail!("--encoder must be none, auto, static or minilm, not {other}"),
        };
        let index = tempfile::tempdir()?;
        config.knowledge.index_dir = Some(index.path().to_path_buf());
        let kb = crate::kb::open_for_server(&config, store.clone()).await?;
        kb.ingest(org.id, &concierge_knowledge::demo::articles()?)
            .await?;
        // The index directory lives as long as the process (the bench is short).
        std::mem::forget(index);
        let engine = Arc::new(crate::commands::build_engine(
            &config,
            store.clone(),
            Some((*kb).clone()),
            None,
        )?);
        Application::build_with_engine(config, store.clone(), engine).await?
    } else {
        Application::build(config, store.clone(), Arc::new(PlaceholderEngine)).await?
    };
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .no_proxy()
        .build()?;
    let ctx = Arc::new(Ctx {
        client,
        create_url: reqwest::Url::parse(&format!("{base}/v1/conversations"))?,
        create_body: serde_json::to_vec(&serde_json::json!({ "channel": "api" }))?,
        post_bodies: if pipeline {
            QUESTIONS
                .iter()
                .map(|q| serde_json::to_vec(&serde_json::json!({ "content": q })))
                .collect::<Result<_, _>>()?
        } else {
            vec![serde_json::to_vec(
                &serde_json::json!({ "content": MESSAGE }),
            )?]
        },
        auth: format!("Bearer {key}"),
        messages_per_conversation: args.messages_per_conversation,
    });
    let limit = Duration::from_secs(args.duration_secs);
    let warmup = phase(&ctx, args.concurrency, args.warmup_conversations, limit).await;
    let (cpu_before, machine_before) = (report::process_cpu_secs(), report::machine_cpu_ticks());
    let measured = if args.held > 0 {
        let posts = args.conversations * args.messages_per_conversation;
        held_phase(&ctx, args.concurrency, args.held, posts, limit).await
    } else {
        phase(&ctx, args.concurrency, args.conversations, limit).await
    };
    let cpu_secs = report::process_cpu_secs()
        .zip(cpu_before)
        .map(|(a, b)| a - b);
    let machine_busy = report::machine_cpu_ticks()
        .zip(machine_before)
        .map(|((busy, all), (busy0, all0))| (busy - busy0) / (all - all0).max(1.0));

    let stages = if pipeline {
        stage_breakdown(&ctx.client, &base).await
    } else {
        Vec::new()
    };
    let _ = stop.send(());
    server.await??;
    let rows_counted = scratch::count_messages(&db.url, org.id).await?;
    store.close().await;

    let secs = measured.elapsed.as_secs_f64();
    let stats = |h: &Histogram<u64>| OpStats::new(h, secs);
    let (create, post) = (stats(&measured.create), stats(&measured.post));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(Report {
        backend: store.backend().as_str(),
        machine: Machine::read(cores),
        concurrency: args.concurrency,
        conversations: measured.create.len(),
        messages_per_conversation: args.messages_per_conversation,
        warmup_conversations: warmup.create.len(),
        elapsed_secs: secs,
        posts_per_sec: post.per_sec,
        messages_stored_per_sec: 2.0 * post.per_sec,
        requests_per_sec: create.per_sec + post.per_sec,
        create,
        post,
        cpu_utilisation: cpu_secs.map(|c| c / secs / cores as f64),
        machine_cpu_busy: machine_busy,
        errors: warmup.errors + measured.errors,
        first_error: warmup.first_error.or(measured.first_error),
        rows_expected: 2 * (warmup.post.len() + measured.post.len()),
        rows_counted,
        engine: if pipeline { "pipeline" } else { "placeholder" },
        stages,
    })
}

/// Mean time per pipeline stage over the whole run (warm-up included), from
/// the server's own `/metrics` (`concierge_engine_stage_seconds`).
async fn stage_breakdown(client: &reqwest::Client, base: &str) -> Vec<report::Stage> {
    let Ok(resp) = client.get(format!("{base}/metrics")).send().await else {
        return Vec::new();
    };
    let Ok(text) = resp.text().await else {
        return Vec::new();
    };
    let mut sums = std::collections::BTreeMap::<String, (f64, f64)>::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("concierge_engine_stage_seconds_") else {
            continue;
        };
        let (kind, rest) = match rest.split_once('{') {
            Some(x) => x,
            None => continue,
        };
        let Some((labels, value)) = rest.split_once("} ") else {
            continue;
        };
        let Some(stage) = labels
            .strip_prefix("stage=\"")
            .and_then(|l| l.strip_suffix('"'))
        else {
            continue;
        };
        let Ok(v) = value.trim().parse::<f64>() else {
            continue;
        };
        let e = sums.entry(stage.to_owned()).or_default();
        match kind {
            "sum" => e.0 = v,
            "count" => e.1 = v,
            _ => {}
        }
    }
    sums.into_iter()
        .filter(|(_, (_, n))| *n > 0.0)
        .map(|(stage, (sum, n))| report::Stage {
            stage,
            count: n as u64,
            mean_ms: sum / n * 1000.0,
        })
        .collect()
}

/// What every worker shares (URLs and bodies are made once: the load
/// generator shares the cores with the server and should spend little).
struct Ctx {
    client: reqwest::Client,
    create_url: reqwest::Url,
    create_body: Vec<u8>,
    post_bodies: Vec<Vec<u8>>,
    auth: String,
    messages_per_conversation: u64,
}

/// One round's merged measurements (latencies in microseconds).
struct Phase {
    create: Histogram<u64>,
    post: Histogram<u64>,
    errors: u64,
    first_error: Option<String>,
    elapsed: Duration,
}

impl Phase {
    fn new() -> Self {
        Self {
            create: histogram(),
            post: histogram(),
            errors: 0,
            first_error: None,
            elapsed: Duration::ZERO,
        }
    }

    fn fail(&mut self, what: String) {
        self.errors += 1;
        self.first_error.get_or_insert(what);
    }

    fn merge(&mut self, other: Phase) {
        // Both histograms have the same bounds, so adding cannot fail.
        let _ = self.create.add(&other.create);
        let _ = self.post.add(&other.post);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// 1 µs to 60 s with three significant digits.
pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3)
        .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()))
}

/// Runs `conversations` conversations on `workers` tasks, stopping early at `limit`.
async fn phase(ctx: &Arc<Ctx>, workers: usize, conversations: u64, limit: Duration) -> Phase {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + limit;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (ctx, next) = (ctx.clone(), next.clone());
        tasks.spawn(async move {
            let mut out = Phase::new();
            while next.fetch_add(1, Ordering::Relaxed) < conversations && Instant::now() < deadline
            {
                conversation(&ctx, deadline, &mut out).await;
            }
            out
        });
    }
    let mut all = Phase::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(p) => all.merge(p),
            Err(e) => all.fail(format!("worker panicked: {e}")),
        }
    }
    all.elapsed = started.elapsed();
    all
}

/// Creates `held` conversations, then posts `posts` messages across all of
/// them in turn (conversation `i % held`), stopping early at `limit`.
async fn held_phase(
    ctx: &Arc<Ctx>,
    workers: usize,
    held: u64,
    posts: u64,
    limit: Duration,
) -> Phase {
    let mut all = Phase::new();
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (ctx, next) = (ctx.clone(), next.clone());
        tasks.spawn(async move {
            let mut out = Phase::new();
            let mut urls = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < held {
                let t = Instant::now();
                match send::<Created>(&ctx, ctx.create_url.clone(), &ctx.create_body).await {
                    Ok(c) => {
                        record(&mut out.create, t);
                        match reqwest::Url::parse(&format!("{}/{}/messages", ctx.create_url, c.id))
                        {
                            Ok(u) => urls.push(u),
                            Err(e) => out.fail(format!("create: bad id: {e}")),
                        }
                    }
                    Err(e) => out.fail(format!("create: {e}")),
                }
            }
            (out, urls)
        });
    }
    let mut urls = Vec::with_capacity(held as usize);
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((p, u)) => {
                all.merge(p);
                urls.extend(u);
            }
            Err(e) => all.fail(format!("worker panicked: {e}")),
        }
    }
    if urls.is_empty() {
        return all;
    }
    let urls = Arc::new(urls);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + limit;
    for _ in 0..workers {
        let (ctx, next, urls) = (ctx.clone(), next.clone(), urls.clone());
        tasks.spawn(async move {
            let mut out = Phase::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= posts || Instant::now() >= deadline {
                    break;
                }
                let n = urls.len() as u64;
                let url = urls[(i % n) as usize].clone();
                let body = &ctx.post_bodies[((i / n) as usize) % ctx.post_bodies.len()];
                let t = Instant::now();
                match send::<Posted>(&ctx, url, body).await {
                    Ok(Posted {
                        response_message_id: Some(_),
                    }) => record(&mut out.post, t),
                    Ok(_) => out.fail("post: the reply was not stored".into()),
                    Err(e) => out.fail(format!("post: {e}")),
                }
            }
            (out, Vec::new())
        });
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((p, _)) => all.merge(p),
            Err(e) => all.fail(format!("worker panicked: {e}")),
        }
    }
    all.elapsed = started.elapsed();
    all
}

/// One conversation: create it, then post to it.
async fn conversation(ctx: &Ctx, deadline: Instant, out: &mut Phase) {
    let t = Instant::now();
    let id = match send::<Created>(ctx, ctx.create_url.clone(), &ctx.create_body).await {
        Ok(c) => {
            record(&mut out.create, t);
            c.id
        }
        Err(e) => return out.fail(format!("create: {e}")),
    };
    let url = match reqwest::Url::parse(&format!("{}/{id}/messages", ctx.create_url)) {
        Ok(u) => u,
        Err(e) => return out.fail(format!("create: bad id {id}: {e}")),
    };
    for i in 0..ctx.messages_per_conversation {
        if Instant::now() >= deadline {
            return;
        }
        let t = Instant::now();
        let body = &ctx.post_bodies[i as usize % ctx.post_bodies.len()];
        match send::<Posted>(ctx, url.clone(), body).await {
            Ok(Posted {
                response_message_id: Some(_),
            }) => record(&mut out.post, t),
            Ok(_) => out.fail("post: the reply was not stored".into()),
            Err(e) => out.fail(format!("post: {e}")),
        }
    }
}

/// The part of a created conversation the benchmark reads.
#[derive(serde::Deserialize)]
struct Created {
    id: String,
}

/// The part of a post's answer the benchmark reads.
#[derive(serde::Deserialize)]
struct Posted {
    response_message_id: Option<String>,
}

fn record(h: &mut Histogram<u64>, since: Instant) {
    let us = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
    h.saturating_record(us.max(1));
}

/// POSTs a JSON `body` and decodes the answer of a 2xx response.
async fn send<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    url: reqwest::Url,
    body: &[u8],
) -> anyhow::Result<T> {
    let resp = ctx
        .client
        .post(url)
        .header(reqwest::header::AUTHORIZATION, &ctx.auth)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_vec())
        .send()
        .await?;
    let status = resp.status();
    let bytes = resp.bytes().await?;
    if !status.is_success() {
        bail!("HTTP {status}: {}", String::from_utf8_lossy(&bytes));
    }
    Ok(serde_json::from_slice(&bytes)?)
}
