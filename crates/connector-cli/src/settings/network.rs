//! How checks reach providers: pinned addresses (`--resolve`, `resolve`), DNS servers
//! (`dns_servers`), a CA bundle (`--ca-cert`, `ca_cert`, `SSL_CERT_FILE`), and the HTTP client
//! built from them.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use connector_core::http::HttpClientBuilder;
use connector_core::overrides::Source;
use connector_core::{HttpClient, Limits};

use super::pin::{parse_pin, Pin};
use super::values::Settings;
use crate::usage::UsageError;

/// The DNS port used when a `dns_servers` entry gives none.
const DNS_PORT: u16 = 53;

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

/// One layer's `resolve` entries; blank ones are skipped.
pub(super) fn parse_pins(entries: &[String], source: Source<'_>) -> Result<Vec<Pin>, UsageError> {
    let setting = match source {
        Source::File(path) => format!("resolve in the config file {}", path.display()),
        Source::Environment => "CONNECTOR_RESOLVE".to_owned(),
    };
    entries
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| parse_pin(p, &setting))
        .collect()
}

/// `dns_servers` entries: `ADDR:PORT` or `ADDR` (port 53); IPv6 with a port as `[ADDR]:PORT`.
pub(super) fn parse_dns_servers(
    entries: &[String],
    source: Source<'_>,
) -> Result<Vec<SocketAddr>, UsageError> {
    let setting = match source {
        Source::File(path) => format!("dns_servers in the config file {}", path.display()),
        Source::Environment => "CONNECTOR_DNS_SERVERS".to_owned(),
    };
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
                    "entry {} of {setting} ({} characters) is not an IP address with an optional port; \
                     write it like 127.0.0.1:53, 10.0.0.2 or [::1]:53 (a DNS server is given by address, not by name)",
                    n + 1,
                    entry.chars().count()
                ))
            })?;
        servers.push(server);
    }
    Ok(servers)
}

impl Settings {
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
            .map(|p| parse_pin(p, "--resolve"))
            .collect::<Result<Vec<_>, _>>()?;
        for pin in self.resolve.iter().chain(&flags) {
            builder = builder.pin(&pin.host, pin.socket_addr());
        }
        builder.build().map_err(|e| UsageError::new(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::settings::test_support::{config_file, env};

    #[test]
    fn pins_parse_as_curl_writes_them() {
        let pin = parse_pin("API.Example.com:443:127.0.0.1", "--resolve").expect("a pin");
        assert_eq!(
            pin,
            Pin {
                host: "api.example.com".to_owned(),
                port: 443,
                addr: "127.0.0.1".parse().expect("an address"),
            }
        );
        let v6 = parse_pin("h.test:8443:[::1]", "--resolve").expect("IPv6 in brackets");
        assert_eq!(v6.addr, "::1".parse::<std::net::IpAddr>().expect("::1"));
        assert!(
            parse_pin("h.test:8443:::1", "--resolve").is_ok(),
            "IPv6 bare"
        );
        for bad in [
            "h.test",
            "h.test:443",
            ":443:127.0.0.1",
            "h.test:0:127.0.0.1",
            "h/x:1:127.0.0.1",
        ] {
            let err = parse_pin(bad, "--resolve").expect_err(bad).to_string();
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
}
