//! What the settings' tests share: an environment from pairs, a config file in a temporary
//! directory, and the API base URL a connector ends up with.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use connector_core::ConnectorSpec;

use super::values::Settings;

pub fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub fn config_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("connector.toml");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

pub fn spec(id: &str) -> &'static ConnectorSpec<'static> {
    connector_registry::find(id).unwrap().spec()
}

pub fn configured(settings: &Settings, id: &str) -> String {
    let overrides = settings.overrides(spec(id), BTreeMap::new());
    overrides.base_url.unwrap().as_str().to_owned()
}
