//! What each command does.

use std::io::Read;
use std::sync::Arc;

use anyhow::{bail, Context};
use concierge_core::config::{Config, LogFormat};
use concierge_core::{Role, SubscriptionTier};
use concierge_server::{admin, Application};
use concierge_store::Store;
use secrecy::SecretString;

use crate::cli::*;
use crate::settings;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let g = &cli.global;
    let load = |listen| settings::load(g.config.as_deref(), g.data_dir.as_deref(), listen);
    match cli.command {
        Command::Config(ConfigCommand::Default) => {
            print!("{}", concierge_core::config::DEFAULT_CONFIG_TOML);
            Ok(())
        }
        Command::Config(ConfigCommand::Show) => {
            println!("{:#?}", load(None)?);
            Ok(())
        }
        Command::Serve { listen } => serve(load(listen)?).await,
        Command::Migrate => {
            let config = load(None)?;
            init_logging(&config);
            let store = open_store(&config).await?;
            println!("database migrated ({})", store.backend().as_str());
            Ok(())
        }
        Command::Tenant(TenantCommand::Create { slug, name, tier }) => {
            let store = open_store(&load(None)?).await?;
            let tier: SubscriptionTier =
                tier.parse().map_err(|e| anyhow::anyhow!("--tier: {e}"))?;
            let org = admin::create_tenant(&store, &slug, &name, tier).await?;
            println!(
                "tenant created\n  id:          {}\n  slug:        {}\n  widget key:  {}",
                org.id, org.slug, org.widget_key
            );
            println!(
                "next: concierge user create --tenant {} --email you@example.com --role admin",
                org.slug
            );
            Ok(())
        }
        Command::User(UserCommand::Create {
            tenant,
            email,
            role,
            password_stdin,
        }) => {
            let store = open_store(&load(None)?).await?;
            let org = find_tenant(&store, &tenant).await?;
            let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let password = if password_stdin {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("reading the password from stdin")?;
                Some(SecretString::from(
                    text.trim_end_matches(['\r', '\n']).to_owned(),
                ))
            } else {
                None
            };
            let (user, generated) =
                admin::create_staff_user(&store, org, &email, role, password, "cli").await?;
            println!(
                "user created\n  id:    {}\n  email: {}\n  role:  {}",
                user.id, email, role
            );
            if let Some(p) = generated {
                println!("  password (shown once): {p}");
            }
            Ok(())
        }
        Command::Apikey(ApikeyCommand::Create { tenant, name, role }) => {
            let store = open_store(&load(None)?).await?;
            let org = find_tenant(&store, &tenant).await?;
            let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let (key, stored) =
                admin::create_api_key(&store, org, &name, role, None, "cli").await?;
            println!(
                "API key created (shown once; store it now)\n  {key}\n  id: {}  prefix: {}",
                stored.id, stored.prefix
            );
            Ok(())
        }
        Command::Bench(BenchCommand::Api(args)) => crate::bench::api(args).await,
        Command::Bench(BenchCommand::Sync(args)) => crate::bench::sync::run(args).await,
        Command::Kb(command) => crate::kb::run(command, load(None)?).await,
        Command::Scenario(command) => crate::scenario::run(command).await,
        Command::Sfsim(args) => crate::sfsim::run(args).await,
        // Training and inference are CPU-bound: off the async runtime.
        Command::Nlu(command) => {
            // The configured data directory (flag, environment or file);
            // a configuration that does not load does not stop offline work.
            let data_dir = load(None).map_or_else(
                |_| g.data_dir.clone().unwrap_or_else(|| "data".into()),
                |config| config.data_dir,
            );
            tokio::task::spawn_blocking(move || crate::nlu::run(command, &data_dir))
                .await
                .context("the nlu command stopped unexpectedly")?
        }
    }
}

async fn find_tenant(store: &Store, slug: &str) -> anyhow::Result<concierge_core::OrgId> {
    match store.organization_by_slug(slug).await? {
        Some(o) => Ok(o.id),
        None => bail!("no tenant with slug `{slug}` (create one with `concierge tenant create`)"),
    }
}

/// Opens and migrates the configured database.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let url = settings::database_url(config)?;
    let store = Store::connect(&url, config.database.max_connections)
        .await
        .context("cannot open the database (check database.url; the URL itself is not printed)")?;
    store.migrate().await.context("database migration failed")?;
    Ok(store)
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.log.format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// A bound (not yet serving) Concierge, as `serve` runs it; `concierge
/// scenario run` starts the same thing in-process.
#[derive(Debug)]
pub struct Started {
    pub app: Application,
    /// First-start credentials (a new database only).
    pub demo: Option<admin::DemoCredentials>,
    pub knowledge: Arc<concierge_knowledge::KnowledgeBase>,
    /// The bundled Salesforce simulator, when `[salesforce] simulator` is on
    /// (it runs as long as this value lives).
    pub simulator: Option<concierge_sfsim::server::RunningSim>,
}

