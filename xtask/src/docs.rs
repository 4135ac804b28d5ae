//! `cargo xtask docs [--check]`: writes `docs/connectors/*.md` and `docs/catalog.json` from the
//! registered connectors' specs, and `docs/definition.schema.json` from the definition file's
//! Rust types, or checks that the committed files match them.

use std::process::ExitCode;

use anyhow::Context as _;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Change nothing; fail, listing each stale, missing or extra file with a diff, if the
    /// generated docs are not up to date.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = crate::workspace_root();
    if args.check {
        return Ok(match connector_docs::check_registry(&root) {
            Ok(()) => {
                let count = connector_docs::expected_files(connector_registry::all()).len();
                println!("docs are up to date ({count} generated files)");
                ExitCode::SUCCESS
            }
            Err(stale) => {
                eprintln!("{stale}");
                ExitCode::FAILURE
            }
        });
    }
    let written = connector_docs::write_registry(&root)
        .with_context(|| format!("writing the generated docs under {}", root.display()))?;
    for path in &written.changed {
        println!("wrote    {}", path.display());
    }
    for path in &written.removed {
        println!("removed  {}", path.display());
    }
    for path in &written.foreign {
        eprintln!(
            "warning: {} is in a generated folder but was not generated; move or delete it",
            path.display()
        );
    }
    println!(
        "{} written, {} unchanged, {} removed",
        written.changed.len(),
        written.unchanged.len(),
        written.removed.len()
    );
    Ok(ExitCode::SUCCESS)
}
