//! `connector check`: one credential against its provider, reported for people or as JSON.

use std::process::ExitCode;

use connector_core::check::resolve_variant;
use connector_core::text::printable;
use connector_core::HttpClient;
use connector_core::{CheckOptions, CheckReport, ConnectorSpec, CredentialVariant, DryRun, Status};

use crate::args::CheckArgs;
use crate::credentials::{self, CredentialsError};
use crate::settings::Settings;
use crate::urls;
use crate::usage::{find_connector, print_out, UsageError};

pub const AFTER_HELP: &str = "\
Examples:
  POLYTOMIC_API_KEY=… connector check polytomic
  connector check stackone --credentials creds.json --json
  echo '{\"api_key\": \"…\"}' | connector check smartrecruiters --credentials -
  connector check polytomic --base-url http://127.0.0.1:8080          # the API base URL
  connector check greenhouse --base-url http://127.0.0.1:8080/v3 \\
      --base-url auth=http://127.0.0.1:8081                            # and a named origin
  connector check workable --base-url 'http://{subdomain}.localhost:8080/spi/v3'
  connector check polytomic --dry-run --json                          # show, send nothing
  connector check --bulk keys.jsonl --base-url greenhouse=http://… --base-url greenhouse.auth=http://…

--base-url [NAME=]URL: a URL alone replaces the connector's API base URL, path prefix included;
NAME=URL replaces one of its named origins (Greenhouse's token endpoint is `auth`; `connector
describe ID` lists them). Each may be given once. With --bulk, prefix the connector id: ID=URL and
ID.NAME=URL. A URL may use the connector's own {field} placeholders. The config file and the
environment take the same names: [base_urls] greenhouse = \"…\" and \"greenhouse.auth\" = \"…\";
CONNECTOR_BASE_URLS__GREENHOUSE and CONNECTOR_BASE_URLS__GREENHOUSE__AUTH.

--dry-run builds the request or requests the check would send (method, full URL, headers, body)
and prints them with every secret masked, sending nothing: exit 0 when the input is valid, 2 when
it is not (with the same report as a check). With --json it prints one object:
{\"connector\", \"variant\", \"requests\": [{\"method\", \"url\", \"headers\": [[name, value], …], \"body\"}]}.
For a token exchange, the second request shows a placeholder where the token will go.

With --json, a check prints one object: connector, variant, status, key (masked), http_status,
message, warnings, account, elapsed_ms. Statuses and exit codes: verified 0, invalid_input 2,
rejected 3, forbidden 4, rate_limited 5, unavailable 6, unexpected 7.";

pub async fn run(args: &CheckArgs, settings: &Settings) -> Result<ExitCode, UsageError> {
    let id = args
        .id
        .as_deref()
        .ok_or_else(|| UsageError::new("give a connector id, or --bulk FILE"))?;
    let connector = find_connector(id)?;
    let spec = connector.spec();
    let variant = resolve_variant(spec, args.variant.as_deref())
        .map_err(|e| UsageError::new(e.to_string()))?;
    let flags = urls::parse_flags(spec, &args.base_url)?;
    let options = CheckOptions {
        urls: settings.overrides(spec, flags),
        limits: settings.limits_with(args.timeout, args.retries)?,
    };
    if args.dry_run {
        return dry_run(args, spec, variant, &options);
    }
    crate::test_panic::panic_for_tests("check");
    let http = settings.http_client(HttpClient::builder(), &options.limits, &args.network)?;
    let report = match credentials::read(args.credentials.as_deref(), variant) {
        Ok(raw) => {
            connector
                .check(&http, Some(variant.name), &raw, &options)
                .await
        }
        Err(CredentialsError::Unreadable(error)) => return Err(error),
        Err(CredentialsError::Invalid(error)) => invalid_report(spec, variant, error.to_string()),
    };
    print_report(&report, args.json);
    Ok(ExitCode::from(report.status.exit_code()))
}

/// `check --dry-run`: the requests a check would send, every secret masked; nothing is sent.
fn dry_run(
    args: &CheckArgs,
    spec: &'static ConnectorSpec<'static>,
    variant: &'static CredentialVariant<'static>,
    options: &CheckOptions,
) -> Result<ExitCode, UsageError> {
    let raw = match credentials::read(args.credentials.as_deref(), variant) {
        Ok(raw) => raw,
        Err(CredentialsError::Unreadable(error)) => return Err(error),
        Err(CredentialsError::Invalid(error)) => {
            let report = invalid_report(spec, variant, error.to_string());
            print_report(&report, args.json);
            return Ok(ExitCode::from(report.status.exit_code()));
        }
    };
    match connector_core::dry_run(spec, Some(variant.name), &raw, options) {
        Ok(shown) => {
            print_dry_run(&shown, args.json);
            Ok(ExitCode::SUCCESS)
        }
        Err(report) => {
            print_report(&report, args.json);
            Ok(ExitCode::from(report.status.exit_code()))
        }
    }
}

/// The report of credentials that could not even be read as a JSON object.
fn invalid_report(
    spec: &ConnectorSpec,
    variant: &CredentialVariant,
    message: String,
) -> CheckReport {
    CheckReport {
        connector: spec.id.to_owned(),
        variant: variant.name.to_owned(),
        status: Status::InvalidInput,
        key: None,
        http_status: None,
        message,
        warnings: Vec::new(),
        account: None,
        elapsed_ms: 0,
    }
}

/// Prints a dry run as one JSON object, or request by request for people.
pub fn print_dry_run(shown: &DryRun, json: bool) {
    if json {
        match serde_json::to_string(shown) {
            Ok(line) => print_out(&format!("{line}\n")),
            Err(e) => eprintln!("error: cannot serialize the requests: {e}"),
        }
    } else {
        print_out(&human_dry_run(shown));
    }
}

/// Each request as `METHOD URL`, its `Name: value` headers, then a blank line and the body when
/// there is one; requests are separated by a blank line. Secrets are already masked by the core;
/// every line goes through [`printable`] as any text shown on a terminal does.
pub fn human_dry_run(shown: &DryRun) -> String {
    let mut out = String::new();
    for (n, request) in shown.requests.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "{} {}\n",
            printable(&request.method),
            printable(&request.url)
        ));
        for (name, value) in &request.headers {
            out.push_str(&format!("{}: {}\n", printable(name), printable(value)));
        }
        if let Some(body) = &request.body {
            out.push('\n');
            for line in body.lines() {
                out.push_str(&printable(line));
                out.push('\n');
            }
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::RawCredentials;

    const SECRET: &str = "cs_live_0123456789abcdef";

    #[test]
    fn a_dry_run_shows_each_request_masked_and_the_token_as_a_placeholder() {
        let spec = &crate::urls::fake::EXCHANGING;
        let mut raw = RawCredentials::new();
        raw.insert("client_id", "client-42");
        raw.insert("client_secret", SECRET);
        let flags = crate::urls::parse_flags(
            spec,
            &[
                "http://127.0.0.1:9/v3".to_owned(),
                "auth=http://127.0.0.1:8".to_owned(),
            ],
        )
        .unwrap();
        let options = CheckOptions {
            urls: Settings::default().overrides(spec, flags),
            ..CheckOptions::default()
        };
        let shown = connector_core::dry_run(spec, None, &raw, &options).unwrap();
        let text = human_dry_run(&shown);
        let json = serde_json::to_string(&shown).unwrap();
        for out in [&text, &json] {
            assert!(
                !out.contains(SECRET) && !out.contains("0123456789abcdef"),
                "{out}"
            );
        }
        let blocks: Vec<&str> = text.split("\n\n").collect();
        assert_eq!(blocks.len(), 3, "request, its body, request: {text}");
        assert!(
            blocks[0].starts_with("POST http://127.0.0.1:8/token\n"),
            "{text}"
        );
        assert!(
            blocks[0].contains("Authorization: Basic base64(client-42:••••cdef)"),
            "{text}"
        );
        assert_eq!(blocks[1], "grant_type=client_credentials");
        assert!(
            blocks[2].starts_with("GET http://127.0.0.1:9/v3/users\n"),
            "{text}"
        );
        assert!(
            blocks[2].contains("Authorization: Bearer <access_token from the exchange>"),
            "{text}"
        );
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn a_dry_run_refuses_a_placeholder_value_that_escapes_its_place() {
        let spec = &crate::urls::fake::SUBDOMAIN;
        let mut raw = RawCredentials::new();
        raw.insert("subdomain", "acme.evil.example#");
        raw.insert("api_key", SECRET);
        let report =
            connector_core::dry_run(spec, None, &raw, &CheckOptions::default()).unwrap_err();
        assert_eq!(report.status, Status::InvalidInput);
        assert!(report.message.contains("subdomain"), "{}", report.message);
        assert!(!human_report(&report).contains("evil"));
    }
}
