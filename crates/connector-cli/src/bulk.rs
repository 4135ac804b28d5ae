//! `connector check --bulk`: many credentials at once, streamed, in input order.
//!
//! A reader thread parses the input line by line into a bounded channel ([`input`],
//! [`line`](mod@line)). Each line becomes a future in an ordered window (`buffered`) a few times
//! wider than `--concurrency`; checks run as tasks on shards, one thread per core each with its
//! own runtime and HTTP client ([`shards`]), and share a [`checker`]: a semaphore bounds the
//! requests in flight, hosts get their places, and `--rate` spaces the requests to one
//! connector (the flags are read in [`flags`]). Identical credentials share one check through a
//! bounded cache of recent ones ([`recent`], [`pending`]). Results are written in input order as
//! soon as the line at the head of the window is done, so memory depends on the window, not on
//! the input.

mod checker;
mod flags;
mod input;
mod interrupt;
mod judge;
mod line;
mod output;
mod pending;
mod recent;
mod report_line;
mod shards;
mod summary;

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;

use connector_core::{CheckReport, HttpClient};
use futures::future::{self, Either, FutureExt};
use futures::stream::{self, StreamExt};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::args::CheckArgs;
use crate::settings::Settings;
use crate::usage::UsageError;

use self::checker::{host_slots, raise_open_files, Checker};
use self::flags::{
    concurrency, host_concurrency, options_by_connector, rates_by_connector, registered,
};
use self::input::Source;
use self::interrupt::{Interrupt, INTERRUPTED};
use self::judge::{Entry, Work};
use self::output::LineOutput;
use self::pending::Pending;
use self::recent::Recent;
use self::report_line::write_line;
use self::shards::Shards;
use self::summary::Summary;

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
    // One client per shard: a connection stays on the thread that opened it.
    let clients = (0..shards::count())
        .map(|_| {
            settings.http_client(
                HttpClient::builder().pool_size(per_host),
                &limits,
                &args.network,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
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
        options,
        rates,
        hosts: host_slots(per_host, concurrency, open_files, clients.len()),
        permits,
        interrupt: interrupt.clone(),
    });
    let mut shards = Shards::start(&checker, clients)
        .map_err(|e| UsageError::new(format!("cannot start the checking threads: {e}")))?;
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
                        let (pending, task) = shards.start_check(job);
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
        write_line(&mut line, &done.id, done.line, &done.warnings, report).map_err(Stop::Output)?;
        out.push(&line).map_err(Stop::Output)?;
        summary.record(report.status);
    }
    out.flush().map_err(Stop::Output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::Status;

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
}
