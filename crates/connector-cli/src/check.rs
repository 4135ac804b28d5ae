//! `connector check`: one credential against its provider, reported for people or as JSON.

use std::process::ExitCode;

use connector_core::check::resolve_variant;
use connector_core::http::DEFAULT_POOL_SIZE;
use connector_core::text::printable;
use connector_core::{CheckOptions, CheckReport, Status};

use crate::credentials::{self, CredentialsError};
use crate::settings::Settings;
use crate::usage::{find_connector, print_out, UsageError};
use crate::CheckArgs;

pub const AFTER_HELP: &str = "\
Examples:
  POLYTOMIC_API_KEY=… connector check polytomic
  connector check stackone --credentials creds.json --json
  echo '{\"api_key\": \"…\"}' | connector check smartrecruiters --credentials -

With --json, prints one object: connector, variant, status, key (masked), http_status, message,
warnings, account, elapsed_ms. Statuses and exit codes: verified 0, invalid_input 2, rejected 3,
forbidden 4, rate_limited 5, unavailable 6, unexpected 7.";

pub async fn run(args: &CheckArgs, settings: &Settings) -> Result<ExitCode, UsageError> {
    let id = args
        .id
        .as_deref()
        .ok_or_else(|| UsageError::new("give a connector id, or --bulk FILE"))?;
    let connector = find_connector(id)?;
    let spec = connector.spec();
    let variant = resolve_variant(spec, args.variant.as_deref()).map_err(UsageError::new)?;
    let base_url = match args.base_url.as_slice() {
        [] => None,
        [one] => Some(one.as_str()),
        _ => {
            return Err(UsageError::new(
                "--base-url is given once for a single check (ID=URL pairs are for --bulk)",
            ))
        }
    };
    let options = CheckOptions {
        base_url: settings.base_url(spec.id, base_url)?,
        limits: settings.limits_with(args.timeout, args.retries)?,
    };
    crate::panic_for_tests("check");
    let http = settings.http_client(DEFAULT_POOL_SIZE, &options.limits)?;
    let report = match credentials::read(args.credentials.as_deref(), variant) {
        Ok(raw) => {
            connector
                .check(&http, Some(variant.name), &raw, &options)
                .await
        }
        Err(CredentialsError::Unreadable(error)) => return Err(error),
        Err(CredentialsError::Invalid(error)) => CheckReport {
            connector: spec.id.to_owned(),
            variant: variant.name.to_owned(),
            status: Status::InvalidInput,
            key: None,
            http_status: None,
            message: error.to_string(),
            warnings: Vec::new(),
            account: None,
            elapsed_ms: 0,
        },
    };
    print_report(&report, args.json);
    Ok(ExitCode::from(report.status.exit_code()))
}

/// Prints a report as one JSON object, or as a short report for people.
pub fn print_report(report: &CheckReport, json: bool) {
    if json {
        match serde_json::to_string(report) {
            Ok(line) => print_out(&format!("{line}\n")),
            Err(e) => eprintln!("error: cannot serialize the report: {e}"),
        }
    } else {
        print_out(&human_report(report));
    }
}

/// A few lines a person can act on. Everything that came from outside is passed through
/// [`printable`], so provider text cannot move the cursor or forge a line.
pub fn human_report(report: &CheckReport) -> String {
    let mark = match report.status {
        Status::Verified => "✓",
        Status::InvalidInput => "✗",
        _ => "!",
    };
    let mut out = format!(
        "{mark} {status}: {connector} ({variant}), key {key}",
        status = report.status,
        connector = printable(&report.connector),
        variant = printable(&report.variant),
        key = printable(report.key.as_deref().unwrap_or("not given")),
    );
    if let Some(code) = report.http_status {
        out.push_str(&format!(", HTTP {code}"));
    }
    out.push_str(&format!(
        ", {} ms\n  {}\n",
        report.elapsed_ms,
        printable(&report.message)
    ));
    if let Some(account) = report.account.as_ref().filter(|a| !a.is_empty()) {
        out.push_str("  account:\n");
        for (key, value) in account {
            let value = value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string());
            out.push_str(&format!("    {}: {}\n", printable(key), printable(&value)));
        }
    }
    for warning in &report.warnings {
        out.push_str(&format!("  warning: {}\n", printable(warning)));
    }
    out
}
