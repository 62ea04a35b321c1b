//! `concierge scenario run DIR`: conversations written as YAML files (the
//! format is `scenarios/README.md`), each run end to end as one conversation
//! through the HTTP API, and every expectation checked. This is the
//! acceptance test of the conversation engine.
//!
//! All files are parsed before anything runs, so a mistake in one file stops
//! the run at once, naming the file, the turn and the field. Without `--url`
//! the run starts Concierge in this process ([`local`]); with it, it drives
//! any running server.

/// Matching expectations against replies and conversations.
mod check;
/// The file format: types, validation, durations.
mod format;
/// The in-process server.
mod local;
/// The report: JSON document and readable text.
mod report;
/// The HTTP driver.
mod run;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use format::Scenario;
use report::RunReport;
use run::{Driver, StaffLogin, Target};

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Run every scenario file (*.yaml, *.yml) under DIR, recursively, and
    /// report which passed. Exits non-zero when any failed.
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A directory of scenario files, or one file.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Only scenarios whose name or file path contains this text (case-insensitive).
    #[arg(long, value_name = "SUBSTR")]
    pub filter: Option<String>,
    /// Print `{"passed","failed","results":[…]}` instead of the readable report.
    #[arg(long)]
    pub json: bool,
    /// Run against this server (e.g. http://127.0.0.1:8080) instead of
    /// starting one in-process with a fresh database.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// With --url: a `service` API key (the customer's side).
    #[arg(long, value_name = "KEY", requires = "url", allow_hyphen_values = true)]
    pub api_key: Option<String>,
    /// With --url: a staff admin's email, for agent turns and `advance`.
    #[arg(
        long,
        value_name = "EMAIL",
        requires = "url",
        requires = "admin_password"
    )]
    pub admin_email: Option<String>,
    /// With --url: that admin's password.
    #[arg(
        long,
        value_name = "PASSWORD",
        requires = "admin_email",
        allow_hyphen_values = true
    )]
    pub admin_password: Option<String>,
    /// Scenarios run at the same time.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
}

pub async fn run(command: ScenarioCommand) -> anyhow::Result<()> {
    match command {
        ScenarioCommand::Run(args) => run_dir(args).await,
    }
}

async fn run_dir(args: RunArgs) -> anyhow::Result<()> {
    if std::env::var_os("RUST_LOG").is_some() {
        // The in-process server's logs, on request only: they would bury the report.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
    let all = load(&args.dir)?;
    let total = all.len();
    let scenarios: Vec<Scenario> = match &args.filter {
        Some(f) => {
            let f = f.to_lowercase();
            all.into_iter()
                .filter(|s| {
                    s.name.to_lowercase().contains(&f)
                        || s.file.display().to_string().to_lowercase().contains(&f)
                })
                .collect()
        }
        None => all,
    };
    if scenarios.is_empty() {
        bail!(
            "no scenario matches --filter {:?} ({total} in {})",
            args.filter.as_deref().unwrap_or(""),
            args.dir.display()
        );
    }
    let (target, local) = match &args.url {
        Some(url) => {
            let Some(api_key) = args.api_key.clone() else {
                bail!("--url needs --api-key (a service API key of the tenant to run in)");
            };
            let staff = match (&args.admin_email, &args.admin_password) {
                (Some(email), Some(password)) => Some(StaffLogin {
                    email: email.clone(),
                    password: password.clone(),
                }),
                _ => None,
            };
            if staff.is_none() {
                if let Some(s) = scenarios.iter().find(|s| s.needs_staff()) {
                    bail!(
                        "{} has agent or `advance` turns: pass --admin-email and --admin-password",
                        s.file.display()
                    );
                }
            }
            let target = Target {
                base: url.trim_end_matches('/').to_owned(),
                api_key,
                staff,
            };
            (target, None)
        }
        None => {
            let server = local::LocalServer::start()
                .await
                .context("cannot start Concierge in-process")?;
            (server.target.clone(), Some(server))
        }
    };
    let driver = Driver::new(target)?;
    let results = driver.run_all(&scenarios, args.concurrency).await;
    if let Some(server) = local {
        server.stop().await;
    }
    let report = RunReport::new(results);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report::render(&report));
    }
    if report.failed > 0 {
        bail!(
            "{} of {} scenarios failed",
            report.failed,
            report.results.len()
        );
    }
    Ok(())
}

/// Reads and checks every scenario file under `dir` (sorted by path), or
/// `dir` itself when it is a file. Every file that does not parse is named.
fn load(dir: &Path) -> anyhow::Result<Vec<Scenario>> {
    let files = if dir.is_file() {
        vec![dir.to_owned()]
    } else {
        let mut files = Vec::new();
        collect(dir, &mut files)
            .with_context(|| format!("cannot read the scenario directory {}", dir.display()))?;
        files.sort();
        files
    };
    if files.is_empty() {
        bail!("no scenario files (*.yaml, *.yml) in {}", dir.display());
    }
    let mut scenarios = Vec::with_capacity(files.len());
    let mut errors = Vec::new();
    for file in files {
        match std::fs::read_to_string(&file) {
            Ok(text) => match format::parse(&file, &text) {
                Ok(s) => scenarios.push(s),
                Err(e) => errors.push(e.to_string()),
            },
            Err(e) => errors.push(format!("{}: {e}", file.display())),
        }
    }
    if !errors.is_empty() {
        bail!(
            "{} scenario file(s) are not valid; nothing was run:\n  {}",
            errors.len(),
            errors.join("\n  ")
        );
    }
    Ok(scenarios)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yaml" || e == "yml")
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_reads_yaml_files_recursively_in_order_and_names_every_bad_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("b.yaml"), "name: B\nturns: [{say: hi}]\n").unwrap();
        std::fs::write(root.join("sub/a.yml"), "name: A\nturns: [{say: hi}]\n").unwrap();
        std::fs::write(root.join("notes.md"), "not a scenario").unwrap();
        let names: Vec<String> = load(root).unwrap().into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["B", "A"]);

        std::fs::write(root.join("c.yaml"), "name: C\nturns: [{sayy: hi}]\n").unwrap();
        std::fs::write(root.join("d.yaml"), "name: D\nturns: []\n").unwrap();
        let err = load(root).unwrap_err().to_string();
        assert!(err.contains("2 scenario file(s) are not valid"), "{err}");
        assert!(
            err.contains("c.yaml: turns[0]: unknown field `sayy`"),
            "{err}"
        );
        assert!(
            err.contains("d.yaml: turns: must list at least one turn"),
            "{err}"
        );

        let empty = tempfile::tempdir().unwrap();
        assert!(load(empty.path())
            .unwrap_err()
            .to_string()
            .contains("no scenario files"));
    }
}
