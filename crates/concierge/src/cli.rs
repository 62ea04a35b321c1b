//! The command line (clap).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Concierge — an AI customer-service agent for Salesforce teams.
///
/// Start with `concierge serve`: with no configuration it keeps its data in
/// ./data (SQLite), listens on http://127.0.0.1:8080, and on first start
/// prints how to sign in. `concierge config default` prints every setting.
#[derive(Debug, Parser)]
#[command(name = "concierge", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command that reads configuration accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// TOML configuration file (see `concierge config default`).
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory for the embedded database and local state (default ./data).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (migrates the database first).
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:8080.
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage tenants (organizations).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage staff users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys for integrations.
    #[command(subcommand)]
    Apikey(ApikeyCommand),
    /// Benchmarks that print figures for docs/PERFORMANCE.md.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Understanding: train and evaluate the intent classifier, analyse a message.
    #[command(subcommand)]
    Nlu(NluCommand),
    /// Knowledge base: ingest articles, search, evaluate retrieval, benchmark.
    #[command(subcommand)]
    Kb(crate::kb::KbCommand),
    /// Conversation scenarios: run YAML conversations end to end through the HTTP API.
    #[command(subcommand)]
    Scenario(crate::scenario::ScenarioCommand),
    /// The bundled Salesforce simulator (a local org speaking Salesforce's REST,
    /// OAuth, Bulk and Pub/Sub APIs) on its own.
    Sfsim(crate::sfsim::SfsimArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the default configuration file, with comments.
    Default,
    /// Print the effective configuration (secrets redacted).
    Show,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant and print its id and publishable widget key.
    Create {
        /// Short unique name used at sign-in (a-z, 0-9, '-').
        #[arg(long)]
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// free, starter, professional or enterprise.
        #[arg(long, default_value = "free")]
        tier: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff user. Without --password-stdin a password is generated and printed once.
    Create {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        /// admin, supervisor or agent.
        #[arg(long, default_value = "agent")]
        role: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApikeyCommand {
    /// Create an API key and print it once.
    Create {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// What the key is for.
        #[arg(long)]
        name: String,
        /// service (default), agent, supervisor or admin.
        #[arg(long, default_value = "service")]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Throughput and latency of create-conversation + post-message through HTTP.
    Api(crate::bench::ApiBenchArgs),
    /// Sync lag between Concierge and Salesforce (the bundled simulator), both ways.
    Sync(crate::bench::sync::SyncBenchArgs),
}

#[derive(Debug, Subcommand)]
pub enum NluCommand {
    /// Accuracy, macro-F1, out-of-scope detection and latency of the intent
    /// classifier: train on --train and evaluate on --test, hold out part of
    /// --data, or evaluate a saved --model on --test.
    Eval(crate::nlu::EvalArgs),
    /// Train an intent model and save it to a file.
    Train(crate::nlu::TrainArgs),
    /// Language, intent, entities, sentiment, emotions and toxicity of one message.
    Analyze(crate::nlu::AnalyzeArgs),
    /// Write a stratified held-out split of a data set as two Banking77 CSV files.
    Split(crate::nlu::SplitArgs),
    /// Make the static encoder (one vector per token, distilled from
    /// all-MiniLM-L6-v2) under the models directory; `make models` runs it.
    Distill(crate::nlu::DistillArgs),
}
