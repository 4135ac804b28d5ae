//! Live checks: the real verification request of each connector whose credentials are in the
//! environment, sent to the real provider (or wherever its base URL is overridden), reported beside
//! the offline suite. Opt-in (`cargo xtask conformance --live`), never part of the default run or CI.
//!
//! Where credentials come from, for a connector with id `ID` (upper-cased, `-` as `_`):
//! - `<ID>_LIVE_CREDENTIALS`: a JSON object of field values, as in the CLI's credentials file;
//! - otherwise each field's own environment variable (`POLYTOMIC_API_KEY`), every required field of
//!   the variant set;
//! - `<ID>_LIVE_VARIANT` picks a credential variant other than the default.
//!
//! Base URLs are overridden as for `connector check`: `CONNECTOR_BASE_URLS__<ID>` for the API base
//! URL, `CONNECTOR_BASE_URLS__<ID>__<ORIGIN>` for a named origin. A connector without credentials
//! is skipped, which never fails the run; any outcome but `verified` does.
//!
//! The environment is a parameter (`&dyn Fn(&str) -> Option<String>`), so tests pass a map
//! instead of changing the process's. Nothing here ever holds a key in what it reports: the key
//! shows only masked (`••••abcd`), and every text from the check is redacted again.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use connector_core::check::resolve_variant;
use connector_core::template::{fill, placeholders};
use connector_core::text::{describe_value, printable};
use connector_core::{
    CheckOptions, CheckReport, Connector, ConnectorSpec, CredentialVariant, HttpClient, Limits,
    Overrides, RawCredentials, Redactor, Status, UrlTemplate,
};
use futures::future::{join_all, FutureExt as _};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use serde::{Serialize, Serializer};
use url::Url;

/// The environment as live checks read it: a variable's value by name, `None` when unset.
pub type Env<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// How live checks run.
#[derive(Debug, Clone, Default)]
pub struct LiveOptions {
    /// Deadline and retries of each check; `connector check`'s defaults unless changed.
    pub limits: Limits,
}

/// How one live check ended: a check status, or skipped for want of credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    Checked(Status),
    Skipped,
}

impl LiveStatus {
    /// `verified`, `rejected`, … or `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Checked(status) => status.as_str(),
            Self::Skipped => "skipped",
        }
    }
}

impl std::fmt::Display for LiveStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LiveStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The outcome of one connector's live check. Holds the key masked at most.
#[derive(Debug, Clone, Serialize)]
pub struct LiveResult {
    pub connector: String,
    /// The credential variant checked (the default one when skipped).
    pub variant: String,
    pub status: LiveStatus,
    /// The check's message, or why it was skipped.
    pub message: String,
    /// `verified` and `skipped` pass; anything else fails the run.
    pub passed: bool,
    /// The key, masked (`••••abcd`), when one was given.
    pub key: Option<String>,
    pub http_status: Option<u16>,
    /// What to do about a failed outcome: the connector's own hint, then the generic advice.
    pub advice: Option<String>,
    pub warnings: Vec<String>,
    /// Where the credentials came from: variable names, never values.
    pub source: Option<String>,
    pub elapsed_ms: u64,
}

/// Every connector's live check, in the order the connectors were given.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LiveReport {
    pub results: Vec<LiveResult>,
    #[serde(skip)]
    pub elapsed: Duration,
}

/// How many live checks verified, failed and were skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveCounts {
    pub verified: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// `<ID>_LIVE_CREDENTIALS`, e.g. `POLYMER_HIRE_LIVE_CREDENTIALS`.
pub fn credentials_var(id: &str) -> String {
    format!("{}_LIVE_CREDENTIALS", upper(id))
}

/// `<ID>_LIVE_VARIANT`, e.g. `POLYTOMIC_LIVE_VARIANT`.
pub fn variant_var(id: &str) -> String {
    format!("{}_LIVE_VARIANT", upper(id))
}

