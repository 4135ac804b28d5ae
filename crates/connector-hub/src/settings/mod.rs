//! The hub's settings, layered like the CLI's with the `config` crate: built-in defaults, then a
//! TOML file (`connector-hub.toml` when present, or `--config FILE`), then `CONNECTOR_HUB__*`
//! environment variables, then flags.
//!
//! `[base_urls]` is read by connector-core's one reader, with the CLI's spellings under the hub's
//! prefix: `greenhouse = "…"`, `"greenhouse.auth" = "…"` or a `[base_urls.greenhouse]` table
//! (where `api` also names the API base URL) in the file, and
//! `CONNECTOR_HUB__BASE_URLS__<ID>[__<ORIGIN>]` in the environment, the id upper-cased with `-`
//! as `_` (`POLYMER_HIRE`); `base_urls.rs` holds that part. `ca_cert` and `resolve`, how checks
//! and the proxy reach providers, are the CLI's config file keys; `network.rs` applies them.

mod base_urls;
mod network;

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use connector_core::overrides::Source;
use connector_core::{ConnectorSpec, Limits, Overrides};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

pub use self::base_urls::UrlSetting;
use self::base_urls::{base_url_reader, by_connector, overrides_of};
use crate::store::DEFAULT_DATABASE;
pub use connector_core::http::Pin;

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

/// Everything the hub reads at start.
#[derive(Clone, Deserialize, Serialize)]
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
    /// Origins allowed to embed the connect page in a frame (e.g. `https://app.example.com`);
    /// a connect session's `origin`, where its pages post their events, must be one of them.
    pub frame_ancestors: Vec<String>,
    /// Origins a connect session's `return_url` may be on (e.g. `https://app.example.com`):
    /// `https://`, or `http://` on a loopback host.
    pub allowed_return_origins: Vec<String>,
    /// Deadline for one provider check, in seconds.
    pub check_timeout: f64,
    /// How long a proxied call waits for the provider's answer to start (its status and
    /// headers), in seconds; the body then streams for as long as it takes.
    pub proxy_timeout: f64,
    /// How long an operator stays signed in, in hours.
    pub session_hours: u64,
    /// Failed authentications allowed per client address per minute before 429 (the API's and
    /// the sign-in page's counted apart).
    pub auth_failures_per_minute: u32,
    /// Days audit records are kept; 0 keeps them forever.
    pub audit_retention_days: u32,
    /// Days status history is kept; 0 keeps it forever.
    pub history_retention_days: u32,
    /// Days webhook deliveries are kept; 0 keeps them forever.
    pub delivery_retention_days: u32,
    /// Seconds a connection has to send its request headers (idle keep-alive ones too).
    pub header_read_timeout: f64,
    /// Connections served at once; more wait until one closes.
    pub max_connections: usize,
    /// Provider checks that requests (linking, editing, verifying) may run at once; a request
    /// finding none free within a few seconds gets 503.
    pub request_checks: usize,
    /// Provider checks one connect session may run; past it the link shows a page saying so.
    pub checks_per_connect_session: u32,
    /// Proxies in front of the hub (addresses or CIDRs); only a peer among them is believed
    /// about the client's address (`X-Forwarded-For`, `Forwarded`).
    pub trusted_proxies: Vec<String>,
    /// Where each connector's requests go instead of its spec's URLs (tests, proxies), by
    /// connector id once loaded.
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
    /// Lets webhook endpoints be `http://` and on loopback, private, link-local or other
    /// non-public addresses (tests, on-premises receivers). Off, only public `https://`
    /// endpoints are registered and connected to.
    pub webhooks_allow_private_addresses: bool,
    /// A PEM file of certificate authorities trusted for provider requests (checks and the
    /// proxy) besides the built-in ones: TLS inspection, a test server.
    pub ca_cert: Option<PathBuf>,
    /// `HOST:PORT:ADDR` entries, as curl's `--resolve`: provider requests to HOST connect to
    /// ADDR instead of resolving it; `*.example.com` pins every name under example.com, `*`
    /// every name.
    pub resolve: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8600)),
            database: DEFAULT_DATABASE.to_owned(),
            master_key_file: PathBuf::from(DEFAULT_KEY_FILE),
            public_url: None,
            frame_ancestors: Vec::new(),
            allowed_return_origins: Vec::new(),
            check_timeout: Limits::default().timeout.as_secs_f64(),
            proxy_timeout: 30.0,
            session_hours: 12,
            auth_failures_per_minute: 10,
            trusted_proxies: Vec::new(),
            checks_per_connect_session: 10,
            header_read_timeout: 10.0,
            audit_retention_days: 365,
            history_retention_days: 365,
            delivery_retention_days: 90,
            max_connections: 512,
            request_checks: 32,
            base_urls: BTreeMap::new(),
            reverify_every_hours: 24.0,
            reverify_concurrency: 16,
            scheduler_tick_seconds: 5.0,
            rates: BTreeMap::new(),
            instance: None,
            webhooks_allow_private_addresses: false,
            ca_cert: None,
            resolve: Vec::new(),
        }
    }
}

/// Values given as flags; `None` keeps the layers below.
#[derive(Clone, Default)]
pub struct Flags {
    pub listen: Option<SocketAddr>,
    pub database: Option<String>,
    pub master_key_file: Option<PathBuf>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = serde_json::to_value(self).unwrap_or_default();
        shown["database"] = serde_json::Value::from(masked_database(&self.database));
        write!(f, "Settings {shown}")
    }
}

