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
        Some(id) => match connector_registry::find(id) {
            Some(connector) => vec![connector],
            None => {
                let hint = connector_registry::closest_id(id)
                    .map(|near| format!(" (did you mean `{near}`?)"))
                    .unwrap_or_default();
                let known: Vec<&str> = connector_registry::all()
                    .iter()
                    .map(|c| c.spec().id)
                    .collect();
                bail!(
                    "no connector `{id}`{hint}; registered: {}",
                    known.join(", ")
                );
            }
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
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
