//! Concierge started in this process for a run without `--url`: what
//! `concierge serve` starts (`commands::start`) with the embedded defaults,
//! on a fresh SQLite database in a temporary directory and a loopback port
//! chosen by the OS. Rate limiting is off, as in `concierge bench api`: the
//! suite is one client sending many conversations at once. The run uses the
//! `demo` tenant the first start creates, its admin and its API key.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use concierge_core::config::Config;
use concierge_core::OrgId;
use concierge_knowledge::{KnowledgeBase, SearchMode, SearchQuery};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::run::{StaffLogin, Target};
use crate::commands::{start, Started};

/// How long the demo knowledge base may take to load (encoding it with the
/// dense encoder on a small machine takes tens of seconds).
const KNOWLEDGE_DEADLINE: Duration = Duration::from_secs(300);

/// A running in-process server; [`LocalServer::stop`] shuts it down and
/// removes its data.
#[derive(Debug)]
pub struct LocalServer {
    pub target: Target,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    /// The bundled Salesforce simulator the demo tenant's cases go to.
    _simulator: Option<concierge_sfsim::server::RunningSim>,
    /// Dropped last: the database and indexes live here.
    _data: tempfile::TempDir,
}

impl LocalServer {
    pub async fn start() -> anyhow::Result<Self> {
        let data = tempfile::Builder::new()
            .prefix("concierge-scenarios-")
            .tempdir()
            .context("cannot create a temporary data directory")?;
        let mut config = Config {
            data_dir: data.path().to_owned(),
            ..Config::default()
        };
        config.server.listen = ([127, 0, 0, 1], 0).into();
        config.rate_limit.enabled = false;
        let config = config.finish()?;
        let demo_articles = config.knowledge.demo_articles;
        let Started {
            app,
            demo,
            knowledge,
            simulator,
        } = start(config).await?;
        let Some(demo) = demo else {
            bail!("the in-process server created no demo tenant to run the scenarios in");
        };
        let base = format!("http://127.0.0.1:{}", app.port());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        let server = Self {
            target: Target {
                base,
                api_key: demo.api_key,
                staff: Some(StaffLogin {
                    email: demo.admin_email,
                    password: demo.admin_password,
                }),
            },
            shutdown,
            task,
            _simulator: simulator,
            _data: data,
        };
        if demo_articles {
            wait_for_knowledge(&knowledge, demo.tenant.id).await?;
        }
        Ok(server)
    }

    /// Stops serving (in-flight requests finish) and removes the data directory.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        match self.task.await {
            Ok(Err(e)) => {
                tracing::warn!(error.message = %e, "in-process server stopped with an error")
            }
            Err(e) => tracing::warn!(error.message = %e, "in-process server task failed"),
            Ok(Ok(())) => {}
        }
    }
}

/// Polls until a search of the demo knowledge base finds something: the
/// articles are ingested in one commit, so one hit means all of them.
async fn wait_for_knowledge(kb: &KnowledgeBase, org: OrgId) -> anyhow::Result<()> {
    let started = Instant::now();
    // Lexical only: no query encoding, so this cheap call can stay on the runtime.
    let query = SearchQuery {
        text: "password".into(),
        limit: 1,
        mode: SearchMode::Lexical,
        ..SearchQuery::default()
    };
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tick.tick().await;
        if kb.search(org, &query).is_ok_and(|hits| !hits.is_empty()) {
            return Ok(());
        }
        if started.elapsed() > KNOWLEDGE_DEADLINE {
            bail!(
                "the demo knowledge base did not load within {} s",
                KNOWLEDGE_DEADLINE.as_secs()
            );
        }
    }
}
