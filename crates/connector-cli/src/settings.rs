//! Settings layered with the `config` crate: built-in defaults, then a TOML file, then
//! `CONNECTOR_*` environment variables, then flags (applied by the commands).
//!
//! Each layer is read on its own and its `[base_urls]` keys are normalized to connector ids
//! (`polymer_hire`, `Polymer-Hire` and `polymer-hire` are all `polymer-hire`) before the layers
//! are merged, so the environment overrides the file for the same connector every time, whatever
//! the spelling. Messages about a base URL never quote it (it may carry credentials): they say
//! which setting it came from, its length, and what is wrong.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use connector_core::{HttpClient, Limits};
use serde::Deserialize;
use url::Url;

use crate::usage::UsageError;

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
    /// Base URL overrides by connector id, already validated.
    base_urls: BTreeMap<&'static str, Url>,
    /// DNS servers to ask instead of the system resolver; empty keeps the system resolver.
    pub dns_servers: Vec<SocketAddr>,
}

impl Default for Settings {
    fn default() -> Self {
        let limits = Limits::default();
        Self {
            timeout: limits.timeout.as_secs_f64(),
            retries: limits.max_retries,
            base_urls: BTreeMap::new(),
            dns_servers: Vec::new(),
        }
    }
}

/// One layer as written: every setting optional.
#[derive(Debug, Default, Deserialize)]
struct Layer {
    timeout: Option<f64>,
    retries: Option<u32>,
    #[serde(default)]
    base_urls: HashMap<String, String>,
    dns_servers: Option<OneOrMany>,
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

    /// The setting holding `id`'s base URL, named as the user wrote it.
    fn base_url_setting(self, id: &str) -> String {
        match self {
            Self::File(path) => format!(
                "the base URL for {id} under [base_urls] in the config file {}",
                path.display()
            ),
            Self::Environment => format!(
                "the base URL for {id} in CONNECTOR_BASE_URLS__{}",
                id.to_ascii_uppercase().replace('-', "_")
            ),
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
        let environment = config::Environment::with_prefix("CONNECTOR")
            .prefix_separator("_")
            .separator("__")
            .try_parsing(true)
            .source(env);
        layers.push((
            read_layer(environment, Origin::Environment)?,
            Origin::Environment,
        ));

        let mut settings = Settings::default();
        // The winning base URL per connector, and the layer it came from.
        let mut base_urls: BTreeMap<&'static str, (String, Origin<'_>)> = BTreeMap::new();
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
            for (id, url) in normalize_base_urls(layer.base_urls, origin)? {
                base_urls.insert(id, (url, origin));
            }
        }
        for (id, (text, origin)) in base_urls {
            let url = parse_base_url(&text, &origin.base_url_setting(id))?;
            settings.base_urls.insert(id, url);
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

    /// The base URL for `id`: the flag, else the settings, else none (the spec's own).
    pub fn base_url(&self, id: &str, flag: Option<&str>) -> Result<Option<Url>, UsageError> {
        match flag {
            Some(text) => parse_base_url(text, "--base-url").map(Some),
            None => Ok(self.base_urls.get(id).cloned()),
        }
    }

    /// The shared HTTP client for checks bounded by `limits`: the configured DNS servers (each
    /// query giving up within the deadline) or the system resolver.
    pub fn http_client(&self, pool_size: usize, limits: &Limits) -> Result<HttpClient, UsageError> {
        HttpClient::builder()
            .pool_size(pool_size)
            .dns_servers(self.dns_servers.clone(), limits.timeout)
            .build()
            .map_err(|e| UsageError::new(e.to_string()))
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

/// `[base_urls]` keys of one layer, turned into connector ids. An unknown connector, or two
/// spellings of one connector in the same layer, is an error naming it.
fn normalize_base_urls(
    raw: HashMap<String, String>,
    origin: Origin<'_>,
) -> Result<BTreeMap<&'static str, String>, UsageError> {
    // Sorted, so that the same input always gives the same message.
    let raw: BTreeMap<String, String> = raw.into_iter().collect();
    let mut spellings: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut urls = BTreeMap::new();
    for (key, url) in raw {
        let normalized = key.trim().to_ascii_lowercase().replace('_', "-");
        let Some(connector) = connector_registry::find(&normalized) else {
            let hint = match connector_registry::closest_id(&normalized) {
                Some(close) => format!("did you mean `{close}`? "),
                None => String::new(),
            };
            return Err(UsageError::new(format!(
                "unknown connector {} in the base URLs of {}; {hint}run `connector list` to see the ids",
                describe_name(&key),
                origin.describe()
            )));
        };
        let id = connector.spec().id;
        if let Some(first) = spellings.insert(id, key.clone()) {
            return Err(UsageError::new(format!(
                "the base URL for {id} is given twice in {} (as `{first}` and `{key}`, the same connector); keep one",
                origin.describe(),
            )));
        }
        urls.insert(id, url);
    }
    Ok(urls)
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
/// a fragment (a request path is joined to it, so they would be lost). `setting` names where it
/// came from; the URL itself is never quoted.
pub fn parse_base_url(text: &str, setting: &str) -> Result<Url, UsageError> {
    let length = text.chars().count();
    let url = Url::parse(text).map_err(|e| {
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
    Ok(url)
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

    fn configured(settings: &Settings, id: &str) -> String {
        settings.base_url(id, None).unwrap().unwrap().to_string()
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
        let flag = settings
            .base_url("polymer-hire", Some("http://127.0.0.1:8/x"))
            .unwrap();
        assert_eq!(flag.unwrap().as_str(), "http://127.0.0.1:8/x");
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
