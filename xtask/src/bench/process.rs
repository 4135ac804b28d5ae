//! Measuring a child process: wall time, and peak resident memory read from `/proc/<pid>/status`
//! (`VmHWM`) while it runs, which needs no unsafe code and no extra tools.

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
}

/// Runs `command` to the end, sampling its peak memory.
pub fn measure(command: &mut Command) -> anyhow::Result<Measured> {
    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_rss_kib = 0;
    loop {
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
            });
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
}

/// The peak resident set so far of process `pid`, in KiB, from `/proc/<pid>/status`.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    high_water_mark_kib(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
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
}
