//! Secret hygiene over every check the other groups ran: no run of 12 characters of the key, in
//! any form a provider may echo it in ([`crate::leak`]), appears in the Debug or Display of a
//! returned report, in its JSON, or in anything logged at TRACE level.

use std::collections::HashMap;
use std::time::Instant;

use crate::{leak, CheckResult, Ctx, Run};

/// Picks one output of a run.
type OutputOf = fn(&Run) -> &str;

/// Leaks listed per output before the rest are counted: one leak usually repeats in every run.
const MAX_LISTED: usize = 3;

/// The three hygiene checks.
pub(crate) fn checks(ctx: &Ctx<'_>) -> Vec<CheckResult> {
    let runs = match ctx.runs.lock() {
        Ok(runs) => runs,
        Err(poisoned) => poisoned.into_inner(),
    };
    let outputs: [(&str, &str, OutputOf); 4] = [
        ("hygiene.debug-display", "Debug of the report", |r| &r.debug),
        ("hygiene.debug-display", "Display of the report", |r| {
            &r.display
        }),
        ("hygiene.json", "JSON of the report", |r| &r.json),
        ("hygiene.trace-logs", "TRACE log", |r| &r.logs),
    ];
    let mut results: Vec<CheckResult> = Vec::new();
    let mut finders: HashMap<Vec<String>, leak::Finder> = HashMap::new();
    for (name, what, text_of) in outputs {
        let started = Instant::now();
        let mut failures = Vec::new();
        if runs.is_empty() {
            failures
                .push("no check ran, so nothing shows the key is kept out of outputs".to_owned());
        }
        for run in runs.iter() {
            let secrets: Vec<String> = run
                .secrets
                .iter()
                .filter(|s| s.len() >= 4)
                .cloned()
                .collect();
            let finder = finders
                .entry(secrets.clone())
                .or_insert_with(|| leak::Finder::new(&secrets));
            let text = text_of(run);
            if let Some(leak) = finder.describe(text) {
                failures.push(format!("in the {what} of `{}`, {leak}", run.label));
            }
        }
        if failures.len() > MAX_LISTED {
            let more = failures.len() - MAX_LISTED;
            failures.truncate(MAX_LISTED);
            failures.push(format!("… and {more} more check run(s) with the same leak"));
        }
        match results.iter_mut().find(|r| r.name == name) {
            Some(result) => {
                result.failures.extend(failures);
                result.passed = result.failures.is_empty();
                result.elapsed += started.elapsed();
            }
            None => results.push(CheckResult::new(name, failures, started.elapsed())),
        }
    }
    results
}
