//! `connector`: list the registered connectors, describe one, and check real API keys against
//! their providers.

mod args;
mod bulk;
mod check;
mod credentials;
mod describe;
mod run;
mod settings;
mod test_panic;
mod urls;
mod usage;

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use connector_core::Status;

use crate::args::{CheckArgs, RunArgs};
use crate::usage::UsageError;

/// Bulk checks allocate a little per line on every thread; mimalloc's per-thread heaps keep that
/// off a shared lock (measured by `cargo xtask bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const AFTER_HELP: &str = "\
Exit status of `check` and `run`: 0 verified or done, 2 usage error or invalid input,
3 rejected (401), 4 forbidden (403), 5 rate limited, 6 unavailable, 7 unexpected (also an
internal error), 8 not found (`run` only). `check --bulk` exits 0 when every line has its result,
and 130 when interrupted by Ctrl-C or SIGTERM (finished lines are kept; a second Ctrl-C stops at
once). The deadline (--timeout) bounds the whole process.

Settings are layered: built-in defaults, then a TOML config file (--config, or $CONNECTOR_CONFIG),
then environment variables (CONNECTOR_TIMEOUT, CONNECTOR_RETRIES, CONNECTOR_BASE_URLS__<ID>,
CONNECTOR_BASE_URLS__<ID>__<ORIGIN>, CONNECTOR_DNS_SERVERS), then flags. Base URLs: in the file,
[base_urls] with `polytomic = \"…\"` for a connector's API base URL and `\"greenhouse.auth\" = \"…\"`
for a named origin (Greenhouse's token endpoint); in the environment CONNECTOR_BASE_URLS__POLYTOMIC
and CONNECTOR_BASE_URLS__GREENHOUSE__AUTH; on the command line --base-url URL and NAME=URL (with
--bulk, ID=URL and ID.NAME=URL). Each has one entry per layer, whatever its spelling
(polymer_hire = polymer-hire), and may use the connector's {field} placeholders
(http://{subdomain}.localhost:8080); it takes no query string, fragment or user name.

DNS: by default names are resolved by the system. `dns_servers = [\"10.0.0.2:53\", \"[::1]\"]` in
the config file, or CONNECTOR_DNS_SERVERS=10.0.0.2:53,::1, asks those servers instead (UDP, then
TCP; port 53 when none is given), each query giving up within the deadline.

TLS and addresses: --ca-cert FILE (or `ca_cert = \"…\"`, CONNECTOR_CA_CERT, SSL_CERT_FILE) trusts the
certificate authorities of a PEM bundle besides the built-in ones, for corporate TLS inspection and
test servers. --resolve HOST:PORT:ADDR (or `resolve = [\"…\"]`, CONNECTOR_RESOLVE) connects to HOST at
ADDR without resolving it, as curl does; the connection still uses the URL's port.

Set RUST_LOG=debug to see requests (never keys) on stderr.";

#[derive(Debug, Parser)]
#[command(
    name = "connector",
    version,
    about = "Check API keys against their providers and describe how to create them",
    after_help = AFTER_HELP
)]
struct Cli {
    /// TOML config file with defaults (timeout, retries, dns_servers, ca_cert, resolve,
    /// [base_urls]).
    #[arg(long, global = true, value_name = "FILE", env = "CONNECTOR_CONFIG")]
    config: Option<PathBuf>,

