//! The suite's results and their three renderings: a table of checks by connectors for people,
//! JSON for tools, and JUnit XML for CI systems; with `--live`, the live checks beside them.

use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use crate::live::{LiveReport, LiveResult};

/// The outcome of one check for one connector.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// Dotted name, e.g. `behaviour.401-rejected` or `recorded.valid-key`.
    pub name: String,
    pub passed: bool,
    /// Why it failed, one line each, saying what to fix. Empty when passed.
    pub failures: Vec<String>,
    #[serde(serialize_with = "as_millis")]
    pub elapsed: Duration,
}

impl CheckResult {
    pub fn new(name: impl Into<String>, failures: Vec<String>, elapsed: Duration) -> Self {
        Self {
            name: name.into(),
            passed: failures.is_empty(),
            failures,
            elapsed,
        }
    }
}

/// Every check of one connector.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectorReport {
    pub connector: String,
    #[serde(serialize_with = "as_millis")]
    pub elapsed: Duration,
    pub checks: Vec<CheckResult>,
}

impl ConnectorReport {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// The named check, if it ran.
    pub fn check(&self, name: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// The whole suite's results.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteReport {
    pub connectors: Vec<ConnectorReport>,
    #[serde(serialize_with = "as_millis")]
    pub elapsed: Duration,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

impl SuiteReport {
    pub fn passed(&self) -> bool {
        self.connectors.iter().all(ConnectorReport::passed)
    }

    /// The number of checks run and of checks failed.
    pub fn counts(&self) -> (usize, usize) {
        let all = self.connectors.iter().map(|c| c.checks.len()).sum();
        let failed = self
            .connectors
            .iter()
            .flat_map(|c| &c.checks)
            .filter(|c| !c.passed)
            .count();
        (all, failed)
    }

    /// Checks as rows, connectors as columns, then every failure with its reasons, then timing.
    pub fn render_table(&self) -> String {
        let mut rows: Vec<&str> = Vec::new();
        for check in self.connectors.iter().flat_map(|c| &c.checks) {
            if !rows.contains(&check.name.as_str()) {
                rows.push(&check.name);
            }
        }
        // Group rows by kind, keeping each group's order; recorded scenarios alphabetically so a
        // scenario shared by several connectors sits next to those only some have.
        let group = |name: &str| {
            ["spec.", "fixtures.", "recorded.", "behaviour.", "hygiene."]
                .iter()
                .position(|prefix| name.starts_with(prefix))
                .unwrap_or(usize::MAX)
        };
        rows.sort_by(|a, b| {
            let by_group = group(a).cmp(&group(b));
            if group(a) == 2 {
                by_group.then_with(|| a.cmp(b))
            } else {
                by_group
            }
        });
        let first_width = rows.iter().map(|r| r.len()).max().unwrap_or(5).max(5);
        let widths: Vec<usize> = self
            .connectors
            .iter()
            .map(|c| c.connector.len().max(4))
            .collect();
        let mut out = String::new();
        let _ = write!(out, "{:first_width$}", "check");
        for (c, w) in self.connectors.iter().zip(&widths) {
            let _ = write!(out, "  {:w$}", c.connector);
        }
        out.push('\n');
        for row in &rows {
            let _ = write!(out, "{row:first_width$}");
            for (c, w) in self.connectors.iter().zip(&widths) {
                let cell = match c.check(row) {
                    Some(r) if r.passed => "ok",
                    Some(_) => "FAIL",
                    None => "-",
                };
                let _ = write!(out, "  {cell:w$}");
            }
            out.push('\n');
        }
        let (all, failed) = self.counts();
        if failed > 0 {
            out.push_str("\nFailures:\n");
            for connector in &self.connectors {
                for check in connector.checks.iter().filter(|c| !c.passed) {
                    let _ = writeln!(out, "  {} / {}", connector.connector, check.name);
                    for failure in &check.failures {
                        let _ = writeln!(out, "      {failure}");
                    }
                }
            }
        }
        out.push('\n');
        out.push_str(&self.render_timing());
        let _ = writeln!(
            out,
            "{}: {} checks, {} failed",
            if failed == 0 { "PASSED" } else { "FAILED" },
            all,
            failed
        );
        out
    }

    /// Each connector's time and the suite's wall time.
    pub fn render_timing(&self) -> String {
        let mut out = String::new();
        for connector in &self.connectors {
            let _ = writeln!(
                out,
                "{:>8.2} s  {}",
                connector.elapsed.as_secs_f64(),
                connector.connector
            );
        }
        let _ = writeln!(
            out,
            "{:>8.2} s  total wall time (connectors in parallel)",
            self.elapsed.as_secs_f64()
        );
        out
    }

    pub fn render_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// [`SuiteReport::render_json`] with the live checks as a top-level `live` array, one object
    /// per connector: `connector`, `variant`, `status` (`verified`, `rejected`, … or `skipped`),
    /// `message`, `passed`, then `key` (masked), `http_status`, `advice`, `warnings`, `source`
    /// and `elapsed_ms`.
    pub fn render_json_with_live(&self, live: &LiveReport) -> String {
        #[derive(Serialize)]
        struct WithLive<'a> {
            #[serde(flatten)]
            suite: &'a SuiteReport,
            live: &'a [LiveResult],
        }
        let both = WithLive {
            suite: self,
            live: &live.results,
        };
        serde_json::to_string_pretty(&both).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// One test suite per connector, one test case per check; failures carry their reasons.
    pub fn render_junit(&self) -> Result<String, quick_junit::SerializeError> {
        self.junit_report().to_string()
    }

    /// [`SuiteReport::render_junit`] plus a `live` test suite: one test case per connector,
    /// `<skipped/>` when it had no credentials.
    pub fn render_junit_with_live(
        &self,
        live: &LiveReport,
    ) -> Result<String, quick_junit::SerializeError> {
        let mut report = self.junit_report();
        report.add_test_suite(live.junit_suite());
        report.to_string()
    }

    fn junit_report(&self) -> Report {
        let mut report = Report::new("conformance");
        report.set_time(self.elapsed);
        for connector in &self.connectors {
            let mut suite = TestSuite::new(connector.connector.as_str());
            suite.set_time(connector.elapsed);
            for check in &connector.checks {
                let status = if check.passed {
                    TestCaseStatus::success()
                } else {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status.set_message(check.failures.first().cloned().unwrap_or_default());
                    status.set_description(check.failures.join("\n"));
                    status
                };
                let mut case = TestCase::new(check.name.as_str(), status);
                case.set_classname(format!("conformance.{}", connector.connector));
                case.set_time(check.elapsed);
                suite.add_test_case(case);
            }
            report.add_test_suite(suite);
        }
        report
    }
}
