//! `cargo xtask bench --instructions`: the instructions a bulk check and a bare request execute,
//! counted by valgrind's cachegrind. On a shared machine the CPU time of the same work moves by
//! up to 2x between runs; an instruction count moves by well under 1%, so a change of a few
//! percent shows. It counts user space only (not the kernel's share of sending and receiving)
//! and says nothing of cache misses, so it complements the timed bench rather than replacing it.
//!
//! Each contender runs at two sizes under valgrind, and the count per check is the slope between
//! them, so the start-up work (argument parsing, the client's certificate store) drops out.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use anyhow::{bail, Context as _};

use super::bulk::{Bench, Loopback};
use super::workload;

/// The two sizes whose difference is measured.
const SMALL: u64 = 2_000;
const LARGE: u64 = 10_000;

/// What to measure.
pub(super) struct Plan<'a> {
    pub concurrency: usize,
    pub connector: &'a Path,
    pub reference: &'a Path,
}

/// Counts both contenders at both sizes and prints instructions per check and their ratio.
pub(super) fn run(plan: &Plan<'_>) -> anyhow::Result<ExitCode> {
    let version = Command::new("valgrind").arg("--version").output();
    if !version.is_ok_and(|v| v.status.success()) {
        bail!(
            "--instructions counts with valgrind, which is not installed here: install it \
             (Debian: apt-get install valgrind) or use the timed bench"
        );
    }
    let loopback = Loopback::start()?;
    let bench = loopback.bench(plan.connector, plan.reference, plan.concurrency);
    println!(
        "bench --instructions: cachegrind, user space, slope between {SMALL} and {LARGE} lines, concurrency {}",
        plan.concurrency
    );
    println!("connector: {}", plan.connector.display());
    let mut per_check = [0.0; 2];
    for (i, contender) in [Contender::Bulk, Contender::Bare].into_iter().enumerate() {
        let mut counts = [0u64; 2];
        for (count, lines) in counts.iter_mut().zip([SMALL, LARGE]) {
            eprintln!(
                "bench: {} at {lines} lines under valgrind",
                contender.name()
            );
            *count = counted(&bench, contender, lines)?;
        }
        per_check[i] = slope(counts, [SMALL, LARGE]);
    }
    let [bulk, bare] = per_check;
    println!(
        "instructions per check: bulk {:.1}k | bare reqwest {:.1}k | bulk/bare {:.2}",
        bulk / 1e3,
        bare / 1e3,
        bulk / bare.max(1.0)
    );
    Ok(ExitCode::SUCCESS)
}

/// What is counted: `connector check --bulk`, or the bare reqwest loop.
#[derive(Debug, Clone, Copy)]
enum Contender {
    Bulk,
    Bare,
}

impl Contender {
    /// Its name, which is also the stem of the output file its results are read from.
    fn name(self) -> &'static str {
        match self {
            Contender::Bulk => "bulk",
            Contender::Bare => "bare",
        }
    }
}

/// Runs one contender at `lines` under cachegrind, checks its results, and returns the
/// instructions its process executed.
fn counted(bench: &Bench<'_>, contender: Contender, lines: u64) -> anyhow::Result<u64> {
    let name = contender.name();
    let log = bench.dir.join(format!("{name}-{lines}.valgrind"));
    let command = match contender {
        Contender::Bulk => {
            let input = bench.dir.join(format!("input-{lines}.jsonl"));
            workload::write_input(&input, lines)?;
            bench.bulk_command(&input)?
        }
        Contender::Bare => bench.bare_command(lines)?,
    };
    let mut wrapped = under_cachegrind(&command, &log);
    // The command's own output files are made again: `Command` does not hand its stdio back.
    wrapped.stdin(Stdio::null()).stdout(std::fs::File::create(
        bench.dir.join(format!("{name}.out")),
    )?);
    if let Contender::Bulk = contender {
        wrapped.stderr(std::fs::File::create(bench.dir.join("bulk.err"))?);
    }
    let status = wrapped.status().context("cannot run valgrind")?;
    match contender {
        Contender::Bulk => bench.check_bulk(status, lines)?,
        Contender::Bare => bench.check_bare(status, lines)?,
    }
    let text = std::fs::read_to_string(&log)
        .with_context(|| format!("valgrind wrote no log at {}", log.display()))?;
    instructions(&text).with_context(|| format!("no instruction count in {}", log.display()))
}

/// `command` run by `valgrind --tool=cachegrind`, its report in `log`.
fn under_cachegrind(command: &Command, log: &Path) -> Command {
    let mut wrapped = Command::new("valgrind");
    wrapped
        .args([
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
        ])
        .arg(format!("--log-file={}", log.display()))
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    wrapped
}

/// The `I refs` total of a cachegrind log (`==123== I   refs:      317,100,460`).
fn instructions(log: &str) -> Option<u64> {
    log.lines().find_map(|line| {
        let text = line.split_once("== ").map_or(line, |(_, rest)| rest);
        let (label, count) = text.split_once("refs:")?;
        if label.split_whitespace().collect::<Vec<_>>() != ["I"] {
            return None;
        }
        count.trim().replace(',', "").parse().ok()
    })
}

/// Instructions per line between two runs of different sizes.
fn slope(counts: [u64; 2], lines: [u64; 2]) -> f64 {
    let extra = counts[1].saturating_sub(counts[0]) as f64;
    extra / lines[1].saturating_sub(lines[0]).max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_instruction_total_is_read_from_a_cachegrind_log() {
        let log = "==28475== Cachegrind, a high-precision tracing profiler\n\
                   ==28475== \n\
                   ==28475== I   refs:      317,100,460\n";
        assert_eq!(instructions(log), Some(317_100_460));
        assert_eq!(instructions("==1== I refs: 12\n"), Some(12));
        assert_eq!(
            instructions("==1== D   refs: 12\n"),
            None,
            "data, not instructions"
        );
        assert_eq!(instructions("nothing here"), None);
    }

    #[test]
    fn the_count_per_check_is_the_slope_between_two_sizes() {
        assert_eq!(slope([1_000, 9_000], [2_000, 10_000]), 1.0);
        assert_eq!(
            slope([9_000, 1_000], [2_000, 10_000]),
            0.0,
            "never negative"
        );
    }
}
