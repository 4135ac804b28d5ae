//! One check's result, for the lines that repeat its credentials. The first line awaits the
//! check's task itself and then fills the result in; a repeat waits for it here. Lighter than a
//! shared future, which boxes the check and keeps a list of wakers for every line, repeated or
//! not (most lines are not).

use std::sync::{Arc, OnceLock};

use connector_core::CheckReport;
use tokio::sync::Notify;

/// A check's result once known: `None` inside when the run was interrupted before it was sent.
#[derive(Debug, Default)]
pub struct Pending {
    report: OnceLock<Option<Arc<CheckReport>>>,
    filled: Notify,
}

impl Pending {
    /// Sets the result (once; later calls change nothing) and wakes the lines waiting for it.
    pub fn fill(&self, report: Option<Arc<CheckReport>>) {
        let _ = self.report.set(report);
        self.filled.notify_waiters();
    }

    /// The result, as soon as it is filled in.
    pub async fn report(&self) -> Option<Arc<CheckReport>> {
        loop {
            // Made before the look, so a `fill` in between still wakes it.
            let filled = self.filled.notified();
            if let Some(report) = self.report.get() {
                return report.clone();
            }
            filled.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::Status;
    use std::time::Duration;

    fn report() -> Arc<CheckReport> {
        Arc::new(CheckReport {
            connector: "polytomic".to_owned(),
            variant: "api_key".to_owned(),
            status: Status::Verified,
            key: None,
            http_status: Some(200),
            message: String::new(),
            warnings: Vec::new(),
            account: None,
            elapsed_ms: 0,
        })
    }

    #[tokio::test]
    async fn waiting_lines_get_the_result_once_it_is_filled() {
        let pending = Arc::new(Pending::default());
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let pending = Arc::clone(&pending);
                tokio::spawn(async move { pending.report().await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(
            waiters.iter().all(|w| !w.is_finished()),
            "nothing filled yet"
        );
        let filled = report();
        pending.fill(Some(Arc::clone(&filled)));
        pending.fill(None); // a second fill changes nothing
        for waiter in waiters {
            let got = tokio::time::timeout(Duration::from_secs(5), waiter)
                .await
                .expect("woken")
                .expect("no panic");
            assert!(got.is_some_and(|r| Arc::ptr_eq(&r, &filled)));
        }
        let late = pending.report().await;
        assert!(late.is_some(), "a line after the fill gets it at once");
    }
}
