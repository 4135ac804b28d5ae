//! The running hub and its one error type, with the small rules every resource shares: names,
//! connector and variant lookups, masking.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use connector_core::http::HostSlots;
use connector_core::rate::RateLimit;
use connector_core::{Connector, CredentialVariant, HttpClient};
use ipnet::IpNet;

use super::connectors::Registry;
use super::proxy::ProxyState;
use crate::crypto::{DataKey, KeyError};
use crate::keyring::Keyring;
use crate::limiter::FailureLimiter;
use crate::outbound::{self, Guard, Lookup};
use crate::settings::{Settings, SettingsError};
use crate::store::{DbKind, Store, StoreError};

/// Longest owner, label or key name accepted, in characters (the API's document states it as a
/// count of characters, as JSON Schema counts).
pub const MAX_NAME: usize = 200;

/// The running hub: its database, keys, settings and HTTP client.
#[derive(Debug)]
pub struct Hub {
    pub(crate) store: Store,
    pub keyring: Arc<Keyring>,
    pub settings: Settings,
    pub http: HttpClient,
    /// Failed authentications on the API.
    pub limiter: FailureLimiter,
    /// Failed sign-ins on the pages, counted apart from the API's.
    pub signin_limiter: FailureLimiter,
    /// `trusted_proxies`, parsed.
    pub trusted_proxies: Vec<IpNet>,
    /// `allowed_return_origins`, serialized as browsers serialize origins.
    pub return_origins: Vec<String>,
    /// The `frame_ancestors` entries that are exact origins, serialized the same way.
    pub frame_origins: Vec<String>,
    /// Data keys unwrapped so far, and the current one (see `envelope.rs`).
    pub(crate) data_keys: DataKeyCache,
    /// Places for provider checks that requests start (`request_checks`).
    pub request_checks: tokio::sync::Semaphore,
    /// This process's name on the leases it takes.
    pub instance: String,
    /// Spacing of scheduled checks per connector, made the first time a connector is checked
    /// (see [`Hub::rate_limit`]); `None` for a connector with no rate.
    pub(crate) rates: RwLock<HashMap<String, Option<Arc<RateLimit>>>>,
    /// Scheduled checks in progress per provider or customer host: one until the host has
    /// answered, then its share of the pass's concurrency.
    pub hosts: HostSlots,
    /// Where webhook deliveries may go: public addresses only, unless
    /// `webhooks_allow_private_addresses` is set.
    pub outbound: Guard,
    /// The proxy's client, exchanged tokens and refusal times (`proxy.rs`).
    pub(crate) proxy: ProxyState,
    /// The compiled connectors and the custom ones this process last read (`connectors.rs`).
    pub(crate) connectors: Registry,
}

/// The data keys a process has unwrapped, by id, and the one it seals under with when it read it.
#[derive(Debug, Default)]
pub(crate) struct DataKeyCache {
    pub(crate) keys: RwLock<HashMap<String, Arc<DataKey>>>,
    pub(crate) current: RwLock<Option<(Arc<DataKey>, Instant)>>,
}