/// Opens the store, bootstraps the demo tenant, opens the knowledge base
/// (loading the demo articles in the background), starts the bundled
/// Salesforce simulator when configured, and binds the server.
pub async fn start(config: Config) -> anyhow::Result<Started> {
    let store = open_store(&config).await?;
    let demo = if config.bootstrap.demo_tenant {
        admin::bootstrap_demo(&store).await?
    } else {
        None
    };
    // The knowledge base: the demo articles for a new demo tenant, then a
    // background sync with the database (other nodes' changes, lost indexes).
    let knowledge = crate::kb::open_for_server(&config, store.clone()).await?;
    let demo_org = demo
        .as_ref()
        .filter(|_| config.knowledge.demo_articles)
        .map(|d| d.tenant.id);
    crate::kb::spawn_sync(
        knowledge.clone(),
        demo_org,
        config.knowledge.sync_interval_secs,
    );
    // Salesforce: the simulator's demo org for the `demo` tenant, and any
    // tenant's own org from its settings.
    let (simulator, link) = if config.salesforce.simulator {
        // The Case links back to the conversation in the agent console.
        let url = format!(
            "{}/console/conversations/{{id}}",
            config.public_url().trim_end_matches('/')
        );
        let (sim, link) =
            crate::sfsim::start_embedded(config.salesforce.simulator_listen, Some(url)).await?;
        (Some(sim), Some(link))
    } else {
        (None, None)
    };
    let salesforce = concierge_sfsync::Salesforce::new(
        store.clone(),
        &config.salesforce,
        link,
        Some((*knowledge).clone()),
    );
    let engine = Arc::new(build_engine(
        &config,
        store.clone(),
        Some((*knowledge).clone()),
        Some(salesforce.case_system()),
    )?);
    tokio::spawn(concierge_engine::jobs::run_periodically(
        engine.clone(),
        std::future::pending::<()>(),
    ));
    let app = Application::build_with_salesforce(config, store, engine, salesforce)
        .await
        .context("cannot start the server (is the port already in use?)")?;
    Ok(Started {
        app,
        demo,
        knowledge,
        simulator,
    })
}

/// The conversation engine with embedded defaults: the shipped intent
/// model, the knowledge base, the configured language models (the local
/// responder when none), and `cases` (Concierge's own database when `None`).
pub fn build_engine(
    config: &Config,
    store: Store,
    knowledge: Option<concierge_knowledge::KnowledgeBase>,
    cases: Option<Arc<dyn concierge_engine::cases::CaseSystem>>,
) -> anyhow::Result<concierge_engine::Engine> {
    let analyzer = concierge_nlu::Analyzer::try_default().context("the built-in intent model")?;
    let sink = Arc::new(crate::answer::StoreUsageSink(store.clone()));
    let router =
        concierge_llm::Router::from_config(&config.llm, sink).context("llm configuration")?;
    let cases =
        cases.unwrap_or_else(|| Arc::new(concierge_engine::cases::LocalCases::new(store.clone())));
    Ok(concierge_engine::Engine::new(
        concierge_engine::EngineParts {
            store: store.clone(),
            config: config.engine.clone(),
            analyzer,
            knowledge,
            router: Arc::new(router),
            cases,
            clock: Arc::new(chrono::Utc::now),
        },
    ))
}

async fn serve(config: Config) -> anyhow::Result<()> {
    init_logging(&config);
    let configured_url = config.server.public_url.clone();
    let config_index_dir = config
        .knowledge
        .index_dir
        .clone()
        .unwrap_or_else(|| crate::kb::index_dir(&config));
    let listen_ip = config.server.listen.ip();
    let Started {
        app,
        demo,
        knowledge,
        simulator,
    } = start(config).await?;
    let backend = app.state().store.backend().as_str();
    // With port 0 the OS picks the port: print the one actually bound.
    let base = match configured_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => format!(
            "http://{}",
            std::net::SocketAddr::new(listen_ip, app.port())
        ),
    };
    // Human-facing start-up text goes to stdout; credentials never reach the logs.
    println!();
    println!(
        "  Concierge {} is running ({backend})",
        env!("CARGO_PKG_VERSION")
    );
    println!();
    println!("    Console      {base}/app      (agents, supervisors and admins sign in here)");
    println!("    Demo site    {base}/demo     (a customer's page with the chat widget)");
    println!("    API          {base}/v1");
    println!("    API docs     {base}/api/docs   (OpenAPI: {base}/openapi.json)");
    println!("    WebSocket    {}/v1/ws", base.replacen("http", "ws", 1));
    println!("    Health       {base}/health     Metrics: {base}/metrics");
    if let Some(sim) = &simulator {
        println!(
            "    Salesforce   {} (simulated demo org; escalations become Cases there)",
            sim.url().trim_end_matches('/')
        );
    }
    println!(
        "    Knowledge    {} (dense encoder: {})",
        config_index_dir.display(),
        knowledge.encoder_name().unwrap_or("none, BM25 only")
    );
    println!();
    match demo {
        Some(d) => {
            println!("  First start: created the `demo` tenant. Sign in with (shown once):");
            println!("    tenant       {}", d.tenant.slug);
            println!("    email        {}", d.admin_email);
            println!("    password     {}", d.admin_password);
            println!("    API key      {}", d.api_key);
            println!("    widget key   {}", d.tenant.widget_key);
            println!();
            println!("  Embed the chat widget on any page:");
            println!(
                "    <script src=\"{base}/widget.js\" data-tenant-key=\"{}\" async></script>",
                d.tenant.widget_key
            );
            println!();
            println!("  Try it:");
            println!(
                "    curl -s {base}/v1/conversations -H 'Authorization: Bearer {}' \\",
                d.api_key
            );
            println!("      -H 'Content-Type: application/json' -d '{{\"channel\":\"api\",\"initial_message\":\"Hello\"}}'");
        }
        None => {
            println!("  Sign in with the credentials printed on first start, or add a user:");
            println!(
                "    concierge user create --tenant demo --email you@example.com --role admin"
            );
        }
    }
    println!();
    println!("  Press Ctrl-C to stop.");
    tracing::info!(listen = %base, backend, "concierge started");
    app.run_until_stopped(shutdown_signal())
        .await
        .context("server error")?;
    tracing::info!("concierge stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
