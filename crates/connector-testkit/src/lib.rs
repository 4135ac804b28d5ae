//! The conformance suite every connector must pass: spec checks, recorded scenarios replayed on
//! loopback, generic behaviour synthesized from the spec, and secret hygiene over all of them.
//!
//! Entry points: [`run_suite`] (async) or [`run_suite_blocking`], then one of the renderers on
//! [`SuiteReport`]. `cargo xtask conformance` is a thin command line over this crate.

pub mod capture;
mod checks;
pub mod fixture;
pub mod leak;
pub mod live;
pub mod record;
mod report;
pub mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use connector_core::{
    ActionResult, ActionSpec, CheckOptions, CheckReport, Connector, HttpClient, Limits, Overrides,
    RawCredentials, Status,
};
use futures::future::{join_all, FutureExt as _};
use secrecy::ExposeSecret as _;
use serde_json::{Map, Value};

pub use fixture::{Fixtures, Scenario};
pub use live::{run_live, run_live_blocking, LiveOptions, LiveReport, LiveResult, LiveStatus};
pub use report::{CheckResult, ConnectorReport, SuiteReport};

/// How the suite runs.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    /// The recorded scenarios, keyed by connector id.
    pub fixtures: Fixtures,
    /// The deadline of every check the suite runs. Short, so "never answers" is quick to prove;
    /// long enough for one `Retry-After: 1` wait.
    pub timeout: Duration,
    /// How far past the deadline a check may end and still count as "within the deadline".
    pub margin: Duration,
    /// When the connectors come from definition files (`--definitions DIR`): that directory, so
    /// failures point at the definition and at `DIR/<id>/` rather than at
    /// `connectors/<id>/src/` and `fixtures/<id>/`.
    pub defined_in: Option<PathBuf>,
}

impl SuiteOptions {
    /// Options reading fixtures from `dir` (the workspace's `fixtures/`).
    pub fn with_fixtures_dir(dir: &Path) -> Self {
        Self {
            fixtures: Fixtures::load(dir),
            timeout: Duration::from_secs(2),
            margin: Duration::from_millis(1000),
            defined_in: None,
        }
    }

    /// Options for connectors defined in `dir`'s definition files, their fixtures in
    /// `dir/<id>/`.
    pub fn with_definitions_dir(dir: &Path) -> Self {
        Self {
            defined_in: Some(dir.to_path_buf()),
            ..Self::with_fixtures_dir(dir)
        }
    }

    /// Where connector `id`'s declaration is edited, for messages: `connectors/<id>/src/<file>`,
    /// or its definition file.
    pub(crate) fn source_of(&self, id: &str, file: &str) -> String {
        match &self.defined_in {
            Some(dir) => format!("the definition file of `{id}` in {}", dir.display()),
            None => format!("connectors/{id}/src/{file}"),
        }
    }

    /// Where connector `id`'s fixtures are, for messages: `fixtures/<id>`, or `DIR/<id>` beside
    /// its definition.
    pub(crate) fn fixtures_of(&self, id: &str) -> String {
        match &self.defined_in {
            Some(dir) => dir.join(id).display().to_string(),
            None => format!("fixtures/{id}"),
        }
    }

    /// The workspace's `fixtures/`, found from this crate's source location.
    pub fn workspace_fixtures_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
    }
}

/// Runs every check against every connector, connectors and checks in parallel.
pub async fn run_suite(connectors: &[&dyn Connector], options: &SuiteOptions) -> SuiteReport {
    let started = Instant::now();
    let http = HttpClient::new();
    let mut id_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for connector in connectors {
        *id_counts.entry(connector.spec().id).or_default() += 1;
    }
    // Unconstrained: wiremock's `MockServer` drop blocks on a tokio lock with
    // `futures::executor::block_on`; once this task's cooperative budget ran out that lock would
    // answer `Pending` forever and the drop would spin.
    let reports = tokio::task::unconstrained(join_all(connectors.iter().map(|connector| {
        let duplicate = id_counts.get(connector.spec().id).copied().unwrap_or(0) > 1;
        let ctx = Ctx {
            connector: *connector,
            http: http.clone(),
            options,
            runs: Mutex::new(Vec::new()),
            action_runs: Mutex::new(Vec::new()),
            permits: &PROBES,
        };
        async move { checks::run_connector(ctx, duplicate).await }
    })))
    .await;
    SuiteReport {
        connectors: reports,
        elapsed: started.elapsed(),
    }
}

