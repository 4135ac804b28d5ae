//! `connector check --bulk`: many credentials at once, streamed, in input order.
//!
//! A reader thread parses the input line by line into a bounded channel ([`input`]). Each line
//! becomes a future in an ordered window (`buffered`) a few times wider than `--concurrency`;
//! checks run as tasks on the runtime, a semaphore bounds the requests in flight, and
//! `--rate` spaces the requests to one connector ([`rate`]). Identical credentials share one
//! check through a bounded cache of recent ones ([`recent`]). Results are written in input order
//! as soon as the line at the head of the window is done, so memory depends on the window, not
//! on the input.

mod input;
mod interrupt;
mod line;
mod output;
mod pending;
mod recent;
mod summary;

use std::borrow::Cow;
use std::future::Future;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;

use connector_core::{CheckOptions, CheckReport, ConnectorSpec, HttpClient, Limits, Status};
use foldhash::HashMap;
use futures::future::{self, Either, FutureExt};
use futures::stream::{self, StreamExt};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::args::CheckArgs;
use crate::settings::Settings;
use crate::urls;
use crate::usage::{find_connector, UsageError};

use self::input::{Entry, Job, Source, Work};
use self::interrupt::{Interrupt, INTERRUPTED};
use self::output::LineOutput;
use self::pending::Pending;
use self::recent::Recent;
use self::summary::Summary;
use connector_core::check::verify_host;
use connector_core::http::{connection_budget, HostSlot, HostSlots};
use connector_core::rate::RateLimit;

/// Requests in flight when `--concurrency` is not given.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// The most requests in flight `--concurrency` accepts.
pub const MAX_CONCURRENCY: usize = 4096;
/// Lines in progress per request in flight: room for fast lines to finish behind a slow one.
const WINDOW_PER_REQUEST: usize = 4;
/// Lines in progress beyond the requests in flight, at most: at high concurrency, more would
/// hold memory, and start checks for the same host together, without making room for anything.
const WINDOW_SPARE_MAX: usize = 1024;
/// Distinct credentials remembered for deduplication beyond the window. A repeat further back
/// than this is checked again: memory stays flat, and `cargo xtask bench` showed a larger table
/// costing throughput on unique inputs.
const RECENT_CREDENTIALS: usize = 2048;
/// Parsed lines waiting for a place in the window.
const INPUT_QUEUE: usize = 1024;

/// What identifies a check for deduplication: connector, variant and credential values.
type CheckKey = (&'static str, &'static str, u64);

