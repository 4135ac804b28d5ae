//! The checks of a bulk run: each waits for its connector's rate and a place at its host on the
//! pipeline's thread, then for a permit on its shard ([`super::shards`]) before it sends; and
//! the open-file and connection budget those places keep within.

use std::sync::Arc;

use connector_core::check::verify_host;
use connector_core::http::{connection_budget, HostSlot, HostSlots};
use connector_core::rate::RateLimit;
use connector_core::{CheckOptions, CheckReport, HttpClient};
use foldhash::HashMap;
use tokio::sync::Semaphore;

use super::interrupt::Interrupt;
use super::judge::Job;

/// What every check shares, whichever shard runs it: the options and rate per connector, and
/// the bounds on requests in flight.
pub(super) struct Checker {
    pub(super) options: HashMap<&'static str, CheckOptions>,
    pub(super) rates: HashMap<&'static str, RateLimit>,
    /// `--host-concurrency`, each host's share of `--concurrency`, and one check per host
    /// until it has answered.
    pub(super) hosts: HostSlots,
    /// Closed by the first Ctrl-C, so that checks not sent yet are not sent.
    pub(super) permits: Arc<Semaphore>,
    pub(super) interrupt: Interrupt,
}

impl Checker {
    /// On the pipeline's thread: waits for the rate slot and a place at the check's host, which
    /// names the shard to check on. `None` if the run is interrupted first; `Some(None)` when the
    /// credentials name no host (a placeholder without a value: the check reports it).
    pub(super) async fn place(&self, job: &Job) -> Option<Option<HostSlot>> {
        let spec = job.connector.spec();
        if let Some(rate) = self.rates.get(spec.id) {
            tokio::select! {
                biased;
                () = self.interrupt.stopped() => return None,
                () = rate.wait() => {}
            }
        }
        // Taken before the permit, so that checks queued for a busy host leave the permits to
        // checks for other hosts.
        let default = CheckOptions::default();
        let options = self.options.get(spec.id).unwrap_or(&default);
        Some(match verify_host(spec, &job.credentials, &options.urls) {
            Some(host) => tokio::select! {
                biased;
                () = self.interrupt.stopped() => return None,
                slot = self.hosts.enter(&host) => Some(slot),
            },
            None => None,
        })
    }

    /// On its shard: waits for a permit, then checks; `None` if the run is interrupted before
    /// the request is sent. Once sent, a check runs to its end, bounded by its deadline.
    pub(super) async fn send(
        &self,
        http: &HttpClient,
        job: Job,
        mut slot: Option<HostSlot>,
    ) -> Option<Arc<CheckReport>> {
        crate::test_panic::panic_for_tests("bulk-check");
        let spec = job.connector.spec();
        let default = CheckOptions::default();
        let options = self.options.get(spec.id).unwrap_or(&default);
        // The first Ctrl-C closes the semaphore: a check still waiting here is not sent.
        let _permit = self.permits.acquire().await.ok()?;
        if self.interrupt.is_set() {
            return None;
        }
        // Decided with the permit, so that only the checks sending count against the budget.
        let closing;
        let options = if slot.as_mut().is_none_or(HostSlot::keep_connection) {
            options
        } else {
            closing = options.closing_connections();
            &closing
        };
        let report = job
            .connector
            .check(http, Some(job.variant.name), &job.credentials, options)
            .await;
        Some(Arc::new(report))
    }
}

/// Sockets and files a bulk run may hold besides one connection per check in flight.
const SPARE_FILES: u64 = 64;

/// Per-host places for checks on `shards` shards, keeping no more connections open than the
/// open files allow.
pub(super) fn host_slots(
    per_host: usize,
    concurrency: usize,
    open_files: Option<u64>,
    shards: usize,
) -> HostSlots {
    let files = open_files.map_or(usize::MAX, |limit| {
        usize::try_from(limit.saturating_sub(SPARE_FILES)).unwrap_or(usize::MAX)
    });
    let budget = connection_budget(concurrency).min(files);
    HostSlots::sharded(per_host, concurrency, budget, shards)
}

/// Raises the open-file soft limit to the hard limit (each check in flight holds a socket, and
/// many systems start processes at 1,024), and says so when even the hard limit is too low for
/// `concurrency`: checks would then fail with "too many open files". Returns the limit, when
/// known.
pub(super) fn raise_open_files(concurrency: usize) -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let limit = getrlimit(Resource::Nofile);
        let wanted = concurrency as u64 + SPARE_FILES;
        let raised = match (limit.current, limit.maximum) {
            (Some(current), maximum) if current < maximum.unwrap_or(u64::MAX) => {
                let new = Rlimit {
                    current: maximum,
                    maximum,
                };
                match setrlimit(Resource::Nofile, new) {
                    Ok(()) => maximum,
                    Err(_) => Some(current),
                }
            }
            (current, _) => current,
        };
        if let Some(limit) = raised.filter(|l| *l < wanted) {
            eprintln!(
                "warning: this process may open {limit} files, and --concurrency {concurrency} \
                 needs about {wanted}; raise the hard limit (`ulimit -Hn`, or LimitNOFILE= for a \
                 service) or lower --concurrency"
            );
        }
        tracing::debug!(open_files = ?raised, "open-file limit");
        raised
    }
    #[cfg(not(unix))]
    {
        let _ = concurrency;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::find_connector;
    use connector_core::{Overrides, RawCredentials, UrlTemplate};

    #[test]
    fn checks_are_spaced_per_host_the_credentials_and_overrides_name() {
        let host = |id: &str, fields: &[(&str, &str)], base: Option<&str>| {
            let spec = find_connector(id).expect("registered").spec();
            let raw: RawCredentials = fields.iter().copied().collect();
            let overrides = Overrides {
                base_url: base.map(|b| UrlTemplate::parse(b).expect("a template")),
                ..Overrides::default()
            };
            verify_host(spec, &raw, &overrides)
        };
        let key = ("api_key", "k");
        assert_eq!(
            host("workable", &[("subdomain", "Acme "), key], None).as_deref(),
            Some("acme.workable.com")
        );
        assert_eq!(host("workable", &[key], None), None, "no subdomain");
        assert_eq!(
            host("lever", &[("environment", "sandbox"), key], None).as_deref(),
            Some("api.sandbox.lever.co")
        );
        let template = Some("https://{subdomain}.bench.test:8443/spi/v3");
        assert_eq!(
            host("workable", &[("subdomain", "acme"), key], template).as_deref(),
            Some("acme.bench.test:8443")
        );
        assert_eq!(
            host("polytomic", &[key], Some("http://127.0.0.1:9/api")).as_deref(),
            Some("127.0.0.1:9")
        );
    }
}
