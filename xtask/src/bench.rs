//! `cargo xtask bench`: `connector check --bulk` against a bare reqwest loop, on loopback.
//!
//! Starts a loopback server answering like the providers ([`server`]), writes JSON-lines inputs
//! of each size ([`workload`]), then for each size runs, with the same concurrency, the
//! release-built `connector check --bulk` and the bare reference loop ([`reference`]), each as a
//! child process whose wall time and peak memory are measured the same way ([`process`]).
//! Prints checks per second for both, their ratio and peak memory, against the targets of
//! issue 5. Re-runs itself from a release build first, so server and reference are optimised.
//!
//! `cargo xtask bench hub` measures the hub's re-verification pass ([`hub`]; `--latency`:
//! [`hub_latency`]), `cargo xtask bench proxy` its proxy ([`proxy`]).
//!
//! `--author` measures something else: an author's edit-to-verdict loop, a definition file
//! against a connector crate ([`author`]).

mod author;
mod hub;
mod hub_latency;
mod hub_process;
mod key_counts;
mod latency;
mod process;
mod proxy;
mod reference;
mod server;
mod workload;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use anyhow::{bail, Context as _};

use self::process::{measure, Measured};

/// Bulk rate as a share of the bare loop's: at least this.
const TARGET_RATIO: f64 = 0.85;
/// Peak memory of the bulk run at the largest size: under this.
const TARGET_PEAK_MIB: f64 = 64.0;
/// Peak memory growth from the smallest to the largest size: at most this.
const TARGET_GROWTH_MIB: f64 = 4.0;

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

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let address = runtime.block_on(server::start())?;
    let base = format!("http://{address}");
    let dir = tempfile::tempdir()?;
    let bench = Bench {
        connector: &connector,
        reference: &reference,
        base: &base,
        dir: dir.path(),
        concurrency,
    };

    println!(
        "bench: {} cores, concurrency {}, {} run(s) per size (median), server {base}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        concurrency,
        repeat,
    );
    println!("connector: {}", connector.display());
    // Warm up: page cache, binaries, loopback; not reported.
    bench.size(1_000, 1)?;

    let mut rows = Vec::new();
    for &lines in &sizes {
        let row = bench.size(lines, repeat)?;
        print_row(&row);
        rows.push(row);
    }
    print_targets(&rows);
    drop(runtime);
    Ok(ExitCode::SUCCESS)
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

/// One size's figures: medians over the runs.
#[derive(Debug)]
struct Row {
    lines: u64,
    bulk: Figures,
    bare: Figures,
    /// The median of each round's rate ratio (bulk over the bare run right after it): steadier
    /// than the ratio of the medians when the machine's speed moves between rounds.
    paired: f64,
}

#[derive(Debug, Clone, Copy)]
struct Figures {
    elapsed: Duration,
    peak_rss_kib: u64,
    /// User and system time: steadier than the wall time when the machine is shared.
    cpu: Duration,
}

impl Figures {
    fn rate(&self, lines: u64) -> f64 {
        lines as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// CPU time per line, in microseconds.
    fn cpu_micros(&self, lines: u64) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / lines.max(1) as f64
    }

    fn peak_mib(&self) -> f64 {
        self.peak_rss_kib as f64 / 1024.0
    }

    /// Median time and median peak memory of several runs.
    fn median(runs: &mut [Measured]) -> Self {
        runs.sort_by_key(|m| m.elapsed);
        let elapsed = runs[runs.len() / 2].elapsed;
        runs.sort_by_key(|m| m.peak_rss_kib);
        let peak_rss_kib = runs[runs.len() / 2].peak_rss_kib;
        runs.sort_by_key(|m| m.cpu);
        let cpu = runs[runs.len() / 2].cpu;
        Self {
            elapsed,
            peak_rss_kib,
            cpu,
        }
    }
}

struct Bench<'a> {
    connector: &'a Path,
    reference: &'a Path,
    base: &'a str,
    dir: &'a Path,
    concurrency: usize,
}