pub async fn run(args: &CheckArgs, settings: &Settings) -> Result<ExitCode, UsageError> {
    let path = args
        .bulk
        .as_deref()
        .ok_or_else(|| UsageError::new("--bulk needs a FILE, or - for stdin"))?;
    let concurrency = concurrency(args.concurrency)?;
    let per_host = host_concurrency(args.host_concurrency, concurrency)?;
    let open_files = raise_open_files(concurrency);
    let limits = settings.limits_with(args.timeout, args.retries)?;
    let options = options_by_connector(&args.base_url, settings, limits)?;
    let rates = rates_by_connector(&args.rate, &registered())?;
    let window = concurrency
        .saturating_mul(WINDOW_PER_REQUEST)
        .min(concurrency.saturating_add(WINDOW_SPARE_MAX));
    let http = settings.http_client(
        HttpClient::builder().pool_size(per_host),
        &limits,
        &args.network,
    )?;
    let (lines, reader) = Source::open(path)?.spawn(INPUT_QUEUE)?;

    let mut summary = Summary::start();
    let counters = summary.counters();
    let out = Arc::new(LineOutput::stdout());
    let permits = Arc::new(Semaphore::new(concurrency));
    let interrupt = Interrupt::listen(
        Arc::clone(&out),
        summary.progress(),
        limits.timeout.as_secs_f64(),
        Arc::clone(&permits),
    )?;
    let checker = Arc::new(Checker {
        http,
        options,
        rates,
        hosts: host_slots(per_host, concurrency, open_files),
        permits,
        interrupt: interrupt.clone(),
    });
    let mut recent: Recent<CheckKey, Arc<Pending>> = Recent::new(RECENT_CREDENTIALS + window);

    let read = summary.counters();
    let stopped = interrupt.clone();
    let results = stream::unfold(lines, move |mut lines| {
        let read = Arc::clone(&read);
        async move {
            let batch = lines.recv().await?;
            read.read(batch.iter().filter(|event| event.is_ok()).count());
            Some((stream::iter(batch), lines))
        }
    })
    .flatten()
    // The first Ctrl-C ends the input here: lines already read but not started are dropped.
    .take_until(Box::pin(async move { stopped.stopped().await }))
    .map(move |event| match event {
        Ok(entry) => {
            let Entry { line, id, work } = entry;
            match work {
                Work::Invalid(report) => {
                    let report = Some(Arc::new(*report));
                    Either::Right(future::ready(Ok(Done {
                        line,
                        id,
                        report,
                        warnings: Vec::new(),
                    })))
                }
                Work::Check(job) => {
                    let key = (job.connector.spec().id, job.variant.name, job.fingerprint);
                    let warnings = job.warnings.clone();
                    let mut started = None;
                    let (pending, reused) = recent.get_or_insert_with(key, || {
                        let (pending, task) = checker.start(job);
                        started = Some(task);
                        pending
                    });
                    counters.started(reused);
                    let done = move |report| {
                        Ok(Done {
                            line,
                            id,
                            report,
                            warnings,
                        })
                    };
                    Either::Left(match started {
                        // The line that started the check awaits it, then passes the result
                        // on to the lines that repeat its credentials.
                        Some(task) => Either::Left(async move {
                            let report = task.await;
                            pending.fill(report.clone());
                            done(report)
                        }),
                        None => Either::Right(async move { done(pending.report().await) }),
                    })
                }
            }
        }
        Err(error) => Either::Right(future::ready(Err(error))),
    })
    .buffered(window);

    // The emitter runs as a task too, so waking it is as cheap as waking any other task.
    let pipeline = {
        let out = Arc::clone(&out);
        tokio::spawn(async move {
            let result = emit(results, &out, &mut summary).await;
            (result, summary)
        })
    };
    let (result, mut summary) = match pipeline.await {
        Ok(done) => done,
        // Passed on to `main`, which reports it as `unexpected` (the hook said where).
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => {
            return Err(UsageError::new(
                "the bulk run stopped unexpectedly (an internal error)",
            ))
        }
    };
    match result {
        Ok(()) => {}
        Err(Stop::Input(error)) => {
            summary.abandon();
            eprintln!("error: {error}; the lines before it have their results");
            summary.finish();
            return Ok(ExitCode::from(2));
        }
        Err(Stop::Output(error)) => {
            summary.abandon();
            eprintln!("error: cannot write to standard output ({error}); stopping");
            return Ok(ExitCode::from(1));
        }
    }
    if interrupt.is_set() {
        summary.mark_interrupted();
        summary.finish();
        return Ok(ExitCode::from(INTERRUPTED));
    }
    // The input ended: the reader is done, or stopped by a panic that must not pass for the end
    // of the input.
    if let Err(payload) = reader.join() {
        std::panic::resume_unwind(payload);
    }
    summary.finish();
    Ok(ExitCode::SUCCESS)
}

/// A line's result, ready to print.
struct Done {
    line: u64,
    id: Value,
    /// `None` when the run was interrupted before the check was sent.
    report: Option<Arc<CheckReport>>,
    /// Notes about the line itself, added to the report's own warnings.
    warnings: Vec<String>,
}

/// Why the run stopped before the end of the input.
enum Stop {
    Input(String),
    Output(io::Error),
}

