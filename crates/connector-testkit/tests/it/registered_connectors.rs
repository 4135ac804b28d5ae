//! Runs the conformance suite over every registered connector, so `cargo test --workspace` fails
//! when any of them stops conforming.

use std::time::Duration;

use connector_testkit::{run_suite, SuiteOptions};

/// Each check's deadline while `cargo test` runs other tests beside this one.
pub const UNDER_LOAD: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registered_connector_passes_the_suite() {
    let mut options = SuiteOptions::with_fixtures_dir(&SuiteOptions::workspace_fixtures_dir());
    // Other test binaries share the cores here: room for a token exchange and a `Retry-After: 1`
    // wait under load (`cargo xtask conformance` keeps the short default).
    options.timeout = UNDER_LOAD;
    let report = run_suite(connector_registry::all(), &options).await;
    assert_eq!(report.connectors.len(), connector_registry::all().len());
    assert!(report.passed(), "\n{}", report.render_table());
    println!("{}", report.render_timing());
}
