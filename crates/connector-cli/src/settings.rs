//! Settings layered with the `config` crate: built-in defaults, then a TOML file, then
//! `CONNECTOR_*` environment variables, then flags (applied by the commands).
//!
//! Each layer is read on its own and its `[base_urls]` keys are normalized to connector ids
//! (`polymer_hire`, `Polymer-Hire` and `polymer-hire` are all `polymer-hire`) before the layers
//! are merged, so the environment overrides the file for the same connector every time, whatever
//! the spelling. A connector's named origin (Greenhouse's token endpoint, `auth`) is
//! `"greenhouse.auth"` in the file and `CONNECTOR_BASE_URLS__GREENHOUSE__AUTH` in the
//! environment. Base URL variables are read here rather than by `config`, which would nest
//! `…__GREENHOUSE__AUTH` under `…__GREENHOUSE` and keep only one of the two.
//!
//! Messages about a base URL never quote it (it may carry credentials): they say which setting it
//! came from, its length, and what is wrong.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use connector_core::http::HttpClientBuilder;
use connector_core::template::fill;
use connector_core::{ConnectorSpec, HttpClient, Limits, Overrides, UrlTemplate};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use url::Url;

use crate::urls::{self, UrlSlot};
use crate::usage::UsageError;

/// Environment variables of base URLs, in lower case: `CONNECTOR_BASE_URLS__<ID>[__<ORIGIN>]`.
const ENV_BASE_URLS: &str = "connector_base_urls__";

/// The variable many tools read a CA bundle from; below this tool's own settings.
const SSL_CERT_FILE: &str = "SSL_CERT_FILE";
/// The DNS port used when a `dns_servers` entry gives none.
const DNS_PORT: u16 = 53;
/// Names from the input longer than this are described, not quoted (a key in the wrong place
/// must not be printed).
const MAX_QUOTED_NAME: usize = 11;

/// Settings shared by every check.
#[derive(Debug)]
pub struct Settings {
    /// Deadline for one check, in seconds.
    pub timeout: f64,
    /// Retries for 429 and 5xx within the deadline.
    pub retries: u32,
    /// Base URL overrides by connector id and slot (API base or named origin), validated.
    base_urls: BTreeMap<&'static str, BTreeMap<UrlSlot, UrlTemplate>>,
    /// DNS servers to ask instead of the system resolver; empty keeps the system resolver.
    pub dns_servers: Vec<SocketAddr>,
    /// A PEM bundle of certificate authorities trusted besides the built-in ones.
    pub ca_cert: Option<PathBuf>,
    /// Hosts connected to at a given address instead of resolving them.
    pub resolve: Vec<Pin>,
}

/// `HOST:PORT:ADDR`, as curl's `--resolve` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub host: String,
    pub port: u16,
    pub addr: std::net::IpAddr,
}

impl Pin {
    /// Parses `HOST:PORT:ADDR` (an IPv6 ADDR may be bracketed); `setting` names where it came
    /// from in the error.
    pub fn parse(text: &str, setting: &str) -> Result<Self, UsageError> {
        let bad = |why: &str| {
            UsageError::new(format!(
                "{setting} takes HOST:PORT:ADDR as curl does, e.g. api.example.com:443:127.0.0.1 \
                 ({why}; got {:?})",
                text.chars().take(80).collect::<String>()
            ))
        };
        let mut parts = text.trim().splitn(3, ':');
        let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("three parts separated by `:` are needed"));
        };
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        let name = match host.as_str() {
            "*" => "x",
            wildcard => wildcard.strip_prefix("*.").unwrap_or(wildcard),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(bad("HOST must be a host name, `*.` and a domain, or `*`"));
        }
        let port = port
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad("PORT must be a number from 1 to 65535"))?;
        let addr = addr
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| bad("ADDR must be an IPv4 or IPv6 address"))?;
        Ok(Self { host, port, addr })
    }
}

/// `--ca-cert` and `--resolve` as given on the command line; they add to (and, host by host,
/// win over) the settings'.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct NetworkArgs {
    /// Trust the certificate authorities in this PEM file besides the built-in ones (corporate
    /// TLS inspection, a test server). Also `ca_cert = "…"` in the config file,
    /// CONNECTOR_CA_CERT or SSL_CERT_FILE.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Connect to HOST at ADDR instead of resolving it, as curl does: HOST:PORT:ADDR, e.g.
    /// `api.example.com:443:127.0.0.1` (staging, tests); `*.example.com` pins every name under
    /// example.com, `*` every name; repeatable. Also `resolve = […]` in the config file or
    /// CONNECTOR_RESOLVE (comma-separated).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        let limits = Limits::default();
        Self {
            timeout: limits.timeout.as_secs_f64(),
            retries: limits.max_retries,
            base_urls: BTreeMap::new(),
            dns_servers: Vec::new(),
            ca_cert: None,
            resolve: Vec::new(),
        }
    }
}

