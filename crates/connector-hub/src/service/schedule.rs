//! Scheduled re-verification. Each account carries when it is next due; a pass claims due
//! accounts under a lease, checks them with bounded concurrency and each connector's rate, and
//! records the outcome with the next due time. Several hub processes sharing one PostgreSQL never
//! check one account twice: an account is claimed by one process at a time, and a check never
//! starts on a lease about to end. A process killed mid-pass leaves its claimed accounts to be
//! claimed again once their lease ends; what it had recorded is not checked again before it is
//! next due.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use connector_core::check::verify_host;
use futures::channel::mpsc;
use futures::stream::{self, StreamExt};

use super::accounts::filter;
use super::checks::{sealed, verification};
use super::hub::{variant, Hub, HubError};
use crate::clock::now;
use crate::store::{Claimed, Lease, Verification};

/// How often old audit records, history and deliveries are removed.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// Accounts claimed per round, per unit of concurrency. With one batch claimed ahead, a
/// process holds at most twice this many leases beside its checks in flight.
const CLAIM_FACTOR: usize = 2;

/// What a pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub checked: u64,
    pub changed: u64,
    /// Claimed but left for a later pass (the lease would have ended first).
    pub released: u64,
    /// Checked, but the account was edited, unlinked or claimed again meanwhile: the result was
    /// dropped.
    pub superseded: u64,
    pub failed: u64,
}

/// The re-verification queue: accounts due now (being checked included), being checked, in
/// all, and per status when asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCounts {
    pub due: i64,
    pub in_progress: i64,
    pub accounts: i64,
    pub by_status: Option<BTreeMap<String, i64>>,
}

impl Hub {
    /// Makes the accounts matching the filter's inputs due now; returns how many.
    pub async fn reverify_due(
        &self,
        connector: &Option<String>,
        status: &Option<String>,
        owner: &Option<String>,
    ) -> Result<u64, HubError> {
        Ok(self
            .store
            .mark_due(&filter(connector, status, owner), now())
            .await?)
    }

    /// The queue now, with the count per status when `by_status`.
    pub async fn queue(&self, by_status: bool) -> Result<QueueCounts, HubError> {
        let (due, in_progress, accounts) = self.store.queue(now()).await?;
        let by_status = if by_status {
            Some(self.store.count_by_status().await?)
        } else {
            None
        };
        Ok(QueueCounts {
            due,
            in_progress,
            accounts,
            by_status,
        })
    }

    /// How long a claimed account stays leased: enough for its rate slot and its check.
    fn lease_seconds(&self) -> i64 {
        (self.settings.check_timeout * 2.0) as i64 + 300
    }

