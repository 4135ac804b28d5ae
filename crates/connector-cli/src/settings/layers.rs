//! Reading one layer of settings (the config file, or the `CONNECTOR_*` environment) with the
//! `config` crate, every setting optional, and rewording its errors so they never quote a value.

use std::collections::HashMap;

use connector_core::overrides::{describe_name, BaseUrlTable, Source};
use serde::Deserialize;

use crate::usage::UsageError;

/// The variable many tools read a CA bundle from; below this tool's own settings.
pub(super) const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// One layer as written: every setting optional.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Layer {
    pub timeout: Option<f64>,
    pub retries: Option<u32>,
    #[serde(default)]
    pub base_urls: BaseUrlTable,
    pub dns_servers: Option<OneOrMany>,
    pub ca_cert: Option<String>,
    pub resolve: Option<OneOrMany>,
    /// A directory of connector definition files (read before the layers, see `definitions.rs`).
    pub definitions: Option<String>,
}

/// A list as a TOML array, or a comma-separated string (the environment's form).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn entries(self) -> Vec<String> {
        match self {
            Self::One(text) => text.split(',').map(str::to_owned).collect(),
            Self::Many(list) => list,
        }
    }
}

/// Reads one layer. A `config` error is reworded so that it never quotes a value.
pub(super) fn read_layer(
    source: impl config::Source + Send + Sync + 'static,
    origin: Source<'_>,
) -> Result<Layer, UsageError> {
    config::Config::builder()
        .add_source(source)
        .build()
        .and_then(config::Config::try_deserialize)
        .map_err(|e| {
            UsageError::new(format!(
                "invalid settings in {}: {}",
                origin.describe(),
                describe_config_error(&e)
            ))
        })
}

/// A `config` error in words that name the setting and what is wrong with it, without the
/// quoted values or file excerpts some of its messages carry.
fn describe_config_error(error: &config::ConfigError) -> String {
    match error {
        config::ConfigError::Type { expected, key, .. } => match key.as_deref() {
            Some("timeout") => "`timeout` should be a number of seconds, e.g. 10".to_owned(),
            Some("retries") => "`retries` should be a whole number from 0 to 10".to_owned(),
            Some(key) => format!("`{key}` should be {expected}"),
            None => format!("a value should be {expected}"),
        },
        config::ConfigError::At {
            error,
            key: Some(key),
            ..
        } => format!("`{key}`: {}", describe_config_error(error)),
        config::ConfigError::At { error, .. } => describe_config_error(error),
        config::ConfigError::FileParse { cause, .. } => {
            // The first line says where ("TOML parse error at line 2, column 5"); the next
            // ones quote the file.
            let cause = cause.to_string();
            let place = cause
                .lines()
                .next()
                .filter(|line| line.starts_with("TOML parse error at line"))
                .map(|line| format!(" ({})", line.trim_start_matches("TOML parse error ")))
                .unwrap_or_default();
            format!("the file is not valid TOML{place}; check its syntax (e.g. quotes around text values)")
        }
        config::ConfigError::NotFound(key) => format!("`{key}` is missing"),
        // Serde's messages quote the value ("invalid type: string \"…\", expected f64"): keep
        // what is wrong and what was expected only.
        config::ConfigError::Message(text) => {
            let what = text.split(':').next().unwrap_or_default();
            match text.rsplit_once(", expected ") {
                Some((_, expected)) => format!("{what}, expected {expected}"),
                None => what.to_owned(),
            }
        }
        other => {
            let text = other.to_string();
            text.lines().next().unwrap_or_default().to_owned()
        }
    }
}

/// The environment to read: the given one (tests), or the process's `CONNECTOR_*` variables
/// and `SSL_CERT_FILE`. A process variable that is not Unicode is an error naming it only.
pub(super) fn environment(
    given: Option<HashMap<String, String>>,
) -> Result<Vec<(String, String)>, UsageError> {
    if let Some(given) = given {
        return Ok(given.into_iter().collect());
    }
    let mut out = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if !name.to_ascii_lowercase().starts_with("connector_") && name != SSL_CERT_FILE {
            continue;
        }
        let value = value.into_string().map_err(|_| {
            UsageError::new(format!(
                "invalid settings in the environment: {} is not valid Unicode",
                describe_name(name)
            ))
        })?;
        out.push((name.to_owned(), value));
    }
    Ok(out)
}