/// The variable overriding a connector's API base URL (`origin` `None`) or one of its named
/// origins: `CONNECTOR_BASE_URLS__GREENHOUSE`, `CONNECTOR_BASE_URLS__GREENHOUSE__AUTH`, as the
/// `connector` CLI reads them.
pub fn base_url_var(id: &str, origin: Option<&str>) -> String {
    match origin {
        None => format!("CONNECTOR_BASE_URLS__{}", upper(id)),
        Some(name) => format!("CONNECTOR_BASE_URLS__{}__{}", upper(id), upper(name)),
    }
}

fn upper(name: &str) -> String {
    name.to_ascii_uppercase().replace('-', "_")
}

/// `--base-url ID=URL` or `--base-url ID.NAME=URL` as the variable it stands for and its URL, for
/// `connectors`. Messages name the flag, never the URL.
pub fn base_url_flag(
    flag: &str,
    connectors: &[&dyn Connector],
) -> Result<(String, String), String> {
    let usage = || {
        "--base-url takes ID=URL for a connector's API base URL or ID.NAME=URL for a named \
         origin, e.g. polytomic=http://127.0.0.1:8080 or greenhouse.auth=http://127.0.0.1:8081"
            .to_owned()
    };
    let (key, url) = flag.split_once('=').ok_or_else(usage)?;
    let (id, origin) = match key.trim().split_once('.') {
        Some((id, name)) => (id, Some(name)),
        None => (key.trim(), None),
    };
    let normalize = |s: &str| s.trim().to_ascii_lowercase().replace('_', "-");
    let wanted = normalize(id);
    let Some(spec) = connectors.iter().map(|c| c.spec()).find(|s| s.id == wanted) else {
        let known: Vec<&str> = connectors.iter().map(|c| c.spec().id).collect();
        return Err(format!(
            "--base-url: no connector {} in this run; one of: {}",
            describe_name(id),
            known.join(", ")
        ));
    };
    let origin = match origin {
        None => None,
        Some(name) => {
            let wanted = normalize(name);
            let Some(found) = spec.origins.iter().find(|o| normalize(o.name) == wanted) else {
                let names: Vec<&str> = spec.origins.iter().map(|o| o.name).collect();
                return Err(format!(
                    "--base-url: {} has no origin named {}; its named origins: {}",
                    spec.id,
                    describe_name(name),
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ));
            };
            Some(found.name)
        }
    };
    Ok((base_url_var(spec.id, origin), url.trim().to_owned()))
}

/// A name from the input, quoted when short and plain, else only its length (it may be a key).
fn describe_name(name: &str) -> String {
    let plain = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain && !name.is_empty() && name.len() <= 11 {
        format!("`{name}`")
    } else {
        describe_value(name)
    }
}

/// What to do for one connector, decided from the environment alone.
enum Plan<'a> {
    /// No credentials: reported as skipped.
    Skip { variant: &'a str, message: String },
    /// The live settings themselves are wrong (an unknown variant, credentials that are not a
    /// JSON object, a bad base URL): reported as `invalid_input`, which fails the run.
    Invalid {
        variant: &'a str,
        message: String,
        source: Option<String>,
    },
    Check {
        variant: &'a CredentialVariant<'a>,
        raw: RawCredentials,
        urls: Overrides,
        source: String,
    },
}

/// Reads the environment for one connector: its variant, credentials and base URL overrides.
fn plan<'a>(spec: &'a ConnectorSpec<'a>, env: Env<'_>) -> Plan<'a> {
    let get = |name: &str| env(name).filter(|v| !v.is_empty());
    let variant_name = variant_var(spec.id);
    let variant = match get(&variant_name) {
        None => spec.default_variant(),
        Some(name) => match resolve_variant(spec, Some(name.trim())) {
            Ok(variant) => variant,
            Err(unknown) => {
                return Plan::Invalid {
                    variant: spec.default_variant().name,
                    message: format!("{variant_name}: {unknown}"),
                    source: Some(variant_name),
                }
            }
        },
    };
    let json_name = credentials_var(spec.id);
    let (raw, source) = if let Some(text) = get(&json_name) {
        match RawCredentials::from_json(&text) {
            Ok(raw) => (raw, json_name),
            Err(error) => {
                return Plan::Invalid {
                    variant: variant.name,
                    message: format!("{json_name}: {error}"),
                    source: Some(json_name),
                }
            }
        }
    } else {
        match from_field_vars(variant, &get) {
            Ok(found) => found,
            Err(why) => {
                return Plan::Skip {
                    variant: variant.name,
                    message: format!("{why}, or {json_name} to a JSON object of its fields"),
                }
            }
        }
    };
    match overrides(spec, &get) {
        Ok(urls) => Plan::Check {
            variant,
            raw,
            urls,
            source,
        },
        Err(message) => Plan::Invalid {
            variant: variant.name,
            message,
            source: Some(source),
        },
    }
}

