//! `cargo xtask bench`: `connector check --bulk` against a bare reqwest loop, on loopback.
//!
//! Starts a loopback server answering like the providers ([`server`]), writes JSON-lines inputs
//! of each size ([`workload`]), then for each size runs, with the same concurrency, the
//! release-built `connector check --bulk` and the bare reference loop ([`reference`]), each as a
//! child process whose wall time and peak memory are measured the same way ([`process`]); the
//! rounds, rows and targets are in [`bulk`]. Re-runs itself from a release build first, so
//! server and reference are optimised.
//!
//! `cargo xtask bench hub` measures the hub's re-verification pass ([`hub`]; `--latency`:
//! [`hub_latency`]), `cargo xtask bench proxy` its proxy ([`proxy`]).
//!
//! `--author` measures something else: an author's edit-to-verdict loop, a definition file
//! against a connector crate ([`author`]).

mod author;
mod bulk;
mod hub;
mod hub_latency;
mod hub_process;
mod instructions;
mod key_counts;
mod latency;
mod process;
mod proxy;
mod reference;
mod server;
mod workload;

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use anyhow::{bail, Context as _};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// What to measure instead of `connector check --bulk`.
    #[command(subcommand)]
    target: Option<Target>,
    /// Input sizes, in lines; repeatable [default: 20000 and 100000].
    #[arg(long, value_name = "N")]
    lines: Vec<u64>,
    /// A fast smoke run: 2000 and 10000 lines, measured once.
    #[arg(long)]
    quick: bool,
    /// Requests in flight, for both the bulk run and the bare loop [default: 64; with --latency:
    /// 256].
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Bulk checks at internet latency: a loopback HTTPS server answering every host under a
    /// test domain after --delay-ms, --checks spread over --hosts customer hosts (a
    /// placeholder-host connector, --resolve and --ca-cert), against a bare reqwest loop; then
    /// once more at --memory-concurrency for peak memory. Figures in the README.
    #[arg(long)]
    latency: bool,
    /// With --latency: how long the server takes to answer, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 50)]
    delay_ms: u64,
    /// With --latency: distinct customer hosts [default: 2000; with --quick: 200].
    #[arg(long, value_name = "N")]
    hosts: Option<u64>,
    /// With --latency: checks in all [default: 50000; with --quick: 5000].
    #[arg(long, value_name = "N")]
    checks: Option<u64>,
    /// With --latency: the concurrency of the second run, measured for memory.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    memory_concurrency: usize,
    /// The author's loop instead: edit a definition and re-run its conformance suite (load and
    /// suite, nothing compiled; goal under 1 s), against today's crate loop (touch a connector's
    /// spec.rs, then an incremental `cargo run -p xtask -- conformance --connector ID`). Prints
    /// both times and their ratio. Runs in the profile `cargo xtask` uses (no release rebuild);
    /// --repeat sets the definition rounds, the crate loop runs once.
    #[arg(long)]
    author: bool,
    /// Instead of timing them, count the instructions a bulk check and a bare request execute
    /// (valgrind's cachegrind, user space, the slope between 2,000 and 10,000 lines): steady to
    /// well under 1% where CPU time moves by 2x. Needs valgrind.
    #[arg(long, conflicts_with_all = ["latency", "author", "quick", "lines"])]
    instructions: bool,
    /// Runs per size and contender; the median is reported.
    #[arg(long, value_name = "N", default_value_t = 3)]
    repeat: usize,
    /// Use this `connector` binary instead of building it with `cargo build --release`.
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// Internal: run the bare reference loop against this server and exit.
    #[arg(long, value_name = "URL", hide = true)]
    reference_url: Option<String>,
    /// Internal: run the bare latency loop against the server on this port and exit.
    #[arg(long, value_name = "PORT", hide = true)]
    latency_reference_port: Option<u16>,
    /// Internal: the bare latency loop's extra CA.
    #[arg(long, value_name = "FILE", hide = true)]
    latency_reference_ca: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum Target {
    /// The hub: a full re-verification pass over seeded accounts, against `connector check
    /// --bulk` on the same keys; peak memory; CPU per account; accounts list latency under load.
    /// With --latency, the pass at internet latency (customer hosts over HTTPS, --processes).
    Hub(hub::Args),
    /// The hub's proxy: requests per second with many in flight against a bare reqwest loop to
    /// the same loopback provider, the latency it adds, its peak memory streaming a large answer.
    Proxy(proxy::Args),
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(target) = args.target {
        if cfg!(debug_assertions) {
            return rerun_in_release();
        }
        return match target {
            Target::Hub(hub_args) => hub::run(hub_args),
            Target::Proxy(proxy_args) => proxy::run(proxy_args),
        };
    }
    if args.author {
        return author::run(args.repeat);
    }
    let concurrency = args
        .concurrency
        .unwrap_or(if args.latency { 256 } else { 64 });
    if let Some(url) = &args.reference_url {
        let lines = args.lines.first().copied().unwrap_or(0);
        return reference::run(url, lines, concurrency);
    }
    if let (Some(port), Some(ca)) = (args.latency_reference_port, &args.latency_reference_ca) {
        return latency::reference(
            port,
            ca,
            args.checks.unwrap_or(0),
            args.hosts.unwrap_or(1),
            concurrency,
        );
    }
    if cfg!(debug_assertions) {
        return rerun_in_release();
    }
    if concurrency == 0 || args.repeat == 0 {
        bail!("--concurrency and --repeat must be at least 1");
    }
    if args.latency {
        let plan = latency::Plan {
            checks: args
                .checks
                .unwrap_or(if args.quick { 5_000 } else { 50_000 }),
            hosts: args.hosts.unwrap_or(if args.quick { 200 } else { 2_000 }),
            delay: Duration::from_millis(args.delay_ms),
            concurrency,
            memory_concurrency: args.memory_concurrency,
        };
        if plan.checks == 0 || plan.hosts == 0 || plan.memory_concurrency == 0 {
            bail!("--checks, --hosts and --memory-concurrency must be at least 1");
        }
        let connector = match &args.binary {
            Some(path) => path.clone(),
            None => build_connector()?,
        };
        let reference = std::env::current_exe().context("cannot find the xtask binary")?;
        return latency::run(&plan, &connector, &reference);
    }
    if args.instructions {
        let connector = match &args.binary {
            Some(path) => path.clone(),
            None => build_connector()?,
        };
        let reference = std::env::current_exe().context("cannot find the xtask binary")?;
        return instructions::run(&instructions::Plan {
            concurrency,
            connector: &connector,
            reference: &reference,
        });
    }
    let sizes = match (args.quick, args.lines.is_empty()) {
        (true, _) => vec![2_000, 10_000],
        (false, true) => vec![20_000, 100_000],
        (false, false) => args.lines.clone(),
    };
    let repeat = if args.quick { 1 } else { args.repeat };
    let connector = match &args.binary {
        Some(path) => path.clone(),
        None => build_connector()?,
    };
    let reference = std::env::current_exe().context("cannot find the xtask binary")?;

    bulk::run(&bulk::Plan {
        sizes: &sizes,
        repeat,
        concurrency,
        connector: &connector,
        reference: &reference,
    })
}

