//! Every compiled connector, printed as a definition file, loaded back from a directory and run
//! through the suite with its fixtures beside it (`DIR/<id>/`): the definition route declares
//! everything the crate route does; no connector reads anything in Rust code any longer.

use std::collections::BTreeSet;
use std::path::Path;

use connector_core::Connector;
use connector_definition::{load_dir, print, Definition};
use connector_testkit::{run_suite, SuiteOptions};

/// The id a compiled connector's definition takes: a definition may not reuse a compiled id.
fn defined_id(id: &str) -> String {
    format!("{id}-defined")
}

/// Copies the `*.json` fixtures of `from` into `to`. Fixtures name no connector id (the suite
/// finds them by their folder), so they are copied unchanged.
fn copy_fixtures(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a fixtures directory");
    for entry in std::fs::read_dir(from).expect("the workspace's fixtures") {
        let path = entry.expect("a fixture").path();
        if let (Some(name), true) = (
            path.file_name(),
            path.extension().is_some_and(|e| e == "json"),
        ) {
            std::fs::copy(&path, to.join(name)).expect("a fixture copied");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_compiled_connector_passes_the_suite_from_its_definition_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fixtures = SuiteOptions::workspace_fixtures_dir();
    for connector in connector_registry::all() {
        let spec = connector.spec();
        let mut definition = Definition::from(spec);
        definition.id = defined_id(spec.id);
        std::fs::write(
            dir.path().join(format!("{}.toml", definition.id)),
            print(&definition),
        )
        .expect("a definition written");
        copy_fixtures(&fixtures.join(spec.id), &dir.path().join(&definition.id));
    }

    let loaded = load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.len(), connector_registry::all().len());
    let connectors: Vec<&dyn Connector> = loaded.iter().map(|c| c as &dyn Connector).collect();
    let options = SuiteOptions::with_definitions_dir(dir.path());
    let report = run_suite(&connectors, &options).await;

    let mut failed = Vec::new();
    for connector in &report.connectors {
        let failures: BTreeSet<&str> = connector
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.name.as_str())
            .collect();
        if !failures.is_empty() {
            failed.push(format!("{}: failed {failures:?}", connector.connector));
        }
    }
    assert!(
        failed.is_empty(),
        "{}\n\n{}",
        failed.join("\n"),
        report.render_table()
    );
}
