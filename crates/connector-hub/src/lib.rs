//! connector-hub: a self-hosted server where people link API-key accounts through connect
//! sessions, and operators see, re-verify and unlink them. Every check goes through
//! connector-core; every form comes from the connector specs; every stored credential is
//! encrypted with AES-256-GCM under a master key the hub never stores beside the data.

pub mod api;
pub mod crypto;
pub mod events;
pub mod hubkey;
pub mod import;
pub mod limiter;
pub mod pages;
pub mod rotate;
pub mod schedule;
pub mod service;
pub mod settings;
pub mod store;
pub mod web;
pub mod webhooks;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use connector_core::HttpClient;

pub use service::Hub;

/// Largest request body accepted (forms and JSON); credentials are small.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Why the hub could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    #[error(transparent)]
    Settings(#[from] settings::SettingsError),
    #[error(transparent)]
    Key(#[from] crypto::KeyError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}

impl Hub {
    /// Opens the database and assembles the hub from settings and a keyring.
    pub async fn start(
        settings: settings::Settings,
        keyring: crypto::Keyring,
    ) -> Result<Arc<Self>, StartError> {
        let store = store::Store::open(&settings.database).await?;
        let http = HttpClient::builder()
            .pool_size(settings.reverify_concurrency.max(8))
            .build()
            .map_err(|e| StartError::Http(e.to_string()))?;
        Ok(Arc::new(Hub {
            store,
            keyring: Arc::new(keyring),
            limiter: limiter::FailureLimiter::new(settings.auth_failures_per_minute),
            instance: settings
                .instance
                .clone()
                .unwrap_or_else(|| store::new_id("proc")),
            rates: schedule::rate_limits(&settings.rates),
            hosts: connector_core::http::HostSlots::new(
                settings.reverify_concurrency.max(1),
                settings.reverify_concurrency.max(1),
            ),
            settings,
            http,
        }))
    }
}

/// Every route, with the security headers, request logging and body limit.
pub fn router(hub: Arc<Hub>) -> Router {
    api::routes()
        .merge(pages::routes())
        .layer(axum::middleware::from_fn_with_state(
            hub.clone(),
            web::security_headers,
        ))
        .layer(axum::middleware::from_fn(web::log_requests))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(hub)
}