/// One layer as written: every setting optional.
#[derive(Debug, Default, Deserialize)]
struct Layer {
    timeout: Option<f64>,
    retries: Option<u32>,
    #[serde(default)]
    base_urls: HashMap<String, UrlEntry>,
    dns_servers: Option<OneOrMany>,
    ca_cert: Option<String>,
    resolve: Option<OneOrMany>,
}

/// A `[base_urls]` entry: `polytomic = "…"`, `"greenhouse.auth" = "…"`, or a table of named
/// origins (`greenhouse.auth = "…"` without quotes, or `[base_urls.greenhouse] auth = "…"`).
#[derive(Debug)]
enum UrlEntry {
    Url(String),
    Origins(BTreeMap<String, String>),
}

impl<'de> Deserialize<'de> for UrlEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;

        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = UrlEntry;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a URL in quotes, or a table of named origins' URLs")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<UrlEntry, E> {
                Ok(UrlEntry::Url(text.to_owned()))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<UrlEntry, E> {
                Ok(UrlEntry::Url(text))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UrlEntry, A::Error> {
                let mut origins = BTreeMap::new();
                while let Some((name, url)) = map.next_entry::<String, String>()? {
                    origins.insert(name, url);
                }
                Ok(UrlEntry::Origins(origins))
            }
        }

        deserializer.deserialize_any(EntryVisitor)
    }
}

/// `dns_servers` as a TOML array, or a comma-separated string (the environment's form).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn entries(self) -> Vec<String> {
        match self {
            Self::One(text) => text.split(',').map(str::to_owned).collect(),
            Self::Many(list) => list,
        }
    }
}

/// Where a layer came from, for messages.
#[derive(Debug, Clone, Copy)]
enum Origin<'a> {
    File(&'a Path),
    Environment,
}

