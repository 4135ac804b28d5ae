//! `connector`: list the registered connectors, describe one, and check real API keys against
//! their providers.

mod bulk;
mod check;
mod credentials;
mod describe;
mod run;
mod settings;
mod urls;
mod usage;

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use connector_core::Status;

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
        #[arg(long)]
        json: bool,
    },
    /// Check a credential against its provider and report exactly what is wrong.
    #[command(after_help = check::AFTER_HELP)]
    Check(CheckArgs),
    /// Run a connector's action, e.g. mint an API key with a Polytomic partner key.
    #[command(after_help = run::AFTER_HELP)]
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Connector id, e.g. `polytomic` (see `connector list`); not used with --bulk.
    #[arg(required_unless_present = "bulk")]
    pub id: Option<String>,
    /// JSON object of field values (`{"api_key": "…"}`) from FILE, or `-` for stdin. Without it,
    /// each field is read from its environment variable (see `connector describe ID`).
    #[arg(long, value_name = "FILE|-")]
    pub credentials: Option<String>,
    /// Credential variant, e.g. `partner` for Polytomic; defaults to the connector's first.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// Replace the provider's API base URL, path prefix included (proxies, tests): `URL`; or a
    /// named origin of the connector: `NAME=URL`, e.g. `auth=http://127.0.0.1:8081` for
    /// Greenhouse's token endpoint. With --bulk, per connector: `ID=URL` or `ID.NAME=URL`, e.g.
    /// `greenhouse.auth=http://127.0.0.1:8081`. May hold `{field}` placeholders; repeatable.
    #[arg(long, value_name = "[NAME=]URL")]
    pub base_url: Vec<String>,
    /// Build the request(s) the check would send and print them, every secret masked, without
    /// sending anything; exit 0 when the input is valid, 2 when not. With --json, one object:
    /// {"connector", "variant", "requests": [{"method", "url", "headers", "body"}]}.
    #[arg(long, conflicts_with = "bulk")]
    pub dry_run: bool,
    /// Check many credentials: JSON lines from FILE, or `-` for stdin, each
    /// `{"id": …, "connector": …, "variant": … (optional), "credentials": {…}}`.
    /// Prints one JSON line per input line, in input order. Ctrl-C stops it keeping the
    /// finished lines (exit 130).
    #[arg(long, value_name = "FILE|-", conflicts_with_all = ["credentials", "variant", "id"])]
    pub bulk: Option<String>,
    /// With --bulk: the most requests in flight at once.
    #[arg(long, value_name = "N", requires = "bulk")]
    pub concurrency: Option<usize>,
    /// With --bulk: the most requests in flight to one host, e.g. to spare a provider's API or
    /// a customer's own server [default: --concurrency]. Whatever the cap, a host is sent one
    /// request until it has answered once, then at most its share of --concurrency over the
    /// hosts in progress, so that checks reuse its connections instead of opening more.
    #[arg(long, value_name = "N", requires = "bulk")]
    pub host_concurrency: Option<usize>,
    /// With --bulk: cap requests per second to one connector's host, as ID=N; repeatable. A
    /// connector that declares a bulk rate of its own (see `connector describe ID`) keeps it
    /// unless this overrides it.
    #[arg(long, value_name = "ID=N", requires = "bulk")]
    pub rate: Vec<String>,
    /// Deadline for the whole check, retries included, in seconds [default: 10]. With --bulk,
    /// bounds each check.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Retries for 429 and 5xx answers within the deadline [default: 2].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Print one JSON object instead of a report (--bulk always prints JSON lines).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub network: settings::NetworkArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Connector id, e.g. `polytomic`.
    pub id: String,
    /// Action id, e.g. `create-api-key` (see `connector describe ID`).
    pub action: String,
    /// Credential variant; defaults to the one the action needs.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// JSON object of credential field values from FILE, or `-` for stdin; otherwise read from
    /// the variant's environment variables.
    #[arg(long, value_name = "FILE|-")]
    pub credentials: Option<String>,
    /// JSON object of input values from FILE, or `-` for stdin.
    #[arg(long, value_name = "FILE|-")]
    pub input: Option<String>,
    /// Set a non-secret input, e.g. `--set org_id=…`; repeatable, overrides --input.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Replace the provider's API base URL, path prefix included: `URL`; or a named origin of
    /// the connector: `NAME=URL`. May hold `{field}` placeholders; repeatable.
    #[arg(long, value_name = "[NAME=]URL")]
    pub base_url: Vec<String>,
    /// Deadline for the whole action, in seconds [default: 10].
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Retries for 429 (and 5xx when the request is safe to repeat) [default: 2].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Write secret outputs to FILE instead of stdout: a new file (created owner-only) or an
    /// empty regular file you own (made owner-only); links and other files are refused.
    #[arg(long, value_name = "FILE")]
    pub output: Option<String>,
    /// Print one JSON object instead of a report.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub network: settings::NetworkArgs,
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
    let result = match cli.command {
        Command::List { json } => describe::list(json),
        Command::Describe { id, json } => describe::describe(&id, json),
        Command::Check(args) if args.bulk.is_some() => settings::Settings::load(config)
            .and_then(|settings| block_on(bulk::run(&args, &settings))?),
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
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

/// Debug builds only: `CONNECTOR_TEST_PANIC=<place>` panics at that place, so the tests can prove
/// a panic becomes `unexpected` without its payload. Release builds have no such switch.
pub fn panic_for_tests(place: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("CONNECTOR_TEST_PANIC").is_ok_and(|v| v == place) {
        panic!("test panic carrying a secret: sk_live_0123456789abcdef");
    }
    #[cfg(not(debug_assertions))]
    let _ = place;
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