/// Re-runs `cargo xtask bench …` as a release build, so nothing measured is unoptimised.
fn rerun_in_release() -> anyhow::Result<ExitCode> {
    eprintln!("bench: re-running from a release build (cargo run --release -p xtask)");
    let status = Command::new(cargo())
        .args(["run", "--release", "--quiet", "--package", "xtask", "--"])
        .args(std::env::args_os().skip(1))
        .current_dir(crate::workspace_root())
        .status()
        .context("cannot run cargo")?;
    Ok(ExitCode::from(
        status.code().unwrap_or(1).clamp(0, 255) as u8
    ))
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Builds `connector` with `cargo build --release -p connector-cli`; returns the executable.
fn build_connector() -> anyhow::Result<PathBuf> {
    let mut built = build_release(&[("connector-cli", "connector")])?;
    Ok(built.remove(0))
}

/// Builds each `(package, binary)` with `cargo build --release`; returns the executables in
/// the same order.
fn build_release(binaries: &[(&str, &str)]) -> anyhow::Result<Vec<PathBuf>> {
    let packages: Vec<&str> = binaries.iter().map(|(p, _)| *p).collect();
    eprintln!(
        "bench: building {} (cargo build --release)",
        packages.join(", ")
    );
    let mut command = Command::new(cargo());
    command.args([
        "build",
        "--release",
        "--message-format=json-render-diagnostics",
    ]);
    for package in &packages {
        command.args(["--package", package]);
    }
    let output = command
        .current_dir(crate::workspace_root())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo build")?;
    if !output.status.success() {
        bail!("cargo build --release failed");
    }
    let messages: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    binaries
        .iter()
        .map(|(_, binary)| {
            messages
                .iter()
                .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == *binary)
                .find_map(|m| m["executable"].as_str().map(PathBuf::from))
                .with_context(|| format!("cargo build did not report the {binary} executable"))
        })
        .collect()
}
