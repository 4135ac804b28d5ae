//! `cargo xtask docs [--check]`: writes `docs/connectors/*.md` and `docs/catalog.json` from the
//! registered connectors' specs, and `docs/definition.schema.json` from the definition file's
//! Rust types, or checks that the committed files match them. With `--definitions DIR --out OUT`,
//! the same files for the connectors defined in DIR, laid out under OUT as `docs/` is
//! (`OUT/connectors/<id>.md`, `OUT/catalog.json`); the workspace's `docs/` is left alone.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use connector_docs::{Stale, Written};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Change nothing; fail, listing each stale, missing or extra file with a diff, if the
    /// generated docs are not up to date.
    #[arg(long)]
    check: bool,
    /// Generate the docs of the connectors defined in DIR (its *.toml files, loaded and checked
    /// as `connector --definitions DIR` loads them) instead of the compiled ones; needs --out.
    #[arg(long, value_name = "DIR", requires = "out")]
    definitions: Option<PathBuf>,
    /// Write (or with --check, compare) the docs under OUT instead of the workspace's docs/,
    /// laid out as docs/ is: OUT/connectors/<id>.md, OUT/connectors/README.md, OUT/catalog.json
    /// and OUT/definition.schema.json.
    #[arg(long, value_name = "OUT")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let defined = match &args.definitions {
        Some(dir) => crate::definitions::load(dir)?,
        None => Vec::new(),
    };
    let connectors = match &args.definitions {
        Some(_) => crate::definitions::as_connectors(&defined),
        None => connector_registry::all().to_vec(),
    };
    let root = crate::workspace_root();
    if args.check {
        let checked = match &args.out {
            Some(out) => connector_docs::check_docs_dir(out, &connectors),
            None => connector_docs::check(&root, &connectors),
        };
        return Ok(report_check(checked, &connectors));
    }
    let written = match &args.out {
        Some(out) => connector_docs::write_docs_dir(out, &connectors)
            .with_context(|| format!("writing the generated docs under {}", out.display()))?,
        None => connector_docs::write(&root, &connectors)
            .with_context(|| format!("writing the generated docs under {}", root.display()))?,
    };
    report_written(&written);
    Ok(ExitCode::SUCCESS)
}

fn report_check(
    checked: Result<(), Stale>,
    connectors: &[&dyn connector_core::Connector],
) -> ExitCode {
    match checked {
        Ok(()) => {
            let count = connector_docs::expected_files(connectors).len();
            println!("docs are up to date ({count} generated files)");
            ExitCode::SUCCESS
        }
        Err(stale) => {
            eprintln!("{stale}");
            ExitCode::FAILURE
        }
    }
}

fn report_written(written: &Written) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn parse(argv: &[&str]) -> Result<Args, clap::Error> {
        use clap::Parser as _;
        Cli::try_parse_from(std::iter::once("docs").chain(argv.iter().copied())).map(|c| c.args)
    }

    /// `--definitions DIR --out OUT` writes the guides and the catalog of DIR's connectors under
    /// OUT, as docs/ is laid out, and `--check` then finds them current.
    #[test]
    fn defined_connectors_get_their_docs_under_out() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out = tempfile::tempdir().expect("a temporary directory");
        let id = crate::conformance::tests::defined_copy(dir.path(), "polymer-hire");
        let (dir_arg, out_arg) = (
            dir.path().to_str().expect("a UTF-8 path"),
            out.path().to_str().expect("a UTF-8 path"),
        );
        assert!(
            parse(&["--definitions", dir_arg]).is_err(),
            "--out is required"
        );
        let args = parse(&["--definitions", dir_arg, "--out", out_arg]).expect("parses");
        assert_eq!(run(args).expect("written"), ExitCode::SUCCESS);
        let guide = std::fs::read_to_string(out.path().join(format!("connectors/{id}.md")))
            .expect("the guide");
        assert!(guide.contains("Polymer Hire"), "{guide}");
        let catalog: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.path().join("catalog.json")).expect("the catalog"),
        )
        .expect("JSON");
        assert!(
            catalog.to_string().contains(&format!("\"{id}\"")),
            "{catalog}"
        );
        assert!(!catalog.to_string().contains("\"polytomic\""), "{catalog}");
        let check =
            parse(&["--check", "--definitions", dir_arg, "--out", out_arg]).expect("parses");
        assert_eq!(run(check).expect("checked"), ExitCode::SUCCESS);
    }
}