/// The variant's fields from their own variables, when every required one is set; otherwise
/// what is missing, as the start of a sentence.
fn from_field_vars(
    variant: &CredentialVariant,
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<(RawCredentials, String), String> {
    let mut raw = RawCredentials::new();
    let mut set = Vec::new();
    let mut missing = Vec::new();
    let mut without_var = Vec::new();
    for field in variant.fields {
        let needed = field.required && field.default.is_none();
        match field.env {
            Some(name) => match get(name) {
                Some(value) => {
                    raw.insert(field.key, value);
                    set.push(name);
                }
                None if needed => missing.push(name),
                None => {}
            },
            None if needed => without_var.push(field.key),
            None => {}
        }
    }
    if !without_var.is_empty() {
        return Err(format!(
            "no credentials: {} has no environment variable; set it in the JSON object",
            without_var.join(", ")
        ));
    }
    if !missing.is_empty() {
        let what = if set.is_empty() {
            "no credentials".to_owned()
        } else {
            format!("incomplete credentials ({} set)", set.join(", "))
        };
        return Err(format!("{what}: set {}", missing.join(" and ")));
    }
    if set.is_empty() {
        return Err("no credentials: the variant has no field to set".to_owned());
    }
    Ok((raw, set.join(", ")))
}

/// Base URL overrides from `CONNECTOR_BASE_URLS__<ID>[__<ORIGIN>]`, checked as the CLI checks
/// them. Messages name the variable and the length, never the URL.
pub(crate) fn overrides(
    spec: &ConnectorSpec<'_>,
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Overrides, String> {
    let mut out = Overrides::default();
    let slots = std::iter::once(None).chain(spec.origins.iter().map(|o| Some(o.name)));
    for slot in slots {
        let name = base_url_var(spec.id, slot);
        let Some(text) = get(&name) else { continue };
        let template = parse_base_url(spec, text.trim(), &name)?;
        match slot {
            None => out.base_url = Some(template),
            Some(origin) => {
                out.origins.insert(origin.to_owned(), template);
            }
        }
    }
    Ok(out)
}

/// An http(s) URL with a host and no query, fragment or user name; its `{field}` placeholders
/// must name non-secret fields of the connector.
fn parse_base_url(spec: &ConnectorSpec, text: &str, setting: &str) -> Result<UrlTemplate, String> {
    let length = text.chars().count();
    let sample = fill(text, |_, _| Some("x".to_owned())).unwrap_or_else(|_| text.to_owned());
    let bad = |what: &str| {
        format!("{setting} {what} ({length} characters given); write it like https://api.example.com/v1")
    };
    let url = Url::parse(&sample).map_err(|e| bad(&format!("is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad("must be an http or https URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must have neither a query string nor a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry a user name or password"));
    }
    for (name, _) in placeholders(text) {
        let known = spec
            .variants
            .iter()
            .any(|v| v.fields.iter().any(|f| f.key == name && !f.secret));
        if !known {
            return Err(format!(
                "{setting} names the placeholder {}, which is not a non-secret field of {}",
                describe_name(name),
                spec.id
            ));
        }
    }
    UrlTemplate::parse(text).map_err(|e| bad(&e.to_string()))
}

/// Runs the live check of every connector of `connectors` whose credentials `env` holds, the
/// checks in parallel; the others are skipped.
pub async fn run_live(
    connectors: &[&dyn Connector],
    env: Env<'_>,
    options: &LiveOptions,
) -> LiveReport {
    let started = Instant::now();
    let plans: Vec<(&dyn Connector, Plan)> = connectors
        .iter()
        .map(|c| (*c, plan(c.spec(), env)))
        .collect();
    // The client `connector check` uses: no redirects, its User-Agent, the system resolver.
    let http = HttpClient::try_new().map_err(|e| e.to_string());
    let results = join_all(
        plans
            .into_iter()
            .map(|(connector, plan)| run_one(connector, plan, &http, options)),
    )
    .await;
    LiveReport {
        results,
        elapsed: started.elapsed(),
    }
}

/// [`run_live`] on a runtime of its own, for callers that are not async (xtask).
pub fn run_live_blocking(
    connectors: &[&dyn Connector],
    env: Env<'_>,
    options: &LiveOptions,
) -> std::io::Result<LiveReport> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(run_live(connectors, env, options)))
}

/// The environment of this process, as an [`Env`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

async fn run_one(
    connector: &dyn Connector,
    plan: Plan<'_>,
    http: &Result<HttpClient, String>,
    options: &LiveOptions,
) -> LiveResult {
    let spec = connector.spec();
    let (variant, raw, urls, source) = match plan {
        Plan::Skip { variant, message } => {
            return LiveResult {
                connector: spec.id.to_owned(),
                variant: variant.to_owned(),
                status: LiveStatus::Skipped,
                message,
                passed: true,
                key: None,
                http_status: None,
                advice: None,
                warnings: Vec::new(),
                source: None,
                elapsed_ms: 0,
            }
        }
        Plan::Invalid {
            variant,
            message,
            source,
        } => {
            return failed(spec, variant, Status::InvalidInput, message, source);
        }
        Plan::Check {
            variant,
            raw,
            urls,
            source,
        } => (variant, raw, urls, source),
    };
    let http = match http {
        Ok(http) => http,
        Err(error) => {
            let message = format!("cannot build the HTTP client: {error}");
            return failed(
                spec,
                variant.name,
                Status::Unexpected,
                message,
                Some(source),
            );
        }
    };
    let check_options = CheckOptions {
        urls,
        limits: options.limits,
    };
    // A connector that panics fails its live check instead of the run.
    let check = std::panic::AssertUnwindSafe(connector.check(
        http,
        Some(variant.name),
        &raw,
        &check_options,
    ))
    .catch_unwind();
    let report = match check.await {
        Ok(report) => report,
        Err(_) => CheckReport {
            connector: spec.id.to_owned(),
            variant: variant.name.to_owned(),
            status: Status::Unexpected,
            key: None,
            http_status: None,
            message: "the connector panicked during the check".to_owned(),
            warnings: Vec::new(),
            account: None,
            elapsed_ms: 0,
        },
    };
    // The check already redacts what it reports; redacting again costs nothing and means a
    // mistake there cannot put a key in this report.
    let redactor = Redactor::new(raw.secrets());
    let clean = |text: &str| redactor.redact(text).into_owned();
    let status = report.status;
    let passed = status == Status::Verified;
    LiveResult {
        connector: spec.id.to_owned(),
        variant: variant.name.to_owned(),
        status: LiveStatus::Checked(status),
        message: clean(&report.message),
        passed,
        key: report.key.as_deref().map(clean),
        http_status: report.http_status,
        advice: (!passed).then(|| advice(spec, status)),
        warnings: report.warnings.iter().map(|w| clean(w)).collect(),
        source: Some(source),
        elapsed_ms: report.elapsed_ms,
    }
}

/// A failed result that never reached the provider.
fn failed(
    spec: &ConnectorSpec,
    variant: &str,
    status: Status,
    message: String,
    source: Option<String>,
) -> LiveResult {
    LiveResult {
        connector: spec.id.to_owned(),
        variant: variant.to_owned(),
        status: LiveStatus::Checked(status),
        message,
        passed: false,
        key: None,
        http_status: None,
        advice: Some(advice(spec, status)),
        warnings: Vec::new(),
        source,
        elapsed_ms: 0,
    }
}

/// The connector's own hint for `status`, then the generic advice.
fn advice(spec: &ConnectorSpec, status: Status) -> String {
    match spec.guide.troubleshooting.for_status(status) {
        Some(tip) => format!("{tip} {}", status.advice()),
        None => status.advice().to_owned(),
    }
}

impl LiveReport {
    /// No live check failed (skipped ones never do).
    pub fn passed(&self) -> bool {
        self.results.iter().all(|r| r.passed)
    }

    pub fn counts(&self) -> LiveCounts {
        let mut counts = LiveCounts::default();
        for result in &self.results {
            match (result.status, result.passed) {
                (LiveStatus::Skipped, _) => counts.skipped += 1,
                (_, true) => counts.verified += 1,
                (_, false) => counts.failed += 1,
            }
        }
        counts
    }

    /// The result of one connector, if it was in the run.
    pub fn result(&self, connector: &str) -> Option<&LiveResult> {
        self.results.iter().find(|r| r.connector == connector)
    }

    /// `LIVE PASSED: 1 verified, 0 failed, 17 skipped (no credentials)`.
    pub fn summary(&self) -> String {
        let counts = self.counts();
        format!(
            "LIVE {}: {} verified, {} failed, {} skipped (no credentials)",
            if self.passed() { "PASSED" } else { "FAILED" },
            counts.verified,
            counts.failed,
            counts.skipped
        )
    }

    /// A section printed after the suite's table: one row per connector, then each failure with
    /// its message and advice, then the summary. Everything from outside is made printable.
    pub fn render_table(&self) -> String {
        let mut out =
            String::from("\nLive checks (real providers, credentials from the environment):\n");
        let rows: Vec<[String; 5]> = self
            .results
            .iter()
            .map(|r| {
                [
                    r.connector.clone(),
                    r.variant.clone(),
                    r.status.to_string(),
                    r.key.clone().unwrap_or_else(|| "-".to_owned()),
                    printable(&r.message).into_owned(),
                ]
            })
            .collect();
        let header = ["connector", "variant", "status", "key", "message"];
        let mut widths = header.map(|h| h.chars().count());
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut line = |cells: [&str; 5]| {
            let mut text = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    text.push_str("  ");
                    text.push_str(cell);
                } else {
                    let _ = write!(text, "  {cell:w$}", w = widths[i]);
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(header);
        for row in &rows {
            line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
        }
        let failures: Vec<&LiveResult> = self.results.iter().filter(|r| !r.passed).collect();
        if !failures.is_empty() {
            out.push_str("\nLive failures:\n");
            for r in failures {
                let _ = write!(out, "  {} ({}): {}", r.connector, r.variant, r.status);
                if let Some(code) = r.http_status {
                    let _ = write!(out, ", HTTP {code}");
                }
                out.push('\n');
                let _ = writeln!(out, "      {}", printable(&r.message));
                for warning in &r.warnings {
                    let _ = writeln!(out, "      warning: {}", printable(warning));
                }
                if let Some(advice) = &r.advice {
                    let _ = writeln!(out, "      advice: {advice}");
                }
            }
        }
        out.push('\n');
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// One JUnit test suite, `live`, with one test case per connector: skipped ones as
    /// `<skipped/>`, failed ones with their status, message and advice.
    pub fn junit_suite(&self) -> TestSuite {
        let mut suite = TestSuite::new("live");
        suite.set_time(self.elapsed);
        for r in &self.results {
            let status = match (r.status, r.passed) {
                (LiveStatus::Skipped, _) => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(r.message.as_str());
                    status
                }
                (_, true) => TestCaseStatus::success(),
                (status, false) => {
                    let mut failure = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    failure.set_message(format!("{status}: {}", r.message));
                    let mut description = format!("{status}: {}", r.message);
                    for warning in &r.warnings {
                        let _ = write!(description, "\nwarning: {warning}");
                    }
                    if let Some(advice) = &r.advice {
                        let _ = write!(description, "\nadvice: {advice}");
                    }
                    failure.set_description(description);
                    failure
                }
            };
            let mut case = TestCase::new(format!("live.{}", r.connector), status);
            case.set_classname(format!("conformance.{}", r.connector));
            case.set_time(Duration::from_millis(r.elapsed_ms));
            suite.add_test_case(case);
        }
        suite
    }
}
