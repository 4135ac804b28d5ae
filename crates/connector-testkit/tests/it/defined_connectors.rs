//! Every compiled connector, printed as a definition file, loaded back from a directory and run
//! through the suite with its fixtures beside it (`DIR/<id>/`): the definition route declares
//! everything the crate route does, except what a connector reads in Rust code.

use std::collections::BTreeSet;
use std::path::Path;

use connector_core::Connector;
use connector_definition::{load_dir, print, Definition};
use connector_testkit::{run_suite, SuiteOptions};

/// The id a compiled connector's definition takes: a definition may not reuse a compiled id.
fn defined_id(id: &str) -> String {
    format!("{id}-defined")
}

/// Connectors whose behaviour is partly Rust code a definition cannot hold: the reason, and the
/// checks their definition fails because of it (exactly these; any other failure fails the test,
/// and so does one of these passing, so the list stays true).
const IN_CODE: &[(&str, &str, &[&str])] = &[
    (
        "hibob",
        // `HiBob::account` reads `/company/named-lists` (an object keyed by list name) into a
        // count and the first names; no `proof` can count an object's keys, so the spec declares
        // none. From its definition a 200 ends `unexpected` ("the connector declares no proof
        // for variant `service_user` and reads none itself").
        "overrides account(): the account is read in Rust, no proof is declared",
        &[
            "recorded.valid-key",
            "recorded.valid-key-sandbox",
            "recorded.rate-limited-then-ok",
            "behaviour.request-as-declared",
            "behaviour.429-retry-after-then-200-verified",
        ],
    ),
    (
        "stackone",
        // `StackOne::classify` reads 412 (account suspended) as `forbidden`; the spec declares no
        // answer rule for 412, so from its definition a 412 ends `unexpected`. Declaring that
        // rule in the spec's `answers` would move it out of Rust and let this one pass.
        "overrides classify(): 412 is read as forbidden in Rust, not declared in `answers`",
        &["recorded.account-suspended"],
    ),
];

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
    let dir = tempfile::tempdir().unwrap();
    let fixtures = SuiteOptions::workspace_fixtures_dir();
    for connector in connector_registry::all() {
        let spec = connector.spec();
        let mut definition = Definition::from(spec);
        definition.id = defined_id(spec.id);
        std::fs::write(
            dir.path().join(format!("{}.toml", definition.id)),
            print(&definition),
        )
        .unwrap();
        copy_fixtures(&fixtures.join(spec.id), &dir.path().join(&definition.id));
    }

    let loaded = load_dir(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.len(), connector_registry::all().len());
    let connectors: Vec<&dyn Connector> = loaded.iter().map(|c| c as &dyn Connector).collect();
    let options = SuiteOptions::with_definitions_dir(dir.path());
    let report = run_suite(&connectors, &options).await;

    let mut failed = Vec::new();
    for connector in &report.connectors {
        let compiled = connector.connector.trim_end_matches("-defined");
        let failures: BTreeSet<&str> = connector
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.name.as_str())
            .collect();
        if let Some((_, why, expected)) = IN_CODE.iter().find(|(id, ..)| *id == compiled) {
            if failures != expected.iter().copied().collect() {
                failed.push(format!(
                    "{}: failed {failures:?}, expected exactly {expected:?} ({why})",
                    connector.connector
                ));
            }
            continue;
        }
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