impl Bench<'_> {
    /// Measures both contenders at one size, alternating them run by run.
    fn size(&self, lines: u64, repeat: usize) -> anyhow::Result<Row> {
        let input = self.dir.join(format!("input-{lines}.jsonl"));
        workload::write_input(&input, lines)?;
        let mut bulk = Vec::new();
        let mut bare = Vec::new();
        for _ in 0..repeat {
            bulk.push(self.bulk(&input, lines)?);
            bare.push(self.bare(lines)?);
        }
        let paired = paired_ratio(&bulk, &bare);
        Ok(Row {
            lines,
            bulk: Figures::median(&mut bulk),
            bare: Figures::median(&mut bare),
            paired,
        })
    }

    /// `connector check --bulk`, stdout to a file; then checks every line got its result.
    fn bulk(&self, input: &Path, lines: u64) -> anyhow::Result<Measured> {
        let stdout = self.dir.join("bulk.out");
        let stderr = self.dir.join("bulk.err");
        let concurrency = self.concurrency.to_string();
        let mut command = Command::new(self.connector);
        command
            .args(["check", "--bulk"])
            .arg(input)
            .args(["--concurrency", &concurrency])
            .arg("--base-url")
            .arg(format!("{}={}", workload::POLYTOMIC, self.base))
            .arg("--base-url")
            .arg(format!("{}={}", workload::SMARTRECRUITERS, self.base))
            .env_remove("RUST_LOG")
            .env_remove("CONNECTOR_CONFIG")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout)?)
            .stderr(std::fs::File::create(&stderr)?);
        let measured = measure(&mut command)?;
        let summary = std::fs::read_to_string(&stderr).unwrap_or_default();
        if !measured.status.success() {
            bail!(
                "connector check --bulk failed ({}): {summary}",
                measured.status
            );
        }
        let counts = count_statuses(&stdout)?;
        let expected = workload::expected_counts(lines);
        if counts != expected {
            bail!(
                "connector check --bulk gave {counts:?} (verified, rejected, forbidden) for {lines} lines, expected {expected:?}: {summary}"
            );
        }
        Ok(measured)
    }

    /// The bare reqwest loop, as a child process; checks it got the expected answers.
    fn bare(&self, lines: u64) -> anyhow::Result<Measured> {
        let stdout = self.dir.join("bare.out");
        let mut command = Command::new(self.reference);
        command
            .args(["bench", "--reference-url", self.base])
            .args(["--lines", &lines.to_string()])
            .args(["--concurrency", &self.concurrency.to_string()])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout)?)
            .stderr(Stdio::inherit());
        let measured = measure(&mut command)?;
        let said = std::fs::read_to_string(&stdout).unwrap_or_default();
        let [ok, revoked, forbidden] = workload::expected_counts(lines);
        let expected = format!("200={ok} 401={revoked} 403={forbidden} other=0");
        if !measured.status.success() || said.trim() != expected {
            bail!(
                "the reference loop said `{}`, expected `{expected}`",
                said.trim()
            );
        }
        Ok(measured)
    }
}

/// Counts `verified`, `rejected` and `forbidden` lines in bulk output; any other status fails.
fn count_statuses(path: &Path) -> anyhow::Result<[u64; 3]> {
    let text = std::fs::read_to_string(path)?;
    let mut counts = [0; 3];
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line)?;
        match value["status"].as_str() {
            Some("verified") => counts[0] += 1,
            Some("rejected") => counts[1] += 1,
            Some("forbidden") => counts[2] += 1,
            _ => bail!("unexpected bulk result: {line}"),
        }
    }
    Ok(counts)
}

/// The median over rounds of bulk's rate over the bare loop's (the bare run's time over
/// bulk's), each round's two runs taken one after the other.
fn paired_ratio(bulk: &[Measured], bare: &[Measured]) -> f64 {
    let mut ratios: Vec<f64> = bulk
        .iter()
        .zip(bare)
        .map(|(bulk, bare)| bare.elapsed.as_secs_f64() / bulk.elapsed.as_secs_f64().max(1e-9))
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios.get(ratios.len() / 2).copied().unwrap_or(0.0)
}

fn print_row(row: &Row) {
    let bulk = row.bulk.rate(row.lines);
    let bare = row.bare.rate(row.lines);
    println!(
        "{:>7} lines: bulk {:>7.0} checks/s ({:>6.2} s, peak {:>5.1} MiB, CPU {:>4.1} µs/check) | bare reqwest {:>7.0} checks/s ({:>6.2} s, peak {:>5.1} MiB, CPU {:>4.1} µs/check) | ratio {:.2} (paired {:.2}), CPU ratio {:.2}",
        row.lines,
        bulk,
        row.bulk.elapsed.as_secs_f64(),
        row.bulk.peak_mib(),
        row.bulk.cpu_micros(row.lines),
        bare,
        row.bare.elapsed.as_secs_f64(),
        row.bare.peak_mib(),
        row.bare.cpu_micros(row.lines),
        bulk / bare,
        row.paired,
        row.bare.cpu.as_secs_f64() / row.bulk.cpu.as_secs_f64().max(1e-9),
    );
}

fn print_targets(rows: &[Row]) {
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return;
    };
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    let worst_ratio = rows
        .iter()
        .map(|r| r.bulk.rate(r.lines) / r.bare.rate(r.lines))
        .fold(f64::INFINITY, f64::min);
    let growth = last.bulk.peak_mib() - first.bulk.peak_mib();
    println!("targets:");
    println!(
        "  rate ratio >= {TARGET_RATIO}: {} (lowest {worst_ratio:.2})",
        verdict(worst_ratio >= TARGET_RATIO)
    );
    println!(
        "  peak memory at {} lines < {TARGET_PEAK_MIB} MiB: {} ({:.1} MiB)",
        last.lines,
        verdict(last.bulk.peak_mib() < TARGET_PEAK_MIB),
        last.bulk.peak_mib()
    );
    println!(
        "  peak memory growth {} -> {} lines <= {TARGET_GROWTH_MIB} MiB: {} ({growth:+.1} MiB)",
        first.lines,
        last.lines,
        verdict(growth <= TARGET_GROWTH_MIB)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt as _;

    fn run(seconds: f64) -> Measured {
        Measured {
            status: std::process::ExitStatus::from_raw(0),
            elapsed: Duration::from_secs_f64(seconds),
            peak_rss_kib: 0,
            cpu: Duration::ZERO,
        }
    }

    #[test]
    fn the_paired_ratio_is_the_median_of_each_rounds_ratio() {
        // Round by round: 1/2, 3/4 and 1/1; a slow round for both leaves its ratio alone.
        let bulk = [run(2.0), run(4.0), run(1.0)];
        let bare = [run(1.0), run(3.0), run(1.0)];
        assert_eq!(paired_ratio(&bulk, &bare), 0.75);
        assert_eq!(paired_ratio(&[], &[]), 0.0);
    }
}