/// [`run_suite`] on a runtime of its own, for callers that are not async (xtask).
pub fn run_suite_blocking(
    connectors: &[&dyn Connector],
    options: &SuiteOptions,
) -> std::io::Result<SuiteReport> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(run_suite(connectors, options)))
}

/// What one connector's checks share: the connector, the client, and every check and action the
/// connector ran, kept for the hygiene checks.
pub(crate) struct Ctx<'a> {
    pub connector: &'a dyn Connector,
    pub http: HttpClient,
    pub options: &'a SuiteOptions,
    pub runs: Mutex<Vec<Run>>,
    pub action_runs: Mutex<Vec<ActionRun>>,
    /// Bounds the probes in flight across the whole process, so a probe's deadline measures the
    /// connector and not a machine swamped by a thousand others.
    pub permits: &'a tokio::sync::Semaphore,
}

/// The most checks the suite runs at the same moment.
const MAX_PROBES_AT_ONCE: usize = 192;

/// The probes' permits, one pool for the whole process: suites run side by side (the tests of
/// one test binary do) share it instead of each running [`MAX_PROBES_AT_ONCE`], which on a
/// small machine let a check that waits out a `Retry-After` miss its deadline. Tokio's semaphore
/// is not tied to a runtime, so suites on different runtimes can share it.
static PROBES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_PROBES_AT_ONCE);

/// Everything observable about one call of `Connector::check` or of an action, with the secrets
/// it was given or minted.
pub(crate) struct Run {
    pub label: String,
    pub secrets: Vec<String>,
    pub debug: String,
    pub display: String,
    pub json: String,
    pub logs: String,
}

/// What one action run minted and handed over, for the action hygiene check.
pub(crate) struct ActionRun {
    pub action: String,
    pub label: String,
    pub status: Status,
    /// The secret outputs the provider sent, read from the recorded bodies at the declared
    /// pointers, by output key.
    pub minted: Vec<(String, String)>,
    /// The keys of `ActionResult::secret_outputs` and their values.
    pub handed_over: Vec<(String, String)>,
    /// The credential's secret values.
    pub credentials: Vec<String>,
    /// Every printable rendering of the result, as (what, text).
    pub renderings: Vec<(&'static str, String)>,
}

/// The message of a report standing in for a check that panicked.
pub(crate) const PANICKED: &str = "the connector panicked during the check";

/// The result of one call of `Connector::check`.
pub(crate) struct Probe {
    pub report: CheckReport,
    pub elapsed: Duration,
}

impl Ctx<'_> {
    /// Calls the connector's `check` against `base_url`, capturing its TRACE log, and records the
    /// run for the hygiene checks. `secrets` are the values that must never come out.
    pub async fn probe(
        &self,
        label: String,
        variant: Option<&str>,
        credentials: &BTreeMap<String, String>,
        urls: Overrides,
        secrets: Vec<String>,
        timeout: Option<Duration>,
    ) -> Probe {
        let mut raw = RawCredentials::new();
        for (key, value) in credentials {
            raw.insert(key.clone(), value.clone());
        }
        let options = CheckOptions {
            urls,
            limits: Limits {
                timeout: timeout.unwrap_or(self.options.timeout),
                ..Limits::default()
            },
        };
        let _permit = self.permits.acquire().await;
        let started = Instant::now();
        // A connector that panics on what a provider sent fails its checks instead of the suite.
        let check =
            std::panic::AssertUnwindSafe(self.connector.check(&self.http, variant, &raw, &options))
                .catch_unwind();
        let (report, logs) = capture::with_captured_logs(check).await;
        let elapsed = started.elapsed();
        let report = report.unwrap_or_else(|_| CheckReport {
            connector: self.connector.spec().id.to_owned(),
            variant: variant.unwrap_or_default().to_owned(),
            status: Status::Unexpected,
            key: None,
            http_status: None,
            message: PANICKED.to_owned(),
            warnings: Vec::new(),
            account: None,
            elapsed_ms: 0,
        });
        let run = Run {
            label,
            secrets,
            debug: format!("{report:?}"),
            display: report.to_string(),
            json: serde_json::to_string(&report).unwrap_or_default(),
            logs,
        };
        push_locked(&self.runs, run);
        Probe { report, elapsed }
    }

