//! `concierge sfsim`: the bundled Salesforce simulator on its own, and the
//! in-process one `serve` starts for the embedded default (a seeded demo
//! org that the `demo` tenant is connected to, so escalations create real
//! Cases over real HTTP).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use concierge_sfsim::seed::Seed;
use concierge_sfsim::server::{start, RunningSim, SimConfig, TlsFiles};
use concierge_sfsync::SimulatorLink;
use secrecy::{ExposeSecret, SecretString};

/// `concierge sfsim` flags.
#[derive(Debug, Args)]
pub struct SfsimArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8090")]
    pub listen: SocketAddr,
    /// PEM certificate chain: with --tls-key the simulator speaks https.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Seed file (YAML) with the org's users, queues, accounts, contacts,
    /// cases, knowledge articles and custom fields (default: the demo org).
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// A password every seeded user signs in with (username-password flow),
    /// e.g. for jsforce or simple-salesforce.
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,
}

/// The connected app Concierge uses against the in-process simulator.
pub const SIM_CLIENT_ID: &str = "concierge-sim";
/// The seeded integration user Concierge acts as.
pub const SIM_INTEGRATION_USER: &str = "concierge@acme.example";

/// Starts the in-process simulator with the demo org; returns it and the
/// link the `demo` tenant connects through.
pub async fn start_embedded(
    listen: SocketAddr,
    conversation_url: Option<String>,
) -> anyhow::Result<(RunningSim, SimulatorLink)> {
    let mut config = SimConfig::default();
    for app in &mut config.connected_apps {
        if app.client_id == SIM_CLIENT_ID {
            app.run_as_username = Some(SIM_INTEGRATION_USER.to_owned());
        }
    }
    let secret = config
        .app(SIM_CLIENT_ID)
        .map(|a| a.client_secret.clone())
        .context("the simulator has no concierge-sim app")?;
    let sim = start(config, listen)
        .await
        .context("cannot start the Salesforce simulator (is its port in use? see salesforce.simulator_listen)")?;
    let link = SimulatorLink {
        url: url::Url::parse(&sim.url()).context("simulator URL")?,
        client_id: SIM_CLIENT_ID.to_owned(),
        client_secret: secret,
        tenant_slug: "demo".to_owned(),
        conversation_url,
    };
    Ok((sim, link))
}

/// Runs the simulator until Ctrl-C.
pub async fn run(args: SfsimArgs) -> anyhow::Result<()> {
    let mut config = SimConfig::default();
    if let Some(path) = &args.seed {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        config.seed = Seed::from_yaml(&text).with_context(|| format!("{}", path.display()))?;
    }
    if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
        config.tls = Some(TlsFiles {
            cert_pem: cert,
            key_pem: key,
        });
    }
    if let Some(p) = args.password {
        config.default_password = Some(SecretString::from(p));
    }
    let apps: Vec<(String, String)> = config
        .connected_apps
        .iter()
        .map(|a| {
            (
                a.client_id.clone(),
                a.client_secret.expose_secret().to_owned(),
            )
        })
        .collect();
    let admin = config.admin_token.expose_secret().to_owned();
    let sim = start(config, args.listen).await?;
    println!();
    println!("  Salesforce simulator running at {}", sim.url());
    println!();
    println!(
        "    Login URL    {}/services/oauth2/token",
        sim.url().trim_end_matches('/')
    );
    println!(
        "    REST         {}/services/data/",
        sim.url().trim_end_matches('/')
    );
    for (id, secret) in apps {
        println!("    Connected app  client_id {id}  client_secret {secret}");
    }
    println!(
        "    Faults       POST {}/__sim/faults  (Authorization: Bearer {admin})",
        sim.url().trim_end_matches('/')
    );
    println!();
    println!("  Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    Ok(())
}