    /// A directory of connector definition files: every `*.toml` in it joins the compiled
    /// connectors for this command (list, describe, check, run). Each file is checked first;
    /// a definition may not reuse a compiled connector's id. Setting: `definitions`.
    #[arg(long, global = true, value_name = "DIR", env = "CONNECTOR_DEFINITIONS")]
    definitions: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the connectors: id, name, category and how the key is sent.
    List {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show a connector's fields, how the key is sent and verified, and its setup guide.
    Describe {
        /// Connector id, e.g. `polytomic` (see `connector list`).
        id: String,
        /// Print the connector's catalog entry as JSON.
        #[arg(long, conflicts_with = "definition")]
        json: bool,
        /// Print the connector as a definition file: TOML starting with `id = "ID"`, holding
        /// everything it declares (fields, auth, verification, proof, actions, setup guide), in
        /// canonical form; docs/definition.schema.json describes it.
        #[arg(long)]
        definition: bool,
    },
    /// Check a credential against its provider and report exactly what is wrong.
    #[command(after_help = check::AFTER_HELP)]
    Check(CheckArgs),
    /// Run a connector's action, e.g. mint an API key with a Polytomic partner key.
    #[command(after_help = run::AFTER_HELP)]
    Run(RunArgs),
}

fn main() -> ExitCode {
    install_panic_hook();
    init_tracing();
    let cli = Cli::parse();
    // The hook has already said where; the payload is never printed (it could hold a secret).
    std::panic::catch_unwind(AssertUnwindSafe(|| dispatch(cli)))
        .unwrap_or_else(|_| ExitCode::from(Status::Unexpected.exit_code()))
}

fn dispatch(cli: Cli) -> ExitCode {
    let config = cli.config.as_deref();
    if let Err(error) = settings::load_definitions(cli.definitions.as_deref(), config) {
        eprintln!("error: {error}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::List { json } => describe::list(json),
        Command::Describe {
            id,
            json,
            definition,
        } => describe::describe(&id, json, definition),
        Command::Check(args) if args.bulk.is_some() => settings::Settings::load(config)
            .and_then(|settings| block_on_one_thread(bulk::run(&args, &settings))?),
        Command::Check(args) => settings::Settings::load(config)
            .and_then(|settings| block_on(check::run(&args, &settings))?),
        Command::Run(args) => settings::Settings::load(config)
            .and_then(|settings| block_on(run::run(&args, &settings))?),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// Runs `future` to completion on a fresh runtime, then shuts the runtime down without waiting
/// for what is still pending (a name lookup stuck in a blocking thread, a request past its
/// deadline): the deadline bounds the whole process, not just the report. A panic inside is
/// passed on once the runtime is gone.
fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, UsageError> {
    run_on(tokio::runtime::Builder::new_multi_thread(), future)
}

/// [`block_on`] on one thread: for a bulk run, whose checks run on threads of their own and
/// whose reading and writing of lines need no more.
fn block_on_one_thread<F: std::future::Future>(future: F) -> Result<F::Output, UsageError> {
    run_on(tokio::runtime::Builder::new_current_thread(), future)
}

fn run_on<F: std::future::Future>(
    mut builder: tokio::runtime::Builder,
    future: F,
) -> Result<F::Output, UsageError> {
    let runtime = builder
        .enable_all()
        .build()
        .map_err(|e| UsageError::new(format!("cannot start the async runtime: {e}")))?;
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(future)));
    runtime.shutdown_background();
    result.map_err(|payload| std::panic::resume_unwind(payload))
}

/// A panic prints one line on stderr, where it happened, and nothing else: no payload (it could
/// quote a secret) and no backtrace. `main` then exits with the `unexpected` status.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        use std::io::Write;
        let line = internal_error_line(info.location());
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }));
}

fn internal_error_line(location: Option<&std::panic::Location<'_>>) -> String {
    let place = location
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    format!("error: internal error{place} (status unexpected, exit code 7); please report it")
}

/// Logs go to stderr, off unless RUST_LOG asks for them. Spans carry connector, endpoint, status
/// and timing only.
fn init_tracing() {
    let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() else {
        return;
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn the_runtime_is_not_waited_for_after_the_command() {
        let started = Instant::now();
        let value = block_on(async {
            // Like a getaddrinfo call that never returns.
            drop(tokio::task::spawn_blocking(|| {
                std::thread::sleep(Duration::from_secs(5))
            }));
            7
        })
        .unwrap();
        assert_eq!(value, 7);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_panic_inside_the_runtime_is_passed_on_after_shutdown() {
        let caught = std::panic::catch_unwind(|| {
            block_on(async {
                drop(tokio::task::spawn_blocking(|| {
                    std::thread::sleep(Duration::from_secs(5))
                }));
                panic!("inside")
            })
        });
        assert!(caught.is_err());
    }

    #[test]
    fn the_panic_line_names_the_place_only() {
        let line = internal_error_line(Some(std::panic::Location::caller()));
        assert!(line.starts_with("error: internal error at "), "{line}");
        assert!(line.contains("main.rs:"), "{line}");
        assert!(
            line.ends_with("(status unexpected, exit code 7); please report it"),
            "{line}"
        );
        assert!(!line.contains('\n'));
    }
}