/// Writes results in order, flushing whenever the next one is not ready yet, so a reader of the
/// output sees results as they come without a write per line. Each line is formatted whole
/// before it joins the output.
async fn emit(
    results: impl futures::Stream<Item = Result<Done, String>>,
    out: &LineOutput<impl Write>,
    summary: &mut Summary,
) -> Result<(), Stop> {
    let mut results = std::pin::pin!(results);
    let mut line = Vec::with_capacity(1024);
    loop {
        let next = match results.next().now_or_never() {
            Some(next) => next,
            None => {
                out.flush().map_err(Stop::Output)?;
                results.next().await
            }
        };
        let Some(done) = next else { break };
        let done = done.map_err(Stop::Input)?;
        let Some(report) = &done.report else {
            continue; // interrupted before it was sent: no result to report
        };
        line.clear();
        write_line(&mut line, &done, report).map_err(Stop::Output)?;
        out.push(&line).map_err(Stop::Output)?;
        summary.record(report.status);
    }
    out.flush().map_err(Stop::Output)
}

/// Writes an output line: the input's id, then exactly the fields of `connector check --json`.
/// The report's own object is spliced in after the id (cheaper than `#[serde(flatten)]`, which
/// goes through a generic map for every line).
fn write_line(out: &mut impl Write, done: &Done, report: &CheckReport) -> io::Result<()> {
    let report = line_report(done, report);
    out.write_all(b"{\"id\":")?;
    serde_json::to_writer(&mut *out, &done.id)?;
    out.write_all(b",")?;
    serde_json::to_writer(
        OpeningBraceSkipped {
            inner: &mut *out,
            skipped: false,
        },
        &*report,
    )?;
    out.write_all(b"\n")
}

/// Passes writes through, minus the first byte (the `{` of a serialized object).
struct OpeningBraceSkipped<W> {
    inner: W,
    skipped: bool,
}

impl<W: Write> Write for OpeningBraceSkipped<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.skipped || buf.is_empty() {
            return self.inner.write(buf);
        }
        self.skipped = true;
        Ok(1 + self.inner.write(&buf[1..])?)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The shared report as this line reports it: an `invalid_input` names the line, and notes
/// about the line come first among the warnings.
fn line_report<'a>(done: &Done, report: &'a CheckReport) -> Cow<'a, CheckReport> {
    let name_line = report.status == Status::InvalidInput && !report.message.starts_with("line ");
    if !name_line && done.warnings.is_empty() {
        return Cow::Borrowed(report);
    }
    let mut report = report.clone();
    if name_line {
        report.message = format!("line {}: {}", done.line, report.message);
    }
    if !done.warnings.is_empty() {
        report.warnings.splice(0..0, done.warnings.iter().cloned());
    }
    Cow::Owned(report)
}

/// What every check shares: one HTTP client and pool, the options and rate per connector, and
/// the bound on requests in flight.
struct Checker {
    http: HttpClient,
    options: HashMap<&'static str, CheckOptions>,
    rates: HashMap<&'static str, RateLimit>,
    /// `--host-concurrency`, each host's share of `--concurrency`, and one check per host
    /// until it has answered.
    hosts: HostSlots,
    /// Closed by the first Ctrl-C, so that checks not sent yet are not sent.
    permits: Arc<Semaphore>,
    interrupt: Interrupt,
}

