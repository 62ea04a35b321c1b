//! `concierge bench api` — **placeholder** until the benchmark is written.

/// Options of `concierge bench api`.
#[derive(Debug, clap::Args)]
pub struct ApiBenchArgs {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn api(_args: ApiBenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("the API benchmark is not implemented yet")
}
