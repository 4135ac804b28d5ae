//! `--definitions DIR` for the developer tools (`conformance`, `record`, `docs`): every `*.toml`
//! of DIR loaded as a connector, used instead of the compiled ones.
//! A definition's fixtures live beside it, in `DIR/<id>/`.

use std::path::Path;

use anyhow::bail;
use connector_core::Connector;
use connector_definition::DefinedConnector;

/// Loads every definition of `dir`, in file name order. Every problem of every file is printed
/// (`path:line: key message`) and the error says how many; a definition may not reuse the id of
/// a compiled connector. The registry is left alone: callers pass the connectors on.
pub fn load(dir: &Path) -> anyhow::Result<Vec<DefinedConnector>> {
    let loaded = match connector_definition::load_dir(dir) {
        Ok(loaded) => loaded,
        Err(error) => {
            for problem in &error.problems {
                eprintln!("{problem}");
            }
            bail!(
                "the connector definitions in {} cannot be loaded ({} problem{} above, each \
                 `path:line: key message`); fix them and run again",
                dir.display(),
                error.problems.len(),
                if error.problems.len() == 1 { "" } else { "s" }
            );
        }
    };
    if loaded.is_empty() {
        bail!(
            "{} holds no definition file (*.toml); write one (see docs/adding-a-connector.md) or \
             scaffold it with `cargo xtask new-connector ID … --definition --definitions {}`",
            dir.display(),
            dir.display()
        );
    }
    let reused: Vec<&str> = loaded
        .iter()
        .map(|c| c.definition().id.as_str())
        .filter(|id| connector_registry::is_compiled(id))
        .collect();
    if !reused.is_empty() {
        bail!(
            "{}: the definition of {} reuses the id of a compiled connector; a definition cannot \
             replace one, so give it an id of its own (e.g. `{}-defined`)",
            dir.display(),
            reused.join(", "),
            reused[0]
        );
    }
    Ok(loaded)
}

/// The loaded definitions as connectors, for the suite and the docs.
pub fn as_connectors(defined: &[DefinedConnector]) -> Vec<&dyn Connector> {
    defined.iter().map(|c| c as &dyn Connector).collect()
}

/// The defined connector `id`, or why there is none, naming the ids there are.
pub fn pick<'a>(
    defined: &'a [DefinedConnector],
    id: &str,
    dir: &Path,
) -> anyhow::Result<&'a DefinedConnector> {
    Ok(&defined[position(defined, id, dir)?])
}

/// [`pick`], taking the connector out of the list.
pub fn take(
    mut defined: Vec<DefinedConnector>,
    id: &str,
    dir: &Path,
) -> anyhow::Result<DefinedConnector> {
    let at = position(&defined, id, dir)?;
    Ok(defined.swap_remove(at))
}

fn position(defined: &[DefinedConnector], id: &str, dir: &Path) -> anyhow::Result<usize> {
    if let Some(at) = defined.iter().position(|c| c.definition().id == id) {
        return Ok(at);
    }
    let ids: Vec<&str> = defined.iter().map(|c| c.definition().id.as_str()).collect();
    bail!(
        "no definition in {} declares the id given ({}); the ids declared there: {}",
        dir.display(),
        connector_core::text::describe_value(id),
        ids.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_and_empty_directories_are_refused_with_a_fix() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let empty = format!("{:#}", load(dir.path()).expect_err("empty"));
        assert!(empty.contains("holds no definition file"), "{empty}");
        std::fs::write(dir.path().join("a.toml"), "id = \"acme\"\nname = 3\n").expect("written");
        let broken = format!("{:#}", load(dir.path()).expect_err("broken"));
        assert!(broken.contains("cannot be loaded"), "{broken}");
        assert!(broken.contains("fix them"), "{broken}");
        let mut compiled =
            connector_definition::Definition::from(connector_registry::all()[0].spec());
        std::fs::write(
            dir.path().join("a.toml"),
            connector_definition::print(&compiled),
        )
        .expect("written");
        let reused = format!("{:#}", load(dir.path()).expect_err("a compiled id"));
        assert!(reused.contains("-defined"), "{reused}");
        compiled.id = "acme-defined".to_owned();
        std::fs::write(
            dir.path().join("a.toml"),
            connector_definition::print(&compiled),
        )
        .expect("written");
        let loaded = load(dir.path()).expect("a renamed definition loads");
        assert!(pick(&loaded, "acme-defined", dir.path()).is_ok());
        let unknown = format!(
            "{:#}",
            pick(&loaded, "acme", dir.path()).expect_err("unknown")
        );
        assert!(unknown.contains("acme-defined"), "{unknown}");
    }
}
