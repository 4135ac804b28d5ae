//! Runs the conformance suite over every registered connector, so `cargo test --workspace` fails
//! when any of them stops conforming.

use connector_testkit::{run_suite, SuiteOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registered_connector_passes_the_suite() {
    let options = SuiteOptions::with_fixtures_dir(&SuiteOptions::workspace_fixtures_dir());
    let report = run_suite(connector_registry::all(), &options).await;
    assert_eq!(report.connectors.len(), connector_registry::all().len());
    assert!(report.passed(), "\n{}", report.render_table());
    println!("{}", report.render_timing());
}
