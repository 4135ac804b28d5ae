//! Where a bulk run's checks run: one thread per core, each with a single-threaded runtime and an
//! HTTP client of its own, the checks handed to them in turn. A check and its connection then
//! stay on one thread, where a multi-threaded runtime moved them between threads at every
//! wake-up: with two workers on two cores that cost about a third of bulk's CPU per check
//! (cross-thread frees, task hand-offs; see docs/benchmarks.md). The shards share the rest of
//! the run through [`Checker`]: permits, host slots, rates and the interrupt. A check waits for
//! its rate and its place at the host on the pipeline's thread; the place names the shard, the
//! one holding an idle connection to the host if any does, so a host has no more connections
//! than with one pool.

use std::future::Future;
use std::sync::Arc;

use connector_core::http::{HostSlot, MAX_SHARDS};
use connector_core::{CheckReport, HttpClient, Status};
use tokio::sync::{mpsc, oneshot};

use super::checker::Checker;
use super::judge::Job;
use super::pending::Pending;

/// A check handed to a shard with its place at the host, and where its report goes.
struct Assignment {
    job: Job,
    slot: Option<HostSlot>,
    report: oneshot::Sender<Option<Arc<CheckReport>>>,
}

/// The shards' inboxes. Dropping it (and the checks it started) ends the shards once their
/// checks are done.
pub(super) struct Shards {
    checker: Arc<Checker>,
    inboxes: Arc<[mpsc::UnboundedSender<Assignment>]>,
    /// For checks without a host, which are spread in turn.
    next: usize,
}

impl Shards {
    /// Starts one shard per client (at least one is needed), each checking with its own.
    pub(super) fn start(checker: &Arc<Checker>, clients: Vec<HttpClient>) -> std::io::Result<Self> {
        let mut inboxes = Vec::with_capacity(clients.len());
        for (index, http) in clients.into_iter().enumerate() {
            let (inbox, mut assignments) = mpsc::unbounded_channel::<Assignment>();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let checker = Arc::clone(checker);
            std::thread::Builder::new()
                .name(format!("bulk-check-{index}"))
                .spawn(move || {
                    runtime.block_on(async move {
                        while let Some(next) = assignments.recv().await {
                            let checker = Arc::clone(&checker);
                            let http = http.clone();
                            // A panic ends this task only: its sender is dropped, and the line
                            // reports the check as stopped (below).
                            tokio::spawn(async move {
                                let report = checker.send(&http, next.job, next.slot).await;
                                let _ = next.report.send(report);
                            });
                        }
                    });
                })?;
            inboxes.push(inbox);
        }
        Ok(Self {
            checker: Arc::clone(checker),
            inboxes: inboxes.into(),
            next: 0,
        })
    }

    /// Starts a check: it waits for its rate and its place at the host here, then goes to the
    /// shard its place names. Returns where lines that repeat the credentials wait for the
    /// result, and the result for the line that started it (`None` if the run was interrupted
    /// before it was sent).
    pub(super) fn start_check(
        &mut self,
        job: Job,
    ) -> (
        Arc<Pending>,
        impl Future<Output = Option<Arc<CheckReport>>> + Send + 'static,
    ) {
        let spec = job.connector.spec();
        let (id, variant) = (spec.id, job.variant.name);
        let checker = Arc::clone(&self.checker);
        let inboxes = Arc::clone(&self.inboxes);
        let turn = self.next;
        self.next = self.next.wrapping_add(1);
        let report = async move {
            let slot = checker.place(&job).await?;
            let shard = slot.as_ref().map_or(turn, HostSlot::shard) % inboxes.len();
            let (sender, receiver) = oneshot::channel();
            // A shard only stops when its inbox is dropped, or its thread by a panic outside a
            // check; either way the receiver below reports the check as stopped.
            let _ = inboxes[shard].send(Assignment {
                job,
                slot,
                report: sender,
            });
            receiver.await.unwrap_or_else(|_| {
                Some(Arc::new(CheckReport {
                    connector: id.to_owned(),
                    variant: variant.to_owned(),
                    status: Status::Unexpected,
                    key: None,
                    http_status: None,
                    message: "the check stopped unexpectedly (an internal error); run it again with `connector check`".to_owned(),
                    warnings: Vec::new(),
                    account: None,
                    elapsed_ms: 0,
                }))
            })
        };
        (Arc::new(Pending::default()), report)
    }
}

/// Shards for this machine: one per core the process may use, at most [`MAX_SHARDS`] (the host
/// slots count idle connections for that many pools).
pub(super) fn count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, MAX_SHARDS))
}