impl Origin<'_> {
    fn describe(self) -> String {
        match self {
            Self::File(path) => format!("the config file {}", path.display()),
            Self::Environment => "the environment".to_owned(),
        }
    }

    /// The setting holding a connector's base URL, named as the user would write it.
    fn base_url_setting(self, id: &str, slot: UrlSlot) -> String {
        let key = match slot {
            None => id.to_owned(),
            Some(name) => format!("{id}.{name}"),
        };
        match self {
            Self::File(path) => format!(
                "the base URL for {key} under [base_urls] in the config file {}",
                path.display()
            ),
            Self::Environment => format!("the base URL for {key} in {}", env_name(id, slot)),
        }
    }

    /// How a connector's base URL is written in this layer: `"greenhouse.auth" = …` under
    /// [base_urls], or `CONNECTOR_BASE_URLS__GREENHOUSE__AUTH`.
    fn base_url_key(self, id: &str, slot: UrlSlot) -> String {
        match (self, slot) {
            (Self::File(_), None) => format!("`{id} = \"…\"` under [base_urls]"),
            (Self::File(_), Some(name)) => format!("`\"{id}.{name}\" = \"…\"` under [base_urls]"),
            (Self::Environment, _) => env_name(id, slot),
        }
    }

    fn dns_setting(self) -> String {
        match self {
            Self::File(path) => format!("dns_servers in the config file {}", path.display()),
            Self::Environment => "CONNECTOR_DNS_SERVERS".to_owned(),
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
        let specs: Vec<&'static ConnectorSpec> =
            connector_registry::all().iter().map(|c| c.spec()).collect();
        Self::load_with(file, env, &specs)
    }

    /// As [`Settings::load_from`], knowing only the connectors of `specs`.
    fn load_with(
        file: Option<&Path>,
        env: Option<HashMap<String, String>>,
        specs: &[&'static ConnectorSpec],
    ) -> Result<Self, UsageError> {
        let mut layers = Vec::new();
        if let Some(file) = file {
            if !file.exists() {
                return Err(UsageError::new(format!(
                    "config file {} does not exist; create it or drop --config / CONNECTOR_CONFIG",
                    file.display()
                )));
            }
            let source = config::File::from(file).format(config::FileFormat::Toml);
            layers.push((read_layer(source, Origin::File(file))?, Origin::File(file)));
        }
        let (env, env_base_urls) = split_environment(env)?;
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
        let mut env_layer = read_layer(environment, Origin::Environment)?;
        env_layer.base_urls = env_base_urls;
        layers.push((env_layer, Origin::Environment));

        let mut settings = Settings {
            ca_cert: ssl_cert_file,
            ..Settings::default()
        };
        // The winning base URL per connector and slot, and the layer it came from.
        let mut base_urls: BTreeMap<(&'static str, UrlSlot), (String, Origin<'_>)> =
            BTreeMap::new();
        for (layer, origin) in layers {
            if let Some(timeout) = layer.timeout {
                settings.timeout = timeout;
            }
            if let Some(retries) = layer.retries {
                settings.retries = retries;
            }
            if let Some(servers) = layer.dns_servers {
                settings.dns_servers = parse_dns_servers(servers.entries(), origin)?;
            }
            if let Some(path) = layer.ca_cert.filter(|p| !p.trim().is_empty()) {
                settings.ca_cert = Some(PathBuf::from(path));
            }
            if let Some(pins) = layer.resolve {
                let setting = match origin {
                    Origin::File(path) => format!("resolve in the config file {}", path.display()),
                    Origin::Environment => "CONNECTOR_RESOLVE".to_owned(),
                };
                settings.resolve = pins
                    .entries()
                    .iter()
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| Pin::parse(p, &setting))
                    .collect::<Result<_, _>>()?;
            }
            for (key, url) in normalize_base_urls(layer.base_urls, origin, specs)? {
                base_urls.insert(key, (url, origin));
            }
        }
        for ((id, slot), (text, origin)) in base_urls {
            let setting = origin.base_url_setting(id, slot);
            let template = parse_base_url(&text, &setting)?;
            if let Some(spec) = find_spec(specs, id) {
                urls::check_placeholders(spec, &template, &setting)?;
            }
            settings
                .base_urls
                .entry(id)
                .or_default()
                .insert(slot, template);
        }
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

    /// Where `spec`'s requests go: the configured base URLs, with `flags` on top slot by slot;
    /// what neither gives is the spec's own.
    pub fn overrides(
        &self,
        spec: &ConnectorSpec,
        flags: BTreeMap<UrlSlot, UrlTemplate>,
    ) -> Overrides {
        let configured = self.base_urls.get(spec.id).cloned().unwrap_or_default();
        urls::merge(configured, flags)
    }

    /// The shared HTTP client for checks bounded by `limits`: the configured DNS servers (each
    /// query giving up within the deadline) or the system resolver.
    /// With `network`'s `--ca-cert` (instead of the settings') and `--resolve` pins (after the
    /// settings', so a flag wins for its host).
    /// `base` holds what the caller decides (pool size, per-host cap).
    pub fn http_client(
        &self,
        base: HttpClientBuilder,
        limits: &Limits,
        network: &NetworkArgs,
    ) -> Result<HttpClient, UsageError> {
        let mut builder = base.dns_servers(self.dns_servers.clone(), limits.timeout);
        let (ca_cert, setting) = match (&network.ca_cert, &self.ca_cert) {
            (Some(path), _) => (Some(path), "--ca-cert"),
            (None, Some(path)) => (
                Some(path),
                "ca_cert (config file, CONNECTOR_CA_CERT or SSL_CERT_FILE)",
            ),
            (None, None) => (None, ""),
        };
        if let Some(path) = ca_cert {
            let roots = connector_core::http::load_ca_bundle(path)
                .map_err(|e| UsageError::new(format!("{setting}: {e}")))?;
            builder = builder.extra_roots(roots);
        }
        let flags = network
            .resolve
            .iter()
            .map(|p| Pin::parse(p, "--resolve"))
            .collect::<Result<Vec<_>, _>>()?;
        for pin in self.resolve.iter().chain(&flags) {
            builder = builder.pin(&pin.host, SocketAddr::new(pin.addr, pin.port));
        }
        builder.build().map_err(|e| UsageError::new(e.to_string()))
    }
}

/// Reads one layer. A `config` error is reworded so that it never quotes a value.
fn read_layer(
    source: impl config::Source + Send + Sync + 'static,
    origin: Origin<'_>,
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

/// `[base_urls]` entries of one layer, keyed by connector id and slot. An unknown connector or
/// origin, or two spellings of one in the same layer, is an error naming it.
fn normalize_base_urls(
    raw: HashMap<String, UrlEntry>,
    origin: Origin<'_>,
    specs: &[&'static ConnectorSpec],
) -> Result<BTreeMap<(&'static str, UrlSlot), String>, UsageError> {
    // Flattened to `id` / `id.origin` keys, sorted so the same input always gives the same message.
    let mut flat: BTreeMap<String, String> = BTreeMap::new();
    for (key, entry) in raw {
        match entry {
            UrlEntry::Url(url) => {
                flat.insert(key, url);
            }
            UrlEntry::Origins(origins) => {
                for (name, url) in origins {
                    flat.insert(format!("{key}.{name}"), url);
                }
            }
        }
    }
    let mut spellings: BTreeMap<(&'static str, UrlSlot), String> = BTreeMap::new();
    let mut urls = BTreeMap::new();
    for (key, url) in flat {
        let (id_part, origin_part) = match key.split_once('.') {
            Some((id, name)) => (id, Some(name)),
            None => (key.as_str(), None),
        };
        let normalized = id_part.trim().to_ascii_lowercase().replace('_', "-");
        let Some(spec) = find_spec(specs, &normalized) else {
            let hint = match (
                origin_part
                    .is_none()
                    .then(|| joined_origin(specs, &normalized)),
                connector_registry::closest_id(&normalized),
            ) {
                (Some(Some((id, name))), _) => format!(
                    "for the `{name}` origin of {id}, write {}; ",
                    origin.base_url_key(id, Some(name))
                ),
                (_, Some(close)) => format!("did you mean `{close}`? "),
                _ => String::new(),
            };
            return Err(UsageError::new(format!(
                "unknown connector {} in the base URLs of {}; {hint}run `connector list` to see the ids",
                describe_name(id_part),
                origin.describe()
            )));
        };
        let slot = match origin_part {
            None => None,
            Some(name) => Some(urls::origin_named(
                spec,
                name,
                &format!("the base URLs of {}", origin.describe()),
            )?),
        };
        let shown = match slot {
            None => spec.id.to_owned(),
            Some(name) => format!("{}.{name}", spec.id),
        };
        if let Some(first) = spellings.insert((spec.id, slot), key.clone()) {
            return Err(UsageError::new(format!(
                "the base URL for {shown} is given twice in {} (as `{first}` and `{key}`, the same {}); keep one",
                origin.describe(),
                if slot.is_some() { "origin" } else { "connector" },
            )));
        }
        urls.insert((spec.id, slot), url);
    }
    Ok(urls)
}

/// `greenhouse-auth` read as connector `greenhouse` and its origin `auth`, for a hint when the
/// origin was joined to the id with one `_` instead of `__` (or `.`).
fn joined_origin(
    specs: &[&'static ConnectorSpec],
    normalized: &str,
) -> Option<(&'static str, &'static str)> {
    specs.iter().find_map(|spec| {
        let rest = normalized.strip_prefix(spec.id)?.strip_prefix('-')?;
        let origin = spec
            .origins
            .iter()
            .find(|o| o.name.replace('_', "-") == rest)?;
        Some((spec.id, origin.name))
    })
}

fn find_spec(specs: &[&'static ConnectorSpec], id: &str) -> Option<&'static ConnectorSpec> {
    specs.iter().copied().find(|s| s.id == id)
}

/// The environment variable of a connector's base URL: `CONNECTOR_BASE_URLS__POLYMER_HIRE`,
/// `CONNECTOR_BASE_URLS__GREENHOUSE__AUTH`.
pub fn env_name(id: &str, slot: UrlSlot) -> String {
    let upper = |s: &str| s.to_ascii_uppercase().replace('-', "_");
    match slot {
        None => format!("CONNECTOR_BASE_URLS__{}", upper(id)),
        Some(name) => format!("CONNECTOR_BASE_URLS__{}__{}", upper(id), upper(name)),
    }
}

/// Environment variables by name.
type Variables = HashMap<String, String>;

/// The `CONNECTOR_*` variables of the environment (the given one, or the process's), minus the
/// base URLs, which come back as `[base_urls]` entries: `…__<ID>` and `…__<ID>__<ORIGIN>`.
fn split_environment(
    env: Option<Variables>,
) -> Result<(Variables, HashMap<String, UrlEntry>), UsageError> {
    let env: Vec<(String, String)> = match env {
        Some(map) => map.into_iter().collect(),
        None => process_environment()?,
    };
    let mut rest = HashMap::new();
    let mut base_urls: HashMap<String, UrlEntry> = HashMap::new();
    for (name, value) in env {
        let lower = name.to_ascii_lowercase();
        let Some(key) = lower.strip_prefix(ENV_BASE_URLS) else {
            rest.insert(name, value);
            continue;
        };
        // An empty variable counts as unset, as `config` does for the others.
        if value.is_empty() {
            continue;
        }
        let parts: Vec<&str> = key.split("__").collect();
        let (id, origin) = match parts.as_slice() {
            [id] if !id.is_empty() => (*id, None),
            [id, origin] if !id.is_empty() && !origin.is_empty() => (*id, Some(*origin)),
            _ => {
                return Err(UsageError::new(format!(
                    "invalid settings in the environment: {} is not a base URL variable; name it \
                     CONNECTOR_BASE_URLS__<ID> for a connector's API base URL or \
                     CONNECTOR_BASE_URLS__<ID>__<ORIGIN> for a named origin, e.g. \
                     CONNECTOR_BASE_URLS__GREENHOUSE__AUTH",
                    describe_name(&name)
                )))
            }
        };
        let key = match origin {
            None => id.to_owned(),
            Some(origin) => format!("{id}.{origin}"),
        };
        // Two variables differing only in case are one setting: the last read wins, as before.
        base_urls.insert(key, UrlEntry::Url(value));
    }
    Ok((rest, base_urls))
}

/// The process's `CONNECTOR_*` variables. One that is not Unicode is an error naming it only.
fn process_environment() -> Result<Vec<(String, String)>, UsageError> {
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

/// A name from the settings, quoted when short and plain; otherwise only its length.
fn describe_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name.len() <= MAX_QUOTED_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if plain {
        format!("`{name}`")
    } else {
        format!("(a {}-character name)", name.chars().count())
    }
}

/// `dns_servers` entries: `ADDR:PORT` or `ADDR` (port 53); IPv6 with a port as `[ADDR]:PORT`.
fn parse_dns_servers(
    entries: Vec<String>,
    origin: Origin<'_>,
) -> Result<Vec<SocketAddr>, UsageError> {
    let mut servers = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let server = entry
            .parse::<SocketAddr>()
            .ok()
            .or_else(|| {
                let ip = entry.trim_start_matches('[').trim_end_matches(']');
                ip.parse::<IpAddr>()
                    .ok()
                    .map(|ip| SocketAddr::new(ip, DNS_PORT))
            })
            .ok_or_else(|| {
                UsageError::new(format!(
                    "entry {} of {} ({} characters) is not an IP address with an optional port; \
                     write it like 127.0.0.1:53, 10.0.0.2 or [::1]:53 (a DNS server is given by address, not by name)",
                    n + 1,
                    origin.dns_setting(),
                    entry.chars().count()
                ))
            })?;
        servers.push(server);
    }
    Ok(servers)
}

/// Parses a base URL given by the user: absolute http or https, with neither a query string nor
/// a fragment (a request path is joined to it, so they would be lost), nor a user name or
/// password. It may hold `{field}` placeholders like the connector's own
/// (`http://127.0.0.1:8080/{company_domain}/v1`, `http://{subdomain}.localhost:9`), checked as
/// if filled. `setting` names where it came from; the URL itself is never quoted.
pub fn parse_base_url(text: &str, setting: &str) -> Result<UrlTemplate, UsageError> {
    let length = text.chars().count();
    // A stand-in for each placeholder shows what the URL looks like once filled.
    let sample = fill(text, |_, _| Some("x".to_owned())).unwrap_or_else(|_| text.to_owned());
    let url = Url::parse(&sample).map_err(|e| {
        UsageError::new(format!(
            "{setting} is not a valid URL ({e}; {length} characters given); write it like https://api.example.com/v1"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(UsageError::new(format!(
            "{setting} must be an http or https URL with a host ({length} characters given); write it like https://api.example.com/v1"
        )));
    }
    if url.query().is_some() {
        return Err(UsageError::new(format!(
            "{setting} has a query string (after `?`, {length} characters given); remove the query string: a base URL is the scheme, host and path prefix only"
        )));
    }
    if url.fragment().is_some() {
        return Err(UsageError::new(format!(
            "{setting} has a fragment (after `#`, {length} characters given); remove the fragment: a base URL is the scheme, host and path prefix only"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UsageError::new(format!(
            "{setting} carries a user name or password (before `@`, {length} characters given); remove it: credentials go in the credentials file"
        )));
    }
    UrlTemplate::parse(text).map_err(|e| {
        UsageError::new(format!(
            "{setting} {e} ({length} characters given); a placeholder is a field name in braces, e.g. https://{{subdomain}}.example.com/v1"
        ))
    })
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

    fn config_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("connector.toml");
        std::fs::write(&file, text).unwrap();
        (dir, file)
    }

    fn spec(id: &str) -> &'static ConnectorSpec {
        connector_registry::find(id).unwrap().spec()
    }

    fn configured(settings: &Settings, id: &str) -> String {
        let overrides = settings.overrides(spec(id), BTreeMap::new());
        overrides.base_url.unwrap().as_str().to_owned()
    }

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
    fn the_environment_wins_over_the_file_whatever_the_spellings() {
        for file_key in ["polymer_hire", "\"polymer-hire\"", "\"Polymer-Hire\""] {
            let (_dir, file) = config_file(&format!(
                "[base_urls]\n{file_key} = \"http://127.0.0.1:1/file\"\n"
            ));
            for env_key in [
                "CONNECTOR_BASE_URLS__POLYMER_HIRE",
                "connector_base_urls__polymer_hire",
            ] {
                for _ in 0..5 {
                    let env = env(&[(env_key, "http://127.0.0.1:2/env")]);
                    let settings = Settings::load_from(Some(&file), Some(env)).unwrap();
                    assert_eq!(
                        configured(&settings, "polymer-hire"),
                        "http://127.0.0.1:2/env",
                        "{file_key} vs {env_key}"
                    );
                }
            }
        }
    }

    #[test]
    fn two_spellings_in_one_layer_are_an_error_naming_the_connector() {
        let (_dir, file) = config_file(
            "[base_urls]\npolymer_hire = \"http://127.0.0.1:1/a\"\n\"polymer-hire\" = \"http://127.0.0.1:2/b\"\n",
        );
        let err = Settings::load_from(Some(&file), Some(HashMap::new())).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("polymer-hire is given twice"), "{text}");
        assert!(text.contains("keep one"), "{text}");
        assert!(!text.contains("127.0.0.1"), "{text}");
    }

    #[test]
    fn an_unknown_connector_gets_a_did_you_mean_without_quoting_long_names() {
        let (_dir, file) = config_file("[base_urls]\npolytomik = \"http://127.0.0.1:1\"\n");
        let err = Settings::load_from(Some(&file), Some(HashMap::new())).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("unknown connector `polytomik`"), "{text}");
        assert!(text.contains("did you mean `polytomic`"), "{text}");

        let long = "sk_live_0123456789abcdef";
        let env = env(&[(
            &format!("CONNECTOR_BASE_URLS__{long}"),
            "http://127.0.0.1:1",
        )]);
        let err = Settings::load_from(None, Some(env)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("(a 24-character name)"), "{text}");
        assert!(!text.contains("0123456789"), "{text}");
    }

    #[test]
    fn a_base_url_with_a_query_or_fragment_is_refused_without_quoting_it() {
        for (url, what) in [
            (
                "http://127.0.0.1:9/v1?token=hunter2hunter2",
                "remove the query string",
            ),
            ("http://127.0.0.1:9/v1?", "remove the query string"),
            (
                "http://127.0.0.1:9/v1#hunter2hunter2",
                "remove the fragment",
            ),
        ] {
            let err = parse_base_url(url, "--base-url").unwrap_err().to_string();
            assert!(err.contains(what), "{err}");
            assert!(err.starts_with("--base-url "), "{err}");
            assert!(
                !err.contains("hunter2") && !err.contains("127.0.0.1"),
                "{err}"
            );
            assert!(err.contains(&format!("{} characters", url.len())), "{err}");

            let env = env(&[("CONNECTOR_BASE_URLS__POLYTOMIC", url)]);
            let err = Settings::load_from(None, Some(env))
                .unwrap_err()
                .to_string();
            assert!(err.contains("CONNECTOR_BASE_URLS__POLYTOMIC"), "{err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn an_overridden_bad_file_url_does_not_matter() {
        let (_dir, file) = config_file("[base_urls]\nstackone = \"not a url\"\n");
        let env = env(&[("CONNECTOR_BASE_URLS__STACKONE", "http://127.0.0.1:3/")]);
        let settings = Settings::load_from(Some(&file), Some(env)).unwrap();
        assert_eq!(configured(&settings, "stackone"), "http://127.0.0.1:3/");
        let err = Settings::load_from(Some(&file), Some(HashMap::new())).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("the base URL for stackone under [base_urls]"),
            "{text}"
        );
        assert!(text.contains("is not a valid URL"), "{text}");
        assert!(!text.contains("not a url"), "{text}");
    }

    #[test]
    fn pins_parse_as_curl_writes_them() {
        let pin = Pin::parse("API.Example.com:443:127.0.0.1", "--resolve").expect("a pin");
        assert_eq!(
            pin,
            Pin {
                host: "api.example.com".to_owned(),
                port: 443,
                addr: "127.0.0.1".parse().expect("an address"),
            }
        );
        let v6 = Pin::parse("h.test:8443:[::1]", "--resolve").expect("IPv6 in brackets");
        assert_eq!(v6.addr, "::1".parse::<std::net::IpAddr>().expect("::1"));
        assert!(
            Pin::parse("h.test:8443:::1", "--resolve").is_ok(),
            "IPv6 bare"
        );
        for bad in [
            "h.test",
            "h.test:443",
            ":443:127.0.0.1",
            "h.test:0:127.0.0.1",
            "h/x:1:127.0.0.1",
        ] {
            let err = Pin::parse(bad, "--resolve").expect_err(bad).to_string();
            assert!(err.starts_with("--resolve takes HOST:PORT:ADDR"), "{err}");
        }
    }

    #[test]
    fn ca_cert_and_pins_layer_file_then_environment_above_ssl_cert_file() {
        let (_dir, file) =
            config_file("ca_cert = \"/etc/file-ca.pem\"\nresolve = [\"a.test:443:10.0.0.1\"]\n");
        let settings =
            Settings::load_from(Some(&file), Some(env(&[("SSL_CERT_FILE", "/etc/ssl.pem")])))
                .expect("settings");
        assert_eq!(settings.ca_cert, Some(PathBuf::from("/etc/file-ca.pem")));
        assert_eq!(settings.resolve.len(), 1);
        let settings = Settings::load_from(
            Some(&file),
            Some(env(&[
                ("CONNECTOR_CA_CERT", "/etc/env-ca.pem"),
                (
                    "CONNECTOR_RESOLVE",
                    "a.test:443:10.0.0.2,b.test:8443:10.0.0.3",
                ),
            ])),
        )
        .expect("settings");
        assert_eq!(settings.ca_cert, Some(PathBuf::from("/etc/env-ca.pem")));
        assert_eq!(
            settings
                .resolve
                .iter()
                .map(|p| p.host.as_str())
                .collect::<Vec<_>>(),
            ["a.test", "b.test"]
        );
        let only_ssl = Settings::load_from(None, Some(env(&[("SSL_CERT_FILE", "/etc/ssl.pem")])))
            .expect("settings");
        assert_eq!(only_ssl.ca_cert, Some(PathBuf::from("/etc/ssl.pem")));
        let err = Settings::load_from(None, Some(env(&[("CONNECTOR_RESOLVE", "nope")])))
            .expect_err("a bad pin")
            .to_string();
        assert!(
            err.starts_with("CONNECTOR_RESOLVE takes HOST:PORT:ADDR"),
            "{err}"
        );
    }

    #[test]
    fn dns_servers_come_from_the_file_or_the_environment() {
        let (_dir, file) = config_file("dns_servers = [\"127.0.0.1:5353\", \"10.0.0.2\"]\n");
        let settings = Settings::load_from(Some(&file), Some(HashMap::new())).unwrap();
        assert_eq!(
            settings.dns_servers,
            [
                "127.0.0.1:5353".parse().unwrap(),
                "10.0.0.2:53".parse().unwrap()
            ]
        );
        let vars = env(&[("CONNECTOR_DNS_SERVERS", "[::1]:5300, 127.0.0.2,::1")]);
        let settings = Settings::load_from(Some(&file), Some(vars)).unwrap();
        let expected: Vec<SocketAddr> = ["[::1]:5300", "127.0.0.2:53", "[::1]:53"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(settings.dns_servers, expected, "the environment wins");
        assert!(Settings::load_from(None, Some(HashMap::new()))
            .unwrap()
            .dns_servers
            .is_empty());
        let vars = env(&[("CONNECTOR_DNS_SERVERS", "127.0.0.1:53,dns.example")]);
        let err = Settings::load_from(None, Some(vars))
            .unwrap_err()
            .to_string();
        assert!(err.contains("entry 2 of CONNECTOR_DNS_SERVERS"), "{err}");
    }

    /// The registered connectors plus two test ones: one with a named origin (`auth`), one with
    /// a host placeholder.
    fn with_fakes(
        file: Option<&Path>,
        env: HashMap<String, String>,
    ) -> Result<Settings, UsageError> {
        let mut specs: Vec<&'static ConnectorSpec> =
            connector_registry::all().iter().map(|c| c.spec()).collect();
        specs.push(&urls::fake::EXCHANGING);
        specs.push(&urls::fake::SUBDOMAIN);
        Settings::load_with(file, Some(env), &specs)
    }

    #[test]
    fn base_urls_may_be_templates_with_placeholders() {
        for url in [
            "http://127.0.0.1:8080/{company_domain}/v1",
            "http://{subdomain}.localhost:9",
            "https://{subdomain}.workable.com/spi/v3",
        ] {
            let template = parse_base_url(url, "--base-url").unwrap();
            assert_eq!(template.as_str(), url);
        }
        for (url, what) in [
            (
                "http://{subdomain}.localhost:9/?key=hunter2hunter2",
                "remove the query string",
            ),
            (
                "http://{subdomain}.localhost:9/#hunter2hunter2",
                "remove the fragment",
            ),
            (
                "http://hunter2hunter2@{subdomain}.localhost:9",
                "user name or password",
            ),
            ("ftp://{subdomain}.hunter2hunter2", "http or https"),
            ("http://{sub.hunter2hunter2/", "placeholder"),
            ("http://{Sub}.hunter2hunter2/", "placeholder"),
        ] {
            let err = parse_base_url(url, "--base-url").unwrap_err().to_string();
            assert!(err.contains(what), "{url}: {err}");
            assert!(!err.contains("hunter2"), "{url}: {err}");
            assert!(
                err.contains(&format!("{} characters", url.chars().count())),
                "{err}"
            );
        }

        let (_dir, file) =
            config_file("[base_urls]\nfakeable = \"http://{subdomain}.localhost:9\"\n");
        let settings = with_fakes(Some(&file), HashMap::new()).unwrap();
        let overrides = settings.overrides(&urls::fake::SUBDOMAIN, BTreeMap::new());
        assert_eq!(
            overrides.base_url.unwrap().as_str(),
            "http://{subdomain}.localhost:9"
        );
        // A placeholder naming no field of the connector (or a secret one) is refused at once.
        let (_dir, file) =
            config_file("[base_urls]\nfakeable = \"http://{api_key}.localhost:9\"\n");
        let err = with_fakes(Some(&file), HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the base URL for fakeable under [base_urls]"),
            "{err}"
        );
        assert!(err.contains("non-secret fields are: subdomain"), "{err}");
    }

    #[test]
    fn named_origins_have_their_own_entries_in_the_file_and_the_environment() {
        for file_text in [
            "[base_urls]\nfakehouse = \"http://127.0.0.1:1/api\"\n\"fakehouse.auth\" = \"http://127.0.0.1:1/auth\"\n",
            "[base_urls]\nfakehouse = \"http://127.0.0.1:1/api\"\n\"FakeHouse.AUTH\" = \"http://127.0.0.1:1/auth\"\n",
        ] {
            let (_dir, file) = config_file(file_text);
            let settings = with_fakes(Some(&file), HashMap::new()).unwrap();
            let overrides = settings.overrides(&urls::fake::EXCHANGING, BTreeMap::new());
            assert_eq!(overrides.base_url.unwrap().as_str(), "http://127.0.0.1:1/api");
            assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:1/auth");
        }
        // A table of origins: `fakehouse.auth = …` without quotes, or `[base_urls.fakehouse]`.
        for file_text in [
            "[base_urls]\nfakehouse.auth = \"http://127.0.0.1:1/auth\"\n",
            "[base_urls.fakehouse]\nauth = \"http://127.0.0.1:1/auth\"\n",
        ] {
            let (_dir, file) = config_file(file_text);
            let settings = with_fakes(Some(&file), HashMap::new()).unwrap();
            let overrides = settings.overrides(&urls::fake::EXCHANGING, BTreeMap::new());
            assert!(overrides.base_url.is_none(), "{file_text}");
            assert_eq!(
                overrides.origins["auth"].as_str(),
                "http://127.0.0.1:1/auth"
            );
        }

        // The environment: `__<ID>` and `__<ID>__<ORIGIN>` side by side, each winning over the
        // file for its own slot only, every time.
        let (_dir, file) = config_file(
            "[base_urls]\nfakehouse = \"http://127.0.0.1:1/api\"\n\"fakehouse.auth\" = \"http://127.0.0.1:1/auth\"\n",
        );
        for _ in 0..10 {
            let vars = env(&[
                ("CONNECTOR_BASE_URLS__FAKEHOUSE", "http://127.0.0.1:2/api"),
                (
                    "CONNECTOR_BASE_URLS__FAKEHOUSE__AUTH",
                    "http://127.0.0.1:2/auth",
                ),
            ]);
            let settings = with_fakes(Some(&file), vars).unwrap();
            let overrides = settings.overrides(&urls::fake::EXCHANGING, BTreeMap::new());
            assert_eq!(
                overrides.base_url.unwrap().as_str(),
                "http://127.0.0.1:2/api"
            );
            assert_eq!(
                overrides.origins["auth"].as_str(),
                "http://127.0.0.1:2/auth"
            );
        }
        let vars = env(&[("connector_base_urls__fakehouse__auth", "http://127.0.0.1:3")]);
        let settings = with_fakes(Some(&file), vars).unwrap();
        let overrides = settings.overrides(&urls::fake::EXCHANGING, BTreeMap::new());
        assert_eq!(
            overrides.base_url.unwrap().as_str(),
            "http://127.0.0.1:1/api"
        );
        assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:3");
        // A flag wins over both for its slot.
        let flags = urls::parse_flags(
            &urls::fake::EXCHANGING,
            &["auth=http://127.0.0.1:4".to_owned()],
        )
        .unwrap();
        let overrides = settings.overrides(&urls::fake::EXCHANGING, flags);
        assert_eq!(
            overrides.base_url.unwrap().as_str(),
            "http://127.0.0.1:1/api"
        );
        assert_eq!(overrides.origins["auth"].as_str(), "http://127.0.0.1:4");
    }

    #[test]
    fn unknown_origins_and_malformed_variables_are_errors_naming_the_setting() {
        let (_dir, file) =
            config_file("[base_urls]\n\"fakehouse.token\" = \"http://127.0.0.1:1\"\n");
        let err = with_fakes(Some(&file), HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("fakehouse has no origin named `token`"),
            "{err}"
        );
        assert!(err.contains("its named origins are: auth"), "{err}");

        let vars = env(&[("CONNECTOR_BASE_URLS__FAKEHOUSE_AUTH", "http://127.0.0.1:1")]);
        let err = with_fakes(None, vars).unwrap_err().to_string();
        assert!(
            err.contains(
                "for the `auth` origin of fakehouse, write CONNECTOR_BASE_URLS__FAKEHOUSE__AUTH"
            ),
            "{err}"
        );
        let (_dir, file) = config_file("[base_urls]\nfakehouse_auth = \"http://127.0.0.1:1\"\n");
        let err = with_fakes(Some(&file), HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("write `\"fakehouse.auth\" = \"…\"` under [base_urls]"),
            "{err}"
        );

        let vars = env(&[("CONNECTOR_BASE_URLS__POLYTOMIC__AUTH", "http://127.0.0.1:1")]);
        let err = Settings::load_from(None, Some(vars))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("polytomic has no origin named `auth`"),
            "{err}"
        );
        assert!(err.contains("the environment"), "{err}");

        for name in [
            "CONNECTOR_BASE_URLS__FAKEHOUSE__AUTH__X",
            "CONNECTOR_BASE_URLS____AUTH",
            "CONNECTOR_BASE_URLS__FAKEHOUSE__",
        ] {
            let err = with_fakes(None, env(&[(name, "http://127.0.0.1:1")]))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("CONNECTOR_BASE_URLS__<ID>__<ORIGIN>"),
                "{name}: {err}"
            );
        }

        let vars = env(&[(
            "CONNECTOR_BASE_URLS__FAKEHOUSE__AUTH",
            "http://127.0.0.1:1/?k=hunter2",
        )]);
        let err = with_fakes(None, vars).unwrap_err().to_string();
        assert!(
            err.contains("CONNECTOR_BASE_URLS__FAKEHOUSE__AUTH has a query string"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");

        let (_dir, file) = config_file(
            "[base_urls]\n\"fakehouse.auth\" = \"http://127.0.0.1:1\"\n\"fakehouse.AUTH\" = \"http://127.0.0.1:2\"\n",
        );
        let err = with_fakes(Some(&file), HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("fakehouse.auth is given twice"), "{err}");

        let (_dir, file) = config_file("[base_urls]\npolytomic = 5\n");
        let err = with_fakes(Some(&file), HashMap::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("a URL in quotes"), "{err}");
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
