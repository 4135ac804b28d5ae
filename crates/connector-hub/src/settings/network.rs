//! How the hub reaches providers, as the CLI's config file says it: `ca_cert = "FILE"` (a PEM
//! bundle trusted besides the built-in roots) and `resolve = ["HOST:PORT:ADDR", …]` (pinned
//! addresses, as curl's `--resolve`; `*.example.com` pins every name under example.com, `*`
//! every name). Both apply to the client that runs checks and to the proxy's.

use std::net::{IpAddr, SocketAddr};

use connector_core::http::{load_ca_bundle, HttpClientBuilder};

use super::{Settings, SettingsError};

/// One `resolve` entry: connect to `host` (or, for `*.domain`, any name under it) at `addr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// Lower-cased, without a trailing dot; `*.domain` or `*` for a wildcard.
    pub host: String,
    pub port: u16,
    pub addr: IpAddr,
}

impl Pin {
    /// Parses `HOST:PORT:ADDR` (an IPv6 ADDR may be bracketed); `index` is its place in the
    /// `resolve` list, for the error.
    pub fn parse(index: usize, text: &str) -> Result<Self, SettingsError> {
        let bad = |why: &str| {
            SettingsError(format!(
                "resolve[{index}] {:?}: expected HOST:PORT:ADDRESS as curl's --resolve takes it, \
                 e.g. api.example.com:443:127.0.0.1 or *.example.com:443:10.0.0.5 ({why})",
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
            .map_err(|_| bad("ADDRESS must be an IPv4 or IPv6 address"))?;
        Ok(Self { host, port, addr })
    }
}

impl Settings {
    /// The `resolve` entries, parsed; blank ones are skipped.
    pub fn pins(&self) -> Result<Vec<Pin>, SettingsError> {
        self.resolve
            .iter()
            .enumerate()
            .filter(|(_, entry)| !entry.trim().is_empty())
            .map(|(index, entry)| Pin::parse(index, entry))
            .collect()
    }

    /// The certificates of `ca_cert`, none when it is unset.
    pub fn extra_roots(&self) -> Result<Vec<reqwest::Certificate>, SettingsError> {
        match &self.ca_cert {
            Some(path) => load_ca_bundle(path).map_err(|e| {
                SettingsError(format!(
                    "ca_cert: {e} (a PEM file of the certificate authorities to trust besides \
                     the built-in ones)"
                ))
            }),
            None => Ok(Vec::new()),
        }
    }

    /// `base` with `ca_cert`'s certificates trusted and `resolve`'s pins applied: the client of
    /// checks and the proxy's are built from it.
    pub fn network(&self, base: HttpClientBuilder) -> Result<HttpClientBuilder, SettingsError> {
        let mut builder = base.extra_roots(self.extra_roots()?);
        for pin in self.pins()? {
            builder = builder.pin(&pin.host, SocketAddr::new(pin.addr, pin.port));
        }
        Ok(builder)
    }
}
