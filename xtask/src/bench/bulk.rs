//! The loopback bench: for each size, `connector check --bulk` and the bare reference loop,
//! round by round, against the loopback server; the medians, the paired ratio and the targets.

use std::path::Path;
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::time::Duration;

use anyhow::bail;

use super::process::{measure, Measured};
use super::{server, workload};

/// Bulk rate as a share of the bare loop's: at least this.
const TARGET_RATIO: f64 = 0.85;
/// Peak memory of the bulk run at the largest size: under this.
const TARGET_PEAK_MIB: f64 = 64.0;
/// Peak memory growth from the smallest to the largest size: at most this.
const TARGET_GROWTH_MIB: f64 = 4.0;

/// What to measure.
pub(super) struct Plan<'a> {
    pub sizes: &'a [u64],
    pub repeat: usize,
    pub concurrency: usize,
    pub connector: &'a Path,
    pub reference: &'a Path,
}

/// Runs every size and prints its row, then the targets.
pub(super) fn run(plan: &Plan<'_>) -> anyhow::Result<ExitCode> {
    let (sizes, repeat, concurrency) = (plan.sizes, plan.repeat, plan.concurrency);
    let connector = plan.connector;
    let loopback = Loopback::start()?;
    let bench = loopback.bench(connector, plan.reference, concurrency);
    let base = &loopback.base;

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
    for &lines in sizes {
        let row = bench.size(lines, repeat)?;
        print_row(&row);
        rows.push(row);
    }
    print_targets(&rows);
    Ok(ExitCode::SUCCESS)
}

/// The loopback server (on a runtime of its own) and a scratch directory, for one bench.
pub(super) struct Loopback {
    /// Serves the server until dropped.
    _runtime: tokio::runtime::Runtime,
    pub base: String,
    dir: tempfile::TempDir,
}

impl Loopback {
    pub(super) fn start() -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let address = runtime.block_on(server::start())?;
        Ok(Self {
            _runtime: runtime,
            base: format!("http://{address}"),
            dir: tempfile::tempdir()?,
        })
    }

    /// The two contenders against this server.
    pub(super) fn bench<'a>(
        &'a self,
        connector: &'a Path,
        reference: &'a Path,
        concurrency: usize,
    ) -> Bench<'a> {
        Bench {
            connector,
            reference,
            base: &self.base,
            dir: self.dir.path(),
            concurrency,
        }
    }
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

/// The two contenders against one loopback server, their files in `dir`.
pub(super) struct Bench<'a> {
    pub connector: &'a Path,
    pub reference: &'a Path,
    pub base: &'a str,
    pub dir: &'a Path,
    pub concurrency: usize,
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
        let mut command = self.bulk_command(input)?;
        let measured = measure(&mut command)?;
        self.check_bulk(measured.status, lines)?;
        Ok(measured)
    }

    /// The bulk run's command, its output going to files in the bench's directory.
    pub(super) fn bulk_command(&self, input: &Path) -> anyhow::Result<Command> {
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
            .stdout(std::fs::File::create(self.dir.join("bulk.out"))?)
            .stderr(std::fs::File::create(self.dir.join("bulk.err"))?);
        Ok(command)
    }

    /// Fails unless the bulk run succeeded and every line got the result its key asks for.
    pub(super) fn check_bulk(&self, status: ExitStatus, lines: u64) -> anyhow::Result<()> {
        let summary = std::fs::read_to_string(self.dir.join("bulk.err")).unwrap_or_default();
        if !status.success() {
            bail!("connector check --bulk failed ({status}): {summary}");
        }
        let counts = count_statuses(&self.dir.join("bulk.out"))?;
        let expected = workload::expected_counts(lines);
        if counts != expected {
            bail!(
                "connector check --bulk gave {counts:?} (verified, rejected, forbidden) for {lines} lines, expected {expected:?}: {summary}"
            );
        }
        Ok(())
    }

    /// The bare reqwest loop, as a child process; checks it got the expected answers.
    fn bare(&self, lines: u64) -> anyhow::Result<Measured> {
        let mut command = self.bare_command(lines)?;
        let measured = measure(&mut command)?;
        self.check_bare(measured.status, lines)?;
        Ok(measured)
    }

    /// The bare loop's command, its counts going to a file in the bench's directory.
    pub(super) fn bare_command(&self, lines: u64) -> anyhow::Result<Command> {
        let mut command = Command::new(self.reference);
        command
            .args(["bench", "--reference-url", self.base])
            .args(["--lines", &lines.to_string()])
            .args(["--concurrency", &self.concurrency.to_string()])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(self.dir.join("bare.out"))?)
            .stderr(Stdio::inherit());
        Ok(command)
    }

    /// Fails unless the bare loop succeeded and got the answers its keys ask for.
    pub(super) fn check_bare(&self, status: ExitStatus, lines: u64) -> anyhow::Result<()> {
        let said = std::fs::read_to_string(self.dir.join("bare.out")).unwrap_or_default();
        let [ok, revoked, forbidden] = workload::expected_counts(lines);
        let expected = format!("200={ok} 401={revoked} 403={forbidden} other=0");
        if !status.success() || said.trim() != expected {
            bail!(
                "the reference loop said `{}`, expected `{expected}`",
                said.trim()
            );
        }
        Ok(())
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