/// Anything that stops a hub operation, mapped to one HTTP answer by the API and pages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
    /// Too much is in progress to take this on now; try again shortly.
    #[error("{0}")]
    Busy(String),
    /// The request conflicts with the resource's state; `code` says how.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Refused with this HTTP status and code (the proxy's own refusals: a path leaving the
    /// base, a provider that did not answer; an unknown webhook event type).
    #[error("{message}")]
    Refused {
        status: u16,
        code: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// Why the hub could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}

impl Hub {
    /// Opens the database and assembles the hub from settings and a keyring.
    pub async fn start(settings: Settings, keyring: Keyring) -> Result<Arc<Self>, StartError> {
        Self::start_with_lookup(settings, keyring, outbound::system_lookup()).await
    }

    /// Like [`Hub::start`], with webhook endpoints' names looked up by `lookup` (tests give a
    /// table instead of the system's resolver).
    pub async fn start_with_lookup(
        settings: Settings,
        keyring: Keyring,
        lookup: Lookup,
    ) -> Result<Arc<Self>, StartError> {
        let store = Store::open(&settings.database).await?;
        let http = settings
            .network(HttpClient::builder().pool_size(settings.reverify_concurrency.max(8)))?
            .build()
            .map_err(|e| StartError::Http(e.to_string()))?;
        let hub = Arc::new(Hub {
            store,
            keyring: Arc::new(keyring),
            limiter: FailureLimiter::new(settings.auth_failures_per_minute),
            signin_limiter: FailureLimiter::new(settings.auth_failures_per_minute),
            trusted_proxies: settings.trusted_proxy_nets()?,
            return_origins: settings.return_origins()?,
            frame_origins: settings.frame_origins(),
            data_keys: DataKeyCache::default(),
            request_checks: tokio::sync::Semaphore::new(settings.request_checks.max(1)),
            instance: settings
                .instance
                .clone()
                .unwrap_or_else(|| crate::clock::new_id("proc")),
            rates: RwLock::default(),
            hosts: HostSlots::new(
                settings.reverify_concurrency.max(1),
                settings.reverify_concurrency.max(1),
            ),
            outbound: Guard::new(settings.webhooks_allow_private_addresses, lookup),
            proxy: ProxyState::new(&settings)?,
            connectors: Registry::default(),
            settings,
            http,
        });
        // Custom connectors are served from the start, whichever door uses the hub.
        if let Err(e) = hub.refresh_connectors().await {
            tracing::warn!("the custom connectors could not be read: {e}");
        }
        Ok(hub)
    }

    /// Closes the database's connections (before the process exits).
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// What the database is, for messages: its kind, and a SQLite file's path (a PostgreSQL
    /// URL may carry a password, so it is never shown).
    pub fn database_name(&self) -> String {
        match self.store.kind {
            DbKind::Postgres => "PostgreSQL".to_owned(),
            DbKind::Sqlite => format!(
                "SQLite ({})",
                self.settings.database.trim_start_matches("sqlite://")
            ),
        }
    }

    /// The database, for tests that inspect or move what the service floor wrote.
    #[cfg(feature = "test-support")]
    #[doc(hidden)]
    pub fn store(&self) -> &Store {
        &self.store
    }
}

impl Hub {
    /// The spacing of scheduled checks of `connector`: `[rates]` in the settings, else the
    /// connector's declared `bulk_rate`, else none. One limit per connector id for the life of
    /// the process, shared by every pass.
    pub fn rate_limit(&self, connector: &dyn Connector) -> Option<Arc<RateLimit>> {
        let spec = connector.spec();
        if let Some(known) = self.rates.read().ok().and_then(|r| r.get(spec.id).cloned()) {
            return known;
        }
        let rate = self
            .settings
            .rates
            .get(spec.id)
            .copied()
            .or(spec.bulk_rate)
            .filter(|r| *r > 0.0)
            .map(|r| Arc::new(RateLimit::per_second(r)));
        match self.rates.write() {
            Ok(mut rates) => rates.entry(spec.id.to_owned()).or_insert(rate).clone(),
            Err(_) => rate,
        }
    }
}

/// Checks a name-like value: required, bounded, no control characters.
pub fn clean_name(field: &'static str, value: &str, required: bool) -> Result<String, HubError> {
    let value = value.trim();
    if value.is_empty() && required {
        return Err(HubError::Invalid {
            field,
            message: format!("`{field}` is required"),
        });
    }
    if value.chars().count() > MAX_NAME {
        return Err(HubError::Invalid {
            field,
            message: format!("`{field}` is longer than {MAX_NAME} characters: shorten it"),
        });
    }
    if value.chars().any(char::is_control) {
        return Err(HubError::Invalid {
            field,
            message: format!("`{field}` contains control characters: remove them"),
        });
    }
    Ok(value.to_owned())
}

/// The variant named, or the connector's default.
pub fn variant<'a>(
    connector: &'a dyn Connector,
    name: Option<&str>,
) -> Result<&'a CredentialVariant<'a>, HubError> {
    let spec = connector.spec();
    match name.filter(|n| !n.is_empty()) {
        None => Ok(spec.default_variant()),
        Some(name) => spec
            .variants
            .iter()
            .find(|v| v.name == name || v.aliases.contains(&name))
            .ok_or_else(|| HubError::Invalid {
                field: "variant",
                message: format!(
                    "{} has no credential variant by that name; use one of: {}",
                    spec.name,
                    spec.variants
                        .iter()
                        .map(|v| v.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
    }
}

/// The text shown in place of a stored secret on edit forms and in the API.
pub fn masked(value: &str) -> String {
    connector_core::mask(value)
}
