//! The end a check and an action share once the answer is read: the outcome's texts through the
//! redactor, the data it carries (an account, an action's outputs) bounded like any provider
//! input, the time taken, and one log line.

use tokio::time::Instant;

use crate::account::bounded_account;
use crate::outcome::{Account, Status};
use crate::redact::Redactor;
use crate::response::Interpreted;

/// An outcome as a report may show it.
#[derive(Debug)]
pub(crate) struct Finished {
    pub status: Status,
    pub http_status: Option<u16>,
    pub message: String,
    pub data: Option<Account>,
    /// Notes on data left out, then the outcome's own warnings, redacted.
    pub warnings: Vec<String>,
    pub elapsed_ms: u64,
}

/// Makes `outcome` safe to show: every text redacted, the data flattened and bounded, except the
/// fields named in `masked` (already masked, kept as they are). `what` names the run in the log
/// line (`check finished`, `action finished`).
pub(crate) fn finish(
    outcome: Interpreted,
    redactor: &Redactor,
    masked: &[&str],
    started: Instant,
    span: &tracing::Span,
    what: &str,
) -> Finished {
    let mut warnings = Vec::new();
    let data = outcome.data.map(|data| {
        // A check masks nothing: its account is bounded as it is, not rebuilt in two halves.
        let (masked, plain): (Account, Account) = if masked.is_empty() {
            (Account::new(), data)
        } else {
            data.into_iter()
                .partition(|(k, _)| masked.contains(&k.as_str()))
        };
        let (mut bounded, notes) = bounded_account(plain, redactor);
        warnings.extend(notes);
        bounded.extend(masked);
        bounded
    });
    warnings.extend(outcome.warnings.iter().map(|w| redactor.for_people(w)));
    let finished = Finished {
        status: outcome.status,
        http_status: outcome.http_status,
        message: redactor.for_people(&outcome.message),
        data,
        warnings,
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    span.in_scope(|| {
        tracing::info!(
            status = finished.status.as_str(),
            http_status = finished.http_status,
            elapsed_ms = finished.elapsed_ms,
            "{what} finished"
        );
    });
    finished
}
