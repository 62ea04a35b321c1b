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
use concierge_core::{OrgId, Role, SubscriptionTier};
use concierge_server::{admin, Application};
use concierge_store::Store;
use hdrhistogram::Histogram;
use serde::Serialize;

/// Options of `concierge bench api`.
#[derive(Debug, clap::Args)]
pub struct ApiBenchArgs {
    /// A PostgreSQL server URL (e.g. postgres://postgres@127.0.0.1:5432/postgres):
    /// the benchmark creates a uuid-named database there and drops it afterwards.
    /// Without it, a fresh SQLite file in a temporary directory is used.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
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
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The customer message every post sends (a realistic length, ~90 characters).
const MESSAGE: &str =
    "Hi, I can't log in after the password reset: the portal says INVALID_SESSION_ID. Can you help?";

pub async fn api(args: ApiBenchArgs) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.messages_per_conversation == 0 {
        bail!("--concurrency and --messages-per-conversation must be at least 1");
    }
    let db = ScratchDb::create(args.database.as_deref(), args.dir.as_deref()).await?;
    let result = run(&args, &db).await;
    db.destroy().await;
    let report = result?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    if report.errors > 0 {
        bail!(
            "{} requests failed; first failure: {}",
            report.errors,
            report.first_error.as_deref().unwrap_or("?")
        );
    }
    if report.rows_counted != report.rows_expected {
        bail!(
            "the database holds {} messages of the tenant, expected {}",
            report.rows_counted,
            report.rows_expected
        );
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

    let app = Application::build(config, store.clone(), Arc::new(PlaceholderEngine)).await?;
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
        base,
        auth: format!("Bearer {key}"),
        messages_per_conversation: args.messages_per_conversation,
    });
    let limit = Duration::from_secs(args.duration_secs);
    let warmup = phase(&ctx, args.concurrency, args.warmup_conversations, limit).await;
    let cpu_before = process_cpu_secs();
    let measured = phase(&ctx, args.concurrency, args.conversations, limit).await;
    let cpu_secs = process_cpu_secs().zip(cpu_before).map(|(a, b)| a - b);

    let _ = stop.send(());
    server.await??;
    let rows_counted = count_messages(&db.url, org.id).await?;
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
        errors: warmup.errors + measured.errors,
        first_error: warmup.first_error.or(measured.first_error),
        rows_expected: 2 * (warmup.post.len() + measured.post.len()),
        rows_counted,
    })
}

/// What every worker shares.
struct Ctx {
    client: reqwest::Client,
    base: String,
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
fn histogram() -> Histogram<u64> {
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

/// One conversation: create it, then post to it.
async fn conversation(ctx: &Ctx, deadline: Instant, out: &mut Phase) {
    let url = format!("{}/v1/conversations", ctx.base);
    let body = serde_json::json!({ "channel": "api" });
    let t = Instant::now();
    let id = match send(ctx, &url, &body).await {
        Ok(v) => {
            record(&mut out.create, t);
            match v.get("id").and_then(|id| id.as_str()) {
                Some(id) => id.to_owned(),
                None => return out.fail("create: the response has no id".into()),
            }
        }
        Err(e) => return out.fail(format!("create: {e}")),
    };
    let url = format!("{url}/{id}/messages");
    let body = serde_json::json!({ "content": MESSAGE });
    for _ in 0..ctx.messages_per_conversation {
        if Instant::now() >= deadline {
            return;
        }
        let t = Instant::now();
        match send(ctx, &url, &body).await {
            Ok(v) if v.get("response_message_id").is_some_and(|r| r.is_string()) => {
                record(&mut out.post, t)
            }
            Ok(_) => out.fail("post: the reply was not stored".into()),
            Err(e) => out.fail(format!("post: {e}")),
        }
    }
}

fn record(h: &mut Histogram<u64>, since: Instant) {
    let us = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
    h.saturating_record(us.max(1));
}

/// POSTs `body` and returns the JSON answer of a 2xx response.
async fn send(ctx: &Ctx, url: &str, body: &serde_json::Value) -> anyhow::Result<serde_json::Value> {
    let resp = ctx
        .client
        .post(url)
        .header(reqwest::header::AUTHORIZATION, &ctx.auth)
        .json(body)
        .send()
        .await?;
    let status = resp.status();
    let bytes = resp.bytes().await?;
    if !status.is_success() {
        bail!("HTTP {status}: {}", String::from_utf8_lossy(&bytes));
    }
    Ok(serde_json::from_slice(&bytes)?)
}

/// The benchmark's result.
#[derive(Debug, Serialize)]
struct Report {
    backend: &'static str,
    machine: Machine,
    concurrency: usize,
    conversations: u64,
    messages_per_conversation: u64,
    warmup_conversations: u64,
    elapsed_secs: f64,
    /// POST /v1/conversations/{id}/messages requests per second (one customer message each).
    posts_per_sec: f64,
    /// Message rows stored per second: the customer's message and the reply.
    messages_stored_per_sec: f64,
    /// Both operations together.
    requests_per_sec: f64,
    create: OpStats,
    post: OpStats,
    /// CPU time of this process (server and load generator) over wall time × cores.
    cpu_utilisation: Option<f64>,
    errors: u64,
    first_error: Option<String>,
    rows_expected: u64,
    rows_counted: u64,
}

/// Count, rate and latency percentiles of one operation (milliseconds).
#[derive(Debug, Serialize)]
struct OpStats {
    count: u64,
    per_sec: f64,
    mean_ms: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    max_ms: f64,
}

impl OpStats {
    fn new(h: &Histogram<u64>, secs: f64) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: h.len(),
            per_sec: if secs > 0.0 {
                h.len() as f64 / secs
            } else {
                0.0
            },
            mean_ms: h.mean() / 1000.0,
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

/// The machine the figures come from.
#[derive(Debug, Serialize)]
struct Machine {
    cores: usize,
    cpu: String,
    memory_gib: f64,
}

impl Machine {
    fn read(cores: usize) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, m)| m.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let kib = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0);
        Self {
            cores,
            cpu,
            memory_gib: (kib / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        }
    }
}

/// User + system CPU seconds of this process (Linux; `None` elsewhere).
fn process_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    // USER_HZ is 100 on every Linux platform we run on.
    Some((utime + stime) / 100.0)
}

