//! What a bulk run tells stderr: a progress bar when stderr is a terminal, and a summary at the
//! end (counts per status, elapsed time, checks per second).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_core::Status;
use indicatif::{ProgressBar, ProgressStyle};

/// Lines read, checks started and lines answered from another line's check.
#[derive(Debug, Default)]
pub struct Counters {
    read: AtomicU64,
    checks: AtomicU64,
    reused: AtomicU64,
}

impl Counters {
    /// Counts `lines` input lines taken in by the run.
    pub fn read(&self, lines: usize) {
        self.read.fetch_add(lines as u64, Ordering::Relaxed);
    }

    pub fn started(&self, reused: bool) {
        let counter = if reused { &self.reused } else { &self.checks };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// The run's tally, and the progress bar if there is one.
#[derive(Debug)]
pub struct Summary {
    started: Instant,
    lines: u64,
    statuses: BTreeMap<Status, u64>,
    counters: Arc<Counters>,
    progress: ProgressBar,
    /// Stopped by Ctrl-C or SIGTERM: the summary says how many lines have no result.
    interrupted: bool,
}

impl Summary {
    pub fn start() -> Self {
        let progress = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {human_pos} lines checked, {per_sec}, {elapsed} {msg}",
            ) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        Self {
            started: Instant::now(),
            lines: 0,
            statuses: BTreeMap::new(),
            counters: Arc::default(),
            progress,
            interrupted: false,
        }
    }

    pub fn counters(&self) -> Arc<Counters> {
        Arc::clone(&self.counters)
    }

    /// The progress bar (hidden when stderr is not a terminal), to print around it.
    pub fn progress(&self) -> ProgressBar {
        self.progress.clone()
    }

    /// Lines read but not reported: the run was interrupted before their checks were sent, or
    /// before they were started at all.
    fn unreported(&self) -> u64 {
        self.counters
            .read
            .load(Ordering::Relaxed)
            .saturating_sub(self.lines)
    }

    /// Counts one line's result.
    pub fn record(&mut self, status: Status) {
        self.lines += 1;
        *self.statuses.entry(status).or_default() += 1;
        self.progress.inc(1);
    }

    /// Notes that the run was interrupted: the summary then counts the lines left unreported.
    pub fn mark_interrupted(&mut self) {
        self.interrupted = true;
    }

    /// Clears the progress bar when the run stops early.
    pub fn abandon(&self) {
        self.progress.finish_and_clear();
    }

    /// Clears the progress bar and prints the summary.
    pub fn finish(&self) {
        self.progress.finish_and_clear();
        eprintln!("{}", self.text(self.started.elapsed()));
    }

    fn text(&self, elapsed: Duration) -> String {
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            self.lines as f64 / secs
        } else {
            0.0
        };
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(status, count)| format!("{count} {status}"))
            .collect();
        let statuses = if statuses.is_empty() {
            "no input lines".to_owned()
        } else {
            statuses.join(", ")
        };
        let interrupted = if self.interrupted {
            format!(
                "; interrupted: {} lines read but not reported (check them again)",
                self.unreported()
            )
        } else {
            String::new()
        };
        format!(
            "checked {} lines in {secs:.2} s ({rate:.0} checks/s): {statuses}; {} distinct checks, {} duplicate lines answered from them{interrupted}",
            self.lines,
            self.counters.checks.load(Ordering::Relaxed),
            self.counters.reused.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_each_status() {
        let mut summary = Summary::start();
        summary.record(Status::Verified);
        summary.record(Status::Rejected);
        summary.record(Status::Verified);
        summary.counters().started(false);
        summary.counters().started(true);
        let text = summary.text(Duration::from_secs(2));
        assert!(
            text.starts_with("checked 3 lines in 2.00 s (2 checks/s): 2 verified, 1 rejected;"),
            "{text}"
        );
        assert!(
            text.ends_with("1 distinct checks, 1 duplicate lines answered from them"),
            "{text}"
        );
    }

    #[test]
    fn an_interrupted_summary_counts_the_lines_without_a_result() {
        let mut summary = Summary::start();
        summary.counters().read(5);
        summary.record(Status::Verified);
        summary.record(Status::Unavailable);
        assert!(!summary.text(Duration::from_secs(1)).contains("interrupted"));
        summary.mark_interrupted();
        let text = summary.text(Duration::from_secs(1));
        assert!(
            text.ends_with("; interrupted: 3 lines read but not reported (check them again)"),
            "{text}"
        );
    }
}
