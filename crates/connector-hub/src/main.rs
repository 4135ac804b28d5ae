//! The `connector-hub` command: `init` creates the database, the master key and the first admin
//! hub key; `serve` runs the hub; `rotate-master-key` re-encrypts every stored credential.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use connector_hub::crypto::{MasterKey, MASTER_KEY_ENV};
use connector_hub::http::serve::{connection_cap, ServeLimits};
use connector_hub::hubkey::Scope;
use connector_hub::keyring::{self, KeySource, Keyring};
use connector_hub::settings::{Flags, Settings};
use connector_hub::Hub;
use secrecy::ExposeSecret;

/// A pass allocates a little per account on every thread; mimalloc's per-thread heaps keep that
/// off a shared lock (measured by `cargo xtask bench hub`).
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
enum AdminKeyAction {
    /// Create a new admin hub key (every scope) and print it once; the audit log records it.
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

fn key_source(settings: &Settings) -> KeySource {
    match std::env::var(MASTER_KEY_ENV) {
        Ok(text) if !text.trim().is_empty() => KeySource::Env(text),
        _ => KeySource::File(settings.master_key_file.clone()),
    }
}

/// What `init` did.
struct Initialised {
    key_file_written: Option<PathBuf>,
    admin_key: Option<secrecy::SecretString>,
    database: String,
}

async fn init(settings: &Settings) -> anyhow::Result<Initialised> {
    let source = key_source(settings);
    let key_file_written = match &source {
        KeySource::Env(_) => None,
        KeySource::File(path) if path.exists() => None,
        KeySource::File(path) => {
            keyring::write_key_file(path, &[&MasterKey::generate()])?;
            Some(path.clone())
        }
    };
    let keyring = Keyring::open(source)?;
    let hub = Hub::start(settings.clone(), keyring).await?;
    let admin_key = if hub.count_keys().await? == 0 {
        let (_, new) = hub
            .issue_key("admin", &Scope::ALL, "connector-hub init")
            .await?;
        Some(new.text)
    } else {
        None
    };
    let database = hub.database_name();
    hub.close().await;
    Ok(Initialised {
        key_file_written,
        admin_key,
        database,
    })
}

fn print_init(done: &Initialised, settings: &Settings, json: bool) {
    if json {
        let out = serde_json::json!({
            "database": done.database,
            "master_key_file": done.key_file_written.as_ref().map(|p| p.display().to_string()),
            "admin_key": done.admin_key.as_ref().map(|k| k.expose_secret().to_owned()),
        });
        println!("{out}");
        return;
    }
    println!("Database ready: {}", done.database);
    if let Some(path) = &done.key_file_written {
        println!(
            "Wrote a new master key to {} (owner-only). Back it up: without it the stored \
             credentials cannot be read.",
            path.display()
        );
    }
    match &done.admin_key {
        Some(key) => {
            println!(
                "\nThe first admin hub key (shown once; copy it now):\n\n    {}\n",
                key.expose_secret()
            );
            println!(
                "Sign in at http://{}/signin, or call the API with `Authorization: Bearer <key>`.",
                settings.listen
            );
        }
        None => println!("The database already has hub keys; no new key was created."),
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let keyring = Keyring::open(key_source(&settings))?;
    let hub = Hub::start(settings.clone(), keyring).await?;
    if hub.count_keys().await? == 0 {
        eprintln!("No hub keys yet: run `connector-hub init` to create the first admin key.");
    }
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {}: {e}; pick another with --listen",
                settings.listen
            )
        })?;
    let addr = listener.local_addr()?;
    eprintln!(
        "connector-hub listening on http://{addr} (database: {}); open http://{addr}/signin",
        hub.database_name()
    );
    tokio::spawn(connector_hub::schedule::run(hub.clone()));
    tokio::spawn(connector_hub::webhooks::run(hub.clone()));
    let limits = ServeLimits {
        header_read_timeout: Duration::from_secs_f64(settings.header_read_timeout),
        max_connections: connection_cap(settings.max_connections),
    };
    let app = connector_hub::router(hub.clone());
    connector_hub::http::serve::serve(listener, app, limits, shutdown()).await;
    hub.close().await;
    Ok(())
}

