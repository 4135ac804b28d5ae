//! Ctrl-C (SIGINT) and SIGTERM during a bulk run. The first stops reading input and starting
//! checks; the checks already in flight end within their deadline, every finished line is
//! written, and the run ends with a summary and exit status 130. The second exits at once with
//! 130, after writing the whole lines already done (never part of one).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use indicatif::ProgressBar;
use tokio::sync::{watch, Semaphore};

use super::output::LineOutput;
use crate::usage::UsageError;

/// The exit status of an interrupted run (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;

/// Whether the run was asked to stop; cheap to clone, one per check.
#[derive(Debug, Clone)]
pub struct Interrupt {
    /// Read once per check, so an atomic rather than the channel's lock.
    set: Arc<AtomicBool>,
    stop: watch::Receiver<bool>,
}

impl Interrupt {
    /// Starts listening for SIGINT and SIGTERM. The first closes `permits`, so that checks
    /// waiting for one are not sent; `out` is flushed (whole lines only) before an immediate
    /// exit; `progress` is cleared before a note is printed.
    pub fn listen(
        out: Arc<LineOutput<std::io::Stdout>>,
        progress: ProgressBar,
        deadline_secs: f64,
        permits: Arc<Semaphore>,
    ) -> Result<Self, UsageError> {
        let mut signals = Signals::new()
            .map_err(|e| UsageError::new(format!("cannot listen for Ctrl-C: {e}")))?;
        let (sender, stop) = watch::channel(false);
        let set = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&set);
        tokio::spawn(async move {
            signals.next().await;
            flag.store(true, Ordering::SeqCst);
            permits.close();
            let _ = sender.send(true);
            progress.suspend(|| {
                eprintln!(
                    "interrupted: no new lines are started; the checks in flight end within {deadline_secs} s. Press Ctrl-C again to stop at once"
                );
            });
            signals.next().await;
            progress.finish_and_clear();
            eprintln!("stopped at once: the lines on standard output are whole; the others have no result");
            // A write in progress is let finish, so stdout ends on a whole line.
            drop(tokio::task::spawn_blocking(move || {
                out.flush_and_exit(i32::from(INTERRUPTED))
            }));
            // Unless stdout is stuck: a third signal leaves without waiting for it.
            signals.next().await;
            std::process::exit(i32::from(INTERRUPTED));
        });
        Ok(Self { set, stop })
    }

    /// Whether the run was asked to stop.
    pub fn is_set(&self) -> bool {
        self.set.load(Ordering::SeqCst)
    }

    /// Resolves once the run is asked to stop; never, if it is not.
    pub async fn stopped(&self) {
        let mut stop = self.stop.clone();
        if stop.wait_for(|stop| *stop).await.is_err() {
            // The listener is gone without a signal: nothing will ask to stop.
            std::future::pending::<()>().await;
        }
    }
}

/// SIGINT and SIGTERM as one stream.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> std::io::Result<Self> {
        Ok(Self {})
    }

    /// The next signal.
    #[cfg(unix)]
    async fn next(&mut self) {
        tokio::select! {
            Some(()) = self.interrupt.recv() => {}
            Some(()) = self.terminate.recv() => {}
            else => std::future::pending::<()>().await,
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
