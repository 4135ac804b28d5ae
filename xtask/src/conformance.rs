//! `cargo xtask conformance`: runs the conformance suite (crate `connector-testkit`) offline against
//! the workspace's `fixtures/` and prints or writes the report; with `--live`, also the real
//! verification check of each connector whose credentials are in the environment. With
//! `--definitions DIR`, the suite runs on the connectors defined in DIR's files instead, their
//! fixtures read from `DIR/<id>/`. The logic lives in the testkit.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use connector_testkit::live::{self, LiveOptions, LiveReport};
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
    /// The fixtures directory; defaults to the workspace's `fixtures/`, or with --definitions to
    /// the definitions directory (fixtures in DIR/<id>/).
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
    /// Run the suite on the connectors defined in DIR instead of the compiled ones: every
    /// `*.toml` of DIR is loaded as `connector --definitions DIR` loads it (a broken file stops
    /// the run, each problem named by file and line), and each connector's fixtures are read
    /// from DIR/<id>/ (the format of fixtures/README.md). --connector then picks one of them.
    #[arg(long, value_name = "DIR")]
    definitions: Option<PathBuf>,
    /// Also check real keys against the real providers: for each connector whose credentials are
    /// in the environment, run its verification check and report the outcome after the suite.
    ///
    /// Opt-in: it sends requests to the providers, so it is never part of the default run or of
    /// CI. Credentials for connector ID (upper-cased, `-` as `_`): `<ID>_LIVE_CREDENTIALS`, a JSON
    /// object of field values like the `connector` CLI's credentials file (e.g.
    /// POLYMER_HIRE_LIVE_CREDENTIALS='{"api_key": "…"}'), or else each field's own variable as
    /// listed by `connector describe ID` (e.g. POLYTOMIC_API_KEY), every required field set.
    /// `<ID>_LIVE_VARIANT` picks another credential variant. Base URLs are overridden as for
    /// `connector check`: CONNECTOR_BASE_URLS__<ID> and CONNECTOR_BASE_URLS__<ID>__<ORIGIN>, or
    /// --base-url. `verified` passes; any other outcome fails the run (exit 1) and shows the
    /// check's message and advice; a connector without credentials is skipped, which never
    /// fails. Keys are shown masked (`••••abcd`) at most.
    #[arg(long, verbatim_doc_comment)]
    live: bool,
    /// With --live: send a connector's live check to URL instead, `ID=URL` for its API base URL
    /// (path prefix included) or `ID.NAME=URL` for a named origin (e.g. `greenhouse.auth=…`); wins
    /// over CONNECTOR_BASE_URLS__<ID>[__<NAME>]. May be repeated.
    #[arg(long, value_name = "ID[.NAME]=URL", requires = "live")]
    base_url: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let defined = match &args.definitions {
        Some(dir) => crate::definitions::load(dir)?,
        None => Vec::new(),
    };
    let connectors: Vec<&dyn connector_core::Connector> = match (&args.definitions, &args.connector)
    {
        (Some(_), None) => crate::definitions::as_connectors(&defined),
        (Some(dir), Some(id)) => vec![crate::definitions::pick(&defined, id, dir)?],
        (None, None) => connector_registry::all().to_vec(),
        (None, Some(id)) => match connector_registry::lookup(id) {
            Ok(connector) => vec![connector],
            Err(unknown) => bail!(
                "{unknown}; registered: {}",
                connector_registry::UnknownConnector::known().join(", ")
            ),
        },
    };
    let fixtures = args
        .fixtures
        .clone()
        .or_else(|| args.definitions.clone())
        .unwrap_or_else(|| crate::workspace_root().join("fixtures"));
    if !fixtures.is_dir() {
        bail!(
            "fixtures directory {} not found; pass --fixtures DIR",
            fixtures.display()
        );
    }
    // Flags first, so a mistyped one stops the run before anything is sent.
    let base_urls = base_url_flags(&args.base_url, &connectors)?;
    let options = SuiteOptions {
        defined_in: args.definitions.clone(),
        ..SuiteOptions::with_fixtures_dir(&fixtures)
    };
    let report = run_suite_blocking(&connectors, &options).context("cannot start the runtime")?;
    let live = if args.live {
        let env = |name: &str| {
            base_urls
                .get(name)
                .cloned()
                .or_else(|| live::process_env(name))
        };
        Some(
            live::run_live_blocking(&connectors, &env, &LiveOptions::default())
                .context("cannot start the runtime")?,
        )
    } else {
        None
    };

    let rendered = match (args.format, &live) {
        (Format::Table, None) => report.render_table(),
        (Format::Table, Some(live)) => report.render_table() + &live.render_table(),
        (Format::Json, None) => report.render_json() + "\n",
        (Format::Json, Some(live)) => report.render_json_with_live(live) + "\n",
        (Format::Junit, None) => report
            .render_junit()
            .context("cannot render the JUnit report")?,
        (Format::Junit, Some(live)) => report
            .render_junit_with_live(live)
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
        if let Some(live) = &live {
            eprintln!("{}", live.summary());
        }
    }
    // The suite checks behaviour, not the generated docs; say when those lag behind the specs
    // so a green run is not taken for "ready to commit".
    if args.connector.is_none() && args.definitions.is_none() {
        if let Err(stale) = connector_docs::check_registry(&crate::workspace_root()) {
            let files = stale.to_string().lines().count();
            eprintln!(
                "note: the generated docs are stale ({files} line(s) of differences): run `cargo xtask docs` and commit the result; `cargo xtask docs --check` fails in CI until then"
            );
        }
    }
    Ok(
        if report.passed() && live.as_ref().is_none_or(LiveReport::passed) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}