impl Checker {
    /// Starts checking at once, as a task of its own. Returns where lines that repeat the
    /// credentials wait for the result, and the result for the line that started it.
    fn start(
        self: &Arc<Self>,
        job: Job,
    ) -> (
        Arc<Pending>,
        impl Future<Output = Option<Arc<CheckReport>>> + Send + 'static,
    ) {
        let checker = Arc::clone(self);
        let spec = job.connector.spec();
        let (id, variant) = (spec.id, job.variant.name);
        let task = tokio::spawn(async move { checker.check(job).await });
        let report = async move {
            task.await.unwrap_or_else(|_| {
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

    /// Waits for the rate slot, a slot at the host and a permit, then checks; `None` if the run
    /// is interrupted before the request is sent. Once sent, a check runs to its end, bounded by
    /// its deadline.
    async fn check(&self, job: Job) -> Option<Arc<CheckReport>> {
        crate::test_panic::panic_for_tests("bulk-check");
        let spec = job.connector.spec();
        let default = CheckOptions::default();
        let options = self.options.get(spec.id).unwrap_or(&default);
        if let Some(rate) = self.rates.get(spec.id) {
            tokio::select! {
                biased;
                () = self.interrupt.stopped() => return None,
                () = rate.wait() => {}
            }
        }
        // Taken before the permit, so that checks queued for a busy host leave the permits to
        // checks for other hosts. No host (a placeholder without a value): the check reports it.
        let mut slot = match verify_host(spec, &job.credentials, &options.urls) {
            Some(host) => tokio::select! {
                biased;
                () = self.interrupt.stopped() => return None,
                slot = self.hosts.enter(&host) => Some(slot),
            },
            None => None,
        };
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
            .check(
                &self.http,
                Some(job.variant.name),
                &job.credentials,
                options,
            )
            .await;
        Some(Arc::new(report))
    }
}

/// Sockets and files a bulk run may hold besides one connection per check in flight.
const SPARE_FILES: u64 = 64;

/// Per-host places, keeping no more connections open than the open files allow.
fn host_slots(per_host: usize, concurrency: usize, open_files: Option<u64>) -> HostSlots {
    let files = open_files.map_or(usize::MAX, |limit| {
        usize::try_from(limit.saturating_sub(SPARE_FILES)).unwrap_or(usize::MAX)
    });
    let budget = connection_budget(concurrency).min(files);
    HostSlots::with_connection_budget(per_host, concurrency, budget)
}

/// Raises the open-file soft limit to the hard limit (each check in flight holds a socket, and
/// many systems start processes at 1,024), and says so when even the hard limit is too low for
/// `concurrency`: checks would then fail with "too many open files". Returns the limit, when
/// known.
fn raise_open_files(concurrency: usize) -> Option<u64> {
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

fn concurrency(flag: Option<usize>) -> Result<usize, UsageError> {
    match flag {
        None => Ok(DEFAULT_CONCURRENCY),
        Some(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(n),
        Some(n) => Err(UsageError::new(format!(
            "--concurrency must be between 1 and {MAX_CONCURRENCY}, not {n}"
        ))),
    }
}

/// `--host-concurrency`: at most `--concurrency`, which is also its default.
fn host_concurrency(flag: Option<usize>, concurrency: usize) -> Result<usize, UsageError> {
    match flag {
        None => Ok(concurrency),
        Some(n) if (1..=concurrency).contains(&n) => Ok(n),
        Some(n) => Err(UsageError::new(format!(
            "--host-concurrency must be between 1 and --concurrency ({concurrency}), not {n}"
        ))),
    }
}

/// Splits `ID=VALUE`, checking the id names a connector.
fn split_pair<'a>(
    flag: &str,
    text: &'a str,
    example: &str,
) -> Result<(&'static str, &'a str), UsageError> {
    let (id, value) = text.split_once('=').ok_or_else(|| {
        UsageError::new(format!(
            "with --bulk, give {flag} per connector as ID=VALUE, e.g. {flag} {example}"
        ))
    })?;
    // `find_connector`'s message describes the id; it is not repeated here (it may be a key).
    let connector =
        find_connector(id.trim()).map_err(|e| UsageError::new(format!("{flag} ID=…: {e}")))?;
    Ok((connector.spec().id, value.trim()))
}

/// The registered connectors' specs.
fn registered() -> Vec<&'static ConnectorSpec<'static>> {
    connector_registry::all().iter().map(|c| c.spec()).collect()
}

/// Options for every registered connector: `--base-url ID=URL` and `--base-url ID.NAME=URL`
/// over the settings' base URLs, slot by slot.
fn options_by_connector(
    flags: &[String],
    settings: &Settings,
    limits: Limits,
) -> Result<HashMap<&'static str, CheckOptions>, UsageError> {
    let mut flags = urls::parse_bulk_flags(flags)?;
    Ok(registered()
        .into_iter()
        .map(|spec| {
            let flags = flags.remove(spec.id).unwrap_or_default();
            let options = CheckOptions {
                urls: settings.overrides(spec, flags),
                limits,
            };
            (spec.id, options)
        })
        .collect())
}

/// `--rate ID=N` per connector; a connector without one keeps the rate its spec declares for
/// bulk checks (`bulk_rate`), if any.
fn rates_by_connector(
    flags: &[String],
    specs: &[&'static ConnectorSpec<'static>],
) -> Result<HashMap<&'static str, RateLimit>, UsageError> {
    let mut rates = HashMap::default();
    for flag in flags {
        let (id, rate) = split_pair("--rate", flag, "stackone=5")?;
        let per_second = valid_rate(rate.parse::<f64>().ok()).ok_or_else(|| {
            UsageError::new(format!(
                "--rate {id}=…: give requests per second as a number above 0, e.g. {id}=5 or {id}=0.5"
            ))
        })?;
        if rates
            .insert(id, RateLimit::per_second(per_second))
            .is_some()
        {
            return Err(UsageError::new(format!("--rate is given twice for {id}")));
        }
    }
    for spec in specs {
        if let Some(per_second) = valid_rate(spec.bulk_rate) {
            rates
                .entry(spec.id)
                .or_insert_with(|| RateLimit::per_second(per_second));
        }
    }
    Ok(rates)
}

/// A usable rate: above 0 and at most a million a second.
fn valid_rate(rate: Option<f64>) -> Option<f64> {
    rate.filter(|n| n.is_finite() && *n > 0.0 && *n <= 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::{Overrides, RawCredentials, UrlTemplate};
    use std::time::Duration;

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

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn output_lines_are_id_then_the_check_json_fields() {
        let report = CheckReport {
            connector: "polytomic".to_owned(),
            variant: "api_key".to_owned(),
            status: Status::InvalidInput,
            key: Some("••••847b".to_owned()),
            http_status: None,
            message: "field `api_key` is required".to_owned(),
            warnings: vec!["report".to_owned()],
            account: None,
            elapsed_ms: 0,
        };
        let done = Done {
            line: 9,
            id: Value::from("acct"),
            report: Some(Arc::new(report.clone())),
            warnings: vec!["line".to_owned()],
        };
        let mut out = Vec::new();
        write_line(&mut out, &done, &report).unwrap();

        let mut expected = report;
        expected.message = "line 9: field `api_key` is required".to_owned();
        expected.warnings = vec!["line".to_owned(), "report".to_owned()];
        let single = serde_json::to_string(&expected).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, format!("{{\"id\":\"acct\",{}\n", &single[1..]));
    }

    #[tokio::test]
    async fn lines_never_sent_are_left_out_and_the_others_written_whole() {
        let report = |status| CheckReport {
            connector: "polytomic".to_owned(),
            variant: "api_key".to_owned(),
            status,
            key: None,
            http_status: None,
            message: String::new(),
            warnings: Vec::new(),
            account: None,
            elapsed_ms: 0,
        };
        let done = |line: u64, report: Option<CheckReport>| {
            Ok(Done {
                line,
                id: Value::from(line),
                report: report.map(Arc::new),
                warnings: Vec::new(),
            })
        };
        let results = stream::iter(vec![
            done(1, Some(report(Status::Verified))),
            done(2, None),
            done(3, Some(report(Status::Unavailable))),
        ]);
        let out = LineOutput::new(Vec::new());
        let mut summary = Summary::start();
        summary.counters().read(3);
        assert!(emit(results, &out, &mut summary).await.is_ok());
        let mut written = Vec::new();
        out.flush_into(&mut written);
        let text = String::from_utf8(written).unwrap();
        let ids: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].clone())
            .collect();
        assert_eq!(ids, [Value::from(1), Value::from(3)], "{text}");
    }

    #[test]
    fn flags_are_validated_per_connector() {
        let settings = Settings::default();
        let limits = Limits::default();
        let ok = options_by_connector(
            &strings(&["stackone=http://127.0.0.1:9/x"]),
            &settings,
            limits,
        )
        .unwrap();
        assert_eq!(
            ok["stackone"].urls.base_url.as_ref().unwrap().as_str(),
            "http://127.0.0.1:9/x"
        );
        assert!(ok["polytomic"].urls.base_url.is_none(), "the spec's own");
        assert_eq!(ok.len(), connector_registry::all().len());
        let err =
            options_by_connector(&strings(&["stackon=http://127.0.0.1:9"]), &settings, limits)
                .err()
                .unwrap();
        assert!(err.to_string().contains("did you mean `stackone`"), "{err}");
        assert!(
            options_by_connector(&strings(&["http://127.0.0.1:9"]), &settings, limits).is_err()
        );
        assert!(options_by_connector(&strings(&["stackone=ftp://x"]), &settings, limits).is_err());
        assert!(rates_by_connector(&strings(&["stackone=0.5"]), &registered()).is_ok());
        for bad in [
            "stackone=0",
            "stackone=x",
            "stackone",
            "nope=5",
            "stackone=1,stackone=2",
        ] {
            let flags: Vec<String> = bad.split(',').map(str::to_owned).collect();
            assert!(rates_by_connector(&flags, &registered()).is_err(), "{bad}");
        }
        assert!(concurrency(Some(0)).is_err());
        assert_eq!(concurrency(None).unwrap(), DEFAULT_CONCURRENCY);
        assert_eq!(host_concurrency(None, 64).expect("default"), 64);
        assert_eq!(host_concurrency(Some(4), 64).expect("below"), 4);
        assert!(host_concurrency(Some(0), 64).is_err());
        assert!(host_concurrency(Some(65), 64).is_err());
    }

    #[test]
    fn a_declared_bulk_rate_applies_unless_rate_says_otherwise() {
        let specs = [&urls::fake::EXCHANGING, &urls::fake::SUBDOMAIN];
        let rates = rates_by_connector(&[], &specs).unwrap();
        assert_eq!(rates["fakehouse"].interval(), Duration::from_millis(500));
        assert!(!rates.contains_key("fakeable"), "no rate of its own");
        let mut specs = registered();
        specs.push(&urls::fake::EXCHANGING);
        // `--rate` names registered connectors only; a registered one keeps its flag.
        let rates = rates_by_connector(&strings(&["stackone=4"]), &specs).unwrap();
        assert_eq!(rates["stackone"].interval(), Duration::from_millis(250));
        assert_eq!(rates["fakehouse"].interval(), Duration::from_millis(500));
    }

    #[test]
    fn bulk_base_urls_go_to_their_connector_and_slot() {
        let settings = Settings::default();
        let options = options_by_connector(
            &strings(&[
                "polymer_hire=http://127.0.0.1:9/v1/hire",
                "stackone=http://127.0.0.1:8",
            ]),
            &settings,
            Limits::default(),
        )
        .unwrap();
        assert_eq!(
            options["polymer-hire"]
                .urls
                .base_url
                .as_ref()
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/v1/hire"
        );
        assert!(options["polymer-hire"].urls.origins.is_empty());
        let err = options_by_connector(
            &strings(&["stackone.auth=http://127.0.0.1:8"]),
            &settings,
            Limits::default(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("stackone has no origin named `auth`"), "{err}");
    }
}
