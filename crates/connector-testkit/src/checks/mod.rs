//! The checks, grouped by what they look at: the declaration ([`spec`]), the recorded fixtures
//! ([`recorded`]), behaviour synthesized from the spec ([`behaviour`]), a [`hostile`] provider,
//! declared [`actions`] and, over everything the others ran, secret [`hygiene`].

pub(crate) mod actions;
pub(crate) mod behaviour;
pub(crate) mod hostile;
pub(crate) mod hygiene;
pub(crate) mod recorded;
pub(crate) mod spec;

use std::future::Future;
use std::time::Instant;

use futures::future::{join, join_all, BoxFuture};

use crate::{CheckResult, ConnectorReport, Ctx};

/// Runs every check of one connector; the recorded and behaviour checks run concurrently.
pub(crate) async fn run_connector(ctx: Ctx<'_>, duplicate_id: bool) -> ConnectorReport {
    let started = Instant::now();
    let spec = ctx.connector.spec();
    let scenarios = ctx.options.fixtures.for_connector(spec.id);
    let mut checks = spec::checks(spec, duplicate_id);
    checks.extend(actions::spec_checks(spec));
    checks.push(spec::no_placeholders_check(spec, scenarios, ctx.options));
    checks.push(recorded::load_check(&ctx));

    let replays = join_all(scenarios.iter().map(|scenario| {
        timed(
            format!("recorded.{}", scenario.name),
            recorded::replay(&ctx, scenario),
        )
    }));
    let subjects = behaviour::subjects(&ctx);
    let behaviours = join_all(behaviour::all(&ctx, &subjects));
    let (replayed, behaved) = join(replays, behaviours).await;
    checks.extend(replayed);
    checks.extend(behaved);
    // After the timed checks: the hostile scenarios are many, and their load would eat into the
    // deadlines the checks above measure.
    checks.extend(join_all(hostile::all(&ctx, &subjects)).await);
    checks.extend(hygiene::checks(&ctx));
    checks.extend(actions::hygiene_check(&ctx));

    ConnectorReport {
        connector: spec.id.to_owned(),
        elapsed: started.elapsed(),
        checks,
    }
}

/// Runs a check's future and times it.
pub(crate) fn timed<'a>(
    name: String,
    check: impl Future<Output = Vec<String>> + Send + 'a,
) -> BoxFuture<'a, CheckResult> {
    Box::pin(async move {
        let started = Instant::now();
        let failures = check.await;
        CheckResult::new(name, failures, started.elapsed())
    })
}