async fn shutdown() {
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

async fn create_admin_key(settings: Settings, name: &str, json: bool) -> anyhow::Result<()> {
    let keyring = Keyring::open(key_source(&settings))?;
    let hub = Hub::start(settings, keyring).await?;
    let issued = hub
        .issue_key(name, &Scope::ALL, "connector-hub admin-key create")
        .await;
    hub.close().await;
    let (row, new) = issued?;
    if json {
        let out = serde_json::json!({
            "id": row.id,
            "name": row.name,
            "admin_key": new.text.expose_secret(),
        });
        println!("{out}");
    } else {
        println!(
            "A new admin hub key ({}), shown once; copy it now:\n\n    {}\n\nThe audit log \
             records its creation. Revoke the keys you no longer trust on the Keys page.",
            row.id,
            new.text.expose_secret()
        );
    }
    Ok(())
}

async fn rotate(settings: Settings) -> anyhow::Result<()> {
    if let KeySource::Env(_) = key_source(&settings) {
        return Err(connector_hub::rotate::RotateError::NeedsFile.into());
    }
    let done = connector_hub::rotate::rotate(&settings.database, &settings.master_key_file, |n| {
        if n % 1000 == 0 {
            eprintln!("re-encrypted {n} accounts…");
        }
    })
    .await?;
    println!(
        "Master key {} is now current; {} accounts re-encrypted.",
        done.new_key_id, done.resealed
    );
    if !done.retired.is_empty() {
        println!("Removed from the keyring: {}.", done.retired.join(", "));
    }
    Ok(())
}

async fn import(
    settings: Settings,
    file: &std::path::Path,
    owner: Option<&str>,
    check_now: bool,
) -> anyhow::Result<()> {
    let keyring = Keyring::open(key_source(&settings))?;
    let hub = Hub::start(settings, keyring).await?;
    let input: Box<dyn std::io::BufRead> = if file.as_os_str() == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        let opened = std::fs::File::open(file)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
        Box::new(std::io::BufReader::new(opened))
    };
    let report = hub
        .import(input, owner, check_now, |n| {
            if n % 10_000 == 0 {
                eprintln!("imported {n} accounts…");
            }
        })
        .await?;
    hub.close().await;
    for (line, why) in report.skipped.iter().take(20) {
        eprintln!("line {line} skipped: {why}");
    }
    if report.skipped.len() > 20 {
        eprintln!("… and {} more lines skipped", report.skipped.len() - 20);
    }
    println!(
        "Imported {} accounts ({} lines skipped); the schedule verifies them{}.",
        report.imported,
        report.skipped.len(),
        if check_now {
            " now"
        } else {
            " over the next interval"
        }
    );
    Ok(())
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
        match cli.command {
            Command::Serve {
                common,
                listen,
                init: run_init,
            } => {
                let settings = settings(cli.config.as_ref(), &common, listen)?;
                if run_init {
                    let done = init(&settings).await?;
                    print_init(&done, &settings, false);
                }
                serve(settings).await
            }
            Command::Init { common, json } => {
                let settings = settings(cli.config.as_ref(), &common, None)?;
                let done = init(&settings).await?;
                print_init(&done, &settings, json);
                Ok(())
            }
            Command::AdminKey {
                action: AdminKeyAction::Create { common, name, json },
            } => {
                let settings = settings(cli.config.as_ref(), &common, None)?;
                create_admin_key(settings, &name, json).await
            }
            Command::RotateMasterKey { common } => {
                rotate(settings(cli.config.as_ref(), &common, None)?).await
            }
            Command::Import {
                common,
                file,
                owner,
                check_now,
            } => {
                let settings = settings(cli.config.as_ref(), &common, None)?;
                import(settings, &file, owner.as_deref(), check_now).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