/// `--base-url ID=URL` and `ID.NAME=URL` as the `CONNECTOR_BASE_URLS__…` variables they stand
/// for, each given once.
fn base_url_flags(
    flags: &[String],
    connectors: &[&dyn connector_core::Connector],
) -> anyhow::Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for flag in flags {
        let (name, url) = live::base_url_flag(flag, connectors).map_err(anyhow::Error::msg)?;
        if out.insert(name.clone(), url).is_some() {
            bail!("--base-url is given twice for what {name} names; keep one");
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;

    use crate::new_connector::{plan, Request};

    use super::*;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn parse(argv: &[&str]) -> Result<Args, clap::Error> {
        use clap::Parser as _;
        Cli::try_parse_from(std::iter::once("conformance").chain(argv.iter().copied()))
            .map(|cli| cli.args)
    }

    /// The live run is opt-in, `--base-url` only goes with it, and a slot may be overridden once.
    #[test]
    fn live_is_opt_in_and_base_urls_go_with_it() {
        let default = parse(&[]).expect("no arguments parse");
        assert!(!default.live, "the default run is offline");
        assert!(parse(&["--base-url", "polytomic=http://127.0.0.1:1"]).is_err());
        let live = parse(&[
            "--live",
            "--base-url",
            "polytomic=http://127.0.0.1:1",
            "--base-url",
            "greenhouse.auth=http://127.0.0.1:2",
        ])
        .expect("--live with --base-url parses");
        assert!(live.live);
        let connectors = connector_registry::all();
        let vars = base_url_flags(&live.base_url, connectors).expect("valid flags");
        assert_eq!(
            vars.get("CONNECTOR_BASE_URLS__GREENHOUSE__AUTH")
                .map(String::as_str),
            Some("http://127.0.0.1:2")
        );
        let twice = [
            "polytomic=http://127.0.0.1:1".to_owned(),
            "POLYTOMIC=http://127.0.0.1:3".to_owned(),
        ];
        assert!(base_url_flags(&twice, connectors).is_err());
    }

    /// A directory holding `<id>.toml` (a compiled connector's definition under another id)
    /// and its fixtures in `<id>/`; returns the id.
    pub(crate) fn defined_copy(dir: &Path, compiled: &str) -> String {
        let connector = connector_registry::find(compiled).expect("registered");
        let mut definition = connector_definition::Definition::from(connector.spec());
        definition.id = format!("{compiled}-defined");
        std::fs::write(
            dir.join(format!("{}.toml", definition.id)),
            connector_definition::print(&definition),
        )
        .expect("written");
        let fixtures = dir.join(&definition.id);
        std::fs::create_dir_all(&fixtures).expect("a fixtures directory");
        let source = crate::workspace_root().join("fixtures").join(compiled);
        for entry in std::fs::read_dir(source).expect("fixtures") {
            let path = entry.expect("an entry").path();
            std::fs::copy(&path, fixtures.join(path.file_name().expect("a name"))).expect("copied");
        }
        definition.id
    }

    /// `--definitions DIR` runs the suite on DIR's connectors with their fixtures in DIR/<id>/,
    /// and a broken file stops the run before any check.
    #[test]
    fn the_suite_runs_on_definitions_with_their_fixtures_beside_them() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let id = defined_copy(dir.path(), "polymer-hire");
        let path = dir.path().to_str().expect("a UTF-8 path");
        let code = run(parse(&["--definitions", path]).expect("parses")).expect("runs");
        assert_eq!(code, ExitCode::SUCCESS);
        let code = run(parse(&["--definitions", path, "--connector", &id]).expect("parses"))
            .expect("runs");
        assert_eq!(code, ExitCode::SUCCESS);
        let unknown =
            run(parse(&["--definitions", path, "--connector", "polymer-hire"]).expect("parses"))
                .expect_err("a compiled id is not among the definitions");
        assert!(format!("{unknown:#}").contains(&id), "{unknown:#}");

        std::fs::remove_dir_all(dir.path().join(&id)).expect("removed");
        let code = run(parse(&["--definitions", path]).expect("parses")).expect("runs");
        assert_eq!(code, ExitCode::FAILURE, "no fixtures fails the suite");

        std::fs::write(dir.path().join("broken.toml"), "id = \"x\"\nname = 3\n").expect("written");
        let broken = run(parse(&["--definitions", path]).expect("parses")).expect_err("broken");
        assert!(
            format!("{broken:#}").contains("cannot be loaded"),
            "{broken:#}"
        );
    }

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