    /// Runs `action` against `base_url` through connector-core's `run_action`, capturing its TRACE
    /// log, and records the run for the hygiene checks. `minted` are the secret outputs the
    /// provider sends; they and `secrets` must never come out except in `secret_outputs`.
    #[allow(clippy::too_many_arguments)]
    pub async fn run_action(
        &self,
        label: String,
        action: &ActionSpec<'_>,
        variant: Option<&str>,
        credentials: &BTreeMap<String, String>,
        inputs: &Map<String, Value>,
        urls: Overrides,
        secrets: Vec<String>,
        minted: Vec<(String, String)>,
    ) -> ActionResult {
        let mut raw = RawCredentials::new();
        for (key, value) in credentials {
            raw.insert(key.clone(), value.clone());
        }
        let raw_inputs =
            RawCredentials::from_value(Value::Object(inputs.clone())).unwrap_or_default();
        let options = CheckOptions {
            urls,
            limits: Limits {
                timeout: self.options.timeout,
                ..Limits::default()
            },
        };
        let _permit = self.permits.acquire().await;
        let (result, logs) = capture::with_captured_logs(connector_core::run_action(
            self.connector,
            &self.http,
            action,
            variant,
            &raw,
            &raw_inputs,
            &options,
        ))
        .await;
        let report = &result.report;
        let renderings = vec![
            ("Debug of the result", format!("{result:?}")),
            ("Debug of the report", format!("{report:?}")),
            (
                "JSON of the report",
                serde_json::to_string(report).unwrap_or_default(),
            ),
            ("TRACE log", logs.clone()),
        ];
        let mut all_secrets = secrets.clone();
        all_secrets.extend(minted.iter().map(|(_, v)| v.clone()));
        let run = Run {
            label: label.clone(),
            secrets: all_secrets,
            debug: renderings[0].1.clone(),
            display: format!("{}\n{}", report.message, report.warnings.join("\n")),
            json: renderings[2].1.clone(),
            logs,
        };
        let action_run = ActionRun {
            action: action.id.to_owned(),
            label,
            status: report.status,
            minted,
            handed_over: result
                .secret_outputs
                .iter()
                .map(|(k, v)| (k.clone(), v.expose_secret().to_owned()))
                .collect(),
            credentials: secrets,
            renderings,
        };
        push_locked(&self.runs, run);
        push_locked(&self.action_runs, action_run);
        result
    }

    /// The values of `credentials` that can hold a secret in `variant` (the key field, every
    /// secret field, and any field whose name says it holds a secret).
    pub fn secrets_of(
        variant: &connector_core::CredentialVariant,
        credentials: &BTreeMap<String, String>,
    ) -> Vec<String> {
        credentials
            .iter()
            .filter(|(key, _)| {
                variant.key_field().is_some_and(|k| k.key == key.as_str())
                    || variant
                        .field(key)
                        .is_some_and(|f| f.secret || checks::spec::looks_secret(f))
            })
            .map(|(_, value)| value.clone())
            .filter(|value| value.len() >= 4)
            .collect()
    }
}

/// Appends to a shared list, even one a panicking check left poisoned.
fn push_locked<T>(list: &Mutex<Vec<T>>, item: T) {
    match list.lock() {
        Ok(mut items) => items.push(item),
        Err(poisoned) => poisoned.into_inner().push(item),
    }
}