impl std::fmt::Debug for Flags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flags")
            .field("listen", &self.listen)
            .field("database", &self.database.as_deref().map(masked_database))
            .field("master_key_file", &self.master_key_file)
            .finish()
    }
}

/// A database URL as it may be shown: its password masked.
pub fn masked_database(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("••••"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "(a database URL that does not parse)".to_owned(),
    }
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
        let specs: Vec<&'static ConnectorSpec<'static>> =
            connector_registry::all().iter().map(|c| c.spec()).collect();
        let reader = base_url_reader(&specs);
        let (env, env_base_urls) = reader
            .split_environment(env)
            .map_err(|e| SettingsError(e.to_string()))?;
        let mut builder = config::Config::builder().add_source(defaults);
        let file = match file {
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
                Some(path)
            }
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                builder = builder.add_source(
                    config::File::with_name(DEFAULT_CONFIG_FILE).format(config::FileFormat::Toml),
                );
                Some(Path::new(DEFAULT_CONFIG_FILE))
            }
            None => None,
        };
        builder = builder.add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("__")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("frame_ancestors")
                .with_list_parse_key("allowed_return_origins")
                .with_list_parse_key("trusted_proxies")
                .with_list_parse_key("resolve")
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
        let mut settings: Settings =
            builder
                .build()
                .and_then(|c| c.try_deserialize())
                .map_err(|e| {
                    SettingsError(format!(
                        "invalid hub settings: {e}; see docs/hub.md for every setting"
                    ))
                })?;
        let file_base_urls = std::mem::take(&mut settings.base_urls)
            .into_iter()
            .map(|(key, setting)| (key, setting.into()))
            .collect();
        let layers = file
            .map(|path| (file_base_urls, Source::File(path)))
            .into_iter()
            .chain([(env_base_urls, Source::Environment)]);
        let urls = reader
            .read(layers)
            .map_err(|e| SettingsError(e.to_string()))?;
        settings.base_urls = by_connector(urls);
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        self.trusted_proxy_nets()?;
        self.pins()?;
        self.extra_roots()?;
        if !(self.check_timeout > 0.0 && self.check_timeout <= 300.0) {
            return Err(SettingsError(
                "check_timeout must be between 0 and 300 seconds".to_owned(),
            ));
        }
        if !(self.proxy_timeout > 0.0 && self.proxy_timeout <= 3600.0) {
            return Err(SettingsError(
                "proxy_timeout must be between 0 and 3600 seconds".to_owned(),
            ));
        }
        if !(self.reverify_every_hours >= 0.0 && self.reverify_every_hours.is_finite()) {
            return Err(SettingsError(
                "reverify_every_hours must be 0 (off) or a positive number of hours".to_owned(),
            ));
        }
        if !(self.header_read_timeout > 0.0 && self.header_read_timeout <= 3600.0) {
            return Err(SettingsError(
                "header_read_timeout must be between 0 and 3600 seconds".to_owned(),
            ));
        }
        if self.max_connections == 0 || self.request_checks == 0 {
            return Err(SettingsError(
                "max_connections and request_checks must be at least 1".to_owned(),
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
        self.return_origins()?;
        Ok(())
    }

    /// `allowed_return_origins`, each in the form browsers serialize an origin
    /// (`https://host[:port]`), as a `return_url`'s origin is compared with them.
    pub fn return_origins(&self) -> Result<Vec<String>, SettingsError> {
        self.allowed_return_origins
            .iter()
            .map(|entry| {
                crate::origin::parse_origin(entry.trim()).map_err(|e| {
                    SettingsError(format!(
                        "each allowed_return_origins entry must be an origin such as \
                         https://app.example.com: {e} (got {:?})",
                        entry.chars().take(80).collect::<String>()
                    ))
                })
            })
            .collect()
    }

    /// The `frame_ancestors` entries that are exact origins, serialized as browsers do; a
    /// connect session's `origin` must be one of them (a wildcard entry such as
    /// `https://*.example.com` lets pages frame the connect page but names no origin to post to).
    pub fn frame_origins(&self) -> Vec<String> {
        self.frame_ancestors
            .iter()
            .filter_map(|entry| crate::origin::parse_origin(entry.trim()).ok())
            .collect()
    }

    /// Whether cookies must be `Secure`: the hub is reached over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// `trusted_proxies` as address ranges; a bare address is a range of one.
    pub fn trusted_proxy_nets(&self) -> Result<Vec<IpNet>, SettingsError> {
        self.trusted_proxies
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        SettingsError(format!(
                            "each trusted_proxies entry must be an IP address or a CIDR range such \
                             as 10.0.0.0/8 or 2001:db8::/32 (got {:?})",
                            entry.chars().take(60).collect::<String>()
                        ))
                    })
            })
            .collect()
    }

    /// How long a request may take: a provider check and a little more.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.check_timeout + 10.0)
    }

    /// How long a proxied call may take to start answering: a token exchange, the provider's
    /// answer, and a little more.
    pub fn proxy_request_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.check_timeout + self.proxy_timeout + 10.0)
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
        overrides_of(&self.base_urls, id).map_err(SettingsError)
    }
}

#[cfg(test)]
mod tests;
