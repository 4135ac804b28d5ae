//! The hub's settings, layered like the CLI's with the `config` crate: built-in defaults, then a
//! TOML file (`connector-hub.toml` when present, or `--config FILE`), then `CONNECTOR_HUB__*`
//! environment variables, then flags.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use connector_core::{Limits, Overrides, UrlTemplate};
use serde::{Deserialize, Serialize};

use crate::store::DEFAULT_DATABASE;

/// The file read when no `--config` is given and it exists.
pub const DEFAULT_CONFIG_FILE: &str = "connector-hub.toml";
/// The master key file used when none is named.
pub const DEFAULT_KEY_FILE: &str = "connector-hub.key";
/// Prefix of the hub's environment variables (`CONNECTOR_HUB__LISTEN`, …).
pub const ENV_PREFIX: &str = "CONNECTOR_HUB";

/// Why settings could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(String);

/// A connector's URL overrides: one API base URL, or a table naming the API (`api`) and origins.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum UrlSetting {
    Api(String),
    Slots(BTreeMap<String, String>),
}

/// Everything the hub reads at start.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the server listens on.
    pub listen: SocketAddr,
    /// `sqlite://FILE` (the default, embedded) or `postgres://…`.
    pub database: String,
    /// The master keyring file; `CONNECTOR_HUB_MASTER_KEY` replaces it when set.
    pub master_key_file: PathBuf,
    /// The URL people reach the hub at; an `https://` one marks cookies `Secure`.
    pub public_url: Option<String>,
    /// Origins allowed to embed the connect page in a frame (e.g. `https://app.example.com`).
    pub frame_ancestors: Vec<String>,
    /// Deadline for one provider check, in seconds.
    pub check_timeout: f64,
    /// How long an operator stays signed in, in hours.
    pub session_hours: u64,
    /// Failed authentications allowed per client address per minute before 429.
    pub auth_failures_per_minute: u32,
    /// Where each connector's requests go instead of its spec's URLs (tests, proxies).
    pub base_urls: BTreeMap<String, UrlSetting>,
    /// How often each account is re-verified, in hours; 0 turns the schedule off.
    pub reverify_every_hours: f64,
    /// Scheduled checks in flight at once, per hub process.
    pub reverify_concurrency: usize,
    /// How often a hub process looks for due accounts and webhook deliveries, in seconds.
    pub scheduler_tick_seconds: f64,
    /// Scheduled checks per second to one connector, overriding its declared `bulk_rate`.
    pub rates: BTreeMap<String, f64>,
    /// A name for this hub process, unique among the processes sharing the database (e.g. a
    /// StatefulSet pod name). With it, a restarted process takes back at once the accounts its
    /// previous run had claimed; without it, they wait for their lease to end.
    pub instance: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8600)),
            database: DEFAULT_DATABASE.to_owned(),
            master_key_file: PathBuf::from(DEFAULT_KEY_FILE),
            public_url: None,
            frame_ancestors: Vec::new(),
            check_timeout: Limits::default().timeout.as_secs_f64(),
            session_hours: 12,
            auth_failures_per_minute: 10,
            base_urls: BTreeMap::new(),
            reverify_every_hours: 24.0,
            reverify_concurrency: 16,
            scheduler_tick_seconds: 5.0,
            rates: BTreeMap::new(),
            instance: None,
        }
    }
}

/// Values given as flags; `None` keeps the layers below.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub listen: Option<SocketAddr>,
    pub database: Option<String>,
    pub master_key_file: Option<PathBuf>,
}