fn print_table(r: &Report) {
    let m = &r.machine;
    println!(
        "Concierge API benchmark: {} (fresh database), placeholder engine",
        r.backend
    );
    println!(
        "machine: {} cores, {}, {} GiB; load generator and server share the cores",
        m.cores, m.cpu, m.memory_gib
    );
    println!(
        "workload: {} workers, {} conversations x {} messages in {:.2} s (after {} warm-up conversations)",
        r.concurrency, r.conversations, r.messages_per_conversation, r.elapsed_secs, r.warmup_conversations
    );
    println!();
    println!(
        "{:<22} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "operation", "count", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9", "max ms"
    );
    for (name, s) in [
        ("create conversation", &r.create),
        ("post message", &r.post),
    ] {
        println!(
            "{:<22} {:>8} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            name, s.count, s.per_sec, s.p50_ms, s.p90_ms, s.p99_ms, s.p999_ms, s.max_ms
        );
    }
    println!();
    println!(
        "posts/s: {:.0}   messages stored/s: {:.0} (customer message + reply)   all requests/s: {:.0}",
        r.posts_per_sec, r.messages_stored_per_sec, r.requests_per_sec
    );
    if let Some(u) = r.cpu_utilisation {
        println!("process CPU: {:.0}% of {} cores", u * 100.0, m.cores);
    }
    println!(
        "stored message rows: {} counted, {} expected; failed requests: {}",
        r.rows_counted, r.rows_expected, r.errors
    );
}

/// Counts the tenant's message rows straight from the database.
async fn count_messages(url: &str, org: OrgId) -> anyhow::Result<u64> {
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
struct ScratchDb {
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Pg { admin_url: String, name: String },
}

impl ScratchDb {
    async fn create(postgres: Option<&str>, dir: Option<&std::path::Path>) -> anyhow::Result<Self> {
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
                    url: replace_db_name(admin_url, &name),
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

    async fn destroy(self) {
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

/// `postgres://u@h:p/db?x` with the database name replaced.
fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            replace_db_name("postgres://p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://p@h:5432/x?sslmode=disable"
        );
        assert_eq!(replace_db_name("postgres://p@h", "x"), "postgres://p@h/x");
    }

    #[test]
    fn percentiles_are_reported_in_milliseconds() {
        let mut h = histogram();
        for us in 1..=1000 {
            h.record(us * 10).unwrap();
        }
        let s = OpStats::new(&h, 2.0);
        assert_eq!(s.count, 1000);
        assert_eq!(s.per_sec, 500.0);
        assert!((s.p50_ms - 5.0).abs() < 0.01, "{}", s.p50_ms);
        assert!((s.p99_ms - 9.9).abs() < 0.01, "{}", s.p99_ms);
    }
}
