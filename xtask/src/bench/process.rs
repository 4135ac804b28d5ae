//! Measuring a child process: wall time, peak resident memory read from `/proc/<pid>/status`
//! (`VmHWM`) and CPU time from `/proc/<pid>/stat` while it runs, which needs no unsafe code and no
//! extra tools; and the CPU time of every process of one name (the database server's).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::Context as _;

/// How often the child's memory is sampled. `VmHWM` is the kernel's own high-water mark, so a
/// sample taken any time after the peak sees it; only the last few milliseconds go unseen.
const SAMPLE_EVERY: Duration = Duration::from_millis(2);

/// What a measured run took.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub status: ExitStatus,
    pub elapsed: Duration,
    /// Peak resident set, in KiB; 0 where `/proc` is not available.
    pub peak_rss_kib: u64,
    /// CPU time (user and system) at the last sample before the child was reaped: an exited
    /// child not yet reaped still shows its final figure. Zero where `/proc` is not available.
    pub cpu: Duration,
}

/// Runs `command` to the end, sampling its peak memory and CPU time.
pub fn measure(command: &mut Command) -> anyhow::Result<Measured> {
    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_rss_kib = 0;
    let mut cpu = Duration::ZERO;
    loop {
        // Before `try_wait`, which reaps the child and takes its `/proc` entry with it.
        cpu = cpu_time(child.id()).unwrap_or(cpu);
        if let Some(kib) = std::fs::read_to_string(&status_file)
            .ok()
            .as_deref()
            .and_then(high_water_mark_kib)
        {
            peak_rss_kib = peak_rss_kib.max(kib);
        }
        if let Some(status) = child.try_wait()? {
            return Ok(Measured {
                status,
                elapsed: started.elapsed(),
                peak_rss_kib,
                cpu,
            });
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
}

/// The peak resident set so far of process `pid`, in KiB, from `/proc/<pid>/status`.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    high_water_mark_kib(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// CPU time process `pid` has used so far (user and system), from `/proc/<pid>/stat`.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    ticks_used(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?).map(from_ticks)
}

/// CPU time used so far by each process under `proc_root` (`/proc`) whose `comm` is `name`, by
/// pid. Processes that cannot be read (gone meanwhile) are left out.
pub fn cpu_by_name(proc_root: &Path, name: &str) -> BTreeMap<u32, Duration> {
    let Ok(entries) = std::fs::read_dir(proc_root) else {
        return BTreeMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            if comm.trim_end() != name {
                return None;
            }
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            Some((pid, from_ticks(ticks_used(&stat)?)))
        })
        .collect()
}

/// CPU used between two [`cpu_by_name`] readings: each process's growth, a process new in
/// `after` counted whole. A process that ended in between is lost (its time cannot be read).
pub fn cpu_between(before: &BTreeMap<u32, Duration>, after: &BTreeMap<u32, Duration>) -> Duration {
    after
        .iter()
        .map(|(pid, used)| used.saturating_sub(before.get(pid).copied().unwrap_or_default()))
        .sum()
}

/// CPU time the whole machine has spent busy and in all, from `/proc/stat`: every core's
/// time but idle and I/O wait, and every core's time.
pub fn machine_cpu() -> Option<(Duration, Duration)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3)? + fields.get(4).unwrap_or(&0);
    Some((from_ticks(total - idle), from_ticks(total)))
}

/// Clock ticks are 1/100 s (`USER_HZ`) on every Linux architecture the bench runs on.
fn from_ticks(ticks: u64) -> Duration {
    Duration::from_millis(ticks * 10)
}

/// User and system ticks (fields 14 and 15) from the text of `/proc/<pid>/stat`; the command
/// name before them is in parentheses and may hold spaces.
fn ticks_used(stat: &str) -> Option<u64> {
    let mut after_name = stat.get(stat.rfind(')')? + 1..)?.split_whitespace();
    let user: u64 = after_name.nth(11)?.parse().ok()?;
    let system: u64 = after_name.next()?.parse().ok()?;
    Some(user + system)
}

/// `VmHWM` from the text of `/proc/<pid>/status`, in KiB.
fn high_water_mark_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_high_water_mark() {
        let status =
            "Name:\tconnector\nVmPeak:\t  200000 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(high_water_mark_kib(status), Some(12345));
        assert_eq!(high_water_mark_kib("Name:\tx\n"), None);
    }

    #[test]
    fn sums_the_cpu_of_the_processes_named_new_ones_whole() {
        let root = tempfile::tempdir().expect("tempdir");
        let process = |pid: u32, comm: &str, user: u64, system: u64| {
            let dir = root.path().join(pid.to_string());
            std::fs::create_dir_all(&dir).expect("dir");
            std::fs::write(dir.join("comm"), format!("{comm}\n")).expect("comm");
            std::fs::write(
                dir.join("stat"),
                format!("{pid} ({comm}) S 1 1 1 0 -1 0 0 0 0 0 {user} {system} 0 0 20 0 1 0"),
            )
            .expect("stat");
        };
        process(10, "postgres", 100, 50);
        process(11, "postgres", 7, 3);
        process(12, "connector-hub", 900, 900);
        std::fs::create_dir_all(root.path().join("self")).expect("not a pid");
        let before = cpu_by_name(root.path(), "postgres");
        assert_eq!(
            before,
            BTreeMap::from([
                (10, Duration::from_millis(1500)),
                (11, Duration::from_millis(100))
            ])
        );
        process(10, "postgres", 130, 60); // +40 ticks
        std::fs::remove_dir_all(root.path().join("11")).expect("gone");
        process(13, "postgres", 20, 5); // new: 25 ticks
        let after = cpu_by_name(root.path(), "postgres");
        assert_eq!(cpu_between(&before, &after), Duration::from_millis(650));
        assert!(cpu_by_name(&root.path().join("missing"), "postgres").is_empty());
    }

    #[test]
    fn reads_the_ticks_used() {
        let stat = "42 (a b) S 1 42 42 0 -1 4194560 500 0 0 0 250 31 0 0 20 0 3 0 100 0 0";
        assert_eq!(ticks_used(stat), Some(281));
        assert_eq!(ticks_used("42 (x) S 1"), None);
    }
}
