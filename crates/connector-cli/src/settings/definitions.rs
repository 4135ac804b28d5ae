//! `--definitions DIR` (environment `CONNECTOR_DEFINITIONS`, setting `definitions`): connectors
//! loaded from definition files join the registry before anything else reads it, so `list`,
//! `describe`, `check` (single, bulk, dry run), `run` and the `[base_urls]` settings all see them.

use std::path::{Path, PathBuf};

use connector_core::overrides::Source;
use connector_core::Connector;

use super::layers::read_layer;
use crate::usage::UsageError;

/// The definitions directory: the flag (or its environment variable, which clap reads), else
/// the config file's `definitions`, relative to the file.
fn definitions_dir(
    flag: Option<&Path>,
    file: Option<&Path>,
) -> Result<Option<PathBuf>, UsageError> {
    if let Some(dir) = flag.filter(|d| !d.as_os_str().is_empty()) {
        return Ok(Some(dir.to_owned()));
    }
    let Some(file) = file.filter(|f| f.exists()) else {
        return Ok(None);
    };
    let source = config::File::from(file).format(config::FileFormat::Toml);
    let layer = read_layer(source, Source::File(file))?;
    Ok(layer
        .definitions
        .filter(|d| !d.trim().is_empty())
        .map(|dir| match file.parent() {
            Some(parent) => parent.join(dir),
            None => PathBuf::from(dir),
        }))
}

/// Loads the definitions directory, if one is set, into the registry. Every problem of every
/// file is reported at once, `path:line: key message` a line.
pub fn load_definitions(flag: Option<&Path>, file: Option<&Path>) -> Result<usize, UsageError> {
    let Some(dir) = definitions_dir(flag, file)? else {
        return Ok(0);
    };
    let loaded = connector_definition::load_dir(&dir).map_err(|e| {
        UsageError::new(format!(
            "the connector definitions in {} cannot be loaded:\n{e}",
            dir.display()
        ))
    })?;
    let count = loaded.len();
    let boxed: Vec<Box<dyn Connector>> = loaded
        .into_iter()
        .map(|c| Box::new(c) as Box<dyn Connector>)
        .collect();
    connector_registry::add(boxed)
        .map_err(|e| UsageError::new(format!("{}: {e}", dir.display())))?;
    Ok(count)
}
