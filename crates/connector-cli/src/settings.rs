//! Settings layered with the `config` crate: built-in defaults, then a TOML file, then
//! `CONNECTOR_*` environment variables, then flags (applied by the commands).

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use connector_core::Limits;
use serde::Deserialize;
use url::Url;

use crate::usage::UsageError;

/// Settings shared by every check.
#[derive(Debug, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Deadline for one check, in seconds.
    pub timeout: f64,
    /// Retries for 429 and 5xx within the deadline.
    pub retries: u32,
    /// Base URL overrides by connector id (`polymer_hire` and `polymer-hire` are the same).
    pub base_urls: HashMap<String, String>,
}

impl Default for Settings {
    fn default() -> Self {
        let limits = Limits::default();
        Self {
            timeout: limits.timeout.as_secs_f64(),
            retries: limits.max_retries,
            base_urls: HashMap::new(),
        }
    }
}

impl Settings {
    /// Loads defaults, then `file` (if given), then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, UsageError> {
        Self::load_from(file, None)
    }

    /// As [`Settings::load`], with an explicit environment instead of the process's (for tests).
    pub fn load_from(
        file: Option<&Path>,
        env: Option<HashMap<String, String>>,
    ) -> Result<Self, UsageError> {
        let mut builder = config::Config::builder();
        if let Some(file) = file {
            if !file.exists() {
                return Err(UsageError::new(format!(
                    "config file {} does not exist; create it or drop --config / CONNECTOR_CONFIG",
                    file.display()
                )));
            }
            builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
        }
        let environment = config::Environment::with_prefix("CONNECTOR")
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true)
            .source(env);
        let settings: Settings = builder
            .add_source(environment)
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|e| UsageError::new(format!("invalid settings: {e}")))?;
        settings.limits()?;
        Ok(settings)
    }

    /// The HTTP limits these settings describe, with flag overrides applied.
    pub fn limits_with(
        &self,
        timeout: Option<f64>,
        retries: Option<u32>,
    ) -> Result<Limits, UsageError> {
        let secs = timeout.unwrap_or(self.timeout);
        if !secs.is_finite() || secs <= 0.0 || secs > 3600.0 {
            return Err(UsageError::new(format!(
                "timeout must be a number of seconds between 0 and 3600, not {secs}"
            )));
        }
        Ok(Limits {
            timeout: Duration::from_secs_f64(secs),
            max_retries: retries.unwrap_or(self.retries).min(10),
            ..Limits::default()
        })
    }

    pub fn limits(&self) -> Result<Limits, UsageError> {
        self.limits_with(None, None)
    }

    /// The base URL for `id`: the flag, else the settings, else none (the spec's own).
    pub fn base_url(&self, id: &str, flag: Option<&str>) -> Result<Option<Url>, UsageError> {
        let configured = self
            .base_urls
            .iter()
            .find(|(k, _)| k.replace('_', "-") == id)
            .map(|(_, v)| v.as_str());
        flag.or(configured).map(parse_base_url).transpose()
    }
}

/// Parses a base URL given by the user: absolute http or https.
pub fn parse_base_url(text: &str) -> Result<Url, UsageError> {
    let url = Url::parse(text).map_err(|e| {
        UsageError::new(format!(
            "base URL `{text}` is not a valid URL ({e}); write it like https://api.example.com/v1"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(UsageError::new(format!(
            "base URL `{text}` must be an http or https URL with a host"
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_file_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("connector.toml");
        std::fs::write(
            &file,
            "timeout = 3\nretries = 1\n[base_urls]\npolymer_hire = \"http://127.0.0.1:9/v1\"\n",
        )
        .unwrap();
        let env = HashMap::from([("CONNECTOR_TIMEOUT".to_owned(), "4.5".to_owned())]);
        let settings = Settings::load_from(Some(&file), Some(env)).unwrap();
        assert_eq!(settings.timeout, 4.5);
        assert_eq!(settings.retries, 1);
        assert_eq!(
            settings
                .base_url("polymer-hire", None)
                .unwrap()
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/v1"
        );
        let flag = settings
            .base_url("polymer-hire", Some("http://127.0.0.1:8/x"))
            .unwrap();
        assert_eq!(flag.unwrap().as_str(), "http://127.0.0.1:8/x");
    }

    #[test]
    fn rejects_bad_values_with_the_fix() {
        let env = HashMap::from([("CONNECTOR_TIMEOUT".to_owned(), "-1".to_owned())]);
        let err = Settings::load_from(None, Some(env)).unwrap_err();
        assert!(err.to_string().contains("timeout"), "{err}");
        assert!(parse_base_url("ftp://x").is_err());
        assert!(parse_base_url("not a url").is_err());
    }
}
