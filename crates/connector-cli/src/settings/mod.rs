//! Settings layered with the `config` crate: built-in defaults, then a TOML file, then
//! `CONNECTOR_*` environment variables, then flags (applied by the commands).
//!
//! [`layers`] reads one layer; this file merges them; [`base_urls`] reads `[base_urls]` (with
//! connector-core's one reader, so the environment overrides the file for the same connector
//! whatever the spelling); [`network`] holds pins, DNS servers, the CA bundle and the HTTP client
//! built from them.
//!
//! Messages about a base URL never quote it (it may carry credentials): they say which setting it
//! came from, its length, and what is wrong.

mod base_urls;
mod definitions;
mod layers;
mod network;
mod pin;
#[cfg(test)]
mod test_support;
mod values;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use connector_core::overrides::Source;
use connector_core::{ConnectorSpec, Limits};

pub use self::base_urls::env_name;
pub use self::definitions::load_definitions;
use self::layers::{read_layer, Layer, SSL_CERT_FILE};
pub use self::network::NetworkArgs;
pub use self::values::Settings;
use crate::usage::UsageError;

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
        let specs: Vec<&'static ConnectorSpec<'static>> =
            connector_registry::all().iter().map(|c| c.spec()).collect();
        Self::load_with(file, env, &specs)
    }

    /// As [`Settings::load_from`], knowing only the connectors of `specs`.
    fn load_with(
        file: Option<&Path>,
        env: Option<HashMap<String, String>>,
        specs: &[&'static ConnectorSpec<'static>],
    ) -> Result<Self, UsageError> {
        let reader = base_urls::reader(specs);
        let mut layers = Vec::new();
        if let Some(file) = file {
            if !file.exists() {
                return Err(UsageError::new(format!(
                    "config file {} does not exist; create it or drop --config / CONNECTOR_CONFIG",
                    file.display()
                )));
            }
            let source = config::File::from(file).format(config::FileFormat::Toml);
            layers.push((read_layer(source, Source::File(file))?, Source::File(file)));
        }
        let (env, env_base_urls) = reader.split_environment(layers::environment(env)?)?;
        // The usual variable for a CA bundle, below every setting of this tool's own.
        let ssl_cert_file = env
            .get(SSL_CERT_FILE)
            .filter(|v| !v.trim().is_empty())
            .map(PathBuf::from);
        let environment = config::Environment::with_prefix("CONNECTOR")
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true)
            .source(Some(env));
        let mut env_layer: Layer = read_layer(environment, Source::Environment)?;
        env_layer.base_urls = env_base_urls;
        layers.push((env_layer, Source::Environment));

        let mut settings = Settings {
            ca_cert: ssl_cert_file,
            ..Settings::default()
        };
        // The winning base URL per connector and slot, and the layer it came from.
        let mut base_urls = BTreeMap::new();
        for (layer, source) in layers {
            if let Some(timeout) = layer.timeout {
                settings.timeout = timeout;
            }
            if let Some(retries) = layer.retries {
                settings.retries = retries;
            }
            if let Some(servers) = layer.dns_servers {
                settings.dns_servers = network::parse_dns_servers(&servers.entries(), source)?;
            }
            if let Some(path) = layer.ca_cert.filter(|p| !p.trim().is_empty()) {
                settings.ca_cert = Some(PathBuf::from(path));
            }
            if let Some(pins) = layer.resolve {
                settings.resolve = network::parse_pins(&pins.entries(), source)?;
            }
            for (key, url) in reader.read_layer(layer.base_urls, source)? {
                base_urls.insert(key, (url, source));
            }
        }
        settings.base_urls = base_urls::parse(&reader, base_urls)?;
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::urls::{self, parse_base_url};

    use crate::settings::test_support::{config_file, configured, env, spec};

    #[test]
    fn environment_overrides_file_and_defaults() {
        let (_dir, file) = config_file(
            "timeout = 3\nretries = 1\n[base_urls]\npolymer_hire = \"http://127.0.0.1:9/v1\"\n",
        );
        let env = env(&[("CONNECTOR_TIMEOUT", "4.5")]);
        let settings = Settings::load_from(Some(&file), Some(env)).unwrap();
        assert_eq!(settings.timeout, 4.5);
        assert_eq!(settings.retries, 1);
        assert_eq!(
            configured(&settings, "polymer-hire"),
            "http://127.0.0.1:9/v1"
        );
        let flags =
            urls::parse_flags(spec("polymer-hire"), &["http://127.0.0.1:8/x".to_owned()]).unwrap();
        let overrides = settings.overrides(spec("polymer-hire"), flags);
        assert_eq!(overrides.base_url.unwrap().as_str(), "http://127.0.0.1:8/x");
    }

    #[test]
    fn rejects_bad_values_with_the_fix() {
        let env = env(&[("CONNECTOR_TIMEOUT", "-1")]);
        let err = Settings::load_from(None, Some(env)).unwrap_err();
        assert!(err.to_string().contains("timeout"), "{err}");
        assert!(parse_base_url("ftp://x", "--base-url").is_err());
        assert!(parse_base_url("not a url", "--base-url").is_err());
        let (_dir, file) = config_file("timeout = \"soon\"\n");
        let err = Settings::load_from(Some(&file), Some(HashMap::new())).unwrap_err();
        assert!(err.to_string().contains("timeout"), "{err}");
        let (_dir, file) = config_file("[base_urls\nstackone = \"http://user:hunter2@x\"\n");
        let err = Settings::load_from(Some(&file), Some(HashMap::new())).unwrap_err();
        assert!(err.to_string().contains("not valid TOML"), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
