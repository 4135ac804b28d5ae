//! The `connector-hub` command: `init` creates the database, the master key and the first admin
//! hub key; `serve` runs the hub; `mcp` serves the MCP server over stdio; `rotate-master-key`
//! re-encrypts every stored credential.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use connector_hub::settings::{Flags, Settings};

/// A pass allocates a little per account on every thread; mimalloc's per-thread heaps keep that
/// off a shared lock (measured by `cargo xtask bench hub`).
mod keys;
mod maintenance;
mod master_key;
mod mcp;
mod serve;

use keys::{create_admin_key, init, print_init};
use maintenance::{doctor, import, rotate, rotate_data_key, stage_master_key};
use mcp::mcp;
use serve::serve;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "connector-hub",
    version,
    about = "Self-hosted hub: link API-key accounts through connect sessions, keep their keys \
             encrypted, and manage them from a browser or the REST API.",
    after_help = "Quick start: `connector-hub serve --init`, then open http://127.0.0.1:8600/signin \
                  and sign in with the admin key it prints. Settings: connector-hub.toml, \
                  CONNECTOR_HUB__* variables, then flags; see docs/hub.md."
)]
struct Cli {
    /// A TOML settings file (default: connector-hub.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the hub's web server.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on (default 127.0.0.1:8600).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// Run `init` first: create the master key and the first admin key when missing.
        #[arg(long)]
        init: bool,
    },
    /// Serve the MCP server (Model Context Protocol, for AI agents) over stdio, with the hub key
    /// in CONNECTOR_HUB_KEY and the same database and settings as `serve`.
    Mcp {
        #[command(flatten)]
        common: Common,
    },
    /// Create the database, a master key (when none is given) and the first admin hub key.
    Init {
        #[command(flatten)]
        common: Common,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a new master key current and re-encrypt every stored credential under it; a running
    /// hub keeps serving and follows the key file.
    RotateMasterKey {
        #[command(flatten)]
        common: Common,
    },
    /// List the stored credentials and webhook secrets the master keys cannot open (exit 1 when
    /// there are any).
    Doctor {
        #[command(flatten)]
        common: Common,
        /// Print the result as JSON: {"unreadable": [{"table", "id", "reason"}]}.
        #[arg(long)]
        json: bool,
    },
    /// Make a new data key current for every hub process sharing the database and re-encrypt
    /// every stored credential under it; no key file changes.
    RotateDataKey {
        #[command(flatten)]
        common: Common,
    },
    /// Master keys: `add` stages a new one in the key file, to copy to every process before
    /// `rotate-master-key` makes it current.
    MasterKey {
        #[command(subcommand)]
        action: MasterKeyAction,
    },
    /// Hub keys, from the server itself: the way back in when every admin key is revoked or lost.
    AdminKey {
        #[command(subcommand)]
        action: AdminKeyAction,
    },
    /// Link accounts in bulk from JSON lines (`connector check --bulk` input, plus optional
    /// `owner` and `label`); nothing is sent: the schedule verifies them.
    Import {
        #[command(flatten)]
        common: Common,
        /// The JSON-lines file, or `-` for standard input.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Owner of the lines that name none.
        #[arg(long, value_name = "NAME")]
        owner: Option<String>,
        /// Make every imported account due at once instead of spreading them over one interval.
        #[arg(long)]
        check_now: bool,
    },
}

#[derive(Debug, Subcommand)]
enum MasterKeyAction {
    /// Add a new master key at the end of the key file, not current yet.
    Add {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Subcommand)]
enum AdminKeyAction {
    /// Create a new admin hub key (every scope but credentials:read) and print it once; the audit log records it.
    /// Needs the database and the master key, so it runs where the hub runs.
    Create {
        #[command(flatten)]
        common: Common,
        /// A name for the key, shown on the Keys page.
        #[arg(
            long,
            value_name = "NAME",
            default_value = "admin (created on the server)"
        )]
        name: String,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct Common {
    /// `sqlite://FILE` (default sqlite://connector-hub.db) or `postgres://…`.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// The master key file (default connector-hub.key); CONNECTOR_HUB_MASTER_KEY replaces it.
    #[arg(long, value_name = "FILE")]
    master_key_file: Option<PathBuf>,
}

fn settings(
    cli_config: Option<&PathBuf>,
    common: &Common,
    listen: Option<SocketAddr>,
) -> anyhow::Result<Settings> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let flags = Flags {
        listen,
        database: common.database.clone(),
        master_key_file: common.master_key_file.clone(),
    };
    Ok(Settings::load(
        cli_config.map(PathBuf::as_path),
        env,
        &flags,
    )?)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let config = cli.config.as_ref();
        match cli.command {
            Command::Serve {
                common,
                listen,
                init: run_init,
            } => {
                let settings = settings(config, &common, listen)?;
                if run_init {
                    let done = init(&settings).await?;
                    print_init(&done, &settings, false);
                }
                serve(settings).await?;
            }
            Command::Mcp { common } => {
                return mcp(settings(config, &common, None)?).await;
            }
            Command::Init { common, json } => {
                let settings = settings(config, &common, None)?;
                let done = init(&settings).await?;
                print_init(&done, &settings, json);
            }
            Command::Doctor { common, json } => {
                return doctor(settings(config, &common, None)?, json).await;
            }
            Command::AdminKey {
                action: AdminKeyAction::Create { common, name, json },
            } => create_admin_key(settings(config, &common, None)?, &name, json).await?,
            Command::RotateMasterKey { common } => rotate(settings(config, &common, None)?).await?,
            Command::RotateDataKey { common } => {
                rotate_data_key(settings(config, &common, None)?).await?
            }
            Command::MasterKey {
                action: MasterKeyAction::Add { common },
            } => stage_master_key(settings(config, &common, None)?)?,
            Command::Import {
                common,
                file,
                owner,
                check_now,
            } => {
                let settings = settings(config, &common, None)?;
                import(settings, &file, owner.as_deref(), check_now).await?;
            }
        }
        Ok(ExitCode::SUCCESS)
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
