//! `cargo xtask conformance`: runs the conformance suite (crate `connector-testkit`) offline against
//! the workspace's `fixtures/` and prints or writes the report. The logic lives in the testkit.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use connector_testkit::{run_suite_blocking, SuiteOptions};

/// How the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Checks by connectors, then each failure with its reasons, then timing.
    Table,
    /// The whole report as JSON.
    Json,
    /// JUnit XML: one test suite per connector, one test case per check.
    Junit,
}

/// Runs every check against every registered connector on 127.0.0.1, from recorded fixtures.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The report goes to stdout, or to --output FILE when given (e.g. `--format junit --output \
target/conformance.xml` for CI). With json, junit or --output, the timing and the pass/fail \
summary go to stderr. Exits 1 when any check fails.")]
pub struct Args {
    /// Run only this connector (by id, e.g. `polytomic`).
    #[arg(long, value_name = "ID")]
    connector: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to this file instead of stdout (e.g. target/conformance.xml for CI).
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The fixtures directory; defaults to the workspace's `fixtures/`.
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let connectors = match &args.connector {
        None => connector_registry::all().to_vec(),
        Some(id) => match connector_registry::lookup(id) {
            Ok(connector) => vec![connector],
            Err(unknown) => bail!(
                "{unknown}; registered: {}",
                connector_registry::UnknownConnector::known().join(", ")
            ),
        },
    };
    let fixtures = args
        .fixtures
        .unwrap_or_else(|| crate::workspace_root().join("fixtures"));
    if !fixtures.is_dir() {
        bail!(
            "fixtures directory {} not found; pass --fixtures DIR",
            fixtures.display()
        );
    }
    let options = SuiteOptions::with_fixtures_dir(&fixtures);
    let report = run_suite_blocking(&connectors, &options).context("cannot start the runtime")?;

    let rendered = match args.format {
        Format::Table => report.render_table(),
        Format::Json => report.render_json() + "\n",
        Format::Junit => report
            .render_junit()
            .context("cannot render the JUnit report")?,
    };
    match &args.output {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::write(path, &rendered)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{rendered}"),
    }
    if args.format != Format::Table || args.output.is_some() {
        let (all, failed) = report.counts();
        eprint!("{}", report.render_timing());
        eprintln!(
            "{}: {all} checks, {failed} failed",
            if failed == 0 { "PASSED" } else { "FAILED" }
        );
    }
    // The suite checks behaviour, not the generated docs; say when those lag behind the specs
    // so a green run is not taken for "ready to commit".
    if args.connector.is_none() {
        if let Err(stale) = connector_docs::check_registry(&crate::workspace_root()) {
            let files = stale.to_string().lines().count();
            eprintln!(
                "note: the generated docs are stale ({files} line(s) of differences): run `cargo xtask docs` and commit the result; `cargo xtask docs --check` fails in CI until then"
            );
        }
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::new_connector::{plan, Request};

    use super::*;

    /// The starter fixtures `cargo xtask new-connector` writes fail `spec.no-placeholders`, which
    /// names every file and field still to fill in (the spec's own placeholders are covered by the
    /// testkit's broken-connector tests).
    #[test]
    fn a_fresh_scaffold_fails_no_placeholders_naming_what_is_left() {
        let request = Request::parse("acme-test", "Acme Test", "bearer", "https://api.acme.test")
            .expect("a valid request");
        let plan = plan(&crate::workspace_root(), &request).expect("a plan");
        let spec = plan
            .create
            .iter()
            .find(|(path, _)| path.ends_with("src/spec.rs"))
            .map(|(_, text)| text.as_str())
            .unwrap_or_default();
        assert!(spec.contains("path: \"/TODO\""), "{spec}");

        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut written = 0;
        for (path, text) in plan
            .create
            .iter()
            .filter(|(p, _)| p.starts_with("fixtures"))
        {
            let target = dir.path().join(path);
            std::fs::create_dir_all(target.parent().unwrap_or(Path::new(".")))
                .expect("a fixtures directory");
            std::fs::write(target, text).expect("written");
            written += 1;
        }
        assert_eq!(written, 5);
        // Replay the scaffold's fixtures against a real connector: only the fixtures say TODO.
        let mut options = SuiteOptions::with_fixtures_dir(&dir.path().join("fixtures"));
        options.fixtures.share("acme-test", "polymer-hire");
        let connector = connector_registry::find("polymer-hire").expect("registered");
        let report = run_suite_blocking(&[connector], &options).expect("a runtime");
        let check = report.connectors[0]
            .check("spec.no-placeholders")
            .expect("the check ran");
        assert!(
            !check.passed,
            "a fresh scaffold passed spec.no-placeholders"
        );
        for name in [
            "valid-key",
            "revoked-key",
            "key-lacking-permission",
            "rate-limited-then-ok",
            "provider-outage",
        ] {
            let file = format!("fixtures/polymer-hire/{name}.json still has placeholders in ");
            assert!(
                check
                    .failures
                    .iter()
                    .any(|f| f.contains(&file) && f.contains("request.path")),
                "{name} not named: {:#?}",
                check.failures
            );
        }
    }
}