    /// One pass, as a pipeline: due accounts are claimed a batch at a time as the checks need
    /// them, checked with bounded concurrency (never waiting for a batch to finish), and
    /// whatever results are ready are recorded in one transaction while checks go on. Ends
    /// when no account is due. Accounts that could not start before their lease would end are given
    /// back at the end, for the next pass.
    pub async fn run_pass(&self) -> Result<PassReport, HubError> {
        self.refresh_connectors().await?;
        let concurrency = self.settings.reverify_concurrency.max(1);
        let batch = concurrency * CLAIM_FACTOR;
        let (done_tx, done_rx) = mpsc::channel::<(String, Checked)>(batch);

        // One batch is claimed ahead: the next claim runs while the current batch is handed
        // out, so checks do not wait for the database each time a batch runs out. A slot in
        // the channel is taken before claiming, so a process holds at most the batch being
        // handed out, the one waiting, and its checks in flight; accounts due are still shared
        // fairly between processes.
        let claim_error = std::sync::Mutex::new(None);
        let (batch_tx, batch_rx) = tokio::sync::mpsc::channel::<Batch>(1);
        let claim = async {
            while let Ok(slot) = batch_tx.reserve().await {
                match self.claim_batch(batch).await {
                    Ok(next) if next.accounts.is_empty() => break,
                    Ok(next) => slot.send(next),
                    Err(error) => {
                        *claim_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
                        break;
                    }
                }
            }
            drop(batch_tx);
            Ok::<_, HubError>(())
        };
        // Boxed, with its state passed by value: otherwise the pass is not a `Send` future.
        let claims = stream::unfold(batch_rx, |mut batches| async move {
            let next = batches.recv().await?;
            Some((next, batches))
        })
        .boxed();
        let check = claims
            .flat_map(|b| stream::iter(b.accounts.into_iter().map(move |a| (a, b.lease_until))))
            .map(|(account, lease_until)| async move {
                let id = account.id.clone();
                Ok((id, self.check_claimed(account, lease_until).await))
            })
            .buffer_unordered(concurrency)
            .forward(done_tx);
        let record = async {
            let mut report = PassReport::default();
            let mut released = Vec::new();
            let mut ready = done_rx.ready_chunks(batch);
            while let Some(outcomes) = ready.next().await {
                let results = self.settle(outcomes, &mut report, &mut released).await;
                let recorded = self.store.record_verifications(&results).await?;
                report.checked += results.len() as u64;
                report.changed += recorded
                    .iter()
                    .filter(|r| matches!(r, Some(Some(_))))
                    .count() as u64;
                for ((id, _), _) in results.iter().zip(&recorded).filter(|(_, r)| r.is_none()) {
                    // Ours to give back if it is still ours; gone or re-claimed otherwise.
                    report.superseded += 1;
                    let _ = self.store.release(id, &self.instance).await;
                }
            }
            Ok::<_, HubError>((report, released))
        };
        let ((), (), (report, released)) = tokio::try_join!(
            claim,
            async {
                // The receiving side only goes away when recording failed, which ends the pass.
                let _ = check.await;
                Ok(())
            },
            record
        )?;
        if let Some(error) = claim_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(error);
        }
        for id in released {
            let _ = self.store.release(&id, &self.instance).await;
        }
        Ok(report)
    }

    async fn claim_batch(&self, limit: usize) -> Result<Batch, HubError> {
        let at = now();
        let lease_until = at + self.lease_seconds();
        let accounts = self
            .store
            .claim_due(&self.instance, at, lease_until, limit as i64)
            .await?;
        Ok(Batch {
            accounts,
            lease_until,
        })
    }

    /// Notes what could not start (given back after the pass), pushes failures to the next
    /// interval, and returns the verifications to record.
    async fn settle(
        &self,
        outcomes: Vec<(String, Checked)>,
        report: &mut PassReport,
        released: &mut Vec<String>,
    ) -> Vec<(String, Verification)> {
        let mut results = Vec::with_capacity(outcomes.len());
        for (id, outcome) in outcomes {
            match outcome {
                Checked::Done(verification) => results.push((id, verification)),
                Checked::Released => {
                    released.push(id);
                    report.released += 1;
                }
                Checked::Failed(error) => {
                    tracing::warn!(account = %id, "scheduled re-verification failed: {error}");
                    // Try again at the next interval rather than at every pass.
                    let _ = self.store.postpone(&id, self.next_check_at(now())).await;
                    report.failed += 1;
                }
            }
        }
        results
    }

    async fn check_claimed(&self, account: Claimed, lease_until: i64) -> Checked {
        if let Some(limit) = self
            .find_connector(&account.connector)
            .and_then(|c| self.rate_limit(c.as_ref()))
        {
            limit.wait().await;
        }
        if self.lease_too_short(lease_until) {
            return Checked::Released;
        }
        let checked = async {
            let connector = self.connector(&account.connector)?;
            let connector = connector.as_ref();
            let variant = variant(connector, Some(&account.variant))?;
            let lease = Lease {
                owner: self.instance.clone(),
                until: lease_until,
                status: account.status.clone(),
            };
            let values = match self.unseal_credentials(&account.sealed, &account.id).await {
                Ok(values) => values,
                Err(HubError::Key(e)) => {
                    let mut sealed = sealed(account.version, &e, self.next_check_at(now()));
                    sealed.lease = Some(lease);
                    return Ok(Some(sealed));
                }
                Err(e) => return Err(e),
            };
            let (raw, mut options) = self.check_input(connector, &values);
            // Many accounts on one customer host share its connection (see `HostSlots`).
            let mut slot = match verify_host(connector.spec(), &raw, &options.urls) {
                Some(host) => Some(self.hosts.enter(&host).await),
                None => None,
            };
            if self.lease_too_short(lease_until) {
                return Ok(None);
            }
            if slot.as_mut().is_some_and(|slot| !slot.keep_connection()) {
                options.limits.keep_connection = false;
            }
            let report = connector
                .check(&self.http, Some(variant.name), &raw, &options)
                .await;
            let mut verification =
                verification(account.version, &report, self.next_check_at(now()));
            verification.lease = Some(lease);
            Ok::<_, HubError>(Some(verification))
        };
        match checked.await {
            Ok(Some(v)) => Checked::Done(v),
            Ok(None) => Checked::Released,
            Err(e) => Checked::Failed(e.to_string()),
        }
    }

    /// Whether a check started now might outlive a lease held until `lease_until`: such a check
    /// is never started.
    fn lease_too_short(&self, lease_until: i64) -> bool {
        now() + self.settings.check_timeout.ceil() as i64 + 5 >= lease_until
    }
}

/// Accounts claimed together, and until when.
#[derive(Default)]
struct Batch {
    accounts: Vec<Claimed>,
    lease_until: i64,
}

enum Checked {
    Done(Verification),
    Released,
    Failed(String),
}

/// Runs passes forever, one per tick, while the hub serves. A process with a configured
/// `instance` name first takes back what its previous run had claimed.
pub async fn run(hub: Arc<Hub>) {
    if hub.settings.instance.is_some() {
        match hub.store.release_all(&hub.instance).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                accounts = n,
                "took back the accounts a previous run had claimed"
            ),
            Err(e) => tracing::error!("cannot take back earlier claims: {e}"),
        }
    }
    if hub.settings.reverify_every_hours <= 0.0 {
        tracing::info!("scheduled re-verification is off (reverify_every_hours = 0)");
    }
    let tick = Duration::from_secs_f64(hub.settings.scheduler_tick_seconds.max(0.1));
    let mut retention_due = std::time::Instant::now();
    loop {
        if std::time::Instant::now() >= retention_due {
            retention_due += RETENTION_EVERY;
            match hub.apply_retention().await {
                Ok(r) if r.audit + r.history + r.deliveries > 0 => tracing::info!(
                    audit = r.audit,
                    history = r.history,
                    deliveries = r.deliveries,
                    "removed records past their retention"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!("retention stopped: {e}"),
            }
        }
        match hub.run_pass().await {
            Ok(report) if report.checked + report.failed > 0 => tracing::info!(
                checked = report.checked,
                changed = report.changed,
                failed = report.failed,
                "re-verification pass"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!("re-verification pass stopped: {e}"),
        }
        tokio::time::sleep(tick).await;
    }
}
