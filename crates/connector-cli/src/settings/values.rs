//! The settings themselves, as every command reads them; `mod.rs` loads them layer by layer,
//! `base_urls.rs` and `network.rs` read their parts.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use connector_core::{Limits, UrlSlot, UrlTemplate};

use super::pin::Pin;

/// Settings shared by every check.
#[derive(Debug)]
pub struct Settings {
    /// Deadline for one check, in seconds.
    pub timeout: f64,
    /// Retries for 429 and 5xx within the deadline.
    pub retries: u32,
    /// Base URL overrides by connector id and slot (API base or named origin), validated.
    pub(super) base_urls: BTreeMap<String, BTreeMap<UrlSlot, UrlTemplate>>,
    /// DNS servers to ask instead of the system resolver; empty keeps the system resolver.
    pub dns_servers: Vec<SocketAddr>,
    /// A PEM bundle of certificate authorities trusted besides the built-in ones.
    pub ca_cert: Option<PathBuf>,
    /// Hosts connected to at a given address instead of resolving them.
    pub resolve: Vec<Pin>,
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
