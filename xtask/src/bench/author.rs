//! `cargo xtask bench --author`: how long a connector author waits between an edit and the
//! suite's verdict, on the definition route against the crate route.
//!
//! - Definition loop: a compiled connector's definition (under another id) and its fixtures in a
//!   temporary directory; each round edits the file (its summary), then loads the directory
//!   (`connector_definition::load_dir`) and runs the suite on it, in this process. Nothing is
//!   compiled. The median of the rounds is reported, split into load and suite.
//! - Crate loop: the same connector's `src/spec.rs` is touched (its modification time, not its
//!   text), then `cargo run -p xtask -- conformance --connector ID` rebuilds what depends on it
//!   (the connector, the registry, xtask) incrementally and runs its suite. Once: it costs a
//!   build.

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context as _};
use connector_core::Connector;
use connector_definition::{load_dir, print, Definition};
use connector_testkit::{run_suite_blocking, SuiteOptions};

/// The connector both loops edit: one verification request, a handful of fixtures.
const CONNECTOR: &str = "polymer-hire";

/// The definition loop's goal, edit to verdict.
const GOAL: Duration = Duration::from_secs(1);

/// One round of the definition loop.
#[derive(Debug, Clone, Copy)]
struct Round {
    load: Duration,
    suite: Duration,
}

pub fn run(repeat: usize) -> anyhow::Result<ExitCode> {
    if repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    let root = crate::workspace_root();
    println!(
        "bench --author: {CONNECTOR}, {} cores, {repeat} definition round(s) (median), 1 crate round",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let definition = definition_loop(&root, repeat)?;
    let total = definition.load + definition.suite;
    println!(
        "definition loop: {:>7.3} s (load {:.3} s + suite {:.3} s; edit the file, load it, run \
         its suite; nothing compiled)",
        total.as_secs_f64(),
        definition.load.as_secs_f64(),
        definition.suite.as_secs_f64()
    );
    let crate_loop = crate_loop(&root)?;
    println!(
        "crate loop:      {:>7.3} s (touch connectors/{CONNECTOR}/src/spec.rs, cargo run -p \
         xtask -- conformance --connector {CONNECTOR}: incremental build and suite)",
        crate_loop.as_secs_f64()
    );
    println!(
        "ratio: the definition loop takes {:.3} of the crate loop ({:.1}x faster)",
        total.as_secs_f64() / crate_loop.as_secs_f64().max(1e-9),
        crate_loop.as_secs_f64() / total.as_secs_f64().max(1e-9)
    );
    println!(
        "goal: definition loop under {} s: {}",
        GOAL.as_secs(),
        if total < GOAL { "met" } else { "NOT met" }
    );
    Ok(ExitCode::SUCCESS)
}

/// The median round of editing a definition and running its suite.
fn definition_loop(root: &Path, repeat: usize) -> anyhow::Result<Round> {
    let compiled = connector_registry::find(CONNECTOR)
        .with_context(|| format!("{CONNECTOR} is not registered"))?;
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let mut definition = Definition::from(compiled.spec());
    definition.id = format!("{CONNECTOR}-author");
    let file = dir.path().join(format!("{}.toml", definition.id));
    let fixtures = dir.path().join(&definition.id);
    std::fs::create_dir_all(&fixtures)
        .with_context(|| format!("cannot create {}", fixtures.display()))?;
    let source = root.join("fixtures").join(CONNECTOR);
    for entry in
        std::fs::read_dir(&source).with_context(|| format!("cannot read {}", source.display()))?
    {
        let path = entry?.path();
        if let Some(name) = path.file_name() {
            std::fs::copy(&path, fixtures.join(name))
                .with_context(|| format!("cannot copy {}", path.display()))?;
        }
    }
    let summary = definition.summary.clone();
    let mut rounds = Vec::new();
    // The first round warms the page cache and the runtime; not reported.
    for round in 0..=repeat {
        definition.summary = format!("{summary} (edit {round})");
        std::fs::write(&file, print(&definition))
            .with_context(|| format!("cannot write {}", file.display()))?;
        let started = Instant::now();
        let loaded = load_dir(dir.path()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let load = started.elapsed();
        let connectors: Vec<&dyn Connector> = loaded.iter().map(|c| c as &dyn Connector).collect();
        let report =
            run_suite_blocking(&connectors, &SuiteOptions::with_definitions_dir(dir.path()))
                .context("cannot start the runtime")?;
        let suite = started.elapsed() - load;
        if !report.passed() {
            bail!(
                "the suite failed on {CONNECTOR}'s definition:\n{}",
                report.render_table()
            );
        }
        if round > 0 {
            rounds.push(Round { load, suite });
        }
    }
    rounds.sort_by_key(|r| r.load + r.suite);
    Ok(rounds[rounds.len() / 2])
}

/// Touches the connector's spec, then rebuilds and runs its suite through cargo.
fn crate_loop(root: &Path) -> anyhow::Result<Duration> {
    let spec = root.join("connectors").join(CONNECTOR).join("src/spec.rs");
    std::fs::File::options()
        .append(true)
        .open(&spec)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .with_context(|| format!("cannot touch {}", spec.display()))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["run", "--quiet", "--package", "xtask", "--"])
        .args(["conformance", "--connector", CONNECTOR])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    // What cargo set for this process would make the inner cargo rebuild everything.
    for (name, _) in std::env::vars_os() {
        if name
            .to_str()
            .is_some_and(crate::new_connector::set_by_cargo)
        {
            command.env_remove(&name);
        }
    }
    let started = Instant::now();
    let status = command.status().context("cannot run cargo")?;
    let elapsed = started.elapsed();
    if !status.success() {
        bail!("the crate loop failed ({status}): cargo run -p xtask -- conformance --connector {CONNECTOR}");
    }
    Ok(elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition loop edits, loads and passes the suite (the crate loop is not run here: it
    /// builds).
    #[test]
    fn the_definition_loop_runs_the_suite_on_an_edited_definition() {
        let round = definition_loop(&crate::workspace_root(), 1).expect("a passing round");
        assert!(round.suite > Duration::ZERO);
    }
}
