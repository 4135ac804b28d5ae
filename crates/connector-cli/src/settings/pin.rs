//! A pinned address, `HOST:PORT:ADDR` as curl's `--resolve` takes it (`--resolve`, `resolve`,
//! `CONNECTOR_RESOLVE`).

use std::net::IpAddr;

use crate::usage::UsageError;

/// `HOST:PORT:ADDR`, as curl's `--resolve` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub host: String,
    pub port: u16,
    pub addr: IpAddr,
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
