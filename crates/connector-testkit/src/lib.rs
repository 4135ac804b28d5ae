//! The conformance suite every connector must pass: spec checks, recorded scenarios replayed on
//! loopback, generic behaviour synthesized from the spec, and secret hygiene over all of them.
//!
//! Entry points: [`run_suite`] (async) or [`run_suite_blocking`], then one of the renderers on
//! [`SuiteReport`]. `cargo xtask conformance` is a thin command line over this crate.

pub mod capture;
mod checks;
pub mod fixture;
mod report;
pub mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use connector_core::{CheckOptions, CheckReport, Connector, HttpClient, Limits, RawCredentials};
use futures::future::join_all;
use url::Url;

pub use fixture::{Fixtures, Scenario};
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
}

impl SuiteOptions {
    /// Options reading fixtures from `dir` (the workspace's `fixtures/`).
    pub fn with_fixtures_dir(dir: &Path) -> Self {
        Self {
            fixtures: Fixtures::load(dir),
            timeout: Duration::from_secs(2),
            margin: Duration::from_millis(1000),
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

/// What one connector's checks share: the connector, the client, and every check the connector
/// ran, kept for the hygiene checks.
pub(crate) struct Ctx<'a> {
    pub connector: &'a dyn Connector,
    pub http: HttpClient,
    pub options: &'a SuiteOptions,
    pub runs: Mutex<Vec<Run>>,
}

/// Everything observable about one call of `Connector::check`, with the secrets it was given.
pub(crate) struct Run {
    pub label: String,
    pub secrets: Vec<String>,
    pub debug: String,
    pub display: String,
    pub json: String,
    pub logs: String,
}

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
        base_url: Option<Url>,
        secrets: Vec<String>,
    ) -> Probe {
        let mut raw = RawCredentials::new();
        for (key, value) in credentials {
            raw.insert(key.clone(), value.clone());
        }
        let options = CheckOptions {
            base_url,
            limits: Limits {
                timeout: self.options.timeout,
                ..Limits::default()
            },
        };
        let started = Instant::now();
        let (report, logs) =
            capture::with_captured_logs(self.connector.check(&self.http, variant, &raw, &options))
                .await;
        let elapsed = started.elapsed();
        let run = Run {
            label,
            secrets,
            debug: format!("{report:?}"),
            display: report.to_string(),
            json: serde_json::to_string(&report).unwrap_or_default(),
            logs,
        };
        match self.runs.lock() {
            Ok(mut runs) => runs.push(run),
            Err(poisoned) => poisoned.into_inner().push(run),
        }
        Probe { report, elapsed }
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
                variant.auth.field() == key.as_str()
                    || variant
                        .field(key)
                        .is_some_and(|f| f.secret || checks::spec::looks_secret(f))
            })
            .map(|(_, value)| value.clone())
            .filter(|value| value.len() >= 4)
            .collect()
    }
}
