//! `cargo xtask`: the workspace's automation. Each subcommand lives in its own module and keeps
//! its logic in a library crate where tests can reach it.

mod bench;
mod conformance;
mod definitions;
mod docs;
mod new_connector;
mod record;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Workspace automation for the connector workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the conformance suite against every registered connector (or with `--definitions DIR`, DIR's definition files), offline (`--live` adds real checks where credentials are set).
    Conformance(conformance::Args),
    /// Generate docs/ from the connector specs (or check they are up to date).
    Docs(docs::Args),
    /// Scaffold a new connector crate and register it (or with `--definition`, a definition file and its fixtures).
    NewConnector(new_connector::Args),
    /// Record a fixture from the real provider with your own key, redacted before it is written.
    Record(record::Args),
    /// Measure bulk checking against a plain reqwest loop on loopback.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Conformance(args) => conformance::run(args),
        Command::Docs(args) => docs::run(args),
        Command::NewConnector(args) => new_connector::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Record(args) => record::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> std::path::PathBuf {
    let manifest_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}
