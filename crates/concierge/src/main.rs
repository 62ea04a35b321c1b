//! The `concierge` binary: parses the command line and wires the library crates.
//! All logic lives in the libraries; this file only dispatches.

mod answer;
mod bench;
mod cli;
mod commands;
mod kb;
mod nlu;
/// `concierge scenario run`: conversation scenarios driven through the HTTP API.
mod scenario;
mod settings;
mod sfsim;

use clap::Parser;

/// mimalloc instead of glibc malloc: a turn allocates many small buffers on
/// one thread and frees them on another, which glibc handles poorly (about a
/// fifth of the pipeline benchmark's CPU went to malloc and free).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