impl Settings {
    /// Reads the layers: `file` (or `connector-hub.toml` when present), `env`, then `flags`.
    pub fn load(
        file: Option<&Path>,
        env: HashMap<String, String>,
        flags: &Flags,
    ) -> Result<Self, SettingsError> {
        let defaults = config::Config::try_from(&Settings::default())
            .map_err(|e| SettingsError(format!("built-in settings: {e}")))?;
        let mut builder = config::Config::builder().add_source(defaults);
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(SettingsError(format!(
                        "the config file {} does not exist; create it or leave out --config",
                        path.display()
                    )));
                }
                builder = builder.add_source(
                    config::File::from(path.to_owned()).format(config::FileFormat::Toml),
                );
            }
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                builder = builder.add_source(
                    config::File::with_name(DEFAULT_CONFIG_FILE).format(config::FileFormat::Toml),
                );
            }
            None => {}
        }
        builder = builder.add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("__")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("frame_ancestors")
                .try_parsing(true)
                .source(Some(env)),
        );
        if let Some(listen) = flags.listen {
            builder = builder
                .set_override("listen", listen.to_string())
                .map_err(|e| SettingsError(e.to_string()))?;
        }
        if let Some(database) = &flags.database {
            builder = builder
                .set_override("database", database.as_str())
                .map_err(|e| SettingsError(e.to_string()))?;
        }
        if let Some(file) = &flags.master_key_file {
            builder = builder
                .set_override("master_key_file", file.display().to_string())
                .map_err(|e| SettingsError(e.to_string()))?;
        }
        let settings: Settings =
            builder
                .build()
                .and_then(|c| c.try_deserialize())
                .map_err(|e| {
                    SettingsError(format!(
                        "invalid hub settings: {e}; see docs/hub.md for every setting"
                    ))
                })?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        if !(self.check_timeout > 0.0 && self.check_timeout <= 300.0) {
            return Err(SettingsError(
                "check_timeout must be between 0 and 300 seconds".to_owned(),
            ));
        }
        if !(self.reverify_every_hours >= 0.0 && self.reverify_every_hours.is_finite()) {
            return Err(SettingsError(
                "reverify_every_hours must be 0 (off) or a positive number of hours".to_owned(),
            ));
        }
        if !(self.scheduler_tick_seconds > 0.0 && self.scheduler_tick_seconds <= 3600.0) {
            return Err(SettingsError(
                "scheduler_tick_seconds must be between 0 and 3600".to_owned(),
            ));
        }
        for (id, rate) in &self.rates {
            connector_registry::lookup(id)
                .map_err(|e| SettingsError(format!("[rates] names an {e}")))?;
            if !(*rate > 0.0 && rate.is_finite()) {
                return Err(SettingsError(format!(
                    "[rates] {id} must be a positive number of checks per second"
                )));
            }
        }
        for id in self.base_urls.keys() {
            connector_registry::lookup(id)
                .map_err(|e| SettingsError(format!("[base_urls] names an {e}")))?;
        }
        for origin in &self.frame_ancestors {
            if !(origin.starts_with("https://") || origin.starts_with("http://"))
                || origin
                    .chars()
                    .any(|c| c.is_whitespace() || c == ';' || c == ',')
            {
                return Err(SettingsError(
                    "each frame_ancestors entry must be an origin such as https://app.example.com"
                        .to_owned(),
                ));
            }
        }
        Ok(())
    }

    /// Whether cookies must be `Secure`: the hub is reached over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// Limits of one provider check.
    pub fn limits(&self) -> Limits {
        Limits {
            timeout: Duration::from_secs_f64(self.check_timeout),
            ..Limits::default()
        }
    }

    /// URL overrides for one connector.
    pub fn overrides(&self, id: &str) -> Result<Overrides, SettingsError> {
        let mut overrides = Overrides::default();
        let parse = |text: &str| {
            UrlTemplate::parse(text).map_err(|e| {
                SettingsError(format!(
                    "[base_urls] entry for {id} is not a valid URL: {e}"
                ))
            })
        };
        match self.base_urls.get(id) {
            None => {}
            Some(UrlSetting::Api(url)) => overrides.base_url = Some(parse(url)?),
            Some(UrlSetting::Slots(slots)) => {
                for (slot, url) in slots {
                    if slot == "api" {
                        overrides.base_url = Some(parse(url)?);
                    } else {
                        overrides.origins.insert(slot.clone(), parse(url)?);
                    }
                }
            }
        }
        Ok(overrides)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn layers_apply_in_order_file_env_flags() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("hub.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\ndatabase = \"sqlite://file.db\"\ncheck_timeout = 3\n\
             [base_urls.greenhouse]\napi = \"http://127.0.0.1:1/v1\"\nauth = \"http://127.0.0.1:2\"\n",
        )
        .expect("write");
        let flags = Flags {
            database: Some("sqlite://flag.db".to_owned()),
            ..Flags::default()
        };
        let settings = Settings::load(
            Some(&file),
            env(&[
                ("CONNECTOR_HUB__LISTEN", "127.0.0.1:9100"),
                ("CONNECTOR_HUB__DATABASE", "sqlite://env.db"),
            ]),
            &flags,
        )
        .expect("loads");
        assert_eq!(settings.listen, SocketAddr::from(([127, 0, 0, 1], 9100)));
        assert_eq!(settings.database, "sqlite://flag.db");
        assert_eq!(settings.limits().timeout, Duration::from_secs(3));
        let overrides = settings.overrides("greenhouse").expect("valid");
        assert!(overrides.base_url.is_some());
        assert!(overrides.origins.contains_key("auth"));
    }

    #[test]
    fn an_unknown_setting_or_connector_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("hub.toml");
        std::fs::write(&file, "[base_urls]\ngreenhose = \"http://127.0.0.1:1\"\n").expect("write");
        let err = Settings::load(Some(&file), HashMap::new(), &Flags::default())
            .expect_err("unknown connector");
        assert!(err.to_string().contains("greenhouse"), "{err}");
        std::fs::write(&file, "lisen = \"127.0.0.1:1\"\n").expect("write");
        let err = Settings::load(Some(&file), HashMap::new(), &Flags::default())
            .expect_err("unknown key");
        assert!(err.to_string().contains("lisen"), "{err}");
    }
}
